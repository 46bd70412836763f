"""Hybrid docs search with a real GGUF embedding model (the bundled SmolLM2 through llama.cpp)."""

from __future__ import annotations

import pytest

from tether.config import load_settings
from tether.docs import search_docs
from tether.docs.embed import LlamaEmbedder, embed_missing, embedder_from_settings
from tether.docs.index import DocsIndex, workspace_index_path
from tether.docs.ingest import Ingester
from tether.docs.search import rank
from tether.engine import Engine

PAGES = {
    "kites.md": "# Kites\n\nFlying kites on a windy beach.\n",
    "bread.md": "# Bread\n\nKneading dough and baking sourdough loaves.\n",
    "taxes.md": "# Taxes\n\nFiling an income tax return before the deadline.\n",
}


def test_no_embedder_unless_the_embed_role_names_a_slot(tmp_path):
    assert embedder_from_settings(load_settings(tmp_path, env={})) is None
    settings = load_settings(tmp_path, env={}, overrides={"roles": {"embed": ["bundled"]}})
    assert isinstance(embedder_from_settings(settings), LlamaEmbedder)


@pytest.mark.model
async def test_hybrid_search_with_the_bundled_gguf(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    (tmp_path / "docs").mkdir()
    for name, text in PAGES.items():
        (tmp_path / "docs" / name).write_text(text)
    settings = load_settings(tmp_path, env={}, overrides={"roles": {"embed": ["bundled"]}})
    engine = Engine(settings, tmp_path)
    embedder = embedder_from_settings(settings)
    with DocsIndex(workspace_index_path(engine.data_dir)) as index:
        await Ingester(index, tmp_path).add("docs")
        assert await embed_missing(index, embedder) == 3
        assert await embed_missing(index, embedder) == 0  # nothing new to embed
        vectors = list(index.iter_embeddings(embedder.name))
        assert len(vectors) == 3 and all(len(blob) == 4 * 576 for _, blob in vectors)

        lexical = await rank(index, "sourdough", 3)
        assert [h.heading for h in lexical] == ["Bread"]
        hybrid = await rank(index, "sourdough", 3, embedder)
        assert hybrid[0].heading == "Bread"  # first in both rankings
        assert len(hybrid) == 3  # the vector ranking brings in chunks without the word
        assert hybrid[0].score > hybrid[1].score > 0

    hits = await search_docs(engine, "sourdough", 2)  # the engine's settings turn hybrid on
    assert len(hits) == 2 and hits[0].heading == "Bread"
