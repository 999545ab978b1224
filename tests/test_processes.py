"""The audit's worker processes die with their parent and cannot take the machine's memory."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux facilities")

PARENT = textwrap.dedent(
    """
    import functools, os, signal, sys, time
    from concurrent.futures import ProcessPoolExecutor
    from auditor.source.languages.python_workers import WORKER_MEMORY, _init_worker

    def stuck(_):
        import re
        re.match(r"(a+)+$", "a" * 64 + "!")  # exponential: never returns to Python
        return os.getpid()

    def pid(_):
        return os.getpid()

    def allocate(_):
        try:
            bytearray(3 << 30)
        except MemoryError:
            return "MemoryError"
        return "allocated"

    pool = ProcessPoolExecutor(2, initializer=functools.partial(_init_worker, WORKER_MEMORY))
    print(pool.submit(allocate, 0).result(), flush=True)
    pids = set(pool.map(pid, range(8)))
    print(" ".join(map(str, sorted(pids))), flush=True)
    for _ in range(2):
        pool.submit(stuck, 0)
    time.sleep(1)
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_a_worker_stuck_in_c_code_dies_with_the_audit_and_its_memory_is_capped() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PARENT], capture_output=True, text=True, timeout=60, check=False
    )
    lines = done.stdout.splitlines()
    assert lines[0] == "MemoryError", done.stderr
    workers = [int(pid) for pid in lines[1].split()]
    assert workers and os.getpid() not in workers
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers), "a worker outlived the audit"
