"""llama.cpp backend (llama-cpp-python): local GGUF models on CUDA, Metal or CPU.

One worker thread per loaded model, because llama.cpp is not thread-safe: requests queue on
it, and cancellation is checked between tokens. The model loads lazily on first use, with all
layers offloaded when the build supports GPU offload. A chat reply primed with
``assistant_prefix`` starts with that prefix, as the model's turn reads. Greedy rewrites
(``speculative=True``) decode with prompt-lookup drafts (speculative.py) on the same
instance, so they share its KV cache with every other request; re-asks sample (temperature,
``seed``, ``repeat_penalty``) and decode plainly.
"""

from __future__ import annotations

import asyncio
import json
import threading
import weakref
from collections.abc import AsyncGenerator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import FLAG_SLOT, MODEL_SHORTHAND, ModelConfig
from ..errors import GenerationError, ModelError
from .base import Backend, Capabilities, Chunk, FinishReason, GenerationRequest
from .bundled import bundled_model_path
from .fim import FimTokens, control_texts, detect_fim
from .llamalog import LOADING, route_llama_logs
from .speculative import greedy_lookup_decode

GGUF_MAGIC = b"GGUF"

# A minimal chat format for models whose GGUF carries no template.
_FALLBACK_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def check_gguf(path: Path, slot: str = "bundled") -> Path:
    """Refuse, with a clear message, anything that is not a readable GGUF file. ``slot``: the model
    slot the path belongs to, for saying where the path was set. Raises ModelError."""
    where = model_path_settings(slot)
    if not path.exists():
        raise ModelError(f"Model file {path} does not exist. Check {where}.")
    if not path.is_file():
        raise ModelError(f"Model path {path} is not a file; point {where} at a .gguf file.")
    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic != GGUF_MAGIC:
        raise ModelError(f"{path} is not a GGUF model file (it does not start with 'GGUF'); convert it or point {where} at a .gguf file.")
    return path


def model_path_settings(slot: str) -> str:
    """Where a slot's GGUF path can come from, for error messages: the bundled slot's is set by
    ``--model``, ``TETHER_MODEL`` or tether.toml (config.FLAG_SLOT, config.MODEL_SHORTHAND)."""
    if slot == FLAG_SLOT:
        return f"--model, {MODEL_SHORTHAND} or path under [models.{slot}] in tether.toml"
    return f"path under [models.{slot}] in tether.toml (or pass --model PATH to use another GGUF for this command)"


def gpu_offload_supported() -> bool:
    import llama_cpp

    return bool(llama_cpp.llama_supports_gpu_offload())


@dataclass
class _Worker:
    llm: Any
    executor: ThreadPoolExecutor
    fim: FimTokens | None
    chat: Any  # Jinja2ChatFormatter
    add_bos: bool
    control: tuple[str, ...] = ()


