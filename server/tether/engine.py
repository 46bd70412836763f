"""Engine: the collaborators every operation needs, built once per workspace.

Settings, the workspace folder, the model router, the proposal store, and the context
providers that decide what the model sees. The CLI builds one per command, the language server
one per session; ops receive it and know nothing about either.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from pydantic import BaseModel

from .backends.base import Backend
from .backends.router import Router
from .config import Settings
from .pack import ContextPack
from .slider import Level
from .store import ProposalStore
from .workspace import Workspace, ensure_data_dir


class EditTarget(BaseModel):
    """What an edit operation is about: a file's text and the lines in scope."""

    path: str
    text: str
    start_line: int  # 0-based, inclusive
    end_line: int  # 0-based, exclusive
    instruction: str
    level: Level


class ContextProvider(Protocol):
    """Adds items (with sources) to the pack for an edit, within a token budget."""

    async def provide(self, engine: Engine, target: EditTarget, pack: ContextPack, budget_tokens: int) -> None: ...


class Engine:
    def __init__(
        self,
        settings: Settings,
        root: Path | str,
        router: Router | None = None,
        providers: list[ContextProvider] | None = None,
    ):
        self.settings = settings
        self.workspace = Workspace(root)
        self.router = router or Router(settings)
        self.data_dir = Path(settings.data_dir) if settings.data_dir else self.workspace.root / ".tether"
        self.store = ProposalStore(
            self.data_dir / "proposals", read=self.workspace.read_text, archive_after_days=settings.proposals.archive_after_days
        )
        self.providers: list[ContextProvider] = providers if providers is not None else []

    def data_path(self, name: str) -> Path:
        """A file or folder inside the data folder (created, and ignored by git)."""
        return ensure_data_dir(self.data_dir) / name

    def backend(self, role: str) -> Backend:
        return self.router.for_role(role)

    async def aclose(self) -> None:
        await self.router.aclose()
