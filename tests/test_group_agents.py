"""GRPO, RLOO and GiGPO (archer_agents.algorithms.group): the advantages against hand-computed
examples, StarPO-S's filter and decoupled clip, grouped collection, config errors, one iteration of
each agent from the tiny preset, checkpoints and resume, the CLI, and (slow) learning."""

from __future__ import annotations

import copy
import itertools
import json
import math
import re
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from gymnasium.vector import VectorWrapper

from archer_agents import AGENT_NAMES, get_agent, make_agent
from archer_agents.algorithms.group import (
    GiGPOAgent,
    GroupTrajectory,
    anchor_step_advantages,
    collect_groups,
    discounted_returns,
    grpo_advantages,
    rloo_advantages,
    select_groups,
)
from archer_agents.algorithms.ppo import TokenSample, ppo_update
from archer_agents.base import BaseAgent
from archer_agents.buffers import Transition
from archer_agents.cli import main
from archer_agents.config import ConfigError, update
from archer_agents.logger import read_metrics
from archer_agents.models.policy import TextPolicy, Utterance
from archer_gym.envs.twenty_questions import TwentyQuestionsVectorEnv
from tests.conftest import SUBSET, ScriptedOracle, says_yes_to_target
from tests.test_agents_learning import DOG_TASKS, always_dog, random_guesser_games  # noqa: F401 (a fixture)
from tests.test_agents_learning import COMMON as LEARNING_COMMON

GROUP_AGENTS = ["grpo", "rloo", "gigpo"]


# ------------------------------------------------------------------------ advantages by hand
RETURNS = [-1.0, -3.0, -2.0, -2.0]  # mean -2, deviations [1, -1, 0, 0], sample std sqrt(2/3)


def test_grpo_normalises_by_the_groups_sample_std_and_dr_grpo_does_not():
    assert grpo_advantages(RETURNS) == pytest.approx([1.5**0.5, -(1.5**0.5), 0, 0], rel=1e-5)
    assert grpo_advantages(RETURNS, normalize_std=False) == [1.0, -1.0, 0.0, 0.0]


def test_rloo_subtracts_the_other_members_mean():
    # -1 - mean(-3, -2, -2) = 4/3; -3 - mean(-1, -2, -2) = -4/3; -2 - mean(-1, -3, -2) = 0
    assert rloo_advantages(RETURNS) == pytest.approx([4 / 3, -4 / 3, 0, 0], abs=1e-12)
    with pytest.raises(ValueError, match="at least 2"):
        rloo_advantages([1.0])


@pytest.mark.parametrize("value", [0.0, 0.1, -0.7, 1e6])
def test_equal_returns_give_exactly_zero_and_no_nan(value):
    returns = [value] * 5
    assert grpo_advantages(returns) == [0.0] * 5
    assert grpo_advantages(returns, normalize_std=False) == [0.0] * 5
    assert rloo_advantages(returns) == [0.0] * 5
    step, _ = anchor_step_advantages([["s"] * 3, ["s"] * 2], [[value] * 3, [value, value]], gamma=1.0,
                                     normalize_std=True)
    assert all(math.isfinite(a) for row in step for a in row)


def test_discounted_returns():
    assert discounted_returns([0.0, 0.0, 1.0], 0.5) == [0.25, 0.5, 1.0]
    assert discounted_returns([-1.0, -1.0], 0.95) == pytest.approx([-1.95, -1.0])


# Three trajectories of one group. Anchor state "a" is reached at turn 1 of the first two and at turn
# 2 of the third; the third revisits "c" (turns 1 and 3); "b" is seen once. With gamma 0.5 the
# discounted returns are [-1.5, -1, 0], [-1, 0] and [-1.875, -1.75, -1.5, -1].
KEYS = [["s", "a", "b"], ["s", "a"], ["s", "c", "a", "c"]]
REWARDS = [[-1.0, -1.0, 0.0], [-1.0, 0.0], [-1.0, -1.0, -1.0, -1.0]]
# Step groups: s = {-1.5, -1, -1.875} (mean -35/24), a = {-1, 0, -1.5} (mean -5/6), c = {-1.75, -1}, b alone.
STEP_MEAN_NORM = [[-1 / 24, -1 / 6, 0.0], [11 / 24, 5 / 6], [-5 / 12, -3 / 8, -2 / 3, 3 / 8]]
# With std: s has sample std sqrt(111)/24, a has sqrt(7/12), two values are always +-1/sqrt(2).
STEP_STD_NORM = [[-1 / 111**0.5, -1 / 6 / (7 / 12) ** 0.5, 0.0], [11 / 111**0.5, 5 / 6 / (7 / 12) ** 0.5],
                 [-10 / 111**0.5, -(0.5**0.5), -2 / 3 / (7 / 12) ** 0.5, 0.5**0.5]]


