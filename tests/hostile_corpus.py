"""A corpus of hostile repositories, generated at test time: one builder per class of attack.

Each builder makes one repository (or folder) below a shared :class:`Stage` that also holds
what an attack would aim at outside the repository: a secret file with a random string in
it, a folder of trap scripts, and a canary folder that any trap, once run, leaves a file in.
Odd states (file names no file system likes, trees that expand into billions of paths,
signed or malformed commits, missing objects) are crafted with git plumbing
(``hash-object``, ``mktree``, ``update-ref``, ``fast-import``) so nothing has to be written
to disk in the shape it attacks; nothing binary is committed to this repository.

The classes follow the security promises (see SECURITY.md): commands run by git
configuration, reads outside the tree, resource exhaustion, broken input, odd repository
states, injection into every output, and tool configuration that would redirect our tools.
"""

from __future__ import annotations

import os
import secrets
import socket
import sqlite3
import stat
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tests.factory import RepoBuilder, make_repo
from tests.hostile import IMG, SCRIPT, SVG, build_hostile_project

WHEN = 1709287200  # 2024-03-01 10:00 UTC
IDENTITY = b"Ada Lovelace <ada@example.com>"

#: Hooks git knows about: every one is planted, in .git/hooks and in core.hooksPath.
HOOKS = (
    "applypatch-msg",
    "pre-applypatch",
    "post-applypatch",
    "pre-commit",
    "pre-merge-commit",
    "prepare-commit-msg",
    "commit-msg",
    "post-commit",
    "pre-rebase",
    "post-checkout",
    "post-merge",
    "pre-push",
    "pre-receive",
    "update",
    "proc-receive",
    "post-receive",
    "post-update",
    "reference-transaction",
    "push-to-checkout",
    "pre-auto-gc",
    "post-rewrite",
    "sendemail-validate",
    "fsmonitor-watchman",
    "p4-changelist",
    "p4-prepare-changelist",
    "p4-post-changelist",
    "p4-pre-submit",
    "post-index-change",
)

#: Terminal escape sequences: clear screen, cursor moves, a hyperlink (OSC 8), a clipboard
#: write (OSC 52), a window title (OSC 0), C1 CSI, BEL, backspaces and bidi overrides.
ANSI = "\x1b[2J\x1b[1;1H\x1b[31mRED\x1b[0m"
OSC = "\x1b]8;;https://evil.example/\x07link\x1b]8;;\x07\x1b]52;c;ZXZpbA==\x07\x1b]0;pwned\x1b\\"
C1 = "\x9b2J\x9d0;title\x9c"
BIDI = "\u202eexe.txt\u202c \u2066hidden\u2069"
ESCAPES = f"{ANSI} {OSC} {C1} {BIDI} \x08\x08\x7f"
#: GitHub workflow commands that a line of output could start (or, through %0A, smuggle).
WORKFLOW = (
    "\n::error file=x.py,line=1::injected\n::add-mask::secret\n"
    "%0A::set-output name=score::100%0A::stop-commands::tok\r\n::warning::x"
)
#: What a spreadsheet runs as a formula when a cell starts with it.
FORMULAS = ("=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(1,2)", "\t=1", "\r=1")
#: Markdown that would break a table or open HTML.
TABLE_BREAK = "a | b |\n|---|---|\n| <details open><summary>x"


@dataclass
class Stage:
    """The scene the corpus is built in: what attacks aim at, outside every repository."""

    root: Path
    secret: str = field(default_factory=lambda: "zq" + secrets.token_hex(16))

    def __post_init__(self) -> None:
        self.outside.mkdir(parents=True, exist_ok=True)
        self.canary.mkdir(exist_ok=True)
        (self.outside / "traps").mkdir(exist_ok=True)
        self.secret_file.write_text(f"{self.secret}\n", encoding="utf-8")
        self.secret_dir.mkdir(exist_ok=True)
        (self.secret_dir / "leak.py").write_text(f'SECRET = "{self.secret}"\n', encoding="utf-8")
        (self.secret_dir / "test_leak.py").write_text(
            f'def test_{self.secret}():\n    assert "{self.secret}"\n', encoding="utf-8"
        )
        (self.secret_dir / "README.md").write_text(f"# {self.secret}\n", encoding="utf-8")
        # A git configuration that, if read, would name the secret as the remote and author.
        self.secret_config.write_text(
            f'[remote "origin"]\n\turl = https://github.com/{self.secret}/x.git\n'
            f"[mailmap]\n\tfile = {self.secret_mailmap}\n",
            encoding="utf-8",
        )
        self.secret_mailmap.write_text(
            f"{self.secret} <ada@example.com>\n{self.secret} <mallory@example.com>\n",
            encoding="utf-8",
        )
        # A ruff configuration that, if read, would fail with the secret in its message.
        (self.outside / "ruff.toml").write_text(
            f'{self.secret} = true\ncache-dir = "{self.canary / "ruff-cache"}"\n',
            encoding="utf-8",
        )
        self.secret_repo = make_repo(self.outside / "private", {"private.md": f"{self.secret}\n"})
        self.repos.mkdir(exist_ok=True)
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.listener.setblocking(False)

    @property
    def outside(self) -> Path:
        return self.root / "outside"

    @property
    def repos(self) -> Path:
        return self.root / "repos"

    @property
    def canary(self) -> Path:
        return self.outside / "canary"

    @property
    def secret_file(self) -> Path:
        return self.outside / "secret.md"

    @property
    def secret_dir(self) -> Path:
        return self.outside / "elsewhere"

    @property
    def secret_config(self) -> Path:
        return self.outside / "evil.gitconfig"

    @property
    def secret_mailmap(self) -> Path:
        return self.outside / "evil.mailmap"

    @property
    def url(self) -> str:
        """An address that records any connection made to it (see :meth:`connections`)."""
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}/candidate.git"

    def connections(self) -> int:
        """How many connections were made to :attr:`url` since the last call."""
        count = 0
        while True:
            try:
                conn, _ = self.listener.accept()
            except BlockingIOError:
                return count
            conn.close()
            count += 1

    def trap(self, slot: str, *, passthrough: bool = False) -> Path:
        """A script that leaves ``canary/<slot>`` when run (then copies stdin to stdout when
        ``passthrough``, as a filter, pager or textconv would)."""
        script = self.outside / "traps" / slot
        tail = "exec cat\n" if passthrough else "exit 0\n"
        script.write_text(f"#!/bin/sh\ntouch '{self.canary / slot}'\n{tail}", encoding="utf-8")
        script.chmod(0o755)
        return script

    def fired(self) -> list[str]:
        """The traps that ran (and anything else written into the canary folder)."""
        return sorted(p.name for p in self.canary.iterdir())


