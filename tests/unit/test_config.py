"""Settings layering: defaults < tether.toml / [tool.tether] < TETHER_* env < flags < client settings."""

from __future__ import annotations

import pytest

from tether.config import load_settings
from tether.errors import ConfigError
from tether.slider import Level


def test_defaults_use_the_bundled_model_for_every_role(tmp_path):
    settings = load_settings(tmp_path, env={})
    assert settings.models["bundled"].backend == "llamacpp"
    assert settings.models["bundled"].path is None
    assert settings.roles["complete"] == ["bundled"] and settings.roles["edit"] == ["bundled"]
    assert settings.level is Level.FILE and settings.max_level is Level.REPO


def test_layers_override_in_order(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.tether]\nlevel = "selection"\n[tool.tether.edit]\nmax_reasks = 1\n')
    (tmp_path / "tether.toml").write_text('level = "complete"\n[complete]\nmax_tokens = 20\n')
    settings = load_settings(tmp_path, env={"TETHER_COMPLETE__MAX_TOKENS": "30"})
    assert settings.level is Level.COMPLETE  # tether.toml beats pyproject
    assert settings.edit.max_reasks == 1  # pyproject value kept where nothing overrides it
    assert settings.complete.max_tokens == 30  # env beats files
    flagged = load_settings(tmp_path, env={"TETHER_COMPLETE__MAX_TOKENS": "30"}, overrides={"complete": {"max_tokens": 40}})
    assert flagged.complete.max_tokens == 40
    client = flagged.merged({"level": "repo"})
    assert client.level is Level.REPO and client.complete.max_tokens == 40


def test_model_shorthand_and_json_env_values(tmp_path):
    settings = load_settings(
        tmp_path,
        env={
            "TETHER_MODEL": "/models/x.gguf",
            "TETHER_MODELS__FAST": '{"backend": "openai", "base_url": "http://127.0.0.1:1/v1"}',
            "TETHER_ROLES__EDIT": '["fast", "bundled"]',
            "TETHER_UNRELATED_SWITCH": "1",
        },
    )
    assert settings.models["bundled"].path == "/models/x.gguf"
    assert settings.roles["edit"] == ["fast", "bundled"]


def test_invalid_values_name_the_field(tmp_path):
    with pytest.raises(ConfigError, match="level"):
        load_settings(tmp_path, env={"TETHER_LEVEL": "everything"})
    with pytest.raises(ConfigError, match="nosuch"):
        load_settings(tmp_path, env={}, overrides={"roles": {"edit": ["nosuch"]}})
    with pytest.raises(ConfigError, match="typo_field"):
        load_settings(tmp_path, env={}, overrides={"typo_field": 1})


def test_broken_toml_is_a_config_error(tmp_path):
    (tmp_path / "tether.toml").write_text("level = \n")
    with pytest.raises(ConfigError, match="tether.toml is not valid TOML"):
        load_settings(tmp_path, env={})


def test_adding_a_slot_or_a_role_keeps_the_defaults(tmp_path):
    (tmp_path / "tether.toml").write_text(
        '[models.remote]\nbackend = "openai"\nbase_url = "http://127.0.0.1:8000/v1"\n[roles]\nedit = ["remote", "bundled"]\n'
    )
    settings = load_settings(tmp_path, env={})
    assert set(settings.models) == {"bundled", "remote"}
    assert settings.roles["edit"] == ["remote", "bundled"] and settings.roles["complete"] == ["bundled"]
