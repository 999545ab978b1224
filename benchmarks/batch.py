"""Time ``auditor batch`` over 100 local candidates: the process pool and a Dask cluster.

Usage: ``python benchmarks/batch.py [--candidates 100] [--jobs 1 2 4] [--scheduler local:2]``

The local process pool runs with each ``--jobs`` value; then, when Dask is installed
(``pip install -e '.[dask]'``), the batch runs on each ``--scheduler`` (default ``local:2``:
a LocalCluster of two worker processes, beside ``--jobs 2``). ``--scheduler`` with no value
leaves Dask out.

Each candidate owns one repository (alternately the strong and the weak example project of
the test suite, each published as its own bare repository, so every one is cloned and audited
on its own). Accounts come from the test suite's stand-in GitHub API on 127.0.0.1; nothing
leaves the machine. Every setting starts from an empty output folder and an empty clone
cache (a cold run: blobless clone, blob fetch, audit, cards); then each command runs again on
its warm store and cache, to show what a resumed or repeated batch costs.

Reported: wall time, repositories per second, and peak memory two ways: the largest single
process (``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``, taken in a fresh wrapper
process per run so runs do not mix) and, on Linux, the largest sum over the batch's whole
process tree (sampled every 50 ms from /proc).
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.github_standin import Repo, StandInGitHub, User, publish  # noqa: E402
from tests.projects import build_strong_project, build_weak_project  # noqa: E402

#: Runs one command and prints its children's peak RSS (KiB on Linux, bytes on macOS).
WRAPPER = """
import json, resource, subprocess, sys
code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"code": code, "maxrss": usage.ru_maxrss}))
"""


def machine() -> dict[str, str]:
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    git = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()
    return {
        "date": datetime.date.today().isoformat(),
        "cpus": str(os.cpu_count()),
        "memory": memory or "unknown",
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "git": git,
    }


def tree_rss_kib(root_pid: int) -> int:
    """The summed resident memory of a process and all its descendants (Linux), in KiB."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        parents[int(entry.name)] = int(fields[1])
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss[int(entry.name)] = int(line.split()[1])
    family = {root_pid}
    changed = True
    while changed:
        changed = False
        for pid, parent in parents.items():
            if parent in family and pid not in family:
                family.add(pid)
                changed = True
    return sum(rss.get(pid, 0) for pid in family)


def run(command: list[str]) -> dict[str, float]:
    started = time.perf_counter()
    wrapper = subprocess.Popen(
        [sys.executable, "-c", WRAPPER, *command], stdout=subprocess.PIPE, text=True
    )
    peak_tree = 0
    linux = Path("/proc/self/stat").exists()
    while wrapper.poll() is None:
        if linux:
            peak_tree = max(peak_tree, tree_rss_kib(wrapper.pid))
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    out = json.loads(wrapper.stdout.read() if wrapper.stdout else "{}")
    scale = 1024 if sys.platform == "darwin" else 1  # ru_maxrss is bytes on macOS
    return {
        "code": out["code"],
        "seconds": seconds,
        "maxrss_mib": out["maxrss"] / scale / 1024,
        "tree_mib": peak_tree / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=100)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--scheduler", nargs="*", default=["local:2"])
    args = parser.parse_args()
    settings = [(f"--jobs {jobs}", ["--jobs", str(jobs)]) for jobs in args.jobs]
    if args.scheduler and importlib.util.find_spec("distributed") is None:
        print("Dask is not installed: --scheduler runs left out", file=sys.stderr)
    elif args.scheduler:
        settings += [(f"--scheduler {s}", ["--scheduler", s]) for s in args.scheduler]
    work = Path(tempfile.mkdtemp(prefix="auditor-batch-bench-"))
    print(f"building {args.candidates} candidate repositories in {work} …", file=sys.stderr)
    sources = [build_strong_project(work / "src-strong"), build_weak_project(work / "src-weak")]
    standin = StandInGitHub().start()
    logins = []
    for n in range(args.candidates):
        login = f"candidate-{n:03}"
        url = publish(sources[n % 2], work / "served" / f"{login}.git")
        standin.add_user(User(login, f"Candidate {n}", [Repo("portfolio", url)]))
        logins.append(login)
    (work / "candidates.txt").write_text("\n".join(logins) + "\n", encoding="utf-8")

    def command(options: list[str], name: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            "auditor",
            "batch",
            "--from-file",
            str(work / "candidates.txt"),
            "--out",
            str(work / name / "out"),
            "--cache-dir",
            str(work / name / "cache"),
            "--github-url",
            standin.base_url,
            "--request-interval",
            "0",
            *options,
            "--no-progress",
        ]

    results = []
    try:
        for kind in ("cold", "warm"):
            for n, (label, options) in enumerate(settings):
                print(f"{label}: {kind} run …", file=sys.stderr)
                results.append((kind, label, run(command(options, f"run{n}"))))
    finally:
        standin.stop()
        shutil.rmtree(work, ignore_errors=True)
    info = machine()
    print(
        f"auditor batch, {args.candidates} candidates x 1 repository, {info['date']}, "
        f"{info['cpus']} CPUs, {info['memory']}, Python {info['python']}, {info['git']}"
    )
    print()
    print("| run | executor | wall time | repos/s | peak RSS, largest process | peak RSS, all |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for kind, label, result in results:
        if result["code"] != 0:
            print(f"| {kind} | `{label}` | failed with exit code {result['code']:.0f} | | | |")
            continue
        tree = f"{result['tree_mib']:.0f} MiB" if result["tree_mib"] else "n/a"
        print(
            f"| {kind} | `{label}` | {result['seconds']:.1f} s | "
            f"{args.candidates / result['seconds']:.1f} | {result['maxrss_mib']:.0f} MiB | {tree} |"
        )
    return 0 if all(r["code"] == 0 for _, _, r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
