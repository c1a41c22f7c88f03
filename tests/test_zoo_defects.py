"""Issue 15's defects of the agent zoo (and issue 13 item 3), one test each; the two-process tests
run under torchrun with gloo on CPUs, as ``archer-agents train --num-processes 2`` does."""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
from types import SimpleNamespace

import gymnasium as gym
import numpy as np
import pytest
import torch

import archer_gym  # noqa: F401  (registers the archer/... ids)
from archer_agents import AGENT_NAMES, get_agent
from archer_agents.algorithms.ppo import TokenSample, ppo_update
from archer_agents.buffers import Trajectory, Transition
from archer_agents.cli import main
from archer_agents.config import ConfigError
from archer_agents.factory import resolve_config
from archer_agents.models.critic import DoubleCritic
from archer_agents.models.policy import TextPolicy
from archer_agents.models.presets import tiny_encoder, train_tokenizer

ENVS = ("archer/TwentyQuestions-v0", "archer/TwentyQuestionsSubset-v0", "archer/GuessMyCity-v0",
        "archer/Detective-v0", "archer/WebShop-v0")

# algorithms.md §1.9, transcribed: γ (paper table), warm-up iterations (paper; repo), trajectories
# per iteration, parallel envs, ArCHer's actor lr.
TABLE = {
    "archer/TwentyQuestions-v0": (0.95, 20, 20, 128, 32, 1e-6),
    "archer/TwentyQuestionsSubset-v0": (0.95, 10, 20, 128, 32, 1e-6),
    "archer/GuessMyCity-v0": (0.95, 10, 10, 128, 32, 1e-5),
    "archer/Detective-v0": (0.98, 10, 10, 128, 4, 1e-5),
    "archer/WebShop-v0": (0.9, 20, 20, 512, 32, 1e-5),
}
PAPER_ENV_KWARGS = {
    "archer/TwentyQuestions-v0": {"mode": "paper"},
    "archer/TwentyQuestionsSubset-v0": {"mode": "paper"},
    "archer/GuessMyCity-v0": {"mode": "paper"},
    "archer/Detective-v0": {"mode": "paper"},
    "archer/WebShop-v0": {"observation_mode": "react", "mode": "paper", "show_attrs": True, "split": "archer"},
}


def expected(agent: str, env_id: str, preset: str) -> dict:
    """What the paper (its table, §7 for PPO) and the reference configs (§1.9, §4, §5.2) give ``agent``."""
    gamma, warmup_paper, warmup_repo, trajectories, num_envs, archer_lr = TABLE[env_id]
    repo = preset == "repo"
    values = {"actor": "gpt2", "gamma": 0.95 if repo else gamma, "num_envs": num_envs,
              "env_kwargs": PAPER_ENV_KWARGS[env_id]}
    critic_agent = {"critic": "roberta-base", "replay_capacity": 100_000 if repo else 10_000,
                    "trajectories_per_iteration": trajectories}
    warmup = warmup_repo if repo else warmup_paper
    if agent == "archer":
        values.update(critic_agent, warmup_iterations=warmup, actor_lr=archer_lr)
    elif agent == "archer_ppo":
        values.update(critic_agent, warmup_iterations=warmup, actor_lr=1e-5)
    elif agent == "chai":
        values.update(critic_agent)
    elif agent == "filtered_bc":  # the reference waits out ArCHer's warm-up; 1e-5 in the reference
        values.update(trajectories_per_iteration=trajectories, actor_lr=1e-5, warmup_iterations=warmup if repo else 0)
    elif agent == "ppo":  # the paper needed >= 1,024 rollouts per update
        values.update(trajectories_per_iteration=1024, actor_lr=1e-5)
    return values


# --------------------------------------------------------------- 2 and issue 13 item 3: presets
@pytest.mark.parametrize("preset", ["paper", "repo"])
@pytest.mark.parametrize("env_id", ENVS)
def test_presets_resolve_per_agent_to_the_papers_table_and_the_reference_configs(env_id, preset):
    for agent in AGENT_NAMES:
        _, config = resolve_config(agent, env_id, preset)
        want = expected(agent, env_id, preset)
        assert {k: getattr(config, k) for k in want} == want, agent


