"""A Gymnasium text space for natural-language observations and actions.

``gymnasium.spaces.Text`` only accepts characters of its charset (ASCII letters and digits by
default), so a question with a space or a question mark is "outside" it and ``check_env`` fails.
``UnicodeText`` accepts any Python string within its length bounds and samples printable text.
"""

from __future__ import annotations

import string
from typing import Any

from gymnasium import spaces

PRINTABLE = string.ascii_letters + string.digits + string.punctuation + " "


class UnicodeText(spaces.Text):
    """Any ``str`` of length ``min_length..max_length``; samples are printable ASCII."""

    def __init__(self, max_length: int, *, min_length: int = 0, seed: int | None = None):
        super().__init__(max_length, min_length=min_length, charset=PRINTABLE, seed=seed)

    def contains(self, x: Any) -> bool:
        return isinstance(x, str) and self.min_length <= len(x) <= self.max_length

    def __repr__(self) -> str:
        return f"UnicodeText({self.min_length}, {self.max_length})"
