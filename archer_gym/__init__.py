"""archer-gym: multi-turn text environments for language-model agents.

``import archer_gym`` registers the ``archer/...`` ids with Gymnasium and imports nothing heavy
(no torch, transformers or openai until an oracle backend that needs them is built)::

    import gymnasium as gym
    import archer_gym

    env = gym.make("archer/TwentyQuestions-v0")
    obs, info = env.reset(seed=0)
    obs, reward, terminated, truncated, info = env.step("Is it alive?")
"""

from archer_gym.registration import ENVS, register_all, resolve_env_id

__version__ = "0.1.0"
__all__ = ["ENVS", "__version__", "resolve_env_id"]

register_all()
