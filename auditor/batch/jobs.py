"""The work on one repository, as a pure top-level function of picklable values.

:func:`run_repo` takes a :class:`RepoTask` (plain strings, numbers and tuples) and returns a
:class:`RepoResult` (the same), touching nothing but the clone cache: it can run in a thread,
in a process of a ``ProcessPoolExecutor``, or on a Dask worker. It never raises: every
failure is a result with status ``error`` and a one-line reason.

The token never travels in a task: a task names the environment variable that holds it
(``token_env``) and the URL prefix it may be sent to. A worker on another machine has no such
variable: there the token travels beside the task, as a :class:`Token` that prints as
``***``, and only for a clone that needs it.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import sys
import threading
import time
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from auditor.batch.accounts import RepoMetadata
from auditor.errors import AuditorError
from auditor.model import Scorecard
from auditor.rulepack import RulePack

AUDITED = "audited"
REUSED = "reused"  # an audit of this HEAD with this pack is already stored
SKIPPED = "skipped"
ERROR = "error"
#: How an error result's reason starts when git could not clone or read the repository.
CLONE_FAILED = "cannot clone or read the repository"


@dataclass(frozen=True)
class RepoTask:
    """Everything one repository's audit needs."""

    login: str
    key: str  # host/owner/name: the store's and the cache's key
    meta: RepoMetadata
    cache_dir: str
    pack_ref: str  # a shipped pack name or a pack file path
    pack_hash: str
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    known_heads: tuple[str, ...] = ()  # HEADs with an audit stored for this pack
    max_files: int = 20_000
    timeout: float = 600.0
    token_env: str | None = None
    token_prefix: str | None = None  # the URL prefix the token may be sent to
    render_html: bool = True
    #: Clone into this worker's own cache, ``<cache_dir>/workers/<worker name>`` (a Dask
    #: worker); an empty ``cache_dir`` then means the worker's default cache directory.
    worker_cache: bool = False


class Token:
    """A credential sent to a worker with one task: its repr and str never show it."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "Token(***)"

    __str__ = __repr__

    def __reduce__(self) -> tuple[type[Token], tuple[str]]:
        return Token, (self.value,)


@dataclass(frozen=True)
class RepoResult:
    """How one repository came out. Cards are zlib-compressed documents."""

    login: str
    key: str
    name: str
    status: str
    reason: str = ""
    head: str | None = None
    score: float | None = None
    grade: str | None = None
    categories: tuple[tuple[str, float | None], ...] = ()
    card_json: bytes | None = None
    card_html: bytes | None = None
    seconds: float = 0.0


def pack_fingerprint(pack: RulePack, select: tuple[str, ...], ignore: tuple[str, ...]) -> str:
    """The rule-pack hash audits are keyed by: the auditor's version, everything the pack
    says once merged with the packs it extends, and the rule selection. Any change to those
    re-audits; nothing else does."""
    from auditor import __version__

    content = {
        "version": __version__,
        "name": pack.name,
        "grades": pack.grades,
        "categories": [(c.id, c.title, c.weight) for c in pack.categories.values()],
        "rules": [
            (r.id, r.title, r.category, r.check.name, dict(r.params), r.weight, r.doc)
            for r in pack.rules.values()
        ],
        "account": dict(pack.account),
        "select": select,
        "ignore": ignore,
    }
    text = json.dumps(content, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def run_repo(task: RepoTask, token: Token | None = None) -> RepoResult:
    """Clone or fetch, bound, audit and render one repository; never raises.

    ``token``, when given, is the one the clone may send (a worker without the coordinator's
    environment); otherwise the token is read from ``task.token_env``.
    """
    started = time.perf_counter()
    name = task.meta.name

    def result(status: str, reason: str = "", **values: object) -> RepoResult:
        return RepoResult(
            login=task.login,
            key=task.key,
            name=name,
            status=status,
            reason=reason,
            seconds=round(time.perf_counter() - started, 3),
            **values,  # type: ignore[arg-type]
        )

    from auditor.batch.clones import CloneCache, RepoRefused
    from auditor.source.git import GitError, RemoteGit

    try:
        root = worker_cache_dir(task.cache_dir) if task.worker_cache else Path(task.cache_dir)
        cache = CloneCache(root, RemoteGit(timeout=task.timeout, header=auth_header(task, token)))
        if task.known_heads:  # one round trip decides whether the stored audit still holds
            head = cache.remote_head(task.meta.clone_url)
            if head is None:
                return result(SKIPPED, "empty repository: no commits")
            if head in task.known_heads:
                return result(REUSED, head=head)
        clone, head = cache.sync(task.meta.clone_url, task.key, max_entries=task.max_files)
        card = _audit(task, clone, root)
    except RepoRefused as exc:
        return result(SKIPPED, str(exc))
    except GitError as exc:
        return result(ERROR, f"{CLONE_FAILED}: {_strip(str(exc), task, token)}")
    except AuditorError as exc:
        return result(ERROR, _strip(str(exc), task, token))
    except Exception as exc:  # noqa: BLE001 - one repository must never end the batch
        message = _strip(str(exc), task, token)
        return result(ERROR, f"internal error: {type(exc).__name__}: {message}")
    from auditor.render.json import render_json

    html = _render_html(card) if task.render_html else None
    return result(
        AUDITED,
        head=head,
        score=card.score,
        grade=card.grade,
        categories=tuple((c.id, c.score) for c in card.categories),
        card_json=zlib.compress(render_json(card).encode("utf-8")),
        card_html=zlib.compress(html.encode("utf-8")) if html is not None else None,
    )


def _audit(task: RepoTask, clone: Path, cache_dir: Path) -> Scorecard:
    from dataclasses import replace

    from auditor.api import audit_repository
    from auditor.batch.enrich import host_info
    from auditor.config import Settings
    from auditor.source.snapshot import Limits

    pack = task_pack(task.pack_ref, task.pack_hash, task.select, task.ignore)
    # Batch mode runs repositories side by side: each audit stays in its own worker process.
    # A repository's own exemptions are never honoured in batch mode; the card says so.
    result = audit_repository(
        clone,
        Settings(select=task.select, ignore=task.ignore),
        pack=pack,
        cwd=cache_dir,
        limits=Limits(max_files=task.max_files, workers=1),
        host=host_info(task.meta),
        honour_exemptions=False,
    )
    card = result.card
    # The card shows where the repository lives, not where the cache keeps it.
    web = task.meta.html_url if task.meta.html_url.startswith("https://") else task.key
    return replace(card, repo=replace(card.repo, path=web))


@lru_cache(maxsize=4)
def task_pack(
    pack_ref: str, pack_hash: str, select: tuple[str, ...], ignore: tuple[str, ...]
) -> RulePack:
    """The rule pack a task names, loaded once per worker process; an error when it is not
    the pack the run started with (edited since, or another file on another machine)."""
    from auditor.rulepack import load_pack

    pack = load_pack(pack_ref)
    if pack_fingerprint(pack, select, ignore) != pack_hash:
        raise AuditorError(
            f"the rule pack {pack_ref} is not the one the run started with (edited since, or "
            "another file or auditor version on this worker)"
        )
    return pack


def _render_html(card: Scorecard) -> str | None:
    from auditor.render import FORMATS, render

    if "html" not in FORMATS:
        return None
    return render(card, "html")


def worker_cache_dir(cache_dir: str) -> Path:
    """This worker's own clone cache: ``workers/<worker name>`` under ``cache_dir``, or under
    the worker's default cache directory when ``cache_dir`` is empty.

    A Dask worker is named by its cluster (``0``, ``1`` in a local cluster; ``--name`` of
    ``dask worker``), so a restarted worker finds its clones again; elsewhere the process id
    names it. No two workers write to one folder, whatever the filesystem.
    """
    from auditor.batch.clones import default_cache_dir, safe_component

    name = f"pid-{os.getpid()}"
    if "distributed" in sys.modules:  # never import Dask just to find out
        with contextlib.suppress(ValueError):  # not running on a Dask worker
            name = str(sys.modules["distributed"].get_worker().name)
    root = Path(cache_dir) if cache_dir else default_cache_dir()
    return root / "workers" / safe_component(name)


def token_applies(task: RepoTask) -> bool:
    """Whether the task's clone URL is on the host the token may be sent to."""
    return bool(task.token_prefix) and task.meta.clone_url.startswith(task.token_prefix or "")


