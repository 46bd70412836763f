"""The repo agent's tools: read a file, list and search files, the repo map, docs search.

These are the only ways the agent looks at the workspace, and none of them writes or runs
anything. Every path goes through the same eligibility rules as context (git and
``.tetherignore`` rules, no secret files, confined to the workspace) and text is redacted
before a model sees it. The model never calls these directly: the agent's loop does, to build
each prompt, so nothing a model writes (or a docs page says) can trigger an action.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from ..context.budget import counter_for
from ..context.code_providers import RepoMapProvider
from ..context.files import list_files
from ..context.ranking import mentioned_identifiers
from ..context.repomap import RepoMap
from ..docs.search import search_docs
from ..edits.guards import touches_tests
from ..errors import InputError, TetherError
from ..lines import split_lines
from ..secrets import redact
from ..workspace import read_confined

if TYPE_CHECKING:
    from ..backends.base import Backend
    from ..docs.index import Hit
    from ..engine import Engine

log = logging.getLogger(__name__)
SEARCH_MAX_FILE_BYTES = 500_000


class RepoTools:
    def __init__(self, engine: Engine):
        self.engine = engine
        self._files: list[str] | None = None

    def list_files(self) -> list[str]:
        """Eligible files, workspace-relative, sorted."""
        if self._files is None:
            self._files = list_files(self.engine.workspace.root).files
        return list(self._files)

    def eligible(self) -> set[str]:
        return set(self.list_files())

    def read_file(self, rel: str) -> str:
        """The exact text of an eligible file (not redacted: this is the text edits are made on)."""
        if rel not in self.eligible():
            raise InputError(f"{rel} is not a file tether may read (ignored, secret-looking or missing).")
        return self.engine.workspace.read_text(rel)

    def search_files(self, pattern: str, max_hits: int = 40) -> list[tuple[str, int, str]]:
        """(path, 1-based line, line text) of lines matching the regex ``pattern``, redacted."""
        try:
            regex = re.compile(pattern)
        except re.error as exc:
            raise InputError(f"Bad search pattern {pattern!r}: {exc}.") from exc
        hits: list[tuple[str, int, str]] = []
        for rel in self.list_files():
            try:
                read = read_confined(self.engine.workspace.root, rel, SEARCH_MAX_FILE_BYTES)
                if read.size > SEARCH_MAX_FILE_BYTES:
                    continue
                text = read.data.decode("utf-8")
            except (OSError, InputError, UnicodeDecodeError):  # a link out of the workspace is an InputError
                continue
            for number, line in enumerate(split_lines(text), 1):
                if regex.search(line):
                    hits.append((rel, number, redact(line.strip())[:200]))
                    if len(hits) >= max_hits:
                        return hits
        return hits

    def files_mentioning(self, task: str) -> list[str]:
        """Files the task names by path, then files that mention identifiers it names (most mentions first)."""
        files = self.list_files()
        named = [f for f in files if re.search(rf"(?<![\w/.-]){re.escape(f)}(?![\w/-])", task)]
        names = [n for n in mentioned_identifiers(task) if len(n) >= 3][:12]
        if not names:
            return named
        counts: dict[str, int] = {}
        pattern = r"\b(" + "|".join(re.escape(n) for n in names) + r")\b"
        for rel, _, _ in self.search_files(pattern, max_hits=400):
            counts[rel] = counts.get(rel, 0) + 1
        return named + [f for f in sorted(counts, key=lambda r: -counts[r]) if f not in named]

    async def repo_map(self, task: str, max_tokens: int) -> str:
        """Every eligible file with its definitions' signatures, files the task mentions first, within ``max_tokens``."""
        repomap = await asyncio.to_thread(self._refreshed_map)
        files = self.list_files()
        first = [f for f in self.files_mentioning(task) if f in files]
        ordered = first + [f for f in files if f not in first]
        # Tests and CI config last: a model should reach for the code before the checks.
        ordered = [f for f in ordered if not touches_tests([f])] + touches_tests(ordered)
        count = counter_for(self._backend()).count
        blocks: list[str] = []
        left = max_tokens
        for i, rel in enumerate(ordered):
            defs = sorted(repomap.definitions(rel), key=lambda d: (d.line, -d.end_line)) if repomap else []
            lines = [rel + (":" if defs else "")]
            for d in defs[:40]:
                depth = sum(1 for c in defs if c is not d and c.line <= d.line and c.end_line >= d.end_line and c != d)
                lines.append("    " * (depth + 1) + redact(d.signature.strip()))
            block = "\n".join(lines)
            tokens = await count(block)
            if tokens > left:
                rest = ordered[i:]
                blocks.append(f"({len(rest)} more files: {', '.join(rest[:30])}{', ...' if len(rest) > 30 else ''})")
                break
            blocks.append(block)
            left -= tokens
        return "\n".join(blocks)

    def _refreshed_map(self) -> RepoMap | None:
        provider = next((p for p in self.engine.providers if isinstance(p, RepoMapProvider)), None)
        try:
            repomap = (
                provider.repomap(self.engine)
                if provider
                else RepoMap(self.engine.workspace.root, Path(self.engine.data_dir) / "repomap.sqlite")
            )
            repomap.refresh()
            return repomap
        except (OSError, sqlite3.Error) as exc:  # the map is a help, not a requirement
            log.warning("repo map unavailable, listing files only: %s", exc)
            return None

    async def docs_search(self, query: str, k: int = 3) -> list[Hit]:
        """Docs chunks for ``query`` ([] when none are indexed or search fails)."""
        try:
            return await search_docs(self.engine, query, k=k)
        except (sqlite3.Error, TetherError) as exc:
            log.warning("docs search failed, continuing without docs: %s", exc)
            return []

    def _backend(self) -> Backend | None:
        try:
            return self.engine.backend("edit")
        except TetherError:
            return None
