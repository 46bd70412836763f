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


def test_only_the_given_environment_is_read(tmp_path, monkeypatch):
    monkeypatch.setenv("TETHER_LEVEL", "complete")  # the process environment, ignored when env= is given
    assert load_settings(tmp_path, env={}).level is Level.FILE
    assert load_settings(tmp_path, env={"TETHER_LEVEL": "selection"}).level is Level.SELECTION
    assert load_settings(tmp_path).level is Level.COMPLETE  # env=None: the process environment
    assert load_settings(tmp_path, env={"TETHER_LEVEL": ""}).level is Level.FILE  # empty values are ignored


def test_errors_name_the_file_or_variable_the_key_and_the_problem(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.tether.edit]\nmax_reasks = 9\n')
    with pytest.raises(
        ConfigError, match=r"edit.max_reasks: Input should be less than or equal to 5 \(from \[tool.tether\] in .*pyproject.toml\)"
    ):
        load_settings(tmp_path, env={})
    (tmp_path / "tether.toml").write_text("[models.fast]\nbakend = 'openai'\n")
    with pytest.raises(ConfigError, match=r"models.fast.bakend: Extra inputs are not permitted \(from .*tether.toml\)"):
        load_settings(tmp_path, env={}, overrides={"edit": {"max_reasks": 1}})
    (tmp_path / "tether.toml").unlink()
    with pytest.raises(ConfigError, match=r"models.fast.bad: .* \(from the environment, TETHER_MODELS__FAST\)"):
        load_settings(tmp_path, env={"TETHER_EDIT__MAX_REASKS": "1", "TETHER_MODELS__FAST": '{"backend": "openai", "bad": 1}'})


def test_a_pyproject_without_a_tether_table_is_no_layer(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert load_settings(tmp_path, env={}).model_dump() == load_settings(tmp_path / "nowhere", env={}).model_dump()


def test_a_partial_limits_table_keeps_the_levels_other_defaults(tmp_path):
    (tmp_path / "tether.toml").write_text("[limits.selection]\nmax_changed_lines = 50\n")
    limits = load_settings(tmp_path, env={}).limits_for(Level.SELECTION)
    assert limits.max_changed_lines == 50 and limits.max_model_calls == 3


def test_client_layer_merges_over_the_loaded_settings(tmp_path):
    base = load_settings(tmp_path, env={"TETHER_MAX_LEVEL": "file"})
    assert base.level is Level.FILE
    with pytest.raises(ConfigError, match=r"level 'repo' is above max_level 'file'.*\(from client settings\)"):
        base.merged({"level": "repo"})
    lowered = base.merged({"max_level": "selection"})
    assert lowered.level is Level.SELECTION and lowered.max_level is Level.SELECTION


def test_a_role_given_as_one_string_is_a_one_slot_list(tmp_path) -> None:
    from tether.config import load_settings

    (tmp_path / "tether.toml").write_text('[models.fast]\npath = "/m/fast.gguf"\n\n[roles]\ncomplete = "fast"\n')
    assert load_settings(tmp_path, env={}).roles["complete"] == ["fast"]


@pytest.mark.parametrize("url", ["http://[::1", "localhost:8000", "ftp://host/v1", "http://"])
def test_a_malformed_base_url_is_a_config_error_naming_the_slot(tmp_path, url) -> None:
    env = {"TETHER_MODELS__S": f'{{"backend": "openai", "base_url": "{url}", "model": "m"}}'}
    with pytest.raises(ConfigError, match=r"models\.s\.base_url: .*http://127\.0\.0\.1:8000/v1 \(from the environment, TETHER_MODELS__S\)"):
        load_settings(tmp_path, env=env)


def test_http_and_https_base_urls_load(tmp_path) -> None:
    (tmp_path / "tether.toml").write_text(
        '[models.a]\nbackend = "openai"\nbase_url = "http://[::1]:8000/v1"\n\n[models.b]\nbackend = "openai"\nbase_url = "https://api.example.com/v1"\n'
    )
    models = load_settings(tmp_path, env={}).models
    assert models["a"].base_url == "http://[::1]:8000/v1" and models["b"].base_url == "https://api.example.com/v1"
