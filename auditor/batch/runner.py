"""The batch runner: accounts read in order, repositories audited concurrently, results stored.

The main thread reads one account at a time through the :class:`AccountSource` (waiting out
rate limits, showing the wait, stopping past ``--max-wait``), decides which repositories to
audit, and submits each as a :class:`RepoTask` to a ``concurrent.futures.Executor``: a
process pool by default, or a Dask cluster's (``--scheduler``, see
:mod:`auditor.batch.distributed`). Either way only this process talks to the GitHub API and
writes the store; workers get a task and return a result.
It stores every finished repository at once, so the network-bound clones, the CPU-bound
audits and the next account's API calls overlap, and nothing finished is lost.

Re-running the same command resumes the unfinished run with the same fingerprint: accounts
already read are not read again, finished repositories are not redone, and a repository
whose HEAD was audited before with the same rule pack reuses that audit.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import json
import multiprocessing
import os
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    CancelledError,
    Executor,
    Future,
    ProcessPoolExecutor,
    wait,
)
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from auditor.batch import progress as states
from auditor.batch.accounts import (
    Account,
    AccountError,
    AccountSource,
    RateLimited,
    RepoMetadata,
)
from auditor.batch.candidates import Candidate
from auditor.batch.jobs import (
    CLONE_FAILED,
    ERROR,
    SKIPPED,
    RepoResult,
    RepoTask,
    Token,
    init_worker,
    run_repo,
    token_applies,
)
from auditor.batch.leaderboard import candidate_entry
from auditor.batch.progress import Progress
from auditor.batch.scoring import AccountPolicy, parse_time
from auditor.batch.store import PENDING, Store, StoredCandidate
from auditor.rulepack import RulePack

ExecutorFactory = Callable[[int], Executor]
FINISHED = "finished"
STOPPED = "stopped"  # a rate limit would have needed more than --max-wait
INTERRUPTED = "interrupted"  # Ctrl-C
FAILED = "failed"  # an error ended the whole run (GitHub rejected the token)
_NEVER = datetime.min.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class BatchSettings:
    """What a batch was asked to do (no secrets: the token stays in its variable)."""

    cache_dir: Path
    pack_ref: str = "default"
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    jobs: int = 4
    max_repos: int = 10
    include_forks: bool = False
    include_archived: bool = False
    max_wait: float = 900.0
    max_repo_mb: float = 500.0
    max_files: int = 20_000
    refresh: bool = False
    github_url: str = "https://api.github.com"
    token_env: str | None = "GITHUB_TOKEN"
    clone_timeout: float = 600.0
    #: A Dask scheduler (``tcp://HOST:PORT`` or ``local:N``); None for local processes.
    scheduler: str | None = None
    #: With a scheduler: where each worker keeps its clones ("" for the worker's own default).
    worker_cache_dir: str = ""

    def fingerprint(self, candidates: Sequence[Candidate], pack_hash: str) -> str:
        """What makes two commands "the same" for resuming: the candidates, the options that
        change results, and the rule pack (not --jobs, caches, waits or --refresh)."""
        data = {
            "candidates": [c.key for c in candidates],
            "pack": pack_hash,
            "github_url": self.github_url.rstrip("/"),
            "max_repos": self.max_repos,
            "include_forks": self.include_forks,
            "include_archived": self.include_archived,
            "max_repo_mb": self.max_repo_mb,
            "max_files": self.max_files,
        }
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:32]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["cache_dir"] = str(self.cache_dir)
        return data


@dataclass
class BatchReport:
    """How the run ended."""

    run_id: int
    resumed: bool
    status: str
    message: str = ""
    submitted: int = 0  # repositories sent to the executor in this invocation
    seconds: float = 0.0


class _Stop(Exception):
    """Stop reading accounts (the rate limit resets later than --max-wait allows)."""


def process_pool(jobs: int) -> Executor:
    """The default executor: ``jobs`` worker processes (spawned, so no thread state is
    inherited), each ignoring Ctrl-C and exiting when the parent dies."""
    return ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=init_worker,
        initargs=(os.getpid(),),
    )


def clone_url_problem(url: str, api_url: str) -> str | None:
    """Why a clone URL from the API must not be used, or None when it may.

    Clone URLs must be on the API's own host (``github.com`` for ``api.github.com``) over
    https, or over http when the API itself is plain http. ``file`` URLs are for tests and
    local mirrors: only when the API is on a loopback address.
    """
    parts, api = urlsplit(url), urlsplit(api_url)
    api_host = (api.hostname or "").lower()
    if parts.scheme == "file":
        if is_loopback(api_host):
            return None
        return "a file:// clone URL from a remote API"
    if parts.scheme not in ("https", "http"):
        return f"clone URL scheme {parts.scheme or 'none'!r} is not allowed"
    if parts.scheme == "http" and api.scheme != "http":
        return "a plain http clone URL from an https API"
    if parts.username or parts.password:
        return "a clone URL with credentials in it"
    host = (parts.hostname or "").lower()
    allowed = {api_host, api_host[len("api.") :] if api_host.startswith("api.") else api_host}
    if host not in allowed:
        return f"clone URL host {host!r} is not the API's host"
    return None


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plan_repos(account: Account, settings: BatchSettings) -> list[tuple[RepoMetadata, str, str]]:
    """Each listed repository with its status (pending or skipped) and the reason."""
    ordered = sorted(
        account.repos,
        key=lambda r: parse_time(r.pushed_at) or _NEVER,
        reverse=True,
    )
    plan: list[tuple[RepoMetadata, str, str]] = []
    chosen = 0
    for meta in ordered:
        if meta.fork and not settings.include_forks:
            plan.append((meta, SKIPPED, "fork (--include-forks to audit forks)"))
        elif meta.archived and not settings.include_archived:
            plan.append((meta, SKIPPED, "archived (--include-archived to audit it)"))
        elif chosen >= settings.max_repos:
            plan.append((meta, SKIPPED, f"not among the {settings.max_repos} most recently pushed"))
        elif meta.size_kb > settings.max_repo_mb * 1024:
            plan.append(
                (
                    meta,
                    SKIPPED,
                    f"too large: {meta.size_kb / 1024:,.0f} MB on GitHub, over "
                    f"{settings.max_repo_mb:g} MB (--max-repo-size)",
                )
            )
        else:
            problem = clone_url_problem(meta.clone_url, settings.github_url)
            if problem:
                plan.append((meta, ERROR, f"refused: {problem}"))
            else:
                plan.append((meta, PENDING, ""))
            chosen += 1
    return plan


def repo_key(settings: BatchSettings, meta: RepoMetadata) -> str:
    host = (urlsplit(settings.github_url).hostname or "local").lower()
    host = host[len("api.") :] if host.startswith("api.") else host
    return f"{host}/{meta.full_name}".lower()


@dataclass
class _Candidate:
    candidate: Candidate
    total: int = 0
    finished: int = 0


@dataclass
class BatchRunner:
    """One invocation of a batch."""

    candidates: Sequence[Candidate]
    settings: BatchSettings
    accounts: AccountSource
    store: Store
    pack: RulePack
    policy: AccountPolicy
    pack_hash: str
    progress: Progress = field(default_factory=Progress)
    executor_factory: ExecutorFactory = process_pool
    render_html: bool = True
    sleep: Callable[[float], None] = time.sleep
    _futures: dict[Future[RepoResult], RepoTask] = field(default_factory=dict)
    _executor: Executor | None = None
    _token_sent: set[str] = field(default_factory=set)  # keys of tasks sent with the token
    _states: dict[str, _Candidate] = field(default_factory=dict)
    _run_id: int = 0
    _submitted: int = 0

    def run(self) -> BatchReport:
        started = time.perf_counter()
        fingerprint = self.settings.fingerprint(self.candidates, self.pack_hash)
        run_id, resumed = self.store.begin_run(
            fingerprint, self.pack_hash, self.settings.to_dict(), fresh=self.settings.refresh
        )
        self._run_id = run_id
        self.store.add_candidates(run_id, self.candidates)
        stored = {c.login.lower(): c for c in self.store.candidates(run_id)}
        self._states = {c.key: _Candidate(c) for c in self.candidates}
        self.progress.start([c.login for c in self.candidates])
        report = BatchReport(run_id=run_id, resumed=resumed, status=FINISHED)
        executor = self._executor = self.executor_factory(self.settings.jobs)
        try:
            try:
                for candidate in self.candidates:
                    self._drain(0)
                    account = self._account(candidate, stored.get(candidate.key))
                    if account is not None:
                        self._submit(candidate, account, executor)
            except _Stop as stop:
                report.status, report.message = STOPPED, str(stop)
                self.progress.notice(f"stopping: {stop}")
            while self._futures:
                self._drain(0.5)
        except KeyboardInterrupt:
            report.status = INTERRUPTED
            report.message = "interrupted: everything finished is stored; re-run to resume"
            self._interrupt(executor)
        except BaseException:
            report.status = FAILED  # left resumable: a re-run picks up where this one ended
            raise
        finally:
            executor.shutdown(wait=report.status != INTERRUPTED, cancel_futures=True)
            self.store.finish_run(run_id, report.status)
            self.progress.close()
        report.submitted = self._submitted
        report.seconds = round(time.perf_counter() - started, 2)
        return report

    # ----------------------------------------------------------------- accounts

    def _account(self, candidate: Candidate, stored: StoredCandidate | None) -> Account | None:
        login = candidate.login
        if stored is not None and stored.account is not None:
            return stored.account
        if stored is not None and stored.error and stored.error_final:
            self.progress.update(login, states.FAILED, stored.error)
            return None
        self.progress.update(login, states.FETCHING)
        while True:
            try:
                account = self.accounts.fetch(login)
            except RateLimited as limit:
                self._wait(login, limit)
                continue
            except AccountError as exc:
                self.store.save_account_error(
                    self._run_id, login, str(exc), final=not exc.transient
                )
                self.progress.update(login, states.FAILED, str(exc))
                return None
            self.store.save_account(self._run_id, login, account)
            return account

    def _wait(self, login: str, limit: RateLimited) -> None:
        # The wait is bounded (RateLimited caps it) and compared before any clock arithmetic.
        wait = limit.until - time.time()
        if wait > self.settings.max_wait:
            clock = time.strftime("%H:%M:%S", time.localtime(time.time() + wait))
            raise _Stop(
                f"the GitHub rate limit resets at {clock}, {wait:.0f}s away, more than "
                f"--max-wait {self.settings.max_wait:g}s; re-run the same command then to resume"
            )
        clock = time.strftime("%H:%M:%S", time.localtime(limit.until))
        self.progress.notice(f"GitHub rate limit: waiting until {clock} ({wait:.0f}s)")
        while (left := limit.until - time.time()) > 0:
            self.progress.update(login, states.WAITING, f"rate limit: resuming in {left:.0f}s")
            self._drain(min(left, 0.5))
        self.progress.notice("")
        self.progress.update(login, states.FETCHING)

    # ----------------------------------------------------------------- repositories

    def _submit(self, candidate: Candidate, account: Account, executor: Executor) -> None:
        plan = plan_repos(account, self.settings)
        keyed = [
            (repo_key(self.settings, meta), meta, status, reason) for meta, status, reason in plan
        ]
        self.store.plan_repos(
            self._run_id, candidate.login, [(k, m.name, s, r) for k, m, s, r in keyed]
        )
        done = {r.key: r.status for r in self.store.repos(self._run_id, candidate.login)}
        state = self._states[candidate.key]
        todo = [(k, m) for k, m, s, _ in keyed if s == PENDING and done.get(k) == PENDING]
        state.total = len(todo)
        self.progress.repos_planned(len(todo))
        if not todo:
            self._candidate_done(candidate)
            return
        self.progress.update(candidate.login, states.AUDITING, f"0/{len(todo)} repositories")
        prefix = self._token_prefix()
        distributed = self.settings.scheduler is not None
        for key, meta in todo:
            task = RepoTask(
                login=candidate.login,
                key=key,
                meta=meta,
                cache_dir=self.settings.worker_cache_dir
                if distributed
                else str(self.settings.cache_dir),
                pack_ref=self.settings.pack_ref,
                pack_hash=self.pack_hash,
                select=self.settings.select,
                ignore=self.settings.ignore,
                known_heads=()
                if self.settings.refresh
                else self.store.known_heads(key, self.pack_hash),
                max_files=self.settings.max_files,
                timeout=self.settings.clone_timeout,
                # A cluster's workers do not share this environment: the token goes with the
                # task that needs it instead (see _dispatch).
                token_env=None if distributed else self.settings.token_env,
                token_prefix=prefix,
                render_html=self.render_html,
                worker_cache=distributed,
            )
            self._dispatch(executor, task, with_token=meta.private)
            self._submitted += 1

    def _dispatch(self, executor: Executor, task: RepoTask, *, with_token: bool) -> None:
        """Submit one task. On a cluster the token travels with it only when its clone needs
        it: a private repository on the token's host (or a clone that failed without it)."""
        if self.settings.scheduler is None:
            self._futures[executor.submit(run_repo, task)] = task
            return
        token = self._token(task) if with_token else None
        if token is not None:
            self._token_sent.add(task.key)
        self._futures[executor.submit(run_repo, task, token)] = task

    def _token(self, task: RepoTask) -> Token | None:
        """The token for this task's clone URL, if there is one and it may go there."""
        env = self.settings.token_env
        value = os.environ.get(env) if env else None
        return Token(value) if value and token_applies(task) else None

    def _retry_with_token(self, task: RepoTask, result: RepoResult) -> bool:
        """Send a clone that failed without the token again with it (a host that wants it
        even for public repositories, as a GitHub Enterprise in private mode does)."""
        if (
            self.settings.scheduler is None
            or self._executor is None
            or result.status != ERROR
            or not result.reason.startswith(CLONE_FAILED)
            or task.key in self._token_sent
            or self._token(task) is None
        ):
            return False
        self._dispatch(self._executor, task, with_token=True)
        return True

    def _token_prefix(self) -> str | None:
        host = self.accounts.web_host
        return f"https://{host}/" if host else None

    def _drain(self, timeout: float) -> None:
        """Store whatever finished, waiting up to ``timeout`` seconds for something to."""
        if not self._futures:
            if timeout > 0:
                self.sleep(timeout)
            return
        done, _ = wait(list(self._futures), timeout=timeout, return_when=FIRST_COMPLETED)
        for future in done:
            task = self._futures.pop(future)
            try:
                result = future.result()
            except CancelledError:
                continue
            except Exception as exc:  # noqa: BLE001 - a dead worker fails one repo, not the run
                result = RepoResult(
                    task.login, task.key, task.meta.name, ERROR, f"the audit worker failed: {exc!r}"
                )
            if self._retry_with_token(task, result):
                continue
            self._finished(result)

    def _finished(self, result: RepoResult) -> None:
        self.store.save_result(self._run_id, self.pack_hash, result)
        self.progress.repo_finished()
        state = self._states.get(result.login.lower())
        if state is None:
            return
        state.finished += 1
        if state.finished >= state.total:
            self._candidate_done(state.candidate)
        else:
            self.progress.update(
                result.login, states.AUDITING, f"{state.finished}/{state.total} repositories"
            )

    def _candidate_done(self, candidate: Candidate) -> None:
        stored = self.store.candidate(self._run_id, candidate.login)
        if stored is None:
            return
        entry = candidate_entry(
            self.store, self._run_id, stored, self.pack, self.policy, self.pack_hash
        )
        problems = f", {len(entry.errors)} problem(s)" if entry.errors else ""
        self.progress.update(
            candidate.login,
            states.DONE,
            f"score {entry.score:.1f} {entry.grade}, {entry.audited} audited{problems}"
            if entry.score is not None
            else "not scored",
        )

    def _interrupt(self, executor: Executor) -> None:
        """Ctrl-C: drop what has not started, keep what finishes; a second Ctrl-C abandons it."""
        for future in list(self._futures):
            if future.cancel():
                self._futures.pop(future)
        running = len(self._futures)
        if not running:
            return
        self.progress.notice(
            f"stopping: finishing {running} running audit(s); Ctrl-C again to abandon them"
        )
        try:
            while self._futures:
                self._drain(0.5)
        except KeyboardInterrupt:
            _terminate_workers(executor)


def _terminate_workers(executor: Executor) -> None:
    """Stop a process pool's workers now (``concurrent.futures`` has no public way before
    Python 3.14); other executors are left to finish on their own."""
    processes: Mapping[int, Any] = getattr(executor, "_processes", None) or {}
    for process in list(processes.values()):
        with contextlib.suppress(OSError, AttributeError):
            process.terminate()
