"""GIT001-GIT003 and the ``commits`` signals, on real repositories built with the factory."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from auditor.checks.history import commits_signals
from auditor.facts.history import is_vague
from auditor.model import Outcome, Status
from auditor.source.snapshot import Snapshot
from tests.factory import EPOCH, RepoBuilder

Run = Callable[[str, Path], Outcome]

BOT = ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com")
ADA = ("Ada Lovelace", "ada@example.com")
GRACE = ("Grace Hopper", "grace@example.com")


def files(prefix: str, count: int) -> dict[str, str]:
    return {f"{prefix}/module_{i}.py": f"VALUE = {i}\n" for i in range(count)}


def shallow_clone(repo: RepoBuilder, target: Path) -> Path:
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{repo.path}", str(target)],
        check=True,
        capture_output=True,
    )
    return target


def plain_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "plain"
    (folder / "app").mkdir(parents=True)
    (folder / "app" / "main.py").write_text("print('hi')\n")
    (folder / "README.md").write_text("# Plain\n")
    return folder


# ------------------------------------------------------------------------------ GIT001


def test_history_grew_passes_when_files_arrive_over_many_commits(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    repo.commit("Scaffold the package layout", files("scaffold", 5))
    for step in range(30):
        batch = {f"app/part_{step}_{i}.py": f"X = {i}\n" for i in range(4 if step < 10 else 3)}
        repo.commit(f"Add importer step {step}", batch, days_later=1)

    outcome = outcome_of("GIT001", repo.path)

    assert outcome.status is Status.PASS
    assert outcome.score == 1.0
    assert "grew over 31 commits" in outcome.message
    # the scaffold's 5 files are the largest single addition, out of 105 at HEAD
    assert "5 of the 105 files at HEAD" in outcome.message


def test_history_grew_fails_on_a_single_dump_and_names_the_commit(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    sha = repo.commit("Add files via upload", files("project", 12))
    repo.commit("Update README.md", {"README.md": "# Project\n"}, days_later=1)

    outcome = outcome_of("GIT001", repo.path)

    assert outcome.status is Status.FAIL
    assert outcome.score == 0.0
    assert sha[:7] in outcome.message
    assert "12 of the 13 files at HEAD" in outcome.message
    assert "history of 2 commits" in outcome.message
    assert outcome.evidence[0].commit == sha
    assert not outcome.evidence[0].is_file


def test_history_grew_fails_when_later_commits_only_touch_the_readme(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    repo.commit("Initial commit", {"LICENSE": "MIT\n"})
    sha = repo.commit("Add the finished project", files("project", 30))
    for n in range(5):
        repo.commit(f"Reword the README introduction, take {n}", {"README.md": f"v{n}\n"})

    outcome = outcome_of("GIT001", repo.path)

    assert outcome.status is Status.FAIL
    assert sha[:7] in outcome.message
    assert "30 of the 32 files" in outcome.message
    assert "the 5 commits after it changed only 5 paths" in outcome.message


def test_history_grew_is_fair_to_a_small_project_edited_many_times(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    repo.commit("Create the word counter", {"count.py": "0\n", "README.md": "x\n"})
    for n in range(6):
        repo.commit(f"Handle case {n} in the counter", {"count.py": f"{n}\n"}, days_later=1)

    outcome = outcome_of("GIT001", repo.path)

    assert outcome.status is Status.PASS
    assert "grew over 7 commits" in outcome.message


def test_history_grew_gives_partial_credit_to_a_young_history(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    repo.commit("Add the parser", files("parser", 2))
    repo.commit("Add the renderer", files("render", 2))
    repo.commit("Add the command line", files("cli", 2))

    outcome = outcome_of("GIT001", repo.path)

    assert outcome.status is Status.PARTIAL
    assert outcome.score == pytest.approx(3 / 5)
    assert "Only 3 commits of your own" in outcome.message


def test_history_grew_ignores_bot_commits_and_merges(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add starter code", files("starter", 20), author=BOT)
    for n in range(5):
        repo.commit(f"Solve exercise {n}", {f"solution_{n}.py": "pass\n"}, days_later=1)

    outcome = outcome_of("GIT001", repo.path)

    # the bot's 20 files would be 80% of the 25 at HEAD; they are not the author's dump
    assert outcome.status is Status.PASS
    assert "grew over 5 commits of your own" in outcome.message
    assert "1 of the 25 files" in outcome.message


def test_history_grew_fails_outside_version_control(tmp_path: Path, outcome_of: Run) -> None:
    outcome = outcome_of("GIT001", plain_folder(tmp_path))

    assert outcome.status is Status.FAIL
    assert "Not under version control" in outcome.message
    assert "git init" in outcome.message


def test_history_rules_skip_on_a_shallow_clone(
    repo: RepoBuilder, tmp_path: Path, outcome_of: Run
) -> None:
    for n in range(6):
        repo.commit(f"Add feature {n}", {f"feature_{n}.py": "pass\n"}, days_later=1)
    clone = shallow_clone(repo, tmp_path / "shallow")

    for rule in ("GIT001", "GIT003"):
        outcome = outcome_of(rule, clone)
        assert outcome.status is Status.SKIP, rule
        assert "fetch-depth: 0" in outcome.message
        assert "shallow" in outcome.message


# ------------------------------------------------------------------------------ GIT002


@pytest.mark.parametrize(
    "subject",
    [
        "",
        "update",
        "Updates",
        "fix",
        "fixed",
        "bugfix",
        "WIP",
        "changes",
        "stuff",
        "misc",
        "minor",
        "test",
        "commit",
        "asdf",
        "qwerty",
        "temp",
        "save",
        "done",
        "final",
        ".",
        "..",
        "-",
        "minor fixes",
        "some changes",
        "fixed bug",
        "Add files via upload",
        "Update README.md",
        "update src/app.py",
        "test2",
        "fix: update",
        "chore: misc",
        "bug-fixes",
        "Update server.rst",
        "tests",
        "sidebar",
        "Thing",
        "Renames",
        "README.md",
    ],
)
def test_vague_subjects(subject: str) -> None:
    assert is_vague(subject)


@pytest.mark.parametrize(
    "subject",
    [
        "Initial commit",
        "first commit",
        "Create main.py",
        "Delete old_parser.py",
        "Fix typo in the install section",
        "Fix typo",
        "Update dependencies",
        "Add tests for the CSV importer",
        "feat(api): paginate the search endpoint",
        "fix: handle empty rows",
        "Validate dates in the CSV importer",
        "Update latest-changes (#2375)",  # a tool's name, not the generic words
    ],
)
def test_clear_subjects(subject: str) -> None:
    assert not is_vague(subject)


def test_commit_messages_pass_when_every_subject_is_clear(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    repo.commit("Initial commit", {"README.md": "# x\n"})
    repo.commit("Parse dates in the CSV importer", {"a.py": "1\n"})
    repo.commit("Document the command line options", {"b.py": "1\n"})

    outcome = outcome_of("GIT002", repo.path)

    assert outcome.status is Status.PASS
    assert outcome.score == 1.0
    assert "All 3 commit subjects" in outcome.message


def test_commit_messages_grade_vague_and_overlong_subjects(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    clear = [
        "Initial commit",
        "Parse dates in the CSV importer",
        "Cache the parsed configuration",
        "Retry failed downloads twice",
        "Explain the retry policy in the README",
        "Log every rejected row",
    ]
    for n, subject in enumerate(clear):
        repo.commit(subject, {f"c{n}.py": "1\n"})
    vague_sha = repo.commit("update", {"v.py": "1\n"})
    repo.commit("wip", {"w.py": "1\n"})
    long_subject = "Refactor " + "the configuration loader and " * 5 + "its tests"
    long_sha = repo.commit(long_subject, {"l.py": "1\n"})

    outcome = outcome_of("GIT002", repo.path)

    assert outcome.status is Status.PARTIAL
    assert outcome.score == pytest.approx(6 / 9)
    assert "6 of 9 commit subjects are clear" in outcome.message
    assert "2 vague" in outcome.message
    assert "1 longer than 72 characters" in outcome.message
    notes = {(e.commit or "")[:7]: e.note or "" for e in outcome.evidence}
    assert notes[vague_sha[:7]] == 'vague: "update"'
    assert notes[long_sha[:7]].startswith(f"{len(long_subject)} characters:")
    assert notes[long_sha[:7]].endswith('…"')  # capped for display
    assert len(notes[long_sha[:7]]) < 110


def test_commit_messages_do_not_count_what_git_and_github_append(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    subject = "Validate every date column in the CSV importer before parsing its rows"
    assert len(subject) == 70
    repo.commit(f"{subject} (#1234)", {"a.py": "1\n"})  # 78 characters with the suffix
    repo.commit(f'Revert "{subject}"', {"a.py": "2\n"})  # 80 characters, written by git
    repo.commit(subject + " and cells", {"a.py": "3\n"})  # 80 characters, all the author's

    outcome = outcome_of("GIT002", repo.path)

    assert outcome.status is Status.PARTIAL
    assert "2 of 3 commit subjects are clear" in outcome.message
    assert [e.note for e in outcome.evidence] == [f'80 characters: "{subject} and cells"']


def test_commit_messages_fail_when_every_subject_is_vague(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    repo.commit("Add files via upload", {"a.py": "1\n"})
    repo.commit("Update README.md", {"README.md": "x\n"})
    repo.commit(".", {"b.py": "1\n"})

    outcome = outcome_of("GIT002", repo.path)

    assert outcome.status is Status.FAIL
    assert outcome.score == 0.0
    assert "0 of 3" in outcome.message
    assert len(outcome.evidence) == 3


def test_commit_messages_ignore_bots_and_merges(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Initial commit", {"README.md": "# x\n"})
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("Add the exporter", {"export.py": "1\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("Bump requests from 2.31 to 2.32", {"r.txt": "1\n"}, author=BOT)
    repo.commit("update", {"deps.txt": "1\n"}, author=BOT)
    repo.git("merge", "-q", "--no-ff", "-m", "wip", "feature")

    outcome = outcome_of("GIT002", repo.path)
    signals = commits_signals(Snapshot.open(repo.path))

    assert outcome.status is Status.PASS
    assert "All 2 commit subjects" in outcome.message
    assert signals["count"] == 5
    assert signals["vague_message_fraction"] == 0.0


def test_commit_messages_fail_outside_version_control(tmp_path: Path, outcome_of: Run) -> None:
    outcome = outcome_of("GIT002", plain_folder(tmp_path))

    assert outcome.status is Status.FAIL
    assert "Not under version control" in outcome.message


def test_commit_messages_judge_what_a_shallow_clone_shows(
    repo: RepoBuilder, tmp_path: Path, outcome_of: Run
) -> None:
    repo.commit("Initial commit", {"README.md": "# x\n"})
    repo.commit("stuff", {"a.py": "1\n"})
    clone = shallow_clone(repo, tmp_path / "shallow")

    outcome = outcome_of("GIT002", clone)

    assert outcome.status is Status.FAIL
    assert "1 visible in this shallow clone" in outcome.message


# ------------------------------------------------------------------------------ GIT003


def test_active_days_pass_with_enough_distinct_days(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Initial commit", {"a.py": "1\n"})
    repo.commit("Add the parser", {"b.py": "1\n"})  # same day
    repo.commit("Add the renderer", {"c.py": "1\n"}, days_later=2)
    repo.commit("Add the command line", {"d.py": "1\n"}, days_later=5)

    outcome = outcome_of("GIT003", repo.path)

    assert outcome.status is Status.PASS
    assert "3 distinct days (2024-03-01 to 2024-03-08)" in outcome.message


def test_active_days_give_partial_credit_and_ignore_bots(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    repo.commit("Initial commit", {"a.py": "1\n"})
    repo.commit("Add the parser", {"b.py": "1\n"}, days_later=1)
    repo.commit("Bump pytest", {"r.txt": "1\n"}, author=BOT, days_later=1)
    repo.commit("Bump ruff", {"r.txt": "2\n"}, author=BOT, days_later=1)

    outcome = outcome_of("GIT003", repo.path)

    assert outcome.status is Status.PARTIAL
    assert outcome.score == pytest.approx(2 / 3)
    assert "2 distinct days" in outcome.message


def test_active_days_count_utc_calendar_days(repo: RepoBuilder, outcome_of: Run) -> None:
    late_evening = datetime(2024, 3, 1, 21, 30, tzinfo=timezone(timedelta(hours=-5)))
    repo.commit("Initial commit", {"a.py": "1\n"}, when=late_evening)  # 2024-03-02 in UTC
    repo.commit("Add the parser", {"b.py": "1\n"}, when=EPOCH)  # 2024-03-01 10:00 UTC

    outcome = outcome_of("GIT003", repo.path)

    assert outcome.status is Status.PARTIAL
    assert "2024-03-01 to 2024-03-02" in outcome.message


def test_active_days_fail_outside_version_control(tmp_path: Path, outcome_of: Run) -> None:
    outcome = outcome_of("GIT003", plain_folder(tmp_path))

    assert outcome.status is Status.FAIL
    assert "Not under version control" in outcome.message


# ------------------------------------------------------------------------------ signals


def test_commits_signals_measure_the_history(repo: RepoBuilder) -> None:
    repo.commit("Initial commit", {"README.md": "# x\n"}, author=ADA)
    repo.commit("update", {"a.py": "1\n"}, author=GRACE, days_later=1)
    repo.commit("Add the parser", {"b.py": "1\n"}, author=("Ada", "ADA@example.com"))
    repo.commit("Bump ruff", {"r.txt": "1\n"}, author=BOT, days_later=3)

    signals = commits_signals(Snapshot.open(repo.path))

    assert signals == {
        "count": 4,
        "authors": 2,  # emails compared case-insensitively; the bot is not an author
        "first": "2024-03-01T10:00:00Z",
        "last": "2024-03-05T11:00:00Z",
        "active_days": 2,
        "vague_message_fraction": pytest.approx(1 / 3, abs=1e-4),
        "single_dump": False,
    }


def test_commits_signals_flag_a_single_dump(repo: RepoBuilder) -> None:
    repo.commit("Add project", files("project", 10))

    signals = commits_signals(Snapshot.open(repo.path))

    assert signals["single_dump"] is True
    assert signals["first"] == signals["last"] == "2024-03-01T10:00:00Z"


def test_commits_signals_of_a_plain_folder(tmp_path: Path) -> None:
    signals = commits_signals(Snapshot.open(plain_folder(tmp_path)))

    assert signals == {
        "count": 0,
        "authors": 0,
        "first": None,
        "last": None,
        "active_days": 0,
        "vague_message_fraction": None,
        "single_dump": None,
    }


def test_commits_signals_leave_the_dump_unknown_on_a_shallow_clone(
    repo: RepoBuilder, tmp_path: Path
) -> None:
    for n in range(4):
        repo.commit(f"Add feature {n}", {f"f{n}.py": "1\n"}, days_later=1)
    clone = shallow_clone(repo, tmp_path / "shallow")

    signals = commits_signals(Snapshot.open(clone))

    assert signals["count"] == 1
    assert signals["single_dump"] is None


def test_every_vague_word_of_the_vocabulary_makes_a_vague_subject() -> None:
    from auditor.vocabulary import terms

    for key in ("vague_verbs", "vague_fillers", "keyboard_mashes"):
        for word in terms("history", key):
            assert is_vague(word), word
            assert is_vague(f"{word.capitalize()} 2"), word
            assert not is_vague(f"{word} the login form"), word
    for verb in terms("history", "file_verbs"):
        assert is_vague(f"{verb} docs/setup.md"), verb
        assert not is_vague(f"{verb} setup.md for Windows"), verb
