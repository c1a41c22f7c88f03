"""Agents built around the utterance-level critic: ArCHer, ArCHer-PPO and CHAI.

They share the replay buffer, the double critic with its target, and the paper's critic update
(the paper's equations), written once in :meth:`CriticAgent.critic_step`:

    L = MSE(Q1(s,a), r + γ(1-d) V̄1(s')) + MSE(Q2(s,a), r + γ(1-d) V̄2(s'))
      + MSE(V1(s), Q̄1(s,ã)) + MSE(V2(s), Q̄2(s,ã)),    ã = the agent's own choice at s

followed by a gradient clip on the critic's own parameters and a Polyak update of the target.
Subclasses say what ``ã`` is chosen from and how (``fresh_samples``, ``policy_choice``) and how the
actor learns (``actor_update``).
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any, Sequence

import torch
import torch.nn.functional as F

from archer_agents.base import BaseAgent
from archer_agents.buffers import ReplayBuffer, Trajectory, Transition
from archer_agents.config import AgentConfig, Check, above, at_least, between
from archer_agents.models.critic import CriticWithTarget, DoubleCritic
from archer_agents.models.policy import Utterance


@dataclasses.dataclass
class CriticAgentConfig(AgentConfig):
    """Settings of agents with an utterance-level critic (paper values as defaults)."""

    critic_lr: float = 2e-5
    """Critic learning rate (Adam)."""
    critic_steps: int = 50
    """Critic optimiser steps per iteration."""
    actor_steps: int = 3
    """Actor optimiser steps per iteration (after warm-up)."""
    warmup_iterations: int = 20
    """Iterations that train only the critic, so the actor never follows an untrained critic."""
    tau: float = 0.1
    """Polyak rate of the target critic, applied after every critic step."""
    replay_capacity: int = 10_000
    """Transitions kept in the FIFO replay buffer (the paper's table; the reference code uses 100,000)."""
    bootstrap_on_truncation: bool = False
    """Bootstrap through time-limit truncations (False = the paper: every episode end is terminal)."""
    critic_max_tokens: int = 512
    """Critic inputs are cut from the left to this many tokens."""
    critic_chunk_tokens: int = 0
    """Padded tokens per critic encoder call: texts are sorted by length and encoded in chunks of at
    most this size, so short histories are not padded to the longest. 0 picks 1024 on CPU (a few
    long texts already keep the cores busy) and 16384 on GPUs."""

    def checks(self) -> dict[str, Check]:
        return {**super().checks(), "critic_lr": above(0), "critic_steps": at_least(1), "actor_steps": at_least(0),
                "warmup_iterations": at_least(0), "tau": between(0, 1), "replay_capacity": at_least(1),
                "critic_max_tokens": at_least(1), "critic_chunk_tokens": at_least(0)}


class CriticAgent(BaseAgent):
    """Replay buffer + double critic with target; the loop's ``train`` is critic then actor."""

    config_class = CriticAgentConfig

    def _setup(self) -> None:
        super()._setup()
        c = self.config
        self.replay = ReplayBuffer(c.replay_capacity, seed=self.process_seed)
        self.critics = CriticWithTarget(self._build_critic()).to(self.accelerator.device)
        self.critic_optimizer = torch.optim.Adam(self.critics.online.parameters(), lr=c.critic_lr)
        self.critics.online, self.critic_optimizer = self.accelerator.prepare(self.critics.online, self.critic_optimizer)
        # prepare gave every process the first one's online weights; the target copies them only now.
        self.critics.target.load_state_dict(self.accelerator.unwrap_model(self.critics.online).state_dict())

    def _build_critic(self) -> DoubleCritic:
        from transformers import AutoConfig, AutoModel, AutoTokenizer

        from archer_agents.models.presets import TINY, load_encoder, tiny_encoder

        c = self.config
        saved = Path(c.init_checkpoint) / "critic_encoder" if c.init_checkpoint else None
        if saved is not None and saved.is_dir():  # resuming: the architecture comes from the checkpoint
            encoder, tokenizer = AutoModel.from_config(AutoConfig.from_pretrained(saved)), AutoTokenizer.from_pretrained(saved)
        elif c.critic == TINY:
            tokenizer = AutoTokenizer.from_pretrained(self.policy.tokenizer.name_or_path)
            encoder = tiny_encoder(tokenizer)
        else:
            encoder, tokenizer = load_encoder(c.critic)
        chunk_tokens = c.critic_chunk_tokens or (1024 if self.accelerator.device.type == "cpu" else 16384)
        return DoubleCritic(encoder, tokenizer, max_tokens=c.critic_max_tokens, chunk_tokens=chunk_tokens)

    # --------------------------------------------------------------- storage
    def store(self, trajectories: list[Trajectory]) -> None:
        self.replay.add([t for trajectory in trajectories for t in trajectory.transitions])

    # -------------------------------------------------------------- training
    def train(self) -> dict[str, float]:
        metrics: dict[str, float] = {}
        start = time.perf_counter()
        batches = [self.replay.sample(self.config.batch_size) for _ in range(self.config.critic_steps)]
        # The actor does not change while the critic learns, so the fresh samples of every step's V
        # targets are drawn at once, decoded in batches of similar length (fewer padded tokens).
        fresh = iter(self.fresh_samples([t.observation for batch in batches for t in batch],
                                        rows_per_call=self.config.micro_batch_size))
        for batch in batches:
            metrics = self.critic_step(batch, [next(fresh) for _ in batch])
        metrics["time/critic_s"] = time.perf_counter() - start
        if self.iteration >= self.config.warmup_iterations and self.config.actor_steps:
            start = time.perf_counter()
            metrics.update(self.actor_update())
            metrics["time/actor_s"] = time.perf_counter() - start
        return metrics

    def fresh_samples(self, observations: Sequence[str], rows_per_call: int | None = None) -> list[Any]:
        """Per observation, what its V target's action is chosen from: a fresh sample of the
        current policy (override: CHAI's candidates)."""
        return self.act_batch(observations, rows_per_call=rows_per_call)

    def policy_choice(self, observations: Sequence[str], fresh: list[Any]) -> list[Utterance]:
        """ã for the V target, from the observations' :meth:`fresh_samples` (override: CHAI)."""
        return fresh

    def _micro_batches(self, items: list) -> list[list]:
        size = self.config.micro_batch_size
        return [items[i : i + size] for i in range(0, len(items), size)]

    def critic_step(self, batch: list[Transition], fresh: list[Any]) -> dict[str, float]:
        """One critic update on the replay ``batch``; ``fresh``: its states' :meth:`fresh_samples`."""
        c = self.config
        self.critic_optimizer.zero_grad(set_to_none=True)
        totals = {"critic/q1_loss": 0.0, "critic/q2_loss": 0.0, "critic/v1_loss": 0.0, "critic/v2_loss": 0.0,
                  "critic/q_mean": 0.0, "critic/v_mean": 0.0}
        # Each micro-batch adds its squared errors over the batch size: the batch's mean at any micro-batch size.
        for chunk, chunk_fresh in zip(self._micro_batches(batch), self._micro_batches(fresh)):
            losses, q_sum, v_sum = self._critic_losses(chunk, chunk_fresh)
            self.accelerator.backward(sum(losses) / len(batch))
            for key, loss in zip(("q1", "q2", "v1", "v2"), losses):
                totals[f"critic/{key}_loss"] += loss.item() / len(batch)
            totals["critic/q_mean"] += q_sum / len(batch)
            totals["critic/v_mean"] += v_sum / len(batch)
        self.accelerator.clip_grad_norm_(self.critics.online.parameters(), c.grad_clip)
        self.critic_optimizer.step()
        self.critics.polyak_update(c.tau)
        return totals

    def _critic_losses(self, chunk: list[Transition], fresh: list[Any]):
        c = self.config
        device = self.accelerator.device
        n = len(chunk)
        observations = [t.observation for t in chunk]
        rewards = torch.tensor([t.reward for t in chunk], device=device)
        not_done = torch.tensor([0.0 if t.done(c.bootstrap_on_truncation) else 1.0 for t in chunk], device=device)
        with torch.no_grad():
            choice = [u.text for u in self.policy_choice(observations, fresh)]
            with self.critic_autocast():
                # One encoder call for s, s' and ã: the critic sorts them into length chunks itself.
                target = self.critics.target
                e = target.embed(observations + [t.next_observation for t in chunk] + choice)
                target_q1, target_q2, _, _ = target.heads(e[:n], e[2 * n :])
                _, _, next_v1, next_v2 = target.heads(e[n : 2 * n])
            next_v1, next_v2, target_q1, target_q2 = (x.float() for x in (next_v1, next_v2, target_q1, target_q2))
            y1 = rewards + c.gamma * not_done * next_v1
            y2 = rewards + c.gamma * not_done * next_v2
        with self.critic_autocast():
            q1, q2, v1, v2 = self.critics.online(observations, [t.action for t in chunk])
        q1, q2, v1, v2 = (x.float() for x in (q1, q2, v1, v2))
        losses = (F.mse_loss(q1, y1, reduction="sum"), F.mse_loss(q2, y2, reduction="sum"),
                  F.mse_loss(v1, target_q1, reduction="sum"), F.mse_loss(v2, target_q2, reduction="sum"))
        return losses, torch.minimum(q1, q2).sum().item(), torch.minimum(v1, v2).sum().item()

    @torch.no_grad()
    def advantages(self, observations: Sequence[str], actions: Sequence[str]) -> torch.Tensor:
        """A(s, a) = min(Q1, Q2)(s, a) - min(V1, V2)(s) with the online critic (the bare module: a
        forward through DDP broadcasts the encoder's buffers, a collective)."""
        with self.critic_autocast():
            q1, q2, v1, v2 = self.accelerator.unwrap_model(self.critics.online)(observations, actions)
        return (torch.minimum(q1, q2) - torch.minimum(v1, v2)).float()

    def critic_autocast(self):
        """bf16 autocast of critic passes when ``mixed_precision="bf16"`` (a no-op otherwise)."""
        device = self.accelerator.device.type
        return torch.autocast(device, dtype=torch.bfloat16, enabled=self.config.mixed_precision == "bf16")

    def actor_update(self) -> dict[str, float]:
        """Train the actor against the critic (override); CHAI never updates its actor."""
        return {}

    # ----------------------------------------------------------- checkpoints
    def _modules(self) -> dict[str, Any]:
        return {**super()._modules(), "critic_online": self.accelerator.unwrap_model(self.critics.online),
                "critic_target": self.critics.target, "critic_optimizer": self.critic_optimizer}

    def _save_extra(self, directory: Path) -> None:
        critic = self.accelerator.unwrap_model(self.critics.online)
        critic.encoder.config.save_pretrained(directory / "critic_encoder")
        critic.tokenizer.save_pretrained(directory / "critic_encoder")

    def _process_state(self, checkpoint: Path) -> dict[str, Any]:
        return {**super()._process_state(checkpoint), "replay": self.replay.state_dict(self.experience, checkpoint)}

    def _load_process_state(self, state: dict[str, Any], checkpoint: Path) -> None:
        super()._load_process_state(state, checkpoint)
        self.replay.load_state_dict(state["replay"], self.experience, checkpoint)
