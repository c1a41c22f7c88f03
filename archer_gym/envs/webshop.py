"""WebShop (Yao et al. 2022): find and buy the product an instruction describes.

Without Java, spaCy models or downloads: the shop (:mod:`archer_gym.webshop`) runs in-process by
default, on the bundled catalogue or on WebShop's own files (``data_dir=`` or
``$ARCHER_WEBSHOP_DATA``); with ``server_url=`` the env plays against a running WebShop server
(``archer-gym serve webshop``, or the original) over HTTP instead.

Actions: ``search[query]`` and ``click[element]`` with WebShop's rules
(:mod:`archer_gym.webshop.session`; ArCHer's stricter ones in ``paper`` react mode, see Modes);
``info["available_actions"]`` lists the clickables (WebShop's lower-case keys). An
action WebShop ignores leaves the page unchanged: the ``text`` observation stays the same, the
``react`` transcript records ``Invalid action!``; ``info["valid"]`` is ``False`` and
``info["error"]`` says why. Reward: 0 until ``click[buy now]``, then WebShop's score in [0, 1];
``terminated`` at Buy Now (``success`` iff the score is exactly 1.0), ``truncated`` after
``max_turns`` actions (10, ArCHer's horizon; WebShop itself has none).

Observations (``observation_mode``):

- ``text``: WebShop's ``[SEP]`` page text (the paper's simple mode);
- ``react``: ArCHer's transcript (``\\nObservation:\\n...\\nAction:\\n...``) ending with
  ``\\nInstruction:\\n`` and the instruction.

Goals: ``goals="human"`` (default: WebShop's human instructions, the benchmark's goals) or
``"synthetic"`` (WebShop's ``human_goals=False``: each product's ``items_ins_v2`` instruction with
every combination of its option values, as verl-agent and GiGPO use; see
:mod:`archer_gym.webshop.goals`). ``reset(options={"goal_index": i})`` pins goal ``i`` (WebShop's
``fixed_i`` session); else a goal of ``split`` (``train`` by default, ``archer`` in ArCHer's
``paper`` react mode; ``test``, ``eval``, ``archer`` for ArCHer's 2000-2099, ``verl_train`` for
verl-agent's 500-end, ``all``; ``options={"split": ...}`` for one reset) is drawn uniformly from
the env's seeded RNG. Any other option, both at once, or a value of the wrong type
raises ``ValueError``. ``info`` always has ``goal_index`` and the instruction (both visible to
the agent anyway); the goal's answer (ASIN, attributes, options, price bound) and the reward
breakdown appear only once the episode has ended.

State key (``info["state_key"]``, :mod:`archer_gym.core.state`): the goal (its index and
instruction: the reward depends on it) and the page the session shows
(:func:`~archer_gym.webshop.session.location_state`: the page kind, the search keywords and
results page number, the product, the chosen options as a set, the sub-page). An action that
changes nothing keeps the key; going back to a page seen before (``click[< prev]`` from an item to
its results, ``click[back to search]``) gives that page's key again. In ArCHer's ``paper`` react
mode the client's memory is part of it too (the raw query, the ASINs and option values it last
read: they decide which clicks are valid). The turn counter and, in ``react`` mode, the transcript
are not: the ``react`` observation grows with every action while the page may stay the same. With
``paper`` mode's hidden ``<r>`` searches the results of one page differ between visits; the key does
not. The same page of the same goal has the same key in-process and over HTTP.
``privileged`` (``privileged_info=True``): ``{"goal_index": i, "goal": {...}}`` with the goal as
WebShop's dict (ASIN, instruction, attributes, ``goal_options``, ``price_upper``, ...). Over HTTP the
server discloses the goal only on its done page, so ``goal`` is ``None`` until the purchase.

Setups: ``archer/WebShopArCHer-v0`` (ArCHer's: ``paper`` react mode, 10 actions, goals
2000-2099) and ``archer/WebShopVerlAgent-v0`` (verl-agent's and GiGPO's: synthetic goals, ``text``
observations, 15 actions, test goals 0-499, training goals 500-end) are this env with those
defaults (:mod:`archer_gym.registration`).

Modes:

- ``default``: prices and price bounds from a fixed seed, so goal ``i`` is the same in every
  process; WebShop's action rules in both observation modes; queries may contain ``/``; actions
  cleaned by :func:`~archer_gym.core.actions.sanitize_action`.
- ``paper``: WebShop and ArCHer as they ran. Prices and bounds drawn unseeded, as WebShop does
  (bounds then vary between runs); WebShop's hidden searches ``<r>``, ``<c>``, ``<q>``, ``<a>``
  (:meth:`~archer_gym.webshop.shop.Shop.search`); actions cut as ArCHer's agent cuts them
  (:func:`~archer_gym.core.actions.archer_cut`). In ``react``, ArCHer's client
  (:class:`~archer_gym.webshop.session.ArcherSession`): case-sensitive clicks (``click[Buy
  Now]``), no paging (``click[Next >]`` is invalid), ``search[...]`` on the search page only,
  ``think[...]`` answered ``OK.``, other clicks on the search page or a sub-page show the page
  again, ``search[]`` and queries with ``/`` reach the original server's error page (an empty
  observation); the Attributes tab on and goals from the ``archer`` split by default, as ArCHer
  ran; and after ``max_turns`` actions without a purchase, one more transition that runs
  nothing: ArCHer's 11th call, whose observation is the transcript without the instruction
  suffix, reward 0, ``truncated`` (so such an episode has ``max_turns + 1`` transitions).
"""

