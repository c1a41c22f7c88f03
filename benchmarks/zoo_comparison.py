"""The zoo's comparison at CPU scale: every agent and the BC start, 5 seeds, one budget (run by hand).

    python benchmarks/zoo_comparison.py [--envs 20q,gmc] [--seeds 0,1,2,3,4] [--trajectories 640]
        [--workers 2] [--runs runs/zoo_comparison] [--out benchmarks/results]

Per env, :func:`archer_agents.compare.compare` trains every agent from the tiny preset's BC start of
each seed (every agent of a seed shares it) for the same number of trajectories, evaluates each on
every task of the env's test split every ``EVAL_EVERY`` trajectories, and reports rliable's
statistics: final-return IQM with 95 % stratified bootstrap CIs, the probability that ArCHer improves
on each other agent, learning curves with CI bands, and the sample-efficiency ratio PPO : ArCHer.
``compare.md``, ``compare.json`` and ``compare.png`` are copied to ``--out`` as
``zoo_comparison_<env>.*``. Interrupted, it continues where it stopped (finished runs are reused).

The settings below are the whole tuning budget, the same for every agent: the tiny preset's values
(the paper's where it sets them), one actor learning rate for all (1e-4: the paper's 1e-5 is for a
pretrained GPT-2 and barely moves a 2-layer model in a few dozen updates), PPO's large batch, and
the group methods' batch matched to the others' 32 trajectories per iteration.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

AGENTS = ("archer", "archer_ppo", "chai", "filtered_bc", "ppo", "grpo", "rloo", "gigpo")
EVAL_EVERY = 128
"""Trajectories between evaluations: one PPO update, four iterations of the others."""
OVERRIDES = (
    "actor_lr=1e-4",
    "ppo.trajectories_per_iteration=128",  # token-level PPO needs large batches (the paper: 1,024)
    "n_groups=8", "group_size=4",  # grpo, rloo, gigpo: 32 trajectories per iteration, 8 groups of 4
    "tensorboard=false",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--envs", default="20q", help="comma-separated envs (default: 20q; gmc is the other "
                                                       "task with headroom from its BC start)")
    parser.add_argument("--agents", default=",".join(AGENTS), help="comma-separated agents (default: all eight)")
    parser.add_argument("--seeds", default="0,1,2,3,4", help="comma-separated seeds (default: 0-4)")
    parser.add_argument("--trajectories", type=int, default=640, help="trajectories per run (default: 640)")
    parser.add_argument("--workers", type=int, default=2, help="runs in parallel (default: 2, one per core)")
    parser.add_argument("--runs", default="runs/zoo_comparison", help="run directories go here, one folder per env")
    parser.add_argument("--out", default="benchmarks/results", help="the tables, JSON and plots are copied here")
    args = parser.parse_args()

    from archer_agents.compare import compare

    for env in args.envs.split(","):
        runs = Path(args.runs) / env
        report = compare(args.agents.split(","), env, seeds=[int(s) for s in args.seeds.split(",")],
                         trajectories=args.trajectories, eval_every=EVAL_EVERY, output_dir=runs,
                         overrides=OVERRIDES, workers=args.workers)
        print(report)
        for suffix in ("md", "json", "png"):
            shutil.copyfile(runs / f"compare.{suffix}", Path(args.out) / f"zoo_comparison_{env}.{suffix}")


if __name__ == "__main__":
    main()
