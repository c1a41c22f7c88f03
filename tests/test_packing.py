"""The fast routes compute what the plain ones do: packed scoring equals one unpadded pass per
utterance, and generation that reuses the previous turn's states equals generation from scratch."""

from __future__ import annotations

import pytest
import torch

from archer_agents.models.packing import build_trees, pack
from archer_agents.models.policy import TextPolicy
from archer_agents.models.presets import tiny_actor, train_tokenizer

DIALOGUE = ["Questions:\n", "Questions:\nIs it an animal? No.\n", "Questions:\nIs it an animal? No.\nIs it a tool? Yes.\n",
            "Questions:\nIs it an animal? No.\nIs it a tool? Yes.\nIs it a hammer? No.\n"]


@pytest.fixture(scope="module")
def tokenizer():
    texts = DIALOGUE + ["Is it a pen?\n", "Is it a dog?\n", "Yes.\n", "No.\n", "Is it made of metal?\n"]
    return train_tokenizer(texts * 20, vocab_size=300)


def _models(tokenizer):
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    gpt2 = tiny_actor(tokenizer, layers=2, width=64, heads=4).eval()
    llama = LlamaForCausalLM(LlamaConfig(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128,
                                         num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                                         pad_token_id=tokenizer.pad_token_id)).eval()
    return {"gpt2 (learned positions)": gpt2, "llama (rotary, grouped keys)": llama}


@pytest.fixture(scope="module", params=["gpt2 (learned positions)", "llama (rotary, grouped keys)"])
def policy(request, tokenizer):
    return TextPolicy(_models(tokenizer)[request.param], tokenizer, max_prompt_tokens=24, max_new_tokens=8)


def _unpacked(policy, observation, action, value_head=None):
    """The plain computation: the pair alone in one unpadded row."""
    prompt = policy.prompt_ids([observation])[0]
    ids = torch.tensor([prompt + list(action)])
    out = policy.model(input_ids=ids, output_hidden_states=True)
    states = slice(len(prompt) - 1, len(prompt) - 1 + len(action))
    log_probs = torch.log_softmax(out.logits[0, states].float(), -1).gather(-1, ids[0, len(prompt):, None]).squeeze(-1)
    values = value_head(out.hidden_states[-1][0, states]).squeeze(-1) if value_head else None
    return log_probs, values


def _pairs(policy):
    ids = lambda text: policy.tokenizer(text, add_special_tokens=False)["input_ids"]  # noqa: E731
    long = "Questions:\n" + "Is it a pen? No.\n" * 10  # longer than max_prompt_tokens: cut from the left
    observations = DIALOGUE + ["", "Questions:\nIs it a dog? Yes.\n", long, long + "Is it a dog? No.\n", DIALOGUE[1]]
    actions = [ids("Is it an animal?\n"), ids("Is it a tool?\n"), ids("Is it a hammer?\n"), ids("Is it a pen?\n"),
               ids("Yes.\n"), ids("Is it a dog?\n"), ids("No.\n"), [], ids("Is it made of metal?\n")]
    return observations, actions


def test_packed_scores_and_values_equal_one_pass_per_utterance(policy):
    torch.manual_seed(1)
    value_head = torch.nn.Linear(policy.model.config.hidden_size, 1)
    observations, actions = _pairs(policy)
    log_probs, mask, values = policy.score(observations, actions, value_head)
    for i, (observation, action) in enumerate(zip(observations, actions)):
        expected_lp, expected_v = _unpacked(policy, observation, action, value_head)
        assert int(mask[i].sum()) == len(action)
        torch.testing.assert_close(log_probs[i, : len(action)], expected_lp, atol=1e-5, rtol=0)
        torch.testing.assert_close(values[i, : len(action)], expected_v, atol=1e-5, rtol=0)
        assert not log_probs[i, len(action):].any() and not values[i, len(action):].any()


def test_packed_gradients_equal_one_pass_per_utterance(policy):
    observations, actions = _pairs(policy)
    policy.model.zero_grad()
    policy.score(observations, actions)[0].sum().backward()
    packed = {name: p.grad.clone() for name, p in policy.model.named_parameters() if p.grad is not None}
    policy.model.zero_grad()
    sum(_unpacked(policy, o, a)[0].sum() for o, a in zip(observations, actions)).backward()
    for name, p in policy.model.named_parameters():
        if p.grad is not None:
            torch.testing.assert_close(packed[name], p.grad, atol=1e-5, rtol=1e-4, msg=name)
    policy.model.zero_grad()


