"""Code unsafe on its face (SEC001): what ruff's flake8-bandit rules find, kept where it counts,
and the auditor's own detectors for what ruff misses.

The bandit rules ride the lint run (:func:`auditor.facts.lint.security_diagnostics`); which
codes count, and when, is data (``rules/vocabulary/security.toml``, ``unsafe_code``). Two
things ruff does not see are found in the shared parse (:func:`security_clues`): a
``.run(debug=True)`` on an app imported from another module or built by a factory (ruff's
S201 follows only an app created in the same module), and a password stored or compared as
the client sent it (``user.password == request.form["password"]``). Test code is not judged.
A finding names the file, line and kind; never a value.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from auditor.facts.lint import security_diagnostics
from auditor.facts.modules import module_summaries
from auditor.facts.secret_clues import is_literal_secret, secret_kind
from auditor.source import ruff
from auditor.source.languages.python import ParsedModule, module_summary
from auditor.source.snapshot import Snapshot, fact
from auditor.source.suite_paths import is_test_path
from auditor.vocabulary import VocabularyError, records, term_set, terms

VOCABULARY = "security"
#: ruff's hard-coded password rules: counted only when the literal looks like a password.
HARD_CODED_PASSWORD = frozenset({"S105", "S106", "S107"})
#: ruff's rule for ``debug=True`` on a Flask app created in the same module.
FLASK_DEBUG = "S201"
#: The auditor's own detectors (ids of ``unsafe_code`` records).
DEBUG_SERVER = "debug-server"
PUBLIC_DEBUG_SERVER = "debug-server-public"
PLAINTEXT_PASSWORD = "plaintext-password"
#: The values ``only_when`` may take (see :func:`_condition_holds`).
CONDITIONS = (None, "untrusted_input", "password", "not_literal", "deployed")


@dataclass(frozen=True)
class UnsafeKind:
    """One record of ``unsafe_code``: what a finding is, why it matters, what is safe."""

    id: str
    source: str
    kind: str
    severity: str
    why: str
    safe: str
    only_when: str | None = None


@dataclass(frozen=True)
class UnsafeCode:
    """One place of code unsafe on its face."""

    rule: str  # ruff's code (S608) or the auditor's detector (plaintext-password)
    path: str
    line: int
    kind: str
    severity: str  # critical, high, medium or low

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "path": self.path,
            "line": self.line,
            "kind": self.kind,
            "severity": self.severity,
        }


@cache
def unsafe_kinds() -> Mapping[str, UnsafeKind]:
    """The records of ``unsafe_code``, by id."""
    found = records(VOCABULARY, "unsafe_code", ruff.SECURITY_RECORD_FIELDS)
    kinds = {str(r["id"]): UnsafeKind(**{k: str(v) for k, v in r.items()}) for r in found}
    severities = severity_order()
    for kind in kinds.values():
        if kind.severity not in severities:
            raise VocabularyError(f"unsafe_code {kind.id}: unknown severity {kind.severity!r}")
        if kind.only_when not in CONDITIONS:
            raise VocabularyError(f"unsafe_code {kind.id}: unknown only_when {kind.only_when!r}")
        if kind.source not in ("ruff", "auditor") or not (kind.why and kind.safe and kind.kind):
            raise VocabularyError(f"unsafe_code {kind.id}: needs source, kind, why and safe")
    return kinds


def severity_order() -> tuple[str, ...]:
    """The severities, most serious first."""
    return terms(VOCABULARY, "severities")


# ------------------------------------------------------------------------------ the fact


@fact
def unsafe_code(snapshot: Snapshot) -> tuple[UnsafeCode, ...]:
    """Every place of code unsafe on its face outside tests, sorted by path and line."""
    kinds = unsafe_kinds()
    found: dict[tuple[str, int, str], UnsafeCode] = {}

    def add(rule: str, path: str, line: int) -> None:
        kind = kinds[rule]
        found.setdefault((path, line, rule), UnsafeCode(rule, path, line, kind.kind, kind.severity))

    flask_debug: set[tuple[str, int]] = set()
    for diagnostic in security_diagnostics(snapshot):
        if is_test_path(diagnostic.path) or not _counts(snapshot, diagnostic):
            continue
        if diagnostic.code == FLASK_DEBUG:
            flask_debug.add((diagnostic.path, diagnostic.line))
        add(diagnostic.code, diagnostic.path, diagnostic.line)
    serves_debugger = _imports_debug_server(snapshot)
    for module in snapshot.python_modules:
        if not module.parsed or module.is_test:
            continue
        clues = security_clues(module)
        for call in clues.debug_calls:
            ruffs = (module.path, call.line) in flask_debug
            if call.public and (ruffs or serves_debugger):
                found.pop((module.path, call.line, FLASK_DEBUG), None)
                add(PUBLIC_DEBUG_SERVER, module.path, call.line)
            elif not ruffs and serves_debugger:
                add(DEBUG_SERVER, module.path, call.line)
        for line in clues.plaintext_passwords:
            add(PLAINTEXT_PASSWORD, module.path, line)
    return tuple(sorted(found.values(), key=lambda u: (u.path, u.line, u.rule)))


def _counts(snapshot: Snapshot, diagnostic: ruff.Diagnostic) -> bool:
    """Whether a bandit finding counts: its condition holds, and a hard-coded password is one."""
    kind = unsafe_kinds().get(diagnostic.code)
    if kind is None:
        return False
    text = _line(snapshot, diagnostic.path, diagnostic.line)
    if not _condition_holds(kind.only_when, text.lower(), diagnostic.message):
        return False
    if diagnostic.code in HARD_CODED_PASSWORD:
        return _is_real_password(diagnostic, text)
    return True


def _condition_holds(condition: str | None, line: str, message: str) -> bool:
    """Whether a record's ``only_when`` holds for a lower-cased line and ruff's message."""
    if condition == "untrusted_input":
        return any(marker in line for marker in terms(VOCABULARY, "untrusted_input_markers"))
    if condition == "password":
        return any(word in line for word in terms(VOCABULARY, "password_words"))
    if condition == "not_literal":
        return not any(p in message for p in terms(VOCABULARY, "safe_message_phrases"))
    return True  # "deployed" holds at every place: SEC001 weighs it by the project's kind


def _line(snapshot: Snapshot, path: str, number: int) -> str:
    text = snapshot.text(path) or ""
    lines = text.splitlines()
    return lines[number - 1] if 0 < number <= len(lines) else ""


def _is_real_password(diagnostic: ruff.Diagnostic, line: str) -> bool:
    """A hard-coded password is one when its name is a credential's and the literal looks
    like a credential (not a placeholder, a word, a path or an address)."""
    name = diagnostic.message.rpartition(': "')[2].rstrip('"')
    value = _string_at(line[diagnostic.column - 1 :])
    if value is None or secret_kind(name) is None or "://" in value:
        return False
    return is_literal_secret(value)


def _string_at(text: str) -> str | None:
    """The string literal at the start of ``text`` (after ``name =`` or ``name: type =``)."""
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.STRING:
                value = ast.literal_eval(token.string)
                return value if isinstance(value, str) else None
            if token.type == tokenize.NAME or (token.type == tokenize.OP and token.string in "=:"):
                continue
            return None
    except (tokenize.TokenError, SyntaxError, ValueError):
        return None
    return None


def _imports_debug_server(snapshot: Snapshot) -> bool:
    """Whether any module imports a web library whose development server has a debugger."""
    libraries = term_set(VOCABULARY, "debug_server_libraries")
    return any(
        imported.module.split(".")[0] in libraries
        for module in module_summaries(snapshot)
        for imported in module.imports
    )


# ------------------------------------------------------------------------------ the parse


@dataclass(frozen=True)
class DebugCall:
    """``<name>.run(debug=True)``: the line of ``debug=True``, and whether the call binds all
    interfaces (``host="0.0.0.0"``, or the host as the first argument, as Flask takes it)."""

    line: int
    public: bool


@dataclass(frozen=True)
class SecurityClues:
    """What one module's tree says about code ruff does not judge."""

    debug_calls: tuple[DebugCall, ...] = ()
    plaintext_passwords: tuple[int, ...] = ()  # lines


