"""Turning whatever an agent emits into one clean utterance.

Language models ramble past their turn, emit invalid bytes and sometimes nothing at all. Every env
passes actions through :func:`sanitize_action` so that bad input becomes a well-defined (possibly
empty) string instead of a crash; each env documents how it answers an empty utterance.
"""

from __future__ import annotations

import unicodedata

MAX_ACTION_CHARS = 512
"""Default cap on an utterance's length, in characters, after cutting at the first newline."""


def sanitize_action(action: object, max_chars: int = MAX_ACTION_CHARS) -> str:
    """Return the agent's utterance as a clean single line.

    - ``bytes`` are decoded as UTF-8 with undecodable bytes replaced by U+FFFD;
    - anything that is not ``str``/``bytes`` raises ``TypeError`` (a programming error, not an
      in-game mistake);
    - the text after the first newline is dropped (the agent's turn ends at a newline, as in the
      reference code);
    - control and other non-printable characters (Unicode category C*) are removed;
    - surrounding whitespace is stripped and the result is cut to ``max_chars`` characters.
    """
    if isinstance(action, (bytes, bytearray)):
        action = bytes(action).decode("utf-8", errors="replace")
    if not isinstance(action, str):
        raise TypeError(f"an action must be a str (or UTF-8 bytes), got {type(action).__name__}")
    line = action.lstrip().split("\n", 1)[0]
    if not line.isprintable():
        line = "".join(ch for ch in line if ch == " " or unicodedata.category(ch)[0] != "C")
    return line.strip()[:max_chars].strip()
