"""Ingest a docs source into the index: read or fetch each document, chunk it, store it.

Re-ingesting a source touches only what changed: pages answered with 304 Not Modified, or
whose text hashes the same as before, keep their chunks (and row ids) as they are; changed
pages are re-chunked; pages no longer listed are removed; pages that fail to fetch keep their
previous version and are reported. Nothing in a document is ever executed or followed except
the links of an llms.txt (http(s) only, or relative paths inside its folder).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, Field

from ..errors import InputError
from ..workspace import decode_text
from .chunking import DEFAULT_MAX_TOKENS, TokenCounter, chunk_markdown, estimate_tokens
from .fetch import Cached, DocsFetchError, Fetcher, FetchLimits, resolves_private
from .index import DocsIndex, DocumentIn, DocumentRow, SourceInfo
from .llmstxt import parse_llmstxt, sniff_llmstxt
from .sources import Planned, SourceSpec, plan_folder, plan_llmstxt, resolve_source

Progress = Callable[[int, int, str], None]  # (done, total, label)


class IngestReport(BaseModel):
    source: str
    location: str
    kind: str
    title: str | None = None
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: int = 0
    chunks: int = Field(0, description="Chunks written in this run (added and changed documents).")
    bytes: int = Field(0, description="Bytes read or downloaded in this run.")
    seconds: float = 0.0
    warnings: list[str] = Field(default_factory=list)
    read_as: str = Field(
        "",
        description=(
            "How the source was read, for the user: 'llms.txt: 11 links' (by its content, whatever its name), "
            "'a markdown page', or 'a folder: 4 markdown files'."
        ),
    )


class _Text(BaseModel):
    text: str | None  # None: not modified since the cached copy
    url: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    bytes: int = 0
    from_html: bool = False


class Ingester:
    def __init__(
        self,
        index: DocsIndex,
        base_dir: Path | str = ".",
        count_tokens: TokenCounter = estimate_tokens,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        limits: FetchLimits | None = None,
        fetcher: Fetcher | None = None,
        progress: Progress | None = None,
    ):
        self.index = index
        self.base_dir = Path(base_dir)
        self.count_tokens = count_tokens
        self.max_tokens = max_tokens
        self.limits = limits or FetchLimits()
        self._fetcher = fetcher
        self.progress = progress or (lambda done, total, label: None)

    async def add(self, source: str, name: str | None = None) -> IngestReport:
        """Ingest (or re-ingest) a source; returns what changed."""
        started = time.perf_counter()
        spec = resolve_source(source, self.base_dir)
        # Local files and sources on a local network may link to local servers; public ones may not.
        allow_private = not spec.remote or await resolves_private(urlsplit(spec.location).hostname or "")
        fetcher = self._fetcher or Fetcher(self.limits, allow_private=allow_private)
        try:
            report = await self._run(spec, name, fetcher)
        finally:
            if self._fetcher is None:
                await fetcher.client.aclose()
        report.seconds = round(time.perf_counter() - started, 3)
        return report

    async def _run(self, spec: SourceSpec, name: str | None, fetcher: Fetcher) -> IngestReport:
        spec, planned, title, warnings, first = await self._plan(spec, fetcher)
        row = self._source_row(spec, name or title or spec.default_name, title, warnings)
        report = IngestReport(
            source=row.name, location=spec.location, kind=spec.kind, title=title, warnings=warnings, read_as=_read_as(spec, planned)
        )
        existing = self.index.documents(row.id)
        total = len(planned)
        done = 0
        self.progress(0, total, row.name)
        semaphore = asyncio.Semaphore(self.limits.concurrency)

        async def one(doc: Planned) -> None:
            nonlocal done
            async with semaphore:
                preloaded = first if doc.key == spec.location else None
                await self._document(row.id, doc, existing.get(doc.key), fetcher, report, preloaded)
            done += 1
            self.progress(done, total, doc.key)

        await asyncio.gather(*(one(doc) for doc in planned))
        gone = set(existing) - {doc.key for doc in planned}
        report.removed = self.index.remove_documents(row.id, sorted(gone))
        if report.added or report.changed or report.removed:
            self.index.refresh_stats()
        self.index.touch_source(row.id, title, spec.kind)
        return report

    async def _plan(self, spec: SourceSpec, fetcher: Fetcher) -> tuple[SourceSpec, list[Planned], str | None, list[str], _Text | None]:
        """The documents of a source. A single markdown file or URL is read first and taken as an
        llms.txt when its content is one (``llmstxt.sniff_llmstxt``), whatever its name; text a
        server sent as HTML is never taken as one. Returns the spec with the kind it was read as."""
        max_docs = self.limits.max_docs
        if spec.kind == "folder":
            planned, warnings = plan_folder(Path(spec.location), max_docs)
            return spec, planned, None, warnings, None
        doc = Planned(key=spec.location, url=spec.location if spec.remote else None, path=None if spec.remote else spec.location)
        if spec.kind == "markdown":
            first = await self._read(doc, None, fetcher)
            parsed = None if first.from_html else sniff_llmstxt(first.text or "", source=spec.location)
            if parsed is None:
                return spec, [doc], None, [], first
            spec = spec.model_copy(update={"kind": "llmstxt"})
        else:
            # llms.txt: always read in full (it is small, and its links are needed even when unchanged).
            first = await self._read(doc, None, fetcher, plain=True)
            parsed = parse_llmstxt(first.text or "", source=spec.location)
        planned, warnings = plan_llmstxt(spec, parsed, max_docs)
        return spec, planned, parsed.title, parsed.warnings + warnings, first

    def _source_row(self, spec: SourceSpec, name: str, title: str | None, warnings: list[str]) -> SourceInfo:
        row = self.index.source_at(spec.location)
        if row is not None:
            if row.name != name:
                warnings.append(f"{spec.location} is already indexed as '{row.name}'; updated under that name")
            return row
        taken = self.index.source(name)
        if taken is not None:
            raise InputError(
                f"A docs source named '{name}' already exists ({taken.location}); "
                f"pick another --name or remove it with `tether docs rm {name}`."
            )
        return self.index.add_source(name, spec.location, spec.kind, title)

    async def _document(
        self,
        source_id: int,
        doc: Planned,
        old: DocumentRow | None,
        fetcher: Fetcher,
        report: IngestReport,
        preloaded: _Text | None,
    ) -> None:
        try:
            got = preloaded or await self._read(doc, old, fetcher)
        except (InputError, OSError) as exc:
            report.failed += 1
            message = str(exc) if (doc.url or doc.path or doc.key) in str(exc) else f"{doc.key}: {exc}"
            report.warnings.append(message + (" (kept the previous version)" if old else ""))
            return
        report.bytes += got.bytes
        if got.text is None or (old is not None and old.sha256 == _sha(got.text)):
            assert old is not None
            self.index.touch_document(old.id, got.etag, got.last_modified, doc.title, doc.section, doc.optional)
            report.unchanged += 1
            return
        chunks = chunk_markdown(got.text, title=doc.title, max_tokens=self.max_tokens, count_tokens=self.count_tokens)
        meta = DocumentIn(
            key=doc.key,
            url=got.url,
            path=doc.path,
            title=doc.title,
            section=doc.section,
            optional=doc.optional,
            sha256=_sha(got.text),
            etag=got.etag,
            last_modified=got.last_modified,
            bytes=got.bytes,
        )
        self.index.put_document(source_id, meta, chunks)
        report.chunks += len(chunks)
        if old is None:
            report.added += 1
        else:
            report.changed += 1

    async def _read(self, doc: Planned, old: DocumentRow | None, fetcher: Fetcher, plain: bool = False) -> _Text:
        if doc.path is not None:
            return self._read_file(Path(doc.path))
        assert doc.url is not None
        cached = Cached(url=old.url or doc.url, etag=old.etag, last_modified=old.last_modified) if old else None
        if plain:
            # An llms.txt is markdown: an HTML answer is a site's catch-all page, not the file.
            got = await fetcher.get(doc.url, allow_html=False)
        else:
            got = await fetcher.page(doc.url, cached)
        return _Text(text=got.text, url=got.url, etag=got.etag, last_modified=got.last_modified, bytes=got.bytes, from_html=got.from_html)

    def _read_file(self, path: Path) -> _Text:
        if not path.is_file():
            raise InputError(f"{path} does not exist or is not a file.")
        size = path.stat().st_size
        if size > self.limits.max_bytes:
            raise DocsFetchError(f"{path} is {size:,} bytes; the limit is {self.limits.max_bytes:,} bytes a document.")
        data = path.read_bytes()
        return _Text(text=decode_text(data, str(path)), bytes=len(data))


def _read_as(spec: SourceSpec, planned: list[Planned]) -> str:
    """How the source was read, in words (IngestReport.read_as)."""
    if spec.kind == "llmstxt":
        links = len(planned) - 1
        return f"llms.txt: {links} link{'' if links == 1 else 's'}"
    if spec.kind == "folder":
        return f"a folder: {len(planned)} markdown file{'' if len(planned) == 1 else 's'}"
    return "a markdown page"


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
