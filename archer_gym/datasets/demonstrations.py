"""Every env's scripted demonstrator behind one entry point, and the dataset writer.

``archer-gym dataset TASK`` and the agents' BC pretraining (:func:`archer_agents.data.scripted_pairs`)
both come here. The demonstrators play the real envs, so every observation is exactly what the env
showed:

- ``twenty_questions``, ``guess_my_city``: the knowledge-base questioner
  (:mod:`archer_gym.datasets.scripted`), LMRL-Gym records ``{lines, correct, word|city}``;
- ``webshop``: the shopper (:mod:`archer_gym.datasets.webshop`);
- ``detective``: the walkthrough with deviations (:mod:`archer_gym.datasets.detective`).

The last two write episode records ``{task, seed, turns: [{observation, action, reward}], return,
success}``. Every demonstrator is suboptimal on purpose, as the paper's SFT data is: ``style``
``expert`` plays with the demonstrator's default noise, ``weak`` with much more; ``noise`` (a
probability in [0, 1]) overrides either.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Iterator

import numpy as np

from archer_gym.datasets.recording import check_noise

TASKS = ("twenty_questions", "guess_my_city", "webshop", "detective")
STYLES = ("expert", "weak")
WEAK_NOISE = 0.6
"""``weak`` style of the WebShop and Detective demonstrators: most decisions are mistakes."""


def generate_episodes(task: str, episodes: int, *, style: str = "expert", noise: float | None = None,
                      seed: int = 0, **env_kwargs) -> Iterator[dict]:
    """Play ``episodes`` episodes of ``task`` with its demonstrator; yield one record each.

    ``env_kwargs`` go to the env (``rom_path`` for Detective, ``env_id`` picks a WebShop setup)."""
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; choose one of {TASKS}")
    if style not in STYLES:
        raise ValueError(f"unknown demonstrator style {style!r}; choose one of {STYLES}")
    if noise is not None:
        check_noise(noise)
    if task in ("twenty_questions", "guess_my_city"):
        from archer_gym.datasets import scripted

        questioner = scripted.STYLES[style]
        if noise is not None:
            questioner = dataclasses.replace(questioner, noise=noise)
        return scripted.generate_episodes(task, episodes, style=questioner, seed=seed, **env_kwargs)
    if task == "webshop":
        from archer_gym.datasets import webshop as demonstrator
    else:
        from archer_gym.datasets import detective as demonstrator  # type: ignore[no-redef]
    if noise is None:
        noise = demonstrator.DEFAULT_NOISE if style == "expert" else WEAK_NOISE
    return demonstrator.generate_episodes(episodes, noise=noise, seed=seed, **env_kwargs)


def record_outcome(record: dict) -> tuple[float, bool]:
    """(return, success) of a record of either format."""
    if "turns" in record:
        return float(record["return"]), bool(record["success"])
    # LMRL-Gym: -1 per question, the winning one free.
    return float(-(len(record["lines"]) - record["correct"])), bool(record["correct"])


def write_dataset(task: str, episodes: int, out: str | Path, *, style: str = "expert", noise: float | None = None,
                  seed: int = 0, progress: bool = True, **env_kwargs) -> dict[str, float]:
    """Write ``episodes`` records as JSONL to ``out``; return the success rate and mean return."""
    from tqdm import tqdm

    records = generate_episodes(task, episodes, style=style, noise=noise, seed=seed, **env_kwargs)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    outcomes = []
    with out.open("w", encoding="utf-8") as handle:
        for record in tqdm(records, total=episodes, disable=not progress, desc=f"{task} ({style})"):
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            outcomes.append(record_outcome(record))
    returns = [r for r, _ in outcomes]
    return {"episodes": episodes, "success_rate": sum(s for _, s in outcomes) / max(episodes, 1),
            "mean_return": float(np.mean(returns)) if returns else 0.0}
