"""Agents to evaluate that are not trained by archer_agents: reference rows and any LLM.

``make_agent(spec, env_id, env_kwargs)`` builds one from its command-line name:

- ``random``: a uniformly random legal-looking move (a random target guessed in the question
  games, a random clickable or a search for the instruction's words in WebShop, a random valid
  action in Detective): the floor of every table.
- ``scripted:STYLE``: the project's scripted players. Question games: the knowledge-base
  questioner (``expert`` or ``weak``, see :mod:`archer_gym.datasets.scripted`). WebShop:
  ``first_result`` (search the instruction, open the first result, buy) and ``shopper`` (the BC
  data's shopper without its mistakes, :mod:`archer_gym.datasets.webshop`; it also follows
  ArCHer's case-sensitive click rules). Detective: ``walkthrough`` (Jericho's walkthrough without
  its idle steps, so that it wins within the 50-turn horizon, then ``look``).
- ``openai:MODEL``: any OpenAI-compatible chat server (``base_url``; the key from
  ``$OPENAI_API_KEY``), e.g. vLLM, llama.cpp's server or a hosted API.
- ``hf:NAME_OR_PATH``: a local transformers causal LM (its chat template when it has one);
  ``hf:DIR/model.gguf`` loads a GGUF file through transformers' ``gguf_file``.

LLM agents get the env's system prompt and the observation as the user message (prompts and
the rule that turns a reply into an action are data, in ``archer_gym/data/llm_prompts.json``);
the raw reply is kept in the episode log.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Mapping, Sequence

import numpy as np

from archer_gym.data import read_json
from archer_gym.evaluation.runner import Reply, Request
from archer_gym.pretrained import pretrained_source
from archer_gym.registration import resolve_env_id

FAMILIES = {"archer/TwentyQuestions-v0": "twenty_questions", "archer/TwentyQuestionsSubset-v0": "twenty_questions",
            "archer/GuessMyCity-v0": "guess_my_city", "archer/WebShop-v0": "webshop",
            "archer/WebShopBrowser-v0": "webshop", "archer/WebShopArCHer-v0": "webshop",
            "archer/WebShopVerlAgent-v0": "webshop", "archer/Detective-v0": "detective"}
"""Which prompt, and which scripted and random players, an env id uses."""

_THINK = re.compile(r"<think>.*?(</think>|$)", re.DOTALL)
_WEB_ACTION = re.compile(r"(search|click)\[[^\]\n]*\]")
_LABEL = re.compile(r"^(question|action|command|answer)\s*:\s*", re.IGNORECASE)


def system_prompt(env_id: str) -> str:
    return read_json("llm_prompts.json")["prompts"][FAMILIES[resolve_env_id(env_id)]]


def extract_action(reply: str | None, env_id: str) -> str:
    """The action in an LLM's reply (``action_rule`` of ``llm_prompts.json``); "" when none."""
    text = _THINK.sub("", reply or "").strip()
    if FAMILIES[resolve_env_id(env_id)] == "webshop":
        match = _WEB_ACTION.search(text)
        if match:
            return match.group(0)
    line = next((x.strip() for x in text.splitlines() if x.strip()), "")
    return _LABEL.sub("", line).strip().strip("`\"'").strip()


# ---------------------------------------------------------------------------------- reference rows
class RandomAgent:
    """Uniformly random moves; seeded per episode by the task's seed, so runs repeat."""

    def __init__(self, env_id: str, env_kwargs: Mapping[str, Any]):
        from archer_gym.evaluation.splits import task_list

        self.family = FAMILIES[resolve_env_id(env_id)]
        self.rngs: dict[str, np.random.Generator] = {}
        if self.family in ("twenty_questions", "guess_my_city"):
            self.targets = [t.task_id for t in task_list(env_id, "test", env_kwargs).tasks]
            self.guess = _guesser(env_id, env_kwargs)

    def act(self, requests: Sequence[Request]) -> list[str]:
        return [self._move(r, self._rng(r)) for r in requests]

    def _rng(self, request: Request) -> np.random.Generator:
        if request.turn == 0:
            self.rngs[request.task.key] = np.random.default_rng(request.task.seed)
        return self.rngs[request.task.key]

    def _move(self, request: Request, rng: np.random.Generator) -> str:
        if self.family in ("twenty_questions", "guess_my_city"):
            return self.guess(self.targets[int(rng.integers(len(self.targets)))])
        if self.family == "webshop":
            available = request.info.get("available_actions", {})
            if available.get("has_search_bar"):
                words = str(request.info.get("instruction", "")).split()
                chosen = sorted(rng.choice(len(words), size=min(4, len(words)), replace=False)) if words else []
                return f"search[{' '.join(words[i] for i in chosen)}]"
            clickables = list(available.get("clickables", []))
            return f"click[{clickables[int(rng.integers(len(clickables)))]}]" if clickables else "click[back to search]"
        valid = list(request.info.get("valid_actions") or ["look"])
        return valid[int(rng.integers(len(valid)))]


