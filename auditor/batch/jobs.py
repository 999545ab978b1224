"""The work on one repository, as a pure top-level function of picklable values.

:func:`run_repo` takes a :class:`RepoTask` (plain strings, numbers and tuples) and returns a
:class:`RepoResult` (the same), touching nothing but the clone cache: it can run in a thread,
in a process of a ``ProcessPoolExecutor``, or on a Dask worker. It never raises: every
failure is a result with status ``error`` and a one-line reason.

The token never travels in a task: a task names the environment variable that holds it
(``token_env``) and the URL prefix it may be sent to.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
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


def run_repo(task: RepoTask) -> RepoResult:
    """Clone or fetch, bound, audit and render one repository; never raises."""
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
        cache = CloneCache(
            Path(task.cache_dir), RemoteGit(timeout=task.timeout, header=auth_header(task))
        )
        if task.known_heads:  # one round trip decides whether the stored audit still holds
            head = cache.remote_head(task.meta.clone_url)
            if head is None:
                return result(SKIPPED, "empty repository: no commits")
            if head in task.known_heads:
                return result(REUSED, head=head)
        clone, head = cache.sync(task.meta.clone_url, task.key, max_entries=task.max_files)
        card = _audit(task, clone)
    except RepoRefused as exc:
        return result(SKIPPED, str(exc))
    except GitError as exc:
        return result(ERROR, f"cannot clone or read the repository: {_strip(str(exc), task)}")
    except AuditorError as exc:
        return result(ERROR, _strip(str(exc), task))
    except Exception as exc:  # noqa: BLE001 - one repository must never end the batch
        return result(ERROR, f"internal error: {type(exc).__name__}: {_strip(str(exc), task)}")
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


def _audit(task: RepoTask, clone: Path) -> Scorecard:
    from dataclasses import replace

    from auditor.batch.enrich import enrich
    from auditor.batch.scoring import AccountPolicy
    from auditor.config import Settings, exemptions
    from auditor.engine import audit
    from auditor.source.snapshot import Limits, Snapshot

    pack = _pack(task.pack_ref, task.pack_hash, task.select, task.ignore)
    # Batch mode runs repositories side by side: each audit stays in its own worker process.
    snapshot = Snapshot.open(clone, Limits(max_files=task.max_files, workers=1))
    # A repository's own exemptions are never honoured in batch mode; the card says so.
    _, notices = exemptions(Settings(), snapshot, Path(task.cache_dir))
    card = audit(
        snapshot,
        pack,
        select=task.select,
        ignore=task.ignore,
        profile=pack.name,
        notices=notices,
    )
    card = enrich(card, task.meta, pack, AccountPolicy.from_pack(pack).demo_rule)
    # The card shows where the repository lives, not where the cache keeps it.
    web = task.meta.html_url if task.meta.html_url.startswith("https://") else task.key
    return replace(card, repo=replace(card.repo, path=web))


@lru_cache(maxsize=4)
def _pack(
    pack_ref: str, pack_hash: str, select: tuple[str, ...], ignore: tuple[str, ...]
) -> RulePack:
    from auditor.rulepack import load_pack

    pack = load_pack(pack_ref)
    if pack_fingerprint(pack, select, ignore) != pack_hash:
        raise AuditorError(f"the rule pack {pack_ref} changed during the run")
    return pack


def _render_html(card: Scorecard) -> str | None:
    from auditor.render import FORMATS, render

    if "html" not in FORMATS:
        return None
    return render(card, "html")


def auth_header(task: RepoTask) -> tuple[str, str] | None:
    """The ``Authorization`` header for the token's host, when the clone URL is on it."""
    token = os.environ.get(task.token_env) if task.token_env else None
    if not token or not task.token_prefix or not task.meta.clone_url.startswith(task.token_prefix):
        return None
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode("ascii")
    return task.token_prefix, f"Authorization: Basic {basic}"


def _strip(message: str, task: RepoTask) -> str:
    """A message with the token removed, should git or a library ever echo it."""
    token = os.environ.get(task.token_env) if task.token_env else None
    if token:
        message = message.replace(token, "***")
    return message.splitlines()[0][:300] if message else "no message"


# --------------------------------------------------------------------- process workers


def init_worker(parent_pid: int) -> None:
    """Set up a worker process: Ctrl-C is the parent's to handle, and a worker whose parent
    died (``kill -9``) exits within a second instead of working on for nobody.

    The worker leaves the terminal's process group, so a Ctrl-C reaches neither it nor the
    git processes it runs (git installs its own signal handlers and would die mid-clone):
    the parent lets running audits finish and store their results.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(os, "setsid"):
        with contextlib.suppress(OSError):
            os.setsid()

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
