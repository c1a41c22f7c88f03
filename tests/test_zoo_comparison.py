"""The zoo comparison's settings (benchmarks/zoo_comparison.py) resolve at both scales: every agent of a
seed shares the start and the evaluation, and the schedule fits every agent's iteration."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from archer_agents.compare import comparison_configs


def _benchmark(name: str = "zoo_comparison"):
    path = Path(__file__).resolve().parents[1] / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
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


@pytest.mark.parametrize("env", ["20q", "gmc"])
def test_the_critic_budget_runs_differ_from_the_comparisons_archer_only_in_the_critic(env, tmp_path):
    """benchmarks/critic_budget.py tests one explanation: all else must be the comparison's ArCHer."""
    import dataclasses

    from archer_agents.pretrain import cache_key

    budget, settings = _benchmark("critic_budget"), _benchmark().SCALES["cpu"]
    configs = [comparison_configs(["archer"], env, seeds=[3], trajectories=settings["trajectories"][env],
                                  eval_every=settings["eval_every"], preset=settings["preset"], output_dir=tmp_path,
                                  overrides=[*settings["overrides"], *extra])[0]["archer", 3]
               for extra in ((), budget.CRITIC)]
    base, variant = (dataclasses.asdict(c) for c in configs)
    changed = {key for key in base if base[key] != variant[key]}
    assert changed == {"critic_steps", "critic_lr", "warmup_iterations"}
    assert (variant["critic_steps"], variant["critic_lr"], variant["warmup_iterations"]) == (25, 3e-4, 6)
    assert cache_key(configs[0]) == cache_key(configs[1])  # the same BC start


def _collected(starts, finals, greedy=True):
    return {"steps": [0, 64, 128],
            "curves": {"bc_start": [[s] * 3 for s in starts], "archer": [[s, (s + f) / 2, f] for s, f in zip(starts, finals)]},
            "final_success": {"bc_start": [0.5] * len(starts), "archer": [0.5] * len(starts)},
            "trajectories_at": {"bc_start": [[0, 0, 0]] * len(starts), "archer": [[0, 64, 130]] * len(starts)},
            "seconds_per_trajectory": {"archer": [0.1] * len(starts)},
            "setup": {"env": "archer/GuessMyCity-v0", "seeds": list(range(len(starts))), "trajectories": 128,
                      "eval_every": 64, "overrides": [], "greedy": {"bc_start": greedy, "archer": greedy},
                      "evaluation": {"eval_split": "test", "eval_episodes_per_task": 1, "eval_tasks": 0}}}


def test_the_critic_budget_report_sets_the_variant_beside_the_comparisons_archer(tmp_path):
    from archer_agents.compare import write_report

    budget = _benchmark("critic_budget")
    starts = [-10.0, -9.5, -9.0, -10.5, -9.8]
    comparison = _collected(starts, [s - 2 for s in starts])  # the comparison's ArCHer fell by 2
    variant = _collected(starts, [s + 1 for s in starts])  # the variant gained 1 on every seed
    report = write_report(budget.merge(comparison, variant), tmp_path, reference=budget.VARIANT)
    written = json.loads((tmp_path / "compare.json").read_text())
    assert list(written["final"]) == ["bc_start", "archer", budget.VARIANT]
    assert written["final"]["archer"]["mean"] == pytest.approx(np.mean(starts) - 2)
    assert written["final"][budget.VARIANT]["mean"] == pytest.approx(np.mean(starts) + 1)
    assert written["improvement_probability"]["archer"]["p"] == 1.0
    assert "sample_efficiency" not in written
    assert f"P({budget.VARIANT} > agent)" in report and (tmp_path / "compare.png").exists()


def test_the_critic_budget_refuses_runs_that_are_not_comparable():
    budget = _benchmark("critic_budget")
    starts = [-10.0, -9.5]
    with pytest.raises(ValueError, match="different BC starts"):
        budget.merge(_collected(starts, starts), _collected([-11.0, -9.5], starts))
    other = _collected(starts, starts)
    other["setup"]["trajectories"] = 256
    with pytest.raises(ValueError, match="trajectories"):
        budget.merge(_collected(starts, starts), other)


def test_the_critic_logs_average_each_iteration_over_the_runs(tmp_path):
    """benchmarks/critic_logs.py: per iteration, each column's mean over the seeds that logged it;
    no advantage while the actor waits out the critic's warm-up; evaluation lines are skipped."""
    logs = {"seed0": [{"iteration": 1, "rollout/return_mean": -10.0, "critic/q_mean": -1.0},
                      {"iteration": 2, "rollout/return_mean": -12.0, "critic/q_mean": -2.0,
                       "actor/advantage_mean": -0.5, "actor/advantage_std": 0.1},
                      {"iteration": 2, "eval/return_mean": -9.0}],
            "seed1": [{"iteration": 1, "rollout/return_mean": -14.0, "critic/q_mean": -3.0},
                      {"iteration": 2, "rollout/return_mean": -16.0, "critic/q_mean": -4.0,
                       "actor/advantage_mean": -0.1, "actor/advantage_std": 0.3}]}
    for seed, records in logs.items():
        (tmp_path / seed).mkdir()
        (tmp_path / seed / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    first, second = _benchmark("critic_logs").per_iteration(sorted(tmp_path.glob("seed*")))
    assert first["runs"] == 2 and first["q_mean"] == -2.0 and first["rollout_return"] == -12.0
    assert np.isnan(first["advantage_mean"]) and np.isnan(first["advantage_std"])
    assert second["q_mean"] == -3.0 and second["advantage_mean"] == pytest.approx(-0.3)
    assert second["advantage_std"] == pytest.approx(0.2) and second["rollout_return"] == -14.0


def test_the_readings_pair_each_run_with_its_seeds_start_and_sum_the_training_time():
    result = {"curves": {"bc_start": [[-10.0, -10.0], [-12.0, -12.0]], "archer": [[-10.0, -11.0], [-12.0, -11.0]]},
              "trajectories_at": {"archer": [[0, 640], [0, 650]]}, "seconds_per_trajectory": {"archer": [1.0, 2.0]}}
    paired, hours = _benchmark("comparison_readings").readings(result)
    assert list(paired) == ["archer"] and paired["archer"]["differences"] == [-1.0, 1.0]
    assert paired["archer"]["below_start"] == 1 and hours == pytest.approx((640 + 1300) / 3600)
