"""Training throughput of every agent (``tiny`` preset) on Twenty Questions: this working tree
against a baseline commit, side by side in one run (run by hand, on an otherwise idle machine).

    python benchmarks/throughput.py [--baseline HEAD] [--agents archer,archer_ppo,chai,ppo,filtered_bc,bc]
        [--env archer/TwentyQuestions-v0] [--iterations 5] [--warmup 1] [--threads 2]
        [--out benchmarks/results/throughput.json] [--profile]

The baseline is checked out with ``git worktree add --detach`` into a temporary directory (removed at
the end). Every measurement runs in a fresh Python process (this script with ``--child``) whose
working directory and ``PYTHONPATH`` are the tree measured, so each side imports its own
``archer_agents`` and ``archer_gym`` (the child reports the file it imported, and the parent checks
it). The sides alternate per agent (baseline X, current X, baseline Y, ...), so drift on the
machine hits both.

A child builds ``make_agent(name, env=ENV, preset="tiny", seed=0, eval_every=0, save_every=0,
tensorboard=False)`` with ``warmup_iterations=0`` for every agent that has the key (ArCHer,
ArCHer-PPO and CHAI, whose warm-up trains only the critic, and filtered BC, whose warm-up only
collects: the tiny preset sets 3), so the actor update is timed too. Building the agent, including
the tiny preset's BC pretraining when its cache (``$ARCHER_AGENTS_CACHE``, default
``~/.cache/archer_agents``) is cold, happens before timing. Then ``learn(iterations=warmup +
iterations)`` runs with torch at ``--threads`` threads (and ``OMP_NUM_THREADS``/``MKL_NUM_THREADS``
set to the same), and the warm-up iterations are dropped.

Reported per agent and side, over the timed iterations, where an iteration's wall time is
``time/collect_s + time/train_s`` (logging and the final checkpoint are outside it):

- learned/s: trajectories collected / wall time. BC collects nothing: each of its iterations
  imitates ``steps_per_iteration x batch_size`` dataset utterances (observation, action pairs;
  ``archer_agents/algorithms/bc.py``), so its unit is utterances/s.
- turns/s: env steps (utterances said) / wall time, and its current / baseline ratio. The sides
  start from different BC actors (the baseline builds its own with its older code), and a policy
  whose games end sooner collects a trajectory in fewer turns: the turns ratio is the comparison
  of equal work when the sides' episode lengths differ.
- tokens/s: tokens generated / seconds inside ``agent.policy.generate`` (wrapped by the child), over
  rollouts and training-time sampling (ArCHer's and ArCHer-PPO's V-target samples, CHAI's
  candidates) alike.
- the split of an iteration, mean seconds: actor generation and env steps during rollouts, critic
  and actor updates (``time/critic_s``, ``time/actor_s``), and the rest of ``train``.
- mean rollout return, over iterations, to show that learning did not change beyond noise (both
  sides use seed 0, so equivalent code gives equal or float-noise-close returns).
- peak RSS of the child (``ru_maxrss``: building the agent included, and BC pretraining where the
  child built the cache, marked ``*``) and the RSS after the first and last timed iteration (the
  whole series is in the JSON), to judge whether memory stays flat.
- current / baseline of learned/s.
- the arithmetic of an iteration: one more iteration after the timed ones, untimed, under
  ``torch.utils.flop_counter.FlopCounterMode``: GFLOP of matrix products (linear layers, LM head,
  their backward passes; torch does not count attention on CPUs, so this is a lower bound), the
  actor's share, and GFLOP/s = that over the timed iteration time. With the issue's target ratio
  (``TARGETS``), the rate an iteration of the current tree would need to meet it, beside this
  machine's fp32 matrix-product rate at ``--threads`` threads (``matmul_gflops``: a large square
  product and one shaped like the tiny models' layers, 4,096 x 128 by 128 x 512).

``--profile`` also runs each agent's timed iterations of the current tree under ``cProfile``, in a
third child of its own so that the profiler's overhead touches none of the timings above, and
reports the 15 project, torch and transformers functions with the most cumulative time (the
generic call wrappers of torch modules and transformers' decorators left out).

Everything, with the machine (CPU model, torch and transformers versions, threads) and both sides'
commits, goes to ``--out`` as JSON; the Markdown tables go to stdout.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ALL_AGENTS = ("archer", "archer_ppo", "chai", "ppo", "filtered_bc", "bc")
SIDES = ("baseline", "current")
METRICS = {  # our per-iteration key: the agent's metric (those every version of the loop logs)
    "collect_s": "time/collect_s", "train_s": "time/train_s", "generate_s": "time/generate_s",
    "env_s": "time/env_s", "critic_s": "time/critic_s", "actor_s": "time/actor_s",
    "trajectories_total": "time/trajectories_total", "env_steps_total": "time/env_steps",
    "return_mean": "rollout/return_mean",
}
TARGETS = {"archer": 4, "archer_ppo": 4, "chai": 4, "ppo": 10, "filtered_bc": 2, "bc": 2}
"""The throughput issue's targets: current / baseline of learned/s."""
PROFILE_TOP = 15
PROJECT_PACKAGES = {"archer_agents", "archer_gym"}
"""The measured tree's frames that a profile reports (not this script's wrappers)."""
PROFILE_WRAPPERS = {"_call_impl", "_wrapped_call_impl", "decorate_context", "wrapper", "wrapped_func",
                    "forward_with_checkpointing"}
