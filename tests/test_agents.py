"""The agent zoo on tiny models (CPU, offline): API, checkpoints, determinism, exact log-probs."""

from __future__ import annotations

import json
import math
import shutil

import pytest
import torch

from archer_agents import AGENT_NAMES, get_agent
from archer_agents.base import BaseAgent, NonFiniteLossError
from archer_agents.config import ConfigError
from archer_agents.experience_log import ExperienceLogError
from archer_agents.logger import read_metrics
from archer_gym.envs.guess_my_city import GuessMyCityVectorEnv
from archer_gym.envs.twenty_questions import TwentyQuestionsVectorEnv
from tests.conftest import (
    SUBSET,
    ScriptedOracle,
    read_offline_wandb_run,
    says_yes_to_target,
    write_guesser_games,
)

RL_AGENTS = ["archer", "archer_ppo", "filtered_bc", "chai", "ppo"]


@pytest.fixture(scope="session")
def bc_dataset(tmp_path_factory):
    """conftest's guesser data with more games (300): these agents must learn something from it."""
    return write_guesser_games(tmp_path_factory.mktemp("bc") / "games.jsonl", SUBSET + ["cat"], ["dog", "cat"],
                               games=300, max_guesses=6)


def tiny(agent: str, tmp_path, bc_dataset, **overrides):
    values = dict(env="20q_subset", bc_dataset=bc_dataset, bc_steps=60, output_dir=str(tmp_path / agent), iterations=2,
                  trajectories_per_iteration=8, num_envs=4, batch_size=16, micro_batch_size=8, critic_steps=2,
                  actor_steps=1, warmup_iterations=1, eval_every=1, save_every=1, critic_lr=1e-4,
                  actor_lr=1e-5, max_new_tokens=10, tensorboard=False, ppo_states=8, k=2, epochs=1, ppo_epochs=1)
    agent_class = get_agent(agent)
    known = {f for f in agent_class.config_class.__dataclass_fields__}
    return agent_class(**{k: v for k, v in {**values, **overrides}.items() if k in known})


def question_env(n=4, task="twenty_questions", **kwargs):
    oracle = ScriptedOracle(task, says_yes_to_target)
    if task == "guess_my_city":
        return GuessMyCityVectorEnv(n, oracle=oracle, max_turns=4, **kwargs)
    return TwentyQuestionsVectorEnv(n, oracle=oracle, targets=["Dog", "Cat"], max_turns=4, **kwargs)


def eval_env(task="twenty_questions"):
    """An env of the config's env id (Subset, or Guess My City) with a scripted oracle and 4 turns:
    evaluations play every task of its test split (10 words, or 100 cities)."""
    oracle = ScriptedOracle(task, says_yes_to_target)
    if task == "guess_my_city":
        return GuessMyCityVectorEnv(4, oracle=oracle, max_turns=4)
    return TwentyQuestionsVectorEnv(4, oracle=oracle, subset=True, max_turns=4)


@pytest.mark.parametrize("agent", RL_AGENTS)
@pytest.mark.parametrize("task", ["twenty_questions", "guess_my_city"])
def test_every_agent_learns_for_two_iterations(agent, task, tmp_path, bc_dataset):
    a = tiny(agent, tmp_path, bc_dataset, env="gmc" if task == "guess_my_city" else "20q_subset")
    a.learn(question_env(task=task), eval_env=eval_env(task))
    assert a.iteration == 2 and a.trajectories_total >= 16
    metrics = [json.loads(l) for l in (tmp_path / agent / "metrics.jsonl").read_text().splitlines()]
    assert len(metrics) == 2 and "eval/return_mean" in metrics[-1] and "rollout/return_mean" in metrics[0]
    assert metrics[-1]["eval/episodes"] == (100 if task == "guess_my_city" else 10)
    assert metrics[-1]["eval/return_ci_low"] <= metrics[-1]["eval/return_mean"] <= metrics[-1]["eval/return_ci_high"]
    assert all(math.isfinite(v) for m in metrics for v in m.values() if isinstance(v, float))
    assert 0 < metrics[0]["time/generate_s"] + metrics[0]["time/env_s"] <= metrics[0]["time/collect_s"]
    actions, _ = a.predict(["Questions:\n", "Questions:\nIs it a dog? No.\n"])
    assert len(actions) == 2
    assert (tmp_path / agent / "checkpoints" / "latest").exists()


def test_bc_agent_pretrains_and_improves_likelihood(tmp_path, bc_dataset):
    bc = tiny("bc", tmp_path, bc_dataset, iterations=2, steps_per_iteration=5, batch_size=8, eval_every=0)
    bc.learn(question_env(), eval_env=eval_env())
    losses = [json.loads(l)["actor/bc_loss"] for l in (tmp_path / "bc" / "metrics.jsonl").read_text().splitlines()]
    assert len(losses) == 2 and all(math.isfinite(x) for x in losses)


