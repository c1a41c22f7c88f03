"""A scripted WebShop shopper with a noise knob, recorded from the real env: BC data without files.

BC data for the WebShop agents needs nothing but the bundled catalogue::

    from archer_gym.datasets.webshop import generate_episodes

    for record in generate_episodes(200, noise=0.3):
        ...

Policy (:class:`ShopperDemonstrator`), as a person shops, reading only the page and ``info``:

1. search for the instruction's key phrase: what the instruction asks for (the product and its
   features), without the request ("i need", "can you get me", ...), the price clause ("and price
   lower than 40.00 dollars"), the options clause of synthetic goals ("with color: gray, and
   size: large") and the words the search engine ignores, each word once, at most
   :data:`MAX_QUERY_WORDS` words;
2. open the listed product whose title shares the most words with the instruction (Anserini's
   stemmed terms, :func:`~archer_gym.webshop.search.analyze`), among those within the price bound
   if any, and not opened before if any; on a tie, the one listed first;
3. on the item page, click in each option group the value the instruction names (the most
   specific one named: "light blue" rather than "blue"; synthetic goals name them in their
   options clause). When the instruction asks for an option by name ("size 8", "color: gray")
   and the product has no such value, put it back (``< prev``) and open the next best, while
   there are actions enough left for that;
4. ``click[buy now]``. The shopper keeps its last action for the purchase: an episode ends with
   one unless no product page was reached in time.

Noise: at each decision, with probability ``noise``, the shopper makes a plausible mistake instead
(drawn uniformly among those possible there): search for a random subset of the instruction's
words; open a random listed product, or go to the next results page and open a random product
there; keep a product that lacks an option asked for; skip an option or click a random value of
its group; buy before the options are chosen. A search that finds nothing sends the shopper back
to the search page for another try.

Clicks use the env's own labels: ``info["available_actions"]["clickables"]`` (WebShop's lower-case
keys), or under ArCHer's client rules (``paper`` mode with ``react`` observations, the default of
``archer/WebShopArCHer-v0``) the labels exactly as the page shows them (``click[Buy Now]``,
``click[B0ABC12345]``), since those rules are case-sensitive; they also forbid paging, so the
next-page mistake is not made there.

Records (:func:`generate_episodes`), one per episode::

    {"task": 1731, "seed": 12, "turns": [{"observation": "...", "action": "search[hot sauce]",
     "reward": 0.0}, ...], "return": 0.75, "success": false}

``task`` is the goal index; ``observation`` is the env's observation before ``action``, exactly
as the env returned it (its format follows the env's ``observation_mode``); ``reward`` is the
env's (0 until the purchase, then WebShop's score); ``success`` is the env's (a score of 1).
Goals are drawn by the env's seeded reset from the env id's training split, never its test split
(see :func:`generate_episodes`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Sequence

import gymnasium as gym
import numpy as np

import archer_gym  # noqa: F401  (registers the env ids)
from archer_gym.datasets.recording import check_noise, record_episodes
from archer_gym.registration import resolve_env_id
from archer_gym.text import contains_phrase, words
from archer_gym.webshop.goals import SPLITS
from archer_gym.webshop.pages import SUB_PAGES
from archer_gym.webshop.search import LUCENE_ENGLISH_STOPWORDS, analyze

DEFAULT_NOISE = 0.3
"""Probability of a mistake per decision. The supervised data ArCHer starts from is suboptimal
on purpose (the RL stage has something to improve on), so the default shopper is too: about one
mistake per episode (a careless query or product, a missing or wrong option, an early purchase).
On 100 training goals of ``archer/WebShop-v0`` that takes the mean score from 0.64 (noise 0)
to 0.47, and the success rate from 28% to 14% (noise 1: 0.20 and 4%), while every episode
still ends in a purchase and most decisions (70%) remain the right ones to imitate."""

MAX_QUERY_WORDS = 8
"""The longest search the shopper types (people search with a few words, not the instruction)."""

TRAINING_SPLITS = {"archer/WebShop-v0": "train", "archer/WebShopArCHer-v0": "archer",
                   "archer/WebShopVerlAgent-v0": "verl_train"}
"""The goals each env id trains on (:data:`archer_gym.webshop.goals.SPLITS`; the ``train`` split of
its evaluation splits, :mod:`archer_gym.evaluation.splits`): WebShop's ``train`` (goals
1,500-end; ``test`` is 0-499); ArCHer's 100 goals 2,000-2,099, on which ArCHer both trains and
evaluates by design; verl-agent's 500-end (``test`` is 0-499)."""

