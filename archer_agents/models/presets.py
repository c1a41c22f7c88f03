"""Where models come from: a hub name or local path, or the ``tiny`` preset built from configs.

``tiny`` = a GPT-2-style actor (2 layers, width 128) and a RoBERTa-style critic encoder (2 layers,
width 128), randomly initialised, sharing a byte-level BPE tokenizer trained on the env's own text
with the ``tokenizers`` library. Nothing is downloaded; BC pretraining then teaches the actor the
game's language. Any other name is passed to ``from_pretrained`` (e.g. ``gpt2`` and
``roberta-base`` for the paper preset, or a 7B model with LoRA).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from archer_gym.pretrained import pretrained_source, trainable

TINY = "tiny"


def train_tokenizer(texts: Iterable[str], vocab_size: int = 2000):
    """Byte-level BPE trained on ``texts``; newline is always a token of its own, so the policy's
    stop token is unambiguous."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split("\n", behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False),
    ])
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<|endoftext|>", "<pad>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(texts, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, eos_token="<|endoftext|>", pad_token="<pad>",
                                   bos_token="<|endoftext|>", unk_token="<|endoftext|>")


def tiny_actor(tokenizer, *, layers: int = 2, width: int = 128, heads: int = 4, context: int = 1024):
    from transformers import GPT2Config, GPT2LMHeadModel

    # GPT-2's tanh-approximated GELU as one fused kernel: the same function as GPT-2's "gelu_new",
    # which runs it as six separate tensor operations (about a tenth of a tiny model's CPU time).
    config = GPT2Config(vocab_size=len(tokenizer), n_embd=width, n_layer=layers, n_head=heads,
                        n_positions=context, activation_function="gelu_pytorch_tanh", bos_token_id=tokenizer.eos_token_id,
                        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    return GPT2LMHeadModel(config)


def tiny_encoder(tokenizer, *, layers: int = 2, width: int = 128, heads: int = 4, context: int = 512):
    from transformers import RobertaConfig, RobertaModel

    config = RobertaConfig(vocab_size=len(tokenizer), hidden_size=width, num_hidden_layers=layers,
                           num_attention_heads=heads, intermediate_size=2 * width,
                           max_position_embeddings=context + 2, pad_token_id=tokenizer.pad_token_id,
                           bos_token_id=tokenizer.eos_token_id, eos_token_id=tokenizer.eos_token_id)
    return RobertaModel(config)


def load_actor(name: str, *, lora_rank: int = 0, dtype: str = "float32"):
    """``(model, tokenizer)`` of a causal LM from a hub name, a path or a ``.gguf`` file, optionally
    with LoRA.

    A directory holding a saved LoRA adapter (``adapter_config.json``) loads its base model and
    the adapter on top, trainable.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    source, kwargs = pretrained_source(name)
    tokenizer = AutoTokenizer.from_pretrained(source, **kwargs)
    adapter = Path(name) / "adapter_config.json"
    if adapter.is_file():
        import json

        from peft import PeftModel

        base, _ = load_actor(json.loads(adapter.read_text())["base_model_name_or_path"], dtype=dtype)
        return PeftModel.from_pretrained(base, name, is_trainable=True), tokenizer
    model = AutoModelForCausalLM.from_pretrained(source, dtype=getattr(torch, dtype), **trainable(kwargs))
    model.name_or_path = name  # a GGUF file's path, not its folder: what a LoRA adapter records as its base
    if lora_rank:
        from peft import LoraConfig, get_peft_model

        model = get_peft_model(model, LoraConfig(r=lora_rank, lora_alpha=2 * lora_rank, lora_dropout=0.05,
                                                 task_type="CAUSAL_LM"))
    return model, tokenizer


def load_encoder(name: str):
    """``(encoder, tokenizer)`` of a text encoder from a hub name, a path or a ``.gguf`` file."""
    from transformers import AutoModel, AutoTokenizer

    source, kwargs = pretrained_source(name)
    return AutoModel.from_pretrained(source, **trainable(kwargs)), AutoTokenizer.from_pretrained(source, **kwargs)
