"""The zoo's comparison: every agent and the BC start, 5 seeds, one budget (run by hand).

    python benchmarks/zoo_comparison.py [--envs 20q,gmc] [--seeds 0,1,2,3,4] [--workers 2]
        [--runs runs/zoo_comparison] [--out benchmarks/results]
    python benchmarks/zoo_comparison.py --scale paper --init-checkpoint BC_DIR [--envs 20q] ...   # on GPUs

Per env, :func:`archer_agents.compare.compare` trains every agent from the same start per seed for
the same number of trajectories, evaluates each on every task of the env's test split at the same
trajectory counts, and reports rliable's statistics: final-return IQM with 95 % stratified bootstrap
CIs, the probability that ArCHer improves on each other agent, learning curves with CI bands, and
the sample-efficiency ratio PPO : ArCHer. ``compare.md``, ``compare.json`` and ``compare.png`` are
copied to ``--out`` as ``zoo_comparison_<env>[_paper].*``. Interrupted, it continues where it
stopped: finished runs are reused, unfinished ones go on from their last evaluation's checkpoint.

Two scales (``SCALES``); the settings there are the whole tuning budget, the same for every agent:

- ``cpu`` (about 2 h 20 min for 20Q on a 2-core laptop CPU, the five BC starts included): the tiny
  preset (2-layer models; each seed's own BC start, built once and cached), 640 trajectories per
  run, one actor learning rate for every agent (1e-4: the paper's 1e-5 is for a pretrained GPT-2 and
  barely moves a 2-layer model in a few dozen updates), PPO's batch of 128 (four times the others';
  its 1,024 would leave one update), the group methods' batch matched to the others' 32 trajectories
  per iteration.
- ``paper``: GPT-2 actor and RoBERTa-base critic with the paper's per-env values (``--preset
  paper``), the budgets of the paper's curves (20Q 76,800 trajectories, Guess My City 21,504), PPO
  with 1,024 trajectories per update, the group methods with verl-agent's 16 groups of 8. Every
  agent starts from ``--init-checkpoint`` (a BC-trained GPT-2, e.g. ``archer-agents pretrain
  --preset paper --env 20q``), so the seeds share one start, as in the paper. Not run here (no
  GPU): the README gives its expected cost, estimated, not measured.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

AGENTS = ("archer", "archer_ppo", "chai", "filtered_bc", "ppo", "grpo", "rloo", "gigpo")
SCALES = {
    "cpu": {
        "preset": "tiny", "trajectories": {"20q": 640, "gmc": 640},
        "eval_every": 128,  # one PPO update, four iterations of the others
        "overrides": ("actor_lr=1e-4", "ppo.trajectories_per_iteration=128", "n_groups=8", "group_size=4",
                      "tensorboard=false"),
    },
    "paper": {
        "preset": "paper", "trajectories": {"20q": 76_800, "gmc": 21_504},  # 600 and 168 iterations of 128
        "eval_every": 3_072,  # three PPO updates, 24 iterations of the others
        "overrides": ("ppo.trajectories_per_iteration=1024", "n_groups=16", "group_size=8"),
    },
}
"""Per scale: preset, trajectories per run and env, trajectories between evaluations, overrides."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="cpu", choices=SCALES, help="cpu (default) or paper (see above)")
    parser.add_argument("--envs", default="20q", help="comma-separated: 20q (default), gmc")
    parser.add_argument("--agents", default=",".join(AGENTS), help="comma-separated agents (default: all eight)")
    parser.add_argument("--seeds", default="0,1,2,3,4", help="comma-separated seeds (default: 0-4)")
    parser.add_argument("--init-checkpoint", help="paper scale: the BC-trained start of every agent (required)")
    parser.add_argument("--workers", type=int, default=2, help="runs in parallel (default: 2, one per core)")
    parser.add_argument("--runs", default="runs/zoo_comparison", help="run directories go here, one folder per env")
    parser.add_argument("--out", default="benchmarks/results", help="the tables, JSON and plots are copied here")
    args = parser.parse_args()
    scale = SCALES[args.scale]
    overrides = list(scale["overrides"])
    if args.scale == "paper":
        if not args.init_checkpoint:
            parser.error("--scale paper needs --init-checkpoint (a BC-trained GPT-2 every agent starts from)")
        overrides.append(f"init_checkpoint={args.init_checkpoint}")

    from archer_agents.compare import compare

    suffix = "" if args.scale == "cpu" else f"_{args.scale}"
    for env in args.envs.split(","):
        runs = Path(args.runs) / f"{env}{suffix}"
        report = compare(args.agents.split(","), env, seeds=[int(s) for s in args.seeds.split(",")],
                         trajectories=scale["trajectories"][env], eval_every=scale["eval_every"],
                         preset=scale["preset"], output_dir=runs, overrides=overrides, workers=args.workers)
        print(report)
        publish(runs, Path(args.out), f"zoo_comparison_{env}{suffix}")


def publish(report_dir: Path, out: Path, name: str) -> None:
    """Copy a report's ``compare.{md,json,png}`` from ``report_dir`` to ``out/<name>.{md,json,png}``."""
    out.mkdir(parents=True, exist_ok=True)
    for kind in ("md", "json", "png"):
        shutil.copyfile(report_dir / f"compare.{kind}", out / f"{name}.{kind}")


if __name__ == "__main__":
    main()
