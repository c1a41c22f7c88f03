"""Agents evaluated without training: random and scripted rows, any OpenAI-compatible server, local HF models."""

from __future__ import annotations

import threading
import time

import pytest
from flask import Flask, jsonify, request

from archer_gym.evaluation import evaluate
from archer_gym.evaluation.agents import extract_action, make_agent, system_prompt
from archer_gym.evaluation.report import env_dir, read_episodes


@pytest.mark.parametrize("reply, env, action", [
    ("Is it a dog?", "20q", "Is it a dog?"),
    ("\n  Question: \"Is it alive?\"\nI think so.", "20q", "Is it alive?"),
    ("<think>maybe a cat\nor a dog</think>\nIs it a cat?", "20q", "Is it a cat?"),
    ("I will search.\nAction: search[red shoes] then click[b00]", "webshop", "search[red shoes]"),
    ("`open door`", "detective", "open door"),
    ("", "gmc", ""),
    (None, "gmc", ""),
])
def test_the_action_rule(reply, env, action):
    assert extract_action(reply, env) == action


def test_reference_rows_repeat_and_scripted_beats_random():
    rows = {}
    for spec in ("random", "random", "scripted:expert", "scripted:weak"):
        summary = evaluate(make_agent(spec, "20q_subset"), "20q_subset", num_envs=4)
        rows.setdefault(spec, []).append(summary)
    assert rows["random"][0] == rows["random"][1]  # seeded by the tasks' seeds
    assert rows["scripted:expert"][0]["return"]["mean"] > rows["random"][0]["return"]["mean"]
    with pytest.raises(ValueError, match="unknown scripted style"):
        make_agent("scripted:genius", "20q_subset")
    with pytest.raises(ValueError, match="unknown agent"):
        make_agent("openai:", "20q_subset")


def test_webshop_reference_rows_play_the_test_goals(cache_dir):
    summary = evaluate(make_agent("scripted:first_result", "webshop"), "webshop", env_kwargs={"cache_dir": cache_dir},
                       num_envs=8)
    assert summary["episodes"] == 500 and summary["mean_turns"] == 3.0 and summary["return"]["mean"] > 0.3


def test_the_shopper_row_follows_archers_case_sensitive_clicks(cache_dir):
    """first_result clicks WebShop's lower-case keys, all invalid under ArCHer's client rules (a score
    of 0 on every goal); the shopper clicks the labels as the page shows them."""
    from archer_gym.evaluation import task_list

    tasks = task_list("webshop_archer", "test")
    tasks = type(tasks)(tasks.env_id, tasks.split, tasks.variant, tasks.tasks[:12])
    kwargs = {"cache_dir": cache_dir}
    rows = {spec: evaluate(make_agent(spec, "webshop_archer", kwargs), "webshop_archer", env_kwargs=kwargs, tasks=tasks,
                           num_envs=4) for spec in ("scripted:first_result", "scripted:shopper")}
    assert rows["scripted:first_result"]["return"]["mean"] == 0.0
    assert rows["scripted:shopper"]["return"]["mean"] > 0.3 and rows["scripted:shopper"]["mean_turns"] < 10


def test_the_walkthrough_row_wins_detective_within_its_horizon():
    from tests.conftest import SHARED_DATA

    rom = SHARED_DATA / "detective.z5"
    if not rom.exists():
        pytest.skip("needs detective.z5")
    kwargs = {"rom_path": str(rom), "valid_actions": False}
    summary = evaluate(make_agent("scripted:walkthrough", "detective", kwargs), "detective", env_kwargs=kwargs,
                       num_envs=1)
    assert summary["success_rate"]["mean"] == 1.0 and summary["return"]["mean"] == 350.0


