"""The ``archer-agents`` command line: train, pretrain, evaluate, compare, list.

``archer-agents train`` with no flag trains ArCHer on Twenty Questions Subset with the ``tiny``
preset and the offline oracle: BC pretraining on the scripted expert's games, then ArCHer, all
on a laptop CPU. A run on an env with evaluation splits is scored on the test split before its
first iteration and after its last: ``output_dir/summary.json`` (both scores with 95 % CIs),
``output_dir/learning_curve.png`` and one before/after line (:mod:`archer_agents.run_summary`).
Any config key can be set as ``KEY=VALUE`` (``archer-agents train --agent NAME
--help`` lists them all with their resolved values); ``--config run.yaml`` loads a file first.
Several processes or GPUs: ``--num-processes N`` (relaunches itself under ``torchrun``), or start
it with ``accelerate launch -m archer_agents.cli train ...`` / ``torchrun`` yourself (multi-node too).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import textwrap
import typing
from pathlib import Path
from typing import Iterable, Sequence

from archer_agents.config import AgentConfig, ConfigError, field_docs, load_yaml, parse_overrides
from archer_agents.envs import resolve_env_id
from archer_agents.factory import resolve_config
from archer_agents.presets import PRESETS
from archer_agents.registry import AGENT_NAMES
from archer_agents.run_dir import check_run_dir

DEFAULT_PRESET = "tiny"
DEFAULT_AGENT = "filtered_bc"
"""The main job's agent: on the default, online filtered BC gains more than ArCHer in a few minutes,
with a clearer margin (ArCHer's iterations cost several times more and its tiny critic barely ranks
actions; ``benchmarks/results/main_job_candidates.md``); ``--agent archer`` runs ArCHer on it."""


def cmd_train(args: argparse.Namespace) -> int:
    if args.num_processes > 1 and "LOCAL_RANK" not in os.environ:
        return _relaunch(args.num_processes)
    overrides = parse_overrides(args.overrides)
    agent_class, config = resolve_config(args.agent, args.env, args.preset or DEFAULT_PRESET, args.config, overrides)
    checkpoint = agent_class.latest_checkpoint(config.output_dir) if args.resume else None
    if checkpoint is not None:
        _check_resume_flags(args, checkpoint)
        print(f"resuming from {checkpoint}", file=sys.stderr)
        agent = agent_class.load(checkpoint, **overrides)
    else:
        if args.resume:
            print(f"no checkpoint in {config.output_dir}; starting fresh", file=sys.stderr)
        check_run_dir(config.output_dir, agent_class.name, config, continuing=False)  # before BC pretraining
        agent = agent_class(config)
        if _scores_on_split(agent):
            _evaluate_before_training(agent)
    agent.learn()
    if agent.accelerator.is_main_process:
        result = agent.evaluate()
        print(json.dumps({"agent": agent.name, "env": agent.config.env, "iterations": agent.iteration,
                          "trajectories": agent.trajectories_total, **result}))
        if _scores_on_split(agent):
            _report(agent, result)
    return 0


def _scores_on_split(agent) -> bool:
    from archer_agents.envs import has_splits

    return has_splits(agent.config.env, agent.config.env_kwargs)


def _evaluate_before_training(agent) -> None:
    """The test-split score of the starting policy, kept in the run directory (see
    :mod:`archer_agents.run_summary`); the RNG is forked so the run trains exactly as without it."""
    import torch

    from archer_agents import run_summary

    if agent.accelerator.is_main_process:
        print(f"evaluating the starting policy on the {agent.config.eval_split} split of {agent.config.env}",
              file=sys.stderr)
        with torch.random.fork_rng():
            evaluation = agent.evaluate()
            run_summary.save_initial(agent.output_dir, evaluation, agent.last_evaluation["split"])
    agent.accelerator.wait_for_everyone()


def _report(agent, result: dict) -> None:
    """summary.json, the learning curve and the before/after line."""
    from archer_agents import run_summary

    initial, final = run_summary.load_initial(agent.output_dir), run_summary.scores(result)
    split = agent.last_evaluation["split"]
    run = {"agent": agent.name, "env": agent.config.env, "split": split,
           "iterations": agent.iteration, "trajectories": agent.trajectories_total}
    summary = run_summary.write_summary(agent.output_dir, run, initial, final)
    curve = run_summary.plot_learning_curve(agent.output_dir, initial, final, agent.trajectories_total)
    print(run_summary.verdict(initial, final, split), file=sys.stderr)
    print(f"summary: {summary}" + (f"; learning curve: {curve}" if curve else ""), file=sys.stderr)


def _check_resume_flags(args: argparse.Namespace, checkpoint: Path) -> None:
    """A resumed run keeps its saved config plus KEY=VALUE overrides: flags that would shape another
    run are errors, not silently ignored."""
    if args.config or args.preset:
        raise ConfigError("--config and --preset shape a new run; a resumed run keeps the config saved in its "
                          "checkpoint (change keys with KEY=VALUE)")
    saved_env = load_yaml(checkpoint / "config.yaml")["env"]
    if args.env and resolve_env_id(args.env) != resolve_env_id(saved_env):
        raise ConfigError(f"--env {args.env}: the run resumed from {checkpoint} trains on {saved_env}")


def _relaunch(num_processes: int) -> int:
    argv = [a for a in sys.argv[1:]]
    for i, a in enumerate(argv):  # drop --num-processes N
        if a == "--num-processes":
            del argv[i : i + 2]
            break
        if a.startswith("--num-processes="):
            del argv[i]
            break
    # torchrun sets RANK/WORLD_SIZE/LOCAL_RANK, which accelerate reads: NCCL on GPUs, gloo on
    # CPUs (``accelerate launch --cpu`` would start a single process).
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node",
               str(num_processes), "-m", "archer_agents.cli", *argv]
    return subprocess.call(command)


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Score one agent on every task of a split; see ``archer-agents evaluate --help``."""
    env_kwargs = json.loads(args.env_kwargs) if args.env_kwargs else None
    if env_kwargs is not None and not isinstance(env_kwargs, dict):
        raise ConfigError(f"--env-kwargs must be a JSON object, got {args.env_kwargs!r}")
    if Path(args.agent).is_dir():
        summary = _evaluate_checkpoint(args, env_kwargs)
    else:
        import archer_gym.evaluation as harness
        from archer_gym.evaluation.agents import make_agent

        if not args.env:
            raise ConfigError(f"--env is needed to evaluate {args.agent!r}")
        agent = make_agent(args.agent, args.env, env_kwargs, base_url=args.base_url, temperature=args.temperature,
                           workers=args.workers, timeout=args.timeout, max_retries=args.max_retries)
        decoding = agent.decoding() if hasattr(agent, "decoding") else {"policy": args.agent}
        summary = harness.evaluate(agent, args.env, split=args.split, env_kwargs=env_kwargs,
                                   episodes_per_task=args.episodes_per_task, num_envs=args.workers,
                                   out_dir=args.out, resume=args.resume, progress=True,
                                   run_info={"agent": args.agent, "decoding": decoding})
    print(json.dumps({"agent": args.agent, **summary}))
    if args.out:
        print(f"episodes and summaries written to {args.out}", file=sys.stderr)
    return 0


