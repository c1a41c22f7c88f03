"""The archer-agents command line: training, resuming, two processes (gloo), evaluation, compare."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from archer_agents import AGENT_NAMES, get_agent
from archer_agents.cli import build_parser, main
from archer_gym.evaluation import task_list

TINY_RUN = ["iterations=2", "trajectories_per_iteration=8", "num_envs=4", "bc_episodes=40", "bc_steps=20",
            "critic_steps=2", "actor_steps=1", "warmup_iterations=1", "eval_every=1",
            "batch_size=8", "micro_batch_size=8", "tensorboard=false", "env_kwargs={max_turns: 4}"]
"""A run of seconds; evaluations play the env's whole test split, 4 turns an episode."""


def run(*args, cache, timeout=600):
    env = {**os.environ, "ARCHER_AGENTS_CACHE": str(cache), "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "archer_agents.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


@pytest.mark.parametrize("command", ["train", "pretrain", "evaluate", "compare", "list"])
def test_every_command_and_flag_has_help(command):
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]
    assert sub.format_help().startswith("usage: archer-agents " + command)
    for action in sub._actions:
        assert action.help, (command, action.dest)


def test_bad_agent_env_and_key_are_clear_errors(tmp_path):
    assert "invalid choice: 'dqn'" in run("train", "--agent", "dqn", cache=tmp_path).stderr
    result = run("train", "--env", "chess", cache=tmp_path)
    assert result.returncode == 2 and "unknown environment 'chess'" in result.stderr
    result = run("train", "no_such_key=1", cache=tmp_path)
    assert result.returncode == 2 and "unknown config key(s) ['no_such_key']" in result.stderr


def test_an_unknown_key_suggests_the_close_ones(capsys):
    assert main(["train", "--agent", "archer", "critc_lr=1e-4", "output_dir=/tmp/never-written"]) == 2
    assert "unknown config key(s) ['critc_lr'] for ArcherConfig; did you mean 'critic_lr', " in capsys.readouterr().err


def test_the_env_is_set_one_way(tmp_path, capsys):
    assert main(["train", "env=gmc", f"output_dir={tmp_path}"]) == 2  # was: ignored, trained on 20Q Subset
    assert "set the env with --env" in capsys.readouterr().err
    config = tmp_path / "run.yaml"
    config.write_text("env: gmc\n")
    assert main(["train", "--env", "20q", "--config", str(config), f"output_dir={tmp_path}"]) == 2
    assert "name two envs" in capsys.readouterr().err
    checkpoint = tmp_path / "run" / "checkpoints" / "iter_000001"  # what --resume would continue
    checkpoint.mkdir(parents=True)
    (checkpoint / "config.yaml").write_text("env: archer/GuessMyCity-v0\n")
    (checkpoint.parent / "latest").write_text(checkpoint.name)
    for flags, message in [(["--env", "20q"], "trains on archer/GuessMyCity-v0"), (["--preset", "paper"], "--preset")]:
        assert main(["train", "--resume", *flags, f"output_dir={tmp_path / 'run'}"]) == 2
        assert message in capsys.readouterr().err


def test_train_refuses_an_output_dir_holding_another_run_before_building_models(tmp_path, capsys):
    from archer_agents.factory import resolve_config
    from archer_agents.run_dir import claim_run_dir

    claim_run_dir(tmp_path, "archer", resolve_config("archer", overrides={"output_dir": str(tmp_path)})[1])
    assert main(["train", "--agent", "chai", f"output_dir={tmp_path}"]) == 2
    assert "holds a run of archer, not chai" in capsys.readouterr().err


@pytest.mark.parametrize(("preset", "iterations", "actor"), [("tiny", 20, "tiny"), ("default", 2000, "tiny"),
                                                            ("paper", 2000, "gpt2")])
def test_list_shows_the_values_train_would_run(preset, iterations, actor, capsys):
    assert main(["list", "--agent", "archer", "--env", "gmc", "--preset", preset]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"archer on archer/GuessMyCity-v0 with the {preset} preset")
    assert f"  iterations: int = {iterations}\n" in out and f"  actor: str = {actor!r}\n" in out
    assert "  output_dir: str = 'runs/archer/GuessMyCity-v0'\n" in out