@module_summary
def security_clues(module: ParsedModule) -> SecurityClues:
    """Debug servers started on any app, and passwords stored or compared in plain text."""
    if module.is_test:
        return SecurityClues()
    debug: list[DebugCall] = []
    plaintext: list[int] = []
    for node in module.nodes_of(ast.Call, ast.Compare, ast.Assign):
        call = _debug_call(node) if isinstance(node, ast.Call) else None
        if call is not None:
            debug.append(call)
        if _plaintext_password(node):
            plaintext.append(getattr(node, "lineno", 1))
    return SecurityClues(tuple(debug), tuple(sorted(set(plaintext))))


def _debug_call(node: ast.Call) -> DebugCall | None:
    func = node.func
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
        return None
    if func.attr not in term_set(VOCABULARY, "debug_server_methods"):
        return None
    keywords = {k.arg: k for k in node.keywords if k.arg}
    debug = keywords.get("debug")
    if debug is None or not (isinstance(debug.value, ast.Constant) and debug.value.value is True):
        return None
    given = keywords.get("host")
    host = given.value if given is not None else (node.args[0] if node.args else None)
    public = isinstance(host, ast.Constant) and host.value in term_set(VOCABULARY, "all_interfaces")
    return DebugCall(debug.lineno, public)


def _is_password(name: str) -> bool:
    return name.lower() in term_set(VOCABULARY, "password_words")


