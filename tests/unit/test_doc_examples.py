"""The commands the docs show work: README's examples run, every synopsis in docs/cli.md parses.

README.md's "Using it" block runs command by command, as written, in a real git workspace
through the installed entry point, on the SCRIPTED OpenAI-compatible server
(tests/fixtures/openai_server.py), and each must exit 0. Some are only parsed with the real
argparse parser: `docs add URL` and `models pull` (no network in tests), `serve` (runs until stopped). The
placeholders (`<id>`, `<hunk-id>`, `<run-id>`) are filled with the ids the commands before made;
the repo example's check names the test interpreter's pytest, since a bare `pytest` is whatever
that machine's PATH holds. docs/cli.md's command synopses (`## \\`tether edit FILE -m ...\\``) are
expanded (each `a|b` verb; without and with every optional part, placeholders filled) and parsed.
"""

from __future__ import annotations

import json
import re
import shlex
import sys
from pathlib import Path

import pytest
from tests.cli.conftest import run_tether
from tests.conftest import git, make_git_repo
from tests.fixtures.openai_server import Reply

from tether.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
PARSE_ONLY = ("docs add http", "serve", "models pull")  # no network in tests: pull is tested on a fake hub (tests/models)
APP = "".join(f'def f{n}(items):\n    """f{n}."""\n    total = len(items)\n    return total + {n}\n\n' for n in range(10))  # 50 lines
TEST = "from src.app import f1\n\n\ndef test_f1():\n    assert f1([]) == 1\n"
# Placeholders in synopses -> a value the parser takes; (flag, placeholder) first.
FILL = {("--level", "L"): "file", ("--log-level", "L"): "info", ("bench", "NAME"): "lsp"}
FILL_ANY = {
    "FILE": "app.py",
    "FILE:LINE": "app.py:1",
    "INSTRUCTION": "x",
    "TASK": "x",
    "A-B": "1-2",
    "N": "1",
    "L": "1",
    "C": "1",
    "DAYS": "7",
    "HOST:PORT": "127.0.0.1:0",
    "S": "1",
    "MB": "1",
}


