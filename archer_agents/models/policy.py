"""The token-level policy: a causal LM that writes one utterance per turn.

What the reference code got wrong and this module gets right:

- prompts are padded on the LEFT and position ids are ``cumsum(attention_mask) - 1``, both when
  sampling and when scoring, so a padded row sees exactly what an unpadded row would;
- the sampled token ids (stop token included) and their log-probs are kept; training scores those
  exact ids and never re-tokenises the decoded text;
- log-probs come from ``log_softmax`` in fp32;
- observations longer than the context are cut from the left (the latest turns matter most).

Sampling is a short explicit loop with a KV cache rather than ``generate`` so that every row stops
at its own first newline or end-of-text token (the reference stops at both) and the stored log-prob
is the one the token was drawn with: that of the distribution actually sampled, after temperature
and top-k. Scoring gives the model's own distribution (temperature 1, every token), the one the
agents train; the agents that learn from the log-probs of their own samples (ArCHer, ArCHer-PPO,
PPO) therefore refuse another temperature or top-k (:data:`~archer_agents.config.ON_POLICY_SAMPLING`).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Sequence

import torch
import torch.nn.functional as F

from archer_agents.models.kv_cache import growing_cache
from archer_agents.models.packing import additive_mask, pack
from archer_agents.models.prefix_cache import Entry, PrefixCache


@dataclass
class Utterance:
    """One generated turn."""

    text: str
    """What the env receives: the decoded tokens up to (not including) the first newline."""
    token_ids: list[int]
    """The exact sampled ids, stop token included."""
    token_log_probs: list[float]
    """Behaviour log-prob of each id: under the distribution it was sampled from (after temperature
    and top-k); greedy decoding stores the model's log-probs."""
    cut: bool
    """True if generation hit ``max_new_tokens`` before a newline or end-of-text token."""
    prompt_tokens: int = 0
    """Tokens of the (left-truncated) observation the turn was generated from."""

    @property
    def log_prob(self) -> float:
        """Log-prob of the whole utterance."""
        return float(sum(self.token_log_probs))


def sample_tokens(probs: torch.Tensor) -> torch.Tensor:
    """One token per row of ``probs``, drawn by inverting the cumulative distribution with one
    uniform number per row: the distribution of ``torch.multinomial``, which is slow on CPUs for
    large vocabularies (a cumulative sum and a binary search are cheap). A token of probability 0 (cut by top-k) can never be drawn: it adds nothing to the sum."""
    cumulative = probs.cumsum(-1)
    u = torch.rand((probs.shape[0], 1), device=probs.device, dtype=cumulative.dtype) * cumulative[:, -1:]
    return torch.searchsorted(cumulative, u, right=True).squeeze(-1).clamp(max=probs.shape[-1] - 1)


