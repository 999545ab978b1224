"""Which files and functions the test runners collect, as the repository configures them.

pytest reads its settings from the first of ``pytest.ini`` (``[pytest]``, even empty),
``pyproject.toml`` (``[tool.pytest.ini_options]``), ``tox.ini`` (``[pytest]``) and
``setup.cfg`` (``[tool:pytest]``) that holds them, at the root of the tree; ``python_files``,
``python_functions``, ``python_classes`` and ``testpaths`` decide what it collects. unittest
discovery (``python -m unittest``, Django's ``manage.py test``) loads ``TestCase`` classes from
files named like its default pattern. The defaults are data: ``rules/vocabulary/testing.toml``.

Globs are matched by :func:`glob_match`, a two-pointer matcher (``*`` and ``?``) linear in
practice and bounded by the short names it compares, never by a regular expression.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from auditor import _toml
from auditor.source.ini_reader import IniError, load_ini
from auditor.source.snapshot import Snapshot, fact
from auditor.vocabulary import terms

VOCABULARY = "testing"
#: Settings longer than this are not pytest settings anyone wrote by hand.
MAX_SETTING_CHARS = 2_000
MAX_GLOBS = 50


@dataclass(frozen=True)
class CollectionSettings:
    """What pytest and unittest discovery collect, and where the pytest settings came from."""

    python_files: tuple[str, ...]
    python_functions: tuple[str, ...]
    python_classes: tuple[str, ...]
    testpaths: tuple[str, ...]  # empty: anywhere in the tree
    unittest_files: tuple[str, ...]
    source: str | None  # "pytest.ini", "pyproject.toml"…; None when pytest is not configured

    def pytest_collects_file(self, path: str) -> bool:
        """Whether pytest, run without arguments, collects tests from the file at ``path``."""
        if self.testpaths and not any(_under(path, folder) for folder in self.testpaths):
            return False
        return any(_file_matches(pattern, path) for pattern in self.python_files)

    def unittest_collects_file(self, path: str) -> bool:
        """Whether unittest discovery loads the TestCase classes of the file at ``path``."""
        name = path.rpartition("/")[2]
        return any(glob_match(pattern, name) for pattern in self.unittest_files)

    def pytest_collects_function(self, name: str) -> bool:
        return any(_name_matches(pattern, name) for pattern in self.python_functions)

    def pytest_collects_class(self, name: str) -> bool:
        return any(_name_matches(pattern, name) for pattern in self.python_classes)


@fact
def collection_settings(snapshot: Snapshot) -> CollectionSettings:
    """The collection settings of the first pytest configuration pytest would read."""
    found: dict[str, Any] | None = None
    source = None
    for name, read in _READERS:
        entry = snapshot.root_file(name)
        text = snapshot.text(entry.path) if entry is not None else None
        if text is None:
            continue
        found = read(text[: 1 << 20])
        if found is not None:
            source = entry.path if entry is not None else name
            break
    settings = found or {}
    return CollectionSettings(
        python_files=_globs(settings.get("python_files"), "pytest_python_files"),
        python_functions=_globs(settings.get("python_functions"), "pytest_python_functions"),
        python_classes=_globs(settings.get("python_classes"), "pytest_python_classes"),
        testpaths=tuple(
            p.strip("/").removeprefix("./") for p in _words(settings.get("testpaths")) if p
        ),
        unittest_files=terms(VOCABULARY, "unittest_discovery_files"),
        source=source,
    )


def _globs(value: Any, default_key: str) -> tuple[str, ...]:
    words = _words(value)
    return words if words else terms(VOCABULARY, default_key)


def _words(value: Any) -> tuple[str, ...]:
    """An ini-style setting (words split on whitespace) or a TOML list, bounded."""
    if isinstance(value, str):
        items = value[:MAX_SETTING_CHARS].split()
    elif isinstance(value, list):
        items = [v for v in value if isinstance(v, str) and len(v) <= MAX_SETTING_CHARS]
    else:
        return ()
    return tuple(items[:MAX_GLOBS])


def _read_ini(section: str, always: bool = False) -> Any:
    """A reader of one INI file's pytest section: None when the file does not configure
    pytest (``pytest.ini`` always does, even empty)."""

    def read(text: str) -> dict[str, Any] | None:
        try:
            ini = load_ini(text)
        except IniError:
            return {} if always else None
        if not any(line.strip() == f"[{section}]" for line in ini.lines):
            return {} if always else None
        return dict(ini.items(section))

    return read


def _read_pyproject(text: str) -> dict[str, Any] | None:
    try:
        data = _toml.loads(text)
    except (_toml.TOMLDecodeError, ValueError):
        return None
    tool = data.get("tool")
    pytest = tool.get("pytest") if isinstance(tool, dict) else None
    if not isinstance(pytest, dict):
        return None
    options = pytest.get("ini_options")
    return options if isinstance(options, dict) else dict(pytest)


_READERS: Sequence[tuple[str, Any]] = (
    ("pytest.ini", _read_ini("pytest", always=True)),
    ("pyproject.toml", _read_pyproject),
    ("tox.ini", _read_ini("pytest")),
    ("setup.cfg", _read_ini("tool:pytest")),
)


def _under(path: str, folder: str) -> bool:
    if folder in ("", "."):
        return True
    if "*" in folder or "?" in folder:
        parts = path.split("/")
        depth = folder.count("/") + 1
        return len(parts) > depth and glob_match(folder, "/".join(parts[:depth]))
    return path == folder or path.startswith(folder + "/")


def _file_matches(pattern: str, path: str) -> bool:
    """pytest's ``fnmatch_ex``: a pattern without a slash matches the file's name; one with a
    slash matches the whole path, from any folder down (``tests/*.py`` holds
    ``tests/cli/test_x.py``: ``*`` crosses folders there, as in fnmatch)."""
    if "/" not in pattern:
        return glob_match(pattern, path.rpartition("/")[2])
    return glob_match("*/" + pattern.lstrip("/"), "/" + path)


def _name_matches(pattern: str, name: str) -> bool:
    """pytest's python_functions/python_classes: a glob when it has one, else a prefix."""
    if "*" in pattern or "?" in pattern:
        return glob_match(pattern, name)
    return name.startswith(pattern)


def glob_match(pattern: str, name: str) -> bool:
    """Whether ``name`` matches the shell glob ``pattern`` (``*`` and ``?``; the rest literal).

    The classic two-pointer matcher: on a mismatch it resumes after the last ``*``, so the
    work is bounded by ``len(pattern) * len(name)`` with no backtracking explosion.
    """
    if "?" not in pattern and pattern.count("*") == 1:  # test_*.py: a prefix and a suffix
        head, _, tail = pattern.partition("*")
        return len(name) >= len(head) + len(tail) and name.startswith(head) and name.endswith(tail)
    p = n = 0
    star = -1
    resume = 0
    while n < len(name):
        if p < len(pattern) and (pattern[p] == "?" or pattern[p] == name[n]):
            p += 1
            n += 1
        elif p < len(pattern) and pattern[p] == "*":
            star, resume = p, n
            p += 1
        elif star >= 0:
            p = star + 1
            resume += 1
            n = resume
        else:
            return False
    while p < len(pattern) and pattern[p] == "*":
        p += 1
    return p == len(pattern)


__all__ = ["CollectionSettings", "collection_settings", "glob_match"]
