"""Behaviour cloning: supervised pretraining on an offline dialogue dataset.

Every RL agent starts from a BC checkpoint, as in the paper. Each iteration takes
``steps_per_iteration`` imitation steps (:mod:`archer_agents.imitation`: NLL of the action tokens,
the newline stop token included) on pairs drawn from the dataset; no env data is collected.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np

from archer_agents.base import BaseAgent
from archer_agents.config import AgentConfig, Check, at_least
from archer_agents.data import load_pairs, scripted_pairs
from archer_agents.imitation import action_ids, imitation_step


@dataclasses.dataclass
class BCConfig(AgentConfig):
    """Behaviour cloning on a dialogue dataset."""

    actor_lr: float = 1e-4
    """Learning rate (Adam)."""
    steps_per_iteration: int = 50
    """Optimiser steps per iteration (an iteration collects no env data)."""
    iterations: int = 20
    """Iterations; evaluation and checkpoints follow ``eval_every`` / ``save_every``."""
    batch_size: int = 32
    """Pairs per optimiser step."""
    trajectories_per_iteration: int = 0
    """BC collects nothing."""

    def checks(self) -> dict[str, Check]:
        return {**super().checks(), "steps_per_iteration": at_least(1), "trajectories_per_iteration": at_least(0)}


class BCAgent(BaseAgent):
    name = "bc"
    config_class = BCConfig

    def _setup(self) -> None:
        super()._setup()
        c = self.config
        texts = load_pairs(c.bc_dataset) if c.bc_dataset else scripted_pairs(
            c.env, c.bc_episodes, c.seed, c.env_kwargs, c.bc_style)
        self.pairs = list(zip([o for o, _ in texts], action_ids(self.policy, [a for _, a in texts])))
        self.rng = np.random.default_rng(self.process_seed)

    def collect_rollouts(self, collector):
        return []

    def train(self) -> dict[str, float]:
        c = self.config
        losses = [imitation_step(self.policy, self.actor_optimizer, self.accelerator,
                                 [self.pairs[i] for i in self.rng.integers(len(self.pairs), size=c.batch_size)],
                                 c.micro_batch_size, c.grad_clip)
                  for _ in range(c.steps_per_iteration)]
        return {"actor/bc_loss": float(np.mean(losses))}

    def _process_state(self, checkpoint: Path) -> dict[str, Any]:
        return {**super()._process_state(checkpoint), "sampling_rng": self.rng.bit_generator.state}

    def _load_process_state(self, state: dict[str, Any], checkpoint: Path) -> None:
        super()._load_process_state(state, checkpoint)
        self.rng.bit_generator.state = state["sampling_rng"]
