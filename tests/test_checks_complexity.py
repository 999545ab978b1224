"""The CPX family (complexity) and the ``complexity`` signal, on real git repositories."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from radon.metrics import mi_visit

from auditor.checks.complexity import complexity_facts
from auditor.checks.registry import signal_groups
from auditor.model import Outcome, Status
from auditor.source.snapshot import Snapshot
from tests.factory import RepoBuilder

Run = Callable[[str, Path], Outcome]


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def branchy(name: str, branches: int) -> str:
    """A function with cyclomatic complexity ``branches + 1``."""
    lines = [f"def {name}(x):"]
    lines += [f"    if x == {i}:\n        return {i}" for i in range(branches)]
    lines.append("    return -1\n")
    return "\n".join(lines) + "\n"


def long_function(name: str, body_lines: int) -> str:
    """A function whose ``def`` to last statement spans ``body_lines + 1`` lines."""
    body = "".join(f"    x{i} = {i}\n" for i in range(body_lines - 1))
    return f"def {name}():\n{body}    return 0\n"


def simple_module(count: int = 3) -> str:
    return "\n\n".join(f"def f{i}(a, b):\n    return a + b\n" for i in range(count))


def signal(path: Path) -> dict[str, Any]:
    return signal_groups()["complexity"](Snapshot.open(path))


# ------------------------------------------------------------------------------ CPX001


def test_cpx001_passes_when_every_function_is_simple(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add the app", {"app.py": simple_module(3) + "\n\n" + branchy("pick", 4)})

    outcome = outcome_of("CPX001", repo.path)

    assert outcome.status is Status.PASS
    assert outcome.score == 1.0
    assert "No function has a cyclomatic complexity above 10" in outcome.message
    assert "4 functions measured" in outcome.message
    assert "the highest is pick, 5" in outcome.message
    assert outcome.evidence == ()


def test_cpx001_is_partial_and_names_the_complex_function(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    repo.commit(
        "Add the app",
        {"app.py": simple_module(2), "pkg/router.py": "import os\n\n\n" + branchy("route", 14)},
    )

    outcome = outcome_of("CPX001", repo.path)

    assert outcome.status is Status.PARTIAL
    assert outcome.score == pytest.approx(2 / 3)
    assert "1 of 3 functions has a cyclomatic complexity above 10" in outcome.message
    assert "worst: route (15)" in outcome.message
    (evidence,) = outcome.evidence
    assert (evidence.path, evidence.line, evidence.note) == ("pkg/router.py", 4, "route: cc 15")


def test_cpx001_fails_when_every_function_is_complex_and_caps_evidence(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    code = "\n\n".join(branchy(f"route{i}", 11 + i) for i in range(12))
    repo.commit("Add routing", {"routes.py": code})

    outcome = outcome_of("CPX001", repo.path)

    assert outcome.status is Status.FAIL
    assert outcome.score == 0.0
    assert "12 of 12 functions have" in outcome.message
    assert "worst: route11 (23), route10 (22), route9 (21)" in outcome.message
    assert "The 10 worst are listed" in outcome.message
    assert len(outcome.evidence) == 10
    assert outcome.evidence[0].note == "route11: cc 23"


def test_cpx001_counts_methods_and_closures(repo: RepoBuilder, outcome_of: Run) -> None:
    code = dedent(
        """
        class Parser:
            class Token:
                def kind(self):
                    return 1

            def parse(self, text):
        """
    )
    code += textwrap.indent(branchy("check", 11), "        ")
    code += "        return check(text)\n"
    repo.commit("Add the parser", {"parser.py": code})

    outcome = outcome_of("CPX001", repo.path)
    facts = complexity_facts(Snapshot.open(repo.path))

    names = {f.name: f.complexity for f in facts.functions}
    assert names == {"Parser.Token.kind": 1, "Parser.parse": 1, "Parser.parse.check": 12}
    assert outcome.status is Status.PARTIAL
    assert outcome.score == pytest.approx(2 / 3)
    assert outcome.evidence[0].note == "Parser.parse.check: cc 12"


def test_cpx001_leaves_out_tests_and_vendored_code(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit(
        "Add code",
        {
            "app.py": simple_module(1),
            "tests/test_app.py": branchy("test_everything", 30),
            "vendor/lib.py": branchy("their_code", 30),
            "test_top.py": branchy("test_more", 30),
        },
    )

    outcome = outcome_of("CPX001", repo.path)

    assert outcome.status is Status.PASS
    assert "1 function measured" in outcome.message


def test_cpx001_skips_without_python_code(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add docs", {"README.md": "# hi\n", "tests/test_x.py": simple_module(1)})

    outcome = outcome_of("CPX001", repo.path)

    assert outcome.status is Status.SKIP
    assert outcome.score is None
    assert "No Python code outside tests" in outcome.message


def test_cpx001_skips_a_script_without_functions(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add a script", {"run.py": "import sys\n\nprint(sys.argv)\n"})

    outcome = outcome_of("CPX001", repo.path)

    assert outcome.status is Status.SKIP
    assert "No functions or methods" in outcome.message


def test_non_ascii_identifiers_are_measured(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit(
        "Add greetings",
        {"grüße.py": "# -*- coding: utf-8 -*-\n" + branchy("grüße", 12) + "\n\nπ = 3.14\n"},
    )

    outcome = outcome_of("CPX001", repo.path)
    facts = complexity_facts(Snapshot.open(repo.path))

    assert facts.failures == ()
    assert outcome.status is Status.FAIL
    assert outcome.evidence[0].path == "grüße.py"
    assert outcome.evidence[0].note == "grüße: cc 13"
    assert facts.modules[0].path == "grüße.py"


def test_a_syntax_error_is_left_out_not_a_crash(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit(
        "Add code",
        {"good.py": simple_module(2), "broken.py": "def broken(:\n    return 1\n"},
    )

    outcome = outcome_of("CPX001", repo.path)
    length = outcome_of("CPX005", repo.path)

    assert outcome.status is Status.PASS
    assert "2 functions measured" in outcome.message
    assert length.status is Status.PASS
    assert "2 Python files measured" in length.message
    assert signal(repo.path)["functions"] == 2


def test_the_facts_are_computed_once_per_snapshot(repo: RepoBuilder) -> None:
    repo.commit("Add code", {"app.py": simple_module(2)})
    snapshot = Snapshot.open(repo.path)

    assert complexity_facts(snapshot) is complexity_facts(snapshot)


# ------------------------------------------------------------------------------ CPX002


def test_cpx002_passes_at_a_low_mean(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add code", {"app.py": simple_module(3) + "\n\n" + branchy("pick", 8)})

    outcome = outcome_of("CPX002", repo.path)

    assert outcome.status is Status.PASS
    assert "mean cyclomatic complexity is 3.0 (radon rank A) over 4 functions" in outcome.message


def test_cpx002_is_partial_between_the_limit_and_twice_it(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    repo.commit("Add code", {"app.py": branchy("a", 6) + "\n\n" + branchy("b", 7)})

    outcome = outcome_of("CPX002", repo.path)

    assert outcome.status is Status.PARTIAL
    assert outcome.score == pytest.approx(0.5)  # mean 7.5 with max_mean_cc 5
    assert "7.5 (radon rank B)" in outcome.message
    assert "above 5 (no credit at 10)" in outcome.message
    assert "b (8), a (7)" in outcome.message
    assert [e.note for e in outcome.evidence] == ["b: cc 8", "a: cc 7"]


def test_cpx002_fails_at_twice_the_limit(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add code", {"app.py": branchy("a", 11)})

    outcome = outcome_of("CPX002", repo.path)

    assert outcome.status is Status.FAIL
    assert outcome.score == 0.0
    assert "12.0 (radon rank C)" in outcome.message


# ------------------------------------------------------------------------------ CPX003


def tangled_module(functions: int) -> str:
    """A long module of complex, operator-heavy code: a low maintainability index."""
    parts = []
    for n in range(functions):
        lines = [f"def tangled_{n}(a, b, c, d):", "    total = 0"]
        for i in range(12):
            lines.append(f"    if a * {i} + b - c // (d + {i + 1}) > total and b or c:")
            lines.append(f"        total += a ** {i} - b * c % (d + {i + 2}) + {n}")
        lines.append("    return total\n")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def test_cpx003_passes_for_small_modules(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add code", {"a.py": simple_module(2), "b.py": simple_module(3)})

    outcome = outcome_of("CPX003", repo.path)

    assert outcome.status is Status.PASS
    assert "No module has a maintainability index below 20 (2 modules measured" in outcome.message


def test_cpx003_weights_the_low_modules_by_size(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add code", {"engine.py": tangled_module(12), "small.py": simple_module(30)})

    outcome = outcome_of("CPX003", repo.path)
    snapshot = Snapshot.open(repo.path)
    sizes = {m.path: m.code_lines for m in complexity_facts(snapshot).modules}

    assert outcome.status is Status.PARTIAL
    expected = sizes["small.py"] / (sizes["small.py"] + sizes["engine.py"])
    assert outcome.score == pytest.approx(expected)
    assert f"1 of 2 modules ({sizes['engine.py']:,} of" in outcome.message
    assert "lowest: engine.py" in outcome.message
    (evidence,) = outcome.evidence
    assert evidence.path == "engine.py"
    assert evidence.note is not None and evidence.note.startswith("MI ")


def test_cpx003_fails_when_all_code_is_unmaintainable(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add code", {"engine.py": tangled_module(12)})

    outcome = outcome_of("CPX003", repo.path)

    assert outcome.status is Status.FAIL
    assert outcome.score == 0.0


def test_cpx003_skips_without_python_code(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add notes", {"notes.txt": "hello\n"})

    assert outcome_of("CPX003", repo.path).status is Status.SKIP


def test_maintainability_index_is_close_to_radons(repo: RepoBuilder) -> None:
    sources = Path(__file__).resolve().parents[1] / "auditor" / "source"
    files = {
        "snapshot.py": (sources / "snapshot.py").read_text(encoding="utf-8"),
        "python.py": (sources / "languages" / "python.py").read_text(encoding="utf-8"),
        "engine.py": tangled_module(3),
    }
    repo.commit("Add modules", files)

    facts = complexity_facts(Snapshot.open(repo.path))

    assert {m.path for m in facts.modules} == set(files)
    for module in facts.modules:
        reference = mi_visit(files[module.path], True)
        assert module.maintainability == pytest.approx(reference, abs=3.0), module.path


# ------------------------------------------------------------------------------ CPX004


def test_cpx004_passes_for_short_functions(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add code", {"app.py": long_function("setup", 40) + "\n\n" + simple_module(1)})

    outcome = outcome_of("CPX004", repo.path)

    assert outcome.status is Status.PASS
    assert "No function is longer than 60 lines" in outcome.message
    assert "the longest is setup, 41 lines" in outcome.message


def test_cpx004_is_partial_and_measures_from_def_to_last_statement(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    code = "import functools\n\n\n@functools.lru_cache\n" + long_function("build", 79)
    code += "\n\n" + simple_module(3)
    repo.commit("Add code", {"pkg/build.py": code})

    outcome = outcome_of("CPX004", repo.path)

    assert outcome.status is Status.PARTIAL
    assert outcome.score == pytest.approx(3 / 4)
    assert "1 of 4 functions is longer than 60 lines; longest: build (80)" in outcome.message
    (evidence,) = outcome.evidence
    assert (evidence.path, evidence.line, evidence.note) == ("pkg/build.py", 5, "build: 80 lines")


def test_cpx004_fails_when_every_function_is_long(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add code", {"app.py": long_function("main", 100)})

    outcome = outcome_of("CPX004", repo.path)

    assert outcome.status is Status.FAIL
    assert outcome.evidence[0].note == "main: 101 lines"


# ------------------------------------------------------------------------------ CPX005


def test_cpx005_passes_for_modest_files(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add code", {"app.py": simple_module(5)})

    outcome = outcome_of("CPX005", repo.path)

    assert outcome.status is Status.PASS
    assert "No Python file has more than 800 lines of code" in outcome.message
    assert "the largest is app.py, 10" in outcome.message


def test_cpx005_is_partial_with_one_huge_file(repo: RepoBuilder, outcome_of: Run) -> None:
    # 900 lines of code, padded with blank and comment lines that do not count
    huge = "".join(f"VALUE_{i} = {i}\n\n# note {i}\n" for i in range(900))
    repo.commit("Add code", {"constants.py": huge, "app.py": simple_module(2)})

    outcome = outcome_of("CPX005", repo.path)

    assert outcome.status is Status.PARTIAL
    assert outcome.score == pytest.approx(0.5)
    assert "1 of 2 Python files has more than 800 lines of code: constants.py (900)" in (
        outcome.message
    )
    (evidence,) = outcome.evidence
    assert (evidence.path, evidence.note) == ("constants.py", "900 lines of code")


def test_cpx005_fails_when_every_file_is_huge(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add code", {"big.py": "".join(f"V{i} = {i}\n" for i in range(801))})

    outcome = outcome_of("CPX005", repo.path)

    assert outcome.status is Status.FAIL


def test_cpx005_skips_without_python_code(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add tests only", {"tests/test_x.py": "def test_x():\n    assert 1\n"})

    assert outcome_of("CPX005", repo.path).status is Status.SKIP


# ------------------------------------------------------------------------------ signal


def test_complexity_signal(repo: RepoBuilder) -> None:
    repo.commit(
        "Add code",
        {"app.py": simple_module(2) + "\n\n" + branchy("pick", 5), "__init__.py": ""},
    )

    data = signal(repo.path)

    assert data["functions"] == 3
    assert data["mean_cc"] == pytest.approx(8 / 3, abs=0.01)
    assert data["max_cc"] == 6
    assert data["rank"] == "A"
    assert data["modules"] == 1  # the empty __init__.py has no code to judge
    assert 0 < data["mean_mi"] <= 100
    assert data["analysis_errors"] == []


def test_complexity_signal_without_python(repo: RepoBuilder) -> None:
    repo.commit("Add docs", {"README.md": "# hi\n"})

    data = signal(repo.path)

    assert data["functions"] == 0
    assert data["mean_cc"] is None
    assert data["max_cc"] is None
    assert data["rank"] is None
    assert data["mean_mi"] is None
