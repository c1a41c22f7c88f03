"""Head-to-head comparison: several agents, one env, the same BC start, budget, seeds and evaluations.

For every seed, every agent starts from the same checkpoint (the tiny preset's BC start of that
seed; checked) and trains until it has collected ``trajectories`` env trajectories. Every agent is
evaluated at the same trajectory counts (every ``eval_every`` trajectories, which must be a multiple
of each agent's trajectories per iteration) with the unbiased test-split evaluation; the start is
evaluated once per seed and is the ``bc_start`` row (the policy before any RL) and every curve's first
point (but for an agent that decodes otherwise, CHAI, whose untrained self is evaluated instead).
Overrides apply to the agents that have the key; ``AGENT.key=value`` applies to one agent only
(e.g. ``ppo.trajectories_per_iteration=128``: token-level PPO needs large batches per update, and
the budget in trajectories stays the same).

The result (:mod:`archer_agents.comparison_stats`, rliable's statistics): the IQM and mean of the
final returns with 95 % stratified bootstrap CIs, the probability that the reference agent (ArCHer)
improves on each other one, learning curves with CI bands, and the sample-efficiency ratio of the
paper (the trajectories ``slow`` needs to reach its final return over those ArCHer needs). Written
to ``output_dir``: ``compare.md`` (tables), ``compare.json`` (every run's curve and every
estimate) and ``compare.png`` (curves and final IQMs). A run already finished in ``output_dir``
with the same config is reused and an unfinished one goes on from its last checkpoint (one per
evaluation), so an interrupted comparison continues where it stopped; runs go ``workers`` at a time,
each process with its share of the CPU threads.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from archer_agents.config import parse_overrides, update
from archer_agents.factory import resolve_config
from archer_agents.logger import RunLogger, read_metrics
from archer_agents.registry import get_agent
from archer_agents.run_dir import config_differences

START = "bc_start"
"""The row of the shared start: the BC policy every agent of a seed begins from."""
START_FILE = "evaluation.json"
OWN_START_FILE = "start_evaluation.json"
"""In the run directory of an agent that decodes otherwise than the shared start's evaluation: its
untrained self's evaluation (its curve's first point)."""
KEEPING = ("save_every",)
"""Config keys that change how a run is kept, not what it learns: a run that differs only there is reused."""


def compare(agents: Sequence[str], env: str, *, seeds: Sequence[int], trajectories: int, eval_every: int | None = None,
            preset: str = "tiny", output_dir: str | Path = "runs/compare", overrides: Sequence[str] = (),
            reference: str = "archer", slow: str = "ppo", workers: int = 1) -> str:
    """Run (or reuse) every agent x seed and return the markdown report (also written to ``output_dir``)."""
    output_dir = Path(output_dir)
    runs, eval_every = comparison_configs(agents, env, seeds=seeds, trajectories=trajectories, eval_every=eval_every,
                                          preset=preset, output_dir=output_dir, overrides=overrides)
    starts = [(agents[0], seed, runs[agents[0], seed], output_dir) for seed in seeds]  # first: they build BC
    start_greedy = runs[agents[0], seeds[0]].eval_greedy
    trainings = [(name, seed, runs[name, seed], output_dir, runs[name, seed].eval_greedy != start_greedy)
                 for seed in seeds for name in agents]
    if workers > 1:
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=_share_threads,
                                 initargs=(workers,)) as pool:
            list(pool.map(_evaluate_start, *zip(*starts)))
            list(pool.map(_train, *zip(*trainings)))
    else:
        for job in starts:
            _evaluate_start(*job)
        for job in trainings:
            _train(*job)
    result = _collect(agents, seeds, output_dir, trajectories, eval_every)
    result["setup"] = {"env": runs[agents[0], seeds[0]].env, "preset": preset, "seeds": list(seeds),
                       "trajectories": trajectories, "eval_every": eval_every, "overrides": list(overrides),
                       "evaluation": _evaluation_settings(runs[agents[0], seeds[0]]),
                       "greedy": {START: runs[agents[0], seeds[0]].eval_greedy,
                                  **{name: runs[name, seeds[0]].eval_greedy for name in agents}}}
    return write_report(result, output_dir, reference, slow)


def write_report(result: dict[str, Any], output_dir: str | Path, reference: str = "archer", slow: str = "ppo") -> str:
    """Add the statistics to a collected comparison ``result`` (curves, setup: what ``compare.json``
    holds before them) and write ``compare.md``, ``compare.json`` and ``compare.png`` to
    ``output_dir``; return the markdown. ``reference`` is the agent the improvement probabilities
    are about, ``slow`` the other end of the sample-efficiency ratio (left out when not compared)."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    result.update(_statistics(result, reference, slow))
    report = _report(result, reference, slow)
    (output_dir / "compare.md").write_text(report + "\n")
    (output_dir / "compare.json").write_text(json.dumps(result, indent=1))
    _plot(result, output_dir / "compare.png")
    return report


