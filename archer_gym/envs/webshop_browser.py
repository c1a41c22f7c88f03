"""WebShop in a real browser: headless Chromium driven by Selenium against the WebShop site.

The same task and action grammar as :class:`~archer_gym.envs.webshop.WebShopEnv`, but every action
is carried out on the served site: ``search[query]`` types the query into ``#search_input`` and
submits the form (from any page: without a search box the browser first opens the session's
search page, which is what WebShop's search-anywhere rule amounts to); ``click[x]`` clicks the
button, product link or option radio whose text (value) is ``x``. The observation is the page's
text in WebShop's ``text`` format, read from the browser's DOM; actions that are not clickable
change nothing (``info["valid"]`` is ``False``). The done page is the server's, so its hidden
block holds the goal; the score is read from ``#reward pre``.

Without ``server_url`` the env serves the shop itself on a free loopback port. Chromium and
chromedriver come from the system (Debian: ``apt-get install chromium chromium-driver``); no
driver is downloaded. Each sub-env of the vector env has its own browser.

State key and ``privileged``: as :class:`~archer_gym.envs.webshop.WebShopEnv`'s (the goal and the
page, read from the browser's URL: the same page of the same goal has the same key in both envs).
``privileged["goal"]`` is known from the start when the env serves the shop itself; with
``server_url`` only once the done page shows it (``None`` before).
"""

from __future__ import annotations

import shutil
import tempfile
from typing import Any, Sequence
from urllib.parse import urlsplit

from archer_gym.core.game import TextGame, TurnResult
from archer_gym.core.text_env import MultiTurnTextEnv
from archer_gym.core.vector_env import MultiTurnTextVectorEnv
from archer_gym.envs.webshop import MAX_TURNS, pick_goal_index, server_info
from archer_gym.webshop.observations import text_observation
from archer_gym.webshop.pages import search_url
from archer_gym.webshop.session import (
    Location, Page, available_actions, done_page_goal, location_from_url, location_state, page_from_html, parse_action,
)

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--blink-settings=imagesEnabled=false")
"""Headless, root-safe, offline; images off (product images point to hosts that do not resolve)."""
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
PAGE_KINDS = {"search_results": "results", "item_page": "item", "item_sub_page": "sub_page", "done": "done"}
NODE_GONE = "does not belong to the document"
"""How Chromium's inspector words an element whose document was replaced, when chromedriver
reports it as an unknown error instead of a stale element (a race seen while a page loads)."""


def is_stale(error: Exception) -> bool:
    """Whether a WebDriver error says the element is no longer in the current page."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    return isinstance(error, StaleElementReferenceException) or (
        isinstance(error, WebDriverException) and NODE_GONE in (error.msg or ""))


def page_replaced(old):
    """A wait condition: true once ``old`` (an element of the previous page) is stale."""
    from selenium.common.exceptions import WebDriverException

    def replaced(_driver) -> bool:
        try:
            old.is_enabled()
        except WebDriverException as error:
            if is_stale(error):
                return True
            raise
        return False

    return replaced


def _find(names: Sequence[str], what: str) -> str:
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    raise FileNotFoundError(f"{what} not found (looked for {', '.join(names)}); on Debian/Ubuntu: "
                            "apt-get install chromium chromium-driver")


class Browser:
    """One headless Chromium with its own empty profile."""

    def __init__(self, timeout_s: float = 30.0):
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service

        self.profile = tempfile.mkdtemp(prefix="archer-webshop-chromium-")
        options = Options()
        options.binary_location = _find(CHROMIUM_NAMES, "Chromium")
        for flag in CHROMIUM_FLAGS + (f"--user-data-dir={self.profile}",):
            options.add_argument(flag)
        service = Service(executable_path=_find(("chromedriver",), "chromedriver"))
        self.driver = webdriver.Chrome(service=service, options=options)
        self.driver.set_page_load_timeout(timeout_s)
        self.timeout_s = timeout_s

    def page(self) -> Page:
        """The current page as the agent sees it."""
        path = urlsplit(self.driver.current_url).path
        kind = PAGE_KINDS.get(path.strip("/").split("/")[0], "search")
        return page_from_html(Location(kind), self.driver.page_source)

    def open(self, url: str) -> None:
        self.driver.get(url)

    def navigate(self, act) -> None:
        """Run ``act`` (a click or a form submission) and wait for the next page to load."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait

        old = self.driver.find_element(By.TAG_NAME, "html")
        act()
        wait = WebDriverWait(self.driver, self.timeout_s)
        wait.until(page_replaced(old))
        wait.until(lambda d: d.execute_script("return document.readyState") == "complete")

    def search(self, query: str, *, attempts: int = 3) -> None:
        """Type ``query`` into the search box and submit it."""
        from selenium.webdriver.common.by import By

        def type_and_submit() -> None:
            box = self.driver.find_element(By.ID, "search_input")
            box.send_keys(query)
            self.navigate(box.submit)

        self._retry_if_stale(type_and_submit, attempts)

    def click(self, key: str, kind: str, *, attempts: int = 3) -> None:
        """Click the element whose lower-cased text (radio: value) is ``key``."""
        self._retry_if_stale(lambda: self.navigate(self._find_clickable(key, kind).click), attempts)

    @staticmethod
    def _retry_if_stale(act, attempts: int) -> None:
        """Run ``act`` (find elements, then navigate), again while an element it found goes stale.

        An element found a moment earlier can go stale before it is read or used (Chromium still
        settling the page); the click or submission has then not happened, so ``act`` looks its
        elements up again. Once it has happened, the wait for the next page takes the old page's
        elements going stale as success (:func:`page_replaced`), so a stale error here never
        means the action was carried out.
        """
        from selenium.common.exceptions import WebDriverException

        for attempt in range(attempts):
            try:
                act()
                return
            except WebDriverException as error:
                if not is_stale(error) or attempt == attempts - 1:
                    raise

    def _find_clickable(self, key: str, kind: str):
        from selenium.webdriver.common.by import By

        if kind == "option":
            candidates = self.driver.find_elements(By.CSS_SELECTOR, "input[type=radio]")
            return next(e for e in candidates if e.get_attribute("value") == key)
        css = ".btn" if kind == "button" else ".product-link"
        return next(e for e in self.driver.find_elements(By.CSS_SELECTOR, css) if e.text.lower() == key)

    def close(self) -> None:
        self.driver.quit()
        shutil.rmtree(self.profile, ignore_errors=True)


