"""`tether models pull REPO[:FILE|:QUANT]`: one GGUF from the Hugging Face hub, checked, into the hub's cache.

Everything goes through ``huggingface_hub``: ``HfApi.model_info(files_metadata=True)`` lists the
repository's files with their size and LFS sha256 (the hub API ``/api/models/{repo}?blobs=true``),
``hf_hub_download`` downloads into the shared cache (``HF_HOME`` / ``HF_HUB_CACHE``) with its own
progress bar on stderr, its lock, and its ``.incomplete`` temporary file renamed into place only
when the size matches (a dropped connection is resumed from where it stopped with a Range
request, up to 5 times; an interrupted run leaves no file under the final name, and a file
already in the cache is not downloaded again, only re-hashed). Then tether hashes the file and compares it with the LFS sha256; a mismatch
deletes the cached blob and its snapshot link, so nothing half-right is left looking complete.

The endpoint is ``HF_ENDPOINT`` (huggingface_hub reads it) or ``endpoint=``; ``HF_HUB_OFFLINE=1``
refuses at once. A repository split into ``-00001-of-0000N.gguf`` parts is pulled whole; the first
part is the path llama.cpp loads.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, Field

from ..errors import InputError, ModelError
from ..lines import split_lines
from .presets import Preset, preset_for_repo

_SPLIT = re.compile(r"-(\d{5})-of-(\d{5})\.gguf$", re.I)
_REPO = re.compile(r"^[\w.-]+/[\w.-]+$")
HASH_CHUNK = 1 << 20  # bytes read at a time while hashing


@dataclass(frozen=True)
class PullSpec:
    """``REPO[:FILE|:QUANT]`` parsed: ``file`` when the part after ``:`` ends in .gguf, else ``quant``."""

    repo: str
    file: str | None = None
    quant: str | None = None


class PulledFile(BaseModel):
    path: str
    filename: str
    size_bytes: int
    sha256: str


class PullResult(BaseModel):
    """A pulled model: ``path`` is the (first) GGUF in the cache, the one a slot points at."""

    repo: str
    revision: str | None = Field(None, description="The commit the files were pulled at.")
    filename: str
    path: str
    files: list[PulledFile]
    quant: str | None = None
    preset: str | None = Field(None, description="The preset key (models/presets.py) of a known repository.")


def parse_spec(spec: str) -> PullSpec:
    """``owner/name``, ``owner/name:file.gguf`` or ``owner/name:Q4_K_M``. Raises InputError otherwise."""
    repo, _, rest = spec.partition(":")
    if not _REPO.match(repo):
        raise InputError(f"'{spec}' is not REPO[:FILE|:QUANT]; a repository is owner/name, e.g. ggml-org/Qwen2.5-Coder-1.5B-Q8_0-GGUF.")
    if not rest:
        return PullSpec(repo)
    if rest.lower().endswith(".gguf"):
        return PullSpec(repo, file=rest)
    return PullSpec(repo, quant=rest)


def quant_of(filename: str) -> str | None:
    """The quantization tag in a GGUF file name (``...-Q4_K_M.gguf`` -> ``Q4_K_M``), or None."""
    stem = _SPLIT.sub(".gguf", filename).removesuffix(".gguf").removesuffix(".GGUF")
    match = re.search(r"(?:^|[-_.])((?:I?Q\d[\w]*?)|F16|BF16|F32)$", stem, re.I)
    return match.group(1).upper() if match else None


def choose_file(spec: PullSpec, ggufs: list[str], preset: Preset | None = None) -> str:
    """The GGUF to pull among ``ggufs`` (repository paths): the named file; else the one whose
    quantization tag is ``spec.quant``; else the preset's first preferred quant present; else the
    only one. Split models count once, by their first part. Raises ModelError listing the choices
    when none or several match."""
    models = sorted({f for f in ggufs if not _SPLIT.search(f) or _SPLIT.search(f).group(1) == "00001"})  # type: ignore[union-attr]
    listed = ", ".join(models) if models else "none"
    if spec.file:
        if spec.file in ggufs:
            return spec.file
        raise ModelError(f"{spec.repo} has no file {spec.file}. Its GGUF files: {listed}.")
    if not models:
        raise ModelError(f"{spec.repo} holds no .gguf file; tether loads GGUF models (pick a repository whose name often ends in -GGUF).")
    wanted = [spec.quant] if spec.quant else list(preset.quants) if preset else []
    for quant in wanted:
        hits = [f for f in models if (quant_of(f) or "").upper() == quant.upper()]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise ModelError(f"Several files of {spec.repo} are {quant}: {', '.join(hits)}. Name one: {spec.repo}:FILE.gguf.")
    if spec.quant:
        quants = sorted({quant_of(f) or "?" for f in models})
        raise ModelError(f"{spec.repo} has no {spec.quant} file. Quantizations there: {', '.join(quants)}; files: {listed}.")
    if len(models) == 1:
        return models[0]
    raise ModelError(f"{spec.repo} holds several GGUFs; pick one with {spec.repo}:QUANT or {spec.repo}:FILE.gguf. Files: {listed}.")


def _parts(filename: str, files: list[str]) -> list[str]:
    """All parts of a split GGUF (``-0000K-of-0000N``), in order; ``[filename]`` when not split."""
    match = _SPLIT.search(filename)
    if not match:
        return [filename]
    total = int(match.group(2))
    head = filename[: match.start()]
    parts = [f"{head}-{k:05d}-of-{total:05d}.gguf" for k in range(1, total + 1)]
    missing = [p for p in parts if p not in files]
    if missing:
        raise ModelError(f"{filename} is part of a split model, but the repository lacks {', '.join(missing)}.")
    return parts


def sha256_of(path: Path) -> str:
    """The hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def check_hf_endpoint() -> None:
    """Raise InputError (exit 3) naming ``HF_ENDPOINT`` and its value when it is set but not an
    http(s) URL with a host and a port in 0..65535: huggingface_hub reads it at import and would
    fail inside its own code with a bare ValueError (``Port out of range``, ``Invalid IPv6 URL``)."""
    from urllib.parse import urlsplit

    value = os.environ.get("HF_ENDPOINT")
    if not value:
        return
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises ValueError for a port out of range)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
        why = "it needs http:// or https:// and a host"
    except ValueError as exc:
        ok, why = False, str(exc)
    if not ok:
        raise InputError(f"HF_ENDPOINT={value!r} is not a valid URL ({why}); set it to a URL like https://huggingface.co, or unset it.")


