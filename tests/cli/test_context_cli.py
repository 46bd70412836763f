"""`tether context`, `tether digest` and `tether bench repomap` through the installed entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import make_git_repo

from tether.config import load_settings
from tether.engine import Engine
from tether.pack import Source
from tether.proposals import Proposal, build_file_change
from tether.slider import Level

KEY = "sk-canary0123456789abcdefghij"
FILES = {
    "shop/tax.py": "RATE = 0.2\n\n\ndef compute_tax(amount):\n    return round(amount * RATE, 2)\n",
    "shop/cart.py": (
        "class Cart:\n    def __init__(self):\n        self.items = []\n\n"
        "    def total(self):\n        subtotal = sum(self.items)\n        return subtotal\n"
    ),
    "shop/util.py": "def slugify(text):\n    return text.lower()\n",
    "README.md": "# Shop\n",
}


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    root = make_git_repo(tmp_path / "shop", FILES)
    (root / ".env").write_text(f"OPENAI_API_KEY={KEY}\n")
    return root


def test_context_json_lists_what_the_model_would_see(tether, shop: Path) -> None:
    proc = tether("-C", str(shop), "context", "shop/cart.py:6", "-m", "apply compute_tax", "--json", "-v")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    items = data["items"]
    assert items[0]["kind"] == "selection" and items[0]["path"] == "shop/cart.py" and items[0]["start_line"] == 6
    repomap = [i for i in items if i["kind"] == "repomap"]
    assert repomap[0]["path"] == "shop/tax.py" and "def compute_tax" in repomap[0]["text"]
    assert all(isinstance(i["tokens"], int) for i in items)
    assert data["total_tokens"] == sum(i["tokens"] for i in items)
    assert KEY not in proc.stdout and ".env" not in proc.stdout


def test_context_text_output(tether, shop: Path) -> None:
    proc = tether("-C", str(shop), "context", "shop/cart.py:5-7", "--instruction", "use compute_tax")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split()[-1] == "shop/cart.py:5-7"
    assert any(line.endswith("repomap: shop/tax.py:4-5") for line in lines)
    assert "tokens in" in lines[-1]
    verbose = tether("-C", str(shop), "context", "shop/cart.py:6", "-m", "use compute_tax", "-v")
    assert "── repomap: shop/tax.py:4-5" in verbose.stdout and "return round(amount * RATE, 2)" in verbose.stdout


@pytest.mark.parametrize("location", ["shop/cart.py", "shop/cart.py:x", "shop/cart.py:0", "shop/cart.py:99", "nope.py:1"])
def test_context_bad_locations_are_input_errors(tether, shop: Path, location: str) -> None:
    proc = tether("-C", str(shop), "context", location)
    assert proc.returncode == 3
    assert proc.stderr.startswith("Error: ") and proc.stdout == ""


def test_digest_to_stdout_and_file(tether, shop: Path, tmp_path: Path) -> None:
    proc = tether("-C", str(shop), "digest")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Directory: shop\nFiles included: 4\n")
    assert "FILE: shop/tax.py" in proc.stdout and KEY not in proc.stdout and ".env" not in proc.stdout
    assert "4 files, " in proc.stderr

    out = tmp_path / "digest.txt"
    proc = tether("-C", str(shop), "digest", "shop", "--max-tokens", "200", "--output", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["tokenizer"] == "model" and data["tokens"] <= 200
    assert data["included"] and data["omitted"]
    assert "text" not in data
    assert out.read_text().startswith("Directory: shop/shop\n")
    index = out.read_text().rpartition("LEFT OUT for the token budget: ")[2].splitlines()[2:]
    assert [line.split("  ")[0] for line in index] == data["omitted"]


def test_digest_budget_keeps_the_module_others_import_and_lists_the_rest(tether, tmp_path: Path) -> None:
    core = "".join(f"def parse_field_{i}(raw):\n    return raw.split(',')[{i % 5}].strip()\n\n\n" for i in range(80))
    users = {
        f"pkg/{n}.py": f"from pkg.core import parse_field_{i}\n\n\ndef {n}_row(raw):\n    return parse_field_{i}(raw)\n"
        for i, n in enumerate("abcd")
    }
    junk = {"CNAME": "docs.example.org\n", "FUNDING.yml": "github: someone\n", "site/theme.css": ".a { color: red; }\n" * 60}
    root = make_git_repo(tmp_path / "pkg-repo", {"pkg/core.py": core, **users, **junk})
    full = json.loads(tether("-C", str(root), "digest", "--json").stdout)["tokens"]
    proc = tether("-C", str(root), "digest", "--json", "--max-tokens", str(full - 150))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["tokens"] <= full - 150
    assert "pkg/core.py" in data["included"] and set(users) <= set(data["included"])
    assert data["omitted"] and set(data["omitted"]) <= set(junk)
    index = data["text"].rpartition("LEFT OUT for the token budget: ")[2].splitlines()[2:]
    assert [line.split("  ")[0] for line in index] == data["omitted"]
    assert all(line.endswith(" tokens") for line in index)


def test_digest_rejects_a_bad_budget(tether, shop: Path) -> None:
    proc = tether("-C", str(shop), "digest", "--max-tokens", "0")
    assert proc.returncode == 3 and "--max-tokens" in proc.stderr
    proc = tether("-C", str(shop), "digest", "--max-tokens", "20")  # less than the tree alone
    assert proc.returncode == 3 and "less than the summary and tree alone" in proc.stderr


def test_bench_repomap_json(tether, shop: Path) -> None:
    proc = tether("bench", "repomap", str(shop), "--json", "--repeat", "2")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["bench"] == "repomap" and data["files"] == 3
    assert data["cold"]["seconds"] > 0 and data["incremental"]["repeat"] == 2
    assert data["incremental"]["known_path_ms"] >= 0 and "cold_met" in data["goals"]


def test_context_at_a_pending_proposal_shows_what_its_model_saw(tether, shop: Path) -> None:
    engine = Engine(load_settings(shop, env={}), shop)
    base = (shop / "shop/cart.py").read_text()
    change = build_file_change("shop/cart.py", base, base.replace("return subtotal", "return subtotal * 1.2"))
    sources = [
        Source(kind="selection", path="shop/cart.py", start_line=5, end_line=7, tokens=20),
        Source(kind="repomap", path="shop/tax.py", start_line=4, end_line=5, tokens=15),
    ]
    proposal = engine.store.save(Proposal(level=Level.SELECTION, instruction="add tax", files=[change], sources=sources))
    proc = tether("-C", str(shop), "context", "shop/cart.py:7")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        f"Proposal {proposal.id} (add tax) saw:",
        "    20  selection: shop/cart.py:5-7",
        "    15  repomap: shop/tax.py:4-5",
        "    35  tokens in 2 items",
    ]
    data = json.loads(tether("-C", str(shop), "context", "shop/cart.py:7", "--json").stdout)
    assert data["proposal"] == proposal.id and data["total_tokens"] == 35
    fresh = tether("-C", str(shop), "context", "shop/cart.py:7", "--fresh", "--json")
    assert "proposal" not in json.loads(fresh.stdout)
    elsewhere = tether("-C", str(shop), "context", "shop/cart.py:1", "--json")  # no hunk there
    assert "proposal" not in json.loads(elsewhere.stdout)
