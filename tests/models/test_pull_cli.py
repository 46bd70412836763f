"""`tether models pull` against a local server that answers like the Hugging Face hub (tests/fixtures/hub_server.py):
by file and by quantization, the sha256 check, 404s, a hub that is down, HF_HUB_OFFLINE, and --role
writing a slot that `tether models list` shows. HF_ENDPOINT points huggingface_hub at the fake hub."""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path

import pytest
from tests.fixtures.hub_server import FakeHub
from tests.fixtures.tiny_gguf import build_tiny_gguf
from tests.models.conftest import run_models

REPO = "tester/Tiny-Coder-GGUF"


@pytest.fixture
def tiny_repo(hub: FakeHub, tmp_path: Path) -> dict[str, Path]:
    files = {
        "tiny-coder-Q8_0.gguf": build_tiny_gguf(tmp_path / "src" / "q8.gguf", "qwen", seed=1),
        "tiny-coder-Q4_K_M.gguf": build_tiny_gguf(tmp_path / "src" / "q4.gguf", "qwen", seed=2),
    }
    hub.add(REPO, {**files, "README.md": b"# tiny\n"})
    return files


def _env(model_env: dict[str, str], hub: FakeHub) -> dict[str, str]:
    return {**model_env, "HF_ENDPOINT": hub.url}


def test_pull_by_quant_downloads_into_the_hub_cache_and_checks_sha256(hub, tiny_repo, model_env, workspace, tmp_path):
    result = run_models("-C", str(workspace), "models", "pull", f"{REPO}:q4_k_m", "--json", env=_env(model_env, hub))
    assert result.returncode == 0, result.stderr
    pulled = json.loads(result.stdout)["pulled"]
    path = Path(pulled["path"])
    assert pulled["filename"] == "tiny-coder-Q4_K_M.gguf" and pulled["quant"] == "Q4_K_M"
    assert path.is_relative_to(tmp_path / "hf" / "hub")  # huggingface_hub's cache under HF_HOME
    assert hashlib.sha256(path.read_bytes()).hexdigest() == pulled["files"][0]["sha256"]
    assert path.read_bytes() == tiny_repo["tiny-coder-Q4_K_M.gguf"].read_bytes()
    assert "slot" not in json.loads(result.stdout)  # no --role: nothing written
    assert not (workspace / "tether.toml").exists()
    assert ("HEAD", f"/{REPO}/resolve/{pulled['revision']}/tiny-coder-Q4_K_M.gguf") in hub.requests
    assert ("GET", f"/blobs/{REPO}/tiny-coder-Q4_K_M.gguf") in hub.requests  # the bytes came from the CDN it redirected to


