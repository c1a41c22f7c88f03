"""The ``archer-gym`` command line: list, play, serve, dataset, oracle-eval, fetch.

Every subcommand documents its flags under ``--help``; heavy imports happen inside the command
that needs them, so ``archer-gym --help`` and ``archer-gym list`` stay instant.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from typing import Any, Sequence

from archer_gym.registration import ALIASES, ENVS, resolve_env_id


def _key_value(text: str) -> tuple[str, Any]:
    """Parse ``KEY=VALUE``; VALUE is JSON when it parses (numbers, true, lists), else a string."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def cmd_list(args: argparse.Namespace) -> int:
    # Plain lines rather than a table: a table cut to the terminal's width would shorten the ids,
    # which users copy from here.
    for env in ENVS:
        short = ", ".join(k for k, v in ALIASES.items() if v == env.id)
        print(f"{env.id}  ({short})" if short else env.id)
        print(f"    {env.description}")
    return 0


def cmd_play(args: argparse.Namespace) -> int:
    import gymnasium as gym

    env_id = resolve_env_id(args.env)
    env_kwargs = dict(args.env_kwarg or [])
    _check_env_kwargs(env_id, env_kwargs)
    env = gym.make(env_id, **env_kwargs)
    options = dict(args.option or [])
    observation, info = env.reset(seed=args.seed, options=options or None)
    _show(observation, info)
    done = False
    while not done:
        try:
            action = input("> ")
        except EOFError:
            print()
            break
        observation, reward, terminated, truncated, info = env.step(action)
        _show(observation, info)
        done = terminated or truncated
    if done:
        outcome = "solved" if info.get("success") else "over" if terminated else "out of turns"
        print(f"Episode {outcome} after {info['turn']} turns, return {info['episode_return']:g}."
              + (f" The answer was: {info['target']}." if "target" in info else ""))
    env.close()
    return 0