def test_a_dialogue_packs_into_one_tree_and_unrelated_prompts_do_not():
    trees = build_trees([[1, 2], [1, 2, 3, 4], [1], [7, 8], [1, 2, 3]])
    assert [sorted(i for i, _ in t.branches) for t in trees] == [[0, 1, 2, 4], [3]]
    packed = pack([[1, 2], [1, 2, 3, 4], [5]], [[9], [9, 9], [9, 9, 9]], pad_id=0, device=torch.device("cpu"))
    # rows as wide as the largest tree: [1 2 3 4 | 9 9 | 9] and [5 | 9 9 9 | pad pad pad]
    assert packed.input_ids.tolist() == [[1, 2, 3, 4, 9, 9, 9], [5, 9, 9, 9, 0, 0, 0]]
    # the first pair's action token sees its own prompt (2 tokens) and itself, nothing else
    assert packed.allowed[0, 6].nonzero().squeeze(-1).tolist() == [0, 1, 6]
    assert packed.position_ids[0, 6] == 2 and (packed.source_row[0, 0], packed.source_col[0, 0]) == (0, 1)


def test_generation_reusing_the_last_turn_equals_generation_from_scratch(policy):
    def play(reuse: bool):
        policy._prefix_cache.store([], None)
        torch.manual_seed(3)
        turns = []
        observations = [DIALOGUE[0]] * 3
        for answer in ("No.", "Yes.", "No."):
            if not reuse:
                policy._prefix_cache.store([], None)
            utterances = policy.generate(observations)
            turns.append(utterances)
            observations = [o + f"{u.text} {answer}\n" for o, u in zip(observations, utterances)]
        return turns

    with torch.no_grad():
        plain, reused = play(False), play(True)
    hits = policy._prefix_cache.lookup(policy.prompt_ids([DIALOGUE[0] + "x"]), policy._prefix_cache._state)
    assert hits == [None] or hits[0][1] > 0
    for turn_plain, turn_reused in zip(plain, reused):
        for a, b in zip(turn_plain, turn_reused):
            assert a.token_ids == b.token_ids and a.text == b.text
            torch.testing.assert_close(torch.tensor(a.token_log_probs), torch.tensor(b.token_log_probs), atol=1e-5, rtol=0)


def test_generation_in_batches_of_similar_length_gives_each_observation_its_own_utterance(policy):
    observations, _ = _pairs(policy)
    observations = observations[::-1] + observations  # lengths out of order, and repeated
    with torch.no_grad():
        policy._prefix_cache.store([], None)
        whole = policy.generate(observations, sample=False)
        policy._prefix_cache.store([], None)
        grouped = policy.generate(observations, sample=False, rows_per_call=3)
        for a, b in zip(whole, grouped):  # greedy: the same tokens whatever the batch
            assert a.token_ids == b.token_ids
            torch.testing.assert_close(torch.tensor(a.token_log_probs), torch.tensor(b.token_log_probs), atol=1e-5, rtol=0)
        policy._prefix_cache.store([], None)
        sampled = policy.generate(observations, rows_per_call=3)
        # each sampled utterance came back to the observation it was sampled for: its stored
        # log-probs are that observation's scores of its ids
        log_probs, mask = policy.token_log_probs(observations, [u.token_ids for u in sampled])
    for i, utterance in enumerate(sampled):
        torch.testing.assert_close(log_probs[i, : len(utterance.token_ids)], torch.tensor(utterance.token_log_probs),
                                   atol=1e-5, rtol=0)


def test_stored_states_are_dropped_when_the_weights_change(policy):
    prompt = policy.prompt_ids([DIALOGUE[1]])
    with torch.no_grad():
        policy.generate([DIALOGUE[1]])
        state = policy._prefix_cache.model_state(policy.model)
        assert policy._prefix_cache.lookup(prompt, state)[0] is not None
        next(policy.model.parameters()).add_(0.0)  # an in-place update, as an optimiser step
        assert policy._prefix_cache.lookup(prompt, policy._prefix_cache.model_state(policy.model)) == [None]
        policy.model.train()
        assert policy._prefix_cache.model_state(policy.model) is None
        policy.model.eval()


