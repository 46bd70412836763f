"""Ranking the repo map: which definitions from other files matter for this edit.

Files form a graph: file A points at file B once for every name A references that B defines
(weighted by how often, damped for private names and names defined in many places). A
PageRank personalized to the file being edited, and to files defining names the instruction
or selection mentions, ranks the files; each file's rank flows to the definitions its
references point at. Names the instruction spells out (``compute_tax``, ```Parser```, ``load()``)
go to the top outright. The graph is built once per index generation and reused.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass

import numpy as np

from ..code.tags import Definition
from .repomap import Entry

DAMPING = 0.85
# Ranks only need to be ordered right, not converged to many digits: the personalization
# dominates after a few steps, and each step is a pass over every edge.
MAX_ITERATIONS = 25
TOLERANCE = 1e-5
# A name defined in this many files says nothing about which one is meant.
MAX_DEFINERS = 20
STRONG, SELECTED, WEAK = 1.0, 0.5, 0.25
CONTAINER_KINDS = frozenset({"class", "interface", "module", "enum"})

_STOPWORDS = frozenset(keyword.kwlist) | {
    "self",
    "this",
    "cls",
    "true",
    "false",
    "null",
    "none",
    "nil",
    "function",
    "const",
    "let",
    "var",
    "func",
    "return",
    "struct",
    "impl",
    "public",
    "private",
    "static",
    "void",
    "int",
    "str",
    "string",
    "bool",
    "the",
    "and",
    "for",
    "with",
    "that",
    "from",
    "into",
    "make",
    "use",
    "uses",
    "add",
    "adds",
    "change",
    "when",
    "then",
    "code",
    "call",
    "calls",
    "instead",
    "should",
    "file",
    "line",
    "lines",
    "value",
    "values",
    "new",
    "each",
}


@dataclass
class Graph:
    """Edges between files; each edge's weight flows to one (definer file, name) pair, its key."""

    files: list[str]
    src: np.ndarray
    dst: np.ndarray
    norm_w: np.ndarray  # weight / the source file's total out-weight
    edge_key: np.ndarray  # index into the (name, definer file) pairs
    key_count: int
    def_file: np.ndarray  # per definition: file index
    def_nid: np.ndarray  # per definition: name id
    def_key: np.ndarray  # per definition: its pair index
    def_local: np.ndarray  # per definition: its index in its file's list
    file_defs: list[list[Definition]]
    names: dict[str, int]
    n_definers: np.ndarray  # per name id: how many files define it
    pair_file: np.ndarray  # per pair: definer file index
    pair_nid: np.ndarray
    has_out: np.ndarray  # per file: whether it references anything
    # The edges again, sorted by target, for PageRank steps as one segmented sum (np.add.reduceat).
    pr_src: np.ndarray
    pr_w: np.ndarray
    pr_seg: np.ndarray  # where each target's run starts
    pr_dst: np.ndarray  # the target of each run


def name_weight(name: str) -> float:
    """How much a reference to ``name`` says, before counting how many files define it."""
    weight = 1.0
    if name.startswith("_"):
        weight *= 0.1
    if len(name.strip("_")) < 3:
        weight *= 0.05  # s, fp, kw: local variables far more often than references to a definition
    if len(name) >= 8 and ("_" in name.strip("_") or (any(c.isupper() for c in name[1:]) and any(c.islower() for c in name))):
        weight *= 10  # long, specific names (snake_case or camelCase) are strong evidence
    return weight


@dataclass
class _FileArrays:
    digest: str
    def_nids: np.ndarray
    ref_nids: np.ndarray
    ref_counts: np.ndarray


