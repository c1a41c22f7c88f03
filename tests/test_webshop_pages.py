"""Pages: WebShop's text for every page type (golden strings), ArCHer's format, and HTML round trips."""

from __future__ import annotations

import pytest

from archer_gym.webshop import pages
from archer_gym.webshop.dom import document, h, parse_html, to_html, view
from archer_gym.webshop.observations import react_instruction, react_page, react_url, text_observation
from archer_gym.webshop.shop import open_shop
from tests.test_webshop_data import write_tiny_catalogue

I = "find shoe polish, and price lower than 30.00 dollars"  # noqa: E741 - the instruction, as in the design doc
SID = "fixed_0"


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    root = tmp_path_factory.mktemp("pages")
    return open_shop(write_tiny_catalogue(root / "data"), cache_dir=root / "cache")


@pytest.fixture(scope="module")
def trees(shop):
    polish, shoes = shop.product("B000000001"), shop.product("B000000002")
    kw = ["shoe", "polish"]
    return {
        "search": pages.search_page(SID, I),
        "results": pages.results_page(SID, I, kw, 1, [polish, shoes], 2),
        "results_page_2": pages.results_page(SID, I, kw, 2, [], 2),
        "item": pages.item_page(SID, I, kw, 1, polish, {"color": "black"}, False),
        "item_with_attributes": pages.item_page(SID, I, kw, 1, polish, {}, True),
        "description": pages.sub_page(SID, I, kw, 1, polish, {}, "Description"),
        "features": pages.sub_page(SID, I, kw, 1, polish, {}, "Features"),
        "reviews": pages.sub_page(SID, I, kw, 1, polish, {}, "Reviews"),
        "attributes": pages.sub_page(SID, I, kw, 1, polish, {}, "Attributes"),
        "done_text_env": pages.done_page("B000000001", {"color": "black"}, 1.0, None),
        "done_server": pages.done_page("B000000001", {"color": "black & tan"}, 0.5, pages.PurchaseDetails(
            SID, polish, shop.goals[0].as_original(), {"r_type": 1.0})),
    }


HEAD = f"Instruction: [SEP] {I} [SEP] Back to Search [SEP] < Prev"
GOLDEN_TEXT = {
    "search": f"WebShop [SEP] Instruction: [SEP] {I} [SEP] Search",
    "results": f"Instruction: [SEP] {I} [SEP] Back to Search [SEP] Page 1 (Total results: 2) [SEP] Next > [SEP] "
               "B000000001 [SEP] Red Shoe Polish Kit [SEP] $12.99 [SEP] B000000002 [SEP] Running Shoes for Men [SEP] "
               "$20.0 to $30.0",
    "results_page_2": f"Instruction: [SEP] {I} [SEP] Back to Search [SEP] Page 2 (Total results: 2) [SEP] < Prev [SEP] "
                      "Next >",
    "item": f"{HEAD} [SEP] color [SEP] dark | brown [SEP] black [SEP] Red Shoe Polish Kit [SEP] Price: $12.99 [SEP] "
            "Rating: N.A. [SEP] Description [SEP] Features [SEP] Reviews [SEP] Buy Now",
    "item_with_attributes": f"{HEAD} [SEP] color [SEP] dark | brown [SEP] black [SEP] Red Shoe Polish Kit [SEP] "
                            "Price: $12.99 [SEP] Rating: N.A. [SEP] Description [SEP] Features [SEP] Reviews [SEP] "
                            "Attributes [SEP] Buy Now",
    "description": f"{HEAD} [SEP] Keeps shoes shining.",
    "features": f"{HEAD} [SEP] Shoe care for leather",
    "reviews": HEAD,
    "attributes": f"{HEAD} [SEP] leather care [SEP] easy to use [SEP] beauty [SEP] test query [SEP] "
                  "Beauty › Hair Care › Shampoo",
    "done_text_env": 'Thank you for shopping with us! [SEP] Your code: [SEP] None [SEP] (Paste it in your MTurk '
                     'interface.) [SEP] Purchased [SEP] asin [SEP] B000000001 [SEP] options [SEP] {"color": "black"} '
                     '[SEP] attrs [SEP] None [SEP] category [SEP] None [SEP] query [SEP] None [SEP] product category '
                     '[SEP] None [SEP] Target [SEP] asin [SEP] options [SEP] attrs [SEP] price upper [SEP] instuction '
                     'text [SEP] category [SEP] product category [SEP] query [SEP] Goal [SEP] None [SEP] Reward [SEP] '
                     'Your score (min 0.0, max 1.0) [SEP] 1.0 [SEP] Reward Details [SEP] None',
}