def test_train_help_lists_every_config_key_with_its_type_value_and_meaning(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--agent", "ppo", "--help"])
    out = capsys.readouterr().out
    assert "ppo on archer/TwentyQuestionsSubset-v0 with the tiny preset" in out
    for agent in AGENT_NAMES:
        for key in get_agent(agent).config_class.__dataclass_fields__:
            assert f"\n  {key}: " in out, (agent, key)
    assert "  iterations: int = 50\n      Training iterations (collect, then train)." in out  # the Subset's tiny value
    assert "chai also has (--agent chai):\n  k: int = 3" in out


@pytest.mark.slow
def test_train_resume_and_evaluate(tmp_path):
    out = tmp_path / "run"
    first = run("train", "--agent", "archer", "--env", "gmc", *TINY_RUN, f"output_dir={out}", cache=tmp_path / "cache")
    assert first.returncode == 0, first.stderr[-2000:]
    assert json.loads(first.stdout.strip().splitlines()[-1])["iterations"] == 2
    resumed = run("train", "--agent", "archer", "--env", "gmc", "--resume", *TINY_RUN, "iterations=3", f"output_dir={out}",
                  cache=tmp_path / "cache")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "resuming from" in resumed.stderr
    assert json.loads(resumed.stdout.strip().splitlines()[-1])["iterations"] == 3
    # before/after on the test split: the resumed run keeps the first run's starting score
    summary = json.loads((out / "summary.json").read_text())
    initial = json.loads((out / "initial_evaluation.json").read_text())
    assert summary["initial"] == initial and summary["iterations"] == 3 and summary["split"] == "test"
    for scores in (summary["initial"], summary["final"]):
        low, high = scores["return_ci95"]
        assert low <= scores["return_mean"] <= high
        assert scores["episodes"] == len(task_list("archer/GuessMyCity-v0", "test").tasks)  # every city once
    assert summary["verdict"] in resumed.stderr and "test-split return " in summary["verdict"]
    assert (out / "learning_curve.png").read_bytes()[:4] == b"\x89PNG"
    metrics = [json.loads(l) for l in (out / "metrics.jsonl").read_text().splitlines()]
    assert [m["iteration"] for m in metrics] == [1, 2, 3]
    # evaluate -> validate -> build, as a leaderboard submission of this tiny agent
    submission = tmp_path / "board" / "GuessMyCity-v0" / "2026-01-01_tiny-archer"
    evaluated = run("evaluate", "--agent", str(out), "--out", str(submission), cache=tmp_path / "cache")
    assert evaluated.returncode == 0, evaluated.stderr[-2000:]
    result = json.loads(evaluated.stdout.strip().splitlines()[-1])
    assert result["eval/episodes"] == 100 and result["checkpoint"].endswith("iter_000003")
    summary = json.loads((submission / "GuessMyCity-v0" / "summary.json").read_text())
    assert summary["episodes"] == 100 and summary["return"]["mean"] == result["eval/return_mean"]
    assert summary["tokens_in"] > 0 and summary["tokens_out"] >= summary["episodes"]
    run_info = json.loads((submission / "summary.json").read_text())["agent"]
    assert run_info["agent"] == "archer" and run_info["decoding"]["greedy"] is True
    from archer_gym.leaderboard.cli import main as leaderboard

    (submission / "metadata.yaml").write_text(
        "name: tiny-archer\nalgorithm: ArCHer\nbase_model: tiny GPT-2\nmodel_size: 0.5M\nopen_weights: true\n"
        "sample_budget: 24\ntraining_compute: ''\nlink: ''\nverified: false\ndate: 2026-01-01\n")
    assert leaderboard(["validate", str(submission)]) == 0
    assert leaderboard(["build", "--submissions", str(tmp_path / "board"), "--out", str(tmp_path / "site")]) == 0
    assert "| tiny-archer | ArCHer |" in (tmp_path / "site" / "index.md").read_text()


def test_evaluate_reference_rows_and_bad_agents(tmp_path):
    result = run("evaluate", "--agent", "scripted:expert", "--env", "20q_subset", "--out", str(tmp_path / "s"),
                 cache=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1])["success_rate"]["mean"] == 1.0
    assert (tmp_path / "s" / "TwentyQuestionsSubset-v0" / "episodes.jsonl").exists()
    result = run("evaluate", "--agent", "gpt-9", "--env", "20q", cache=tmp_path)
    assert result.returncode == 2 and "unknown agent 'gpt-9'" in result.stderr
    result = run("evaluate", "--agent", "random", cache=tmp_path)
    assert result.returncode == 2 and "--env is needed" in result.stderr
    result = run("evaluate", "--agent", "random", "--env", "20q", "--split", "dev", cache=tmp_path)
    assert result.returncode == 2 and "unknown split 'dev'" in result.stderr