LABELS = {label.lower(): label for label in ("Back to Search", "< Prev", "Next >", "Buy Now", *SUB_PAGES)}
"""The buttons' keys and labels (ArCHer's client wants the labels)."""
BUTTONS = frozenset({"search", *LABELS})
"""Clickables that are neither products nor option values."""

_PRICE_CLAUSE = re.compile(r",?\s*and price lower than ([\d.,]+) dollars\s*$", re.IGNORECASE)
_OPTIONS_CLAUSE = re.compile(r"^(.*)\swith ([^,:]+: [^,]+(?:, and [^,:]+: [^,]+)*)$")
"""Synthetic goals: `` with color: gray, and size: large`` before the price clause."""
_REQUEST = re.compile(r"\b(?:(?:need|want|like)(?: to (?:buy|get|find))?|(?:looking|searching|shopping) for|"
                      r"trying to find|(?:get|find|show|buy) me|(?:help me|please) find|(?:look|search) for)\s+",
                      re.IGNORECASE)
_FILLERS = LUCENE_ENGLISH_STOPWORDS | {"has", "have", "my", "our", "some"}
"""Words a query spends no room on (the search engine ignores its stopwords anyway)."""
_PRICE = re.compile(r"\$(\d+(?:\.\d+)?)")
_REACT_TOKEN = re.compile(r"\[\[([^\[\]]*)\]\]|\[([^\[\]]*)\]|([^\[\]\n]+)")
"""ArCHer's page text: ``[[selected value]]``, ``[label]`` or plain text up to the line's end."""


# ------------------------------------------------------------------ reading the instruction
@dataclass(frozen=True)
class ShoppingList:
    """What the shopper takes from an instruction."""

    query: str
    """The key phrase it searches for."""
    terms: frozenset[str]
    """The instruction's stemmed terms, to compare titles with."""
    options_text: str
    """Where the wanted option values are named: the options clause of a synthetic goal, else the
    instruction without its price clause."""
    budget: float | None
    """The price bound, if the instruction has one."""
    pool: list[str]
    """The instruction's words without the price clause and fillers (what a careless search
    picks from)."""


def shopping_list(instruction: str) -> ShoppingList:
    """What to search for, to compare titles with, and where the wanted options are named."""
    price = _PRICE_CLAUSE.search(instruction)
    text = instruction[:price.start()] if price else instruction
    budget = float(price.group(1).replace(",", "")) if price else None
    options = _OPTIONS_CLAUSE.search(text)
    wish = options.group(1) if options else text
    request = _REQUEST.search(wish)
    wanted = words(wish[request.end():] if request else wish)
    query = _content_words(wanted)[:MAX_QUERY_WORDS] or wanted[:MAX_QUERY_WORDS]
    return ShoppingList(" ".join(query), frozenset(analyze(wish)), options.group(2) if options else text,
                        budget, _content_words(words(text)))


def _content_words(all_words: list[str]) -> list[str]:
    """Each word once, fillers left out."""
    return list(dict.fromkeys(w for w in all_words if w not in _FILLERS))


# ------------------------------------------------------------------ reading the page
def page_texts(observation: str) -> list[str]:
    """The current page's texts in order: the ``text`` observation's ``[SEP]`` fields, or the
    last page of a ``react`` transcript cut into its labels and lines (labels keep their case)."""
    if "\nObservation:\n" not in observation:
        return [text.strip() for text in observation.split(" [SEP] ")]
    page = observation.rsplit("\nObservation:\n", 1)[1].rsplit("\nInstruction:\n", 1)[0]
    return [text.strip() for groups in _REACT_TOKEN.findall(page) for text in groups if text.strip()]


@dataclass(frozen=True)
class Listing:
    """A product on a results page: its label (the ASIN as shown), title and (lowest) price."""

    label: str
    title: str
    price: float | None


