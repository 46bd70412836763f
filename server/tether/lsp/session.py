"""Session: what one client connection shares — settings layers, the engine, model state.

Settings layering: the base (tether.toml / env, or what ``create_server`` was given) < the
client's settings (``initializationOptions``, then each ``workspace/didChangeConfiguration``,
which replaces the previous client layer) < ``tether.setAutonomy``. The engine is rebuilt only
when the models, roles or data folder change; otherwise it keeps its loaded models.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..config import Settings, load_settings
from ..context.edit_history import EditHistory
from ..context.files import is_excluded
from ..context.recent import RecentChunks
from ..engine import Engine
from ..errors import ConfigError, TetherError
from ..ops.gather import default_providers
from ..slider import Level, check_level
from .convert import to_settings_layer
from .latest import Latest
from .wire import ModelStatus, ServerState, StatusResult

_ENGINE_KEYS = ("models", "roles", "data_dir")
WARM_ROLES = ("complete", "edit")


class Session:
    def __init__(self, settings: Settings | None = None, root: Path | str | None = None):
        self._base = settings
        self.root = Path(root).resolve() if root else None
        self._client_layer: dict[str, Any] = {}
        self._engine: Engine | None = None
        self.latest = Latest()
        self.recent = RecentChunks()
        self.history = EditHistory(excluded=lambda rel: self.root is not None and is_excluded(self.root, rel))
        self.accept_lock = asyncio.Lock()
        self.command_tasks: dict[Any, asyncio.Task] = {}
        self.state: ServerState = "loading"
        self.model_errors: dict[str, str] = {}
        self._warm_task: asyncio.Task | None = None

    # -- lifecycle -----------------------------------------------------------------------

    def start(self, root: Path | None, options: Any) -> list[str]:
        """Build the engine for ``root``; warnings to show (invalid tether.toml or client settings)."""
        self.root = (root or self.root or Path.cwd()).resolve()
        warnings = []
        if self._base is None:
            try:
                self._base = load_settings(self.root)
            except ConfigError as exc:
                warnings.append(f"tether: using the default settings. {exc}")
                self._base = Settings()
        try:
            self._client_layer = to_settings_layer(options)
            settings = self._base.merged(self._client_layer)
        except (ConfigError, ValueError) as exc:
            warnings.append(f"tether: client settings ignored, defaults kept. {exc}")
            self._client_layer = {}
            settings = self._base
        self._use(settings)
        return warnings

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise TetherError("The language server is not initialized yet; send `initialize` first.")
        return self._engine

    @property
    def settings(self) -> Settings:
        return self.engine.settings

    def update_client_settings(self, raw: Any) -> bool:
        """Replace the client layer; True when the engine was rebuilt (ConfigError when invalid)."""
        try:
            layer = to_settings_layer(raw)
        except ValueError as exc:
            raise ConfigError(f"Invalid client settings: {exc}.") from exc
        settings = self._require_base().merged(layer)
        self._client_layer = layer
        return self._use(settings)

    def set_level(self, level: Level) -> Settings:
        """Move the slider (LeashError above max_level)."""
        check_level(level, self.settings.max_level)
        layer = {**self._client_layer, "level": level.value}
        settings = self._require_base().merged(layer)
        self._client_layer = layer
        self._use(settings)
        return settings

    def _require_base(self) -> Settings:
        if self._base is None:
            raise TetherError("The language server is not initialized yet; send `initialize` first.")
        return self._base

    def _use(self, settings: Settings) -> bool:
        """Apply settings; True when a new engine was built (the models must warm up again)."""
        old = self._engine
        if old is not None and all(getattr(old.settings, k) == getattr(settings, k) for k in _ENGINE_KEYS):
            old.settings = settings
            old.router.settings = settings
            return False
        engine = Engine(settings, self.root or Path.cwd())
        engine.providers = default_providers(engine)
        self._engine = engine
        if old is not None:
            asyncio.ensure_future(old.aclose())
            self.state = "loading"
        return True

    async def aclose(self) -> None:
        if self._warm_task is not None:
            self._warm_task.cancel()
        if self._engine is not None:
            await self._engine.aclose()

    # -- models --------------------------------------------------------------------------

    def warm_up(self, warn: Callable[[str], None]) -> None:
        """Load the models of the complete and edit roles in the background, reporting failures."""
        if self._warm_task is not None and not self._warm_task.done():
            self._warm_task.cancel()
        self._warm_task = asyncio.ensure_future(self._warm(self.engine, warn))

    async def _warm(self, engine: Engine, warn: Callable[[str], None]) -> None:
        self.state = "loading"
        errors: dict[str, str] = {}
        unusable = []
        for role in WARM_ROLES:
            usable = False
            for slot in engine.settings.roles.get(role, []):
                if slot in errors:
                    continue
                try:
                    await engine.router.backend(slot).capabilities()
                    usable = True
                    break
                except TetherError as exc:
                    errors[slot] = f"Model '{slot}' could not be loaded: {exc}"
            if not usable and engine.settings.roles.get(role):
                unusable.append(role)
        if engine is not self._engine:
            return  # settings changed while loading; the newer warm-up reports
        self.model_errors = errors
        self.state = "error" if unusable else "ready"
        for message in errors.values():
            fallback = "" if unusable else " Requests use the next model of the role."
            warn(f"tether: {message}{fallback}")

    def status(self) -> StatusResult:
        settings = self.settings
        loaded = self.engine.router.loaded()
        models = []
        for name, cfg in settings.models.items():
            backend = loaded.get(name)
            is_loaded = bool(backend and backend.describe().get("loaded", True) and name not in self.model_errors)
            models.append(ModelStatus(name=name, kind=cfg.backend, loaded=is_loaded))
        error = " ".join(self.model_errors.values()) or None
        return StatusResult(level=settings.level, max_level=settings.max_level, models=models, state=self.state, error=error)