@dataclass(frozen=True)
class Hostile:
    """One corpus entry: what to audit and what the auditor must answer."""

    name: str
    kind: str  # the class of attack (see the module docstring)
    path: Path
    exit_code: int = 0  # 0 audited; 2 refused with one line (errors.EXIT_USAGE)
    error: str = ""  # a part of the one-line message when refused
    #: Strings the repository carries that must show in the JSON card (as data), proving
    #: the hostile text reached the renderers rather than being lost on the way.
    shown: tuple[str, ...] = ()
    #: Notices the card must carry (bounds reached, shallow history…).
    notices: tuple[str, ...] = ()


# ---------------------------------------------------------------------------- plumbing


def plain_env() -> dict[str, str]:
    """git as a user would run it, with a fixed identity and clock and no personal config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    stamp = f"{WHEN} +0000"
    env.update(
        GIT_AUTHOR_NAME="Ada Lovelace",
        GIT_AUTHOR_EMAIL="ada@example.com",
        GIT_COMMITTER_NAME="Ada Lovelace",
        GIT_COMMITTER_EMAIL="ada@example.com",
        GIT_AUTHOR_DATE=stamp,
        GIT_COMMITTER_DATE=stamp,
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
    )
    return env


def git(cwd: Path, *args: str, data: bytes | None = None, check: bool = True) -> bytes:
    result = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env=plain_env(),
        input=data,
        stdin=None if data is not None else subprocess.DEVNULL,
        capture_output=True,
        check=False,
        timeout=120,
    )
    if check and result.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {result.stderr.decode(errors='replace')}")
    return result.stdout


class Objects:
    """Writes git objects directly: trees with any names and sizes, commits of any shape."""

    def __init__(self, repo: Path) -> None:
        self.repo = repo

    def blob(self, data: bytes) -> str:
        return git(self.repo, "hash-object", "-w", "--stdin", data=data).decode().strip()

    def tree(self, entries: Iterable[tuple[str, str, bytes]]) -> str:
        """A tree of (mode, oid, name) entries; names are bytes and may hold anything but /."""
        kinds = {"040000": "tree", "160000": "commit"}
        listing = b"".join(
            f"{mode} {kinds.get(mode, 'blob')} {oid}\t".encode() + name + b"\x00"
            for mode, oid, name in entries
        )
        return git(self.repo, "mktree", "-z", "--missing", data=listing).decode().strip()

    def commit(
        self,
        tree: str,
        message: bytes,
        parents: Iterable[str] = (),
        *,
        author: bytes = IDENTITY,
        when: bytes = str(WHEN).encode(),
        headers: bytes = b"",
    ) -> str:
        raw = f"tree {tree}\n".encode()
        raw += b"".join(f"parent {p}\n".encode() for p in parents)
        raw += b"author " + author + b" " + when + b" +0000\n"
        raw += b"committer " + IDENTITY + b" " + str(WHEN).encode() + b" +0000\n"
        raw += headers + b"\n" + message
        args = ("hash-object", "-t", "commit", "-w", "--literally", "--stdin")
        return git(self.repo, *args, data=raw).decode().strip()

    def point_head(self, commit: str, branch: str = "main") -> None:
        git(self.repo, "update-ref", f"refs/heads/{branch}", commit)
        git(self.repo, "symbolic-ref", "HEAD", f"refs/heads/{branch}")


def _empty_repo(path: Path) -> Objects:
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    return Objects(path)


_PROJECT = {
    "README.md": "# Ledger\n\nImports bank statements.\n\n## Installation\n\n"
    "```bash\npip install -e .\n```\n\n## Usage\n\n```bash\npython -m ledger\n```\n",
    "ledger/__init__.py": '"""Ledger."""\n',
    "ledger/importer.py": "def parse(line: str) -> list[str]:\n    return line.split(',')\n",
    "tests/test_importer.py": "from ledger.importer import parse\n\n\n"
    "def test_parse() -> None:\n    assert parse('a,b') == ['a', 'b']\n",
    "pyproject.toml": '[project]\nname = "ledger"\nversion = "0.1.0"\n',
    ".gitignore": "__pycache__/\n",
}


def _project(path: Path) -> RepoBuilder:
    repo = make_repo(path)
    repo.commit("Add the statement importer", dict(_PROJECT))
    repo.commit("Document usage", {"docs/usage.md": "Run it.\n"}, days_later=2)
    return repo


# ---------------------------------------------------------------------------- exec


def build_exec_config(stage: Stage, path: Path) -> Hostile:
    """Every configuration slot, hook and attribute that makes ordinary git run a program."""
    repo = _project(path)
    ext = f"ext::{stage.trap('ext-url')}"
    repo.commit(
        "Add attributes and a submodule",
        {
            ".gitattributes": "*.py filter=evil diff=evil merge=evil\n"
            "*.md filter=evilproc diff=evilcmd\n* ident export-subst\n",
            ".gitmodules": f'[submodule "evil"]\n\tpath = evil\n\turl = {ext}\n'
            f"\tupdate = !{stage.trap('submodule-update')}\n",
            "ledger/extra.py": "VALUE = 1\n",
        },
    )
    head = repo.git("rev-parse", "HEAD").strip()
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{head},evil")
    repo.git("commit", "-q", "--no-verify", "-m", "Pin the evil submodule")
    objects = Objects(path)
    # A signed HEAD: showing signatures (log.showSignature) runs gpg.program. Its tree also
    # names a blob the clone lacks: reading it makes a partial clone fetch it lazily from
    # the promisor remote, which is an ext:: command below.
    entries = [
        (meta.split()[0], meta.split()[2], name.encode())
        for meta, _, name in (
            line.partition("\t") for line in repo.git("ls-tree", "HEAD").splitlines()
        )
    ]
    tree = objects.tree([*entries, ("100644", "1" * 40, b"LAZY.md")])
    signature = b"gpgsig -----BEGIN PGP SIGNATURE-----\n \n AAAA\n -----END PGP SIGNATURE-----\n"
    signed = objects.commit(
        tree, b"Sign the release\n", [repo.git("rev-parse", "HEAD").strip()], headers=signature
    )
    repo.git("update-ref", "refs/heads/main", signed)
    # Planted only now, so that building the repository sprang none of them.
    hooks = stage.outside / "hooks"
    hooks.mkdir(exist_ok=True)
    for name in HOOKS:
        for folder in (hooks, path / ".git" / "hooks"):
            (folder / name).write_bytes(stage.trap(f"hook-{name}").read_bytes())
            (folder / name).chmod(0o755)
    settings = {
        "core.fsmonitor": str(stage.trap("fsmonitor")),
        "core.hooksPath": str(hooks),
        "core.pager": str(stage.trap("core-pager", passthrough=True)),
        "core.sshCommand": str(stage.trap("ssh-command")),
        "core.askPass": str(stage.trap("askpass")),
        "core.editor": str(stage.trap("editor")),
        "core.gitProxy": str(stage.trap("git-proxy")),
        "core.alternateRefsCommand": str(stage.trap("alternate-refs")),
        "sequence.editor": str(stage.trap("sequence-editor")),
        "credential.helper": f"!{stage.trap('credential')}",
        "diff.external": str(stage.trap("diff-external")),
        "diff.evil.textconv": str(stage.trap("textconv", passthrough=True)),
        "diff.evilcmd.command": str(stage.trap("diff-command")),
        "filter.evil.clean": str(stage.trap("clean", passthrough=True)),
        "filter.evil.smudge": str(stage.trap("smudge", passthrough=True)),
        "filter.evil.required": "true",
        "filter.evilproc.process": str(stage.trap("filter-process")),
        "merge.evil.driver": str(stage.trap("merge-driver")),
        "gpg.program": str(stage.trap("gpg")),
        "gpg.ssh.program": str(stage.trap("gpg-ssh")),
        "gpg.x509.program": str(stage.trap("gpg-x509")),
        "log.showSignature": "true",
        "pager.log": str(stage.trap("pager-log", passthrough=True)),
        "pager.show": str(stage.trap("pager-show", passthrough=True)),
        "pager.config": str(stage.trap("pager-config", passthrough=True)),
        "pager.ls-tree": str(stage.trap("pager-ls-tree", passthrough=True)),
        "pager.cat-file": str(stage.trap("pager-cat-file", passthrough=True)),
        "pager.rev-parse": str(stage.trap("pager-rev-parse", passthrough=True)),
        "alias.st": f"!{stage.trap('alias')}",
        "uploadpack.packObjectsHook": str(stage.trap("pack-objects-hook")),
        "submodule.recurse": "true",
        "submodule.evil.url": ext,
        "submodule.evil.update": f"!{stage.trap('submodule-config-update')}",
        "submodule.evil.active": "true",
        "remote.origin.url": ext,
        "remote.origin.uploadpack": str(stage.trap("uploadpack")),
        "remote.origin.promisor": "true",
        "remote.origin.partialclonefilter": "blob:none",
        "protocol.allow": "always",
        "protocol.ext.allow": "always",
        "protocol.file.allow": "always",
        "core.repositoryformatversion": "1",
        "extensions.partialClone": "origin",
        "safe.directory": "*",
    }
    for key, value in settings.items():
        repo.git("config", key, value)
    # A tracked file changed in the work tree: status would run the clean filter and fsmonitor.
    (path / "ledger" / "extra.py").write_text("VALUE = 2\n", encoding="utf-8")
    _arm(stage, path)
    return Hostile("exec-config", "exec", path)


def _arm(stage: Stage, path: Path) -> None:
    """Show the traps are live: ordinary git commands a person might run do spring them."""
    git(path, "status", check=False)
    git(path, "log", "-p", "-1", "--", "ledger/importer.py", check=False)
    git(path, "log", "-1", check=False)
    git(path, "diff", check=False)
    fired = stage.fired()
    filters = {"clean", "smudge", "filter-process"}
    if not {"fsmonitor", "textconv", "gpg"} <= set(fired) or not filters & set(fired):
        raise RuntimeError(f"the traps are not armed: only {fired} ran")
    for name in fired:
        (stage.canary / name).unlink()


# ---------------------------------------------------------------------------- outside


def build_symlinks(stage: Stage, path: Path) -> Hostile:
    """README, code and test folders committed as symbolic links out of the tree, and loops."""
    repo = _project(path)
    links = {
        "README.md": stage.secret_file,
        "src": stage.secret_dir,
        "tests/elsewhere": stage.secret_dir,
        "docs/README.md": stage.secret_dir / "README.md",
        "leak.py": stage.secret_dir / "leak.py",
        ".github/workflows/ci.yml": stage.secret_file,
        "loop": Path("loop"),
        "ping": Path("pong"),
        "pong": Path("ping"),
        "self": Path("."),
        "up": Path("../../.."),
    }
    for rel, target in links.items():
        link = path / rel
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.exists() or link.is_symlink():
            link.unlink()
        os.symlink(target, link)
    repo.git("add", "-A")
    repo.git("commit", "-q", "--no-verify", "-m", "Link the shared code")
    return Hostile("symlinks", "outside", path)


def build_symlinks_plain(stage: Stage, path: Path) -> Hostile:
    """A plain folder (no git) whose README, code and tests are links out, with loops and
    a FIFO that would block a reader."""
    path.mkdir(parents=True)
    for rel, content in _PROJECT.items():
        if rel != "README.md":
            (path / rel).parent.mkdir(parents=True, exist_ok=True)
            (path / rel).write_text(content, encoding="utf-8")
    os.symlink(stage.secret_file, path / "README.md")
    os.symlink(stage.secret_dir, path / "src")
    os.symlink(stage.secret_dir, path / "tests" / "elsewhere")
    os.symlink(stage.secret_dir / "leak.py", path / "ledger" / "leak.py")
    os.symlink("loop", path / "loop")
    os.symlink(".", path / "ledger" / "again")
    os.symlink("../..", path / "up")
    os.mkfifo(path / "ledger" / "pipe.py")
    return Hostile("symlinks-plain", "outside", path)


def build_gitdir_pointer(stage: Stage, path: Path) -> Hostile:
    """A ``.git`` file pointing at another repository's git directory."""
    path.mkdir(parents=True)
    (path / ".git").write_text(f"gitdir: {stage.secret_repo.path / '.git'}\n", encoding="utf-8")
    return Hostile("gitdir-pointer", "outside", path, 2, "outside this folder")


