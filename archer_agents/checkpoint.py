"""Checkpoints: what a run needs to resume, written so that a crash never leaves a broken one and
read so that a tampered one cannot run code.

A checkpoint directory holds ``actor/`` (model and tokenizer, or a LoRA adapter),
``critic_encoder/`` (the critic encoder's config and tokenizer, for agents with a critic),
``modules.pt`` (the agent's ``_modules()``: critic, target, value heads, optimisers),
``process_<rank>.pt`` (each process's RNG states and the small state of its replay buffer or
trajectory store), ``config.yaml`` and ``agent.json`` (agent name, counters, number of processes,
last evaluation). It is written to ``<name>.tmp`` and renamed into place, so a run killed at any
moment resumes from the last complete one; ``output_dir/checkpoints/latest`` names the newest and
the two newest are kept.

The ``.pt`` files hold only tensors and plain data (numbers, strings, lists, dicts), read with
``torch.load(weights_only=True)``; anything else is refused. Replay transitions and trajectories
are not copied into each checkpoint: they live in the run's experience log
(:mod:`archer_agents.experience_log`), which ``process_<rank>.pt`` references.
"""

from __future__ import annotations

import json
import os
import pickle
import random
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch

from archer_agents.config import load_yaml, save_yaml, update
from archer_agents.logger import quiet_transformers
from archer_agents.registry import get_agent

KEEP = 2
"""Checkpoints kept per run (the newest ones)."""


class CheckpointError(ValueError):
    """A checkpoint that cannot be loaded safely: a file is missing, or holds more than plain data."""


# ------------------------------------------------------------------------------------ writing
def save(agent, path: str | Path) -> Path:
    """Write everything ``agent`` needs to resume into ``path``: models, config, optimisers, and
    every process's RNG and buffer state (each process writes its own file)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    main = agent.accelerator.is_main_process
    if main:
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        write_models(agent, tmp)
        torch.save({k: v.state_dict() for k, v in agent._modules().items()}, tmp / "modules.pt")
    agent.accelerator.wait_for_everyone()
    torch.save(agent._process_state(tmp), _process_file(tmp, agent.rank))
    agent.accelerator.wait_for_everyone()
    if main:
        shutil.rmtree(path, ignore_errors=True)
        os.replace(tmp, path)
    agent.accelerator.wait_for_everyone()
    return path


def write_models(agent, directory: Path) -> None:
    """What a checkpoint and a Hub folder share: the actor with its tokenizer, the agent's extra model
    files (``_save_extra``), ``config.yaml`` and ``agent.json``."""
    with quiet_transformers():  # no "Writing model shards" bar
        agent.accelerator.unwrap_model(agent.policy.model).save_pretrained(directory / "actor")
        agent.policy.tokenizer.save_pretrained(directory / "actor")
        agent._save_extra(directory)
    save_yaml(agent.config, directory / "config.yaml")
    (directory / "agent.json").write_text(json.dumps({
        "agent": agent.name, "iteration": agent.iteration, "trajectories_total": agent.trajectories_total,
        "env_steps": agent.env_steps, "world_size": agent.world, "last_evaluation": agent.last_evaluation}))


def save_checkpoint(agent) -> Path:
    """``output_dir/checkpoints/iter_<N>``, pointed to by ``checkpoints/latest``; older ones beyond
    the newest :data:`KEEP` are deleted."""
    root = agent.output_dir / "checkpoints"
    path = save(agent, root / f"iter_{agent.iteration:06d}")
    if agent.accelerator.is_main_process:
        latest = root / "latest.tmp"
        latest.write_text(path.name)
        os.replace(latest, root / "latest")
        for old in sorted(root.glob("iter_*"))[:-KEEP]:
            shutil.rmtree(old, ignore_errors=True)
    return path


def latest_checkpoint(output_dir: str | Path) -> Path | None:
    pointer = Path(output_dir) / "checkpoints" / "latest"
    return pointer.parent / pointer.read_text().strip() if pointer.exists() else None


# ------------------------------------------------------------------------------------ reading
def load(agent_class: type, path: str | Path, *, experience: bool = True, **overrides: Any):
    """The agent saved in ``path`` by :func:`save`, ready to go on (see ``BaseAgent.load``)."""
    path = Path(path)
    agent, meta = restore(agent_class, path, overrides)
    process_file = _saved_process_file(agent, path, meta["world_size"]) if experience else None
    modules = load_plain(path / "modules.pt", agent.accelerator.device)
    try:
        for key, module in agent._modules().items():
            module.load_state_dict(modules[key])
        if process_file is not None:
            agent._load_process_state(load_plain(process_file), path)
    except KeyError as missing:
        raise CheckpointError(f"{path} lacks {missing}, which {agent.name} checkpoints hold (a tampered file, or a checkpoint "
                              "of another archer-agents version)") from None
    if path.parent.name == "checkpoints":  # learning on continues this run in its own directory
        agent.own_run_dir = path.parent.parent
    return agent


def restore(agent_class: type, path: Path, overrides: dict[str, Any]):
    """``(agent, agent.json)``: the agent saved in ``path`` (a checkpoint or a Hub folder), built
    from its config plus ``overrides`` with the actor and critic encoder found in ``path``, and its
    counters. Its other weights are the caller's to load."""
    if not (path / "agent.json").is_file():
        raise FileNotFoundError(f"{str(path)!r} is not a saved archer-agents agent (no agent.json)")
    meta = json.loads((path / "agent.json").read_text())
    saved_class = get_agent(meta["agent"])  # a registered name, never an import path of the file's choosing
    if not issubclass(saved_class, agent_class):
        raise CheckpointError(f"{path} holds a {meta['agent']} agent, not a {agent_class.name} agent")
    values = {**load_yaml(path / "config.yaml"), **overrides, "init_checkpoint": str(path)}
    agent = saved_class(update(saved_class.config_class(), values))
    agent.iteration, agent.trajectories_total, agent.env_steps = (
        meta["iteration"], meta["trajectories_total"], meta["env_steps"])
    agent.last_evaluation = meta.get("last_evaluation")
    return agent, meta