"""Generic frames of torch (module calls, no-grad) and transformers (decorators) that every forward
goes through: their cumulative time repeats their callee's."""


# ------------------------------------------------------------------------------------------ child
def measure(args: argparse.Namespace) -> dict:
    """Build agent ``args.child`` in this process, train it, and return what was measured."""
    import cProfile

    import torch

    torch.set_num_threads(args.threads)
    import archer_agents
    from archer_agents import get_agent, make_agent

    name = args.child
    extra = {"warmup_iterations": 0} if "warmup_iterations" in {
        f.name for f in dataclasses.fields(get_agent(name).config_class)} else {}
    cache = Path(os.environ.get("ARCHER_AGENTS_CACHE", "~/.cache/archer_agents")).expanduser()
    cached_before = set(cache.glob("tiny-bc-*"))
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        agent = make_agent(name, env=args.env, preset="tiny", output_dir=str(Path(tmp) / "run"), eval_every=0,
                           save_every=0, tensorboard=False, seed=0, **extra)
        build_s = time.perf_counter() - start
        rss_after_build = _rss_gib()
        generation = GenerationCounter(agent.policy)
        profiler = cProfile.Profile() if args.profile else None
        rows: list[dict] = []

        def record(agent, metrics) -> None:
            rows.append({key: metrics.get(metric) for key, metric in METRICS.items()}
                        | {"tokens": generation.tokens, "tokens_s": generation.seconds, "rss_gib": _rss_gib()})
            # The profile covers the timed iterations only.
            if profiler is not None and len(rows) == args.warmup:
                profiler.enable()
            if profiler is not None and len(rows) == args.warmup + args.iterations:
                profiler.disable()

        if profiler is not None and args.warmup == 0:
            profiler.enable()
        agent.learn(iterations=args.warmup + args.iterations, callback=record)
        # The arithmetic of one more iteration, counted but not timed (the counter slows it down).
        from torch.utils.flop_counter import FlopCounterMode

        counter = FlopCounterMode(display=False)
        with counter:
            agent.learn(iterations=args.warmup + args.iterations + 1)
        actor_class = type(agent.policy.model).__name__  # the counter names a module by its class
        actor_flops = sum(count for name, counts in counter.get_flop_counts().items() if name == actor_class
                          for count in counts.values())
    # The loop logs running totals: per-iteration trajectories and generation are differences.
    totals = ("trajectories_total", "env_steps_total", "tokens", "tokens_s")
    previous = {key: 0 for key in totals}
    iterations = []
    for row in rows:
        iterations.append(row | {key: (row[key] or 0) - previous[key] for key in totals})
        previous = {key: row[key] or 0 for key in totals}
    result = {
        "agent": name, "archer_agents_file": archer_agents.__file__, "threads": torch.get_num_threads(),
        "extra_kwargs": extra, "build_s": build_s, "rss_after_build_gib": rss_after_build,
        "built_pretrain_cache": set(cache.glob("tiny-bc-*")) != cached_before,
        "peak_rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,  # Linux reports KiB
        "iterations": iterations[args.warmup:],
        "gflop_per_iteration": counter.get_total_flops() / 1e9, "actor_gflop_per_iteration": actor_flops / 1e9,
    }
    if name == "bc":  # collects nothing; see the module docstring
        result["unit"] = "utterances"
        result["learned_per_iteration"] = agent.config.steps_per_iteration * agent.config.batch_size
    else:
        result["unit"] = "trajectories"
    if profiler is not None:
        result["profile"] = top_functions(profiler, Path.cwd())
    return result