def build_alternates(stage: Stage, path: Path) -> Hostile:
    """An object store that borrows the private repository's objects, and a HEAD on them."""
    _project(path)
    alternates = path / ".git" / "objects" / "info" / "alternates"
    alternates.write_text(f"{stage.secret_repo.path / '.git' / 'objects'}\n", encoding="utf-8")
    Objects(path).point_head(stage.secret_repo.commits[-1], "private")
    return Hostile("alternates", "outside", path, 2, "borrows objects")


def build_config_include(stage: Stage, path: Path) -> Hostile:
    """``include.path`` and ``includeIf`` pulling in a configuration file from elsewhere."""
    repo = _project(path)
    repo.git("config", "include.path", str(stage.secret_config))
    repo.git("config", f"includeIf.gitdir:{path}/.path", str(stage.secret_config))
    return Hostile("config-include", "outside", path, 2, "include.path")


def build_linked_git_dir(stage: Stage, path: Path) -> Hostile:
    """A git directory whose ``objects`` and ``packed-refs`` are links to another one's."""
    _project(path)
    objects = path / ".git" / "objects"
    os.rename(objects, path / ".git" / "objects.orig")
    os.symlink(stage.secret_repo.path / ".git" / "objects", objects)
    return Hostile("linked-git-dir", "outside", path, 2, "symbolic link")


def build_commondir(stage: Stage, path: Path) -> Hostile:
    """A git directory that shares another repository's data through ``commondir``."""
    _project(path)
    (path / ".git" / "commondir").write_text(
        f"{stage.secret_repo.path / '.git'}\n", encoding="utf-8"
    )
    return Hostile("commondir", "outside", path, 2, "commondir")


