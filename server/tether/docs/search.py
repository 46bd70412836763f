"""Docs search for operations: the workspace index and the global one, lexical or hybrid.

``search_docs(engine, query, k)`` is what ops and the repo agent call. It opens the indexes
read-only (and only those that exist, so a workspace without docs costs a stat call), ranks
with FTS5 bm25, and, when an embedding model is configured and the index holds its vectors,
fuses bm25 with cosine similarity by reciprocal rank fusion.
"""

from __future__ import annotations

import logging
from array import array
from pathlib import Path
from typing import TYPE_CHECKING

from .embed import Embedder, embedder_from_settings
from .index import DocsIndex, Hit, global_index_path, workspace_index_path

if TYPE_CHECKING:
    from ..engine import Engine

log = logging.getLogger(__name__)
RRF_K = 60  # the usual reciprocal-rank-fusion constant: damps the weight of the very top ranks


def index_paths(engine: Engine) -> list[Path]:
    """Existing docs indexes for this engine: the workspace's first, then the user's global one."""
    paths: list[Path] = []
    for path in (workspace_index_path(engine.data_dir), global_index_path()):
        if path.is_file() and path.resolve() not in {p.resolve() for p in paths}:
            paths.append(path)
    return paths


async def search_docs(engine: Engine, query: str, k: int = 5, include_optional: bool = True) -> list[Hit]:
    """The k most relevant docs chunks for ``query``, best first; [] when no docs are indexed."""
    paths = index_paths(engine)
    if not paths or k <= 0:
        return []
    embedder = embedder_from_settings(engine.settings)
    hits: list[Hit] = []
    for path in paths:
        with DocsIndex(path, readonly=True) as index:
            hits.extend(await rank(index, query, k, embedder, include_optional=include_optional))
    hits.sort(key=lambda h: h.score, reverse=True)
    return hits[:k]


async def rank(
    index: DocsIndex,
    query: str,
    k: int,
    embedder: Embedder | None = None,
    source: str | None = None,
    include_optional: bool = True,
) -> list[Hit]:
    """bm25 alone, or fused with embeddings when this index has vectors from ``embedder``."""
    pool = max(4 * k, 20)
    lexical = index.search(query, pool if embedder else k, source=source, include_optional=include_optional)
    if embedder is None:
        return lexical
    ids, vectors = _load_vectors(index, embedder.name)
    if not ids:
        return lexical[:k]
    import numpy as np

    query_vec = np.asarray((await embedder.embed([query]))[0], dtype=np.float32)
    sims = vectors @ query_vec
    semantic = [ids[i] for i in np.argsort(-sims)[:pool]]
    fused: dict[int, float] = {}
    for ranking in ([h.chunk_id for h in lexical], semantic):
        for position, chunk_id in enumerate(ranking):
            fused[chunk_id] = fused.get(chunk_id, 0.0) + 1.0 / (RRF_K + position + 1)
    known = {h.chunk_id: h for h in lexical}
    known.update(index.hits([c for c in fused if c not in known]))
    out = []
    for chunk_id in sorted(fused, key=fused.__getitem__, reverse=True):
        hit = known.get(chunk_id)
        if hit is None or (source and hit.source != source) or (hit.optional and not include_optional):
            continue
        out.append(hit.model_copy(update={"score": fused[chunk_id]}))
        if len(out) == k:
            break
    return out


def _load_vectors(index: DocsIndex, model: str):
    import numpy as np

    ids: list[int] = []
    rows: list[array] = []
    for chunk_id, blob in index.iter_embeddings(model):
        ids.append(chunk_id)
        rows.append(array("f", blob))
    if not ids:
        return [], None
    return ids, np.asarray(rows, dtype=np.float32)
