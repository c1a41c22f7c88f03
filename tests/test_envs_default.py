"""Every registered question-game id with its default (kb) oracle: checker, fuzzing, golden runs."""

import random

import gymnasium as gym
import pytest
from gymnasium.utils.env_checker import check_env

import archer_gym  # noqa: F401

QUESTION_GAME_IDS = ["archer/TwentyQuestions-v0", "archer/TwentyQuestionsSubset-v0", "archer/GuessMyCity-v0"]


@pytest.mark.parametrize("env_id", QUESTION_GAME_IDS)
@pytest.mark.parametrize("mode", ["default", "paper"])
def test_check_env(env_id, mode):
    check_env(gym.make(env_id, mode=mode).unwrapped, skip_render_check=True)


@pytest.mark.parametrize("env_id", QUESTION_GAME_IDS)
def test_same_seed_same_episode(env_id):
    def run(seed):
        env = gym.make(env_id)
        obs, _ = env.reset(seed=seed)
        trace = [obs]
        for q in ["Is it alive?", "Is it in Asia?", "What is it made of?", "Is it big?"]:
            trace.append(env.step(q)[:4])
        return trace

    assert run(3) == run(3)


def random_utterance(rng: random.Random) -> str:
    alphabets = [
        "abcdefghijklmnopqrstuvwxyz ?!.,'", "\x00\x01\x07\x1b\t\r\n\x7f", "éüñçøßâ", "дорогой", "是狗吗城市",
        "\u202e\u200b\ufeff", "🙂🐶🏙️", "\ud800",
    ]
    length = rng.choice([0, 1, 5, 40, 300, 5000])
    return "".join(rng.choice(rng.choice(alphabets)) for _ in range(length))


@pytest.mark.parametrize("env_id", QUESTION_GAME_IDS)
def test_fuzzed_actions_never_crash_and_keep_state_consistent(env_id):
    rng = random.Random(0)
    env = gym.make(env_id)
    for episode in range(5):
        obs, info = env.reset(seed=episode)
        done, turns = False, 0
        while not done:
            action = random_utterance(rng)
            obs, reward, terminated, truncated, info = env.step(action)
            turns += 1
            assert reward in (-1.0, 0.0) and info["turn"] == turns == len(info["history"])
            assert obs.count("\n") == turns + 1
            done = terminated or truncated
        assert turns <= 20


@pytest.mark.parametrize("action", ["", "   ", "x" * 100_000, "\x00\x01\x02", "¿Es un animal?", "这是动物吗？",
                                    "Is it alive? Это живое?", b"\xff\xfe\xfd"])
def test_bad_input_gets_a_documented_answer(action):
    env = gym.make("archer/TwentyQuestions-v0")
    env.reset(options={"word": "Dog"})
    obs, reward, terminated, truncated, info = env.step(action)
    assert info["answer"] in ("Yes.", "No.", "Invalid Question.") and reward == -1.0 and not terminated
    assert len(obs) < 700


def test_golden_twenty_questions_with_kb_oracle():
    env = gym.make("archer/TwentyQuestions-v0")
    env.reset(options={"word": "Dog"})
    answers = [env.step(q)[4]["answer"] for q in ["Is it an animal?", "Is it a fruit?", "What colour is it?"]]
    assert answers == ["Yes.", "No.", "Invalid Question."]
    obs, reward, terminated, truncated, info = env.step("Is it a dog?")
    assert obs == ("Questions:\nIs it an animal? Yes.\nIs it a fruit? No.\nWhat colour is it? Invalid Question.\n"
                   "Is it a dog? Yes.\n")
    assert (reward, terminated, truncated, info["episode_return"]) == (0.0, True, False, -3.0)


@pytest.mark.parametrize("mode, wins", [("default", True), ("paper", False)])
def test_golden_multi_word_word_with_kb_oracle(mode, wins):
    env = gym.make("archer/TwentyQuestions-v0", mode=mode)
    env.reset(options={"word": "Lawn mower"})
    obs, reward, terminated, truncated, info = env.step("Is it a lawn mower?")
    assert info["answer"] == "Yes." and terminated == wins and reward == (0.0 if wins else -1.0)


def test_golden_guess_my_city_with_kb_oracle():
    env = gym.make("archer/GuessMyCity-v0")
    env.reset(options={"city": "Tokyo, Japan"})
    obs, reward, terminated, truncated, info = env.step("Is your city in Asia?")
    assert info["answer"].startswith("Yes") and "tokyo" not in info["answer"].lower() and reward == -1.0
    obs, reward, terminated, truncated, info = env.step("Is it Tokyo?")
    assert (reward, terminated, truncated) == (0.0, True, False) and info["target"] == "Tokyo, Japan"
