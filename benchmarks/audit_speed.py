"""How close an audit comes to the floor: the work any auditor must do anyway.

The floor, run alone and in order in a fresh interpreter: ``ruff check`` once over the tree
with the audit's options, reading and ``ast.parse``-ing every Python file once and running
radon's complexity visitor on each tree, and one ``git log`` pass over the whole history.
Floor and audit alternate on the same synthetic repository (``benchmarks/synthetic.py``) and
the medians are compared: on a shared machine absolute times drift, their ratio much less.
Both run as installed, with Python's bytecode caches (after one untimed warm-up run each),
whatever ``PYTHONDONTWRITEBYTECODE`` says.

Also measured: a re-audit answered by the results cache, ``auditor --version``, the audit's
peak memory (proportional set size of its process tree), how the cost grows with history
and with files, and repo-review on the same repository when it is installed.

Usage::

    python benchmarks/audit_speed.py [--runs 5] [--workdir DIR] [--quick]
    python benchmarks/audit_speed.py floor REPO    # the floor alone, once
"""

from __future__ import annotations

import argparse
import ast
import datetime
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synthetic  # noqa: E402 - the sibling script, found through the line above

#: The audit's ruff options (auditor.source.ruff), checked against it before measuring.
RUFF_OPTIONS = (
    "--isolated",
    "--no-cache",
    "--no-respect-gitignore",
    "--exclude",
    "",
    "--no-force-exclude",
    "--output-format",
    "json",
    "--target-version",
    "py310",
)
#: The default pack's LNT001 selection (auditor.checks.lint.DEFAULT_SELECT), checked likewise.
RUFF_SELECT = ("E4", "E7", "E9", "F", "B", "BLE", "SIM", "C4", "PLE", "UP")
#: The audit's ``git log`` (auditor.source.history), without its neutralising options.
GIT_LOG = (
    "log",
    "-z",
    "--no-renames",
    "--name-status",
    "--format=%H%x00%P%x00%an%x00%ae%x00%at%x00%B%x00",
)

MAIN_FILES, MAIN_COMMITS = 3000, 20000
HISTORY_AXIS = ((300, 1000), (300, 5000), (300, 20000))
FILES_AXIS = ((300, 1000), (1000, 1000), (3000, 1000))


# ------------------------------------------------------------------------------ the floor


def floor(repo: Path) -> None:
    """The work any auditor must do, once, in order (run in a fresh interpreter)."""
    from radon.visitors import ComplexityVisitor
    from ruff import find_ruff_bin

    select = ",".join(RUFF_SELECT)
    command = [str(find_ruff_bin()), "check", *RUFF_OPTIONS, "--exit-zero", "--select", select]
    subprocess.run([*command, "."], cwd=repo, capture_output=True, check=True)
    for folder, dirs, names in os.walk(repo):
        dirs[:] = sorted(d for d in dirs if d != ".git")
        for name in sorted(names):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8", errors="replace") as handle:
                    source = handle.read()
                try:
                    tree = ast.parse(source, filename=path)
                except (SyntaxError, ValueError):
                    continue
                ComplexityVisitor.from_ast(tree)
    with subprocess.Popen(
        ["git", *GIT_LOG, "HEAD", "--"], cwd=repo, stdout=subprocess.PIPE
    ) as proc:
        assert proc.stdout is not None
        while proc.stdout.read(1 << 16):
            pass


# ------------------------------------------------------------------------------ measuring


@dataclass
class Run:
    seconds: float
    cpu: float  # user + system time of the process and everything it waited for


def timed(argv: Sequence[str], env: dict[str, str] | None = None, *, check: bool = True) -> Run:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=check)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(seconds, cpu)


def peak_memory(argv: Sequence[str], env: dict[str, str]) -> float:
    """Peak memory of a command's process tree in MiB: the sum of proportional set sizes
    (shared pages counted once), sampled every 50 ms."""
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_pss(proc.pid))
        time.sleep(0.05)
    return peak / 1024


def _tree_pss(root: int) -> int:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as handle:
                    parent = int(handle.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry))
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        pending.extend(children.get(pid, ()))
        total += _pss_kib(pid)
    return total


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except (OSError, ValueError):
        return 0


def median(runs: Sequence[Run]) -> Run:
    return Run(statistics.median(r.seconds for r in runs), statistics.median(r.cpu for r in runs))


