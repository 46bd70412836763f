"""The autonomy slider: four levels and the leash limits of each."""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict, Field

from .errors import LeashError


class Level(str, Enum):
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


def check_level(requested: Level, max_level: Level) -> None:
    """Refuse an operation above the configured autonomy ceiling."""
    if max_level < requested:
        raise LeashError(
            f"The '{requested.value}' operation is above the allowed autonomy level "
            f"'{max_level.value}'. Raise max_level in tether.toml (or TETHER_MAX_LEVEL) to allow it."
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
