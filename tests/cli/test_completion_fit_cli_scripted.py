"""`tether complete` fits the model's text to the cursor (edits/completion_fit.py), through the
installed entry point against the SCRIPTED OpenAI-compatible server (tests/fixtures/openai_server.py):
the reply is fixed, so the exact text inserted is checked.
"""

from __future__ import annotations

import json

from tests.fixtures.openai_server import Reply, ScriptedOpenAIServer


def env_for(server: ScriptedOpenAIServer) -> dict[str, str]:
    slot = {"backend": "openai", "base_url": server.base_url, "model": "scripted-model", "max_retries": 0, "fim": True}
    return {"TETHER_MODELS__ADV": json.dumps(slot), "TETHER_ROLES__COMPLETE": '["adv"]'}


def test_scripted_complete_fits_a_doubled_indent_a_control_token_and_a_partial_last_line(tether, demo_repo, openai_server):
    # The cursor sits on an indented empty line (line 2, after its 4 spaces); the model writes
    # the whole body one level too deep, runs into a half-written line, then an end token.
    (demo_repo / "stats.py").write_text("def mean(xs):\n    \n")
    openai_server.default = Reply(
        text="    total = sum(xs)\n        return total / len(xs)\n        print(total,<|endoftext|>\n\nimport os"
    )
    result = tether("-C", str(demo_repo), "complete", "stats.py", "--line", "2", "--col", "5", "--json", env=env_for(openai_server))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["text"] == "total = sum(xs)\n    return total / len(xs)"


def test_scripted_complete_refuses_a_completion_that_breaks_a_file_that_parsed(tether, demo_repo, openai_server):
    (demo_repo / "add.py").write_text("def add(a, b):\n    return \n\n\nprint(add(1, 2))\n")
    openai_server.default = Reply(text="a + ) b")
    args = ["-C", str(demo_repo), "--debug", "complete", "add.py", "--line", "2", "--col", "12", "--json"]
    result = tether(*args, env=env_for(openai_server))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["text"] == ""
    assert "breaks the syntax of add.py, which parsed before" in result.stderr  # the reason, logged at debug
    assert len(openai_server.posts("/completions")) == 1  # the model was asked; its text was refused


def test_scripted_complete_at_an_empty_lines_start_takes_the_blocks_indent_and_drops_tethers_markers(tether, demo_repo, openai_server):
    (demo_repo / "calc.py").write_text("def f(x):\n    x = 1\n\n    return x\n")
    openai_server.default = Reply(text="        y = 2<|cursor|>")
    result = tether("-C", str(demo_repo), "complete", "calc.py", "--line", "3", "--col", "1", env=env_for(openai_server))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "    y = 2\n"


def test_complete_refuses_bad_numbers_as_usage_errors_before_any_model_call(tether, demo_repo, openai_server):
    (demo_repo / "calc.py").write_text("x = 1\n")
    too_many = [("--max-tokens", "513"), ("--max-tokens", "99999999999999999999")]  # past COMPLETE_MAX_TOKENS
    for flag, value in [("--max-tokens", "-5"), ("--max-tokens", "0"), *too_many, ("--line", "0"), ("--col", "-1"), ("--col", "x")]:
        args = ["--line", "1", "--col", "1", flag, value]
        result = tether("-C", str(demo_repo), "complete", "calc.py", *args, env=env_for(openai_server))
        assert result.returncode == 2, (flag, value, result.stderr)
        assert flag in result.stderr and "Traceback" not in result.stderr
    assert openai_server.posts("/completions") == []
