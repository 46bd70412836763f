"""Settings: one pydantic model, layered.

defaults < ``tether.toml`` (or ``[tool.tether]`` in pyproject.toml) < ``TETHER_*`` environment
< CLI flags < LSP client settings. Each layer is a nested dict merged over the one below, and
the result is validated once, so a bad value anywhere gives one clear ConfigError.

Environment: ``TETHER_LEVEL=file``, nested keys with ``__``
(``TETHER_MODELS__BUNDLED__N_CTX=2048``), values parsed as JSON when they parse
(``TETHER_ROLES__EDIT='["fast","bundled"]'``). ``TETHER_MODEL=/path/model.gguf`` is a
shorthand for the bundled slot's path.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import ConfigError
from .slider import DEFAULT_LIMITS, LeashLimits, Level

ENV_PREFIX = "TETHER_"


class ModelConfig(BaseModel):
    """One model slot: a local GGUF through llama.cpp, or an OpenAI-compatible endpoint."""

    model_config = ConfigDict(extra="forbid")

    backend: Literal["llamacpp", "openai"] = "llamacpp"
    path: str | None = Field(None, description="GGUF file (llamacpp). Empty: the bundled SmolLM2 model.")
    n_ctx: int = Field(4096, ge=256, description="Context window in tokens (llamacpp).")
    n_gpu_layers: int = Field(-1, description="Layers to offload; -1 offloads all when the build has CUDA/Metal.")
    n_threads: int | None = Field(None, ge=1, description="CPU threads; empty lets llama.cpp decide.")
    n_batch: int = Field(512, ge=8, description="Prompt batch size (llamacpp).")
    base_url: str | None = Field(None, description="Endpoint base URL (openai), e.g. http://127.0.0.1:8000/v1.")
    model: str | None = Field(None, description="Model name sent to the endpoint (openai).")
    api_key_env: str = Field("OPENAI_API_KEY", description="Environment variable holding the API key (openai).")
    timeout_s: float = Field(60.0, gt=0, description="Request timeout (openai).")
    max_retries: int = Field(2, ge=0, description="Retries on connection errors and 5xx (openai).")
    fim: bool | None = Field(None, description="Whether /completions accepts `suffix` (openai). Empty: prefix-only completion.")


class CompleteSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_tokens: int = Field(48, ge=1, le=512)
    debounce_ms: int = Field(120, ge=0, le=5000)
    max_prefix_chars: int = Field(6000, ge=100)
    max_suffix_chars: int = Field(2000, ge=0)


class EditSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_reasks: int = Field(2, ge=0, le=5, description="Re-asks after invalid model output.")
    max_tokens: int = Field(1024, ge=16)
    search_replace_over_lines: int = Field(200, ge=20, description="Files longer than this are edited through search/replace blocks.")
    speculative: bool = Field(True, description="Prompt-lookup speculative decoding for rewrites (llamacpp).")
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    around_lines: int = Field(0, ge=0, le=200, description="Lines around a selection shown to the model (small models copy them: 0).")


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    models: dict[str, ModelConfig] = Field(default_factory=lambda: {"bundled": ModelConfig()})
    roles: dict[str, list[str]] = Field(
        default_factory=lambda: {"complete": ["bundled"], "edit": ["bundled"], "embed": []},
        description="Role -> ordered failover list of model slots.",
    )
    level: Level = Field(Level.FILE, description="Current position of the autonomy slider.")
    max_level: Level = Field(Level.REPO, description="Highest level any request may use.")
    limits: dict[Level, LeashLimits] = Field(default_factory=lambda: dict(DEFAULT_LIMITS))
    complete: CompleteSettings = Field(default_factory=CompleteSettings)
    edit: EditSettings = Field(default_factory=EditSettings)
    data_dir: str | None = Field(None, description="Where proposals and indexes live. Empty: <workspace>/.tether.")

    def limits_for(self, level: Level) -> LeashLimits:
        return self.limits.get(level, DEFAULT_LIMITS[level])

    def merged(self, overrides: Mapping[str, Any] | None) -> Settings:
        """A copy with one more layer on top (CLI flags, client settings)."""
        if not overrides:
            return self
        return _validate(deep_merge(self.model_dump(mode="json", exclude_unset=True), overrides), "overrides")


def deep_merge(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def load_settings(
    workspace: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build Settings from every layer for a workspace folder."""
    workspace = Path(workspace or Path.cwd())
    # Layers merge into the defaults: a new model slot or one role's list keeps the others.
    data: dict[str, Any] = {"models": {"bundled": {}}, "roles": Settings().roles}
    data = deep_merge(data, _file_layer(workspace))
    data = deep_merge(data, env_layer(os.environ if env is None else env))
    data = deep_merge(data, dict(overrides or {}))
    return _validate(data, "settings")


def _file_layer(workspace: Path) -> dict[str, Any]:
    data: dict[str, Any] = {}
    pyproject = workspace / "pyproject.toml"
    if pyproject.is_file():
        data = dict(_read_toml(pyproject).get("tool", {}).get("tether", {}))
    own = workspace / "tether.toml"
    if own.is_file():
        data = deep_merge(data, _read_toml(own))
    return data


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}. Fix the file or remove it.") from exc


def env_layer(env: Mapping[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, raw in env.items():
        if not name.startswith(ENV_PREFIX) or not raw:
            continue
        key = name[len(ENV_PREFIX) :].lower()
        if key == "model":
            data = deep_merge(data, {"models": {"bundled": {"path": raw}}})
            continue
        parts = key.split("__")
        if parts[0] not in Settings.model_fields:
            continue  # other TETHER_* variables (test switches, tokens) are not settings
        node: dict[str, Any] = {}
        cursor = node
        for part in parts[:-1]:
            cursor = cursor.setdefault(part, {})
        cursor[parts[-1]] = _parse_env_value(raw)
        data = deep_merge(data, node)
    return data


def _parse_env_value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _validate(data: Mapping[str, Any], where: str) -> Settings:
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}" for err in exc.errors())
        raise ConfigError(f"Invalid {where}: {problems}.") from exc
    for role, slots in settings.roles.items():
        for slot in slots:
            if slot not in settings.models:
                raise ConfigError(f"Invalid {where}: role '{role}' names model '{slot}', which is not defined under [models].")
    return settings
