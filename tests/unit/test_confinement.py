"""Confinement by construction: every reader of workspace files refuses links that lead out.

One hostile workspace, in a real git repository and in a plain folder, with real symlinks:

- ``file_link.py -> ../outside/secret.py``: a symlinked file leading out;
- ``dir_link -> ../outside/pkgdir``: a symlinked folder leading out (and, in git, ``lib/mod.py``
  committed as a real file, then ``lib`` swapped for a link out: a path through a linked folder);
- ``chain.py -> hops/hop1.py -> hop2.py -> ../../outside/chained.py``: a chain whose first hop
  stays inside;
- ``alias.py -> real.py``: an inside link that stays inside, which every reader may follow.

Each reader (file listing, digest, repo map and its index workers, the repo-map provider's
bodies, git's recent files, LSP recent chunks, docs ingest of a folder, the repo agent's tools)
gets the same layout; no text from outside may come out of any of them, the inside link's may.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from tests.conftest import git, make_git_repo

from tether.code.tags import Definition
from tether.config import load_settings
from tether.context.budget import estimate_tokens
from tether.context.code_providers import RepoMapProvider, _add_body
from tether.context.digest import build_digest
from tether.context.edit_history import EditHistory
from tether.context.files import list_files
from tether.context.ignore import walk_files
from tether.context.indexworker import run_batches
from tether.context.ranking import Ranked
from tether.context.recent import RecentChunks
from tether.context.repomap import RepoMap
from tether.docs.index import DocsIndex
from tether.docs.ingest import Ingester
from tether.docs.sources import plan_folder
from tether.engine import EditTarget, Engine
from tether.errors import InputError
from tether.lsp import recent as lsp_recent
from tether.ops.repo_tools import RepoTools
from tether.pack import ContextPack
from tether.slider import Level

OUTSIDE_MARKS = ("OUTSIDE-FILE-MARK", "OUTSIDE-DIR-MARK", "OUTSIDE-CHAIN-MARK")
OUTSIDE_NAMES = ("outside_fn", "outside_dir_fn", "chained_fn")
LINKS_OUT = ("file_link.py", "chain.py", "hops/hop1.py", "hops/hop2.py", "lib/mod.py")
APP = "from alias import inside_fn\n\n\ndef main():\n    return inside_fn() + outside_fn() + outside_dir_fn() + chained_fn()\n"
REAL = "def inside_fn():\n    return 'INSIDE-MARK'\n"


def _outside(tmp_path: Path) -> Path:
    out = tmp_path / "outside"
    (out / "pkgdir").mkdir(parents=True)
    (out / "secret.py").write_text("def outside_fn():\n    return 'OUTSIDE-FILE-MARK'\n")
    (out / "pkgdir" / "mod.py").write_text("def outside_dir_fn():\n    return 'OUTSIDE-DIR-MARK'\n")
    (out / "chained.py").write_text("def chained_fn():\n    return 'OUTSIDE-CHAIN-MARK'\n")
    (out / "notes.md").write_text("# Outside\n\nOUTSIDE-FILE-MARK orchard\n")
    return out


def _links(root: Path) -> None:
    (root / "hops").mkdir(exist_ok=True)
    (root / "alias.py").symlink_to("real.py")
    (root / "file_link.py").symlink_to("../outside/secret.py")
    (root / "dir_link").symlink_to("../outside/pkgdir")
    (root / "hops" / "hop2.py").symlink_to("../../outside/chained.py")
    (root / "hops" / "hop1.py").symlink_to("hop2.py")
    (root / "chain.py").symlink_to("hops/hop1.py")
    (root / "docs").mkdir()
    (root / "docs" / "guide.md").write_text("# Guide\n\nINSIDE-MARK orchard\n")
    (root / "docs" / "alias.md").symlink_to("guide.md")
    (root / "docs" / "out.md").symlink_to("../../outside/notes.md")


def _swap_for_link(root: Path, folder: str, target: str) -> None:
    """Replace a committed folder by a link out: git's index still lists the files under it."""
    for child in (root / folder).iterdir():
        child.unlink()
    (root / folder).rmdir()
    (root / folder).symlink_to(target)


@pytest.fixture(params=["git", "plain"])
def hostile(tmp_path: Path, request) -> Path:
    """The hostile workspace (see the module docstring), as a git repository or a plain folder."""
    _outside(tmp_path)
    root = tmp_path / "ws"
    files = {"app.py": APP, "real.py": REAL, "lib/mod.py": "def lib_fn():\n    return 1\n"}
    if request.param == "git":
        make_git_repo(root, files)
        _links(root)
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "links")
    else:
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text)
        _links(root)
    _swap_for_link(root, "lib", "../outside/pkgdir")
    return root


def make_engine(root: Path) -> Engine:
    """An engine without a model for the edit role: token counts are estimates."""
    return Engine(load_settings(root, env={}, overrides={"roles": {"edit": []}}), root)


