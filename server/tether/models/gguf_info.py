"""What a GGUF file is, read from its header (no weights loaded; ``read_metadata`` below).

Keys read (GGUF spec, ggml-org/ggml docs/gguf.md, "Standardized key-value pairs"):
``general.architecture``, ``general.name``, ``general.file_type`` (the quantization, as
llama.cpp's ``LlamaFileType`` enum), ``{arch}.context_length`` (the trained context, tokens),
``tokenizer.ggml.tokens`` and the ``tokenizer.ggml.fim_*_token_id`` keys. FIM tokens are detected
with the same code the llama.cpp backend uses (``backends.fim.detect_fim``), over the token list
instead of a loaded vocabulary, so ``discover`` and the backend agree on a model's FIM style.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ..backends.fim import detect_fim
from ..errors import ModelError

GGUF_MAGIC = b"GGUF"  # the first four bytes of every GGUF file (GGUF spec, "File Structure")


class GgufInfo(BaseModel):
    """One GGUF file's header facts. ``size_bytes``: the file's size on disk (bytes)."""

    path: str
    size_bytes: int
    architecture: str | None = None
    name: str | None = Field(None, description="general.name, when the file sets it.")
    quantization: str | None = Field(None, description="general.file_type as llama.cpp names it: Q4_K_M, Q8_0, F16, ...")
    context_length: int | None = Field(None, description="Trained context window in tokens ({arch}.context_length).")
    fim_style: str | None = Field(
        None, description="qwen, starcoder, codellama, deepseek or 'metadata' (FIM ids without a known family); None: no FIM tokens."
    )
    has_chat_template: bool = False
    split_count: int | None = Field(None, description="split.count for a model split across files (this is one part).")


def is_gguf(path: Path) -> bool:
    """Whether ``path`` is a readable regular file starting with the GGUF magic bytes."""
    try:
        with path.open("rb") as fh:
            return fh.read(4) == GGUF_MAGIC
    except OSError:
        return False


def read_gguf(path: Path) -> GgufInfo:
    """The header facts of the GGUF at ``path``. Raises ModelError when it is missing or is not a
    readable GGUF (the message names the file)."""
    path = Path(path)
    if not is_gguf(path):
        raise ModelError(f"{path} is not a GGUF file (missing, unreadable, or it does not start with 'GGUF').")
    try:
        meta = read_metadata(path)
    except (ValueError, OSError, struct.error, UnicodeDecodeError) as exc:
        raise ModelError(f"{path} could not be read as GGUF: {exc}. Is it a complete, supported GGUF file?") from exc
    arch = meta.get("general.architecture")
    context = meta.get(f"{arch}.context_length") if arch else None
    split = meta.get("split.count")
    return GgufInfo(
        path=str(path),
        size_bytes=path.stat().st_size,
        architecture=arch if isinstance(arch, str) else None,
        name=meta.get("general.name") if isinstance(meta.get("general.name"), str) else None,
        quantization=_quant_name(meta.get("general.file_type")),
        context_length=int(context) if isinstance(context, int) else None,
        fim_style=_fim_style(meta),
        has_chat_template="tokenizer.chat_template" in meta,
        split_count=int(split) if isinstance(split, int) else None,
    )


# Little-endian struct formats of the scalar value types (GGUF spec, "gguf_metadata_value_type").
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9
_KEEP_ARRAYS = frozenset({"tokenizer.ggml.tokens"})  # every other array is skipped, not decoded


def read_metadata(path: Path) -> dict[str, Any]:
    """The key/value section of a GGUF (version 2 or 3, little-endian): scalars and strings by key;
    of the arrays only ``tokenizer.ggml.tokens`` (a list of str), the others skipped.

    Why not ``gguf.GGUFReader``: it builds numpy views for every element of every array, about
    5 s for the bundled SmolLM2's 49k-token vocabulary on this machine (and ~3x that for Qwen's
    151k), where this scan takes a few hundredths of a second. Raises ValueError on a version-1 or
    big-endian file, struct.error on a truncated one."""
    with path.open("rb") as fh:
        magic, version, _tensors, kv_count = struct.unpack("<4sIQQ", fh.read(24))
        if magic != GGUF_MAGIC or version not in (2, 3):
            raise ValueError(f"GGUF version {version & 0xFFFF} is not supported (2 and 3 are)")
        meta: dict[str, Any] = {}
        for _ in range(kv_count):
            key = _string(fh)
            (kind,) = struct.unpack("<I", fh.read(4))
            meta[key] = _value(fh, kind, keep=key in _KEEP_ARRAYS)
        return meta


def _string(fh: Any) -> str:
    (length,) = struct.unpack("<Q", fh.read(8))
    return fh.read(length).decode("utf-8", "replace")


def _value(fh: Any, kind: int, keep: bool) -> Any:
    if kind in _SCALARS:
        fmt = _SCALARS[kind]
        return struct.unpack(fmt, fh.read(struct.calcsize(fmt)))[0]
    if kind == _STRING:
        return _string(fh)
    if kind != _ARRAY:
        raise ValueError(f"unknown GGUF value type {kind}")
    item, count = struct.unpack("<IQ", fh.read(12))
    if item in _SCALARS:
        size = struct.calcsize(_SCALARS[item])
        if not keep:
            fh.seek(size * count, 1)
            return None
        return [struct.unpack(_SCALARS[item], fh.read(size))[0] for _ in range(count)]
    if item == _STRING:
        if keep:
            return [_string(fh) for _ in range(count)]
        for _ in range(count):
            (length,) = struct.unpack("<Q", fh.read(8))
            fh.seek(length, 1)
        return None
    for _ in range(count):  # arrays of arrays: walked, never kept
        _value(fh, item, keep=False)
    return None


def _quant_name(file_type: Any) -> str | None:
    import gguf

    if not isinstance(file_type, int):
        return None
    try:
        name = gguf.LlamaFileType(file_type).name
    except ValueError:
        return f"file_type {file_type}"
    return name.removeprefix("MOSTLY_").removeprefix("ALL_")


class _TokenList:
    """The ``backends.fim.Vocab`` protocol over a GGUF's token list: a text is one special token
    when the list holds it verbatim (the FIM markers are whole tokens in every family)."""

    def __init__(self, tokens: list[str], metadata: dict[str, str]):
        self._ids = {text: i for i, text in enumerate(tokens)}
        self.metadata = metadata

    def tokenize(self, text: bytes, add_bos: bool = False, special: bool = True) -> list[int]:
        token = self._ids.get(text.decode("utf-8", "replace"))
        return [token] if token is not None else [-1, -1]  # two ids: "not one token"

    def detokenize(self, tokens: list[int], prev_tokens: Any = None, special: bool = False) -> bytes:
        raise NotImplementedError("FIM detection never detokenizes")


def _fim_style(meta: dict[str, Any]) -> str | None:
    tokens = meta.get("tokenizer.ggml.tokens")
    if not isinstance(tokens, list):
        return None
    ids = {key: str(value) for key, value in meta.items() if key.startswith("tokenizer.ggml.") and key.endswith("_token_id")}
    found = detect_fim(_TokenList(tokens, ids))
    return found.style if found else None