def alternate(
    first: Callable[[], Run], second: Callable[[], Run], times: int
) -> tuple[list[Run], list[Run]]:
    a: list[Run] = []
    b: list[Run] = []
    for _ in range(times):
        a.append(first())
        b.append(second())
    return a, b


# ------------------------------------------------------------------------------ the report


class Bench:
    def __init__(self, workdir: Path, runs: int) -> None:
        self.workdir = workdir
        self.runs = runs
        self.python = sys.executable
        self.env = dict(os.environ, AUDITOR_CACHE_DIR=str(workdir / "cache"))
        self.env.pop("AUDITOR_WORKERS", None)
        # Both are measured as installed, with bytecode caches: a machine that forbids
        # writing them (PYTHONDONTWRITEBYTECODE) would compile the auditor's 150 modules on
        # every run, twice (the worker server imports them too), and time the compiler.
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)

    def repo(self, files: int, commits: int) -> Path:
        """The synthetic repository of this size, built once and kept in the work folder."""
        path = self.workdir / f"repo-{files}-{commits}"
        stamp = path / ".git" / "benchmark-stamp"
        expected = f"{files} {commits} {_generator_digest()}"
        if stamp.is_file() and stamp.read_text() == expected:
            return path
        shutil.rmtree(path, ignore_errors=True)
        started = time.perf_counter()
        synthetic.build(path, files=files, commits=commits)
        stamp.write_text(expected)
        print(f"  built {path.name} in {time.perf_counter() - started:.1f} s", flush=True)
        return path

    def floor(self, repo: Path) -> Run:
        return timed([self.python, __file__, "floor", str(repo)], self.env)

    def audit(self, repo: Path) -> Run:
        argv = [self.python, "-m", "auditor", "audit", str(repo), "--format", "json", "--no-cache"]
        return timed(argv, self.env)

    def compare(self, repo: Path, times: int) -> tuple[Run, Run, float]:
        self.floor(repo), self.audit(repo)  # warm-up, untimed: caches written, files read
        floors, audits = alternate(lambda: self.floor(repo), lambda: self.audit(repo), times)
        ratios = [a.seconds / f.seconds for f, a in zip(floors, audits, strict=True)]
        return median(floors), median(audits), statistics.median(ratios)


def _generator_digest() -> str:
    import hashlib

    return hashlib.sha256((HERE / "synthetic.py").read_bytes()).hexdigest()[:16]


def _machine() -> str:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    memory = "?"
    try:
        with open("/proc/meminfo") as handle:
            kib = int(handle.readline().split()[1])
        memory = f"{kib / (1 << 20):.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{platform.system()} {platform.machine()}, {cores} cores, {memory} memory, "
        f"Python {platform.python_version()}, git {_git_version()}"
    )


def _git_version() -> str:
    out = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout
    return out.split()[-1] if out else "?"


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def _check_floor_matches_the_audit() -> None:
    from auditor.checks.lint import DEFAULT_SELECT
    from auditor.source import ruff

    assert tuple(ruff._COMMON_OPTIONS) == RUFF_OPTIONS, "the floor's ruff options drifted"
    assert tuple(DEFAULT_SELECT) == RUFF_SELECT, "the floor's ruff selection drifted"


def _repo_review(repo: Path) -> list[str] | None:
    """How to run repo-review on a path, or None when it is not installed here."""
    binary = shutil.which("repo-review", path=str(Path(sys.executable).parent))
    if binary is None:
        return None
    probe = subprocess.run([binary, "--version"], capture_output=True, text=True)
    return [binary, "--format", "json", str(repo)] if probe.returncode == 0 else None


