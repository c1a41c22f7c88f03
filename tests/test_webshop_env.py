"""archer/WebShop-v0: API, scripted wins in-process and over HTTP, invalid and fuzzed actions."""

from __future__ import annotations

import random

import gymnasium as gym

import archer_gym  # noqa: F401  (registers the ids)
import pytest
from gymnasium.utils.env_checker import check_env

from archer_gym.envs.webshop import WebShopEnv, WebShopVectorEnv
from archer_gym.webshop.app import ServerThread, create_app
from archer_gym.webshop.shop import open_shop

ENV_ID = "archer/WebShop-v0"


@pytest.fixture(scope="module")
def server(cache_dir):
    with ServerThread(create_app(cache_dir=cache_dir)) as running:
        yield running


def make(cache_dir, **kwargs) -> WebShopEnv:
    return gym.make(ENV_ID, cache_dir=cache_dir, **kwargs)


def play_to_win(env, goal, observation_mode="text"):
    """Play the scripted win for ``goal`` (a Goal of the bundled shop); return the last step."""
    env.reset(options={"goal_index": goal[0]})
    _, _, _, _, info = env.step(f"search[{goal[1].product.name}]")
    asin = goal[1].asin.lower()
    while asin not in info["available_actions"]["clickables"]:
        assert "next >" in info["available_actions"]["clickables"]
        _, _, _, _, info = env.step("click[next >]")
    step = env.step(f"click[{asin}]")
    for option in goal[1].options:
        step = env.step(f"click[{option}]")
        assert step[4]["valid"], option
    return env.step("click[buy now]")


@pytest.fixture(scope="module")
def goals(cache_dir):
    shop = open_shop(cache_dir=cache_dir)
    return {i: shop.goals[i] for i in (0, 7, 2000, 2099, 1600)}


@pytest.mark.parametrize("index", [0, 7, 2000, 2099, 1600])
@pytest.mark.parametrize("observation_mode", ["text", "react"])
def test_buying_the_goal_scores_one_in_process(cache_dir, goals, index, observation_mode):
    env = make(cache_dir, observation_mode=observation_mode)
    obs, reward, terminated, truncated, info = play_to_win(env, (index, goals[index]))
    assert reward == 1.0 and terminated and not truncated and info["success"]
    assert info["goal"]["asin"] == goals[index].asin and info["reward_info"]["r_type"] == 1.0
    if observation_mode == "text":
        assert "[SEP] Your score (min 0.0, max 1.0) [SEP] 1.0 [SEP]" in obs
    else:
        assert "\nObservation:\nYour score (min 0.0, max 1.0): 1.0\nInstruction:\n" in obs


def test_buying_the_goal_scores_one_over_http(cache_dir, goals, server):
    env = make(cache_dir, server_url=server.url)
    obs, reward, terminated, _, info = play_to_win(env, (2000, goals[2000]))
    assert reward == 1.0 and terminated and info["goal"]["asin"] == goals[2000].asin
    assert info["reward_info"]["r_type"] == 1.0


def test_http_and_in_process_show_the_same_pages(cache_dir, goals, server):
    local, remote = make(cache_dir), make(cache_dir, server_url=server.url)
    goal = goals[7]
    assert local.reset(options={"goal_index": 7})[0] == remote.reset(options={"goal_index": 7})[0]
    for action in [f"search[{goal.product.query}]", "click[next >]", "click[< prev]", "click[back to search]",
                   f"search[{goal.product.name}]", f"click[{goal.asin.lower()}]", "click[features]", "click[< prev]",
                   "click[nothing]"]:
        a, b = local.step(action), remote.step(action)
        assert a[:4] == b[:4], action
        assert a[4]["available_actions"] == b[4]["available_actions"] and a[4]["valid"] == b[4]["valid"]


def test_check_env(cache_dir):
    check_env(make(cache_dir).unwrapped, skip_render_check=True)
    check_env(make(cache_dir, observation_mode="react").unwrapped, skip_render_check=True)


def test_goal_is_hidden_until_the_end_and_horizon_truncates(cache_dir, goals):
    env = make(cache_dir, max_turns=3)
    obs, info = env.reset(options={"goal_index": 2000})
    goal = goals[2000]
    assert info["goal_index"] == 2000 and info["instruction"] == goal.instruction_text
    assert "goal" not in info and goal.asin not in obs
    for turn in range(3):
        obs, reward, terminated, truncated, info = env.step("search[anything]")
        assert "goal" not in info or truncated
    assert truncated and not terminated and reward == 0.0 and info["goal"]["asin"] == goal.asin
    with pytest.raises(gym.error.ResetNeeded):
        env.step("search[more]")