def pull(spec_text: str, endpoint: str | None = None, cache_dir: str | None = None, revision: str | None = None) -> PullResult:
    """Download (or find in the cache) the GGUF named by ``spec_text`` and check its sha256.

    ``endpoint``: the hub's URL (default: ``HF_ENDPOINT`` or https://huggingface.co);
    ``cache_dir``: the hub cache (default: huggingface_hub's, ``HF_HUB_CACHE``). Raises InputError
    for a malformed spec, ModelError when offline (``HF_HUB_OFFLINE`` or no connection), on a
    missing repository or file (listing the files there), and on a sha256 mismatch (after deleting
    the bad file from the cache), and InputError for a malformed ``HF_ENDPOINT`` (check_hf_endpoint)."""
    check_hf_endpoint()
    from huggingface_hub import HfApi, constants, hf_hub_download

    spec = parse_spec(spec_text)
    if constants.is_offline_mode():
        raise ModelError(
            f"HF_HUB_OFFLINE is set, so {spec.repo} cannot be pulled. Unset it, or adopt a GGUF already on this machine: "
            "`tether models discover`, then `tether models use NAME --role ...`."
        )
    api = HfApi(endpoint=endpoint)
    where = api.endpoint
    with _hub_errors(spec.repo, where):
        info = api.model_info(spec.repo, revision=revision, files_metadata=True)
    siblings = {s.rfilename: s for s in (info.siblings or [])}
    ggufs = [name for name in siblings if name.lower().endswith(".gguf")]
    preset = preset_for_repo(spec.repo)
    filename = choose_file(spec, ggufs, preset)
    pulled: list[PulledFile] = []
    for part in _parts(filename, ggufs):
        sibling = siblings[part]
        expected = sibling.lfs.sha256 if sibling.lfs else None
        if not expected:
            raise ModelError(f"The hub lists no sha256 for {spec.repo}/{part} (not an LFS file), so it cannot be checked; not pulled.")
        with _hub_errors(spec.repo, where, part):
            local = Path(hf_hub_download(spec.repo, part, revision=info.sha or revision, endpoint=endpoint, cache_dir=cache_dir))
        actual = sha256_of(local)
        if actual != expected.lower():
            _discard(local)
            raise ModelError(
                f"{spec.repo}/{part} arrived with sha256 {actual}, but the hub lists {expected}; the file was deleted from the cache. "
                "Pull again; if it repeats, the mirror at HF_ENDPOINT or a proxy is serving other bytes."
            )
        pulled.append(PulledFile(path=str(local), filename=part, size_bytes=local.stat().st_size, sha256=actual))
    return PullResult(
        repo=spec.repo,
        revision=info.sha,
        filename=filename,
        path=pulled[0].path,
        files=pulled,
        quant=quant_of(filename),
        preset=preset.key if preset else None,
    )


