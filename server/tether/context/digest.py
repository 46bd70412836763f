"""``tether digest``: the workspace (or a folder of it) as one LLM-friendly text, like gitingest.

A summary (files, tokens), the directory tree, then every file's text under a banner. Only
files that may enter context are listed (git and ``.tetherignore`` rules, no secret files), and
their text is redacted. With a token budget, files are taken in order of importance: the
folder's README, then source files in the repo map's rank order (PageRank over which files
reference the names others define, ``ranking.file_ranks``), then files without a rank (data,
styles, config, scripts) shallow and small first. The ones left out are marked in the tree and
listed at the end, one line each with their size in tokens. A link whose real path leaves the
workspace is listed by name in the tree, never read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..errors import InputError
from ..secrets import redact
from ..workspace import OutsideWorkspaceError, read_confined
from .files import list_files
from .notebook import render_notebook
from .ranking import GraphBuilder, file_ranks
from .repomap import RepoMap

BANNER = "=" * 48
MAX_FILE_BYTES = 1_000_000
MAX_NOTEBOOK_BYTES = 20_000_000  # read whole, then shown as its cells (outputs' data left out)
MARK_SLACK = 32  # tokens of a "(left out: token budget)" mark and an index line, at most
MARK = "  (left out: token budget)"
OUTSIDE = "link outside the workspace"


@dataclass
class Digest:
    text: str
    tokens: int
    included: list[str] = field(default_factory=list)
    omitted: list[str] = field(default_factory=list)  # over the budget, most important first
    skipped: dict[str, str] = field(default_factory=dict)  # path -> why (binary, too big, not UTF-8, link out)


def repo_ranks(root: Path | str, index_db: Path | None = None) -> dict[str, float]:
    """Importance of each source file of ``root`` (relative posix path -> score; higher first).

    Files with a tree-sitter grammar are indexed (``RepoMap``, cached in ``index_db`` when given)
    and ranked with ``ranking.file_ranks``; other files have no entry.
    """
    repomap = RepoMap(Path(root), index_db)
    try:
        repomap.refresh()
        return file_ranks(GraphBuilder().build(repomap.entries))
    finally:
        repomap.close()


def _priority(path: str, size: int, ranks: Mapping[str, float], prefix: str) -> tuple:
    """Sort key: the folder's own README, then ranked files best first, then the rest shallow and small first."""
    name = PurePosixPath(path).name.lower()
    top_readme = name.startswith("readme") and str(PurePosixPath(path).parent) == (prefix or ".")
    rank = ranks.get(path)
    if top_readme:
        return (0, 0.0, 0, 0, path)
    if rank is not None:
        return (1, -rank, 0, 0, path)
    return (2, 0.0, path.count("/"), size, path)


def _read(root: Path, rel: str) -> tuple[str | None, str]:
    notebook = rel.lower().endswith(".ipynb")
    limit = MAX_NOTEBOOK_BYTES if notebook else MAX_FILE_BYTES
    try:
        read = read_confined(root, rel, limit)
    except OutsideWorkspaceError:
        return None, OUTSIDE
    except OSError as exc:
        return None, f"unreadable: {exc.strerror or exc}"
    if read.size > limit:
        return None, f"{read.size:,} bytes"
    data = read.data
    if b"\0" in data[:8192]:
        return None, "binary"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, "not UTF-8"
    if notebook:
        rendered = render_notebook(text)
        if rendered is not None:
            return rendered, ""
        if read.size > MAX_FILE_BYTES:
            return None, f"{read.size:,} bytes"
    return text, ""


def file_block(rel: str, text: str) -> str:
    return f"{BANNER}\nFILE: {rel}\n{BANNER}\n{text}{'' if text.endswith(chr(10)) else chr(10)}\n"


async def build_digest(
    root: Path | str,
    count: Callable[[str], Awaitable[int]],
    sub: str = "",
    max_tokens: int | None = None,
    ranks: Mapping[str, float] | None = None,
) -> Digest:
    """The digest of ``root`` (or its folder/file ``sub``, posix, relative), counted with ``count``, within ``max_tokens``.

    ``ranks``: file importance (path -> score, higher first), ``repo_ranks(root)`` when None.
    Raises InputError when ``sub`` does not exist or ``max_tokens`` is below the header alone.
    """
    root = Path(root).resolve()
    prefix = sub.strip("/")
    if prefix and not (root / prefix).exists():
        raise InputError(f"{sub} does not exist in {root}.")
    listed = list_files(root)
    wanted = [p for p in listed.files if not prefix or p == prefix or p.startswith(prefix + "/")]
    outside = [p for p in listed.outside if not prefix or p == prefix or p.startswith(prefix + "/")]
    files = sorted(wanted + outside)
    digest = Digest(text="", tokens=0, skipped={rel: OUTSIDE for rel in outside})
    texts: dict[str, str] = {}
    for rel in wanted:
        text, why = _read(root, rel)
        if text is None:
            digest.skipped[rel] = why
        else:
            texts[rel] = text
    if ranks is None:
        ranks = repo_ranks(root)
    order = sorted(texts, key=lambda p: _priority(p, len(texts[p]), ranks, prefix))
    blocks = {rel: file_block(rel, redact(texts[rel])) for rel in order}
    sizes = {rel: await count(block) for rel, block in blocks.items()}
    composer = _Composer(f"{root.name}/{prefix}" if prefix else root.name, files, order, sizes, digest, count)
    chosen = order if max_tokens is None else await composer.fit(max_tokens)
    _, head, tail = await composer.compose(chosen)
    digest.text = head + "".join(blocks[rel] for rel in digest.included) + tail
    return digest


