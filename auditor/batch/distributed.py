"""Batch audits on a Dask cluster: ``--scheduler tcp://HOST:8786`` or ``--scheduler local:N``.

The coordinator (the ``auditor batch`` process) stays the single source of truth: it alone
talks to the GitHub API and writes the store. Each repository goes to the cluster as one
task, ``run_repo(task, token)``: a clone URL and settings, plus the token only when that clone
needs it. Each worker clones into a cache of its own; a worker that dies mid-task has its
task run again on another (Dask's ``allowed-failures``), and the coordinator stores each
result once, when its future completes.

Dask is an optional extra (``pip install 'portfolio-auditor[dask]'``), imported only here and
only when ``--scheduler`` is given. Workers run in processes with one thread each: ``ast.parse``
in threads is not safe (cpython gh-106905).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Executor, Future, InvalidStateError
from concurrent.futures import wait as wait_for
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from auditor.errors import AuditorError

if TYPE_CHECKING:
    from distributed import Client, LocalCluster
    from distributed import Future as DaskFuture

T = TypeVar("T")
INSTALL_HINT = "pip install 'portfolio-auditor[dask]'"
SCHEDULER_FORMS = "tcp://HOST:PORT (a running Dask scheduler) or local:N (N local workers)"
#: How long a cancel decision may rely on the last look at what the workers are running.
PROCESSING_TTL = 1.0


class SchedulerError(AuditorError):
    """The cluster cannot be used: Dask missing, scheduler unreachable, workers unfit."""


@dataclass(frozen=True)
class Scheduler:
    """Where the audits run: an existing cluster's scheduler, or a local cluster of N."""

    address: str | None = None  # tcp://HOST:PORT or tls://HOST:PORT
    local_workers: int = 0

    @classmethod
    def parse(cls, text: str) -> Scheduler:
        """``tcp://HOST:PORT``, ``tls://HOST:PORT``, ``HOST:PORT`` (tcp) or ``local:N``.

        Raises ValueError with a one-line reason.
        """
        value = text.strip()
        if value.lower().startswith("local:"):
            count = value[len("local:") :]
            if not count.isdigit() or not 1 <= int(count) <= 64:
                raise ValueError(f"{text!r}: local:N takes a number of workers from 1 to 64")
            return cls(local_workers=int(count))
        scheme, sep, rest = value.rpartition("://")
        if not sep:
            scheme, rest = "tcp", value
        host, colon, port = rest.rpartition(":")
        if scheme.lower() not in ("tcp", "tls") or not rest or "/" in rest or "@" in rest:
            raise ValueError(f"{text!r}: give {SCHEDULER_FORMS}")
        if not colon:
            raise ValueError(f"{text!r}: the scheduler's port is missing (Dask's is 8786)")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"{text!r}: give {SCHEDULER_FORMS}")
        return cls(address=f"{scheme.lower()}://{host}:{port}")

    @property
    def is_local(self) -> bool:
        return self.address is None

    def __str__(self) -> str:
        return self.address or f"local:{self.local_workers}"


