"""Pretrained models from a hub id, a folder or one GGUF file, for the oracle, the ``hf:`` agent
and the agents' actor (:mod:`archer_gym.pretrained`)."""

from __future__ import annotations

import pytest
import torch

from archer_agents import get_agent
from archer_agents.models.presets import load_actor
from archer_gym.evaluation import evaluate
from archer_gym.evaluation.agents import make_agent
from archer_gym.oracles.hf import HFOracle
from archer_gym.pretrained import pretrained_source


def test_where_the_files_are(tiny_models, tmp_path):
    gguf = tiny_models["gguf"]
    assert pretrained_source(str(gguf)) == (str(gguf.parent), {"gguf_file": gguf.name})
    assert pretrained_source(str(gguf.parent), gguf.name) == (str(gguf.parent), {"gguf_file": gguf.name})
    assert pretrained_source(str(tiny_models["llama"])) == (str(tiny_models["llama"]), {})
    assert pretrained_source("gpt2") == ("gpt2", {})  # a hub id goes to transformers as given
    with pytest.raises(FileNotFoundError, match="missing.gguf"):
        pretrained_source(str(tmp_path / "missing.gguf"))
    with pytest.raises(FileNotFoundError, match="no_model"):
        pretrained_source(str(tmp_path / "no_model"))


def test_a_gguf_actor_is_the_model_it_was_written_from(tiny_models):
    from_gguf, gguf_tokenizer = load_actor(str(tiny_models["gguf"]))
    from_folder, tokenizer = load_actor(str(tiny_models["llama"]))
    text = "Is it an animal? Yes.\nclick[b0abc] search[red shoes] Tokyo"
    ids = tokenizer(text, return_tensors="pt")["input_ids"]
    assert gguf_tokenizer(text, return_tensors="pt")["input_ids"].tolist() == ids.tolist()
    assert gguf_tokenizer.eos_token_id == tokenizer.eos_token_id
    with torch.no_grad():
        torch.testing.assert_close(from_gguf(ids).logits, from_folder(ids).logits, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("lora_rank", [0, 4])
def test_an_agent_learns_from_a_gguf_actor_and_reloads_it(tiny_models, tmp_path, lora_rank):
    agent = get_agent("filtered_bc")(env="20q_subset", actor=str(tiny_models["gguf"]), lora_rank=lora_rank,
                                     output_dir=str(tmp_path),
                                     iterations=1, trajectories_per_iteration=2, num_envs=2, warmup_iterations=0,
                                     batch_size=2, micro_batch_size=2, max_new_tokens=8, eval_every=0,
                                     tensorboard=False)
    before = [p.detach().clone() for p in agent.policy.model.parameters()]
    agent.learn()
    assert any(not torch.equal(a, b) for a, b in zip(before, agent.policy.model.parameters()))
    path = agent.save(tmp_path / "saved")
    reloaded = get_agent("filtered_bc").load(path)
    for ours, theirs in zip(agent.policy.model.parameters(), reloaded.policy.model.parameters()):
        assert torch.equal(ours, theirs)


def test_the_hf_agent_and_the_oracle_read_a_gguf_file(tiny_models, tmp_path):
    agent = make_agent(f"hf:{tiny_models['gguf']}", "20q_subset")
    assert evaluate(agent, "20q_subset", num_envs=5, out_dir=tmp_path)["episodes"] == 10
    gguf = tiny_models["gguf"]
    by_option = HFOracle("twenty_questions", gguf.parent, gguf_file=gguf.name, max_new_tokens=3)
    by_path = HFOracle("twenty_questions", tiny_models["llama"], max_new_tokens=3)
    assert by_option.model.config.model_type == "llama"
    for ours, theirs in zip(by_option.model.parameters(), by_path.model.parameters()):
        torch.testing.assert_close(ours, theirs)
