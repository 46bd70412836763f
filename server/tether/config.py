"""Settings: one pydantic model, layered by pydantic-settings.

Layers, lowest first (docs/configuration.md): defaults < the user's tether.toml
(``user_config_path``) < ``[tool.tether]`` in pyproject.toml <
``tether.toml`` < ``TETHER_*`` environment < CLI flags < LSP client settings
(``initializationOptions``, ``workspace/didChangeConfiguration``, ``tether.setAutonomy``). Each
layer is a pydantic-settings source (``TomlConfigSettingsSource`` for tether.toml and for the
``[tool.tether]`` table of pyproject.toml, an ``EnvSettingsSource`` over a given mapping, init
kwargs; ``PyprojectTomlConfigSettingsSource`` is not used because it reads its table from the
class config, which pydantic-settings then warns about whenever a layer set lacks it);
``Settings.settings_customise_sources`` stacks them and pydantic-settings deep-merges them, so
a new model slot or one role's list keeps the others. The result is validated once: a bad value
anywhere is one ConfigError naming the key, what is wrong and the layer it came from.

Environment: ``TETHER_LEVEL=file``, nested keys with ``__``
(``TETHER_MODELS__BUNDLED__N_CTX=2048``), dicts and lists as JSON
(``TETHER_ROLES__EDIT='["fast","bundled"]'``), empty values ignored.
``TETHER_MODEL=/path/model.gguf`` is a shorthand for ``TETHER_MODELS__BUNDLED__PATH``.
``Settings()`` alone is the defaults: only ``load_settings`` reads files and the environment.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)

from .errors import ConfigError
from .slider import DEFAULT_LIMITS, LeashLimits, Level

ENV_PREFIX = "TETHER_"
ENV_DELIMITER = "__"
PYPROJECT_TABLE = ("tool", "tether")
MODEL_SHORTHAND = "TETHER_MODEL"  # = TETHER_MODELS__BUNDLED__PATH
DEFAULT_ROLES: dict[str, list[str]] = {"complete": ["bundled"], "edit": ["bundled"], "embed": []}
OPENAI_DEFAULT_N_CTX = 8192  # an endpoint's window when its slot sets no n_ctx
COMPLETE_MAX_TOKENS = 512  # the most tokens one inline completion may ask for ([complete].max_tokens, --max-tokens)
FLAG_SLOT = "bundled"  # the slot `--model PATH` sets the GGUF of
GENERATION_ROLES_SKIP = frozenset({"embed"})  # roles `--model` leaves alone: embeddings are another model


# Slot fields that only one backend reads (n_ctx is read by both).
BACKEND_ONLY: dict[str, str] = {
    **dict.fromkeys(("path", "n_gpu_layers", "n_threads", "n_batch"), "llamacpp"),
    **dict.fromkeys(("base_url", "model", "api_key_env", "timeout_s", "max_retries", "fim"), "openai"),
}


NextEditFormat = Literal["zeta", "sweep", "instruct", "fim"]  # ops/next_edit: the next-edit prompt formats


class ModelConfig(BaseModel):
    """One model slot: a local GGUF through llama.cpp, or an OpenAI-compatible endpoint."""

    model_config = ConfigDict(extra="forbid")

    backend: Literal["llamacpp", "openai"] = "llamacpp"
    path: str | None = Field(None, description="GGUF file (llamacpp). Empty: the bundled SmolLM2 model.")
    n_ctx: int = Field(4096, ge=256, description="Context window in tokens (llamacpp; openai: the endpoint's window, else 8192).")
    n_gpu_layers: int = Field(-1, description="Layers to offload; -1 offloads all when the build has CUDA/Metal.")
    n_threads: int | None = Field(None, ge=1, description="CPU threads; empty lets llama.cpp decide.")
    n_batch: int = Field(512, ge=8, description="Prompt batch size (llamacpp).")
    base_url: str | None = Field(None, description="Endpoint base URL (openai), e.g. http://127.0.0.1:8000/v1.")
    model: str | None = Field(None, description="Model name sent to the endpoint (openai).")
    api_key_env: str = Field("OPENAI_API_KEY", description="Environment variable holding the API key (openai).")
    timeout_s: float = Field(60.0, gt=0, description="Request timeout (openai).")
    max_retries: int = Field(2, ge=0, description="Retries on connection errors and 5xx (openai).")
    fim: bool | None = Field(None, description="Whether /completions accepts `suffix` (openai). Empty: prefix-only completion.")
    next_edit_format: NextEditFormat | None = Field(
        None, description="Next-edit prompt format when this slot serves the next_edit role. Empty: [next_edit].format."
    )

    @property
    def context_window(self) -> int:
        """The context window (tokens) this slot is used with: ``n_ctx`` when set; else 4096 for
        llama.cpp (what the model is loaded with) and 8192 for an endpoint (OPENAI_DEFAULT_N_CTX).
        The one source of ``n_ctx`` for the backends, ``tether models info`` and ``tether doctor``."""
        if self.backend == "openai" and "n_ctx" not in self.model_fields_set:
            return OPENAI_DEFAULT_N_CTX
        return self.n_ctx

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        """An http(s) URL with a host, checked with httpx.URL (what the OpenAI SDK parses it with)
        so a malformed one is a settings error here, not a traceback at the first request."""
        if value is None:
            return value
        try:
            url = httpx.URL(value)
        except (httpx.InvalidURL, ValueError, TypeError) as exc:
            raise ValueError(f"'{value}' is not a valid URL ({exc}); write it like http://127.0.0.1:8000/v1") from exc
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"'{value}' is not an http(s) URL with a host; write it like http://127.0.0.1:8000/v1")
        return value

    @model_validator(mode="after")
    def _fields_of_its_backend(self) -> ModelConfig:
        """A field set for the other backend would be ignored: refused instead, naming it."""
        stray = sorted(name for name in self.model_fields_set if name in BACKEND_ONLY and BACKEND_ONLY[name] != self.backend)
        if stray:
            raise ValueError(f"{', '.join(stray)} only apply to backend '{BACKEND_ONLY[stray[0]]}', and this slot uses '{self.backend}'")
        return self


class CompleteSettings(BaseModel):
    """``[complete]``: inline completion (ops/complete; ``debounce_ms`` in lsp/completion)."""

    model_config = ConfigDict(extra="forbid")

    max_tokens: int = Field(48, ge=1, le=COMPLETE_MAX_TOKENS)
    debounce_ms: int = Field(120, ge=0, le=5000)
    max_prefix_chars: int = Field(6000, ge=100)
    max_suffix_chars: int = Field(2000, ge=0)


class NextEditSettings(BaseModel):
    """``[next_edit]``: next-edit suggestions (ops/next_edit; ``enabled`` and ``debounce_ms`` in lsp/next_edit)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(False, description="Inline completions become next-edit suggestions (a range replaced, not only text inserted).")
    format: NextEditFormat = Field(
        "instruct",
        description="Prompt format: zeta (Zed's Zeta model), sweep (Sweep's next-edit models), instruct (any chat model), fim (plain completion at the cursor).",
    )
    lines_before: int = Field(5, ge=0, le=50, description="Lines above the cursor the model may rewrite.")
    lines_after: int = Field(5, ge=0, le=50, description="Lines below the cursor the model may rewrite.")
    max_tokens: int = Field(256, ge=16, le=2048)
    max_changed_lines: int = Field(
        10, ge=1, le=101, description="Most lines one next-edit suggestion may change (besides limits.complete.max_changed_lines)."
    )
    max_events: int = Field(8, ge=0, le=32, description="Recent edits shown to the model.")
    debounce_ms: int = Field(150, ge=0, le=5000)