@pytest.mark.parametrize("name", sorted(GOLDEN_TEXT))
def test_text_observation_is_webshops(trees, name):
    assert text_observation(view(trees[name]).nodes) == GOLDEN_TEXT[name]


def test_server_done_page_fills_the_hidden_block(trees, shop):
    text = text_observation(view(trees["done_server"]).nodes)
    goal = shop.goals[0]
    assert f"Your code: [SEP] {pages.mturk_code(SID)} [SEP]" in text and len(pages.mturk_code(SID)) == 10
    assert '[SEP] options [SEP] {"color": "black \\u0026 tan"} [SEP]' in text  # Flask's tojson
    assert f"[SEP] Target [SEP] asin [SEP] {goal.asin} [SEP] options [SEP] {goal.options} [SEP]" in text
    assert "[SEP] attrs [SEP] ['leather care', 'easy to use'] [SEP] category [SEP] beauty [SEP]" in text
    assert text.endswith("[SEP] Your score (min 0.0, max 1.0) [SEP] 0.5 [SEP] Reward Details [SEP] {'r_type': 1.0}")


@pytest.mark.parametrize("name", ["search", "results", "results_page_2", "item", "item_with_attributes", "description",
                                  "features", "reviews", "attributes", "done_text_env", "done_server"])
def test_html_round_trip_sees_the_same_page(trees, name):
    built = view(trees[name])
    parsed = view(parse_html(to_html(trees[name])))
    assert parsed == built


def test_clickables_and_search_bar(trees):
    assert view(trees["search"]).clickables.keys() == {"search"} and view(trees["search"]).has_search_bar
    assert list(view(trees["item"]).clickables) == ["back to search", "< prev", "description", "features", "reviews",
                                                     "buy now", "dark | brown", "black"]
    assert view(trees["item"]).clickables["black"].group == "color"
    assert list(view(trees["results"]).clickables) == ["back to search", "next >", "b000000001", "b000000002"]
    assert list(view(trees["results_page_2"]).clickables) == ["back to search", "< prev", "next >"]
    assert view(trees["done_text_env"]).clickables == {}


def test_whitespace_fields_follow_beautifulsoup():
    page = view(document(h("body", None, h("h4", None, "   "), h("h4", None, " \n "), h("h4", None, ""),
                           h("pre", None, "  "), h("script", None, "hidden()"), h("p", None, "a ", "b"))))
    assert [n.text for n in page.nodes] == [" ", "\n", "  ", "a b"]
    assert text_observation(page.nodes) == " [SEP]  [SEP] a b"


def test_react_format_is_archers(trees, shop):
    first = react_page(view(trees["search"]).nodes, search_page=True)
    assert first == f"\nWebShop \nInstruction:  \n{I} \n[Search] "
    assert react_instruction(first) == I + " "
    url = react_url(SID, "B000000001", "shoe polish", 1, {"color": "black"})
    assert react_page(view(trees["item"]).nodes, search_page=False, url=url) == (
        "\n[Back to Search] \n[< Prev] \ncolor [dark | brown][[black]]\nRed Shoe Polish Kit \nPrice: $12.99 "
        "\nRating: N.A. \n[Description] \n[Features] \n[Reviews] \n[Buy Now] ")
    assert react_page(view(trees["done_text_env"]).nodes, search_page=False) == "Your score (min 0.0, max 1.0): 1.0"
    polish = shop.product("B000000001")
    many = pages.results_page(SID, I, ["kit"], 1, [polish] * 5, 5)
    assert react_page(view(many).nodes, search_page=False) == (
        "\n[Back to Search] \nPage 1 (Total results: 5) \n[Next >] "
        + "\n[B000000001] \nRed Shoe Polish Kit \n$12.99 " * 3)  # only the first three products


def test_urls_round_trip_through_the_route_shapes():
    assert pages.results_url("fixed_1", ["red", "shoes"], 2) == "/search_results/fixed_1/%5B%27red%27%2C%20%27shoes%27%5D/2"
    assert pages.done_url("a b", "B0", {"size": "x/l"}) == "/done/a%20b/B0/%7B%27size%27%3A%20%27x%2Fl%27%7D"
