"""Search: BM25 with WebShop's settings (k1 0.9, b 0.4, OR query, English analyzer), checked by hand."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from archer_gym.webshop.search import Analyzer, search_document
from archer_gym.webshop.shop import open_shop
from tests.test_webshop_data import product_record


def write_catalogue(directory: Path, titles: dict[str, str]) -> Path:
    """Products whose indexed text is just their title (no description, bullets or options)."""
    products = [product_record(asin, title, description="", bullets=[]) for asin, title in titles.items()]
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "items_shuffle.json").write_text(json.dumps(products))
    (directory / "items_ins_v2.json").write_text("{}")
    (directory / "items_human_ins.json").write_text("{}")
    return directory


def lucene_bm25(query: list[str], docs: dict[str, list[str]], k1=0.9, b=0.4) -> dict[str, float]:
    """BM25 as Lucene computes it, written out independently of the library under test."""
    n, avgdl = len(docs), sum(map(len, docs.values())) / len(docs)
    scores = {}
    for asin, terms in docs.items():
        score = 0.0
        for term in query:
            df = sum(term in d for d in docs.values())
            if term in terms:
                tf = terms.count(term)
                idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
                score += idf * tf / (tf + k1 * (1 - b + b * len(terms) / avgdl))
        if score > 0:
            scores[asin] = score
    return scores


TITLES = {"B000000001": "Red Shoes", "B000000002": "Red red running shoes for men",
          "B000000003": "Blue shoe polish", "B000000004": "Garden hose"}


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    root = tmp_path_factory.mktemp("search")
    return open_shop(write_catalogue(root / "data", TITLES), cache_dir=root / "cache")


def test_ranking_is_bm25_with_webshops_parameters(shop):
    analyzer = Analyzer()
    docs = {asin: analyzer(title) for asin, title in TITLES.items()}
    assert docs["B000000002"] == ["red", "red", "run", "shoe", "men"]  # "for" is a stopword
    expected = lucene_bm25(analyzer("red shoes"), docs)
    # By hand: B2 0.6082 > B1 0.5898 > B3 0.1877; B4 shares no term (OR query: every other doc).
    assert expected == pytest.approx({"B000000002": 0.6082, "B000000001": 0.5898, "B000000003": 0.1877}, abs=1e-4)
    assert [p.asin for p in shop.search(["red", "shoes"])] == ["B000000002", "B000000001", "B000000003"]
    # SQLite FTS5's fixed k1 = 1.2, b = 0.75 would rank B1 first: the parameters matter here.
    fts5_defaults = lucene_bm25(analyzer("red shoes"), docs, k1=1.2, b=0.75)
    assert fts5_defaults["B000000001"] > fts5_defaults["B000000002"]


def test_repeated_query_terms_count_per_repetition(shop):
    docs = {asin: Analyzer()(title) for asin, title in TITLES.items()}
    twice = lucene_bm25(["shoe", "shoe", "red"], docs)
    assert [p.asin for p in shop.search(["shoes", "shoes", "red"])] == sorted(twice, key=twice.get, reverse=True)


def test_analyzer():
    analyze = Analyzer()
    assert analyze("The Men's Running Shoes, and a USB-C cable") == ["men", "run", "shoe", "usb", "c", "cabl"]
    assert analyze("3.4 fl oz x 2 1,000 mAh") == ["3.4", "fl", "oz", "x", "2", "1,000", "mah"]
    assert analyze("the and of to") == []


def test_ties_are_broken_by_asin_and_stopword_queries_find_nothing(tmp_path):
    titles = {"B000000009": "wool socks", "B000000001": "wool socks", "B000000005": "wool socks"}
    shop = open_shop(write_catalogue(tmp_path / "data", titles), cache_dir=tmp_path / "cache")
    assert [p.asin for p in shop.search(["socks"])] == ["B000000001", "B000000005", "B000000009"]
    assert shop.search(["the", "and"]) == []
    assert shop.search(["unknownword"]) == []


def test_top_50_and_search_document(tmp_path):
    titles = {f"B{i:09d}": f"lamp number {i}" + " lamp" * (i % 3) for i in range(70)}
    shop = open_shop(write_catalogue(tmp_path / "data", titles), cache_dir=tmp_path / "cache")
    hits = shop.search(["lamp"])
    assert len(hits) == 50 and len({p.asin for p in hits}) == 50
    assert search_document("Title", "Desc", ["b1", "b2"], {"color": ["red", "blue"], "size": ["s"]}) == \
        "title desc b1 color: red, blue, and size: s"
