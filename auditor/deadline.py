"""One wall-clock deadline for a whole audit, enforced from outside the work.

Every git process and parsing worker has its own bounds, but a repository can chain many
slow steps that each stay inside theirs. The deadline is a timer thread: when it fires it
ends every git process still running, writes one line on standard error and ends the
process with exit code 2 (bad input). Work that waits (on git, on the parsing workers, on
ruff) releases the interpreter, so the timer fires on time however long the wait; the
parsing, where a crafted file could make code spin in C, runs in worker processes that die
with this process (``PR_SET_PDEATHSIG``, see :mod:`auditor.processes`). Code of this
process that spins in C holds the interpreter and delays the timer until it returns: the
patterns it runs are linear-time on bounded input (``tests/test_linear_patterns.py``).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from auditor.errors import EXIT_USAGE

#: Seconds an audit of one repository may take by default (``auditor audit --deadline``).
AUDIT_SECONDS = 300.0


@contextmanager
def audit_deadline(seconds: float, what: str) -> Iterator[None]:
    """Run the body under a deadline of ``seconds``; past it, end the process (exit 2).

    ``what`` names the audited repository in the one line; it is made terminal-safe.
    """
    if seconds <= 0:
        yield
        return
    timer = threading.Timer(seconds, _give_up, args=(seconds, what))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def _give_up(seconds: float, what: str) -> None:
    from auditor.render.sanitize import terminal_safe
    from auditor.source.git import end_running_processes

    end_running_processes()
    line = terminal_safe(
        f"auditor: error: the audit of {what} did not finish within its deadline of "
        f"{seconds:g}s (--deadline): it was stopped"
    )
    try:
        sys.stdout.flush()
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    finally:
        os._exit(EXIT_USAGE)