from __future__ import annotations

import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np


from archer_gym.core.actions import action_cleaner
from archer_gym.core.game import TextGame, TurnResult
from archer_gym.core.options import int_option, reset_option, str_option
from archer_gym.core.text_env import MultiTurnTextEnv
from archer_gym.core.vector_env import MultiTurnTextVectorEnv
from archer_gym.webshop.goals import DEFAULT_PRICE_SEED, GOAL_KINDS, SPLITS, split_range
from archer_gym.webshop.observations import (
    INVALID_ACTION, react_instruction, react_page, react_url, text_observation,
)
from archer_gym.webshop.session import (
    ArcherSession, LocalPages, Page, RemotePages, ShopSession, StepOutcome, available_actions, done_page_goal,
    location_state,
)
from archer_gym.webshop.shop import open_shop

MAX_TURNS = 10
OBSERVATION_MODES = ("text", "react")
MODES = ("default", "paper")


@dataclass
class _Episode:
    session: ShopSession | ArcherSession
    goal_index: int
    instruction: str
    observation: str
    transcript: str = ""
    """``react`` mode: the transcript without the instruction suffix."""
    actions: int = 0
    """Actions carried out so far."""


class WebShopGame(TextGame):
    """``num_slots`` WebShop sessions, in-process or against one server.

    ``split`` and ``show_attrs`` default to ArCHer's (``archer``, on) in ``paper`` react mode, else
    to ``train`` and off. ``max_turns`` actions are carried out per episode; :attr:`horizon`
    counts ArCHer's extra transition (see the module docstring).
    """

    state_kind = "webshop"

    def __init__(self, num_slots: int = 1, *, observation_mode: str = "text", server_url: str | None = None,
                 data_dir: str | None = None, cache_dir: str | None = None, split: str | None = None,
                 mode: str = "default", show_attrs: bool | None = None, noun_extractor: str = "heuristic",
                 max_turns: int = MAX_TURNS, goals: str = "human"):
        if observation_mode not in OBSERVATION_MODES:
            raise ValueError(f"observation_mode must be one of {OBSERVATION_MODES}, got {observation_mode!r}")
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        if goals not in GOAL_KINDS:
            raise ValueError(f"goals must be one of {GOAL_KINDS}, got {goals!r}")
        self.archer_rules = plays_archer_rules(mode, observation_mode)
        self.hidden_searches = mode == "paper"
        self.num_slots, self.observation_mode = num_slots, observation_mode
        self.split = split or ("archer" if self.archer_rules else "train")
        self.show_attrs = self.archer_rules if show_attrs is None else show_attrs
        self.max_actions = max_turns
        self.horizon = max_turns + 1 if self.archer_rules else max_turns
        """Transitions per episode, ArCHer's extra one included."""
        self.server_url = server_url.rstrip("/") if server_url else None
        if self.server_url is None:
            self.shop = open_shop(data_dir, cache_dir=cache_dir, noun_extractor=noun_extractor,
                                  price_seed=DEFAULT_PRICE_SEED if mode == "default" else None, goals=goals)
            self.num_goals = len(self.shop.goals)
            self.description = self.shop.description
        else:
            self.shop = None
            self.description = server_info(self.server_url)
            self.num_goals = self.description["num_goals"]
            served = self.description.get("goals", "human")
            if served != goals:
                raise ValueError(f"the WebShop server at {self.server_url} serves {served} goals, not the "
                                 f"{goals} goals asked for (goals={goals!r})")
            # Slots wait on the network: one request per slot in flight at once.
            self._pool = ThreadPoolExecutor(max_workers=num_slots, thread_name_prefix="webshop-http")
        split_range(self.split, self.num_goals)  # fail early on an empty split
        self.episodes: list[_Episode | None] = [None] * num_slots

    # ------------------------------------------------------------------ episodes
    def begin(self, slot, rng, options):
        goal_index = pick_goal_index(options, rng, self.split, self.num_goals)
        session_id = f"fixed_{goal_index}"
        if self.shop is not None:
            source = LocalPages(self.shop, self.shop.goals[goal_index], session_id, self.show_attrs,
                                self.hidden_searches)
        else:
            source = RemotePages(self.server_url, session_id)
        session = (ArcherSession if self.archer_rules else ShopSession)(source)
        page = session.start()
        instruction = page.view.texts_by_id["instruction-text"][-1]
        episode = _Episode(session, goal_index, instruction, text_observation(page.view.nodes))
        if self.observation_mode == "react":
            first = react_page(page.view.nodes, search_page=True)
            episode.instruction = react_instruction(first)
            episode.transcript = "\nObservation:\n" + first
            episode.observation = episode.transcript + "\nInstruction:\n" + episode.instruction
        self.episodes[slot] = episode
        return episode.observation, self._step_info(episode, page, valid=True, error="")

    def play(self, slots: Sequence[int], utterances: Sequence[str]) -> list[TurnResult]:
        episodes = [self.episodes[s] for s in slots]
        # Only ArCHer's extra transition comes after the last action: the tracker ends others first.
        acting = [k for k, episode in enumerate(episodes) if episode.actions < self.max_actions]
        sessions, actions = [episodes[k].session for k in acting], [utterances[k] for k in acting]
        if self.shop is None and len(acting) > 1:
            outcomes = list(self._pool.map(_act, sessions, actions))
        else:
            outcomes = list(map(_act, sessions, actions))
        outcome_of = dict(zip(acting, outcomes))
        return [self._result(episode, utterance, outcome_of[k]) if k in outcome_of
                else self._after_last_action(episode) for k, (episode, utterance) in enumerate(zip(episodes, utterances))]

    def _after_last_action(self, episode: _Episode) -> TurnResult:
        """ArCHer's call after its last action: the transcript without the instruction, reward 0."""
        episode.observation = episode.transcript
        info = self._step_info(episode, episode.session.page, valid=False,
                               error=f"ArCHer's horizon: no action is carried out after {self.max_actions}")
        return TurnResult(observation=episode.observation, response="", reward=0.0, success=False, info=info)

    def _result(self, episode: _Episode, utterance: str, outcome: StepOutcome) -> TurnResult:
        episode.actions += 1
        page = outcome.page
        if self.observation_mode == "text":
            response = episode.observation = text_observation(page.view.nodes)
        else:
            response = self._react_step(episode, utterance, outcome)
        done = page.location.kind == "done" and outcome.valid
        reward = float(page.reward) if done else 0.0
        info = self._step_info(episode, page, valid=outcome.valid, error=outcome.error)
        if done:
            info["purchased"] = {"asin": page.location.asin, "options": dict(page.location.options)}
        return TurnResult(observation=episode.observation, response=response, reward=reward,
                          success=done and reward == 1.0, game_over=done and reward != 1.0, info=info)

    def _react_step(self, episode: _Episode, utterance: str, outcome: StepOutcome) -> str:
        page, where = outcome.page, outcome.page.location
        if not outcome.valid:
            response = INVALID_ACTION
        elif outcome.reply:
            response = outcome.reply
        elif outcome.clicked_option:
            response = f"You have clicked {outcome.clicked_option}."
        else:
            url = react_url(episode.session.source.session_id, where.asin, episode.session.query_string, where.page,
                            where.options)
            response = react_page(page.view.nodes, search_page=where.kind == "search", url=url)
        episode.transcript += "\nAction:\n" + utterance + "\nObservation:\n" + response
        episode.observation = episode.transcript + "\nInstruction:\n" + episode.instruction
        return response

    def _step_info(self, episode: _Episode, page: Page, *, valid: bool, error: str) -> dict[str, Any]:
        return {"goal_index": episode.goal_index, "instruction": episode.instruction, "page": page.location.kind,
                "url": page.location.path(episode.session.source.session_id),
                "available_actions": available_actions(page), "valid": valid, "error": error}

    def final_info(self, slot: int) -> dict[str, Any]:
        """The goal and, after a purchase, the reward breakdown (never shown while playing)."""
        episode = self.episodes[slot]
        page = episode.session.page
        info: dict[str, Any] = {"shop": self.description}
        if self.shop is not None:
            info["goal"] = self.shop.goals[episode.goal_index].as_original()
        elif page.location.kind == "done":  # over HTTP: what the done page's hidden block shows
            info["goal"] = done_page_goal(page)
        if page.location.kind == "done":
            info["reward_info"] = page.reward_info
        return info

    def state_description(self, slot: int) -> dict[str, Any]:
        episode = self.episodes[slot]
        state = {"goal": [episode.goal_index, episode.instruction],
                 "page": location_state(episode.session.page.location)}
        if isinstance(episode.session, ArcherSession):
            state["client"] = episode.session.client_state()
        return state

    def privileged(self, slot: int) -> dict[str, Any]:
        episode = self.episodes[slot]
        page = episode.session.page
        if self.shop is not None:
            goal = self.shop.goals[episode.goal_index].as_original()
        else:
            goal = done_page_goal(page) if page.location.kind == "done" else None
        return {"goal_index": episode.goal_index, "goal": goal}

    def close(self) -> None:
        if self.shop is None:
            self._pool.shutdown(wait=False)