@pytest.mark.parametrize(("normalize_std", "expected"), [(False, STEP_MEAN_NORM), (True, STEP_STD_NORM)])
def test_gigpo_step_groups_span_turns_and_revisits(normalize_std, expected):
    step, sizes = anchor_step_advantages(KEYS, REWARDS, gamma=0.5, normalize_std=normalize_std)
    for row, want in zip(step, expected):
        assert row == pytest.approx(want, rel=1e-5, abs=1e-12)
    assert sorted(sizes) == [1, 2, 3, 3]
    assert step[0][2] == 0.0  # a step group of one


def group_of(keys, rewards, observation="Questions:\n"):
    return [GroupTrajectory([Transition(observation, f"q{t}", [1, 2], [-0.5, -0.5], r, "", t == len(rs) - 1, False)
                             for t, r in enumerate(rs)], state_keys=list(ks)) for ks, rs in zip(keys, rewards)]


def test_gigpo_agent_adds_episode_and_weighted_step_advantages():
    config = get_agent("gigpo").config_class(gamma=0.5, step_weight=1.0)
    advantages, metrics = GiGPOAgent.group_advantages(SimpleNamespace(config=config), group_of(KEYS, REWARDS))
    # Returns -2, -1, -4: episode advantages (mean_norm) 1/3, 4/3, -5/3, plus the step advantages.
    want = [[7 / 24, 1 / 6, 1 / 3], [43 / 24, 13 / 6], [-25 / 12, -49 / 24, -7 / 3, -31 / 24]]
    for row, expected in zip(advantages, want):
        assert row == pytest.approx(expected, abs=1e-12)
    assert metrics["gigpo/anchored_turn_fraction"] == pytest.approx(8 / 9)
    half = get_agent("gigpo").config_class(gamma=0.5, step_weight=0.5)
    advantages, _ = GiGPOAgent.group_advantages(SimpleNamespace(config=half), group_of(KEYS, REWARDS))
    assert advantages[2][3] == pytest.approx(-5 / 3 + 0.5 * 3 / 8)


def test_starpo_s_keeps_the_groups_with_the_largest_return_std():
    groups = [[0, 0, 0, 0], [0, -3, 0, -3], [-1, 0, -1, 0], [-4, 0, -4, 0], [-1, -1, -2, -2]]  # std 0, 1.5, .5, 2, .5
    assert select_groups(groups, 0.25) == [3]  # floor(1.25) = 1
    assert select_groups(groups, 0.5) == [1, 3]
    assert select_groups(groups, 0.6) == [1, 2, 3]  # g2 and g4 tie: the earlier stays
    assert select_groups(groups, 0.1) == [3]  # never fewer than one
    assert select_groups(groups, 1.0) == [0, 1, 2, 3, 4]