class GraphBuilder:
    """Builds the Graph from the index, keeping per-file arrays so a rebuild after one change is cheap.

    Name ids only grow; a file's arrays are recomputed when its content hash changes. The join
    of references to definitions is vectorized (numpy), so no Python loop runs over all edges.
    """

    def __init__(self) -> None:
        self.names: dict[str, int] = {}
        self.name_w: list[float] = []
        self._name_w_array = np.zeros(0)
        self._files: dict[str, _FileArrays] = {}

    def _nid(self, name: str) -> int:
        nid = self.names.get(name)
        if nid is None:
            nid = self.names[name] = len(self.name_w)
            self.name_w.append(name_weight(name))
        return nid

    def _arrays(self, path: str, entry: Entry) -> _FileArrays:
        cached = self._files.get(path)
        if cached is not None and cached.digest == entry.hash:
            return cached
        def_nids = np.array([self._nid(d.name) for d in entry.tags.defs], dtype=np.int64)
        # A file that defines a name it uses means its own definition: those uses link nowhere.
        own = {d.name for d in entry.tags.defs}
        refs = [(name, n) for name, n in entry.tags.refs.items() if name not in own]
        ref_nids = np.array([self._nid(name) for name, _ in refs], dtype=np.int64)
        ref_counts = np.array([n for _, n in refs], dtype=np.float64)
        arrays = self._files[path] = _FileArrays(entry.hash, def_nids, ref_nids, ref_counts)
        return arrays

    def build(self, entries: dict[str, Entry]) -> Graph:
        files = sorted(entries)
        for stale in set(self._files) - set(entries):
            del self._files[stale]
        arrays = [self._arrays(path, entries[path]) for path in files]
        n_names = len(self.name_w)
        def_nid = _concat([a.def_nids for a in arrays])
        def_file = np.repeat(np.arange(len(files), dtype=np.int64), [len(a.def_nids) for a in arrays])
        file_defs = [entries[path].tags.defs for path in files]
        counts = np.array([len(a.def_nids) for a in arrays], dtype=np.int64)
        def_local = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
        # Unique (name, definer) pairs, sorted by name: the keys definitions' rank flows to.
        n_files = max(len(files), 1)
        pair_code, def_key = np.unique(def_nid * n_files + def_file, return_inverse=True)
        pair_nid, pair_file = pair_code // n_files, pair_code % n_files
        n_definers = np.bincount(pair_nid, minlength=n_names)
        starts = np.cumsum(n_definers) - n_definers  # first pair of each name (pairs are sorted by name)
        src, dst, weight, edge_key = self._edges(arrays, n_definers, starts, pair_file)
        out_w = np.bincount(src, weight, minlength=len(files)) if len(files) else np.zeros(0)
        norm_w = weight / out_w[src] if len(weight) else weight
        order = np.argsort(dst)
        by_dst = dst[order]
        seg = np.flatnonzero(np.r_[True, by_dst[1:] != by_dst[:-1]]) if len(by_dst) else np.zeros(0, dtype=np.int64)
        return Graph(
            files,
            src,
            dst,
            norm_w,
            edge_key,
            len(pair_code),
            def_file,
            def_nid,
            def_key,
            def_local,
            file_defs,
            self.names,
            n_definers,
            pair_file,
            pair_nid,
            np.bincount(src, minlength=len(files)) > 0,
            src[order],
            norm_w[order],
            seg,
            by_dst[seg],
        )

    def _edges(self, arrays: list[_FileArrays], n_definers: np.ndarray, starts: np.ndarray, pair_file: np.ndarray):
        n_names = len(n_definers)
        ref_file = np.repeat(np.arange(len(arrays), dtype=np.int64), [len(a.ref_nids) for a in arrays])
        ref_nid = _concat([a.ref_nids for a in arrays])
        ref_count = _concat([a.ref_counts for a in arrays], np.float64)
        fan = n_definers[ref_nid]
        keep = (fan > 0) & (fan <= MAX_DEFINERS)
        ref_file, ref_nid, ref_count, fan = ref_file[keep], ref_nid[keep], ref_count[keep], fan[keep]
        # Names nearly every file uses (TestCase, Path) say little about this file: weigh by rarity.
        n_files = max(len(arrays), 1)
        used_by = np.bincount(ref_nid, minlength=n_names)[ref_nid]
        rarity = np.log((n_files + 1) / used_by)
        if len(self._name_w_array) != len(self.name_w):
            self._name_w_array = np.asarray(self.name_w)
        base_w = self._name_w_array[ref_nid] * np.sqrt(ref_count) * np.where(fan > 5, 0.1, 1.0) * rarity
        # One edge per (reference, definer): expand each reference over its name's definers.
        total = int(fan.sum())
        offsets = np.repeat(np.cumsum(fan) - fan, fan)
        edge_key = np.arange(total, dtype=np.int64) - offsets + np.repeat(starts[ref_nid], fan)
        src = np.repeat(ref_file, fan)
        return src, pair_file[edge_key], np.repeat(base_w, fan), edge_key


def _concat(parts: list[np.ndarray], dtype: type = np.int64) -> np.ndarray:
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)


def pagerank(graph: Graph, personal: np.ndarray) -> np.ndarray:
    n = len(graph.files)
    if n == 0:
        return personal
    total = personal.sum()
    p = personal / total if total > 0 else np.full(n, 1.0 / n)
    has_out = graph.has_out
    rank = p.copy()
    for _ in range(MAX_ITERATIONS):
        flow = np.zeros(n)
        if len(graph.pr_seg):
            flow[graph.pr_dst] = np.add.reduceat(rank[graph.pr_src] * graph.pr_w, graph.pr_seg)
        dangling = rank[~has_out].sum()
        new = DAMPING * (flow + dangling * p) + (1 - DAMPING) * p
        if np.abs(new - rank).sum() < TOLERANCE:
            return new
        rank = new
    return rank


