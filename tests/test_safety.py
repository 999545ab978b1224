"""The audited repository is hostile: its config, hooks and attributes never run anything.

Each test first shows that its trap is armed (an ordinary git command *does* run the
planted program), then audits the repository and checks that the program never ran.
"""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.errors import SourceError
from auditor.model import Scorecard
from auditor.source.snapshot import Limits, Snapshot
from tests.factory import RepoBuilder, make_repo


def _trap(tmp_path: Path, name: str) -> tuple[Path, Path]:
    """A script that leaves a marker file when run, and the marker's path."""
    marker = tmp_path / f"{name}.ran"
    script = tmp_path / f"{name}.sh"
    script.write_text(f"#!/bin/sh\ntouch '{marker}'\ncat\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return script, marker


def _plain_git(path: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    subprocess.run(["git", *args], cwd=path, env=env, capture_output=True, check=False)


def _project(repo: RepoBuilder) -> None:
    repo.commit(
        "Add the expense importer",
        {
            "README.md": "# Expenses\n\nImports bank CSV files.\n",
            "expenses/importer.py": "def parse(line: str) -> list[str]:\n"
            "    return line.split(',')\n",
            "tests/test_importer.py": "def test_parse():\n    assert parse('a,b') == ['a', 'b']\n",
        },
    )
    repo.commit("Document the CSV format", {"docs/format.md": "Columns: date, amount\n"})


def test_core_fsmonitor_never_runs(
    repo: RepoBuilder, tmp_path: Path, audit_path: Callable[[Path], Scorecard]
) -> None:
    _project(repo)
    script, marker = _trap(tmp_path, "fsmonitor")
    repo.git("config", "core.fsmonitor", str(script))
    _plain_git(repo.path, "status")
    assert marker.exists(), "the trap is not armed: plain git status should run fsmonitor"
    marker.unlink()

    card = audit_path(repo.path)

    assert card.findings, "the audit ran"
    assert not marker.exists()


def test_fsmonitor_never_runs_through_the_command_line(
    repo: RepoBuilder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _project(repo)
    script, marker = _trap(tmp_path, "fsmonitor")
    repo.git("config", "core.fsmonitor", str(script))

    assert main(["audit", str(repo.path), "--format", "json"]) == 0

    assert '"schema_version": 1' in capsys.readouterr().out
    assert not marker.exists()


def test_hooks_and_hooks_path_never_run(
    repo: RepoBuilder, tmp_path: Path, audit_path: Callable[[Path], Scorecard]
) -> None:
    _project(repo)
    script, marker = _trap(tmp_path, "hook")
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    for name in ("post-checkout", "pre-commit", "post-index-change", "reference-transaction"):
        (hooks / name).write_bytes(script.read_bytes())
        (hooks / name).chmod(0o755)
        (repo.path / ".git" / "hooks" / name).write_bytes(script.read_bytes())
        (repo.path / ".git" / "hooks" / name).chmod(0o755)
    repo.git("config", "core.hooksPath", str(hooks))
    _plain_git(repo.path, "checkout", "-q", "-b", "armed")
    assert marker.exists(), "the trap is not armed: checkout should run post-checkout"
    marker.unlink()

    audit_path(repo.path)

    assert not marker.exists()


def test_clean_smudge_filters_and_textconv_never_run(
    repo: RepoBuilder, tmp_path: Path, audit_path: Callable[[Path], Scorecard]
) -> None:
    _project(repo)
    script, marker = _trap(tmp_path, "filter")
    repo.commit(
        "Add attributes",
        {".gitattributes": "*.py filter=evil diff=evil\n*.md filter=evil diff=evil\n"},
    )
    for key in ("filter.evil.clean", "filter.evil.smudge", "diff.evil.textconv"):
        repo.git("config", key, str(script))
    (repo.path / "expenses" / "importer.py").write_text("# touched\n", encoding="utf-8")
    _plain_git(repo.path, "status")
    assert marker.exists(), "the trap is not armed: git status should run the clean filter"
    marker.unlink()
    _plain_git(repo.path, "log", "-p", "-2", "--", "expenses/importer.py")
    assert marker.exists(), "the trap is not armed: git log -p should run textconv"
    marker.unlink()

    audit_path(repo.path)

    assert not marker.exists()


def test_signature_display_never_runs_gpg_program(
    repo: RepoBuilder, tmp_path: Path, audit_path: Callable[[Path], Scorecard]
) -> None:
    _project(repo)
    script, marker = _trap(tmp_path, "gpg")
    # A commit carrying a (fake) signature: showing signatures would call gpg.program.
    tree = repo.git("rev-parse", "HEAD^{tree}").strip()
    parent = repo.git("rev-parse", "HEAD").strip()
    raw = (
        f"tree {tree}\nparent {parent}\n"
        "author Ada <ada@example.com> 1709300000 +0000\n"
        "committer Ada <ada@example.com> 1709300000 +0000\n"
        "gpgsig -----BEGIN PGP SIGNATURE-----\n \n AAAA\n -----END PGP SIGNATURE-----\n"
        "\nSign the release\n"
    )
    signed = subprocess.run(
        ["git", "hash-object", "-t", "commit", "-w", "--stdin"],
        cwd=repo.path,
        input=raw,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    repo.git("update-ref", "refs/heads/main", signed)
    repo.git("config", "log.showSignature", "true")
    repo.git("config", "gpg.program", str(script))
    _plain_git(repo.path, "log", "-1")
    assert marker.exists(), "the trap is not armed: git log should run gpg.program"
    marker.unlink()

    card = audit_path(repo.path)

    assert card.repo.head == signed
    assert not marker.exists()


def test_mailmap_outside_the_tree_is_never_read(repo: RepoBuilder, tmp_path: Path) -> None:
    _project(repo)
    outside = tmp_path / "outside-mailmap"
    outside.write_text("Secret Name <ada@example.com>\n", encoding="utf-8")
    repo.git("config", "mailmap.file", str(outside))
    repo.git("config", "log.mailmap", "true")

    commits = Snapshot.open(repo.path).history.commits

    assert {c.author_name for c in commits} == {"Ada Lovelace"}


def test_replace_objects_do_not_spoof_the_history(repo: RepoBuilder) -> None:
    _project(repo)
    head = repo.git("rev-parse", "HEAD").strip()
    fake = repo.commit("Rewrite everything in one go", {"fake.py": "x = 1\n"})
    repo.git("reset", "-q", "--hard", head)
    repo.git("replace", head, fake)

    snapshot = Snapshot.open(repo.path)

    assert "fake.py" not in snapshot.files
    assert snapshot.history.commits[0].subject == "Document the CSV format"


def test_the_audit_does_not_write_to_the_repository(
    repo: RepoBuilder, audit_path: Callable[[Path], Scorecard]
) -> None:
    _project(repo)
    (repo.path / "expenses" / "importer.py").write_text("# work in progress\n", encoding="utf-8")
    git_dir = repo.path / ".git"
    before = {
        p.relative_to(git_dir): p.stat().st_mtime_ns for p in git_dir.rglob("*") if p.is_file()
    }

    audit_path(repo.path)

    after = {
        p.relative_to(git_dir): p.stat().st_mtime_ns for p in git_dir.rglob("*") if p.is_file()
    }
    assert after == before


def test_a_gitdir_file_pointing_at_another_repository_is_refused(
    repo: RepoBuilder, tmp_path: Path
) -> None:
    repo.commit("Add a private file", {"private.txt": "someone else's work\n"})
    decoy = tmp_path / "decoy"
    decoy.mkdir()
    (decoy / ".git").write_text(f"gitdir: {repo.path / '.git'}\n", encoding="utf-8")

    with pytest.raises(SourceError, match="outside this folder and not a submodule"):
        Snapshot.open(decoy)


def test_a_submodule_checkout_pointing_into_its_superproject_is_read(tmp_path: Path) -> None:
    superproject = make_repo(tmp_path / "super", {"README.md": "# Super\n"})
    sub = make_repo(superproject.path / "sub", {"lib.py": "x = 1\n"})
    modules = superproject.path / ".git" / "modules"
    modules.mkdir()
    (sub.path / ".git").rename(modules / "sub")
    (sub.path / ".git").write_text("gitdir: ../.git/modules/sub\n", encoding="utf-8")

    snapshot = Snapshot.open(sub.path)

    assert snapshot.kind == "git"
    assert list(snapshot.files) == ["lib.py"]


def test_alternates_outside_the_repository_are_refused(repo: RepoBuilder, tmp_path: Path) -> None:
    repo.commit("Add app", {"app.py": "x = 1\n"})
    borrowed = tmp_path / "borrowed"
    subprocess.run(
        ["git", "clone", "-q", "--shared", str(repo.path), str(borrowed)],
        check=True,
        capture_output=True,
    )

    with pytest.raises(SourceError, match=r"borrows objects from .*objects/info/alternates"):
        Snapshot.open(borrowed)


def test_a_symlinked_dot_git_is_refused(repo: RepoBuilder, tmp_path: Path) -> None:
    repo.commit("Add app", {"app.py": "x = 1\n"})
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / ".git").symlink_to(repo.path / ".git")

    with pytest.raises(SourceError, match="symbolic link"):
        Snapshot.open(linked)


# ------------------------------------------------------------------ the git directory itself


def test_grafts_do_not_rewrite_the_history(repo: RepoBuilder) -> None:
    _project(repo)
    head = repo.git("rev-parse", "HEAD").strip()
    (repo.path / ".git" / "info").mkdir(exist_ok=True)
    (repo.path / ".git" / "info" / "grafts").write_text(f"{head}\n", encoding="utf-8")
    assert repo.git("rev-list", "--count", "HEAD") == "1\n", "git honours the graft"

    commits = Snapshot.open(repo.path).history.commits

    assert [c.subject for c in commits] == ["Document the CSV format", "Add the expense importer"]


@pytest.mark.parametrize("entry", ["info/grafts", "refs/heads/main", "objects/info/packs"])
def test_a_link_anywhere_in_the_git_directory_is_refused(repo: RepoBuilder, entry: str) -> None:
    _project(repo)
    link = repo.path / ".git" / entry
    link.parent.mkdir(parents=True, exist_ok=True)
    link.unlink(missing_ok=True)
    link.symlink_to("/dev/zero")

    with pytest.raises(SourceError, match=f"{entry} in the git directory is a symbolic link"):
        Snapshot.open(repo.path)


@pytest.mark.parametrize("entry", ["config", "packed-refs", "refs/heads/feature"])
def test_a_named_pipe_in_the_git_directory_is_refused_before_git_runs(
    repo: RepoBuilder, entry: str
) -> None:
    _project(repo)
    fifo = repo.path / ".git" / entry
    fifo.unlink(missing_ok=True)
    os.mkfifo(fifo)

    with pytest.raises(SourceError, match=f"{entry} in the git directory is a named pipe"):
        Snapshot.open(repo.path)


def test_alternates_are_followed_as_deep_as_git_follows_them(
    repo: RepoBuilder, tmp_path: Path
) -> None:
    _project(repo)
    private = make_repo(tmp_path / "private", {"README.md": "# Someone else's work\n"})
    store = repo.path / ".git" / "store"
    (store / "info").mkdir(parents=True)
    (store / "info" / "alternates").write_text(
        f"{private.path / '.git' / 'objects'}\n", encoding="utf-8"
    )
    (repo.path / ".git" / "objects" / "info" / "alternates").write_text("../store\n")
    repo.git("update-ref", "refs/heads/main", private.commits[-1])

    with pytest.raises(SourceError, match=r"borrows objects from .*private/\.git/objects"):
        Snapshot.open(repo.path)


def test_a_gitdir_file_naming_the_enclosing_repository_is_refused(repo: RepoBuilder) -> None:
    _project(repo)
    folder = repo.path / "docs" / "site"
    folder.mkdir(parents=True)
    (folder / "index.md").write_text("# Site\n", encoding="utf-8")
    (folder / ".git").write_text("gitdir: ../../.git\n", encoding="utf-8")

    with pytest.raises(SourceError, match="not a submodule's git directory"):
        Snapshot.open(folder)


def test_links_and_submodules_count_against_the_file_bound(repo: RepoBuilder) -> None:
    repo.commit("Add the app", {"app.py": "x = 1\n"})
    for index in range(4):
        os.symlink("app.py", repo.path / f"link{index}.py")
    head = repo.git("rev-parse", "HEAD").strip()
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{head},vendored")
    repo.commit("Link the app and pin a submodule")

    snapshot = Snapshot.open(repo.path, Limits(max_files=3))

    assert len(snapshot.files) + len(snapshot.symlinks) == 3
    assert any("more than 3 files" in notice for notice in snapshot.notices)


ESCAPES = "\x1b]0;pwned\x07\x1b]8;;https://evil.example/\x07x\x1b]8;;\x07\u202etxt.exe"


def _one_safe_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("auditor: error: ")
    assert not any(ch in lines[0] for ch in "\x1b\x07\u202e\r"), repr(lines[0])
    return lines[0]


def test_a_hostile_gitdir_pointer_is_quoted_on_one_safe_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "decoy"
    folder.mkdir()
    (folder / ".git").write_text(f"gitdir: /nowhere/{ESCAPES}\n", encoding="utf-8")

    assert main(["audit", str(folder)]) == 2

    line = _one_safe_line(capsys.readouterr().err)
    assert "/nowhere/\\x1b]0;pwned\\x07" in line and "\\u202etxt.exe" in line


def test_a_hostile_include_path_is_quoted_on_one_safe_line(
    repo: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    _project(repo)
    repo.git("config", "include.path", "../../x\n::error file=app.py,line=1::injected")

    assert main(["audit", str(repo.path), "--no-cache"]) == 2

    line = _one_safe_line(capsys.readouterr().err)
    assert "x\\n::error file=app.py,line=1::injected" in line
