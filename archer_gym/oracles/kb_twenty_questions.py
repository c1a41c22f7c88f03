"""The default Twenty Questions oracle: a hand-authored knowledge base plus a small question parser.

Knowledge
    ``data/twenty_questions_properties.csv`` has one row per word of the LMRL-Gym list (158) and one
    column per property: ``category`` (the LMRL category), ``size`` (tiny/small/medium/large/huge),
    ``size_cm`` and ``weight_kg`` (the most typical instance as a person pictures it), then a few
    hundred boolean columns (``1``/``0``) answered for the most typical instance ("choose the most
    typical scenario when both apply").

Understanding
    ``data/twenty_questions_lexicon.json`` lists, per property, the phrases that ask about it, grouped
    by the *frame* they follow: ``be`` ("Is it *alive*?"), ``noun`` ("Is it a *fruit*?"), ``kind``
    ("Is it a kind of *cat*?"), ``do`` ("Does it *fly*?"), ``has`` ("Does it have *wheels*?"),
    ``you`` ("Can you *eat* it?"), ``use`` ("Is it used for *cutting*?"), ``mat`` ("Is it made of
    *metal*?"), ``place`` ("Is it found in *the kitchen*?"), ``worn`` ("Is it worn on *the head*?")
    and ``power`` ("Does it need *electricity*?"). A phrase maps to an expression over properties,
    compiled at load time to the frozenset of words whose answer is yes.

    A question is parsed once, independently of the hidden word, into that frozenset (or ``None``
    when it is not understood); the parse is cached by question text, so :meth:`answer` is a cache
    hit plus a set lookup. The parser only accepts a yes/no question that starts with an auxiliary
    (is/does/can/would/has...), then a subject (it/they/this/the object, or you/I/people for "Can
    you eat it?"), then a predicate looked up in the frame the auxiliary selects. On top of exact
    lookups it handles: negation ("Is it not alive?" flips; a contracted auxiliary such as "Isn't it
    metal?" is a biased question and is answered as "Is it metal?"), "a kind/type/sort of X",
    "a pair of X", plurals, "and"/"or"/"but" between predicates ("Does it have wheels and an
    engine?"), adjective + noun ("a green fruit"), noun + modifier ("an animal that lives in the
    wild", "a tool used for gardening"), "something you can ...", guesses of any word or alias and
    of hypernyms ("Is it a ball?"), and size or weight comparisons with a word, a reference object
    ("bigger than a breadbox") or a quantity ("heavier than 10 pounds"). Parse steps are memoised
    per token span, so even crafted questions parse in bounded (polynomial) time.

Limits
    Answers come from one typical instance per word, so questions whose truth varies between
    instances (colours of cars, sizes of dogs) get the typical answer. Anything outside the lexicon
    is ``Invalid Question.``: open questions, opinions ("Is it nice?"), unknown words or properties,
    other languages, several questions in one message, and questions longer than
    ``MAX_QUESTION_CHARS``. The oracle never guesses; comparisons between similar sizes follow the
    stored numbers strictly.
"""

from __future__ import annotations

import csv
import io
import re
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache, wraps

from archer_gym.data import read_json, read_text, twenty_questions_words
from archer_gym.oracles.base import Probe
from archer_gym.text import fold, words

YES, NO, INVALID = "Yes.", "No.", "Invalid Question."
MAX_QUESTION_CHARS = 300
"""Longer questions are not parsed (and never cached): ``Invalid Question.``."""

PROPERTIES_FILE = "twenty_questions_properties.csv"
LEXICON_FILE = "twenty_questions_lexicon.json"
NUMERIC_COLUMNS = ("size_cm", "weight_kg")
CATEGORICAL_COLUMNS = ("category", "size")

Yes = frozenset | None
"""A parse: the frozenset of words whose answer is yes, or ``None`` when not understood."""

# ---------------------------------------------------------------------------------------------
# Vocabulary of the question frame
# ---------------------------------------------------------------------------------------------

BE_AUX = frozenset({"is", "are", "was", "were", "am"})
DO_AUX = frozenset({"does", "do", "did"})
MODAL_AUX = frozenset({"can", "could", "would", "will", "should", "might", "may", "must", "shall"})
HAVE_AUX = frozenset({"has", "have", "had"})
AUXILIARIES = BE_AUX | DO_AUX | MODAL_AUX | HAVE_AUX

NEGATIVE_CONTRACTIONS = {
    "isn't": "is", "aren't": "are", "wasn't": "was", "weren't": "were", "doesn't": "does",
    "don't": "do", "didn't": "did", "can't": "can", "cannot": "can", "couldn't": "could",
    "wouldn't": "would", "won't": "will", "shouldn't": "should", "hasn't": "has", "haven't": "have",
    "hadn't": "had", "mightn't": "might", "mustn't": "must", "ain't": "is",
}
CONTRACTIONS = {"it's": ("it", "is"), "that's": ("that", "is"), "they're": ("they", "are"),
                "you're": ("you", "are"), "i'm": ("i", "am"), "what's": ("what", "is")}
LEADING_FILLERS = frozenset({"so", "ok", "okay", "well", "hmm", "alright", "now", "then", "and", "oh",
                             "um", "uh", "hey", "also", "next", "question", "quick", "please"})

