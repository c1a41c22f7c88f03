"""Every agent trains on every env id from the command line, with no file but Detective's ROM.

The BC start comes from the env's scripted demonstrator (:mod:`archer_gym.datasets.demonstrations`),
so a fresh install needs no dataset. Each run is one short iteration; its before and after
evaluations play the test split's first two tasks (``eval_tasks=2``), which the run names
``test[:2]``.
"""

from __future__ import annotations

import json
import shutil

import pytest

from archer_agents import AGENT_NAMES, get_agent
from archer_agents.cli import main
from archer_gym.registration import ENVS
from tests.conftest import SHARED_DATA

ROM = SHARED_DATA / "detective.z5"
ONE_ITERATION = {"iterations": 1, "trajectories_per_iteration": 2, "num_envs": 2, "n_groups": 1, "group_size": 2,
                 "bc_episodes": 4, "bc_steps": 5, "critic_steps": 1, "actor_steps": 1, "warmup_iterations": 0,
                 "batch_size": 4, "micro_batch_size": 4, "ppo_states": 4, "k": 2, "epochs": 1, "ppo_epochs": 1,
                 "max_new_tokens": 8, "max_prompt_tokens": 128, "critic_max_tokens": 128, "eval_every": 0,
                 "eval_tasks": 2, "eval_episodes_per_task": 1, "tensorboard": "false"}
"""One iteration of seconds; a key an agent does not have is left out of its command line."""


def env_kwargs(env_id: str) -> dict:
    kwargs = {"max_turns": 3}
    if env_id == "archer/Detective-v0":
        if not ROM.exists():
            pytest.skip("needs detective.z5")
        pytest.importorskip("jericho")
        kwargs["rom_path"] = str(ROM)
    if env_id == "archer/WebShopBrowser-v0" and shutil.which("chromedriver") is None:
        pytest.skip("needs Debian's chromium and chromium-driver packages")
    return kwargs


@pytest.mark.slow
@pytest.mark.parametrize("env_id", [spec.id for spec in ENVS])
@pytest.mark.parametrize("agent", AGENT_NAMES)
def test_every_agent_trains_on_every_env_from_the_cli(agent, env_id, tmp_path, capsys):
    keys = get_agent(agent).config_class.__dataclass_fields__
    overrides = [f"{key}={value}" for key, value in ONE_ITERATION.items() if key in keys]
    argv = ["train", "--agent", agent, "--env", env_id, *overrides,
            f"env_kwargs={json.dumps(env_kwargs(env_id))}", f"output_dir={tmp_path / 'run'}"]
    assert main(argv) == 0, capsys.readouterr().err
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["iterations"] == 1 and summary["trajectories"] >= (0 if agent == "bc" else 2)  # bc: no rollouts
    assert summary["split"] == "test[:2]"
    assert summary["initial"]["episodes"] == summary["final"]["episodes"] == 2
    assert "test[:2]-split return" in capsys.readouterr().err
