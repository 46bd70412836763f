"""GGUF headers read by tether.models.gguf_info, checked against the gguf package's own reader."""

from __future__ import annotations

import gguf
import pytest
from tests.fixtures.tiny_gguf import FIM_STYLES, build_tiny_gguf

from tether.errors import ModelError
from tether.models.gguf_info import read_gguf, read_metadata


@pytest.mark.parametrize("style", list(FIM_STYLES))
@pytest.mark.parametrize("fim_metadata", [True, False])
def test_fim_style_matches_the_vocabulary_by_metadata_or_by_text(tmp_path, style, fim_metadata):
    path = build_tiny_gguf(tmp_path / "m.gguf", style, fim_metadata=fim_metadata)
    info = read_gguf(path)
    assert info.fim_style == style
    assert (info.architecture, info.quantization, info.context_length) == ("llama", "F32", 256)
    assert info.size_bytes == path.stat().st_size and info.name == f"tiny-random-llama-{style or 'nofim'}"


def test_metadata_agrees_with_gguf_reader(tmp_path):
    """Every scalar and string the gguf package reads, read the same; the token list too."""
    path = build_tiny_gguf(tmp_path / "m.gguf", "starcoder")
    ours = read_metadata(path)
    reader = gguf.GGUFReader(str(path))
    compared = 0
    for key, field in reader.fields.items():
        if key.startswith("GGUF.") or not field.types:
            continue  # the reader's own header pseudo-fields
        if field.types[0] == gguf.GGUFValueType.ARRAY:
            if key == "tokenizer.ggml.tokens":
                assert ours[key] == field.contents()
                compared += 1
            continue
        assert ours[key] == pytest.approx(field.contents()), key
        compared += 1
    assert compared > 15


def test_a_file_that_is_not_a_whole_gguf_is_a_model_error(tmp_path):
    path = build_tiny_gguf(tmp_path / "m.gguf", "qwen")
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(path.read_bytes()[:200])  # inside the key/value section
    with pytest.raises(ModelError, match="could not be read as GGUF"):
        read_gguf(cut)
    text = tmp_path / "notes.gguf"
    text.write_text("hello")
    with pytest.raises(ModelError, match="is not a GGUF file"):
        read_gguf(text)
