"""Tests for the tiny random-weight GGUF fixture, using the real llama_cpp."""

from __future__ import annotations

import pathlib

import llama_cpp
import pytest
from tests.fixtures.tiny_gguf import FIM_STYLES, build_tiny_gguf, tiny_gguf_token_ids

STYLES = ["qwen", "starcoder", "codellama", "deepseek", None]
EXPECTED_FIM_TEXT = {
    "qwen": ("<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>"),
    "starcoder": ("<fim_prefix>", "<fim_suffix>", "<fim_middle>"),
    "codellama": ("<PRE>", "<SUF>", "<MID>"),
    "deepseek": ("<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>"),
}
EXTRA_SPECIALS = {
    "qwen": ("<|fim_pad|>", "<|endoftext|>"),
    "starcoder": ("<|endoftext|>",),
    "codellama": ("<EOT>",),
    "deepseek": (),
    None: ("<|endoftext|>",),
}
ALL_FIM_TEXTS = sorted({t for triple in EXPECTED_FIM_TEXT.values() for t in triple} | {"<|fim_pad|>"})


def _load(path: pathlib.Path) -> llama_cpp.Llama:
    return llama_cpp.Llama(str(path), n_ctx=256, verbose=False)


def _vocab_fim_ids(llm) -> tuple[int, int, int]:
    vocab = llm._model.vocab
    return (
        llama_cpp.llama_vocab_fim_pre(vocab),
        llama_cpp.llama_vocab_fim_suf(vocab),
        llama_cpp.llama_vocab_fim_mid(vocab),
    )


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("tiny_gguf")
    out = {}
    for style in STYLES:
        path = build_tiny_gguf(root / f"tiny-{style or 'nofim'}.gguf", style)
        out[style] = (path, _load(path))
    yield out
    for _, llm in out.values():
        llm.close()  # not left to __del__ at interpreter exit, where llama.cpp's bindings are gone


@pytest.mark.parametrize("style", STYLES)
def test_file_small_and_loads(models, style):
    path, llm = models[style]
    assert path.exists()
    assert path.stat().st_size < 5 * 1024 * 1024
    assert llm.n_ctx() == 256
    assert llm.metadata["general.architecture"] == "llama"
    assert llm.metadata["tokenizer.ggml.model"] == "gpt2"
    ids = tiny_gguf_token_ids(style)
    assert llm.token_bos() == ids["bos"]
    assert llm.token_eos() == ids["eos"]
    assert llm.n_vocab() == max(ids.values()) + 1  # specials come last


@pytest.mark.parametrize("style", STYLES)
def test_special_tokens_are_single_tokens(models, style):
    _, llm = models[style]
    ids = tiny_gguf_token_ids(style)
    specials = EXPECTED_FIM_TEXT.get(style, ()) + EXTRA_SPECIALS[style]
    for text in specials:
        toks = llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)
        assert toks == [ids[text]], (style, text, toks)
        # Without special parsing the text is ordinary bytes (several tokens).
        plain = llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)
        assert len(plain) > 1
        # Control tokens render only when asked for.
        assert llm.detokenize([ids[text]], special=True) == text.encode("utf-8")


@pytest.mark.parametrize("style", [s for s in STYLES if s is not None])
def test_fim_ids_by_metadata(models, style):
    _, llm = models[style]
    ids = tiny_gguf_token_ids(style)
    pre, suf, mid = (ids[t] for t in EXPECTED_FIM_TEXT[style])
    assert (ids["fim_pre"], ids["fim_suf"], ids["fim_mid"]) == (pre, suf, mid)
    assert int(llm.metadata["tokenizer.ggml.fim_pre_token_id"]) == pre
    assert int(llm.metadata["tokenizer.ggml.fim_suf_token_id"]) == suf
    assert int(llm.metadata["tokenizer.ggml.fim_mid_token_id"]) == mid
    assert _vocab_fim_ids(llm) == (pre, suf, mid)
    if style == "qwen":
        assert int(llm.metadata["tokenizer.ggml.fim_pad_token_id"]) == ids["<|fim_pad|>"]


@pytest.mark.parametrize("style", [s for s in STYLES if s is not None])
def test_fim_ids_by_token_text(tmp_path, style):
    """Without the fim_* metadata keys llama.cpp finds the tokens by their text."""
    path = build_tiny_gguf(tmp_path / "m.gguf", style, fim_metadata=False)
    llm = _load(path)
    try:
        assert not any("fim" in k for k in llm.metadata)
        ids = tiny_gguf_token_ids(style)
        assert _vocab_fim_ids(llm) == tuple(ids[t] for t in EXPECTED_FIM_TEXT[style])
    finally:
        llm.close()


def test_no_fim_tokens_without_style(models):
    _, llm = models[None]
    assert not any("fim" in k for k in llm.metadata)
    assert _vocab_fim_ids(llm) == (-1, -1, -1)
    for text in ALL_FIM_TEXTS:
        assert len(llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)) > 1


@pytest.mark.parametrize("style", STYLES)
def test_ascii_round_trip_and_utf8(models, style):
    _, llm = models[style]
    for text in (
        b"def hello(name):\n    return 'hi ' + name  # the end\n",
        b"\tx = [1, 2, 3]; print(x)\r\n",
        "caf\u00e9 \u2603 \U0001f600".encode("utf-8"),
    ):
        toks = llm.tokenize(text, add_bos=False, special=False)
        assert toks and all(0 <= t < llm.n_vocab() for t in toks)
        assert llm.detokenize(toks) == text


@pytest.mark.parametrize("style", STYLES)
def test_add_bos_follows_style(models, style):
    _, llm = models[style]
    toks = llm.tokenize(b"abc", add_bos=True)
    if FIM_STYLES[style]["add_bos"]:
        assert toks[0] == llm.token_bos()
    else:
        assert toks == llm.tokenize(b"abc", add_bos=False)


@pytest.mark.parametrize("style", STYLES)
def test_create_completion_runs(models, style):
    _, llm = models[style]
    ids = tiny_gguf_token_ids(style)
    if style is None:
        prompt = llm.tokenize(b"def f(x):\n    return", add_bos=False)
    else:
        prompt = (
            [ids["fim_pre"]]
            + llm.tokenize(b"def f(x):\n    ", add_bos=False)
            + [ids["fim_suf"]]
            + llm.tokenize(b"\n    return y\n", add_bos=False)
            + [ids["fim_mid"]]
        )
    llm.reset()
    out = llm.create_completion(prompt, max_tokens=8, temperature=0)
    assert isinstance(out["choices"][0]["text"], str)
    assert out["usage"]["prompt_tokens"] == len(prompt)
    assert out["choices"][0]["finish_reason"] in ("stop", "length")
    # Not "<= 8": llama-cpp-python's multibyte-UTF-8 hold-back (`continue`
    # before the max_tokens check) can overshoot max_tokens by a few tokens
    # when random byte tokens form an incomplete UTF-8 sequence.
    assert 0 <= out["usage"]["completion_tokens"] <= 8 + 3


def test_deterministic_given_seed(tmp_path):
    a = build_tiny_gguf(tmp_path / "a.gguf", "qwen", seed=1).read_bytes()
    b = build_tiny_gguf(tmp_path / "b.gguf", "qwen", seed=1).read_bytes()
    c = build_tiny_gguf(tmp_path / "c.gguf", "qwen", seed=2).read_bytes()
    assert a == b
    assert a != c


def test_unknown_style_rejected(tmp_path):
    with pytest.raises(ValueError):
        build_tiny_gguf(tmp_path / "x.gguf", "nope")
