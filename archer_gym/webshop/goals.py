"""Goals: WebShop's human instructions turned into tasks, in WebShop's order and splits.

Port of ``get_human_goals`` and what runs around it:

1. each product's price: its price, or for a price range a ``uniform(low, high)`` draw, in
   catalogue order (``generate_product_prices``);
2. for each product (catalogue order) and each of its human instructions (file order), skipping
   instructions without attributes: the candidate bounds are the first four multiples of 10 in
   10..990 strictly above the price; with two or more, two are sampled and the larger is the
   bound (the 2nd, 3rd or 4th multiple with probability 1/6, 2/6, 3/6) and ``", and price lower
   than {bound:.2f} dollars"`` is appended to the instruction (after stripping dots); otherwise
   (price >= 980) the bound is 1,000,000 and there is no price text;
3. ``random.seed(233); random.shuffle(goals)``.

WebShop makes the draws of steps 1 and 2 with the unseeded global RNG, so prices and bounds change
from process to process (the same index once says "lower than 30.00", once "40.00"). Here they come
from ``random.Random(price_seed)``, with the calls in the original order, so a seed gives the
original's distribution and the same goals every time; ``price_seed=None`` (``paper`` mode) keeps
the original's unseeded behaviour. Goal *order* is WebShop's in both modes.

Splits are index ranges of the shuffled list (WebShop issue #1): test [0, 500), eval [500, 1500),
train [1500, end); ArCHer trains and evaluates on ``fixed_2000`` .. ``fixed_2099`` (``archer``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Iterable

from archer_gym.webshop.catalog import Instruction

PRICE_BOUNDS = [10.0 * i for i in range(1, 100)]
NO_PRICE_BOUND = 1000000
GOAL_SHUFFLE_SEED = 233
DEFAULT_PRICE_SEED = 0
SPLITS = {"test": (0, 500), "eval": (500, 1500), "train": (1500, None), "archer": (2000, 2100), "all": (0, None)}


@dataclass(frozen=True)
class ProductFacts:
    """What goal building needs to know about a goal's product."""

    asin: str
    category: str
    query: str
    name: str
    product_category: str
    type_nouns: list[str]


@dataclass(frozen=True)
class Goal:
    """One task: buy a product like ``asin`` matching the instruction."""

    asin: str
    instruction_text: str
    attributes: list[str]
    options: list[str]
    """The instruction's options (``goal_options``): option values the purchase should have."""
    price_upper: float
    product: ProductFacts

    def as_original(self) -> dict[str, Any]:
        """The goal as WebShop's dict (shown in the done page's hidden block)."""
        return {
            "asin": self.asin, "category": self.product.category, "query": self.product.query,
            "name": self.product.name, "product_category": self.product.product_category,
            "instruction_text": self.instruction_text, "attributes": self.attributes,
            "price_upper": self.price_upper, "goal_options": self.options, "weight": 1,
        }


def draw_prices(pricings: Iterable[tuple[str, tuple[float, ...]]], rng: random.Random) -> dict[str, float]:
    """The drawn price of every range-priced product (catalogue order, one draw each)."""
    return {asin: rng.uniform(*pricing[:2]) for asin, pricing in pricings if len(pricing) > 1}


def price_bound(price: float, rng: random.Random) -> tuple[float, str]:
    """``(price_upper, price_text)`` for a product costing ``price`` (one sample, as WebShop)."""
    candidates = [p for p in PRICE_BOUNDS if p > price][:4]
    if len(candidates) < 2:
        return NO_PRICE_BOUND, ""
    _, upper = sorted(rng.sample(candidates, 2))
    return upper, f", and price lower than {upper:.2f} dollars"


def build_goals(instructions: Iterable[Instruction], facts: dict[str, ProductFacts],
                price_of: dict[str, float], rng: random.Random) -> list[Goal]:
    """WebShop's human goals in WebShop's (shuffled) order.

    ``instructions`` must be in catalogue-then-file order; ``price_of`` maps each goal product to
    its price (after range draws, which must already have consumed ``rng``).
    """
    goals = []
    for instruction in instructions:
        if not instruction.attributes:
            continue
        upper, price_text = price_bound(price_of[instruction.asin], rng)
        goals.append(Goal(instruction.asin, instruction.text.strip(".") + price_text,
                          instruction.attributes, instruction.options, upper, facts[instruction.asin]))
    random.Random(GOAL_SHUFFLE_SEED).shuffle(goals)
    return goals


def split_range(split: str, num_goals: int) -> range:
    """The goal indices of ``split`` (``test``, ``eval``, ``train``, ``archer`` or ``all``)."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; use one of {sorted(SPLITS)}")
    start, stop = SPLITS[split]
    indices = range(start, num_goals if stop is None else min(stop, num_goals))
    if not indices:
        raise ValueError(f"split {split!r} {SPLITS[split]} is empty: the catalogue has {num_goals} goals")
    return indices
