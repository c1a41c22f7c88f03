"""Natively batched Gymnasium vector env over a :class:`~archer_gym.core.game.TextGame`.

All sub-envs that are still playing take their turn in ONE ``game.play`` call, so a batched
oracle (a model or a server) answers every question of a step at once. Registered as the
``vector_entry_point`` of each id: ``gymnasium.make_vec(id, num_envs=N)`` builds it.

Autoreset follows Gymnasium's modes: ``NEXT_STEP`` (default: the step after an episode ends
resets that sub-env and ignores its action) or ``SAME_STEP`` (the sub-env resets in the step that
ended it; the last observation and info are in ``info["final_obs"]`` / ``info["final_info"]``).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from archer_gym.core.actions import MAX_ACTION_CHARS, sanitize_action
from archer_gym.core.episode import EpisodeTracker
from archer_gym.core.game import TextGame
from archer_gym.core.spaces import UnicodeText
from archer_gym.core.text_env import MAX_OBSERVATION_CHARS


class MultiTurnTextVectorEnv(VectorEnv):
    """``num_envs`` episodes of one :class:`TextGame`, stepped together."""

    def __init__(
        self,
        game: TextGame,
        *,
        max_turns: int,
        max_action_chars: int = MAX_ACTION_CHARS,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
    ):
        autoreset_mode = AutoresetMode(autoreset_mode)
        if autoreset_mode == AutoresetMode.DISABLED:
            raise ValueError("autoreset_mode DISABLED is not supported; use NEXT_STEP or SAME_STEP")
        self.game = game
        self.num_envs = game.num_slots
        self.max_action_chars = max_action_chars
        self.metadata = {"autoreset_mode": autoreset_mode, "render_modes": []}
        self.single_observation_space = UnicodeText(MAX_OBSERVATION_CHARS)
        self.single_action_space = UnicodeText(max_action_chars)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.episodes = [EpisodeTracker(max_turns) for _ in range(self.num_envs)]
        self._rngs = [seeding.np_random()[0] for _ in range(self.num_envs)]
        self._observations = [""] * self.num_envs
        self._needs_reset = np.zeros(self.num_envs, dtype=bool)

    # ------------------------------------------------------------------ reset
    def reset(
        self, *, seed: int | Sequence[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[tuple[str, ...], dict[str, Any]]:
        """Reset all sub-envs, or those in ``options["reset_mask"]``.

        ``seed``: an int seeds sub-env ``i`` with ``seed + i``; a list gives one seed each.
        Other ``options`` are passed to every reset sub-env; a list or tuple value of length
        ``num_envs`` is split so that sub-env ``i`` gets element ``i`` (e.g. one pinned word each).
        """
        options = dict(options or {})
        mask = np.asarray(options.pop("reset_mask", np.ones(self.num_envs, dtype=bool)), dtype=bool)
        if mask.shape != (self.num_envs,):
            raise ValueError(f"reset_mask must have shape ({self.num_envs},), got {mask.shape}")
        seeds = self._split_seeds(seed)
        infos: dict[str, Any] = {}
        for i in np.flatnonzero(mask):
            if seeds[i] is not None:
                self._rngs[i], _ = seeding.np_random(seeds[i])
            infos = self._add_info(infos, self._reset_one(i, self._options_for(options, i)), i)
        return tuple(self._observations), infos

    def _split_seeds(self, seed: int | Sequence[int | None] | None) -> list[int | None]:
        if seed is None or isinstance(seed, (int, np.integer)):
            return [None if seed is None else int(seed) + i for i in range(self.num_envs)]
        if len(seed) != self.num_envs:
            raise ValueError(f"expected {self.num_envs} seeds, got {len(seed)}")
        return list(seed)

    def _options_for(self, options: dict[str, Any], i: int) -> dict[str, Any]:
        split = {
            k: v[i] for k, v in options.items()
            if isinstance(v, (list, tuple)) and len(v) == self.num_envs
        }
        return {**options, **split}

    def _reset_one(self, i: int, options: dict[str, Any] | None) -> dict[str, Any]:
        self._observations[i], task_info = self.game.begin(i, self._rngs[i], options)
        self.episodes[i].start()
        self._needs_reset[i] = False
        return {**self.episodes[i].info(), **task_info}

    # ------------------------------------------------------------------- step
    def step(self, actions: Sequence[str]):
        if len(actions) != self.num_envs:
            raise ValueError(f"expected {self.num_envs} actions, got {len(actions)}")
        rewards = np.zeros(self.num_envs, dtype=np.float64)
        terminated = np.zeros(self.num_envs, dtype=bool)
        truncated = np.zeros(self.num_envs, dtype=bool)
        infos: dict[str, Any] = {}

        # NEXT_STEP: sub-envs that ended last step reset now and ignore their action.
        resetting = set(np.flatnonzero(self._needs_reset).tolist())
        for i in resetting:
            infos = self._add_info(infos, self._reset_one(i, None), i)
        playing = [i for i in range(self.num_envs) if i not in resetting]
        for i in playing:
            self.episodes[i].check_can_step()
        utterances = [sanitize_action(actions[i], self.max_action_chars) for i in playing]
        results = self.game.play(playing, utterances) if playing else []

        for i, utterance, result in zip(playing, utterances, results):
            term, trunc = self.episodes[i].record(
                utterance, result.response, result.reward,
                success=result.success, game_over=result.game_over,
            )
            rewards[i], terminated[i], truncated[i] = result.reward, term, trunc
            self._observations[i] = result.observation
            info = {**self.episodes[i].info(), **result.info}
            if term or trunc:
                info = self._end_episode(i, {**info, **self.game.final_info(i)})
            infos = self._add_info(infos, info, i)
        return tuple(self._observations), rewards, terminated, truncated, infos

    def _end_episode(self, i: int, info: dict[str, Any]) -> dict[str, Any]:
        """Apply the autoreset mode to sub-env ``i`` whose episode just ended; return its info."""
        if self.metadata["autoreset_mode"] == AutoresetMode.SAME_STEP:
            final = {"final_obs": self._observations[i], "final_info": info}
            return {**self._reset_one(i, None), **final}
        self._needs_reset[i] = True
        return info

    def close_extras(self, **kwargs: Any) -> None:
        self.game.close()

