"""Every regular expression of the package runs in linear time on adversarial text.

Repository and API text is untrusted: a pattern that backtracks (nested quantifiers, a
multi-line ``^\\s*`` search restarted at every blank line) can turn a few kilobytes into
minutes. This test finds every pattern the package compiles — module-level ``re.Pattern``
objects, including those built from vocabularies, and every literal pattern passed to a
``re`` function in the source — and times each on inputs made to hurt it: long runs of
each character class the pattern repeats, its own literal words repeated, and lines of
them. A pattern whose search time grows faster than linearly fails, with the input that
showed it. regexploit adds the exponential cases it can prove from the pattern alone.
"""

from __future__ import annotations

import ast
import importlib
import multiprocessing
import pkgutil
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import auditor

PACKAGE = Path(auditor.__file__).resolve().parent
_FUNCTIONS = {
    "compile",
    "search",
    "match",
    "fullmatch",
    "findall",
    "finditer",
    "sub",
    "subn",
    "split",
}
#: Characters that patterns over text commonly repeat; each becomes a long run.
_FILLERS = (
    " ",
    "\n",
    "\t",
    "\n ",
    " \n",
    "-",
    "a",
    "0",
    ".",
    "/",
    "_",
    ":",
    "=",
    "#",
    "*",
    "`",
    "'",
    '"',
    "<",
    "a ",
    "a-",
    "a.",
    "\\",
)
_FLAG_NAMES = ("MULTILINE", "M", "IGNORECASE", "I", "DOTALL", "S", "VERBOSE", "X")
SMALL, LARGE = 2_000, 16_000
#: Linear search time grows 8x from SMALL to LARGE; quadratic, 64x. Time below this is noise.
FLOOR_SECONDS = 0.02
MAX_GROWTH = 20.0


def _module_patterns() -> Iterator[tuple[str, re.Pattern[str]]]:
    for info in pkgutil.walk_packages(auditor.__path__, "auditor."):
        if ".batch.distributed" in info.name:
            continue  # imports the optional Dask extra
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            yield from _patterns_in(f"{info.name}.{name}", value, 0)


def _patterns_in(where: str, value: object, depth: int) -> Iterator[tuple[str, re.Pattern[str]]]:
    if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
        yield where, value
    elif depth < 3 and isinstance(value, (tuple, list, frozenset, set)):
        for item in value:
            yield from _patterns_in(where, item, depth + 1)
    elif depth < 3 and isinstance(value, dict):
        for item in value.values():
            yield from _patterns_in(where, item, depth + 1)


def _source_patterns() -> Iterator[tuple[str, re.Pattern[str]]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in _FUNCTIONS
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "re"
                and node.args
            ):
                continue
            try:
                text = ast.literal_eval(node.args[0])
            except ValueError:
                continue
            if not isinstance(text, str):
                continue
            flags = 0
            for sub in ast.walk(node):
                if isinstance(sub, ast.Attribute) and sub.attr in (
                    "MULTILINE",
                    "M",
                    "IGNORECASE",
                    "I",
                    "DOTALL",
                    "S",
                    "VERBOSE",
                    "X",
                ):
                    flags |= getattr(re, sub.attr)
            yield f"{path.relative_to(PACKAGE.parent)}:{node.lineno}", re.compile(text, flags)


def _all_patterns() -> dict[str, re.Pattern[str]]:
    found: dict[tuple[str, int], tuple[str, re.Pattern[str]]] = {}
    for where, pattern in [*_source_patterns(), *_module_patterns()]:
        found.setdefault((pattern.pattern, pattern.flags), (where, pattern))
    return dict(found.values())


def _literals(pattern: re.Pattern[str]) -> list[str]:
    """Runs of literal characters in the pattern (its words), as attack material."""
    words: list[str] = []
    current = ""
    for ch in re.sub(r"\\.|[\[\](){}?*+|^$.]", " ", pattern.pattern):
        if ch.isalnum() or ch in "_-":
            current += ch
        else:
            if len(current) >= 2:
                words.append(current)
            current = ""
    if len(current) >= 2:
        words.append(current)
    return sorted(set(words))[:12]