@dataclass
class _Composer:
    """Builds the header (summary + tree) for a choice of files, and chooses files for a budget."""

    name: str
    files: list[str]
    order: list[str]  # readable files, most important first
    sizes: dict[str, int]  # tokens of each file's block
    digest: Digest
    count: Callable[[str], Awaitable[int]]

    async def compose(self, chosen: list[str]) -> tuple[int, str, str]:
        """(total tokens, header text, left-out index) with ``chosen`` included; updates the digest's lists."""
        d = self.digest
        taken = set(chosen)
        d.included = sorted(chosen)
        d.omitted = [rel for rel in self.order if rel not in taken]
        tree = render_tree(self.name, self.files, d.skipped, set(d.omitted))
        summary = _summary(self.name, d)
        tail = left_out_index(d.omitted, self.sizes)
        body = sum(self.sizes[rel] for rel in chosen) + (await self.count(tail) if tail else 0)
        tokens = await self.count(_head(summary, 0, tree)) + body
        d.tokens = await self.count(_head(summary, tokens, tree)) + body  # the count itself takes tokens
        return d.tokens, _head(summary, d.tokens, tree), tail

    async def fit(self, max_tokens: int) -> list[str]:
        """Files in priority order while they fit; then the slack used.

        The header and the index are reserved at their largest (every file left out); taking a
        file gives back its index line and its tree mark, so each file costs its block less those.
        """
        worst = Digest("", 0, [], list(self.order), self.digest.skipped)
        tree = render_tree(self.name, self.files, worst.skipped, set(self.order))
        left = max_tokens - await self.count(_head(_summary(self.name, worst), 10**9, tree))
        left -= await self.count(left_out_index(self.order, self.sizes))
        mark = await self.count(MARK)
        chosen = []
        for rel in self.order:
            cost = self.sizes[rel] - mark - await self.count(_index_line(rel, self.sizes[rel]))
            if cost <= left:
                chosen.append(rel)
                left -= cost
        tokens, _, _ = await self.compose(chosen)
        while tokens > max_tokens:
            if not chosen:
                raise InputError(
                    f"--max-tokens {max_tokens} is less than the summary and tree alone, with the list of files left out "
                    f"({tokens} tokens); "
                    "raise it or digest a smaller folder."
                )
            chosen.pop()  # the least important file
            tokens, _, _ = await self.compose(chosen)
        taken = set(chosen)
        for rel in [r for r in self.order if r not in taken]:
            if tokens + self.sizes[rel] <= max_tokens + MARK_SLACK:  # its mark and index line go away too
                trial, _, _ = await self.compose(chosen + [rel])
                if trial <= max_tokens:
                    chosen.append(rel)
                    tokens = trial
        return chosen


def left_out_index(omitted: list[str], sizes: Mapping[str, int]) -> str:
    """The closing list of files left out for the budget, in the order given, one line each: ``path  N tokens``."""
    if not omitted:
        return ""
    total = sum(sizes[rel] for rel in omitted)
    lines = [BANNER, f"LEFT OUT for the token budget: {len(omitted)} files, {total:,} tokens (most important first)", BANNER]
    lines += [_index_line(rel, sizes[rel]) for rel in omitted]
    return "\n".join(lines) + "\n"


def _index_line(rel: str, tokens: int) -> str:
    return f"{rel}  {tokens:,} tokens"


def _head(summary: str, tokens: int, tree: str) -> str:
    return f"{summary}Estimated tokens: {tokens:,}\n\nDirectory structure:\n{tree}\n\n"


def _summary(name: str, digest: Digest) -> str:
    lines = [f"Directory: {name}", f"Files included: {len(digest.included)}"]
    if digest.omitted:
        lines.append(f"Files left out for the token budget: {len(digest.omitted)}")
    if digest.skipped:
        lines.append(f"Files listed without content (binary, too big, not UTF-8 or a link out): {len(digest.skipped)}")
    return "\n".join(lines) + "\n"


def render_tree(name: str, files: list[str], skipped: dict[str, str], omitted: set[str] | None = None) -> str:
    """A box-drawing tree of ``files``; skipped and omitted ones are marked."""
    tree: dict = {}
    for rel in files:
        node = tree
        for part in rel.split("/")[:-1]:
            node = node.setdefault(part + "/", {})
        node[rel.rsplit("/", 1)[-1]] = rel
    lines = [f"└── {name}/"]
    _render(tree, "    ", lines, skipped, omitted or set())
    return "\n".join(lines)


def _render(node: dict, indent: str, lines: list[str], skipped: dict[str, str], omitted: set[str]) -> None:
    # An explicit stack, not recursion: a chain of thousands of folders must not exhaust Python's stack.
    stack = [(indent, _sorted_names(node), 0, node)]
    while stack:
        indent, names, i, node = stack.pop()
        if i >= len(names):
            continue
        stack.append((indent, names, i + 1, node))
        name, last = names[i], i == len(names) - 1
        child = node[name]
        mark = ""
        if isinstance(child, str):
            if child in skipped:
                mark = f"  ({skipped[child]}, no content)"
            elif child in omitted:
                mark = MARK
        lines.append(f"{indent}{'└── ' if last else '├── '}{name}{mark}")
        if isinstance(child, dict):
            stack.append((indent + ("    " if last else "│   "), _sorted_names(child), 0, child))


def _sorted_names(node: dict) -> list[str]:
    return sorted(node, key=lambda n: (not n.endswith("/"), n))