def readme_examples() -> list[str]:
    """The `tether ...` lines of README.md's sh blocks, comments dropped, re-quoted (shlex)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL)
    return [shlex.join(shlex.split(line, comments=True)) for block in blocks for line in block.splitlines() if line.startswith("tether ")]


def synopses() -> list[list[str]]:
    """docs/cli.md's `## \\`tether ...\\`` headings, expanded into argv lists (without `tether`).

    A heading naming verbs (`proposals list|show|accept`) stands for each verb, whose own synopsis
    is the section's bullet starting with it (`- \\`show ID [--json]\\``); a verb without one is
    checked with `--help`."""
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    out = []
    sections = re.split(r"^## ", text, flags=re.MULTILINE)[1:]
    for section in sections:
        heading = re.match(r"`tether ([^`]+)`", section)
        if heading is None:
            continue
        words = heading.group(1).replace("[options]", "").split()
        if len(words) > 1 and "|" in words[1]:
            for verb in words[1].split("|"):
                bullet = re.search(rf"^- `({re.escape(verb)}\b[^`]*)`", section, flags=re.MULTILINE)
                if bullet is None:
                    out.append([words[0], verb, "--help"])
                    continue
                out += expand(f"{words[0]} {bullet.group(1)}")
        else:
            out += expand(" ".join(words))
    return out


def expand(spec: str) -> list[list[str]]:
    """``spec`` without its optional parts and with all of them (of alternatives `a | b`, the first), placeholders filled."""
    spec = re.sub(r"\s\|\s[^\]]*", "", spec)
    bare = re.sub(r"\[[^\[\]]*(\[[^\[\]]*\])?[^\[\]]*\]", "", spec).replace("...", " ")
    full = spec.replace("[", " ").replace("]", " ").replace("...", " ")
    return [fill(form.split()) for form in dict.fromkeys([bare, full])]


def fill(words: list[str]) -> list[str]:
    argv = []
    for word in words:
        before = argv[-1] if argv else words[0]
        if (before, word) in FILL:
            argv.append(FILL[(before, word)])
        elif re.fullmatch(r"[A-Z][A-Z_:-]*", word):
            argv.append(FILL_ANY.get(word, "x"))
        else:
            argv.append(word)
    if "|" in " ".join(argv):  # an option's alternatives, like --stdio|--tcp: the first
        argv = [w.split("|")[0] for w in argv]
    return argv


def parses(argv: list[str]) -> None:
    try:
        build_parser().parse_args(argv)
    except SystemExit as exc:
        if argv[-1] == "--help" and exc.code == 0:
            return
        pytest.fail(f"`tether {shlex.join(argv)}` does not parse (exit {exc.code})")


def test_every_cli_md_synopsis_parses(capsys):
    forms = synopses()
    assert len(forms) >= 20  # every command's heading was found
    for argv in forms:
        parses(argv)


def test_scripted_readme_examples_run_and_exit_0(tmp_path, openai_server):
    examples = readme_examples()
    assert len(examples) >= 10 and any(e.startswith("tether repo") for e in examples)
    root = make_git_repo(tmp_path / "ws", {"src/app.py": APP, "src/__init__.py": "", "tests/test_app.py": TEST})
    slot = {"backend": "openai", "base_url": openai_server.base_url, "model": "scripted-model", "max_retries": 0}
    env = {"TETHER_MODELS__ADV": json.dumps(slot), "TETHER_ROLES__EDIT": '["adv"]', "TETHER_ROLES__COMPLETE": '["adv"]'}
    lines = APP.splitlines(keepends=True)
    region = "".join(lines[9:30]).replace("total = len(items)", "total = len(items or [])", 1)
    whole = APP.replace("def f8(items):", "def f8(items: list) -> int:")
    plan = json.dumps({"steps": [{"intent": "Add a verbose flag to f0", "files": ["src/app.py"]}]})
    replies = {
        "tether edit src/app.py --lines": [Reply(text=f"```python\n{region}```")],
        "tether edit src/app.py -m": [Reply(text=f"```python\n{whole}```")],
        "tether complete": [Reply(text="x")],
        "tether repo": [
            Reply(text=plan),
            Reply(text="```python\n" + APP.replace("return total + 0", "return total + 0  # verbose") + "```"),
        ],
    }
    ids: dict[str, str] = {}
    # a planned run, so `<run-id>` names a real one
    openai_server.script(Reply(text=plan))
    planned = run_tether("-C", str(root), "repo", "--level", "repo", "-m", "Tidy.", "--plan-only", "--json", env=env)
    assert planned.returncode == 0, planned.stderr
    ids["<run-id>"] = json.loads(planned.stdout)["id"]
    for example in examples:
        argv = shlex.split(example)[1:]
        argv = [a.replace("pytest -q", shlex.join([sys.executable, "-m", "pytest", "-q"])) for a in argv]
        argv = [ids.get(a, a) for a in argv]
        parses(argv)
        if example.startswith(tuple(f"tether {p}" for p in PARSE_ONLY)):
            continue
        if argv[0] == "repo":  # the examples before it applied edits; the agent wants a clean tree
            git(root, "commit", "-qam", "the examples so far")
        for prefix, script in replies.items():
            if example.startswith(prefix):
                openai_server.script(*script)
        result = run_tether("-C", str(root), *argv, env=env)
        assert result.returncode == 0, (example, result.returncode, result.stderr)
        assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr, example
        if example.startswith("tether edit src/app.py --lines"):
            pending = json.loads(run_tether("-C", str(root), "proposals", "list", "--json", env=env).stdout)
            proposal = pending[0]
            ids["<id>"] = proposal["id"]
            ids["<hunk-id>"] = proposal["files"][0]["hunks"][0]["id"]
