"""What ``auditor audit`` audits: a clone URL, a sub-folder, a plain folder, a dirty work tree.

Clone URLs are tested against ``file://`` repositories and a local bare repository: no
network. Each repository is built with the factory; git is never mocked.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.errors import SourceError
from auditor.source.git import reason_of
from auditor.targets import remote_target
from tests.factory import RepoBuilder, make_repo

APP = {
    "README.md": "# Ledger\n\nA ledger.\n",
    "ledger/__init__.py": "def total(xs: list[int]) -> int:\n    return sum(xs)\n",
    "tests/test_ledger.py": "from ledger import total\n\n\ndef test_total():\n"
    "    assert total([1, 2]) == 3\n",
}


@pytest.fixture(autouse=True)
def neutral_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run every command from an empty directory, so no settings file applies by accident."""
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def audit_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[dict[str, object], str]:
    code = main(["audit", *args, "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    card: dict[str, object] = json.loads(out)
    return card, err


def notices(card: dict[str, object]) -> list[str]:
    found = card["notices"]
    assert isinstance(found, list)
    return [str(n) for n in found]


def finding(card: dict[str, object], rule: str) -> dict[str, object]:
    findings = card["findings"]
    assert isinstance(findings, list)
    return next(f for f in findings if f["rule"] == rule)


# ------------------------------------------------------------------------------ by URL


def test_a_file_url_of_a_bare_repository_is_cloned_and_the_card_names_the_url(
    tmp_path: Path, private_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = make_repo(tmp_path / "ledger", APP)
    bare = source.bare_clone(tmp_path / "mirror" / "ledger.git")
    url = bare.as_uri()

    card, _ = audit_json(capsys, url)

    repo = card["repo"]
    assert isinstance(repo, dict)
    assert repo["path"] == url  # the remote, never the clone cache
    assert repo["name"] == "ledger"
    assert repo["head"] == source.commits[-1]
    assert str(private_cache) not in json.dumps(card)
    clones = list((private_cache / "clones").rglob("ledger.git"))
    assert len(clones) == 1 and (clones[0] / "HEAD").is_file()
    assert not (clones[0] / "README.md").exists()  # bare: never checked out


def test_the_next_run_fetches_into_the_same_clone(
    tmp_path: Path, private_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = make_repo(tmp_path / "ledger", APP)
    url = source.path.as_uri()  # a repository with a work tree, by file://
    first, _ = audit_json(capsys, url)
    clone = next((private_cache / "clones").rglob("ledger.git"))
    marker = clone / "marker"
    marker.write_text("kept", encoding="utf-8")

    newer = source.commit("Document the ledger's total", {"README.md": "# Ledger\n\nMore.\n"})
    second, _ = audit_json(capsys, url)

    assert first["repo"]["head"] == source.commits[0]  # type: ignore[index]
    assert second["repo"]["head"] == newer  # type: ignore[index]
    assert marker.read_text(encoding="utf-8") == "kept"  # the same clone, fetched into
    assert list((private_cache / "clones").rglob("ledger.git")) == [clone]


def test_a_url_that_cannot_be_cloned_is_one_line_and_exit_two(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = (tmp_path / "nothing-here.git").as_uri()

    code = main(["audit", missing])

    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert f"{missing}: cannot clone" in err


def test_an_empty_remote_repository_is_refused_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = make_repo(tmp_path / "empty")

    code = main(["audit", empty.path.as_uri()])

    err = capsys.readouterr().err
    assert code == 2
    assert "empty repository: no commits" in err


@pytest.mark.parametrize(
    ("argument", "github_url", "url", "key", "shown_as", "ssh"),
    [
        (
            "Ada/Ledger",
            "https://api.github.com",
            "https://github.com/Ada/Ledger.git",
            "github.com/ada/ledger",
            "https://github.com/Ada/Ledger",
            False,
        ),
        (
            "ada/ledger",
            "https://ghe.example.com/api/v3",
            "https://ghe.example.com/ada/ledger.git",
            "ghe.example.com/ada/ledger",
            "https://ghe.example.com/ada/ledger",
            False,
        ),
        (
            "https://github.com/Ada/Ledger.git",
            "https://api.github.com",
            "https://github.com/Ada/Ledger.git",
            "github.com/ada/ledger",  # shared with batch mode's clone of the same repository
            "https://github.com/Ada/Ledger.git",
            False,
        ),
        (
            "git@github.com:ada/ledger.git",
            "https://api.github.com",
            "git@github.com:ada/ledger.git",
            "github.com/ada/ledger",
            "git@github.com:ada/ledger.git",
            True,
        ),
        (
            "ssh://git@git.example.org:2222/team/Ledger.git",
            "https://api.github.com",
            "ssh://git@git.example.org:2222/team/Ledger.git",
            "git.example.org/team/Ledger",
            "ssh://git.example.org:2222/team/Ledger.git",  # no user name on the card
            True,
        ),
    ],
)
def test_clone_urls_and_the_github_shorthand(
    argument: str, github_url: str, url: str, key: str, shown_as: str, ssh: bool
) -> None:
    target = remote_target(argument, github_url)

    assert target is not None
    assert (target.url, target.key, target.shown_as, target.ssh) == (url, key, shown_as, ssh)


def test_an_existing_folder_wins_over_the_shorthand(tmp_path: Path) -> None:
    (tmp_path / "ada" / "ledger").mkdir(parents=True)
    os.chdir(tmp_path)

    assert remote_target("ada/ledger") is None
    assert remote_target("./missing") is None
    assert remote_target("a/b/c") is None  # three parts: a path, reported missing later


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://ada:hunter2@github.com/ada/ledger.git", "credentials"),
        ("ftp://example.org/ledger.git", "only https://"),
        ("file://example.org/srv/ledger.git", "a folder on this machine"),
        ("ssh://-oProxyCommand=touch%20x/ledger", "no host"),
    ],
)
def test_urls_that_cannot_be_cloned_safely_are_refused(url: str, reason: str) -> None:
    with pytest.raises(SourceError, match=reason) as raised:
        remote_target(url)
    assert "hunter2" not in str(raised.value)


def test_a_url_with_a_token_in_it_is_refused_before_any_clone(
    private_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["audit", "https://x-access-token:ghp_secret@github.com/ada/ledger"])

    err = capsys.readouterr().err
    assert code == 2
    assert "credentials" in err and "ghp_secret" not in err
    assert not (private_cache / "clones").exists()


# ------------------------------------------------------------------------------ what was audited


def test_a_sub_folder_audits_its_repository_and_says_so(
    repo: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit("Add the ledger", APP)
    repo.commit("Test the ledger's total", {"tests/test_more.py": "def test_x():\n    pass\n"})

    card, _ = audit_json(capsys, str(repo.path / "tests"))

    assert card["repo"]["path"] == str(repo.path)  # type: ignore[index]
    assert card["repo"]["kind"] == "git"  # type: ignore[index]
    assert any(
        n.startswith("tests/ is a folder of the repository at") and "whole repository" in n
        for n in notices(card)
    )
    history = json.dumps(finding(card, "GIT001"))
    assert "Not under version control" not in history and "git init" not in history


def test_a_folder_without_git_says_so_on_the_card(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "app.py").write_text("print('hi')\n", encoding="utf-8")

    card, _ = audit_json(capsys, str(folder))

    assert card["repo"]["kind"] == "directory"  # type: ignore[index]
    assert notices(card)[0].startswith("not a git repository: the files on disk were audited")


def test_uncommitted_and_untracked_changes_are_a_notice(
    repo: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit("Add the ledger", {**APP, ".gitignore": "*.log\n"})
    clean, _ = audit_json(capsys, str(repo.path))
    repo.write(
        {
            "README.md": "# Ledger\n\nNow with install steps.\n",  # edited
            "ledger/extra.py": "X = 1\n",  # untracked
            "debug.log": "ignored\n",  # ignored: not a change
        }
    )
    (repo.path / "tests" / "test_ledger.py").unlink()  # deleted
    repo.git("add", "ledger/extra.py")  # staged counts too: HEAD lacks it

    dirty, _ = audit_json(capsys, str(repo.path))

    assert not any("not committed" in n for n in notices(clean))
    assert (
        "3 changed files are not committed: the audit reads HEAD (README.md, "
        "tests/test_ledger.py, ledger/extra.py); commit them to have them judged"
    ) in notices(dirty)
    assert dirty["score"] == clean["score"]  # HEAD, not the work tree, is judged


def test_one_edited_file_is_named_in_the_singular(
    repo: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit("Add the ledger", APP)
    repo.write({"README.md": "# Ledger\r\n\r\nA ledger, edited.\r\n"})

    card, _ = audit_json(capsys, str(repo.path))

    assert any(
        n.startswith("1 changed file is not committed: the audit reads HEAD (README.md)")
        for n in notices(card)
    )


def test_a_checkout_with_crlf_line_ends_is_not_a_change(
    repo: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit("Add the ledger", APP)
    readme = repo.path / "README.md"
    readme.write_bytes(readme.read_bytes().replace(b"\n", b"\r\n"))  # core.autocrlf's checkout
    repo.write({"ledger/__init__.py": "def total(xs: list[int]) -> int:\n    return 0\n"})

    card, _ = audit_json(capsys, str(repo.path))

    assert any(
        n.startswith("1 changed file is not committed: the audit reads HEAD (ledger/__init__.py)")
        for n in notices(card)
    )


def test_a_file_behind_a_symlinked_folder_is_never_read(
    repo: RepoBuilder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit("Add the ledger", APP)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "__init__.py").write_text(APP["ledger/__init__.py"], encoding="utf-8")
    (repo.path / "ledger" / "__init__.py").unlink()
    (repo.path / "ledger").rmdir()
    (repo.path / "ledger").symlink_to(outside)

    card, _ = audit_json(capsys, str(repo.path))

    assert any(
        n.startswith("2 changed files are not committed") and "ledger/__init__.py" in n
        for n in notices(card)
    )


def test_an_edit_after_a_cached_audit_is_noticed(
    repo: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit("Add the ledger", APP)
    audit_json(capsys, str(repo.path))  # stored in the cache: HEAD unchanged from here on
    repo.write({"README.md": "# Ledger\n\nEdited, not committed.\n"})

    card, _ = audit_json(capsys, str(repo.path))

    assert any(n.startswith("1 changed file is not committed") for n in notices(card))


def test_no_cache_audits_afresh_and_stores_the_card(
    repo: RepoBuilder, private_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit("Add the ledger", APP)

    fresh, _ = audit_json(capsys, str(repo.path), "--no-cache")
    stored = sorted(private_cache.glob("*.json"))
    again, _ = audit_json(capsys, str(repo.path))

    assert len(stored) == 1
    assert again == fresh  # the plain run after --no-cache reuses its card


@pytest.mark.parametrize("remote_first", [True, False])
def test_a_failed_clone_is_explained_by_the_line_that_says_why(remote_first: bool) -> None:
    """Git's client and the serving side write to one standard error, in either order; the
    reason is the serving side's own line, not the client's report that it gave up."""
    why = b"fatal: unable to read 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
    gave_up = b"fatal: git upload-pack: aborting due to possible repository corruption"
    gave_up += b" on the remote side.\n"
    warned = b"warning: filtering not recognized by server, ignoring\n"
    stderr = warned + (why + gave_up if remote_first else gave_up + why)

    assert reason_of(stderr) == why.decode().strip()
    assert reason_of(warned + gave_up) == gave_up.decode().strip()
    assert reason_of(
        b"remote: fatal: the remote end hung up unexpectedly\nerror: RPC failed\n"
    ) == ("remote: fatal: the remote end hung up unexpectedly")