def test_decoupled_clip_gradient_of_ppo_update_equals_the_direct_loss(tiny_models):
    from accelerate import Accelerator
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(tiny_models["gpt2"])
    tokenizer = AutoTokenizer.from_pretrained(tiny_models["gpt2"])
    rng = np.random.default_rng(0)
    observations = ["Questions:", "Questions: dog", "Is it a dog", "No."]
    ids = [rng.integers(3, len(tokenizer), size=n).tolist() for n in (4, 3, 5, 2)]
    with torch.no_grad():
        current, mask = TextPolicy(model, tokenizer).token_log_probs(observations, ids)
    # Ratios pi/pi_old of 0.75 ... 1.3: 1.24 is clipped by a symmetric 0.2, not by clip_high 0.28.
    cycle = itertools.cycle(np.log([0.75, 0.85, 1.0, 1.1, 1.24, 1.3]))
    old = [[float(current[i, t]) - next(cycle) for t in range(len(row))] for i, row in enumerate(ids)]
    advantages = [1.0, -2.0, 0.5, 1.5]
    low, high = 0.2, 0.28

    def updated(samples, clip, clip_high=None):
        policy = TextPolicy(copy.deepcopy(model), tokenizer)
        params = list(policy.model.parameters())
        before = [p.detach().clone() for p in params]
        agent = SimpleNamespace(config=SimpleNamespace(seed=0, micro_batch_size=8, grad_clip=1e9), iteration=0,
                                policy=policy, accelerator=Accelerator(cpu=True),
                                actor_optimizer=torch.optim.SGD(params, lr=1.0))
        ppo_update(agent, [[s] for s in samples], epochs=1, clip=clip, clip_high=clip_high, minibatch=len(samples),
                   normalize=False)
        return torch.cat([(b - p.detach()).flatten() for b, p in zip(before, params)])  # SGD, lr 1: the gradient

    through = updated([TokenSample(o, i, lp, [a] * len(i)) for o, i, lp, a in zip(observations, ids, old, advantages)],
                      low, high)
    reference = TextPolicy(copy.deepcopy(model), tokenizer)
    log_probs, mask = reference.token_log_probs(observations, ids)
    old_t = torch.zeros_like(log_probs)
    adv_t = torch.zeros_like(log_probs)
    for i, row in enumerate(old):
        old_t[i, : len(row)] = torch.tensor(row)
        adv_t[i, : len(row)] = advantages[i]
    ratio = torch.exp(log_probs - old_t)
    loss = -(torch.minimum(ratio * adv_t, ratio.clamp(1 - low, 1 + high) * adv_t) * mask).sum() / mask.sum()
    loss.backward()
    direct = torch.cat([p.grad.flatten() for p in reference.model.parameters()])
    torch.testing.assert_close(through, direct, atol=1e-6, rtol=1e-4)
    symmetric = updated([TokenSample(o, i, lp, [a] * len(i)) for o, i, lp, a in zip(observations, ids, old, advantages)],
                        low)
    assert (symmetric - direct).abs().max() > 1e-4  # the test tells the two clips apart


