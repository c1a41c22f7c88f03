"""The main job as a newcomer runs it: ``archer-agents train`` with no flags and empty caches
(run by hand on an idle machine; the README's figure).

    python benchmarks/main_job.py [--out benchmarks/results/main_job.json] [-- EXTRA TRAIN ARGS]

Runs the command in a fresh temporary directory with a fresh agent cache (BC pretraining
included) and records its wall time, the before/after line and ``summary.json``. The target:
under 10 minutes on a 2-core laptop CPU, with the final test-split return above the initial one by
a margin outside both 95% CIs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 600


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="benchmarks/results/main_job.json", help="JSON written here")
    parser.add_argument("train_args", nargs="*", help="extra arguments for archer-agents train (after --)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="main-job-"))
    env = {**os.environ, "ARCHER_AGENTS_CACHE": str(work / "cache")}
    command = [sys.executable, "-m", "archer_agents.cli", "train", *args.train_args]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"archer-agents train failed:\n{done.stderr[-3000:]}")
    summary_path = next(work.glob("runs/*/*/summary.json"))
    summary = json.loads(summary_path.read_text())
    initial, final = summary["initial"], summary["final"]
    result = {"command": "archer-agents train " + " ".join(args.train_args), "wall_s": round(wall, 1),
              "target_s": TARGET_S, "within_target": wall < TARGET_S,
              "learned": final["return_ci95"][0] > initial["return_ci95"][1], "summary": summary,
              "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()}}
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    print(summary["verdict"])
    print(f"wall time {wall:.0f} s (target {TARGET_S} s); written to {args.out}")


if __name__ == "__main__":
    main()
