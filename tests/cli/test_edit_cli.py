"""`tether edit`, `tether complete` and `tether proposals` with the real bundled model on real git repos."""

from __future__ import annotations

import json
import subprocess

from tests.conftest import git

INSTRUCTION = "Add a docstring."  # the bundled SmolLM2-135M reliably adds one to `add`


def test_edit_selection_prints_a_diff_that_git_applies(tether, demo_repo):
    result = tether("-C", str(demo_repo), "edit", "calc.py", "--lines", "1-2", "-m", INSTRUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("--- a/calc.py\n+++ b/calc.py\n@@ ")
    assert '+    """' in result.stdout
    (demo_repo / "change.diff").write_text(result.stdout)
    check = subprocess.run(["git", "apply", "--check", "change.diff"], cwd=demo_repo, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    assert git(demo_repo, "status", "--porcelain") == "?? change.diff\n"  # nothing written; .tether/ ignores itself


def test_edit_json_output_and_apply(tether, demo_repo):
    out = demo_repo / "out.diff"
    result = tether("-C", str(demo_repo), "edit", "calc.py", "--lines", "1-2", "-m", INSTRUCTION, "--json", "--apply", "--output", str(out))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["level"] == "selection" and data["status"] == "done"
    assert data["files"][0]["path"] == "calc.py" and data["files"][0]["hunks"][0]["status"] == "accepted"
    assert any(s["kind"] == "selection" and s["path"] == "calc.py" for s in data["sources"])
    assert out.read_text() == data["diff"]
    assert '"""' in (demo_repo / "calc.py").read_text()
    assert "calc.py" in git(demo_repo, "diff", "--name-only")


def test_review_one_hunk_then_stale_refusal(tether, demo_repo):
    made = tether("-C", str(demo_repo), "edit", "calc.py", "--lines", "1-2", "-m", INSTRUCTION, "--json")
    proposal = json.loads(made.stdout)
    listed = tether("-C", str(demo_repo), "proposals", "list")
    assert proposal["id"] in listed.stdout
    hunk = proposal["files"][0]["hunks"][0]["id"]
    (demo_repo / "calc.py").write_text((demo_repo / "calc.py").read_text() + "\n# edited meanwhile\n")
    before = (demo_repo / "calc.py").read_text()
    stale = tether("-C", str(demo_repo), "proposals", "accept", proposal["id"], "--hunk", hunk)
    assert stale.returncode == 6
    assert "changed since this proposal was made; nothing was applied" in stale.stderr
    assert (demo_repo / "calc.py").read_text() == before
    rejected = tether("-C", str(demo_repo), "proposals", "reject", proposal["id"])
    assert rejected.returncode == 0 and "rejected" in rejected.stdout


def test_complete_prints_text_for_the_cursor(tether, demo_repo):
    (demo_repo / "fib.py").write_text("def fib(n):\n")
    result = tether("-C", str(demo_repo), "complete", "fib.py", "--line", "1", "--col", "12", "--json", "--max-tokens", "12")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["text"].strip() and data["fim"] is False and data["model"] == "bundled"


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
    assert doctor["bundled_model"].endswith(".gguf")
    info = json.loads(tether("-C", str(tmp_path), "models", "info", "--json").stdout)
    assert info["fim"] is False and info["n_ctx"] == 4096
