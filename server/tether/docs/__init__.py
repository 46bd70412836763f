"""Documentation ingestion: llms.txt and markdown into a searchable, cited SQLite index.

- ``llmstxt``  parses the llms.txt format (title, summary, details, sections of links).
- ``chunking`` splits markdown by heading, keeping the heading path and line ranges.
- ``fetch``    fetches linked pages over http(s) with limits and a conditional-request cache.
- ``ingest``   turns a source (llms.txt file or URL, markdown file, folder) into documents.
- ``index``    stores sources, documents and chunks in SQLite FTS5 and ranks them (bm25).
- ``search``   search across the workspace and global indexes, with optional hybrid ranking.
- ``provider`` the ``DocsProvider`` that puts relevant chunks into an edit's context pack,
  marked as untrusted reference text.

Importing this package loads nothing and opens nothing.
"""

from __future__ import annotations

__all__ = ["search_docs", "DocsProvider"]


def __getattr__(name: str):  # lazy: keep `import tether.docs` free of sqlite/httpx work
    if name == "search_docs":
        from .search import search_docs

        return search_docs
    if name == "DocsProvider":
        from .provider import DocsProvider

        return DocsProvider
    raise AttributeError(name)
