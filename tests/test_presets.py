"""Presets: ``paper`` follows the paper's table, ``repo`` the reference code (algorithms.md §1.9)."""

from __future__ import annotations

import pytest

from archer_agents import get_agent
from archer_agents.cli import build_parser
from archer_agents.factory import resolve_config
from archer_agents.presets import PAPER_PER_ENV, PRESETS, preset_values

ARCHER = get_agent("archer").config_class


def differences(env_id: str, config_class=ARCHER) -> dict[str, tuple]:
    paper, repo = preset_values("paper", env_id, config_class), preset_values("repo", env_id, config_class)
    return {k: (paper.get(k), repo.get(k)) for k in paper.keys() | repo.keys() if paper.get(k) != repo.get(k)}


def test_paper_and_repo_differ_exactly_where_the_reference_code_does():
    assert differences("archer/TwentyQuestions-v0") == {"replay_capacity": (10_000, 100_000)}
    assert differences("archer/GuessMyCity-v0") == {"replay_capacity": (10_000, 100_000)}
    assert differences("archer/TwentyQuestionsSubset-v0") == {"replay_capacity": (10_000, 100_000),
                                                               "warmup_iterations": (10, 20)}
    assert differences("archer/Detective-v0") == {"replay_capacity": (10_000, 100_000), "gamma": (0.98, 0.95)}
    assert differences("archer/WebShop-v0") == {"replay_capacity": (10_000, 100_000), "gamma": (0.9, 0.95)}
    for env_id, table in PAPER_PER_ENV.items():
        repo = preset_values("repo", env_id, ARCHER)
        assert repo["gamma"] == 0.95 and (repo["actor"], repo["critic"]) == ("gpt2", "roberta-base")
        assert {k: repo[k] for k in ("trajectories_per_iteration", "num_envs", "actor_lr")} == {
            k: table[k] for k in ("trajectories_per_iteration", "num_envs", "actor_lr")}


def test_a_preset_sets_only_keys_the_agent_has():
    assert differences("archer/Detective-v0", get_agent("filtered_bc").config_class) == {
        "gamma": (0.98, 0.95), "warmup_iterations": (None, 10)}
    assert "replay_capacity" not in preset_values("paper", "archer/Detective-v0", get_agent("ppo").config_class)
    with pytest.raises(ValueError, match="unknown preset 'reference'"):
        preset_values("reference", "archer/WebShop-v0", ARCHER)


@pytest.mark.parametrize("command", ["train", "compare"])
def test_repo_preset_on_the_command_line(command):
    assert set(PRESETS) == {"default", "tiny", "paper", "repo"}
    assert build_parser().parse_args([command, "--preset", "repo"]).preset == "repo"
    _, config = resolve_config("archer", "webshop", "repo", None, {"gamma": "0.9"})
    assert (config.gamma, config.replay_capacity, config.trajectories_per_iteration) == (0.9, 100_000, 512)


def test_tiny_bc_cache_entry_built_twice_keeps_the_first_published(tmp_path):
    """Seeds launched side by side may build the same cached BC start; neither run may crash."""
    from accelerate import Accelerator

    from archer_agents.config import AgentConfig
    from archer_agents.pretrain import _build

    config = AgentConfig(env="20q", bc_episodes=20, bc_steps=2)
    path = tmp_path / "tiny-bc-entry"
    _build(config, path, Accelerator(cpu=True))
    published = (path / "actor" / "config.json").stat().st_mtime_ns
    _build(config, path, Accelerator(cpu=True))  # loses the race: discards its own copy
    assert (path / "actor" / "config.json").stat().st_mtime_ns == published
    assert [p.name for p in tmp_path.iterdir()] == ["tiny-bc-entry"]  # no temporary directory left


def test_tiny_detective_skips_valid_actions_and_a_users_kwargs_merge_in():
    """Jericho's valid-action lists cost about 0.5 s per new state: the tiny preset plays without them."""
    _, config = resolve_config("archer", "detective", "tiny", None, {"env_kwargs": {"max_turns": 5}})
    assert config.env_kwargs == {"valid_actions": False, "max_turns": 5} and config.bc_episodes == 200
    _, config = resolve_config("archer", "20q", "tiny", None, {})
    assert config.env_kwargs == {} and config.bc_episodes == 1000