def comparison_configs(agents: Sequence[str], env: str, *, seeds: Sequence[int], trajectories: int,
                       eval_every: int | None = None, preset: str = "tiny", output_dir: str | Path = "runs/compare",
                       overrides: Sequence[str] = ()) -> tuple[dict[tuple[str, int], Any], int]:
    """Every run's config, keyed by (agent, seed), and the trajectories between evaluations; raises
    when the agents of a seed would not share their start and evaluation, or the schedule does not fit."""
    runs = {(name, seed): _config(name, env, seed, preset, overrides, Path(output_dir))
            for name in agents for seed in seeds}
    eval_every = eval_every or _default_eval_every([c.trajectories_per_iteration for c in runs.values()], trajectories)
    runs = {key: _schedule(key[0], config, trajectories, eval_every) for key, config in runs.items()}
    for seed in seeds:
        _check_shared_start([runs[name, seed] for name in agents], seed)
    return runs, eval_every


def _config(name, env, seed, preset, overrides, output_dir):
    """Agent ``name``'s config for ``seed``: its overrides (those it has, and ``name.key=value``)."""
    values = parse_overrides(overrides)
    known = set(get_agent(name).config_class.__dataclass_fields__)
    own = {k: v for k, v in values.items() if k in known}
    own.update({k.partition(".")[2]: v for k, v in values.items() if k.startswith(f"{name}.")})
    return resolve_config(name, env, preset, None, {**own, "seed": seed,
                                                    "output_dir": str(output_dir / name / f"seed{seed}")})[1]