def test_inverse_cdf_sampling_draws_the_given_distribution():
    from archer_agents.models.policy import sample_tokens

    torch.manual_seed(0)
    probs = torch.tensor([[0.5, 0.0, 0.3, 0.2, 0.0]]).repeat(20_000, 1)
    counts = torch.bincount(sample_tokens(probs), minlength=5).float() / len(probs)
    assert counts[1] == 0 and counts[4] == 0  # cut tokens are never drawn
    torch.testing.assert_close(counts, probs[0], atol=0.015, rtol=0)


def test_identical_prompts_share_one_prompt_pass_and_sample_as_if_run_apart(policy):
    observations = [DIALOGUE[2], DIALOGUE[1], DIALOGUE[2], DIALOGUE[2], DIALOGUE[0], DIALOGUE[1]]
    calls = []
    hook = policy.model.register_forward_pre_hook(lambda _, args, kwargs: calls.append(kwargs["input_ids"].shape),
                                                  with_kwargs=True)
    try:
        with torch.no_grad():
            policy._prefix_cache.store([], None)
            torch.manual_seed(5)
            shared = policy.generate(observations)
            prompt_pass = calls[0]
            # the plain computation: one row per observation, each run alone
            apart = []
            for observation in observations:
                policy._prefix_cache.store([], None)
                apart.append(policy.generate([observation], sample=False))
    finally:
        hook.remove()
    assert prompt_pass[0] == 3  # three distinct prompts ran, not six
    # Same distribution per row: each stored log-prob is that observation's score of its own ids.
    log_probs, _ = policy.token_log_probs(observations, [u.token_ids for u in shared])
    for i, utterance in enumerate(shared):
        torch.testing.assert_close(log_probs[i, : len(utterance.token_ids)], torch.tensor(utterance.token_log_probs),
                                   atol=1e-5, rtol=0)
    with torch.no_grad():
        policy._prefix_cache.store([], None)
        copies = policy.generate([DIALOGUE[0]] * 20)  # one prompt pass, then each row draws its own
        policy._prefix_cache.store([], None)
        greedy = policy.generate(observations, sample=False)
    assert len({tuple(u.token_ids) for u in copies}) > 1
    assert [u.token_ids for u in greedy] == [a[0].token_ids for a in apart]


def test_the_growing_cache_equals_concatenation_and_decodes_without_reallocating():
    from transformers.cache_utils import DynamicLayer

    from archer_agents.models.kv_cache import GrowingLayer

    torch.manual_seed(0)
    growing, plain = GrowingLayer(room=3), DynamicLayer()
    steps = [torch.randn(4, 2, n, 8) for n in (5, 1, 1, 1, 2, 1)]  # a prompt, decoding steps, past the room

    def update(states):
        for layer in (growing, plain):
            keys, values = layer.update(states, -states)
        assert torch.equal(keys, plain.keys) and torch.equal(growing.keys, plain.keys)
        assert torch.equal(growing.values, plain.values)
        return growing.buffers[0].data_ptr()

    buffers = [update(states) for states in steps]
    assert len(set(buffers[:4])) == 1  # the room of 3 columns took three decoding steps in place
    assert buffers[4] != buffers[3] and buffers[5] == buffers[4]  # room ran out: one reallocation
    for layer in (growing, plain):
        layer.reorder_cache(torch.tensor([3, 3, 0, 1]))  # CHAI's copies of one prompt: new rows
    update(torch.randn(4, 2, 1, 8))
    assert growing.get_seq_length() == plain.get_seq_length() == 12


def test_generation_allocates_each_layers_cache_once(policy, monkeypatch):
    from archer_agents.models.kv_cache import GrowingLayer

    allocations = []  # columns of each buffer allocated
    reallocate = GrowingLayer._reallocate

    def record(self, length, end, *states):
        allocations.append(end + self.room)
        reallocate(self, length, end, *states)

    monkeypatch.setattr(GrowingLayer, "_reallocate", record)
    policy._prefix_cache.store([], None)  # nothing to reuse: the prompt pass is the first update
    observations = ["Questions:\n", "Questions:\nIs it a dog? Yes.\n"]
    policy.generate(observations, sample=False)
    longest = max(len(p) for p in policy.prompt_ids(observations))
    # The prompt pass's, then decoding in place; each buffer holds the prompt and the utterance.
    assert allocations == [longest + policy.max_new_tokens] * policy.model.config.num_hidden_layers
