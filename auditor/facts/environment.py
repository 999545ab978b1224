"""Configuration read from the environment, and the example files that document it.

The system variables, the libraries that read the environment and the words that mark an
example environment file are data: ``rules/vocabulary/environment.toml``. File names are
matched by splitting them into words, never by a regular expression, so a crafted name
costs time linear in its length.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache

from auditor.source.languages.python import ParsedModule, module_summary
from auditor.source.snapshot import Snapshot, fact, is_vendored
from auditor.vocabulary import VocabularyError, records, term_set, terms

VOCABULARY = "environment"


@dataclass(frozen=True)
class EnvironmentRead:
    """One place in the code that reads configuration from the environment."""

    path: str
    line: int
    how: str  # "os.getenv", "os.environ", "pydantic BaseSettings", "python-dotenv"…
    variable: str | None  # the variable's name when it is a constant

    @property
    def note(self) -> str:
        return f"{self.how} {self.variable}" if self.variable else self.how

    @property
    def is_configuration(self) -> bool:
        """Whether the read is configuration a user supplies (not HOME, PATH, CI…)."""
        return self.variable is None or self.variable.upper() not in system_variables()


def system_variables() -> frozenset[str]:
    """Variables every environment has."""
    return term_set(VOCABULARY, "system_variables")


@cache
def environment_libraries() -> Mapping[str, str]:
    """Module name -> the package (as users know it) of libraries that read the environment."""
    table = {}
    for record in records(VOCABULARY, "libraries", ("module", "package")):
        module, package = record.get("module"), record.get("package")
        if not isinstance(module, str) or not isinstance(package, str):
            raise VocabularyError(f"vocabulary {VOCABULARY!r}: libraries need module and package")
        table[module] = package
    return table


@fact
def environment_reads(snapshot: Snapshot) -> tuple[EnvironmentRead, ...]:
    """Every read of the environment in the application code (not tests or build scripts)."""
    reads: list[EnvironmentRead] = []
    for module in snapshot.python_modules:
        if module.parsed:
            reads.extend(environment_reads_in(module))
    return tuple(reads)


@module_summary
def environment_reads_in(module: ParsedModule) -> tuple[EnvironmentRead, ...]:
    """The reads of the environment in one module (none in tests and build scripts)."""
    if module.is_test or _is_build_script(module.path):
        return ()
    return tuple(_EnvironmentScanner(module).scan())


def _is_build_script(path: str) -> bool:
    parts = path.split("/")
    return parts[-1] in term_set(VOCABULARY, "not_application_code") or parts[0] in ("docs", "doc")


#: The kinds of node the scanner looks at: imports, then the reads (:meth:`_reads`).
_SCANNED_NODES = frozenset(
    {ast.Import, ast.ImportFrom, ast.Call, ast.Subscript, ast.Compare, ast.ClassDef}
)


class _EnvironmentScanner:
    """The names a module binds to ``os``, ``os.environ``, ``os.getenv`` and friends."""

    def __init__(self, module: ParsedModule) -> None:
        self.module = module
        self.libraries = environment_libraries()
        self.os_names: set[str] = set()
        self.environ_names: set[str] = set()
        self.getenv_names: set[str] = set()
        self.decouple_modules: set[str] = set()
        self.config_names: set[str] = set()
        self.settings_bases: set[str] = {"BaseSettings"}

    def scan(self) -> Iterator[EnvironmentRead]:
        nodes = self.module.nodes_of(*_SCANNED_NODES)
        for node in nodes:
            if isinstance(node, ast.Import | ast.ImportFrom):
                yield from self._imports(node)
        for node in nodes:
            yield from self._reads(node)

    def _read(self, node: ast.AST, how: str, variable: ast.AST | None = None) -> EnvironmentRead:
        name = None
        if isinstance(variable, ast.Constant) and isinstance(variable.value, str):
            name = variable.value[:80]
        return EnvironmentRead(self.module.path, getattr(node, "lineno", 1), how, name)

    def _imports(self, node: ast.Import | ast.ImportFrom) -> Iterator[EnvironmentRead]:
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                if alias.name == "os":
                    self.os_names.add(alias.asname or "os")
                elif alias.name == "decouple":
                    self.decouple_modules.add(alias.asname or "decouple")
                elif top in self.libraries:  # ``import environ`` is django-environ
                    yield self._read(node, self.libraries[top])
            return
        module = (node.module or "").split(".")[0] if node.level == 0 else ""
        for alias in node.names:
            bound = alias.asname or alias.name
            if module == "os" and alias.name == "environ":
                self.environ_names.add(bound)
            elif module == "os" and alias.name == "getenv":
                self.getenv_names.add(bound)
            elif module == "decouple" and alias.name == "config":
                self.config_names.add(bound)  # the read is where config(...) is called
            elif module in ("pydantic", "pydantic_settings") and alias.name == "BaseSettings":
                self.settings_bases.add(bound)
            elif module in self.libraries:
                yield self._read(node, self.libraries[module])
                return

    def _is_environ(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.environ_names
        return (
            isinstance(node, ast.Attribute)
            and node.attr == "environ"
            and isinstance(node.value, ast.Name)
            and node.value.id in self.os_names
        )

    def _reads(self, node: ast.AST) -> Iterator[EnvironmentRead]:
        if isinstance(node, ast.Call):
            yield from self._call(node)
        elif isinstance(node, ast.Subscript):
            if isinstance(node.ctx, ast.Load) and self._is_environ(node.value):
                yield self._read(node, "os.environ", node.slice)
        elif isinstance(node, ast.Compare):
            if any(isinstance(op, ast.In | ast.NotIn) for op in node.ops) and any(
                self._is_environ(c) for c in node.comparators
            ):
                yield self._read(node, "os.environ", node.left)
        elif isinstance(node, ast.ClassDef):
            for base in node.bases:
                name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", None)
                if name in self.settings_bases:
                    yield EnvironmentRead(
                        self.module.path, node.lineno, "pydantic BaseSettings", node.name
                    )

    def _call(self, node: ast.Call) -> Iterator[EnvironmentRead]:
        func = node.func
        first = node.args[0] if node.args else None
        if isinstance(func, ast.Name) and func.id in self.getenv_names:
            yield self._read(node, "os.getenv", first)
        elif isinstance(func, ast.Name) and func.id in self.config_names:
            yield self._read(node, "decouple.config", first)
        elif isinstance(func, ast.Attribute):
            owner = func.value
            owner_name = owner.id if isinstance(owner, ast.Name) else None
            if func.attr == "getenv" and owner_name in self.os_names:
                yield self._read(node, "os.getenv", first)
            elif func.attr == "get" and self._is_environ(owner):
                yield self._read(node, "os.environ.get", first)
            elif func.attr == "config" and owner_name in self.decouple_modules:
                yield self._read(node, "decouple.config", first)


# ----------------------------------------------------------------------------- example files

_SEPARATORS = str.maketrans("._-", "   ")


def is_env_example_name(name: str) -> bool:
    """Whether a file name is an example environment file.

    ``.env.example``, ``.env.local.sample``, ``app.env.template``, ``env-sample.txt``: a word
    ``env`` followed, after more words, by one starting with an example word; or
    ``example.env``, ``sample_env``: an example word joined to ``env`` ending the name.
    """
    lower = name.lower()
    words = lower.translate(_SEPARATORS).split()
    if "env" in words:
        after = words[words.index("env") + 1 :]
        marks = terms(VOCABULARY, "example_file_words")
        if any(word.startswith(marks) for word in after):
            return True
    for word in terms(VOCABULARY, "example_file_prefix_words"):
        if lower.startswith(word):
            rest = lower[len(word) :]
            rest = rest[1:] if rest[:1] in ("_", "-", ".") else rest
            rest = rest[1:] if rest[:1] == "." else rest
            if rest == "env":
                return True
    return False


@fact
def env_example_files(snapshot: Snapshot) -> tuple[str, ...]:
    """Example environment files (.env.example, .env.sample, example.env…) anywhere."""
    return tuple(
        sorted(
            path
            for path, entry in snapshot.files.items()
            if is_env_example_name(entry.name) and not is_vendored(path)
        )
    )
