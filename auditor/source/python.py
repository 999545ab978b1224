"""Python modules parsed once: line counts from one scan of the text, per-module summaries
from one walk of the syntax tree, computed where the tree is parsed.

A syntax tree is expensive to build and more expensive to move between processes (unpickling
one costs more than parsing the source again), so trees never travel. Checks that need a tree
declare a *module summary* (:func:`module_summary`): a pure function of one parsed module
returning small picklable data. Every registered summary runs right after the module is
parsed, in the same process, and only the summaries come back. A large repository's modules
are analysed in worker processes (:func:`analyse_modules`), never threads: CPython's parser
is not safe in two threads while the garbage collector runs (gh-106905).

``PythonModule.tree`` still gives the tree of one file (setup.py, noxfile.py): it is parsed
again on first use, which is cheap for one file and wasteful for all of them.
"""

from __future__ import annotations

import ast
import importlib
import io
import multiprocessing
import os
import pickle
import re
import sys
import threading
import tokenize
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")

# CPython's parser is not safe to run from two threads while the garbage collector runs
# (gh-106905: "AST constructor recursion depth mismatch"); parsing is serialised.
_PARSE_LOCK = threading.Lock()
#: Below this much Python source, worker processes cost more than they save.
PARALLEL_MIN_BYTES = 1 << 20


@dataclass(frozen=True)
class LineCounts:
    """Physical line counts of one file, from a single tokenize pass."""

    lines: int  # physical lines
    code: int  # lines holding at least one code token (radon's "sloc")
    comments: int  # lines holding a comment
    blank: int
    docstring: int  # lines inside module/class/function docstrings (counted in ``code`` too)


@dataclass(frozen=True)
class ParsedModule:
    """What a module summary sees: one module's tree and the nodes of one walk of it."""

    path: str
    text: str
    tree: ast.Module
    nodes: Sequence[ast.AST]  # every node, in :func:`ast.walk` order
    is_test: bool
    counts: LineCounts

    def nodes_of(self, *kinds: type[ast.AST]) -> list[ast.AST]:
        """The nodes of these kinds, in :func:`ast.walk` order (one quick pass over ``nodes``)."""
        wanted = frozenset(kinds)
        return [node for node in self.nodes if type(node) in wanted]


class ModuleSummary(Generic[T]):
    """A fact about one module, computed from its tree (see :func:`module_summary`).

    Call it with a :class:`PythonModule` to get the module's value; a summary that raised
    raises the same exception again.
    """

    def __init__(self, compute: Callable[[ParsedModule], T]) -> None:
        self.compute = compute
        self.key = f"{compute.__module__}:{compute.__qualname__}"
        self.__doc__ = compute.__doc__
        self.__name__ = compute.__name__

    def __call__(self, module: PythonModule) -> T:
        return module.summary(self)

    def __repr__(self) -> str:
        return f"<module summary {self.key}>"


_SUMMARIES: dict[str, ModuleSummary[Any]] = {}


def module_summary(compute: Callable[[ParsedModule], T]) -> ModuleSummary[T]:
    """Register a pure function of one parsed module, run wherever the module is parsed.

    The function must be defined at the top level of a module (workers find it by name) and
    return picklable data. It runs once per parsed module, tests included; modules Python
    cannot parse have no summaries (check :attr:`PythonModule.parsed` first).
    """
    summary = ModuleSummary(compute)
    _SUMMARIES[summary.key] = summary
    return summary


def registered_summaries() -> tuple[ModuleSummary[Any], ...]:
    return tuple(_SUMMARIES.values())


@dataclass(frozen=True)
class _Raised:
    """A summary that raised: the exception is raised again when the summary is read."""

    exc: Exception


@dataclass(frozen=True, eq=False)
class PythonModule:
    """One Python file at HEAD: its text, why it does not parse (if so), its lines, and the
    summaries of its tree."""

    path: str
    text: str
    error: str | None  # None when the module parsed
    counts: LineCounts
    is_test: bool
    max_depth: int = 400
    summaries: dict[str, Any] = field(default_factory=dict, repr=False)
    _tree: list[ast.Module] = field(default_factory=list, repr=False)

    @property
    def parsed(self) -> bool:
        """Whether Python parsed the module (within the depth bound)."""
        return self.error is None

    @property
    def tree(self) -> ast.Module | None:
        """The syntax tree (parsed again on first use), or None when the module does not parse.

        Prefer a :func:`module_summary`: reading the tree of every module parses each twice.
        """
        if self.error is not None:
            return None
        if not self._tree:
            tree = _parse(self.text, self.path)
            if not self._tree:
                self._tree.append(tree)
        return self._tree[0]

    def summary(self, summary: ModuleSummary[T]) -> T:
        """The value of one summary for this module (computed now if it is registered late)."""
        if self.error is not None:
            raise ValueError(f"{self.path} does not parse: it has no {summary.__name__}")
        value = self.summaries.get(summary.key, _MISSING)
        if value is _MISSING:
            tree = self.tree
            assert tree is not None
            nodes, _, _ = _walk(tree, sys.maxsize)
            parsed = ParsedModule(self.path, self.text, tree, nodes, self.is_test, self.counts)
            value = _run_summary(summary, parsed)
            self.summaries[summary.key] = value
        if isinstance(value, _Raised):
            raise value.exc
        return value  # type: ignore[no-any-return]


