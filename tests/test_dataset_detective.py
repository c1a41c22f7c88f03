"""The scripted Detective demonstrator (the walkthrough with deviations) and its records. Needs
``jericho`` and the ROM in the shared data folder. Most tests pass ``valid_actions=False``: a
valid-action list costs ~0.5 s per new game state, and deviations make every later state new."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import SHARED_DATA

pytest.importorskip("jericho")

from archer_gym.datasets.detective import (  # noqa: E402
    DEFAULT_NOISE, WalkthroughDemonstrator, generate_episodes, solution,
)
from archer_gym.envs.detective import DetectiveEnv, RomNotFoundError  # noqa: E402
from archer_gym.envs.detective_valid_actions import make_frotz_env  # noqa: E402

ROM = SHARED_DATA / "detective.z5"

if not ROM.is_file():  # pragma: no cover
    pytest.skip(f"Detective ROM not found at {ROM}", allow_module_level=True)


def episodes(n: int, noise: float, seed: int = 0, **env_kwargs) -> list[dict]:
    env_kwargs.setdefault("valid_actions", False)
    return list(generate_episodes(n, noise=noise, seed=seed, rom_path=ROM, **env_kwargs))


def test_the_solution_is_the_walkthrough_without_its_idle_steps():
    walkthrough = make_frotz_env(str(ROM)).get_walkthrough()
    steps = solution(ROM)
    assert len(walkthrough) == 51 and len(steps) == 46
    idle = list(walkthrough)
    for action in steps:  # the solution is the walkthrough in order, less some steps
        idle.remove(action)
    assert idle == ["READ PAPER", "INVENTORY", "READ NOTE", "W", "N"]


def test_noise_zero_wins_within_the_horizon():
    for record in episodes(2, noise=0.0):
        assert [t["action"] for t in record["turns"]] == solution(ROM)
        assert record["return"] == 350.0 and record["success"] is True
        assert sum(t["reward"] for t in record["turns"]) == 350.0


def test_the_full_walkthrough_would_miss_the_victory_by_one_turn():
    """Why the demonstrator drops the idle steps: Jericho's 51 steps collect the 350 points by
    turn 50, where the env's horizon cuts the episode before the winning ``up``."""
    env = DetectiveEnv(rom_path=ROM, valid_actions=False)
    player = WalkthroughDemonstrator(make_frotz_env(str(ROM)).get_walkthrough(), noise=0.0)
    observation, info = env.reset(seed=0)
    player.start(np.random.default_rng(0))
    total, terminated, truncated = 0.0, False, False
    while not (terminated or truncated):
        observation, reward, terminated, truncated, info = env.step(player.act(observation, info))
        total += reward
    assert total == 350.0 and truncated and not info["success"] and info["turn"] == 50


def test_more_noise_gives_less_return():
    records = {noise: episodes(10, noise) for noise in (0.0, DEFAULT_NOISE, 1.0)}
    means = {noise: np.mean([r["return"] for r in games]) for noise, games in records.items()}
    assert means[0.0] == 350.0 > means[DEFAULT_NOISE] > means[1.0]
    # The default is suboptimal, yet some of its games are still won.
    assert 0 < sum(r["success"] for r in records[DEFAULT_NOISE]) < 10


def test_records_repeat_with_the_seed_and_hold_the_envs_observations():
    first, again, other = episodes(3, 0.3, seed=7), episodes(3, 0.3, seed=7), episodes(3, 0.3, seed=8)
    assert first == again and first != other
    assert [r["seed"] for r in first] == [7_000_021, 7_000_022, 7_000_023]
    env = DetectiveEnv(rom_path=ROM, valid_actions=False)
    for record in first:
        assert record["task"] == "start"
        observation, info = env.reset(seed=record["seed"])
        for turn in record["turns"]:
            assert turn["observation"] == observation
            observation, reward, terminated, truncated, info = env.step(turn["action"])
            assert turn["reward"] == reward
        assert terminated or truncated
        assert record["success"] == info["success"] and record["return"] == info["episode_return"]


def test_paper_mode():
    [record] = episodes(1, 0.0, mode="paper")
    assert record["return"] == 350.0 and record["success"]
    first = record["turns"][0]["observation"]
    assert "[Location]" not in first and first.startswith(DetectiveEnv(rom_path=ROM, mode="paper",
                                                                       valid_actions=False).reset()[0])
    assert len(episodes(2, 0.5, mode="paper")) == 2


def test_deviations_come_from_the_valid_actions():
    [record] = episodes(1, 1.0, max_turns=2, valid_actions=True)
    first = record["turns"][0]
    assert "[Valid actions]\neast, take paper, north, west" in first["observation"]
    assert first["action"] in ("east", "take paper", "north", "west")


def test_a_deviating_move_is_undone():
    player = WalkthroughDemonstrator(["take paper"], noise=1.0)
    player.start(np.random.default_rng(0))
    assert player.act("", {"valid_actions": ["north"], "location": 34}) == "north"
    assert player.act("", {"valid_actions": ["west"], "location": 36}) == "south"  # back, unrandomly
    # A move that went nowhere needs no undoing; without valid actions, common commands are used.
    player.act("", {"valid_actions": ["w"], "location": 34})
    assert player.act("", {"valid_actions": None, "location": 34}) in ("look", "inventory", "wait", "north",
                                                                         "south", "east", "west", "up", "down")
    player.noise = 0.0
    assert [player.act("", {"location": 34}) for _ in range(2)] == ["take paper", "look"]


@pytest.mark.parametrize("noise", [-0.1, 1.5, float("nan")])
def test_bad_arguments_are_clear_errors(noise, tmp_path):
    with pytest.raises(ValueError, match=r"noise .* must be in \[0, 1\]"):
        generate_episodes(1, noise=noise, rom_path=ROM)
    with pytest.raises(ValueError, match="episodes must be >= 0"):
        generate_episodes(-1, rom_path=ROM)
    with pytest.raises(RomNotFoundError, match="rom_path"):
        generate_episodes(1, rom_path=tmp_path / "nowhere.z5")