def assert_no_outside_text(text: str) -> None:
    """No marker from the outside files, and none of their definitions (app.py only calls them)."""
    for mark in OUTSIDE_MARKS + tuple(f"def {name}" for name in OUTSIDE_NAMES):
        assert mark not in text


async def count(text: str) -> int:
    return estimate_tokens(text)


# ---- file listing ---------------------------------------------------------------------------


def test_file_listing_keeps_the_inside_link_and_drops_links_out(hostile: Path, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="tether.workspace")
    files = list_files(hostile).files
    assert {"alias.py", "app.py", "real.py"} <= set(files)
    assert not set(files) & set(LINKS_OUT) and not any(f.startswith(("dir_link", "lib/")) for f in files)
    outside = list_files(hostile).outside
    assert {"file_link.py", "chain.py", "hops/hop1.py", "hops/hop2.py", "dir_link"} <= set(outside)
    assert "alias.py" not in outside
    refusals = [r.getMessage() for r in caplog.records if "outside the workspace" in r.getMessage()]
    assert refusals and len(refusals) == len(set(refusals))  # said once, not on every listing


@pytest.fixture
def deep_chain(tmp_path: Path):
    """``top.py`` and ``d/d/…/d/leaf.py`` 1,100 folders deep (bug case 33), removed again afterwards.

    Removed here, bottom up, because shutil.rmtree recurses on Python 3.11: pytest's own clean-up
    of old temporary folders would die with a RecursionError on the chain.
    """
    root = tmp_path / "deep"
    root.mkdir()
    folders = [root]
    for _ in range(1100):  # deeper than Python's recursion limit; one mkdir at a time (mkdir -p recurses)
        folders.append(folders[-1] / "d")
        folders[-1].mkdir()
    (folders[-1] / "leaf.py").write_text("x = 1\n")
    (root / "top.py").write_text("y = 2\n")
    yield root
    remove_chain(folders)


def remove_chain(folders: list[Path]) -> None:
    """Remove a chain of folders (shallowest first in ``folders``) and their files, deepest first."""
    for folder in reversed(folders):
        if folder.is_dir():
            for child in folder.iterdir():
                if not child.is_dir() or child.is_symlink():
                    child.unlink()
            folder.rmdir()


def test_the_walker_is_iterative_and_bounds_depth_with_a_log_line(deep_chain: Path, caplog) -> None:
    leaf = "d/" * 1100 + "leaf.py"
    assert list(walk_files(deep_chain)) == [leaf, "top.py"]
    caplog.set_level(logging.WARNING, logger="tether.context.ignore")
    assert list(walk_files(deep_chain, max_depth=10)) == ["top.py"]
    assert any("deeper than 10 levels" in r.getMessage() for r in caplog.records)


# ---- digest ---------------------------------------------------------------------------------


async def test_digest_reads_the_inside_link_and_nothing_from_outside(hostile: Path) -> None:
    digest = await build_digest(hostile, count)
    assert_no_outside_text(digest.text)
    assert "FILE: alias.py" in digest.text and "INSIDE-MARK" in digest.text
    assert not set(digest.included) & set(LINKS_OUT)
    assert digest.skipped["file_link.py"] == digest.skipped["chain.py"] == "link outside the workspace"
    assert "file_link.py  (link outside the workspace, no content)" in digest.text


# ---- repo map and its index workers ---------------------------------------------------------


def test_repo_map_indexes_the_inside_link_and_no_link_out(hostile: Path, tmp_path: Path) -> None:
    repomap = RepoMap(hostile, tmp_path / "index" / "repomap.sqlite")
    repomap.refresh()
    assert [d.name for d in repomap.definitions("alias.py")] == ["inside_fn"]
    names = {d.name for rel in repomap.entries for d in repomap.definitions(rel)}
    assert not names & set(OUTSIDE_NAMES)
    repomap.refresh(list(LINKS_OUT))  # an editor's save naming the links themselves
    names = {d.name for rel in repomap.entries for d in repomap.definitions(rel)}
    assert not names & set(OUTSIDE_NAMES) and not set(repomap.entries) & set(LINKS_OUT)


def test_index_workers_treat_links_out_as_gone(hostile: Path) -> None:
    items = [(rel, "python", "") for rel in ("alias.py", *LINKS_OUT)]
    results = {r[0]: r for r in run_batches(str(hostile), items, [100] * len(items), 2)}
    assert [d.name for d in results["alias.py"][5].defs] == ["inside_fn"]
    for rel in LINKS_OUT:
        assert results[rel][2] == -1 and results[rel][5] is None  # size -1: gone


# ---- code context providers -----------------------------------------------------------------


async def test_repo_map_provider_sends_nothing_from_outside(hostile: Path) -> None:
    engine = make_engine(hostile)
    target = EditTarget(
        path="app.py",
        text=APP,
        start_line=3,
        end_line=4,
        level=Level.SELECTION,
        instruction="make main call inside_fn, outside_fn, outside_dir_fn and chained_fn",
    )
    pack = ContextPack()
    await RepoMapProvider().provide(engine, target, pack, 2000)
    assert any(item.source.path in ("alias.py", "real.py") and "inside_fn" in item.text for item in pack.items)
    for item in pack.items:
        assert_no_outside_text(item.text)


