"""ArCHer (Zhou et al., 2024): utterance-level off-policy critic + token-level policy gradient.

Per iteration: collect trajectories into the replay buffer, ``critic_steps`` critic updates
(:class:`~archer_agents.value_based.CriticAgent`), then, after ``warmup_iterations``,
``actor_steps`` actor updates. Actor update, for replay states s:

    ã ~ π(·|s)  (fresh sample, exact token ids kept)
    A = min(Q1, Q2)(s, ã) - min(V1, V2)(s)           (online critic, no gradient)
    loss = -mean_s [ A · Σ_i log π(ã_i | s, ã_<i) ]   (the stop token included)
"""

from __future__ import annotations

import dataclasses

import torch

from archer_agents.config import ON_POLICY_SAMPLING, Check
from archer_agents.value_based import CriticAgent, CriticAgentConfig


@dataclasses.dataclass
class ArcherConfig(CriticAgentConfig):
    """ArCHer; defaults are the paper's Twenty Questions settings."""

    def checks(self) -> dict[str, Check]:
        return {**super().checks(), **ON_POLICY_SAMPLING}


class ArcherAgent(CriticAgent):
    name = "archer"
    config_class = ArcherConfig

    def actor_update(self) -> dict[str, float]:
        c = self.config
        metrics = {"actor/pg_loss": 0.0, "actor/advantage_mean": 0.0, "actor/advantage_std": 0.0}
        for _ in range(c.actor_steps):
            states = [t.observation for t in self.replay.sample(c.batch_size)]
            fresh = self.act_batch(states, rows_per_call=c.micro_batch_size)  # decoded in batches of similar length
            self.actor_optimizer.zero_grad(set_to_none=True)
            advantages_seen = []
            for observations, samples in zip(self._micro_batches(states), self._micro_batches(fresh)):
                advantage = self.advantages(observations, [u.text for u in samples])
                log_probs, _ = self.policy.token_log_probs(observations, [u.token_ids for u in samples])
                loss = -(advantage * log_probs.sum(-1)).sum() / len(states)  # a mean over the batch
                self.accelerator.backward(loss)
                metrics["actor/pg_loss"] += loss.item() / c.actor_steps
                advantages_seen.append(advantage)
            self.accelerator.clip_grad_norm_(self.policy.model.parameters(), c.grad_clip)
            self.actor_optimizer.step()
            seen = torch.cat(advantages_seen)
            metrics["actor/advantage_mean"] += seen.mean().item() / c.actor_steps
            metrics["actor/advantage_std"] += seen.std().item() / c.actor_steps if len(seen) > 1 else 0.0
        return metrics
