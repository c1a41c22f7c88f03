"""WebShop's reward for a purchase, exactly as ``web_agent_site/engine/goal.py`` computes it.

    reward = r_type * (n_attributes_matched + n_options_matched + r_price)
                    / (len(goal attributes) + len(goal options) + 1)

- ``r_type``: 1.0; 0.5 if neither the queries are equal, nor the breadcrumbs (split on ``›``,
  stripped) share two or more levels, nor ``title_score > 0.2``; then 0.1 if
  ``title_score < 0.1``; then 0.0 if ``title_score == 0``. ``title_score`` = |set(purchased
  nouns) & set(goal nouns)| / len(goal nouns) (the goal's list keeps duplicates), 0.2 when the
  goal title has no noun.
- a goal attribute matches if some product attribute scores ``token_set_ratio > 85``, or else if
  it is a substring of the lower-cased title, the space-joined bullet points or the description;
- a goal option matches if some purchased option value scores ``token_set_ratio > 85`` after both
  went through :func:`normalize_color` (the first :data:`COLOR_SET` entry contained in the value,
  so "standard" becomes "tan" and "hundred" "red", as in the original);
- ``r_price``: the product's price (drawn inside a price range) is at most the goal's bound.

``token_set_ratio`` is thefuzz's (rapidfuzz backend): both values go through ``str()``, lose the
characters U+0080..U+00FF, get rapidfuzz's default processing, and the score is rounded to an
integer before the strict ``> 85`` test. Success is ``reward == 1.0``.
"""

from __future__ import annotations

from typing import Any, Protocol, Sequence

from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

FUZZY_THRESHOLD = 85
COLOR_SET = (
    "alabaster", "apricot", "aqua", "ash", "asphalt", "azure", "banana", "beige", "black", "blue",
    "blush", "bordeaux", "bronze", "brown", "burgundy", "camel", "camo", "caramel", "champagne",
    "charcoal", "cheetah", "chestnut", "chocolate", "christmas", "coffee", "cognac", "copper",
    "coral", "cranberry", "cream", "crystal", "dark", "denim", "eggplant", "elephant", "espresso",
    "fuchsia", "gold", "granite", "grape", "graphite", "grass", "gray", "green", "grey", "heather",
    "indigo", "ivory", "ivy", "khaki", "lavender", "lemon", "leopard", "light", "lilac", "lime",
    "magenta", "maroon", "mauve", "merlot", "midnight", "mint", "mocha", "multicolor", "mushroom",
    "mustard", "natural", "navy", "nude", "olive", "orange", "peach", "pewter", "pink", "plum",
    "purple", "rainbow", "red", "rose", "royal", "rust", "sand", "sapphire", "seashell", "silver",
    "skull", "slate", "steel", "stone", "stonewash", "sunflower", "tan", "taupe", "teal", "tiger",
    "turquoise", "violet", "walnut", "wheat", "white", "wine", "yellow",
)
"""WebShop's colour list, in its order (the first match wins)."""
_LATIN1_SUPPLEMENT = {code: None for code in range(128, 256)}


class TypeFacts(Protocol):
    """What the type check reads from a product (``Product`` and ``ProductFacts`` have it)."""

    query: str
    product_category: str
    type_nouns: list[str]


class PurchaseFacts(TypeFacts, Protocol):
    attributes: list[str]
    title: str
    bullets: Sequence[str]
    description: str


def token_set_ratio(a: Any, b: Any) -> int:
    """``thefuzz.fuzz.token_set_ratio(a, b)`` with its default processing."""
    if a is None or b is None:
        return 0
    a = default_process(str(a).translate(_LATIN1_SUPPLEMENT))
    b = default_process(str(b).translate(_LATIN1_SUPPLEMENT))
    return int(round(fuzz.token_set_ratio(a, b)))


def normalize_color(value: Any) -> Any:
    """The first colour of :data:`COLOR_SET` that ``value`` contains, else ``value`` unchanged."""
    return next((color for color in COLOR_SET if color in value), value)


def type_reward(purchased: TypeFacts, goal: TypeFacts) -> dict[str, Any]:
    query_match = purchased.query == goal.query
    purchased_levels = {level.strip() for level in purchased.product_category.split("›")}
    goal_levels = {level.strip() for level in goal.product_category.split("›")}
    category_match = len(purchased_levels & goal_levels) >= 2
    goal_nouns = goal.type_nouns
    if goal_nouns:
        title_score = len(set(purchased.type_nouns) & set(goal_nouns)) / len(goal_nouns)
    else:
        title_score = 0.2
    r_type = 1.0
    if not (query_match or category_match or title_score > 0.2):
        r_type = 0.5
    if title_score < 0.1:
        r_type = 0.1
    if title_score == 0.0:
        r_type = 0.0
    return {"r_type": r_type, "query_match": query_match, "category_match": category_match,
            "title_score": title_score}


def attribute_matches(purchased: PurchaseFacts, goal_attributes: Sequence[str]) -> int:
    title, description = purchased.title.lower(), purchased.description.lower()
    bullets = " ".join(purchased.bullets).lower()
    matches = 0
    for wanted in goal_attributes:
        if any(token_set_ratio(have, wanted) > FUZZY_THRESHOLD for have in purchased.attributes):
            matches += 1
        elif wanted in title or wanted in bullets or wanted in description:
            matches += 1
    return matches


def option_matches(purchased_values: Sequence[Any], goal_options: Sequence[Any]) -> int:
    purchased_values = [normalize_color(v) for v in purchased_values]
    return sum(
        any(token_set_ratio(have, normalize_color(wanted)) > FUZZY_THRESHOLD for have in purchased_values)
        for wanted in goal_options
    )


def purchase_reward(purchased: PurchaseFacts, options: dict[str, str], price: float, goal_type: TypeFacts,
                    goal_attributes: Sequence[str], goal_options: Sequence[Any],
                    price_upper: float) -> tuple[float, dict[str, Any]]:
    """``(reward, reward_info)`` of buying ``purchased`` with ``options`` at ``price``.

    ``reward_info`` holds WebShop's verbose fields: r_type, r_att, w_att, r_option, w_option,
    r_price, w_price, query_match, category_match, title_score (``r_option``/``w_option`` only
    when the goal has options).
    """
    kind = type_reward(purchased, goal_type)
    n_attributes = attribute_matches(purchased, goal_attributes)
    n_options = option_matches(list(options.values()), goal_options)
    r_price = price <= price_upper
    denominator = len(goal_attributes) + len(goal_options) + 1
    reward = (n_attributes + n_options + r_price) / denominator * kind["r_type"]
    info = {"r_type": kind["r_type"], "r_att": n_attributes / len(goal_attributes) if goal_attributes else 0.0,
            "w_att": len(goal_attributes) / denominator, "query_match": kind["query_match"],
            "category_match": kind["category_match"], "title_score": kind["title_score"],
            "r_price": r_price, "w_price": 1 / denominator}
    if goal_options:
        info["r_option"] = n_options / len(goal_options)
        info["w_option"] = len(goal_options) / denominator
    return reward, info
