"""The LNT family (lint and style), the ruff runner and the ``lint`` signal, on real repos."""

from __future__ import annotations

import dataclasses
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from auditor.checks.lint import DEFAULT_SELECT
from auditor.checks.registry import primitives, signal_groups
from auditor.engine import run_rule
from auditor.facts.lint import formatting_line_length, lint_findings, public_api
from auditor.model import Outcome, Status
from auditor.resources import rules_dir
from auditor.rulepack import RulePack
from auditor.source import ruff
from auditor.source.snapshot import Snapshot
from tests.factory import RepoBuilder

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

Run = Callable[[str, Path], Outcome]
TIMES = "\N{MULTIPLICATION SIGN}"


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def clean_module(functions: int) -> str:
    """Formatted, violation-free code: two lines of code per function."""
    return "\n\n".join(f"def f{i}(x: int) -> int:\n    return x + {i}\n" for i in range(functions))


def with_unused_imports(names: list[str], functions: int) -> str:
    imports = "".join(f"import {name}\n" for name in names)
    return imports + "\n\n" + clean_module(functions)


def signal(path: Path) -> dict[str, Any]:
    return signal_groups()["lint"](Snapshot.open(path))


# ------------------------------------------------------------------------------ LNT001


def test_lnt001_passes_for_clean_code(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add code", {"app.py": clean_module(3), "tests/test_app.py": clean_module(1)})

    outcome = outcome_of("LNT001", repo.path)

    assert outcome.status is Status.PASS
    assert outcome.score == 1.0
    assert outcome.message == "No violations of the selected ruff rules in 8 lines of code."


def test_lnt001_is_partial_and_names_the_codes(repo: RepoBuilder, outcome_of: Run) -> None:
    # 4 unused imports in 4 + 2 * 198 = 400 lines: 10 per 1,000, limit 5, none at 25
    repo.commit("Add code", {"pkg/app.py": with_unused_imports(["os", "sys", "json", "re"], 198)})

    outcome = outcome_of("LNT001", repo.path)

    assert outcome.status is Status.PARTIAL
    assert outcome.score == pytest.approx(0.75)
    assert outcome.message.startswith("4 violations of the selected ruff rules in 400 lines")
    assert f"(10.0 per 1,000; full credit at 5 or less): F401 {TIMES}4." in outcome.message
    assert [(e.path, e.line) for e in outcome.evidence] == [("pkg/app.py", n) for n in range(1, 5)]
    assert outcome.evidence[0].note == "F401 `os` imported but unused"


def test_lnt001_fails_with_many_violations(repo: RepoBuilder, outcome_of: Run) -> None:
    code = dedent(
        """
        import os


        def add(item, bucket=[]):
            bucket.append(item)
            if item == None:
                pass
            try:
                return bucket
            except:
                return undefined_name
        """
    )
    repo.commit("Add code", {"app.py": code, "more.py": code.replace("add", "more")})

    outcome = outcome_of("LNT001", repo.path)

    assert outcome.status is Status.FAIL
    assert outcome.score == 0.0
    for code in ("F401", "B006", "E711", "E722", "F821"):
        assert f"{code} {TIMES}2" in outcome.message
    assert "as small code bases count as 200 lines" in outcome.message
    assert {e.note.split()[0] for e in outcome.evidence if e.note} >= {"F401", "B006", "F821"}


def test_lnt001_judges_a_tiny_script_as_200_lines(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add a script", {"hello.py": "import os\n\nprint('hello')\n"})

    outcome = outcome_of("LNT001", repo.path)

    assert outcome.status is Status.PASS
    assert outcome.message.startswith("1 violation of the selected ruff rules in 2 lines")
    assert "judged as 5.0" in outcome.message
    assert outcome.evidence[0].path == "hello.py"


def test_lnt001_counts_a_syntax_error_once_and_not_newer_syntax(repo: RepoBuilder) -> None:
    repo.commit(
        "Add code",
        {
            "broken.py": "import os\n\ndef broken(:\n    return (\n",
            "modern.py": "type Number = int | float\n",
            "fine.py": clean_module(2),
        },
    )
    findings = lint_findings(Snapshot.open(repo.path), DEFAULT_SELECT)

    assert [(v.code, v.path, v.line) for v in findings.violations] == [
        ("invalid-syntax", "broken.py", 3)
    ]


def test_lnt001_skips_without_python(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add docs", {"README.md": "# hi\n"})

    outcome = outcome_of("LNT001", repo.path)

    assert outcome.status is Status.SKIP
    assert "No Python files" in outcome.message


def test_lnt001_reports_non_ascii_paths_and_identifiers(repo: RepoBuilder, outcome_of: Run) -> None:
    code = "import os\n\n\ndef grüße(name: str) -> str:\n    return f'hallo {name}'\n"
    repo.commit("Add greetings", {"pkg/módulo.py": code})

    outcome = outcome_of("LNT001", repo.path)

    assert [(e.path, e.line) for e in outcome.evidence] == [("pkg/módulo.py", 1)]
    assert f"F401 {TIMES}1" in outcome.message


def test_the_repos_own_ruff_configuration_changes_nothing(tmp_path: Path, outcome_of: Run) -> None:
    from tests.factory import make_repo

    code = with_unused_imports(["os", "sys"], 10)
    plain = make_repo(tmp_path / "plain", {"app.py": code})
    evil_cache = tmp_path / "evil-cache"
    pyproject = dedent(
        f"""
        [tool.ruff]
        extend = "/etc/passwd"
        cache-dir = "{evil_cache}"
        line-length = 20

        [tool.ruff.lint]
        ignore = ["F401"]
        """
    )
    configured = make_repo(
        tmp_path / "configured",
        {"app.py": code, "pyproject.toml": pyproject, "ruff.toml": 'lint.ignore = ["F"]\n'},
    )

    expected = outcome_of("LNT001", plain.path)
    actual = outcome_of("LNT001", configured.path)

    assert expected.status is Status.PARTIAL
    assert f"F401 {TIMES}2" in expected.message
    assert (actual.status, actual.score, actual.message) == (
        expected.status,
        expected.score,
        expected.message,
    )
    assert actual.evidence == expected.evidence
    assert not evil_cache.exists()


def test_uncommitted_changes_do_not_count(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add code", {"app.py": clean_module(2)})
    repo.write({"app.py": "import os\n" + clean_module(2), "scratch.py": "import sys\n"})

    outcome = outcome_of("LNT001", repo.path)

    assert outcome.status is Status.PASS
    assert "in 4 lines of code" in outcome.message


def test_a_bare_repository_is_linted(repo: RepoBuilder, tmp_path: Path, outcome_of: Run) -> None:
    repo.commit("Add code", {"app.py": "import os\n" + clean_module(2)})
    bare = repo.bare_clone(tmp_path / "bare.git")

    outcome = outcome_of("LNT001", bare)

    assert [(e.path, e.line) for e in outcome.evidence] == [("app.py", 1)]


def test_ruff_runs_once_per_selection(repo: RepoBuilder) -> None:
    repo.commit("Add code", {"app.py": "import os\n" + clean_module(2)})
    snapshot = Snapshot.open(repo.path)

    first = ruff.lint(snapshot, DEFAULT_SELECT, with_format=88)
    formatted = ruff.format_check(snapshot)

    assert ruff.lint(snapshot, list(DEFAULT_SELECT)) is first
    assert ruff.format_check(snapshot, line_length=88) is formatted
    assert ruff.lint(snapshot, ["F"]) is not first
    assert ruff.lint(snapshot, ["F"]).select == ("F",)
    assert first.files == ("app.py",)


def test_a_bad_selection_is_refused(repo: RepoBuilder) -> None:
    repo.commit("Add code", {"app.py": clean_module(1)})
    snapshot = Snapshot.open(repo.path)

    with pytest.raises(ValueError, match="not a ruff rule selection"):
        ruff.lint(snapshot, ["F", "--fix"])
    with pytest.raises(ValueError, match="not a ruff rule selection"):
        ruff.lint(snapshot, [])


def test_a_bad_selection_in_a_rule_is_an_error_outcome(
    repo: RepoBuilder, default_pack: RulePack
) -> None:
    rule = dataclasses.replace(default_pack.rules["LNT001"], params={"select": ["F", "; rm -rf /"]})
    repo.commit("Add code", {"app.py": clean_module(1)})

    outcome = run_rule(rule, Snapshot.open(repo.path))

    assert outcome.status is Status.ERROR
    assert "not a ruff rule selection" in outcome.message


def test_a_failing_lint_run_does_not_take_the_format_check_with_it(repo: RepoBuilder) -> None:
    repo.commit("Add code", {"app.py": clean_module(1)})
    snapshot = Snapshot.open(repo.path)

    with pytest.raises(ruff.RuffError, match="Unknown rule selector `ZZZ9`") as first:
        ruff.lint(snapshot, ["ZZZ9"], with_format=88)
    with pytest.raises(ruff.RuffError) as again:
        ruff.lint(snapshot, ["ZZZ9"])

    assert again.value is first.value  # remembered, not run again
    assert ruff.format_check(snapshot, line_length=88).unformatted == ()


@pytest.mark.parametrize(
    "path", ["../escape.py", "/etc/evil.py", "a/../../b.py", "a//b.py", "./a.py", "a\\..\\b.py"]
)
def test_paths_that_leave_the_temporary_folder_are_refused(path: str, tmp_path: Path) -> None:
    assert ruff._inside(tmp_path, path) is None


def test_ordinary_paths_stay_inside_the_temporary_folder(tmp_path: Path) -> None:
    assert ruff._inside(tmp_path, "pkg/módulo.py") == tmp_path / "pkg" / "módulo.py"


def test_the_pack_repeats_the_default_selection() -> None:
    data = tomllib.loads((rules_dir() / "default.toml").read_text())

    assert tuple(data["rules"]["LNT001"]["params"]["select"]) == DEFAULT_SELECT


# ------------------------------------------------------------------------------ LNT002


def test_lnt002_passes_when_formatted(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add code", {"a.py": clean_module(2), "b.py": clean_module(3)})

    outcome = outcome_of("LNT002", repo.path)

    assert outcome.status is Status.PASS
    assert "All 2 Python files are formatted as `ruff format` would" in outcome.message


def test_lnt002_is_partial_below_the_fraction(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit(
        "Add code",
        {
            "a.py": clean_module(2),
            "b.py": clean_module(2),
            "c.py": clean_module(2),
            "messy.py": "def f( x ):\n  return x+1\n",
        },
    )

    outcome = outcome_of("LNT002", repo.path)

    assert outcome.status is Status.PARTIAL
    assert outcome.score == pytest.approx(0.75 / 0.8)
    assert "1 of 4 Python files would be reformatted by `ruff format` (75% formatted" in (
        outcome.message
    )
    assert [(e.path, e.note) for e in outcome.evidence] == [("messy.py", "would be reformatted")]


def test_lnt002_fails_when_nothing_is_formatted(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add code", {"messy.py": "x=1\n", "pkg/more.py": "def f( ):\n  return 1\n"})

    outcome = outcome_of("LNT002", repo.path)

    assert outcome.status is Status.FAIL
    assert outcome.score == 0.0
    assert {e.path for e in outcome.evidence} == {"messy.py", "pkg/more.py"}


def test_lnt002_leaves_out_files_that_do_not_parse(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add code", {"a.py": clean_module(1), "broken.py": "def f(:\n"})

    outcome = outcome_of("LNT002", repo.path)

    assert outcome.status is Status.PASS
    assert outcome.message.startswith("The one Python file is formatted as `ruff format` would")
    assert "1 file could not be parsed and was left out" in outcome.message


def test_lnt002_honours_the_projects_line_length(tmp_path: Path, outcome_of: Run) -> None:
    from tests.factory import make_repo

    long_line = "def scale(first_argument: int, second_argument: int) -> int:\n"
    terms = ["first_argument", "second_argument"] * 2 + ["first_argument"]
    long_line += "    return " + " + ".join(terms) + "\n"
    assert 88 < max(len(line) for line in long_line.splitlines()) <= 100
    default = make_repo(tmp_path / "default", {"app.py": long_line})
    black = make_repo(
        tmp_path / "black",
        {"app.py": long_line, "pyproject.toml": "[tool.black]\nline-length = 100\n"},
    )

    assert outcome_of("LNT002", default.path).status is Status.FAIL
    outcome = outcome_of("LNT002", black.path)
    assert outcome.status is Status.PASS
    assert "at 100 columns" in outcome.message


def test_a_pyproject_nested_5000_levels_deep_is_ignored(tmp_path: Path, outcome_of: Run) -> None:
    from tests.factory import make_repo

    deep = "[tool.ruff]\nline-length = 100\nx = " + "[" * 5000 + "]" * 5000 + "\n"
    repo = make_repo(tmp_path / "deep", {"app.py": clean_module(2), "pyproject.toml": deep})

    outcome = outcome_of("LNT002", repo.path)

    # Unreadable TOML is no configuration: the default width, and no RecursionError.
    assert outcome.status is Status.PASS
    assert outcome.message == "The one Python file is formatted as `ruff format` would format it."
    assert formatting_line_length(Snapshot.open(repo.path)) == ruff.DEFAULT_LINE_LENGTH


def test_lnt002_skips_without_python(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add docs", {"README.md": "# hi\n"})

    assert outcome_of("LNT002", repo.path).status is Status.SKIP


# ------------------------------------------------------------------------------ LNT003


HINTED = dedent(
    '''
    """Shapes."""


    class Shape:
        """A shape."""

        def __init__(self, sides: int):
            self.sides = sides

        def __repr__(self):
            return "Shape"

        def area(self, scale: float = 1.0) -> float:
            """The area."""
            return 0.0 * scale

        @classmethod
        def square(cls, side: float) -> "Shape":
            """A square."""
            return cls(4)

        @staticmethod
        def unit(size: int) -> int:
            """One unit."""
            return size

        def _private(self, x):
            return x


    def build(*args: int, **kwargs: str) -> Shape:
        """Build a shape."""

        def helper(x):
            return x

        return Shape(len(args))
    '''
)


def test_lnt003_passes_when_public_functions_are_annotated(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    repo.commit("Add shapes", {"shapes.py": HINTED, "tests/test_shapes.py": "def test_x():\n"})

    outcome = outcome_of("LNT003", repo.path)
    names = [d.name for d in public_api(Snapshot.open(repo.path)) if d.kind == "function"]

    assert names == ["Shape.__init__", "Shape.area", "Shape.square", "Shape.unit", "build"]
    assert outcome.status is Status.PASS
    assert outcome.message.startswith("5 of 5 public functions are fully annotated (100%")


def test_lnt003_is_partial_and_names_missing_hints(repo: RepoBuilder, outcome_of: Run) -> None:
    code = HINTED + dedent(
        """


        def load(path, *, strict: bool = False):
            return path


        if True:
            def save(data: str):
                return data

            def close(handle):
                return handle
        """
    )
    repo.commit("Add shapes", {"shapes.py": code})

    outcome = outcome_of("LNT003", repo.path)

    assert outcome.status is Status.PARTIAL
    assert outcome.score == pytest.approx((5 / 8) / 0.7)
    assert "5 of 8 public functions are fully annotated (62%" in outcome.message
    assert "Missing hints in: load, save, close." in outcome.message
    assert [(e.line, e.note) for e in outcome.evidence] == [
        (38, "load: no hint for path, return"),
        (43, "save: no hint for return"),
        (46, "close: no hint for handle, return"),
    ]


def test_lnt003_fails_without_hints(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add code", {"app.py": "def run(x):\n    return x\n\n\ndef stop():\n    pass\n"})

    outcome = outcome_of("LNT003", repo.path)

    assert outcome.status is Status.FAIL
    assert "0 of 2 public functions are fully annotated" in outcome.message


def test_lnt003_skips_without_public_functions(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit(
        "Add code",
        {
            "_impl.py": "def _run(x):\n    return x\n",
            "tests/test_a.py": "def test_a():\n    pass\n",
        },
    )

    outcome = outcome_of("LNT003", repo.path)

    assert outcome.status is Status.SKIP
    assert "No public functions" in outcome.message


# ------------------------------------------------------------------------------ LNT004


def test_lnt004_passes_when_public_api_is_documented(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add shapes", {"shapes.py": HINTED})

    outcome = outcome_of("LNT004", repo.path)

    # the module, Shape and its three documented methods and build; __init__ is the class's
    assert outcome.status is Status.PASS
    assert outcome.message.startswith("6 of 6 public modules, classes and functions have")


def test_lnt004_is_partial_below_the_fraction(repo: RepoBuilder, outcome_of: Run) -> None:
    code = dedent(
        '''
        """Storage."""


        class Store:
            @property
            def size(self) -> int:
                return 0

            @size.setter
            def size(self, value: int) -> None:
                pass


        def load() -> None:
            pass


        def save() -> None:
            pass
        '''
    )
    repo.commit("Add storage", {"store.py": code, "pkg/__init__.py": ""})

    outcome = outcome_of("LNT004", repo.path)

    assert outcome.status is Status.PARTIAL
    assert outcome.score == pytest.approx((1 / 5) / 0.5)
    assert "1 of 5 public modules, classes and functions has a docstring (20%" in outcome.message
    assert "Undocumented: 1 class, 3 functions." in outcome.message
    assert [(e.path, e.line, e.note) for e in outcome.evidence] == [
        ("store.py", 4, "class Store"),
        ("store.py", 6, "function Store.size"),
        ("store.py", 14, "function load"),
        ("store.py", 18, "function save"),
    ]


def test_lnt004_fails_without_docstrings(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add code", {"app.py": "def run(x):\n    return x\n"})

    outcome = outcome_of("LNT004", repo.path)

    assert outcome.status is Status.FAIL
    assert "Undocumented: 1 module, 1 function." in outcome.message


def test_lnt004_skips_a_script_without_definitions(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add a script", {"run.py": "print('hello')\n"})

    assert outcome_of("LNT004", repo.path).status is Status.SKIP


# ------------------------------------------------------------------------------ signal


def test_lint_signal(repo: RepoBuilder) -> None:
    repo.commit(
        "Add code",
        {"app.py": with_unused_imports(["os", "sys"], 4), "tests/test_app.py": "import re\n"},
    )

    data = signal(repo.path)

    assert data["violations"] == 3
    assert data["per_kloc"] == pytest.approx(1000 * 3 / 11, abs=0.01)
    assert data["files"] == 2
    assert data["by_code"] == {"F401": 3}


def test_lint_signal_without_python(repo: RepoBuilder) -> None:
    repo.commit("Add docs", {"README.md": "# hi\n"})

    assert signal(repo.path) == {"violations": 0, "per_kloc": None, "files": 0, "by_code": {}}


def test_lint_rule_and_signal_share_one_run(repo: RepoBuilder) -> None:
    repo.commit("Add code", {"app.py": "import os\n" + clean_module(2)})
    snapshot = Snapshot.open(repo.path)

    outcome = primitives()["ruff_violations"](snapshot, {})
    data = signal_groups()["lint"](snapshot)
    report = ruff.lint(snapshot, DEFAULT_SELECT)

    assert outcome.status is Status.PASS
    assert data["violations"] == len(report.diagnostics) == 1
    assert ruff.lint(snapshot, DEFAULT_SELECT) is report


def test_the_whole_pack_reports_lint_and_complexity(
    repo: RepoBuilder, audit_path: Callable[[Path], Any]
) -> None:
    repo.commit("Add code", {"app.py": with_unused_imports(["os"], 3)})

    scorecard = audit_path(repo.path)
    findings = {f.rule: f for f in scorecard.findings}

    for rule in ("CPX001", "CPX002", "CPX003", "CPX004", "CPX005", "LNT001", "LNT002"):
        assert findings[rule].status in (Status.PASS, Status.PARTIAL), findings[rule].outcome
    assert findings["LNT001"].outcome.evidence[0].path == "app.py"
    assert scorecard.signals["lint"]["violations"] == 1
    assert scorecard.signals["complexity"]["functions"] == 3
