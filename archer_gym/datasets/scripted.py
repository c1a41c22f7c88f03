"""Scripted questioners that play the envs and write LMRL-Gym-format dialogue datasets.

A questioner keeps the set of targets consistent with the answers so far and picks among the
knowledge base's probes (canonical yes/no questions with known answers per target):

- ``expert``: asks the probe that splits the remaining candidates most evenly (information
  seeking), except with probability ``noise`` a random probe; guesses when one candidate is left
  or when the turns run out.
- ``weak``: knows only a small random share of the probes in each game, mostly asks at random
  among them, and starts guessing at random while several candidates remain.

Episodes are played through the real env (the ``kb`` oracle by default), so every line is
exactly what the env answered. Output, one JSON object per line (LMRL-Gym's format)::

    {"lines": ["Is it alive? No.", ...], "correct": true, "word": ["Airplane", "Plane"]}

Guess My City writes ``"city": "Tokyo, Japan"`` instead of ``"word"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

from archer_gym.envs.guess_my_city import GuessMyCityEnv
from archer_gym.envs.question_game import QuestionGame, QuestionTask
from archer_gym.envs.twenty_questions import TwentyQuestionsEnv
from archer_gym.oracles.base import Probe

TASKS = ("twenty_questions", "guess_my_city")


@dataclass(frozen=True)
class QuestionerStyle:
    """How a scripted questioner plays."""

    noise: float
    """Probability of asking a random probe instead of the most informative one."""
    guess_at: int
    """Start guessing once at most this many candidates remain."""
    probe_share: float
    """Share of the probes the questioner knows in a game (drawn per game)."""


STYLES = {"expert": QuestionerStyle(noise=0.15, guess_at=1, probe_share=1.0),
          "weak": QuestionerStyle(noise=0.7, guess_at=6, probe_share=0.05)}


class ScriptedQuestioner:
    """Plays one episode at a time against a question-game env, from the KB's probes."""

    def __init__(self, probes: list[Probe], task: QuestionTask, style: QuestionerStyle,
                 rng: np.random.Generator):
        self.task, self.targets, self.style, self.rng = task, task.targets, style, rng
        targets = task.targets
        index = {t: i for i, t in enumerate(targets)}
        # yes[p, t]: probe p is answered yes for target t.
        self.probes = [p.question for p in probes]
        self.yes = np.zeros((len(probes), len(targets)), dtype=bool)
        for p, probe in enumerate(probes):
            self.yes[p, [index[t] for t in probe.yes if t in index]] = True

    def start(self) -> None:
        self.candidates = np.ones(len(self.targets), dtype=bool)
        known = self.rng.random(len(self.probes)) < self.style.probe_share
        # Probes outside this game's share count as already asked.
        self.asked: set[int] = set(np.flatnonzero(~known).tolist())
        self.pending: tuple[str, int] | None = None

    def next_question(self, turns_left: int) -> str:
        alive = np.flatnonzero(self.candidates)
        # Probes that split the remaining candidates; guess when none is left or time is up.
        useful = [p for p in range(len(self.probes)) if p not in self.asked
                  and 0 < self.yes[p, alive].sum() < len(alive)]
        if len(alive) <= self.style.guess_at or turns_left <= 1 or not useful:
            pool = alive if len(alive) else np.arange(len(self.targets))
            target = int(self.rng.choice(pool))
            self.pending = ("guess", target)
            return self.task.guess(self.targets[target])
        if self.rng.random() < self.style.noise:
            probe = int(self.rng.choice(useful))
        else:  # the most even split of the remaining candidates
            probe = min(useful, key=lambda p: abs(self.yes[p, alive].mean() - 0.5))
        self.asked.add(probe)
        self.pending = ("probe", probe)
        return self.probes[probe]

    def observe(self, answer: str) -> None:
        kind, index = self.pending or ("", -1)
        said_yes = answer.lower().startswith("yes")
        if kind == "guess":
            self.candidates[index] = False
        elif kind == "probe" and answer.lower().startswith(("yes", "no")):
            self.candidates &= self.yes[index] if said_yes else ~self.yes[index]


def env_and_kb(task: str, env_kwargs: dict):
    if task == "twenty_questions":
        from archer_gym.oracles.kb_twenty_questions import TwentyQuestionsKB

        return TwentyQuestionsEnv(**env_kwargs), TwentyQuestionsKB.load()
    if task == "guess_my_city":
        from archer_gym.oracles.kb_guess_my_city import GuessMyCityKB

        return GuessMyCityEnv(**env_kwargs), GuessMyCityKB.load()
    raise ValueError(f"unknown task {task!r}; choose one of {TASKS}")


def generate_episodes(task: str, episodes: int, *, style: str | QuestionerStyle = "expert", seed: int = 0,
                      **env_kwargs) -> Iterator[dict]:
    """Play ``episodes`` games with a scripted questioner; yield one record per game.

    ``env_kwargs`` go to the env (e.g. ``subset=True`` or ``words=[...]``); the questioner only
    considers that env's targets.
    """
    if isinstance(style, str) and style not in STYLES:
        raise ValueError(f"unknown questioner style {style!r}; choose one of {sorted(STYLES)}")
    env, kb = env_and_kb(task, env_kwargs)
    game: QuestionGame = env.game  # type: ignore[assignment]
    rng = np.random.default_rng(seed)
    questioner = ScriptedQuestioner(kb.probes(), game.task, STYLES[style] if isinstance(style, str) else style, rng)
    for episode in range(episodes):
        env.reset(seed=seed * 1_000_003 + episode)
        questioner.start()
        done, info = False, {}
        while not done:
            question = questioner.next_question(env.max_turns - env.episode.turn)
            _, _, terminated, truncated, info = env.step(question)
            questioner.observe(info["answer"])
            done = terminated or truncated
        lines = [f"{q} {a}" for q, a in info["history"]]
        key = "word" if task == "twenty_questions" else "city"
        target = info["target_variants"] if key == "word" else info["target"]
        yield {"lines": lines, "correct": bool(info["success"]), key: target}
    env.close()