class GenerationCounter:
    """Replaces ``policy.generate`` with itself: counts the tokens generated and the seconds spent
    inside, whoever calls it (rollouts or training)."""

    def __init__(self, policy):
        self.tokens, self.seconds = 0, 0.0
        self._generate = policy.generate
        policy.generate = self

    def __call__(self, *args, **kwargs):
        start = time.perf_counter()
        utterances = self._generate(*args, **kwargs)
        self.seconds += time.perf_counter() - start
        self.tokens += sum(len(u.token_ids) for u in utterances)
        return utterances


def top_functions(profiler, tree: Path) -> list[dict]:
    """The ``PROFILE_TOP`` functions of the measured tree, torch and transformers (C functions of
    torch included) with the most cumulative time."""
    import pstats

    found = []
    for (filename, line, function), (_, calls, _, cumulative, _) in pstats.Stats(profiler).stats.items():
        if function in PROFILE_WRAPPERS:
            continue
        if filename == "~":  # a C function: keep torch's (e.g. "<built-in method torch._C._nn.linear>")
            if "torch" not in function:
                continue
            where = function
        elif Path(filename).is_relative_to(tree) and Path(filename).relative_to(tree).parts[0] in PROJECT_PACKAGES:
            where = f"{Path(filename).relative_to(tree)}:{line}({function})"
        elif match := re.search(r"site-packages/((?:torch|transformers)/.*)", filename):
            where = f"{match.group(1)}:{line}({function})"
        else:
            continue
        found.append({"function": where, "cumulative_s": round(cumulative, 3), "calls": calls})
    return sorted(found, key=lambda f: -f["cumulative_s"])[:PROFILE_TOP]


