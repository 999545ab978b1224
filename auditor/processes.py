"""Bounds on the auditor's own child processes: they die with their parent and stay small.

A worker stuck in C code (a regular expression, a parser) never returns to Python, so a
watchdog thread inside it cannot end it. The kernel can: ``PR_SET_PDEATHSIG`` sends the worker
SIGKILL when the process that started it ends, and ``RLIMIT_AS`` turns a runaway allocation
into a MemoryError in the worker instead of the machine's memory. Both are Linux facilities;
elsewhere these functions do nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import sys

try:
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """Ask the kernel to kill this process when its parent ends; exit now if it already has."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent ended before the request took effect
        os._exit(1)


def cap_memory(limit: int) -> None:
    """Cap this process's address space at ``limit`` bytes (or the hard limit, if lower)."""
    if resource is None:
        return  # type: ignore[unreachable]
    with contextlib.suppress(OSError, ValueError):
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft == resource.RLIM_INFINITY or soft > limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def limit_process_memory(pid: int, limit: int) -> None:
    """Cap a started child's address space at ``limit`` bytes (or the hard limit, if lower).

    Linux only (``prlimit``); elsewhere, and if refused (the process already ended), no cap:
    the cap is a safeguard, not a contract.
    """
    prlimit = getattr(resource, "prlimit", None) if resource is not None else None
    if prlimit is None:
        return
    try:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        prlimit(pid, resource.RLIMIT_AS, (limit, limit))
    except (OSError, ValueError):
        pass
