"""Agents by name, so ``--agent archer`` resolves; algorithm modules register on import."""

from __future__ import annotations

import importlib

_MODULES = {
    "archer": "archer_agents.algorithms.archer",
    "archer_ppo": "archer_agents.algorithms.archer_ppo",
    "filtered_bc": "archer_agents.algorithms.filtered_bc",
    "chai": "archer_agents.algorithms.chai",
    "ppo": "archer_agents.algorithms.ppo",
    "bc": "archer_agents.algorithms.bc",
}
AGENT_NAMES = tuple(_MODULES)
_REGISTRY: dict[str, type] = {}


def register_agent(cls: type) -> type:
    """Class decorator: make ``cls`` reachable as ``get_agent(cls.name)``."""
    _REGISTRY[cls.name] = cls
    return cls


def get_agent(name: str) -> type:
    if name not in _MODULES:
        raise ValueError(f"unknown agent {name!r}; choose one of {', '.join(AGENT_NAMES)}")
    importlib.import_module(_MODULES[name])
    return _REGISTRY[name]
