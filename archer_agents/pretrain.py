"""The ``tiny`` preset's starting point: a tokenizer and a BC-pretrained actor, built offline.

The tokenizer is trained on the BC dataset's text and the actor (a 2-layer GPT-2) is trained by
behaviour cloning on it. The result is cached under ``$ARCHER_AGENTS_CACHE`` (default
``~/.cache/archer_agents``), keyed by everything that determines it, so agents compared head to
head start from the very same checkpoint, and a second run starts in seconds. A build is written
to a temporary directory and renamed into place; temporary directories left by builds killed
while publishing are deleted the next time the cache is used.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import time
from pathlib import Path

import numpy as np
import torch

from archer_agents.config import AgentConfig
from archer_agents.envs import resolve_env_id

CACHE_VERSION = 2  # 2: the tiny actor's fused GELU
ABANDONED_AFTER_S = 3600
"""A temporary build directory older than this was abandoned: publishing one takes seconds."""


def cache_dir() -> Path:
    return Path(os.environ.get("ARCHER_AGENTS_CACHE", "~/.cache/archer_agents")).expanduser()


def cache_key(config: AgentConfig) -> str:
    """What identifies the BC start ``config`` gets: agents whose keys are equal start from the same actor."""
    fields = {"version": CACHE_VERSION, "env": resolve_env_id(config.env), "env_kwargs": config.env_kwargs,
              "seed": config.seed, "bc_dataset": config.bc_dataset, "bc_episodes": config.bc_episodes, "bc_style": config.bc_style,
              "bc_steps": config.bc_steps, "bc_lr": config.bc_lr, "max_prompt_tokens": config.max_prompt_tokens}
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:16]


def pretrained_tiny_actor(config: AgentConfig, accelerator) -> Path:
    """Directory of the cached BC-pretrained tiny actor for ``config`` (built if missing)."""
    path = cache_dir() / f"tiny-bc-{cache_key(config)}"
    with accelerator.main_process_first():
        if accelerator.is_main_process:
            _remove_abandoned_builds()
            if not (path / "actor" / "config.json").exists():
                # Building draws from the global RNG: a run that builds the cache must go on exactly
                # like one that finds it built.
                with torch.random.fork_rng():
                    _build(config, path, accelerator)
    return path


def _remove_abandoned_builds() -> None:
    """Delete the temporary directories (``tiny-bc-<key>.tmp-<host>-<pid>``) of builds whose
    process on this host is gone, or that are older than ``ABANDONED_AFTER_S`` (a build on
    another host sharing the cache, whose process cannot be looked up from here)."""
    for tmp in cache_dir().glob("tiny-bc-*.tmp-*"):
        host, _, pid = tmp.name.partition(".tmp-")[2].rpartition("-")
        try:
            age = time.time() - tmp.stat().st_mtime
        except FileNotFoundError:  # removed meanwhile by another run sharing the cache
            continue
        killed = host == socket.gethostname() and pid.isdigit() and not _running(int(pid))
        if killed or age > ABANDONED_AFTER_S:
            shutil.rmtree(tmp, ignore_errors=True)


def _running(pid: int) -> bool:
    if os.name == "nt":  # os.kill would terminate it: leave the decision to the directory's age
        return True
    try:
        os.kill(pid, 0)  # signal 0: only checks that the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _build(config: AgentConfig, path: Path, accelerator) -> None:
    from rich.progress import Progress

    from archer_agents.data import load_pairs, scripted_pairs
    from archer_agents.imitation import action_ids, imitation_step
    from archer_agents.models.policy import TextPolicy
    from archer_agents.models.presets import tiny_actor, train_tokenizer

    torch.manual_seed(config.seed)
    texts = load_pairs(config.bc_dataset) if config.bc_dataset else scripted_pairs(
        resolve_env_id(config.env), config.bc_episodes, config.seed, config.env_kwargs,
        config.bc_style)
    corpus = sorted({o for o, _ in texts}) + [a + "\n" for _, a in texts]
    tokenizer = train_tokenizer(corpus)
    policy = TextPolicy(tiny_actor(tokenizer).to(accelerator.device), tokenizer,
                        max_prompt_tokens=config.max_prompt_tokens, max_new_tokens=config.max_new_tokens)
    pairs = list(zip([o for o, _ in texts], action_ids(policy, [a for _, a in texts])))
    optimizer = torch.optim.Adam(policy.model.parameters(), lr=config.bc_lr)
    rng = np.random.default_rng(config.seed)
    with Progress(transient=True) as progress:
        task = progress.add_task("BC pretraining (tiny preset)", total=config.bc_steps)
        for _ in range(config.bc_steps):
            batch = [pairs[i] for i in rng.integers(len(pairs), size=32)]
            imitation_step(policy, optimizer, accelerator, batch, micro_batch_size=32, grad_clip=1.0)
            progress.advance(task)
    # Runs started side by side (seeds in parallel) may build the same entry: each writes its own
    # temporary directory and the first to finish publishes it atomically; the others discard theirs.
    tmp = path.with_name(f"{path.name}.tmp-{socket.gethostname()}-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    policy.model.save_pretrained(tmp / "actor")
    tokenizer.save_pretrained(tmp / "actor")
    if path.exists() and not (path / "actor" / "config.json").exists():
        shutil.rmtree(path, ignore_errors=True)  # left incomplete by an older version or a crash
    try:
        os.replace(tmp, path)
    except OSError:  # another process published it first (os.replace cannot replace a non-empty directory)
        shutil.rmtree(tmp, ignore_errors=True)
