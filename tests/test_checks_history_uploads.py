"""History as it happened (issue 14, item 4): uploads however they arrived, junk still in
the history, repeated subjects, bots that fill the recent history, and a clone with missing
objects. Each trap is a real repository built with the factory."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from auditor.checks.history import commits_signals
from auditor.model import Outcome, Status
from auditor.source.snapshot import Snapshot
from tests.factory import EPOCH, RepoBuilder

Run = Callable[[str, Path], Outcome]

ACTION = ("GitHub Action", "action@github.com")


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def test_a_few_uploads_minutes_apart_are_one_dump(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Initial commit", {"README.md": "# Shop\n"}, when=EPOCH)
    repo.commit(
        "Add files via upload",
        {f"app/module_{i}.py": f"X = {i}\n" for i in range(20)},
        when=EPOCH + minutes(3),
    )
    repo.commit(
        "Add files via upload",
        {f"tests/test_{i}.py": f"Y = {i}\n" for i in range(8)},
        when=EPOCH + minutes(7),
    )
    repo.commit("Add files via upload", {"requirements.txt": "flask\n"}, when=EPOCH + minutes(9))

    outcome = outcome_of("GIT001", repo.path)

    assert outcome.status is Status.FAIL
    assert outcome.message.startswith("An upload, not a history: 4 commits within 9 minutes")
    assert "added 30 of the 30 files at HEAD (100%)" in outcome.message
    assert commits_signals(Snapshot.open(repo.path))["single_dump"] is True


def test_an_orphan_restart_adding_one_file_per_commit_is_a_dump(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    # The real work happened elsewhere; this history re-adds the files one per commit.
    for i in range(12):
        repo.commit(
            f"Create module_{i}.py", {f"src/module_{i}.py": "X = 1\n"}, when=EPOCH + minutes(i)
        )

    outcome = outcome_of("GIT001", repo.path)

    assert outcome.status is Status.FAIL
    assert "12 commits within 11 minutes, each only adding files" in outcome.message
    assert '"Create module_0.py"' in outcome.message


def test_commits_minutes_apart_that_edit_files_still_grew(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    repo.commit("Add the parser", {"app/parser.py": "X = 1\n"}, when=EPOCH)
    for i in range(6):
        repo.commit(
            f"Handle case {i} in the parser",
            {"app/parser.py": f"X = {i + 2}\n", f"app/case_{i}.py": "Y = 1\n"},
            when=EPOCH + minutes(5 * (i + 1)),
        )

    outcome = outcome_of("GIT001", repo.path)

    assert outcome.status is Status.PASS
    assert outcome.message.startswith("The history grew over 7 commits of your own")


def test_a_deleted_virtual_environment_is_history_junk(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit(
        "Add the app",
        {
            "app.py": "print(1)\n",
            "env/pyvenv.cfg": "home = /usr/bin\n",
            "env/lib/site.py": "X = 1\n",
            "env/bin/activate": "echo\n",
            "data/app.sqlite3": b"SQLite format 3\x00",
            "tests/fixtures/sample.db": b"SQLite format 3\x00",
            "__pycache__/app.cpython-311.pyc": b"\x00",
        },
    )
    repo.commit(
        "Stop tracking the environment and the database",
        {".gitignore": "env/\n*.sqlite3\n"},
        delete=(
            "env/pyvenv.cfg",
            "env/lib/site.py",
            "env/bin/activate",
            "data/app.sqlite3",
            "__pycache__/app.cpython-311.pyc",
        ),
    )

    outcome = outcome_of("GIT010", repo.path)

    assert outcome.status is Status.FAIL
    first = repo.commits[0][:7]
    assert outcome.message.startswith(
        "Junk committed and deleted later is still published: "
        f"env/ (3 files) added in {first}; data/app.sqlite3 added in {first}."
    )
    assert "sample.db" not in outcome.message
    assert "__pycache__" not in outcome.message  # litter, not a published dump
    assert outcome_of("GIT005", repo.path).status is Status.PASS


def test_deleted_node_modules_and_build_output_are_history_junk(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    repo.commit("Add the site", {"site/app.js": "1\n", "site/node_modules/x/index.js": "1\n"})
    repo.commit("Add the build", {"dist/site.js": "1\n"})
    repo.commit("Clean up", delete=("site/node_modules/x/index.js", "dist/site.js"))

    outcome = outcome_of("GIT010", repo.path)

    assert outcome.status is Status.FAIL
    assert "site/node_modules/ (1 files)" in outcome.message
    assert "dist/ (1 files)" in outcome.message


def test_a_clean_history_has_no_history_junk(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add the app", {"app.py": "print(1)\n", "old.py": "1\n"})
    repo.commit("Remove the old module", delete=("old.py",))

    outcome = outcome_of("GIT010", repo.path)

    assert outcome.status is Status.PASS
    assert outcome.message == "No junk was committed and later deleted."


def test_repeated_identical_subjects_are_vague(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Set up the Flask app", {"app.py": "1\n"})
    for day in range(1, 5):
        repo.commit(f"Day {day}", {"app.py": f"{day}\n"}, days_later=1)
    for minor in range(3):  # a release routine, not a vague subject
        repo.commit(f"Bump to 1.{minor}", {"v.txt": f"{minor}\n"}, days_later=1)
    repo.commit("Add login with sessions", {"login.py": "1\n"}, days_later=1)

    outcome = outcome_of("GIT002", repo.path)

    assert outcome.status is Status.PARTIAL
    assert outcome.message.startswith("5 of 9 commit subjects are clear: 4 vague")
    assert '(e.g. vague: "Day 4"; vague: "Day 3"; vague: "Day 2")' in outcome.message
    assert "Bump" not in outcome.message


def test_bots_filling_the_recent_history_stay_out_of_the_measures(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    for day in range(4):
        repo.commit(f"Add report section {day}", {f"report_{day}.py": "1\n"}, days_later=1)
    for i in range(30):
        repo.commit("update data", {"data.csv": f"{i}\n"}, author=ACTION, days_later=1)

    messages = outcome_of("GIT002", repo.path)
    days = outcome_of("GIT003", repo.path)
    signals = commits_signals(Snapshot.open(repo.path))

    assert messages.status is Status.PASS
    assert messages.message == "All 4 commit subjects of your own are clear."
    assert days.message.startswith("Your commits fall on 4 distinct days")
    assert signals["authors"] == 1


def test_missing_objects_keep_the_history_rules(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add the parser", {"pkg/parser.py": "X = 1\n"})
    repo.commit("Add the reader", {"pkg/reader.py": "Y = 1\n"}, days_later=1)
    repo.commit("Document the parser", {"README.md": "# P\n"}, days_later=1)
    # Lose the first commit's tree of pkg/ (an object missing from a broken clone).
    tree = repo.git("rev-parse", f"{repo.commits[0]}:pkg").strip()
    (repo.path / ".git" / "objects" / tree[:2] / tree[2:]).unlink()
    listing = subprocess.run(
        ["git", "log", "--name-status", "--format=%H"], cwd=repo.path, capture_output=True
    )
    assert listing.returncode != 0  # the trap is real: git cannot list the paths

    messages = outcome_of("GIT002", repo.path)
    days = outcome_of("GIT003", repo.path)
    grew = outcome_of("GIT001", repo.path)

    assert messages.status is Status.PASS
    assert messages.message == "All 3 commit subjects of your own are clear."
    assert days.message.startswith("Your commits fall on 3 distinct days")
    assert grew.status is Status.SKIP
    assert grew.message.startswith("git could not list the files each commit changed")


def test_deleting_what_an_upload_brought_is_not_growth(repo: RepoBuilder, outcome_of: Run) -> None:
    # A course dump of 40 exercises, then its 30 test files deleted: clean-up, not work.
    repo.commit("Start the course", {"README.md": "# Course\n"}, when=EPOCH)
    exercises = {f"part{i}/exercise.py": f"print({i})\n" for i in range(40)}
    tests = {f"part{i}/test_exercise.py": f"X = {i}\n" for i in range(30)}
    repo.commit("Added all exercises from all parts", {**exercises, **tests}, days_later=300)
    repo.commit("Removed the test files", delete=tuple(tests), days_later=2)
    repo.commit("Create README.md", {"README.md": "# Course\n\nMy answers.\n"}, days_later=1)

    outcome = outcome_of("GIT001", repo.path)

    assert outcome.status is Status.FAIL
    assert outcome.message.startswith("One commit holds the whole project: ")
    assert "added 40 of the 41 files at HEAD (98%)" in outcome.message


def test_most_of_a_project_arriving_at_once_earns_part_of_the_credit(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    # Seven of ten files in one upload, then a few small commits: between grown and a dump.
    repo.commit("Add the importer", {f"app/m{i}.py": f"X = {i}\n" for i in range(7)}, when=EPOCH)
    for i in range(3):
        repo.commit(f"Add report {i}", {f"reports/r{i}.py": f"Y = {i}\n"}, days_later=1)
    repo.commit("Explain the reports", {"reports/r0.py": "Y = 0  # total\n"}, days_later=1)

    outcome = outcome_of("GIT001", repo.path)

    assert outcome.status is Status.PARTIAL
    assert outcome.score is not None and abs(outcome.score - (1 - 0.5 * (0.7 - 0.5) / 0.3)) < 1e-9
    assert outcome.message.startswith("Most of the project arrived at once: ")


def test_an_upload_with_clear_subjects_earns_no_history_points(repo: RepoBuilder) -> None:
    """History hygiene multiplies its facets: a dump is not saved by clear subjects spread
    over several days."""
    from auditor.api import audit_repository
    from auditor.config import Settings

    repo.commit("Add the whole shop", {f"shop/m{i}.py": f"X = {i}\n" for i in range(30)})
    repo.commit("Fix the README title", {"README.md": "# Shop\n"}, days_later=3)
    repo.commit("Fix the README link", {"README.md": "# Shop\n\nA shop.\n"}, days_later=3)

    card = audit_repository(repo.path, Settings()).card

    assert card.verdict is not None
    history = {d.id: d.earned for d in card.verdict.dimensions}["history_hygiene"]
    assert history == 0.0
