"""The env core: action sanitising, the text space, episode bookkeeping."""

import pytest
from gymnasium.error import ResetNeeded

from archer_gym.core.actions import sanitize_action
from archer_gym.core.episode import EpisodeTracker
from archer_gym.core.spaces import UnicodeText


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("Is it alive?", "Is it alive?"),
        ("  Is it alive?  \nIs it red?", "Is it alive?"),
        ("\n\nIs it big?\n", "Is it big?"),
        ("Is\x00 it\x07 red?\r\n", "Is it red?"),
        ("", ""),
        ("   \t  ", ""),
        (b"Is it \xff\xfe caf\xc3\xa9?", "Is it \ufffd\ufffd caf\u00e9?"),
        ("Est-ce un chien ? 是狗吗", "Est-ce un chien ? 是狗吗"),
        ("\ud800lone surrogate", "lone surrogate"),
    ],
)
def test_sanitize_action(raw, clean):
    assert sanitize_action(raw) == clean


def test_sanitize_action_caps_length_and_rejects_non_text():
    assert len(sanitize_action("x" * 100_000)) == 512
    assert len(sanitize_action("y" * 100, max_chars=10)) == 10
    with pytest.raises(TypeError, match="must be a str"):
        sanitize_action(42)


def test_unicode_text_space_accepts_any_string_within_bounds():
    space = UnicodeText(30)
    assert space.contains("Questions:\nIs it? Yes.\n")
    assert space.contains("")
    assert not space.contains("x" * 31)
    assert not space.contains(b"bytes")
    assert all(space.contains(space.sample()) for _ in range(20))


def test_episode_tracker_terminated_and_truncated_are_exclusive():
    tracker = EpisodeTracker(max_turns=2)
    with pytest.raises(ResetNeeded, match="reset"):
        tracker.check_can_step()
    tracker.start()
    assert tracker.record("a", "b", -1.0, success=False) == (False, False)
    assert tracker.record("c", "d", 0.0, success=True) == (True, False)  # success on the last turn
    with pytest.raises(ResetNeeded, match="terminated"):
        tracker.check_can_step()
    tracker.start()
    tracker.record("a", "b", -1.0, success=False)
    assert tracker.record("a", "b", -1.0, success=False) == (False, True)
    assert tracker.info() == {"turn": 2, "success": False, "episode_return": -2.0,
                              "history": [("a", "b"), ("a", "b")]}
    with pytest.raises(ValueError):
        EpisodeTracker(max_turns=0)
