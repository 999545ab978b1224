"""The language seam: a language-neutral summary of each module, filled by Python today."""

from __future__ import annotations

import pickle
import sys
import textwrap
import threading
import time
import warnings

from auditor.facts.modules import code_summaries, module_summaries
from auditor.source.languages import LANGUAGES, Language, language_of
from auditor.source.languages.python import PYTHON
from auditor.source.languages.summary import (
    ClassSummary,
    FunctionSummary,
    ImportSummary,
    UnitTest,
)
from auditor.source.snapshot import Limits, Snapshot
from tests.factory import RepoBuilder

APP = textwrap.dedent(
    '''
    """The app."""

    import os
    from .store import Store


    class Shelf:
        """Holds books."""

        def pick(self, n):
            if n > 1:
                return os.sep
            return ""


    def _hidden() -> None:
        pass
    '''
).lstrip("\n")


def test_python_is_the_one_language_and_claims_py_files() -> None:
    assert list(LANGUAGES) == ["python"]
    assert language_of("pkg/app.py") is PYTHON
    assert language_of("Setup.PY") is PYTHON
    assert language_of("app.js") is None
    language: Language = PYTHON  # satisfies the protocol
    assert language.name == "python"


def test_a_module_is_summarised_in_neutral_terms() -> None:
    summary = PYTHON.summarise("pkg/app.py", APP)

    assert summary.language == "python" and summary.parsed and summary.measured
    assert summary.functions == (
        FunctionSummary("_hidden", 16, 1, 2),
        FunctionSummary("Shelf.pick", 10, 2, 4),
    )
    assert summary.classes == (ClassSummary("Shelf", 7),)
    assert summary.imports == (ImportSummary("os", 3), ImportSummary(".store", 4))
    assert [(d.kind, d.name, d.documented) for d in summary.public_api] == [
        ("module", "pkg/app.py", True),
        ("class", "Shelf", True),
        ("function", "Shelf.pick", False),
    ]
    assert summary.public_api[2].missing_hints == ("n", "return")
    assert summary.lines.lines == 17 and summary.lines.docstring == 2
    assert summary.maintainability is not None and 0 < summary.maintainability <= 100
    assert pickle.loads(pickle.dumps(summary)) == summary  # travels from worker processes


def test_a_test_module_lists_its_tests_and_is_not_measured() -> None:
    text = "class TestShelf:\n    def test_pick(self):\n        assert 1\n\n\ndef test_empty():\n"
    text += "    pass\n"
    summary = PYTHON.summarise("tests/test_shelf.py", text)

    assert summary.is_test and not summary.measured
    assert summary.functions == () and summary.public_api == ()
    assert summary.test_functions == (UnitTest("test_empty", 6), UnitTest("test_pick", 2))


def test_a_module_that_does_not_parse_keeps_its_line_counts() -> None:
    summary = PYTHON.summarise("broken.py", "def f(:\n    pass\n")

    assert not summary.parsed and summary.parse_error is not None
    assert summary.parse_error.startswith("syntax error at line 1")
    assert summary.lines.lines == 2 and summary.functions == ()


def test_the_audited_codes_warnings_are_dropped_without_touching_other_threads_filters() -> None:
    """A parse drops the audited code's own warnings (an invalid escape, an assert on a
    tuple), and filters other threads install meanwhile (as a library does on import) stay:
    swapping the process's filter list around each parse would lose some of them and let
    that library's warning reach standard error."""
    noisy = 'PATTERN = "\\d+"\nassert (PATTERN, 1)\n'
    stop = threading.Event()

    def parse_until_stopped() -> None:
        while not stop.is_set():
            PYTHON.summarise("noisy.py", noisy)

    kinds = [type(f"LibraryWarning{n}", (UserWarning,), {}) for n in range(300)]
    switching = sys.getswitchinterval()
    with warnings.catch_warnings(record=True) as seen:
        sys.setswitchinterval(1e-6)
        parser = threading.Thread(target=parse_until_stopped)
        parser.start()
        try:
            for kind in kinds:
                warnings.filterwarnings("ignore", category=kind)
                time.sleep(0.0005)
        finally:
            stop.set()
            parser.join()
            sys.setswitchinterval(switching)
        kept = {f[2] for f in warnings.filters}
        warnings.warn("a library's own warning", kinds[0], stacklevel=1)

    assert [kind for kind in kinds if kind not in kept] == [], "filters lost during a parse"
    assert [str(w.message) for w in seen] == []


def test_the_snapshot_summaries_match_summarising_each_file(repo: RepoBuilder) -> None:
    repo.commit(
        "Add the app",
        {
            "pkg/app.py": APP,
            "broken.py": "def f(:\n",
            "tests/test_app.py": "def test_a():\n    pass\n",
        },
    )
    for workers in (1, 2):
        snapshot = Snapshot.open(repo.path, Limits(workers=workers))
        summaries = module_summaries(snapshot)

        assert {s.path for s in summaries} == {"pkg/app.py", "broken.py", "tests/test_app.py"}
        for summary in summaries:
            text = snapshot.text(summary.path)
            assert text is not None
            assert summary == PYTHON.summarise(summary.path, text)
        assert {s.path for s in code_summaries(snapshot)} == {"pkg/app.py", "broken.py"}
