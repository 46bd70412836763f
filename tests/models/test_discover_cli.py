"""`tether models discover` and `tether models use` over a fake home folder holding tiny GGUFs in each
tool's layout (Hugging Face cache, Ollama's store, LM Studio, llama.cpp's cache), and a small real
HTTP server answering Ollama's OpenAI-compatible /v1/models."""

from __future__ import annotations

import hashlib
import json
import threading
import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from tests.fixtures.tiny_gguf import build_tiny_gguf
from tests.models.conftest import run_models

COMMIT = "89abcdef0123456789abcdef0123456789abcdef"


def _hf_cache(hf_home: Path, repo: str, filename: str, gguf: Path) -> None:
    """The layout huggingface_hub writes: blobs named by sha256, snapshot links, refs/main."""
    data = gguf.read_bytes()
    root = hf_home / "hub" / f"models--{repo.replace('/', '--')}"
    blob = root / "blobs" / hashlib.sha256(data).hexdigest()
    blob.parent.mkdir(parents=True)
    blob.write_bytes(data)
    link = root / "snapshots" / COMMIT / filename
    link.parent.mkdir(parents=True)
    link.symlink_to(Path("../..") / "blobs" / blob.name)
    (root / "refs").mkdir()
    (root / "refs" / "main").write_text(COMMIT)


def _ollama_store(models: Path, name: str, tag: str, gguf: Path) -> None:
    """Ollama's store: an OCI manifest naming the weights layer, the blob under blobs/sha256-<hex>."""
    data = gguf.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    (models / "blobs").mkdir(parents=True, exist_ok=True)
    (models / "blobs" / f"sha256-{digest}").write_bytes(data)
    manifest = models / "manifests" / "registry.ollama.ai" / "library" / name / tag
    manifest.parent.mkdir(parents=True)
    layers = [
        {"mediaType": "application/vnd.ollama.image.model", "digest": f"sha256:{digest}", "size": len(data)},
        {"mediaType": "application/vnd.ollama.image.template", "digest": "sha256:" + "0" * 64, "size": 10},
    ]
    manifest.write_text(json.dumps({"schemaVersion": 2, "layers": layers}))


@pytest.fixture
def ollama_api() -> Iterator[str]:
    """A real HTTP server answering GET /v1/models as Ollama's OpenAI-compatible API does; its host:port."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            if self.path != "/v1/models":
                self.send_error(404)
                return
            body = json.dumps({"object": "list", "data": [{"id": "qwen2.5-coder:7b", "object": "model", "owned_by": "library"}]})
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body.encode())

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def machine(tmp_path: Path, home: Path) -> dict[str, Path]:
    """One tiny GGUF in each tool's place under the fake home (and HF_HOME)."""
    src = tmp_path / "src"
    qwen = build_tiny_gguf(src / "qwen.gguf", "qwen")
    star = build_tiny_gguf(src / "star.gguf", "starcoder")
    plain = build_tiny_gguf(src / "plain.gguf", None)
    _hf_cache(tmp_path / "hf", "tester/Tiny-Coder-GGUF", "tiny-coder-Q8_0.gguf", qwen)
    _ollama_store(home / ".ollama" / "models", "tinycoder", "1.5b", star)
    lms = home / ".lmstudio" / "models" / "lmstudio-community" / "Tiny-Chat-GGUF" / "tiny-chat-Q4_K_M.gguf"
    lms.parent.mkdir(parents=True)
    lms.write_bytes(plain.read_bytes())
    llama = home / ".cache" / "llama.cpp" / "tester_Tiny-Coder-GGUF_tiny-coder-Q8_0.gguf"
    llama.parent.mkdir(parents=True)
    llama.write_bytes(qwen.read_bytes())
    (home / ".cache" / "llama.cpp" / "notes.txt").write_text("not a model")
    return {"lmstudio": lms, "llama": llama}


def test_discover_lists_each_tool_with_gguf_facts(machine, model_env, workspace, ollama_api):
    result = run_models("-C", str(workspace), "models", "discover", "--json", env={**model_env, "OLLAMA_HOST": ollama_api})
    assert result.returncode == 0, result.stderr
    found = {f["name"]: f for f in json.loads(result.stdout)}
    assert list(found) == [
        "hf:tester/Tiny-Coder-GGUF:tiny-coder-Q8_0.gguf",
        "ollama:tinycoder:1.5b",
        "ollama-api:qwen2.5-coder:7b",
        "lmstudio:lmstudio-community/Tiny-Chat-GGUF/tiny-chat-Q4_K_M.gguf",
        "llama.cpp:tester_Tiny-Coder-GGUF_tiny-coder-Q8_0.gguf",
    ]
    hf = found["hf:tester/Tiny-Coder-GGUF:tiny-coder-Q8_0.gguf"]["info"]
    assert hf["architecture"] == "llama" and hf["quantization"] == "F32" and hf["context_length"] == 256
    assert hf["fim_style"] == "qwen" and hf["size_bytes"] > 100_000
    assert found["ollama:tinycoder:1.5b"]["info"]["fim_style"] == "starcoder"
    assert Path(found["ollama:tinycoder:1.5b"]["path"]).name.startswith("sha256-")
    assert found["lmstudio:lmstudio-community/Tiny-Chat-GGUF/tiny-chat-Q4_K_M.gguf"]["info"]["fim_style"] is None
    api = found["ollama-api:qwen2.5-coder:7b"]
    assert api["base_url"] == f"http://{ollama_api}/v1" and api["model"] == "qwen2.5-coder:7b" and api["info"] is None

    plain = run_models("-C", str(workspace), "models", "discover", env={**model_env, "OLLAMA_HOST": ollama_api})
    assert plain.returncode == 0 and "ollama:tinycoder:1.5b" in plain.stdout and "FIM starcoder" in plain.stdout


