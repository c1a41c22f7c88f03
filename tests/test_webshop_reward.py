"""WebShop's reward: the published examples of WebShop's test_goal.py, and the formula's corners."""

from __future__ import annotations

from math import isclose
from types import SimpleNamespace

from archer_gym.webshop.nouns import HeuristicNouns
from archer_gym.webshop.reward import (
    attribute_matches, normalize_color, option_matches, purchase_reward, token_set_ratio, type_reward,
)

nouns = HeuristicNouns()


def item(name="Name 1", query="Query 1", category="a › b › c", attributes=(), title="", bullets=(), description=""):
    return SimpleNamespace(query=query, product_category=category, type_nouns=nouns(name), attributes=list(attributes),
                           title=title, bullets=bullets, description=description)


def test_type_reward_query_and_category_rules():  # WebShop's test_get_type_reward, spaCy-free part
    goal, purchased = item(), item()
    result = type_reward(purchased, goal)
    assert result == {"r_type": 1.0, "query_match": True, "category_match": True, "title_score": 1.0}
    purchased.query = "Query 2"
    assert type_reward(purchased, goal)["query_match"] is False
    for category, matches in [("b › c › a", True), ("d › e › f", False), ("a › d › b", True), ("a › a › b", True),
                              ("a › a › d", False)]:
        purchased.product_category = category
        assert type_reward(purchased, goal)["category_match"] is matches, category


def test_title_score_counts_goal_duplicates_and_sets_the_type_factor():
    goal = SimpleNamespace(query="q", product_category="x", type_nouns=["bar", "bar", "cord", "hd", "tv"])
    purchased = SimpleNamespace(query="other", product_category="y", type_nouns=["cord", "bar"])
    assert type_reward(purchased, goal)["title_score"] == 2 / 5  # a set intersection over the goal list
    assert type_reward(purchased, goal)["r_type"] == 1.0  # title_score > 0.2
    purchased.type_nouns = ["cord"]  # 1/5 = 0.2: no query/category/title match -> 0.5
    assert type_reward(purchased, goal)["r_type"] == 0.5
    goal.type_nouns = ["a"] * 9 + ["cord"] + ["b"]  # 1/11 < 0.1 -> 0.1
    assert type_reward(purchased, goal)["r_type"] == 0.1
    purchased.type_nouns = ["zzz"]  # no overlap at all zeroes the reward, even with a query match
    purchased.query = goal.query
    assert type_reward(purchased, goal)["r_type"] == 0.0
    goal.type_nouns = []  # no goal noun: title_score 0.2
    assert type_reward(purchased, goal)["title_score"] == 0.2 and type_reward(purchased, goal)["r_type"] == 1.0


def test_attribute_matches():  # WebShop's test_get_attribute_reward
    goal = ["tea tree", "essential oils", "natural ingredients"]
    assert attribute_matches(item(attributes=["tea tree", "essential oil", "natural ingredients"]), goal) == 3
    assert attribute_matches(item(attributes=["essential oil", "natural ingredients"]), goal) == 2
    in_text = item(bullets=["This shampoo has essential oils and smells like lemons"],
                   description="Best shampoo on the market, made with natural ingredients")
    assert attribute_matches(in_text, goal) == 2
    none = item(attributes=["tea bag", "earl gray", "lipton"], title="English tea for breakfast",
                bullets=["Soothing aroma", "Calming, great feeling"],
                description="Best tea made by Lipton, great to pair with breakfast")
    assert attribute_matches(none, goal) == 0


def test_option_matches():  # WebShop's test_get_option_reward
    assert option_matches(["pack of 12", "grey", "XL"], ["grey", "XL", "pack of 12"]) == 3
    assert option_matches(["pack of 12", "blue", "XL"], ["grey", "XL", "pack of 12"]) == 2
    assert option_matches(["pack of 12", "powder snow", "XL"], ["cool powder snow", "XL", "pack of 12"]) == 3
    assert option_matches(["goal 1", "goal 2"], []) == 0
    assert option_matches([], ["goal 1", "goal 2"]) == 0


def test_get_reward_published_examples():  # WebShop's test_get_reward: 1, 2/3, 0.5714, 0.2857
    goal = item(name="Mens D.O.N. Issue 2 Gca Basketball Sneakers Shoes Casual - Off White")
    attributes = ["tea tree", "essential oils", "natural ingredients"]
    purchased = item(name="Mens D.O.N. Issue 2 Gca Basketball Sneakers Shoes Casual - Off White",
                     attributes=["tea tree", "essential oil", "natural ingredients"])
    options = {"color": "grey", "size": "XL"}

    def reward(goal_options):  # WebShop passes a dict's .items() as the goal options
        return purchase_reward(purchased, options, 35, goal, attributes, list(goal_options.items()), 40.0)[0]

    assert reward({"color": "grey", "size": "XL"}) == 1
    purchased.attributes = []
    purchased.bullets = "This shampoo has essential oils and smells like lemons"  # a string: joined per character
    purchased.description = "Best shampoo on the market, made with natural ingredients"
    assert isclose(reward({"color": "grey", "size": "XL"}), 2 / 3, abs_tol=1e-2)
    assert isclose(reward({"color": "grey", "size": "XL", "amount": "pack of 12"}), 0.5714, abs_tol=1e-2)
    goal.type_nouns = nouns("Saireed UL Listed 2 Prong Power Cord for JBL Bar 3.1 Bar 2.1 Channel 4K Ultra HD Soundbar")
    purchased.type_nouns = nouns("BRST AC Power Cord Outlet Socket Cable Plug Lead for Panasonic SC-HT830V "
                                 "DVD/VCR Combo Home Theater System")
    purchased.query, purchased.product_category = "Query 2", "a › d › e"
    assert isclose(reward({"color": "grey", "size": "XL", "amount": "pack of 12"}), 0.2857, abs_tol=1e-2)


def test_reward_info_and_price():
    goal = item()
    purchased = item(attributes=["warm"])
    reward, info = purchase_reward(purchased, {"size": "large"}, 50.01, goal, ["warm"], ["large", "red"], 50.0)
    assert reward == (1 + 1 + 0) / 4
    assert info == {"r_type": 1.0, "r_att": 1.0, "w_att": 0.25, "query_match": True, "category_match": True,
                    "title_score": 1.0, "r_price": False, "w_price": 0.25, "r_option": 0.5, "w_option": 0.5}
    assert purchase_reward(purchased, {}, 50.0, goal, ["warm"], [], 50.0)[0] == 1.0  # price bound inclusive
    assert "r_option" not in purchase_reward(purchased, {}, 1, goal, ["warm"], [], 50.0)[1]


def test_fuzzy_matching_is_thefuzz_token_set_ratio():
    assert token_set_ratio("large", "x-large") == 100  # one token set contains the other
    assert token_set_ratio("3 ounce (pack of 1)", "3 ounce | 2 pack") == 92
    assert token_set_ratio("essential oil", "essential oils") == 96
    assert token_set_ratio("Café", "caf") == 100  # thefuzz drops U+0080..U+00FF before comparing
    assert token_set_ratio(None, "x") == 0
    assert token_set_ratio(("size", "XL"), "xl") == 100  # str() of a tuple, as with dict goal options


def test_normalize_color_first_match_quirks():
    assert normalize_color("dark brown") == "brown"  # "brown" precedes "dark" in the list
    assert normalize_color("standard") == "tan"
    assert normalize_color("one hundred") == "red"
    assert normalize_color("XL") == "XL"
    assert normalize_color(("color", "grey")) == "grey"  # tuple membership