# ------------------------------------------------------------------------------ config errors
@pytest.mark.parametrize(("key", "value", "allowed"), [
    ("group_size", 1, ">= 2: a group of one trajectory has no baseline"), ("n_groups", 0, ">= 1"),
    ("filter_ratio", 0.0, "in (0, 1]"), ("filter_ratio", 1.5, "in (0, 1]"), ("clip_low", 1.0, "in (0, 1)"),
    ("clip_high", 0.0, "> 0"), ("epochs", 0, ">= 1"), ("temperature", 0.7, "1.0: this agent learns"),
])
@pytest.mark.parametrize("agent", GROUP_AGENTS)
def test_bad_group_settings_are_config_errors_before_any_model(agent, key, value, allowed, tmp_path, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("a model was built before the settings were checked")

    monkeypatch.setattr("archer_agents.pretrain.pretrained_tiny_actor", forbidden)
    monkeypatch.setattr("archer_agents.models.presets.load_actor", forbidden)
    message = rf"invalid {key}={value!r}: {key} must be {re.escape(allowed)}"
    with pytest.raises(ConfigError, match=message):
        get_agent(agent)(output_dir=str(tmp_path), **{key: value})
    with pytest.raises(ConfigError, match=message):
        update(get_agent(agent).config_class(), {key: value})


def test_trajectories_per_iteration_is_n_groups_times_group_size():
    config = get_agent("grpo").config_class()
    assert (config.n_groups, config.group_size, config.trajectories_per_iteration) == (16, 8, 128)
    config = update(config, {"n_groups": "3", "group_size": 5, "trajectories_per_iteration": 999})
    assert config.trajectories_per_iteration == 15
    assert get_agent("gigpo").config_class().normalize_std is False and get_agent("grpo").config_class().normalize_std


# ------------------------------------------------------------------------- grouped collection
def question_env(n: int, max_turns: int = 3, targets=("Dog", "Cat"), **kwargs) -> TwentyQuestionsVectorEnv:
    return TwentyQuestionsVectorEnv(n, oracle=ScriptedOracle("twenty_questions", says_yes_to_target),
                                    targets=list(targets), max_turns=max_turns, **kwargs)


@pytest.mark.parametrize("autoreset_mode", ["NextStep", "SameStep"])
def test_grouped_collection_plays_every_member_once_to_its_end(autoreset_mode):
    words = itertools.cycle(["dog", "pen", "chair", "piano", "cat"])
    asked = []

    def act(observations):
        asked.extend(observations)
        return [Utterance(f"Is it a {next(words)}?", [7, 1], [-0.1, -0.2], False) for _ in observations]

    env = question_env(9, max_turns=4, targets=SUBSET, autoreset_mode=autoreset_mode)
    groups, generate_s, env_s = collect_groups(env, act, [{"seed": 3}, 11, {"seed": 12}], 3, need_state_keys=True)
    assert [len(g) for g in groups] == [3, 3, 3] and generate_s > 0 and env_s > 0
    trajectories = [t for g in groups for t in g]
    assert sum(len(t.transitions) for t in trajectories) == len(asked)  # no turn dropped or counted twice
    assert len({len(t.transitions) for t in trajectories}) > 1  # members end at different turns
    for g, group in enumerate(groups):
        assert {t.group for t in group} == {g} and group[0].task_seed == [3, 11, 12][g]
        assert len({t.transitions[0].observation for t in group}) == 1
        assert len({t.state_keys[0] for t in group}) == 1  # the key hashes the hidden target: the same task
        for t in group:
            flags = [x.terminated or x.truncated for x in t.transitions]
            assert flags[-1] and not any(flags[:-1]) and len(t.state_keys) == len(t.transitions)
            assert t.success == t.transitions[-1].terminated
            assert [x.turn for x in t.transitions] == list(range(len(t.transitions)))
            # The key of each turn is the state it was taken from: the next turn's is another.
            assert len(set(t.state_keys)) == len(t.state_keys)
    assert len({g[0].state_keys[0] for g in groups}) > 1  # other seeds, other targets here


class NoStateKey(VectorWrapper):
    """The env without ``info["state_key"]``, as an env of one's own would be."""

    def reset(self, **kwargs):
        observations, infos = self.env.reset(**kwargs)
        return observations, self._strip(infos)

    def step(self, actions):
        *out, infos = self.env.step(actions)
        return (*out, self._strip(infos))

    @staticmethod
    def _strip(infos):
        return {k: v for k, v in infos.items() if k not in ("state_key", "_state_key")}


# ---------------------------------------------------------------------------------- the agents
def tiny(name: str, tmp_path, bc_dataset, **overrides):
    """The tiny preset, made smaller: 2 groups of 3, BC start in seconds, no evaluation."""
    values = dict(env="20q_subset", bc_dataset=bc_dataset, bc_steps=60, output_dir=str(tmp_path / name),
                  iterations=1, n_groups=2, group_size=3, batch_size=8, micro_batch_size=8, max_new_tokens=8,
                  eval_every=0, save_every=1, tensorboard=False, actor_lr=1e-4)
    return make_agent(name, preset="tiny", **{**values, **overrides})


@pytest.mark.parametrize("name", GROUP_AGENTS)
def test_every_group_agent_learns_an_iteration_from_the_tiny_preset(name, tmp_path, bc_dataset):
    overrides = {"grpo": {"filter_ratio": 0.5}, "rloo": {"clip_high": 0.28}, "gigpo": {}}[name]
    agent = tiny(name, tmp_path, bc_dataset, **overrides)
    before = [p.detach().clone() for p in agent.policy.model.parameters()]
    agent.learn(question_env(6))
    assert agent.iteration == 1 and agent.trajectories_total == 6 and agent.env_steps >= 6
    (metrics,) = read_metrics(tmp_path / name)
    assert all(math.isfinite(v) for v in metrics.values() if isinstance(v, float))
    assert 0 < metrics["time/generate_s"] + metrics["time/env_s"] <= metrics["time/collect_s"]
    assert metrics["group/kept_fraction"] == (0.5 if name == "grpo" else 1.0)
    if name == "gigpo":
        assert metrics["gigpo/step_group_size_mean"] >= 1
    assert (tmp_path / name / "checkpoints" / "latest").exists()
    if metrics["group/advantage_abs_mean"] > 0:  # some member did better than another: the policy moved
        assert any(not torch.equal(p, q) for p, q in zip(agent.policy.model.parameters(), before))


def test_gigpo_on_an_env_without_state_keys_and_a_wrong_env_size_are_clear_errors(tmp_path, bc_dataset):
    agent = tiny("gigpo", tmp_path, bc_dataset)
    with pytest.raises(ValueError, match=r"TwentyQuestionsSubset-v0 \(TwentyQuestionsVectorEnv\) gives no "
                                         r"info\['state_key'\] on reset"):
        agent.learn(NoStateKey(question_env(6)))
    with pytest.raises(ValueError, match=r"plays 6 sub-envs per process \(n_groups=2 x group_size=3\).*has 4"):
        agent.learn(question_env(4))
    rloo = tiny("rloo", tmp_path, bc_dataset)  # the others do not need state keys
    rloo.learn(NoStateKey(question_env(6)))
    assert rloo.trajectories_total == 6


@pytest.mark.parametrize("kl_coef", [0.0, 0.05])
def test_save_load_and_resume_are_exact(tmp_path, bc_dataset, kl_coef):
    """With a KL term the frozen start policy is part of the checkpoint: the resumed run still pulls
    towards the start, not towards the weights it resumed from."""
    straight = tiny("grpo", tmp_path / "a", bc_dataset, iterations=2, save_every=0, kl_coef=kl_coef)
    straight.learn(question_env(6))
    first = tiny("grpo", tmp_path / "b", bc_dataset, iterations=1, kl_coef=kl_coef)
    first.learn(question_env(6))
    checkpoint = BaseAgent.latest_checkpoint(tmp_path / "b" / "grpo")
    loaded = BaseAgent.load(checkpoint)
    assert type(loaded) is type(first) and loaded.iteration == 1
    assert (loaded.config.n_groups, loaded.config.group_size) == (2, 3)
    assert loaded.task_rng.bit_generator.state == first.task_rng.bit_generator.state
    for p, q in zip(first.policy.model.parameters(), loaded.policy.model.parameters()):
        assert torch.equal(p, q)
    if kl_coef:
        assert 0 <= read_metrics(tmp_path / "b" / "grpo")[-1]["actor/kl_ref"] < 1e-2  # near the start after 1 update
        for p, q in zip(first.reference.model.parameters(), loaded.reference.model.parameters()):
            assert torch.equal(p, q)
    loaded.learn(question_env(6), iterations=2)
    assert loaded.iteration == 2 and loaded.trajectories_total == straight.trajectories_total == 12
    for p, q in zip(straight.policy.model.parameters(), loaded.policy.model.parameters()):
        torch.testing.assert_close(p, q, atol=1e-6, rtol=0)
    assert read_metrics(tmp_path / "a" / "grpo")[-1]["rollout/return_mean"] == pytest.approx(
        read_metrics(tmp_path / "b" / "grpo")[-1]["rollout/return_mean"])
    hub = BaseAgent.from_pretrained(loaded.save_pretrained(tmp_path / "hub"))
    assert type(hub) is type(loaded) and hub.config.group_size == 3
    for p, q in zip(hub.policy.model.parameters(), loaded.policy.model.parameters()):
        assert torch.equal(p, q)


def test_the_cli_lists_trains_and_compares_the_group_agents(tmp_path, bc_dataset, capsys):
    assert {"grpo", "rloo", "gigpo"} <= set(AGENT_NAMES)
    assert main(["list"]) == 0 and "grpo, rloo, gigpo" in capsys.readouterr().out
    assert main(["list", "--agent", "gigpo"]) == 0
    out = capsys.readouterr().out
    assert "  n_groups: int = 4\n" in out and "  step_weight: float = 1.0\n" in out
    assert "  trajectories_per_iteration: int = 16\n" in out
    # train builds its env of n_groups x group_size sub-envs from the config (the KB oracle, offline)
    run = tmp_path / "train"
    code = main(["train", "--agent", "rloo", "--env", "20q_subset", f"output_dir={run}", "iterations=1",
                 f"bc_dataset={bc_dataset}", "bc_steps=60", "n_groups=2", "group_size=2", "eval_every=0",
                 "env_kwargs={max_turns: 2}", "max_new_tokens=8", "tensorboard=false", "eval_episodes_per_task=1"])
    assert code == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["agent"] == "rloo" and result["trajectories"] == 4 and result["eval/episodes"] == 10
    from archer_agents.compare import compare

    table = compare(["gigpo"], "20q_subset", seeds=[0], trajectories=4, output_dir=tmp_path / "compare",
                    overrides=[f"bc_dataset={bc_dataset}", "bc_steps=60", "n_groups=2", "group_size=2", "eval_episodes_per_task=1",
                               "env_kwargs={max_turns: 2}", "max_new_tokens=8", "tensorboard=false",
                               "num_envs=5"])  # learn's evaluation env: not more sub-envs than the 10 tasks
    assert "| gigpo |" in table


# ----------------------------------------------------------------------------- learning (slow)
PER_AGENT = {"grpo": {}, "rloo": {}, "gigpo": {}}


@pytest.mark.slow
@pytest.mark.parametrize("name", GROUP_AGENTS)
def test_group_agent_beats_its_bc_start(name, random_guesser_games, tmp_path, tmp_path_factory, monkeypatch):  # noqa: F811
    """The always-"Dog" task of tests/test_agents_learning.py, with the same budget (12 iterations of
    32 trajectories: 8 groups of 4)."""
    monkeypatch.setenv("ARCHER_AGENTS_CACHE", str(tmp_path_factory.getbasetemp() / "learning_cache"))
    agent_class = get_agent(name)
    values = {**LEARNING_COMMON, "n_groups": 8, "group_size": 4, "actor_lr": 3e-4, **PER_AGENT[name],
              "bc_dataset": random_guesser_games, "output_dir": str(tmp_path)}
    agent = agent_class(**{k: v for k, v in values.items() if k in agent_class.config_class.__dataclass_fields__})
    before = agent.evaluate(always_dog(), tasks=DOG_TASKS)["eval/return_mean"]
    agent.learn(always_dog(32))
    after = agent.evaluate(always_dog(), tasks=DOG_TASKS)["eval/return_mean"]
    print(f"{name}: BC start {before:.2f} -> {after:.2f}")
    assert after >= before + 0.5, (name, before, after)


def test_the_kl_term_of_ppo_update_equals_the_direct_loss(tiny_models):
    from accelerate import Accelerator
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(tiny_models["gpt2"])
    tokenizer = AutoTokenizer.from_pretrained(tiny_models["gpt2"])
    observations, ids = ["Questions:", "Is it a dog"], [[5, 9, 11], [7, 8]]
    with torch.no_grad():
        current, _ = TextPolicy(model, tokenizer).token_log_probs(observations, ids)
    old = [current[i, : len(row)].tolist() for i, row in enumerate(ids)]
    reference = [[x - 0.3 * (k + 1) for k, x in enumerate(row)] for row in old]  # a start policy elsewhere
    samples = [TokenSample(o, i, lp, [0.0] * len(i), ref_log_probs=ref)  # no advantage: only the KL pulls
               for o, i, lp, ref in zip(observations, ids, old, reference)]
    policy = TextPolicy(copy.deepcopy(model), tokenizer)
    params = list(policy.model.parameters())
    before = [p.detach().clone() for p in params]
    agent = SimpleNamespace(config=SimpleNamespace(seed=0, micro_batch_size=8, grad_clip=1e9), iteration=0,
                            policy=policy, accelerator=Accelerator(cpu=True), actor_optimizer=torch.optim.SGD(params, lr=1.0))
    metrics = ppo_update(agent, [[s] for s in samples], epochs=1, clip=0.2, minibatch=2, normalize=False, kl_coef=0.1)
    through = torch.cat([(b - p.detach()).flatten() for b, p in zip(before, params)])
    direct_policy = TextPolicy(copy.deepcopy(model), tokenizer)
    log_probs, mask = direct_policy.token_log_probs(observations, ids)
    ref = torch.zeros_like(log_probs)
    for i, row in enumerate(reference):
        ref[i, : len(row)] = torch.tensor(row)
    d = ref - log_probs
    kl = ((torch.exp(d) - d - 1) * mask).sum() / mask.sum()
    (0.1 * kl).backward()
    direct = torch.cat([p.grad.flatten() for p in direct_policy.model.parameters()])
    assert direct.abs().max() > 1e-4
    torch.testing.assert_close(through, direct, atol=1e-6, rtol=1e-4)
    assert metrics["actor/kl_ref"] == pytest.approx(float(kl), rel=1e-5)
