"""A scripted Detective demonstrator: the walkthrough with deviations, recorded from the real env.

BC data for the Detective agents needs nothing but the ROM::

    from archer_gym.datasets.detective import generate_episodes

    for record in generate_episodes(100, rom_path="detective.z5"):
        ...

Policy (:class:`WalkthroughDemonstrator`). The demonstrator follows a fixed solution,
:func:`solution`: Jericho's walkthrough in its order, without the five of its 51 steps that leave
the world as it was (reading the paper and the note, ``inventory``, and two walks into walls). The
full walkthrough would be cut by the env's 50-turn horizon one step before the victory (its
350 points are collected by turn 50, the final ``up`` wins at turn 51); the 46 steps win at turn
46. At each turn, with probability ``noise``, the demonstrator deviates instead: it plays a random
action from the env's valid-action list (``info["valid_actions"]``; a random common command such as
``look`` or ``north`` when the env computes none) and the walkthrough waits. A deviation that took
the player to another room is undone at the next turn by the opposite direction, when there is
one, so that the walkthrough can go on from where it was (at noise 0.1 this lifts the mean return
of 100 games from 208 to 252 and halves the deaths); where that fails (one-way passages, deaths,
dropped items) the walkthrough goes on anyway and the rest of the game scores what it still can.
Once the walkthrough is played the demonstrator looks around (``look``) until the episode
ends: the env ends it at the victory, so this happens only when a deviation spoiled the game.

Records (:func:`generate_episodes`), one per episode::

    {"task": "start", "seed": 12, "turns": [{"observation": "...", "action": "take paper",
     "reward": 10.0}, ...], "return": 350.0, "success": true}

``observation`` is the env's observation before ``action``, exactly as the env returned it
(its format follows the env's ``mode``); ``reward`` is the change of the game score;
``success`` is the env's (the game was won). Every episode starts from the game's start
(``task`` is its name), so ``seed`` only seeds the reset and the demonstrator's deviations.

Cost: the env computes a valid-action list for every state it has not seen (~0.5 s), and after a
deviation every state is new (the move counter differs), so a game at the default noise takes
~18 s with valid actions and ~50 ms with ``valid_actions=False`` (then deviations are common
commands, and the observations have no valid-action part).
"""

from __future__ import annotations

import os
from typing import Any, Iterator, Mapping, Sequence

import gymnasium as gym
import numpy as np

from archer_gym.datasets.recording import check_noise, record_episodes
from archer_gym.envs.detective_rom import locate_rom
from archer_gym.envs.detective_valid_actions import make_frotz_env
from archer_gym.registration import resolve_env_id

DEFAULT_NOISE = 0.1
"""Share of turns spent off the walkthrough. ArCHer's supervised data for Detective is suboptimal
on purpose (the RL stage has something to improve on), so the default demonstrator is too: about
five deviations per game, enough to spend the walkthrough's four spare turns and lose points or the
victory in most games, while most of each game still follows the solution. Measured on 100 games:
mean return 252 of 350, 29 % won (noise 0: 350, all won; noise 1: about 30, none won)."""

COMMON_COMMANDS = ("look", "inventory", "wait", "north", "south", "east", "west", "up", "down")
"""Deviations when the env computes no valid actions (``valid_actions=False``)."""

OPPOSITE = {"north": "south", "south": "north", "east": "west", "west": "east",
            "northeast": "southwest", "southwest": "northeast", "northwest": "southeast",
            "southeast": "northwest", "up": "down", "down": "up", "in": "out", "out": "in"}
"""The way back from a deviating move (valid actions and common commands spell directions out)."""


def solution(rom_path: str | os.PathLike) -> list[str]:
    """Jericho's walkthrough for the ROM without its steps that neither score nor change the world
    (Jericho's world-state hash): 46 of its 51 steps, which win the game in the same order."""
    frotz = make_frotz_env(str(rom_path))
    frotz.reset()
    steps = []
    for action in frotz.get_walkthrough():
        before = frotz.get_world_state_hash()
        _, reward, _, _ = frotz.step(action)
        if reward or frotz.get_world_state_hash() != before:
            steps.append(action)
    frotz.close()
    return steps


class WalkthroughDemonstrator:
    """Plays ``steps`` in order, deviating with probability ``noise`` per turn (module docstring).

    One episode at a time: :meth:`start` with the episode's generator, then :meth:`act` each turn
    with the env's observation and ``info``. The policy reads only ``info`` (``valid_actions``,
    ``location``), so it plays every observation mode alike.
    """

    def __init__(self, steps: Sequence[str], noise: float = DEFAULT_NOISE):
        check_noise(noise)
        self.steps, self.noise = list(steps), float(noise)

    def start(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.next_step = 0
        self.undo: tuple[int, str] | None = None
        """(room before the last deviation, the way back) while a deviating move may need undoing."""

    def act(self, observation: str, info: Mapping[str, Any]) -> str:
        # Walking back comes first (and is no deviation): the walkthrough's next step is only right
        # in the room it left.
        undo, self.undo = self.undo, None
        if undo is not None and info.get("location") != undo[0]:
            return undo[1]
        if self.rng.random() < self.noise:
            return self._deviation(info)
        if self.next_step < len(self.steps):
            self.next_step += 1
            return self.steps[self.next_step - 1]
        return "look"

    def _deviation(self, info: Mapping[str, Any]) -> str:
        choices = info.get("valid_actions") or COMMON_COMMANDS
        action = str(choices[int(self.rng.integers(len(choices)))])
        if action in OPPOSITE:
            self.undo = (info.get("location"), OPPOSITE[action])
        return action


def generate_episodes(episodes: int, *, noise: float = DEFAULT_NOISE, seed: int = 0,
                      env_id: str = "archer/Detective-v0", **env_kwargs) -> Iterator[dict]:
    """Play ``episodes`` games with :class:`WalkthroughDemonstrator`; yield one record per game
    (module docstring). ``env_kwargs`` go to the env (``rom_path``, ``mode``, ``max_turns``,
    ``valid_actions``, ...). The same arguments give the same records.

    Bad arguments and a missing ROM raise here, before the first record is asked for."""
    if episodes < 0:
        raise ValueError(f"episodes must be >= 0, got {episodes!r}")
    demonstrator = WalkthroughDemonstrator(solution(locate_rom(env_kwargs.get("rom_path"))), noise)
    return record_episodes(gym.make(resolve_env_id(env_id), **env_kwargs), demonstrator, episodes, seed,
                           begin=lambda info, rng: demonstrator.start(rng), task=lambda info: "start")
