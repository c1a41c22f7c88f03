"""Where the tiny preset's BC start stands on every env: its test-split score beside the scripted
demonstrator it imitates and the random floor (run by hand; the README's table of BC starts).

    python benchmarks/bc_starts.py [--envs 20q,gmc,...] [--rom detective.z5]
        [--out benchmarks/results/bc_starts.json] [KEY=VALUE ...]

For each env: the tiny preset's BC start (built with an empty agent cache, as a fresh install
does: the env's scripted demonstrator writes the data, :mod:`archer_gym.datasets.demonstrations`)
is scored on every task of the env's ``test`` split with greedy and with sampled decoding; the
``random`` and scripted reference players are scored on the same tasks. Every score is the mean
return with its 95% bootstrap CI (:func:`archer_gym.evaluation.evaluate`). The BC build time is
reported too. ``archer/WebShopBrowser-v0`` is left out: it plays WebShop-v0's pages through
Chromium, the same scores by construction at many times the cost.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

ENVS = ("20q", "20q_subset", "gmc", "webshop", "webshop_archer", "webshop_verl_agent", "detective")
SCRIPTED = {"webshop": "scripted:shopper", "webshop_archer": "scripted:shopper",
            "webshop_verl_agent": "scripted:shopper", "detective": "scripted:walkthrough"}


def score(summary: dict) -> dict:
    stats = summary["return"]
    return {"return_mean": round(stats["mean"], 3), "return_ci95": [round(stats["ci_low"], 3), round(stats["ci_high"], 3)],
            "success_rate": round(summary["success_rate"]["mean"], 3), "episodes": summary["episodes"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--envs", default=",".join(ENVS), help="comma-separated env ids or short names")
    parser.add_argument("--rom", default=os.environ.get("ARCHER_DETECTIVE_ROM"), help="Detective's game file")
    parser.add_argument("--out", default="benchmarks/results/bc_starts.json", help="JSON written here")
    parser.add_argument("overrides", nargs="*", help="config KEY=VALUE pairs on top of the tiny preset")
    args = parser.parse_args()
    from archer_agents import make_agent
    from archer_agents.config import parse_overrides
    from archer_agents.evaluation import AgentPolicy
    from archer_gym.evaluation import evaluate
    from archer_gym.evaluation.agents import make_agent as make_player

    os.environ["ARCHER_AGENTS_CACHE"] = tempfile.mkdtemp(prefix="bc-starts-cache-")  # a fresh install's
    rows = {}
    for env in args.envs.split(","):
        extra = {"rom_path": args.rom} if env == "detective" else {}
        overrides = parse_overrides(args.overrides)
        overrides["env_kwargs"] = {**overrides.get("env_kwargs", {}), **extra}
        start = time.perf_counter()
        agent = make_agent("bc", env=env, preset="tiny", output_dir=tempfile.mkdtemp(), tensorboard=False,
                           **overrides)
        row = {"env": agent.config.env, "bc_build_s": round(time.perf_counter() - start, 1),
               "config": {k: getattr(agent.config, k) for k in ("bc_style", "bc_episodes", "bc_steps", "env_kwargs")}}
        kwargs = agent.config.env_kwargs
        for greedy in (True, False):
            summary = evaluate(AgentPolicy(agent, greedy), agent.config.env, env_kwargs=kwargs, num_envs=16)
            row["bc_greedy" if greedy else "bc_sampled"] = score(summary)
        for player in ("random", SCRIPTED.get(env, "scripted:expert")):
            summary = evaluate(make_player(player, agent.config.env, kwargs), agent.config.env, env_kwargs=kwargs,
                               num_envs=16)
            row[player] = score(summary)
        rows[env] = row
        print(json.dumps(row), flush=True)
        Path(args.out).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
