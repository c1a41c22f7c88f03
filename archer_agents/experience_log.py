"""Append-only experience on disk: where a checkpoint's replay buffer or trajectory store lives.

A buffer numbers its records (a transition, or one iteration's trajectories) in the order they
were stored, and needs only the newest ``keep`` of them (a FIFO ring of capacity C: the last C;
``keep=None``: all). At each checkpoint the needed records not yet on disk are written as one new
shard, and the checkpoint keeps only a reference: where the log is (relative to the checkpoint
directory), the record count at that moment, and the name of the shard that ends there. A
checkpoint therefore costs what was stored since the previous one, not the buffer's size.

Layout: ``<output_dir>/experience/rank<r>/<first>-<stop>-<token>.jsonl`` holds records
``[first, stop)``, one JSON value per line. A shard is written to a temporary file, synced and
renamed into place, so it is complete or absent; ``token`` is random, so a checkpoint recognises
its own last shard.

Consistency:

- Loading reads records ``[count - keep, count)`` and checks that the shard ending at ``count``
  is the checkpoint's own. A missing, corrupt or truncated record in that range is an
  :class:`ExperienceLogError`; records after ``count`` (a run killed after writing more) are
  never read.
- Loading writes nothing, so any checkpoint can be loaded and evaluated without harming newer
  ones. The first write of a process rewinds its directory: shards after the checkpoint it was
  loaded from (every shard, for a fresh run) are deleted.
- After a checkpoint is written, shards that neither it nor the previous one needs are deleted
  (the training loop keeps the two most recent checkpoints).
- A checkpoint loaded by an agent with another ``output_dir`` (a copied run, a fork) reads its
  own run's log; the agent's next checkpoint writes the needed records into its own log, so every
  run directory stays self-contained. Copy a run directory whole (``checkpoints/`` with
  ``experience/``); a checkpoint directory copied alone loads with ``experience=False`` only.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class ExperienceLogError(RuntimeError):
    """The log does not hold, intact, the records a checkpoint references."""


@dataclass(frozen=True)
class Shard:
    first: int
    stop: int
    path: Path


def shards(directory: Path) -> list[Shard]:
    """The finished shards in ``directory``, ordered by first record."""
    found = []
    for path in directory.glob("*-*-*.jsonl"):
        first, stop, _ = path.stem.split("-")
        found.append(Shard(int(first), int(stop), path))
    return sorted(found, key=lambda s: (s.first, s.stop))


class ExperienceLog:
    """One process's log in ``directory``; see the module docstring."""

    def __init__(self, directory: str | Path):
        self.dir = Path(directory)
        self.on_disk = 0  # records [.., on_disk) of this process's history are in dir (those still needed)
        self.tail: str | None = None  # name of the shard that ends at on_disk
        self.saved = 0  # record count of the last checkpoint written or loaded
        self.rewound = False  # dir holds nothing after on_disk (done at the first write of a process)

    def save(self, count: int, keep: int | None, newest: Callable[[int], list[Any]],
             checkpoint: Path) -> dict[str, Any]:
        """Write the needed records stored since the last save (``newest(n)``: the last ``n`` as
        JSON values), delete shards no kept checkpoint needs, and return the checkpoint's reference."""
        if not self.rewound:
            self._rewind()
        first = max(self.on_disk, _start(count, keep))
        if first < count:
            self._write(first, newest(count - first))
        if keep is not None:
            for shard in shards(self.dir):
                if shard.stop <= self.saved - keep:  # before what the previous checkpoint needs
                    shard.path.unlink()
        self.saved = count
        return {"path": os.path.relpath(self.dir.absolute(), Path(checkpoint).absolute()), "count": count,
                "tail": self.tail}

    def load(self, reference: dict[str, Any], keep: int | None, checkpoint: Path) -> list[Any]:
        """Records ``[count - keep, count)`` of the log a checkpoint references."""
        source = Path(checkpoint).absolute() / reference["path"]
        count, tail = reference["count"], reference["tail"]
        records = read(source, _start(count, keep), count, tail)
        own = source.resolve() == self.dir.resolve()
        self.on_disk, self.tail = (count, tail) if own else (0, None)
        self.saved, self.rewound = count, False
        return records

    def _rewind(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        for shard in shards(self.dir):
            if shard.stop > self.on_disk:
                shard.path.unlink()
        for unfinished in self.dir.glob("*.tmp"):
            unfinished.unlink()
        self.rewound = True

    def _write(self, first: int, records: list[Any]) -> None:
        stop = first + len(records)
        name = f"{first:012d}-{stop:012d}-{os.urandom(4).hex()}.jsonl"
        tmp = self.dir / f"{name}.tmp"
        with tmp.open("w", encoding="utf-8") as f:
            f.writelines(json.dumps(record) + "\n" for record in records)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.dir / name)
        self.on_disk, self.tail = stop, name


def read(directory: Path, start: int, stop: int, tail: str | None) -> list[Any]:
    """Records ``[start, stop)`` of the log in ``directory``, whose shard ending at ``stop`` is ``tail``."""
    if stop == start:
        return []
    if not directory.is_dir():
        raise ExperienceLogError(
            f"experience log {directory} not found: copy a run directory whole (checkpoints/ with "
            "experience/), or load with experience=False to act and evaluate only")
    records: list[Any] = []
    last = None
    for shard in shards(directory):
        cursor = start + len(records)
        if shard.first <= cursor < min(stop, shard.stop):
            records += _read_shard(shard, cursor, min(stop, shard.stop))
            last = shard
    if len(records) < stop - start or last is None or last.path.name != tail:
        raise ExperienceLogError(
            f"{directory} no longer holds records {start}..{stop} as this checkpoint saved them (shard "
            f"{tail}): the run went on from an earlier checkpoint, a fresh run started in the same "
            "output_dir, or shards were deleted")
    return records


def _read_shard(shard: Shard, start: int, stop: int) -> list[Any]:
    records = []
    with shard.path.open(encoding="utf-8") as f:
        for index, line in enumerate(f, start=shard.first):
            if index >= stop:
                break
            if index >= start:
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as error:
                    raise ExperienceLogError(f"{shard.path}, line {index - shard.first + 1}: corrupt record "
                                             f"{index} ({error})") from None
    if len(records) < stop - start:
        raise ExperienceLogError(f"{shard.path} is truncated: it ends before record {start + len(records)}")
    return records


def _start(count: int, keep: int | None) -> int:
    """First record a buffer of ``keep`` needs when ``count`` were stored."""
    return 0 if keep is None else max(0, count - keep)