def test_seeded_resets_draw_from_the_split(cache_dir):
    env = make(cache_dir, split="archer")
    first = [env.reset(seed=s)[1]["goal_index"] for s in range(20)]
    assert first == [env.reset(seed=s)[1]["goal_index"] for s in range(20)]
    assert all(2000 <= i < 2100 for i in first) and len(set(first)) > 5
    assert 0 <= env.reset(options={"split": "test"})[1]["goal_index"] < 500
    with pytest.raises(ValueError, match="unknown reset option"):
        env.reset(options={"goal": 3})
    with pytest.raises(ValueError, match="out of range"):
        env.reset(options={"goal_index": 10**6})


@pytest.mark.parametrize("action, error", [
    ("search[red [big] shoes]", "unknown action"),  # brackets inside: WebShop's regex makes another name
    ("click[no such button]", "not clickable"),
    ("click[search]", "use search[query]"),
    ("search[]", "not an action"),
    ("buy the first one", "not an action"),
    ("click[b0zzzzzzzz]", "not clickable"),  # a product not on the page
])
def test_invalid_actions_change_nothing(cache_dir, action, error):
    for mode in ("text", "react"):
        env = make(cache_dir, observation_mode=mode)
        env.reset(options={"goal_index": 3})
        before, *_ = env.step("search[shampoo]")
        obs, reward, terminated, truncated, info = env.step(action)
        assert not info["valid"] and error in info["error"] and reward == 0.0 and not terminated
        assert obs == before if mode == "text" else obs.endswith(f"\nAction:\n{action}\nObservation:\nInvalid action!"
                                                                 f"\nInstruction:\n{info['instruction']}")


def test_search_works_on_every_page_and_buy_now_needs_no_option(cache_dir, goals):
    env = make(cache_dir, max_turns=30)
    goal = goals[0]
    env.reset(options={"goal_index": 0})
    env.step(f"search[{goal.product.name}]")
    _, _, _, _, info = env.step("click[" + next(c for c in env.unwrapped.game.episodes[0].session.page.view.clickables
                                                if c.startswith("b0")) + "]")
    obs, _, _, _, info = env.step("search[Garden HOSE]")  # from an item page; lower-cased like WebShop
    assert info["valid"] and info["page"] == "results" and "%5B%27garden%27%2C%20%27hose%27%5D" in info["url"]
    _, _, _, _, info = env.step(f"search[{goal.product.name}]")
    while goal.asin.lower() not in info["available_actions"]["clickables"]:
        _, _, _, _, info = env.step("click[next >]")
    env.step(f"click[{goal.asin.lower()}]")
    _, reward, terminated, _, info = env.step("click[buy now]")
    assert terminated and (reward < 1.0) == bool(goal.options)  # unselected options do not match


def test_overlong_and_non_utf8_actions(cache_dir):
    env = make(cache_dir)
    env.reset(options={"goal_index": 1})
    _, _, _, _, info = env.step("search[" + "shampoo " * 500 + "]")  # cut at 512 characters: no closing bracket
    assert not info["valid"]
    _, _, _, _, info = env.step(b"search[caf\xe9 \xff shampoo]")
    assert info["valid"] and info["page"] == "results"


def test_fuzzed_actions_never_crash(cache_dir):
    env = make(cache_dir, max_turns=200)
    env.reset(seed=0)
    rng = random.Random(0)
    pieces = ["search[", "click[", "]", "[", "buy now", "< prev", "next >", "back to search", "description",
              "b0", "\x00", "é", "🙂", "\n", " ", "shoes", "'", '"', "%2F", "/", "{", "}"]
    for _ in range(200):
        action = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))
        obs, reward, terminated, truncated, info = env.step(action)
        assert isinstance(obs, str) and 0.0 <= reward <= 1.0
        if terminated or truncated:
            env.reset(seed=rng.randrange(1000))


def test_vector_env(cache_dir, goals, server):
    for url in (None, server.url):
        envs = WebShopVectorEnv(num_envs=3, cache_dir=cache_dir, server_url=url)
        obs, infos = envs.reset(options={"goal_index": [0, 7, 2000]})
        assert [o.split(" [SEP] ")[2] for o in obs] == [goals[i].instruction_text for i in (0, 7, 2000)]
        obs, rewards, terminated, truncated, infos = envs.step(["search[shampoo]", "click[bogus]", "search[tv]"])
        assert list(infos["valid"]) == [True, False, True] and not terminated.any()
        envs.close()
