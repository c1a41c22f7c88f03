"""The default Twenty Questions oracle: property table, question understanding, probes."""

import copy
import csv
import io
import time

import pytest

from archer_gym.data import read_json, read_text, twenty_questions_words
from archer_gym.oracles import kb_twenty_questions as kbmod
from archer_gym.oracles.evaluation import evaluate_oracle, labelled_questions
from archer_gym.oracles.kb import KBOracle
from archer_gym.oracles.kb_twenty_questions import INVALID, NO, YES, TwentyQuestionsKB

WORDS = twenty_questions_words("lmrl158")
NAMES = [w.word for w in WORDS]


@pytest.fixture(scope="module")
def kb():
    return TwentyQuestionsKB.load()


def yes_words(kb, question):
    return {w for w in kb.words if kb.answer(w, question) == YES}


# -- the table ---------------------------------------------------------------------------------

def test_table_has_every_word_and_no_empty_cell():
    rows = list(csv.DictReader(io.StringIO(read_text(kbmod.PROPERTIES_FILE))))
    assert [r["word"] for r in rows] == NAMES and len(rows) == 158
    columns = list(rows[0])
    assert columns[0] == "word" and len(columns) - 1 >= 60
    for row in rows:
        assert all(row[c].strip() for c in columns), row["word"]
        assert row["size"] in ("tiny", "small", "medium", "large", "huge")
        assert row["category"] == next(w.category for w in WORDS if w.word == row["word"])
    booleans = [c for c in columns if c not in ("word", *kbmod.CATEGORICAL_COLUMNS, *kbmod.NUMERIC_COLUMNS)]
    assert len(booleans) >= 60
    assert all(row[c] in ("0", "1") for row in rows for c in booleans)


def test_required_properties_are_covered(kb):
    for prop in ("alive", "animal", "mammal", "fruit", "vegetable", "edible", "vehicle", "clothing",
                 "electronic", "music", "furniture", "office_supply", "art_supply", "kitchen_utensil",
                 "natural", "toy", "jewelry", "garden_tool", "hand_tool", "sports_equipment", "ball",
                 "container", "man_made", "metal", "wood", "plastic", "glass", "fabric", "paper",
                 "rubber", "leather", "stone", "ceramic", "in_kitchen", "in_bedroom", "in_office",
                 "outdoors", "in_garden", "on_farm", "wild_animal", "watercraft", "can_fly",
                 "in_school", "in_bathroom", "cutting", "cooking", "for_eating", "for_writing",
                 "for_drawing", "music", "transport", "communication", "entertainment", "cleaning",
                 "worn", "for_sitting", "for_sleeping", "stores_things", "has_wheels",
                 "needs_power", "uses_batteries", "has_screen", "has_engine", "has_legs",
                 "has_strings", "has_keys", "has_buttons", "makes_sound", "floats", "can_ride",
                 "carried_by_hand", "heavier_than_person", "round", "sharp", "soft", "grows",
                 "has_fur", "dangerous", "expensive", "colorful", "sweet", "has_seeds",
                 "grows_on_trees", "in_pairs", "fits_in_pocket"):
        assert prop in kb.property_names, prop
    assert kb.value("Dog", "alive") is True and kb.value("Rock", "alive") is False
    assert kb.value("Elephant", "size") == "large" and kb.value("Apple", "category") == "Fruits"
    with pytest.raises(ValueError):
        kb.value("Dog", "no_such_property")
    with pytest.raises(ValueError):
        kb.value("Unicorn", "alive")


def test_kb_words_are_the_list_in_order(kb):
    assert kb.words == tuple(NAMES)


# -- the labelled set --------------------------------------------------------------------------

def test_labelled_set_accuracy():
    report = evaluate_oracle(KBOracle("twenty_questions"))
    assert report.total == len(labelled_questions("twenty_questions")) >= 1000
    print(f"\nTwenty Questions KB oracle: {report.correct}/{report.total} = {report.accuracy:.4f}")
    assert report.accuracy >= 0.93, report.errors[:20]


# -- guesses -----------------------------------------------------------------------------------

