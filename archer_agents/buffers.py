"""Storage of experience: utterance-level transitions, whole trajectories, token-level rollouts.

- :class:`Transition` / :class:`Trajectory`: what rollout collection produces. A transition keeps
  the exact sampled token ids and the behaviour log-prob, so training never re-tokenises text.
- :class:`ReplayBuffer`: FIFO ring of transitions with uniform sampling over the filled slots
  (the reference's ``randint(size) % capacity`` over-samples recent slots once it wraps).
- :class:`TrajectoryStore`: every trajectory so far, for filtered BC's return quantile.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np


@dataclass
class Transition:
    observation: str
    action: str
    """Decoded utterance sent to the env."""
    action_ids: list[int]
    """The sampled token ids, stop token included."""
    token_log_probs: list[float]
    """Behaviour log-prob of each of ``action_ids``."""
    reward: float
    next_observation: str
    terminated: bool
    truncated: bool
    trajectory_id: int = 0
    turn: int = 0

    @property
    def log_prob(self) -> float:
        return float(sum(self.token_log_probs))

    def done(self, bootstrap_on_truncation: bool) -> bool:
        """The flag that stops bootstrapping: ``terminated``, or both flags in the paper's setting."""
        return self.terminated or (self.truncated and not bootstrap_on_truncation)


@dataclass
class Trajectory:
    transitions: list[Transition] = field(default_factory=list)
    success: bool = False

    @property
    def episode_return(self) -> float:
        return float(sum(t.reward for t in self.transitions))


class ReplayBuffer:
    """Fixed-capacity FIFO ring of transitions."""

    def __init__(self, capacity: int, seed: int = 0):
        if capacity < 1:
            raise ValueError("replay capacity must be >= 1")
        self.capacity = capacity
        self.items: list[Transition | None] = [None] * capacity
        self.next_slot = 0
        self.size = 0
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return self.size

    def add(self, transitions: list[Transition]) -> None:
        for transition in transitions:
            self.items[self.next_slot] = transition
            self.next_slot = (self.next_slot + 1) % self.capacity
            self.size = min(self.size + 1, self.capacity)

    def sample(self, batch_size: int) -> list[Transition]:
        if self.size == 0:
            raise ValueError("cannot sample from an empty replay buffer")
        return [self.items[i] for i in self.rng.integers(self.size, size=batch_size)]  # type: ignore[misc]

    def state_dict(self) -> dict[str, Any]:
        return {"capacity": self.capacity, "next_slot": self.next_slot, "size": self.size,
                "items": [asdict(t) for t in self.items[: self.size]], "rng": self.rng.bit_generator.state}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.capacity, self.next_slot, self.size = state["capacity"], state["next_slot"], state["size"]
        self.items = [Transition(**t) for t in state["items"]] + [None] * (self.capacity - self.size)
        self.rng.bit_generator.state = state["rng"]


class TrajectoryStore:
    """All trajectories collected so far (or the last ``window`` iterations' worth)."""

    def __init__(self, window: int | None = None):
        self.window = window
        self.batches: list[list[Trajectory]] = []

    def add(self, trajectories: list[Trajectory]) -> None:
        self.batches.append(trajectories)
        if self.window:
            self.batches = self.batches[-self.window :]

    @property
    def trajectories(self) -> list[Trajectory]:
        return [t for batch in self.batches for t in batch]

    def state_dict(self) -> dict[str, Any]:
        return {"window": self.window,
                "batches": [[{"transitions": [asdict(x) for x in t.transitions], "success": t.success}
                             for t in batch] for batch in self.batches]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.window = state["window"]
        self.batches = [[Trajectory([Transition(**x) for x in t["transitions"]], t["success"]) for t in batch]
                        for batch in state["batches"]]
