"""Errors as a user meets them, through the installed entry point: one line (plus an optional
detail block) on stderr, a JSON error object on stdout with ``--json``, a missing ``-C`` folder
refused by every command, and no instruction meant for the model in a user-facing error
(the model is the SCRIPTED OpenAI-compatible server, tests/fixtures/openai_server.py).
"""

from __future__ import annotations

import json

from tests.conftest import make_git_repo
from tests.fixtures.openai_server import Reply

from tether.cli import COMMANDS

# The least each command needs to get past argparse; True: it takes --json.
ARGV = {
    "complete": (["complete", "calc.py", "--line", "1", "--col", "1"], True),
    "edit": (["edit", "calc.py", "-m", "Add a docstring."], True),
    "proposals": (["proposals", "list"], True),
    "models": (["models", "list"], True),
    "doctor": (["doctor"], True),
    "bench": (["bench", "lsp"], True),
    "eval": (["eval", "--limit", "1"], True),
    "docs": (["docs", "list"], True),
    "context": (["context", "calc.py:1"], True),
    "digest": (["digest"], True),
    "serve": (["serve"], False),
    "acp": (["acp"], False),
    "mcp": (["mcp"], False),
    "repo": (["repo", "-m", "Add mul."], True),
    "undo": (["undo"], True),
}
CALC = "def add(a, b):\n    return a + b\n"


def json_error(stdout: str) -> dict:
    data = json.loads(stdout)
    assert set(data) == {"error"} and set(data["error"]) == {"kind", "message", "detail", "exitCode"}
    return data["error"]


def test_every_command_refuses_a_missing_workspace_folder_plain_and_json(tether, tmp_path):
    assert set(ARGV) == set(COMMANDS)  # a new command gets a row here
    missing = str(tmp_path / "nonexistent")
    for name, (argv, takes_json) in ARGV.items():
        result = tether("-C", missing, *argv, timeout=60)
        assert result.returncode == 3, (name, result.returncode, result.stderr)
        assert result.stderr == f"Error: The workspace folder {missing} does not exist; pass an existing folder to -C/--workspace.\n", name
        assert result.stdout == "", name
        if takes_json:
            result = tether("-C", missing, *argv, "--json", timeout=60)
            assert result.returncode == 3, name
            error = json_error(result.stdout)
            assert error["kind"] == "InputError" and error["exitCode"] == 3 and missing in error["message"], name
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    result = tether("-C", str(a_file), "proposals", "list")
    assert result.returncode == 3 and "is not a folder" in result.stderr


def test_json_error_object_on_stdout_when_a_command_fails(tether, tmp_path):
    root = make_git_repo(tmp_path / "ws", {"calc.py": CALC})
    result = tether("-C", str(root), "proposals", "show", "nope", "--json")
    assert result.returncode == 9 and result.stderr.count("\n") == 1 and result.stderr.startswith("Error: ")
    error = json_error(result.stdout)
    assert error["kind"] == "ProposalError" and error["exitCode"] == 9 and error["message"] == result.stderr[len("Error: ") :].strip()
    result = tether("-C", str(root), "edit", "missing.py", "-m", "Add a docstring.", "--json")
    assert result.returncode == 3 and json_error(result.stdout)["kind"] == "InputError"
    result = tether("-C", str(root), "proposals", "show", "nope")  # without --json: nothing on stdout
    assert result.returncode == 9 and result.stdout == ""


def test_scripted_reask_instruction_stays_with_the_model(tether, tmp_path, openai_server):
    root = make_git_repo(tmp_path / "ws", {"calc.py": CALC})
    slot = {"backend": "openai", "base_url": openai_server.base_url, "model": "scripted-model", "max_retries": 0}
    env = {"TETHER_MODELS__ADV": json.dumps(slot), "TETHER_ROLES__EDIT": '["adv"]'}
    openai_server.default = Reply(text="```python\ndef add(a, b):\n    return", finish_reason="length")  # cut off, every try
    result = tether("-C", str(root), "edit", "calc.py", "-m", "Add a docstring.", "--json", env=env)
    assert result.returncode == 5, result.stderr
    error = json_error(result.stdout)
    assert error["kind"] == "GenerationError" and "cut off at the token limit" in error["message"]
    for text in (result.stderr, error["message"]):
        assert "nothing else" not in text and "Write the complete code" not in text
    assert result.stderr.count("\n") == 1  # one line
    reasks = [r.body["messages"][-1]["content"] for r in openai_server.posts("/chat/completions")[1:]]
    assert reasks and all("Write the complete code, nothing else." in text for text in reasks)