IT_SUBJECTS = frozenset({"it", "they", "this", "that", "these", "those", "he", "she"})
SUBJECT_DETERMINERS = frozenset({"the", "this", "that", "your", "my", "our"})
SUBJECT_ADJECTIVES = frozenset({"secret", "hidden", "mystery", "mysterious", "chosen", "target"})
SUBJECT_NOUNS = frozenset({"object", "objects", "thing", "things", "item", "items", "word", "answer",
                           "entity", "target"})
PEOPLE_SUBJECTS = frozenset({"you", "i", "we", "people", "one", "someone", "somebody", "humans",
                             "anyone", "anybody", "person", "kids", "children"})

ARTICLES = frozenset({"a", "an", "the", "some", "any"})
DROPPED = ARTICLES | {"your", "my", "his", "her", "their", "its", "our", "one's", "someone's"}
OBJECT_PRONOUNS = frozenset({"it", "them", "one", "this", "that", "these", "those"})
FREQUENCY_ADVERBS = frozenset({
    "usually", "typically", "commonly", "generally", "normally", "often", "mostly", "mainly",
    "primarily", "always", "actually", "also", "ever", "sometimes", "frequently", "traditionally",
    "basically", "essentially", "ordinarily", "most", "likely", "probably", "possibly", "still",
})
INTENSIFIERS = frozenset({"very", "really", "quite", "pretty", "fairly", "extremely", "super", "so",
                          "too", "rather", "somewhat", "especially", "particularly"})
NUMBER_WORDS = {"zero": 0, "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
                "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
                "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100,
                "thousand": 1000, "million": 1_000_000}
DIGIT_WORDS = {"0": "zero", "1": "one", "2": "two", "3": "three", "4": "four", "5": "five",
               "6": "six", "7": "seven", "8": "eight", "9": "nine", "10": "ten"}

GENERIC_HEADS = frozenset({"something", "anything", "thing", "object", "item", "one", "kind", "type",
                           "stuff"})
KIND_PREFIXES = frozenset({"kind", "type", "sort", "form", "variety", "species", "member", "example",
                           "version", "category", "class", "subtype"})
CONTAINER_PREFIXES = frozenset({"piece", "article", "item", "pair", "set", "pack", "bottle", "bunch",
                                "box", "bag", "stick"})
RELATIVE_MARKERS = frozenset({"that", "which", "who", "whose"})
MODIFIER_MARKERS = RELATIVE_MARKERS | PEOPLE_SUBJECTS | frozenset({
    "used", "found", "worn", "made", "for", "with", "kept", "played", "seen", "grown", "eaten",
    "from", "in", "on", "at", "living", "usually", "typically", "commonly", "often",
})

SIZE_UP = frozenset({"bigger", "larger", "taller", "longer", "wider", "greater", "higher"})
SIZE_DOWN = frozenset({"smaller", "shorter", "littler", "tinier", "narrower", "lower"})
WEIGHT_UP = frozenset({"heavier"})
WEIGHT_DOWN = frozenset({"lighter"})
SAME_SIZE_WORDS = frozenset({"big", "large", "long", "tall", "heavy"})
LENGTH_UNITS_CM = {"cm": 1, "centimeter": 1, "centimeters": 1, "centimetre": 1, "centimetres": 1,
                   "inch": 2.54, "inches": 2.54, "foot": 30.48, "feet": 30.48, "ft": 30.48,
                   "yard": 91.44, "yards": 91.44, "meter": 100, "meters": 100, "metre": 100,
                   "metres": 100, "m": 100, "km": 1e5, "kilometer": 1e5, "kilometers": 1e5,
                   "mile": 160934, "miles": 160934}
WEIGHT_UNITS_KG = {"gram": 0.001, "grams": 0.001, "g": 0.001, "ounce": 0.02835, "ounces": 0.02835,
                   "oz": 0.02835, "pound": 0.4536, "pounds": 0.4536, "lb": 0.4536, "lbs": 0.4536,
                   "kg": 1, "kilo": 1, "kilos": 1, "kilogram": 1, "kilograms": 1, "ton": 1000,
                   "tons": 1000, "tonne": 1000, "tonnes": 1000}

HAVE_VERBS = frozenset({"have", "has", "got", "contain", "contains", "possess", "include", "feature"})
NEED_VERBS = frozenset({"need", "use", "require", "take", "consume", "burn"})
NEED_PHRASES = (("run", "on"), ("runs", "on"), ("operate", "on"), ("work", "on"), ("depend", "on"),
                ("rely", "on"), ("powered", "by"), ("run", "off"), ("run", "with"))
LIVE_VERBS = frozenset({"live", "grow", "exist", "belong", "stay", "dwell", "reside", "sit", "go",
                        "appear", "occur"})
FIND_VERBS = frozenset({"find", "see", "keep", "store", "get", "buy", "spot", "encounter", "discover",
                        "meet", "observe", "notice", "put", "place", "locate", "come", "use"})
PLACE_PREPOSITIONS = frozenset({"in", "on", "at", "inside", "within", "around", "throughout",
                                "into", "onto", "upon", "across", "over"})
WORN_PREPOSITIONS = frozenset({"on", "around", "in", "over", "at", "upon", "across", "about"})
FOUND_VERBS = frozenset({"found", "located", "kept", "seen", "stored", "common", "spotted", "placed",
                         "put", "living", "grown", "sold", "bought", "discovered", "situated"})
USED_PREPOSITIONS = frozenset({"for", "to", "in", "as", "with", "on", "at", "by", "during", "when",
                               "while", "around"})

IRREGULAR_LEMMAS = {"has": "have", "does": "do", "is": "be", "are": "be", "goes": "go",
                    "flies": "fly", "lives": "live", "dies": "die"}
