"""Leaderboard submissions: validation catches tampering, the page lists the valid ones.

Every test starts from a real submission: a scripted agent evaluated on Twenty Questions' 10-word
subset with ``archer_gym.evaluation.evaluate``, then tampered with in a copy.
"""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import pytest

from archer_gym.evaluation import evaluate, task_list
from archer_gym.evaluation.report import env_summary
from archer_gym.leaderboard import build_site, validate_submission
from archer_gym.leaderboard.cli import main
from tests.conftest import ScriptedOracle, says_yes_to_target

ENV_ID = "archer/TwentyQuestionsSubset-v0"
ENV = "TwentyQuestionsSubset-v0"
WORDS = [t.task_id for t in task_list(ENV_ID).tasks]


def guess_in_order(requests):
    """Guesses the subset's words in list order: wins every game, sooner for earlier words."""
    return [f"Is it a {WORDS[r.turn % len(WORDS)].lower()}?" for r in requests]


def always_dog(requests):
    return ["Is it a dog?"] * len(requests)


def metadata(name: str, date: str = "2025-01-31", **changes) -> dict:
    return {"name": name, "algorithm": "scripted", "base_model": "none", "model_size": "", "open_weights": True,
            "sample_budget": None, "training_compute": "", "link": "", "verified": False, "date": date, **changes}


