"""The repo map on real git repositories in temp dirs: cache, incremental refresh, ranking, providers."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pytest
from tests.conftest import make_git_repo

from tether.config import load_settings
from tether.context.code_providers import RepoMapProvider, ScopeProvider
from tether.context.ranking import GraphBuilder, mentioned_identifiers, rank_definitions
from tether.context.repomap import PARALLEL_MIN_FILES, RepoMap
from tether.engine import EditTarget, Engine
from tether.pack import ContextPack
from tether.slider import Level

CANARY = "sk-canary0123456789abcdefghij"

SHOP = {
    "shop/tax.py": (
        '"""Tax rules."""\n\nRATE = 0.2\n\n\n'
        "def compute_tax(amount: float, rate: float = RATE) -> float:\n"
        '    """Tax owed on an amount."""\n    return round(amount * rate, 2)\n\n\n'
        "class TaxTable:\n    def lookup(self, region: str) -> float:\n        return RATE\n"
    ),
    "shop/cart.py": (
        "from dataclasses import dataclass\n\nfrom shop.util import format_price\n\n\n@dataclass\nclass Item:\n"
        "    name: str\n    price: float\n\n\nclass Cart:\n    def __init__(self):\n        self.items: list[Item] = []\n\n"
        "    def add(self, item: Item) -> None:\n        self.items.append(item)\n\n"
        "    def total(self) -> float:\n        subtotal = sum(i.price for i in self.items)\n        return subtotal\n\n"
        "    def label(self) -> str:\n        return format_price(self.total())\n"
    ),
    "shop/util.py": 'def slugify(text):\n    return text.lower().replace(" ", "-")\n\n\ndef format_price(value):\n    return f"${value:.2f}"\n',
    ".gitignore": "build/\n",
    ".tetherignore": "generated/\n",
}


def distractors(n: int = 12) -> dict[str, str]:
    """Modules that define and call many functions, none of them about tax."""
    files = {}
    for i in range(n):
        body = "".join(f"def step_{i}_{j}(data):\n    return normalize_{i}(data) + {j}\n\n\n" for j in range(8))
        files[f"pipeline/stage_{i}.py"] = f"def normalize_{i}(data):\n    return data\n\n\n{body}"
    return files


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    root = make_git_repo(tmp_path / "shop", {**SHOP, **distractors()})
    (root / ".env").write_text(f"OPENAI_API_KEY={CANARY}\n")
    for ignored in ("build/tax.py", "generated/tax.py"):
        (root / ignored).parent.mkdir(parents=True, exist_ok=True)
        (root / ignored).write_text("def compute_tax(amount):\n    return 0\n")
    return root


def make_engine(root: Path, **overrides) -> Engine:
    """An engine whose edit role has no model: token counts are estimates (fast tests)."""
    settings = load_settings(root, env={}, overrides={"roles": {"edit": []}, **overrides})
    return Engine(settings, root)


def target_for(root: Path, path: str, first: int, last: int, instruction: str) -> EditTarget:
    text = (root / path).read_text()
    return EditTarget(path=path, text=text, start_line=first, end_line=last, instruction=instruction, level=Level.SELECTION)


def age(root: Path, seconds: float = 3600) -> None:
    """Move every file's mtime into the past, so the index trusts size + mtime."""
    past = time.time() - seconds
    for dirpath, _, names in os.walk(root):
        for name in names:
            os.utime(Path(dirpath) / name, (past, past))


# ---- index and cache --------------------------------------------------------------------


def test_cold_refresh_then_only_changed_files_are_parsed(shop: Path, tmp_path: Path) -> None:
    age(shop)
    index = RepoMap(shop, tmp_path / "data" / "repomap.sqlite")
    cold = index.refresh()
    assert cold.files == cold.parsed == 3 + 12  # .env, build/ and generated/ are not source files here
    assert "build/tax.py" not in index.entries and "generated/tax.py" not in index.entries
    assert [d.name for d in index.definitions("shop/tax.py")] == ["RATE", "compute_tax", "TaxTable", "lookup"]
    again = index.refresh()
    assert again.checked == 0 and again.parsed == 0 and not again.changed()

    (shop / "shop" / "util.py").write_text(SHOP["shop/util.py"] + "\n\ndef titlecase(text):\n    return text.title()\n")
    step = index.refresh()
    assert step.parsed == 1 and step.changed()
    assert "titlecase" in [d.name for d in index.definitions("shop/util.py")]
    assert index.refresh(["shop/util.py"]).parsed == 0  # a known path that did not change


