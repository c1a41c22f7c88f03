"""Accuracy of any oracle backend on the shipped labelled question sets.

Twenty Questions rows are ``{"word", "question", "answer"}`` with the answer in the env's
vocabulary (``Yes.``/``No.``/``Invalid Question.``); the reply is normalised as the default env
does. Guess My City rows are ``{"city", "question"}`` plus either ``"answer"`` (``yes``/``no``:
the reply must start with it; ``unknown``: it must start with neither) or ``"contains"`` (strings
the reply must contain, case- and accent-insensitive).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from archer_gym.data import read_jsonl
from archer_gym.oracles.base import Oracle, Query
from archer_gym.oracles.prompts import TWENTY_QUESTIONS
from archer_gym.text import fold, words

LABELLED_SETS = {"twenty_questions": "twenty_questions_labelled.jsonl",
                 "guess_my_city": "guess_my_city_labelled.jsonl"}


@dataclass
class OracleReport:
    correct: int = 0
    total: int = 0
    errors: list[dict] = field(default_factory=list)
    """The rows answered wrongly, each with the oracle's ``reply``."""

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


def labelled_questions(task: str) -> list[dict]:
    return read_jsonl(LABELLED_SETS[task])


def is_correct(task: str, row: dict, reply: str) -> bool:
    if task == TWENTY_QUESTIONS:
        first = (words(reply) or [""])[0]
        return {"yes": "Yes.", "no": "No."}.get(first, "Invalid Question.") == row["answer"]
    if "contains" in row:
        return all(fold(s) in fold(reply) for s in row["contains"])
    first = (words(reply) or [""])[0]
    return first == row["answer"] if row["answer"] in ("yes", "no") else first not in ("yes", "no")


def evaluate_oracle(oracle: Oracle, limit: int | None = None, batch_size: int = 256) -> OracleReport:
    """Ask every labelled question (in batches) and score the replies."""
    rows = labelled_questions(oracle.task)[:limit]
    key = "word" if oracle.task == TWENTY_QUESTIONS else "city"
    report = OracleReport()
    for start in range(0, len(rows), batch_size):
        batch = rows[start : start + batch_size]
        replies = oracle.answer([Query(r[key], r["question"]) for r in batch])
        for row, reply in zip(batch, replies):
            report.total += 1
            if is_correct(oracle.task, row, reply):
                report.correct += 1
            else:
                report.errors.append({**row, "reply": reply})
    return report