def auth_header(task: RepoTask, token: Token | None = None) -> tuple[str, str] | None:
    """The ``Authorization`` header for the token's host, when the clone URL is on it."""
    value = _token_value(task, token)
    if not value or not task.token_prefix or not token_applies(task):
        return None
    return task.token_prefix, token_header(value)


def token_header(value: str) -> str:
    """The ``Authorization`` header git sends with a GitHub token."""
    basic = base64.b64encode(f"x-access-token:{value}".encode()).decode("ascii")
    return f"Authorization: Basic {basic}"


def _token_value(task: RepoTask, token: Token | None) -> str | None:
    if token is not None:
        return token.value
    return os.environ.get(task.token_env) if task.token_env else None


def _strip(message: str, task: RepoTask, token: Token | None = None) -> str:
    """A message with the token removed, should git or a library ever echo it."""
    value = _token_value(task, token)
    if value:
        message = message.replace(value, "***")
    return message.splitlines()[0][:300] if message else "no message"


# --------------------------------------------------------------------- process workers


def init_worker(parent_pid: int) -> None:
    """Set up a worker process: Ctrl-C is the parent's to handle, and a worker whose parent
    died (``kill -9``) dies too instead of working on for nobody: at once on Linux, even
    while stuck in C code that holds the GIL (the kernel sends SIGKILL); elsewhere within a
    second, from a watcher thread.

    The worker leaves the terminal's process group, so a Ctrl-C reaches neither it nor the
    git processes it runs (git installs its own signal handlers and would die mid-clone):
    the parent lets running audits finish and store their results.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(os, "setsid"):
        with contextlib.suppress(OSError):
            os.setsid()
    _die_with_parent()
    if os.getppid() != parent_pid:  # the parent died before the line above took effect
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies (``PR_SET_PDEATHSIG``).

    A watcher thread cannot do it alone: a worker stuck in a regular expression or another
    C call never releases the GIL, so the thread never runs.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)
