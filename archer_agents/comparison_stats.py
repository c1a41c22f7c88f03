"""Statistics of a comparison of agents over seeds, as rliable recommends (Agarwal et al., 2021).

A comparison gives, per agent, one score per run (seed) and env, and a learning curve per run on a
grid of trajectory counts shared by every agent. From them:

- ``final_estimates``: the interquartile mean (IQM) and the mean of the final scores, each with a
  95 % stratified bootstrap CI (runs resampled within each env);
- ``improvement_probabilities``: P(X > Y), the probability that a run of the reference agent scores
  above a run of another, with its bootstrap CI;
- ``curve_estimates``: the IQM at every point of the learning curves, with CI bands;
- ``sample_efficiency``: the paper's measure. The threshold is the slow agent's final mean return;
  each agent needs the trajectories at which its mean curve first reaches it (linear interpolation
  between evaluations; 0 when its start is already there; ``None`` when it never does). The ratio
  slow : fast of those counts, with a bootstrap CI over runs (each agent's runs resampled, the
  threshold recomputed in every sample). It is undefined when the slow agent's curve reaches its
  own final return at its start (it did not improve), and the fraction of bootstrap samples where
  the ratio exists is reported beside the CI;
- ``paired_differences``: each run's final score minus its own seed's start, the mean of those
  differences with a bootstrap CI over seeds (few seeds make that CI optimistic).

Every bootstrap is seeded by the ``seed`` argument, so the same runs give the same CIs (rliable
draws from NumPy's global generator whatever ``random_state`` it is given: its state is set for
the call and restored after it).
"""

from __future__ import annotations

import contextlib
from typing import Iterator, Mapping

import numpy as np

REPS = 20_000
"""Bootstrap samples: rliable's examples use 50,000; 20,000 put the CI ends within about 0.01."""


def _rliable():
    try:
        from rliable import library, metrics
    except ImportError as error:  # pragma: no cover - the stats extra is part of [all]
        raise ImportError("comparison statistics need rliable: pip install 'archer-gym[stats]'") from error
    return library, metrics


@contextlib.contextmanager
def _seeded(seed: int) -> Iterator[None]:
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


def final_estimates(scores: Mapping[str, np.ndarray], *, reps: int = REPS, seed: int = 0) -> dict[str, dict]:
    """Per agent, IQM and mean of ``scores[agent]`` (shape ``(runs, envs)``) with 95 % CIs."""
    library, metrics = _rliable()
    with _seeded(seed):
        point, interval = library.get_interval_estimates(
            dict(scores), lambda x: np.array([metrics.aggregate_iqm(x), metrics.aggregate_mean(x)]), reps=reps)
    return {name: {"iqm": float(point[name][0]), "iqm_ci95": [float(v) for v in interval[name][:, 0]],
                   "mean": float(point[name][1]), "mean_ci95": [float(v) for v in interval[name][:, 1]]}
            for name in scores}


def improvement_probabilities(scores: Mapping[str, np.ndarray], reference: str, *, reps: int = REPS,
                              seed: int = 0) -> dict[str, dict]:
    """Per other agent Y, P(reference > Y) over runs (ties count half) with its 95 % CI."""
    library, metrics = _rliable()
    pairs = {other: (scores[reference], scores[other]) for other in scores if other != reference}
    with _seeded(seed):
        point, interval = library.get_interval_estimates(pairs, metrics.probability_of_improvement, reps=reps)
    return {other: {"p": float(point[other]), "ci95": [float(v) for v in np.ravel(interval[other])]}
            for other in pairs}


def curve_estimates(curves: Mapping[str, np.ndarray], *, reps: int = REPS, seed: int = 0) -> dict[str, dict]:
    """Per agent, the IQM at every point of ``curves[agent]`` (shape ``(runs, envs, points)``) with
    its 95 % CI band."""
    library, metrics = _rliable()

    def iqm_per_point(x: np.ndarray) -> np.ndarray:
        return np.array([metrics.aggregate_iqm(x[..., j]) for j in range(x.shape[-1])])

    with _seeded(seed):
        point, interval = library.get_interval_estimates(dict(curves), iqm_per_point, reps=reps)
    return {name: {"iqm": point[name].tolist(), "ci_low": interval[name][0].tolist(),
                   "ci_high": interval[name][1].tolist()} for name in curves}


def trajectories_to_threshold(steps: np.ndarray, curve: np.ndarray, threshold: float) -> float | None:
    """The trajectory count at which ``curve`` (values at ``steps``) first reaches ``threshold``,
    interpolating linearly between points; None when it never does."""
    if curve[0] >= threshold:
        return float(steps[0])
    for j in range(1, len(curve)):
        if curve[j] >= threshold:
            fraction = (threshold - curve[j - 1]) / (curve[j] - curve[j - 1])
            return float(steps[j - 1] + fraction * (steps[j] - steps[j - 1]))
    return None


def _ratio(steps: np.ndarray, slow: np.ndarray, fast: np.ndarray) -> tuple[float, float | None, float | None]:
    """(threshold, slow's trajectories, fast's) for run curves of shape ``(runs, points)``."""
    threshold = float(slow[:, -1].mean())
    return (threshold, trajectories_to_threshold(steps, slow.mean(0), threshold),
            trajectories_to_threshold(steps, fast.mean(0), threshold))


def sample_efficiency(steps: np.ndarray, slow: np.ndarray, fast: np.ndarray, *, reps: int = REPS,
                      seed: int = 0) -> dict:
    """The trajectories the slow and the fast agent need to reach the slow agent's final mean return,
    and the ratio slow : fast with its 95 % bootstrap CI (see the module docstring)."""
    steps = np.asarray(steps, dtype=float)
    threshold, slow_t, fast_t = _ratio(steps, slow, fast)

    def ratio(s: float | None, f: float | None) -> float | None:
        if s is None or f is None or s <= steps[0]:
            return None  # the slow agent did not improve on its start, or the fast one never got there
        return s / f if f > 0 else float("inf")

    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(reps):
        one = _ratio(steps, slow[rng.integers(len(slow), size=len(slow))],
                     fast[rng.integers(len(fast), size=len(fast))])
        samples.append(ratio(one[1], one[2]))
    defined = np.array([r for r in samples if r is not None], dtype=float)
    return {"threshold": threshold, "slow_trajectories": slow_t, "fast_trajectories": fast_t,
            "ratio": ratio(slow_t, fast_t),
            "ratio_ci95": [float(v) for v in np.quantile(defined, [0.025, 0.975])] if len(defined) else None,
            "defined_fraction": len(defined) / reps}


def paired_differences(finals: np.ndarray, starts: np.ndarray, *, reps: int = REPS, seed: int = 0) -> dict:
    """Final minus start, seed by seed (``finals[i]`` started from ``starts[i]``): the differences,
    their mean with a 95 % bootstrap CI (seeds resampled), and how many seeds ended below their start."""
    differences = np.asarray(finals, dtype=float) - np.asarray(starts, dtype=float)
    rng = np.random.default_rng(seed)
    means = differences[rng.integers(len(differences), size=(reps, len(differences)))].mean(1)
    return {"differences": differences.tolist(), "mean": float(differences.mean()),
            "ci95": [float(v) for v in np.quantile(means, [0.025, 0.975])], "below_start": int((differences < 0).sum())}
