"""Offline dialogue data for BC: loading LMRL-Gym-format files and generating scripted ones.

A game record ``{"lines": ["Is it alive? No.", ...], ...}`` becomes one (observation, action)
pair per turn, with the observation exactly as the env shows it (``"Questions:\\n"`` + the earlier
lines) and the action the question (ArCHer's SFT format). An episode record ``{"turns":
[{"observation": ..., "action": ...}, ...], ...}`` (the WebShop and Detective demonstrators') gives
its turns' pairs; a plain ``{"observation": ..., "action": ...}`` record is one pair.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

from archer_gym.envs.question_game import INITIAL_OBSERVATION

SCRIPTED = {
    "archer/TwentyQuestions-v0": ("twenty_questions", {}),
    "archer/TwentyQuestionsSubset-v0": ("twenty_questions", {"subset": True}),
    "archer/GuessMyCity-v0": ("guess_my_city", {}),
    "archer/Detective-v0": ("detective", {}),
    **{env_id: ("webshop", {"env_id": env_id}) for env_id in
       ("archer/WebShop-v0", "archer/WebShopBrowser-v0", "archer/WebShopArCHer-v0", "archer/WebShopVerlAgent-v0")},
}
"""Env ids whose BC data a scripted demonstrator generates: id -> (demonstrator task, its kwargs)."""
QUESTION_GAME_KWARGS = ("targets", "mode", "max_turns")
"""The env kwargs the question games' demonstrator plays with (the oracle is always its kb)."""
BROWSER_SHOP_KWARGS = ("data_dir", "cache_dir", "mode", "show_attrs")
"""The browser env's kwargs that describe the shop (the text env that records its demonstrations takes them)."""


def pairs_from_records(records: Iterable[dict]) -> list[tuple[str, str]]:
    pairs = []
    for record in records:
        if "observation" in record:
            pairs.append((record["observation"], record["action"]))
            continue
        if "turns" in record:
            pairs += [(turn["observation"], turn["action"]) for turn in record["turns"]]
            continue
        observation = INITIAL_OBSERVATION
        for line in record["lines"]:
            question, sep, _ = line.partition("? ")
            pairs.append((observation, question + "?" if sep else line))
            observation += line + "\n"
    return pairs


def load_pairs(path: str | Path) -> list[tuple[str, str]]:
    """(observation, action) pairs from a JSONL file (one record per line) or a JSON list. A
    malformed record is a ValueError naming the file and the record's line (JSONL) or index."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"BC dataset {str(path)!r} does not exist")
    text = path.read_text(encoding="utf-8")
    pairs = []
    for where, record in _records(path, text):
        try:
            pairs += pairs_from_records([record])
        except (KeyError, TypeError, AttributeError):
            raise ValueError(f'{path}, {where}: expected a game {{"lines": [...]}} or a pair {{"observation": ..., '
                             f'"action": ...}}, got {json.dumps(record)[:200]}') from None
    return pairs


def _records(path: Path, text: str) -> list[tuple[str, Any]]:
    """(where, record) for each record of the file's ``text``; ``where`` is how an error names it."""
    if text.lstrip().startswith("["):
        return [(f"record {index}", record) for index, record in enumerate(_parse(text, str(path)), start=1)]
    # split("\n"), not splitlines(): a JSON string may hold other line separators, e.g. U+2028.
    return [(f"line {number}", _parse(line, f"{path}, line {number}"))
            for number, line in enumerate(text.split("\n"), start=1) if line.strip()]


def _parse(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"{where}: not valid JSON ({error})") from None


def scripted_pairs(env_id: str, episodes: int, seed: int, env_kwargs: dict | None = None,
                   style: str = "expert") -> list[tuple[str, str]]:
    """BC pairs from ``episodes`` episodes of the env's scripted demonstrator (``expert`` or
    ``weak``, :mod:`archer_gym.datasets.demonstrations`), played with the env's own kwargs."""
    from archer_gym.datasets.demonstrations import generate_episodes

    if env_id not in SCRIPTED:
        raise ValueError(f"no scripted demonstrator for {env_id}; pass bc_dataset=FILE (JSONL of "
                         "{lines, ...} games, {turns: [...]} episodes or {observation, action} pairs)")
    task, kwargs = SCRIPTED[env_id]
    given = env_kwargs or {}
    if task in ("twenty_questions", "guess_my_city"):
        given = {k: v for k, v in given.items() if k in QUESTION_GAME_KWARGS}
    if env_id == "archer/WebShopBrowser-v0":  # the browser shows the text env's pages of the same shop
        kwargs = {"env_id": "archer/WebShop-v0", "observation_mode": "text"}
        given = {k: v for k, v in given.items() if k in BROWSER_SHOP_KWARGS}
    return pairs_from_records(generate_episodes(task, episodes, style=style, seed=seed, **{**kwargs, **given}))