class WebShopBrowserGame(TextGame):
    """``num_slots`` browsers on one WebShop site."""

    state_kind = "webshop"

    def __init__(self, num_slots: int = 1, *, server_url: str | None = None, data_dir: str | None = None,
                 cache_dir: str | None = None, split: str = "train", mode: str = "default",
                 show_attrs: bool = False, timeout_s: float = 30.0):
        self.num_slots, self.split = num_slots, split
        self._server = None
        self._shop = None
        if server_url is None:
            from archer_gym.webshop.app import ServerThread, create_app
            from archer_gym.webshop.goals import DEFAULT_PRICE_SEED
            from archer_gym.webshop.shop import open_shop

            # The shop create_app would open, kept here for privileged_info's goals.
            self._shop = open_shop(data_dir, cache_dir=cache_dir,
                                   price_seed=DEFAULT_PRICE_SEED if mode == "default" else None)
            app = create_app(self._shop, show_attrs=show_attrs, mode=mode)
            self._server = ServerThread(app)
            server_url = self._server.url
        self.server_url = server_url.rstrip("/")
        self.description = server_info(self.server_url)
        self.browsers: list[Browser] = []
        try:
            self.browsers = [Browser(timeout_s) for _ in range(num_slots)]
        except Exception:
            self.close()
            raise
        self.pages: list[Page | None] = [None] * num_slots
        self.goal_indices = [0] * num_slots
        self.instructions = [""] * num_slots

    def begin(self, slot, rng, options):
        goal_index = pick_goal_index(options, rng, self.split, self.description["num_goals"])
        self.goal_indices[slot] = goal_index
        self.browsers[slot].open(self.server_url + search_url(f"fixed_{goal_index}"))
        page = self.pages[slot] = self.browsers[slot].page()
        self.instructions[slot] = page.view.texts_by_id.get("instruction-text", [""])[-1]
        return text_observation(page.view.nodes), self._info(slot, page, valid=True, error="")

    def play(self, slots: Sequence[int], utterances: Sequence[str]) -> list[TurnResult]:
        return [self._play_one(slot, utterance) for slot, utterance in zip(slots, utterances)]

    def _play_one(self, slot: int, utterance: str) -> TurnResult:
        browser, page = self.browsers[slot], self.pages[slot]
        name, argument = parse_action(utterance)
        argument = None if argument is None else argument.lower()
        clickable = page.view.clickables.get(argument) if name == "click" and argument != "search" else None
        if name == "search" and argument:
            if not page.view.has_search_bar:
                browser.open(self.server_url + search_url(f"fixed_{self.goal_indices[slot]}"))
            browser.search(argument)
        elif clickable is not None:
            browser.click(argument, clickable.kind)
        else:
            error = f"not a valid action on this page: {utterance!r}; see info['available_actions']"
            return TurnResult(text_observation(page.view.nodes), text_observation(page.view.nodes), 0.0,
                              success=False, info=self._info(slot, page, valid=False, error=error))
        page = self.pages[slot] = browser.page()
        observation = text_observation(page.view.nodes)
        done = page.location.kind == "done"
        reward = float(page.reward) if done else 0.0
        return TurnResult(observation, observation, reward, success=done and reward == 1.0,
                          game_over=done and reward != 1.0, info=self._info(slot, page, valid=True, error=""))

    def _info(self, slot: int, page: Page, *, valid: bool, error: str) -> dict[str, Any]:
        return {"goal_index": self.goal_indices[slot], "instruction": page.view.texts_by_id["instruction-text"][-1]
                if "instruction-text" in page.view.texts_by_id else "", "page": page.location.kind,
                "url": self.browsers[slot].driver.current_url, "available_actions": available_actions(page),
                "valid": valid, "error": error}

    def state_description(self, slot: int) -> dict[str, Any]:
        url = self.browsers[slot].driver.current_url
        location = location_from_url(url)
        where = location_state(location) if location is not None else {"url": urlsplit(url).path}
        return {"goal": [self.goal_indices[slot], self.instructions[slot]], "page": where}

    def privileged(self, slot: int) -> dict[str, Any]:
        page, index = self.pages[slot], self.goal_indices[slot]
        if self._shop is not None:
            goal = self._shop.goals[index].as_original()
        else:
            goal = done_page_goal(page) if page.location.kind == "done" else None
        return {"goal_index": index, "goal": goal}

    def final_info(self, slot: int) -> dict[str, Any]:
        page = self.pages[slot]
        info: dict[str, Any] = {"shop": self.description}
        if page.location.kind == "done":
            info.update(goal=done_page_goal(page), reward_info=page.reward_info)
        return info

    def close(self) -> None:
        for browser in self.browsers:
            browser.close()
        self.browsers = []
        if self._server is not None:
            self._server.close()
            self._server = None


