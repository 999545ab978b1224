"""Many Python modules analysed at once, in worker processes when that pays.

A large repository's modules are analysed in worker processes, never threads: CPython's
parser is not safe in two threads while the garbage collector runs (gh-106905). Each worker
parses its modules, runs every registered tree summary on them and sends back only the
summaries (see :mod:`auditor.source.languages.python`).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import multiprocessing
import os
import stat
import sys
import threading
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import forkserver
from pathlib import Path
from typing import Any

from auditor.processes import cap_memory, die_with_parent
from auditor.source.languages.python import (
    PythonModule,
    analyse_module,
    picklable,
    recursion_headroom,
    registered_summaries,
    summary_by_key,
)
from auditor.source.languages.summary import LineCounts
from auditor.source.suite_paths import is_test_path

#: Below this much Python source, worker processes cost more than they save.
PARALLEL_MIN_BYTES = 1 << 20


class PendingModules:
    """The analysis of many modules, under way in worker processes or waiting to run here.

    ``sources`` may be a stream. With worker processes, they are forked at once (before the
    caller starts any thread: forking a process with threads can deadlock the child), and a
    thread reads the stream, sending each chunk of files to work as soon as it is read, so
    reading (and bounding) the rest overlaps the analysis. ``expected_bytes`` (the files'
    sizes, known before reading them) decides whether workers pay and sizes the chunks.
    """

    def __init__(
        self,
        sources: Iterable[tuple[str, str]],
        *,
        max_depth: int,
        workers: int | None = None,
        expected_bytes: int | None = None,
    ) -> None:
        self._max_depth = max_depth
        self._summaries = registered_summaries()
        self._result: tuple[PythonModule, ...] | None = None
        self._pool: ProcessPoolExecutor | None = None
        #: How many processes analyse the modules (1: this one).
        self.workers = 1
        self._chunks: list[tuple[int, int]] = []
        self._futures: list[Future[list[_Analysis]]] = []
        self._stream: Iterable[tuple[str, str]] | None = sources
        self._read: tuple[tuple[str, str], ...] | None = None
        self._reader: threading.Thread | None = None
        self._failure: BaseException | None = None
        self._primed = threading.Event()  # the workers have work enough to start with
        self._reading = threading.Lock()  # a stream is read by one thread, once
        if expected_bytes is None:
            self._read = tuple(sources)
            expected_bytes = sum(len(text) for _, text in self._read)
        count = _worker_count(workers, expected_bytes)
        if count > 1:
            # Asked for explicitly, every worker gets some files however few there are.
            smallest = 1 if requested_workers(workers) else 32 << 10
            target = max(smallest, expected_bytes // (count * 8) + 1)
            self._start(count, target)

    @property
    def sources(self) -> tuple[tuple[str, str], ...]:
        """Every (path, text) analysed, in order (read now if nobody has read them yet)."""
        with self._reading:
            if self._reader is not None:
                self._reader.join()
                self._reader = None
            if self._failure is None and self._read is None:
                assert self._stream is not None
                try:
                    self._read = tuple(self._stream)
                except Exception as exc:  # noqa: BLE001 - raised again to every reader
                    self._failure = exc
            self._stream = None
        if self._failure is not None:
            raise self._failure
        assert self._read is not None
        return self._read

    def wait_primed(self) -> None:
        """Wait until every worker has a couple of chunks to work on (or all are sent), so
        that other work started now does not starve the reader."""
        if self._reader is not None:
            self._primed.wait()

    def _start(self, count: int, target: int) -> None:
        try:
            self._pool = ProcessPoolExecutor(
                max_workers=count,
                mp_context=_pool_context(),
                initializer=functools.partial(_init_worker, WORKER_MEMORY),
            )
            self._pool.submit(int)  # the processes start now, in this thread
        except Exception:  # noqa: BLE001 - no processes here (a daemon, a sandbox): analysed here
            self._shutdown()
            return
        self.workers = count
        self._reader = threading.Thread(
            target=self._feed, args=(target,), name="auditor-python-sources", daemon=True
        )
        self._reader.start()

    def _feed(self, target: int) -> None:
        """Read the sources, sending each chunk of about ``target`` characters to a worker."""
        read: list[tuple[str, str]] = []
        keys = tuple(s.key for s in self._summaries)
        try:
            if self._read is not None:
                stream: Iterable[tuple[str, str]] = self._read
            else:
                assert self._stream is not None
                stream = self._stream
            start = filled = 0
            for path, text in stream:
                read.append((path, text))
                filled += len(text)
                if filled >= target:
                    self._submit(read[start:], start, keys)
                    start, filled = len(read), 0
                    if len(self._futures) >= 2 * self.workers:
                        self._primed.set()
            if start < len(read):
                self._submit(read[start:], start, keys)
        except BaseException as exc:  # noqa: BLE001 - raised again where the sources are read
            self._failure = exc
        finally:
            self._read = tuple(read)
            self._primed.set()

    def _submit(self, chunk: list[tuple[str, str]], start: int, keys: tuple[str, ...]) -> None:
        assert self._pool is not None
        try:
            future = self._pool.submit(_analyse_chunk, chunk, self._max_depth, keys)
        except (OSError, RuntimeError):  # the pool broke: this chunk is analysed here
            future = Future()
            future.set_exception(RuntimeError("the worker pool is gone"))
        self._chunks.append((start, start + len(chunk)))
        self._futures.append(future)

    def result(self) -> tuple[PythonModule, ...]:
        """Every module, in the order of the sources (waiting for the workers if need be)."""
        if self._result is None:
            self._result = tuple(self._collect())
        return self._result

    def _collect(self) -> Iterator[PythonModule]:
        try:
            sources = self.sources  # waits for the reader, and raises what it met
            done = 0
            for (start, end), future in zip(self._chunks, self._futures, strict=False):
                try:
                    analyses = future.result()
                except Exception:  # noqa: BLE001 - a lost worker: this chunk is done here
                    yield from self._analyse_here(start, end)
                else:
                    chunk = sources[start:end]
                    for (path, text), analysis in zip(chunk, analyses, strict=True):
                        yield analysis.module(path, text, self._max_depth)
                done = end
            yield from self._analyse_here(done, len(sources))
        finally:
            self._shutdown()
            self._futures = []

    def _analyse_here(self, start: int, end: int) -> Iterator[PythonModule]:
        recursion_headroom()
        for path, text in self.sources[start:end]:
            yield analyse_module(path, text, max_depth=self._max_depth, summaries=self._summaries)

    def _shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def analyse_modules(
    sources: Sequence[tuple[str, str]], *, max_depth: int, workers: int | None = None
) -> tuple[PythonModule, ...]:
    """Analyse many modules (path, text), in worker processes when that pays.

    ``workers``: None decides from the machine and the amount of source; 1 analyses here,
    in order; more forces a pool of that size. The result is the same either way.
    """
    return PendingModules(sources, max_depth=max_depth, workers=workers).result()


def requested_workers(workers: int | None) -> int | None:
    """The number of processes asked for (``workers``, else ``$AUDITOR_WORKERS``), or None
    to decide from the machine. 1 is the sequential path: everything in this process."""
    if workers is not None:
        return max(1, workers)
    from_env = os.environ.get("AUDITOR_WORKERS", "").strip()
    return max(1, int(from_env)) if from_env.isdigit() else None


#: The address space one analysis worker may use: a crafted file that makes the parser or a
#: pattern allocate without end fails in its worker (the chunk is then analysed here, under
#: the file and token bounds) instead of taking the machine's memory.
WORKER_MEMORY = 2 << 30


def _init_worker(memory: int) -> None:
    """A worker dies with the process that started it (the audit, or the forkserver that
    ends with it), even while stuck in C code, and cannot take more than ``memory`` bytes."""
    die_with_parent(os.getppid())
    cap_memory(memory)


def _worker_count(workers: int | None, total_bytes: int) -> int:
    requested = requested_workers(workers)
    if requested is not None:
        return requested
    if multiprocessing.current_process().daemon:
        return 1  # a daemonic process (a Dask or multiprocessing worker) may have no children
    if total_bytes < PARALLEL_MIN_BYTES:
        return 1
    return max(1, min(_cores(), 8))


#: A work tree whose git index is at least this large holds enough files (a thousand or
#: so) for worker processes to be likely.
WARM_INDEX_BYTES = 64 << 10


def warm_workers(repository: Path) -> None:
    """Start the server worker processes are forked from now, for a repository large enough
    to need them, so that its imports overlap reading the repository instead of delaying
    the first worker (a quarter of a second on a large audit).

    For the command line, before any thread exists. Only the size of ``.git/index`` is
    looked at (never followed through a symlink); nothing starts with one core or worker.
    """
    if requested_workers(None) == 1 or _cores() < 2 or multiprocessing.current_process().daemon:
        return
    try:
        git = os.lstat(repository / ".git")
        index = os.lstat(repository / ".git" / "index")
    except OSError:
        return
    if not (stat.S_ISDIR(git.st_mode) and stat.S_ISREG(index.st_mode)):
        return
    methods = multiprocessing.get_all_start_methods()
    if index.st_size < WARM_INDEX_BYTES or "forkserver" not in methods:
        return
    with contextlib.suppress(Exception):  # no server here: the pool starts its own later
        _forkserver_context()
        forkserver.ensure_running()


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _forkserver_context() -> multiprocessing.context.BaseContext:
    context = multiprocessing.get_context("forkserver")
    modules = sorted({s.key.split(":", 1)[0] for s in registered_summaries()})
    context.set_forkserver_preload([__name__, *modules])
    return context


def _pool_context() -> multiprocessing.context.BaseContext | None:
    """fork while this process has one thread (cheap, and safe then); otherwise forkserver
    on POSIX (forking a process with threads can deadlock the child); the default elsewhere."""
    methods = multiprocessing.get_all_start_methods()
    if sys.platform == "darwin" or "fork" not in methods:
        return None
    if threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        return _forkserver_context()
    return None


@dataclass(frozen=True)
class _Analysis:
    """What a worker sends back for one module: everything but the text it was given."""

    error: str | None
    counts: LineCounts
    summaries: dict[str, Any]

    def module(self, path: str, text: str, max_depth: int) -> PythonModule:
        return PythonModule(
            path=path,
            text=text,
            error=self.error,
            counts=self.counts,
            is_test=is_test_path(path),
            max_depth=max_depth,
            summaries=self.summaries,
        )


def _analyse_chunk(
    sources: Sequence[tuple[str, str]], max_depth: int, keys: Sequence[str]
) -> list[_Analysis]:
    """Run in a worker process: analyse some modules and return what the parent needs."""
    recursion_headroom()
    summaries = [summary_by_key(key) for key in keys]
    analyses = []
    gc.disable()  # syntax trees hold no cycles: freed as each module is done, never traced
    try:
        for path, text in sources:
            module = analyse_module(path, text, max_depth=max_depth, summaries=summaries)
            results = {key: picklable(value) for key, value in module.summaries.items()}
            analyses.append(_Analysis(module.error, module.counts, results))
    finally:
        gc.enable()
    return analyses