IRREGULAR_PLURALS = {"knife": "knives", "leaf": "leaves", "shelf": "shelves", "wolf": "wolves",
                     "mouse": "mice", "person": "people", "child": "children", "man": "men",
                     "woman": "women", "foot": "feet", "tooth": "teeth", "goose": "geese",
                     "ox": "oxen", "sheep": "sheep", "fish": "fish", "cactus": "cacti",
                     "potato": "potatoes", "tomato": "tomatoes", "mango": "mangoes", "deer": "deer"}
DOUBLING_VERBS = frozenset({"stop", "chop", "shop", "grip", "trim", "drop", "swim", "shut", "plan",
                            "skip", "slip", "wrap", "snap", "clip", "spin", "stir", "plug", "drum",
                            "whip", "scrub", "stab", "rub", "dig", "cut", "hit", "sit", "run", "put",
                            "get", "set", "mop", "nap", "jog", "tap", "pat", "bat", "pin", "rob"})

_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_TRAILING = re.compile(r"[\s?!.]+$")
_SENTENCE_BREAK = re.compile(r"[?!;]|\.(?:\s*\S|\.)")


# ---------------------------------------------------------------------------------------------
# Token helpers
# ---------------------------------------------------------------------------------------------

def tokenize(text: str) -> list[str]:
    """Words of ``text`` with contractions expanded; a leading negative contraction ("Isn't it")
    becomes the plain auxiliary (a biased question), any other becomes auxiliary + "not"."""
    out: list[str] = []
    for token in words(text):
        if token in NEGATIVE_CONTRACTIONS:
            out.append(NEGATIVE_CONTRACTIONS[token])
            if out[:-1] and any(t not in LEADING_FILLERS for t in out[:-1]):
                out.append("not")
        elif token in CONTRACTIONS:
            out.extend(CONTRACTIONS[token])
        else:
            out.append(token)
    return out


def key_of(tokens: Sequence[str], drop: frozenset = frozenset()) -> str:
    """The lookup key of a phrase: articles and possessives dropped, small digits spelled out."""
    return " ".join(DIGIT_WORDS.get(t, t) for t in tokens if t not in DROPPED and t not in drop)


def strip_adverbs(tokens: Sequence[str]) -> list[str]:
    return [t for t in tokens if t not in FREQUENCY_ADVERBS]


def strip_articles(tokens: Sequence[str]) -> list[str]:
    tokens = list(tokens)
    while tokens and tokens[0] in ARTICLES:
        tokens = tokens[1:]
    return tokens


def pluralize(word: str) -> set[str]:
    """Plural spellings of a noun (several where English hesitates)."""
    if word in IRREGULAR_PLURALS:
        return {IRREGULAR_PLURALS[word], word + "s"}
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return {word + "es"}
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        return {word[:-1] + "ies"}
    if word.endswith("o"):
        return {word + "s", word + "es"}
    if word.endswith("f"):
        return {word + "s", word[:-1] + "ves"}
    return {word + "s"}


def singular(noun: str) -> str:
    """households -> household, boxes -> box, berries -> berry (best effort)."""
    for single, plural in IRREGULAR_PLURALS.items():
        if noun == plural:
            return single
    if noun.endswith("ies") and len(noun) > 4:
        return noun[:-3] + "y"
    if noun.endswith(("ches", "shes", "sses", "xes", "zes")):
        return noun[:-2]
    if noun.endswith("s") and not noun.endswith(("ss", "us", "is")) and len(noun) > 3:
        return noun[:-1]
    return noun


def gerund(verb: str) -> str:
    """write -> writing, cut -> cutting, tie -> tying, play -> playing."""
    if verb.endswith("ie"):
        return verb[:-2] + "ying"
    if verb.endswith("e") and not verb.endswith(("ee", "ye", "oe")) and len(verb) > 2:
        return verb[:-1] + "ing"
    if verb in DOUBLING_VERBS:
        return verb + verb[-1] + "ing"
    return verb + "ing"


def lemma(verb: str) -> str:
    """Base form of a third-person verb: flies -> fly, watches -> watch, grows -> grow."""
    if verb in IRREGULAR_LEMMAS:
        return IRREGULAR_LEMMAS[verb]
    if verb.endswith("ies") and len(verb) > 4:
        return verb[:-3] + "y"
    if verb.endswith(("ches", "shes", "sses", "xes", "zes")):
        return verb[:-2]
    if verb.endswith("s") and not verb.endswith(("ss", "us", "is")) and len(verb) > 3:
        return verb[:-1]
    return verb


def number(tokens: Sequence[str]) -> tuple[float, int] | None:
    """A number at the start of ``tokens`` ("10", "a", "two hundred") and how many tokens it took."""
    value, used = None, 0
    for token in tokens:
        if token.isdigit():
            n = float(token)
        elif token in NUMBER_WORDS:
            n = float(NUMBER_WORDS[token])
        else:
            break
        if value is None:
            value = n
        elif n in (100, 1000, 1_000_000):
            value *= n
        else:
            value += n
        used += 1
    return None if value is None else (value, used)


def quantity(tokens: Sequence[str]) -> tuple[str, float] | None:
    """("size", cm) or ("weight", kg) for "a pound", "10 feet", "two kilograms"; else None."""
    parsed = number(tokens)
    if parsed is None:
        return None
    value, used = parsed
    if len(tokens) != used + 1:
        return None
    unit = tokens[used]
    if unit in LENGTH_UNITS_CM:
        return "size", value * LENGTH_UNITS_CM[unit]
    if unit in WEIGHT_UNITS_KG:
        return "weight", value * WEIGHT_UNITS_KG[unit]
    return None