@pytest.mark.slow
def test_two_processes_each_collect_their_own_rollouts(tmp_path):
    out = tmp_path / "ddp"
    result = run("train", "--agent", "archer", "--env", "gmc", "--num-processes", "2", *TINY_RUN, f"output_dir={out}",
                 cache=tmp_path / "cache")
    assert result.returncode == 0, result.stderr[-3000:]
    checkpoint = out / "checkpoints" / (out / "checkpoints" / "latest").read_text().strip()
    meta = json.loads((checkpoint / "agent.json").read_text())
    assert meta["world_size"] == 2 and meta["trajectories_total"] == 16
    assert (checkpoint / "process_0.pt").exists() and (checkpoint / "process_1.pt").exists()


@pytest.mark.slow
@pytest.mark.timeout(1800)  # about 6 minutes on an idle 2-core machine: 12 runs, their evaluations, 2 leaderboard rows
def test_compare_writes_table_and_plot_and_reuses_finished_runs(tmp_path, monkeypatch):
    from archer_agents.compare import compare

    monkeypatch.setenv("ARCHER_AGENTS_CACHE", str(tmp_path / "cache"))
    overrides = ["trajectories_per_iteration=4", "num_envs=4", "bc_episodes=20", "bc_steps=5", "critic_steps=1",
                 "actor_steps=1", "warmup_iterations=0", "batch_size=4", "micro_batch_size=4",
                 "tensorboard=false", "max_new_tokens=8", "k=2", "ppo_states=4", "eval_episodes_per_task=1"]
    overrides.append("filtered_bc.eval_greedy=true")  # the start is scored greedily, CHAI samples its own
    kwargs = dict(seeds=[0, 1], trajectories=8, output_dir=tmp_path / "cmp", overrides=overrides,
                  reference="filtered_bc", slow="chai", workers=2)
    table = compare(["filtered_bc", "chai"], "20q_subset", **kwargs)
    assert "| bc_start |" in table and "| filtered_bc |" in table and "| chai |" in table
    assert "P(filtered_bc > agent)" in table and "ratio chai : filtered_bc" in table
    result = json.loads((tmp_path / "cmp" / "compare.json").read_text())
    assert result["steps"] == [0, 4, 8] and len(result["curves"]["chai"]) == 2
    assert all(run[0] == 0 and run[-1] >= 8 for run in result["trajectories_at"]["chai"])
    start = json.loads((tmp_path / "cmp" / "bc_start" / "seed1" / "evaluation.json").read_text())["evaluation"]
    assert result["curves"]["filtered_bc"][1][0] == start["eval/return_mean"]
    chai_start = json.loads((tmp_path / "cmp" / "chai" / "seed1" / "start_evaluation.json").read_text())["evaluation"]
    assert result["curves"]["chai"][1][0] == chai_start["eval/return_mean"]
    assert set(result["improvement_probability"]) == {"bc_start", "chai"}
    assert result["setup"]["greedy"] == {"bc_start": True, "filtered_bc": True, "chai": False}
    assert (tmp_path / "cmp" / "compare.png").stat().st_size > 1000
    metrics = tmp_path / "cmp" / "chai" / "seed1" / "metrics.jsonl"
    before = metrics.stat().st_mtime_ns
    assert compare(["filtered_bc", "chai"], "20q_subset", **kwargs) == table  # finished runs are reused
    assert metrics.stat().st_mtime_ns == before
    chai_start_file = tmp_path / "cmp" / "chai" / "seed1" / "start_evaluation.json"
    start_file = tmp_path / "cmp" / "bc_start" / "seed1" / "evaluation.json"
    start_written, chai_start_written = start_file.stat().st_mtime_ns, chai_start_file.stat().st_mtime_ns
    kwargs["overrides"] = [*overrides, "chai.trajectories_per_iteration=8"]  # one agent only
    compare(["filtered_bc", "chai"], "20q_subset", **kwargs)
    assert metrics.stat().st_mtime_ns != before  # chai's runs differ now: rerun, with 1 iteration of 8
    assert chai_start_file.stat().st_mtime_ns != chai_start_written  # evaluated again for the new config
    assert start_file.stat().st_mtime_ns == start_written  # the shared start is the same: reused
    assert [json.loads(l)["iteration"] for l in metrics.read_text().splitlines()] == [1]
    fbc = tmp_path / "cmp" / "filtered_bc" / "seed1"
    assert json.loads((fbc / "run.json").read_text())["config"]["trajectories_per_iteration"] == 4
    before = (fbc / "metrics.jsonl").stat().st_mtime_ns
    compare(["filtered_bc", "chai"], "20q_subset", **kwargs)
    assert (fbc / "metrics.jsonl").stat().st_mtime_ns == before
    kwargs["overrides"] = [*overrides, "chai.trajectories_per_iteration=8", "filtered_bc.actor_lr=3e-4"]
    compare(["filtered_bc", "chai"], "20q_subset", **kwargs)
    assert (fbc / "metrics.jsonl").stat().st_mtime_ns > before  # the same budget, another config: not reused
    # the leaderboard's agent rows from one seed of the comparison: its final checkpoints, budget and curves
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_rows", Path(__file__).resolve().parents[1] / "leaderboards" / "make_rows.py")
    make_rows = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_rows)
    monkeypatch.setattr(make_rows, "SUBMISSIONS", tmp_path / "submissions")
    assert make_rows.main(["agents", "--from-comparison", str(tmp_path / "cmp"), "--seed", "1", "--envs", "20q_subset",
                           "--date", "2026-12-07", "--workers", "2"]) == 0
    rows = sorted((tmp_path / "submissions" / "TwentyQuestionsSubset-v0").iterdir())
    assert [r.name for r in rows] == ["2026-12-07_chai-tiny", "2026-12-07_filtered_bc-tiny"]
    metadata = yaml.safe_load((rows[1] / "metadata.yaml").read_text())
    assert metadata["sample_budget"] == 8 and "CPU-minutes of training" in metadata["training_compute"]
    from archer_gym.leaderboard.validate import validate_submission

    assert validate_submission(rows[1]).ok
    with pytest.raises(ValueError, match="seed 0: the agents' starts differ"):
        compare(["filtered_bc", "chai"], "20q_subset", **{**kwargs, "overrides": [*overrides, "chai.bc_steps=6"]})
    with pytest.raises(ValueError, match="multiple of filtered_bc's 4 trajectories per iteration"):
        compare(["filtered_bc", "chai"], "20q_subset", **{**kwargs, "eval_every": 2})