_MISSING: Any = object()


def is_test_path(path: str) -> bool:
    """Whether a path looks like test code by the conventions pytest and unittest use."""
    parts = path.split("/")
    name = parts[-1]
    if name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py":
        return True
    return any(part in ("tests", "test", "testing") for part in parts[:-1])


# ------------------------------------------------------------------------------ one module


def analyse_module(
    path: str,
    text: str,
    *,
    max_depth: int,
    summaries: Sequence[ModuleSummary[Any]] | None = None,
) -> PythonModule:
    """Parse one file, count its lines and run the summaries on its tree.

    A file Python cannot parse (or nested deeper than ``max_depth``) gets an ``error`` and no
    summaries; nothing raises. The tree is not kept.
    """
    if summaries is None:
        summaries = registered_summaries()
    is_test = is_test_path(path)
    try:
        tree = _parse(text, path)
    except SyntaxError as exc:
        error = f"syntax error at line {exc.lineno}: {exc.msg}"
        return _unparsed(path, text, error, is_test, max_depth)
    except (ValueError, MemoryError, RecursionError) as exc:
        return _unparsed(path, text, f"cannot parse: {type(exc).__name__}", is_test, max_depth)
    nodes, depth, docstring_lines = _walk(tree, max_depth)
    if depth > max_depth:
        docstring_lines = _docstring_lines_within(tree, max_depth)
        error = f"nested deeper than {max_depth} levels"
        return _unparsed(path, text, error, is_test, max_depth, docstring_lines)
    counts = count_lines(text, docstring_lines, parsed=True)
    parsed = ParsedModule(path, text, tree, nodes, is_test, counts)
    return PythonModule(
        path=path,
        text=text,
        error=None,
        counts=counts,
        is_test=is_test,
        max_depth=max_depth,
        summaries={s.key: _run_summary(s, parsed) for s in summaries},
    )


def _unparsed(
    path: str, text: str, error: str, is_test: bool, max_depth: int, docstring_lines: int = 0
) -> PythonModule:
    counts = count_lines(text, docstring_lines)
    return PythonModule(path, text, error, counts, is_test, max_depth)


def _parse(text: str, path: str) -> ast.Module:
    with _PARSE_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarnings from the audited code are not ours
        return ast.parse(text, filename=path)


def _run_summary(summary: ModuleSummary[Any], module: ParsedModule) -> Any:
    try:
        return summary.compute(module)
    except Exception as exc:  # noqa: BLE001 - kept, and raised where the summary is read
        return _Raised(exc)


_SCOPES = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def _walk(tree: ast.Module, limit: int) -> tuple[list[ast.AST], int, int]:
    """One breadth-first walk: every node in :func:`ast.walk` order, the tree's nesting depth
    (stopping past ``limit``, so a deep tree cannot run long) and the lines in docstrings."""
    nodes: list[ast.AST] = []
    level: list[ast.AST] = [tree]
    depth = docstring_lines = 0
    AST = ast.AST
    while level:
        depth += 1
        if depth > limit:
            break
        nodes.extend(level)
        following: list[ast.AST] = []
        append = following.append
        for node in level:
            if isinstance(node, _SCOPES) and node.body:
                docstring_lines += _docstring_span(node.body[0])
            for name in node._fields:
                value = getattr(node, name, None)
                if isinstance(value, AST):
                    append(value)
                elif isinstance(value, list):
                    for item in value:
                        if isinstance(item, AST):
                            append(item)
        level = following
    return nodes, depth, docstring_lines


def _docstring_span(first: ast.stmt) -> int:
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        return (first.end_lineno or first.lineno) - first.lineno + 1
    return 0


def _docstring_lines_within(tree: ast.AST, limit: int) -> int:
    """Docstring lines met by a depth-first walk that stops past ``limit`` (for a tree too
    deep to analyse, whose line counts still report the docstrings seen before the bound)."""
    deepest = docstring_lines = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                break
        if isinstance(node, _SCOPES) and node.body:
            docstring_lines += _docstring_span(node.body[0])
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return docstring_lines


def count_lines(text: str, docstring_lines: int = 0, *, parsed: bool = False) -> LineCounts:
    """Line counts from one tokenize pass (radon's raw analysis is quadratic on long statements).

    ``parsed``: Python parsed the text, so one regular-expression scan gives the same counts
    as :mod:`tokenize`, several times faster (see :func:`_scan_lines`).
    """
    lines = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
    blank = sum(1 for line in text.splitlines() if not line.strip())
    if parsed and text.count("\r") == text.count("\r\n"):
        code, comments = _scan_lines(text)
        return LineCounts(lines, code, comments, blank, docstring_lines)
    code_lines: set[int] = set()
    comment_lines: set[int] = set()
    skip = {
        tokenize.NL,
        tokenize.NEWLINE,
        tokenize.INDENT,
        tokenize.DEDENT,
        tokenize.ENDMARKER,
        tokenize.ENCODING,
        tokenize.COMMENT,
    }
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                comment_lines.add(tok.start[0])
            elif tok.type not in skip:
                code_lines.update(range(tok.start[0], tok.end[0] + 1))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass  # unparseable file: count what was tokenized before the error
    return LineCounts(
        lines=lines,
        code=len(code_lines),
        comments=len(comment_lines),
        blank=blank,
        docstring=docstring_lines,
    )