def make_submission(root: Path, name: str, policy, *, date: str = "2025-01-31", env_kwargs=None, **changes) -> Path:
    """``root/<env>/<date>_<name>``: an evaluation of ``policy`` plus its metadata.yaml."""
    import yaml

    path = root / ENV / f"{date}_{name}"
    evaluate(policy, ENV_ID, out_dir=path, env_kwargs=env_kwargs)
    (path / "metadata.yaml").write_text(yaml.safe_dump(metadata(name, date, **changes)), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    return make_submission(tmp_path_factory.mktemp("pristine"), "guesser", guess_in_order)


@pytest.fixture
def submission(pristine, tmp_path) -> Path:
    """A fresh copy of the valid submission, to tamper with."""
    return Path(shutil.copytree(pristine, tmp_path / ENV / pristine.name))


def episodes_path(submission: Path) -> Path:
    return submission / ENV / "episodes.jsonl"


def read_lines(submission: Path) -> list[dict]:
    return [json.loads(line) for line in episodes_path(submission).read_text().splitlines()]


def write_lines(submission: Path, records: list) -> None:
    episodes_path(submission).write_text("".join(json.dumps(r) + "\n" for r in records))


def edit_json(path: Path, edit) -> None:
    value = json.loads(path.read_text())
    edit(value)
    path.write_text(json.dumps(value))


def problems(submission: Path) -> str:
    result = validate_submission(submission)
    assert not result.ok
    return "\n".join(result.problems)


def test_a_genuine_submission_is_valid_and_replayed(submission, capsys):
    result = validate_submission(submission)
    assert result.ok, result.problems
    assert result.notes == ["replayed 10 episodes"]
    assert main(["validate", str(submission.parent.parent)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"OK {submission}: {ENV_ID} [test], 10 episodes; replayed 10 episodes")


def test_an_edited_reward_is_caught(submission):
    records = read_lines(submission)
    records[3]["turns"][0]["reward"] = 0.0
    write_lines(submission, records)
    assert (f"episodes.jsonl:4: return is {records[3]['return']} but the turns' rewards add up to"
            in problems(submission))


def test_an_edited_reward_is_caught_by_the_replay_even_with_a_matching_return_and_summary(submission):
    records = read_lines(submission)
    record = next(r for r in records if r["length"] > 1)
    line = records.index(record) + 1
    record["turns"][0]["reward"] = 0.0
    record["return"] += 1.0
    write_lines(submission, records)
    summary_path = submission / ENV / "summary.json"
    old = json.loads(summary_path.read_text())
    new = env_summary(records, task_list(ENV_ID), env_kwargs=old["env_kwargs"], decoding=old["decoding"])
    summary_path.write_text(json.dumps(new))
    assert problems(submission) == (f"{episodes_path(submission)}:{line}: task {record['task_id']!r}, turn 0: reward "
                                    f"differs: the log has 0.0, the env gives -1.0")


def test_an_edited_summary_is_caught(submission):
    edit_json(submission / ENV / "summary.json", lambda s: s["success_rate"].update(mean=1.5))
    assert "summary.json: success_rate.mean is 1.5, the episodes give 1.0" in problems(submission)


def test_an_evaluation_with_privileged_info_is_refused(submission):
    edit_json(submission / ENV / "summary.json", lambda s: s["env_kwargs"].update(privileged_info=True))
    assert "evaluated with privileged_info on" in problems(submission)


def test_a_dropped_episode_is_caught(submission):
    records = read_lines(submission)
    write_lines(submission, records[:4] + records[5:])
    assert f"episodes.jsonl: no episode for task {records[4]['task_id']!r}" in problems(submission)


def test_a_duplicated_episode_is_caught(submission):
    records = read_lines(submission)
    write_lines(submission, records + [records[1]])
    assert f"episodes.jsonl:11: task {records[1]['task_id']!r} again (first at line 2)" in problems(submission)


@pytest.mark.parametrize("turn", [0, 2])
def test_an_edited_observation_is_caught(submission, turn):
    records = read_lines(submission)
    record = next(r for r in records if r["length"] > 2)
    record["turns"][turn]["observation"] = record["turns"][turn]["observation"].replace("No.", "Yes.") + "?"
    write_lines(submission, records)
    found = problems(submission)
    assert f":{records.index(record) + 1}: task {record['task_id']!r}, turn {turn}: observation differs" in found


def test_a_task_list_digest_from_another_version_is_caught(submission):
    for path in (submission / "summary.json", submission / ENV / "summary.json"):
        edit_json(path, lambda s: (s.get("env") or s).update(digest="0" * 64))
    assert f"the task list digest {'0' * 64} is not the current one" in problems(submission)


def test_episodes_of_tasks_outside_the_split_are_caught(submission):
    outsider = next(t for t in task_list("archer/TwentyQuestions-v0").tasks if t.task_id not in WORDS)
    records = read_lines(submission)
    replaced = records[0]["task_id"]
    records[0].update(task_id=outsider.task_id, options={"word": outsider.task_id})
    write_lines(submission, records)
    found = problems(submission)
    assert f"episodes.jsonl:1: task {outsider.task_id!r} is not in the 'test' split of {ENV_ID}" in found
    assert f"no episode for task {replaced!r}" in found


def test_malformed_yaml_is_caught(submission):
    (submission / "metadata.yaml").write_text("name: guesser\nalgorithm: [scripted\n")
    assert f"{submission / 'metadata.yaml'}:3: not valid YAML" in problems(submission)


def test_wrong_metadata_is_caught(submission):
    import yaml

    bad = metadata("guesser", sample_budget="lots", link="javascript:alert(1)", verified="yes", seeds=3)
    del bad["algorithm"]
    (submission / "metadata.yaml").write_text(yaml.safe_dump(bad))
    found = problems(submission)
    for problem in ("missing key 'algorithm'", "unknown key 'seeds'", "sample_budget must be a number of trajectories",
                    "link must be an http(s) URL or empty, found 'javascript:alert(1)'",
                    "verified must be true or false, found 'yes'"):
        assert problem in found


def test_a_malformed_episode_log_is_caught(submission):
    lines = episodes_path(submission).read_text().splitlines()
    episodes_path(submission).write_text("\n".join(lines[:2] + ["{not json"] + lines[2:]) + "\n")
    assert f"{episodes_path(submission)}:3: not a JSON object" in problems(submission)


def test_a_wrongly_typed_episode_record_is_caught(submission):
    records = read_lines(submission)
    del records[0]["turns"][0]["reward"]
    records[1]["success"] = "yes"
    write_lines(submission, records)
    found = problems(submission)
    assert "episodes.jsonl:1: turns[0].reward is missing" in found
    assert "episodes.jsonl:2: success must be true or false, found 'yes'" in found


@pytest.mark.parametrize("missing", ["metadata.yaml", "summary.json", f"{ENV}/summary.json", f"{ENV}/episodes.jsonl"])
def test_missing_files_are_caught(submission, missing):
    (submission / missing).unlink()
    found = problems(submission)
    assert str(submission / missing) in found and ("missing" in found or "no episode log" in found)


def test_an_unknown_env_version_is_caught(submission):
    for path in (submission / "summary.json", submission / ENV / "summary.json"):
        edit_json(path, lambda s: (s.get("env") or s).update(env_id="archer/TwentyQuestionsSubset-v9"))
    assert "unknown environment 'archer/TwentyQuestionsSubset-v9'" in problems(submission)


def test_an_unknown_split_is_caught(submission):
    for path in (submission / "summary.json", submission / ENV / "summary.json"):
        edit_json(path, lambda s: (s.get("env") or s).update(split="bogus"))
    assert "unknown split 'bogus'" in problems(submission)


def test_a_model_oracle_is_not_replayed_but_first_observations_are_checked(tmp_path):
    oracle = ScriptedOracle("twenty_questions", says_yes_to_target)
    path = make_submission(tmp_path, "scripted-oracle", guess_in_order, env_kwargs={"oracle": oracle})
    result = validate_submission(path)
    assert result.ok, result.problems
    assert len(result.notes) == 1 and result.notes[0].startswith("not replayed: the oracle '<tests.conftest.Scripted")
    records = read_lines(path)
    records[0]["turns"][0]["observation"] = "Questions:\nIs it a dog? Yes.\n"
    write_lines(path, records)
    assert "turn 0: observation differs" in problems(path)


def test_the_command_line_reports_problems_and_imports_no_torch(submission):
    edit_json(submission / ENV / "summary.json", lambda s: s.update(episodes=9))
    code = ("import sys; from archer_gym.leaderboard.cli import main; rc = main(['validate', sys.argv[1]]); "
            "assert 'torch' not in sys.modules; sys.exit(rc)")
    run = subprocess.run([sys.executable, "-c", code, str(submission)], capture_output=True, text=True,
                         timeout=120, check=False)
    assert run.returncode == 1, run.stderr
    assert run.stdout.startswith(f"INVALID {submission}: 1 problem(s)\n")
    assert "summary.json: episodes is 9, the episodes give 10" in run.stdout


# ------------------------------------------------------------------------------------ the page
def png(width: int = 4, height: int = 3) -> bytes:
    """A small grey PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> tuple[Path, dict[str, dict]]:
    """Three valid submissions (one verified, one with a curve), one invalid; the built pages."""
    root = tmp_path_factory.mktemp("leaderboard")
    submissions = root / "submissions"
    paths = {
        "Guesser": make_submission(submissions, "Guesser", guess_in_order, verified=True, sample_budget=1000,
                                   link="https://example.org/guesser"),
        "Dog asker": make_submission(submissions, "Dog asker", always_dog, date="2025-02-01"),
        "Reverse guesser": make_submission(submissions, "Reverse guesser",
                                           lambda rs: [f"Is it a {WORDS[-1 - r.turn % 10].lower()}?" for r in rs],
                                           date="2025-03-01", sample_budget=50),
    }
    (paths["Reverse guesser"] / "curve.png").write_bytes(png())
    broken = make_submission(submissions, "broken", always_dog)
    edit_json(broken / ENV / "summary.json", lambda s: s["return"].update(mean=0.0))
    results = build_site(submissions, root / "site")
    assert sorted(str(r.path) for r in results if not r.ok) == [str(broken)]
    summaries = {name: json.loads((path / ENV / "summary.json").read_text()) for name, path in paths.items()}
    return root / "site", summaries


def test_build_writes_markdown_with_the_valid_submissions(site):
    out, _ = site
    markdown = (out / "index.md").read_text()
    assert f"## {ENV_ID}, test split" in markdown
    verified, unverified = markdown.split("### Verified")[1].split("### Unverified")
    assert "| Guesser | scripted | none | 1,000 |" in verified
    assert unverified.index("| Reverse guesser |") < unverified.index("| Dog asker |")  # better mean return first
    assert "[curve](curves/" in unverified
    assert "## Not listed" in markdown and "2025-01-31_broken" in markdown.split("## Not listed")[1]
    assert (out / "curves" / f"{ENV}__2025-03-01_Reverse guesser.png").read_bytes() == png()


@pytest.mark.skipif(shutil.which("chromedriver") is None or shutil.which("chromium") is None,
                    reason="needs Debian's chromium and chromium-driver packages")
def test_the_html_page_lists_and_sorts_in_a_real_browser(site):
    from selenium.webdriver.common.by import By

    from archer_gym.envs.webshop_browser import Browser

    out, summaries = site
    browser = Browser()
    try:
        driver = browser.driver
        driver.get((out / "index.html").resolve().as_uri())

        def table(verified: bool):
            css = f'table[data-env="{ENV_ID}"][data-verified="{str(verified).lower()}"]'
            return driver.find_element(By.CSS_SELECTOR, css)

        def column(table_element, index: int) -> list[str]:
            return [row.find_elements(By.TAG_NAME, "td")[index].text
                    for row in table_element.find_elements(By.CSS_SELECTOR, "tbody tr")]

        headers = [th.text for th in table(False).find_elements(By.TAG_NAME, "th")]
        assert headers[:6] == ["Name", "Algorithm", "Base model", "Sample budget (trajectories)",
                               "Mean return [95% CI]", "Success rate [95% CI]"]
        assert column(table(True), 0) == ["Guesser"]
        assert column(table(True), 8) == ["link"]
        unverified = table(False)
        assert column(unverified, 0) == ["Reverse guesser", "Dog asker"]  # by mean return, best first
        dog = summaries["Dog asker"]
        stats = dog["return"]
        assert column(unverified, 4)[1] == f"{stats['mean']:.2f} [{stats['ci_low']:.2f}, {stats['ci_high']:.2f}]"
        assert column(unverified, 3) == ["50", "zero-shot"]
        assert column(unverified, 6) == ["10", "10"]
        # The browser runs with images off (the project's flags), so check where the image points.
        curve = unverified.find_element(By.CSS_SELECTOR, "img.curve").get_attribute("src")
        assert Path(url2pathname(urlsplit(curve).path)).read_bytes() == png()

        name_header = unverified.find_elements(By.TAG_NAME, "th")[0]
        name_header.click()
        assert column(unverified, 0) == ["Dog asker", "Reverse guesser"]
        assert name_header.get_attribute("aria-sort") == "ascending"
        name_header.click()
        assert column(unverified, 0) == ["Reverse guesser", "Dog asker"]
        unverified.find_elements(By.TAG_NAME, "th")[3].click()  # sample budget: numeric, zero-shot counts 0
        assert column(unverified, 3) == ["zero-shot", "50"]

        not_listed = driver.find_element(By.CSS_SELECTOR, "section.not-listed").text
        assert "2025-01-31_broken" in not_listed and "return.mean is 0.0" in not_listed
    finally:
        browser.close()


def test_webshop_replay_rules_follow_determinism():
    from archer_gym.leaderboard.validate import replay_setup

    assert replay_setup("archer/WebShop-v0", {}).full
    assert replay_setup("archer/WebShopVerlAgent-v0", {}).full
    for env_id, kwargs in [("archer/WebShop-v0", {"mode": "paper"}), ("archer/WebShopArCHer-v0", {})]:
        setup = replay_setup(env_id, kwargs)
        assert not setup.full and "prices unseeded" in setup.why


def test_the_committed_rows_are_valid_and_replay_under_this_code():
    """Our own rows must stay true: an env change that alters any recorded episode fails here, and
    the rows are then made again (leaderboards/make_rows.py) or the env id's version is bumped."""
    from pathlib import Path

    from archer_gym.leaderboard.validate import validate_submission

    root = Path(__file__).resolve().parents[1] / "leaderboards" / "submissions"
    submissions = sorted(p for p in root.glob("*/*") if (p / "metadata.yaml").exists())
    assert submissions
    for path in submissions:
        result = validate_submission(path)
        assert result.ok, (path, result.problems[:5])


def test_make_rows_takes_the_agents_named_and_refuses_unknown_ones(tmp_path, monkeypatch):
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("make_rows", Path(__file__).resolve().parents[1] / "leaderboards" / "make_rows.py")
    make_rows = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_rows)
    made = []
    monkeypatch.setattr(make_rows, "_make", lambda row, env_id, args: made.append((row["name"], env_id)))
    assert make_rows.main(["agents", "--agents", "bc,archer", "--envs", "20q,gmc"]) == 0
    assert made == [("bc-tiny", "archer/TwentyQuestions-v0"), ("archer-tiny", "archer/TwentyQuestions-v0"),
                    ("bc-tiny", "archer/GuessMyCity-v0"), ("archer-tiny", "archer/GuessMyCity-v0")]
    with pytest.raises(SystemExit, match="unknown agents \\['bcc'\\]"):
        make_rows.main(["agents", "--agents", "bcc"])


def test_agent_rows_are_evaluated_with_the_episodes_per_task_the_run_evaluated_with(tmp_path, monkeypatch):
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("make_rows", Path(__file__).resolve().parents[1] / "leaderboards" / "make_rows.py")
    make_rows = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_rows)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "run.json").write_text(json.dumps({"agent": "bc", "config": {"eval_episodes_per_task": 30}}))
    monkeypatch.setattr(make_rows, "SUBMISSIONS", tmp_path / "submissions")
    monkeypatch.setattr(make_rows, "_train", lambda agent, env_id: run_dir)
    monkeypatch.setattr(make_rows, "_trained", lambda run, agent, env_id: (run, 0, "", None))
    commands = []

    def run(command, **kwargs):
        commands.append(command)
        raise RuntimeError("stop here")

    monkeypatch.setattr(make_rows.subprocess, "run", run)
    with pytest.raises(RuntimeError, match="stop here"):
        make_rows.main(["agents", "--agents", "bc", "--envs", "20q_subset"])
    assert commands[0][commands[0].index("--episodes-per-task") + 1] == "30"