def file_ranks(graph: Graph) -> dict[str, float]:
    """Each indexed file's importance for the repo as a whole: PageRank with no focus.

    A file ranks high when files that rank high reference the names it defines (weighted as in
    ``GraphBuilder``: rare, specific names count most). Scores are a probability distribution
    (they sum to 1 over ``graph.files``); only their order means anything.
    """
    if not graph.files:
        return {}
    rank = pagerank(graph, np.ones(len(graph.files)))
    return {path: float(rank[i]) for i, path in enumerate(graph.files)}


@dataclass(frozen=True)
class Ranked:
    path: str
    definition: Definition
    score: float


def rank_definitions(graph: Graph, focus: list[str], mentions: dict[str, float], exclude: set[str], limit: int = 400) -> list[Ranked]:
    """The ``limit`` best definitions outside ``exclude``, best first."""
    if not len(graph.def_file):
        return []
    index = {path: i for i, path in enumerate(graph.files)}
    personal = np.zeros(len(graph.files))
    for path in focus:
        if path in index:
            personal[index[path]] += 1.0
    boosts: list[tuple[int, float]] = []
    for name, weight in mentions.items():
        nid = graph.names.get(name)
        if nid is None or nid >= len(graph.n_definers):
            continue
        fan = int(graph.n_definers[nid])
        if 0 < fan <= MAX_DEFINERS:
            boosts.append((nid, weight / fan))
            personal[graph.pair_file[graph.pair_nid == nid]] += weight / fan
    if any(w >= STRONG for w in mentions.values()):
        for path, fi in index.items():
            stem = path.rsplit("/", 1)[-1].split(".", 1)[0]
            if mentions.get(stem, 0.0) >= STRONG:
                personal[fi] += mentions[stem]  # "in utils, ..." points at utils.py
    rank = pagerank(graph, personal)
    key_score = np.bincount(graph.edge_key, rank[graph.src] * graph.norm_w, minlength=graph.key_count)
    scores = key_score[graph.def_key] + rank[graph.def_file] * 1e-3  # unreferenced ones by their file's rank
    for nid, boost in boosts:
        scores[graph.def_nid == nid] += boost
    for path in exclude:
        if path in index:
            scores[graph.def_file == index[path]] = -1.0
    top = np.argpartition(-scores, limit)[:limit] if len(scores) > limit else np.arange(len(scores))
    order = top[np.argsort(-scores[top], kind="stable")]
    return [
        Ranked(graph.files[graph.def_file[i]], graph.file_defs[graph.def_file[i]][graph.def_local[i]], float(scores[i]))
        for i in order
        if scores[i] >= 0
    ]


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# the lookbehind starts a name only where a run of name characters begins: linear on any text
_CALL_OR_TICKED = re.compile(r"`([^`]+)`|(?<![A-Za-z0-9_])([A-Za-z_][A-Za-z0-9_]*)\s*\(")


def mentioned_identifiers(instruction: str, selection: str = "") -> dict[str, float]:
    """Names an edit is about, with how sure we are: spelled like code (strong), in the selection, or plain words."""
    mentions: dict[str, float] = {}

    def put(name: str, weight: float) -> None:
        if len(name) >= 3 and name.lower() not in _STOPWORDS:
            mentions[name] = max(mentions.get(name, 0.0), weight)

    for word in _WORD.findall(selection):
        put(word, SELECTED)
    for word in _WORD.findall(instruction):
        code_like = "_" in word.strip("_") or any(c.isdigit() for c in word) or any(c.isupper() for c in word[1:])
        put(word, STRONG if code_like else WEAK)
    for ticked, called in _CALL_OR_TICKED.findall(instruction):
        for word in _WORD.findall(ticked or called):
            put(word, STRONG)
    return mentions


def render_map(ranked: list[Ranked], entries: dict[str, Entry]) -> list[tuple[str, str, int, int]]:
    """(path, text, first line, last line) per file, files in rank order, definitions in file order.

    A method is shown under its class header (even when the class itself did not rank) so the
    model sees where it lives. Lines are 0-based.
    """
    by_file: dict[str, list[Definition]] = {}
    for r in ranked:
        by_file.setdefault(r.path, []).append(r.definition)
    out = []
    for path, chosen in by_file.items():
        all_defs = entries[path].tags.defs if path in entries else chosen
        shown = set(chosen)
        for d in chosen:
            shown.update(_containers(d, all_defs))
        ordered = sorted(shown, key=lambda d: (d.line, -d.end_line))
        lines = [f"{path}:"]
        for d in ordered:
            depth = len(_containers(d, all_defs))
            lines.append(f"{'    ' * (depth + 1)}{d.signature}")
        out.append((path, "\n".join(lines), min(d.line for d in ordered), max(d.end_line for d in ordered)))
    return out


def _containers(d: Definition, defs: list[Definition]) -> list[Definition]:
    return [c for c in defs if c.kind in CONTAINER_KINDS and c is not d and c.line <= d.line and c.end_line >= d.end_line and c != d]
