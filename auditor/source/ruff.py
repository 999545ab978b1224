"""ruff, run over the Python files committed at HEAD: once per rule selection per snapshot.

The audit judges what is committed, so ruff never sees the working tree: the snapshot's
Python files (outside vendored folders) are written into a fresh temporary folder and ruff
runs there with ``--isolated`` (the audited repository's configuration never changes a
result, and it has none to offer in that folder anyway), an explicit rule selection, no
cache, no ignore files and a clean environment. A lint run and a format check that are
wanted together share one temporary folder and run concurrently.

Results are memoised per snapshot: one ``ruff check`` per distinct selection, one ``ruff
format --check`` per line length. A missing or failing ruff raises :class:`RuffError`.

Every ``ruff check`` also selects the flake8-bandit rules the security rules read
(:func:`security_select`, from ``rules/vocabulary/security.toml``): they ride the lint run
instead of costing a second one, and :mod:`auditor.facts.lint` splits what comes back.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

from auditor.processes import limit_process_memory
from auditor.source.ruff_options import (
    SETTINGS,
    LintOptions,
    is_selector,
    per_file_ignore,
    setting,
)
from auditor.source.ruff_options import selection as _selection
from auditor.source.snapshot import Snapshot
from auditor.vocabulary import records

#: The Python version ruff judges against (the oldest one the auditor itself supports).
TARGET_VERSION = "py310"
#: ruff's code for a file it cannot parse.
SYNTAX_ERROR = "invalid-syntax"
#: Wall time allowed for one ruff process.
TIMEOUT_SECONDS = 300.0
#: Address space ruff may use (it needs far less on any real repository).
MEMORY_LIMIT = 1 << 30
#: Stack for each of ruff's threads (``RUST_MIN_STACK``).
RUST_STACK_BYTES = 16 << 20
#: ruff's own default line length (black's too).
DEFAULT_LINE_LENGTH = 88

#: Environment variables passed on to ruff; everything else (RUFF_* above all) is dropped.
_KEPT_ENVIRONMENT = ("PATH", "HOME", "LANG", "SYSTEMROOT", "TMPDIR", "TEMP", "TMP")


__all__ = [
    "DEFAULT_LINE_LENGTH",
    "RUST_STACK_BYTES",
    "SETTINGS",
    "SYNTAX_ERROR",
    "TARGET_VERSION",
    "TIMEOUT_SECONDS",
    "Diagnostic",
    "FormatReport",
    "LintOptions",
    "LintReport",
    "RuffError",
    "format_check",
    "is_selector",
    "lint",
    "per_file_ignore",
    "setting",
]


class RuffError(RuntimeError):
    """ruff is missing, failed, timed out or printed something we cannot read."""


@dataclass(frozen=True)
class Diagnostic:
    """One problem ruff reported: its code, the repository path and the 1-based line."""

    code: str
    path: str
    line: int
    message: str
    column: int = 1  # 1-based, in characters


@dataclass(frozen=True)
class LintReport:
    """``ruff check`` over the committed Python files with one rule selection.

    ``diagnostics`` also holds those of :func:`security_select`, which every run selects.
    """

    select: tuple[str, ...]
    files: tuple[str, ...]  # the repository paths that were linted
    diagnostics: tuple[Diagnostic, ...]


@dataclass(frozen=True)
class FormatReport:
    """``ruff format --check`` over the committed Python files."""

    line_length: int
    files: tuple[str, ...]  # the repository paths that were checked
    unformatted: tuple[str, ...]  # files ruff would reformat
    unparseable: tuple[str, ...]  # files ruff could not parse (so could not judge)


def lint(
    snapshot: Snapshot,
    select: Sequence[str],
    *,
    ignore: Sequence[str] = (),
    per_file_ignores: Sequence[tuple[str, str]] = (),
    line_length: int | None = None,
    settings: Sequence[str] = (),
    with_format: int | None = None,
) -> LintReport:
    """``ruff check --select SELECT`` over the snapshot's Python files (memoised).

    ``with_format`` names a line length when a format check is likely to be wanted too: if
    neither has run yet, both run concurrently in one temporary folder. ``ignore``,
    ``per_file_ignores`` (``(glob, code)`` pairs), ``line_length`` and ``settings`` (see
    :func:`setting`) carry a project's own configuration, already validated.
    """
    formatted_at = _line_length(with_format) if with_format is not None else None
    options = LintOptions(
        _selection(select),
        _selection(ignore) if ignore else (),
        tuple(per_file_ignore(pattern, code) for pattern, code in per_file_ignores),
        _line_length(line_length) if line_length is not None else None,
        tuple(settings),
    )
    report, _ = _cache(snapshot).get(options, formatted_at)
    assert report is not None
    return report


def format_check(
    snapshot: Snapshot,
    *,
    line_length: int = DEFAULT_LINE_LENGTH,
    with_select: Sequence[str] | None = None,
) -> FormatReport:
    """``ruff format --check`` over the snapshot's Python files (memoised per line length).

    ``with_select`` names a rule selection whose lint run is likely to be wanted too.
    """
    options = LintOptions(_selection(with_select)) if with_select is not None else None
    _, report = _cache(snapshot).get(options, _line_length(line_length))
    assert report is not None
    return report


# ------------------------------------------------------------------------------ the cache


@dataclass
class _RuffCache:
    """The ruff results of one snapshot; a failure is remembered and raised again."""

    snapshot: Snapshot
    lints: dict[LintOptions, LintReport | RuffError] = field(default_factory=dict)
    formats: dict[int, FormatReport | RuffError] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(
        self, select: LintOptions | None, line_length: int | None
    ) -> tuple[LintReport | None, FormatReport | None]:
        with self.lock:
            missing_select = select if select is not None and select not in self.lints else None
            missing_length = (
                line_length if line_length is not None and line_length not in self.formats else None
            )
            if missing_select is not None or missing_length is not None:
                linted, formatted = _run(self.snapshot, missing_select, missing_length)
                if missing_select is not None and linted is not None:
                    self.lints[missing_select] = linted
                if missing_length is not None and formatted is not None:
                    self.formats[missing_length] = formatted
            lint_result = self.lints[select] if select is not None else None
            format_result = self.formats[line_length] if line_length is not None else None
        if isinstance(lint_result, RuffError):
            raise lint_result
        if isinstance(format_result, RuffError):
            raise format_result
        return lint_result, format_result


def _new_cache(snapshot: Snapshot) -> _RuffCache:
    return _RuffCache(snapshot)


def _cache(snapshot: Snapshot) -> _RuffCache:
    return snapshot.memo(_new_cache)


@cache
def security_select() -> tuple[str, ...]:
    """The ruff codes every ``ruff check`` selects besides the one asked for: the records of
    ``unsafe_code`` in ``rules/vocabulary/security.toml`` whose source is ruff."""
    found = records("security", "unsafe_code", SECURITY_RECORD_FIELDS)
    return tuple(str(r["id"]) for r in found if r.get("source") == "ruff")


#: The fields a record of ``security:unsafe_code`` may hold.
SECURITY_RECORD_FIELDS = ("id", "source", "kind", "severity", "why", "safe", "only_when")


def _line_length(value: int) -> int:
    if isinstance(value, bool) or not 1 <= value <= 320:
        raise ValueError(f"line length {value!r} is outside ruff's range 1-320")
    return value


# ------------------------------------------------------------------------------ running


def _run(
    snapshot: Snapshot, select: LintOptions | None, line_length: int | None
) -> tuple[LintReport | RuffError | None, FormatReport | RuffError | None]:
    """Run what is asked for in one temporary folder; each result, or why it failed."""
    try:
        binary = _ruff_binary()
    except RuffError as exc:
        return (exc if select is not None else None, exc if line_length is not None else None)
    commands: dict[str, list[str]] = {}
    if select is not None:
        commands["check"] = [binary, "check", *_COMMON_OPTIONS, "--exit-zero"]
        # The security rules ride along, whatever the project's own configuration ignores:
        # code unsafe on its face is not excused by a project's ignore list.
        riding = tuple(code for code in security_select() if code not in select.select)
        ignore = tuple(i for i in select.ignore if not any(c.startswith(i) for c in riding))
        ride = replace(select, select=select.select + riding, ignore=ignore)
        commands["check"] += [*ride.arguments(), "."]
    if line_length is not None:
        commands["format"] = [binary, "format", "--check", *_COMMON_OPTIONS]
        commands["format"] += ["--line-length", str(line_length), "."]
    with tempfile.TemporaryDirectory(prefix="auditor-ruff-", dir=_scratch(snapshot)) as tmp:
        root = Path(os.path.realpath(tmp))
        files = _materialise(snapshot, root)
        outputs = _run_all(commands, root) if files else {name: [] for name in commands}
        # ruff's parser recurses once per level of nesting and aborts the whole run on a file
        # nested thousands deep; Python gave up on those files too, so ruff can.
        overflowed = any(
            isinstance(o, RuffError) and "stack overflow" in str(o) for o in outputs.values()
        )
        if overflowed and _leave_out_too_deep(snapshot, files):
            outputs = _run_all(commands, root) if files else {name: [] for name in commands}
    paths = tuple(sorted(files.values()))
    lint_report: LintReport | RuffError | None = None
    format_report: FormatReport | RuffError | None = None
    if select is not None:
        check = outputs["check"]
        lint_report = (
            check
            if isinstance(check, RuffError)
            else LintReport(select.select, paths, tuple(_diagnostics(check, root, files)))
        )
    if line_length is not None:
        output = outputs["format"]
        format_report = (
            output
            if isinstance(output, RuffError)
            else _format_report(line_length, paths, output, root, files)
        )
    return lint_report, format_report


def _format_report(
    line_length: int,
    paths: tuple[str, ...],
    output: list[dict[str, Any]],
    root: Path,
    files: dict[str, str],
) -> FormatReport:
    found = list(_diagnostics(output, root, files))
    return FormatReport(
        line_length=line_length,
        files=paths,
        unformatted=tuple(sorted({d.path for d in found if d.code != SYNTAX_ERROR})),
        unparseable=tuple(sorted({d.path for d in found if d.code == SYNTAX_ERROR})),
    )


#: Options both commands share: no configuration, no cache, no ignore files, no default
#: excludes (vendored folders are never written, so everything written is the candidate's).
_COMMON_OPTIONS = (
    "--isolated",
    "--no-cache",
    "--no-respect-gitignore",
    "--exclude",
    "",
    "--no-force-exclude",
    "--output-format",
    "json",
    "--target-version",
    TARGET_VERSION,
)


def _ruff_binary() -> str:
    try:
        from ruff import find_ruff_bin

        return str(find_ruff_bin())
    except (ImportError, FileNotFoundError):
        found = shutil.which("ruff")
    if found is None:
        raise RuffError("ruff is not installed (pip install ruff)")
    return found


def _leave_out_too_deep(snapshot: Snapshot, files: dict[str, str]) -> bool:
    """Delete the written files Python could not parse for their depth or size (not for a
    syntax error, which ruff reports itself); whether there were any."""
    too_deep = {
        m.path
        for m in snapshot.python_modules
        if m.error is not None and not m.error.startswith("syntax error")
    }
    left_out = [disk for disk, path in files.items() if path in too_deep]
    for disk in left_out:
        os.remove(disk)
        snapshot.note(f"ruff: skipped {files.pop(disk)!r}: nested too deeply to lint")
    return bool(left_out)


def _scratch(snapshot: Snapshot) -> str | None:
    """Where to write the files ruff reads: a memory-backed /dev/shm when there is one with
    room to spare and no TMPDIR says otherwise (creating thousands of small files on a disk
    costs a second; in memory a tenth of that), else the usual temporary folder."""
    shm = "/dev/shm"
    if os.environ.get("TMPDIR") or not os.path.isdir(shm) or not os.access(shm, os.W_OK):
        return None
    try:
        usage = os.statvfs(shm)
    except OSError:
        return None
    needed = 4 * sum(len(text) for _, text in snapshot.python_sources) + (16 << 20)
    return shm if usage.f_bavail * usage.f_frsize > needed else None


def _materialise(snapshot: Snapshot, root: Path) -> dict[str, str]:
    """Write the snapshot's Python files below ``root``; absolute path on disk -> repo path."""
    written: dict[str, str] = {}
    made: set[str] = set()  # folders created already: one mkdir each, not one per file
    # The sources, not the parsed modules: ruff need not wait for the Python analysis.
    for path, text in snapshot.python_sources:
        target = _inside(root, path)
        if target is None:
            snapshot.note(f"ruff: skipped a Python file with an unsafe path: {path!r}")
            continue
        try:
            folder = os.path.dirname(target)
            if folder not in made:
                os.makedirs(folder, exist_ok=True)
                made.add(folder)
            with open(target, "x", encoding="utf-8", errors="replace", newline="") as out:
                out.write(text)
        except (OSError, UnicodeError):
            snapshot.note(f"ruff: could not prepare {path!r} for linting")
            continue
        written[str(target)] = path
    return written


