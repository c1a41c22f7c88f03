"""CHAI (Verma et al., 2022), online as in ArCHer's comparison.

Acting: ``k`` utterances sampled from the frozen BC policy, scored by the target critic's
min(Q1, Q2); the best is said (``selection="argmax"``) or one is drawn from a softmax over
Q / ``selection_temperature``. Candidates are sampled at evaluation too (greedy decoding would
make the k candidates identical and reduce CHAI to its BC policy). The critic learns with the
shared TD losses, where the V target's action is CHAI's own choice, i.e. an approximate max
backup. The actor never changes.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import torch

from archer_agents.config import Check, above, at_least, one_of
from archer_agents.models.policy import Utterance
from archer_agents.value_based import CriticAgent, CriticAgentConfig


@dataclasses.dataclass
class ChaiConfig(CriticAgentConfig):
    """CHAI: best-of-k under the critic."""

    k: int = 5
    """Candidate utterances per decision."""
    selection: str = "argmax"
    """``argmax`` of min Q, or ``softmax`` sampling over Q / selection_temperature."""
    selection_temperature: float = 0.1
    """Temperature of the softmax selection."""
    actor_steps: int = 0
    """CHAI keeps its BC policy fixed."""
    eval_greedy: bool = False
    """Candidates are sampled at evaluation too."""

    def checks(self) -> dict[str, Check]:
        return {**super().checks(), "k": at_least(1), "selection": one_of("argmax", "softmax"),
                "selection_temperature": above(0)}


class ChaiAgent(CriticAgent):
    name = "chai"
    config_class = ChaiConfig

    @torch.no_grad()
    def act_batch(self, observations: Sequence[str], *, deterministic: bool = False,
                  rows_per_call: int | None = None) -> list[Utterance]:
        return self.policy_choice(observations, self.fresh_samples(observations, rows_per_call), deterministic)

    def fresh_samples(self, observations: Sequence[str], rows_per_call: int | None = None) -> list[list[Utterance]]:
        """``k`` candidates per observation, always sampled (k greedy candidates would be identical).
        The V targets' candidates come from the frozen actor, drawn before the critic steps; the
        choice among them is made at each step, with the target critic of that step."""
        c = self.config
        repeated = [o for o in observations for _ in range(c.k)]
        candidates = super().act_batch(repeated, rows_per_call=rows_per_call)
        return [candidates[i * c.k : (i + 1) * c.k] for i in range(len(observations))]

    @torch.no_grad()
    def policy_choice(self, observations: Sequence[str], fresh: list[list[Utterance]],
                      deterministic: bool = False) -> list[Utterance]:
        c = self.config
        if not observations:
            return []
        repeated = [o for o in observations for _ in range(c.k)]
        candidates = [u for per_observation in fresh for u in per_observation]
        with self.critic_autocast():
            q1, q2, _, _ = self.critics.target(repeated, [u.text for u in candidates])
        scores = torch.minimum(q1, q2).float().view(len(observations), c.k)
        if c.selection == "argmax" or deterministic:
            chosen = scores.argmax(-1)
        else:
            chosen = torch.multinomial(torch.softmax(scores / c.selection_temperature, -1), 1).squeeze(-1)
        return [fresh[i][int(j)] for i, j in enumerate(chosen)]