def _evaluate_checkpoint(args: argparse.Namespace, env_kwargs: dict | None) -> dict:
    from archer_agents.base import BaseAgent
    from archer_agents.evaluation import evaluate_agent

    checkpoint = Path(args.agent)
    if (checkpoint / "checkpoints" / "latest").exists():
        checkpoint = BaseAgent.latest_checkpoint(checkpoint)
    overrides = parse_overrides(args.overrides)
    if args.env:
        overrides["env"] = resolve_env_id(args.env)
    if env_kwargs is not None:
        overrides["env_kwargs"] = env_kwargs
    agent = BaseAgent.load(checkpoint, experience=False, **overrides)
    metrics = evaluate_agent(agent, split=args.split, episodes_per_task=args.episodes_per_task,
                             out_dir=args.out, resume=args.resume, num_envs=args.workers, checkpoint=checkpoint,
                             progress=agent.accelerator.is_main_process)
    return {"checkpoint": str(checkpoint), **metrics}


def cmd_compare(args: argparse.Namespace) -> int:
    from archer_agents.compare import compare

    agents = args.agents.split(",")
    seeds = [int(s) for s in args.seeds.split(",")]
    table = compare(agents, args.env, seeds=seeds, trajectories=args.trajectories, eval_every=args.eval_every,
                    preset=args.preset, output_dir=args.output_dir, overrides=args.overrides,
                    reference=args.reference, slow=args.slow, workers=args.workers)
    print(table)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    if args.agent:
        print(config_keys(args.agent, args.env, args.preset or DEFAULT_PRESET))
        return 0
    if args.env or args.preset:
        raise ConfigError("--env and --preset resolve an agent's config keys: give --agent too")
    from archer_gym.registration import ENVS

    print("agents:", ", ".join(AGENT_NAMES))
    print("envs:  ", ", ".join(e.id for e in ENVS))
    return 0


