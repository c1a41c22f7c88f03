"""The nouns of a product title, for the reward's type check (``title_score``).

WebShop tags titles with spaCy (``en_core_web_sm``; ``en_core_web_lg`` before May 2024) and keeps
the lower-cased tokens tagged NOUN or PROPN, duplicates included. Models are not on PyPI, so:

- the bundled catalogue stores each title's nouns (``type_nouns``, known by construction), which
  is exact for it and needs no tagger at all;
- :class:`SpacyNouns` tags with an installed spaCy model: the original behaviour on real data;
- :class:`HeuristicNouns` (the fallback) splits like spaCy's tokenizer and keeps every token that
  has a letter and is not a function word, a common title adjective or an ``-ed`` form. It is NOT
  spaCy: partial ``r_type`` values on real data can differ (identical titles still score 1.0, so
  success is unaffected). The extractor's name is stored with the catalogue and reported in
  ``info``, so a number always says which one produced it.
"""

from __future__ import annotations

import re
from typing import Protocol

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.'&+]*[A-Za-z0-9]|[A-Za-z0-9]")
"""A word after spaCy-style splitting: punctuation around words and hyphens/slashes between them
separate tokens; dots inside ("D.O.N", "3.1") do not."""

FUNCTION_WORDS = frozenset("""
a about above across after against all along also although am among an and another any are as at
be because been before being below between both but by can could did do does down during each
either every few for from had has have he her here hers him his how i if in into is it its itself
just least less many may me might more most much must my near neither no nor not of off on once
one only onto or other our ours out over own per plus same she should since so some such than that
the their them then there these they this those though through thus to too toward under unless
until up upon us very via was we were what when where whether which while who whom whose why will
with within without would yet you your yours
""".split())

TITLE_ADJECTIVES = frozenset("""
adjustable adult anti assorted automatic available basic beautiful best big black blue breathable
bright brown casual cheap classic clean clear cold comfortable compact compatible cool cute dark
decorative deep digital disposable double durable easy electric elegant extra fashionable fast
fine flat flexible free fresh full funny gentle giant gold golden good gray great green grey
handmade healthy heavy high hot huge inflatable large light lightweight little long low magnetic
mini modern multi narrow natural new nice non old orange organic original outdoor perfect pink
plastic portable premium professional pure purple quick rechargeable red removable reusable
round safe short silver simple single slim small smart soft solid special square stainless
standard strong super sweet tall thick thin tiny top ultra universal vintage waterproof white
wide wireless wooden yellow
""".split())


class NounExtractor(Protocol):
    name: str
    """Stored with the catalogue and reported in ``info`` (``heuristic``, ``spacy:<model>``)."""

    def __call__(self, title: str) -> list[str]:
        """The lower-cased nouns of ``title`` in order, duplicates kept."""


class HeuristicNouns:
    """Content words of the title (see the module docstring for what this is and is not)."""

    name = "heuristic"

    def __call__(self, title: str) -> list[str]:
        nouns = []
        for token in _TOKEN.findall(title):
            word = token.lower()
            if not any(c.isalpha() for c in word) or word in FUNCTION_WORDS or word in TITLE_ADJECTIVES:
                continue
            if len(word) > 4 and word.endswith("ed"):  # participles: "listed", "padded"
                continue
            nouns.append(word)
        return nouns


class SpacyNouns:
    """WebShop's own rule with an installed spaCy model: tokens tagged NOUN or PROPN."""

    def __init__(self, model: str = "en_core_web_sm"):
        import spacy  # optional; only this extractor needs it

        self.name = f"spacy:{model}"
        self._nlp = spacy.load(model, disable=["parser", "ner", "lemmatizer"])

    def __call__(self, title: str) -> list[str]:
        return [t.text.lower() for t in self._nlp(title) if t.pos_ in ("NOUN", "PROPN")]


def make_noun_extractor(name: str) -> NounExtractor:
    """``"heuristic"`` or ``"spacy:<model>"`` (e.g. ``spacy:en_core_web_sm``)."""
    if name == "heuristic":
        return HeuristicNouns()
    if name.startswith("spacy:"):
        return SpacyNouns(name.split(":", 1)[1])
    raise ValueError(f"unknown noun extractor {name!r}; use 'heuristic' or 'spacy:<model>'")