@pytest.mark.parametrize("rows", [["Questions:\n"], ["Questions:\n", "Questions:\nIs it a dog? No.\nIs it a pen? No.\n"]])
def test_update_log_probs_equal_sampling_log_probs(tmp_path, bc_dataset, rows):
    policy = tiny("archer", tmp_path, bc_dataset).policy
    torch.manual_seed(0)
    samples = policy.generate(rows * 3)
    with torch.no_grad():
        scored, mask = policy.token_log_probs(rows * 3, [u.token_ids for u in samples])
    for row, u, m in zip(scored, samples, mask):
        assert len(u.token_ids) == int(m.sum()) >= 1
        assert torch.allclose(row[: len(u.token_ids)], torch.tensor(u.token_log_probs), atol=1e-4)
        assert u.token_ids[-1] in policy.stop_ids.tolist() or u.cut  # the stop token is kept


def test_save_load_resume_round_trip(tmp_path, bc_dataset):
    agent = tiny("archer", tmp_path, bc_dataset)
    agent.learn(question_env(), eval_env=eval_env())
    checkpoint = BaseAgent.latest_checkpoint(tmp_path / "archer")
    loaded = BaseAgent.load(checkpoint)
    assert type(loaded) is type(agent) and loaded.iteration == 2
    assert loaded.replay.items == agent.replay.items and loaded.replay.count == agent.replay.count > 0
    assert loaded.replay.sample(16) == agent.replay.sample(16)
    process = torch.load(checkpoint / "process_0.pt", weights_only=False)
    assert set(process["replay"]) == {"capacity", "rng", "experience"}  # transitions live in experience/
    sizes = [(d / "process_0.pt").stat().st_size for d in sorted(checkpoint.parent.glob("iter_*"))]
    assert len(sizes) == 2 and abs(sizes[1] - sizes[0]) < 256  # the buffer doubled, the state did not grow
    for (name, p), q in zip(agent.policy.model.named_parameters(), loaded.policy.model.parameters()):
        assert torch.equal(p, q), name
    online = agent.accelerator.unwrap_model(agent.critics.online)
    for p, q in zip(online.parameters(), loaded.accelerator.unwrap_model(loaded.critics.online).parameters()):
        assert torch.equal(p, q)
    for p, q in zip(agent.critics.target.parameters(), loaded.critics.target.parameters()):
        assert torch.equal(p, q)
    assert loaded.critic_optimizer.state_dict()["state"].keys() == agent.critic_optimizer.state_dict()["state"].keys()
    loaded.learn(question_env(), iterations=3, eval_env=eval_env())
    assert loaded.iteration == 3 and BaseAgent.latest_checkpoint(tmp_path / "archer").name == "iter_000003"


def test_filtered_bc_store_round_trip_and_a_checkpoint_copied_alone_evaluates(tmp_path, bc_dataset):
    agent = tiny("filtered_bc", tmp_path, bc_dataset, eval_every=0)
    agent.learn(question_env(), eval_env=eval_env())
    checkpoint = BaseAgent.latest_checkpoint(tmp_path / "filtered_bc")
    loaded = BaseAgent.load(checkpoint)
    assert loaded.store_.batches == agent.store_.batches and loaded.store_.count == 2
    assert loaded.rng.integers(1000, size=8).tolist() == agent.rng.integers(1000, size=8).tolist()
    alone = tmp_path / "elsewhere" / "checkpoints" / "copy"
    shutil.copytree(checkpoint, alone)
    with pytest.raises(ExperienceLogError, match="not found: copy a run directory whole"):
        BaseAgent.load(alone)
    assert BaseAgent.load(alone, experience=False).evaluate(eval_env())["eval/episodes"] == 10


def test_a_resumed_bc_run_draws_the_pairs_an_uninterrupted_run_draws(tmp_path, bc_dataset):
    straight = tiny("bc", tmp_path / "straight", bc_dataset, steps_per_iteration=3, eval_every=0)
    straight.learn()
    first = tiny("bc", tmp_path / "resumed", bc_dataset, steps_per_iteration=3, eval_every=0, iterations=1)
    first.learn()
    resumed = BaseAgent.load(BaseAgent.latest_checkpoint(tmp_path / "resumed" / "bc"), iterations=2)
    resumed.learn()
    for (name, p), q in zip(straight.policy.model.named_parameters(), resumed.policy.model.parameters()):
        assert torch.equal(p, q), name


def test_wandb_gets_the_agents_scalars_offline(tmp_path, bc_dataset, wandb_offline):
    agent = tiny("filtered_bc", tmp_path, bc_dataset, iterations=1, eval_every=0, wandb=True, wandb_project="tests")
    agent.learn(question_env(), eval_env=eval_env())
    history, config = read_offline_wandb_run(tmp_path / "filtered_bc")
    (record,) = read_metrics(tmp_path / "filtered_bc")
    scalars = {k: v for k, v in record.items() if k not in ("time", "step") and isinstance(v, (int, float))}
    assert len(history) == 1 and history[0]["_step"] == record["step"] == agent.trajectories_total
    assert {k: v for k, v in history[0].items() if not k.startswith("_")} == pytest.approx(scalars)
    assert config["wandb_project"] == "tests" and config["output_dir"] == str(tmp_path / "filtered_bc")