def test_cache_survives_a_restart(shop: Path, tmp_path: Path) -> None:
    age(shop)
    db = tmp_path / "data" / "repomap.sqlite"
    first = RepoMap(shop, db)
    first.refresh()
    first.close()
    second = RepoMap(shop, db)
    stats = second.refresh()
    assert stats.parsed == 0 and stats.checked == 0
    assert second.definitions("shop/tax.py") == first.definitions("shop/tax.py")


def test_a_new_tags_version_drops_the_cache(shop: Path, tmp_path: Path) -> None:
    db = tmp_path / "data" / "repomap.sqlite"
    RepoMap(shop, db).refresh()
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE meta SET value = 'older' WHERE key = 'tags_version'")
    assert RepoMap(shop, db).refresh().parsed == 15


def test_content_hash_decides_when_the_stat_is_in_doubt(shop: Path, tmp_path: Path) -> None:
    index = RepoMap(shop, tmp_path / "repomap.sqlite")
    index.refresh()
    path = shop / "shop" / "util.py"
    before = path.stat()
    # Same size, same mtime, new content: only the racy-mtime hash check can see it.
    path.write_text(SHOP["shop/util.py"].replace("slugify", "slugifx"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    stats = index.refresh()
    assert stats.parsed == 1
    assert "slugifx" in [d.name for d in index.definitions("shop/util.py")]
    # An old file whose mtime moved but whose content did not is hashed, not parsed.
    age(shop)
    index.refresh()
    os.utime(path)
    stats = index.refresh()
    assert stats.checked == 1 and stats.parsed == 0


def test_deleted_and_newly_ignored_files_leave_the_index(shop: Path, tmp_path: Path) -> None:
    index = RepoMap(shop, tmp_path / "repomap.sqlite")
    index.refresh()
    (shop / "pipeline" / "stage_0.py").unlink()
    (shop / ".tetherignore").write_text("generated/\npipeline/stage_1.py\n")
    stats = index.refresh()
    assert stats.removed == 2
    assert "pipeline/stage_0.py" not in index.entries and "pipeline/stage_1.py" not in index.entries


def test_worker_processes_give_the_same_tags(tmp_path: Path) -> None:
    files = {f"m{i}.py": f"def f{i}(x):\n    return g{i + 1}(x)\n\nclass C{i}:\n    pass\n" for i in range(PARALLEL_MIN_FILES + 6)}
    root = make_git_repo(tmp_path / "many", files)
    parallel = RepoMap(root, None, max_workers=2)
    stats = parallel.refresh()
    assert stats.workers == 2 and stats.parsed == len(files)
    serial = RepoMap(root, None, max_workers=1)
    serial.refresh()
    assert {p: e.tags for p, e in parallel.entries.items()} == {p: e.tags for p, e in serial.entries.items()}


# ---- ranking ----------------------------------------------------------------------------


def ranked_paths(root: Path, focus: str, instruction: str, selection: str = "") -> list[tuple[str, str]]:
    index = RepoMap(root, None)
    index.refresh()
    graph = GraphBuilder().build(index.entries)
    ranked = rank_definitions(graph, [focus], mentioned_identifiers(instruction, selection), {focus})
    return [(r.path, r.definition.name) for r in ranked]


def test_a_named_symbol_from_another_file_ranks_first(shop: Path) -> None:
    ranked = ranked_paths(shop, "shop/cart.py", "apply compute_tax to the subtotal")
    assert ranked[0] == ("shop/tax.py", "compute_tax")
    assert all(path != "shop/cart.py" for path, _ in ranked)  # the file being edited is not mapped


def test_references_of_the_focus_file_rank_their_definitions(shop: Path) -> None:
    ranked = ranked_paths(shop, "shop/cart.py", "tidy this up")
    assert ranked[0] == ("shop/util.py", "format_price")


def test_identifiers_in_the_selection_count(shop: Path) -> None:
    ranked = ranked_paths(shop, "shop/util.py", "make it faster", selection="    return normalize_3(x)\n")
    assert ranked[0] == ("pipeline/stage_3.py", "normalize_3")


def test_mentions_weigh_code_like_words_above_plain_ones() -> None:
    mentions = mentioned_identifiers("use `slugify` and compute_tax, call render() then handle the Parser", "x = helper(y)")
    assert mentions["compute_tax"] == mentions["slugify"] == mentions["render"] == 1.0
    assert mentions["helper"] == 0.5 and mentions["handle"] < 0.5
    assert "the" not in mentions and "use" not in mentions


# ---- providers --------------------------------------------------------------------------


async def test_repomap_provider_shows_the_named_definition_and_keeps_secrets_out(shop: Path) -> None:
    engine = make_engine(shop)
    target = target_for(shop, "shop/cart.py", 18, 21, "apply compute_tax to the subtotal")
    pack = ContextPack()
    await RepoMapProvider().provide(engine, target, pack, 400)
    first = pack.items[0]
    assert first.source.kind == "repomap" and first.source.path == "shop/tax.py"
    assert "def compute_tax" in first.text and "return round(amount * rate, 2)" in first.text
    assert (first.source.start_line, first.source.end_line) == (6, 8)
    paths = {item.source.path for item in pack.items}
    assert not paths & {".env", "build/tax.py", "generated/tax.py", "shop/cart.py"}
    assert all(CANARY not in item.text for item in pack.items)
    assert sum(item.source.tokens or 0 for item in pack.items) <= 400
    assert (Path(engine.data_dir) / "repomap.sqlite").is_file()


async def test_repomap_provider_fits_a_small_budget(shop: Path) -> None:
    engine = make_engine(shop)
    target = target_for(shop, "shop/cart.py", 18, 21, "tidy up")
    small, large = ContextPack(), ContextPack()
    provider = RepoMapProvider()
    await provider.provide(engine, target, small, 40)
    await provider.provide(engine, target, large, 2000)
    assert sum(i.source.tokens or 0 for i in small.items) <= 40
    assert len(large.items) > len(small.items) >= 1
    assert "pipeline/stage_0.py" in {i.source.path for i in large.items}


async def test_repomap_provider_in_a_folder_without_git(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    for rel, text in SHOP.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    (root / ".env").write_text(f"KEY={CANARY}\n")
    engine = make_engine(root)
    pack = ContextPack()
    await RepoMapProvider().provide(engine, target_for(root, "shop/cart.py", 18, 21, "use compute_tax"), pack, 300)
    assert pack.items[0].source.path == "shop/tax.py"


@pytest.mark.model
async def test_budgets_are_counted_with_the_models_tokenizer(shop: Path) -> None:
    settings = load_settings(shop, env={})
    engine = Engine(settings, shop)
    try:
        pack = ContextPack()
        target = target_for(shop, "shop/cart.py", 18, 21, "apply compute_tax")
        await RepoMapProvider().provide(engine, target, pack, 120)
        backend = engine.backend("edit")
        assert pack.items
        for item in pack.items:
            assert item.source.tokens == await backend.count_tokens(item.text)
        assert sum(item.source.tokens for item in pack.items) <= 120
    finally:
        await engine.aclose()


LONG_FUNCTION = (
    "import os\n\n\ndef long_function(x):\n"
    + "".join(f"    x = x + {i}\n" for i in range(30))
    + "    return x\n\n\ndef other():\n    return 1\n"
)


async def test_scope_provider_adds_the_enclosing_function_of_a_small_selection(tmp_path: Path) -> None:
    root = make_git_repo(tmp_path / "scope", {"long.py": LONG_FUNCTION})
    engine = make_engine(root)
    pack = ContextPack()
    await ScopeProvider().provide(engine, target_for(root, "long.py", 20, 21, "change this"), pack, 1000)
    assert len(pack.items) == 1
    item = pack.items[0]
    assert item.source.kind == "file" and (item.source.start_line, item.source.end_line) == (4, 35)
    assert item.text.startswith("def long_function(x):") and item.text.rstrip().endswith("return x")


async def test_scope_provider_trims_to_the_budget_and_skips_big_selections(tmp_path: Path) -> None:
    root = make_git_repo(tmp_path / "scope", {"long.py": LONG_FUNCTION})
    engine = make_engine(root)
    trimmed = ContextPack()
    await ScopeProvider().provide(engine, target_for(root, "long.py", 20, 21, "x"), trimmed, 120)
    assert trimmed.items and trimmed.items[0].source.tokens <= 60
    assert trimmed.items[0].source.start_line > 4
    for first, last in ((0, 40), (0, 39)):  # whole file, or more lines than a "small" selection
        pack = ContextPack()
        await ScopeProvider().provide(engine, target_for(root, "long.py", first, last, "x"), pack, 1000)
        assert pack.items == []
    near = ContextPack()  # the enclosing function fits in the lines the prompt already shows (edit.around_lines)
    await ScopeProvider().provide(make_engine(root, edit={"around_lines": 6}), target_for(root, "long.py", 38, 39, "x"), near, 1000)
    assert near.items == []
