"""`tether models discover`: the GGUF models already on this machine, wherever another tool put them.

Places looked at (each root overridable by the tool's own environment variable):

- the Hugging Face cache: ``huggingface_hub.scan_cache_dir()`` (``HF_HUB_CACHE`` / ``HF_HOME``);
  every ``.gguf`` of every cached revision. Name ``hf:OWNER/REPO:FILE``.
- Ollama's model store: ``$OLLAMA_MODELS`` or ``~/.ollama/models``; each manifest under
  ``manifests/<registry>/<namespace>/<model>/<tag>`` (OCI image manifest JSON) names its weights
  as the layer of media type ``application/vnd.ollama.image.model``, stored as
  ``blobs/sha256-<hex>`` (Ollama's docs/import.md and server/modelpath.go). Name ``ollama:MODEL:TAG``.
- a running Ollama: ``GET http://$OLLAMA_HOST/v1/models`` (default 127.0.0.1:11434; Ollama's
  OpenAI-compatible API, docs/openai.md), short timeout; absent is fine. Name ``ollama-api:ID``;
  adopting one writes an OpenAI-compatible slot.
- LM Studio's models folder: ``~/.lmstudio/models`` and the older ``~/.cache/lm-studio/models``
  (``<publisher>/<repo>/<file>.gguf``). Name ``lmstudio:PUBLISHER/REPO/FILE``.
- llama.cpp's download cache (``llama-cli -hf``): ``$LLAMA_CACHE`` or ``~/.cache/llama.cpp``.
  Name ``llama.cpp:FILE``.

Each file found is described by its header (models/gguf_info.py): size, quantization,
architecture, trained context and FIM style.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from ..errors import InputError, ModelError
from .gguf_info import GgufInfo, is_gguf, read_gguf

Source = Literal["huggingface", "ollama", "ollama-api", "lmstudio", "llama.cpp"]
OLLAMA_MODEL_LAYER = "application/vnd.ollama.image.model"
OLLAMA_DEFAULT_HOST = "127.0.0.1:11434"
OLLAMA_TIMEOUT_S = 0.5  # a local server answers in milliseconds; a missing one must not slow discover


class Found(BaseModel):
    """One model found. ``path``: the GGUF (None for a model behind Ollama's API, then ``base_url``
    and ``model`` say where to reach it). ``info``: its header facts (None when unreadable: ``error``)."""

    name: str
    source: Source
    path: str | None = None
    base_url: str | None = None
    model: str | None = None
    info: GgufInfo | None = None
    error: str | None = Field(None, description="Why the file's header could not be read.")


def discover(home: Path | None = None, ollama: bool = True) -> list[Found]:
    """Every model found in the places above, in that order. ``home``: the home folder the default
    roots are under (default: ``Path.home()``). ``ollama``: also ask a running Ollama."""
    home = Path(home or Path.home())
    found: list[Found] = []
    found += _huggingface()
    found += _ollama_store(Path(os.environ.get("OLLAMA_MODELS") or home / ".ollama" / "models"))
    if ollama:
        found += _ollama_api(ollama_base_url(os.environ.get("OLLAMA_HOST") or OLLAMA_DEFAULT_HOST))
    for root in (home / ".lmstudio" / "models", home / ".cache" / "lm-studio" / "models"):
        found += [_described(f"lmstudio:{p.relative_to(root).as_posix()}", "lmstudio", p) for p in _ggufs(root)]
    cache = Path(os.environ.get("LLAMA_CACHE") or home / ".cache" / "llama.cpp")
    found += [_described(f"llama.cpp:{p.relative_to(cache).as_posix()}", "llama.cpp", p) for p in _ggufs(cache)]
    return found


def find(name: str, found: list[Found]) -> Found:
    """The entry called ``name``: its exact name, else the only one whose name contains it
    (case-insensitive). Raises InputError listing the candidates (or saying there are none)."""
    exact = [f for f in found if f.name == name]
    if exact:
        return exact[0]
    hits = [f for f in found if name.lower() in f.name.lower()]
    if len(hits) == 1:
        return hits[0]
    if not hits:
        names = ", ".join(f.name for f in found[:20]) or "none found"
        raise InputError(f"No model found matching '{name}'. `tether models discover` lists: {names}.")
    raise InputError(f"'{name}' matches several models: {', '.join(f.name for f in hits)}. Give the whole name.")


def _described(name: str, source: Source, path: Path) -> Found:
    try:
        return Found(name=name, source=source, path=str(path), info=read_gguf(path))
    except ModelError as exc:
        return Found(name=name, source=source, path=str(path), error=str(exc))


def _ggufs(root: Path) -> Iterator[Path]:
    """The .gguf files under ``root`` (sorted; symlinks followed; a missing root yields nothing)."""
    if not root.is_dir():
        return iter(())
    return iter(sorted(p for p in root.rglob("*.gguf") if p.is_file()))


def ollama_base_url(host: str) -> str:
    """Ollama's OpenAI-compatible base URL for an ``OLLAMA_HOST`` value, read as Ollama reads it
    (its envconfig.Host): scheme http unless given, host 127.0.0.1 when empty (``:11435``), port
    11434 (443 for https) when none: ``:8080`` -> ``http://127.0.0.1:8080/v1``. Raises InputError
    (exit 3) naming OLLAMA_HOST and its value when it is not a host[:port] or URL."""
    import httpx

    scheme, sep, rest = host.strip().partition("://")
    if not sep:
        scheme, rest = "http", host.strip()
    hostport, _, path = rest.partition("/")
    if hostport.startswith(":"):
        hostport = "127.0.0.1" + hostport
    try:
        url = httpx.URL(f"{scheme}://{hostport}/{path}".rstrip("/"))
        ok = url.scheme in ("http", "https") and bool(url.host) and 0 < (1 if url.port is None else url.port) < 65536
    except (httpx.InvalidURL, ValueError):
        ok = False
    if not ok:
        raise InputError(
            f"OLLAMA_HOST={host!r} is not a host[:port] or URL Ollama can be reached at; set it like 127.0.0.1:11434 "
            "(or unset it), or pass --no-ollama-api."
        )
    if url.port is None:
        url = url.copy_with(port=443 if url.scheme == "https" else 11434)
    return f"{str(url).rstrip('/')}/v1"


def _huggingface() -> list[Found]:
    from .hub import check_hf_endpoint

    check_hf_endpoint()
    from huggingface_hub import CacheNotFound, scan_cache_dir

    try:
        cache = scan_cache_dir()
    except (CacheNotFound, OSError):
        return []
    found = []
    for repo in sorted(cache.repos, key=lambda r: r.repo_id):
        if repo.repo_type != "model":
            continue
        seen: set[str] = set()
        for revision in sorted(repo.revisions, key=lambda r: r.last_modified, reverse=True):
            for file in sorted(revision.files, key=lambda f: f.file_name):
                if file.file_name.lower().endswith(".gguf") and file.file_path.name not in seen:
                    seen.add(file.file_path.name)
                    rel = file.file_path.relative_to(revision.snapshot_path).as_posix()
                    found.append(_described(f"hf:{repo.repo_id}:{rel}", "huggingface", file.file_path))
    return found


def _ollama_store(root: Path) -> list[Found]:
    manifests = root / "manifests"
    if not manifests.is_dir():
        return []
    found = []
    for manifest in sorted(p for p in manifests.rglob("*") if p.is_file()):
        parts = manifest.relative_to(manifests).parts  # registry, namespace, model, tag
        model = parts[-2] if parts[-3:-2] == ("library",) else "/".join(parts[1:-1])
        name = f"ollama:{model}:{parts[-1]}"
        try:
            layers = json.loads(manifest.read_text(encoding="utf-8")).get("layers", [])
        except (OSError, ValueError, AttributeError):
            continue
        if not isinstance(layers, list) or not all(isinstance(layer, dict) for layer in layers):
            found.append(Found(name=name, source="ollama", error=f"{manifest}: 'layers' is not a list of layers; skipped"))
            continue
        digest = next((layer.get("digest") for layer in layers if layer.get("mediaType") == OLLAMA_MODEL_LAYER), None)
        if not isinstance(digest, str):
            continue
        blob = root / "blobs" / digest.replace(":", "-")
        if is_gguf(blob):
            found.append(_described(name, "ollama", blob))
        else:
            found.append(Found(name=name, source="ollama", path=str(blob), error=f"{blob} is missing or not a GGUF"))
    return found


def _ollama_api(base_url: str) -> list[Found]:
    """The models a running Ollama serves at ``base_url`` (ollama_base_url); [] when none answers."""
    import httpx

    try:
        response = httpx.get(f"{base_url}/models", timeout=OLLAMA_TIMEOUT_S)
        response.raise_for_status()
        ids = [str(m["id"]) for m in response.json().get("data", []) if isinstance(m, dict) and "id" in m]
    except (httpx.HTTPError, httpx.InvalidURL, ValueError, AttributeError):
        return []
    return [Found(name=f"ollama-api:{model}", source="ollama-api", base_url=base_url, model=model) for model in ids]
