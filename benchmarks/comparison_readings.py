"""The figures the README's readings of a zoo comparison quote beyond its table (run by hand).

    python benchmarks/comparison_readings.py benchmarks/results/zoo_comparison_gmc.json

From a comparison's JSON (``benchmarks/zoo_comparison.py``): per agent, each seed's final return
minus that seed's BC start, their mean with a 95 % bootstrap CI over the seeds
(:func:`archer_agents.comparison_stats.paired_differences`) and the seeds that ended below their
start; then the training time of all runs together (rollout plus update, evaluations left out).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from archer_agents.comparison_stats import paired_differences


def readings(result: dict) -> tuple[dict[str, dict], float]:
    """``({agent: paired differences}, training CPU-hours of every run)`` of a comparison's JSON."""
    final = {name: np.array([curve[-1] for curve in curves]) for name, curves in result["curves"].items()}
    paired = {name: paired_differences(scores, final["bc_start"]) for name, scores in final.items() if name != "bc_start"}
    seconds = sum(float(np.dot(per_trajectory, [at[-1] for at in result["trajectories_at"][name]]))
                  for name, per_trajectory in result["seconds_per_trajectory"].items())
    return paired, seconds / 3600


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("comparison", type=Path, help="a comparison's JSON (compare.json or its copy in benchmarks/results)")
    args = parser.parse_args()
    paired, hours = readings(json.loads(args.comparison.read_text()))
    print("| agent | final - start, mean [95% CI over seeds] | below start | per seed |\n|---|---|---|---|")
    for name, row in paired.items():
        low, high = row["ci95"]
        seeds = " ".join(f"{d:+.2f}" for d in row["differences"])
        print(f"| {name} | {row['mean']:+.2f} [{low:+.2f}, {high:+.2f}] | {row['below_start']} of {len(row['differences'])} | {seeds} |")
    print(f"training, all runs together: {hours:.1f} CPU-hours")


if __name__ == "__main__":
    main()
