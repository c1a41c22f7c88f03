"""The agent base class: it owns the training loop; algorithms implement what differs.

``learn`` repeats: collect trajectories from a (vector) Gymnasium env (``collect_rollouts``), update
(``train``), log, evaluate and checkpoint. Subclasses implement ``train`` and, where needed,
``_setup`` (extra models and optimisers), ``store`` (what to keep of new trajectories),
``act_batch`` (how to choose utterances), ``_modules`` / ``_save_extra`` (what is saved besides the
actor) and ``_process_state`` / ``_load_process_state`` (what each process checkpoints).

Every process of an ``accelerate launch`` run collects its own rollouts with its own env seeds;
gradients are averaged across processes by DDP. The rest lives in its own module: which env is
played (:mod:`~archer_agents.envs`), the run directory (:mod:`~archer_agents.run_dir`),
evaluation (:mod:`~archer_agents.evaluation`), checkpoints (:mod:`~archer_agents.checkpoint`) and
the Hugging Face Hub layout (:mod:`~archer_agents.hub`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import time
import warnings
from pathlib import Path
from typing import Any, Callable, ClassVar, Sequence

import numpy as np
import torch

from archer_agents import checkpoint, hub
from archer_agents.buffers import Trajectory
from archer_agents.config import AgentConfig, save_yaml, update
from archer_agents.envs import EnvTask, as_training_env, check_env, has_splits, make_env, resolve_env_id
from archer_agents.evaluation import evaluate_agent
from archer_agents.experience_log import ExperienceLog
from archer_agents.logger import RunLogger, import_wandb, quiet_transformers
from archer_agents.models.policy import TextPolicy, Utterance
from archer_agents.presets import actor_source
from archer_agents.rollout import RolloutCollector
from archer_agents.run_dir import check_run_dir, claim_run_dir, default_output_dir


class NonFiniteLossError(RuntimeError):
    """A loss became NaN or infinite on some process; every process stops and the last checkpoint is kept."""


class BaseAgent:
    """Common machinery of every agent; see the module docstring."""

    name: ClassVar[str] = "base"
    config_class: ClassVar[type[AgentConfig]] = AgentConfig

    def __init__(self, config: AgentConfig | None = None, **overrides: Any):
        from accelerate import Accelerator

        self.config = update(config or self.config_class(), overrides)  # checks every value
        cpu = self.config.device == "cpu" or (self.config.device == "auto" and not torch.cuda.is_available())
        self.accelerator = Accelerator(cpu=cpu)
        # A missing package or a bad env fails here, not after minutes of BC pretraining.
        if self.config.wandb:
            import_wandb()
        check_env(self.config.env, self.config.env_kwargs, self.config.eval_split)
        env_id = resolve_env_id(self.config.env)  # short names become ids; one directory per agent and env
        output_dir = self.config.output_dir or default_output_dir(self.name, env_id)
        self.config = update(self.config, {"env": env_id, "output_dir": output_dir})
        self.rank, self.world = self.accelerator.process_index, self.accelerator.num_processes
        checkpoint.seed_everything(self.process_seed)
        self.iteration = 0
        self.trajectories_total = 0
        self.env_steps = 0
        self.env = None
        """The vector env ``learn`` plays: given to ``learn``/``set_env``/``load``, else built from the config."""
        self.last_evaluation: dict[str, Any] | None = None
        """The latest evaluation's metrics, saved with the agent and shown on its model card."""
        self.own_run_dir: Path | None = None
        """The run directory whose run this agent is: where it learned, or whose checkpoint it was loaded from."""
        self.experience = ExperienceLog(self.output_dir / "experience" / f"rank{self.rank}")
        with quiet_transformers():
            self.policy = self._build_policy()
            self._setup()

    @property
    def output_dir(self) -> Path:
        return Path(self.config.output_dir)

    @property
    def process_seed(self) -> int:
        """This process's seed: the run's seed, apart per process so each draws its own samples."""
        return self.config.seed * 1000 + self.rank

    # ------------------------------------------------------------ model setup
    def _build_policy(self) -> TextPolicy:
        from archer_agents.models.presets import load_actor

        c = self.config
        source = actor_source(c, self.accelerator)
        # A saved LoRA run reloads its adapter; a full model gets a fresh adapter if asked.
        fresh_lora = 0 if (Path(source) / "adapter_config.json").is_file() else c.lora_rank
        model, tokenizer = load_actor(source, lora_rank=fresh_lora)
        model.to(self.accelerator.device)
        return TextPolicy(model, tokenizer, max_prompt_tokens=c.max_prompt_tokens, max_new_tokens=c.max_new_tokens)

    def _setup(self) -> None:
        """Build algorithm-specific models and optimisers (extend in subclasses)."""
        self.actor_optimizer = torch.optim.Adam(self._actor_parameters(), lr=self.config.actor_lr)
        self.policy.model, self.actor_optimizer = self.accelerator.prepare(self.policy.model, self.actor_optimizer)
        if getattr(self, "value_head", None) is not None:
            self.value_head = self.accelerator.prepare(self.value_head)

    def _actor_parameters(self) -> list[torch.nn.Parameter]:
        """What the actor optimiser trains (the policy, plus e.g. a value head)."""
        return list(self.policy.model.parameters())

    # ------------------------------------------------------------------ acting
    def act_batch(self, observations: Sequence[str], *, deterministic: bool = False,
                  rows_per_call: int | None = None) -> list[Utterance]:
        """Utterances, with their token ids and log-probs, for a batch of observations (used by
        rollouts and evaluation). ``rows_per_call``: decode unrelated observations (replay states)
        in batches of similar length (:meth:`~archer_agents.models.policy.TextPolicy.generate`)."""
        with self._unwrapped_actor():
            return self.policy.generate(observations, sample=not deterministic, temperature=self.config.temperature,
                                        top_k=self.config.top_k, rows_per_call=rows_per_call)

    def predict(self, observation: str | Sequence[str], state: Any = None, episode_start: Any = None,
                deterministic: bool = False) -> tuple[str | list[str], Any]:
        """What the agent says, as Stable-Baselines3's ``predict``: ``(actions, state)``.

        ``observation``: one observation (a string, e.g. from ``gym.make``) or a batch (a sequence
        of strings, e.g. a vector env's). ``actions``: a string for one observation, a list of
        strings for a batch. ``state`` comes back as given and ``episode_start`` is unused: the
        observation holds the whole dialogue, so the policy keeps no recurrent state.
        """
        single = isinstance(observation, str)
        utterances = self.act_batch([observation] if single else list(observation), deterministic=deterministic)
        actions = [u.text for u in utterances]
        return (actions[0] if single else actions), state

    @contextlib.contextmanager
    def _unwrapped_actor(self):
        """``self.policy.model`` is the bare model inside (DDP adds nothing to sampling)."""
        wrapped = self.policy.model
        self.policy.model = self.accelerator.unwrap_model(wrapped)
        try:
            yield
        finally:
            self.policy.model = wrapped

    # ---------------------------------------------------------------- the loop
    def set_env(self, env) -> None:
        """Play ``env`` from now on: a single or vector Gymnasium env of text. Its task (its id and
        kwargs) becomes the config's, so evaluations play that env's split; an env built by hand
        (no spec) must be of the config's env (see :mod:`archer_agents.envs`)."""
        config_task = EnvTask(self.config.env, self.config.env_kwargs)
        self.env, task = as_training_env(env, config_task)
        if task != config_task:
            self.config = update(self.config, {"env": task.id, "env_kwargs": task.kwargs})
            check_env(task.id, task.kwargs, self.config.eval_split)

    def learn(self, env=None, total_trajectories: int | None = None, *, iterations: int | None = None, eval_env=None,
              callback: Callable[["BaseAgent", dict[str, Any]], bool | None] | None = None) -> "BaseAgent":
        """Train, then return the agent.

        ``env``: a single or vector Gymnasium env of text to play (see :meth:`set_env`); default:
        the env given before, else one built from the config. The budget counts from the start of
        the run, so a resumed run goes on to the same total: ``total_trajectories`` env
        trajectories (as Stable-Baselines3's ``total_timesteps``), or ``iterations``; default: the
        config's ``iterations``. ``eval_env``: a vector env of the same task for the evaluations
        (default: built from the config). ``callback(agent, metrics)`` runs after each iteration;
        returning ``False`` stops training.
        """
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        if total_trajectories is not None and iterations is not None:
            raise ValueError("give the budget in trajectories or in iterations, not both")
        if total_trajectories is not None and not self.config.trajectories_per_iteration:
            raise ValueError(f"{self.name} collects no trajectories: give its budget in iterations")
        if env is not None:
            self.set_env(env)
        elif self.env is None:
            self.env = make_env(self.config.env, self.config.env_kwargs, self.config.num_envs)
        c = self.config
        evaluating = bool(c.eval_every) and has_splits(c.env, c.env_kwargs)
        if c.eval_every and not evaluating:
            warnings.warn(f"{c.env} has no evaluation split in archer_gym, so learn() skips evaluations; score the "
                          "agent on tasks of your own with agent.evaluate(env, tasks=[Task(...), ...])", stacklevel=2)
        if evaluating and eval_env is None:  # built once, not at every evaluation
            from archer_gym.evaluation import make_eval_env

            eval_env = make_eval_env(c.env, c.env_kwargs, c.num_envs)
        self._take_output_dir()
        collector = RolloutCollector(self.env, seed=c.seed * 100_003 + self.rank * 7_919 + self.iteration)
        # Metrics logged after the checkpoint this agent starts from (by a run killed before its next
        # checkpoint) are dropped, as its experience log is rewound.
        logger = RunLogger(self.output_dir, tensorboard=c.tensorboard,
                           wandb_project=c.wandb_project if c.wandb else None, wandb_config=dataclasses.asdict(c),
                           enabled=self.accelerator.is_main_process, resume_iteration=self.iteration)
        by_trajectories = total_trajectories is not None
        total = total_trajectories if by_trajectories else (iterations if iterations is not None else c.iterations)

        def spent() -> int:
            return self.trajectories_total if by_trajectories else self.iteration

        columns = (TextColumn(f"[bold]{self.name}[/] {c.env}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("trajectories" if by_trajectories else "iterations"),
                   TextColumn("{task.fields[status]}"), TimeRemainingColumn())
        with quiet_transformers(), Progress(*columns, disable=not self.accelerator.is_main_process) as progress:
            bar = progress.add_task("train", total=total, completed=spent(), status="")
            while spent() < total:
                metrics = self._iterate(collector)
                if evaluating and self.iteration % c.eval_every == 0:
                    metrics.update(self.evaluate(eval_env, logger=logger))
                logger.log(metrics, step=self.trajectories_total)
                if c.save_every and self.iteration % c.save_every == 0:
                    self.save_checkpoint()
                progress.update(bar, completed=spent(),
                                status=f"return {metrics.get('rollout/return_mean', float('nan')):.2f}")
                if callback is not None and callback(self, metrics) is False:
                    break
            if not c.save_every or self.iteration % c.save_every:
                self.save_checkpoint()
        logger.close()
        return self

    def _take_output_dir(self) -> None:
        """Check that ``output_dir`` holds no other run (:mod:`archer_agents.run_dir`), then record
        this run and its resolved config there."""
        continuing = self.own_run_dir is not None and self.own_run_dir.resolve() == self.output_dir.resolve()
        check_run_dir(self.output_dir, self.name, self.config, continuing=continuing)
        if self.accelerator.is_main_process:
            claim_run_dir(self.output_dir, self.name, self.config)
            save_yaml(self.config, self.output_dir / "config.yaml")
        self.own_run_dir = self.output_dir

    def _iterate(self, collector: RolloutCollector) -> dict[str, Any]:
        start = time.perf_counter()
        trajectories = self.collect_rollouts(collector)
        collect_s = time.perf_counter() - start
        self.store(trajectories)
        start = time.perf_counter()
        train_metrics = self.train()
        # Every process stops, with every process's reason: one stopping alone would leave the
        # others waiting in their next collective.
        bad = self._gather([f"{key} became {value} at iteration {self.iteration} on process {self.rank}"
                            for key, value in train_metrics.items() if not math.isfinite(float(value))])
        if bad:
            raise NonFiniteLossError(
                f"{'; '.join(bad)}; stopping. The last good checkpoint is in {self.output_dir / 'checkpoints'} "
                "(resume with --resume after lowering the learning rate)")
        self.iteration += 1
        returns = self._gather([t.episode_return for t in trajectories])
        successes = self._gather([float(t.success) for t in trajectories])
        turns = self._gather([len(t.transitions) for t in trajectories])
        self.trajectories_total += len(returns)
        self.env_steps += int(sum(turns))
        return {"iteration": self.iteration, "rollout/return_mean": float(np.mean(returns)) if returns else 0.0,
                "rollout/success_rate": float(np.mean(successes)) if successes else 0.0,
                "rollout/turns_mean": float(np.mean(turns)) if turns else 0.0,
                "time/trajectories_total": self.trajectories_total, "time/env_steps": self.env_steps,
                "time/collect_s": collect_s, "time/generate_s": collector.generate_s, "time/env_s": collector.env_s,
                "time/train_s": time.perf_counter() - start,
                "system/peak_rss_gib": _peak_rss_gib(), **train_metrics}

    def _gather(self, values: list) -> list:
        """Values of every process (their counts may differ between processes)."""
        if self.world == 1:
            return list(values)
        from accelerate.utils import gather_object

        return list(gather_object(list(values)))

    def collect_rollouts(self, collector: RolloutCollector) -> list[Trajectory]:
        """This process's share of ``trajectories_per_iteration`` trajectories."""
        share = max(1, math.ceil(self.config.trajectories_per_iteration / self.world))
        return collector.collect(lambda obs: self.act_batch(obs), share)

    def store(self, trajectories: list[Trajectory]) -> None:
        """Keep what the algorithm needs of new trajectories (override; the default keeps nothing)."""

    def train(self) -> dict[str, float]:
        """One iteration of updates; returns scalar metrics (override)."""
        raise NotImplementedError

    # -------------------------------------------------------------- evaluation
    def evaluate(self, env=None, *, split: str | None = None, tasks=None, out_dir: str | Path | None = None,
                 resume: bool = False, logger: RunLogger | None = None) -> dict[str, float]:
        """Play every task of ``split`` (default: the config's ``eval_split``) exactly once and
        return the mean return and success rate with standard errors and 95% CIs.

        ``env``: a vector env of the agent's env to play on (built otherwise). ``tasks``: play these
        :class:`~archer_gym.evaluation.Task` instead of a split (needed for an env without splits).
        ``out_dir``: also write the episode log and summaries there (``resume`` continues an
        interrupted evaluation). See :mod:`archer_agents.evaluation`.
        """
        return evaluate_agent(self, env, split=split, tasks=tasks, out_dir=out_dir, resume=resume, logger=logger)

    # ----------------------------------------------------- checkpoints and Hub
    def save(self, path: str | Path) -> Path:
        """Save everything needed to resume into ``path`` (see :mod:`archer_agents.checkpoint`)."""
        return checkpoint.save(self, path)

    def save_checkpoint(self) -> Path:
        """``output_dir/checkpoints/iter_<N>``; the two newest are kept."""
        return checkpoint.save_checkpoint(self)

    @staticmethod
    def latest_checkpoint(output_dir: str | Path) -> Path | None:
        return checkpoint.latest_checkpoint(output_dir)

    @classmethod
    def load(cls, path: str | Path, env=None, *, experience: bool = True, **overrides: Any) -> "BaseAgent":
        """Rebuild an agent from a directory written by :meth:`save`; ``overrides`` change config keys.

        ``env``: an env id or short name (a config override), or a Gymnasium env to play from now
        on (see :meth:`set_env`), as Stable-Baselines3's ``load(path, env=env)``. The replay buffer
        / trajectory store is read from the experience log of the run the checkpoint belongs to
        (its path is stored relative to the checkpoint, so a run directory can be moved or copied
        whole). ``experience=False`` skips each process's experience and RNG states: enough to act
        and evaluate, e.g. from a checkpoint directory copied alone. With ``experience=True`` the run
        must have as many processes as the one that saved it. ``BaseAgent.load`` builds the agent
        the checkpoint holds; ``ArcherAgent.load`` also checks that it is an ArCHer agent.
        """
        if isinstance(env, str):
            overrides["env"], env = env, None
        agent = checkpoint.load(cls, path, experience=experience, **overrides)
        if env is not None:
            agent.set_env(env)
        return agent

    def save_pretrained(self, directory: str | Path) -> Path:
        """Save in the Hugging Face Hub layout, with a model card (see :mod:`archer_agents.hub`)."""
        return hub.save_pretrained(self, directory)

    @classmethod
    def from_pretrained(cls, name_or_path: str | Path, **overrides: Any) -> "BaseAgent":
        """The agent in a folder written by :meth:`save_pretrained`, or in a Hub repository of that
        layout (downloaded only when ``name_or_path`` is not a local directory)."""
        return hub.from_pretrained(cls, name_or_path, **overrides)

    def push_to_hub(self, repo_id: str, *, private: bool | None = None, token: str | None = None,
                    commit_message: str | None = None):
        """Upload :meth:`save_pretrained`'s folder to the Hub repository ``repo_id`` (created if
        missing), with the token ``huggingface_hub`` is configured with unless ``token`` is given."""
        return hub.push_to_hub(self, repo_id, private=private, token=token, commit_message=commit_message)

    # What checkpoints and Hub folders hold besides the actor: extended by the agents.
    def _modules(self) -> dict[str, Any]:
        """Objects with ``state_dict`` to save besides the actor: networks and optimisers."""
        return {"actor_optimizer": self.actor_optimizer}

    def _save_extra(self, directory: Path) -> None:
        """Write extra model files (e.g. the critic encoder's config) into ``directory``."""

    def _process_state(self, checkpoint_dir: Path) -> dict[str, Any]:
        """What each process saves into a checkpoint: RNG states; agents with a replay buffer or
        trajectory store add its small state (its records go to ``self.experience``)."""
        return {"rng": checkpoint.rng_state()}

    def _load_process_state(self, state: dict[str, Any], checkpoint_dir: Path) -> None:
        checkpoint.set_rng_state(state["rng"])


def _peak_rss_gib() -> float:
    """Peak resident memory of this process so far (0 where the platform does not say)."""
    try:
        import resource
    except ImportError:  # Windows
        return 0.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # Linux reports KiB
