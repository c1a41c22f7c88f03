"""Checkpoints and caches on disk: nothing loaded runs code, nothing missing is silently replaced,
and a run killed at any moment resumes where its last checkpoint left it."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from archer_agents import get_agent
from archer_agents.base import BaseAgent
from archer_agents.checkpoint import CheckpointError
from archer_agents.logger import read_metrics

@pytest.fixture
def checkpoint(tmp_path, bc_dataset):
    """An ArCHer agent on tiny models (one BC step: built in seconds) after one iteration, and its
    checkpoint: optimisers with state, a replay buffer."""
    agent = get_agent("archer")(
        env="20q", bc_dataset=bc_dataset, bc_steps=1, output_dir=str(tmp_path / "run"), iterations=1,
        trajectories_per_iteration=4, num_envs=4, batch_size=8, micro_batch_size=8, critic_steps=1, actor_steps=1,
        warmup_iterations=0, eval_every=0, save_every=1, max_new_tokens=6, tensorboard=False)
    agent.learn()
    return agent, BaseAgent.latest_checkpoint(tmp_path / "run")


class Payload:
    """Unpickling this object creates ``marker``: what a malicious checkpoint file would do."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


@pytest.mark.parametrize(("name", "experience"), [("modules.pt", False), ("process_0.pt", True)])
def test_a_checkpoint_file_that_would_run_code_is_refused(checkpoint, tmp_path, name, experience):
    _, path = checkpoint
    marker = tmp_path / "pwned"
    torch.save({"actor_optimizer": Payload(marker)}, path / name)
    with pytest.raises(CheckpointError, match=f"refusing to load .*{name}.*could run code"):
        BaseAgent.load(path, experience=experience)  # experience=False: what `archer-agents evaluate` does
    assert not marker.exists()


def test_save_load_round_trip_keeps_weights_optimisers_and_rng_streams(checkpoint, tmp_path):
    agent, _ = checkpoint
    path = agent.save(tmp_path / "saved")
    expected = (random.random(), np.random.random(), torch.rand(3))
    loaded = BaseAgent.load(path)
    assert (random.random(), np.random.random()) == expected[:2] and torch.equal(torch.rand(3), expected[2])
    for before, after in zip(agent._modules().values(), loaded._modules().values()):
        assert_same_state(before.state_dict(), after.state_dict())
    assert loaded.critic_optimizer.state_dict()["state"]  # Adam's moments, not a fresh optimiser
    for p, q in zip(agent.policy.model.parameters(), loaded.policy.model.parameters()):
        assert torch.equal(p, q)
    assert loaded.replay.items == agent.replay.items and loaded.replay.sample(8) == agent.replay.sample(8)


def assert_same_state(a, b) -> None:
    """Nested state dicts hold equal tensors and equal plain values."""
    if isinstance(a, torch.Tensor):
        assert torch.equal(a, b)
    elif isinstance(a, dict):
        assert a.keys() == b.keys()
        for key in a:
            assert_same_state(a[key], b[key])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same_state(x, y)
    else:
        assert a == b


def test_a_missing_process_file_is_a_clear_error_not_an_empty_buffer(checkpoint):
    _, path = checkpoint
    (path / "process_0.pt").unlink()
    with pytest.raises(CheckpointError, match=r"process_0\.pt is missing.*experience=False"):
        BaseAgent.load(path)
    assert BaseAgent.load(path, experience=False).iteration == 1  # enough to act and evaluate


@pytest.mark.parametrize(("name", "key"), [("modules.pt", "critic_optimizer"), ("process_0.pt", "replay")])
def test_a_checkpoint_file_missing_a_part_is_a_clear_error(checkpoint, name, key):
    _, path = checkpoint
    saved = torch.load(path / name, weights_only=False)
    torch.save({k: v for k, v in saved.items() if k != key}, path / name)
    with pytest.raises(CheckpointError, match=f"lacks '{key}', which archer checkpoints hold"):
        BaseAgent.load(path)


