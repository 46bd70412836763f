"""ContextPack: what the model saw, recorded into every proposal.

Each item is a piece of text with its source (a file and line range, a docs URL and heading,
the repo map); the prompt is rendered from the items, and the sources go into the proposal so
the UI (``tether.showContext``, ``tether context``) can show exactly what the model read.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

SourceKind = Literal["file", "selection", "docs", "repomap", "recent", "diff", "instruction"]


class Source(BaseModel):
    kind: SourceKind
    path: str | None = None
    start_line: int | None = Field(None, description="1-based, inclusive.")
    end_line: int | None = Field(None, description="1-based, inclusive.")
    url: str | None = None
    heading: str | None = None
    tokens: int | None = None
    untrusted: bool = Field(False, description="Reference text (docs): shown to the model as data, never as instructions.")

    def label(self) -> str:
        if self.kind == "docs":
            where = self.url or self.path or "?"
            return f"{where} — {self.heading}" if self.heading else where
        where = self.path or self.kind
        if self.start_line is not None:
            where += f":{self.start_line}-{self.end_line}"
        return f"{self.kind}: {where}"


class ContextItem(BaseModel):
    source: Source
    text: str


class ContextPack(BaseModel):
    items: list[ContextItem] = Field(default_factory=list)

    def add(self, source: Source, text: str) -> None:
        self.items.append(ContextItem(source=source, text=text))

    def sources(self) -> list[Source]:
        return [item.source for item in self.items]

    def of_kind(self, *kinds: str) -> list[ContextItem]:
        return [item for item in self.items if item.source.kind in kinds]
