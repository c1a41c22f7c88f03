"""archer/WebShopBrowser-v0: the task played in headless Chromium against the served site."""

from __future__ import annotations

import shutil

import gymnasium as gym

import archer_gym  # noqa: F401  (registers the ids)
import pytest

from archer_gym.envs.webshop import WebShopEnv
from archer_gym.webshop.shop import open_shop

pytestmark = pytest.mark.skipif(shutil.which("chromedriver") is None,
                                reason="needs Debian's chromium and chromium-driver packages")
ENV_ID = "archer/WebShopBrowser-v0"


@pytest.fixture(scope="module")
def browser_env(cache_dir):
    env = gym.make(ENV_ID, cache_dir=cache_dir, max_turns=20)
    yield env
    env.close()


def test_buying_the_goal_in_chromium_scores_one(browser_env, cache_dir):
    goal = open_shop(cache_dir=cache_dir).goals[2000]
    obs, info = browser_env.reset(options={"goal_index": 2000})
    assert obs == f"WebShop [SEP] Instruction: [SEP] {goal.instruction_text} [SEP] Search"
    _, _, _, _, info = browser_env.step(f"search[{goal.product.name}]")
    while goal.asin.lower() not in info["available_actions"]["clickables"]:
        _, _, _, _, info = browser_env.step("click[next >]")
    browser_env.step(f"click[{goal.asin.lower()}]")
    for option in goal.options:
        _, _, _, _, info = browser_env.step(f"click[{option}]")
        assert info["valid"] and info["page"] == "item"
    _, _, _, _, info = browser_env.step("click[not a button]")
    assert not info["valid"]
    obs, reward, terminated, truncated, info = browser_env.step("click[buy now]")
    assert reward == 1.0 and terminated and info["success"] and info["goal"]["asin"] == goal.asin
    assert "[SEP] Your score (min 0.0, max 1.0) [SEP] 1.0 [SEP]" in obs


def test_chromium_sees_what_the_http_env_sees(browser_env, cache_dir):
    server_url = browser_env.unwrapped.game.server_url
    http = WebShopEnv(server_url=server_url, cache_dir=cache_dir, max_turns=20)
    goal = open_shop(cache_dir=cache_dir).goals[7]
    assert browser_env.reset(options={"goal_index": 7})[0] == http.reset(options={"goal_index": 7})[0]
    for action in [f"search[{goal.product.query}]", "click[next >]", "click[< prev]", f"search[{goal.product.name}]",
                   "click[description]", "click[back to search]", "search[usb/c cable]"]:
        a, b = browser_env.step(action), http.step(action)
        assert a[:4] == b[:4], action
        assert a[4]["available_actions"] == b[4]["available_actions"], action


def test_a_click_on_an_element_gone_stale_looks_it_up_again():
    """No Chromium needed: a driver whose first ``stale`` lookups return elements gone stale."""
    from selenium.common.exceptions import StaleElementReferenceException

    from archer_gym.envs.webshop_browser import Browser

    clicked = []

    class Element:
        text = "Buy Now"

        def __init__(self, stale):
            self.stale = stale

        def click(self):
            if self.stale:
                raise StaleElementReferenceException("stale")
            clicked.append(self)

    class Driver:
        def __init__(self, stale):
            self.stale, self.lookups = stale, 0

        def find_elements(self, by, css):
            self.lookups += 1
            return [Element(stale=self.lookups <= self.stale)]

    browser = object.__new__(Browser)
    browser.navigate = lambda act: act()
    browser.driver = Driver(stale=1)
    browser.click("buy now", "button")
    assert browser.driver.lookups == 2 and len(clicked) == 1
    browser.driver = Driver(stale=5)
    with pytest.raises(StaleElementReferenceException):
        browser.click("buy now", "button", attempts=3)
    assert browser.driver.lookups == 3 and len(clicked) == 1


NODE_GONE_ERROR = ('unknown error: unhandled inspector error: {"code":-32000,'
                   '"message":"Node with given id does not belong to the document"}')


class OldPage:
    """The previous page's ``<html>`` element, read after the next page started loading."""

    def __init__(self, error):
        self.error = error

    def is_enabled(self):
        if self.error is not None:
            raise self.error
        return True


class LoadedDriver:
    def __init__(self, old):
        self.old = old

    def find_element(self, by, value):
        return self.old

    def execute_script(self, script):
        return "complete"


@pytest.mark.parametrize("error", ["stale", "node gone"])
def test_the_wait_for_the_next_page_takes_chromiums_node_gone_error_as_stale(error):
    """No Chromium needed. Chromium sometimes answers a read of the old page's element with an
    inspector error instead of a stale-element error (seen in CI); both mean the page changed."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    from archer_gym.envs.webshop_browser import Browser

    browser = object.__new__(Browser)
    browser.timeout_s = 1.0
    browser.driver = LoadedDriver(OldPage(StaleElementReferenceException("stale") if error == "stale"
                                          else WebDriverException(NODE_GONE_ERROR)))
    acted = []
    browser.navigate(lambda: acted.append(True))
    assert acted == [True]


def test_the_wait_for_the_next_page_raises_other_driver_errors_and_times_out():
    from selenium.common.exceptions import TimeoutException, WebDriverException

    from archer_gym.envs.webshop_browser import Browser

    browser = object.__new__(Browser)
    browser.timeout_s = 0.2
    browser.driver = LoadedDriver(OldPage(WebDriverException("chrome not reachable")))
    with pytest.raises(WebDriverException, match="chrome not reachable"):
        browser.navigate(lambda: None)
    browser.driver = LoadedDriver(OldPage(None))  # the page never changes
    with pytest.raises(TimeoutException):
        browser.navigate(lambda: None)


def test_a_click_that_meets_the_node_gone_error_looks_the_element_up_again():
    from selenium.common.exceptions import WebDriverException

    from archer_gym.envs.webshop_browser import Browser

    lookups = []

    class Element:
        text = "Buy Now"

        def click(self):
            if len(lookups) == 1:
                raise WebDriverException(NODE_GONE_ERROR)

    class Driver:
        def find_elements(self, by, css):
            lookups.append(css)
            return [Element()]

    browser = object.__new__(Browser)
    browser.navigate = lambda act: act()
    browser.driver = Driver()
    browser.click("buy now", "button")
    assert len(lookups) == 2


def test_a_search_whose_box_goes_stale_types_the_query_again():
    from selenium.common.exceptions import StaleElementReferenceException

    from archer_gym.envs.webshop_browser import Browser

    typed, submitted = [], []

    class Box:
        def __init__(self, stale):
            self.stale = stale

        def send_keys(self, text):
            if self.stale:
                raise StaleElementReferenceException("stale")
            typed.append(text)

        def submit(self):
            submitted.append(True)

    class Driver:
        lookups = 0

        def find_element(self, by, value):
            assert value == "search_input"
            self.lookups += 1
            return Box(stale=self.lookups == 1)

    browser = object.__new__(Browser)
    browser.navigate = lambda act: act()
    browser.driver = Driver()
    browser.search("usb cable")
    assert typed == ["usb cable"] and submitted == [True]
