"""`tether edit`, `tether complete` and `tether proposals` through the installed entry point, on real git repos.

Two kinds of model:

- the SCRIPTED OpenAI-compatible server (tests/fixtures/openai_server.py), set up through
  TETHER_* environment variables as a CI job would: the reply is fixed, so these tests (named
  "scripted") check the exact diff, JSON, apply and review behaviour;
- the bundled SmolLM2-135M through llama.cpp, whose replies are not predictable (weak, and its
  greedy output differs between machines): those tests (named "bundled") assert only what holds
  for ANY reply, a valid proposal or a clear error, and nothing written without --apply.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from tests.conftest import git
from tests.fixtures.openai_server import Reply, ScriptedOpenAIServer

INSTRUCTION = "Add a docstring."
DOCSTRING = 'def add(a, b):\n    """Return the sum of a and b."""\n    return a + b\n'
EXPECTED_DIFF = (
    '--- a/calc.py\n+++ b/calc.py\n@@ -1,4 +1,5 @@\n def add(a, b):\n+    """Return the sum of a and b."""\n     return a + b\n \n \n'
)
# A reply no edit can be made from: a Python syntax error, whatever re-asks are allowed.
UNUSABLE = Reply(text="```python\ndef add(a, b:\n    return a +\n```")
# Exit codes a bundled-model edit may end with besides 0 (docs/cli.md): the reply stayed
# unusable after the re-asks (GenerationError), or it changed more than the leash allows.
CLEAR_ERRORS = {5: "GenerationError", 7: "LeashError"}
LLAMA_LOG = re.compile(r"^(llama_|load_tensors|llm_load|ggml_|gguf_|print_info|load:)", re.MULTILINE)


def env_for(server: ScriptedOpenAIServer) -> dict[str, str]:
    slot = {"backend": "openai", "base_url": server.base_url, "model": "scripted-model", "max_retries": 0}
    return {
        "TETHER_MODELS__ADV": json.dumps(slot),
        "TETHER_ROLES__EDIT": '["adv"]',
        "TETHER_ROLES__COMPLETE": '["adv"]',
    }


def fenced(code: str) -> Reply:
    return Reply(text=f"```python\n{code}```")


def applies(repo: Path, diff: str, *flags: str) -> subprocess.CompletedProcess:
    (repo.parent / "change.diff").write_text(diff)
    return subprocess.run(["git", "apply", "--check", *flags, str(repo.parent / "change.diff")], cwd=repo, capture_output=True, text=True)


def assert_clear_error(result: subprocess.CompletedProcess) -> None:
    assert result.returncode in CLEAR_ERRORS, (result.returncode, result.stderr)
    assert result.stderr.startswith("Error: ") and len(result.stderr.strip()) > len("Error: ") + 10, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def assert_no_llama_log(result: subprocess.CompletedProcess) -> None:
    assert not LLAMA_LOG.search(result.stderr), result.stderr[:2000]


# -- scripted: the exact behaviour ---------------------------------------------------------


def test_scripted_edit_selection_prints_a_diff_that_git_applies(tether, demo_repo, openai_server):
    openai_server.script(fenced(DOCSTRING))
    result = tether("-C", str(demo_repo), "edit", "calc.py", "--lines", "1-2", "-m", INSTRUCTION, env=env_for(openai_server))
    assert result.returncode == 0, result.stderr
    assert result.stdout == EXPECTED_DIFF
    assert re.search(r"Proposal [0-9a-f]+ \(pending: 1 line added, 0 removed\)", result.stderr), result.stderr
    check = applies(demo_repo, result.stdout)
    assert check.returncode == 0, check.stderr
    assert git(demo_repo, "status", "--porcelain") == ""  # nothing written; .tether/ ignores itself
    sent = openai_server.posts("/chat/completions")[0].body
    assert INSTRUCTION in sent["messages"][-1]["content"] and "def add(a, b):" in sent["messages"][-1]["content"]


def test_scripted_edit_json_output_and_apply(tether, demo_repo, openai_server):
    openai_server.script(fenced(DOCSTRING))
    out = demo_repo.parent / "out.diff"
    args = ["edit", "calc.py", "--lines", "1-2", "-m", INSTRUCTION, "--json", "--apply", "--output", str(out)]
    result = tether("-C", str(demo_repo), *args, env=env_for(openai_server))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["level"] == "selection" and data["status"] == "done"
    assert data["files"][0]["path"] == "calc.py" and data["files"][0]["hunks"][0]["status"] == "accepted"
    assert any(s["kind"] == "selection" and s["path"] == "calc.py" for s in data["sources"])
    assert out.read_text() == data["diff"] == EXPECTED_DIFF
    assert (demo_repo / "calc.py").read_text().startswith(DOCSTRING)
    assert git(demo_repo, "diff", "--name-only") == "calc.py\n"


def test_scripted_review_one_hunk_after_an_edit_elsewhere_keeps_the_edit(tether, demo_repo, openai_server):
    env = env_for(openai_server)
    openai_server.script(fenced(DOCSTRING))
    made = tether("-C", str(demo_repo), "edit", "calc.py", "--lines", "1-2", "-m", INSTRUCTION, "--json", env=env)
    assert made.returncode == 0, made.stderr
    proposal = json.loads(made.stdout)
    listed = tether("-C", str(demo_repo), "proposals", "list")
    assert proposal["id"] in listed.stdout
    hunk = proposal["files"][0]["hunks"][0]["id"]
    before = (demo_repo / "calc.py").read_text()
    (demo_repo / "calc.py").write_text(before + "\n# edited meanwhile\n")
    accepted = tether("-C", str(demo_repo), "proposals", "accept", proposal["id"], "--hunk", hunk)
    assert accepted.returncode == 0, accepted.stderr
    assert (demo_repo / "calc.py").read_text() == DOCSTRING + before[len("def add(a, b):\n    return a + b\n") :] + "\n# edited meanwhile\n"
    assert proposal["id"] not in tether("-C", str(demo_repo), "proposals", "list").stdout


def test_scripted_accepting_a_pending_proposal_writes_the_hunk(tether, demo_repo, openai_server):
    openai_server.script(fenced(DOCSTRING))
    made = tether("-C", str(demo_repo), "edit", "calc.py", "--lines", "1-2", "-m", INSTRUCTION, "--json", env=env_for(openai_server))
    proposal = json.loads(made.stdout)
    hunk = proposal["files"][0]["hunks"][0]["id"]
    accepted = tether("-C", str(demo_repo), "proposals", "accept", proposal["id"], "--hunk", hunk)
    assert accepted.returncode == 0, accepted.stderr
    assert (demo_repo / "calc.py").read_text().startswith(DOCSTRING)
    assert applies(demo_repo, EXPECTED_DIFF, "-R").returncode == 0  # the disk holds exactly the hunk


def test_scripted_unusable_replies_are_a_generation_error_and_write_nothing(tether, demo_repo, openai_server):
    openai_server.default = UNUSABLE  # every try, re-asks included
    result = tether("-C", str(demo_repo), "edit", "calc.py", "--lines", "1-2", "-m", INSTRUCTION, "--apply", env=env_for(openai_server))
    assert result.returncode == 5, result.stderr
    assert_clear_error(result)
    assert "nothing was changed" in result.stderr
    assert git(demo_repo, "status", "--porcelain") == ""
    assert len(openai_server.posts("/chat/completions")) >= 2  # it was re-asked before giving up


def test_scripted_complete_prints_the_models_text(tether, demo_repo, openai_server):
    openai_server.default = Reply(text=" n if n < 2 else fib(n - 1) + fib(n - 2)\n")
    (demo_repo / "fib.py").write_text("def fib(n):\n    return")
    result = tether("-C", str(demo_repo), "complete", "fib.py", "--line", "2", "--col", "11", "--json", env=env_for(openai_server))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["text"].startswith(" n if n < 2") and data["model"] == "adv"
    assert "def fib(n):" in openai_server.posts()[0].body.get("prompt", "") + json.dumps(openai_server.posts()[0].body)


@pytest.mark.parametrize(
    "reply",
    ["a + b <EOT>", "a + b<|endoftext|>", "a + b<|fim_pad|>x", "a + b<|EOT|>", "a + b<｜end▁of▁sentence｜>", "a + b<file_sep>calc.py"],
)
def test_scripted_complete_ends_at_a_control_token_the_endpoint_printed(tether, demo_repo, openai_server, reply):
    """Case 06: an OpenAI-compatible endpoint that prints its FIM/end token as text."""
    openai_server.default = Reply(text=reply)
    (demo_repo / "add.py").write_text("def add(a, b):\n    return ")
    result = tether("-C", str(demo_repo), "complete", "add.py", "--line", "2", "--col", "11", "--json", env=env_for(openai_server))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["text"] == "a + b"


def test_scripted_complete_keeps_a_control_token_the_file_itself_holds(tether, demo_repo, openai_server):
    openai_server.default = Reply(text='"<|endoftext|>"')
    (demo_repo / "tok.py").write_text('EOS = "<|endoftext|>"\nPAD = ')
    result = tether("-C", str(demo_repo), "complete", "tok.py", "--line", "2", "--col", "6", "--json", env=env_for(openai_server))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["text"] == '"<|endoftext|>"'


# -- bundled: what holds for any reply -----------------------------------------------------


@pytest.mark.model
def test_bundled_edit_selection_gives_a_proposal_or_a_clear_error(tether, demo_repo):
    before = (demo_repo / "calc.py").read_text()
    result = tether("-C", str(demo_repo), "edit", "calc.py", "--lines", "1-2", "-m", INSTRUCTION)
    assert_no_llama_log(result)
    if result.returncode == 0:
        assert result.stdout == "" or result.stdout.startswith("--- a/calc.py\n+++ b/calc.py\n@@ "), result.stdout
        if result.stdout:
            check = applies(demo_repo, result.stdout)
            assert check.returncode == 0, check.stderr
            assert re.search(r"Proposal [0-9a-f]+ \(pending: \d+ lines? added, \d+ removed\)", result.stderr), result.stderr
        else:
            assert "No changes proposed." in result.stderr and "Proposal" not in result.stderr
    else:
        assert_clear_error(result)
    assert (demo_repo / "calc.py").read_text() == before
    assert git(demo_repo, "status", "--porcelain") == ""  # nothing written without --apply


@pytest.mark.model
def test_bundled_edit_apply_writes_exactly_the_proposal_or_nothing(tether, demo_repo):
    out = demo_repo.parent / "out.diff"
    args = ["edit", "calc.py", "--lines", "1-2", "-m", INSTRUCTION, "--json", "--apply", "--output", str(out)]
    result = tether("-C", str(demo_repo), *args)
    assert_no_llama_log(result)
    if result.returncode != 0:
        assert_clear_error(result)
        assert git(demo_repo, "status", "--porcelain") == ""
        return
    data = json.loads(result.stdout)
    assert data["level"] == "selection" and out.read_text() == data["diff"]
    if not data["files"]:
        assert data["diff"] == "" and git(demo_repo, "status", "--porcelain") == ""
        return
    assert data["status"] == "done" and {h["status"] for h in data["files"][0]["hunks"]} == {"accepted"}
    assert git(demo_repo, "diff", "--name-only") == "calc.py\n"
    reverse = applies(demo_repo, data["diff"], "-R")  # what is on disk now is exactly the proposal
    assert reverse.returncode == 0, reverse.stderr


@pytest.mark.model
def test_bundled_complete_returns_text_for_the_cursor(tether, demo_repo):
    (demo_repo / "fib.py").write_text("def fib(n):\n")
    result = tether("-C", str(demo_repo), "complete", "fib.py", "--line", "1", "--col", "12", "--json", "--max-tokens", "12")
    assert result.returncode == 0, result.stderr
    assert_no_llama_log(result)
    data = json.loads(result.stdout)
    assert isinstance(data["text"], str) and data["fim"] is False and data["model"] == "bundled"


@pytest.mark.model
def test_bundled_llama_cpp_log_lines_show_only_with_verbose(tether, demo_repo):
    # A context past the model's 8192 training tokens makes llama.cpp log a WARN line, the
    # kind llama-cpp-python's own callback lets through to stderr.
    args = ["complete", "calc.py", "--line", "2", "--col", "5", "--max-tokens", "2", "--n-ctx", "16384"]
    quiet = tether("-C", str(demo_repo), *args)
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == ""
    verbose = tether("-C", str(demo_repo), "--verbose", *args)
    assert verbose.returncode == 0, verbose.stderr
    assert "DEBUG tether.llama_cpp: llama_context: n_ctx_seq (16384) > n_ctx_train" in verbose.stderr
    assert not LLAMA_LOG.search(verbose.stderr)  # through the logger, never raw


# -- no model needed -----------------------------------------------------------------------


def test_bad_input_gives_clear_errors_and_writes_nothing(tether, demo_repo):
    (demo_repo / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (demo_repo / "latin1.py").write_bytes(b"name = 'caf\xe9'\n")
    (demo_repo / "fake.gguf").write_text("not a model")
    cases = [
        (["edit", "missing.py", "-m", "x"], 3, "missing.py does not exist"),
        (["edit", "image.png", "-m", "x"], 3, "binary"),
        (["edit", "latin1.py", "-m", "x"], 3, "not valid UTF-8"),
        (["edit", "calc.py", "--lines", "9-3", "-m", "x"], 3, "must not run backwards"),
        (["edit", "calc.py", "-m", "x", "--model", str(demo_repo / "fake.gguf")], 4, "is not a GGUF model file"),
        (["edit", "../outside.py", "-m", "x"], 3, "outside the workspace"),
    ]
    for args, code, message in cases:
        result = tether("-C", str(demo_repo), *args)
        assert result.returncode == code, (args, result.stderr)
        assert result.stderr.startswith("Error: ") and message in result.stderr
        assert "Traceback" not in result.stderr
    assert git(demo_repo, "status", "--porcelain") == "?? fake.gguf\n?? image.png\n?? latin1.py\n"


def test_models_and_doctor(tether, tmp_path):
    listed = tether("-C", str(tmp_path), "models", "list", "--json")
    assert json.loads(listed.stdout)[0]["name"] == "bundled"
    doctor = json.loads(tether("-C", str(tmp_path), "doctor", "--json").stdout)
    assert doctor["llama_cpp"]["accelerator"] in ("CPU", "CUDA", "METAL", "VULKAN", "HIP", "SYCL", "GPU")
    assert doctor["ok"] and doctor["slots"][0]["where"].endswith(".gguf")
    info = json.loads(tether("-C", str(tmp_path), "models", "info", "--json").stdout)
    assert info["fim"] is False and info["n_ctx"] == 4096