def build_mailmap_outside(stage: Stage, path: Path) -> Hostile:
    """``mailmap.file`` naming a file elsewhere, a remote URL of the secret host, and a
    committed ``.mailmap`` (inside the tree, but never applied: authors are as committed)."""
    repo = _project(path)
    repo.commit(".mailmap", {".mailmap": f"{IMG} <ada@example.com>\n"})
    repo.git("config", "mailmap.file", str(stage.secret_mailmap))
    repo.git("config", "mailmap.blob", "HEAD:.mailmap")
    repo.git("config", "log.mailmap", "true")
    repo.git("config", "remote.origin.url", stage.url)
    return Hostile("mailmap-outside", "outside", path)


def build_promisor_remote(stage: Stage, path: Path) -> Hostile:
    """A partial clone whose README was never fetched: reading it would fetch it from the
    promisor remotes, an address that records connections and an ssh host."""
    objects = _empty_repo(path)
    code = objects.blob(_PROJECT["ledger/importer.py"].encode())
    tree = objects.tree([("100644", "4" * 40, b"README.md"), ("100644", code, b"importer.py")])
    objects.point_head(objects.commit(tree, b"Add the importer\n"))
    settings = {
        "core.repositoryformatversion": "1",
        "extensions.partialClone": "origin",
        "remote.origin.url": stage.url,
        "remote.origin.promisor": "true",
        "remote.backup.url": "ssh://git@example.invalid/candidate.git",
        "remote.backup.promisor": "true",
        "core.sshCommand": str(stage.trap("promisor-ssh")),
        "protocol.allow": "always",
        "protocol.http.allow": "always",
        "protocol.ssh.allow": "always",
    }
    for key, value in settings.items():
        git(path, "config", key, value)
    # Armed: reading the README the way a person would makes git connect to the http
    # remote, then (that one failing) run the ssh command for the other.
    reader = subprocess.Popen(
        ["git", "cat-file", "-p", "HEAD:README.md"],
        cwd=path,
        env=plain_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not stage.connections():
            if time.monotonic() > deadline:
                raise RuntimeError("the trap is not armed: git never fetched the README")
            time.sleep(0.05)
        reader.wait(timeout=30)
    finally:
        reader.kill()
        reader.wait()
    if stage.fired() != ["promisor-ssh"]:
        raise RuntimeError(f"the ssh trap is not armed: {stage.fired()} ran")
    (stage.canary / "promisor-ssh").unlink()
    return Hostile("promisor-remote", "outside", path)


# ---------------------------------------------------------------------------- tools


def build_tool_config(stage: Stage, path: Path) -> Hostile:
    """Configuration files that would redirect ruff (``extend`` outside, a cache folder
    outside) and code that would leave a canary if anything imported or ran it."""
    touch = f"open({str(stage.canary / 'python-ran')!r}, 'w').close()\n"
    repo = _project(path)
    extend = str(stage.outside / "ruff.toml")
    cache = str(stage.canary / "ruff-cache")
    repo.commit(
        "Configure the tools",
        {
            "pyproject.toml": '[project]\nname = "ledger"\nversion = "0.1.0"\n\n'
            f'[tool.ruff]\nextend = "{extend}"\ncache-dir = "{cache}"\nline-length = 1\n'
            '[tool.ruff.lint]\nselect = ["ALL"]\n\n'
            f'[tool.auditor]\nrules = "{stage.outside / "pack.toml"}"\nfail-under = 100\n'
            'exempt = {DOC001 = "trust me", TST001 = "trust me"}\n\n'
            f'[tool.pytest.ini_options]\naddopts = "-p {stage.secret}"\n'
            f'[tool.coverage.run]\ndata_file = "{stage.canary / "coverage"}"\n',
            "ruff.toml": f'extend = "{extend}"\ncache-dir = "{cache}"\n',
            ".ruff.toml": f'extend = "{extend}"\n',
            "auditor.toml": f'rules = "{stage.outside / "pack.toml"}"\n',
            "setup.cfg": f"[tool:pytest]\naddopts = -p {stage.secret}\n",
            "tox.ini": f"[testenv]\ncommands = touch {stage.canary / 'tox'}\n",
            ".pre-commit-config.yaml": "repos:\n- repo: local\n  hooks:\n  - id: x\n"
            f"    entry: touch {stage.canary / 'pre-commit'}\n    language: system\n",
            "Makefile": f"test:\n\ttouch {stage.canary / 'make'}\n",
            "setup.py": touch,
            "conftest.py": touch,
            "noxfile.py": touch,
            "sitecustomize.py": touch,
            "usercustomize.py": touch,
            "ledger/evil.pth": f"import os; {touch}",
            "ledger/__main__.py": touch,
            "tests/__init__.py": touch,
            "ledger/__init__.py": f'"""Ledger."""\n{touch}',
        },
    )
    return Hostile("tool-config", "tools", path)


# ---------------------------------------------------------------------------- resources


def build_huge_files(stage: Stage, path: Path) -> Hostile:
    """Files over the size bound, megabyte-long single lines in every kind of file the checks
    read, regex-hostile text, and a coverage database that never stops answering."""
    repo = _project(path)
    long_line = "x" * 900_000
    repo.commit(
        "Add big files",
        {
            "data/huge.bin": b"\x00" * (5 << 20),
            "data/huge.txt": b"word " * (1 << 20),
            "ledger/one_line.py": "VALUE = '" + long_line + "'\n",
            "ledger/wide.py": "x = [" + "1," * 300_000 + "]\n",
            "README.md": "# Big\n\n" + "[" * 400_000 + "\n\n" + "*a " * 100_000 + "\n",
            "docs/README.rst": "Title\n=====\n\n" + "`a <" * 200_000 + "\n",
            ".github/workflows/ci.yml": "on: push\njobs:\n  t:\n    steps:\n      - run: "
            + "pytest && " * 90_000
            + "\n",
            "requirements.txt": "flask" + "=" * 800_000 + "\n",
            "Makefile": "test:" + " \\\n" * 300_000 + "\n",
            "Dockerfile": "RUN " + "a" * 900_000 + "\n",
            "coverage.xml": '<?xml version="1.0"?>\n<!DOCTYPE c [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
            '<coverage line-rate="&b;"/>\n',
            "notebook.ipynb": '{"cells": ' + "[" * 50_000 + "]" * 50_000 + "}",
            "ledger/secrets.py": "KEY = '" + "A" * 800_000 + "'\n",
            "tests/test_long.py": "def test_long():\n    assert " + "1 + " * 200_000 + "1\n",
        },
    )
    endless = stage.root / "coverage.sqlite"
    db = sqlite3.connect(endless)
    db.executescript(
        "CREATE TABLE coverage_schema (version INTEGER);"
        "INSERT INTO coverage_schema VALUES (7);"
        "CREATE TABLE meta (key TEXT, value TEXT);"
        "INSERT INTO meta VALUES ('has_arcs', '0');"
        "CREATE VIEW file AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n)"
        " SELECT i AS id, 'ledger/importer.py' || i AS path FROM n;"
        "CREATE VIEW line_bits AS SELECT id AS file_id, 0 AS context_id, x'ff' AS numbits"
        " FROM file;"
        "CREATE TABLE context (id INTEGER, context TEXT);"
        "CREATE TABLE arc (file_id INTEGER, context_id INTEGER, fromno INTEGER, tono INTEGER);"
        "CREATE TABLE tracer (file_id INTEGER, tracer TEXT);"
    )
    db.close()
    repo.commit("Add coverage data", {".coverage": endless.read_bytes()})
    endless.unlink()
    return Hostile("huge-files", "resources", path, notices=("were not read",))


def build_many_files(stage: Stage, path: Path) -> Hostile:
    """Sixty thousand files: more than the snapshot lists."""
    objects = _empty_repo(path)
    small = objects.blob(b"x = 1\n")
    folders = []
    for folder in range(60):
        entries = [("100644", small, f"m{i:04d}.py".encode()) for i in range(1000)]
        folders.append(("040000", objects.tree(entries), f"pkg{folder:02d}".encode()))
    readme = objects.blob(_PROJECT["README.md"].encode())
    root = objects.tree([*folders, ("100644", readme, b"README.md")])
    objects.point_head(objects.commit(root, b"Add sixty thousand files\n"))
    return Hostile("many-files", "resources", path, notices=("more than 50000 files",))


def build_expanding_tree(stage: Stage, path: Path) -> Hostile:
    """One megabyte of the densest Python there is, committed under a thousand names: the
    objects take a megabyte, a checkout a gigabyte, parsing it all minutes and gigabytes."""
    objects = _empty_repo(path)
    python = objects.blob(b"x = 1\n" * 170_000)
    copies = [("100644", python, f"copy{i:04d}.py".encode()) for i in range(1000)]
    readme = objects.blob(_PROJECT["README.md"].encode())
    root = objects.tree(
        [("040000", objects.tree(copies), b"gen"), ("100644", readme, b"README.md")]
    )
    objects.point_head(objects.commit(root, b"Add generated modules\n"))
    return Hostile("expanding-tree", "resources", path)


def build_wide_text(stage: Stage, path: Path) -> Hostile:
    """Three hundred names for one 900 KB text whose last character lies outside the Basic
    Multilingual Plane: each decoded copy takes four bytes a character."""
    objects = _empty_repo(path)
    wide = objects.blob(("word " * 180_000 + "\U0001f600\n").encode())
    copies = [("100644", wide, f"note{i:03d}.md".encode()) for i in range(300)]
    readme = objects.blob(_PROJECT["README.md"].encode())
    root = objects.tree(
        [("040000", objects.tree(copies), b"notes"), ("100644", readme, b"README.md")]
    )
    objects.point_head(objects.commit(root, b"Add notes\n"))
    return Hostile("wide-text", "resources", path)


def build_tree_bomb(stage: Stage, path: Path) -> Hostile:
    """A tree ten entries wide and nine levels deep: a billion paths from a few objects."""
    objects = _empty_repo(path)
    blob = objects.blob(b"hi\n")
    tree = objects.tree([("100644", blob, f"f{i}.txt".encode()) for i in range(10)])
    for _ in range(9):
        tree = objects.tree([("040000", tree, f"d{i}".encode()) for i in range(10)])
    objects.point_head(objects.commit(tree, b"Add a few files\n"))
    return Hostile("tree-bomb", "resources", path, notices=("files",))


def build_deep_python(stage: Stage, path: Path) -> Hostile:
    """Python nested past every parser and visitor limit, and just inside the depth bound."""
    repo = _project(path)
    nested_ifs = "".join("    " * i + "if x:\n" for i in range(99)) + "    " * 99 + "pass\n"
    nested_defs = "".join("    " * i + f"def f{i}():\n" for i in range(98)) + "    " * 98 + "1\n"
    repo.commit(
        "Add generated code",
        {
            "ledger/unary.py": "x = " + "-" * 100_000 + "1\n",
            "ledger/nots.py": "x = " + "not " * 50_000 + "1\n",
            "ledger/chain.py": "x = " + "1 + " * 100_000 + "1\n",
            "ledger/attrs.py": "x = a" + ".b" * 100_000 + "\n",
            "ledger/calls.py": "x = f" + "()" * 100_000 + "\n",
            "ledger/parens.py": "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n",
            "ledger/lists.py": "x = " + "[" * 180 + "]" * 180 + "\n",
            "ledger/lambdas.py": "x = " + "lambda: " * 5000 + "1\n",
            "ledger/ifs.py": nested_ifs,
            "ledger/defs.py": nested_defs,
            "ledger/bound.py": "def f(x):\n    return " + "x + " * 380 + "x\n",
            "ledger/strings.py": "x = " + " ".join(["'a'"] * 100_000) + "\n",
            "ledger/fstrings.py": "x = " + 'f"{' * 150 + "1" + '}"' * 150 + "\n",
            "ledger/dicts.py": "x = " + "{1: " * 180 + "1" + "}" * 180 + "\n",
            "tests/test_deep.py": "def test_deep():\n    assert "
            + "(" * 190
            + "1"
            + ")" * 190
            + "\n",
        },
    )
    return Hostile("deep-python", "resources", path)


def build_history(stage: Stage, path: Path) -> Hostile:
    """Twenty thousand commits, one with a ten-megabyte message, one touching 20,000 paths."""
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    stream: list[bytes] = []
    for number in range(1, 20_001):
        message = f"Change {number}\n".encode()
        if number == 10_000:
            message = b"Huge message\n\n" + (b"x" * 100 + b"\n") * 100_000
        stream.append(
            b"commit refs/heads/main\n"
            + f"author A <a@example.com> {WHEN + number} +0000\n".encode()
            + f"committer A <a@example.com> {WHEN + number} +0000\n".encode()
            + f"data {len(message)}\n".encode()
            + message
            + f"M 100644 inline counter.txt\ndata {len(str(number))}\n{number}\n".encode()
        )
        if number == 15_000:
            stream.append(
                b"".join(
                    f"M 100644 inline many/f{i}.txt\ndata 1\nx\n".encode() for i in range(20_000)
                )
            )
    stream.append(b"done\n")
    git(path, "fast-import", "--quiet", "--done", data=b"".join(stream))
    git(path, "reset", "-q", "--hard")
    return Hostile("history", "resources", path)


def build_regex_attacks(stage: Stage, path: Path) -> Hostile:
    """Text made to hurt backtracking patterns and stdlib parsers, one file per attack seen
    against earlier versions: each took from seconds to forever before it was made linear."""
    repo = _project(path)
    workflow = "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n"
    files = {
        # an exponential file-name pattern for example environment files
        "env" + "-" * 60 + ".txt": "x\n",
        # a cubic cron pattern on blank lines
        ".github/workflows/blank.yml": workflow + "\n" * 8192 + "      - run: echo\n",
        # multi-line ``^\\s*`` searches restarted at every line (CMD/ENTRYPOINT, Poetry keys)
        "Dockerfile": "FROM python:3.12\n" + " \n" * 50_000 + "RUN true\n",
        "pyproject.toml": '[tool.poetry]\nname = "ledger"\n' + " \n" * 30_000,
        # configparser on one long line of spaces
        "setup.cfg": "[metadata]\nname = ledger" + " " * 150_000 + "x\n",
        # an attribute pattern inside the HTML tag limit
        "docs/index.html": "<p><img " + 'a="" ' * 390 + "></p>\n",
    }
    for number in range(10):
        # test-tool words repeated across megabyte workflows
        files[f".github/workflows/maven{number}.yml"] = (
            workflow + "      - run: " + ("mvn " * 250_000) + "\n"
        )
    repo.commit("Add configuration", files, days_later=3)
    return Hostile("regex-attacks", "resources", path)


#: Turns coverage.py's ``line_bits.numbits`` into a generated column: every read of it
#: builds half a gigabyte, which coverage.py would decode into billions of line numbers.
GENERATED_NUMBITS = """
ALTER TABLE line_bits RENAME TO measured_bits;
CREATE TABLE line_bits (
    file_id INTEGER, context_id INTEGER,
    numbits BLOB GENERATED ALWAYS AS (zeroblob(500000000)) VIRTUAL
);
INSERT INTO line_bits (file_id, context_id) SELECT file_id, context_id FROM measured_bits;
DROP TABLE measured_bits;
"""


def build_coverage_generated(stage: Stage, path: Path) -> Hostile:
    """A ``.coverage`` whose ``line_bits.numbits`` is a generated column: every read builds
    half a gigabyte, which coverage.py would decode into billions of line numbers."""
    import coverage

    repo = _project(path)
    scratch = stage.outside / "coverage-generated"
    scratch.mkdir(exist_ok=True)
    data = coverage.CoverageData(basename=str(scratch / ".coverage"))
    data.add_lines({str(path / "ledger" / "__init__.py"): [1]})
    data.write()
    db = sqlite3.connect(scratch / ".coverage")
    db.executescript(GENERATED_NUMBITS)
    db.commit()
    db.close()
    repo.commit(
        "Add coverage data",
        {".coverage": (scratch / ".coverage").read_bytes(), "tests/test_ledger.py": _TEST},
        days_later=3,
    )
    return Hostile("coverage-generated", "resources", path)


_TEST = "import ledger\n\n\ndef test_doc():\n    assert ledger.__doc__ == 'Ledger.'\n"


def build_history_paths(stage: Stage, path: Path) -> Hostile:
    """Sixty commits that each add, then delete, 10,000 paths of 3,300 characters: a small
    repository whose history lists gigabytes of paths, which must not all be kept."""
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    deep = "/".join(f"{level:02d}" + "d" * 250 for level in range(13))
    stream: list[bytes] = []
    for number in range(1, 61):
        message = f"Change {number}\n".encode()
        stream.append(
            b"commit refs/heads/main\n"
            + f"author A <a@example.com> {WHEN + number * 3600} +0000\n".encode()
            + f"committer A <a@example.com> {WHEN + number * 3600} +0000\n".encode()
            + f"data {len(message)}\n".encode()
            + message
        )
        if number == 1:
            stream.append(b"M 100644 inline README.md\ndata 9\n# Paths\n\n")
        if number % 2:
            stream.append(b"M 100644 inline blob.txt\ndata 2\nx\n")
            stream.append(
                b"".join(
                    f"M 100644 inline {deep}/f{i:05d}\ndata 1\nx\n".encode() for i in range(10_000)
                )
            )
        else:
            stream.append(f"D {deep.split('/', 1)[0]}\n".encode())
    stream.append(b"done\n")
    git(path, "fast-import", "--quiet", "--done", data=b"".join(stream))
    git(path, "reset", "-q", "--hard")
    return Hostile("history-paths", "resources", path, notices=("MiB",))


# ---------------------------------------------------------------------------- broken input


def build_broken_input(stage: Stage, path: Path) -> Hostile:
    """Bad encodings, NULs, binary Python, odd file names and malformed commits."""
    objects = _empty_repo(path)
    files: dict[bytes, bytes] = {
        b"README.md": b"# Caf\xe9 \xff\xfe broken\n\n## Installation\n\n\xc3\x28 pip install\n",
        b"utf16.py": "x = 'héllo'\n".encode("utf-16"),
        b"utf16be.py": "\ufeffy = 1\n".encode("utf-16-be"),
        b"utf16_nobom.py": "z = 1\n".encode("utf-16-le"),
        b"utf32.md": "# thirty-two\n".encode("utf-32"),
        b"nul.py": b"x = 1\x00\x00\ny = 2\n",
        b"binary.py": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
        b"latin1.py": "caf\xe9 = 1\n# \xe9t\xe9\n".encode("latin-1"),
        b"surrogates.py": b"s = '\xed\xa0\x80'\n",
        b"bom_only.py": b"\xef\xbb\xbf",
        b"empty.py": b"",
        b"crlf.py": b"def f():\r\n    return 1\r\n\r",
        b"cr_only.py": b"a = 1\rb = 2\r",
        b"tabs.py": b"if True:\n\tx = 1\n        y = 2\n",
        b"requirements.txt": b"\xff\xfe\x00f\x00l\x00a\x00s\x00k\x00",
        b"pyproject.toml": b'[project]\nname = "\xff"\n\x00',
        b".gitignore": b"\x00\xff\n*.pyc\n",
        b"LICENSE": b"MIT \xff License\n",
        b"setup.cfg": b"[metadata\n\xff",
    }
    names = {
        b"new\nline.py": b"x = 1\n",
        b"carriage\rreturn.py": b"x = 1\n",
        b"tab\tname.py": b"x = 1\n",
        b"esc\x1b[2Jname.py": b"x = 1\n",
        b"bell\x07.py": b"x = 1\n",
        b"bad\xff\xfeutf8.py": b"x = 1\n",
        b"overlong\xc0\xafslash.py": b"x = 1\n",
        b"-rf.py": b"x = 1\n",
        b"--help.py": b"x = 1\n",
        "bidi\u202eyp.exe".encode(): b"x = 1\n",
        b" leading space.py": b"x = 1\n",
        b"trailing space.py ": b"x = 1\n",
        b"a" * 250 + b".py": b"x = 1\n",
        b"%0A::error::x.py": b"x = 1\n",
        b"=HYPERLINK(1).py": b"x = 1\n",
        b"..py": b"x = 1\n",
        b"...": b"x = 1\n",
    }
    entries = [("100644", objects.blob(data), name) for name, data in {**files, **names}.items()]
    deep_name = objects.tree([("100644", objects.blob(b"x = 1\n"), b"\x1b]0;title\x07.py")])
    entries.append(("040000", deep_name, b"dir\nwith\x1bnewline"))
    entries.append(("120000", objects.blob(b"/etc/passwd"), b"passwd_link.py"))
    entries.append(("100755", objects.blob(b"#!/bin/sh\n"), b"run.sh"))
    entries.append(("160000", "2" * 40, b"gitlink"))
    tree = objects.tree(entries)
    first = objects.commit(
        tree,
        b"\xff\xfe Invalid \xc3\x28 UTF-8 \x00 with NUL\n\nBody \x1b[31m red\n",
        author=b"Caf\xe9 \x1b]0;x\x07 <caf\xe9@example.com>",
    )
    latin = objects.commit(
        tree,
        "Écrit en latin-1\n".encode("latin-1"),
        [first],
        headers=b"encoding ISO-8859-1\n",
    )
    bogus = objects.commit(tree, b"Bogus encoding\n", [latin], headers=b"encoding NOPE-42\n")
    future = objects.commit(tree, b"From the future\n", [bogus], when=b"99999999999999")
    negative = objects.commit(tree, b"Before the epoch\n", [future], when=b"-1")
    no_message = objects.commit(tree, b"", [negative])
    no_email = objects.commit(tree, b"No email\n", [no_message], author=b"Nobody")
    objects.point_head(no_email)
    return Hostile("broken-input", "broken", path)


# ---------------------------------------------------------------------------- odd states


def build_no_commits(stage: Stage, path: Path) -> Hostile:
    make_repo(path).write({"README.md": "# Nothing committed\n"})
    return Hostile("no-commits", "state", path, 2, "no commits")


def build_bare(stage: Stage, path: Path) -> Hostile:
    source = _project(stage.root / "work" / "bare-source")
    source.bare_clone(path)
    return Hostile("bare", "state", path)


def build_shallow(stage: Stage, path: Path) -> Hostile:
    source = _project(stage.root / "work" / "shallow-source")
    source.commit("Third", {"c.txt": "c\n"}, days_later=3)
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{source.path}", str(path)],
        env=plain_env(),
        check=True,
        capture_output=True,
    )
    return Hostile("shallow", "state", path, notices=("shallow clone",))