# ------------------------------------------------------------------ config keys, resolved
def config_keys(agent: str, env: str | None, preset: str) -> str:
    """Every config key of ``agent`` with its type, its value for ``env`` and ``preset``, and its meaning."""
    _, config = resolve_config(agent, env, preset)
    head = f"{agent} on {config.env} with the {preset} preset: every config key, resolved (set with KEY=VALUE)"
    return "\n".join([head, "", *_key_lines(config, [f.name for f in dataclasses.fields(config)])])


def config_keys_of_every_agent(agent: str, env: str | None, preset: str) -> str:
    """:func:`config_keys` of ``agent``, then the keys only the other agents have."""
    text = [config_keys(agent, env, preset)]
    shown = {f.name for f in dataclasses.fields(resolve_config(agent, env, preset)[1])}
    for other in AGENT_NAMES:
        _, config = resolve_config(other, env, preset)
        keys = [f.name for f in dataclasses.fields(config) if f.name not in shown]
        if keys:
            text += ["", f"{other} also has (--agent {other}):", *_key_lines(config, keys)]
            shown.update(keys)
    return "\n".join(text)


def _key_lines(config: AgentConfig, keys: Iterable[str]) -> list[str]:
    docs, hints = field_docs(type(config)), typing.get_type_hints(type(config))
    lines = []
    for key in keys:
        kind = getattr(hints[key], "__name__", str(hints[key]))
        lines.append(f"  {key}: {kind} = {getattr(config, key)!r}")
        lines.append(textwrap.fill(docs.get(key, ""), width=100, initial_indent=" " * 6, subsequent_indent=" " * 6))
    return lines