KIND_OF = {"Marker": {"Sharpie"}, "Pendant": {"Locket"}, "Rock": {"Meteorite"}}
"""A guess of these words is also yes for the words that are a kind of them."""


@pytest.mark.parametrize("word", WORDS, ids=NAMES)
def test_every_variant_guess_is_yes_for_its_word_only(kb, word):
    expected = {word.word} | KIND_OF.get(word.word, set())
    for variant in word.variants:
        for question in (f"Is it a {variant}?", f"Is the object a {variant} ?!", f"IS IT AN {variant.upper()}"):
            assert yes_words(kb, question) == expected, question
        assert kb.answer(word.word, f"is it {variant.lower()}") == YES  # bare: "is it orange" is a colour
        assert all(kb.answer(w, f"Is it a {variant}?") == NO for w in NAMES if w not in expected)


@pytest.mark.parametrize("word, question, expected", [
    ("Airplane", "Is it a plane?", YES), ("Cat", "Is it a dog?", NO), ("Dog", "Is it a dog?", YES),
    ("Socks", "Is it a pair of socks?", YES), ("Socks", "Are they socks?", YES),
    ("Dog", "Are they dogs?", YES), ("Shoes", "Is it a shoe?", YES), ("Pliers", "Is it a plier?", YES),
    ("Couch", "Is it a sofa?", YES), ("Refrigerator", "Is it a fridge?", YES),
    ("Sharpie", "Is it a marker?", YES), ("Marker", "Is it a sharpie?", NO),
    ("Ocean", "Is it a sea?", NO), ("Sheep", "Is it a goat?", NO),
    ("Dog", "Is it a bicycle?", NO), ("Lion", "Is it a cat?", NO), ("Lion", "Is it a type of cat?", YES),
])
def test_guesses(kb, word, question, expected):
    assert kb.answer(word, question) == expected


@pytest.mark.parametrize("question, yes, no", [
    ("Is it a ball?", ["Basketball", "Golf ball", "Tennis ball"], ["Apple", "Tennis racket", "Orange"]),
    ("Is it a fruit?", ["Apple", "Banana", "Peach"], ["Carrot", "Tomato", "Basketball"]),
    ("Is it a vegetable?", ["Carrot", "Corn"], ["Apple", "Tree"]),
    ("Is it an animal?", ["Dog", "Elephant"], ["Stuffed animal", "Tree", "Car"]),
    ("Is it a vehicle?", ["Car", "Ship", "Helicopter"], ["Horse", "Lawn mower"]),
    ("Is it a musical instrument?", ["Piano", "Drum"], ["Headphone", "Computer keyboard"]),
    ("Is it furniture?", ["Chair", "Bed"], ["Television", "Pillow"]),
    ("Is it jewelry?", ["Ring", "Watch"], ["Belt", "Hat"]),
    ("Is it a tool?", ["Hammer", "Shovel"], ["Pen", "Dog"]),
    ("Is it a kind of vehicle?", ["Bus"], ["Horse"]),
    ("Is it some sort of fruit?", ["Mango"], ["Carrot"]),
    ("Is it a piece of clothing?", ["Shirt", "Socks"], ["Necklace"]),
    ("Is it a fruit or a vegetable?", ["Apple", "Carrot"], ["Basketball"]),
    ("Is it an animal and a pet?", ["Cat"], ["Lion", "Doll"]),
])
def test_hypernym_guesses(kb, question, yes, no):
    assert all(kb.answer(w, question) == YES for w in yes), question
    assert all(kb.answer(w, question) == NO for w in no), question


# -- paraphrases, negation, comparisons --------------------------------------------------------