def _rss_gib() -> float:
    """Resident set size now (Linux), as opposed to ru_maxrss, the peak so far."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**30


# ----------------------------------------------------------------------------------------- parent
def run_child(tree: Path, agent: str, args: argparse.Namespace, profile: bool) -> dict:
    """Measure ``agent`` in a fresh process importing ``tree``'s packages; on failure, a dict with
    ``error`` (the tail of the child's stderr, also printed)."""
    with tempfile.TemporaryDirectory() as tmp:
        result_path = Path(tmp) / "result.json"
        command = [sys.executable, str(Path(__file__).resolve()), "--child", agent, "--result", str(result_path),
                   "--env", args.env, "--iterations", str(args.iterations), "--warmup", str(args.warmup),
                   "--threads", str(args.threads)] + (["--profile"] if profile else [])
        threads = str(args.threads)
        env = os.environ | {"PYTHONPATH": str(tree), "OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads}
        done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True)
        if done.returncode == 0 and result_path.is_file():
            result = json.loads(result_path.read_text())
            imported = Path(result["archer_agents_file"]).resolve()
            if tree.resolve() in imported.parents:
                return result
            tail = f"imported archer_agents from {imported}, not from {tree}"
        else:
            tail = "\n".join(done.stderr.strip().splitlines()[-25:]) or f"exit status {done.returncode}"
    print(f"--- {agent} in {tree} failed:\n{tail}\n---", file=sys.stderr)
    return {"agent": agent, "error": tail}


def summarise(result: dict) -> dict:
    """Throughput, time split, return and memory over a child's timed iterations."""
    rows = result["iterations"]
    mean = {key: statistics.fmean(row[key] or 0.0 for row in rows)
            for key in ("collect_s", "train_s", "generate_s", "env_s", "critic_s", "actor_s", "return_mean")}
    wall = sum(row["collect_s"] + row["train_s"] for row in rows)
    learned = (result["learned_per_iteration"] * len(rows) if result["unit"] == "utterances"
               else sum(row["trajectories_total"] for row in rows))
    tokens_s = sum(row["tokens_s"] for row in rows)
    returns = [row["return_mean"] for row in rows]
    return {
        "learned": learned, "wall_s": wall, "learned_per_s": learned / wall,
        "turns_per_s": sum(row["env_steps_total"] for row in rows) / wall if result["unit"] == "trajectories" else None,
        "tokens": sum(row["tokens"] for row in rows),
        "tokens_per_s": sum(row["tokens"] for row in rows) / tokens_s if tokens_s else None,
        "iteration_s": wall / len(rows), "generate_s": mean["generate_s"], "env_s": mean["env_s"],
        "critic_s": mean["critic_s"], "actor_s": mean["actor_s"],
        "other_train_s": mean["train_s"] - mean["critic_s"] - mean["actor_s"],
        "return_mean": mean["return_mean"] if result["unit"] == "trajectories" else None,
        "return_stderr": (statistics.stdev(returns) / len(returns) ** 0.5
                          if result["unit"] == "trajectories" and len(returns) > 1 else None),
        "rss_first_gib": rows[0]["rss_gib"], "rss_last_gib": rows[-1]["rss_gib"],
        "gflop_per_iteration": result["gflop_per_iteration"], "actor_gflop_per_iteration": result["actor_gflop_per_iteration"],
        "gflop_per_s": result["gflop_per_iteration"] / (wall / len(rows)),
    }


def matmul_gflops(threads: int) -> dict[str, float]:
    """This machine's fp32 matrix-product rate (GFLOP/s) at ``threads`` threads, best of 5 rounds."""
    import torch

    torch.set_num_threads(threads)
    rates = {}
    for m, k, n in ((2048, 2048, 2048), (4096, 128, 512)):
        a, b = torch.randn(m, k), torch.randn(k, n)
        best = float("inf")
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(10):
                a @ b
            best = min(best, (time.perf_counter() - start) / 10)
        rates[f"{m}x{k} @ {k}x{n}"] = 2 * m * k * n / best / 1e9
    return rates


def git(*arguments: str) -> str:
    return subprocess.run(["git", *arguments], cwd=REPO, check=True, capture_output=True, text=True).stdout.strip()


def machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").is_file() else ""
    model = re.search(r"^model name\s*:\s*(.*)$", cpuinfo, re.MULTILINE)
    return {"cpu": model.group(1) if model else platform.processor(), "cpus": os.cpu_count(),
            "python": platform.python_version(), "torch": metadata.version("torch"),
            "transformers": metadata.version("transformers")}


def print_table(report: dict) -> None:
    sides = report["sides"]
    print(f"baseline: {sides['baseline']['rev']} = {sides['baseline']['commit'][:10]}; current: working tree of "
          f"{sides['current']['commit'][:10]}{' with uncommitted changes' if sides['current']['dirty'] else ''}")
    print(f"{report['settings']['env']}, tiny preset, {report['settings']['threads']} threads, mean of "
          f"{report['settings']['iterations']} iterations after {report['settings']['warmup']} warm-up; "
          "time split in s per iteration; * = the child built the BC cache (its peak RSS includes pretraining)\n")
    print("| agent | side | learned/s | turns/s | tokens/s | iteration s | generate | env | critic | actor "
          "| other train | return | peak RSS GiB | RSS first -> last GiB | current / baseline: learned/s (turns/s) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for agent, entry in report["agents"].items():
        for side in SIDES:
            result = entry[side]
            if "error" in result:
                last = result["error"].splitlines()[-1][:80].replace("|", "/")
                print(f"| {agent} | {side} | failed: {last} |" + " |" * 12)
                continue
            s = result["summary"]
            unit = "traj/s" if result["unit"] == "trajectories" else "utt/s"
            tokens = f"{s['tokens_per_s']:.0f}" if s["tokens_per_s"] else "-"
            ret = "-" if s["return_mean"] is None else f"{s['return_mean']:.2f}" + (
                f" ± {s['return_stderr']:.2f}" if s["return_stderr"] is not None else "")
            ratio = f"**{entry['ratio']:.2f}x**" if side == "current" and entry.get("ratio") else ""
            if ratio and entry.get("turns_ratio"):
                ratio += f" ({entry['turns_ratio']:.2f}x)"
            turns = f"{s['turns_per_s']:.1f}" if s.get("turns_per_s") else "-"
            star = "*" if result["built_pretrain_cache"] else ""
            print(f"| {agent} | {side} | {s['learned_per_s']:.2f} {unit} | {turns} | {tokens} | {s['iteration_s']:.2f} "
                  f"| {s['generate_s']:.2f} | {s['env_s']:.2f} | {s['critic_s']:.2f} | {s['actor_s']:.2f} "
                  f"| {s['other_train_s']:.2f} | {ret} | {result['peak_rss_gib']:.2f}{star} "
                  f"| {s['rss_first_gib']:.2f} -> {s['rss_last_gib']:.2f} | {ratio} |")
    rates = ", ".join(f"{shape}: {rate:.0f}" for shape, rate in report["machine"]["matmul_gflops"].items())
    print(f"\nArithmetic of an iteration (matrix products; attention is not counted on CPUs). This machine's "
          f"fp32 matrix-product GFLOP/s at {report['settings']['threads']} threads: {rates}.\n")
    print("| agent | baseline GFLOP/iteration (actor) | current GFLOP/iteration (actor) | baseline GFLOP/s "
          "| current GFLOP/s | target | GFLOP/s the current tree needs for it |")
    print("|---|---|---|---|---|---|---|")
    for agent, entry in report["agents"].items():
        if "ratio" not in entry:
            continue
        b, c = entry["baseline"]["summary"], entry["current"]["summary"]
        print(f"| {agent} | {b['gflop_per_iteration']:.0f} ({b['actor_gflop_per_iteration']:.0f}) "
              f"| {c['gflop_per_iteration']:.0f} ({c['actor_gflop_per_iteration']:.0f}) | {b['gflop_per_s']:.0f} "
              f"| {c['gflop_per_s']:.0f} | {entry['target']}x | {entry['gflop_per_s_for_target']:.0f} |")
    for agent, entry in report["agents"].items():
        if "profile_error" in entry:
            print(f"\n{agent}: the profiled child failed ({entry['profile_error'].splitlines()[-1]})")
        if "profile" in entry:
            print(f"\n{agent}, current tree, profiled in a child of its own (top 8 by cumulative time):\n")
            print("| function | cumulative s | calls |\n|---|---|---|")
            for function in entry["profile"][:8]:
                print(f"| `{function['function']}` | {function['cumulative_s']:.2f} | {function['calls']} |")


def compare(args: argparse.Namespace) -> dict:
    """Measure every agent on both sides, alternating, and return the report."""
    agents = [a.strip() for a in args.agents.split(",") if a.strip()]
    unknown = sorted(set(agents) - set(ALL_AGENTS))
    if unknown:
        raise SystemExit(f"unknown agent(s) {unknown}; choose among {', '.join(ALL_AGENTS)}")
    baseline_commit = git("rev-parse", "--verify", f"{args.baseline}^{{commit}}")
    changed = git("status", "--porcelain").splitlines()
    report = {
        "machine": machine() | {"matmul_gflops": matmul_gflops(args.threads)},
        "settings": {"env": args.env, "preset": "tiny", "iterations": args.iterations, "warmup": args.warmup,
                     "threads": args.threads, "seed": 0,
                     "pretrain_cache": os.environ.get("ARCHER_AGENTS_CACHE", "~/.cache/archer_agents")},
        "sides": {"baseline": {"rev": args.baseline, "commit": baseline_commit},
                  "current": {"tree": str(REPO), "commit": git("rev-parse", "HEAD"), "dirty": bool(changed),
                              "changed": changed}},
        "agents": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        worktree = Path(tmp) / "baseline"
        git("worktree", "add", "--detach", str(worktree), baseline_commit)
        try:
            trees = {"baseline": worktree, "current": REPO}
            for agent in agents:
                entry: dict = {}
                for side in SIDES:
                    print(f"{agent}: {side} ...", file=sys.stderr, flush=True)
                    entry[side] = run_child(trees[side], agent, args, profile=False)
                    if "error" not in entry[side]:
                        entry[side]["summary"] = summarise(entry[side])
                if all("error" not in entry[side] for side in SIDES):
                    current, baseline = entry["current"]["summary"], entry["baseline"]["summary"]
                    entry["ratio"] = current["learned_per_s"] / baseline["learned_per_s"]
                    if current["turns_per_s"]:  # episodes that end sooner make trajectories cheaper
                        entry["turns_ratio"] = current["turns_per_s"] / baseline["turns_per_s"]
                    # The rate at which the current tree's arithmetic would meet the target.
                    entry["target"] = TARGETS[agent]
                    entry["gflop_per_s_for_target"] = current["gflop_per_s"] * TARGETS[agent] / entry["ratio"]
                if args.profile:
                    print(f"{agent}: current, profiled ...", file=sys.stderr, flush=True)
                    profiled = run_child(REPO, agent, args, profile=True)
                    if "error" in profiled:
                        entry["profile_error"] = profiled["error"]
                    else:
                        entry["profile"] = profiled["profile"]
                report["agents"][agent] = entry
        finally:
            git("worktree", "remove", "--force", str(worktree))
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", default="HEAD", help="git revision to compare the working tree against")
    parser.add_argument("--agents", default=",".join(ALL_AGENTS), help="comma-separated agents to measure")
    parser.add_argument("--env", default="archer/TwentyQuestions-v0", help="env id the agents train on")
    parser.add_argument("--iterations", type=int, default=5, help="timed iterations per agent and side")
    parser.add_argument("--warmup", type=int, default=1, help="iterations run first and dropped")
    parser.add_argument("--threads", type=int, default=2, help="torch (and OpenMP/MKL) threads of each child")
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results" / "throughput.json"),
                        help="JSON file for everything measured")
    parser.add_argument("--profile", action="store_true",
                        help="also profile each agent's timed iterations of the current tree (an extra child)")
    parser.add_argument("--child", metavar="AGENT",
                        help="internal: measure AGENT in this process (the parent starts the children)")
    parser.add_argument("--result", help="internal: where a child writes its JSON result")
    args = parser.parse_args()
    if args.iterations < 1 or args.warmup < 0:
        parser.error("--iterations must be >= 1 and --warmup >= 0")
    if args.child:
        if not args.result:
            parser.error("--child needs --result")
        Path(args.result).write_text(json.dumps(measure(args)))
        return
    report = compare(args)
    print_table(report)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1) + "\n")
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