def _act(session: ShopSession | ArcherSession, action: str) -> StepOutcome:
    return session.act(action)


def plays_archer_rules(mode: str = "default", observation_mode: str = "text") -> bool:
    """Whether an env with these options plays by ArCHer's client rules (``paper`` mode with ``react``
    observations: case-sensitive clicks, no paging)."""
    return mode == "paper" and observation_mode == "react"


def pick_goal_index(options: dict[str, Any] | None, rng: np.random.Generator, split: str, num_goals: int) -> int:
    """The goal of a new episode: ``options["goal_index"]``, else drawn from ``options["split"]``
    (default ``split``) with the env's RNG."""
    allowed = {"goal_index": f"an int in [0, {num_goals})", "split": f"one of {sorted(SPLITS)}"}
    name, value = reset_option(options, allowed, env="WebShop") or ("split", split)
    if name == "goal_index":
        return int_option(name, value, num_goals)
    indices = split_range(str_option(name, value, sorted(SPLITS)), num_goals)
    return indices[int(rng.integers(len(indices)))]


def server_info(server_url: str) -> dict[str, Any]:
    """The server's catalogue description (archer-gym servers only: ``/_archer/info``)."""
    with urllib.request.urlopen(f"{server_url}/_archer/info", timeout=30) as response:
        return json.loads(response.read())