def connect(
    scheduler: Scheduler,
    *,
    pack_ref: str,
    pack_hash: str,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
) -> DaskExecutor:
    """An executor on the cluster, once its workers have shown they can run these audits
    (the same auditor version, the same rule pack).

    Raises :class:`SchedulerError` with a one-line reason.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise SchedulerError(f"--scheduler needs Dask: {INSTALL_HINT}") from None
    cluster: LocalCluster | None = None
    try:
        if scheduler.is_local:
            cluster = LocalCluster(
                n_workers=scheduler.local_workers,
                processes=True,
                threads_per_worker=1,
                dashboard_address=None,
                preload=[__name__],  # dask_setup below, in each worker (restarts included)
            )
            client = Client(cluster)
        else:
            client = Client(scheduler.address)
    except (OSError, TimeoutError) as exc:
        if cluster is not None:
            cluster.close()
        raise SchedulerError(
            f"cannot reach the Dask scheduler at {scheduler}: {_one_line(exc)}"
        ) from None
    executor = DaskExecutor(client, cluster)
    try:
        check_workers(client, pack_ref, pack_hash, select, ignore)
    except BaseException:
        executor.shutdown(wait=False)
        raise
    return executor


def check_workers(
    client: Client,
    pack_ref: str,
    pack_hash: str,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
) -> None:
    """Raise :class:`SchedulerError` unless every worker runs this auditor version and loads
    the same rule pack."""
    from auditor import __version__

    try:
        answers: dict[str, tuple[str, str | None]] = client.run(
            worker_readiness, pack_ref, pack_hash, select, ignore
        )
    except Exception as exc:  # noqa: BLE001 - a worker without the auditor fails to unpickle
        raise SchedulerError(
            f"the Dask workers cannot run the auditor ({type(exc).__name__}: "
            f"{_one_line(exc)}): install portfolio-auditor {__version__} on every worker"
        ) from None
    for worker, (version, problem) in sorted(answers.items()):
        if version != __version__:
            raise SchedulerError(
                f"the Dask worker {worker} runs portfolio-auditor {version}, this is "
                f"{__version__}: install the same version on every worker"
            )
        if problem:
            raise SchedulerError(f"the Dask worker {worker} cannot load the rule pack: {problem}")


def worker_readiness(
    pack_ref: str, pack_hash: str, select: tuple[str, ...], ignore: tuple[str, ...]
) -> tuple[str, str | None]:
    """Run on each worker: its auditor version, and why it cannot load the rule pack (a
    pack file that exists only on the coordinator), or None."""
    from auditor import __version__
    from auditor.batch.jobs import task_pack

    try:
        task_pack(pack_ref, pack_hash, select, ignore)
    except AuditorError as exc:
        return __version__, _one_line(exc)
    return __version__, None


def dask_setup(worker: object) -> None:
    """Dask's preload hook, run in each worker of a local cluster as it starts.

    The workers share the coordinator's terminal: each ignores Ctrl-C and leaves the
    terminal's process group, so a Ctrl-C reaches neither it nor its git processes, and the
    coordinator lets running audits finish, as with the local process pool. (A worker still
    exits when the coordinator dies: Dask's nanny watches for that.)
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(os, "setsid"):
        with contextlib.suppress(OSError):
            os.setsid()


class DaskExecutor(Executor):
    """A ``concurrent.futures.Executor`` on a Dask client, as ``Client.get_executor()``, and:

    - tasks get opaque keys (``audit-<uuid>``): nothing from a task, least of all a token,
      shows in the scheduler's task names, logs or dashboard;
    - ``shutdown(cancel_futures=True)`` works, and shutting down closes the client (and the
      local cluster it started);
    - a future refuses to be cancelled once its task is on a worker, as a process pool's does,
      so Ctrl-C lets running audits finish.
    """

    def __init__(self, client: Client, cluster: LocalCluster | None = None) -> None:
        self._client = client
        self._cluster = cluster
        self._tasks: dict[str, tuple[DaskFuture, _TaskFuture[Any]]] = {}
        self._lock = threading.Lock()
        self._shutdown = False
        self._processing: frozenset[str] = frozenset()
        self._processing_at = float("-inf")

    @property
    def workers(self) -> int:
        """How many workers the cluster has now."""
        return len(self._client.scheduler_info().get("workers", {}))

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        if self._shutdown:
            raise RuntimeError("cannot schedule new futures after shutdown")
        key = f"audit-{uuid.uuid4().hex}"
        future: _TaskFuture[T] = _TaskFuture(self, key)
        dask_future = self._client.submit(fn, *args, key=key, pure=False, **kwargs)
        with self._lock:
            self._tasks[key] = (dask_future, future)
        dask_future.add_done_callback(lambda done: self._settle(key, done, future))
        return future

    def _settle(self, key: str, done: DaskFuture, future: _TaskFuture[Any]) -> None:
        """Pass a finished Dask future's outcome on (in Dask's callback thread)."""
        with self._lock:
            self._tasks.pop(key, None)
        if future.done():
            return
        with contextlib.suppress(InvalidStateError, RuntimeError):  # cancelled meanwhile
            if done.status == "finished":
                future.set_result(done.result())
            elif done.status == "cancelled":
                if Future.cancel(future):  # not _TaskFuture.cancel: the cluster has decided
                    future.set_running_or_notify_cancel()
            else:
                future.set_exception(_readable(done.exception()))

    def _on_a_worker(self, key: str) -> bool:
        """Whether the task is already with a worker (looked up at most once a second)."""
        now = time.monotonic()
        if now - self._processing_at > PROCESSING_TTL:
            try:
                by_worker = self._client.processing()
            except Exception:  # noqa: BLE001 - unknown: treat every task as running
                return True
            self._processing = frozenset(str(k) for keys in by_worker.values() for k in keys)
            self._processing_at = now
        return key in self._processing

    def _cancel(self, key: str) -> None:
        with self._lock:
            entry = self._tasks.pop(key, None)
        if entry is not None:
            entry[0].cancel()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if self._shutdown:
            return
        self._shutdown = True
        with self._lock:
            pending = [future for _, future in self._tasks.values()]
        if cancel_futures:
            for future in pending:
                future.cancel()
        try:
            if wait:
                wait_for(pending)
        finally:
            with self._lock:
                left = [dask_future for dask_future, _ in self._tasks.values()]
                self._tasks.clear()
            with contextlib.suppress(Exception):
                self._client.cancel(left)
            self._client.close()
            if self._cluster is not None:
                self._cluster.close()


class _TaskFuture(Future[T]):
    """A future whose ``cancel()`` asks the cluster first: a task already on a worker runs on."""

    def __init__(self, executor: DaskExecutor, key: str) -> None:
        super().__init__()
        self._executor = executor
        self._key = key

    def cancel(self) -> bool:
        if self.done():
            return self.cancelled()
        if self._executor._on_a_worker(self._key) or not super().cancel():
            return False
        self.set_running_or_notify_cancel()  # wakes concurrent.futures.wait()
        self._executor._cancel(self._key)
        return True


class WorkerLost(Exception):
    """Every worker that ran the task died (Dask gave up after ``allowed-failures``)."""


def _readable(exc: BaseException | None) -> BaseException:
    if exc is None:
        return WorkerLost("the task failed without an exception")
    if type(exc).__name__ == "KilledWorker":
        return WorkerLost(
            "each Dask worker that ran it died (out of memory?); Dask stopped retrying it"
        )
    return exc


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]
