"""The ``kb`` backend: the offline knowledge-base oracles behind the :class:`Oracle` protocol.

Deterministic, dependency-free and fast; the default of every env. The knowledge and the question
understanding live in :mod:`~archer_gym.oracles.kb_twenty_questions` and
:mod:`~archer_gym.oracles.kb_guess_my_city`.
"""

from __future__ import annotations

from typing import Sequence

from archer_gym.oracles.base import Query
from archer_gym.oracles.prompts import TWENTY_QUESTIONS, check_task


class KBOracle:
    """Answers from the task's knowledge base; never calls a model."""

    def __init__(self, task: str):
        self.task = check_task(task)
        if task == TWENTY_QUESTIONS:
            from archer_gym.oracles.kb_twenty_questions import TwentyQuestionsKB

            self.kb = TwentyQuestionsKB.load()
        else:
            from archer_gym.oracles.kb_guess_my_city import GuessMyCityKB

            self.kb = GuessMyCityKB.load()

    def answer(self, queries: Sequence[Query]) -> list[str]:
        return [self.kb.answer(q.target, q.question) for q in queries]
