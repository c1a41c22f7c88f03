"""Append-only experience log behind replay-buffer and trajectory-store checkpoints."""

from __future__ import annotations

import pickle
import shutil

import pytest

from archer_agents.buffers import ReplayBuffer, Trajectory, TrajectoryStore, Transition
from archer_agents.experience_log import ExperienceLog, ExperienceLogError, shards


def transitions(start: int, n: int) -> list[Transition]:
    return [Transition(observation=f"obs {i}", action=f"question {i}?", action_ids=[i, i + 1],
                       token_log_probs=[-0.1 * i, -1.5], reward=-1.0, next_observation=f"obs {i + 1}",
                       terminated=i % 5 == 4, truncated=False, trajectory_id=i // 5, turn=i % 5)
            for i in range(start, start + n)]


class Run:
    """A replay buffer checkpointed like an agent does: ``run/checkpoints/<name>`` + ``run/experience/rank0``."""

    def __init__(self, root, capacity=10, seed=0):
        self.root = root
        self.log = ExperienceLog(root / "experience" / "rank0")
        self.buffer = ReplayBuffer(capacity, seed=seed)
        self.stored = 0

    def store(self, n: int) -> None:
        self.buffer.add(transitions(self.stored, n))
        self.stored += n

    def checkpoint(self, name: str):
        directory = self.root / "checkpoints" / name
        directory.mkdir(parents=True, exist_ok=True)
        state = self.buffer.state_dict(self.log, directory)
        (directory / "process_0.pt").write_bytes(pickle.dumps(state))
        return directory

    @classmethod
    def resume(cls, root, checkpoint) -> Run:
        run = cls(root, capacity=1, seed=99)
        run.buffer.load_state_dict(pickle.loads((checkpoint / "process_0.pt").read_bytes()), run.log, checkpoint)
        run.stored = run.buffer.count
        return run


def records_on_disk(run: Run) -> int:
    return sum(s.stop - s.first for s in shards(run.log.dir))


def assert_same(a: ReplayBuffer, b: ReplayBuffer) -> None:
    assert (a.capacity, a.count, len(a)) == (b.capacity, b.count, len(b))
    assert a.items == b.items
    assert a.sample(32) == b.sample(32)


def test_checkpoints_write_only_new_records_and_stay_small(tmp_path):
    run = Run(tmp_path, capacity=100)
    sizes = []
    for i in range(4):
        run.store(25)
        checkpoint = run.checkpoint(f"iter_{i}")
        sizes.append((checkpoint / "process_0.pt").stat().st_size)
        assert b"question" not in (checkpoint / "process_0.pt").read_bytes()
    assert [s.stop - s.first for s in shards(run.log.dir)] == [25, 25, 25, 25]
    assert max(sizes) - min(sizes) < 16 and max(sizes) < 2048


def test_resume_restores_the_ring_and_its_sampling_rng(tmp_path):
    run = Run(tmp_path, capacity=10)
    for n in (4, 7, 12, 3):  # wraps the ring twice; 12 > capacity: only the newest 10 reach the disk
        run.store(n)
        resumed = Run.resume(tmp_path, run.checkpoint("latest"))
        assert_same(resumed.buffer, run.buffer)
    assert records_on_disk(run) <= 10 + 3 + 3  # what the last two checkpoints need


def test_records_written_after_the_checkpoint_are_ignored_then_rewound(tmp_path):
    run = Run(tmp_path)
    run.store(6)
    checkpoint = run.checkpoint("iter_1")
    expected = Run.resume(tmp_path, checkpoint).buffer
    run.store(3)
    run.checkpoint("iter_2.tmp")  # killed before the checkpoint was renamed into place
    orphan = shards(run.log.dir)[-1].path
    orphan.write_text(orphan.read_text()[:-7])  # and its last line cut mid-write
    (run.log.dir / "garbage.jsonl.tmp").write_text('{"obse')

    resumed = Run.resume(tmp_path, checkpoint)
    assert_same(resumed.buffer, Run.resume(tmp_path, checkpoint).buffer)
    assert resumed.buffer.items == expected.items and resumed.buffer.count == 6
    resumed.store(2)
    again = Run.resume(tmp_path, resumed.checkpoint("iter_2"))
    assert not orphan.exists() and not list(run.log.dir.glob("*.tmp"))
    assert again.buffer.count == 8 and again.buffer.newest(2) == transitions(6, 2)


def test_a_corrupt_record_the_checkpoint_needs_is_a_clear_error(tmp_path):
    run = Run(tmp_path)
    run.store(6)
    checkpoint = run.checkpoint("iter_1")
    shard = shards(run.log.dir)[0].path
    lines = shard.read_text().splitlines(keepends=True)
    shard.write_text("".join(lines[:-1]) + lines[-1][:20])
    with pytest.raises(ExperienceLogError, match=r"line 6: corrupt record 5"):
        Run.resume(tmp_path, checkpoint)
    shard.write_text("".join(lines[:-1]))
    with pytest.raises(ExperienceLogError, match="truncated"):
        Run.resume(tmp_path, checkpoint)


def test_the_previous_checkpoint_stays_loadable_and_older_shards_are_pruned(tmp_path):
    run = Run(tmp_path, capacity=10)
    checkpoints = []
    for i in range(6):
        run.store(8)
        checkpoints.append(run.checkpoint(f"iter_{i}"))
    previous = Run.resume(tmp_path, checkpoints[-2]).buffer
    assert previous.count == 40 and previous.newest(10) == transitions(30, 10)
    assert [(s.first, s.stop) for s in shards(run.log.dir)] == [(24, 32), (32, 40), (40, 48)]
    with pytest.raises(ExperienceLogError, match="no longer holds records"):
        Run.resume(tmp_path, checkpoints[0])


def test_going_on_from_an_earlier_checkpoint_makes_later_ones_a_clear_error(tmp_path):
    run = Run(tmp_path)
    run.store(4)
    earlier = run.checkpoint("iter_1")
    run.store(4)
    later = run.checkpoint("iter_2")
    Run.resume(tmp_path, later)  # loading alone changes nothing
    fork = Run.resume(tmp_path, earlier)
    fork.store(4)
    fork.checkpoint("iter_2b")
    with pytest.raises(ExperienceLogError, match="went on from an earlier checkpoint"):
        Run.resume(tmp_path, later)


def test_a_copied_run_resumes_and_its_next_checkpoint_is_self_contained(tmp_path):
    run = Run(tmp_path / "a", capacity=10)
    run.store(14)
    checkpoint = run.checkpoint("iter_1")
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    copied = Run.resume(tmp_path / "b", tmp_path / "b" / "checkpoints" / "iter_1")
    assert copied.buffer.items == run.buffer.items

    forked = Run.resume(tmp_path / "c", checkpoint)  # another output_dir going on from a's checkpoint
    forked.store(1)
    own = forked.checkpoint("iter_2")
    shutil.rmtree(tmp_path / "a")
    assert [(s.first, s.stop) for s in shards(forked.log.dir)] == [(5, 15)]
    assert_same(Run.resume(tmp_path / "c", own).buffer, forked.buffer)

    alone = tmp_path / "elsewhere" / "checkpoints" / "alone"
    shutil.copytree(own, alone)
    with pytest.raises(ExperienceLogError, match="not found: copy a run directory whole"):
        Run.resume(tmp_path / "d", alone)


def test_trajectory_store_round_trip_with_and_without_window(tmp_path):
    for window in (None, 2):
        log, store = ExperienceLog(tmp_path / str(window) / "experience"), TrajectoryStore(window)
        checkpoint = tmp_path / str(window) / "checkpoint"
        checkpoint.mkdir(parents=True)
        for i in range(3):
            store.add([Trajectory(transitions(i * 10, 5), success=True), Trajectory(transitions(i * 10 + 5, 2))])
            state = store.state_dict(log, checkpoint)
        loaded = TrajectoryStore()
        loaded.load_state_dict(state, ExperienceLog(tmp_path / str(window) / "experience"), checkpoint)
        assert loaded.window == window and loaded.count == 3
        assert loaded.batches == store.batches and len(loaded.batches) == (2 if window else 3)