def _saved_process_file(agent, checkpoint: Path, saved_world: int) -> Path:
    """This process's file in ``checkpoint``. Going on without it would start from an empty
    replay buffer, and the next checkpoint would delete the experience log it references."""
    to_evaluate = "or load with experience=False to act and evaluate only"
    if agent.world != saved_world:
        raise CheckpointError(
            f"{checkpoint} was saved by {saved_world} process(es) and this run has {agent.world}: resume with "
            f"as many processes as saved (--num-processes {saved_world}), {to_evaluate}")
    file = _process_file(checkpoint, agent.rank)
    if not file.is_file():
        raise CheckpointError(
            f"{file} is missing: it holds this process's RNG states and the reference to its replay buffer "
            f"or trajectory store. Restore it (copy checkpoint directories whole), {to_evaluate}")
    return file


def _process_file(checkpoint: Path, rank: int) -> Path:
    return checkpoint / f"process_{rank}.pt"


def load_plain(file: Path, device: torch.device | str = "cpu") -> Any:
    """What ``torch.save`` wrote to ``file``, if it is only tensors and plain data. Anything else is
    refused: unpickling other objects can run code of the file's choosing."""
    # weights_only could be bypassed before torch 2.6 (CVE-2025-32434).
    if torch.__version__ < (2, 6):
        raise CheckpointError(f"loading {file} safely needs torch>=2.6; installed: {torch.__version__}")
    try:
        return torch.load(file, map_location=device, weights_only=True)
    except pickle.UnpicklingError:
        raise CheckpointError(
            f"refusing to load {file}: it holds objects other than tensors and plain data, and loading them "
            "could run code (a tampered file, or a checkpoint of an older archer-agents version)") from None


# -------------------------------------------------------------------------------- RNG states
def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def rng_state() -> dict[str, Any]:
    """The global RNG states as plain data (numpy's key as a list; torch's is a uint8 tensor)."""
    numpy_state = np.random.get_state(legacy=False)
    numpy_state["state"]["key"] = numpy_state["state"]["key"].tolist()
    return {"python": random.getstate(), "numpy": numpy_state, "torch": torch.get_rng_state()}


def set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
