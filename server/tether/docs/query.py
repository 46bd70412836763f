"""From free text to an FTS5 MATCH expression that stays fast on a big index.

Words are split (camelCase and snake_case too), lower-cased, stripped of stop words, and
stemmed exactly as the index stems them (through an in-memory FTS5 table with the same
tokenizer). Terms are OR-ed, rarest first, and two kinds are left out on big indexes:

- terms in more than half of all chunks: FTS5's bm25 gives them an IDF of almost zero, so
  they change no ranking, but scoring every chunk they match would cost tens of milliseconds;
- the commonest remaining terms once the summed document frequency of the terms kept passes
  ``MAX_POSTINGS``: ranking cost grows with every matching chunk, and those terms carry the
  least weight. The rarest term is always kept.

On small indexes (the usual case: a few thousand chunks) only the first rule can apply. Document
frequencies come from ``term_stats``, refreshed after every ingest; a term it does not know
counts as rare.

``coverage`` is the share of the query's terms a chunk holds: the index reorders bm25's best
chunks by it (bm25 over OR-ed terms otherwise ranks a chunk holding one rare term above one
holding all the others).
"""

from __future__ import annotations

import re
import sqlite3

MAX_QUERY_TERMS = 16
MAX_POSTINGS = 4000
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
STOPWORDS = frozenset(
    "a an and are as at be but by can do does for from how i if in into is it its me my of on or "
    "our should so than that the their them then there these this to was we what when where which "
    "while who why will with you your use using used".split()
)
TOKENIZER = "porter unicode61 remove_diacritics 2"  # must match chunks_fts in schema.py


def query_words(text: str, limit: int = MAX_QUERY_TERMS) -> list[str]:
    words: list[str] = []
    for word in _WORD.findall(_CAMEL.sub(" ", text)):
        word = word.lower()
        if len(word) > 1 and word not in STOPWORDS and word not in words:
            words.append(word)
            if len(words) >= limit:
                break
    return words


def coverage(stems: list[str], text: str) -> float:
    """Share (0..1) of ``stems`` that begin a word of ``text`` (lower-cased), as Porter stems begin their words.

    A prefix test, not the tokenizer: "outdat" covers "outdated", and a diacritic in ``text``
    can make a term look absent. 1.0 when there are no stems.
    """
    if not stems:
        return 1.0
    lowered = text.lower()
    return sum(1 for stem in stems if _starts_a_word(stem, lowered)) / len(stems)


def _starts_a_word(stem: str, text: str) -> bool:
    # str.find, not a regex with a lookbehind: that one tries every position (~20x slower here).
    at = text.find(stem)
    while at >= 0:
        if at == 0 or not text[at - 1].isalnum():
            return True
        at = text.find(stem, at + 1)
    return False


def match_expression(terms: list[str]) -> str | None:
    return " OR ".join(f'"{t}"' for t in terms) or None


class QueryPlanner:
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._stemmer: sqlite3.Connection | None = None

    def plan(self, text: str) -> str | None:
        """The MATCH expression for ``text``, or None when it has nothing searchable."""
        return self.plan_terms(text)[0]

    def plan_terms(self, text: str) -> tuple[str | None, list[str]]:
        """(the MATCH expression or None, every stemmed query term, the left-out common ones too)."""
        stems = self.stems(query_words(text))
        if not stems:
            return None, []
        docs = self._doc_counts(stems)
        total = self._chunk_total()
        ordered = sorted(stems, key=lambda t: docs.get(t, 0))
        kept: list[str] = []
        postings = 0
        for term in ordered:
            n = docs.get(term, 0)
            if kept and (n * 2 > total or postings + n > MAX_POSTINGS):
                break
            kept.append(term)
            postings += n
        return match_expression(kept), stems

    def stems(self, words: list[str]) -> list[str]:
        """``words`` as the index's tokenizer stores them, in order, without repeats."""
        if not words:
            return []
        stemmer = self._stemmer or self._open_stemmer()
        with stemmer:
            stemmer.execute("INSERT INTO s (rowid, x) VALUES (1, ?)", (" ".join(words),))
            rows = stemmer.execute("SELECT term FROM sv ORDER BY offset").fetchall()
            stemmer.execute("DELETE FROM s WHERE rowid = 1")
        return list(dict.fromkeys(r[0] for r in rows))

    def _open_stemmer(self) -> sqlite3.Connection:
        conn = sqlite3.connect(":memory:", check_same_thread=False)
        conn.execute(f"CREATE VIRTUAL TABLE s USING fts5(x, tokenize='{TOKENIZER}')")
        conn.execute("CREATE VIRTUAL TABLE sv USING fts5vocab(s, 'instance')")
        self._stemmer = conn
        return conn

    def _doc_counts(self, terms: list[str]) -> dict[str, int]:
        marks = ",".join("?" * len(terms))
        try:
            rows = self.conn.execute(f"SELECT term, docs FROM term_stats WHERE term IN ({marks})", terms).fetchall()
        except sqlite3.OperationalError:
            return {}  # an index opened read-only before its 0003 migration ran: no statistics, no pruning
        return {r[0]: int(r[1]) for r in rows}

    def _chunk_total(self) -> int:
        try:
            row = self.conn.execute("SELECT value FROM index_stats WHERE key = 'chunks'").fetchone()
        except sqlite3.OperationalError:
            return 0
        return int(row[0]) if row else 0

    def close(self) -> None:
        if self._stemmer is not None:
            self._stemmer.close()
            self._stemmer = None