@pytest.mark.parametrize("word, question, expected", [
    ("Dog", "Is it alive?", YES), ("Dog", "Is it a living thing?", YES), ("Dog", "Is this something alive?", YES),
    ("Rock", "Is it inanimate?", YES), ("Rock", "Is it non-living?", YES),
    ("Knife", "Can you cut things with it?", YES), ("Knife", "Is it used for cutting?", YES),
    ("Spoon", "Can it be used to cut things?", NO), ("Apple", "Can you eat it?", YES),
    ("Apple", "Is it something you can't eat?", NO), ("Shirt", "Is it something you can't eat?", YES),
    ("Pen", "Would you find it in an office?", YES), ("Bed", "Would I find it in a bedroom?", YES),
    ("Headphone", "Do you wear it on your head?", YES), ("Boots", "Do you wear them on your feet?", YES),
    ("Tiger", "Is it an animal that lives in the wild?", YES),
    ("Shovel", "Is the object a tool used for gardening?", YES),
    ("Car", "Does it have wheels and an engine?", YES), ("Boat", "Does it have wheels and an engine?", NO),
    ("Apple", "Is it red and edible?", YES), ("Tomato", "Is it red and sweet?", NO),
    ("Elephant", "Is it bigger than a breadbox?", YES), ("Key", "Is it bigger than a breadbox?", NO),
    ("Bus", "Is it larger than a car?", YES), ("Car", "Is it larger than a car?", NO),
    ("Golf ball", "Is it smaller than a tennis ball?", YES), ("Piano", "Is it heavier than a person?", YES),
    ("Pen", "Is it lighter than a person?", YES), ("Watermelon", "Does it weigh more than a pound?", YES),
    ("Grape", "Does it weigh more than a pound?", NO), ("Train", "Is it bigger than a house?", YES),
    ("Flute", "Do you blow into it to play it?", YES), ("Banana", "Do you peel it before eating it?", YES),
    ("Smartphone", "Can it fit in your pocket?", YES), ("Piano", "Can you carry it in your hand?", NO),
    ("Lego", "Is it Lego?", YES), ("Orange", "Is it orange?", YES), ("Orange", "Is it an orange?", YES),
    ("Carrot", "Is it orange?", YES), ("Carrot", "Is it an orange?", NO),
    ("Cat", "So, is it a cat?", YES), ("Cat", "IS IT A MAMMAL", YES), ("Cat", "is it a mammal ???", YES),
    ("Cat", "Is it a bird?", NO), ("Cat", "Does it lay eggs?", NO),
])
def test_paraphrases(kb, word, question, expected):
    assert kb.answer(word, question) == expected


@pytest.mark.parametrize("positive, negative", [
    ("Is it alive?", "Is it not alive?"),
    ("Is it made of metal?", "Is it not made of metal?"),
    ("Is it a vehicle?", "Is it not a vehicle?"),
    ("Does it have wheels?", "Does it not have wheels?"),
    ("Can you eat it?", "Can you not eat it?"),
    ("Is it a cat?", "Is it not a cat?"),
])
def test_negation_flips(kb, positive, negative):
    for word in NAMES:
        pos, neg = kb.answer(word, positive), kb.answer(word, negative)
        assert {pos, neg} == {YES, NO}, (word, pos, neg)


@pytest.mark.parametrize("plain, biased", [
    ("Is it made of metal?", "Isn't it made of metal?"),
    ("Is it an animal?", "Isn't it an animal?"),
    ("Does it have wheels?", "Doesn't it have wheels?"),
    ("Can it fly?", "Can't it fly?"),
])
def test_contracted_negation_is_a_biased_question(kb, plain, biased):
    assert yes_words(kb, plain) == yes_words(kb, biased)


# -- not understood ----------------------------------------------------------------------------

@pytest.mark.parametrize("question", [
    "What color is it?", "Where is it found?", "How big is it?", "Why?", "Tell me what it is.",
    "¿Es un animal?", "Ist es ein Tier?", "Est-ce vivant ?", "它是动物吗？", "Это животное?", "Is het een dier?",
    "", "   ", "?", "!!!", "1234", "asdfghjkl", "Is it?", "Does it?", "Is it a?", "Is it blorf?",
    "Is it a car? Is it red?", "Is it ... hmm", "Is it nice?", "Is it your favorite?",
    "Is it bigger than?", "Is it bigger or smaller than a breadbox?", "Is it alive or dead?", "Is it smaller than the thing?",
    "Is it a thingamajig?", "Dog", "It is a dog.", "I think it is a doll",
    "Is it " + "very " * 100 + "big?", "Is it a dog" + "?" * 400, "Is it alive? " * 9000,
])
def test_not_understood_is_invalid(kb, question):
    assert kb.answer("Dog", question) == INVALID
    assert kb.answer("Apple", question) == INVALID


