"""ArCHer with a PPO low level (algorithms.md §3; our design, not in the reference code).

The high level is ArCHer's: the same replay buffer and critic updates. The low level, after the
critic steps: draw ``ppo_states`` replay states, sample ã ~ π_old with its token ids and per-token
log-probs, compute A = min Q - min V once with the online critic and freeze it, give every token
of ã the advantage A (a token episode with reward A on its last token, γ_tok = 1, no baseline),
and run ``ppo_epochs`` of the clipped surrogate (:func:`~archer_agents.algorithms.ppo.ppo_update`)
on these samples, then discard them.
"""

from __future__ import annotations

import dataclasses

from archer_agents.algorithms.ppo import TokenSample, ppo_update
from archer_agents.registry import register_agent
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
    normalize_advantages: bool = False
    """Normalise the utterance advantages per minibatch."""
    actor_steps: int = 1
    """PPO phases per iteration (each samples fresh utterances)."""
    actor_lr: float = 1e-5
    """Actor learning rate: the clip limits each step, so it can exceed ArCHer's."""


@register_agent
class ArcherPPOAgent(CriticAgent):
    name = "archer_ppo"
    config_class = ArcherPPOConfig

    def actor_update(self) -> dict[str, float]:
        c = self.config
        metrics: dict[str, float] = {}
        for _ in range(c.actor_steps):
            states = [t.observation for t in self.replay.sample(c.ppo_states)]
            samples = []
            for observations in self._micro_batches(states):
                utterances = self.act_batch(observations)
                advantage = self.advantages(observations, [u.text for u in utterances]).tolist()
                samples += [TokenSample(o, u.token_ids, u.token_log_probs, [a] * len(u.token_ids))
                            for o, u, a in zip(observations, utterances, advantage)]
            metrics = ppo_update(self, samples, epochs=c.ppo_epochs, clip=c.clip, minibatch=c.batch_size,
                                 normalize=c.normalize_advantages)
            metrics["actor/advantage_mean"] = sum(s.advantages[0] for s in samples) / len(samples)
        return metrics