class EditSettings(BaseModel):
    """``[edit]``: selection and file edits (ops/edit), and the repo agent's plan and steps."""

    model_config = ConfigDict(extra="forbid")

    max_reasks: int = Field(2, ge=0, le=5, description="Re-asks after invalid model output.")
    max_tokens: int = Field(1024, ge=16)
    search_replace_over_lines: int = Field(200, ge=20, description="Files longer than this are edited through search/replace blocks.")
    speculative: bool = Field(True, description="Prompt-lookup speculative decoding for rewrites (llamacpp).")
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    around_lines: int = Field(0, ge=0, le=200, description="Lines around a selection shown to the model (small models copy them: 0).")


class ProposalsSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    archive_after_days: float = Field(
        7.0, ge=0, description="Decided proposals move into .tether/proposals/archive/ this many days after the last decision; 0: never."
    )


class McpSettings(BaseModel):
    """``[mcp]``: what ``tether mcp`` offers other agents (tether.mcp_server; docs/mcp.md).

    ``max_level`` bounds the tools listed at all (complete: ``complete``; selection and file:
    ``propose_edit``; repo: ``propose_repo_change``), under the top-level ``max_level``; the
    read-only tools are always listed. ``allow_accept`` adds ``accept_hunks`` and ``reject_hunks``."""

    model_config = ConfigDict(extra="forbid")

    max_level: Level = Field(Level.FILE, description="Highest slider level whose tools an MCP client sees (at most max_level).")
    allow_accept: bool = Field(False, description="List accept_hunks and reject_hunks, so an MCP client can write proposals' hunks.")


