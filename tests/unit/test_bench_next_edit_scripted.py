"""`tether bench next-edit`'s replay against the SCRIPTED OpenAI-compatible server, on a tiny real
git repository: which commits become cases, the person's edit and cursor, the scoring of a
suggestion, and the JSON shape. No timings are checked."""

from __future__ import annotations

import json
from pathlib import Path

import git
import pytest
from tests.fixtures.openai_server import Reply, ScriptedOpenAIServer

from tether.bench.next_edit import Hunk, cases, make_case, replay, score
from tether.config import load_settings
from tether.engine import Engine
from tether.errors import InputError
from tether.ops.next_edit import Replacement

FILLER = "".join(f"    step_{i} = {i}\n" for i in range(10))
OLD = "def scale(value, factor):\n" + FILLER + "    return value * factor\n"
NEW = OLD.replace("value", "amount")
USAGE = 11  # 0-based line of the return statement


def commit(repo: git.Repo, root: Path, text: str, message: str) -> None:
    (root / "scale.py").write_text(text)
    repo.index.add(["scale.py"])
    who = git.Actor("Test", "test@example.com")
    repo.index.commit(message, author=who, committer=who)


@pytest.fixture
def history(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    repo = git.Repo.init(root)
    commit(repo, root, OLD, "start")  # a root commit: skipped
    commit(repo, root, NEW, "rename value to amount")  # two hunks: the case
    commit(repo, root, NEW.replace("step_0 = 0", "step_0 = 100"), "one line")  # one hunk: skipped
    return root


def test_commits_become_cases_first_hunk_applied_cursor_at_its_end(history):
    skipped: dict[str, int] = {}
    (case,) = cases(history, 5, skipped)
    assert skipped == {"one_hunk": 1, "merge_or_root": 1}
    assert case.path == "scale.py" and case.parent_text == OLD
    assert case.before == OLD.replace("def scale(value", "def scale(amount")
    assert (case.line, case.col) == (0, len("def scale(amount, factor):"))
    assert case.remaining == [Hunk(USAGE, USAGE + 1, ["    return amount * factor\n"])]
    assert cases(history, 0, {}) == []


def test_not_a_repository_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="not a git repository"):
        cases(tmp_path / "nowhere", 3, {})


def test_score_exact_within_range_and_miss():
    case = make_case("c", "scale.py", OLD, NEW)
    assert case is not None
    right = Replacement(start_line=USAGE, start_col=11, end_line=USAGE, end_col=16, text="amount")
    wrong_text = Replacement(start_line=USAGE, start_col=11, end_line=USAGE, end_col=16, text="total")
    elsewhere = Replacement(start_line=3, start_col=4, end_line=3, end_col=10, text="stage_2")
    assert score(case, right) == (True, True)
    assert score(case, wrong_text) == (False, True)
    assert score(case, elsewhere) == (False, False)
    assert score(case, None) == (False, False)
    assert make_case("c", "scale.py", OLD, OLD.replace("step_0 = 0", "step_0 = 1")) is None  # one hunk


async def test_scripted_replay_counts_an_exact_hit_and_reports_json(history, tmp_path):
    with ScriptedOpenAIServer() as server:
        slot = {"backend": "openai", "base_url": server.base_url, "model": "scripted-model", "max_retries": 0}
        layer = {"models": {"s": slot}, "roles": {"complete": ["s"]}, "next_edit": {"lines_before": 0, "lines_after": 0}}
        engine = Engine(load_settings(tmp_path, env={}, overrides=layer), tmp_path)
        # The region jumps to the old name's remaining use (the return line); the reply renames it there.
        server.script(Reply(text="```python\n    return amount * factor\n```"))
        result = await replay(engine, cases(history, 5, {}))
        (post,) = server.posts("/chat/completions")
    prompt = post.body["messages"][-1]["content"]
    assert "-def scale(value, factor):\n+def scale(amount, factor):" in prompt  # the first hunk, as an edit event
    assert "return <|user_cursor_is_here|>value * factor" in prompt
    assert json.loads(json.dumps(result)) == result
    assert result["bench"] == "next-edit" and result["format"] == "instruct"
    assert (result["cases"], result["exact_match_rate"], result["within_range_rate"], result["errors"]) == (1, 1.0, 1.0, 0)
    assert result["latency_ms"]["n"] == 1 and set(result["latency_ms"]) == {"p50", "p90", "mean", "n"}
    assert result["ratio_p50"] is None and result["raw_ms"] is None  # no llama.cpp backend
    (row,) = result["results"]
    assert row["suggested"] == [USAGE, USAGE] and row["exact"] and row["within_range"] and row["path"] == "scale.py"


@pytest.mark.parametrize(
    "bad", [["--commits", "0"], ["--commits", "-1"], ["--max-tokens", "0"], ["--n-threads", "0"], ["--n-gpu-layers", "-2"]]
)
def test_bench_next_edit_refuses_bad_numbers_as_usage_errors(bad, capsys):
    import argparse

    from tether.bench.next_edit import register

    parser = argparse.ArgumentParser(prog="tether bench")
    register(parser.add_subparsers())
    with pytest.raises(SystemExit) as exit_info:
        parser.parse_args(["next-edit", *bad])
    assert exit_info.value.code == 2
    assert bad[0] in capsys.readouterr().err
    assert parser.parse_args(["next-edit", "--n-gpu-layers", "-1", "--commits", "1"]).commits == 1
