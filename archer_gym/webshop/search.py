"""Product search: BM25 with WebShop's settings, without Java.

WebShop searches a Lucene index through pyserini: English analyzer, bag-of-words OR query, BM25
with **k1 = 0.9, b = 0.4**, top 50 hits. This module keeps those settings:

- **Indexed text** (WebShop's ``convert_product_file_format.py``): ``lower(Title + " " +
  Description + " " + BulletPoints[0] + " " + option_text)``, ``option_text`` being
  ``"name: v1, v2, and name2: w1, ..."``.
- **Analyzer** (Lucene's ``EnglishAnalyzer``): word tokens in the spirit of Unicode word
  boundaries (``3.4``, ``1,000`` and ``don't`` stay whole; hyphens split; one-character tokens
  kept), possessive ``'s`` dropped, lower case, Lucene's 33 English stopwords removed, Porter
  stemming (PyStemmer's ``porter``, the same algorithm as Lucene's ``PorterStemFilter``).
- **Scoring**: Lucene's BM25, ``idf = ln(1 + (N - df + 0.5) / (df + 0.5))`` times
  ``tf / (tf + k1 * (1 - b + b * dl / avgdl))``, summed over query terms; a repeated query term
  counts once per repetition, as in Anserini's bag-of-words query. Scores are rounded to 1e-4 and
  ties broken by ASIN, as Anserini does.

Why ``bm25s``: SQLite's FTS5 fixes ``bm25()`` at k1 = 1.2, b = 0.75 and cannot take a custom
ranking function from Python's ``sqlite3``; rescoring FTS5 candidates from its ``fts5vocab``
statistics reads every posting of every query term through the virtual-table interface (several
milliseconds per query on 10k products). ``bm25s`` is a maintained BM25 library that takes k1, b
and Lucene's formula as parameters, precomputes the per-(term, document) scores in a sparse matrix,
and scores a query with a few NumPy operations (well under a millisecond on 10k products). We feed
it our own tokens, so documents and queries go through the same Lucene-like analyzer.

Differences from real Lucene that remain (documented, and logged as the ``search_backend`` in
``info``): Lucene stores document lengths in a lossy one-byte norm and tokenizes with the full
Unicode word-break rules, so rankings of near-tied documents on real data can differ.
"""

from __future__ import annotations

import json
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

SEARCH_RETURN_N = 50
"""Hits per search (WebShop's ``SEARCH_RETURN_N``)."""
K1, B = 0.9, 0.4
BACKEND = "bm25s-lucene(k1=0.9,b=0.4,porter)"
"""Name of this search implementation, reported with results so numbers say how they were made."""

LUCENE_ENGLISH_STOPWORDS = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it",
    "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these",
    "they", "this", "to", "was", "will", "with",
))
_WORD = re.compile(r"\w+(?:(?:[.'\u2019]|(?<=\d),(?=\d))\w+)*")
_POSSESSIVE = re.compile(r"['\u2019]s$")


def search_document(title: str, description: str, bullets: Sequence[str], options: dict[str, list[str]]) -> str:
    """The text WebShop indexes for a product."""
    option_text = ", and ".join(f"{name}: {', '.join(values)}" for name, values in options.items())
    return " ".join([title, description, bullets[0] if bullets else "", option_text]).lower()


class Analyzer:
    """Lucene-EnglishAnalyzer-like tokens: words, no possessives, no stopwords, Porter stems."""

    def __init__(self):
        self._local = threading.local()  # PyStemmer objects must not be shared between threads

    def _stemmer(self):
        stemmer = getattr(self._local, "stemmer", None)
        if stemmer is None:
            import Stemmer

            stemmer = self._local.stemmer = Stemmer.Stemmer("porter")
        return stemmer

    def __call__(self, text: str) -> list[str]:
        words = (_POSSESSIVE.sub("", w) for w in _WORD.findall(text.lower()))
        return self._stemmer().stemWords([w for w in words if w and w not in LUCENE_ENGLISH_STOPWORDS])


class SearchIndex:
    """A BM25 index over the catalogue's documents; document ``i`` is product ``i``."""

    def __init__(self, retriever, asin_rank: np.ndarray, cache_size: int = 4096):
        self._retriever = retriever
        self._asin_rank = asin_rank
        """Position of each document's ASIN in sorted order: the tie-breaker."""
        self.analyzer = Analyzer()
        # "< Prev" re-runs the last search, and agents repeat queries: memoise results.
        self.search = lru_cache(maxsize=cache_size)(self._search)

    @classmethod
    def build(cls, documents: Iterable[str], asins: Sequence[str], directory: Path) -> SearchIndex:
        """Index ``documents`` (one per product, in catalogue order) and save it in ``directory``."""
        import bm25s

        analyzer = Analyzer()
        retriever = bm25s.BM25(k1=K1, b=B, method="lucene")
        retriever.index([analyzer(d) for d in documents], show_progress=False)
        directory.mkdir(parents=True, exist_ok=True)
        retriever.save(str(directory), show_progress=False)
        asin_rank = np.empty(len(asins), dtype=np.int32)
        asin_rank[np.argsort(np.asarray(asins, dtype=object), kind="stable")] = np.arange(len(asins))
        np.save(directory / "asin_rank.npy", asin_rank)
        (directory / "analyzer.json").write_text(json.dumps({"backend": BACKEND}))
        return cls(retriever, asin_rank)

    @classmethod
    def load(cls, directory: Path) -> SearchIndex:
        import bm25s

        retriever = bm25s.BM25.load(str(directory), mmap=True, show_progress=False, verbosity=0)
        return cls(retriever, np.load(directory / "asin_rank.npy", mmap_mode="r"))

    def _search(self, query: str, k: int = SEARCH_RETURN_N) -> tuple[int, ...]:
        """Indices of the top ``k`` documents for ``query`` (OR of its terms), best first."""
        token_ids = self._retriever.get_tokens_ids(self.analyzer(query))
        if not token_ids:
            return ()
        scores = self._retriever.get_scores(token_ids)
        hits = np.flatnonzero(scores > 0)
        rounded = np.floor(scores[hits].astype(np.float64) * 1e4 + 0.5)
        if len(hits) > k:
            # Keep every document tied with the k-th score, then order them by (score, ASIN).
            kth = np.partition(rounded, len(rounded) - k)[len(rounded) - k]
            keep = rounded >= kth
            hits, rounded = hits[keep], rounded[keep]
        order = np.lexsort((self._asin_rank[hits], -rounded))[:k]
        return tuple(int(i) for i in hits[order])