# ---------------------------------------------------------------------------------------------
# Phrase tables
# ---------------------------------------------------------------------------------------------

FRAMES = ("be", "noun", "kind", "do", "has", "you", "use", "mat", "place", "worn", "power")


def phrase_key(frame: str, phrase: str) -> str:
    """The key a lexicon phrase is stored under; questions are reduced the same way."""
    tokens = strip_adverbs(words(phrase))
    return key_of(tokens, OBJECT_PRONOUNS if frame == "you" else frozenset())


class Tables:
    """Frame -> {phrase key -> frozenset of yes-words}, compiled from the lexicon."""

    def __init__(self, compile_expr: Callable[[str], frozenset], lexicon: dict,
                 guesses: dict[str, frozenset]):
        self.frames: dict[str, dict[str, frozenset]] = {frame: {} for frame in FRAMES}
        # Guesses of the listed words (every variant), then the lexicon's phrases.
        for key, yes in guesses.items():
            self._add("noun", key, yes, f"variant {key!r}")
        for frame, entries in lexicon["phrases"].items():
            if frame not in self.frames:
                raise ValueError(f"unknown lexicon frame {frame!r}; frames are {FRAMES}")
            for phrase, expr in entries.items():
                self._add(frame, phrase_key(frame, phrase), compile_expr(expr), f"{frame}: {phrase!r}")
        # Then other forms that were not written: plurals, singulars and -ing forms.
        for frame in ("noun", "place", "worn", "has"):  # "households", "on the ear"
            table = self.frames[frame]
            for key, yes in list(table.items()):
                *head, last = key.split(" ")
                for form in pluralize(last) | {singular(last)}:
                    table.setdefault(" ".join([*head, form]), yes)
        uses = self.frames["use"]
        for key, yes in list(uses.items()):
            first, *rest = key.split(" ")
            uses.setdefault(" ".join([gerund(first), *rest]), yes)

    def _add(self, frame: str, key: str, yes: frozenset, where: str) -> None:
        if not key:
            raise ValueError(f"empty lexicon phrase ({where})")
        table = self.frames[frame]
        if key in table and table[key] != yes:
            raise ValueError(f"lexicon phrase {where} conflicts with an earlier phrase of the same key")
        table[key] = yes

    def get(self, frame: str, tokens: Sequence[str], prefix: Sequence[str] = ()) -> Yes:
        drop = OBJECT_PRONOUNS if frame == "you" else frozenset()
        return self.frames[frame].get(key_of([*prefix, *tokens], drop))


def complement(yes: Yes, everything: frozenset) -> Yes:
    return None if yes is None else everything - yes


def first_found(*candidates: Callable[[], Yes]) -> Yes:
    """The first candidate (called lazily) that understood; empty sets count as understood."""
    for candidate in candidates:
        result = candidate()
        if result is not None:
            return result
    return None


# ---------------------------------------------------------------------------------------------
# The parser: question text -> yes-set (independent of the hidden word)
# ---------------------------------------------------------------------------------------------

_memo = threading.local()


def memoized(method: Callable[[QuestionParser, list[str]], Yes]) -> Callable[[QuestionParser, list[str]], Yes]:
    """Remember a parse step's result per token span during one :meth:`QuestionParser.parse`.

    The steps try alternatives recursively (conjunctions, modifiers, nested clauses); without
    this a crafted 300-character question could take exponential time.
    """
    name = method.__name__

    @wraps(method)
    def step(self: QuestionParser, tokens: list[str]) -> Yes:
        memo = _memo.table
        key = (name, tuple(tokens))
        if key not in memo:
            memo[key] = None  # guard: a step reaching itself again would read "not understood"
            memo[key] = method(self, tokens)
        return memo[key]

    return step


