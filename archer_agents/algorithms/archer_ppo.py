"""ArCHer with a PPO low level (our design, not in the reference code).

The high level is ArCHer's: the same replay buffer and critic updates. The low level, after the
critic steps:

1. draw ``ppo_states`` replay states and sample ã ~ π_old, keeping its token ids and per-token
   log-probs (stop token included);
2. compute A(s, ã) = min Q - min V once with the online critic and freeze it;
3. treat each utterance as a token episode whose only reward, A, comes on its last token; with
   ``token_baseline`` a value head on the policy's hidden states estimates V_tok before every token
   and GAE (γ_tok = 1, λ = ``gae_lambda``) gives the token advantages, otherwise every token gets A;
4. run ``ppo_epochs`` of the clipped surrogate against the stored log-probs
   (:func:`~archer_agents.algorithms.ppo.ppo_update`), fitting V_tok to the token returns, then
   discard the samples.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch
from torch import nn

from archer_agents.algorithms.ppo import TokenSample, ppo_update, token_gae, token_values
from archer_agents.config import ON_POLICY_SAMPLING, Check, above, at_least, between
from archer_agents.value_based import CriticAgent, CriticAgentConfig


@dataclasses.dataclass
class ArcherPPOConfig(CriticAgentConfig):
    """ArCHer's critic with a PPO actor."""

    ppo_states: int = 256
    """Replay states sampled for each low-level PPO phase."""
    ppo_epochs: int = 3
    """Passes over the sampled utterances."""
    clip: float = 0.1
    """PPO clip range ε."""
    token_baseline: bool = True
    """Fit a token-level value baseline to the utterance advantage and use GAE inside utterances."""
    gae_lambda: float = 0.95
    """GAE λ inside an utterance (γ_tok = 1)."""
    vf_coef: float = 0.5
    """Weight of the token value loss."""
    normalize_advantages: bool = False
    """Normalise token advantages per minibatch."""
    actor_steps: int = 1
    """PPO phases per iteration (each samples fresh utterances)."""
    actor_lr: float = 1e-5
    """Actor learning rate: the clip limits each step, so it can exceed ArCHer's."""

    def checks(self) -> dict[str, Check]:
        return {**super().checks(), "ppo_states": at_least(1), "ppo_epochs": at_least(1), "clip": above(0),
                "gae_lambda": between(0, 1), "vf_coef": at_least(0), **ON_POLICY_SAMPLING}


class ArcherPPOAgent(CriticAgent):
    name = "archer_ppo"
    config_class = ArcherPPOConfig

    def _setup(self) -> None:
        self.value_head = None
        if self.config.token_baseline:
            # The value head joins the actor's optimiser before the base class prepares it.
            self.value_head = nn.Linear(self.policy.model.config.hidden_size, 1).to(self.accelerator.device)
        super()._setup()

    def _actor_parameters(self):
        extra = list(self.value_head.parameters()) if self.value_head is not None else []
        return list(self.policy.model.parameters()) + extra

    def actor_update(self) -> dict[str, float]:
        c = self.config
        metrics: dict[str, float] = {}
        for _ in range(c.actor_steps):
            samples = self._samples([t.observation for t in self.replay.sample(c.ppo_states)])
            metrics = ppo_update(self, [[s] for s in samples], epochs=c.ppo_epochs, clip=c.clip, minibatch=c.batch_size,
                                 normalize=c.normalize_advantages, value_head=self.value_head, vf_coef=c.vf_coef)
            metrics["actor/advantage_mean"] = sum(s.advantages[-1] for s in samples) / len(samples)
        return metrics

    @torch.no_grad()
    def _samples(self, states: list[str]) -> list[TokenSample]:
        samples = []
        fresh = self.act_batch(states, rows_per_call=self.config.micro_batch_size)  # decoded in batches of similar length
        for observations, utterances in zip(self._micro_batches(states), self._micro_batches(fresh)):
            ids = [u.token_ids for u in utterances]
            advantage = self.advantages(observations, [u.text for u in utterances]).tolist()
            if self.value_head is None:
                samples += [TokenSample(o, i, u.token_log_probs, [a] * len(i))
                            for o, i, u, a in zip(observations, ids, utterances, advantage)]
                continue
            values = token_values(self, self.value_head, observations, ids)
            for o, i, u, a, v in zip(observations, ids, utterances, advantage, values):
                (token_adv,), (token_ret,) = token_gae([a], [v], 1.0, self.config.gae_lambda)
                samples.append(TokenSample(o, i, u.token_log_probs, token_adv, token_ret))
        return samples

    def _modules(self) -> dict[str, Any]:
        extra = {"value_head": self.accelerator.unwrap_model(self.value_head)} if self.value_head is not None else {}
        return {**super()._modules(), **extra}