class TextPolicy(torch.nn.Module):
    """Wraps a causal LM and its tokenizer for batched sampling and exact scoring."""

    def __init__(self, model, tokenizer, *, max_prompt_tokens: int = 512, max_new_tokens: int = 32):
        super().__init__()
        self.model, self.tokenizer = model, tokenizer
        self.max_prompt_tokens, self.max_new_tokens = max_prompt_tokens, max_new_tokens
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        tokenizer.padding_side = "left"
        tokenizer.truncation_side = "left"
        vocab = tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))
        # A turn ends at the first token that decodes to text containing a newline, or at end-of-text.
        self.stop_ids = torch.tensor(
            sorted({i for i in range(len(vocab)) if "\n" in tokenizer.decode([i])} | {tokenizer.eos_token_id})
        )
        self._warned_truncation = False
        self._prefix_cache = PrefixCache()
        # transformers 5 renamed the KV-cache argument from past_key_values to cache.
        base = model.get_base_model() if hasattr(model, "get_base_model") else model  # PEFT wraps the LM
        arguments = inspect.signature(base.forward).parameters
        self._cache_arg = "cache" if "cache" in arguments else "past_key_values"
        # Logits over the whole prompt are never needed: only the last position when sampling and
        # the action positions when scoring (with a 512-token prompt, most of the LM head's work).
        self._keeps_logits = "logits_to_keep" in arguments

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    # ----------------------------------------------------------------- prompts
    def prompt_ids(self, observations: Sequence[str]) -> list[list[int]]:
        """Each observation's ids, cut from the left to ``max_prompt_tokens``; an empty
        observation is read as the end-of-text token (a prompt needs a last token)."""
        rows = self.tokenizer(list(observations), truncation=True, max_length=self.max_prompt_tokens,
                              add_special_tokens=False)["input_ids"]
        if not self._warned_truncation and any(len(row) >= self.max_prompt_tokens for row in rows):
            lengths = [len(self.tokenizer(o, add_special_tokens=False)["input_ids"]) for o in observations]
            if max(lengths) > self.max_prompt_tokens:
                import warnings

                warnings.warn(f"observations longer than {self.max_prompt_tokens} tokens are truncated from "
                              "the left (as in the ArCHer paper); this warning is shown once", stacklevel=3)
                self._warned_truncation = True
        return [row or [self.tokenizer.eos_token_id] for row in rows]

    def _last_logits(self, n: int) -> dict[str, int]:
        """Model kwargs that compute logits for the last ``n`` positions only (when supported)."""
        return {"logits_to_keep": n} if self._keeps_logits else {}

    @staticmethod
    def positions(mask: torch.Tensor) -> torch.Tensor:
        return (mask.cumsum(-1) - 1).clamp(min=0)

    # ---------------------------------------------------------------- sampling
    @torch.no_grad()
    def generate(self, observations: Sequence[str], *, sample: bool = True, temperature: float = 1.0,
                 top_k: int = 0, rows_per_call: int | None = None) -> list[Utterance]:
        """One utterance per observation: sampled (``sample=True``) or greedy.

        Where a prompt extends a row of the previous call, that row's keys and values are reused
        (:mod:`~archer_agents.models.prefix_cache`) and only the new tokens run. Rows are laid out
        ``[padding][reused states][padding][new tokens]``; padding is masked out and position ids
        count real tokens only, so every row computes what it would alone, unpadded and uncached.
        Identical prompts share one prompt pass and part when their first tokens are drawn.

        ``rows_per_call``: decode in batches of at most this many rows, of observations of similar
        length (sorted by length; the utterances come back in the order given). For many unrelated
        observations, such as replay states, where a batch mixing first and last turns is mostly
        padding; each row's distribution is the same, the random draws are not.
        """
        if not observations:
            return []
        if rows_per_call and len(observations) > rows_per_call:
            order = sorted(range(len(observations)), key=lambda i: len(observations[i]))
            utterances: list[Utterance] = [None] * len(observations)  # type: ignore[list-item]
            for start in range(0, len(order), rows_per_call):
                rows = order[start : start + rows_per_call]
                for row, utterance in zip(rows, self.generate([observations[i] for i in rows], sample=sample,
                                                              temperature=temperature, top_k=top_k)):
                    utterances[row] = utterance
            return utterances
        prompts = self.prompt_ids(observations)
        # Identical prompts (CHAI's k candidates of one state, replay batches' first turns, every
        # env's opening) run their prompt pass once; the rows split when the first tokens are drawn.
        distinct: dict[tuple[int, ...], int] = {}
        first_row = [distinct.setdefault(tuple(p), len(distinct)) for p in prompts]
        unique = [list(p) for p in distinct]
        model_state = self._prefix_cache.model_state(self.model)
        reused = self._prefix_cache.lookup(unique, model_state)
        n, device = len(prompts), self.device
        cached = [hit[1] if hit else 0 for hit in reused]
        new = [p[c:] for p, c in zip(unique, cached)]
        width_cached, width_new = max(cached), max(len(x) for x in new)
        pad = self.tokenizer.pad_token_id
        inputs = torch.tensor([[pad] * (width_new - len(x)) + x for x in new], device=device)
        mask = torch.tensor([[0] * (width_cached - c) + [1] * c + [0] * (width_new - len(x)) + [1] * len(x)
                             for c, x in zip(cached, new)], device=device)
        positions = self.positions(mask)[:, width_cached:]
        past = self._past(reused, width_cached, width_new)
        past, logits = self._next_logits(inputs, mask, positions, past)
        if len(unique) < n:
            rows = torch.tensor(first_row, device=device)
            past.reorder_cache(rows)
            logits, mask = logits[rows], mask[rows]
        stop_ids = self.stop_ids.to(device)
        tokens = torch.full((n, self.max_new_tokens), pad, device=device)
        logps = torch.zeros((n, self.max_new_tokens), device=device)
        lengths = torch.zeros(n, dtype=torch.long, device=device)
        running = torch.ones(n, dtype=torch.bool, device=device)
        for step in range(self.max_new_tokens):
            log_dist = F.log_softmax(logits.float(), dim=-1)
            if sample:
                scaled = log_dist / temperature
                if top_k:
                    kth = torch.topk(scaled, top_k, dim=-1).values[:, -1:]
                    scaled = scaled.masked_fill(scaled < kth, float("-inf"))
                log_dist = F.log_softmax(scaled, dim=-1)  # the distribution sampled
                token = sample_tokens(log_dist.exp())
            else:
                token = log_dist.argmax(-1)
            token = torch.where(running, token, torch.full_like(token, pad))
            tokens[:, step] = token
            logps[:, step] = torch.where(running, log_dist.gather(-1, token[:, None]).squeeze(-1), 0.0)
            lengths += running.long()
            running &= ~torch.isin(token, stop_ids)
            if not running.any() or step == self.max_new_tokens - 1:
                break
            mask = torch.cat([mask, mask.new_ones((n, 1))], dim=1)
            past, logits = self._next_logits(token[:, None], mask, self.positions(mask)[:, -1:], past)
        sampled = [tokens[i, : lengths[i]].tolist() for i in range(n)]
        if model_state is not None:  # one entry per prompt: the cache keeps one per prompt anyway
            kept = sorted({prompt: row for row, prompt in enumerate(first_row)}.values())  # the last row of each
            self._prefix_cache.store(self._entries(kept, prompts, sampled, mask, past), model_state)
        return [self._utterance(ids, logps[i, : lengths[i]].tolist(), cut=bool(running[i]),
                                prompt_tokens=len(prompts[i])) for i, ids in enumerate(sampled)]

    def _next_logits(self, input_ids: torch.Tensor, mask: torch.Tensor, positions: torch.Tensor, past):
        """Run ``input_ids`` after the states in ``past``: the grown cache and each row's logits at
        its last position."""
        out = self.model(input_ids=input_ids, attention_mask=mask, position_ids=positions, use_cache=True,
                         **{self._cache_arg: past}, **self._last_logits(1))
        return getattr(out, self._cache_arg), out.logits[:, -1]

    def _past(self, reused: list, width: int, width_new: int):
        """A KV cache (:mod:`~archer_agents.models.kv_cache`) holding each row's reused states
        right-aligned in its first ``width`` columns, sized for the ``width_new`` prompt columns
        and the utterance that follow."""
        # A layer allocates at its first update: its columns plus the room. That update is the
        # reused states when there are any, else the prompt pass itself.
        cache = growing_cache(self.model.config, room=(width_new if width else 0) + self.max_new_tokens)
        if not width:
            return cache
        layers = next(hit[0].layers for hit in reused if hit)
        for layer, (keys, values) in enumerate(layers):
            heads, _, dim = keys.shape
            k = keys.new_zeros((len(reused), heads, width, dim))
            v = values.new_zeros((len(reused), heads, width, values.shape[-1]))
            for row, hit in enumerate(reused):
                if hit:
                    entry, length = hit
                    k[row, :, width - length :] = entry.layers[layer][0][:, :length]
                    v[row, :, width - length :] = entry.layers[layer][1][:, :length]
            cache.update(k, v, layer)
        return cache

    def _entries(self, rows: list[int], prompts: list[list[int]], sampled: list[list[int]], mask: torch.Tensor,
                 past) -> list[Entry]:
        """The states of ``rows``: each row's prompt and every sampled token but the last (which never ran)."""
        layers = [(layer.keys, layer.values) for layer in past.layers]
        entries = []
        for row in rows:
            prompt, ids = prompts[row], sampled[row]
            fed = prompt + ids[:-1]
            columns = mask[row, : layers[0][0].shape[2]].nonzero().squeeze(-1)[: len(fed)]
            entries.append(Entry(ids=fed, prompt_len=len(prompt),
                                 layers=[(k[row][:, columns], v[row][:, columns]) for k, v in layers]))
        return entries

    def _utterance(self, ids: list[int], log_probs: list[float], cut: bool, prompt_tokens: int) -> Utterance:
        text = self.tokenizer.decode(ids, skip_special_tokens=True).split("\n", 1)[0].strip()
        return Utterance(text=text, token_ids=ids, token_log_probs=log_probs, cut=cut, prompt_tokens=prompt_tokens)

    # ----------------------------------------------------------------- scoring
    def token_log_probs(self, observations: Sequence[str], actions: Sequence[Sequence[int]]
                        ) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-token log-probs of the given action ids (with gradient) and their mask.

        Returns ``(log_probs, mask)`` of shape ``(batch, max_action_len)``; padded entries are 0.
        Each token sees what it saw at sampling time (the left-truncated prompt and the earlier
        action tokens, at the same positions), so the values equal the behaviour log-probs stored
        by :meth:`generate` (up to float error).
        """
        log_probs, mask, _ = self.score(observations, actions)
        return log_probs, mask

    def score(self, observations: Sequence[str], actions: Sequence[Sequence[int]], value_head=None
              ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """:meth:`token_log_probs` plus, with ``value_head``, a value per action token: the value
        of the state just before the token (prompt + earlier action tokens).

        One forward pass over the pairs packed as trees (:mod:`~archer_agents.models.packing`):
        turns of one dialogue share the prompt they extend, and nothing is padded but the rows'
        ends. Logits are computed only at the states that predict action tokens.
        """
        actions = [list(a) for a in actions]
        packed = pack(self.prompt_ids(observations), actions, self.tokenizer.pad_token_id, self.device)
        mask = packed.action_mask
        dtype = next(self.model.parameters()).dtype
        states = (packed.source_row, packed.source_col)
        keep = torch.unique(packed.source_col[mask.bool()]) if mask.any() else packed.source_col.new_zeros(1)
        out = self.model(input_ids=packed.input_ids, attention_mask=additive_mask(packed.allowed, dtype),
                         position_ids=packed.position_ids, output_hidden_states=value_head is not None,
                         **({"logits_to_keep": keep} if self._keeps_logits else {}))
        columns = torch.searchsorted(keep, packed.source_col).clamp(max=len(keep) - 1) if self._keeps_logits \
            else packed.source_col
        predicted = out.logits[packed.source_row, columns].float()
        action_ids = torch.tensor([a + [0] * (mask.shape[1] - len(a)) for a in actions], device=self.device)
        log_probs = F.log_softmax(predicted, dim=-1).gather(-1, action_ids[..., None]).squeeze(-1)
        values = None
        if value_head is not None:
            values = value_head(out.hidden_states[-1][states].float()).squeeze(-1) * mask
        return log_probs * mask, mask, values