def test_list_shows_the_resolved_values_of_an_agent_env_and_preset(capsys):
    assert main(["list", "--agent", "ppo", "--env", "20q", "--preset", "paper"]) == 0
    out = capsys.readouterr().out
    assert "trajectories_per_iteration: int = 1024" in out and "actor_lr: float = 1e-05" in out
    assert "env_kwargs: dict = {'mode': 'paper'}" in out
    assert main(["list", "--agent", "filtered_bc", "--env", "20q", "--preset", "repo"]) == 0
    assert "warmup_iterations: int = 20" in capsys.readouterr().out


def test_preset_env_kwargs_merge_with_the_users_and_webshop_matches_its_archer_id():
    from archer_gym.registration import default_kwargs

    _, config = resolve_config("archer", "20q", "paper", overrides={"env_kwargs": "{max_turns: 4}"})
    assert config.env_kwargs == {"mode": "paper", "max_turns": 4}
    registered = default_kwargs("archer/WebShopArCHer-v0")
    assert PAPER_ENV_KWARGS["archer/WebShop-v0"].items() <= registered.items()
    _, config = resolve_config("archer", "webshop_archer", "paper")  # registered with them already
    assert config.env_kwargs == {} and (config.gamma, config.trajectories_per_iteration) == (0.9, 512)


@pytest.mark.parametrize("env_id", ["archer/TwentyQuestions-v0", "archer/TwentyQuestionsSubset-v0",
                                    "archer/GuessMyCity-v0", "archer/WebShop-v0", "archer/Detective-v0"])
def test_an_env_built_from_the_preset_plays_its_paper_rules(env_id, cache_dir):
    _, config = resolve_config("archer", env_id, "paper")
    kwargs = dict(config.env_kwargs)
    if env_id == "archer/Detective-v0":
        from archer_gym.envs.detective_rom import DetectiveRomError, locate_rom

        pytest.importorskip("jericho")
        try:
            locate_rom()
        except DetectiveRomError:
            pytest.skip("no detective.z5 here")
    if env_id == "archer/WebShop-v0":
        kwargs["cache_dir"] = cache_dir
    env = gym.make(env_id, **kwargs)
    game = env.unwrapped.game
    try:
        if env_id == "archer/WebShop-v0":
            assert (game.observation_mode, game.archer_rules, game.split, game.show_attrs) == (
                "react", True, "archer", True)
        else:
            assert game.task.mode == "paper" if hasattr(game, "task") else game.mode == "paper"
        if env_id == "archer/TwentyQuestions-v0":
            assert len(game.task.targets) == 157
        if env_id == "archer/GuessMyCity-v0":
            assert len(game.task.targets) == 91
    finally:
        env.close()


# ------------------------------------------------- 3: the PPO loss and micro-batch size
def _ppo_samples(policy: TextPolicy) -> list[TokenSample]:
    """Utterances of 1, 2 and 5 tokens with advantages of both signs: a per-micro-batch token mean
    weights them differently at each micro-batch size."""
    rng = np.random.default_rng(0)
    vocab = len(policy.tokenizer)
    lengths, advantages = [5, 1, 2, 1, 5], [1.0, -3.0, 0.5, 2.0, -1.0]
    observations = ["Questions:", "Questions: dog", "Is it a dog", "Questions: Is it", "No."]
    samples = []
    for observation, n, a in zip(observations, lengths, advantages):
        ids = rng.integers(3, vocab, size=n).tolist()
        with torch.no_grad():
            old, _ = policy.token_log_probs([observation], [ids])
        # Old log-probs a little off the current ones, so ratios differ from 1 (some get clipped).
        old_log_probs = (old[0] + torch.tensor(rng.normal(0, 0.1, size=n))).tolist()
        samples.append(TokenSample(observation, ids, old_log_probs, [a * (i + 1) / n for i in range(n)],
                                   rng.normal(size=n).tolist()))
    return samples


