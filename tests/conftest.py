"""Shared fixtures: scripted oracles, tiny transformers models, a live oracle server."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable, Sequence

import pytest

from archer_gym.oracles.base import Query

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


class ScriptedOracle:
    """An oracle whose reply is a function of (target, question); counts its calls."""

    def __init__(self, task: str, reply: Callable[[str, str], str]):
        self.task, self.reply = task, reply
        self.calls: list[list[Query]] = []

    def answer(self, queries: Sequence[Query]) -> list[str]:
        self.calls.append(list(queries))
        return [self.reply(q.target, q.question) for q in queries]


def write_guesser_games(path: Path, words: list[str], targets: list[str], games: int, max_guesses: int) -> str:
    """LMRL-format games of a questioner that guesses ``words`` in random order until it hits
    the target (drawn from ``targets``) or runs out of guesses: BC data with a known, poor policy."""
    import json
    import random

    rng = random.Random(0)
    with path.open("w") as f:
        for _ in range(games):
            target = rng.choice(targets)
            lines = []
            for word in rng.sample(words, max_guesses):
                lines.append(f"Is it a {word}? {'Yes.' if word == target else 'No.'}")
                if word == target:
                    break
            f.write(json.dumps({"lines": lines, "correct": lines[-1].endswith("Yes."), "word": [target]}) + "\n")
    return str(path)


def says_yes_to_target(target: str, question: str) -> str:
    """Yes iff the question mentions the target's name (the oracle of the golden tests)."""
    name = target.rsplit(",", 1)[0].lower()
    return "Yes." if name in question.lower() else "No."


SUBSET = ["football", "dog", "banana", "truck", "pants", "computer", "piano", "chair", "pen", "scissors"]
"""ArCHer's Twenty Questions Subset, lower-cased."""


@pytest.fixture(scope="module")
def bc_dataset(tmp_path_factory):
    """BC data of a random guesser on the Subset plus "cat" (50 games): a poor policy in seconds."""
    return write_guesser_games(tmp_path_factory.mktemp("bc") / "games.jsonl", SUBSET + ["cat"], ["dog", "cat"],
                               games=50, max_guesses=6)


@pytest.fixture(autouse=True)
def agent_cache(tmp_path_factory, monkeypatch):
    """The tiny preset's BC cache under the test session's temp folder, never the user's."""
    monkeypatch.setenv("ARCHER_AGENTS_CACHE", str(tmp_path_factory.getbasetemp() / "agent_cache"))