class WebShopBrowserEnv(MultiTurnTextEnv):
    """WebShop played in headless Chromium.

    Args:
        server_url: a running WebShop site; default: serve one on a free loopback port.
        data_dir, cache_dir, mode, show_attrs: the catalogue of the self-started server (as
            :class:`~archer_gym.envs.webshop.WebShopEnv`).
        split: goals drawn at reset (``train`` by default); ``options={"goal_index": i}`` pins one.
        timeout_s: page-load timeout.
        max_turns: horizon (10).
        privileged_info: report the goal in ``info["privileged"]`` (training only). Off by default.
    """

    def __init__(self, server_url: str | None = None, data_dir: str | None = None, cache_dir: str | None = None,
                 split: str = "train", mode: str = "default", show_attrs: bool = False, timeout_s: float = 30.0,
                 max_turns: int = MAX_TURNS, render_mode: str | None = None, privileged_info: bool = False):
        game = WebShopBrowserGame(1, server_url=server_url, data_dir=data_dir, cache_dir=cache_dir, split=split,
                                  mode=mode, show_attrs=show_attrs, timeout_s=timeout_s)
        super().__init__(game, max_turns=max_turns, render_mode=render_mode, privileged_info=privileged_info)


class WebShopBrowserVectorEnv(MultiTurnTextVectorEnv):
    """``num_envs`` browsers on one site. Same arguments as :class:`WebShopBrowserEnv`, plus
    ``num_envs`` and ``autoreset_mode``."""

    def __init__(self, num_envs: int = 1, server_url: str | None = None, data_dir: str | None = None,
                 cache_dir: str | None = None, split: str = "train", mode: str = "default",
                 show_attrs: bool = False, timeout_s: float = 30.0, max_turns: int = MAX_TURNS,
                 autoreset_mode: str = "NextStep", privileged_info: bool = False):
        game = WebShopBrowserGame(num_envs, server_url=server_url, data_dir=data_dir, cache_dir=cache_dir,
                                  split=split, mode=mode, show_attrs=show_attrs, timeout_s=timeout_s)
        super().__init__(game, max_turns=max_turns, autoreset_mode=autoreset_mode,
                         privileged_info=privileged_info)