def _default_eval_every(per_iteration: list[int], trajectories: int) -> int:
    """The largest common multiple of every agent's iteration that divides the budget into at least four
    evaluations (or the least common one)."""
    unit = math.lcm(*[max(1, n) for n in per_iteration])
    fits = [m * unit for m in range(1, trajectories // unit + 1)
            if trajectories % (m * unit) == 0 and trajectories // (m * unit) >= 4]
    return max(fits) if fits else unit


def _schedule(name, config, trajectories: int, eval_every: int):
    """``config`` with the comparison's budget and evaluation schedule."""
    per_iteration = max(1, config.trajectories_per_iteration)
    if eval_every % per_iteration or trajectories % eval_every:
        raise ValueError(f"evaluations every {eval_every} trajectories over {trajectories} need eval_every to divide "
                         f"the budget and be a multiple of {name}'s {per_iteration} trajectories per iteration")
    # A checkpoint at every evaluation: an interrupted comparison goes on from there.
    return update(config, {"iterations": math.ceil(trajectories / per_iteration),
                           "eval_every": eval_every // per_iteration, "save_every": eval_every // per_iteration})


def _evaluation_settings(config) -> dict[str, Any]:
    """What every agent's evaluation must share: the tasks and episodes (decoding is each agent's own:
    CHAI samples its candidates, and is told apart in the report)."""
    return {key: getattr(config, key) for key in ("eval_split", "eval_episodes_per_task", "eval_tasks")}


def _start(config) -> str:
    """What an agent with ``config`` starts from: its init checkpoint, the tiny preset's cached BC start,
    or the model it loads."""
    from archer_agents.presets import TINY_MODEL
    from archer_agents.pretrain import cache_key

    return config.init_checkpoint or (f"tiny BC {cache_key(config)}" if config.actor == TINY_MODEL else config.actor)


def _check_shared_start(configs: list, seed: int) -> None:
    """Every agent of ``seed`` starts from the same actor and is evaluated the same way."""
    for c in configs[1:]:
        for what, ours, theirs in (("start", _start(c), _start(configs[0])),
                                   ("evaluation", _evaluation_settings(c), _evaluation_settings(configs[0]))):
            if ours != theirs:
                raise ValueError(f"seed {seed}: the agents' {what}s differ ({ours} vs {theirs}); a comparison "
                                 "needs one start and one evaluation per seed: override the keys for every agent")


def _share_threads(workers: int) -> None:
    import torch

    torch.set_num_threads(max(1, (os.cpu_count() or 1) // workers))


def _evaluate_start(name: str, seed: int, config, output_dir: Path) -> None:
    """Evaluate seed ``seed``'s start (with agent ``name``, before it learns) unless done."""
    key = {"start": _start(config), **_evaluation_settings(config), "eval_greedy": config.eval_greedy}
    path = output_dir / START / f"seed{seed}" / START_FILE
    _evaluate_once(path, key, lambda: get_agent(name)(update(config, {"output_dir": str(path.parent)})).evaluate())


def _train(name: str, seed: int, config, output_dir: Path, own_start: bool = False) -> None:
    """Train agent ``name`` with ``config`` unless that run is already finished in ``output_dir``; a
    run of this config that was interrupted goes on from its last checkpoint, as ``train --resume``.
    ``own_start``: the agent decodes otherwise than the shared start's evaluation (CHAI samples and
    chooses with its critic), so its untrained self is evaluated too, as its curve's first point."""
    run_dir = output_dir / name / f"seed{seed}"
    if not _finished(run_dir, name, config):
        agent_class = get_agent(name)
        checkpoint = agent_class.latest_checkpoint(run_dir)
        if checkpoint is not None and not config_differences(run_dir, name, config, ignore=KEEPING):
            agent = agent_class.load(checkpoint).learn()  # an interrupted run goes on from its last checkpoint
        else:
            shutil.rmtree(run_dir, ignore_errors=True)
            agent = agent_class(config).learn()
        if config.iterations % config.eval_every:  # the final policy is always evaluated
            RunLogger(run_dir, tensorboard=False).log({"iteration": config.iterations, **agent.evaluate()},
                                                    step=agent.trajectories_total)
    if own_start:  # a fresh agent: the same start and seed
        key = {"agent": name, "config": {k: str(v) for k, v in dataclasses.asdict(config).items() if k not in KEEPING}}
        _evaluate_once(run_dir / OWN_START_FILE, key, lambda: get_agent(name)(config).evaluate())


def _evaluate_once(path: Path, key: dict[str, Any], evaluate: Callable[[], dict[str, Any]]) -> None:
    """Write ``{"key": key, "evaluation": evaluate()}`` to ``path`` unless it holds that key already
    (an evaluation of another start or config is made again, never reused)."""
    if path.exists() and json.loads(path.read_text()).get("key") == json.loads(json.dumps(key)):
        return
    evaluation = evaluate()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"key": key, "evaluation": evaluation}, indent=1))


def _finished(run_dir: Path, name: str, config) -> bool:
    """The run with this config reached its last iteration and its last record holds an evaluation."""
    metrics = read_metrics(run_dir)
    return (bool(metrics) and metrics[-1].get("iteration") == config.iterations and "eval/return_mean" in metrics[-1]
            and not config_differences(run_dir, name, config, ignore=KEEPING))


def _collect(agents, seeds, output_dir: Path, trajectories: int, eval_every: int) -> dict[str, Any]:
    """Every run's evaluations on the shared grid ``0, eval_every, ..., trajectories``. An iteration
    keeps every episode that ends on the step that fills its quota, so a run has learned from a few
    more trajectories than the grid says: those counts are kept too (``trajectories_at``)."""
    steps = list(range(0, trajectories + 1, eval_every))
    start = {seed: json.loads((output_dir / START / f"seed{seed}" / START_FILE).read_text())["evaluation"]
             for seed in seeds}
    curves: dict[str, list[list[float]]] = {START: [[start[s]["eval/return_mean"]] * len(steps) for s in seeds]}
    success: dict[str, list[float]] = {START: [start[s]["eval/success_rate"] for s in seeds]}
    actual: dict[str, list[list[int]]] = {START: [[0] * len(steps) for _ in seeds]}
    cost: dict[str, list[float]] = {}
    for name in agents:
        for seed in seeds:
            metrics = read_metrics(output_dir / name / f"seed{seed}")
            evals = [m for m in metrics if "eval/return_mean" in m]
            if len(evals) != len(steps) - 1:
                raise RuntimeError(f"{output_dir / name / f'seed{seed}'} holds {len(evals)} evaluations, not "
                                   f"{len(steps) - 1}: delete it and run the comparison again")
            own = output_dir / name / f"seed{seed}" / OWN_START_FILE
            first = json.loads(own.read_text())["evaluation"] if own.exists() else start[seed]
            curves.setdefault(name, []).append([first["eval/return_mean"]] + [m["eval/return_mean"] for m in evals])
            success.setdefault(name, []).append(evals[-1]["eval/success_rate"])
            actual.setdefault(name, []).append([0] + [m["step"] for m in evals])
            seconds = sum(m["time/collect_s"] + m["time/train_s"] for m in metrics if "time/train_s" in m)
            cost.setdefault(name, []).append(seconds / max(1, metrics[-1]["step"]))
    return {"steps": steps, "curves": curves, "final_success": success, "trajectories_at": actual,
            "seconds_per_trajectory": cost}


def _statistics(result: dict[str, Any], reference: str, slow: str) -> dict[str, Any]:
    from archer_agents import comparison_stats as stats

    curves = {name: np.array(runs, dtype=float) for name, runs in result["curves"].items()}
    finals = {name: runs[:, -1:] for name, runs in curves.items()}  # (runs, 1 env)
    out: dict[str, Any] = {"final": stats.final_estimates(finals),
                           "curve_iqm": stats.curve_estimates({n: c[:, None, :] for n, c in curves.items()})}
    if reference in curves:
        out["improvement_probability"] = stats.improvement_probabilities(finals, reference)
        if slow in curves and slow != reference:
            out["sample_efficiency"] = {"slow": slow, "fast": reference, **stats.sample_efficiency(
                np.array(result["steps"]), curves[slow], curves[reference])}
    return out


def _report(result: dict[str, Any], reference: str, slow: str) -> str:
    setup = result["setup"]
    ci = "[{:.2f}, {:.2f}]".format
    evaluation = setup["evaluation"]
    tasks = f"the first {evaluation['eval_tasks']} tasks" if evaluation["eval_tasks"] else "every task"
    finals = [run[-1] for name, runs in result["trajectories_at"].items() if name != START for run in runs]
    low, high = min(finals), max(finals)
    lines = [f"{setup['env']}, {setup['trajectories']} trajectories per run, seeds {setup['seeds']}; evaluated every "
             f"{setup['eval_every']} trajectories on {tasks} of the {evaluation['eval_split']} split, "
             f"{evaluation['eval_episodes_per_task']} episode(s) per task (runs learned from {low}-{high} trajectories: "
             "an iteration keeps every episode that ends on the step that fills its quota)", "",
             "| agent | final return IQM [95% CI] | mean [95% CI] | final success (mean) | "
             f"P({reference} > agent) [95% CI] | decoding | training s per trajectory |", "|---|---|---|---|---|---|---|"]
    def cost(name: str) -> str:  # rollout plus update, evaluations not counted; mean over seeds
        seconds = result["seconds_per_trajectory"].get(name)
        return "" if seconds is None else f"{np.mean(seconds):.2f}"

    for name, est in result["final"].items():
        p = result.get("improvement_probability", {}).get(name)
        improvement = "" if p is None else f"{p['p']:.2f} {ci(*p['ci95'])}"
        lines.append(f"| {name} | {est['iqm']:.2f} {ci(*est['iqm_ci95'])} | {est['mean']:.2f} {ci(*est['mean_ci95'])} | "
                     f"{np.mean(result['final_success'][name]):.2f} | {improvement} | "
                     f"{'greedy' if setup['greedy'][name] else 'sampled'} | {cost(name)} |")
    efficiency = result.get("sample_efficiency")
    if efficiency:
        def show(t):
            return "never" if t is None else f"{t:.0f}"

        ratio = ("undefined" if efficiency["ratio"] is None else f"{efficiency['ratio']:.2f}" +
                 (f" {ci(*efficiency['ratio_ci95'])}" if efficiency["ratio_ci95"] else ""))
        lines += ["", f"Sample efficiency: {slow}'s final mean return is {efficiency['threshold']:.2f}; trajectories "
                  f"to reach it: {slow} {show(efficiency['slow_trajectories'])}, {reference} "
                  f"{show(efficiency['fast_trajectories'])}; ratio {slow} : {reference} {ratio} (defined in "
                  f"{efficiency['defined_fraction']:.0%} of bootstrap samples)."]
    return "\n".join(lines)


def _plot(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (curves, finals) = plt.subplots(1, 2, figsize=(12, 4.5), gridspec_kw={"width_ratios": [3, 2]})
    steps = result["steps"]
    for name, band in result["curve_iqm"].items():
        line, = curves.plot(steps, band["iqm"], label=name, linestyle="--" if name == START else "-")
        curves.fill_between(steps, band["ci_low"], band["ci_high"], alpha=0.15, color=line.get_color())
    curves.set_xlabel("environment trajectories")
    curves.set_ylabel("evaluation return (IQM over seeds, 95% CI)")
    curves.set_title(result["setup"]["env"])
    curves.legend(fontsize=8)
    names = list(result["final"])
    iqm = np.array([result["final"][n]["iqm"] for n in names])
    low, high = (np.array([result["final"][n]["iqm_ci95"][i] for n in names]) for i in (0, 1))
    finals.errorbar(iqm, range(len(names)), xerr=[iqm - low, high - iqm], fmt="o", capsize=3)
    finals.set_yticks(range(len(names)), names)
    finals.set_xlabel("final return, IQM with 95% stratified bootstrap CI")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
