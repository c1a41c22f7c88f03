"""The scripted WebShop shopper (:mod:`archer_gym.datasets.webshop`) on the bundled catalogue."""

from __future__ import annotations

import json
from types import SimpleNamespace

import gymnasium as gym
import numpy as np
import pytest

from archer_gym.data import read_json
from archer_gym.datasets import webshop
from archer_gym.datasets.webshop import TRAINING_SPLITS, ShopperDemonstrator, generate_episodes, shopping_list
from archer_gym.evaluation.agents import FirstResultShopper
from archer_gym.evaluation.runner import Request
from archer_gym.evaluation.splits import Task

WEBSHOP, ARCHER, VERL = "archer/WebShop-v0", "archer/WebShopArCHer-v0", "archer/WebShopVerlAgent-v0"


@pytest.fixture
def steps(monkeypatch):
    """Every ``(action, info)`` the envs that ``generate_episodes`` builds receive and answer."""
    seen: list[tuple[str, dict]] = []

    class Recorder(gym.Wrapper):
        def step(self, action):
            result = super().step(action)
            seen.append((action, result[4]))
            return result

    monkeypatch.setattr(webshop, "gym", SimpleNamespace(make=lambda *args, **kwargs: Recorder(gym.make(*args, **kwargs))))
    return seen


def mean_return(records: list[dict]) -> float:
    return float(np.mean([r["return"] for r in records]))


def first_result_scores(env_id: str, records: list[dict]) -> list[float]:
    """The ``FirstResultShopper`` reference row on the records' goals (reset as they were)."""
    env, agent, scores = gym.make(env_id), FirstResultShopper(), []
    for record in records:
        observation, info = env.reset(seed=record["seed"], options={"split": TRAINING_SPLITS[env_id]})
        assert info["goal_index"] == record["task"]
        for turn in range(env.unwrapped.max_turns):
            action = agent.act([Request(Task(str(record["task"]), record["seed"]), turn, observation, info)])[0]
            observation, reward, terminated, truncated, info = env.step(action)
            if terminated or truncated:
                break
        scores.append(reward)
    return scores


# ------------------------------------------------------------------ reading the instruction
def test_the_query_is_what_the_instruction_asks_for():
    wants = shopping_list("Because my old one broke, i would like extra virgin olive oil, easy-to-use, non gmo and "
                          "bold crunch, and price lower than 50.00 dollars")
    assert wants.query == "extra virgin olive oil easy use non gmo" and wants.budget == 50.0
    wants = shopping_list("can you get me phone case with easy to pair, silver color and pattern name with charger "
                          "with color: black | red, and pattern name: renewed, and style: standard, and price "
                          "lower than 90.00 dollars")  # a synthetic goal: the options are the last clause
    assert wants.query == "phone case easy pair silver color pattern name"
    assert wants.options_text == "color: black | red, and pattern name: renewed, and style: standard"
    assert shopping_list("tv stand").query == "tv stand" and shopping_list("tv stand").budget is None


# ------------------------------------------------------------------ playing
def test_the_noiseless_shopper_plays_valid_actions_buys_and_beats_the_first_result(steps):
    records = list(generate_episodes(20, noise=0.0, seed=1))
    assert steps and all(info["valid"] for _, info in steps), [(a, i["error"]) for a, i in steps if not i["valid"]]
    assert all(r["turns"][-1]["action"] == "click[buy now]" for r in records)
    assert all(r["return"] == r["turns"][-1]["reward"] and r["success"] == (r["return"] == 1.0) for r in records)
    assert all(len(r["turns"]) <= 10 for r in records)
    # It searches for the product, not the instruction, and picks options: a clearly better row.
    baseline = float(np.mean(first_result_scores(WEBSHOP, records)))
    assert mean_return(records) > baseline + 0.05, (mean_return(records), baseline)
    assert any(r["success"] for r in records)


def test_noise_makes_mistakes_but_still_buys():
    clean, noisy = (list(generate_episodes(40, noise=noise, seed=2)) for noise in (0.0, 1.0))
    assert [r["task"] for r in clean] == [r["task"] for r in noisy]  # the same goals
    assert mean_return(noisy) < mean_return(clean) - 0.2
    assert all(r["turns"][-1]["action"] == "click[buy now]" for r in noisy)
    default = list(generate_episodes(40, seed=2))
    assert mean_return(noisy) < mean_return(default) < mean_return(clean)