async def test_a_definition_body_is_never_read_through_a_link_out(hostile: Path) -> None:
    pack = ContextPack()
    for rel in LINKS_OUT:
        ranked = Ranked(rel, Definition("f", "function", 0, 1, "def f():"), 1.0)
        assert await _add_body(hostile, ranked, pack, count, 1000) == 0
    inside = Ranked("alias.py", Definition("inside_fn", "function", 0, 1, "def inside_fn():"), 1.0)
    assert await _add_body(hostile, inside, pack, count, 1000) > 0
    assert [item.source.path for item in pack.items] == ["alias.py"]


def test_lsp_recent_chunks_skip_buffers_whose_real_path_is_outside(hostile: Path) -> None:
    engine = make_engine(hostile)
    docs = {}
    for rel, text in (
        ("file_link.py", "def outside_fn(): 'OUTSIDE-FILE-MARK'\n"),
        ("chain.py", "chained_fn\n"),
        ("dir_link/mod.py", "outside_dir_fn\n"),
        ("alias.py", REAL),
    ):
        uri = (hostile / rel).as_uri()
        docs[uri] = SimpleNamespace(uri=uri, source=text, version=1)
    session = SimpleNamespace(engine=engine, recent=RecentChunks(), history=EditHistory())  # as lsp/session.py has them
    ls = SimpleNamespace(session=session, workspace=SimpleNamespace(text_documents=docs))
    for uri in docs:
        lsp_recent.record(ls, uri, 0)
    snippets = ls.session.recent.snippets(exclude_path="app.py", budget_chars=10_000)
    assert [s.path for s in snippets] == ["real.py"]  # the inside link, under its real path
    assert_no_outside_text("".join(s.text for s in snippets))


# ---- docs ingest of a workspace folder ------------------------------------------------------


async def test_docs_ingest_of_a_folder_skips_links_out_of_it(hostile: Path, tmp_path: Path) -> None:
    (hostile / "docs" / "chain.md").symlink_to("out.md")
    planned, warnings = plan_folder(hostile / "docs", 50)
    assert [p.key for p in planned] == ["alias.md", "guide.md"]
    assert warnings == [f"2 linked markdown file(s) leading outside {hostile / 'docs'} were skipped"]
    with DocsIndex(tmp_path / "docs.sqlite") as index:
        report = await Ingester(index, hostile).add("docs")
        assert report.added == 2
        hits = index.search("orchard", k=10)
        assert hits and all("OUTSIDE" not in h.text for h in hits)


# ---- the repo agent -------------------------------------------------------------------------


async def test_repo_agent_tools_read_search_and_map_nothing_from_outside(hostile: Path) -> None:
    tools = RepoTools(make_engine(hostile))
    assert {"alias.py", "app.py", "real.py"} <= set(tools.list_files())
    assert tools.read_file("alias.py") == REAL
    for rel in LINKS_OUT:
        with pytest.raises(InputError):
            tools.read_file(rel)
    hits = tools.search_files(r"_fn\(\):|OUTSIDE")
    assert {h[0] for h in hits} == {"alias.py", "real.py"}
    repo_map = await tools.repo_map("call outside_fn and chained_fn", 2000)
    assert "inside_fn" in repo_map
    assert_no_outside_text(repo_map)


# ---- the one helper -------------------------------------------------------------------------


def test_read_confined_refuses_chains_and_logs_once_and_never_blocks_on_a_fifo(hostile: Path, caplog) -> None:
    from tether.workspace import OutsideWorkspaceError, confine, read_confined

    caplog.set_level(logging.WARNING, logger="tether.workspace")
    assert read_confined(hostile, "alias.py").data == REAL.encode()
    assert confine(hostile, "alias.py") == hostile.resolve() / "real.py"
    for _ in range(2):
        with pytest.raises(OutsideWorkspaceError, match="outside the workspace"):
            read_confined(hostile, "chain.py")
    assert sum("chain.py" in r.getMessage() for r in caplog.records) == 1
    os.mkfifo(hostile / "pipe.py")
    with pytest.raises(OSError, match="not a regular file"):
        read_confined(hostile, "pipe.py")
    big = read_confined(hostile, "app.py", limit=5)
    assert big.size == len(APP) and big.data == APP.encode()[:6]


def test_split_confined_keeps_a_path_through_an_inside_folder_link(tmp_path: Path) -> None:
    from tether.workspace import split_confined

    _outside(tmp_path)
    root = tmp_path / "ws"
    (root / "real_sub").mkdir(parents=True)
    (root / "real_sub" / "x.py").write_text("x = 1\n")
    (root / "sub").symlink_to("real_sub")  # inside, stays inside
    (root / "out").symlink_to("../outside/pkgdir")
    rels = ["sub/x.py", "real_sub/x.py", "out/mod.py", "missing.py", "sub"]
    assert split_confined(root, rels) == (["sub/x.py", "real_sub/x.py"], ["out/mod.py"])