class HelpWithConfigKeys(argparse.Action):
    """``-h/--help`` of ``train`` and ``pretrain``: the flags, then every config key resolved for the
    ``--agent``, ``--env`` and ``--preset`` given before it (the other agents' keys follow)."""

    def __init__(self, option_strings: Sequence[str], dest: str, help: str | None = None):
        super().__init__(option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        parser.epilog = config_keys_of_every_agent(namespace.agent, namespace.env, namespace.preset or DEFAULT_PRESET)
        parser.print_help()
        parser.exit()


# ---------------------------------------------------------------------------------- parser
def _add_train_flags(p: argparse.ArgumentParser, with_agent: bool) -> None:
    p.add_argument("-h", "--help", action=HelpWithConfigKeys,
                   help="show this help, with every config key resolved for the --agent, --env and --preset "
                        "given before it, and exit")
    if with_agent:
        p.add_argument("--agent", default=DEFAULT_AGENT, choices=AGENT_NAMES,
                       help=f"algorithm to train (default: {DEFAULT_AGENT}, which gains the most within minutes on "
                            "the default; archer is ArCHer)")
    p.add_argument("--env", help=f"env id or short name (default: the --config file's env, else {AgentConfig.env}); "
                                 "the only way to set the env")
    p.add_argument("--preset", choices=PRESETS,
                   help="tiny: small models built from configs, CPU-friendly (the default); paper: gpt2 + "
                        "roberta-base, the paper's per-env hyperparameters (each agent takes those that describe "
                        "it) and the envs' paper rules (mode=paper); repo: the same with the reference code's "
                        "values (gamma 0.95 on every env, replay 100,000, filtered BC's warm-up); default: the "
                        "config dataclass defaults")
    p.add_argument("--config", help="YAML file of config keys, applied after the preset")
    p.add_argument("--resume", action="store_true",
                   help="continue from the latest checkpoint in output_dir, with its saved config plus the "
                        "KEY=VALUE overrides (--config and --preset are errors then); without one, start fresh")
    p.add_argument("--num-processes", type=int, default=1,
                   help="processes (GPUs) to train with; each collects its own rollouts (relaunches under torchrun)")
    p.add_argument("overrides", nargs="*", metavar="KEY=VALUE",
                   help="config overrides, e.g. iterations=50 actor_lr=1e-5 (every key is listed below)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="archer-agents", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("train", help="train an agent (default: ArCHer, tiny preset, Twenty Questions Subset)",
                       add_help=False, formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_train_flags(p, with_agent=True)
    p.set_defaults(func=cmd_train)
    p = sub.add_parser("pretrain", help="behaviour cloning on a dialogue dataset (the BC start of every agent)",
                       add_help=False, formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_train_flags(p, with_agent=False)
    p.set_defaults(func=cmd_train, agent="bc")
    p = sub.add_parser(
        "evaluate", help="score an agent on every task of a split (checkpoints, any LLM, reference rows)",
        description="Play every task of the split exactly once to its end and report mean return and success "
                    "rate with standard error and 95% bootstrap CI. With --out, write DIR/<env>/episodes.jsonl "
                    "(every turn), DIR/<env>/summary.json and DIR/summary.json (what was evaluated, by which "
                    "code, where and when): the layout that `archer-leaderboard validate` checks.")
    p.add_argument("--agent", required=True,
                   help="a checkpoint or run directory of an archer-agents agent; openai:MODEL (any OpenAI-"
                        "compatible chat server, see --base-url; the key from $OPENAI_API_KEY); hf:NAME_OR_PATH (a "
                        "local transformers causal LM, or a .gguf file); scripted:STYLE (expert or weak in the "
                        "question games, first_result in WebShop, walkthrough in Detective); random")
    p.add_argument("--env", help="env id or short name (default for checkpoints: the env they trained on)")
    p.add_argument("--env-kwargs", help='env constructor options as a JSON object, e.g. \'{"mode": "paper"}\'')
    p.add_argument("--split", default="test", help="split to play (default: test; e.g. valid, heldout_test)")
    p.add_argument("--out", help="directory for the episode log and summaries (default: print the summary only)")
    p.add_argument("--episodes-per-task", type=int, default=1,
                   help="play every task this many times, with different seeds (default: 1)")
    p.add_argument("--resume", action="store_true", help="keep the episodes already in --out and play the rest")
    p.add_argument("--workers", type=int, default=8,
                   help="episodes played in parallel (parallel envs; concurrent requests to a chat server)")
    p.add_argument("--base-url", help="openai: the server's URL, e.g. http://127.0.0.1:8000/v1 "
                                      "(default: $OPENAI_BASE_URL, else OpenAI's)")
    p.add_argument("--temperature", type=float, default=0.0, help="openai/hf: sampling temperature (0: greedy)")
    p.add_argument("--timeout", type=float, default=60.0, help="openai: seconds per request before a retry")
    p.add_argument("--max-retries", type=int, default=2, help="openai: retries of a failed request")
    p.add_argument("overrides", nargs="*", metavar="KEY=VALUE",
                   help="checkpoints: config overrides, e.g. eval_greedy=false")
    p.set_defaults(func=cmd_evaluate)
    p = sub.add_parser("compare", help="several agents on one env, same BC start, budget and seeds: rliable "
                                       "statistics (IQM, bootstrap CIs, probability of improvement), table + plots")
    p.add_argument("--agents", default="archer,archer_ppo,filtered_bc,chai,ppo",
                   help="comma-separated agents (default: the five RL agents of ArCHer's comparison; the group "
                        "methods grpo, rloo and gigpo can be added)")
    p.add_argument("--env", default=AgentConfig.env, help=f"env id or short name (default: {AgentConfig.env})")
    p.add_argument("--seeds", default="0,1,2", help="comma-separated seeds (default: 0,1,2)")
    p.add_argument("--trajectories", type=int, default=640, help="env trajectories per run (the sample budget)")
    p.add_argument("--eval-every", type=int, default=None,
                   help="evaluate every agent after this many trajectories (a multiple of each agent's "
                        "trajectories_per_iteration that divides the budget; default: a quarter of the budget)")
    p.add_argument("--reference", default="archer",
                   help="the agent whose probability of improving on each other one is reported (default: archer)")
    p.add_argument("--slow", default="ppo",
                   help="sample efficiency: trajectories this agent needs to reach its own final return over those "
                        "--reference needs (default: ppo, as the paper)")
    p.add_argument("--workers", type=int, default=1,
                   help="runs in parallel, each process with its share of the CPU threads (default: 1)")
    p.add_argument("--preset", default=DEFAULT_PRESET, choices=PRESETS, help="preset for every run (default: tiny)")
    p.add_argument("--output-dir", default="runs/compare",
                   help="where runs, the table and the plot go; run again on it, a finished run of the same "
                        "config is reused and an interrupted one goes on from its last evaluation's checkpoint")
    p.add_argument("overrides", nargs="*", metavar="KEY=VALUE",
                   help="config overrides for every agent that has the key; AGENT.KEY=VALUE for one agent only")
    p.set_defaults(func=cmd_compare)
    p = sub.add_parser("list", help="list agents and envs, or an agent's config keys resolved for an env and preset")
    p.add_argument("--agent", choices=AGENT_NAMES,
                   help="show this agent's config keys: type, value (as train would run it) and meaning")
    p.add_argument("--env", help=f"with --agent: resolve the values for this env (default: {AgentConfig.env})")
    p.add_argument("--preset", choices=PRESETS, help="with --agent: resolve the values for this preset (default: tiny)")
    p.set_defaults(func=cmd_list)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ConfigError, ValueError, FileNotFoundError) as error:
        print(f"archer-agents: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
