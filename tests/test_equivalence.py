"""The fast paths change nothing: worker processes, early threads and the straightforward
sequential audit produce the same scorecard."""

from __future__ import annotations

import ast
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from auditor.engine import audit
from auditor.render.json import scorecard_to_dict
from auditor.rulepack import RulePack
from auditor.source.languages import python, python_lines, python_workers
from auditor.source.languages.python import (
    ParsedModule,
    analyse_module,
    module_summary,
    registered_summaries,
)
from auditor.source.languages.python_workers import PendingModules
from auditor.source.snapshot import Limits, Snapshot
from tests.projects import build_strong_project, build_weak_project

THIS_REPOSITORY = Path(__file__).resolve().parents[1]


def comparable(snapshot: Snapshot, pack: RulePack) -> dict[str, Any]:
    card = scorecard_to_dict(audit(snapshot, pack))
    card.pop("timings")
    card.pop("audited_at")
    data: dict[str, Any] = json.loads(json.dumps(card))
    return data


@pytest.fixture(scope="module")
def repositories(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    found = {
        "strong": build_strong_project(tmp_path_factory.mktemp("strong") / "ledgerline").path,
        "weak": build_weak_project(tmp_path_factory.mktemp("weak") / "calculator").path,
    }
    if (THIS_REPOSITORY / ".git").exists():
        found["this repository"] = THIS_REPOSITORY
    return found


@pytest.mark.parametrize("name", ["strong", "weak", "this repository"])
def test_workers_and_early_threads_give_the_sequential_card(
    name: str, repositories: dict[str, Path], default_pack: RulePack
) -> None:
    if name not in repositories:
        pytest.skip("this checkout has no .git folder")
    path = repositories[name]

    sequential = comparable(Snapshot.open(path, Limits(workers=1)), default_pack)
    pooled = comparable(Snapshot.open(path, Limits(workers=2)), default_pack)
    automatic = comparable(Snapshot.open(path), default_pack)

    assert pooled == sequential
    assert automatic == sequential


def test_the_workers_really_ran(repositories: dict[str, Path]) -> None:
    snapshot = Snapshot.open(repositories["strong"], Limits(workers=2))
    pending = PendingModules(snapshot.python_sources, max_depth=400, workers=2)

    assert pending.workers == 2
    assert [m.path for m in pending.result()] == [path for path, _ in snapshot.python_sources]


DEEP = "x = " + "[" * 120 + "]" * 120 + "\n"
ODD_SOURCES = [
    ("ok.py", '"""Doc."""\n\ndef f(a, b=1):\n    """Twice."""\n    return a + b  # sum\n'),
    ("broken.py", "def f(:\n    pass\n"),
    ("deep.py", '"""Deep."""\n' + DEEP),
    ("nul.py", "x = 1\x00\n"),
    ("tests/test_x.py", "import pytest\n\ndef test_a():\n    assert 1\n"),
    ("unicode.py", "café = 'naïve'\nprint(café)\n"),
    ("empty.py", ""),
    ("crlf.py", "x = 1\r\ny = [\r\n  2,\r\n]\r\n"),
]


def as_data(module: python.PythonModule) -> tuple[Any, ...]:
    summaries = {k: repr(v) for k, v in module.summaries.items()}
    return (module.path, module.error, module.counts, module.is_test, summaries)


def test_odd_files_analyse_the_same_in_workers_and_here() -> None:
    here = PendingModules(ODD_SOURCES, max_depth=100, workers=1).result()
    pooled = PendingModules(ODD_SOURCES, max_depth=100, workers=2)

    assert pooled.workers == 2
    assert [as_data(m) for m in pooled.result()] == [as_data(m) for m in here]
    by_path = {m.path: m for m in here}
    assert by_path["broken.py"].error is not None and not by_path["broken.py"].parsed
    assert by_path["deep.py"].error == "nested deeper than 100 levels"
    assert by_path["nul.py"].error is not None
    assert by_path["ok.py"].counts.docstring == 2


def test_the_walk_meets_nodes_in_ast_walk_order() -> None:
    text = (THIS_REPOSITORY / "auditor" / "source" / "languages" / "python.py").read_text("utf-8")
    tree = ast.parse(text)

    nodes, depth, _ = python._walk(tree, 10_000)

    assert nodes == list(ast.walk(tree))
    assert depth > 5


@module_summary
def _raising_summary(module: ParsedModule) -> int:
    if module.path == "ok.py":
        raise LookupError("no luck")
    return len(module.nodes)


def test_a_summary_that_raises_raises_where_it_is_read() -> None:
    try:
        modules = PendingModules(ODD_SOURCES, max_depth=100, workers=2).result()
        ok = next(m for m in modules if m.path == "ok.py")
        with pytest.raises(LookupError, match="no luck"):
            _raising_summary(ok)
        unicode = next(m for m in modules if m.path == "unicode.py")
        assert _raising_summary(unicode) > 0
    finally:
        del python._SUMMARIES[_raising_summary.key]
    assert _raising_summary.key not in {s.key for s in registered_summaries()}


def test_a_summary_registered_late_is_computed_from_the_tree() -> None:
    (module,) = [analyse_module("late.py", "def f():\n    return 1\n", max_depth=100, summaries=())]
    assert module.summaries == {}

    def count(parsed: ParsedModule) -> int:
        return sum(isinstance(n, ast.Return) for n in parsed.nodes)

    late = python.TreeSummary(count)
    assert late(module) == 1
    assert module.tree is not None


def reference_corpus() -> list[tuple[str, str]]:
    """This repository's Python files and a slice of the standard library: real code with
    docstrings, decorators, nested functions, comprehensions, match statements, f-strings."""
    import sysconfig

    roots = [THIS_REPOSITORY / "auditor", THIS_REPOSITORY / "tests"]
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    roots += [stdlib / name for name in ("json", "email", "asyncio", "re", "importlib")]
    files = sorted(p for root in roots if root.is_dir() for p in root.rglob("*.py"))
    files += [stdlib / name for name in ("ast.py", "dataclasses.py", "argparse.py", "typing.py")]
    return [(str(p), p.read_text("utf-8", "replace")) for p in files if p.is_file()]


def test_line_counts_equal_a_tokenize_pass() -> None:
    checked = 0
    for path, text in reference_corpus():
        try:
            ast.parse(text)
        except SyntaxError:
            continue
        fast = python_lines.count_lines(text, 0, parsed=True)
        slow = python_lines.count_lines(text, 0)
        assert fast == slow, path
        checked += 1
    assert checked > 100


def test_complexity_and_halstead_equal_radons() -> None:
    from radon.metrics import h_visit_ast
    from radon.visitors import ComplexityVisitor

    from auditor.source.languages.python_measures import TreeMeasures

    checked = 0
    for path, text in reference_corpus():
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        measures = TreeMeasures.of(tree)
        radon = ComplexityVisitor.from_ast(tree)
        assert (measures.functions, measures.classes) == (radon.functions, radon.classes), path
        assert measures.total_complexity == radon.total_complexity, path
        assert measures.volume == h_visit_ast(tree).total.volume, path
        checked += 1
    assert checked > 100


@pytest.mark.parametrize(
    "source",
    [
        'x = \'a#b\'  # real\ny = """\n# not a comment\n\n"""\n',
        "s = f'{x!r:>{w}}' \\\n    'tail'\nz = [\n    1,  # one\n\n    2,\n]\n",
        "b = rb'\\\\' + '\\\n  continued'\n\n\n# end\n",
        "def f():\n    '''Doc.\n\n    More.'''\n    return 1\n",
        "match x:\n    case [1, *_]:\n        pass\n    case _:\n        pass\n",
        "class A(B, metaclass=M):\n    assert x and y, 'msg' + z\n"
        "    def m(self): return a if b else c\n",
    ],
)
def test_tricky_sources_agree_with_the_references(source: str) -> None:
    from radon.metrics import h_visit_ast
    from radon.visitors import ComplexityVisitor

    from auditor.source.languages.python_measures import TreeMeasures

    tree = ast.parse(source)
    assert python_lines.count_lines(source, 0, parsed=True) == python_lines.count_lines(source, 0)
    measures = TreeMeasures.of(tree)
    radon = ComplexityVisitor.from_ast(tree)
    assert (measures.functions, measures.classes) == (radon.functions, radon.classes)
    assert measures.total_complexity == radon.total_complexity
    assert measures.volume == h_visit_ast(tree).total.volume


def test_without_worker_processes_the_work_is_done_here(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("daemonic processes are not allowed to have children")

    monkeypatch.setattr(python_workers, "ProcessPoolExecutor", refuse)
    pending = PendingModules(ODD_SOURCES, max_depth=100, workers=2)

    assert pending.workers == 1
    here = PendingModules(ODD_SOURCES, max_depth=100, workers=1).result()
    assert [as_data(m) for m in pending.result()] == [as_data(m) for m in here]


def _lost_worker(*args: object) -> None:
    raise MemoryError("the worker died")


def test_a_chunk_whose_worker_fails_is_analysed_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(python_workers, "_analyse_chunk", _lost_worker)
    pending = PendingModules(ODD_SOURCES, max_depth=100, workers=2)

    here = PendingModules(ODD_SOURCES, max_depth=100, workers=1).result()
    assert pending.workers == 2
    assert [as_data(m) for m in pending.result()] == [as_data(m) for m in here]


def test_a_stream_is_read_once_and_its_failure_raised_where_it_is_read() -> None:
    def stream() -> Iterator[tuple[str, str]]:
        yield from ODD_SOURCES[:3]
        raise OSError("git cat-file died")

    pending = PendingModules(stream(), max_depth=100, workers=2, expected_bytes=10_000)
    with pytest.raises(OSError, match="cat-file"):
        pending.result()

    lazy = PendingModules(iter(ODD_SOURCES), max_depth=100, workers=1, expected_bytes=10)
    assert lazy.sources == tuple(ODD_SOURCES)
    assert len(lazy.result()) == len(ODD_SOURCES)


def test_with_threads_running_the_workers_come_from_a_fork_server() -> None:
    import threading

    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        pending = PendingModules(ODD_SOURCES, max_depth=100, workers=2)
        modules = pending.result()
    finally:
        stop.set()
        other.join()

    here = PendingModules(ODD_SOURCES, max_depth=100, workers=1).result()
    assert pending.workers == 2
    assert [as_data(m) for m in modules] == [as_data(m) for m in here]


def test_a_stream_read_from_two_threads_at_once_is_read_once() -> None:
    import threading
    import time

    def slow() -> Iterator[tuple[str, str]]:
        for source in ODD_SOURCES:
            time.sleep(0.01)
            yield source

    pending = PendingModules(slow(), max_depth=100, workers=1, expected_bytes=10)
    results: dict[str, object] = {}

    def read(name: str, get: Callable[[], object]) -> None:
        try:
            results[name] = get()
        except Exception as exc:  # noqa: BLE001 - the assertion below shows it
            results[name] = exc

    threads = [
        threading.Thread(target=read, args=("sources", lambda: pending.sources)),
        threading.Thread(target=read, args=("modules", pending.result)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results["sources"] == tuple(ODD_SOURCES)
    modules = results["modules"]
    assert isinstance(modules, tuple) and len(modules) == len(ODD_SOURCES)
