"""One decoding step of the tiny actor, with the project's in-place KV cache and with
transformers' ``DynamicCache`` (run by hand, on an otherwise idle machine; README, *Training
throughput per agent*).

    python benchmarks/decode_step.py [--rows 16] [--prompt-tokens 200] [--steps 16] [--repeats 25]
        [--threads 1] [--out benchmarks/results/decode_step.json]

The tiny preset's actor (2-layer GPT-2, width 128, random weights: timing does not depend on
them) with a tokenizer trained on scripted Twenty Questions games runs one prompt pass over
``--rows`` prompts of ``--prompt-tokens`` tokens of those games' dialogue, then ``--steps`` greedy
decoding steps, through ``TextPolicy._next_logits`` as generation does. Per cache: the median
milliseconds per decoding step over ``--repeats`` runs (the two caches alternate), and whether both
gave the same logits bit for bit; the step's arithmetic (torch's FLOP counter: matrix products,
attention included where the counter sees it) and the rate that makes with the in-place cache.
Also timed, for the attention of one new token against the prompt: PyTorch's scaled dot-product
attention per layer with the padding mask, without it, and written out as matrix products.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=16, help="dialogues decoded together (the tiny preset's num_envs)")
    parser.add_argument("--prompt-tokens", type=int, default=200, help="prompt length of every row")
    parser.add_argument("--steps", type=int, default=16, help="decoding steps per run (max_new_tokens)")
    parser.add_argument("--repeats", type=int, default=25, help="runs per cache; the median is reported")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--out", default="benchmarks/results/decode_step.json", help="JSON written here")
    args = parser.parse_args()
    import torch
    import torch.nn.functional as F
    from transformers import DynamicCache

    from archer_agents.data import scripted_pairs
    from archer_agents.models.kv_cache import growing_cache
    from archer_agents.models.policy import TextPolicy
    from archer_agents.models.presets import tiny_actor, train_tokenizer

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    texts = scripted_pairs("archer/TwentyQuestions-v0", 50, 0, {}, "expert")
    tokenizer = train_tokenizer([o for o, _ in texts] + [a + "\n" for _, a in texts])
    policy = TextPolicy(tiny_actor(tokenizer).eval(), tokenizer, max_prompt_tokens=1024,
                        max_new_tokens=args.steps)
    # Rows of dialogue text: the games' final observations laid end to end, cut into prompts.
    flat = [token for row in policy.prompt_ids([o for o, _ in texts]) for token in row]
    if len(flat) < args.rows * args.prompt_tokens:
        raise SystemExit(f"the scripted games hold {len(flat)} tokens, fewer than --rows x --prompt-tokens")
    ids = torch.tensor(flat[: args.rows * args.prompt_tokens]).view(args.rows, args.prompt_tokens)
    caches = {"transformers DynamicCache": lambda: DynamicCache(config=policy.model.config),
              "in-place (kv_cache.py)": lambda: growing_cache(policy.model.config, room=args.steps)}

    @torch.no_grad()
    def run(make_cache) -> tuple[float, torch.Tensor]:
        mask = torch.ones_like(ids)
        past, logits = policy._next_logits(ids, mask, policy.positions(mask), make_cache())
        seconds, seen = 0.0, []
        for _ in range(args.steps):
            token = logits.argmax(-1)
            mask = torch.cat([mask, mask.new_ones((len(ids), 1))], dim=1)
            start = time.perf_counter()
            past, logits = policy._next_logits(token[:, None], mask, policy.positions(mask)[:, -1:], past)
            seconds += time.perf_counter() - start
            seen.append(logits)
        return seconds / args.steps, torch.stack(seen)

    times: dict[str, list[float]] = {name: [] for name in caches}
    logits: dict[str, torch.Tensor] = {}
    for _ in range(args.repeats):
        for name, make_cache in caches.items():
            step_s, logits[name] = run(make_cache)
            times[name].append(step_s)
    first, second = logits.values()
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:  # matrix products of one run, prompt pass excluded below
        run(caches["in-place (kv_cache.py)"])
    with FlopCounterMode(display=False) as prompt_only:
        with torch.no_grad():
            policy._next_logits(ids, torch.ones_like(ids), policy.positions(torch.ones_like(ids)),
                                growing_cache(policy.model.config, room=args.steps))
    step_flop = (counter.get_total_flops() - prompt_only.get_total_flops()) / args.steps

    config = policy.model.config
    heads, head_dim = config.n_head, config.n_embd // config.n_head
    q = torch.randn(len(ids), heads, 1, head_dim)
    k, v = (torch.randn(len(ids), heads, args.prompt_tokens, head_dim) for _ in range(2))
    padding = torch.zeros(len(ids), 1, 1, args.prompt_tokens)
    attention = {"with mask": lambda: F.scaled_dot_product_attention(q, k, v, attn_mask=padding),
                 "without mask": lambda: F.scaled_dot_product_attention(q, k, v),
                 "as matrix products": lambda: torch.softmax(q @ k.transpose(-1, -2) / head_dim**0.5 + padding, -1) @ v}

    def timed(call, n: int = 500) -> float:
        call()
        start = time.perf_counter()
        for _ in range(n):
            call()
        return (time.perf_counter() - start) / n

    result = {"settings": vars(args), "torch": torch.__version__,
              "decoding_step_ms": {name: round(1e3 * statistics.median(t), 3) for name, t in times.items()},
              "same_logits": bool(torch.equal(first, second)),
              "decoding_step_mflop": round(step_flop / 1e6, 2),
              "decoding_step_gflop_per_s": round(step_flop / 1e9 / statistics.median(times["in-place (kv_cache.py)"]), 2),
              "one_token_attention_ms_per_layer": {name: round(1e3 * timed(call), 3) for name, call in attention.items()}}
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
