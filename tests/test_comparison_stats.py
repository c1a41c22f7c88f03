"""The comparison's statistics (rliable's IQM, CIs and probability of improvement; the sample-efficiency
ratio) against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from archer_agents import comparison_stats as stats


def test_iqm_is_the_mean_of_the_middle_half_and_its_ci_holds_it():
    scores = {"a": np.arange(1.0, 9.0)[:, None], "b": np.full((8, 1), 2.0)}
    result = stats.final_estimates(scores, reps=2000)
    assert result["a"]["iqm"] == pytest.approx(4.5)  # mean of 3, 4, 5, 6
    assert result["a"]["mean"] == pytest.approx(4.5)
    low, high = result["a"]["iqm_ci95"]
    assert 1.0 <= low < 4.5 < high <= 8.0
    assert result["b"] == {"iqm": 2.0, "iqm_ci95": [2.0, 2.0], "mean": 2.0, "mean_ci95": [2.0, 2.0]}
    assert stats.final_estimates(scores, reps=2000, seed=3) == stats.final_estimates(scores, reps=2000, seed=3)


def test_probability_of_improvement_counts_ties_as_half():
    scores = {"ref": np.array([[3.0], [4.0], [5.0]]), "lower": np.array([[1.0], [2.0], [2.5]]),
              "same": np.array([[3.0], [4.0], [5.0]])}
    result = stats.improvement_probabilities(scores, "ref", reps=1000)
    assert result["lower"]["p"] == 1.0 and result["lower"]["ci95"] == [1.0, 1.0]
    # P(X > Y) + 0.5 P(X = Y) over all 9 pairs: 3 wins each way, 3 ties
    assert result["same"]["p"] == pytest.approx(0.5)


def test_curve_iqm_per_point():
    curves = {"a": np.array([[[0.0, 1.0, 2.0]], [[0.0, 3.0, 4.0]], [[0.0, 5.0, 6.0]], [[0.0, 7.0, 8.0]]])}
    band = stats.curve_estimates(curves, reps=500)["a"]
    assert band["iqm"] == pytest.approx([0.0, 4.0, 5.0])
    assert band["ci_low"][0] == band["ci_high"][0] == 0.0 and band["ci_low"][1] < 4.0 < band["ci_high"][1]


def test_trajectories_to_threshold_interpolates_between_evaluations():
    steps = np.array([0.0, 100.0, 200.0])
    assert stats.trajectories_to_threshold(steps, np.array([-10.0, -8.0, -6.0]), -7.0) == pytest.approx(150.0)
    assert stats.trajectories_to_threshold(steps, np.array([-5.0, -8.0, -6.0]), -7.0) == 0.0  # the start is there
    assert stats.trajectories_to_threshold(steps, np.array([-10.0, -8.0, -7.5]), -7.0) is None


def test_sample_efficiency_ratio_of_the_trajectories_to_the_slow_agents_final_return():
    steps = np.array([0, 100, 200])
    slow = np.array([[-10.0, -9.0, -8.0]] * 3)  # reaches its final -8 at 200
    fast = np.array([[-10.0, -8.0, -6.0]] * 3)  # reaches -8 at 100
    result = stats.sample_efficiency(steps, slow, fast, reps=200)
    assert result["threshold"] == -8.0 and result["slow_trajectories"] == 200 and result["fast_trajectories"] == 100
    assert result["ratio"] == 2.0 and result["ratio_ci95"] == [2.0, 2.0] and result["defined_fraction"] == 1.0
    # two fast runs differ: the threshold stays, the fast mean curve moves with the resampled runs
    fast = np.array([[-10.0, -8.0, -6.0], [-10.0, -9.0, -6.0]])
    spread = stats.sample_efficiency(steps, slow, fast, reps=500)
    assert spread["fast_trajectories"] == pytest.approx(120.0)  # the mean curve -8.5 at 100, -6 at 200
    # resampled fast runs: both the second (-9 at 100: 133.3, ratio 1.5) ... both the first (ratio 2)
    assert spread["ratio_ci95"] == pytest.approx([1.5, 2.0])


def test_sample_efficiency_is_undefined_when_the_slow_agent_did_not_improve_or_the_fast_never_gets_there():
    steps = np.array([0, 100, 200])
    declining = np.array([[-8.0, -9.0, -10.0]] * 2)
    result = stats.sample_efficiency(steps, declining, np.array([[-8.0, -7.0, -6.0]] * 2), reps=100)
    assert result["ratio"] is None and result["ratio_ci95"] is None and result["defined_fraction"] == 0.0
    never = stats.sample_efficiency(steps, np.array([[-10.0, -9.0, -8.0]] * 2), np.array([[-10.0, -10.0, -9.0]] * 2),
                                    reps=100)
    assert never["fast_trajectories"] is None and never["ratio"] is None


def test_paired_differences_are_final_minus_the_same_seeds_start():
    from archer_agents.comparison_stats import paired_differences

    result = paired_differences(np.array([-9.0, -12.0, -10.0]), np.array([-10.0, -10.0, -10.0]), reps=2_000)
    assert result["differences"] == [1.0, -2.0, 0.0] and result["below_start"] == 1
    assert result["mean"] == pytest.approx(-1 / 3)
    low, high = result["ci95"]
    assert -2.0 <= low < result["mean"] < high <= 1.0
    same = paired_differences(np.array([-9.0, -9.5]), np.array([-10.0, -10.5]), reps=2_000)
    assert same["ci95"] == pytest.approx([1.0, 1.0])  # every seed gained 1: no spread to resample
