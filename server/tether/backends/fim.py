"""Fill-in-the-middle prompts built from the model's own FIM tokens.

llama-cpp-python's ``suffix=`` path hard-codes token id 0, so tether finds the FIM tokens
itself: first from GGUF metadata (``tokenizer.ggml.fim_*_token_id`` and the older
``prefix/suffix/middle_token_id``), then by probing the vocabulary for the marker texts of the
common families (Qwen, StarCoder, CodeLlama, DeepSeek). A model with none gets prefix-only
completion.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


class Vocab(Protocol):
    metadata: dict[str, str]

    def tokenize(self, text: bytes, add_bos: bool = ..., special: bool = ...) -> list[int]: ...

    def detokenize(self, tokens: list[int], prev_tokens: Any = ..., special: bool = ...) -> bytes: ...


@dataclass(frozen=True)
class FimTokens:
    style: str
    pre: int
    suf: int
    mid: int
    stop_texts: tuple[str, ...] = field(default_factory=tuple)

    def prompt(self, prefix_tokens: list[int], suffix_tokens: list[int]) -> list[int]:
        """Prefix-suffix-middle order; DeepSeek's begin/hole/end markers sit in the same places."""
        return [self.pre, *prefix_tokens, self.suf, *suffix_tokens, self.mid]


# (style, prefix marker, suffix marker, middle marker, stop markers)
_STYLES: list[tuple[str, str, str, str, tuple[str, ...]]] = [
    ("qwen", "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", ("<|endoftext|>", "<|fim_pad|>", "<|file_sep|>")),
    ("starcoder", "<fim_prefix>", "<fim_suffix>", "<fim_middle>", ("<|endoftext|>", "<file_sep>")),
    ("codellama", "<PRE>", "<SUF>", "<MID>", ("<EOT>",)),
    ("deepseek", "<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>", ("<|EOT|>", "<｜end▁of▁sentence｜>")),
]

_META_KEYS = [
    ("tokenizer.ggml.fim_pre_token_id", "tokenizer.ggml.fim_suf_token_id", "tokenizer.ggml.fim_mid_token_id"),
    ("tokenizer.ggml.prefix_token_id", "tokenizer.ggml.suffix_token_id", "tokenizer.ggml.middle_token_id"),
]


def single_token(vocab: Vocab, text: str) -> int | None:
    """The id of ``text`` when the vocabulary holds it as one special token."""
    try:
        ids = vocab.tokenize(text.encode("utf-8"), add_bos=False, special=True)
    except Exception:  # a tokenizer that rejects the bytes has no such token
        return None
    return ids[0] if len(ids) == 1 else None


def detect_fim(vocab: Vocab) -> FimTokens | None:
    """The model's FIM tokens, or None when it has none."""
    by_text = _detect_by_text(vocab)
    meta = vocab.metadata or {}
    for keys in _META_KEYS:
        if all(k in meta for k in keys):
            ids = [int(meta[k]) for k in keys]
            if all(i >= 0 for i in ids):
                style = by_text.style if by_text else "metadata"
                stops = by_text.stop_texts if by_text else ()
                return FimTokens(style, ids[0], ids[1], ids[2], stops)
    return by_text


def _detect_by_text(vocab: Vocab) -> FimTokens | None:
    for style, pre, suf, mid, stops in _STYLES:
        ids = [single_token(vocab, marker) for marker in (pre, suf, mid)]
        if all(i is not None for i in ids):
            present = tuple(s for s in stops if single_token(vocab, s) is not None)
            return FimTokens(style, ids[0], ids[1], ids[2], present)  # type: ignore[arg-type]
    return None


def control_texts(llm: Any) -> tuple[str, ...]:
    """The texts of a loaded ``llama_cpp.Llama``'s control and end-of-generation tokens, and
    of its user-defined special tokens that look like markers (``<...>``), read from the GGUF
    token attributes through llama.cpp's vocab API, for cutting a completion where one is
    spelled out as text (``edits.completion_fit``). One pass over the vocabulary (about 0.15 s
    for 49k tokens on a CPU). Empty when this llama-cpp-python has no such API."""
    try:
        import llama_cpp

        vocab = llm._model.vocab
        user_defined = llama_cpp.LLAMA_TOKEN_ATTR_USER_DEFINED
        texts = set()
        for token in range(llama_cpp.llama_vocab_n_tokens(vocab)):
            control = llama_cpp.llama_vocab_is_control(vocab, token) or llama_cpp.llama_vocab_is_eog(vocab, token)
            if control or llama_cpp.llama_vocab_get_attr(vocab, token) & user_defined:
                text = llama_cpp.llama_vocab_get_text(vocab, token).decode("utf-8", "replace")
                marker = text.startswith(("<", "[")) and text.endswith((">", "]"))
                # Whitespace runs and plain words can be special tokens too: never cut at those.
                if len(text) > 2 and not any(c.isspace() for c in text) and (marker or control):
                    texts.add(text)
    except (AttributeError, ImportError):  # an older binding: the known families still apply
        return ()
    return tuple(sorted(texts))
