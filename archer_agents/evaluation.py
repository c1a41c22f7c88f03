"""How an agent is scored: the unbiased harness of :mod:`archer_gym.evaluation` with its policy.

Every evaluation of an agent (in ``learn``, ``evaluate``, ``compare`` and ``archer-agents
evaluate``) plays each task of the chosen split exactly once to its end, greedy or sampled as the
config says, and reports the mean return and success rate with their standard error and 95%
bootstrap CI. The split is the config's ``eval_split`` (``test`` by default) of the env the agent
trains on, never its training targets.

An env of your own has no registered split: ``learn`` skips its evaluations with a warning, and
``evaluate`` needs the tasks to play (``tasks=[Task(task_id, seed, reset_options), ...]``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any, Callable, Sequence

from archer_agents.envs import has_splits, make_env
from archer_gym.evaluation import Reply, Request, TaskList, evaluate, evaluation_env_kwargs, run_episodes
from archer_gym.evaluation import task_list as split_tasks
from archer_gym.evaluation.report import env_summary
from archer_gym.evaluation.splits import Task

SAMPLE_DIALOGUES = 3
"""Episodes of each evaluation in ``learn`` written to the run's sample dialogues."""


class AgentPolicy:
    """An agent as an evaluation policy: its utterances, with prompt and generated token counts."""

    def __init__(self, agent, deterministic: bool):
        self.agent, self.deterministic = agent, deterministic

    def act(self, requests: Sequence[Request]) -> list[Reply]:
        observations = [r.observation for r in requests]
        utterances = self.agent.act_batch(observations, deterministic=self.deterministic)
        return [Reply(u.text, tokens_in=u.prompt_tokens, tokens_out=len(u.token_ids)) for u in utterances]


def decoding(agent) -> dict[str, Any]:
    c = agent.config
    return {"greedy": c.eval_greedy, "temperature": None if c.eval_greedy else c.temperature,
            "top_k": None if c.eval_greedy else c.top_k, "max_new_tokens": c.max_new_tokens,
            "max_prompt_tokens": c.max_prompt_tokens}


def run_info(agent, checkpoint: str | Path | None = None) -> dict[str, Any]:
    """What an evaluation summary records about the agent: its name, config and the config's hash."""
    config = dataclasses.asdict(agent.config)
    digest = hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()
    return {"agent": agent.name, "checkpoint": str(checkpoint) if checkpoint else None, "config": config,
            "config_sha256": digest, "iteration": agent.iteration, "trajectories": agent.trajectories_total,
            "decoding": decoding(agent)}


def evaluate_agent(agent, env=None, *, split: str | None = None, episodes_per_task: int | None = None,
                   tasks: Sequence[Task] | None = None, out_dir: str | Path | None = None, resume: bool = False,
                   num_envs: int | None = None, checkpoint: str | Path | None = None, progress: bool = False,
                   logger=None, on_episode: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Score ``agent`` on ``split`` (default: the config's ``eval_split``) of its env.

    ``env``: a vector env to play on (built from the config otherwise). ``tasks``: play these
    tasks instead of a split (needed for an env without splits). ``on_episode(record)`` sees each
    episode as it ends; a :class:`~archer_agents.logger.RunLogger` as ``logger`` gets the first
    episodes as sample dialogues. Returns ``eval/...`` metrics, which the agent also keeps as
    ``last_evaluation`` (saved with it and shown on its model card); with ``out_dir`` the episode
    log and summaries are written too (see :mod:`archer_gym.evaluation.report`).
    """
    c = agent.config
    split = "custom" if tasks is not None else split or c.eval_split
    dialogues: list[str] = []

    def finished(record: dict[str, Any]) -> None:
        if len(dialogues) < SAMPLE_DIALOGUES:
            dialogues.append(f"{record['final_observation']}\n(return {record['return']:g}, "
                             f"success {record['success']})")
        if on_episode is not None:
            on_episode(record)

    policy = AgentPolicy(agent, c.eval_greedy)
    task_list = TaskList(c.env, "custom", "custom", tuple(tasks)) if tasks is not None else None
    episodes_per_task = episodes_per_task or c.eval_episodes_per_task
    if task_list is None and c.eval_tasks and has_splits(c.env, c.env_kwargs):  # the split's first tasks only (task-major), and named so
        full = split_tasks(c.env, split, evaluation_env_kwargs(c.env_kwargs), episodes_per_task=episodes_per_task)
        split = f"{split}[:{c.eval_tasks}]"
        task_list = dataclasses.replace(full, split=split, tasks=full.tasks[: c.eval_tasks * episodes_per_task])
    if has_splits(c.env, c.env_kwargs):
        summary = evaluate(policy, c.env, split=split, env_kwargs=c.env_kwargs,
                           episodes_per_task=episodes_per_task, tasks=task_list,
                           num_envs=num_envs or c.num_envs, env=env, out_dir=out_dir, resume=resume,
                           run_info=run_info(agent, checkpoint), progress=progress, on_episode=finished)
    elif task_list is not None and out_dir is None:  # the harness writes its layout for registered splits only
        play_on = env or make_env(c.env, c.env_kwargs, num_envs or c.num_envs)
        try:
            records = run_episodes(play_on, task_list.tasks, policy, on_episode=finished)
        finally:
            if env is None:
                play_on.close()
        summary = env_summary(records, task_list, decoding=decoding(agent))
    else:
        raise ValueError(f"{c.env} has no evaluation split in archer_gym: evaluate it on tasks of your own, "
                         "agent.evaluate(env, tasks=[Task(task_id, seed, reset_options), ...]) (no out_dir)")
    if logger is not None:
        logger.log_dialogues("eval/dialogues", dialogues, agent.trajectories_total)
    result = metrics(summary)
    agent.last_evaluation = {"env": c.env, "split": split, "greedy": c.eval_greedy, "iteration": agent.iteration,
                             "trajectories": agent.trajectories_total, **result}
    return result


def metrics(summary: dict[str, Any]) -> dict[str, Any]:
    """The ``eval/...`` scalars of an env summary, as the training log records them."""
    out: dict[str, Any] = {"eval/episodes": summary["episodes"], "eval/turns_mean": summary["mean_turns"]}
    for name, key in (("return", "return"), ("success", "success_rate")):
        stats = summary[key]
        out[f"eval/{name}_mean" if name == "return" else "eval/success_rate"] = stats["mean"]
        out[f"eval/{name}_stderr"] = stats["stderr"]
        out[f"eval/{name}_ci_low"], out[f"eval/{name}_ci_high"] = stats["ci_low"], stats["ci_high"]
    return out
