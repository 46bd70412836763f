"""`--model PATH` acts on every command that has it: the call uses that GGUF even when the role
names another slot, a bad path's error names --model, and a bundled slot that is an endpoint is
refused with an error naming the conflict."""

from __future__ import annotations

import json
from pathlib import Path

from tests.fixtures.openai_server import Reply, ScriptedOpenAIServer
from tests.fixtures.tiny_gguf import build_tiny_gguf


def _remote_roles(repo: Path, server: ScriptedOpenAIServer) -> None:
    (repo / "tether.toml").write_text(
        f'[models.remote]\nbackend = "openai"\nbase_url = "{server.base_url}"\n\n[roles]\ncomplete = ["remote"]\nedit = ["remote"]\n'
    )


def test_scripted_complete_with_model_uses_the_gguf_not_the_role_slot(tether, demo_repo, tmp_path, openai_server):
    _remote_roles(demo_repo, openai_server)
    gguf = build_tiny_gguf(tmp_path / "tiny.gguf", fim_style="qwen")
    args = ["-C", str(demo_repo), "complete", "calc.py", "--line", "2", "--col", "5", "--max-tokens", "2", "--json"]
    openai_server.script(Reply(text="from the endpoint"))
    without = tether(*args)
    assert without.returncode == 0, without.stderr
    assert json.loads(without.stdout)["model"] == "remote"
    posts = len(openai_server.posts())
    assert posts == 1

    result = tether(*args, "--model", str(gguf), "--n-ctx", "512")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["model"] == "bundled" and data["fim"] is True  # the tiny GGUF has qwen FIM tokens
    assert len(openai_server.posts()) == posts  # the role's own slot was not asked


def test_scripted_edit_with_a_missing_model_path_names_the_flag(tether, demo_repo, tmp_path, openai_server):
    _remote_roles(demo_repo, openai_server)
    missing = tmp_path / "nowhere.gguf"
    result = tether("-C", str(demo_repo), "edit", "calc.py", "-m", "add a docstring", "--model", str(missing))
    assert result.returncode == 4, result.stderr
    assert result.stderr.startswith(f"Error: Model file {missing} does not exist")
    assert "--model" in result.stderr and "TETHER_MODEL" in result.stderr and "tether.toml" in result.stderr
    assert openai_server.posts() == []  # not quietly answered by the role's slot


def test_bad_tether_model_names_the_flag_too(tether, demo_repo, tmp_path):
    (demo_repo / "fake.gguf").write_text("not a model")
    result = tether("-C", str(demo_repo), "edit", "calc.py", "-m", "x", env={"TETHER_MODEL": str(demo_repo / "fake.gguf")})
    assert result.returncode == 4
    assert "is not a GGUF model file" in result.stderr and "--model, TETHER_MODEL or path under [models.bundled]" in result.stderr


def test_model_flag_refuses_a_bundled_slot_that_is_an_endpoint(tether, demo_repo, tmp_path):
    (demo_repo / "tether.toml").write_text('[models.bundled]\nbackend = "openai"\nbase_url = "http://127.0.0.1:9/v1"\n')
    gguf = build_tiny_gguf(tmp_path / "tiny.gguf", fim_style=None)
    result = tether("-C", str(demo_repo), "edit", "calc.py", "-m", "x", "--model", str(gguf), "--json")
    assert result.returncode == 2, result.stderr
    assert "--model sets a GGUF file for the 'bundled' slot" in result.stderr and "backend = 'openai'" in result.stderr


def test_doctor_checks_what_model_and_n_ctx_select(tether, demo_repo, tmp_path, openai_server):
    _remote_roles(demo_repo, openai_server)
    gguf = build_tiny_gguf(tmp_path / "tiny.gguf", fim_style="qwen")
    report = json.loads(tether("-C", str(demo_repo), "doctor", "--json", "--model", str(gguf), "--n-ctx", "1024").stdout)
    assert {r["role"]: r["slots"] for r in report["roles"]} == {"complete": ["bundled"], "edit": ["bundled"], "embed": [], "next_edit": []}
    assert [(s["slot"], s["where"], s["n_ctx"], s["ok"]) for s in report["slots"]] == [("bundled", str(gguf), 1024, True)]
    # --n-ctx alone sets the window of the slots the roles use, an endpoint's included
    alone = json.loads(tether("-C", str(demo_repo), "doctor", "--json", "--n-ctx", "2048").stdout)
    assert [(s["slot"], s["n_ctx"]) for s in alone["slots"]] == [("remote", 2048)]


def test_models_info_loads_the_model_flag_gguf(tether, tmp_path):
    gguf = build_tiny_gguf(tmp_path / "tiny.gguf", fim_style="qwen")
    info = tether("-C", str(tmp_path), "models", "info", "--model", str(gguf), "--n-ctx", "512", "--json")
    assert info.returncode == 0, info.stderr
    data = json.loads(info.stdout)
    assert (data["path"], data["n_ctx"], data["fim_style"]) == (str(gguf), 512, "qwen")


def test_models_info_refuses_model_with_another_slot(tether, tmp_path):
    gguf = build_tiny_gguf(tmp_path / "tiny.gguf", fim_style=None)
    (tmp_path / "tether.toml").write_text(f'[models.other]\npath = "{gguf}"\n')
    result = tether("-C", str(tmp_path), "models", "info", "other", "--model", str(gguf))
    assert result.returncode == 2
    assert result.stderr.startswith("Error: --model sets the GGUF of the 'bundled' slot, and `models info other` shows slot 'other'")
