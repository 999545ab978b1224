"""The auditor against a corpus of hostile repositories, in every output format.

The corpus (:mod:`tests.hostile_corpus`) is built at test time: one or more repositories per
class of attack. Each is audited once by ``python -m auditor audit`` in a subprocess that
writes every format at once (the terminal card with colour on standard output, and text,
JSON, Markdown, HTML, SARIF, badge and GitHub annotations to files), and the tests then
check, for every entry and every format:

- no trap ran: the canary folder outside the repositories stays empty, and nothing
  connected to the address the repositories name as their remote;
- a secret placed outside the repositories appears in no output, nor in any message;
- no raw escape sequence reaches the terminal (only the card's own colours), no executable
  markup reaches the HTML (also opened in headless Chromium: no dialog, no request) or the
  Markdown, no workflow command can be smuggled into the annotations;
- the repository on disk is unchanged, byte for byte and timestamp for timestamp, ``.git``
  (its index above all) included;
- every audit stays inside the bounds below, and ends with the documented exit code: 0 and
  the cards, or 2 and one line on standard error; never a traceback.

Bounds, per audit: :data:`TIME_LIMIT` seconds of wall time and :data:`MEMORY_LIMIT` bytes of
address space (``RLIMIT_AS``, inherited by git, ruff and the parsing workers).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import resource
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema
import pytest
from markdown_it import MarkdownIt

from auditor.errors import EXIT_OK, EXIT_USAGE
from auditor.schema import scorecard_schema
from tests.hostile_corpus import (
    BUILDERS,
    FORMULAS,
    FileState,
    Hostile,
    Stage,
    build,
    disk_state,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser

#: Wall time allowed for one audit (every format of it), in seconds.
TIME_LIMIT = 60.0
#: Address space allowed to the audit and each process it starts (RLIMIT_AS), in bytes.
MEMORY_LIMIT = 1536 << 20

#: Every format, with ``terminal`` for the coloured text card written to standard output.
FORMATS = ("terminal", "text", "json", "markdown", "html", "sarif", "badge", "github")
_FILE_FORMATS = FORMATS[1:]
_CANARY_LOCK = threading.Lock()
REPO = Path(__file__).resolve().parents[1]


@dataclass
class Audit:
    """One audit of one corpus entry, and what it did."""

    entry: Hostile
    exit_code: int
    seconds: float
    peak_rss: int  # bytes
    stderr: str
    outputs: dict[str, str]
    timed_out: bool
    before: dict[str, FileState]
    after: dict[str, FileState]
    fired: list[str] = field(default_factory=list)
    connections: int = 0


def _limit_memory() -> None:  # pragma: no cover - runs in the child
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "AUDITOR_"))}
    env.update(COLUMNS="100", LINES="40", TERM="xterm-256color", PYTHONPATH=str(REPO))
    env.pop("NO_COLOR", None)
    return env


def run_audit(stage: Stage, entry: Hostile, out: Path) -> Audit:
    """Audit ``entry`` once in every format, in a subprocess held to the bounds."""
    out.mkdir(parents=True)
    argv = [sys.executable, "-m", "auditor", "audit", str(entry.path), "--color"]
    for fmt in _FILE_FORMATS:
        argv += ["--format", fmt, "--output", str(out / f"card.{fmt}")]
    argv += ["--format", "text"]  # the last format goes to standard output: the terminal
    cwd = stage.root / "cwd"  # holds no settings: nothing is read from the audited repo
    cwd.mkdir(exist_ok=True)
    before = disk_state(entry.path)
    stdout_path, stderr_path = out / "stdout", out / "stderr"
    with open(stdout_path, "wb") as stdout, open(stderr_path, "wb") as stderr:
        started = time.monotonic()
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=_environment(),
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            preexec_fn=_limit_memory,
            start_new_session=True,
        )
        expired = threading.Event()

        def kill() -> None:
            expired.set()
            _kill_group(proc.pid)

        timer = threading.Timer(TIME_LIMIT, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
            _kill_group(proc.pid)  # parsing workers the audit left behind, if any
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - started
    outputs = {"terminal": stdout_path.read_bytes().decode("utf-8", "replace")}
    for fmt in _FILE_FORMATS:
        target = out / f"card.{fmt}"
        if target.exists():
            outputs[fmt] = target.read_bytes().decode("utf-8", "replace")
    with _CANARY_LOCK:
        fired = stage.fired()
        for name in fired:
            (stage.canary / name).unlink()
        connections = stage.connections()
    return Audit(
        entry=entry,
        exit_code=proc.returncode,
        seconds=seconds,
        peak_rss=usage.ru_maxrss * 1024,
        stderr=stderr_path.read_bytes().decode("utf-8", "replace"),
        outputs=outputs,
        timed_out=expired.is_set(),
        before=before,
        after=disk_state(entry.path),
        fired=fired,
        connections=connections,
    )


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def stage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    scene = Stage(tmp_path_factory.mktemp("hostile"))
    yield scene
    scene.listener.close()


def _selected(items: list[pytest.Item]) -> list[str]:
    """The corpus entries the selected tests look at: all of them when a selected test
    looks at the whole corpus, else only those named (``-k gitdir`` builds only those)."""
    names: set[str] = set()
    for item in items:
        if "audits" not in getattr(item, "fixturenames", ()):
            continue
        callspec = getattr(item, "callspec", None)
        if callspec is None or "name" not in callspec.params:
            return list(BUILDERS)
        names.add(callspec.params["name"])
    return [name for name in BUILDERS if name in names]


@pytest.fixture(scope="session")
def audits(stage: Stage, request: pytest.FixtureRequest) -> dict[str, Audit]:
    """Every selected corpus entry, built and audited once for the whole session, two at a
    time.

    A trap that fires is reported against the audit that ended next; its name says which
    entry planted it.
    """
    entries = [build(stage, name) for name in _selected(request.session.items)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            entry.name: pool.submit(run_audit, stage, entry, stage.root / "cards" / entry.name)
            for entry in entries
        }
        return {name: future.result() for name, future in futures.items()}


ENTRIES = list(BUILDERS)


# ------------------------------------------------------------------------------ every entry


@pytest.mark.parametrize("name", ENTRIES)
def test_audit_ends_with_the_documented_exit_code_inside_the_bounds(
    audits: dict[str, Audit], name: str
) -> None:
    audit = audits[name]
    entry = audit.entry

    assert not audit.timed_out, f"{name}: still running after {TIME_LIMIT:.0f} s"
    assert "Traceback" not in audit.stderr
    assert "internal error" not in audit.stderr, audit.stderr
    assert audit.exit_code == entry.exit_code, audit.stderr
    lines = audit.stderr.splitlines()
    if entry.exit_code == EXIT_USAGE:
        assert len(lines) == 1, audit.stderr
        assert lines[0].startswith("auditor: error: "), lines[0]
        assert entry.error in lines[0]
        assert set(audit.outputs) == {"terminal"} and not audit.outputs["terminal"]
    else:
        assert entry.exit_code == EXIT_OK
        assert all(line.startswith("wrote ") for line in lines), audit.stderr
        assert set(audit.outputs) == set(FORMATS)
    assert audit.seconds < TIME_LIMIT
    assert audit.peak_rss < MEMORY_LIMIT


@pytest.mark.parametrize("name", ENTRIES)
def test_error_lines_are_ours_and_carry_no_control_character(
    audits: dict[str, Audit], name: str
) -> None:
    """Standard error is lines the auditor wrote: repository text quoted in them (a pointer,
    a configuration value) cannot add a line, start a workflow command or move the cursor."""
    stderr = audits[name].stderr

    assert _controls(stderr) == []
    for line in stderr.splitlines():
        assert line.startswith(("auditor: ", "wrote ")), line


@pytest.mark.parametrize("name", ENTRIES)
def test_nothing_from_the_repository_ran(audits: dict[str, Audit], stage: Stage, name: str) -> None:
    audit = audits[name]

    assert audit.fired == [], f"{name}: these traps ran: {audit.fired}"
    assert audit.connections == 0, f"{name}: something connected to the repository's remote"


@pytest.mark.parametrize("name", ENTRIES)
def test_the_repository_is_unchanged_on_disk(audits: dict[str, Audit], name: str) -> None:
    audit = audits[name]

    changed = sorted(
        path
        for path in audit.before.keys() | audit.after.keys()
        if audit.before.get(path) != audit.after.get(path)
    )
    assert changed == [], f"{name}: the audit changed {changed}"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", ENTRIES)
def test_no_secret_from_outside_reaches_an_output(
    audits: dict[str, Audit], stage: Stage, name: str, fmt: str
) -> None:
    audit = audits[name]

    assert stage.secret not in audit.outputs.get(fmt, "")
    assert stage.secret not in audit.stderr


# ------------------------------------------------------------------------------ per format

#: An escape sequence the terminal card may carry: a colour or style (SGR), nothing else.
_SGR = re.compile(r"\x1b\[[0-9;]*m")
#: What no output may carry raw: C0 controls but line feed, DEL, C1 controls, and the
#: bidirectional formatting characters that make text display as something it is not.
_RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _controls(text: str) -> list[str]:
    return sorted({repr(ch) for ch in _RAW_CONTROL.findall(text)})


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", ENTRIES)
def test_no_raw_control_character_reaches_an_output(
    audits: dict[str, Audit], name: str, fmt: str
) -> None:
    text = audits[name].outputs.get(fmt, "")
    if fmt == "terminal":
        text = _SGR.sub("", text)

    assert _controls(text) == []


@pytest.mark.parametrize("name", ENTRIES)
def test_json_and_sarif_are_valid_and_ascii(audits: dict[str, Audit], name: str) -> None:
    outputs = audits[name].outputs
    if audits[name].exit_code != EXIT_OK:
        pytest.skip("refused: no card")

    card = json.loads(outputs["json"])
    jsonschema.validate(card, scorecard_schema(), cls=jsonschema.Draft202012Validator)
    assert outputs["json"].isascii()
    sarif = json.loads(outputs["sarif"])
    assert sarif["version"] == "2.1.0"
    assert json.loads(outputs["badge"])["schemaVersion"] == 1


class _Markup(HTMLParser):
    """Every tag and attribute of an HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def _markup(document: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Markup()
    parser.feed(document)
    parser.close()
    return parser.tags


_ACTIVE_TAGS = {"script", "iframe", "frame", "object", "embed", "base", "form", "link", "input"}
_ADDRESS_ATTRIBUTES = {"href", "src", "xlink:href", "action", "formaction", "srcset"}


def _executable(tags: list[tuple[str, list[tuple[str, str | None]]]]) -> list[str]:
    """Everything in the markup that could run or fetch: active tags, event handlers,
    addresses that are neither in-page anchors nor https, a refreshing meta tag."""
    found = []
    for tag, attrs in tags:
        if tag in _ACTIVE_TAGS:
            found.append(f"<{tag}>")
        for key, value in attrs:
            if key.startswith("on"):
                found.append(f"<{tag} {key}=…>")
            if key in _ADDRESS_ATTRIBUTES and not (value or "").startswith(("#", "https://")):
                found.append(f"<{tag} {key}={value!r}>")
            if key == "http-equiv" and (value or "").lower() == "refresh":
                found.append("<meta http-equiv=refresh>")
    return found


@pytest.mark.parametrize("name", ENTRIES)
def test_html_card_carries_no_executable_markup(audits: dict[str, Audit], name: str) -> None:
    if audits[name].exit_code != EXIT_OK:
        pytest.skip("refused: no card")
    document = audits[name].outputs["html"]

    assert _executable(_markup(document)) == []
    assert "<script" not in document.lower()


#: How GitHub treats a comment: CommonMark with tables, strikethrough and raw HTML allowed.
_GITHUB_MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
_MARKDOWN_TAGS = {"p", "a", "strong", "em", "b", "code", "pre", "ul", "ol", "li", "br", "hr"}
_MARKDOWN_TAGS |= {"h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "s", "del"}
_MARKDOWN_TAGS |= {"table", "thead", "tbody", "tr", "th", "td", "details", "summary", "sub"}


def _cells(line: str) -> int:
    """The unescaped ``|`` of a table row: one more than the cells GitHub sees."""
    count, index = 0, 0
    while index < len(line):
        if line[index] == "\\":
            index += 2
            continue
        count += line[index] == "|"
        index += 1
    return count


@pytest.mark.parametrize("name", ENTRIES)
def test_markdown_card_carries_no_markup_and_keeps_its_tables(
    audits: dict[str, Audit], name: str
) -> None:
    if audits[name].exit_code != EXIT_OK:
        pytest.skip("refused: no card")
    document = audits[name].outputs["markdown"]

    tags = _markup(_GITHUB_MARKDOWN.render(document))
    assert _executable(tags) == []
    assert {tag for tag, _ in tags} <= _MARKDOWN_TAGS
    table: list[str] = []
    for line in [*document.splitlines(), ""]:
        if line.startswith("|"):
            table.append(line)
            continue
        if table:
            assert len({_cells(row) for row in table}) == 1, table
        table = []


_ANNOTATION = re.compile(
    r"^::(?:warning|notice|error) (?:file=[^,:\r\n]*,)?(?:line=\d+,)?title=[^,:\r\n]*::[^\r\n]*$"
)


@pytest.mark.parametrize("name", ENTRIES)
def test_github_annotations_are_only_ours(audits: dict[str, Audit], name: str) -> None:
    if audits[name].exit_code != EXIT_OK:
        pytest.skip("refused: no card")
    lines = audits[name].outputs["github"].splitlines()

    assert lines, "at least the score notice"
    for line in lines:
        assert _ANNOTATION.match(line), line


@pytest.mark.parametrize("name", ENTRIES)
def test_terminal_shows_only_its_own_colours(audits: dict[str, Audit], name: str) -> None:
    terminal = audits[name].outputs["terminal"]
    sequences = re.findall(r"\x1b[^a-zA-Z]*[a-zA-Z]?", terminal)

    assert all(_SGR.fullmatch(seq) for seq in sequences), sorted(set(sequences))
    assert "\x1b[2J" not in terminal and "\x1b]" not in terminal


# ------------------------------------------------------------------------------ per entry


def _strings(data: Any) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield str(key)
            yield from _strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value)


@pytest.mark.parametrize("name", ENTRIES)
def test_hostile_text_reaches_the_cards_as_data(audits: dict[str, Audit], name: str) -> None:
    audit = audits[name]
    if audit.exit_code != EXIT_OK:
        pytest.skip("refused: no card")
    card = json.loads(audit.outputs["json"])
    everything = "\n".join(_strings(card))

    for shown in audit.entry.shown:
        assert shown in everything, shown
    for notice in audit.entry.notices:
        assert any(notice in n for n in card["notices"]), (notice, card["notices"])


@pytest.mark.parametrize("name", ENTRIES)
def test_no_check_ran_out_of_memory(audits: dict[str, Audit], name: str) -> None:
    """A bound is met by reading less and saying so in a notice, never by a check that
    dies of ``MemoryError`` (which would cost the repository points it did not lose)."""
    audit = audits[name]
    if audit.exit_code != EXIT_OK:
        pytest.skip("refused: no card")
    card = json.loads(audit.outputs["json"])

    starved = [f["rule"] for f in card["findings"] if "MemoryError" in f["message"]]
    assert starved == [], starved


def test_the_corpus_covers_every_class(audits: dict[str, Audit]) -> None:
    kinds = {audit.entry.kind for audit in audits.values()}

    assert kinds == {"exec", "outside", "tools", "resources", "broken", "state", "injection"}


def test_every_audit_stayed_inside_the_stated_bounds(audits: dict[str, Audit]) -> None:
    """Each audit's wall time and peak memory (shown with ``-rP``) are within the bounds."""
    for audit in sorted(audits.values(), key=lambda a: -a.seconds):
        print(f"{audit.entry.name:>18}: {audit.seconds:5.1f} s, {audit.peak_rss >> 20:5d} MiB")
        assert audit.seconds < TIME_LIMIT, audit.entry.name
        assert 0 < audit.peak_rss < MEMORY_LIMIT, audit.entry.name


# ------------------------------------------------------------------------------ the browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium, launched as :mod:`tests.test_browser` launches it."""
    from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, unavailable

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install -e '.[test]')")
    if not CHROMIUM.exists():
        unavailable(f"no browser at {CHROMIUM} (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.mark.parametrize("name", ENTRIES)
def test_html_card_runs_nothing_in_a_browser(
    audits: dict[str, Audit], browser: Browser, name: str, tmp_path: Path
) -> None:
    from tests.test_browser import visit

    audit = audits[name]
    if audit.exit_code != EXIT_OK:
        pytest.skip("refused: no card")
    document = tmp_path / "card.html"
    document.write_text(audit.outputs["html"], encoding="utf-8")

    seen = visit(browser, document)

    assert seen.dialogs == []
    assert seen.requests == [seen.url]
    assert seen.blocked == []
    scripts = seen.page.evaluate("document.scripts.length")
    assert scripts == 0
    seen.page.context.close()


# ------------------------------------------------------------------------------ batch CSV


def test_leaderboard_csv_neutralises_every_formula() -> None:
    from auditor.batch.leaderboard import CandidateEntry, Leaderboard, csv_cell, to_csv
    from auditor.render.sanitize import terminal_safe

    hostile = [*FORMULAS, "=1+1", "+SUM(A1)", "-A1", "@A1", '=HYPERLINK("https://x")']
    candidates = tuple(
        CandidateEntry(
            login=value,
            name=value,
            url=None,
            fields={value: value, "note": value},
            score=None,
            grade=None,
            result=None,
            merged_prs=0,
            repos=(),
            errors=(value,),
            rank=index,
        )
        for index, value in enumerate(hostile, start=1)
    )
    board = Leaderboard(
        candidates=candidates, categories=(("DOC", "=Docs"),), pack="=pack", run_status="finished"
    )

    rows = list(csv.reader(io.StringIO(to_csv(board))))

    assert len(rows) == len(hostile) + 1
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row
    for value in hostile:  # control characters go, tabs and line breaks become spaces
        assert csv_cell(value) == "'" + terminal_safe(value)


def test_leaderboard_html_escapes_names_and_strips_control_characters() -> None:
    from auditor.batch.leaderboard import CandidateEntry, Leaderboard, to_html

    evil = "Eve\x1b]0;pwned\x07\u202etxt.exe<img src=x onerror=alert(1)>"
    entry = CandidateEntry(
        login="eve",
        name=evil,
        url=None,
        fields={},
        score=None,
        grade=None,
        result=None,
        merged_prs=0,
        repos=(),
        errors=(evil,),
        rank=1,
    )
    board = Leaderboard(candidates=(entry,), categories=(), pack="default", run_status="finished")

    page = to_html(board)

    assert "\x1b" not in page and "\x07" not in page and "\u202e" not in page
    assert "<img src=x" not in page
    assert "Eve]0;pwnedtxt.exe&lt;img src=x onerror=alert(1)&gt;" in page