def offline_env_kwargs(env_id: str, cache_dir: str) -> dict:
    """Kwargs that build ``env_id`` offline here: the Detective ROM beside the repo (skips without
    it or Jericho), chromedriver for the browser env (skips without), the session's WebShop cache."""
    import shutil

    rom = SHARED_DATA / "detective.z5"
    if env_id == "archer/Detective-v0":
        pytest.importorskip("jericho")
        if not rom.is_file():
            pytest.skip(f"Detective ROM not found at {rom}")
        return {"rom_path": str(rom), "valid_actions": False}
    if env_id == "archer/WebShopBrowser-v0":
        pytest.importorskip("selenium")
        if shutil.which("chromedriver") is None:
            pytest.skip("needs Debian's chromium and chromium-driver packages")
    if env_id.startswith("archer/WebShop"):
        return {"cache_dir": cache_dir}
    return {}


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory) -> dict[str, Path]:
    """A tiny T5 (seq2seq) and a tiny GPT-2 (causal, with a chat template), built from configs
    with a word-level tokenizer trained on the games' text; saved to disk like hub models. And a
    tiny Llama, as a folder and as a GGUF file (``llama``, ``gguf``)."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast, T5Config, T5ForConditionalGeneration

    from archer_gym.data import guess_my_city_cities, twenty_questions_words

    corpus = ["The object is a thing. Is it alive? Yes. No. Invalid Question. Your home town is here."]
    corpus += [w.word.lower() for w in twenty_questions_words()] + list(guess_my_city_cities("all100"))
    tokenizer = Tokenizer(models.WordLevel(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.train_from_iterator(corpus, trainers.WordLevelTrainer(special_tokens=["<pad>", "</s>", "<unk>"]))
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, pad_token="<pad>", eos_token="</s>", unk_token="<unk>")
    root = tmp_path_factory.mktemp("tiny_models")
    torch.manual_seed(0)
    t5 = T5ForConditionalGeneration(T5Config(
        vocab_size=len(fast), d_model=32, d_ff=64, d_kv=8, num_layers=1, num_decoder_layers=1, num_heads=2,
        pad_token_id=0, eos_token_id=1, decoder_start_token_id=0))
    t5.save_pretrained(root / "t5")
    fast.save_pretrained(root / "t5")
    gpt2 = GPT2LMHeadModel(GPT2Config(vocab_size=len(fast), n_embd=32, n_layer=1, n_head=2, n_positions=512,
                                      bos_token_id=1, eos_token_id=1, pad_token_id=0))
    gpt2.save_pretrained(root / "gpt2")
    fast.chat_template = "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}assistant:"
    fast.save_pretrained(root / "gpt2")
    return {"t5": root / "t5", "gpt2": root / "gpt2", **_tiny_llama_gguf(corpus, root)}


def _tiny_llama_gguf(corpus: list[str], root: Path) -> dict[str, Path]:
    """A tiny Llama with a byte-level BPE tokenizer, saved twice: as a transformers folder
    (``llama``) and as one GGUF file written the way llama.cpp's converter writes it (``gguf``),
    F32 tensors, the query and key rows in llama.cpp's rotary order, the tokenizer as GPT-2 BPE."""
    import json

    import gguf
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    from archer_agents.models.presets import train_tokenizer

    tokenizer = train_tokenizer(corpus, vocab_size=600)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512,
                         rms_norm_eps=1e-5, rope_theta=10000.0, tie_word_embeddings=True,
                         bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                         pad_token_id=tokenizer.pad_token_id)
    torch.manual_seed(0)
    model = LlamaForCausalLM(config)
    model.save_pretrained(root / "llama")
    tokenizer.save_pretrained(root / "llama")

    path = root / "llama_gguf" / "tiny-llama.F32.gguf"
    path.parent.mkdir()
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_context_length(512)
    writer.add_embedding_length(32)
    writer.add_feed_forward_length(64)
    writer.add_block_count(2)
    writer.add_head_count(4)
    writer.add_head_count_kv(2)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_rope_freq_base(10000.0)
    writer.add_rope_dimension_count(8)
    writer.add_vocab_size(len(tokenizer))
    vocab = tokenizer.backend_tokenizer.get_vocab()
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(sorted(vocab, key=vocab.get))
    writer.add_token_types([gguf.TokenType.NORMAL] * len(vocab))
    merges = json.loads(tokenizer.backend_tokenizer.to_str())["model"]["merges"]
    writer.add_token_merges([" ".join(m) if isinstance(m, list) else m for m in merges])
    writer.add_bos_token_id(tokenizer.bos_token_id)
    writer.add_eos_token_id(tokenizer.eos_token_id)
    writer.add_pad_token_id(tokenizer.pad_token_id)
    writer.add_add_bos_token(False)

    def rotary_order(rows, heads):  # llama.cpp's permutation, which transformers' loader undoes
        return rows.reshape(heads, 2, rows.shape[0] // heads // 2, *rows.shape[1:]).swapaxes(1, 2).reshape(rows.shape)

    state = {name: tensor.numpy() for name, tensor in model.state_dict().items()}
    writer.add_tensor("token_embd.weight", state["model.embed_tokens.weight"])
    writer.add_tensor("output_norm.weight", state["model.norm.weight"])
    names = {"input_layernorm": "attn_norm", "post_attention_layernorm": "ffn_norm", "self_attn.o_proj": "attn_output",
             "self_attn.v_proj": "attn_v", "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up", "mlp.down_proj": "ffn_down"}
    for layer in range(2):
        prefix = f"model.layers.{layer}."
        for ours, theirs in names.items():
            writer.add_tensor(f"blk.{layer}.{theirs}.weight", state[f"{prefix}{ours}.weight"])
        writer.add_tensor(f"blk.{layer}.attn_q.weight", rotary_order(state[f"{prefix}self_attn.q_proj.weight"], 4))
        writer.add_tensor(f"blk.{layer}.attn_k.weight", rotary_order(state[f"{prefix}self_attn.k_proj.weight"], 2))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return {"llama": root / "llama", "gguf": path}


def http_get(url: str, data: dict | None = None) -> tuple[int, str]:
    """GET ``url`` (POST when ``data`` is given, form-encoded); the status and body, errors included."""
    import urllib.error
    import urllib.parse
    import urllib.request

    body = None if data is None else urllib.parse.urlencode(data).encode()
    try:
        with urllib.request.urlopen(url, data=body, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory) -> str:
    """WebShop's SQLite catalogue cache, built once per test session."""
    return str(tmp_path_factory.mktemp("webshop-cache"))


@pytest.fixture
def oracle_server():
    """Start ``servers.oracle`` on a free loopback port; yields a function app_kwargs -> base_url."""
    from werkzeug.serving import make_server

    from servers.oracle import create_app

    servers = []

    def start(**app_kwargs) -> str:
        server = make_server("127.0.0.1", 0, create_app(**app_kwargs), threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/v1"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def wandb_offline(tmp_path, monkeypatch):
    """W&B in offline mode with its settings and caches under ``tmp_path``; skips without wandb."""
    pytest.importorskip("wandb")
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    for name in ("WANDB_CONFIG_DIR", "WANDB_CACHE_DIR", "WANDB_DATA_DIR"):
        monkeypatch.setenv(name, str(tmp_path / "wandb-home"))


def read_offline_wandb_run(output_dir: Path) -> tuple[list[dict], dict]:
    """History rows and config of the one offline W&B run under ``output_dir/wandb``. Its
    ``.wandb`` file is a 7-byte ``:W&B`` header, then LevelDB-log chunks (32 KiB blocks, each
    chunk: crc32c, length, type 1 full / 2 first / 3 middle / 4 last) of protobuf records."""
    import json
    import struct

    import wandb
    from wandb.proto import wandb_internal_pb2

    wandb.teardown()  # finish() can return before the W&B service has written the run's last records
    (path,) = Path(output_dir).glob("wandb/offline-run-*/run-*.wandb")
    data = path.read_bytes()
    assert data[:4] == b":W&B"
    position, payload, history, config, exited = 7, b"", [], {}, False
    while position + 7 <= len(data):
        if 32768 - position % 32768 < 7:  # block trailer padding
            position += 32768 - position % 32768
            continue
        _, length, kind = struct.unpack("<IHB", data[position:position + 7])
        payload += data[position + 7:position + 7 + length]
        position += 7 + length
        if kind in (1, 4):
            record = wandb_internal_pb2.Record.FromString(payload)
            payload = b""
            if record.HasField("history"):
                history.append({item.key or "/".join(item.nested_key): json.loads(item.value_json)
                                for item in record.history.item})
            elif record.HasField("run"):
                config = {item.key: json.loads(item.value_json) for item in record.run.config.update}
            exited |= record.HasField("exit")
    assert exited, f"{path} lacks the run's exit record"
    return history, config


def pytest_configure(config):
    # Tiny models gain nothing from intra-op threads, and two test workers on two cores each
    # spinning two threads slow everything down several times over.
    import torch

    torch.set_num_threads(1)
