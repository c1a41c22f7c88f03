"""Response cache that makes model oracles reproducible and cheap on repeated questions.

Keys are ``(namespace, target, question)``, where the namespace names the backend and model, so
one cache file can serve several oracles. In memory by default; give a path to keep answers in
SQLite across runs (re-running an experiment then replays the exact same answers).
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Sequence

from archer_gym.oracles.base import Oracle, Query


class ResponseCache:
    """A ``(namespace, target, question) -> answer`` store, in memory or in a SQLite file."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else None
        self._memory: dict[tuple[str, str, str], str] = {}
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False)
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS answers (namespace TEXT, target TEXT, question TEXT,"
                " answer TEXT, PRIMARY KEY (namespace, target, question))"
            )
            self._db.commit()

    def get(self, key: tuple[str, str, str]) -> str | None:
        with self._lock:
            if key in self._memory:
                return self._memory[key]
            if self._db is None:
                return None
            row = self._db.execute(
                "SELECT answer FROM answers WHERE namespace=? AND target=? AND question=?", key
            ).fetchone()
            if row is not None:
                self._memory[key] = row[0]
            return None if row is None else row[0]

    def put_many(self, items: Sequence[tuple[tuple[str, str, str], str]]) -> None:
        with self._lock:
            self._memory.update(items)
            if self._db is not None:
                self._db.executemany(
                    "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?)",
                    [(*key, answer) for key, answer in items],
                )
                self._db.commit()

    def __len__(self) -> int:
        with self._lock:
            if self._db is None:
                return len(self._memory)
            return self._db.execute("SELECT COUNT(*) FROM answers").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


class CachedOracle:
    """Wraps an oracle: answers cached questions locally, sends only the misses (in one call)."""

    def __init__(self, inner: Oracle, cache: ResponseCache, namespace: str):
        self.inner, self.cache, self.namespace = inner, cache, namespace
        self.task = inner.task

    def answer(self, queries: Sequence[Query]) -> list[str]:
        keys = [(self.namespace, q.target, q.question) for q in queries]
        answers = [self.cache.get(k) for k in keys]
        missing = [i for i, a in enumerate(answers) if a is None]
        if missing:
            fresh = self.inner.answer([queries[i] for i in missing])
            for i, a in zip(missing, fresh):
                answers[i] = a
            self.cache.put_many([(keys[i], answers[i]) for i in missing])
        return answers  # type: ignore[return-value]

    def close(self) -> None:
        getattr(self.inner, "close", lambda: None)()
        self.cache.close()
