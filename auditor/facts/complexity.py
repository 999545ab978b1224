"""Complexity measures of the code outside tests: functions and modules, from the summaries.

Each module's functions and maintainability index are measured where the module is parsed
(:func:`~auditor.source.languages.python.neutral_summary`); this gathers them for the CPX
rules and the ``complexity`` signal.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.facts.generated import generated_files
from auditor.facts.modules import code_summaries
from auditor.source.languages.summary import ModuleSummary
from auditor.source.snapshot import Snapshot, fact


@dataclass(frozen=True)
class FunctionMeasure:
    """One function or method: its cyclomatic complexity and its length in lines."""

    path: str
    name: str  # qualified: "Parser.parse", "outer.inner" for a closure
    line: int  # the ``def`` line
    complexity: int
    length: int  # lines from ``def`` to the last statement


@dataclass(frozen=True)
class ModuleMeasure:
    """One module that could be measured: its maintainability index and its size."""

    path: str
    code_lines: int
    maintainability: float


@dataclass(frozen=True)
class ComplexityFacts:
    """The complexity measurements of the code outside tests, vendored folders and
    generated files (migrations, protobuf output)."""

    sources: tuple[ModuleSummary, ...]  # every such module, parsed or not
    functions: tuple[FunctionMeasure, ...]
    modules: tuple[ModuleMeasure, ...]
    failures: tuple[str, ...]  # paths that parsed but could not be measured

    def failure_note(self) -> str:
        """A sentence naming the files that could not be measured; empty when none."""
        if not self.failures:
            return ""
        count = len(self.failures)
        shown = ", ".join(self.failures[:3]) + (", …" if count > 3 else "")
        files = f"{count:,} file{'' if count == 1 else 's'}"
        return f" radon could not analyse {files} ({shown})."


@fact
def complexity_facts(snapshot: Snapshot) -> ComplexityFacts:
    """The measures of every module outside tests and generated code (a parse error is the
    python signal's)."""
    generated = generated_files(snapshot)
    sources = tuple(m for m in code_summaries(snapshot) if m.path not in generated)
    functions: list[FunctionMeasure] = []
    modules: list[ModuleMeasure] = []
    failures: list[str] = []
    for module in sources:
        if module.measure_failed:
            failures.append(module.path)
        if not module.measured or module.maintainability is None:
            continue
        functions.extend(
            FunctionMeasure(module.path, f.name, f.line, f.complexity, f.length)
            for f in module.functions
        )
        modules.append(ModuleMeasure(module.path, module.lines.code, module.maintainability))
    return ComplexityFacts(sources, tuple(functions), tuple(modules), tuple(failures))
