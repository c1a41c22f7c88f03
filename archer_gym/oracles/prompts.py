"""The text an oracle model sees, for each task and backend.

- ``paper_input``: ArCHer's fine-tuned flan-t5 input, byte for byte (note: no space between the
  period and the question; Twenty Questions lower-cases the word).
- ``chat_messages``: the chat prompt of the ``openai`` backend and of causal chat models. Its
  system message embeds the target in a fixed sentence, so the bundled oracle server
  (``servers.oracle``) can recover the task and the target with :func:`parse_chat_messages`.
"""

from __future__ import annotations

import re

TWENTY_QUESTIONS = "twenty_questions"
GUESS_MY_CITY = "guess_my_city"
TASKS = (TWENTY_QUESTIONS, GUESS_MY_CITY)

MAX_NEW_TOKENS = {TWENTY_QUESTIONS: 16, GUESS_MY_CITY: 64}
"""ArCHer's generation lengths for the two oracles."""

_SYSTEM = {
    TWENTY_QUESTIONS: (
        "You are the oracle in a game of Twenty Questions. The object is {target}. "
        "Answer the player's question about the object truthfully with exactly \"Yes.\" or "
        "\"No.\"; when both could apply, answer for the most typical case. If the question "
        "cannot be answered with yes or no, reply \"Invalid Question.\""
    ),
    GUESS_MY_CITY: (
        "You are the oracle in a game of Guess My City. Your home town is {target}. "
        "Answer the player's question about your home town truthfully in one or two sentences. "
        "Never say the name of the city. If the question is a yes/no question, start your "
        "answer with \"Yes\" or \"No\"."
    ),
}
_SYSTEM_PATTERNS = {
    task: re.compile(re.escape(text).replace(re.escape("{target}"), "(?P<target>.+?)"), re.S)
    for task, text in _SYSTEM.items()
}


def check_task(task: str) -> str:
    if task not in TASKS:
        raise ValueError(f"unknown oracle task {task!r}; choose one of {TASKS}")
    return task


def prompt_target(task: str, target: str) -> str:
    """How the target is written in prompts: the word lower-cased (ArCHer lower-cases every
    variant and gives the first), the city as ``"City, Country"`` verbatim."""
    return target.lower() if check_task(task) == TWENTY_QUESTIONS else target


def paper_input(task: str, target: str, question: str) -> str:
    """ArCHer's flan-t5 oracle input."""
    if check_task(task) == TWENTY_QUESTIONS:
        return f"The object is {prompt_target(task, target)}." + question
    return f"Your home town is {target}." + question


def chat_messages(task: str, target: str, question: str) -> list[dict[str, str]]:
    """System prompt with the hidden target, then the player's question."""
    system = _SYSTEM[check_task(task)].format(target=prompt_target(task, target))
    return [{"role": "system", "content": system}, {"role": "user", "content": question}]


def parse_chat_messages(messages: list[dict[str, str]]) -> tuple[str, str, str]:
    """Inverse of :func:`chat_messages`: ``(task, target as written, question)``.

    Raises ``ValueError`` when the messages do not follow the archer-gym oracle format.
    """
    system = next((m.get("content", "") for m in messages if m.get("role") == "system"), "")
    question = next((m.get("content", "") for m in reversed(messages) if m.get("role") == "user"), None)
    if question is None:
        raise ValueError("no user message with a question")
    for task, pattern in _SYSTEM_PATTERNS.items():
        match = pattern.fullmatch(system)
        if match:
            return task, match["target"], question
    raise ValueError("the system message is not an archer-gym oracle prompt")
