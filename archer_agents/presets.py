"""Named sets of config values: ``paper`` (the paper's models, per-env hyperparameters and env
rules), ``repo`` (the reference code's values) and ``tiny`` (a laptop-CPU run in minutes).

The paper's per-env table (its appendix) is ArCHer's, so ``paper`` and ``repo`` set values
per agent: each agent takes only the table's keys that describe it (:data:`TABLE_KEYS`); the rest
keep the agent's own defaults (PPO keeps its >= 1,024 trajectories per update, filtered BC,
ArCHer-PPO and PPO their actor learning rate of 1e-5). Both presets also select the envs' paper
rules (:data:`PAPER_ENV_KWARGS`). A preset only sets keys the agent's config has.
:func:`actor_source` says where an agent's actor starts: with the tiny actor and no checkpoint
given, from the tiny preset's cached BC start."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from archer_agents.models.presets import TINY as TINY_MODEL

PAPER_PER_ENV: dict[str, dict[str, Any]] = {  # the paper's table (ArCHer's values)
    "archer/TwentyQuestions-v0": {"gamma": 0.95, "warmup_iterations": 20, "trajectories_per_iteration": 128,
                                  "num_envs": 32, "actor_lr": 1e-6},
    "archer/TwentyQuestionsSubset-v0": {"gamma": 0.95, "warmup_iterations": 10, "trajectories_per_iteration": 128,
                                        "num_envs": 32, "actor_lr": 1e-6},
    "archer/GuessMyCity-v0": {"gamma": 0.95, "warmup_iterations": 10, "trajectories_per_iteration": 128,
                              "num_envs": 32, "actor_lr": 1e-5},
    "archer/Detective-v0": {"gamma": 0.98, "warmup_iterations": 10, "trajectories_per_iteration": 128,
                            "num_envs": 4, "actor_lr": 1e-5},
    "archer/WebShop-v0": {"gamma": 0.9, "warmup_iterations": 20, "trajectories_per_iteration": 512,
                          "num_envs": 32, "actor_lr": 1e-5},
}
PAPER_PER_ENV["archer/WebShopArCHer-v0"] = PAPER_PER_ENV["archer/WebShop-v0"]  # WebShop as ArCHer ran it

PAPER_ENV_KWARGS: dict[str, dict[str, Any]] = {
    # ArCHer's word list (157) and success rule, answer parsing and action cut.
    "archer/TwentyQuestions-v0": {"mode": "paper"},
    "archer/TwentyQuestionsSubset-v0": {"mode": "paper"},
    "archer/GuessMyCity-v0": {"mode": "paper"},  # ArCHer's 91 cities and rules
    "archer/Detective-v0": {"mode": "paper"},  # ArCHer's observation string and action cut
    # The keys of archer/WebShopArCHer-v0 that archer/WebShop-v0 does not default to: ArCHer's
    # react transcript and action rules, the Attributes tab, goals 2000-2099.
    "archer/WebShop-v0": {"observation_mode": "react", "mode": "paper", "show_attrs": True, "split": "archer"},
}
"""The env options of both presets (archer/WebShopArCHer-v0 is registered with them already)."""

SHARED_KEYS = frozenset({"actor", "critic", "gamma", "num_envs", "env_kwargs"})
"""What describes the env or the models, not an algorithm: every agent takes these."""
TABLE_KEYS: dict[str, frozenset[str]] = {
    "archer": SHARED_KEYS | {"warmup_iterations", "trajectories_per_iteration", "actor_lr", "replay_capacity"},
    # Its actor learns by PPO, whose clip limits each step: not ArCHer's 20Q rate of 1e-6.
    "archer_ppo": SHARED_KEYS | {"warmup_iterations", "trajectories_per_iteration", "replay_capacity"},
    # ArCHer's data and critic; no warm-up (the reference runs it with warmup_iter = iterations) and
    # its actor never learns.
    "chai": SHARED_KEYS | {"trajectories_per_iteration", "replay_capacity"},
    # Collects as ArCHer (128 trajectories per iteration); the reference trains it at 1e-5.
    "filtered_bc": SHARED_KEYS | {"trajectories_per_iteration"},
    # The paper needed >= 1,024 rollouts per update: its own default, not ArCHer's 128.
    "ppo": SHARED_KEYS,
    "bc": SHARED_KEYS,
    # No published values for the group methods on these envs: only what describes the env and the
    # models; their own keys keep their defaults (verl-agent's and RAGEN's, docs/group_methods.md).
    "grpo": SHARED_KEYS,
    "rloo": SHARED_KEYS,
    "gigpo": SHARED_KEYS,
}
"""Which of the paper's and the reference's keys each agent takes."""

PAPER: dict[str, Any] = {"actor": "gpt2", "critic": "roberta-base", "replay_capacity": 10_000}  # every env

REPO: dict[str, Any] = {"gamma": 0.95, "replay_capacity": 100_000}
"""Where the reference code's configs differ from the paper's table on every env: no env config
overrides ``default.yaml``'s γ and replay capacity."""

REPO_PER_ENV: dict[str, dict[str, Any]] = {
    # No GPT-2 Subset config in the repo: the subset runs with the Twenty Questions config.
    "archer/TwentyQuestionsSubset-v0": {"warmup_iterations": 20},
}

