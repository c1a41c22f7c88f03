"""Online filtered BC: imitate the best trajectories collected so far.

Each iteration adds the new trajectories to the store, computes the ``quantile`` (0.9) of the
undiscounted returns over the store of every process, and takes ``actor_steps`` NLL steps on
(observation, action ids) pairs drawn from the trajectories at or above it. Each process draws
from its own kept trajectories and weighs its loss by its share of all kept pairs, so the DDP
average is a draw from every process's. ``warmup_iterations`` only collect: the reference
inherits ArCHer's warm-up (20 iterations on Twenty Questions, the ``repo`` preset); our default
imitates at once, as a BC-pretrained actor has no critic to wait for. ``window`` keeps only the last k iterations
(the paper's wording, "recent rollouts"); the default keeps everything (the reference code). No
critic, so nothing of one is built or saved.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np

from archer_agents.base import BaseAgent
from archer_agents.buffers import Trajectory, TrajectoryStore
from archer_agents.config import AgentConfig, Check, at_least, between
from archer_agents.imitation import imitation_step


@dataclasses.dataclass
class FilteredBCConfig(AgentConfig):
    """Online filtered BC."""

    quantile: float = 0.9
    """Keep trajectories whose return is at least this quantile of all returns in the store."""
    window: int = 0
    """Keep only the last k iterations' trajectories (0 = all of them)."""
    actor_steps: int = 3
    """Optimiser steps per iteration."""
    actor_lr: float = 1e-5
    """Learning rate (Adam; the reference's filtered BC runs at 1e-5)."""
    warmup_iterations: int = 0
    """Iterations that only collect before imitation starts (0 = from the first; the reference waits
    out ArCHer's warm-up, e.g. 20 on Twenty Questions: the ``repo`` preset sets it)."""

    def checks(self) -> dict[str, Check]:
        return {**super().checks(), "quantile": between(0, 1), "window": at_least(0), "actor_steps": at_least(1),
                "warmup_iterations": at_least(0)}


class FilteredBCAgent(BaseAgent):
    name = "filtered_bc"
    config_class = FilteredBCConfig

    def _setup(self) -> None:
        super()._setup()
        self.store_ = TrajectoryStore(self.config.window or None)
        self.rng = np.random.default_rng(self.process_seed)

    def store(self, trajectories: list[Trajectory]) -> None:
        self.store_.add(trajectories)

    def train(self) -> dict[str, float]:
        c = self.config
        if self.iteration < c.warmup_iterations:
            return {}
        trajectories = self.store_.trajectories
        returns = [t.episode_return for t in trajectories]
        every_return = self._gather(returns)  # the cutoff is over every process's trajectories
        cutoff = float(np.quantile(every_return, c.quantile))
        kept = [t for t, r in zip(trajectories, returns) if r >= cutoff]
        pairs = [(x.observation, x.action_ids) for t in kept for x in t.transitions]
        # A process whose trajectories are all below the cutoff still runs the same passes (DDP
        # all-reduces at every backward), on any of its pairs at weight 0.
        weight = self.world * len(pairs) / sum(self._gather([len(pairs)]))
        pool = pairs or [(x.observation, x.action_ids) for x in trajectories[0].transitions]
        losses = [imitation_step(self.policy, self.actor_optimizer, self.accelerator,
                                 [pool[i] for i in self.rng.integers(len(pool), size=c.batch_size)],
                                 c.micro_batch_size, c.grad_clip, weight)
                  for _ in range(c.actor_steps)]
        return {"actor/bc_loss": float(np.mean(losses)), "filter/cutoff": cutoff,
                "filter/kept_fraction": sum(r >= cutoff for r in every_return) / len(every_return)}

    def _process_state(self, checkpoint: Path) -> dict[str, Any]:
        return {**super()._process_state(checkpoint), "store": self.store_.state_dict(self.experience, checkpoint),
                "sampling_rng": self.rng.bit_generator.state}

    def _load_process_state(self, state: dict[str, Any], checkpoint: Path) -> None:
        super()._load_process_state(state, checkpoint)
        self.store_.load_state_dict(state["store"], self.experience, checkpoint)
        self.rng.bit_generator.state = state["sampling_rng"]