def listings(texts: Sequence[str], products: set[str]) -> list[Listing]:
    """The products a results page shows: each product's label, then its title and price."""
    found = []
    for i, text in enumerate(texts[:-1]):
        if text.lower() in products:
            price = _PRICE.search(texts[i + 2]) if i + 2 < len(texts) else None
            found.append(Listing(text, texts[i + 1], float(price.group(1)) if price else None))
    return found


def option_groups(texts: Sequence[str], values: set[str]) -> dict[str, list[str]]:
    """The option groups an item page shows: each group's name, then its values."""
    groups: dict[str, list[str]] = {}
    name = ""
    for text in texts:
        if text.lower() in values:
            groups.setdefault(name, []).append(text)
        else:
            name = text
    return groups


# ------------------------------------------------------------------ the shopper
class ShopperDemonstrator:
    """Shops for one instruction per episode (module docstring): :meth:`start` with the
    instruction and the episode's generator, then :meth:`act` each turn with the env's
    observation and ``info``.

    ``max_turns``: the actions the env allows per episode (the shopper buys before they run out);
    ``archer_rules``: the env plays by ArCHer's client rules (case-sensitive labels, no paging).
    """

    def __init__(self, noise: float = DEFAULT_NOISE, *, max_turns: int = 10, archer_rules: bool = False):
        check_noise(noise)
        self.noise, self.max_turns, self.archer_rules = float(noise), max_turns, archer_rules

    def start(self, instruction: str, rng: np.random.Generator) -> None:
        self.wants, self.rng = shopping_list(instruction), rng
        self.turns_left = self.max_turns
        self.opened: set[str] = set()
        """The products opened so far (keys): a product put back is not opened again."""
        self.pending: list[tuple[list[str], str]] | None = None
        """On an item page: the option groups still to choose in and the value wanted in each
        (``None`` until the page is read)."""
        self.random_product_next = False
        """A mistake under way: open a random product of the next results page."""

    def act(self, observation: str, info: Mapping[str, Any]) -> str:
        available = info["available_actions"]
        others = set(available["clickables"]) - BUTTONS
        self.turns_left -= 1  # after this action
        if available["has_search_bar"]:
            return f"search[{self._query()}]"
        if info["page"] == "results":
            return self._on_results(listings(page_texts(observation), others), "next >" in available["clickables"])
        if info["page"] == "item":
            if self.pending is None:  # just arrived (the page is read once: option clicks only say "clicked")
                return self._look_at_item(option_groups(page_texts(observation), others))
            return self._on_item()
        return self._click("< prev")  # a sub-page (never opened on purpose): back to the item

    def _mistake(self) -> bool:
        return self.rng.random() < self.noise

    def _pick(self, items: Sequence[Any]) -> Any:
        return items[int(self.rng.integers(len(items)))]

    def _click(self, key: str, label: str | None = None) -> str:
        """A click on the clickable ``key`` (a button's key, or a product or value with the page's
        ``label``), spelt as the env's rules want it."""
        return f"click[{(label or LABELS[key]) if self.archer_rules else key}]"

    def _query(self) -> str:
        pool = self.wants.pool
        if not self._mistake() or len(pool) < 2:
            return self.wants.query
        size = int(self.rng.integers(2, min(MAX_QUERY_WORDS, len(pool)) + 1))
        return " ".join(pool[i] for i in sorted(self.rng.choice(len(pool), size, replace=False)))

    def _on_results(self, shown: list[Listing], can_page: bool) -> str:
        if not shown:  # nothing found: try another search
            return self._click("back to search")
        if self.random_product_next:  # the paging mistake's second half
            self.random_product_next = False
            return self._open(self._pick(shown))
        if not self._mistake():
            return self._open(self._best(shown))
        # Paging needs two more actions before the purchase, and ArCHer's client allows none.
        if can_page and not self.archer_rules and self.turns_left >= 2 and self.rng.random() < 0.5:
            self.random_product_next = True
            return self._click("next >")
        return self._open(self._pick(shown))

    def _best(self, shown: list[Listing]) -> Listing:
        """The listed product most like the instruction, among the affordable ones if any, not
        opened before if any."""
        budget = self.wants.budget
        fresh = [s for s in shown if s.label.lower() not in self.opened] or shown
        affordable = [s for s in fresh if budget is None or (s.price is not None and s.price < budget)]
        return max(affordable or fresh, key=lambda s: len(self.wants.terms.intersection(analyze(s.title))))

    def _open(self, listing: Listing) -> str:
        self.pending = None
        self.opened.add(listing.label.lower())
        return self._click(listing.label.lower(), listing.label)

    def _look_at_item(self, groups: dict[str, list[str]]) -> str:
        """Plan the options to click, or put the product back when it lacks a value of an option
        the instruction asks for (by its name: "size 8", "color: gray") and there is time to
        open another one (back, open, the options, buy)."""
        named = {name: [v for v in values if contains_phrase(self.wants.options_text, v)]
                 for name, values in groups.items()}
        # The most specific value named: "light blue" rather than "blue".
        self.pending = [(groups[name], max(values, key=lambda v: len(words(v))))
                        for name, values in named.items() if values]
        asked = [name for name in groups if contains_phrase(self.wants.options_text, name)]
        lacking = any(not named[name] for name in asked)
        if lacking and self.turns_left >= 2 + len(asked) and not self._mistake():
            self.pending = None
            return self._click("< prev")
        return self._on_item()

    def _on_item(self) -> str:
        while self.pending and self.turns_left > 0:  # keep the last action for the purchase
            values, value = self.pending.pop(0)
            if not self._mistake():
                return self._click(value.lower(), value)
            mistake = self._pick(("skip", "other value", "buy now"))
            if mistake == "other value":
                value = self._pick(values)
                return self._click(value.lower(), value)
            if mistake == "buy now":
                break
            # skipped: the next group is the next decision
        return self._click("buy now")