#: What :func:`_scan_lines` looks for in source Python parsed: a comment, a string literal
#: (any prefix, triple-quoted or not, escapes and backslash-newlines inside), or a
#: backslash continuation. Outside these, a quote always opens a string and ``#`` a comment.
_LINE_SCAN = re.compile(
    r"(?P<comment>#[^\r\n]*)"
    r"|(?P<string>[rRbBuUfF]{0,2}(?:"
    r"'''[^'\\]*(?:(?:\\[\s\S]|'(?!''))[^'\\]*)*'''"
    r'|"""[^"\\]*(?:(?:\\[\s\S]|"(?!""))[^"\\]*)*"""'
    r"|'[^'\\\r\n]*(?:\\(?:\r\n|[\s\S])[^'\\\r\n]*)*'"
    r'|"[^"\\\r\n]*(?:\\(?:\r\n|[\s\S])[^"\\\r\n]*)*"'
    r"))"
    r"|(?P<continuation>\\\r?\n)"
)


def _scan_lines(text: str) -> tuple[int, int]:
    """(code lines, comment lines) of source Python parsed, as a tokenize pass counts them.

    A line holds code when it has a token other than a comment: any character outside
    comments and continuations, or any part of a string literal (all the lines a multi-line
    string spans). Checked against tokenize on every file of CPython's standard library
    and of a virtual environment's site-packages (about 25,000 files): identical counts.
    Lone carriage returns, which tokenize and the parser read differently, are left to
    tokenize.
    """
    code: set[int] = set()
    comments: set[int] = set()
    pieces: list[str] = []  # the text with comments, strings and continuations taken out
    last = 0
    row = 1
    count = text.count
    for match in _LINE_SCAN.finditer(text):
        start, end = match.span()
        row += count("\n", last, start)
        pieces.append(text[last:start])
        last = end
        if match.lastgroup == "comment":
            comments.add(row)
            continue
        breaks = count("\n", start, end)
        if match.lastgroup == "string":
            code.update(range(row, row + breaks + 1))
            pieces.append("\n" * breaks)
        else:
            pieces.append("\n")
        row += breaks
    pieces.append(text[last:])
    rows = "".join(pieces).split("\n")
    code.update(number for number, line in enumerate(rows, 1) if line.strip())
    return len(code), len(comments)


def recursion_headroom() -> None:
    """Give the parser room for deep but legitimate code without risking the interpreter."""
    if sys.getrecursionlimit() < 4000:
        sys.setrecursionlimit(4000)


# ------------------------------------------------------------------------------ many modules


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
            self._pool = ProcessPoolExecutor(max_workers=count, mp_context=_pool_context())
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


def _worker_count(workers: int | None, total_bytes: int) -> int:
    requested = requested_workers(workers)
    if requested is not None:
        return requested
    if multiprocessing.current_process().daemon:
        return 1  # a daemonic process (a Dask or multiprocessing worker) may have no children
    if total_bytes < PARALLEL_MIN_BYTES:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(cores, 8))


def _pool_context() -> multiprocessing.context.BaseContext | None:
    """fork while this process has one thread (cheap, and safe then); otherwise forkserver
    on POSIX (forking a process with threads can deadlock the child); the default elsewhere."""
    methods = multiprocessing.get_all_start_methods()
    if sys.platform == "darwin" or "fork" not in methods:
        return None
    if threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        modules = sorted({s.key.split(":", 1)[0] for s in _SUMMARIES.values()})
        context.set_forkserver_preload([__name__, *modules])
        return context
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
    summaries = [_summary_by_key(key) for key in keys]
    analyses = []
    for path, text in sources:
        module = analyse_module(path, text, max_depth=max_depth, summaries=summaries)
        results = {key: _picklable(value) for key, value in module.summaries.items()}
        analyses.append(_Analysis(module.error, module.counts, results))
    return analyses


def _summary_by_key(key: str) -> ModuleSummary[Any]:
    if key not in _SUMMARIES:
        importlib.import_module(key.split(":", 1)[0])  # a fresh worker: registers its summaries
    return _SUMMARIES[key]


def _picklable(value: Any) -> Any:
    if isinstance(value, _Raised):
        try:
            pickle.dumps(value.exc)
        except Exception:  # noqa: BLE001 - any exception type may refuse pickling
            return _Raised(RuntimeError(f"{type(value.exc).__name__}: {value.exc}"))
    return value
