"""What the WebShop and Detective demonstrators share: the noise check and the recording loop.

:func:`record_episodes` plays a player through a real env and yields one episode record each::

    {"task": ..., "seed": <reset seed>, "turns": [{"observation", "action", "reward"}, ...],
     "return": <sum of rewards>, "success": <the env's>}

``observation`` is exactly what the env returned before ``action``. Episode ``k`` resets with seed
``seed * 1_000_003 + k``, which also seeds the player, so the same arguments give the same records.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, Mapping, Protocol

import gymnasium as gym
import numpy as np


class Player(Protocol):
    def act(self, observation: str, info: Mapping[str, Any]) -> str: ...


def check_noise(noise: float) -> None:
    """Refuse a ``noise`` that is no probability (NaN included)."""
    if not 0.0 <= noise <= 1.0:
        raise ValueError(f"noise is a probability per decision (of a mistake or a deviation) and must be in [0, 1], "
                         f"got {noise!r}")


def record_episodes(env: gym.Env, player: Player, episodes: int, seed: int, *,
                    begin: Callable[[Mapping[str, Any], np.random.Generator], None],
                    task: Callable[[Mapping[str, Any]], Any],
                    reset_options: dict[str, Any] | None = None) -> Iterator[dict]:
    """Play ``episodes`` episodes of ``player`` on ``env`` (closed at the end); ``begin(info, rng)``
    starts the player's episode and ``task(info)`` names it, both from the reset's ``info``."""
    try:
        for episode in range(episodes):
            reset_seed = seed * 1_000_003 + episode
            observation, info = env.reset(seed=reset_seed, options=reset_options)
            begin(info, np.random.default_rng(reset_seed))
            name, turns, done = task(info), [], False
            while not done:
                action = player.act(observation, info)
                next_observation, reward, terminated, truncated, info = env.step(action)
                turns.append({"observation": observation, "action": action, "reward": float(reward)})
                observation, done = next_observation, terminated or truncated
            yield {"task": name, "seed": reset_seed, "turns": turns,
                   "return": float(sum(t["reward"] for t in turns)), "success": bool(info["success"])}
    finally:
        env.close()