REPO_PER_AGENT: dict[str, frozenset[str]] = {
    # The reference's online filtered BC inherits ArCHer's warm-up: no update before warmup_iter.
    "filtered_bc": frozenset({"warmup_iterations"}),
}
"""Keys the reference code sets for an agent beyond :data:`TABLE_KEYS`."""

TINY: dict[str, Any] = {
    "actor": "tiny", "critic": "tiny", "iterations": 20, "trajectories_per_iteration": 32, "num_envs": 16,
    "batch_size": 64, "micro_batch_size": 32, "critic_steps": 5, "actor_steps": 2, "warmup_iterations": 3,
    "critic_lr": 1e-4, "actor_lr": 1e-5, "replay_capacity": 10_000, "eval_every": 5,
    "save_every": 5, "max_new_tokens": 16, "max_prompt_tokens": 256, "critic_max_tokens": 256,
    "bc_episodes": 1000, "bc_steps": 400, "ppo_states": 64, "k": 3,
    "n_groups": 4, "group_size": 4,  # grpo, rloo, gigpo: 16 trajectories per iteration
}

TINY_PER_ENV: dict[str, dict[str, Any]] = {
    # 400 BC steps (under half an epoch of the 1,000 expert games) leave the tiny actor at the floor
    # of the full word and city lists; 2,000 take it off (benchmarks/results/bc_starts.json).
    "archer/TwentyQuestions-v0": {"bc_steps": 2000},
    "archer/GuessMyCity-v0": {"bc_steps": 2000},
    # The main job's env. A BC start with headroom: 100 steps on the expert questioner's games
    # (about a third of the test games won, where 400 steps win nearly all); scored by sampling,
    # 30 games per word (greedy decoding plays each of the 10 words one way only); 50 iterations of
    # 32 games (under 3 minutes for filtered BC on a 2-core laptop CPU).
    "archer/TwentyQuestionsSubset-v0": {"bc_steps": 100, "eval_greedy": False, "eval_episodes_per_task": 30,
                                        "iterations": 50, "eval_every": 10},
    # Jericho's valid-action lists cost about 0.5 s for every state not seen before (most states of
    # a learning agent's rollouts): far beyond a laptop run. The observations then have no
    # valid-action part; fewer BC episodes, since each is 46 turns long.
    "archer/Detective-v0": {"env_kwargs": {"valid_actions": False}, "bc_episodes": 200},
}
"""Where the ``tiny`` preset differs per env."""
TINY_PER_AGENT: dict[str, dict[str, Any]] = {
    # Imitating its best trajectories is a stable step (no critic to follow), so it can take a larger
    # one than the policy-gradient agents; the reference's warm-up waits for a critic it does not have.
    "filtered_bc": {"actor_lr": 1e-4, "warmup_iterations": 0},
}
"""Where the ``tiny`` preset differs per agent (applied after the per-env values)."""

PRESETS = ("default", "tiny", "paper", "repo")


def preset_values(preset: str, env_id: str, config_class: type) -> dict[str, Any]:
    """The preset's values for ``env_id`` that the agent with ``config_class`` takes."""
    agent = _agent_name(config_class)
    if preset == "default":
        values: dict[str, Any] = {}
    elif preset == "tiny":
        values = {**TINY, **TINY_PER_ENV.get(env_id, {}), **TINY_PER_AGENT.get(agent or "", {})}
    elif preset in ("paper", "repo"):
        table = {**PAPER, **PAPER_PER_ENV.get(env_id, {}), "env_kwargs": PAPER_ENV_KWARGS.get(env_id, {})}
        if preset == "repo":
            table.update({**REPO, **REPO_PER_ENV.get(env_id, {})})
        keys = TABLE_KEYS.get(agent, SHARED_KEYS) | (REPO_PER_AGENT.get(agent, frozenset()) if preset == "repo"
                                                     else frozenset())
        values = {k: v for k, v in table.items() if k in keys}
    else:
        raise ValueError(f"unknown preset {preset!r}; choose one of {PRESETS}")
    known = {f.name for f in dataclasses.fields(config_class)}
    return {k: v for k, v in values.items() if k in known}


def _agent_name(config_class: type) -> str | None:
    """The registered agent whose config ``config_class`` is, or extends (None: none)."""
    from archer_agents.registry import AGENT_NAMES, get_agent

    owners = {get_agent(name).config_class: name for name in AGENT_NAMES}
    return next((owners[klass] for klass in config_class.__mro__ if klass in owners), None)


def actor_source(config, accelerator) -> str:
    """Where the actor of an agent with ``config`` is loaded from: ``init_checkpoint`` (a checkpoint's
    or Hub folder's ``actor/``, or a model directory); with the tiny actor and none given, the tiny
    preset's BC-pretrained start (:mod:`archer_agents.pretrain`, built on first use); else ``actor``
    (a model name or path)."""
    source = config.init_checkpoint
    if not source and config.actor == TINY_MODEL:
        from archer_agents.pretrain import pretrained_tiny_actor

        source = str(pretrained_tiny_actor(config, accelerator))
    if not source:
        return config.actor
    path = Path(source) / "actor" if (Path(source) / "actor").is_dir() else Path(source)
    if not path.exists():
        raise FileNotFoundError(f"init checkpoint {source!r} does not exist")
    return str(path)