def test_records_repeat_with_the_seed_and_hold_the_envs_observations():
    records = list(generate_episodes(6, seed=3))
    assert list(generate_episodes(6, seed=3)) == records
    assert json.loads(json.dumps(records)) == records  # plain JSON, ready for a JSONL file
    assert [r["turns"] for r in generate_episodes(6, seed=4)] != [r["turns"] for r in records]
    env = gym.make(WEBSHOP)
    for record in records:
        observation, info = env.reset(seed=record["seed"], options={"split": "train"})
        assert info["goal_index"] == record["task"]
        for turn in record["turns"]:
            assert turn["observation"] == observation
            observation, reward, *_ = env.step(turn["action"])
            assert turn["reward"] == reward


def test_goals_come_from_the_training_split_never_the_test_split():
    """The evaluation's frozen splits (``eval_splits.json``) say which goals each id tests on."""
    ranges = read_json("eval_splits.json")["envs"]
    for env_id, episodes in ((WEBSHOP, 40), (ARCHER, 10), (VERL, 10)):
        bundled = ranges[env_id]["goal_ranges"]["bundled"]
        (train_start, train_stop), (test_start, test_stop) = bundled["train"], bundled["test"]
        for record in generate_episodes(episodes, noise=1.0, env_id=env_id):
            assert train_start <= record["task"] < (train_stop or float("inf"))
            # ArCHer trains and evaluates on the same 100 goals by design; the others never test.
            assert env_id == ARCHER or not test_start <= record["task"] < test_stop


def test_a_split_inside_the_training_split_may_be_chosen():
    assert {r["task"] for r in generate_episodes(5, split="archer")} <= set(range(2000, 2100))


def test_archers_setup_gets_its_case_sensitive_labels(steps):
    records = list(generate_episodes(4, noise=0.0, env_id=ARCHER)) + list(generate_episodes(4, noise=1.0,
                                                                                            env_id=ARCHER))
    assert all(info["valid"] for _, info in steps), [(a, i["error"]) for a, i in steps if not i["valid"]]
    assert all(r["turns"][-1]["action"] == "click[Buy Now]" for r in records)
    clicked = [t["action"][len("click["):-1] for r in records for t in r["turns"] if t["action"].startswith("click[")]
    assert any(label.startswith("B0") for label in clicked)  # ASINs as shown, upper case
    assert not any(label.startswith("b0") for label in clicked)
    first = records[0]["turns"]
    assert first[0]["observation"].startswith("\nObservation:\n") and "\nAction:\n" in first[1]["observation"]


def test_verl_agents_setup(steps):
    records = list(generate_episodes(4, noise=0.0, env_id=VERL)) + list(generate_episodes(4, noise=0.5,
                                                                                          env_id=VERL))
    assert all(info["valid"] for _, info in steps), [(a, i["error"]) for a, i in steps if not i["valid"]]
    assert all(r["turns"][-1]["action"] == "click[buy now]" and len(r["turns"]) <= 15 for r in records)
    assert all(r["task"] >= 500 for r in records)


# ------------------------------------------------------------------ arguments
@pytest.mark.parametrize("noise", [-0.1, 1.5, float("nan")])
def test_a_noise_outside_zero_one_is_refused(noise):
    with pytest.raises(ValueError, match="noise"):
        generate_episodes(1, noise=noise)
    with pytest.raises(ValueError, match="noise"):
        ShopperDemonstrator(noise)


def test_bad_arguments_are_refused_before_the_first_record():
    with pytest.raises(ValueError, match="episodes"):
        generate_episodes(-1)
    for env_id, split in ((WEBSHOP, "test"), (WEBSHOP, "eval"), (WEBSHOP, "all"), (ARCHER, "train"), (VERL, "test")):
        with pytest.raises(ValueError, match="training split"):
            generate_episodes(1, env_id=env_id, split=split)
    with pytest.raises(ValueError, match="WebShop demonstrator"):
        generate_episodes(1, env_id="archer/TwentyQuestions-v0")
    assert list(generate_episodes(0)) == []
