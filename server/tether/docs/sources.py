"""What a docs source is and which documents it holds.

A source is one of:

- an llms.txt file or URL (``.../llms.txt``, or a site root such as ``https://example.com/``,
  where ``/llms.txt`` is looked up): the file itself plus every page its sections link to;
- a markdown file or URL (``llms-full.txt`` counts as markdown: it is the docs in one file);
  the ingest reads it first and takes it as an llms.txt when its content is one, whatever its
  name (``llmstxt.sniff_llmstxt``, ``ingest.Ingester._plan``): ``resolve_source`` goes by name;
- a folder: every ``.md`` / ``.markdown`` file under it (hidden folders and
  ``node_modules`` skipped).

Links in an llms.txt are followed only when they are http(s) URLs, or relative paths that stay
inside the llms.txt's own folder (a local llms.txt cannot make tether read ``../../.ssh``).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urljoin, urlsplit

from pydantic import BaseModel

from ..errors import InputError
from ..workspace import confined_or_none
from .fetch import is_http_url
from .llmstxt import LlmsTxt

SourceKind = Literal["llmstxt", "markdown", "folder"]
MARKDOWN_SUFFIXES = (".md", ".markdown")
_SKIP_DIRS = {"node_modules", "__pycache__"}


class SourceSpec(BaseModel):
    location: str  # URL, or absolute path
    kind: SourceKind
    remote: bool

    @property
    def default_name(self) -> str:
        if self.remote:
            parts = urlsplit(self.location)
            stem = Path(parts.path).stem
            return parts.netloc if stem in ("", "llms", "index") else f"{parts.netloc}/{stem}"
        path = Path(self.location)
        return path.name if self.kind == "folder" else (path.parent.name if path.stem == "llms" else path.stem)


class Planned(BaseModel):
    """One document a source holds: where to get it and how to label it."""

    key: str  # stable identity inside the source: the URL, or the path relative to the source
    url: str | None = None
    path: str | None = None
    title: str | None = None
    section: str | None = None
    optional: bool = False


def resolve_source(source: str, base_dir: Path) -> SourceSpec:
    """Classify what the user passed to ``tether docs add``."""
    if "://" in source:
        if not is_http_url(source):
            raise InputError(f"{source} is not an http(s) URL, a file or a folder; tether cannot read it.")
        path = urlsplit(source).path
        if path in ("", "/") or (path.endswith("/") and not path.endswith("llms.txt")):
            return SourceSpec(location=urljoin(source if source.endswith("/") else source + "/", "llms.txt"), kind="llmstxt", remote=True)
        kind: SourceKind = "llmstxt" if Path(path).name == "llms.txt" else "markdown"
        return SourceSpec(location=source, kind=kind, remote=True)
    full = (base_dir / Path(source).expanduser()).resolve()
    if full.is_dir():
        return SourceSpec(location=str(full), kind="folder", remote=False)
    if not full.is_file():
        raise InputError(f"{source} does not exist; give an llms.txt, a markdown file, a folder or an http(s) URL.")
    kind = "llmstxt" if full.name == "llms.txt" else "markdown"
    return SourceSpec(location=str(full), kind=kind, remote=False)


def plan_folder(folder: Path, max_docs: int) -> tuple[list[Planned], list[str]]:
    """The markdown files of ``folder`` (absolute) to ingest, in path order, and warnings for the user.

    The folder is the root its files must stay in: a symlinked file whose real path leaves it
    (a chain of links too) is skipped and logged once (``tether.workspace.confine``); linked
    folders are not entered. ``Planned.path`` is the file's real path, ``key`` its path in the folder.
    """
    folder = folder.resolve()
    candidates = sorted(p for p in folder.rglob("*") if p.suffix.lower() in MARKDOWN_SUFFIXES and not _hidden(p.relative_to(folder)))
    files: list[tuple[Path, Path]] = []  # (path in the folder, real path)
    outside = 0
    for p in candidates:
        real = confined_or_none(folder, p.relative_to(folder).as_posix())
        if real is None:
            outside += 1
        elif real.is_file():
            files.append((p, real))
    warnings = []
    if outside:
        warnings.append(f"{outside} linked markdown file(s) leading outside {folder} were skipped")
    if len(files) > max_docs:
        warnings.append(f"{len(files) - max_docs} markdown files beyond the limit of {max_docs} documents were skipped")
        files = files[:max_docs]
    return [Planned(key=p.relative_to(folder).as_posix(), path=str(real)) for p, real in files], warnings


def plan_llmstxt(spec: SourceSpec, parsed: LlmsTxt, max_docs: int) -> tuple[list[Planned], list[str]]:
    """The llms.txt itself, then each page it links to (duplicates and unsafe links skipped)."""
    root = Planned(key=spec.location, title=parsed.title)
    root.url, root.path = (spec.location, None) if spec.remote else (None, spec.location)
    planned, warnings, seen = [root], [], {spec.location}
    for section, link in parsed.links():
        doc, problem = _plan_link(spec, link.url, link.name, section.name, section.optional)
        if problem:
            warnings.append(f"line {link.line}: {problem}")
        elif doc is not None and doc.key not in seen:
            seen.add(doc.key)
            planned.append(doc)
    if len(planned) > max_docs:
        warnings.append(f"{len(planned) - max_docs} links beyond the limit of {max_docs} documents were skipped")
        planned = planned[:max_docs]
    return planned, warnings


def _plan_link(spec: SourceSpec, url: str, name: str, section: str, optional: bool) -> tuple[Planned | None, str | None]:
    planned = functools.partial(Planned, title=name, section=section, optional=optional)
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        if not is_http_url(url):
            return None, f"link '{name}' ({url}) is not an http(s) URL; skipped"
        page = parts._replace(fragment="").geturl()
        return planned(key=page, url=page), None
    if spec.remote:
        page = urljoin(spec.location, parts._replace(fragment="").geturl())
        return planned(key=page, url=page), None
    if not parts.path:
        return None, None  # a same-page anchor: nothing to fetch
    folder = Path(spec.location).parent
    target = (folder / unquote(parts.path)).resolve()
    if target != folder and folder not in target.parents:
        return None, f"link '{name}' ({url}) points outside the llms.txt's folder; skipped"
    return planned(key=target.relative_to(folder).as_posix(), path=str(target)), None


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") or part in _SKIP_DIRS for part in relative.parts[:-1])