def _chain(node: ast.AST) -> Iterator[ast.AST]:
    """The node and what it is taken from: ``a.b["c"].get("d")`` down to ``a``."""
    while True:
        yield node
        if isinstance(node, ast.Attribute | ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        else:
            return


def _root_is_request(node: ast.AST) -> bool:
    *_, root = _chain(node)
    return isinstance(root, ast.Name) and root.id in term_set(VOCABULARY, "request_names")


def _names_password(node: ast.AST) -> bool:
    """Whether an attribute, a constant key or a ``.get("…")`` argument is a password word."""
    if isinstance(node, ast.Attribute):
        return _is_password(node.attr)
    if isinstance(node, ast.Subscript):
        key = node.slice
        return (
            isinstance(key, ast.Constant) and isinstance(key.value, str) and _is_password(key.value)
        )
    if isinstance(node, ast.Call) and node.args:
        first = node.args[0]
        return (
            isinstance(first, ast.Constant)
            and isinstance(first.value, str)
            and _is_password(first.value)
        )
    return False


def _request_read(node: ast.AST) -> bool:
    """A password as the client sent it: ``request.form["password"]``, ``form.password.data``."""
    if not isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        return False
    return _root_is_request(node) and any(_names_password(part) for part in _chain(node))


def _stored_password(node: ast.AST) -> bool:
    """A stored password: ``user.password``, ``row["password"]`` (not one read from a request)."""
    if not isinstance(node, ast.Attribute | ast.Subscript):
        return False
    return _names_password(node) and not _root_is_request(node)


def _compares_plaintext(node: ast.Compare) -> bool:
    if len(node.ops) != 1 or not isinstance(node.ops[0], ast.Eq | ast.NotEq):
        return False
    left, right = node.left, node.comparators[0]
    for stored, given in ((left, right), (right, left)):
        if not _stored_password(stored):
            continue
        if isinstance(given, ast.Name) and _is_password(given.id):
            return True
        if _request_read(given):
            return True
    return False


def _plaintext_password(node: ast.AST) -> bool:
    if isinstance(node, ast.Call):
        return _stores_in_constructor(node)
    if isinstance(node, ast.Compare):
        return _compares_plaintext(node)
    return isinstance(node, ast.Assign) and _stores_plaintext(node)


def _stores_plaintext(node: ast.Assign) -> bool:
    """``user.password = request.form["password"]``."""
    return _request_read(node.value) and any(_stored_password(t) for t in node.targets)


def _stores_in_constructor(node: ast.Call) -> bool:
    """``User(name=…, password=request.form["password"])``: a model built with the password
    as sent (a capitalised callee is a class; ``create_user(password=…)`` hashes it)."""
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if not name[:1].isupper():
        return False
    return any(
        k.arg is not None and _is_password(k.arg) and _request_read(k.value) for k in node.keywords
    )
