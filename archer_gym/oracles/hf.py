"""The ``hf`` backend: a local transformers model answers, greedily and in batches.

Works with seq2seq models (flan-t5, as in ArCHer) fed the paper's exact input string, and with
causal models: chat models get :func:`~archer_gym.oracles.prompts.chat_messages` through their
chat template, plain ones the paper string. ``checkpoint=`` loads a state dict on top of the base
model, which is how ArCHer ships its fine-tuned oracles (``20q_t5_oracle.pt`` and
``city_t5_oracle.pt`` from google/flan-t5-small, saved as ``{"model_state_dict": ...}``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from archer_gym.oracles.base import OracleError, Query
from archer_gym.oracles.prompts import MAX_NEW_TOKENS, chat_messages, check_task, paper_input
from archer_gym.pretrained import pretrained_source


class HFOracle:
    """Greedy batched generation with a transformers model loaded from a name or a path."""

    def __init__(
        self,
        task: str,
        model: str | Path = "google/flan-t5-small",
        *,
        checkpoint: str | Path | None = None,
        gguf_file: str | None = None,
        batch_size: int = 32,
        max_new_tokens: int | None = None,
        device: str = "cpu",
        torch_dtype: str = "float32",
        generate_kwargs: dict | None = None,
    ):
        self.task = check_task(task)
        self.batch_size = batch_size
        self.max_new_tokens = max_new_tokens or MAX_NEW_TOKENS[task]
        self.generate_kwargs = dict(generate_kwargs or {})  # e.g. {"num_beams": 4} or {"min_new_tokens": 16}
        self.model, self.tokenizer = _load(str(model), gguf_file, device, torch_dtype)
        if checkpoint is not None:
            _load_checkpoint(self.model, Path(checkpoint))
        self.model.eval()
        self.seq2seq = bool(self.model.config.is_encoder_decoder)
        self.chat = not self.seq2seq and getattr(self.tokenizer, "chat_template", None) is not None
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        # Causal models continue the prompt on the right, so the batch is padded on the left.
        self.tokenizer.padding_side = "right" if self.seq2seq else "left"
        self.generate_calls = 0

    def prompt(self, query: Query) -> str:
        if self.chat:
            return self.tokenizer.apply_chat_template(
                chat_messages(self.task, query.target, query.question),
                tokenize=False, add_generation_prompt=True,
            )
        return paper_input(self.task, query.target, query.question)

    def answer(self, queries: Sequence[Query]) -> list[str]:
        import torch

        replies: list[str] = []
        for start in range(0, len(queries), self.batch_size):
            prompts = [self.prompt(q) for q in queries[start : start + self.batch_size]]
            batch = self.tokenizer(prompts, return_tensors="pt", padding=True).to(self.model.device)
            with torch.inference_mode():
                output = self.model.generate(
                    **batch, max_new_tokens=self.max_new_tokens, do_sample=False,
                    pad_token_id=self.tokenizer.pad_token_id, **self.generate_kwargs,
                )
            self.generate_calls += 1
            if not self.seq2seq:
                output = output[:, batch["input_ids"].shape[1]:]
            texts = self.tokenizer.batch_decode(output, skip_special_tokens=True)
            replies += [" ".join(t.split()) for t in texts]
        return replies


def _load(model: str, gguf_file: str | None, device: str, torch_dtype: str) -> tuple[Any, Any]:
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer

    source, kwargs = pretrained_source(model, gguf_file)
    try:
        config = AutoConfig.from_pretrained(source, **kwargs)
        tokenizer = AutoTokenizer.from_pretrained(source, **kwargs)
        model_class = AutoModelForSeq2SeqLM if config.is_encoder_decoder else AutoModelForCausalLM
        loaded = model_class.from_pretrained(source, dtype=getattr(torch, torch_dtype), **kwargs)
    except (OSError, ValueError) as error:
        raise OracleError(
            f"could not load oracle model {model!r}: {error}. Pass a local directory (or a hub "
            "id that is already in your Hugging Face cache when offline)."
        ) from error
    return loaded.to(device), tokenizer


def _load_checkpoint(model: Any, checkpoint: Path) -> None:
    import torch

    if not checkpoint.is_file():
        raise FileNotFoundError(f"oracle checkpoint {str(checkpoint)!r} does not exist")
    state = torch.load(checkpoint, map_location="cpu", weights_only=True)
    if isinstance(state, dict) and "model_state_dict" in state:
        state = state["model_state_dict"]
    model.load_state_dict(state)