@pytest.mark.parametrize("normalize", [False, True])
def test_ppo_gradient_does_not_depend_on_micro_batch_size(tiny_models, normalize):
    from accelerate import Accelerator
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(tiny_models["gpt2"])
    tokenizer = AutoTokenizer.from_pretrained(tiny_models["gpt2"])
    value_head = torch.nn.Linear(model.config.hidden_size, 1)
    samples = _ppo_samples(TextPolicy(model, tokenizer))
    gradients = []
    for micro_batch_size in (1, 3, len(samples)):
        policy = TextPolicy(copy.deepcopy(model), tokenizer)
        head = copy.deepcopy(value_head)
        params = list(policy.model.parameters()) + list(head.parameters())
        before = [p.detach().clone() for p in params]
        agent = SimpleNamespace(
            config=SimpleNamespace(seed=0, micro_batch_size=micro_batch_size, grad_clip=1e9), iteration=0,
            policy=policy, accelerator=Accelerator(cpu=True), actor_optimizer=torch.optim.SGD(params, lr=1.0))
        ppo_update(agent, [samples[:2], samples[2:]], epochs=1, clip=0.1, minibatch=len(samples), normalize=normalize,
                   value_head=head, vf_coef=0.5)
        gradients.append(torch.cat([(b - p.detach()).flatten() for b, p in zip(before, params)]))  # SGD, lr 1
    assert gradients[0].abs().max() > 1e-4
    for other in gradients[1:]:
        torch.testing.assert_close(other, gradients[0], atol=1e-6, rtol=0)


# ------------------------------------------------------- 5: a chunk of empty actions
def test_tiny_critic_scores_a_chunk_of_empty_actions():
    tokenizer = train_tokenizer(["Is it a dog? No.\nIs it a cat? Yes.\n"] * 5, vocab_size=200)
    critic = DoubleCritic(tiny_encoder(tokenizer), tokenizer)
    q1, q2, v1, v2 = critic(["Questions:\n", ""], ["", ""])
    assert q1.shape == (2,) and torch.isfinite(torch.stack([q1, q2, v1, v2])).all()


# ---------------------------------- 7: end-of-text and log-probs of the distribution sampled
class FixedLM(torch.nn.Module):
    """A causal LM whose next-token logits are always ``logits``."""

    def __init__(self, logits: torch.Tensor):
        from transformers import PretrainedConfig

        super().__init__()
        self.logits = torch.nn.Parameter(logits)
        self.config = PretrainedConfig(num_hidden_layers=0)  # no layers whose states a cache would keep

    def forward(self, input_ids, attention_mask=None, position_ids=None, past_key_values=None, use_cache=False,
                logits_to_keep=None, output_hidden_states=False):
        from transformers import DynamicCache

        # Like any cached LM it returns a cache; it has no layers whose states it would keep.
        return SimpleNamespace(logits=self.logits.expand(*input_ids.shape, -1), past_key_values=DynamicCache())


def _fixed_policy(logits_of: dict[str, float]) -> tuple[TextPolicy, torch.Tensor]:
    tokenizer = train_tokenizer(["Is it a dog? No.\nIs it a cat? Yes.\n"] * 5, vocab_size=200)
    logits = torch.full((len(tokenizer),), -5.0)
    for token, value in logits_of.items():
        logits[tokenizer.convert_tokens_to_ids(token)] = value
    return TextPolicy(FixedLM(logits), tokenizer, max_new_tokens=6), logits


def test_generation_stops_at_the_end_of_text_token():
    policy, _ = _fixed_policy({"<|endoftext|>": 20.0})
    eos = policy.tokenizer.eos_token_id
    for utterance in policy.generate(["Questions:\n"] * 3) + policy.generate(["Questions:\n"], sample=False):
        assert (utterance.token_ids, utterance.text, utterance.cut) == ([eos], "", False)