def _check_env_kwargs(env_id: str, kwargs: dict[str, Any]) -> None:
    """Refuse constructor arguments the env does not take with a one-line error naming the valid
    ones (``gym.make`` would raise a TypeError from deep inside Gymnasium)."""
    import inspect

    import gymnasium as gym
    from gymnasium.envs.registration import load_env_creator

    parameters = inspect.signature(load_env_creator(gym.spec(env_id).entry_point)).parameters
    if any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
        return  # the env takes any keyword; it checks them itself
    valid = [name for name, p in parameters.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    for key in kwargs:
        if key not in valid:
            close = difflib.get_close_matches(key, valid, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"{env_id} has no argument {key!r}{hint}; valid -k keys: {', '.join(valid)}")


def _show(observation: str, info: dict[str, Any]) -> None:
    """Print the observation, then why the action failed when the env says so (WebShop's
    ``info["error"]``) and, where the env lists them, the actions it would take."""
    print(observation, end="" if observation.endswith("\n") else "\n")
    if info.get("error"):
        print(f"[invalid action: {info['error']}]")
        available = info.get("available_actions")
        if isinstance(available, dict):  # WebShop: {"has_search_bar": bool, "clickables": [...]}
            choices = (["search[...]"] if available.get("has_search_bar") else []) + [
                f"click[{c}]" for c in available.get("clickables", [])]
            print(f"[available: {', '.join(choices)}]")


def cmd_serve(args: argparse.Namespace) -> int:
    def given(*names: str) -> dict[str, Any]:
        """The flags among ``names`` that were given; the servers' own defaults apply to the others."""
        return {name: getattr(args, name) for name in names if getattr(args, name) is not None}

    if args.service == "webshop":
        from servers.webshop import serve as serve_webshop

        serve_webshop(args.host, args.port or 3000, data_dir=args.data_dir, show_attrs=args.attrs, mode=args.mode,
                      **given("max_sessions", "max_body_bytes"))
        return 0
    from servers.oracle import serve

    kwargs = dict(args.backend_kwarg or [])
    for name in ("model", "checkpoint", "gguf_file", "device", "base_url"):
        if getattr(args, name, None) is not None:
            kwargs[name] = getattr(args, name)
    serve(args.host, args.port or 8001, args.backend, kwargs, max_batch=args.max_batch,
          batch_window_s=args.batch_window_ms / 1000, **given("max_body_bytes"))
    return 0


def cmd_dataset(args: argparse.Namespace) -> int:
    from archer_gym.datasets.demonstrations import write_dataset

    env_kwargs = {"rom_path": args.rom} if args.rom else {}
    if args.task == "detective":
        env_kwargs["valid_actions"] = args.valid_actions
    if args.task == "webshop":
        env_kwargs["env_id"] = args.webshop_env
    stats = write_dataset(args.task, args.episodes, args.out, style=args.style, noise=args.noise, seed=args.seed,
                          **env_kwargs)
    print(f"wrote {stats['episodes']} episodes to {args.out}: success rate "
          f"{stats['success_rate']:.3f}, mean return {stats['mean_return']:.2f}")
    return 0


def cmd_oracle_eval(args: argparse.Namespace) -> int:
    from archer_gym.oracles import make_oracle
    from archer_gym.oracles.evaluation import evaluate_oracle

    oracle = make_oracle(args.task, args.backend, **dict(args.backend_kwarg or []))
    report = evaluate_oracle(oracle, limit=args.limit)
    print(f"{args.task} / {args.backend}: accuracy {report.accuracy:.3f} on {report.total} labelled questions")
    for row in report.errors[: args.show_errors]:
        print(f"  {row}")
    return 0


def cmd_fetch(args: argparse.Namespace) -> int:
    from archer_gym.envs.detective import fetch_detective_rom

    print(fetch_detective_rom(args.dest) if args.dest else fetch_detective_rom())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="archer-gym", description="Multi-turn text environments for language-model agents.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("list", help="list the registered environments")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("play", help="play an environment yourself in the terminal",
                       description="Play an env interactively: type one action per line; Ctrl-D quits.")
    p.add_argument("env", help="env id or short name (see `archer-gym list`), e.g. 20q")
    p.add_argument("--seed", type=int, default=None, help="reset seed (default: random)")
    p.add_argument("-o", "--option", type=_key_value, action="append", metavar="KEY=VALUE",
                   help="reset option, e.g. word=Dog or city='Tokyo, Japan' (repeatable)")
    p.add_argument("-k", "--env-kwarg", type=_key_value, action="append", metavar="KEY=VALUE",
                   help="env constructor argument, e.g. mode=paper or oracle=openai (repeatable)")
    p.set_defaults(func=cmd_play)

    p = sub.add_parser("serve", help="run a server (oracle or webshop)",
                       description="oracle: serve an oracle backend over an OpenAI-compatible HTTP API. "
                                   "webshop: serve the WebShop site (Flask) on the bundled or your catalogue.")
    p.add_argument("service", choices=["oracle", "webshop"], help="what to serve")
    p.add_argument("--backend", default="kb", choices=["kb", "hf", "openai"],
                   help="oracle: backend behind the server (default: kb)")
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="TCP port (default: 8001 oracle, 3000 webshop)")
    p.add_argument("--model", help="hf: model name or local path; openai: upstream model name")
    p.add_argument("--checkpoint", help="hf: state-dict file loaded on top of --model (ArCHer's .pt oracles)")
    p.add_argument("--gguf-file", dest="gguf_file", help="hf: GGUF file inside --model to load")
    p.add_argument("--device", help="hf: torch device, e.g. cuda:0 (default: cpu)")
    p.add_argument("--base-url", dest="base_url", help="openai: upstream server URL")
    p.add_argument("--backend-kwarg", type=_key_value, action="append", metavar="KEY=VALUE",
                   help="any other backend argument, e.g. batch_size=64 (repeatable)")
    p.add_argument("--max-batch", type=int, default=64, help="oracle: largest micro-batch sent to the backend")
    p.add_argument("--batch-window-ms", type=float, default=2.0,
                   help="oracle: how long to wait for more concurrent requests before answering a batch")
    p.add_argument("--max-body-bytes", type=int, default=None,
                   help="largest request body; larger ones are refused with 413 (default: 1048576 oracle, "
                        "65536 webshop)")
    p.add_argument("--data-dir", help="webshop: directory of the original WebShop files (default: "
                                      "$ARCHER_WEBSHOP_DATA, else the bundled catalogue)")
    p.add_argument("--attrs", action="store_true", help="webshop: show the Attributes tab on item pages")
    p.add_argument("--mode", default="default", choices=["default", "paper"],
                   help="webshop: paper reproduces the original's unseeded price-bound draw")
    p.add_argument("--max-sessions", type=int, default=None,
                   help="webshop: how many sessions are remembered; beyond it a new session makes the server "
                        "forget the least recently used idle one (default: 100000)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("dataset", help="write an offline BC dataset with an env's scripted demonstrator",
                       description="Play N episodes of an env with its scripted demonstrator and write "
                                   "them as JSONL: LMRL-Gym's {lines, correct, word|city} for the question "
                                   "games, {task, seed, turns: [{observation, action, reward}], return, "
                                   "success} for WebShop and Detective.")
    p.add_argument("task", choices=["twenty_questions", "guess_my_city", "webshop", "detective"],
                   help="which env's demonstrator: the knowledge-base questioner, the WebShop shopper "
                        "(search the instruction's key phrase, open the best-matching product, choose "
                        "the options it names, buy) or Detective's walkthrough with deviations")
    p.add_argument("--episodes", type=int, default=1000, help="number of episodes (default: 1000)")
    p.add_argument("--out", required=True, help="output JSONL file")
    p.add_argument("--style", choices=["expert", "weak"], default="expert",
                   help="expert: the demonstrator with its default noise (suboptimal, as the paper's SFT "
                        "data is); weak: mostly random moves (default: expert)")
    p.add_argument("--noise", type=float, default=None,
                   help="probability in [0, 1] of a random move at each decision, overriding the style's")
    p.add_argument("--seed", type=int, default=0, help="seed of targets and demonstrator (default: 0)")
    p.add_argument("--rom", default=None, help="detective: path to detective.z5 (default: $ARCHER_DETECTIVE_ROM "
                                                "or the env's own search)")
    p.add_argument("--valid-actions", action=argparse.BooleanOptionalAction, default=True,
                   help="detective: observations list the valid actions, as the env does by default (about 0.5 s "
                        "for every state not seen before: hours for 1,000 noisy games); --no-valid-actions "
                        "records the tiny preset's observations, in seconds")
    p.add_argument("--webshop-env", default="archer/WebShop-v0",
                   help="webshop: which setup's observations to record (archer/WebShop-v0, "
                        "archer/WebShopArCHer-v0, archer/WebShopVerlAgent-v0; default: archer/WebShop-v0)")
    p.set_defaults(func=cmd_dataset)

    p = sub.add_parser("oracle-eval", help="accuracy of an oracle backend on the labelled question set")
    p.add_argument("task", choices=["twenty_questions", "guess_my_city"], help="which game's questions")
    p.add_argument("--backend", default="kb", choices=["kb", "hf", "openai"], help="backend to evaluate")
    p.add_argument("--backend-kwarg", type=_key_value, action="append", metavar="KEY=VALUE",
                   help="backend argument, e.g. model=./flan-t5 or base_url=http://... (repeatable)")
    p.add_argument("--limit", type=int, default=None, help="evaluate only the first N questions")
    p.add_argument("--show-errors", type=int, default=10, help="print up to N wrong answers")
    p.set_defaults(func=cmd_oracle_eval)

    p = sub.add_parser("fetch", help="download game data that is not shipped (needs internet)")
    p.add_argument("what", choices=["detective"], help="detective: the detective.z5 ROM")
    p.add_argument("--dest", help="destination directory (default: ~/.cache/archer_gym)")
    p.set_defaults(func=cmd_fetch)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, FileNotFoundError) as error:
        print(f"archer-gym: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
