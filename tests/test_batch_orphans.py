"""A batch's worker processes die with the batch, even while stuck in C code.

A worker stuck in a regular expression holds the GIL: a watcher thread in it never runs.
So the parent is killed with SIGKILL while its worker is stuck, and the worker must be gone
within seconds rather than spin on under PID 1.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PARENT = """
import os, sys, time
from auditor.batch.runner import process_pool
from tests.test_batch_orphans import stuck_in_a_regex
pool = process_pool(1)
print(pool.submit(os.getpid).result(), flush=True)
pool.submit(stuck_in_a_regex)
time.sleep(1.0)
print("stuck", flush=True)
time.sleep(600)
"""


def stuck_in_a_regex() -> bool:
    """Exponential backtracking: minutes of C code that never releases the GIL."""
    import re

    return re.match(r"^(a+)+$", "a" * 40 + "!") is not None


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")  # a zombie has stopped running


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_worker_stuck_in_c_code_dies_with_its_parent() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    worker = 0
    try:
        assert parent.stdout is not None
        worker = int(parent.stdout.readline())
        assert parent.stdout.readline().strip() == "stuck"
        assert _alive(worker)

        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 5
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.1)

        assert not _alive(worker), "the worker outlived its parent"
    finally:
        parent.kill()
        parent.wait(10)
        if worker and _alive(worker):
            os.kill(worker, signal.SIGKILL)
