"""The TetherError tree: every message is a sentence a user can act on.

    TetherError                  exit 1   anything tether reports on purpose
    ├── ConfigError              exit 2   bad settings, tether.toml, env or flags
    ├── InputError               exit 3   missing, binary or non-UTF-8 file, bad range, path outside workspace
    ├── ModelError               exit 4   a model that cannot load or an endpoint that cannot be reached
    ├── GenerationError          exit 5   the model's output stayed invalid after the allowed re-asks
    ├── StaleError               exit 6   the text changed since the proposal was made
    │   └── ConflictError        exit 6   a hunk's own lines were edited: accept needs an explicit choice
    ├── LeashError               exit 7   above the allowed autonomy level or leash limits
    ├── DirtyError               exit 8   the CLI refuses to clobber uncommitted work
    ├── ProposalError            exit 9   unknown proposal or hunk id, nothing to apply
    └── CheckFailedError         exit 10  the check command failed, or passed only with edited tests
        └── BaselineCheckError   exit 11  the check already failed on the untouched tree, and still fails

Errors are converted once per boundary: the CLI prints ``Error: <message>`` (one line, then an
optional indented detail block; with ``--json`` also a JSON error object on stdout) and exits with
``exit_code``; the language server turns them into a JSON-RPC error and a window message.
"""

from __future__ import annotations


class TetherError(Exception):
    """Base of every error tether reports to a user. ``str(err)``: one line; ``detail``: optional
    lines shown under it (a check's output tail); ``json_reported``: a CLI command already put the
    error in the JSON it printed, so no separate JSON error object follows (cli/errors.py)."""

    exit_code = 1
    detail = ""
    json_reported = False


class ConfigError(TetherError):
    exit_code = 2


class InputError(TetherError):
    exit_code = 3


class ModelError(TetherError):
    exit_code = 4


class GenerationError(TetherError):
    """A model reply that cannot be used. ``kind`` names the failure in a word or two
    (``looped``, ``truncated``, ``elided``, ``did not parse``, ``empty``, ``no code``...), so a
    final error can say why every try failed."""

    exit_code = 5
    kind = "unusable"

    def __init__(self, message: str = "", kind: str | None = None, ask: str = ""):
        """``message``: what was wrong, for people (``str(err)``); ``ask``: what the model should do
        instead, added only to the re-ask (``for_model``), never shown to a user."""
        super().__init__(message)
        self.ask = ask
        if kind is not None:
            self.kind = kind

    def for_model(self) -> str:
        """The message with the instruction for the model: what a re-ask tells it."""
        return f"{self} {self.ask}" if self.ask else str(self)


class StaleError(TetherError):
    exit_code = 6


class ConflictError(StaleError):
    """A hunk whose own lines the person edited was named for accepting without choosing to overwrite them."""


class LeashError(TetherError):
    exit_code = 7


class DirtyError(TetherError):
    exit_code = 8


class ProposalError(TetherError):
    exit_code = 9


class CheckFailedError(TetherError):
    exit_code = 10


class BaselineCheckError(CheckFailedError):
    """The check command failed before any edit (on the untouched tree) and still fails after the
    run's edits: the failure is the tree's or the check's, not the edits' (docs/cli.md, exit codes)."""

    exit_code = 11