class LlamaCppBackend(Backend):
    def __init__(self, name: str, config: ModelConfig):
        self.name = name
        self.config = config
        self._worker: _Worker | None = None
        self._loading: asyncio.Future[_Worker] | None = None

    @property
    def path(self) -> Path:
        return Path(self.config.path).expanduser() if self.config.path else bundled_model_path()

    # -- loading -------------------------------------------------------------------------

    async def worker(self) -> _Worker:
        """The loaded model (loading it once, off the event loop)."""
        if self._worker is not None:
            return self._worker
        if self._loading is None:
            loop = asyncio.get_running_loop()
            executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"tether-{self.name}")
            self._loading = asyncio.ensure_future(loop.run_in_executor(executor, self._load, executor))
        try:
            self._worker = await asyncio.shield(self._loading)
        except BaseException:
            self._loading = None
            raise
        return self._worker

    def _load(self, executor: ThreadPoolExecutor) -> _Worker:
        import llama_cpp
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        route_llama_logs()  # llama.cpp's own lines go to the logger, not stderr
        path = check_gguf(self.path, self.name)
        kwargs: dict[str, Any] = dict(
            model_path=str(path),
            n_ctx=self.config.context_window,
            n_batch=self.config.n_batch,
            n_gpu_layers=self.config.n_gpu_layers if gpu_offload_supported() else 0,
            verbose=False,
        )
        if self.config.n_threads:
            kwargs["n_threads"] = self.config.n_threads
        try:
            with LOADING:
                llm = llama_cpp.Llama(**kwargs)
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelError(f"llama.cpp could not load {path}: {exc}. Is it a complete, supported GGUF file?") from exc
        meta = llm.metadata or {}
        bos = llm.detokenize([llm.token_bos()], special=True).decode("utf-8", "replace") if llm.token_bos() >= 0 else ""
        eos = llm.detokenize([llm.token_eos()], special=True).decode("utf-8", "replace") if llm.token_eos() >= 0 else ""
        chat = Jinja2ChatFormatter(template=meta.get("tokenizer.chat_template") or _FALLBACK_TEMPLATE, eos_token=eos, bos_token=bos)
        add_bos = meta.get("tokenizer.ggml.add_bos_token", "true") != "false"
        # Freed with this backend, or at exit at the latest, while llama_cpp can still free it
        # (from Llama.__del__ at interpreter teardown its globals are gone: a TypeError traceback).
        weakref.finalize(self, llm.close)
        return _Worker(llm=llm, executor=executor, fim=detect_fim(llm), chat=chat, add_bos=add_bos, control=control_texts(llm))

    # -- protocol ------------------------------------------------------------------------

    async def capabilities(self) -> Capabilities:
        worker = await self.worker()
        return Capabilities(
            fim=worker.fim is not None,
            grammar=True,
            json_schema=True,
            # The configured window, not llm.n_ctx(): llama.cpp pads it up to a multiple of 256, and
            # `models info`, `doctor` and the context budgets all read ModelConfig.context_window.
            n_ctx=min(worker.llm.n_ctx(), self.config.context_window),
            local=True,
            fim_style=worker.fim.style if worker.fim else None,
            control_tokens=worker.control,
        )

    async def count_tokens(self, text: str) -> int:
        worker = await self.worker()
        return len(worker.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    async def stream(self, request: GenerationRequest) -> AsyncGenerator[Chunk, None]:
        worker = await self.worker()
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Chunk | BaseException] = asyncio.Queue()
        cancel = threading.Event()

        def emit(item: Chunk | BaseException) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, item)

        loop.run_in_executor(worker.executor, self._run, worker, request, cancel, emit)
        try:
            while True:
                item = await queue.get()
                if isinstance(item, BaseException):
                    raise item
                yield item
                if item.finish_reason:
                    return
        finally:
            cancel.set()

    def _run(self, worker: _Worker, request: GenerationRequest, cancel: threading.Event, emit: Callable[[Any], None]) -> None:
        try:
            if cancel.is_set():
                emit(Chunk(finish_reason="cancelled"))
                return
            tokens, stop = self.prompt_tokens(worker, request)
            room = worker.llm.n_ctx() - len(tokens)
            if room < 1:
                raise GenerationError(
                    f"The prompt is {len(tokens)} tokens but model '{self.name}' holds {worker.llm.n_ctx()}; "
                    "select less text or raise n_ctx."
                )
            if request.messages is not None and request.assistant_prefix:
                emit(Chunk(text=request.assistant_prefix))  # the reply starts with its priming
            decode = self._decode_lookup if _lookup_applies(request) else self._decode
            finish = decode(worker, request, tokens, stop, min(request.max_tokens, room), cancel, emit)
            emit(Chunk(finish_reason=finish))
        except BaseException as exc:  # handed to the awaiting task, raised there
            emit(exc)

    def _decode(
        self,
        worker: _Worker,
        request: GenerationRequest,
        tokens: list[int],
        stop: list[str],
        max_tokens: int,
        cancel: threading.Event,
        emit: Callable[[Any], None],
    ) -> FinishReason:
        stream = worker.llm.create_completion(
            tokens,
            max_tokens=max_tokens,
            temperature=request.temperature,
            repeat_penalty=request.repeat_penalty,
            seed=request.seed,
            stop=stop or None,
            grammar=_grammar(request),
            stream=True,
        )
        finish: str | None = "stop"
        try:
            for out in stream:
                if cancel.is_set():
                    return "cancelled"
                choice = out["choices"][0]
                if choice["text"]:
                    emit(Chunk(text=choice["text"]))
                if choice.get("finish_reason"):
                    finish = choice["finish_reason"]
        finally:
            stream.close()
        return "length" if finish == "length" else "stop"

    def _decode_lookup(
        self,
        worker: _Worker,
        request: GenerationRequest,
        tokens: list[int],
        stop: list[str],
        max_tokens: int,
        cancel: threading.Event,
        emit: Callable[[Any], None],
    ) -> FinishReason:
        """Greedy prompt-lookup decoding, with stop strings applied to the decoded text."""
        llm = worker.llm
        produced: list[int] = []
        hold = max((len(s) for s in stop), default=1) - 1
        sent = 0
        hit = False

        def on_tokens(batch: list[int]) -> bool:
            nonlocal sent, hit
            produced.extend(batch)
            text = llm.detokenize(produced).decode("utf-8", errors="ignore")
            cuts = [text.find(s) for s in stop if s and s in text]
            end = min(cuts) if cuts else max(len(text) - hold, sent)
            if end > sent:
                emit(Chunk(text=text[sent:end]))
                sent = end
            hit = bool(cuts)
            return not hit

        finish = greedy_lookup_decode(llm, tokens, max_tokens, cancel, on_tokens)
        if not hit and finish != "cancelled":
            rest = llm.detokenize(produced).decode("utf-8", errors="replace")[sent:]
            if rest:
                emit(Chunk(text=rest))
        return finish

    def prompt_tokens(self, worker: _Worker, request: GenerationRequest) -> tuple[list[int], list[str]]:
        """Token ids for the request and the stop strings that go with them.

        Never empty: llama.cpp cannot decode from no tokens (llama-cpp-python's ``eval``
        asserts ``n_tokens > 0``), so a prompt that tokenizes to nothing (a completion at the
        very start of an empty file, with a model that adds no BOS) starts from the BOS token,
        or a line break where the model has none. Every decode path (``_decode``,
        ``_decode_lookup``) takes its tokens from here."""
        tokens, stop = self._prompt_tokens(worker, request)
        if not tokens:
            llm = worker.llm
            tokens = [llm.token_bos()] if llm.token_bos() >= 0 else llm.tokenize(b"\n", add_bos=False, special=False)
        if not tokens:
            raise GenerationError(f"The prompt for model '{self.name}' is empty and the model has no start token.")
        return tokens, stop

    def _prompt_tokens(self, worker: _Worker, request: GenerationRequest) -> tuple[list[int], list[str]]:
        llm = worker.llm
        bos = [llm.token_bos()] if worker.add_bos and llm.token_bos() >= 0 else []
        stop = list(request.stop)
        if request.fim is not None:
            prefix = llm.tokenize(request.fim.prefix.encode("utf-8"), add_bos=False, special=False)
            if worker.fim is None:
                return bos + prefix, stop
            suffix = llm.tokenize(request.fim.suffix.encode("utf-8"), add_bos=False, special=False)
            return bos + worker.fim.prompt(prefix, suffix), stop + list(worker.fim.stop_texts)
        if request.prompt is not None:
            return bos + llm.tokenize(request.prompt.encode("utf-8"), add_bos=False, special=False), stop
        assert request.messages is not None
        rendered = worker.chat(messages=[m.model_dump() for m in request.messages])
        text = rendered.prompt + request.assistant_prefix
        stop += [s for s in (rendered.stop if isinstance(rendered.stop, list) else [rendered.stop]) if s]
        if "<|im_end|>" in text:
            stop.append("<|im_end|>")
        return llm.tokenize(text.encode("utf-8"), add_bos=False, special=True), stop

    async def aclose(self) -> None:
        if self._worker is not None:
            self._worker.executor.shutdown(wait=True)
            self._worker.llm.close()
        self._worker = None
        self._loading = None

    def describe(self) -> dict[str, Any]:
        info: dict[str, Any] = {"name": self.name, "kind": "llamacpp", "n_ctx": self.config.context_window}
        try:
            info["path"] = str(self.path)
        except ModelError as exc:
            info["error"] = str(exc)
        info["loaded"] = self._worker is not None
        return info


def _lookup_applies(request: GenerationRequest) -> bool:
    """Prompt-lookup decoding is exact for greedy, unconstrained requests only."""
    return (
        request.speculative
        and request.temperature == 0
        and request.repeat_penalty == 1.0
        and request.json_schema is None
        and request.grammar is None
    )


def _grammar(request: GenerationRequest) -> Any:
    if request.json_schema is None and request.grammar is None:
        return None
    from llama_cpp import LlamaGrammar

    if request.json_schema is not None:
        return LlamaGrammar.from_json_schema(json.dumps(request.json_schema), verbose=False)
    return LlamaGrammar.from_string(request.grammar or "", verbose=False)