def _inside(root: Path, path: str) -> Path | None:
    """Where a repository path lands below ``root``, or None if it could land anywhere else."""
    if "\x00" in path or "\\" in path:
        return None
    parts = path.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return None  # absolute ("" first), "a//b", "./a" and ".." are never a tracked path
    # Every part is a plain name: the path lands below root, and is never root itself.
    return Path(f"{root}/{path}")


def _environment() -> dict[str, str]:
    env = {name: os.environ[name] for name in _KEPT_ENVIRONMENT if name in os.environ}
    env["NO_COLOR"] = "1"
    # ruff lints in worker threads whose stacks (2 MiB) overflow on code Python accepts (a
    # hundred nested blocks): give them the main thread's room, and then some.
    env["RUST_MIN_STACK"] = str(RUST_STACK_BYTES)
    return env


def _run_all(
    commands: dict[str, list[str]], cwd: Path
) -> dict[str, list[dict[str, Any]] | RuffError]:
    """Run the commands concurrently; each one's parsed JSON output (or its failure), by name."""
    if len(commands) == 1:
        ((name, command),) = commands.items()
        return {name: _run_one(command, cwd)}
    with ThreadPoolExecutor(max_workers=len(commands)) as pool:
        futures = {name: pool.submit(_run_one, command, cwd) for name, command in commands.items()}
        return {name: future.result() for name, future in futures.items()}