def test_stored_log_probs_are_those_of_the_distribution_sampled():
    policy, logits = _fixed_policy({"dog": 2.0, "cat": 1.5, "Is": 1.0, "No": 0.5})
    torch.manual_seed(0)
    temperature, top_k = 0.5, 3
    tempered = logits / temperature
    tempered[tempered < torch.topk(tempered, top_k).values[-1]] = float("-inf")
    sampled = torch.log_softmax(tempered, -1)
    stored = [(i, lp) for u in policy.generate(["Questions:\n"] * 8, temperature=temperature, top_k=top_k)
              for i, lp in zip(u.token_ids, u.token_log_probs)]
    assert {i for i, _ in stored} <= set(torch.topk(logits, top_k).indices.tolist())
    for token, log_prob in stored:
        assert log_prob == pytest.approx(sampled[token].item(), abs=1e-5)


@pytest.mark.parametrize("agent", ["archer", "archer_ppo", "ppo"])
def test_agents_learning_from_their_samples_log_probs_refuse_other_sampling(agent):
    config_class = get_agent(agent).config_class
    with pytest.raises(ConfigError, match="temperature must be 1.0"):
        config_class(temperature=0.7)
    with pytest.raises(ConfigError, match="top_k must be 0"):
        config_class(top_k=5)
    get_agent("chai").config_class(temperature=0.7, top_k=5)  # a frozen actor: any sampling
    get_agent("filtered_bc").config_class(temperature=0.7, top_k=5)  # imitates what it said


# ------------------------------------------------------------- 9: filtered BC's warm-up
def test_filtered_bc_waits_out_its_warm_up(tiny_models, tmp_path):
    agent = get_agent("filtered_bc")(env="20q_subset", actor=str(tiny_models["gpt2"]), output_dir=str(tmp_path),
                                     warmup_iterations=1, batch_size=4, micro_batch_size=4, tensorboard=False)
    ids = agent.policy.tokenizer("dog", add_special_tokens=False)["input_ids"]
    agent.store([Trajectory([Transition("Questions:\n", "dog", ids, [0.0] * len(ids), float(r), "", True, False)])
                 for r in range(4)])
    params = lambda: torch.cat([p.detach().flatten() for p in agent.policy.model.parameters()])  # noqa: E731
    before = params()
    assert agent.train() == {} and torch.equal(params(), before)
    agent.iteration = 1
    assert agent.train()["filter/cutoff"] == pytest.approx(np.quantile([0, 1, 2, 3], 0.9))
    assert not torch.equal(params(), before)


