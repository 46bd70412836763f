"""Optional embeddings for hybrid docs search, from a GGUF embedding model.

Off unless the ``embed`` role names a model slot (``roles.embed = ["embedder"]`` with
``[models.embedder] path = "/models/nomic-embed-text-v1.5.Q8_0.gguf"``). Only llama.cpp
(GGUF) slots are supported. The model runs on one worker thread of its own, as llama.cpp is
not thread-safe; vectors are mean-pooled and L2-normalised, so a dot product is the cosine.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from ..config import Settings
from .index import DocsIndex

log = logging.getLogger(__name__)
EMBED_BATCH = 16


class Embedder(Protocol):
    name: str  # stored with each vector; vectors of another model are never compared

    async def embed(self, texts: list[str]) -> list[list[float]]: ...


class LlamaEmbedder:
    def __init__(self, path: Path, n_ctx: int = 512, n_threads: int | None = None):
        self.path = path
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self.name = f"{path.name}:{path.stat().st_size}"
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tether-embed")
        self._llm: Any = None

    def _load(self) -> Any:
        if self._llm is None:
            import llama_cpp

            from ..backends.llamalog import LOADING, route_llama_logs

            route_llama_logs()  # llama.cpp's own lines go to the logger, not stderr
            with LOADING:  # one load at a time: it swaps stdout/stderr (llamalog.LOADING)
                self._llm = llama_cpp.Llama(
                    model_path=str(self.path),
                    embedding=True,
                    n_ctx=self.n_ctx,
                    n_threads=self.n_threads,
                    pooling_type=llama_cpp.LLAMA_POOLING_TYPE_MEAN,
                    verbose=False,
                )
        return self._llm

    def _embed_sync(self, texts: list[str]) -> list[list[float]]:
        return [list(map(float, v)) for v in self._load().embed(texts, normalize=True, truncate=True)]

    def close(self) -> None:
        """Free the model and its thread. Safe to call twice; the embedder loads again if used."""
        llm, self._llm = self._llm, None
        if llm is not None:
            llm.close()
        self._executor.shutdown(wait=False)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tether-embed")

    async def embed(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return await asyncio.get_running_loop().run_in_executor(self._executor, self._embed_sync, texts)


def embedder_from_settings(settings: Settings) -> Embedder | None:
    """The configured embedding model, or None (then search is FTS5 only)."""
    slots = settings.roles.get("embed") or []
    if not slots:
        return None
    config = settings.models[slots[0]]
    if config.backend != "llamacpp":
        log.warning("docs embeddings need a GGUF (llamacpp) model; slot '%s' is %s, so search stays lexical", slots[0], config.backend)
        return None
    from ..backends.bundled import bundled_model_path
    from ..backends.llamacpp import check_gguf

    path = check_gguf(Path(config.path).expanduser() if config.path else bundled_model_path())
    return _cached_embedder(path.resolve(), min(config.n_ctx, 2048), config.n_threads)


@lru_cache(maxsize=2)
def _cached_embedder(path: Path, n_ctx: int, n_threads: int | None) -> LlamaEmbedder:
    # One loaded model per file for the whole process: loading costs seconds. It is freed at
    # exit, while llama_cpp can still free it (from Llama.__del__ at interpreter teardown its
    # module globals are gone and it prints a TypeError traceback).
    embedder = LlamaEmbedder(path, n_ctx=n_ctx, n_threads=n_threads)
    atexit.register(embedder.close)
    return embedder


async def embed_missing(index: DocsIndex, embedder: Embedder, progress: Callable[[int, int, str], None] | None = None) -> int:
    """Embed every chunk that has no vector from this model yet; returns how many."""
    todo = index.chunks_without_embedding(embedder.name)
    for start in range(0, len(todo), EMBED_BATCH):
        batch = todo[start : start + EMBED_BATCH]
        vectors = await embedder.embed([f"{heading}\n{text}" for _, heading, text in batch])
        index.store_embeddings(embedder.name, zip((cid for cid, _, _ in batch), vectors, strict=True))
        if progress:
            progress(min(start + EMBED_BATCH, len(todo)), len(todo), "embeddings")
    return len(todo)
