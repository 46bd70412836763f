"""The autonomy slider: four levels and the leash limits of each."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from .errors import LeashError


class Level(StrEnum):
    """The slider's positions, ordered by rank (comparisons follow it, not the strings)."""

    COMPLETE = "complete"
    SELECTION = "selection"
    FILE = "file"
    REPO = "repo"

    @property
    def rank(self) -> int:
        return _ORDER.index(self)

    def __le__(self, other: Level) -> bool:  # type: ignore[override]
        return self.rank <= other.rank

    def __lt__(self, other: Level) -> bool:  # type: ignore[override]
        return self.rank < other.rank

    def __ge__(self, other: Level) -> bool:  # type: ignore[override]
        return self.rank >= other.rank

    def __gt__(self, other: Level) -> bool:  # type: ignore[override]
        return self.rank > other.rank


_ORDER = [Level.COMPLETE, Level.SELECTION, Level.FILE, Level.REPO]


class LeashLimits(BaseModel):
    """How far one operation at a level may reach. A proposal over a limit is refused."""

    model_config = ConfigDict(extra="forbid")

    max_files: int = Field(1, ge=1, description="Files one proposal may change.")
    max_changed_lines: int = Field(200, ge=1, description="Added plus removed lines in one proposal.")
    max_steps: int = Field(1, ge=1, description="Plan steps one run may take (repo level).")
    max_model_calls: int = Field(4, ge=1, description="Model calls one run may make, re-asks included.")


DEFAULT_LIMITS: dict[Level, LeashLimits] = {
    Level.COMPLETE: LeashLimits(max_files=1, max_changed_lines=40, max_steps=1, max_model_calls=1),
    Level.SELECTION: LeashLimits(max_files=1, max_changed_lines=200, max_steps=1, max_model_calls=3),
    Level.FILE: LeashLimits(max_files=1, max_changed_lines=400, max_steps=1, max_model_calls=3),
    Level.REPO: LeashLimits(max_files=8, max_changed_lines=400, max_steps=6, max_model_calls=24),
}


def check_slider(requested: Level, level: Level, max_level: Level) -> None:
    """The one decision of the autonomy slider, for every surface (LSP, CLI, and later MCP/ACP).

    ``requested``: the level of the operation about to run; ``level``: the slider's position
    (setting ``level``); ``max_level``: its ceiling (setting ``max_level``). Ops call this at
    their entry points, so a surface cannot forget it. Raises LeashError naming the setting to
    change and how (the CLI's ``--level``, the editor's slider, ``tether.toml``, ``TETHER_*``).
    """
    if max_level < requested:
        raise LeashError(
            f"The '{requested.value}' operation is above the allowed autonomy level (max_level = "
            f"'{max_level.value}'). Raise max_level in tether.toml or [tool.tether] (or TETHER_MAX_LEVEL={requested.value}) "
            "to allow it."
        )
    if level < requested:
        raise LeashError(
            f"The '{requested.value}' operation is above the current autonomy level (level = '{level.value}'). "
            f"Move the slider up (CLI: --level {requested.value}; editor: tether.setAutonomy; or level in tether.toml / "
            f"TETHER_LEVEL), at most to max_level '{max_level.value}'."
        )


def check_level(requested: Level, max_level: Level) -> None:
    """Refuse a slider position above the ceiling (moving the slider: ``tether.setAutonomy``, ``--level``).

    Raises LeashError naming ``max_level`` and its environment variable."""
    if max_level < requested:
        raise LeashError(
            f"The level '{requested.value}' is above the allowed autonomy level (max_level = '{max_level.value}'). "
            f"Raise max_level in tether.toml or [tool.tether] (or TETHER_MAX_LEVEL={requested.value}) to allow it."
        )


def check_changes(level: Level, limits: LeashLimits, files: int, changed_lines: int) -> None:
    """Refuse a proposal that reaches further than its level allows."""
    if files > limits.max_files:
        raise LeashError(
            f"The proposal changes {files} files; the '{level.value}' level allows {limits.max_files}. "
            "Narrow the request or raise the limit."
        )
    if changed_lines > limits.max_changed_lines:
        raise LeashError(
            f"The proposal changes {changed_lines} lines; the '{level.value}' level allows "
            f"{limits.max_changed_lines}. Narrow the request or raise the limit."
        )
