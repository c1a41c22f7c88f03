"""Packaging promises: light import, registered ids, clear errors for unknown ids."""

import subprocess
import sys

import gymnasium as gym
import pytest

import archer_gym
from archer_gym.registration import resolve_env_id


def test_import_is_light():
    code = ("import sys, archer_gym, gymnasium as gym; "
            "heavy = [m for m in ('torch', 'transformers', 'openai', 'flask') if m in sys.modules]; "
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_ids_are_registered_with_vector_entry_points():
    for env in archer_gym.ENVS:
        spec = gym.spec(env.id)
        assert spec.vector_entry_point == env.vector_entry_point


def test_unknown_ids_are_clear_errors():
    assert resolve_env_id("20q") == "archer/TwentyQuestions-v0"
    with pytest.raises(ValueError, match="unknown environment 'chess'.*archer/TwentyQuestions-v0"):
        resolve_env_id("chess")
    with pytest.raises(gym.error.Error):
        gym.make("archer/TwentyQuestions-v9")
