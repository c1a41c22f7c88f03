"""What ``archer-agents train`` leaves for a reader: the run's score before and after training.

The run is evaluated on its env's test split (every task once, :mod:`archer_agents.evaluation`)
before the first iteration and after the last. ``output_dir/summary.json`` holds both evaluations
(mean return, success rate, their 95 % CIs, episodes); ``output_dir/learning_curve.png`` plots the
rollout return per iteration and every evaluation with its CI; one line says whether the change is
outside the CIs. A resumed run keeps the initial evaluation of the run it continues
(``initial_evaluation.json``, written before the first iteration).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

INITIAL_FILE = "initial_evaluation.json"
SUMMARY_FILE = "summary.json"
CURVE_FILE = "learning_curve.png"


def scores(evaluation: dict[str, Any]) -> dict[str, Any]:
    """The ``eval/...`` metrics of an evaluation as the summary's plain fields."""
    return {"return_mean": evaluation["eval/return_mean"],
            "return_ci95": [evaluation["eval/return_ci_low"], evaluation["eval/return_ci_high"]],
            "success_rate": evaluation["eval/success_rate"],
            "success_ci95": [evaluation["eval/success_ci_low"], evaluation["eval/success_ci_high"]],
            "episodes": evaluation["eval/episodes"]}


def save_initial(output_dir: str | Path, evaluation: dict[str, Any], split: str) -> None:
    path = Path(output_dir) / INITIAL_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"split": split, **scores(evaluation)}, indent=1))


def load_initial(output_dir: str | Path) -> dict[str, Any] | None:
    path = Path(output_dir) / INITIAL_FILE
    return json.loads(path.read_text()) if path.is_file() else None


def verdict(initial: dict[str, Any] | None, final: dict[str, Any], split: str = "test") -> str:
    """One line: return on ``split`` before -> after with 95 % CIs, and whether the CIs separate them."""
    def show(s: dict[str, Any]) -> str:
        low, high = s["return_ci95"]
        return f"{s['return_mean']:.2f} [{low:.2f}, {high:.2f}] (success {s['success_rate']:.2f})"

    if initial is None:
        return f"{split}-split return after training: {show(final)}"
    if final["return_ci95"][0] > initial["return_ci95"][1]:
        change = "improved: the 95% CIs do not overlap"
    elif final["return_ci95"][1] < initial["return_ci95"][0]:
        change = "got worse: the 95% CIs do not overlap"
    else:
        change = "no change the 95% CIs can tell"
    return f"{split}-split return {show(initial)} -> {show(final)}: {change}"


def write_summary(output_dir: str | Path, run: dict[str, Any], initial: dict[str, Any] | None,
                  final: dict[str, Any]) -> Path:
    path = Path(output_dir) / SUMMARY_FILE
    path.write_text(json.dumps({**run, "initial": initial, "final": final, "verdict": verdict(initial, final, run["split"])},
                               indent=1))
    return path


def plot_learning_curve(output_dir: str | Path, initial: dict[str, Any] | None, final: dict[str, Any],
                        final_trajectories: int) -> Path | None:
    """``learning_curve.png`` from ``metrics.jsonl``: rollout return per iteration, evaluations
    with their 95 % CIs; None when the run logged nothing to plot."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = Path(output_dir) / "metrics.jsonl"
    records = [json.loads(line) for line in metrics.read_text().splitlines()] if metrics.is_file() else []
    rollouts = [(r["time/trajectories_total"], r["rollout/return_mean"]) for r in records
                if "rollout/return_mean" in r and "time/trajectories_total" in r]
    evaluations = [(r["time/trajectories_total"], r["eval/return_mean"], r["eval/return_ci_low"],
                    r["eval/return_ci_high"]) for r in records if "eval/return_mean" in r]
    if initial is not None:
        evaluations.insert(0, (0, initial["return_mean"], *initial["return_ci95"]))
    evaluations.append((final_trajectories, final["return_mean"], *final["return_ci95"]))
    if not rollouts and len(evaluations) < 2:
        return None
    figure, axis = plt.subplots(figsize=(7, 4))
    if rollouts:
        axis.plot(*zip(*rollouts), color="0.6", label="rollout return (sampled, training tasks)")
    x, mean, low, high = zip(*sorted(evaluations))
    axis.plot(x, mean, "o-", color="C0", label="test-split return (95% CI)")
    axis.fill_between(x, low, high, color="C0", alpha=0.2)
    axis.set_xlabel("trajectories")
    axis.set_ylabel("mean return")
    axis.legend()
    axis.grid(alpha=0.3)
    path = Path(output_dir) / CURVE_FILE
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path
