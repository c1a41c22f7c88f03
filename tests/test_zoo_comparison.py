"""The zoo comparison's settings (benchmarks/zoo_comparison.py) resolve at both scales: every agent of a
seed shares the start and the evaluation, and the schedule fits every agent's iteration."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from archer_agents.compare import comparison_configs


def _benchmark():
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "zoo_comparison.py"
    spec = importlib.util.spec_from_file_location("zoo_comparison", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("scale", ["cpu", "paper"])
@pytest.mark.parametrize("env", ["20q", "gmc"])
def test_every_agent_resolves_with_one_start_and_schedule(scale, env, tmp_path):
    benchmark = _benchmark()
    settings = benchmark.SCALES[scale]
    overrides = [*settings["overrides"], *([f"init_checkpoint={tmp_path}"] if scale == "paper" else [])]
    runs, eval_every = comparison_configs(benchmark.AGENTS, env, seeds=[0, 1], trajectories=settings["trajectories"][env],
                                          eval_every=settings["eval_every"], preset=settings["preset"],
                                          output_dir=tmp_path, overrides=overrides)
    assert eval_every == settings["eval_every"]
    budget = settings["trajectories"][env]
    for (name, seed), config in runs.items():
        assert config.iterations * config.trajectories_per_iteration == budget, name
        assert config.eval_every * config.trajectories_per_iteration == eval_every, name
    ppo = runs["ppo", 0]
    assert ppo.trajectories_per_iteration == (128 if scale == "cpu" else 1024)
    if scale == "cpu":
        assert {c.actor_lr for c in runs.values()} == {1e-4}  # one learning rate for every agent
        assert runs["archer", 0].actor == "tiny"
    else:
        assert runs["archer", 0].actor == "gpt2" and runs["archer", 0].critic == "roberta-base"
        assert runs["gigpo", 0].n_groups * runs["gigpo", 0].group_size == 128
        assert {c.init_checkpoint for c in runs.values()} == {str(tmp_path)}