# ------------------------------------------------------------------ episodes
def generate_episodes(episodes: int, *, noise: float = DEFAULT_NOISE, seed: int = 0,
                      env_id: str = "archer/WebShop-v0", **env_kwargs) -> Iterator[dict]:
    """Play ``episodes`` episodes with :class:`ShopperDemonstrator`; yield one record per episode
    (module docstring). ``env_kwargs`` go to the env (``data_dir``, ``observation_mode``,
    ``mode``, ``max_turns``, ...). Goals are drawn from the env id's training split
    (:data:`TRAINING_SPLITS`), or from ``split`` if given and inside it (``archer`` for
    ``archer/WebShop-v0``); a split with other goals is refused. Episode ``k`` resets with seed
    ``seed * 1_000_003 + k``, which also seeds the shopper's mistakes, so the same arguments give
    the same records (in ``paper`` mode, within one process: its prices are drawn unseeded, as
    WebShop's are).

    Bad arguments raise here, before the first record is asked for."""
    if episodes < 0:
        raise ValueError(f"episodes must be >= 0, got {episodes!r}")
    check_noise(noise)
    env_id = resolve_env_id(env_id)
    if env_id not in TRAINING_SPLITS:
        raise ValueError(f"the WebShop demonstrator plays {sorted(TRAINING_SPLITS)}, not {env_id}")
    split = env_kwargs.get("split", TRAINING_SPLITS[env_id])
    if not within_training_goals(split, env_id):
        raise ValueError(f"split {split!r} is not within {env_id}'s training split ({TRAINING_SPLITS[env_id]!r}, "
                         f"goals {SPLITS[TRAINING_SPLITS[env_id]]}): demonstrations never show evaluation goals")
    env = gym.make(env_id, **env_kwargs)
    game = env.unwrapped.game
    shopper = ShopperDemonstrator(noise, max_turns=game.max_actions, archer_rules=game.archer_rules)
    return record_episodes(env, shopper, episodes, seed, reset_options={"split": split},
                           begin=lambda info, rng: shopper.start(info["instruction"], rng),
                           task=lambda info: info["goal_index"])


def within_training_goals(split: str, env_id: str) -> bool:
    """Whether every goal of ``split`` is one ``env_id`` trains on (``archer`` is inside ``train``)."""
    if split not in SPLITS:
        return False
    (start, stop), (train_start, train_stop) = SPLITS[split], SPLITS[TRAINING_SPLITS[env_id]]
    return start >= train_start and (train_stop is None or (stop is not None and stop <= train_stop))