def build_detached(stage: Stage, path: Path) -> Hostile:
    repo = _project(path)
    repo.git("checkout", "-q", "--detach", "HEAD~1")
    return Hostile("detached", "state", path)


def build_plain_directory(stage: Stage, path: Path) -> Hostile:
    path.mkdir(parents=True)
    for rel, content in _PROJECT.items():
        (path / rel).parent.mkdir(parents=True, exist_ok=True)
        (path / rel).write_text(content, encoding="utf-8")
    return Hostile("plain-directory", "state", path)


def build_empty_directory(stage: Stage, path: Path) -> Hostile:
    path.mkdir(parents=True)
    return Hostile("empty-directory", "state", path)


def build_unborn_head(stage: Stage, path: Path) -> Hostile:
    """Commits exist, but HEAD names a branch that does not."""
    repo = _project(path)
    repo.git("symbolic-ref", "HEAD", "refs/heads/nowhere")
    return Hostile("unborn-head", "state", path, 2, "no commits")


def build_missing_objects(stage: Stage, path: Path) -> Hostile:
    """HEAD names a commit whose tree was never written (a corrupt or truncated copy)."""
    objects = _empty_repo(path)
    objects.point_head(objects.commit("3" * 40, b"Tree missing\n"))
    return Hostile("missing-objects", "state", path, 2, "failed")