class WebShopEnv(MultiTurnTextEnv):
    """WebShop as a Gymnasium env.

    Args:
        observation_mode: ``"text"`` (WebShop's ``[SEP]`` text) or ``"react"`` (ArCHer's transcript).
        server_url: play against this WebShop server over HTTP instead of in-process.
        data_dir: WebShop's data files (``items_shuffle*.json`` ...); default ``$ARCHER_WEBSHOP_DATA``,
            else the bundled catalogue.
        cache_dir: where the built catalogue is cached (default ``~/.cache/archer_gym``).
        split: goals drawn at reset: ``train``, ``test``, ``eval``, ``archer``, ``all``; default
            ``archer`` in ``paper`` react mode, else ``train``.
        mode: ``"default"`` or ``"paper"`` (WebShop's and ArCHer's rules; see the module docstring).
        show_attrs: show the Attributes tab (WebShop's ``--attrs``); default on in ``paper``
            react mode (ArCHer's server had it), else off.
        noun_extractor: title nouns for real data: ``"heuristic"`` or ``"spacy:<model>"``.
        max_turns: actions per episode (10, ArCHer's horizon).
        goals: ``"human"`` (WebShop's human instructions) or ``"synthetic"`` (WebShop's
            ``human_goals=False`` goals, verl-agent's).
        render_mode: ``"ansi"`` or ``"human"``.
        privileged_info: report the goal in ``info["privileged"]`` on every reset and step (for
            training only; never in the observation). Off by default.
    """

    def __init__(self, observation_mode: str = "text", server_url: str | None = None, data_dir: str | None = None,
                 cache_dir: str | None = None, split: str | None = None, mode: str = "default",
                 show_attrs: bool | None = None, noun_extractor: str = "heuristic", max_turns: int = MAX_TURNS,
                 goals: str = "human", render_mode: str | None = None, privileged_info: bool = False):
        game = WebShopGame(1, observation_mode=observation_mode, server_url=server_url, data_dir=data_dir,
                           cache_dir=cache_dir, split=split, mode=mode, show_attrs=show_attrs,
                           noun_extractor=noun_extractor, max_turns=max_turns, goals=goals)
        super().__init__(game, max_turns=game.horizon, render_mode=render_mode, privileged_info=privileged_info)
        self.clean_action = action_cleaner(mode)


class WebShopVectorEnv(MultiTurnTextVectorEnv):
    """``num_envs`` WebShop sessions sharing one shop (or one server, queried concurrently).
    Same arguments as :class:`WebShopEnv`, plus ``num_envs`` and ``autoreset_mode``."""

    def __init__(self, num_envs: int = 1, observation_mode: str = "text", server_url: str | None = None,
                 data_dir: str | None = None, cache_dir: str | None = None, split: str | None = None,
                 mode: str = "default", show_attrs: bool | None = None, noun_extractor: str = "heuristic",
                 max_turns: int = MAX_TURNS, goals: str = "human", autoreset_mode: str = "NextStep",
                 privileged_info: bool = False):
        game = WebShopGame(num_envs, observation_mode=observation_mode, server_url=server_url, data_dir=data_dir,
                           cache_dir=cache_dir, split=split, mode=mode, show_attrs=show_attrs,
                           noun_extractor=noun_extractor, max_turns=max_turns, goals=goals)
        super().__init__(game, max_turns=game.horizon, autoreset_mode=autoreset_mode,
                         privileged_info=privileged_info)
        self.clean_action = action_cleaner(mode)
