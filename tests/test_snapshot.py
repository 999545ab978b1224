"""The snapshot reads what is committed at HEAD, within bounds, without following links."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from auditor.errors import SourceError
from auditor.source.snapshot import Limits, Snapshot, fact, strip_credentials
from tests.factory import RepoBuilder, make_repo


def test_only_what_is_committed_at_head_counts(repo: RepoBuilder) -> None:
    repo.commit("Add the app", {"app.py": "print('committed')\n"})
    (repo.path / "app.py").write_text("print('edited, not committed')\n", encoding="utf-8")
    (repo.path / "untracked.py").write_text("x = 1\n", encoding="utf-8")

    snapshot = Snapshot.open(repo.path)

    assert snapshot.kind == "git"
    assert sorted(snapshot.files) == ["app.py"]
    assert snapshot.text("app.py") == "print('committed')\n"
    assert snapshot.head == repo.commits[-1]


def test_bare_repository_is_read_from_its_objects(repo: RepoBuilder, tmp_path: Path) -> None:
    repo.commit("Add the app", {"src/app.py": "x = 1\n", "README.md": "# App\n"})
    bare = repo.bare_clone(tmp_path / "app.git")

    snapshot = Snapshot.open(bare)

    assert snapshot.kind == "bare"
    assert snapshot.name == "app"
    assert snapshot.text("README.md") == "# App\n"
    assert [c.subject for c in snapshot.history.commits] == ["Add the app"]


def test_symlinks_are_listed_but_never_followed(repo: RepoBuilder, tmp_path: Path) -> None:
    secret = tmp_path / "outside.txt"
    secret.write_text("outside the tree\n", encoding="utf-8")
    os.symlink(secret, repo.path / "README.md")
    os.symlink("loop", repo.path / "loop")
    repo.commit("Add links", {"app.py": "x = 1\n"})

    snapshot = Snapshot.open(repo.path)

    assert set(snapshot.symlinks) == {"README.md", "loop"}
    assert "README.md" not in snapshot.files
    assert snapshot.text("README.md") is None


def test_plain_directory_is_read_without_following_links(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "mod.py").write_text("def f():\n    return 1\n", encoding="utf-8")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text("TOKEN = 'x'\n", encoding="utf-8")
    os.symlink(outside, root / "linked")
    os.symlink(outside / "secret.py", root / "secret.py")

    snapshot = Snapshot.open(root)

    assert snapshot.kind == "directory"
    assert snapshot.head is None
    assert not snapshot.has_history
    assert list(snapshot.files) == ["pkg/mod.py"]
    assert sorted(snapshot.symlinks) == ["linked", "secret.py"]
    assert snapshot.history.commits == ()


def test_a_directory_inside_a_repository_opens_that_repository(repo: RepoBuilder) -> None:
    repo.commit("Add the app", {"app.py": "x = 1\n", "sub/mod.py": "y = 2\n"})

    snapshot = Snapshot.open(repo.path / "sub")

    assert snapshot.kind == "git"
    assert snapshot.root == repo.path.resolve()
    assert sorted(snapshot.files) == ["app.py", "sub/mod.py"]
    assert snapshot.notices[0] == (
        f"sub/ is a folder of the repository at {repo.path.resolve()}: the whole repository "
        "was audited"
    )


def test_repository_without_commits_is_a_clear_error(tmp_path: Path) -> None:
    empty = make_repo(tmp_path / "empty")

    with pytest.raises(SourceError, match="no commits yet"):
        Snapshot.open(empty.path)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing", "no such file or directory"),
        (lambda p: (p / "file.txt").write_text("x") and p / "file.txt", "not a directory"),
    ],
)
def test_bad_paths_are_clear_errors(tmp_path: Path, make: object, message: str) -> None:
    target = make(tmp_path)  # type: ignore[operator]
    with pytest.raises(SourceError, match=message):
        Snapshot.open(target)


def test_odd_file_names_and_encodings(repo: RepoBuilder) -> None:
    repo.commit(
        "Add odd files",
        {
            "new\nline.py": "x = 1\n",
            "utf16.txt": "héllo".encode("utf-16"),
            "binary.py": b"\x00\x01\x02 not python",
            "latin1.py": "caf\xe9 = 1\n".encode("latin-1"),
            "bom.md": "\ufeff# Title\n".encode(),
        },
    )

    snapshot = Snapshot.open(repo.path)

    assert snapshot.text("new\nline.py") == "x = 1\n"
    assert snapshot.text("utf16.txt") == "héllo"
    assert snapshot.text("binary.py") is None
    assert snapshot.text("latin1.py") == "caf\ufffd = 1\n"
    assert snapshot.text("bom.md") == "# Title\n"
    assert snapshot.blob("binary.py") == b"\x00\x01\x02 not python"
    parsed = {m.path: m for m in snapshot.python_modules}
    assert parsed["new\nline.py"].tree is not None
    assert "binary.py" not in parsed


def test_file_size_and_count_bounds_are_notices(repo: RepoBuilder) -> None:
    repo.commit(
        "Add files",
        {"big.py": "x = 1\n" * 1000, "a.py": "a = 1\n", "b.py": "b = 2\n", "c.py": "c = 3\n"},
    )

    snapshot = Snapshot.open(repo.path, Limits(max_files=3, max_file_bytes=100))

    assert len(snapshot.files) == 3
    assert snapshot.text("big.py") is None
    assert any("more than 3 files" in n for n in snapshot.all_notices())
    assert any("over 0 KiB" in n or "not read" in n for n in snapshot.all_notices())


def test_each_python_file_is_parsed_once_and_errors_are_values(repo: RepoBuilder) -> None:
    deep = "x = " + "(" * 300 + "1" + ")" * 300 + "\n"
    repo.commit(
        "Add modules",
        {"ok.py": "def f():\n    return 1\n", "broken.py": "def f(:\n", "deep.py": deep},
    )
    snapshot = Snapshot.open(repo.path, Limits(max_ast_depth=100))

    first = snapshot.python_modules
    second = snapshot.python_modules

    assert first is second
    by_path = {m.path: m for m in first}
    assert by_path["ok.py"].tree is not None
    assert by_path["broken.py"].tree is None
    assert "syntax error at line 1" in (by_path["broken.py"].error or "")
    assert by_path["deep.py"].tree is None
    assert by_path["deep.py"].error is not None


def test_history_is_one_pass_with_added_paths(repo: RepoBuilder) -> None:
    repo.commit("Add the app", {"app.py": "x = 1\n", "util.py": "y = 2\n"})
    repo.commit("Remove util\n\nIt was unused.", {"app.py": "x = 2\n"}, delete=("util.py",))

    history = Snapshot.open(repo.path).history

    newest, oldest = history.commits
    assert newest.subject == "Remove util"
    assert newest.message == "Remove util\n\nIt was unused."
    assert newest.added_count == 0 and newest.changed_count == 2
    assert sorted(oldest.added) == ["app.py", "util.py"]
    assert oldest.parents == ()
    assert newest.parents == (oldest.sha,)
    assert not history.truncated and not history.shallow


def test_history_bound_truncates_with_a_notice(repo: RepoBuilder) -> None:
    for number in range(5):
        repo.commit(f"Step {number}", {f"f{number}.py": "x = 1\n"})

    snapshot = Snapshot.open(repo.path, Limits(max_commits=3))

    assert len(snapshot.history.commits) == 3
    assert snapshot.history.truncated
    assert any("truncated" in n for n in snapshot.all_notices())


def test_commit_message_that_mimics_the_record_format_is_just_text(repo: RepoBuilder) -> None:
    repo.commit("Add app", {"app.py": "x = 1\n"})
    repo.commit("Inject \x1e\x1ffake record\n\n\x1e%H\x1f", {"b.py": "y = 2\n"})

    commits = Snapshot.open(repo.path).history.commits

    assert len(commits) == 2
    assert commits[0].subject.startswith("Inject")


def test_facts_are_computed_once_and_failures_remembered(repo: RepoBuilder) -> None:
    repo.commit("Add app", {"app.py": "x = 1\n"})
    snapshot = Snapshot.open(repo.path)
    calls: list[int] = []

    @fact
    def counted(s: Snapshot) -> int:
        calls.append(1)
        return len(s.files)

    @fact
    def broken(s: Snapshot) -> int:
        calls.append(2)
        raise ValueError("boom")

    assert counted(snapshot) == counted(snapshot) == 1
    for _ in range(2):
        with pytest.raises(ValueError, match="boom"):
            broken(snapshot)
    assert calls == [1, 2]


def test_remote_urls_lose_embedded_credentials(repo: RepoBuilder) -> None:
    repo.commit("Add app", {"app.py": "x = 1\n"})
    repo.git("remote", "add", "origin", "https://user:ghp_secret@github.com/ada/expenses.git")

    snapshot = Snapshot.open(repo.path)

    assert snapshot.remote == "https://github.com/ada/expenses.git"
    assert strip_credentials("git@github.com:ada/x.git") == "git@github.com:ada/x.git"


def test_an_enormous_commit_message_is_read_once_and_cut(repo: RepoBuilder, tmp_path: Path) -> None:
    repo.commit("Add app", {"app.py": "x = 1\n"})
    message = tmp_path / "message.txt"
    message.write_text("Explain everything\n\n" + "blah " * 1_000_000, encoding="utf-8")
    repo.write({"b.py": "y = 2\n"}).git("add", "-A")
    repo.git("commit", "-q", "-F", str(message))

    commits = Snapshot.open(repo.path, Limits(max_message_bytes=100)).history.commits

    assert [c.subject for c in commits] == ["Explain everything", "Add app"]
    assert len(commits[0].message) <= 100
    assert commits[0].added == ("b.py",)


def test_record_splitting_handles_markers_across_chunks_and_caps_records() -> None:
    from auditor.source.history import _split_records

    marker = b"\x1eMARK"
    stream = marker + b"first" + marker + b"x" * 50 + marker + b"last"
    for size in (1, 2, 3, 5, 7, 64):
        chunks = [stream[i : i + size] for i in range(0, len(stream), size)]
        assert list(_split_records(chunks, marker)) == [b"first", b"x" * 50, b"last"]
        assert list(_split_records(chunks, marker, limit=10)) == [b"first", b"x" * 10, b"last"]