def build_empty_git_dir(stage: Stage, path: Path) -> Hostile:
    """A ``.git`` folder with nothing in it, inside a folder with code."""
    build_plain_directory(stage, path)
    (path / ".git").mkdir()
    return Hostile("empty-git-dir", "state", path, 2, "not a readable git repository")


# ---------------------------------------------------------------------------- injection


def build_injection(stage: Stage, path: Path) -> Hostile:
    """Markup, escape sequences, workflow commands and spreadsheet formulas in every string
    the cards quote: the repository's name, file names, commit messages, author, README."""
    repo = build_hostile_project(path, remote=None)
    hostile_author = (f"{ESCAPES} {FORMULAS[0]}", "x@example.com")
    repo.commit(
        f"wip {ESCAPES}{WORKFLOW}",
        {
            f"{FORMULAS[0]}.py": "def f(x):\n  try:\n    return x\n  except:\n    pass\n",
            f"tests/test_{FORMULAS[3]}.py": "def test_nothing():\n    x = 1\n",
            f"__pycache__{ANSI}/junk.pyc": b"\x00",
            ".DS_Store": b"\x00",
            "README.md": f"# {ESCAPES} {SCRIPT}\n\n## Usage {TABLE_BREAK}\n\n{WORKFLOW}\n",
        },
        author=hostile_author,
    )
    repo.commit(f"{TABLE_BREAK} {SVG}", {"notes.txt": "c\n"}, author=hostile_author)
    repo.commit("x", {"notes.txt": "d\n"}, author=hostile_author)
    remote = f"https://github.com/{IMG}/{ANSI}repo%0A::error::x.git"
    repo.git("remote", "add", "origin", remote)
    return Hostile(
        "injection",
        "injection",
        path,
        shown=(
            f"{FORMULAS[0]}.py",
            "__pycache__\x1b[2J",  # the JSON card keeps data as it is (escaped as JSON)
            "<script>alert('xss-script')</script>",
        ),
    )