class QuestionParser:
    """Turns a question into the frozenset of words whose answer is yes (``None``: not understood).

    Methods follow the shape of a yes/no question: :meth:`parse` reads the auxiliary and the
    subject, then hands the predicate to ``_be`` (after is/are), ``_verb`` (after does/can),
    ``_has`` (after has/have, or the verb "have") or ``_you`` (subject you/I/people).
    """

    def __init__(self, tables: Tables, everything: frozenset, sizes: dict[str, tuple[float, float]],
                 references: dict[str, tuple[float, float]], noun_words: dict[str, str]):
        self.t = tables
        self.all = everything
        self.sizes = sizes
        self.references = references
        self.noun_words = noun_words

    # -- entry point --------------------------------------------------------------------------

    def parse(self, question: str) -> Yes:
        if len(question) > MAX_QUESTION_CHARS:
            return None
        text = fold(question)
        if not text or _NON_ASCII.search(text):
            return None
        body = _TRAILING.sub("", text)
        if not body or _SENTENCE_BREAK.search(body):
            return None
        tokens = tokenize(body)
        while tokens and tokens[0] in LEADING_FILLERS:
            tokens = tokens[1:]
        if len(tokens) < 2 or tokens[0] not in AUXILIARIES:
            return None
        _memo.table = {}
        try:
            return self._question(tokens)
        finally:
            _memo.table = {}

    def _question(self, tokens: list[str]) -> Yes:
        aux = tokens[0]
        subject, rest = self._subject(tokens[1:])
        if subject is None or not rest:
            return None
        if subject == "person":
            return self._you(rest)
        if aux in BE_AUX:
            return self._be(rest)
        if aux in HAVE_AUX:
            rest = strip_adverbs(rest)
            if rest[:1] == ["been"]:
                return self._be(rest[1:])
            return self._has(rest[1:] if rest[:1] == ["got"] else rest)
        return self._verb(rest)

    def _subject(self, tokens: list[str]) -> tuple[str | None, list[str]]:
        if not tokens:
            return None, tokens
        first = tokens[0]
        if first in SUBJECT_DETERMINERS:
            i = 1
            while i < len(tokens) and tokens[i] in SUBJECT_ADJECTIVES:
                i += 1
            if i < len(tokens) and tokens[i] in SUBJECT_NOUNS:
                return "it", tokens[i + 1:]
        if first in IT_SUBJECTS:
            return "it", tokens[1:]
        if tokens[:2] == ["a", "person"]:
            return "person", tokens[2:]
        if first in PEOPLE_SUBJECTS:
            return "person", tokens[1:]
        return None, tokens

    # -- and / or / but -----------------------------------------------------------------------

    def _conjoined(self, parse: Callable[[list[str]], Yes], tokens: list[str]) -> Yes:
        """Parse ``tokens`` whole, else as predicates joined by one kind of conjunction; a later
        part may borrow the first part's leading words ("have wheels and [have] an engine")."""
        whole = parse(tokens)
        if whole is not None:
            return whole
        cuts = [i for i, t in enumerate(tokens) if t in ("and", "or", "but")]
        if not cuts or len({tokens[i] == "or" for i in cuts}) > 1:
            return None
        parts, start = [], 0
        for cut in cuts + [len(tokens)]:
            parts.append(tokens[start:cut])
            start = cut + 1
        if any(not part for part in parts):
            return None
        head = parts[0]
        results = [parse(head)]
        for part in parts[1:]:
            result = parse(part)
            for k in range(1, len(head)):
                if result is not None:
                    break
                result = parse(head[:k] + part)
            results.append(result)
        if any(r is None for r in results):
            return None
        if tokens[cuts[0]] == "or" and len(results) == 2 and results[0] == self.all - results[1]:
            return None  # "Is it alive or dead?" asks which, not whether
        combined = results[0]
        for r in results[1:]:
            combined = combined | r if tokens[cuts[0]] == "or" else combined & r
        return combined

    # -- "is it ..." --------------------------------------------------------------------------

    @memoized
    def _be(self, tokens: list[str]) -> Yes:
        return self._conjoined(self._be_one, tokens)

    @memoized
    def _be_one(self, tokens: list[str]) -> Yes:
        tokens = strip_adverbs(tokens)
        if not tokens:
            return None
        if tokens[0] == "not":
            return complement(self._be_one(tokens[1:]), self.all)
        for suffix in (["on", "the", "outside"], ["on", "outside"]):  # "green on the outside"
            if len(tokens) > len(suffix) and tokens[-len(suffix):] == suffix:
                return self._be_one(tokens[:-len(suffix)])
        if tokens[0] in ARTICLES:
            return first_found(lambda: self._noun_phrase(strip_articles(tokens)),
                               lambda: self.t.get("be", tokens))
        return first_found(
            lambda: self.t.get("be", tokens),
            lambda: self._be_template(tokens),
            lambda: self._noun_phrase(tokens),
            lambda: self._be_one(tokens[1:]) if tokens[0] in INTENSIFIERS and len(tokens) > 1 else None,
        )

    def _be_template(self, tokens: list[str]) -> Yes:
        first, rest = tokens[0], tokens[1:]
        comparison = self._comparison(tokens)
        if comparison is not None or not rest:
            return comparison
        if first == "made":
            if rest[:2] == ["out", "of"]:
                rest = rest[2:]
            elif rest[0] in ("of", "from", "with", "out", "mostly", "mainly", "entirely"):
                rest = rest[1:]
            return self.t.get("mat", rest)
        if first == "used":
            return self._used(rest)
        if first == "for":
            return self.t.get("use", rest)
        if first in FOUND_VERBS:
            return self._place(rest)
        if first == "worn":
            return self._worn(rest)
        if first in PLACE_PREPOSITIONS:
            return self.t.get("place", rest)
        if first == "able" and rest[0] == "to":
            return self._verb(rest[1:])
        if first in GENERIC_HEADS:
            return self._modifier(rest)
        return None

    def _used(self, rest: list[str]) -> Yes:
        rest = strip_adverbs(rest)
        if not rest:
            return None
        if rest[0] not in USED_PREPOSITIONS:
            return first_found(lambda: self.t.get("use", rest), lambda: self.t.get("place", rest))
        prep, obj = rest[0], rest[1:]
        return first_found(
            lambda: self.t.get("use", obj, prefix=[prep]),
            lambda: self.t.get("use", obj),
            lambda: self.t.get("place", obj) if prep in ("in", "on", "at", "around") else None,
        )

    def _place(self, rest: list[str]) -> Yes:
        rest = strip_adverbs(rest)
        if rest and rest[0] in PLACE_PREPOSITIONS:
            rest = rest[1:]
        return self.t.get("place", rest) if rest else None

    def _worn(self, rest: list[str]) -> Yes:
        rest = strip_adverbs(rest)
        if not rest:
            return None
        if rest[0] in WORN_PREPOSITIONS:
            return first_found(lambda: self.t.get("worn", rest[1:]), lambda: self.t.get("worn", rest))
        return self.t.get("worn", rest)

    # -- nouns: guesses, hypernyms, "a kind of X", "a green fruit", "a tool used for X" -------

    @memoized
    def _noun_phrase(self, tokens: list[str]) -> Yes:
        if not tokens:
            return None
        found = self.t.get("noun", tokens)
        if found is not None:
            return found
        if len(tokens) > 2 and tokens[1] == "of":
            head, rest = tokens[0], strip_articles(tokens[2:])
            if head in KIND_PREFIXES or head.rstrip("s") in KIND_PREFIXES:
                return first_found(lambda: self.t.get("kind", rest), lambda: self._noun_phrase(rest))
            if head in CONTAINER_PREFIXES:
                return self._noun_phrase(rest)
        if len(tokens) >= 2:  # "a green fruit", "a desert plant"
            modifier = first_found(lambda: self.t.get("be", tokens[:1]), lambda: self.t.get("place", tokens[:1]))
            if modifier is not None:
                noun = self._noun_phrase(tokens[1:])
                if noun is not None:
                    return modifier & noun
        for i in range(1, len(tokens)):
            if tokens[i] not in MODIFIER_MARKERS:
                continue
            modifier = self._modifier(tokens[i:])
            if modifier is None:
                continue
            if i == 1 and tokens[0] in GENERIC_HEADS:
                return modifier
            head = self._noun_phrase(tokens[:i])
            if head is not None:
                return head & modifier
        return None

    @memoized
    def _modifier(self, tokens: list[str]) -> Yes:
        """What follows a noun or "something": "that flies", "you can eat", "with wheels"..."""
        tokens = strip_adverbs(tokens)
        if not tokens:
            return None
        first, rest = tokens[0], tokens[1:]
        if first in RELATIVE_MARKERS:
            return self._clause(rest)
        if first in PEOPLE_SUBJECTS:
            return self._you(rest)
        if first == "with":
            return self._has(rest)
        if first == "for":
            return first_found(lambda: self.t.get("be", tokens), lambda: self.t.get("use", rest))
        return self._be(tokens)

    @memoized
    def _clause(self, tokens: list[str]) -> Yes:
        tokens = strip_adverbs(tokens)
        if not tokens:
            return None
        first, rest = tokens[0], tokens[1:]
        if first in PEOPLE_SUBJECTS:
            return self._you(rest)
        if first in BE_AUX:
            return self._be(rest)
        if first in HAVE_AUX:
            return self._has(rest)
        if first in DO_AUX or first in MODAL_AUX:
            return self._verb(rest)
        return self._verb([lemma(first), *rest])

    # -- "does it ..." / "can it ..." -----------------------------------------------------------

    @memoized
    def _verb(self, tokens: list[str]) -> Yes:
        return self._conjoined(self._verb_one, tokens)

    @memoized
    def _verb_one(self, tokens: list[str]) -> Yes:
        tokens = strip_adverbs(tokens)
        if not tokens:
            return None
        first, rest = tokens[0], tokens[1:]
        if first in ("not", "never"):
            return complement(self._verb_one(rest), self.all)
        if first == "be":
            return self._be(rest)
        found = self.t.get("do", tokens)
        if found is not None or not rest:
            return found if found is not None else self._verb_lemma(tokens)
        if first in HAVE_VERBS:
            return self._has(rest)
        if first in NEED_VERBS or tuple(tokens[:2]) in NEED_PHRASES:
            needed = rest if first in NEED_VERBS else tokens[2:]
            if "to" in needed[1:]:  # "require electricity to function"
                needed = needed[:needed.index("to", 1)]
            return self.t.get("power", needed)
        if first in LIVE_VERBS:
            return first_found(lambda: self.t.get("place", rest[1:]) if rest[0] in PLACE_PREPOSITIONS else None,
                               lambda: self.t.get("place", rest))
        if first in ("weigh", "weighs"):
            return self._weigh(rest)
        if first == "fit" and rest[0] in ("in", "into", "inside", "through"):
            return self._compare("size", False, rest[1:])
        return self._verb_lemma(tokens)

    def _verb_lemma(self, tokens: list[str]) -> Yes:
        """Retry with the base form of a third-person verb ("a thing that flies")."""
        base = lemma(tokens[0])
        return self._verb_one([base, *tokens[1:]]) if base != tokens[0] else None

    @memoized
    def _has(self, tokens: list[str]) -> Yes:
        return self._conjoined(self._has_one, tokens)

    @memoized
    def _has_one(self, tokens: list[str]) -> Yes:
        tokens = strip_adverbs(tokens)
        if tokens[-2:-1] and tokens[-1] in ("it", "them") and tokens[-2] in ("on", "in", "inside"):
            tokens = tokens[:-2]
        if not tokens:
            return None
        if tokens[0] in ("not", "no"):
            return complement(self._has_one(tokens[1:]), self.all)
        return self.t.get("has", tokens)

    # -- "can you ... it" ----------------------------------------------------------------------

    @memoized
    def _you(self, tokens: list[str]) -> Yes:
        return self._conjoined(self._you_one, tokens)

    @memoized
    def _you_one(self, tokens: list[str]) -> Yes:
        tokens = strip_adverbs(tokens)
        while tokens and tokens[0] in AUXILIARIES:
            tokens = tokens[1:]
        if tokens[:2] == ["able", "to"]:
            tokens = tokens[2:]
        elif tokens[:3] == ["be", "able", "to"]:
            tokens = tokens[3:]
        if not tokens:
            return None
        if tokens[0] in ("not", "never"):
            return complement(self._you_one(tokens[1:]), self.all)
        found = self.t.get("you", tokens)
        if found is not None:
            return found
        content = [t for t in tokens if t not in OBJECT_PRONOUNS]
        if len(content) < 2:
            return None
        verb, rest = content[0], content[1:]
        if verb == "use":
            return self._used(rest)
        if verb in FIND_VERBS:
            return self._place(rest) if rest[0] in PLACE_PREPOSITIONS else self.t.get("place", rest)
        if verb == "wear":
            return self._worn(rest)
        if content[-1] in ("with", "using"):
            return self.t.get("use", content[:-1])
        return None

    # -- sizes and weights ---------------------------------------------------------------------

    def _comparison(self, tokens: list[str]) -> Yes:
        first, rest = tokens[0], tokens[1:]
        if rest[:2] in (["in", "size"], ["in", "weight"]):
            rest = rest[2:]
        elif rest[:1] == ["overall"]:
            rest = rest[1:]
        if rest[:1] == ["than"]:
            if first in SIZE_UP or first in SIZE_DOWN:
                return self._compare("size", first in SIZE_UP, rest[1:])
            if first in WEIGHT_UP or first in WEIGHT_DOWN:
                return self._compare("weight", first in WEIGHT_UP, rest[1:])
        while tokens and tokens[0] in ("about", "around", "roughly", "approximately", "nearly",
                                       "almost", "exactly", "the", "similar"):
            tokens = tokens[1:]
        for pattern in (["same", "size", "as"], ["size", "of"], ["in", "size", "to"], ["sized", "like"]):
            if tokens[:len(pattern)] == pattern:
                return self._approximately(tokens[len(pattern):])
        if len(tokens) > 3 and tokens[0] == "as" and tokens[1] in SAME_SIZE_WORDS and tokens[2] == "as":
            return self._approximately(tokens[3:])
        return None

    def _weigh(self, rest: list[str]) -> Yes:
        if rest[:2] in (["more", "than"], ["less", "than"]):
            return self._compare("weight", rest[0] == "more", rest[2:])
        if rest and rest[0] in ("over", "above", "under", "below"):
            return self._compare("weight", rest[0] in ("over", "above"), rest[1:])
        return None

    def _reference(self, tokens: list[str]) -> tuple[float, float] | None:
        """(size cm, weight kg) of "a breadbox", "a car", "an average person"; None if unknown."""
        tokens = [t for t in strip_articles(tokens) if t not in ("average", "typical", "normal", "regular")]
        if not tokens:
            return None
        key = key_of(tokens)
        if key in self.references:
            return self.references[key]
        if key in self.noun_words:
            return self.sizes[self.noun_words[key]]
        return None

    def _compare(self, dimension: str, larger: bool, tokens: list[str]) -> Yes:
        measured = quantity(tokens)
        if measured is not None:
            if measured[0] != dimension:
                return None
            limit = measured[1]
        else:
            reference = self._reference(tokens)
            if reference is None:
                return None
            limit = reference[0] if dimension == "size" else reference[1]
        i = 0 if dimension == "size" else 1
        return frozenset(w for w, v in self.sizes.items() if (v[i] > limit if larger else v[i] < limit))

    def _approximately(self, tokens: list[str]) -> Yes:
        reference = self._reference(tokens)
        if reference is None:
            return None
        return frozenset(w for w, v in self.sizes.items() if 0.5 <= v[0] / reference[0] <= 2.0)


