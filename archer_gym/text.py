"""Text normalisation shared by envs, oracles and success rules.

Every comparison between what an agent wrote and a target name goes through these helpers, so
"São Paulo", "sao paulo" and "SAO  PAULO" compare equal everywhere and a name only matches on word
boundaries ("lima" must not match inside "climate").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case, strip accents, straighten apostrophes and collapse whitespace.

    Accent stripping uses NFKD and drops combining marks, so "Tōkyō" -> "tokyo" and
    "İstanbul" -> "istanbul".
    """
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.casefold()).strip()


def words(text: str) -> list[str]:
    """The folded alphanumeric words of ``text`` (apostrophes kept inside words)."""
    return re.findall(r"[a-z0-9]+(?:'[a-z0-9]+)*", fold(text))


@lru_cache(maxsize=4096)
def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    tokens = words(phrase)
    return re.compile(r"(?<![a-z0-9])" + r"[^a-z0-9']+".join(map(re.escape, tokens)) + r"(?![a-z0-9])")


def contains_phrase(text: str, phrase: str) -> bool:
    """True if ``phrase`` occurs in ``text`` as whole words, after folding both.

    Any run of spaces or punctuation separates the phrase's words ("pyong yang" matches
    "Pyong-Yang", "st petersburg" matches "St. Petersburg").
    """
    if not words(phrase):
        return False
    return _phrase_pattern(fold(phrase)).search(fold(text)) is not None


def strip_trailing_non_letters(text: str) -> str:
    """Remove trailing characters that are not letters (``str.isalpha``), exactly as the
    reference codebases normalise a question before their success test."""
    end = len(text)
    while end and not text[end - 1].isalpha():
        end -= 1
    return text[:end]


class PhraseSet:
    """Whole-word, fold-insensitive search for any of many phrases with one compiled regex."""

    def __init__(self, phrases):
        alternatives = sorted({" ".join(words(p)) for p in phrases} - {""}, key=len, reverse=True)
        body = "|".join(r"[^a-z0-9']+".join(map(re.escape, a.split(" "))) for a in alternatives)
        self._pattern = re.compile(r"(?<![a-z0-9])(?:" + body + r")(?![a-z0-9])") if body else None

    def search(self, text: str) -> bool:
        """True if any phrase occurs in ``text`` as whole words."""
        return self._pattern is not None and self._pattern.search(fold(text)) is not None
