"""Malformed HF_ENDPOINT / OLLAMA_HOST give one `Error:` naming the variable and its value (exit 3),
never a traceback; `OLLAMA_HOST=:PORT` means 127.0.0.1:PORT; a broken Ollama manifest is a skipped
entry with a note, not the end of `discover`."""

from __future__ import annotations

import json

import pytest
from tests.models.conftest import run_models
from tests.models.test_discover_cli import machine, ollama_api  # noqa: F401  (fixtures)


@pytest.mark.parametrize("value", ["http://127.0.0.1:99999", "http://[::1"])
@pytest.mark.parametrize("verb", [("discover",), ("pull", "tester/Tiny-GGUF:Q8_0")])
def test_a_malformed_hf_endpoint_is_named(model_env, workspace, value, verb):
    result = run_models("-C", str(workspace), "models", *verb, env={**model_env, "HF_ENDPOINT": value})
    assert result.returncode == 3, result.stderr
    assert f"HF_ENDPOINT={value!r}" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("value", ["garbage::x", "http://[::1"])
def test_a_malformed_ollama_host_is_named(model_env, workspace, value):
    result = run_models("-C", str(workspace), "models", "discover", env={**model_env, "OLLAMA_HOST": value})
    assert result.returncode == 3, result.stderr
    assert f"OLLAMA_HOST={value!r}" in result.stderr and "Traceback" not in result.stderr


def test_ollama_host_port_only_means_localhost(model_env, workspace, ollama_api):  # noqa: F811
    port = ollama_api.rpartition(":")[2]
    result = run_models("-C", str(workspace), "models", "discover", "--json", env={**model_env, "OLLAMA_HOST": f":{port}"})
    assert result.returncode == 0, result.stderr
    served = [f for f in json.loads(result.stdout) if f["source"] == "ollama-api"]
    assert served and served[0]["base_url"] == f"http://127.0.0.1:{port}/v1"


def test_a_bad_ollama_manifest_is_skipped_with_a_note(machine, model_env, home, workspace):  # noqa: F811
    bad = home / ".ollama" / "models" / "manifests" / "registry.ollama.ai" / "library" / "broken" / "latest"
    bad.parent.mkdir(parents=True)
    bad.write_text(json.dumps({"schemaVersion": 2, "layers": 5}))
    result = run_models("-C", str(workspace), "models", "discover", "--no-ollama-api", env=model_env)
    assert result.returncode == 0, result.stderr
    assert "ollama:broken:latest" in result.stdout and "skipped" in result.stdout
    assert "ollama:tinycoder:1.5b" in result.stdout and "lmstudio:" in result.stdout  # the rest still listed
