"""The ``hf`` backend with tiny models built from configs (no hub access)."""

import gymnasium as gym
import pytest
import torch

import archer_gym  # noqa: F401
from archer_gym.oracles import OracleError, Query, make_oracle
from archer_gym.oracles.hf import HFOracle
from archer_gym.oracles.prompts import paper_input


def test_paper_input_strings_are_archers():
    assert paper_input("twenty_questions", "Airplane", "Is it alive?") == "The object is airplane.Is it alive?"
    assert paper_input("guess_my_city", "Sao Paulo, Brazil", "Is it hot?") == \
        "Your home town is Sao Paulo, Brazil.Is it hot?"


@pytest.mark.parametrize("kind", ["t5", "gpt2"])
def test_batched_answers_equal_unbatched_answers(tiny_models, kind):
    queries = [Query("Dog", "Is it alive?"), Query("Pen", "Is it a pen?"), Query("Airplane", "Can it fly?")]
    batched = HFOracle("twenty_questions", tiny_models[kind], batch_size=8, max_new_tokens=5)
    single = HFOracle("twenty_questions", tiny_models[kind], batch_size=1, max_new_tokens=5)
    assert batched.answer(queries) == single.answer(queries)
    assert batched.generate_calls == 1 and single.generate_calls == 3
    assert batched.seq2seq == (kind == "t5") and batched.chat == (kind == "gpt2")


def test_chat_models_get_the_chat_prompt(tiny_models):
    oracle = HFOracle("guess_my_city", tiny_models["gpt2"])
    prompt = oracle.prompt(Query("Tokyo, Japan", "Is it hot?"))
    assert prompt.startswith("system: You are the oracle in a game of Guess My City. Your home town is Tokyo, Japan.")
    assert prompt.endswith("user: Is it hot?\nassistant:")


def test_archer_checkpoint_file_is_loaded(tiny_models, tmp_path):
    reference = HFOracle("twenty_questions", tiny_models["t5"])
    with torch.no_grad():  # a "fine-tuned" model: every weight moved
        for parameter in reference.model.parameters():
            parameter.add_(torch.randn_like(parameter))
    state = {k: v.clone() for k, v in reference.model.state_dict().items()}
    assert not torch.equal(HFOracle("twenty_questions", tiny_models["t5"]).model.shared.weight, state["shared.weight"])
    torch.save({"model_state_dict": state}, tmp_path / "20q_t5_oracle.pt")
    tuned = HFOracle("twenty_questions", tiny_models["t5"], checkpoint=tmp_path / "20q_t5_oracle.pt")
    for name, value in tuned.model.state_dict().items():
        assert torch.equal(value, state[name]), name


def test_missing_model_or_checkpoint_is_a_clear_error(tiny_models, tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        HFOracle("twenty_questions", tmp_path / "no_such_model")
    with pytest.raises(FileNotFoundError, match="checkpoint"):
        HFOracle("twenty_questions", tiny_models["t5"], checkpoint=tmp_path / "missing.pt")
    with pytest.raises(OracleError, match="could not load"):
        HFOracle("twenty_questions", str(tmp_path))  # exists but holds no model


def test_vector_env_makes_one_generate_call_per_step(tiny_models):
    env = gym.make_vec("archer/TwentyQuestions-v0", num_envs=6, oracle="hf",
                       oracle_kwargs={"model": str(tiny_models["t5"]), "max_new_tokens": 4})
    env.reset(seed=0)
    for step in range(3):
        obs, *_ = env.step([f"Is it thing number {step}?"] * 6)
    hf_oracle = env.game.oracle.inner  # behind the default in-memory answer cache
    assert hf_oracle.generate_calls == 3
    assert all(o.count("\n") == 4 for o in obs)


def test_answer_cache_skips_repeated_questions(tiny_models):
    oracle = make_oracle("twenty_questions", "hf", model=str(tiny_models["t5"]), max_new_tokens=3)
    first = oracle.answer([Query("Dog", "Is it alive?"), Query("Cat", "Is it alive?")])
    again = oracle.answer([Query("Dog", "Is it alive?"), Query("Cat", "Is it alive?")])
    assert first == again and oracle.inner.generate_calls == 1