def test_resuming_with_more_processes_than_saved_is_a_clear_error(checkpoint, monkeypatch):
    from accelerate import Accelerator

    _, path = checkpoint
    # This process plays rank 1 of 2, whose process_1.pt the one-process run never wrote.
    monkeypatch.setattr(Accelerator, "num_processes", property(lambda self: 2))
    monkeypatch.setattr(Accelerator, "process_index", property(lambda self: 1))
    with pytest.raises(CheckpointError, match=r"saved by 1 process.*this run has 2.*--num-processes 1"):
        BaseAgent.load(path)


def test_stale_bc_cache_builds_are_removed_and_live_ones_kept(tmp_path, monkeypatch):
    from archer_agents import pretrain
    from archer_agents.config import AgentConfig

    monkeypatch.setenv("ARCHER_AGENTS_CACHE", str(tmp_path))
    config = AgentConfig(bc_dataset="games.jsonl")
    published = pretrain.cache_dir() / f"tiny-bc-{pretrain.cache_key(config)}"
    (published / "actor").mkdir(parents=True)
    (published / "actor" / "config.json").write_text("{}")  # cached: nothing is built
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    host = pretrain.socket.gethostname()
    killed = tmp_path / f"tiny-bc-0123.tmp-{host}-{dead}"
    running = tmp_path / f"tiny-bc-0123.tmp-{host}-{os.getpid()}"
    abandoned = tmp_path / f"tiny-bc-4567.tmp-otherhost-{os.getpid()}"
    recent = tmp_path / "tiny-bc-4567.tmp-otherhost-1"
    for directory in (killed, running, abandoned, recent):
        (directory / "actor").mkdir(parents=True)
    day_ago = time.time() - 86_400
    os.utime(abandoned, (day_ago, day_ago))

    class MainProcess:
        is_main_process = True
        main_process_first = contextlib.nullcontext

    assert pretrain.pretrained_tiny_actor(config, MainProcess()) == published
    assert not killed.exists() and not abandoned.exists()
    assert running.exists() and recent.exists()  # another host's build may still be publishing


CLI_RUN = ["--env", "20q_subset", "iterations=40", "trajectories_per_iteration=4", "num_envs=4", "bc_episodes=20",
           "bc_steps=2", "critic_steps=1", "actor_steps=1", "warmup_iterations=0", "eval_every=0", "save_every=2",
           "batch_size=4", "micro_batch_size=4", "max_new_tokens=6", "tensorboard=false", "eval_episodes_per_task=1"]


@pytest.mark.slow
def test_a_run_killed_by_sigkill_resumes_from_its_last_checkpoint(tmp_path):
    out = tmp_path / "run"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    stderr = tmp_path / "stderr.txt"
    with stderr.open("w") as f:
        train = subprocess.Popen([sys.executable, "-m", "archer_agents.cli", "train", "--agent", "archer", *CLI_RUN, f"output_dir={out}"],
                                 stdout=subprocess.DEVNULL, stderr=f, env=env)
    try:
        # Killed once iteration 3 is logged: after the checkpoint of iteration 2, before the next one.
        deadline = time.time() + 120
        while not ((out / "checkpoints" / "latest").exists() and logged_lines(out) >= 3):
            assert train.poll() is None, stderr.read_text()[-2000:]
            assert time.time() < deadline, "no checkpoint within 120 s"
            time.sleep(0.05)
    finally:
        train.send_signal(signal.SIGKILL)
        train.wait()

    checkpoint = BaseAgent.latest_checkpoint(out)
    recorded = torch.load(checkpoint / "process_0.pt", weights_only=True)["replay"]["experience"]["count"]
    resumed = BaseAgent.load(checkpoint)
    assert resumed.replay.count == recorded and len(resumed.replay) == min(recorded, resumed.replay.capacity) > 0
    start = resumed.iteration
    assert logged_lines(out) > start  # what the killed run logged after its checkpoint
    resumed.learn(iterations=start + 2)
    assert resumed.iteration == start + 2
    assert BaseAgent.load(BaseAgent.latest_checkpoint(out)).replay.count > recorded
    iterations = [m["iteration"] for m in read_metrics(out)]
    assert iterations == list(range(1, start + 3))  # no iteration twice, none missing


def logged_lines(output_dir) -> int:
    path = output_dir / "metrics.jsonl"
    return path.read_text().count("\n") if path.exists() else 0
