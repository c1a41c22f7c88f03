"""archer-agents: ArCHer and its baselines behind one ``Agent.learn(env)`` API.

    from archer_agents import make_agent
    agent = make_agent("archer", env="20q_subset", preset="tiny").learn()

Agents: ``archer``, ``archer_ppo``, ``filtered_bc``, ``chai``, ``ppo``, ``bc``.
"""

from __future__ import annotations

from typing import Any

from archer_agents.registry import AGENT_NAMES, get_agent

__all__ = ["AGENT_NAMES", "get_agent", "make_agent"]


def make_agent(name: str, *, env: str = "archer/TwentyQuestionsSubset-v0", preset: str = "tiny", **overrides: Any):
    """Build agent ``name`` for ``env`` from a preset plus keyword overrides."""
    import archer_gym
    from archer_agents.config import update
    from archer_agents.presets import preset_values

    agent_class = get_agent(name)
    env_id = archer_gym.resolve_env_id(env)
    values = {**preset_values(preset, env_id, agent_class.config_class), **overrides, "env": env_id}
    return agent_class(update(agent_class.config_class(), values))