def test_scripted_plan_file_naming_a_missing_file_is_bad_input(tether, tmp_path, openai_server):
    root = make_git_repo(tmp_path / "ws", {"calc.py": CALC})
    slot = {"backend": "openai", "base_url": openai_server.base_url, "model": "scripted-model", "max_retries": 0}
    env = {"TETHER_LEVEL": "repo", "TETHER_MODELS__ADV": json.dumps(slot), "TETHER_ROLES__EDIT": '["adv"]'}
    plan = tmp_path / "plan.toml"
    plan.write_text('task = "Tidy."\n\n[[steps]]\nintent = "Tidy nope.py"\nfiles = ["nope.py"]\n')
    result = tether("-C", str(root), "repo", "--plan", str(plan), env=env)
    assert result.returncode == 3, result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("Error: The plan file cannot run: 'nope.py' is not an existing file")
    assert openai_server.posts("/chat/completions") == []  # no model call for a person's mistake
    result = tether("-C", str(root), "repo", "--plan", str(plan), "--json", env=env)
    report = json.loads(result.stdout)
    assert result.returncode == 3 and report["error"]["type"] == "InputError" and report["status"] == "stopped"


def test_a_file_that_cannot_be_written_is_one_error_line_not_a_traceback(tether, tmp_path):
    root = make_git_repo(tmp_path / "ws", {"calc.py": CALC})
    target = tmp_path / "missing-folder" / "digest.txt"
    result = tether("-C", str(root), "digest", "--output", str(target))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr == f"Error: No such file or directory: {target}. Check the path and its permissions.\n"
    result = tether("-C", str(root), "digest", "--output", str(target), "--json")
    assert result.returncode == 1 and json_error(result.stdout)["kind"] == "TetherError"


def test_a_slot_without_base_url_loads_and_is_refused_when_used(tether, tmp_path):
    root = make_git_repo(
        tmp_path / "ws", {"calc.py": CALC, "tether.toml": '[models.remote]\nbackend = "openai"\n\n[roles]\nedit = ["remote"]\n'}
    )
    listed = tether("-C", str(root), "models", "list")
    assert listed.returncode == 0 and "remote" in listed.stdout  # accepted when the settings load
    result = tether("-C", str(root), "edit", "calc.py", "-m", "Add a docstring.")
    assert result.returncode == 2
    assert result.stderr == (
        "Error: Model slot 'remote' uses backend 'openai' but sets no base_url; add e.g. "
        'base_url = "http://127.0.0.1:8000/v1" under [models.remote] in tether.toml (or set TETHER_MODELS__REMOTE__BASE_URL).\n'
    )


def test_a_usage_error_with_json_is_a_json_error_too(tether, tmp_path):
    result = tether("-C", str(tmp_path), "proposals", "show", "--json")
    assert result.returncode == 2 and "the following arguments are required: id" in result.stderr
    error = json_error(result.stdout)
    assert error == {"kind": "UsageError", "message": "the following arguments are required: id", "detail": None, "exitCode": 2}
    result = tether("-C", str(tmp_path), "proposals", "show")
    assert result.returncode == 2 and result.stdout == ""


def test_a_malformed_base_url_is_a_settings_error_without_a_traceback(tmp_path, tether) -> None:
    make_git_repo(tmp_path, {"calc.py": CALC})
    env = {"TETHER_MODELS__S": '{"backend": "openai", "base_url": "http://[::1", "model": "m"}', "TETHER_ROLES__COMPLETE": '["s"]'}
    result = tether("complete", "calc.py", "--line", "1", "--col", "1", cwd=tmp_path, env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith("Error: Invalid settings: models.s.base_url: 'http://[::1' is not a valid URL")