def test_never_guesses_on_unknown_words(kb):
    for question in ("Is it a zorblax?", "Does it glorp?", "Is it made of unobtainium?", "Can you frobnicate it?"):
        assert all(kb.answer(w, question) == INVALID for w in NAMES), question


def test_unknown_word_is_an_error(kb):
    with pytest.raises(ValueError):
        kb.answer("Unicorn", "Is it alive?")
    with pytest.raises(ValueError):
        kb.answer("dog", "Is it alive?")  # canonical spelling only


# -- probes ------------------------------------------------------------------------------------

def test_probes_agree_with_answer(kb):
    probes = kb.probes()
    booleans = [c for c in kb.property_names if c not in (*kbmod.CATEGORICAL_COLUMNS, *kbmod.NUMERIC_COLUMNS)]
    assert len(probes) == len(booleans) + 5 + 17
    assert len({p.question for p in probes}) == len(probes)
    for probe in probes:
        assert probe.yes <= set(NAMES)
        for word in NAMES:
            assert kb.answer(word, probe.question) == (YES if word in probe.yes else NO), (probe.question, word)
    by_question = {p.question: p.yes for p in probes}
    assert by_question["Is it alive?"] == {w for w in NAMES if kb.value(w, "alive")}
    assert by_question["Is it in the Fruits category?"] == {w.word for w in WORDS if w.category == "Fruits"}


# -- determinism, integrity, speed -------------------------------------------------------------

def test_deterministic_and_cache_independent(kb):
    rows = labelled_questions("twenty_questions")
    first = [kb.answer(r["word"], r["question"]) for r in rows]
    kbmod._parse_cached.cache_clear()
    fresh = TwentyQuestionsKB(read_text(kbmod.PROPERTIES_FILE), read_json(kbmod.LEXICON_FILE))
    assert [kb.answer(r["word"], r["question"]) for r in rows] == first
    assert [fresh.answer(r["word"], r["question"]) for r in rows] == first
    assert TwentyQuestionsKB.load() is kb


def test_conflicting_lexicon_is_rejected():
    lexicon = copy.deepcopy(read_json(kbmod.LEXICON_FILE))
    lexicon["phrases"]["be"]["Alive!"] = "!alive"  # same key as "alive", opposite meaning
    with pytest.raises(ValueError, match="conflicts"):
        TwentyQuestionsKB(read_text(kbmod.PROPERTIES_FILE), lexicon)
    lexicon = copy.deepcopy(read_json(kbmod.LEXICON_FILE))
    lexicon["phrases"]["be"]["zorpy"] = "no_such_property"
    with pytest.raises(ValueError, match="unknown property"):
        TwentyQuestionsKB(read_text(kbmod.PROPERTIES_FILE), lexicon)


def test_answers_are_fast(kb):
    questions = [r["question"] for r in labelled_questions("twenty_questions")]
    kbmod._parse_cached.cache_clear()
    start = time.perf_counter()
    for q in questions:
        kb.answer("Dog", q)
    uncached = (time.perf_counter() - start) / len(questions)
    start = time.perf_counter()
    for q in questions * 5:
        kb.answer("Cat", q)
    cached = (time.perf_counter() - start) / (5 * len(questions))
    print(f"\nmean answer: uncached {uncached * 1e6:.1f} us, cached {cached * 1e6:.2f} us")
    assert uncached < 2e-3 and cached < 5e-5


@pytest.mark.parametrize("question", [
    "Is it " + " ".join(["something that is"] * 30) + " alive?",
    "Is it " + " and ".join(["a red fruit used for cooking in the kitchen"] * 6) + "?",
    "Is it a tool used for " + " used for ".join(["cutting"] * 25) + "?",
])
def test_crafted_questions_parse_in_bounded_time(kb, question):
    start = time.perf_counter()
    kb.parse(question[:kbmod.MAX_QUESTION_CHARS])
    assert time.perf_counter() - start < 0.5