class Settings(BaseSettings):
    """Every setting tether reads; docs/configuration.md lists each with its default, reader and env name."""

    model_config = SettingsConfigDict(
        extra="forbid",
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=ENV_DELIMITER,
        env_ignore_empty=True,
        case_sensitive=False,
    )

    models: dict[str, ModelConfig] = Field(default_factory=lambda: {"bundled": ModelConfig()})
    roles: dict[str, list[str]] = Field(
        default_factory=lambda: {role: list(slots) for role, slots in DEFAULT_ROLES.items()},
        description="Role -> ordered failover list of model slots.",
    )
    level: Level = Field(Level.FILE, description="Current position of the autonomy slider.")
    max_level: Level = Field(Level.REPO, description="Highest level any request may use.")
    limits: dict[Level, LeashLimits] = Field(default_factory=lambda: dict(DEFAULT_LIMITS))
    complete: CompleteSettings = Field(default_factory=CompleteSettings)
    edit: EditSettings = Field(default_factory=EditSettings)
    next_edit: NextEditSettings = Field(default_factory=NextEditSettings)
    proposals: ProposalsSettings = Field(default_factory=ProposalsSettings)
    mcp: McpSettings = Field(default_factory=McpSettings)
    data_dir: str | None = Field(None, description="Where proposals and indexes live. Empty: <workspace>/.tether.")

    @field_validator("roles", mode="before")
    @classmethod
    def _one_slot_role(cls, value: Any) -> Any:
        """``complete = "fast"`` is read as ``complete = ["fast"]`` (one slot, no failover)."""
        return {role: [slots] if isinstance(slots, str) else slots for role, slots in value.items()} if isinstance(value, dict) else value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Init kwargs (the top layer), then the layers ``load_settings``/``merged`` set up; none
        otherwise, so ``Settings()`` is the defaults and never reads the process environment."""
        return (init_settings, *(layer.source for layer in _LAYERS.get()))

    @model_validator(mode="after")
    def _slider_within_ceiling(self) -> Settings:
        if self.max_level < self.level:
            if "level" in self.model_fields_set:
                raise ValueError(f"level '{self.level.value}' is above max_level '{self.max_level.value}': lower level or raise max_level")
            self.__dict__["level"] = self.max_level  # the default slider position stays under a lowered ceiling
        return self

    @model_validator(mode="after")
    def _limits_that_act(self) -> Settings:
        for level, limits in self.limits.items():
            for name in FIXED_LIMITS.get(level, ()):
                if getattr(limits, name) != 1:
                    raise ValueError(
                        f"limits.{level.value}.{name} must be 1: the {level.value} level {FIXED_LIMITS[level][name]}; "
                        "only limits.repo sets it"
                    )
        return self

    def limits_for(self, level: Level) -> LeashLimits:
        """The leash of ``level``: the configured limits, else ``slider.DEFAULT_LIMITS``."""
        return self.limits.get(level, DEFAULT_LIMITS[level])

    def merged(self, overrides: Mapping[str, Any] | None) -> Settings:
        """A copy with one more layer on top (client settings): nested dicts merge, values replace.
        Raises ConfigError when the result is invalid."""
        if not overrides:
            return self
        below = self.model_dump(mode="json", exclude_unset=True)
        return _build(dict(overrides), [_Layer("the server's settings", InitSettingsSource(Settings, below))], "client settings")


def model_flag_overrides(settings: Settings, model: str | None = None, n_ctx: int | None = None) -> dict[str, Any]:
    """The settings layer of the CLI's ``--model PATH`` / ``--n-ctx N`` for one command, given the
    ``settings`` below it (for ``load_settings(..., overrides=...)``).

    ``--model``: the GGUF of the ``bundled`` slot, and every role that names slots (``embed``
    excepted) then uses that slot alone, whatever slots it named. ``--n-ctx``: the context window
    (tokens) of every slot those roles then use. Raises ConfigError naming the conflict when the
    ``bundled`` slot is configured as an OpenAI-compatible endpoint (``--model`` needs a GGUF slot)."""
    models: dict[str, dict[str, Any]] = {}
    roles: dict[str, list[str]] = {}
    if model is not None:
        slot = settings.models.get(FLAG_SLOT)
        if slot is not None and slot.backend != "llamacpp":
            raise ConfigError(
                f"--model sets a GGUF file for the '{FLAG_SLOT}' slot, but [models.{FLAG_SLOT}] is an OpenAI-compatible "
                f"endpoint (backend = '{slot.backend}'). Drop --model, or rename that slot in tether.toml."
            )
        models[FLAG_SLOT] = {"path": model}
        roles = {role: [FLAG_SLOT] for role, slots in settings.roles.items() if slots and role not in GENERATION_ROLES_SKIP}
    if n_ctx is not None:
        used = roles or {role: slots for role, slots in settings.roles.items() if role not in GENERATION_ROLES_SKIP}
        for slot_name in dict.fromkeys(s for slots in used.values() for s in slots):
            models.setdefault(slot_name, {})["n_ctx"] = n_ctx
    return {"models": models, **({"roles": roles} if roles else {})}


# Limits that cannot act below the repo level, and why: set to anything but 1 they are refused.
FIXED_LIMITS: dict[Level, dict[str, str]] = {
    Level.COMPLETE: {
        "max_files": "inserts into one file",
        "max_steps": "takes one step",
        "max_model_calls": "makes one model call",
    },
    Level.SELECTION: {"max_files": "edits one file", "max_steps": "takes one step"},
    Level.FILE: {"max_files": "edits one file", "max_steps": "takes one step"},
}


@dataclass(frozen=True)
class _Layer:
    """One settings source and how an error message names it."""

    name: str
    source: PydanticBaseSettingsSource


_LAYERS: ContextVar[tuple[_Layer, ...]] = ContextVar("tether_settings_layers", default=())


class _EnvSource(EnvSettingsSource):
    """``TETHER_*`` variables from a given mapping (the process environment, or a test's).

    pydantic-settings reads ``os.environ`` in ``_load_env_vars``; this source reads ``env``
    instead (tests/unit/test_config.py fails if that hook stops being used). Names are
    case-insensitive and empty values ignored, as the model config says; ``TETHER_MODEL`` is
    the bundled slot's path."""

    def __init__(self, env: Mapping[str, str]):
        self._given = dict(env)
        if self._given.get(MODEL_SHORTHAND):
            self._given.setdefault(f"{ENV_PREFIX}MODELS{ENV_DELIMITER}BUNDLED{ENV_DELIMITER}PATH", self._given[MODEL_SHORTHAND])
        super().__init__(Settings)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {name.lower(): value for name, value in self._given.items() if value != ""}

    def variable_for(self, loc: list[str]) -> str:
        """The variable that set the value at ``loc`` (itself, or a parent holding JSON)."""
        names = {name.upper() for name, value in self._given.items() if value != ""}
        for depth in range(len(loc), 0, -1):
            name = ENV_PREFIX + ENV_DELIMITER.join(loc[:depth]).upper()
            if name in names:
                return name
        below = ENV_PREFIX + ENV_DELIMITER.join(loc).upper() + ENV_DELIMITER  # an error about a whole table
        return ", ".join(sorted(name for name in names if name.startswith(below))) or below.removesuffix(ENV_DELIMITER)


def user_config_path() -> Path:
    """The user's own tether.toml, below every workspace's settings (``tether models pull --user``
    writes it): ``platformdirs.user_config_path("tether")/tether.toml``, that is
    ``$XDG_CONFIG_HOME/tether/tether.toml`` or ``~/.config/tether/tether.toml`` on Linux,
    ``~/Library/Application Support/tether/tether.toml`` on macOS, ``%LOCALAPPDATA%\\tether\\tether.toml``
    on Windows. A missing file is an empty layer."""
    import platformdirs

    return platformdirs.user_config_path("tether", appauthor=False) / "tether.toml"


def load_settings(
    workspace: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Settings for a workspace folder from every layer: defaults, the user's tether.toml
    (``user_config_path``), ``[tool.tether]`` in its pyproject.toml, its tether.toml, ``env``
    (default: the process environment), then ``overrides`` (CLI flags, nested like the TOML). Raises ConfigError naming the file or
    variable, the key and what is wrong."""
    workspace = Path(workspace or Path.cwd())
    layers = [_Layer("the environment", _EnvSource(os.environ if env is None else env))]
    own, pyproject = workspace / "tether.toml", workspace / "pyproject.toml"  # a missing file is an empty layer
    layers.append(_Layer(str(own), _toml(own, lambda: TomlConfigSettingsSource(Settings, toml_file=own))))
    layers.append(_Layer(f"[tool.tether] in {pyproject}", _toml(pyproject, lambda: _tool_table(pyproject))))
    user = user_config_path()
    layers.append(_Layer(str(user), _toml(user, lambda: TomlConfigSettingsSource(Settings, toml_file=user))))
    # The defaults as the lowest layer, so a new model slot, one role's list or one limit of a
    # level merges into them.
    limits = {level.value: limits.model_dump() for level, limits in DEFAULT_LIMITS.items()}
    defaults = {"models": {"bundled": {}}, "roles": DEFAULT_ROLES, "limits": limits}
    layers.append(_Layer("the defaults", InitSettingsSource(Settings, defaults)))
    return _build(dict(overrides or {}), layers, "the command-line flags")


def _toml(path: Path, read: Callable[[], PydanticBaseSettingsSource]) -> PydanticBaseSettingsSource:
    try:
        return read()
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}. Fix the file or remove it.") from exc


def _tool_table(pyproject: Path) -> PydanticBaseSettingsSource:
    """``[tool.tether]`` of a pyproject.toml; a file without the table is an empty layer."""
    try:
        return TomlConfigSettingsSource(Settings, toml_file=pyproject, toml_table_header=PYPROJECT_TABLE)
    except KeyError:  # pydantic-settings' way of saying the table is not in the file
        return InitSettingsSource(Settings, {})


@contextmanager
def _stacked(layers: list[_Layer]) -> Iterator[None]:
    token = _LAYERS.set(tuple(layers))
    try:
        yield
    finally:
        _LAYERS.reset(token)


def _build(top: dict[str, Any], layers: list[_Layer], top_name: str) -> Settings:
    with _stacked(layers):
        try:
            settings = Settings(**top)
        except ValidationError as exc:
            problems = "; ".join(_problem(err, top, top_name, layers) for err in exc.errors())
            raise ConfigError(f"Invalid settings: {problems}.") from exc
        except SettingsError as exc:  # a TETHER_* value that should be JSON and is not
            raise ConfigError(f"Invalid settings in the environment: {exc.__cause__ or exc}. Dicts and lists are written as JSON.") from exc
    for role, slots in settings.roles.items():
        for slot in slots:
            if slot not in settings.models:
                raise ConfigError(f"Invalid settings: role '{role}' names model '{slot}', which is not defined under [models].")
    return settings


def _problem(err: Any, top: dict[str, Any], top_name: str, layers: list[_Layer]) -> str:
    """``key: what is wrong (from where)``; where = the highest layer holding the key."""
    loc = [str(part) for part in err["loc"]]
    if loc:
        origin = _origin(loc, top, top_name, layers)
        return f"{'.'.join(loc)}: {err['msg'].removeprefix('Value error, ')}" + (f" (from {origin})" if origin else "")
    # The model's own checks: their message starts with the dotted key they are about.
    message = err["msg"].removeprefix("Value error, ")
    origin = _origin(message.split(" ", 1)[0].split("."), top, top_name, layers)
    return message + (f" (from {origin})" if origin else "")


def _origin(loc: list[str], top: dict[str, Any], top_name: str, layers: list[_Layer]) -> str | None:
    """The highest layer holding the most of ``loc`` (a value can be wrong inside a table it set)."""
    best, best_depth = None, 0
    for name, source in [(top_name, None), *((layer.name, layer.source) for layer in layers)]:
        depth = _depth(top if source is None else source(), loc)
        if depth > best_depth:
            best_depth = depth
            best = f"{name}, {source.variable_for(loc)}" if isinstance(source, _EnvSource) else name
    return best


def _depth(data: Any, loc: list[str]) -> int:
    """How many leading parts of ``loc`` ``data`` holds (keys compared case-insensitively)."""
    depth = 0
    for part in loc:
        key = next((k for k in data if str(k).lower() == part.lower()), None) if isinstance(data, Mapping) else None
        if key is None:
            break
        data, depth = data[key], depth + 1
    return depth
