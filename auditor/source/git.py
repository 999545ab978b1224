"""The one way this package runs git: on a repository that is hostile until proven otherwise.

A repository's own configuration can make ordinary git commands run programs
(``core.fsmonitor``, hooks, filters, ``textconv``, ``diff.external``, ``gpg.program`` when
signatures are shown, pagers) or read files outside the tree (``mailmap.file``). Every call
made here overrides those settings on the command line, ignores the system and global
configuration, disables replace objects, never takes optional locks and never prompts.
Only plumbing that reads objects is used: no command here touches the index or the
working tree, so clean/smudge filters and fsmonitor have nothing to hook into.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
import threading
from collections.abc import Generator, Mapping, Sequence
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from auditor.errors import SourceError
from auditor.processes import limit_process_memory

#: Settings that would let the audited repository run a program or read outside its tree.
NEUTRAL_CONFIG: tuple[tuple[str, str], ...] = (
    ("core.fsmonitor", "false"),
    ("core.hooksPath", os.devnull),
    ("core.pager", "cat"),
    ("core.sshCommand", "false"),
    ("core.askPass", ""),
    ("core.editor", "false"),
    ("core.untrackedCache", "false"),
    ("core.attributesFile", os.devnull),
    ("credential.helper", ""),
    ("diff.external", ""),
    ("gpg.program", "false"),
    ("gpg.ssh.program", "false"),
    ("gpg.x509.program", "false"),
    ("log.showSignature", "false"),
    ("log.mailmap", "false"),
    ("mailmap.file", ""),
    ("mailmap.blob", ""),
    # Reading objects needs no transport. A partial clone's promisor remote is fetched from
    # (lazily, for a missing object) by plain object reads; the repository may name any URL.
    # A repository's own ``protocol.<name>.allow`` beats a general ``protocol.allow``, so
    # every transport git knows is named here too.
    ("protocol.allow", "never"),
    *(
        (f"protocol.{name}.allow", "never")
        for name in ("ext", "fd", "file", "git", "http", "https", "ssh")
    ),
    ("submodule.recurse", "false"),
    ("i18n.logOutputEncoding", "UTF-8"),
    # Grafts are turned off through the environment (GIT_GRAFT_FILE); git would still
    # print a deprecation hint for the empty graft file, and it would lead every error.
    ("advice.graftFileDeprecated", "false"),
)

#: Environment for every git process: no system or global config, no prompts, no locks.
_ENV_OVERRIDES = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_ATTR_NOSYSTEM": "1",
    "GIT_NO_REPLACE_OBJECTS": "1",
    # git honours ``info/grafts`` even with replace objects disabled: grafts would rewrite
    # the history (a link to /dev/zero made git read until memory ran out).
    "GIT_GRAFT_FILE": os.devnull,
    "GIT_OPTIONAL_LOCKS": "0",
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_PAGER": "cat",
    "PAGER": "cat",
    "GIT_ASKPASS": "",
    "SSH_ASKPASS": "",
    "LC_ALL": "C",
    # Transports left at git's "user" policy are refused, and git >= 2.45 skips lazy fetches.
    "GIT_PROTOCOL_FROM_USER": "0",
    "GIT_NO_LAZY_FETCH": "1",
}
#: Variables that would point git somewhere we did not choose, or run something.
_ENV_REMOVED = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_CEILING_DIRECTORIES",
    "GIT_EXTERNAL_DIFF",
    "GIT_SSH",
    "GIT_SSH_COMMAND",
    "GIT_EDITOR",
    "GIT_CONFIG",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
    "GIT_NAMESPACE",
    "GIT_TRACE",
)

DEFAULT_TIMEOUT = 120.0
#: Address space a streamed git command (``log``, ``ls-tree``) may use, where the system
#: lets us set it; with pack windows kept small, a real repository needs far less.
STREAM_MEMORY = 1 << 30
_STREAM_PACK_WINDOWS = (("core.packedGitWindowSize", "64m"), ("core.packedGitLimit", "256m"))


_RUNNING: set[subprocess.Popen[bytes]] = set()
_RUNNING_LOCK = threading.Lock()
#: Set when the audit's deadline has passed and the process is about to end.
_ENDING = threading.Event()


def _started(proc: subprocess.Popen[bytes]) -> None:
    with _RUNNING_LOCK:
        _RUNNING.add(proc)


def _ended(proc: subprocess.Popen[bytes]) -> None:
    with _RUNNING_LOCK:
        _RUNNING.discard(proc)
    if _ENDING.is_set():
        # Killed by the deadline: the process is ending with its one line. Going on would
        # report the killed git as a failure of its own (a second line, another exit code).
        threading.Event().wait()


def end_running_processes() -> None:
    """Kill every git process of ours still running (the audit's deadline has passed); a
    thread that was waiting for one stays where it is until the process ends."""
    _ENDING.set()
    with _RUNNING_LOCK:
        running = list(_RUNNING)
    for proc in running:
        with contextlib.suppress(OSError):
            proc.kill()


def git_environment(git_dir: Path | None = None) -> dict[str, str]:
    """The environment git runs in: ours, minus anything that redirects or runs programs."""
    env = {k: v for k, v in os.environ.items() if k not in _ENV_REMOVED}
    env.update(_ENV_OVERRIDES)
    if git_dir is not None:
        env["GIT_DIR"] = str(git_dir)
    return env


class GitError(SourceError):
    """A git command failed."""


#: The memory a one-shot git process may use: a ref or graft file that is a link to
#: /dev/zero, or a crafted object, must not let git take the machine's memory.
RUN_MEMORY = 1 << 30


def run_git(
    argv: Sequence[str],
    env: Mapping[str, str],
    *,
    cwd: Path | None,
    timeout: float,
    stdin: bytes | None = None,
    check: bool = True,
    memory: int = RUN_MEMORY,
) -> bytes:
    """Run one git process to completion, bounded in time and memory; its standard output.

    Every git call of the auditor, local or remote, goes through here (streams through
    :meth:`Git.stream`, with the same bounds).
    """
    try:
        proc = subprocess.Popen(
            list(argv),
            env=dict(env),
            cwd=cwd,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    except FileNotFoundError as exc:
        raise GitError("git is not installed or not on PATH") from exc
    _started(proc)
    limit_process_memory(proc.pid, memory)
    name = next((a for a in argv[1:] if not a.startswith("-") and "=" not in a), "git")
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        proc.kill()
        proc.communicate()
        raise GitError(f"git {name} took longer than {timeout:.0f}s") from exc
    finally:
        _ended(proc)
    if check and proc.returncode != 0:
        raise GitError(f"git {name} failed: {reason_of(err)}")
    return out


class Git:
    """Runs read-only git plumbing against one repository's git directory."""

    def __init__(self, git_dir: Path, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.git_dir = git_dir
        self.timeout = timeout
        self._env = git_environment(git_dir)

    def argv(self, *args: str) -> list[str]:
        """The full command line for ``git ARGS`` with the neutralising options in front."""
        argv = ["git", "--no-pager", "--no-replace-objects", "--literal-pathspecs"]
        for key, value in NEUTRAL_CONFIG:
            argv += ["-c", f"{key}={value}"]
        argv += list(args)
        return argv

    def run(self, *args: str, check: bool = True) -> bytes:
        """Run git to completion and return its standard output."""
        return run_git(
            self.argv(*args), self._env, cwd=self.git_dir, timeout=self.timeout, check=check
        )

    def stream(self, *args: str, chunk_size: int = 1 << 16) -> Generator[bytes, None, None]:
        """Run git and yield its standard output in chunks as it arrives.

        A consumer that stops early (a bound reached) ends the process; only a failure of a
        stream read to its end raises :class:`GitError`. The process is ended after
        ``timeout`` seconds and held to :data:`STREAM_MEMORY` bytes: ``git log`` gathers a
        commit's whole list of changed paths before it prints any, so a tree crafted to
        expand into billions of paths would otherwise fill the machine's memory.
        """
        argv = self.argv(*args)
        argv[1:1] = [arg for kv in _STREAM_PACK_WINDOWS for arg in ("-c", "=".join(kv))]
        stderr_file = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
        proc = subprocess.Popen(
            argv,
            env=self._env,
            cwd=self.git_dir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr_file,
        )
        _started(proc)
        limit_process_memory(proc.pid, STREAM_MEMORY)
        expired = threading.Event()

        def expire() -> None:
            expired.set()
            proc.kill()

        watchdog = threading.Timer(self.timeout, expire)
        watchdog.daemon = True
        watchdog.start()
        assert proc.stdout is not None
        finished = False
        try:
            while chunk := proc.stdout.read(chunk_size):
                yield chunk
            finished = True
        finally:
            if not finished:
                proc.kill()
            proc.stdout.close()
            self._reap(proc, watchdog)
            stderr_file.seek(0)
            stderr = stderr_file.read(4096)
            stderr_file.close()
        if expired.is_set():
            raise GitError(f"git {args[0]} took longer than {self.timeout:.0f}s")
        if proc.returncode != 0:
            raise GitError(f"git {args[0]} failed: {reason_of(stderr)}")

    def read_blobs(self, oids: Sequence[str]) -> dict[str, bytes]:
        """Read many blobs through one ``git cat-file --batch`` process (see
        :meth:`stream_blobs`)."""
        return dict(self.stream_blobs(oids))

    def stream_blobs(self, oids: Sequence[str]) -> Generator[tuple[str, bytes], None, None]:
        """Each blob (oid, bytes), in order, as one ``git cat-file --batch`` process reads it;
        a missing one is left out.

        ``cat-file`` without ``--filters`` or ``--textconv`` returns the stored bytes and runs
        no driver. The request list is written from a thread so the pipes cannot deadlock.
        """
        if not oids:
            return
        proc = subprocess.Popen(
            self.argv("cat-file", "--batch"),
            env=self._env,
            cwd=self.git_dir,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        _started(proc)
        limit_process_memory(proc.pid, STREAM_MEMORY)
        # A blob read that never ends (a crafted pack) is cut by the same clock as a stream.
        watchdog = threading.Timer(self.timeout, proc.kill)
        watchdog.daemon = True
        watchdog.start()
        assert proc.stdin is not None and proc.stdout is not None
        stdin = proc.stdin
        unique = list(dict.fromkeys(oids))

        def feed() -> None:
            try:
                stdin.write("".join(f"{oid}\n" for oid in unique).encode("ascii"))
            except BrokenPipeError:
                pass
            finally:
                stdin.close()

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        out = proc.stdout
        try:
            for oid in unique:
                header = out.readline()
                if not header:
                    break
                parts = header.split()
                if len(parts) < 3 or parts[1] == b"missing":
                    continue
                size = int(parts[2])
                data = out.read(size)
                out.read(1)  # the newline after each object
                yield oid, data
        finally:
            proc.kill()  # a reader that stopped early leaves git nothing more to say
            writer.join(timeout=self.timeout)
            out.close()
            self._reap(proc, watchdog)

    def _reap(self, proc: subprocess.Popen[bytes], watchdog: threading.Timer) -> None:
        """Wait for a finished git (killed if it will not end), stop its clock, forget it."""
        try:
            proc.wait(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        watchdog.cancel()
        _ended(proc)


def reason_of(stderr: bytes) -> str:
    """The line of git's standard error that says what went wrong: the first ``fatal:``
    line (a remote's too), else the first ``error:`` line, else the first line that is not
    a warning. Git often warns first (``warning: filtering not recognized by server,
    ignoring``) and only then says why it failed (``remote: fatal: unable to read …``); a
    line that only reports the other side's failure yields to the line that says why."""
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        return "no error message"
    for marker in ("fatal:", "error:"):
        said = [line for line in lines if line.startswith((marker, f"remote: {marker}"))]
        if said:
            return shown(next((line for line in said if not _consequence(line)), said[0]))
    chosen = next((line for line in lines if not line.startswith("warning:")), lines[0])
    return shown(chosen)


#: What git's client says when the other side has already failed: the other side's own line,
#: which says why, may come before or after it (two processes write to one standard error).
_CONSEQUENCES = (
    "aborting due to possible repository corruption",
    "the remote end hung up",
    "early eof",
    "index-pack failed",
    "invalid index-pack output",
)


def _consequence(line: str) -> bool:
    lowered = line.lower()
    return any(words in lowered for words in _CONSEQUENCES)


def shown(text: str | os.PathLike[str]) -> str:
    """Repository text (a path, a pointer, a git message) fit to quote in a one-line message:
    control characters, bidirectional formatting and line breaks written as escapes
    (``\\x1b``, ``\\u202e``, ``\\n``), so it can neither act on a terminal, disguise itself
    nor start a line of its own (a workflow command)."""
    text = os.fspath(text)
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


#: The transports a clone or fetch may use: https and http, and ``file`` for tests and local
#: mirrors. Every other one, ``ext`` (which runs a command) above all, stays forbidden.
REMOTE_PROTOCOLS: tuple[tuple[str, str], ...] = (
    ("protocol.allow", "never"),
    ("protocol.https.allow", "always"),
    ("protocol.http.allow", "always"),
    ("protocol.file.allow", "always"),
)


#: What an ssh clone URL given on the command line adds: the ssh transport, run as the
#: system's ``ssh`` in batch mode (a prompt fails instead of waiting for an answer).
SSH_TRANSPORT: tuple[tuple[str, str], ...] = (
    ("protocol.ssh.allow", "always"),
    ("core.sshCommand", "ssh -o BatchMode=yes"),
)


class RemoteGit:
    """Runs the few git commands that talk to a remote: ``ls-remote``, ``clone`` and ``fetch``.

    The same neutralising options as :class:`Git`, with the transports narrowed to
    :data:`REMOTE_PROTOCOLS`. A credential is an HTTP header scoped to one URL prefix
    (``http.<prefix>.extraHeader``) handed to each git process through its environment
    (``GIT_CONFIG_COUNT``): never in a URL, never on a command line other users can read,
    never in a file. With a credential, redirects are refused so the header cannot follow one
    to another host.
    """

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        header: tuple[str, str] | None = None,
        ssh: bool = False,
    ) -> None:
        self.timeout = timeout
        self._env = git_environment()
        self._config = [kv for kv in NEUTRAL_CONFIG if not kv[0].startswith("protocol.")]
        self._config += REMOTE_PROTOCOLS
        if ssh:
            # Only for a URL the person typed (``auditor audit git@host:owner/repo``): the
            # system's ssh, which never prompts; never a command the repository names.
            self._config = [kv for kv in self._config if kv[0] != "core.sshCommand"]
            self._config += SSH_TRANSPORT
        if header is not None:
            prefix, value = header
            self._env.update(
                GIT_CONFIG_COUNT="1",
                GIT_CONFIG_KEY_0=f"http.{prefix}.extraHeader",
                GIT_CONFIG_VALUE_0=value,
            )
            self._config.append(("http.followRedirects", "false"))

    def argv(self, *args: str) -> list[str]:
        argv = ["git", "--no-pager", "--no-replace-objects"]
        for key, value in self._config:
            argv += ["-c", f"{key}={value}"]
        return argv + list(args)

    def run(
        self,
        *args: str,
        git_dir: Path | None = None,
        stdin: bytes | None = None,
        config: Sequence[tuple[str, str]] = (),
    ) -> bytes:
        """Run git (in ``git_dir`` when given, with extra ``-c`` settings) to completion and
        return its standard output."""
        env = dict(self._env)
        if git_dir is not None:
            env["GIT_DIR"] = str(git_dir)
        extra = [arg for key, value in config for arg in ("-c", f"{key}={value}")]
        return run_git(
            self.argv(*extra, *args), env, cwd=git_dir, timeout=self.timeout, stdin=stdin
        )


def count_tree_entries(git: Git, treeish: str, limit: int) -> int:
    """How many entries ``ls-tree -r`` lists under ``treeish``, counting no further than
    ``limit + 1``: a tree crafted to expand into billions of paths is never listed in full."""
    proc = subprocess.Popen(
        git.argv("ls-tree", "-r", "-z", "--full-tree", treeish),
        env=git_environment(git.git_dir),
        cwd=git.git_dir,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    count = 0
    try:
        while count <= limit and (chunk := proc.stdout.read(1 << 16)):
            count += chunk.count(b"\x00")
    finally:
        stopped_early = count > limit
        if stopped_early:
            proc.kill()
        proc.stdout.close()
        stderr = proc.stderr.read()
        proc.stderr.close()
        proc.wait(timeout=git.timeout)
    if not stopped_early and proc.returncode != 0:
        raise GitError(f"git ls-tree failed: {reason_of(stderr)}")
    return count


def remote_url(git: Git) -> str | None:
    """Where ``origin`` points, without credentials; None when it is not set."""
    raw = git.run("config", "--get", "remote.origin.url", check=False)
    url = raw.decode("utf-8", "replace").strip()
    return strip_credentials(url) if url else None


def strip_credentials(url: str) -> str:
    """A remote URL without any user name or token embedded in it."""
    if "://" not in url:
        return url
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