# ---------------------------------------------------------------------------- git directory


def build_grafts_link(stage: Stage, path: Path) -> Hostile:
    """``info/grafts`` as a link to ``/dev/zero``: git reads a graft file even with replace
    objects disabled, and reads this one until it runs out of memory."""
    _project(path)
    (path / ".git" / "info").mkdir(exist_ok=True)
    os.symlink("/dev/zero", path / ".git" / "info" / "grafts")
    return Hostile("grafts-link", "outside", path, 2, "symbolic link")


def build_ref_link(stage: Stage, path: Path) -> Hostile:
    """The branch HEAD names, ``refs/heads/main``, as a link to ``/dev/zero``."""
    _project(path)
    ref = path / ".git" / "refs" / "heads" / "main"
    ref.unlink()
    os.symlink("/dev/zero", ref)
    return Hostile("ref-link", "outside", path, 2, "symbolic link")


def build_config_fifo(stage: Stage, path: Path) -> Hostile:
    """A FIFO in place of ``.git/config``: every git command opens it and waits for a writer."""
    _project(path)
    (path / ".git" / "config").unlink()
    os.mkfifo(path / ".git" / "config")
    return Hostile("config-fifo", "outside", path, 2, "named pipe")


def build_nested_alternates(stage: Stage, path: Path) -> Hostile:
    """Alternates naming a store inside ``.git`` whose own alternates name the private
    repository's objects, and a branch on its commit: git follows alternates five deep."""
    private = make_repo(stage.outside / "nested-private")
    private.commit(f"Private {stage.secret}", {"README.md": f"# {stage.secret}\n"})
    _project(path)
    store = path / ".git" / "store"
    (store / "info").mkdir(parents=True)
    (store / "info" / "alternates").write_text(
        f"{private.path / '.git' / 'objects'}\n", encoding="utf-8"
    )
    (path / ".git" / "objects" / "info" / "alternates").write_text("../store\n", encoding="utf-8")
    Objects(path).point_head(private.commits[-1], "private")
    return Hostile("nested-alternates", "outside", path, 2, "borrows objects")


