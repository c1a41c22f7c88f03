"""The oracle protocol: who answers the agent's questions.

An oracle answers a *batch* of questions in one call, so a vector env with N live episodes makes
exactly one oracle call per step (the reference code's main throughput lever). Targets are the
canonical keys of the task's list: the canonical word for Twenty Questions ("Airplane") and the
list's "City, Country" string for Guess My City ("Sao Paulo, Brazil").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence, runtime_checkable


@dataclass(frozen=True)
class Query:
    """One question put to the oracle about one hidden target."""

    target: str
    """Canonical key of the hidden word or city."""
    question: str
    """The agent's question, already sanitised by the env."""


@runtime_checkable
class Oracle(Protocol):
    """Answers a batch of questions; one call per vector-env step."""

    task: str
    """``"twenty_questions"`` or ``"guess_my_city"``."""

    def answer(self, queries: Sequence[Query]) -> list[str]:
        """Return one raw reply per query, in order. Raises :class:`OracleError` on failure."""
        ...


class OracleError(RuntimeError):
    """The oracle could not answer (server down, model failed); the message says what to do."""


@dataclass(frozen=True)
class Probe:
    """A canonical yes/no question a knowledge base can answer for every target.

    Scripted questioners (``archer_gym.datasets``) pick among probes to build offline datasets.
    """

    question: str
    """Question text exactly as asked, e.g. ``"Is it alive?"``."""
    yes: frozenset[str]
    """Canonical keys of the targets for which the true answer is yes."""