def test_roots_follow_the_tools_environment_variables(tmp_path, machine, model_env, workspace):
    elsewhere = tmp_path / "elsewhere"
    _ollama_store(elsewhere / "ollama", "moved", "latest", build_tiny_gguf(tmp_path / "src" / "m.gguf", "qwen"))
    (elsewhere / "llama").mkdir()
    (elsewhere / "llama" / "cached.gguf").write_bytes(machine["llama"].read_bytes())
    env = {**model_env, "OLLAMA_MODELS": str(elsewhere / "ollama"), "LLAMA_CACHE": str(elsewhere / "llama")}
    names = [f["name"] for f in json.loads(run_models("-C", str(workspace), "models", "discover", "--json", env=env).stdout)]
    assert "ollama:moved:latest" in names and "llama.cpp:cached.gguf" in names
    assert "ollama:tinycoder:1.5b" not in names  # the default store is no longer read


def test_use_adopts_a_discovered_gguf_and_an_ollama_endpoint(machine, model_env, workspace, ollama_api):
    env = {**model_env, "OLLAMA_HOST": ollama_api}
    used = run_models("-C", str(workspace), "models", "use", "tinycoder", "--role", "complete", env=env)
    assert used.returncode == 0, used.stderr
    served = run_models("-C", str(workspace), "models", "use", "ollama-api:qwen2.5-coder:7b", "--role", "edit", "--slot", "ollama", env=env)
    assert served.returncode == 0, served.stderr
    data = tomllib.loads((workspace / "tether.toml").read_text())
    complete_slot = data["roles"]["complete"][0]
    assert Path(data["models"][complete_slot]["path"]).name.startswith("sha256-")
    assert data["models"]["ollama"] == {"backend": "openai", "base_url": f"http://{ollama_api}/v1", "model": "qwen2.5-coder:7b"}
    assert data["roles"]["edit"] == ["ollama"]
    listed = {r["name"]: r for r in json.loads(run_models("-C", str(workspace), "models", "list", "--json", env=env).stdout)}
    assert listed[complete_slot]["roles"] == ["complete"] and listed["ollama"]["backend"] == "openai"


def test_use_a_path_and_the_errors_of_use(machine, model_env, workspace):
    by_path = run_models("-C", str(workspace), "models", "use", str(machine["lmstudio"]), "--role", "edit", env=model_env)
    assert by_path.returncode == 0, by_path.stderr
    assert tomllib.loads((workspace / "tether.toml").read_text())["roles"]["edit"] == ["tiny-chat-q4_k_m"]
    several = run_models("-C", str(workspace), "models", "use", "Tiny-Coder", "--role", "complete", env=model_env)
    assert several.returncode == 3 and "matches several models" in several.stderr and "llama.cpp:" in several.stderr
    none = run_models("-C", str(workspace), "models", "use", "no-such-model", "--role", "complete", env=model_env)
    assert none.returncode == 3 and "No model found matching 'no-such-model'" in none.stderr
    not_gguf = run_models("-C", str(workspace), "models", "use", str(workspace / "nope.gguf"), "--role", "edit", env=model_env)
    assert not_gguf.returncode == 3 and "is not a GGUF file" in not_gguf.stderr
    no_role = run_models("-C", str(workspace), "models", "use", "tinycoder", env=model_env)
    assert no_role.returncode == 3 and "--role" in no_role.stderr


def test_discover_on_an_empty_machine_says_how_to_get_a_model(model_env, workspace):
    result = run_models("-C", str(workspace), "models", "discover", env=model_env)
    assert result.returncode == 0 and result.stdout == ""
    assert "tether models pull" in result.stderr
    assert json.loads(run_models("-C", str(workspace), "models", "discover", "--json", env=model_env).stdout) == []


def test_use_accepts_every_name_discover_prints(machine, model_env, workspace, ollama_api):
    env = {**model_env, "OLLAMA_HOST": ollama_api}
    names = [f["name"] for f in json.loads(run_models("-C", str(workspace), "models", "discover", "--json", env=env).stdout)]
    assert any(name.endswith(".gguf") and "/" in name for name in names)  # the names that were taken for paths
    for i, name in enumerate(names):
        used = run_models("-C", str(workspace), "models", "use", name, "--role", "edit", "--slot", f"s{i}", "--json", env=env)
        assert used.returncode == 0, (name, used.stderr)
    data = tomllib.loads((workspace / "tether.toml").read_text())
    assert all(f"s{i}" in data["models"] for i in range(len(names)))