# -------------------------------------------------- 1, 4, 6 and 8: two processes (gloo)
WORKER = r'''
import hashlib, json, sys
import gymnasium as gym
import torch
from archer_agents import AGENT_NAMES, get_agent
from archer_agents.base import NonFiniteLossError

mode, actor, pairs, out = sys.argv[1:5]


class Corridor(gym.Env):
    """Episodes of 1 to 4 turns, drawn at reset: processes hold different numbers of utterances."""

    observation_space = action_space = gym.spaces.Text(10_000)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.left, self.history = int(self.np_random.integers(1, 5)), "Questions:\n"
        return self.history, {"state_key": self.history}

    def step(self, action):
        self.left -= 1
        self.history += action + "\n"
        return self.history, float(len(action) % 3) - 1.0, self.left == 0, False, {"state_key": self.history}


gym.register("Corridor-v0", entry_point=Corridor)
VALUES = dict(env="Corridor-v0", actor=actor, critic="tiny", bc_dataset=pairs, iterations=2,
              trajectories_per_iteration=6, num_envs=2, batch_size=6, micro_batch_size=4, critic_steps=2,
              actor_steps=1, warmup_iterations=1, eval_every=0, save_every=0, max_new_tokens=4,
              max_prompt_tokens=64, critic_max_tokens=64, tensorboard=False, ppo_states=6, k=2, epochs=2,
              ppo_epochs=2, steps_per_iteration=2, n_groups=2, group_size=3)


def make(name, **extra):
    cls = get_agent(name)
    known = set(cls.config_class.__dataclass_fields__)
    return cls(**{k: v for k, v in {**VALUES, **extra}.items() if k in known}, output_dir=f"{out}/{name}")


def digest(modules):
    h = hashlib.sha256()
    for module in modules:
        for p in module.state_dict().values():
            h.update(p.detach().cpu().float().numpy().tobytes())
    return h.hexdigest()


def networks(agent):
    found = {"actor": [agent.accelerator.unwrap_model(agent.policy.model)]}
    if hasattr(agent, "critics"):
        found["critic"] = [agent.accelerator.unwrap_model(agent.critics.online)]
        found["target"] = [agent.critics.target]
    if getattr(agent, "value_head", None) is not None:
        found["value_head"] = [agent.accelerator.unwrap_model(agent.value_head)]
    return {k: digest(v) for k, v in found.items()}


report = {}
if mode == "nan":
    agent = make("bc")
    train = agent.train
    agent.train = lambda: {**train(), "actor/bc_loss": float("nan")} if agent.rank == 1 else train()
    try:
        agent.learn()
        report["error"] = None
    except NonFiniteLossError as error:
        report["error"] = str(error)
else:
    for name in AGENT_NAMES:
        agent = make(name)
        report[name] = {"setup": networks(agent), "cutoffs": []}
        agent.learn(callback=lambda a, m: report[a.name]["cutoffs"].append(m.get("filter/cutoff")))
        report[name]["end"] = networks(agent)
        if name == "filtered_bc":
            report[name]["returns"] = [t.episode_return for t in agent.store_.trajectories]
with open(f"{out}/rank{agent.rank}.json", "w") as f:
    json.dump(report, f)
'''


def _two_processes(tmp_path, tiny_models, mode: str, timeout: int) -> list[dict]:
    script, pairs = tmp_path / "worker.py", tmp_path / "pairs.jsonl"
    script.write_text(WORKER)
    pairs.write_text("".join(json.dumps({"observation": "Questions:\n", "action": a}) + "\n" for a in ("dog", "cat")))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "ARCHER_AGENTS_CACHE": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", str(script),
               mode, str(tiny_models["gpt2"]), str(pairs), str(tmp_path)]
    # A session of its own, so a deadlock kills the workers too, not only torchrun.
    launcher = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                                start_new_session=True)
    try:
        _, stderr = launcher.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(launcher.pid, signal.SIGKILL)
        launcher.communicate()
        pytest.fail(f"two processes still running after {timeout} s: a collective that one process never joins")
    reports = [tmp_path / f"rank{r}.json" for r in range(2)]
    assert all(r.exists() for r in reports), stderr[-4000:]
    return [json.loads(r.read_text()) for r in reports]


@pytest.mark.slow
def test_every_agent_keeps_processes_in_step_with_uneven_episodes(tmp_path, tiny_models):
    """1: same collectives on every process (else a deadlock or diverging weights); 4: the target
    equals the online critic after setup on every process; 6: filtered BC's cutoff is over every
    process's returns."""
    rank0, rank1 = _two_processes(tmp_path, tiny_models, "agents", timeout=300)
    for agent in AGENT_NAMES:
        for stage in ("setup", "end"):
            assert rank0[agent][stage] == rank1[agent][stage], (agent, stage)
        if "target" in rank0[agent]["setup"]:
            assert rank0[agent]["setup"]["target"] == rank0[agent]["setup"]["critic"], agent
    every_return = rank0["filtered_bc"]["returns"] + rank1["filtered_bc"]["returns"]
    cutoff = rank0["filtered_bc"]["cutoffs"][-1]
    assert rank1["filtered_bc"]["cutoffs"][-1] == cutoff == pytest.approx(np.quantile(every_return, 0.9))


@pytest.mark.slow
def test_a_nan_on_one_process_stops_every_process_with_the_message(tmp_path, tiny_models):
    reports = _two_processes(tmp_path, tiny_models, "nan", timeout=300)
    for report in reports:
        assert "actor/bc_loss became nan at iteration 0 on process 1" in (report["error"] or "")