def _discard(local: Path) -> None:
    """Delete a cached file that failed its check: the blob it links to and the snapshot link."""
    blob = local.resolve()
    local.unlink(missing_ok=True)
    if blob != local:
        blob.unlink(missing_ok=True)


@contextmanager
def _hub_errors(repo: str, endpoint: str, filename: str | None = None) -> Iterator[None]:
    """Turn huggingface_hub's and httpx's errors into ModelErrors a person can act on."""
    from huggingface_hub import errors

    what = f"{repo}/{filename}" if filename else repo
    try:
        yield
    except (errors.RepositoryNotFoundError, errors.GatedRepoError) as exc:
        raise ModelError(
            f"{endpoint} has no model repository {repo} (or it is private or gated: log in with `hf auth login`). "
            "Check the owner/name spelling."
        ) from exc
    except errors.RevisionNotFoundError as exc:
        raise ModelError(f"{repo} has no such revision on {endpoint}.") from exc
    except errors.RemoteEntryNotFoundError as exc:
        raise ModelError(f"{endpoint} has no file {what}.") from exc
    except errors.HfHubHTTPError as exc:
        raise ModelError(f"The hub at {endpoint} refused {what}: {_first_line(str(exc))}") from exc
    except (errors.OfflineModeIsEnabled, errors.LocalEntryNotFoundError, OSError) as exc:
        if isinstance(exc, OSError) and "Consistency check failed" in str(exc):
            raise ModelError(f"The download of {what} was cut short ({_first_line(str(exc))}); pull again to retry.") from exc
        if not isinstance(exc, errors.OfflineModeIsEnabled | errors.LocalEntryNotFoundError | ConnectionError):
            raise
        raise ModelError(_unreachable(endpoint, what, exc)) from exc
    except Exception as exc:
        if not _is_connection_error(exc):
            raise
        raise ModelError(_unreachable(endpoint, what, exc)) from exc


def _unreachable(endpoint: str, what: str, exc: BaseException) -> str:
    return (
        f"Cannot reach the Hugging Face hub at {endpoint} to pull {what} ({_reason(exc)}). "
        "Check the network (or HF_ENDPOINT); GGUFs already here are listed by `tether models discover`."
    )


def _is_connection_error(exc: BaseException) -> bool:
    import httpx2  # huggingface_hub's HTTP client

    return isinstance(exc, httpx2.TransportError)


def _reason(exc: BaseException) -> str:
    cause = exc.__cause__ or exc.__context__
    text = _first_line(str(cause or exc)) or type(exc).__name__
    return text[:160]


def _first_line(text: str) -> str:
    """The first line of an exception's message ("" for an empty one); lines as tether.lines defines them."""
    lines = split_lines(text)
    return lines[0] if lines else ""
