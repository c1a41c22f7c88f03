"""The main job (``archer-agents train`` with no flags) starts where there is something to learn.

Whether it then learns within 10 minutes is measured by ``benchmarks/main_job.py`` (a time is a
benchmark's business, not a test's).
"""

from __future__ import annotations

import pytest

from archer_agents.cli import DEFAULT_AGENT, DEFAULT_PRESET
from archer_agents.factory import resolve_config

HEADROOM_BOUND = 0.6
"""The default BC start must win fewer of the Subset's test games than this (it wins about a third;
the expert questioner it imitates wins nearly all, and the run's own evaluation shows the rest)."""


@pytest.mark.slow
def test_the_default_runs_bc_start_has_headroom(tmp_path):
    agent_class, config = resolve_config(DEFAULT_AGENT, None, DEFAULT_PRESET, None,
                                         {"eval_episodes_per_task": 10, "output_dir": str(tmp_path)})
    assert config.env == "archer/TwentyQuestionsSubset-v0" and not config.eval_greedy
    result = agent_class(config).evaluate()
    assert result["eval/episodes"] == 100
    assert 0.05 < result["eval/success_rate"] < HEADROOM_BOUND  # neither at the floor nor near the top