def show(label: str, value: str, note: str = "") -> None:
    print(f"  {label:<52} {value:>10}  {note}".rstrip(), flush=True)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["floor"]:
        floor(Path(args[1]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="alternating runs per measure")
    parser.add_argument("--workdir", type=Path, default=None, help="keep repositories here")
    parser.add_argument("--quick", action="store_true", help="one run per scaling point")
    parser.add_argument("--no-scaling", action="store_true", help="skip the scaling table")
    options = parser.parse_args(args)
    _check_floor_matches_the_audit()
    workdir = options.workdir or Path(tempfile.gettempdir()) / "auditor-benchmark"
    workdir.mkdir(parents=True, exist_ok=True)
    bench = Bench(workdir, options.runs)
    print(f"portfolio-auditor speed, {datetime.date.today().isoformat()}: {_machine()}")
    print(f"load average at the start: {_load()}\n", flush=True)

    repo = bench.repo(MAIN_FILES, MAIN_COMMITS)
    lines = sum(p.read_bytes().count(b"\n") for p in repo.rglob("*.py") if ".git" not in p.parts)
    size = f"{MAIN_FILES:,} Python files, {lines:,} lines, {MAIN_COMMITS:,} commits"
    print(f"synthetic repository: {size}")

    base, cold, ratio = bench.compare(repo, options.runs)
    print(f"\ncold audit against the floor ({options.runs} alternating runs, medians)")
    show(
        "floor: ruff check, parse + radon cc, git log",
        f"{base.seconds:.2f} s",
        f"cpu {base.cpu:.2f} s",
    )
    show(
        "audit: auditor audit --no-cache --format json",
        f"{cold.seconds:.2f} s",
        f"cpu {cold.cpu:.2f} s",
    )
    show("ratio audit / floor (median of the pairs)", f"{ratio:.2f} x", "target <= 1.3")
    show("cpu ratio", f"{cold.cpu / base.cpu:.2f} x")

    audit_argv = [bench.python, "-m", "auditor", "audit", str(repo), "--format", "json"]
    memory = peak_memory([*audit_argv, "--no-cache"], bench.env)
    show("peak memory of the cold audit (process tree, PSS)", f"{memory:.0f} MiB", "target < 400")
    timed(audit_argv, bench.env)  # fills the cache
    again = median([timed(audit_argv, bench.env) for _ in range(options.runs)])
    show(
        "re-audit of the unchanged repository (cache hit)", f"{again.seconds:.3f} s", "target < 0.5"
    )
    version_argv = [bench.python, "-m", "auditor", "--version"]
    version = median([timed(version_argv, bench.env) for _ in range(options.runs)])
    show("auditor --version", f"{version.seconds:.3f} s", "target < 0.3")

    command = _repo_review(repo)
    if command is None:
        show("repo-review", "-", "not installed here (pip install repo-review sp-repo-review)")
    else:
        # repo-review exits non-zero when a check fails: that is a result, not an error
        review = median([timed(command, bench.env, check=False) for _ in range(options.runs)])
        show(
            "repo-review on the same repository (reference)",
            f"{review.seconds:.2f} s",
            "reads configuration files only",
        )

    if not options.no_scaling:
        scaling(bench, 1 if options.quick else max(1, (options.runs + 1) // 2))
    print(f"\nload average at the end: {_load()}")
    return 0


def scaling(bench: Bench, times: int) -> None:
    """The audit's cost against the size of history and of code. Growth is judged on cpu
    time, which other work on a shared machine inflates less than it does wall time."""
    print(f"\nscaling (medians of {times} alternating run(s); ratio = audit / floor, wall)")
    header = f"{'floor s':>8} {'audit s':>8} {'ratio':>6} {'audit cpu s':>12} {'peak MiB':>9}"
    print(f"  {'files':>6} {'commits':>8} {header}")
    for axis, points in (("commits", HISTORY_AXIS), ("files", FILES_AXIS)):
        results = []
        for files, commits in points:
            repo = bench.repo(files, commits)
            base, cold, ratio = bench.compare(repo, times)
            argv = [bench.python, "-m", "auditor", "audit", str(repo), "--format", "json"]
            memory = peak_memory([*argv, "--no-cache"], bench.env)
            results.append((files, commits, cold))
            cells = f"{base.seconds:>8.2f} {cold.seconds:>8.2f} {ratio:>6.2f}"
            cells += f" {cold.cpu:>12.2f} {memory:>9.0f}"
            print(f"  {files:>6} {commits:>8} {cells}", flush=True)
        (f0, c0, a0), (f1, c1, a1) = results[0], results[-1]
        grown = c1 / c0 if axis == "commits" else f1 / f0
        print(
            f"  {grown:.0f}x the {axis}: the audit's cpu time grows {a1.cpu / a0.cpu:.1f}x, "
            f"wall {a1.seconds / a0.seconds:.1f}x (linear or better: at most {grown:.0f}x)\n"
        )


if __name__ == "__main__":
    sys.exit(main())
