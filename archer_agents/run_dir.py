"""The run directory: where a run writes, and the rule that it holds one run only.

By default a run writes to ``runs/<agent>/<env name>`` (e.g. ``runs/chai/GuessMyCity-v0``).
Checkpoint rotation, the experience log and the metrics log delete what they take for their own
run's stale files, so two runs sharing a directory would delete each other's. Hence ``learn``
first checks the directory and records its run in ``run.json`` (agent name and config):

- a directory that holds no run (no ``run.json``, no checkpoint) is taken;
- a run continues in its own directory: an agent loaded from one of its checkpoints (resuming;
  overrides such as a larger ``iterations`` are fine), or one that already learned there;
- a run killed before its first checkpoint may be started again with the same agent and config;
- anything else, a different agent or config, or the same one without resuming while
  checkpoints exist, is a :class:`RunDirectoryError` saying what differs and what to do.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Collection
from pathlib import Path
from typing import Any

RUN_FILE = "run.json"


class RunDirectoryError(ValueError):
    """``output_dir`` holds another run."""


def default_output_dir(agent_name: str, env_id: str) -> str:
    return f"runs/{agent_name}/{env_id.split('/')[-1]}"


def check_run_dir(output_dir: str | Path, agent_name: str, config: Any, *, continuing: bool) -> None:
    """Raise :class:`RunDirectoryError` unless a run of ``agent_name`` with ``config`` may write to
    ``output_dir`` (see the module docstring); ``continuing``: the agent resumes the run there."""
    output_dir = Path(output_dir)
    has_checkpoint = (output_dir / "checkpoints" / "latest").exists()
    record = output_dir / RUN_FILE
    if continuing or not (record.exists() or has_checkpoint):
        return
    theirs = json.loads(record.read_text()) if record.exists() else None
    advice = (f"Two runs in one directory delete each other's checkpoints and experience: resume that run "
              f"(archer-agents train --resume, or BaseAgent.load(BaseAgent.latest_checkpoint({str(output_dir)!r}))), "
              "set another output_dir, or delete the directory.")
    if theirs is None:
        raise RunDirectoryError(f"output_dir {output_dir} holds the checkpoints of a run without {RUN_FILE}. {advice}")
    if theirs["agent"] != agent_name:
        raise RunDirectoryError(f"output_dir {output_dir} holds a run of {theirs['agent']}, not {agent_name}. {advice}")
    differences = _differences(theirs["config"], _plain(config))
    if differences:
        raise RunDirectoryError(f"output_dir {output_dir} holds a run of {agent_name} with another config "
                                f"({'; '.join(differences)}). {advice}")
    if has_checkpoint:
        raise RunDirectoryError(f"output_dir {output_dir} holds checkpoints of this run (same agent and config), "
                                f"and this agent does not resume it. {advice}")


def config_differences(output_dir: str | Path, agent_name: str, config: Any, ignore: Collection[str] = ()) -> list[str]:
    """How the run recorded in ``output_dir`` differs from one of ``agent_name`` with ``config``,
    leaving out the keys in ``ignore`` (empty: the same run; a directory holding no record differs)."""
    record = Path(output_dir) / RUN_FILE
    if not record.exists():
        return [f"{record} is missing"]
    theirs = json.loads(record.read_text())
    if theirs["agent"] != agent_name:
        return [f"agent: {theirs['agent']!r} there, {agent_name!r} here"]
    ours = _plain(config)
    return _differences({k: v for k, v in theirs["config"].items() if k not in ignore},
                        {k: v for k, v in ours.items() if k not in ignore})


def claim_run_dir(output_dir: str | Path, agent_name: str, config: Any) -> None:
    """Record in ``output_dir`` that the run of ``agent_name`` with ``config`` writes there."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    tmp = output_dir / f"{RUN_FILE}.tmp"
    tmp.write_text(json.dumps({"agent": agent_name, "config": _plain(config)}, indent=1))
    tmp.replace(output_dir / RUN_FILE)


def _plain(config: Any) -> dict[str, Any]:
    """The config as JSON values (an object among the env kwargs as its string)."""
    return json.loads(json.dumps(dataclasses.asdict(config), default=str))


def _differences(theirs: dict[str, Any], ours: dict[str, Any]) -> list[str]:
    keys = sorted(k for k in theirs.keys() | ours.keys()
                  if theirs.get(k) != ours.get(k) and k != "output_dir")  # the same directory, perhaps spelt otherwise
    return [f"{k}: {theirs.get(k)!r} there, {ours.get(k)!r} here" for k in keys]
