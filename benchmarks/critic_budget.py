"""Is the tiny critic why ArCHer falls behind? The zoo comparison's ArCHer again, with a critic
trained to carry signal, everything else equal (run by hand, beside or after the comparison).

    python benchmarks/zoo_comparison.py --envs gmc          # first (or beside): the comparison
    python benchmarks/critic_budget.py [--env gmc] [--seeds 0,1,2,3,4] [--workers 2]
        [--runs runs/zoo_comparison] [--out benchmarks/results]

At the comparison's CPU scale the tiny critic takes 5 steps per iteration at lr 1e-4 after 3
warm-up iterations. Its Q, V and advantages do not track the Monte Carlo returns then
(``benchmarks/critic_quality.py``). 25 steps at lr 3e-4 after 6 warm-up iterations make them
track the returns on the 20Q Subset (``benchmarks/results/main_job_candidates.md``). This script
trains ArCHer with those critic settings (``CRITIC``) and changes nothing else: the same seeds, the
same BC starts, the same trajectory budget (the warm-up counts in it) and the same evaluations as
the comparison's ArCHer runs. It reports both side by side, as the comparison does: final-return
IQMs with 95 % stratified bootstrap CIs, P(ArCHer with the larger critic budget > each other
row), and IQM learning curves with CI bands.

Runs go to ``--runs/<env>_critic_budget/`` and resume as the comparison's do. The starts'
evaluations are copied from the comparison, so both share every number of the ``bc_start`` row.
Written to ``--out``: ``critic_budget_<env>.{md,json,png}``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from zoo_comparison import SCALES, publish  # noqa: E402  (the comparison's settings, from this folder)

VARIANT = "archer_critic_x5"
"""The row of ArCHer with the larger critic budget."""
CRITIC = ("critic_steps=25", "critic_lr=3e-4", "warmup_iterations=6")
"""What differs from the comparison's ArCHer: five times the critic steps, a larger critic learning
rate, and the actor held still for six iterations (instead of three) while the critic learns."""
SHARED = ("bc_start", "archer")
"""The comparison's rows shown beside the variant."""


def merge(comparison: dict[str, Any], variant: dict[str, Any]) -> dict[str, Any]:
    """The comparison's ``SHARED`` rows and the variant's ArCHer runs (renamed ``VARIANT``) as one
    collected result, statistics left out (``write_report`` adds them). Refuses results that are
    not comparable: other seeds, budget, evaluation grid or evaluation, or other starts."""
    for key in ("env", "seeds", "trajectories", "eval_every", "evaluation"):
        if comparison["setup"][key] != variant["setup"][key]:
            raise ValueError(f"the runs differ in {key}: {comparison['setup'][key]} vs {variant['setup'][key]}")
    if comparison["curves"]["bc_start"] != variant["curves"]["bc_start"]:
        raise ValueError("the runs start from different BC starts (their bc_start evaluations differ)")
    per_run = ("curves", "final_success", "trajectories_at", "seconds_per_trajectory")
    merged: dict[str, Any] = {"steps": comparison["steps"]}
    for key in per_run:
        merged[key] = {name: comparison[key][name] for name in SHARED if name in comparison[key]}
        merged[key][VARIANT] = variant[key]["archer"]
    setup = {**comparison["setup"], "overrides": {"archer": comparison["setup"]["overrides"],
                                                  VARIANT: variant["setup"]["overrides"]}}
    setup["greedy"] = {**{name: comparison["setup"]["greedy"][name] for name in SHARED},
                       VARIANT: variant["setup"]["greedy"]["archer"]}
    merged["setup"] = setup
    return merged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", default="gmc", help="an env of the comparison: 20q or gmc (default)")
    parser.add_argument("--seeds", default="0,1,2,3,4", help="comma-separated seeds (default: 0-4, the comparison's)")
    parser.add_argument("--workers", type=int, default=2, help="runs in parallel (default: 2, one per core)")
    parser.add_argument("--runs", default="runs/zoo_comparison", help="the comparison's --runs; the variant's runs go beside")
    parser.add_argument("--out", default="benchmarks/results", help="the table, JSON and plot are copied here")
    args = parser.parse_args()
    comparison_dir = Path(args.runs) / args.env
    if not (comparison_dir / "bc_start").is_dir():
        parser.error(f"no comparison in {comparison_dir}: start benchmarks/zoo_comparison.py --envs {args.env} first")
    scale = SCALES["cpu"]
    variant_dir = Path(args.runs) / f"{args.env}_critic_budget"
    seeds = [int(s) for s in args.seeds.split(",")]
    for seed in seeds:  # the same starts, evaluated once: compare reuses an evaluation of the same key
        source, target = (d / "bc_start" / f"seed{seed}" / "evaluation.json" for d in (comparison_dir, variant_dir))
        if source.exists() and not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)

    from archer_agents.compare import compare, write_report

    compare(["archer"], args.env, seeds=seeds, trajectories=scale["trajectories"][args.env], eval_every=scale["eval_every"],
            preset=scale["preset"], output_dir=variant_dir, overrides=[*scale["overrides"], *CRITIC], workers=args.workers)
    if not (comparison_dir / "compare.json").exists():  # the variant may run beside the comparison
        sys.exit(f"the variant's runs are done; run this again once the comparison in {comparison_dir} has finished")
    merged = merge(json.loads((comparison_dir / "compare.json").read_text()),
                   json.loads((variant_dir / "compare.json").read_text()))
    report_dir = variant_dir / "with_comparison"
    print(write_report(merged, report_dir, reference=VARIANT))
    publish(report_dir, Path(args.out), f"critic_budget_{args.env}")


if __name__ == "__main__":
    main()