# ---------------------------------------------------------------------------------------------
# The knowledge base
# ---------------------------------------------------------------------------------------------

class TwentyQuestionsKB:
    """Property table + lexicon for the 158 LMRL-Gym words; build it with :meth:`load`."""

    _loaded: TwentyQuestionsKB | None = None

    @classmethod
    def load(cls) -> TwentyQuestionsKB:
        """The instance built from the package data (built once, then shared)."""
        if cls._loaded is None:
            cls._loaded = cls(read_text(PROPERTIES_FILE), read_json(LEXICON_FILE))
        return cls._loaded

    def __init__(self, properties_csv: str, lexicon: dict):
        listed = twenty_questions_words("lmrl158")
        rows = list(csv.DictReader(io.StringIO(properties_csv)))
        columns = list(rows[0]) if rows else []
        if [r["word"] for r in rows] != [w.word for w in listed]:
            raise ValueError(f"{PROPERTIES_FILE} must have one row per listed word, in list order")
        for row in rows:
            empty = [c for c in columns if not (row.get(c) or "").strip()]
            if empty:
                raise ValueError(f"{PROPERTIES_FILE}: {row['word']} has empty cells {empty}")

        self.words: tuple[str, ...] = tuple(r["word"] for r in rows)
        self.property_names: tuple[str, ...] = tuple(c for c in columns if c != "word")
        self._word_set = frozenset(self.words)
        self._boolean = tuple(c for c in self.property_names
                              if c not in CATEGORICAL_COLUMNS and c not in NUMERIC_COLUMNS)
        self._values: dict[str, dict[str, bool | str]] = {}
        for row in rows:
            values: dict[str, bool | str] = {}
            for column in self.property_names:
                cell = row[column].strip()
                if column in self._boolean:
                    if cell not in ("0", "1"):
                        raise ValueError(f"{PROPERTIES_FILE}: {row['word']}.{column} = {cell!r}, want 0/1")
                    values[column] = cell == "1"
                else:
                    values[column] = cell
            self._values[row["word"]] = values
        self._yes = {c: frozenset(w for w in self.words if self._values[w][c]) for c in self._boolean}
        self._sizes = {w: (float(self._values[w]["size_cm"]), float(self._values[w]["weight_kg"]))
                       for w in self.words}
        self._lexicon = lexicon
        missing = [c for c in self._boolean if c not in lexicon["questions"]]
        if missing:
            raise ValueError(f"{LEXICON_FILE} has no canonical question for {missing}")

        # A guess of a word's name is yes for that word and for the words that are a kind of it
        # ("Is it a marker?" for Sharpie).
        children: dict[str, set[str]] = {w: {w} for w in self.words}
        for child, parent in lexicon.get("isa", {}).items():
            children[parent].add(child)
        self._guess = {w: frozenset(children[w]) for w in self.words}
        guesses: dict[str, frozenset] = {}
        noun_words: dict[str, str] = {}
        for entry in listed:
            for variant in entry.variants:
                key = key_of(words(variant))
                if guesses.get(key, self._guess[entry.word]) != self._guess[entry.word]:
                    raise ValueError(f"variant {variant!r} names two words")
                guesses[key] = self._guess[entry.word]
                noun_words[key] = entry.word
        for phrase, expr in lexicon["phrases"].get("noun", {}).items():
            if re.fullmatch(r"=[^|&!]+", expr.strip()):
                noun_words[phrase_key("noun", phrase)] = expr.strip()[1:]
        for key, word in list(noun_words.items()):
            *head, last = key.split(" ")
            for plural in pluralize(last):
                noun_words.setdefault(" ".join([*head, plural]), word)

        self._tables = Tables(self._compile, lexicon, guesses)
        references = {key_of(words(k)): (float(v[0]), float(v[1])) for k, v in lexicon["references"].items()}
        self._parser = QuestionParser(self._tables, self._word_set, self._sizes, references, noun_words)

    # -- expressions of the lexicon ------------------------------------------------------------

    def _compile(self, expr: str) -> frozenset:
        """``a|b`` or, ``a&!b`` and-not, ``=Word`` guess, ``size=tiny``, ``category=Fruits``,
        ``size>40`` (cm), ``weight>70`` (kg), ``NONE``, or a boolean property name."""
        result: frozenset = frozenset()
        for term in expr.split("|"):
            conjunction = self._word_set
            for atom in term.split("&"):
                conjunction = conjunction & self._atom(atom.strip())
            result = result | conjunction
        return result

    def _atom(self, atom: str) -> frozenset:
        if atom.startswith("!"):
            return self._word_set - self._atom(atom[1:].strip())
        if atom == "NONE":
            return frozenset()
        if atom.startswith("="):
            if atom[1:] not in self._guess:
                raise ValueError(f"unknown word in lexicon expression: {atom!r}")
            return self._guess[atom[1:]]
        compared = re.fullmatch(r"(size|weight)([<>])([0-9.e+]+)", atom)
        if compared:
            i = 0 if compared[1] == "size" else 1
            limit = float(compared[3])
            return frozenset(w for w, v in self._sizes.items()
                             if (v[i] > limit if compared[2] == ">" else v[i] < limit))
        column, eq, value = atom.partition("=")
        if eq and column in CATEGORICAL_COLUMNS:
            return frozenset(w for w in self.words if self._values[w][column] == value)
        if atom in self._yes:
            return self._yes[atom]
        raise ValueError(f"unknown property in lexicon expression: {atom!r}")

    # -- public API ----------------------------------------------------------------------------

    def _check_word(self, word: str) -> None:
        if word not in self._word_set:
            raise ValueError(f"unknown Twenty Questions word {word!r}; use the canonical spelling")

    def value(self, word: str, prop: str) -> bool | str:
        """The table cell: ``bool`` for boolean properties, ``str`` for category/size/numbers."""
        self._check_word(word)
        if prop not in self._values[word]:
            raise ValueError(f"unknown property {prop!r}")
        return self._values[word][prop]

    def parse(self, question: str) -> Yes:
        """The words whose answer is yes (``None``: not understood). Uncached."""
        return self._parser.parse(question)

    def answer(self, word: str, question: str) -> str:
        """``"Yes."``, ``"No."`` or ``"Invalid Question."`` for ``question`` about ``word``."""
        self._check_word(word)
        if len(question) > MAX_QUESTION_CHARS:
            return INVALID
        yes = _parse_cached(question) if self is TwentyQuestionsKB._loaded else self.parse(question)
        if yes is None:
            return INVALID
        return YES if word in yes else NO

    def probes(self) -> list[Probe]:
        """One canonical question per boolean property, per size class and per category."""
        questions = self._lexicon["questions"]
        found = [Probe(questions[c], self._yes[c]) for c in self._boolean]
        categorical = self._lexicon["categorical_questions"]
        for size, question in categorical["size"].items():
            found.append(Probe(question, frozenset(w for w in self.words if self._values[w]["size"] == size)))
        categories = dict.fromkeys(self._values[w]["category"] for w in self.words)
        for category in categories:
            found.append(Probe(categorical["category"].format(value=category),
                               frozenset(w for w in self.words if self._values[w]["category"] == category)))
        return found


@lru_cache(maxsize=1 << 16)
def _parse_cached(question: str) -> Yes:
    """Parse of the shared instance, cached by question text (the same for every word)."""
    return TwentyQuestionsKB.load().parse(question)