@pytest.mark.slow
def test_compare_resumes_an_interrupted_run_to_the_same_result(tmp_path, monkeypatch):
    from archer_agents import logger as run_logger
    from archer_agents.compare import compare

    monkeypatch.setenv("ARCHER_AGENTS_CACHE", str(tmp_path / "cache"))
    overrides = ["trajectories_per_iteration=4", "num_envs=4", "bc_episodes=20", "bc_steps=5", "batch_size=4",
                 "micro_batch_size=4", "tensorboard=false", "max_new_tokens=8", "eval_episodes_per_task=1",
                 "eval_greedy=true"]
    kwargs = dict(seeds=[0], trajectories=12, overrides=overrides, reference="filtered_bc", slow="filtered_bc")
    compare(["filtered_bc"], "20q_subset", output_dir=tmp_path / "whole", **kwargs)

    log = run_logger.RunLogger.log

    def killed_at_iteration_2(self, metrics, step):
        if metrics.get("iteration") == 2:
            raise KeyboardInterrupt  # after iteration 1's checkpoint, before iteration 2's
        log(self, metrics, step)

    monkeypatch.setattr(run_logger.RunLogger, "log", killed_at_iteration_2)
    with pytest.raises(KeyboardInterrupt):
        compare(["filtered_bc"], "20q_subset", output_dir=tmp_path / "cut", **kwargs)
    run = tmp_path / "cut" / "filtered_bc" / "seed0"
    first_record = (run / "metrics.jsonl").read_text().splitlines()[0]
    monkeypatch.setattr(run_logger.RunLogger, "log", log)
    compare(["filtered_bc"], "20q_subset", output_dir=tmp_path / "cut", **kwargs)
    records = (run / "metrics.jsonl").read_text().splitlines()
    assert records[0] == first_record  # iteration 1 was kept, not trained again
    assert [json.loads(r)["iteration"] for r in records] == [1, 2, 3]
    cut, whole = (json.loads((tmp_path / d / "compare.json").read_text()) for d in ("cut", "whole"))
    for key in ("curves", "final_success", "trajectories_at", "final", "curve_iqm"):  # all but the timings
        assert cut[key] == whole[key], key


def test_the_before_after_verdict_follows_the_confidence_intervals():
    from archer_agents.run_summary import verdict

    def scores(mean, low, high):
        return {"return_mean": mean, "return_ci95": [low, high], "success_rate": 0.5}

    assert verdict(scores(-10, -11, -9), scores(-5, -6, -4)).endswith("improved: the 95% CIs do not overlap")
    assert verdict(scores(-10, -11, -9), scores(-9.5, -10.5, -8.5)).endswith("no change the 95% CIs can tell")
    assert verdict(scores(-5, -6, -4), scores(-10, -11, -9)).endswith("got worse: the 95% CIs do not overlap")
    assert verdict(None, scores(-5, -6, -4)).startswith("test-split return after training: -5.00 [-6.00, -4.00]")