def _guesser(env_id: str, env_kwargs: Mapping[str, Any]):
    """The question-game task's canonical guess ("Is it a dog?"), for the env's word list."""
    from archer_gym.envs.guess_my_city import GuessMyCityTask
    from archer_gym.envs.twenty_questions import TwentyQuestionsTask

    if FAMILIES[resolve_env_id(env_id)] == "twenty_questions":
        subset = resolve_env_id(env_id) == "archer/TwentyQuestionsSubset-v0" or bool(env_kwargs.get("subset"))
        return TwentyQuestionsTask(env_kwargs.get("word_list"), subset, env_kwargs.get("mode", "default")).guess
    return GuessMyCityTask(env_kwargs.get("city_list"), env_kwargs.get("mode", "default")).guess


class ScriptedQuestionerAgent:
    """The knowledge-base questioner of the dataset generator, one per episode."""

    def __init__(self, env_id: str, env_kwargs: Mapping[str, Any], style: str):
        from archer_gym.datasets.scripted import STYLES, ScriptedQuestioner, env_and_kb

        if style not in STYLES:
            raise ValueError(f"unknown scripted style {style!r} for {env_id}; choose one of {sorted(STYLES)}")
        task_name = FAMILIES[resolve_env_id(env_id)]
        kwargs = {k: v for k, v in env_kwargs.items() if k in ("word_list", "city_list", "mode", "subset")}
        if resolve_env_id(env_id) == "archer/TwentyQuestionsSubset-v0":
            kwargs["subset"] = True
        env, kb = env_and_kb(task_name, kwargs)
        self.task, self.probes, self.style = env.game.task, kb.probes(), STYLES[style]
        env.close()
        self._make = ScriptedQuestioner
        self.players: dict[str, Any] = {}
        self.max_turns = int(env_kwargs.get("max_turns", 20))

    def act(self, requests: Sequence[Request]) -> list[str]:
        questions = []
        for r in requests:
            if r.turn == 0:
                player = self._make(self.probes, self.task, self.style, np.random.default_rng(r.task.seed))
                player.start()
                self.players[r.task.key] = player
            else:
                player = self.players[r.task.key]
                player.observe(str(r.info.get("answer", "")))
            questions.append(player.next_question(self.max_turns - r.turn))
        return questions


class FirstResultShopper:
    """WebShop: search the instruction, open the first result, buy it (no options chosen)."""

    def act(self, requests: Sequence[Request]) -> list[str]:
        moves = []
        for r in requests:
            available = r.info.get("available_actions", {})
            clickables = [c for c in available.get("clickables", []) if c not in ("back to search", "next >",
                                                                                   "< prev")]
            if available.get("has_search_bar"):
                moves.append(f"search[{r.info.get('instruction', '')}]")
            elif "buy now" in clickables:
                moves.append("click[buy now]")
            elif clickables:
                moves.append(f"click[{clickables[0]}]")
            else:
                moves.append("click[back to search]")
        return moves


class ScriptedShopperAgent:
    """WebShop: the BC data's shopper (:class:`~archer_gym.datasets.webshop.ShopperDemonstrator`)
    without mistakes, one per episode; ArCHer's case-sensitive labels where the env uses its rules."""

    def __init__(self, env_id: str, env_kwargs: Mapping[str, Any]):
        from archer_gym.envs.webshop import MAX_TURNS, plays_archer_rules
        from archer_gym.registration import default_kwargs

        kwargs = {**default_kwargs(env_id), **env_kwargs}
        self.max_turns = int(kwargs.get("max_turns", MAX_TURNS))
        self.archer_rules = plays_archer_rules(kwargs.get("mode", "default"), kwargs.get("observation_mode", "text"))
        self.players: dict[str, Any] = {}

    def act(self, requests: Sequence[Request]) -> list[str]:
        from archer_gym.datasets.webshop import ShopperDemonstrator

        moves = []
        for r in requests:
            if r.turn == 0:
                player = ShopperDemonstrator(0.0, max_turns=self.max_turns, archer_rules=self.archer_rules)
                player.start(str(r.info["instruction"]), np.random.default_rng(r.task.seed))
                self.players[r.task.key] = player
            moves.append(self.players[r.task.key].act(r.observation, r.info))
        return moves