def build_gitdir_enclosing(stage: Stage, path: Path) -> Hostile:
    """A sub-folder of someone's repository whose ``.git`` file names the enclosing
    repository's git directory: auditing the folder must not audit the enclosing repository."""
    enclosing = make_repo(path, {"README.md": f"# {stage.secret}\n", "main.py": "x = 1\n"})
    enclosing.commit(f"Private work {stage.secret}", {"notes.md": f"{stage.secret}\n"})
    folder = path / "sub" / "folder"
    folder.mkdir(parents=True)
    (folder / "app.py").write_text("print('hello')\n", encoding="utf-8")
    (folder / ".git").write_text("gitdir: ../../.git\n", encoding="utf-8")
    return Hostile("gitdir-enclosing", "outside", folder, 2, "submodule")


def build_link_bomb(stage: Stage, path: Path, mode: str = "120000") -> Hostile:
    """A tree ten entries wide and nine levels deep whose leaves are symbolic links (or, with
    ``mode`` 160000, submodule commits): a billion entries that are not regular files."""
    objects = _empty_repo(path)
    leaf = objects.blob(b"README.md") if mode == "120000" else "5" * 40
    tree = objects.tree([(mode, leaf, f"l{i}".encode()) for i in range(10)])
    for _ in range(9):
        tree = objects.tree([("040000", tree, f"d{i}".encode()) for i in range(10)])
    readme = objects.blob(_PROJECT["README.md"].encode())
    root = objects.tree([("040000", tree, b"links"), ("100644", readme, b"README.md")])
    objects.point_head(objects.commit(root, b"Add a few links\n"))
    name = "symlink-bomb" if mode == "120000" else "gitlink-bomb"
    return Hostile(name, "resources", path, notices=("files",))


def build_gitlink_bomb(stage: Stage, path: Path) -> Hostile:
    return build_link_bomb(stage, path, "160000")


#: A title, a hyperlink and a right-to-left override, as a ``gitdir:`` pointer may carry.
GITDIR_ESCAPES = "\x1b]0;pwned\x07\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07\u202etxt.exe"


def build_gitdir_escapes(stage: Stage, path: Path) -> Hostile:
    """A ``.git`` file whose pointer carries terminal escape sequences and a bidi override:
    the refusal quotes the pointer back."""
    path.mkdir(parents=True)
    (path / ".git").write_text(f"gitdir: /nowhere/{GITDIR_ESCAPES}\n", encoding="utf-8")
    return Hostile("gitdir-escapes", "injection", path, 2, "outside this folder")


def build_include_newline(stage: Stage, path: Path) -> Hostile:
    """``include.path`` whose value holds line breaks and workflow commands: the refusal
    quotes it back, and each line of it would start a command of its own."""
    repo = _project(path)
    value = "../../elsewhere\n::error file=app.py,line=1::injected\n::add-mask::secret"
    repo.git("config", "include.path", value)
    return Hostile("include-newline", "injection", path, 2, "include.path")


# ---------------------------------------------------------------------------- the corpus

Builder = Callable[[Stage, Path], Hostile]

#: Every corpus entry, by name. The folder name of the injection entry is hostile too.
BUILDERS: dict[str, Builder] = {
    "exec-config": build_exec_config,
    "symlinks": build_symlinks,
    "symlinks-plain": build_symlinks_plain,
    "gitdir-pointer": build_gitdir_pointer,
    "alternates": build_alternates,
    "config-include": build_config_include,
    "linked-git-dir": build_linked_git_dir,
    "commondir": build_commondir,
    "mailmap-outside": build_mailmap_outside,
    "promisor-remote": build_promisor_remote,
    "tool-config": build_tool_config,
    "huge-files": build_huge_files,
    "many-files": build_many_files,
    "expanding-tree": build_expanding_tree,
    "wide-text": build_wide_text,
    "tree-bomb": build_tree_bomb,
    "deep-python": build_deep_python,
    "history": build_history,
    "broken-input": build_broken_input,
    "no-commits": build_no_commits,
    "bare": build_bare,
    "shallow": build_shallow,
    "detached": build_detached,
    "plain-directory": build_plain_directory,
    "empty-directory": build_empty_directory,
    "unborn-head": build_unborn_head,
    "missing-objects": build_missing_objects,
    "empty-git-dir": build_empty_git_dir,
    "injection": build_injection,
    "grafts-link": build_grafts_link,
    "ref-link": build_ref_link,
    "config-fifo": build_config_fifo,
    "nested-alternates": build_nested_alternates,
    "gitdir-enclosing": build_gitdir_enclosing,
    "symlink-bomb": build_link_bomb,
    "gitlink-bomb": build_gitlink_bomb,
    "gitdir-escapes": build_gitdir_escapes,
    "include-newline": build_include_newline,
    "regex-attacks": build_regex_attacks,
    "coverage-generated": build_coverage_generated,
    "history-paths": build_history_paths,
}

#: The folder each entry is built in (the injection repository's own name attacks too).
FOLDERS = {"injection": f"{IMG} {ANSI}{WORKFLOW.strip().splitlines()[0]}"}


def build(stage: Stage, name: str) -> Hostile:
    folder = FOLDERS.get(name, name).replace("/", "_").replace("\n", " ")
    return BUILDERS[name](stage, stage.repos / folder)


# ---------------------------------------------------------------------------- on disk


@dataclass(frozen=True)
class FileState:
    mode: int
    mtime_ns: int
    size: int
    content: bytes | str | None  # bytes of a file, target of a link, None otherwise


def disk_state(root: Path) -> dict[str, FileState]:
    """Every entry below ``root`` (``.git`` included), without following links or opening
    anything but regular files: bytes, mode and modification time, to compare later."""
    state: dict[str, FileState] = {}
    stack = [root]
    while stack:
        folder = stack.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                st = entry.stat(follow_symlinks=False)
                rel = os.path.relpath(entry.path, root)
                content: bytes | str | None = None
                if stat.S_ISREG(st.st_mode):
                    with open(entry.path, "rb") as handle:
                        content = handle.read()
                elif stat.S_ISLNK(st.st_mode):
                    content = os.readlink(entry.path)
                elif stat.S_ISDIR(st.st_mode):
                    stack.append(Path(entry.path))
                state[rel] = FileState(st.st_mode, st.st_mtime_ns, st.st_size, content)
    st = root.stat()
    state["."] = FileState(st.st_mode, st.st_mtime_ns, 0, None)
    return state