def _attacks(pattern: re.Pattern[str]) -> Iterator[tuple[str, str]]:
    """(prefix, unit) pairs: the unit is repeated after the prefix."""
    for unit in _FILLERS:
        yield "", unit
    for word in _literals(pattern):
        for unit in (word, word + " ", word + "\n", "\n" + word + " "):
            yield "", unit
        for unit in (" ", "-", "\n", "a", ".", "_", "a-", "-a"):
            yield word, unit


def _search_time(pattern: re.Pattern[str], text: str, repeat: int = 1) -> float:
    """The fastest of ``repeat`` searches: a busy machine only ever adds time."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        pattern.search(text)
        best = min(best, time.perf_counter() - started)
    return best


PATTERNS = _all_patterns()


def test_the_package_has_patterns_to_check() -> None:
    assert len(PATTERNS) > 20


def _text(prefix: str, unit: str, size: int) -> str:
    return prefix + (unit * (size // len(unit) + 1))[:size] + "\x00"


def _nonlinear(pattern: re.Pattern[str]) -> str | None:
    """Why ``pattern`` is not linear on one of its attacks, or None."""
    for prefix, unit in _attacks(pattern):
        # A short probe first: an exponential pattern shows itself on a few dozen characters.
        for size in (12, 24):
            if _search_time(pattern, _text(prefix, unit, size)) > 0.5:
                return f"{prefix!r} + {size} x {unit!r} took over 0.5 s: exponential"
        t_small = _search_time(pattern, _text(prefix, unit, SMALL))
        if t_small > 1.0:
            return f"{t_small:.1f} s on {prefix!r} + {SMALL:,} characters of {unit!r}"
        t_large = _search_time(pattern, _text(prefix, unit, LARGE))
        if t_large > FLOOR_SECONDS:  # measure again, the fastest of three, before judging
            t_small = _search_time(pattern, _text(prefix, unit, SMALL), 3)
            t_large = _search_time(pattern, _text(prefix, unit, LARGE), 3)
        if t_large > FLOOR_SECONDS and t_large > MAX_GROWTH * max(t_small, 1e-4):
            return (
                f"{t_small * 1000:.1f} ms on {SMALL:,} and {t_large * 1000:.1f} ms on "
                f"{LARGE:,} characters of {prefix!r} + {unit!r}: not linear"
            )
    return None


def _child(pattern: str, flags: int, answer: Any) -> None:
    answer.send(_nonlinear(re.compile(pattern, flags)))


@pytest.mark.parametrize("where", sorted(PATTERNS))
def test_pattern_runs_in_linear_time(where: str) -> None:
    """Each pattern is tried in a child process, so one that never returns is ended."""
    pattern = PATTERNS[where]
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(pattern.pattern, pattern.flags, send))
    child.start()
    send.close()
    child.join(timeout=30)
    if child.is_alive():
        child.kill()
        child.join()
        pytest.fail(f"{where} ({pattern.pattern!r}): still searching after 30 s")
    problem = receive.recv() if receive.poll() else "the check died"
    assert problem is None, f"{where} ({pattern.pattern!r}): {problem}"


def test_regexploit_finds_no_exponential_pattern() -> None:
    from regexploit.ast.sre import SreOpParser
    from regexploit.redos import find

    vulnerable = []
    for where, pattern in PATTERNS.items():
        try:
            parsed = SreOpParser().parse_sre(pattern.pattern, pattern.flags)
        except Exception:  # noqa: BLE001 - regexploit does not parse every construct
            continue
        worst = max((r.starriness for r in find(parsed)), default=0)
        if worst > 2:
            vulnerable.append(f"{where}: {pattern.pattern!r} (starriness {worst})")
    assert vulnerable == []