class WalkthroughPlayer:
    """Detective: Jericho's walkthrough without its idle steps, then ``look``."""

    def __init__(self, env_kwargs: Mapping[str, Any]):
        from archer_gym.datasets.detective import solution
        from archer_gym.envs.detective_rom import locate_rom

        self.steps = solution(locate_rom(env_kwargs.get("rom_path")))

    def act(self, requests: Sequence[Request]) -> list[str]:
        return [self.steps[r.turn] if r.turn < len(self.steps) else "look" for r in requests]


def scripted_agent(env_id: str, env_kwargs: Mapping[str, Any], style: str):
    family = FAMILIES[resolve_env_id(env_id)]
    if family in ("twenty_questions", "guess_my_city"):
        return ScriptedQuestionerAgent(env_id, env_kwargs, style or "expert")
    styles = {"webshop": ("first_result", "shopper"), "detective": ("walkthrough",)}[family]
    if style not in ("", *styles):
        raise ValueError(f"unknown scripted style {style!r} for {env_id}; choose one of {styles}")
    if family == "detective":
        return WalkthroughPlayer(env_kwargs)
    return ScriptedShopperAgent(env_id, env_kwargs) if style == "shopper" else FirstResultShopper()


# ------------------------------------------------------------------------------------------ LLMs
class OpenAIChatAgent:
    """Any OpenAI-compatible chat server; requests of one step are sent concurrently.

    A request that fails after ``max_retries`` retries (server down, timeout) raises a clear
    error: the evaluation stops, and ``--resume`` continues it. An empty or unusable reply is
    recorded as it is and sent to the env as an empty (invalid) action.
    """

    def __init__(self, model: str, env_id: str, *, base_url: str | None = None, temperature: float = 0.0,
                 max_tokens: int = 128, timeout: float = 60.0, max_retries: int = 2, workers: int = 8):
        import openai

        self.model, self.env_id, self.temperature, self.max_tokens = model, env_id, temperature, max_tokens
        self.base_url = base_url or os.environ.get("OPENAI_BASE_URL") or "https://api.openai.com/v1"
        self.client = openai.OpenAI(base_url=self.base_url, api_key=os.environ.get("OPENAI_API_KEY") or "EMPTY",
                                    timeout=timeout, max_retries=max_retries)
        self.timeout, self.max_retries = timeout, max_retries
        self.system = system_prompt(env_id)
        self.pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="eval-openai")

    def act(self, requests: Sequence[Request]) -> list[Reply]:
        return list(self.pool.map(self._one, requests))

    def _one(self, request: Request) -> Reply:
        import openai

        try:
            response = self.client.chat.completions.create(
                model=self.model, temperature=self.temperature, max_tokens=self.max_tokens,
                messages=[{"role": "system", "content": self.system}, {"role": "user", "content": request.observation}])
        except openai.OpenAIError as error:
            raise RuntimeError(
                f"the chat server {self.base_url} failed for task {request.task.key!r} turn {request.turn} "
                f"after {self.max_retries} retries (timeout {self.timeout:g} s): {error}. Start or fix the server, "
                "then continue with --resume") from error
        choices = getattr(response, "choices", None) or []
        raw = (choices[0].message.content if choices and choices[0].message else None) or ""
        usage = getattr(response, "usage", None)
        return Reply(extract_action(raw, self.env_id), raw=raw, tokens_in=getattr(usage, "prompt_tokens", 0) or 0,
                     tokens_out=getattr(usage, "completion_tokens", 0) or 0)

    def decoding(self) -> dict[str, Any]:
        return {"model": self.model, "base_url": self.base_url, "temperature": self.temperature,
                "max_tokens": self.max_tokens, "greedy": self.temperature == 0}


