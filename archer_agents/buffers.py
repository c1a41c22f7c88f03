"""Storage of experience: utterance-level transitions, whole trajectories, token-level rollouts.

- :class:`Transition` / :class:`Trajectory`: what rollout collection produces. A transition keeps
  the exact sampled token ids and the behaviour log-prob, so training never re-tokenises text.
- :class:`ReplayBuffer`: FIFO ring of transitions with uniform sampling over the filled slots
  (the reference's ``randint(size) % capacity`` over-samples recent slots once it wraps).
- :class:`TrajectoryStore`: every trajectory so far, for filtered BC's return quantile.

Checkpoints of both hold small state only; their records go to an append-only
:class:`~archer_agents.experience_log.ExperienceLog`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from archer_agents.experience_log import ExperienceLog


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
    """Fixed-capacity FIFO ring of transitions; transition ``i`` (in storing order) is in slot ``i % capacity``."""

    def __init__(self, capacity: int, seed: int = 0):
        if capacity < 1:
            raise ValueError("replay capacity must be >= 1")
        self.capacity = capacity
        self.items: list[Transition | None] = [None] * capacity
        self.count = 0
        """Transitions stored so far."""
        self.rng = np.random.default_rng(seed)

    @property
    def size(self) -> int:
        return min(self.count, self.capacity)

    def __len__(self) -> int:
        return self.size

    def add(self, transitions: list[Transition]) -> None:
        for transition in transitions:
            self.items[self.count % self.capacity] = transition
            self.count += 1

    def sample(self, batch_size: int) -> list[Transition]:
        if self.size == 0:
            raise ValueError("cannot sample from an empty replay buffer")
        return [self.items[i] for i in self.rng.integers(self.size, size=batch_size)]  # type: ignore[misc]

    def newest(self, n: int) -> list[Transition]:
        """The last ``n`` transitions stored (``n <= size``), oldest first."""
        return [self.items[i % self.capacity] for i in range(self.count - n, self.count)]  # type: ignore[misc]

    def state_dict(self, log: ExperienceLog, checkpoint: Path) -> dict[str, Any]:
        """Capacity, sampling RNG and a reference into ``log``, where the transitions go."""
        return {"capacity": self.capacity, "rng": self.rng.bit_generator.state,
                "experience": log.save(self.count, self.capacity, lambda n: [asdict(t) for t in self.newest(n)],
                                       checkpoint)}

    def load_state_dict(self, state: dict[str, Any], log: ExperienceLog, checkpoint: Path) -> None:
        self.capacity = state["capacity"]
        records = log.load(state["experience"], self.capacity, checkpoint)
        self.items = [None] * self.capacity
        self.count = state["experience"]["count"] - len(records)
        self.add([Transition(**r) for r in records])
        self.rng.bit_generator.state = state["rng"]


class TrajectoryStore:
    """All trajectories collected so far (or the last ``window`` iterations' worth)."""

    def __init__(self, window: int | None = None):
        self.window = window
        self.batches: list[list[Trajectory]] = []
        self.count = 0
        """Batches (iterations) stored so far."""

    def add(self, trajectories: list[Trajectory]) -> None:
        self.batches.append(trajectories)
        self.count += 1
        if self.window:
            self.batches = self.batches[-self.window :]

    @property
    def trajectories(self) -> list[Trajectory]:
        return [t for batch in self.batches for t in batch]

    def state_dict(self, log: ExperienceLog, checkpoint: Path) -> dict[str, Any]:
        """The window and a reference into ``log``, where the batches go (one record each)."""
        def newest(n: int) -> list[Any]:
            return [[{"transitions": [asdict(x) for x in t.transitions], "success": t.success} for t in batch]
                    for batch in self.batches[len(self.batches) - n :]]

        return {"window": self.window, "experience": log.save(self.count, self.window, newest, checkpoint)}

    def load_state_dict(self, state: dict[str, Any], log: ExperienceLog, checkpoint: Path) -> None:
        self.window = state["window"]
        records = log.load(state["experience"], self.window, checkpoint)
        self.batches = [[Trajectory([Transition(**x) for x in t["transitions"]], t["success"]) for t in batch]
                        for batch in records]
        self.count = state["experience"]["count"]
