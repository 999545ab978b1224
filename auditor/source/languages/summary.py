"""What the checks know about one module, in terms no language owns.

A :class:`~auditor.source.languages.Language` reads a source file and returns a
:class:`ModuleSummary`: its lines, its functions with their complexity and length, its classes,
its imports, its public API and, in test code, its test functions. The checks read only these
frozen, picklable values, so adding a language is one module that fills them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LineCounts:
    """Physical line counts of one file."""

    lines: int  # physical lines
    code: int  # lines holding at least one code token (radon's "sloc")
    comments: int  # lines holding a comment
    blank: int
    docstring: int  # lines inside module, class and function docstrings (counted in ``code``)


@dataclass(frozen=True)
class FunctionSummary:
    """One function or method: where it starts, how many paths run through it, how long it is."""

    name: str  # qualified: "Parser.parse", "outer.inner" for a closure
    line: int  # the line of its definition
    complexity: int  # cyclomatic complexity: one plus its decision points
    length: int  # lines from the definition to its last statement


@dataclass(frozen=True)
class ClassSummary:
    """One class (or the language's nearest equivalent)."""

    name: str  # qualified: "Outer.Inner"
    line: int


@dataclass(frozen=True)
class ImportSummary:
    """One module a file imports."""

    module: str  # dotted: "os.path"; relative imports keep their leading dots
    line: int


@dataclass(frozen=True)
class UnitTest:
    """One test function or method in test code."""

    name: str  # qualified: "TestParser.test_empty"
    line: int


@dataclass(frozen=True)
class PublicDefinition:
    """A public module, class or function, and how well it documents itself."""

    path: str
    line: int
    kind: str  # "module", "class" or "function"
    name: str  # qualified within its module: "Parser.parse"
    documented: bool
    needs_docstring: bool  # False for constructors (their class documents them), overloads, setters
    missing_hints: tuple[str, ...] = ()  # unannotated parameters, and "return"


@dataclass(frozen=True)
class ModuleSummary:
    """One source file, as the checks see it, whatever its language.

    ``functions`` and ``maintainability`` are measured for code outside tests only (no rule
    judges the complexity of tests); ``test_functions`` are found in tests only.
    """

    path: str
    language: str  # the :attr:`Language.name` that read it: "python"
    is_test: bool
    lines: LineCounts
    #: Why the language's parser could not read the module; None when it could. A module
    #: that does not parse has its line counts and nothing else.
    parse_error: str | None = None
    #: Whether the complexity measures were taken: False for tests, modules that do not
    #: parse, and modules the measuring failed on (see :attr:`measure_failed`).
    measured: bool = False
    measure_failed: bool = False  # parsed, outside tests, yet the measuring raised
    functions: tuple[FunctionSummary, ...] = ()
    classes: tuple[ClassSummary, ...] = ()
    imports: tuple[ImportSummary, ...] = ()
    public_api: tuple[PublicDefinition, ...] = ()
    test_functions: tuple[UnitTest, ...] = ()
    #: radon's maintainability index (0-100, higher is easier to maintain), when measured.
    maintainability: float | None = None

    @property
    def parsed(self) -> bool:
        """Whether the language's parser read the module."""
        return self.parse_error is None
