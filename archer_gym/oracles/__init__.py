"""Oracles answer the agent's questions in Twenty Questions and Guess My City.

Three backends behind one protocol (:class:`~archer_gym.oracles.base.Oracle`), picked by name:

- ``kb`` (default): offline knowledge bases, deterministic, no dependencies;
- ``hf``: a local transformers model (flan-t5 like ArCHer's, or a causal chat model);
- ``openai``: any OpenAI-compatible server, e.g. ``archer-gym serve oracle``.

Heavy libraries (torch, transformers, openai) are imported only when their backend is built.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from archer_gym.oracles.base import Oracle, OracleError, Probe, Query
from archer_gym.oracles.cache import CachedOracle, ResponseCache

BACKENDS = ("kb", "hf", "openai")

__all__ = ["BACKENDS", "Oracle", "OracleError", "Probe", "Query", "make_oracle"]


def make_oracle(
    task: str, backend: str | Oracle = "kb", *, cache: bool | str | Path | None = None, **kwargs: Any
) -> Oracle:
    """Build the oracle for ``task`` (``"twenty_questions"`` or ``"guess_my_city"``).

    ``backend`` is a backend name or an object that already implements the protocol (returned
    as is). ``kwargs`` go to the backend's constructor (e.g. ``model=``, ``base_url=``).
    ``cache``: ``True`` for an in-memory answer cache, a path for a persistent SQLite cache;
    model backends (``hf``, ``openai``) cache in memory by default.
    """
    if not isinstance(backend, str):
        if not isinstance(backend, Oracle):
            raise TypeError(f"oracle must be one of {BACKENDS} or implement Oracle, got {backend!r}")
        return backend
    if backend == "kb":
        from archer_gym.oracles.kb import KBOracle

        oracle: Oracle = KBOracle(task, **kwargs)
    elif backend == "hf":
        from archer_gym.oracles.hf import HFOracle

        oracle = HFOracle(task, **kwargs)
    elif backend == "openai":
        from archer_gym.oracles.openai_backend import OpenAIOracle

        oracle = OpenAIOracle(task, **kwargs)
    else:
        raise ValueError(f"unknown oracle backend {backend!r}; choose one of {BACKENDS}")
    if cache is None:
        cache = backend != "kb"
    if cache is False:
        return oracle
    namespace = f"{task}:{backend}:{kwargs.get('model', '')}:{kwargs.get('checkpoint', '')}"
    return CachedOracle(oracle, ResponseCache(None if cache is True else cache), namespace)
