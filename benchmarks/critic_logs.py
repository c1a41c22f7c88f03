"""What a critic agent's own training logs say about its critic, averaged over seeds (run by hand).

    python benchmarks/critic_logs.py runs/zoo_comparison/gmc/archer [--out benchmarks/results/critic_logs_gmc.json]

Reads ``metrics.jsonl`` of every ``seed*`` run under the folder (e.g. the ArCHer runs of
``benchmarks/zoo_comparison.py``) and prints, per iteration, the mean over the seeds of the
critic's mean Q on its replay batches, the mean and spread of the advantage the actor was given
(empty during the critic's warm-up, when the actor does not move) and the mean undiscounted return
of that iteration's sampled rollouts. These are the run's own numbers, logged as it trained; for
Q, V and A scored against Monte Carlo returns, see ``benchmarks/critic_quality.py``.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from archer_agents.logger import read_metrics

COLUMNS = {"q_mean": "critic/q_mean", "advantage_mean": "actor/advantage_mean",
           "advantage_std": "actor/advantage_std", "rollout_return": "rollout/return_mean"}
"""Our name of each column, and the metric it averages."""


def per_iteration(runs: list[Path]) -> list[dict[str, float]]:
    """One row per iteration: each column's mean over the runs that logged it (NaN where none did)."""
    logged: dict[int, dict[str, list[float]]] = {}
    for run in runs:
        for record in read_metrics(run):
            if "rollout/return_mean" not in record:
                continue
            row = logged.setdefault(record["iteration"], {name: [] for name in COLUMNS})
            for name, key in COLUMNS.items():
                if key in record:
                    row[name].append(record[key])
    return [{"iteration": iteration, "runs": len(row["rollout_return"]),
             **{name: sum(values) / len(values) if values else math.nan for name, values in row.items()}}
            for iteration, row in sorted(logged.items())]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, help="a folder of seed* run directories of one critic agent")
    parser.add_argument("--out", type=Path, help="also write the rows as JSON here")
    args = parser.parse_args()
    runs = sorted(path for path in args.folder.glob("seed*") if (path / "metrics.jsonl").is_file())
    if not runs:
        parser.error(f"no seed*/metrics.jsonl under {args.folder}")
    rows = per_iteration(runs)
    print(f"{len(runs)} runs: {', '.join(run.name for run in runs)}")
    print("| iteration | mean Q | mean A | std A | rollout return |\n|---|---|---|---|---|")
    for row in rows:
        cells = [f"{row[name]:.2f}" if not math.isnan(row[name]) else "" for name in COLUMNS]
        print(f"| {row['iteration']} | " + " | ".join(cells) + " |")
    if args.out:
        rows = [{key: None if isinstance(value, float) and math.isnan(value) else value for key, value in row.items()}
                for row in rows]  # JSON has no NaN: an empty column is null
        args.out.write_text(json.dumps({"runs": [run.name for run in runs], "rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
