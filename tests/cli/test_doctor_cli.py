"""`tether doctor` checks each slot named in a role: reaches endpoints, opens GGUFs, exits 4 when a
role has no working model, and says what to change. Plain output and `--json` are both read."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

from tests.fixtures.openai_server import ScriptedOpenAIServer
from tests.fixtures.tiny_gguf import build_tiny_gguf


def _workspace(tmp_path: Path, toml: str) -> Path:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "tether.toml").write_text(toml)
    return ws


def _closed_port() -> int:
    """A port nothing listens on: bound, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _slot(report: dict, name: str) -> dict:
    return next(s for s in report["slots"] if s["slot"] == name)


def _role(report: dict, name: str) -> dict:
    return next(r for r in report["roles"] if r["role"] == name)


def test_scripted_reachable_endpoint_is_ok_in_json_and_plain(tether, tmp_path, openai_server: ScriptedOpenAIServer):
    ws = _workspace(
        tmp_path,
        f'[models.remote]\nbackend = "openai"\nbase_url = "{openai_server.base_url}"\n\n[roles]\ncomplete = ["remote"]\nedit = ["remote"]\n',
    )
    result = tether("-C", str(ws), "doctor", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    remote = _slot(report, "remote")
    assert report["ok"] is True and remote["ok"] is True and remote["backend"] == "openai"
    assert "scripted-model" in remote["detail"] and remote["n_ctx"] == 8192  # an endpoint's window when n_ctx is unset
    assert _role(report, "edit") == {
        "role": "edit",
        "slots": ["remote"],
        "working": "remote",
        "ok": True,
        "fix": None,
        "capable": True,
        "capability": "endpoint model (default)",
        "pull": None,
    }
    # an endpoint without `fim = true` completes from the prefix only: not capable of FIM completion
    assert _role(report, "complete")["capable"] is False
    assert _role(report, "complete")["pull"] == "tether models pull ggml-org/Qwen2.5-Coder-1.5B-Q8_0-GGUF --role complete"
    assert [r.path for r in openai_server.requests if r.method == "GET"] == ["/v1/models"]

    plain = tether("-C", str(ws), "doctor")
    assert plain.returncode == 0, plain.stderr
    assert "{" not in plain.stdout  # a table, not dict dumps
    lines = plain.stdout.splitlines()
    assert any(line.split()[:4] == ["edit", "remote", "remote", "ok"] for line in lines), plain.stdout
    assert any(line.split()[:4] == ["remote", "openai", "8192", "ok"] for line in lines), plain.stdout
    assert "fix:" not in plain.stdout

    # `models info` reports the same window as doctor (one source: ModelConfig.context_window)
    info = json.loads(tether("-C", str(ws), "models", "info", "remote", "--json").stdout)
    assert info["n_ctx"] == remote["n_ctx"]


def test_scripted_unreachable_endpoint_fails_the_role_and_says_what_to_change(tether, tmp_path):
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    ws = _workspace(tmp_path, f'[models.far]\nbackend = "openai"\nbase_url = "{url}"\n\n[roles]\nedit = ["far"]\n')
    result = tether("-C", str(ws), "doctor", "--json", "--timeout", "5")
    assert result.returncode == 4, result.stderr
    report = json.loads(result.stdout)
    far = _slot(report, "far")
    assert report["ok"] is False and far["ok"] is False
    assert url in far["error"] and "connect" in far["error"]
    assert "Start the server" in far["fix"] and "[models.far]" in far["fix"]
    assert _role(report, "edit")["ok"] is False and _role(report, "edit")["working"] is None
    assert _role(report, "complete")["ok"] is True  # still the bundled slot
    assert "no working model for role edit" in result.stderr

    plain = tether("-C", str(ws), "doctor", "--timeout", "5")
    assert plain.returncode == 4
    assert any(line.split()[:4] == ["edit", "far", "-", "NO", "MODEL"][:4] for line in plain.stdout.splitlines()), plain.stdout
    assert f"fix: slot far: Start the server at {url}" in plain.stdout
    assert "fix: role edit:" in plain.stdout


def test_missing_gguf_names_the_settings_that_set_it(tether, tmp_path):
    ws = _workspace(tmp_path, "")
    missing = tmp_path / "no-such-model.gguf"
    result = tether("-C", str(ws), "doctor", "--json", env={"TETHER_MODEL": str(missing)})
    assert result.returncode == 4, result.stderr
    report = json.loads(result.stdout)
    bundled = _slot(report, "bundled")
    assert bundled["ok"] is False and bundled["where"] == str(missing)
    assert f"{missing} does not exist" in bundled["error"]
    assert "--model" in bundled["fix"] and "TETHER_MODEL" in bundled["fix"]
    assert not _role(report, "complete")["ok"] and not _role(report, "edit")["ok"]

    plain = tether("-C", str(ws), "doctor", env={"TETHER_MODEL": str(missing)})
    assert plain.returncode == 4
    assert "FAILED" in plain.stdout and "fix: slot bundled:" in plain.stdout


def test_failover_role_works_when_a_later_slot_works(tether, tmp_path):
    gguf = build_tiny_gguf(tmp_path / "tiny.gguf", fim_style="qwen")
    toml = f'[models.gone]\npath = "{tmp_path / "gone.gguf"}"\n\n[models.tiny]\npath = "{gguf}"\nn_ctx = 512\n\n[roles]\nedit = ["gone", "tiny"]\n'
    ws = _workspace(tmp_path, toml)
    result = tether("-C", str(ws), "doctor", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert _role(report, "edit")["working"] == "tiny"
    tiny = _slot(report, "tiny")
    assert tiny["ok"] and tiny["n_ctx"] == 512
    assert tiny["detail"] == "vocabulary 277 tokens, trained context 256 (n_ctx 512 is above it: expect worse output past 256 tokens)"
    assert _slot(report, "gone")["ok"] is False  # reported, though the role fails over past it


def test_full_load_of_a_tiny_gguf_reports_its_fim_tokens(tether, tmp_path):
    gguf = build_tiny_gguf(tmp_path / "tiny.gguf", fim_style="qwen")
    ws = _workspace(tmp_path, f'[models.tiny]\npath = "{gguf}"\nn_ctx = 1000\n\n[roles]\ncomplete = ["tiny"]\nedit = ["tiny"]\n')
    report = json.loads(tether("-C", str(ws), "doctor", "--json", "--load").stdout)
    tiny = _slot(report, "tiny")
    assert tiny["ok"], tiny
    # llama.cpp allocates 1024 (a multiple of 256); every report says the configured 1000
    assert tiny["detail"] == "loaded; n_ctx 1000, FIM (qwen)"
    info = json.loads(tether("-C", str(ws), "models", "info", "tiny", "--json").stdout)
    assert info["n_ctx"] == tiny["n_ctx"] == 1000


def test_bundled_model_opens_and_the_build_is_named(tether, tmp_path):
    ws = _workspace(tmp_path, "")
    result = tether("-C", str(ws), "doctor", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["llama_cpp"]["accelerator"] in ("CPU", "CUDA", "METAL", "VULKAN", "HIP", "SYCL", "GPU")
    bundled = _slot(report, "bundled")
    assert bundled["where"].endswith("SmolLM2-135M-Instruct.Q4_1.gguf") and bundled["n_ctx"] == 4096
    assert "vocabulary 49152 tokens" in bundled["detail"]
    assert _role(report, "embed") == {
        "role": "embed",
        "slots": [],
        "working": None,
        "ok": True,
        "fix": None,
        "capable": None,
        "capability": "",
        "pull": None,
    }
    plain = tether("-C", str(ws), "doctor").stdout
    assert plain.splitlines()[1].startswith("llama.cpp: llama-cpp-python ")


def test_terminal_output_is_a_rich_table_that_keeps_setting_names(tether, tmp_path):
    missing = tmp_path / "gone.gguf"
    ws = _workspace(tmp_path, f'[models.gone]\npath = "{missing}"\n\n[roles]\nedit = ["gone"]\n')
    # FORCE_COLOR makes rich treat the pipe as a terminal, as a person's shell would be.
    result = tether("-C", str(ws), "doctor", env={"FORCE_COLOR": "1", "COLUMNS": "220"})
    assert result.returncode == 4
    text = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)
    assert "┃ role " in text and "┃ slot " in text  # rich's table borders
    assert "NO MODEL" in text and "FAILED" in text
    assert "path under [models.gone] in tether.toml" in text  # not eaten as rich markup
    assert "fix: slot gone: Point path under [models.gone] in tether.toml at a readable .gguf file." in text


def test_roles_without_a_capable_model_get_a_pull_line_from_the_presets(tether, tmp_path):
    """The bundled demo model works but is capable of nothing; a FIM GGUF is capable of completion,
    not of edits (no chat template); an unset next-edit role points at the next-edit preset."""
    gguf = build_tiny_gguf(tmp_path / "tiny.gguf", fim_style="qwen")
    ws = _workspace(tmp_path, f'[models.tiny]\npath = "{gguf}"\n\n[roles]\ncomplete = ["tiny"]\n')
    result = tether("-C", str(ws), "doctor", "--json")
    assert result.returncode == 0, result.stderr  # capability is advice, not a failure
    report = json.loads(result.stdout)
    complete, edit, next_edit = (_role(report, r) for r in ("complete", "edit", "next_edit"))
    assert complete["capable"] is True and complete["capability"] == "llama F32, FIM qwen" and complete["pull"] is None
    assert edit["capable"] is False and edit["capability"] == "the bundled SmolLM2-135M demo model"
    size = "7B" if report["llama_cpp"]["gpu_offload"] else "1.5B"  # a 7B edit model only where llama.cpp has a GPU
    assert edit["pull"] == f"tether models pull Qwen/Qwen2.5-Coder-{size}-Instruct-GGUF --role edit"
    assert next_edit["ok"] is True and next_edit["slots"] == [] and next_edit["capable"] is False
    assert next_edit["pull"] == "tether models pull sweepai/sweep-next-edit-1.5B --role next-edit"

    plain = tether("-C", str(ws), "doctor").stdout
    assert f"pull: role edit has no capable model; get one: {edit['pull']}" in plain
    assert "pull: role next-edit has no capable model" in plain and "pull: role complete" not in plain
    row = next(line for line in plain.splitlines() if line.startswith("complete"))
    assert row.split()[:5] == ["complete", "tiny", "tiny", "ok", "yes"]