# --------------------------------------------------------------------------------- OpenAI-compatible
@pytest.fixture
def chat_server():
    """A local OpenAI-compatible chat server whose reply is set per test: ``state["reply"]`` (a
    string, or None for an empty choice list) and ``state["delay"]`` seconds before answering."""
    from werkzeug.serving import make_server

    state = {"reply": "Is it a dog?", "delay": 0.0, "prompts": []}
    app = Flask("fake-chat")

    @app.post("/v1/chat/completions")
    def completions():
        body = request.get_json()
        state["prompts"].append(body["messages"])
        time.sleep(state["delay"])
        choices = [] if state["reply"] is None else [
            {"index": 0, "message": {"role": "assistant", "content": state["reply"]}, "finish_reason": "stop"}]
        return jsonify({"id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                        "choices": choices, "usage": {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10}})

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state["url"] = f"http://127.0.0.1:{server.server_port}/v1"
    yield state
    server.shutdown()
    server.server_close()


def test_openai_agent_plays_records_raw_replies_and_tokens(chat_server, tmp_path):
    chat_server["reply"] = "Sure! Is it a dog?\n(I am guessing.)"
    agent = make_agent("openai:tiny-chat", "20q_subset", base_url=chat_server["url"], workers=4)
    summary = evaluate(agent, "20q_subset", num_envs=4, out_dir=tmp_path, run_info={"decoding": agent.decoding()})
    assert summary["episodes"] == 10 and summary["decoding"]["model"] == "tiny-chat"
    records = read_episodes(env_dir(tmp_path, "archer/TwentyQuestionsSubset-v0") / "episodes.jsonl")
    turn = records[0]["turns"][0]
    assert turn["generation"] == "Sure! Is it a dog?\n(I am guessing.)" and turn["action"] == "Sure! Is it a dog?"
    assert turn["tokens_in"] == 7 and turn["tokens_out"] == 3
    system, user = chat_server["prompts"][0]
    assert system == {"role": "system", "content": system_prompt("20q_subset")}
    assert user == {"role": "user", "content": "Questions:\n"}


def test_garbage_or_empty_replies_are_recorded_as_invalid_actions(chat_server):
    chat_server["reply"] = None
    agent = make_agent("openai:m", "20q_subset", base_url=chat_server["url"])
    summary = evaluate(agent, "20q_subset", num_envs=2)
    assert summary["success_rate"]["mean"] == 0.0 and summary["mean_turns"] == 20


def test_a_slow_or_dead_server_is_a_clear_error_and_the_evaluation_resumes(chat_server, tmp_path):
    chat_server["delay"] = 5.0
    agent = make_agent("openai:m", "20q_subset", base_url=chat_server["url"], timeout=0.5, max_retries=1)
    start = time.perf_counter()
    with pytest.raises(RuntimeError, match=r"chat server http://127.0.0.1:\d+/v1 failed .* --resume"):
        evaluate(agent, "20q_subset", out_dir=tmp_path)
    assert time.perf_counter() - start < 30
    dead = make_agent("openai:m", "20q_subset", base_url="http://127.0.0.1:9/v1", timeout=1, max_retries=0)
    with pytest.raises(RuntimeError, match="127.0.0.1:9"):
        evaluate(dead, "20q_subset", out_dir=tmp_path, resume=True)
    chat_server["delay"] = 0.0
    agent = make_agent("openai:m", "20q_subset", base_url=chat_server["url"])
    assert evaluate(agent, "20q_subset", out_dir=tmp_path, resume=True)["episodes"] == 10


def test_a_local_transformers_model_with_its_chat_template(tiny_models, tmp_path):
    agent = make_agent(f"hf:{tiny_models['gpt2']}", "20q_subset")
    summary = evaluate(agent, "20q_subset", num_envs=5, out_dir=tmp_path)
    records = read_episodes(env_dir(tmp_path, "archer/TwentyQuestionsSubset-v0") / "episodes.jsonl")
    assert summary["episodes"] == 10
    assert all(t["tokens_in"] > 0 and t["action"] == extract_action(t["generation"], "20q")
               for r in records for t in r["turns"])
