"""What a batch shows while it runs: per-candidate status, the overall count, rate-limit waits.

:class:`LiveProgress` is a rich display for a terminal; :class:`LineProgress` writes one line
per finished candidate and per notice, for logs; the base :class:`Progress` shows nothing. Every
string from GitHub passes :func:`terminal_safe` before it is shown, and reaches rich only as a
``Text``, which is never read as markup.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import IO, Any

from auditor.render.sanitize import terminal_safe

QUEUED = "queued"
FETCHING = "fetching account"
WAITING = "waiting"
AUDITING = "auditing"
DONE = "done"
FAILED = "failed"
ACTIVE_ROWS = 12
RECENT_ROWS = 5


@dataclass
class _Row:
    login: str
    state: str = QUEUED
    detail: str = ""
    changed: float = 0.0


class Progress:
    """The interface the runner reports to; the base class shows nothing."""

    def start(self, logins: list[str]) -> None:
        """The batch begins with these candidates."""

    def update(self, login: str, state: str, detail: str = "") -> None:
        """A candidate changed state (``detail``: e.g. "3/5 repositories", "score 84.2 B")."""

    def repos_planned(self, count: int) -> None:
        """``count`` more repositories are queued."""

    def repo_finished(self) -> None:
        """One more repository is finished."""

    def notice(self, message: str) -> None:
        """Something the whole batch is doing (a rate-limit wait, stopping)."""

    def close(self) -> None:
        """The batch is over."""


class LineProgress(Progress):
    """One line per finished candidate and per notice, on a stream (standard error)."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._total = 0
        self._finished = 0

    def start(self, logins: list[str]) -> None:
        self._total = len(logins)

    def update(self, login: str, state: str, detail: str = "") -> None:
        if state in (DONE, FAILED):
            self._finished += 1
            text = f"[{self._finished}/{self._total}] {login}: {state}"
            self._write(f"{text} ({detail})" if detail else text)

    def notice(self, message: str) -> None:
        if message:
            self._write(message)

    def _write(self, line: str) -> None:
        self._stream.write(terminal_safe(line) + "\n")
        self._stream.flush()


class LiveProgress(Progress):
    """A rich live display: a bar over repositories, and a table of candidates at work."""

    def __init__(self, console: Any) -> None:
        self._console = console
        self._rows: dict[str, _Row] = {}
        self._lock = threading.Lock()
        self._planned = 0
        self._finished = 0
        self._notice = ""
        self._live: Any = None

    def start(self, logins: list[str]) -> None:
        from rich.live import Live

        with self._lock:
            self._rows = {login.lower(): _Row(login) for login in logins}
        self._live = Live(
            get_renderable=self._render,
            console=self._console,
            refresh_per_second=4,
            transient=False,
        )
        self._live.start()

    def update(self, login: str, state: str, detail: str = "") -> None:
        with self._lock:
            row = self._rows.setdefault(login.lower(), _Row(login))
            row.state, row.detail, row.changed = state, detail, time.monotonic()

    def repos_planned(self, count: int) -> None:
        with self._lock:
            self._planned += count

    def repo_finished(self) -> None:
        with self._lock:
            self._finished += 1

    def notice(self, message: str) -> None:
        with self._lock:
            self._notice = message

    def close(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
            self._console.line()  # the last frame ends without one

    def _render(self) -> Any:
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        with self._lock:
            rows = list(self._rows.values())
            planned, finished, notice = self._planned, self._finished, self._notice
        done = [r for r in rows if r.state in (DONE, FAILED)]
        active = [r for r in rows if r.state not in (QUEUED, DONE, FAILED)]
        recent = sorted(done, key=lambda r: r.changed)[-RECENT_ROWS:]
        width = 30
        filled = int(width * finished / planned) if planned else 0
        header = Text.assemble(
            ("candidates ", "bold"),
            f"{len(done)}/{len(rows)}   ",
            ("repositories ", "bold"),
            f"{finished}/{planned} ",
            ("━" * filled, "green"),
            ("━" * (width - filled), "grey37"),
        )
        table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 2, 0, 0))
        table.add_column("login", no_wrap=True, max_width=40)
        table.add_column("state", no_wrap=True)
        table.add_column("detail", no_wrap=True, max_width=80)
        styles = {DONE: "green", FAILED: "red", WAITING: "yellow"}
        for row in [*recent, *active[:ACTIVE_ROWS]]:
            # Text, never str: rich would read a str as markup ("[/oops]" raises, "[link=…]"
            # writes an OSC 8 hyperlink). Text is shown as it is, control characters stripped.
            table.add_row(
                Text(terminal_safe(row.login)),
                Text(row.state, style=styles.get(row.state, "cyan")),
                Text(terminal_safe(row.detail)),
            )
        if len(active) > ACTIVE_ROWS:
            table.add_row(Text(f"… {len(active) - ACTIVE_ROWS} more at work"), "", "")
        parts: list[Any] = [header, table]
        if notice:
            parts.append(Text(terminal_safe(notice), style="yellow"))
        return Group(*parts)