def test_pull_by_file_with_role_writes_a_slot_that_models_list_shows(hub, tiny_repo, model_env, workspace):
    env = _env(model_env, hub)
    (workspace / "tether.toml").write_text('# my settings\nlevel = "selection"\n\n[roles]\nedit = ["bundled"]  # keep\n')
    result = run_models(
        "-C", str(workspace), "models", "pull", f"{REPO}:tiny-coder-Q8_0.gguf", "--role", "complete", "--role", "edit", env=env
    )
    assert result.returncode == 0, result.stderr
    assert "wrote [models.tiny-coder-q8_0]" in result.stderr
    text = (workspace / "tether.toml").read_text()
    assert "# my settings" in text and 'level = "selection"' in text  # the rest of the file kept
    data = tomllib.loads(text)
    slot = data["models"]["tiny-coder-q8_0"]
    assert Path(slot["path"]).name == "tiny-coder-Q8_0.gguf" and Path(slot["path"]).exists()
    assert slot["n_ctx"] == 256  # no preset: capped by the GGUF's trained context
    assert data["roles"]["complete"] == ["tiny-coder-q8_0"]
    assert data["roles"]["edit"] == ["tiny-coder-q8_0", "bundled"]  # first, the old slot kept for failover

    listed = run_models("-C", str(workspace), "models", "list", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    row = next(r for r in json.loads(listed.stdout) if r["name"] == "tiny-coder-q8_0")
    assert row["backend"] == "llamacpp" and row["where"] == slot["path"] and sorted(row["roles"]) == ["complete", "edit"]


def test_pull_with_user_writes_the_user_config(hub, tiny_repo, model_env, workspace, tmp_path):
    env = _env(model_env, hub)
    result = run_models("-C", str(workspace), "models", "pull", f"{REPO}:Q8_0", "--role", "next-edit", "--user", "--slot", "nes", env=env)
    assert result.returncode == 0, result.stderr
    user = tmp_path / "xdg" / "tether" / "tether.toml"
    data = tomllib.loads(user.read_text())
    assert data["roles"]["next_edit"] == ["nes"] and data["next_edit"]["enabled"] is True
    # FIM tokens and no preset: plain completion at the cursor, in the slot's own field when settings have one
    assert (data["models"]["nes"].get("next_edit_format") or data.get("next_edit", {}).get("format")) == "fim"
    assert not (workspace / "tether.toml").exists()
    listed = json.loads(run_models("-C", str(workspace), "models", "list", "--json", env=env).stdout)
    assert next(r for r in listed if r["name"] == "nes")["roles"] == ["next_edit"]
    # the workspace's tether.toml sits above the user's: its role list wins, the user's slot stays defined
    (workspace / "tether.toml").write_text('[roles]\nnext_edit = ["bundled"]\n')
    listed = {r["name"]: r for r in json.loads(run_models("-C", str(workspace), "models", "list", "--json", env=env).stdout)}
    assert listed["nes"]["roles"] == [] and "next_edit" in listed["bundled"]["roles"]


def test_sha256_mismatch_errors_and_leaves_no_file_that_looks_complete(hub, tmp_path, model_env, workspace):
    gguf = build_tiny_gguf(tmp_path / "src" / "bad.gguf", "qwen")
    hub.add(REPO, {"tiny-coder-Q8_0.gguf": gguf}, corrupt={"tiny-coder-Q8_0.gguf"})
    result = run_models("-C", str(workspace), "models", "pull", REPO, "--role", "complete", env=_env(model_env, hub))
    assert result.returncode == 4, result.stderr
    assert "sha256" in result.stderr and "deleted" in result.stderr
    cache = tmp_path / "hf" / "hub" / "models--tester--Tiny-Coder-GGUF"
    left = [p for p in cache.rglob("*") if p.is_file() or p.is_symlink()]
    assert not [p for p in left if p.name.endswith(".gguf") or "blobs" in p.parts], left
    assert not (workspace / "tether.toml").exists()


def test_missing_repo_and_missing_file_are_clear_errors(hub, tiny_repo, model_env, workspace):
    env = _env(model_env, hub)
    repo = run_models("-C", str(workspace), "models", "pull", "tester/nope-GGUF", "--json", env=env)
    assert repo.returncode == 4
    assert "no model repository tester/nope-GGUF" in repo.stderr
    assert json.loads(repo.stdout)["error"]["kind"] == "ModelError"
    file = run_models("-C", str(workspace), "models", "pull", f"{REPO}:other.gguf", env=env)
    assert file.returncode == 4
    assert "has no file other.gguf" in file.stderr and "tiny-coder-Q4_K_M.gguf, tiny-coder-Q8_0.gguf" in file.stderr
    quant = run_models("-C", str(workspace), "models", "pull", f"{REPO}:Q2_K", env=env)
    assert quant.returncode == 4 and "Quantizations there: Q4_K_M, Q8_0" in quant.stderr
    several = run_models("-C", str(workspace), "models", "pull", REPO, env=env)
    assert several.returncode == 4 and "several GGUFs" in several.stderr


def test_hub_down_and_offline_mode_are_clear_errors(model_env, workspace):
    down = run_models("-C", str(workspace), "models", "pull", REPO, env=model_env)  # HF_ENDPOINT: a closed port
    assert down.returncode == 4
    assert "Cannot reach the Hugging Face hub" in down.stderr and "Traceback" not in down.stderr
    offline = run_models("-C", str(workspace), "models", "pull", REPO, env={**model_env, "HF_HUB_OFFLINE": "1"})
    assert offline.returncode == 4 and "HF_HUB_OFFLINE is set" in offline.stderr


def test_malformed_spec_is_a_usage_error(model_env, workspace):
    result = run_models("-C", str(workspace), "models", "pull", "not-a-repo", env=model_env)
    assert result.returncode == 3 and "REPO[:FILE|:QUANT]" in result.stderr


def test_split_model_is_pulled_whole_and_a_second_pull_reads_the_cache(hub, tmp_path, model_env, workspace):
    whole = build_tiny_gguf(tmp_path / "src" / "whole.gguf", "qwen").read_bytes()
    half = len(whole) // 2
    parts = {"big-Q4_K_M-00001-of-00002.gguf": whole[:half], "big-Q4_K_M-00002-of-00002.gguf": whole[half:]}
    hub.add(REPO, {**parts, "small-Q8_0.gguf": whole})
    env = _env(model_env, hub)
    first = run_models("-C", str(workspace), "models", "pull", f"{REPO}:Q4_K_M", "--json", env=env)
    assert first.returncode == 0, first.stderr
    pulled = json.loads(first.stdout)["pulled"]
    assert [f["filename"] for f in pulled["files"]] == list(parts)
    assert pulled["path"] == pulled["files"][0]["path"] and Path(pulled["files"][1]["path"]).read_bytes() == whole[half:]
    gets = [r for r in hub.requests if r[0] == "GET" and "/resolve/" in r[1]]
    again = run_models("-C", str(workspace), "models", "pull", f"{REPO}:Q4_K_M", "--json", env=env)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["pulled"]["files"] == pulled["files"]  # same files, sha256 checked again
    assert [r for r in hub.requests if r[0] == "GET" and "/resolve/" in r[1]] == gets  # nothing downloaded twice
