"""The WebShop server: routes and URL shapes, error pages, concurrent sessions, restarts, start-up time."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import urllib.error

import pytest

from tests.conftest import http_get as get

from archer_gym.envs.webshop import WebShopEnv
from archer_gym.webshop import pages
from archer_gym.webshop.app import ServerThread, create_app
from archer_gym.webshop.dom import parse_html, view
from archer_gym.webshop.session import WebShopSessionLost
from archer_gym.webshop.shop import open_shop


@pytest.fixture(scope="module")
def shop(cache_dir):
    return open_shop(cache_dir=cache_dir)


@pytest.fixture(scope="module")
def server(shop):
    with ServerThread(create_app(shop, max_sessions=1000)) as running:
        yield running


def test_a_purchase_through_the_sites_forms_and_links(server, shop):
    goal = shop.goals[12]
    status, html = get(f"{server.url}/fixed_12")
    assert status == 200 and goal.instruction_text in html and 'id="search_input"' in html
    # The search form POSTs search_query and is redirected to page 1 of the results.
    status, html = get(f"{server.url}/fixed_12", {"search_query": goal.product.name})
    page = view(parse_html(html))
    assert status == 200 and "Page 1 (Total results: " in " ".join(n.text for n in page.nodes)
    item = pages.item_url("fixed_12", goal.asin, goal.product.name.lower().split(" "), 1,
                          {"option": value for value in goal.options[:1]})
    status, html = get(server.url + item)
    assert status == 200 and "Buy Now" in html
    status, html = get(server.url + pages.done_url("fixed_12", goal.asin, {}))
    done = view(parse_html(html))
    assert status == 200 and done.texts_by_id["reward"][0] == "Your score (min 0.0, max 1.0)"
    assert float(done.texts_by_id["reward"][-1]) == shop.score(goal, shop.product(goal.asin), {})[0]
    assert done.texts_by_id["goal-asin"][-1] == goal.asin


def test_home_redirects_and_other_sessions_get_a_reproducible_goal(server, shop):
    status, html = get(server.url + "/")
    assert status == 200 and "Instruction:" in html
    assert get(f"{server.url}/my-session")[1] == get(f"{server.url}/my-session")[1]


@pytest.mark.parametrize("path, code", [
    ("/search_results/never-opened/%5B%27x%27%5D/1", 404),
    ("/fixed_999999", 404),
    ("/fixed_abc", 404),
    ("/search_results/fixed_1/%5B1%2C%202%5D/1", 400),
    ("/search_results/fixed_1/%5Bunclosed/1", 400),
    ("/search_results/fixed_1/shoes/0", 400),
    ("/search_results/fixed_1/shoes/two", 400),
    ("/item_page/fixed_1/B0NOSUCH00/shoes/1/%7B%7D", 404),
    ("/item_sub_page/fixed_1/{asin}/shoes/1/Secrets/%7B%7D", 404),
    ("/item_page/fixed_1/{asin}/shoes/1/not-a-dict", 400),
    ("/done/fixed_1/{asin}/%7B1%3A%202%7D", 400),
    ("/done/fixed_1/{asin}", 404),
    ("/no/such/route/at/all/here/x", 404),
])
def test_bad_requests_get_4xx_pages(server, shop, path, code):
    get(f"{server.url}/fixed_1")
    status, html = get(server.url + path.format(asin=shop.goals[1].asin))
    assert status == code and "<h1>" in html


def test_odd_queries_are_served(server):
    get(f"{server.url}/fixed_2")
    for keywords in ["usb/c%20cable", "%5B%27usb/c%27%5D", "%ff%fe%00", "caf%C3%A9", "a" * 3000]:
        status, _ = get(f"{server.url}/search_results/fixed_2/{keywords}/1")
        assert status == 200, keywords


def test_forgotten_sessions_get_404(shop):
    with ServerThread(create_app(shop, max_sessions=2)) as small:
        for session in ("s1", "s2", "s3"):
            get(f"{small.url}/{session}")
        assert get(f"{small.url}/search_results/s1/shoes/1")[0] == 404  # the oldest was forgotten
        assert get(f"{small.url}/search_results/s3/shoes/1")[0] == 200


def shop_for(env, goal_index: int, goal) -> list[str]:
    """A scripted episode for ``goal`` (searches, paging, a sub-page, options, Buy Now): every
    page seen, in order, then the score (the done page itself differs between a server and the
    in-process text env, which shows no purchase details)."""
    pages_seen = [env.reset(options={"goal_index": goal_index})[0]]

    def step(action: str) -> dict:
        observation, reward, _, _, info = env.step(action)
        pages_seen.append(f"{action} -> {observation}")
        return info

    step(f"search[{goal.product.query}]")
    step("click[back to search]")
    info = step(f"search[{goal.product.name}]")
    asin = goal.asin.lower()
    while asin not in info["available_actions"]["clickables"]:
        info = step("click[next >]")
    step(f"click[{asin}]")
    step("click[description]")
    step("click[< prev]")
    for option in goal.options:
        step(f"click[{option}]")
    return [*pages_seen, f"score {env.step('click[buy now]')[1]}"]


def test_32_concurrent_sessions_see_only_their_own_pages(server, shop, cache_dir):
    """32 clients shop at once, each in its own session: every page each one sees is the page the
    same actions give in-process, so no session sees another's goal, query, item or score."""
    indices = range(0, 32 * 96, 96)
    local = WebShopEnv(cache_dir=cache_dir, max_turns=50)
    expected = {i: shop_for(local, i, shop.goals[i]) for i in indices}
    seen: dict[int, list[str]] = {}
    barrier = threading.Barrier(len(indices))

    def shopper(index: int) -> None:
        remote = WebShopEnv(server_url=server.url, max_turns=50)
        barrier.wait()
        seen[index] = shop_for(remote, index, shop.goals[index])

    threads = [threading.Thread(target=shopper, args=(i,)) for i in indices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [i for i in indices if seen.get(i) != expected[i]] == []


def test_an_episode_on_a_restarted_server_says_to_reset(shop):
    """A restarted server has forgotten the session: the env's next step says so and what to do,
    and reset() starts a new episode on the new server."""
    first = ServerThread(create_app(shop))
    env = WebShopEnv(server_url=first.url)
    env.reset(options={"goal_index": 5})
    env.step("search[shoes]")
    first.close()
    port = int(first.url.rsplit(":", 1)[1])
    with ServerThread(create_app(shop), port=port):
        with pytest.raises(WebShopSessionLost, match=r"restarted.*reset\(\)"):
            env.step("click[next >]")
        observation, info = env.reset(options={"goal_index": 5})
        assert shop.goals[5].instruction_text in observation
        assert env.step("search[shoes]")[4]["valid"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_starts_and_serves_the_first_goal(cache_dir, shop):
    """How fast is benchmarks/webshop_bench.py's business (server_start_to_first_page): a timed
    assertion here failed on a loaded machine (2.95 s)."""
    port = _free_port()
    code = f"from servers.webshop import serve; serve('127.0.0.1', {port}, cache_dir={cache_dir!r}, quiet=True)"
    start = time.monotonic()
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        while time.monotonic() - start < 30:
            try:
                status, html = get(f"http://127.0.0.1:{port}/fixed_0")
                break
            except urllib.error.URLError:
                time.sleep(0.02)
        assert status == 200 and shop.goals[0].instruction_text in html
    finally:
        process.terminate()
        process.wait(timeout=10)