def _run_one(command: list[str], cwd: Path) -> list[dict[str, Any]] | RuffError:
    verb = " ".join(command[1:3]) if command[1] == "format" else command[1]
    try:
        proc = subprocess.Popen(
            command,
            cwd=cwd,
            env=_environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    except OSError as exc:
        return RuffError(f"cannot run ruff: {exc}")
    limit_process_memory(proc.pid, MEMORY_LIMIT)
    try:
        stdout, stderr = proc.communicate(timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return RuffError(f"ruff {verb} took longer than {TIMEOUT_SECONDS:.0f} s")
    result = subprocess.CompletedProcess(command, proc.returncode, stdout, stderr)
    # `format --check` exits 1 when files would change and 2 when one cannot be parsed;
    # both still print the JSON list. Anything else (or no list) is a real failure.
    try:
        data = json.loads(result.stdout.decode("utf-8", "replace"))
    except ValueError:
        data = None
    if result.returncode not in (0, 1, 2) or not isinstance(data, list):
        detail = result.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = detail[-1] if detail else f"exit code {result.returncode}"
        return RuffError(f"ruff {verb} failed: {reason}")
    return [item for item in data if isinstance(item, dict)]


def _diagnostics(
    items: list[dict[str, Any]], root: Path, files: dict[str, str]
) -> Iterable[Diagnostic]:
    for item in items:
        filename = str(item.get("filename") or "")
        path = files.get(filename) or files.get(os.path.realpath(filename))
        if path is None:
            relative = os.path.relpath(filename, root) if filename else ""
            if not relative or relative.startswith(".."):
                continue  # not one of ours: nothing to report against the repository
            path = PurePosixPath(*Path(relative).parts).as_posix()
        location = item.get("location") or {}
        row = location.get("row") if isinstance(location, dict) else None
        column = location.get("column") if isinstance(location, dict) else None
        yield Diagnostic(
            code=str(item.get("code") or SYNTAX_ERROR),
            path=path,
            line=row if isinstance(row, int) and row > 0 else 1,
            message=str(item.get("message") or ""),
            column=column if isinstance(column, int) and column > 0 else 1,
        )
