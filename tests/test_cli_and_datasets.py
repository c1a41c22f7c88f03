"""The archer-gym command line and the scripted dataset generator."""

import json
import os
import subprocess
import sys

import pytest

from archer_gym.cli import build_parser, main
from archer_gym.datasets.demonstrations import generate_episodes, write_dataset
from tests.conftest import SHARED_DATA
from archer_gym.registration import ENVS

COMMANDS = ["list", "play", "serve", "dataset", "oracle-eval", "fetch"]


def run_cli(*args, stdin="", env=None):
    return subprocess.run([sys.executable, "-m", "archer_gym.cli", *args], input=stdin,
                          capture_output=True, text=True, timeout=120,
                          env=None if env is None else {**os.environ, **env})


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "usage: archer-gym " + command in out
    # every flag of the command is explained
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]
    for action in sub._actions:
        assert action.help, (command, action.dest)


def test_list_shows_every_id_whole_at_any_terminal_width():
    for columns in ("40", "200"):
        lines = run_cli("list", env={"COLUMNS": columns}).stdout.splitlines()
        assert [line.split()[0] for line in lines if not line.startswith(" ")] == [e.id for e in ENVS]


def test_play_in_the_terminal():
    result = run_cli("play", "20q", "-o", "word=Dog", stdin="Is it an animal?\nIs it a dog?\n")
    assert result.returncode == 0, result.stderr
    assert "Is it an animal? Yes." in result.stdout
    assert "Episode solved after 2 turns, return -1. The answer was: Dog." in result.stdout


def test_play_misspelt_env_kwarg_is_a_one_line_error():
    result = run_cli("play", "20q", "-k", "orcale=kb")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    assert "'orcale'" in line and "did you mean 'oracle'?" in line and "word_list" in line


def test_play_shows_why_a_webshop_action_failed(cache_dir):
    result = run_cli("play", "webshop", "--seed", "0", "-k", f"cache_dir={cache_dir}",
                     stdin="click[nothing]\nsearch[shoes]\n")
    assert result.returncode == 0, result.stderr
    assert "[invalid action: 'nothing' is not clickable on this page" in result.stdout
    assert "[available: search[...]" in result.stdout
    assert result.stdout.count("[invalid action") == 1  # a valid action shows no error


def test_play_unknown_env_and_bad_pin_are_clear_errors():
    assert "unknown environment 'chess'" in run_cli("play", "chess").stderr
    result = run_cli("play", "20q", "-o", "word=Unicorn")
    assert result.returncode == 2 and "not a word of this list" in result.stderr


@pytest.mark.parametrize("task, key", [("twenty_questions", "word"), ("guess_my_city", "city")])
def test_dataset_format_and_determinism(task, key):
    records = list(generate_episodes(task, 20, seed=1))
    assert records == list(generate_episodes(task, 20, seed=1))
    for record in records:
        assert set(record) == {"lines", "correct", key} and 1 <= len(record["lines"]) <= 20
        question, _, answer = record["lines"][-1].rpartition("? ")
        assert question and answer
    assert any(r["correct"] for r in records)


@pytest.mark.parametrize("task", ["twenty_questions", "guess_my_city"])
def test_expert_questioner_beats_weak_one(task, tmp_path):
    expert = write_dataset(task, 60, tmp_path / "expert.jsonl", style="expert", progress=False)
    weak = write_dataset(task, 60, tmp_path / "weak.jsonl", style="weak", progress=False)
    assert expert["mean_return"] > weak["mean_return"]
    assert 0.5 < expert["success_rate"] and weak["success_rate"] < expert["success_rate"]
    lines = (tmp_path / "expert.jsonl").read_text().splitlines()
    assert len(lines) == 60 and json.loads(lines[0])["lines"]


def test_dataset_command_writes_jsonl(tmp_path):
    out = tmp_path / "d.jsonl"
    result = run_cli("dataset", "twenty_questions", "--episodes", "5", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert len(out.read_text().splitlines()) == 5 and "success rate" in result.stdout


def test_noise_knob_makes_the_questioner_worse(tmp_path):
    clean = write_dataset("twenty_questions", 40, tmp_path / "a.jsonl", noise=0.0, progress=False)
    noisy = write_dataset("twenty_questions", 40, tmp_path / "b.jsonl", noise=1.0, progress=False)
    assert noisy["mean_return"] < clean["mean_return"]


@pytest.mark.parametrize("task, extra", [("webshop", []),
                                         ("detective", ["--rom", str(SHARED_DATA / "detective.z5"), "--no-valid-actions"])])
def test_dataset_command_writes_episodes_of_every_env(task, extra, tmp_path):
    if task == "detective" and not (SHARED_DATA / "detective.z5").exists():
        pytest.skip("needs detective.z5")
    out = tmp_path / "d.jsonl"
    result = run_cli("dataset", task, "--episodes", "3", "--noise", "0.5", "--out", str(out), *extra)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == 3 and all(r["turns"] and {"observation", "action", "reward"} <= set(r["turns"][0])
                                      for r in records)


@pytest.mark.parametrize("args, message", [(["--noise", "1.5"], "noise is a probability"),
                                           (["--style", "great"], "invalid choice")])
def test_dataset_command_refuses_bad_knobs(args, message, tmp_path):
    result = run_cli("dataset", "twenty_questions", "--episodes", "2", "--out", str(tmp_path / "d.jsonl"), *args)
    assert result.returncode != 0 and message in result.stderr


def test_oracle_eval_command_reports_accuracy():
    result = run_cli("oracle-eval", "twenty_questions", "--limit", "50")
    assert result.returncode == 0, result.stderr
    assert "accuracy" in result.stdout and "on 50 labelled questions" in result.stdout