def test_same_seed_same_run(tmp_path, bc_dataset):
    def run(where):
        agent = tiny("archer", tmp_path / where, bc_dataset, iterations=1, eval_every=0, save_every=0)
        agent.learn(question_env(), eval_env=eval_env())
        torch.manual_seed(1)
        return agent.predict(["Questions:\n"] * 4)[0], [t.action for t in agent.replay.items[:8]]

    assert run("a") == run("b")


def test_nan_loss_stops_and_keeps_the_last_checkpoint(tmp_path, bc_dataset, monkeypatch):
    agent = tiny("archer", tmp_path, bc_dataset, iterations=3)
    calls = {"n": 0}
    original = agent.train

    def flaky_train():
        calls["n"] += 1
        return {"critic/q1_loss": float("nan")} if calls["n"] == 2 else original()

    monkeypatch.setattr(agent, "train", flaky_train)
    with pytest.raises(NonFiniteLossError, match="became nan at iteration 1"):
        agent.learn(question_env(), eval_env=eval_env())
    assert BaseAgent.latest_checkpoint(tmp_path / "archer").name == "iter_000001"


def test_bad_names_and_paths_are_clear_errors(tmp_path, bc_dataset):
    with pytest.raises(ValueError, match="unknown agent 'dqn'"):
        get_agent("dqn")
    with pytest.raises(ConfigError, match="unknown config key.*'critic_lr'"):
        get_agent("filtered_bc")(critic_lr=1.0)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        get_agent("archer")(actor=str(tmp_path / "no_model"), critic="tiny")
    with pytest.raises(ConfigError, match="iterations expects int"):
        tiny("archer", tmp_path, bc_dataset, iterations="many")
    assert set(AGENT_NAMES) == {"archer", "archer_ppo", "filtered_bc", "chai", "ppo", "bc", "grpo", "rloo", "gigpo"}


def test_long_observations_are_cut_from_the_left_with_one_warning(tmp_path, bc_dataset):
    policy = tiny("archer", tmp_path, bc_dataset, max_prompt_tokens=16).policy
    long = "Questions:\n" + "Is it a pen? No.\n" * 50
    with pytest.warns(UserWarning, match="truncated from the left"):
        [ids] = policy.prompt_ids([long])
    assert len(ids) == 16
    assert policy.tokenizer.decode(ids).endswith("Is it a pen? No.\n")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        policy.prompt_ids([long])  # said once only


def test_lora_actor_trains_only_adapters_and_round_trips(tmp_path, bc_dataset):
    agent = tiny("archer", tmp_path, bc_dataset, lora_rank=4, iterations=1, eval_every=0)
    trainable = [n for n, p in agent.policy.model.named_parameters() if p.requires_grad]
    assert trainable and all("lora" in n for n in trainable)
    agent.learn(question_env(), eval_env=eval_env())
    checkpoint = BaseAgent.latest_checkpoint(tmp_path / "archer")
    assert (checkpoint / "actor" / "adapter_config.json").exists()
    loaded = BaseAgent.load(checkpoint)
    before = dict(agent.policy.model.named_parameters())
    for name, p in loaded.policy.model.named_parameters():
        assert torch.equal(p, before[name]), name


def test_bf16_mixed_precision_trains(tmp_path, bc_dataset):
    agent = tiny("archer", tmp_path, bc_dataset, mixed_precision="bf16", iterations=1, eval_every=0)
    agent.learn(question_env(), eval_env=eval_env())
    assert agent.iteration == 1 and math.isfinite(agent.advantages(["Questions:\n"], ["Is it a dog?"]).item())


def test_length_chunks_cover_every_text_once_within_the_budget():
    from archer_agents.models.critic import length_chunks

    lengths = [5, 300, 10, 512, 600, 290, 7, 300]
    chunks = length_chunks(lengths, 1024)
    assert sorted(i for chunk in chunks for i in chunk) == list(range(len(lengths)))
    for chunk in chunks:
        assert len(chunk) == 1 or len(chunk) * max(lengths[i] for i in chunk) <= 1024
    assert [lengths[i] for chunk in chunks for i in chunk] == sorted(lengths)
    assert length_chunks([], 1024) == []


def test_critic_embeddings_do_not_depend_on_chunking_or_order(tmp_path, bc_dataset):
    critic = tiny("archer", tmp_path, bc_dataset).critics.online
    texts = ["Questions:\n" + "Is it a pen? No.\n" * n for n in (7, 0, 3, 12, 1)]
    critic.chunk_tokens = 10**6  # one padded call
    together = critic.embed(texts)
    critic.chunk_tokens = 1  # one call per text
    alone = critic.embed(texts)
    torch.testing.assert_close(together, alone, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(alone[3], critic.embed([texts[3]])[0], atol=1e-5, rtol=1e-4)
    assert not torch.allclose(alone[0], alone[1])  # rows really differ, so order is tested
    assert critic.embed([]).shape == (0, critic.encoder.config.hidden_size)
    critic.max_tokens = 100  # widths are rounded up to a multiple of 64, never past the context
    assert [critic._padded_width(n) for n in (1, 9, 17, 33, 64, 65, 99, 100)] == [8, 16, 32, 64, 64, 100, 100, 100]