class HFChatAgent:
    """A local transformers causal LM, batched greedy (or sampled) generation.

    Where the action is the reply's first line (every env but WebShop), generation stops once a
    non-empty line is complete: the rest would be discarded, and on a CPU it is most of the cost.
    """

    def __init__(self, name_or_path: str, env_id: str, *, temperature: float = 0.0, max_new_tokens: int = 64,
                 device: str = "cpu"):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.env_id, self.temperature, self.max_new_tokens, self.name = env_id, temperature, max_new_tokens, name_or_path
        source, kwargs = pretrained_source(name_or_path)
        self.tokenizer = AutoTokenizer.from_pretrained(source, **kwargs)
        # Left padding for batched generation; prompts longer than the context lose their oldest
        # text (the model must still see the latest observation).
        self.tokenizer.padding_side = self.tokenizer.truncation_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.model = AutoModelForCausalLM.from_pretrained(source, **kwargs).to(device).eval()
        context = getattr(self.model.config, "max_position_embeddings", None) or getattr(self.model.config,
                                                                                          "n_positions", 2048)
        self.max_prompt_tokens = context - max_new_tokens
        self.torch, self.device = torch, device
        self.system = system_prompt(env_id)

    def _prompt(self, observation: str) -> str:
        if self.tokenizer.chat_template:
            messages = [{"role": "system", "content": self.system}, {"role": "user", "content": observation}]
            return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return f"{self.system}\n\n{observation}\n"

    def act(self, requests: Sequence[Request]) -> list[Reply]:
        prompts = [self._prompt(r.observation) for r in requests]
        batch = self.tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False, truncation=True,
                               max_length=self.max_prompt_tokens).to(self.device)
        sample = self.temperature > 0
        width = batch["input_ids"].shape[1]
        stop = [] if FAMILIES[resolve_env_id(self.env_id)] == "webshop" else [_FirstLineDone(self.tokenizer, width)]
        with self.torch.inference_mode():
            out = self.model.generate(**batch, max_new_tokens=self.max_new_tokens, do_sample=sample,
                                      temperature=self.temperature if sample else None, top_p=None, top_k=None,
                                      pad_token_id=self.tokenizer.pad_token_id, stopping_criteria=stop)
        replies = []
        for row, mask in zip(out, batch["attention_mask"]):
            new = row[width:]
            new = new[new != self.tokenizer.pad_token_id]
            raw = self.tokenizer.decode(new, skip_special_tokens=True)
            replies.append(Reply(extract_action(raw, self.env_id), raw=raw, tokens_in=int(mask.sum()),
                                 tokens_out=len(new)))
        return replies

    def decoding(self) -> dict[str, Any]:
        from archer_gym.evaluation.harness import files_sha256

        return {"model": self.name, "model_sha256": files_sha256(self.name), "temperature": self.temperature,
                "max_new_tokens": self.max_new_tokens, "greedy": self.temperature == 0}


class _FirstLineDone:
    """A transformers stopping criterion: true for each row whose new text holds a complete
    non-empty line."""

    def __init__(self, tokenizer, prompt_width: int):
        self.tokenizer, self.width = tokenizer, prompt_width

    def __call__(self, input_ids, scores, **kwargs):
        import torch

        texts = self.tokenizer.batch_decode(input_ids[:, self.width:], skip_special_tokens=True)
        return torch.tensor(["\n" in text.lstrip() for text in texts], device=input_ids.device)


def make_agent(spec: str, env_id: str, env_kwargs: Mapping[str, Any] | None = None, *,
               base_url: str | None = None, temperature: float = 0.0, workers: int = 8, timeout: float = 60.0,
               max_retries: int = 2):
    """The agent named ``spec`` (``random``, ``scripted:STYLE``, ``openai:MODEL``, ``hf:PATH``)."""
    env_kwargs = dict(env_kwargs or {})
    kind, _, arg = spec.partition(":")
    if kind == "random" and not arg:
        return RandomAgent(env_id, env_kwargs)
    if kind == "scripted":
        return scripted_agent(env_id, env_kwargs, arg)
    if kind == "openai" and arg:
        return OpenAIChatAgent(arg, env_id, base_url=base_url, temperature=temperature, workers=workers,
                               timeout=timeout, max_retries=max_retries)
    if kind == "hf" and arg:
        return HFChatAgent(arg, env_id, temperature=temperature)
    raise ValueError(f"unknown agent {spec!r}: use random, scripted:STYLE, openai:MODEL, hf:NAME_OR_PATH, "
                     "or a checkpoint or run directory")
