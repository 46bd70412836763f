"""`tether models use|pull --role` never replace a different slot of the same name silently: exit 3
naming the slot and the file unless --replace; the same slot again is a no-op; a replaced slot that
other roles list is reported with those roles; Ollama's file and its API get distinct slot names."""

from __future__ import annotations

import tomllib

from tests.models.conftest import run_models
from tests.models.test_discover_cli import machine, ollama_api  # noqa: F401  (fixtures)

HAND_WRITTEN = (
    '[models.tiny-chat-q4_k_m]\n# my own tuning\npath = "/models/other.gguf"\nn_ctx = 2048\n\n[roles]\nedit = ["tiny-chat-q4_k_m"]\n'
)


def test_a_different_slot_of_that_name_is_refused_unless_replace(machine, model_env, workspace):  # noqa: F811
    config = workspace / "tether.toml"
    config.write_text(HAND_WRITTEN)
    use = ("-C", str(workspace), "models", "use", str(machine["lmstudio"]), "--role", "complete")
    refused = run_models(*use, env=model_env)
    assert refused.returncode == 3, refused.stderr
    assert "[models.tiny-chat-q4_k_m]" in refused.stderr and str(config) in refused.stderr and "--replace" in refused.stderr
    assert config.read_text() == HAND_WRITTEN  # nothing lost
    replaced = run_models(*use, "--replace", env=model_env)
    assert replaced.returncode == 0, replaced.stderr
    assert "replaced [models.tiny-chat-q4_k_m]" in replaced.stderr
    assert "roles edit also use slot 'tiny-chat-q4_k_m'" in replaced.stderr  # a role not asked for changed too
    data = tomllib.loads(config.read_text())
    assert data["models"]["tiny-chat-q4_k_m"]["path"] == str(machine["lmstudio"].resolve())
    again = run_models(*use, env=model_env)  # the identical slot again: no error, no change
    assert again.returncode == 0, again.stderr
    assert tomllib.loads(config.read_text()) == data


def test_bundled_slot_reuse_names_every_role_it_changes(machine, model_env, workspace):  # noqa: F811
    result = run_models(
        "-C", str(workspace), "models", "use", str(machine["lmstudio"]), "--role", "edit", "--slot", "bundled", env=model_env
    )
    assert result.returncode == 0, result.stderr
    assert "roles complete also use slot 'bundled'" in result.stderr  # complete defaults to the bundled slot


def test_ollama_file_and_api_get_distinct_slots(machine, model_env, workspace, ollama_api):  # noqa: F811
    env = {**model_env, "OLLAMA_HOST": ollama_api}
    for name in ("ollama:tinycoder:1.5b", "ollama-api:qwen2.5-coder:7b"):
        result = run_models("-C", str(workspace), "models", "use", name, "--role", "complete", env=env)
        assert result.returncode == 0, result.stderr
    data = tomllib.loads((workspace / "tether.toml").read_text())
    # the same model pulled into Ollama and served by it would otherwise share a name: the API one has "-api"
    assert data["roles"]["complete"] == ["qwen2-5-coder-7b-api", "tinycoder-1-5b"]
    assert data["models"]["qwen2-5-coder-7b-api"]["backend"] == "openai" and "path" in data["models"]["tinycoder-1-5b"]


def test_use_a_file_that_is_not_a_gguf_says_so(model_env, workspace, tmp_path):
    text = tmp_path / "passwd"
    text.write_text("root:x:0:0:root:/root:/bin/sh\n")
    result = run_models("-C", str(workspace), "models", "use", str(text), "--role", "edit", env=model_env)
    assert result.returncode == 3 and "is not a GGUF file" in result.stderr, result.stderr


def test_a_user_pick_says_when_the_workspace_roles_take_precedence(machine, model_env, workspace):  # noqa: F811
    (workspace / "tether.toml").write_text('[roles]\ncomplete = ["bundled"]\n')
    result = run_models("-C", str(workspace), "models", "use", str(machine["lmstudio"]), "--role", "complete", "--user", env=model_env)
    assert result.returncode == 0, result.stderr
    assert "take precedence" in result.stderr and "complete" in result.stderr


def test_a_role_written_as_one_string_keeps_its_slot(machine, model_env, workspace):  # noqa: F811
    (workspace / "tether.toml").write_text('[roles]\ncomplete = "bundled"\n')
    result = run_models("-C", str(workspace), "models", "use", str(machine["lmstudio"]), "--role", "complete", env=model_env)
    assert result.returncode == 0, result.stderr
    assert tomllib.loads((workspace / "tether.toml").read_text())["roles"]["complete"] == ["tiny-chat-q4_k_m", "bundled"]
