"""Hygiene primitives (GIT004-GIT007) and the ``hygiene`` signal group.

What a reviewer notices before reading any code: a missing ``.gitignore``, committed caches
and virtualenvs, and credentials, either in the files at HEAD or in a secret-holding file
that was once committed. Secret values never leave this module: findings name the file, the
line and the kind of secret, nothing more.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from auditor.checks.registry import primitive, signal_group
from auditor.model import Evidence, Outcome
from auditor.source.snapshot import Snapshot, fact, is_vendored

_MAX_EVIDENCE = 20
_MAX_SIGNAL_PATHS = 50

# ------------------------------------------------------------------------------ GIT004


@primitive("gitignore_present")
def gitignore_present(snapshot: Snapshot) -> Outcome:
    """A .gitignore is committed at the root of the repository."""
    entry = snapshot.files.get(".gitignore")
    if entry is None:
        nested = sorted(p for p in snapshot.files if p.endswith("/.gitignore"))
        also = f" (only nested ones, e.g. {nested[0]})" if nested else ""
        return Outcome.failed(
            f"No .gitignore at the root of the repository{also}. Add one (GitHub's Python "
            "template is a good start) so caches, environments and secrets stay out of git."
        )
    if entry.size == 0:
        return Outcome.failed(
            "The .gitignore is empty: list caches (__pycache__/), environments (.venv/) and "
            "secrets (.env) in it.",
            (Evidence(".gitignore"),),
        )
    return Outcome.passed("A .gitignore is committed at the root.", (Evidence(".gitignore"),))


# ------------------------------------------------------------------------------ GIT005

#: Folders that hold caches, environments, build output or editor state, at any depth.
_JUNK_DIRS = frozenset(
    {
        "__pycache__",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
        ".hypothesis",
        ".tox",
        ".nox",
        ".eggs",
        ".ipynb_checkpoints",
        "node_modules",
        "venv",
        ".venv",
        "site-packages",
        ".idea",
        ".vscode",
    }
)
#: Output folders that are junk at the root, where build tools put them.
_ROOT_JUNK_DIRS = frozenset({"build", "dist", "htmlcov"})
_JUNK_NAMES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini", ".coverage"})
_JUNK_SUFFIXES = (".pyc", ".pyo", ".swp", ".swo")


@dataclass(frozen=True)
class JunkGroup:
    """Committed junk of one kind: a folder (``root`` ends with "/") or a file."""

    kind: str  # "venv/", "__pycache__/", "*.egg-info/", ".DS_Store", "*.pyc", ...
    root: str  # the junk folder ("src/__pycache__/") or the junk file's path
    files: int


@fact
def committed_junk(snapshot: Snapshot) -> tuple[JunkGroup, ...]:
    """Junk folders and files at HEAD (symlinks included), largest first."""
    paths = [*snapshot.files, *snapshot.symlinks]
    venvs = {p[: -len("/pyvenv.cfg")] for p in paths if p.endswith("/pyvenv.cfg")}
    groups: dict[str, tuple[str, int]] = {}
    for path in paths:
        found = _junk_of(path, venvs)
        if found is not None:
            kind, root = found
            groups[root] = (kind, groups.get(root, (kind, 0))[1] + 1)
    junk = [JunkGroup(kind, root, count) for root, (kind, count) in groups.items()]
    return tuple(sorted(junk, key=lambda g: (-g.files, g.root)))


def _junk_of(path: str, venvs: set[str]) -> tuple[str, str] | None:
    """(kind, root) when a path is junk, judged by its outermost junk folder or its name."""
    parts = path.split("/")
    for depth, folder in enumerate(parts[:-1]):
        root = "/".join(parts[: depth + 1])
        if folder in _JUNK_DIRS or root in venvs or (depth == 0 and folder in _ROOT_JUNK_DIRS):
            return f"{folder}/", f"{root}/"
        if folder.endswith(".egg-info"):
            return "*.egg-info/", f"{root}/"
    name = parts[-1]
    if name in _JUNK_NAMES or name == "pyvenv.cfg":
        return name, path
    if name.endswith(_JUNK_SUFFIXES):
        return f"*{PurePosixPath(name).suffix}", path
    if name.endswith("~"):
        return "*~", path
    return None


@primitive("no_junk")
def no_junk(snapshot: Snapshot) -> Outcome:
    """No caches, environments, build output or editor files are committed."""
    if not snapshot.has_history:
        return Outcome.skipped(
            "Not under version control: nothing is committed, so nothing is judged as junk."
        )
    junk = committed_junk(snapshot)
    if not junk:
        return Outcome.passed("No caches, environments, build output or editor files committed.")
    by_kind: dict[str, list[JunkGroup]] = {}
    for group in junk:
        by_kind.setdefault(group.kind, []).append(group)
    summary = []
    for kind, groups in sorted(by_kind.items(), key=lambda kv: -sum(g.files for g in kv[1])):
        total = sum(g.files for g in groups)
        if not kind.endswith("/"):
            summary.append(f"{kind} \N{MULTIPLICATION SIGN}{total:,}")
        elif len(groups) == 1:
            summary.append(f"{_files(total)} under {groups[0].root}")
        else:
            summary.append(f"{total:,} files under {len(groups)} {kind} folders")
    evidence = tuple(
        Evidence(g.root, None, _files(g.files) if g.root.endswith("/") else None)
        for g in junk[:_MAX_EVIDENCE]
    )
    return Outcome.failed(
        f"Committed junk: {', '.join(summary)}. Remove it with `git rm -r --cached PATH` and "
        "list it in .gitignore.",
        evidence,
    )


def _files(count: int) -> str:
    return f"{count:,} file{'s' if count != 1 else ''}"


# ------------------------------------------------------------------------------ GIT006


@dataclass(frozen=True)
class SecretHit:
    """A suspected secret: where it is and what kind, never its value."""

    path: str
    line: int
    kind: str


@dataclass(frozen=True)
class _TokenFormat:
    kind: str
    needles: tuple[str, ...]  # literal text the token must contain: a cheap filter per file
    pattern: re.Pattern[str]
    value_group: int = 0


def _token(kind: str, needles: tuple[str, ...], pattern: str, group: int = 0) -> _TokenFormat:
    return _TokenFormat(kind, needles, re.compile(pattern), group)


#: Credential formats recognised by their shape. Every quantifier is bounded and every
#: pattern starts with a literal, so a scan is linear in the size of the file.
_TOKEN_FORMATS = (
    _token(
        "private key",
        ("PRIVATE KEY",),
        # the header followed by key material, so documentation quoting a header is not a key
        r"-----BEGIN (?:RSA |DSA |EC |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----"
        r"\s{1,5}(?:[A-Za-z-]{1,20}:[^\n]{0,120}\s{1,5}){0,4}[A-Za-z0-9+/=]{20}",
    ),
    _token("AWS access key id", ("AKIA", "ASIA"), r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    _token(
        "AWS secret access key",
        ("aws", "AWS", "Aws"),
        r"(?i)aws_?secret_?(?:access_?)?key[\"']?\s{0,5}[:=]\s{0,5}[\"']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])",
        1,
    ),
    _token("GitHub token", ("gh",), r"\bgh[pousr]_[A-Za-z0-9]{36,251}\b"),
    _token("GitHub token", ("github_pat_",), r"\bgithub_pat_[A-Za-z0-9_]{60,255}\b"),
    _token("GitLab token", ("glpat-",), r"\bglpat-[A-Za-z0-9_-]{20,64}"),
    _token("Slack token", ("xox",), r"\bxox[abpr]-[A-Za-z0-9-]{10,250}"),
    _token(
        "Slack webhook URL",
        ("hooks.slack.com",),
        r"hooks\.slack\.com/services/T[A-Za-z0-9]{6,20}/B[A-Za-z0-9]{6,20}/[A-Za-z0-9]{16,40}",
    ),
    _token("Stripe live key", ("_live_",), r"\b[sr]k_live_[A-Za-z0-9]{20,247}"),
    _token("Google API key", ("AIza",), r"\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])"),
    _token("Anthropic API key", ("sk-ant-",), r"(?<![\w-])sk-ant-[A-Za-z0-9_-]{20,250}"),
    _token(
        "OpenAI API key",
        ("sk-",),
        r"(?<![\w-])sk-(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,250}",
    ),
    _token("SendGrid API key", ("SG.",), r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![\w-])"),
    _token("npm token", ("npm_",), r"\bnpm_[A-Za-z0-9]{36}\b"),
    _token("Hugging Face token", ("hf_",), r"\bhf_[A-Za-z0-9]{34}\b"),
    _token("PyPI token", ("pypi-",), r"\bpypi-AgE[A-Za-z0-9_-]{50,250}"),
)

#: Files where ``name = "value"`` is configuration, and so where a hard-coded secret hides.
_CONFIG_SUFFIXES = frozenset(
    {".py", ".json", ".yml", ".yaml", ".toml", ".ini", ".cfg", ".conf", ".properties", ".env"}
)
#: Key names (lower-cased, without ``_``, ``-`` and ``.``) ending so hold a credential.
_SECRET_KEY_ENDINGS = (
    "password",
    "passwd",
    "passphrase",
    "pwd",
    "secret",
    "secretkey",
    "apikey",
    "accesskey",
    "privatekey",
    "token",
    "clientsecret",
)
#: In a .env file almost every credential-like name counts.
_ENV_KEY_ENDINGS = (*_SECRET_KEY_ENDINGS, "key", "pass", "dsn", "auth", "credentials")
#: A name ending in a credential word, then ``=`` or ``:`` and a value, matched in text
#: lower-cased (ASCII only, so offsets hold) because a case-insensitive pattern is 8x slower.
#: It starts at the credential word, so the scan only stops where one appears; the rest of
#: the name is read backwards from there.
_ASSIGNMENT = re.compile(
    r"""(?:pass(?:word|wd|phrase)|pwd|secret(?:[_.-]?key)?|api[_.-]?key|access[_.-]?key
        |private[_.-]?key|token|client[_.-]?secret)
        ["']?[ \t]{0,20}
        (?::[ \t]{0,20}[A-Za-z_][\w\[\]|., ]{0,40}?[ \t]{0,20}(?==))?   # a Python annotation
        [:=](?!=)[ \t]{0,20}
        (?P<value>"[^"\n]{0,1000}"|'[^'\n]{0,1000}'|[^\s"'#;,]{1,200})""",
    re.VERBOSE,
)
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_KEY_CHARS = frozenset(string.ascii_letters + string.digits + "_.-")
_MAX_KEY = 64
_ENV_LINE = re.compile(
    r"^(?:export[ \t]+)?(?P<key>[A-Za-z_][A-Za-z0-9_.-]{0,127})[ \t]*=[ \t]*(?P<value>.*)$"
)
_URL_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]{1,20}://[^\s:/@]{1,100}:([^\s/@]{1,200})@")
_MAX_LINE = 4_000

#: Values that mark a placeholder, not a credential (matched case-insensitively, anywhere).
_PLACEHOLDER_WORDS = (
    "example",
    "dummy",
    "fake",
    "test",
    "sample",
    "placeholder",
    "change",  # changeme, change_me, changethis
    "your",
    "xxx",
    "redacted",
    "todo",
    "replace",
    "insert",
    "password",
    "passwd",
    "secret",
    "mock",
)
#: Well-known defaults of local development services, which protect nothing.
_DEFAULT_VALUES = frozenset(
    {"admin", "root", "postgres", "mysql", "redis", "guest", "user", "pass", "default",
     "dev", "development", "local", "localhost", "none", "null", "nil", "true", "false",
     "undefined", "read", "write", "required", "optional"}
)  # fmt: skip
_FIXTURE_DIRS = frozenset(
    {"fixtures", "fixture", "__fixtures__", "testdata", "test_data", "test-data",
     "test_fixtures", "test-fixtures"}
)  # fmt: skip
_TEST_DIRS = frozenset(
    {"test", "tests", "testing", "__tests__", "spec", "specs", "mocks", "__mocks__",
     "example", "examples", "sample", "samples"}
)  # fmt: skip
_TEST_FILE_NAMES = frozenset({"conftest.py", "tests.py", "test.py"})  # Django's tests.py
_EXAMPLE_WORDS = frozenset(
    {"example", "examples", "sample", "samples", "template", "templates", "dist", "tmpl", "tpl",
     # generators of fake data and test doubles: utils/fake_generator.py, seed_db.py, mocks.py
     "fake", "fakes", "faker", "mock", "mocks", "stub", "stubs", "dummy", "seed", "seeds"}
)  # fmt: skip
#: Passwords famous as examples (xkcd 936, bash.org), which nobody uses to protect anything.
_FAMOUS_EXAMPLES = frozenset({"correcthorsebatterystaple", "hunter2", "letmein", "opensesame"})


def _in_fixture_dir(path: str) -> bool:
    return any(part.lower() in _FIXTURE_DIRS for part in path.split("/")[:-1])


def _is_test_or_example(path: str) -> bool:
    """Tests, example folders and example files: where fake credentials belong."""
    parts = path.lower().split("/")
    name = parts[-1]
    if any(part in _TEST_DIRS or "{{" in part for part in parts[:-1]):
        return True  # tests, examples and project templates (``{{cookiecutter.name}}/``)
    if name.startswith("test_") or name in _TEST_FILE_NAMES:
        return True
    if re.search(r"[._-](tests?|spec)\.", name):
        return True  # login_test.py, views_tests.py, api.spec.ts
    return _is_example_name(name)


def _is_example_name(name: str) -> bool:
    return any(word in _EXAMPLE_WORDS for word in re.split(r"[._-]", name.lower()))


def _is_env_file(name: str) -> bool:
    lowered = name.lower()
    env = lowered == ".env" or lowered.startswith(".env.") or lowered.endswith(".env")
    return env and not _is_example_name(lowered)


def is_placeholder(value: str) -> bool:
    """Whether a value is obviously not a real credential."""
    value = value.strip().strip("\"'").strip()
    lowered = value.lower()
    if len(value) < 4 or lowered in _DEFAULT_VALUES or lowered in _FAMOUS_EXAMPLES:
        return True
    if value.isdigit():
        return True
    if not any(ch.isalnum() for ch in value) or len(set(value)) <= 2:
        return True  # "*****", "----", "aaaa"
    if value[0] in "$%<{!&*" or "{{" in value or "${" in value or "%(" in value:
        return True  # a reference, a template, an anchor or a tag
    if lowered.startswith(("os.", "env(", "getenv")):
        return True
    return any(word in lowered for word in _PLACEHOLDER_WORDS)


def _is_placeholder_token(value: str) -> bool:
    """A token-shaped placeholder: an example word, or too few distinct characters."""
    lowered = value.lower()
    if any(word in lowered for word in ("example", "dummy", "fake", "placeholder", "xxxx")):
        return True
    return len(set(value)) < 8 or not any(ch.isdigit() for ch in value)


def _literal_secret(value: str) -> bool:
    """Whether an assigned literal looks like a credential rather than a word or a path."""
    bare = value.strip("\"'")
    if is_placeholder(bare) or len(set(bare)) < 5 or any(ch.isspace() for ch in bare):
        return False  # "Bearer " + token, 'hard to guess string': prose, not a key
    return not (bare.startswith(("/", "./", "../", "~/")) or _FILE_NAME.fullmatch(bare))


_FILE_NAME = re.compile(r"[\w./~-]{1,200}\.[a-z]{2,5}")


@fact
def secret_hits(snapshot: Snapshot) -> tuple[SecretHit, ...]:
    """Every suspected secret in the text files at HEAD, in path and line order."""
    hits: list[SecretHit] = []
    for path in sorted(snapshot.files):
        if is_vendored(path) or _in_fixture_dir(path):
            continue
        text = snapshot.text(path)
        if not text:
            continue
        seen: set[tuple[int, str]] = set()
        for line, kind in _scan(path, text, snapshot.has_history):
            if (line, kind) not in seen:
                seen.add((line, kind))
                hits.append(SecretHit(path, line, kind))
    hits.sort(key=lambda h: (h.path, h.line))
    return tuple(hits)


def _scan(path: str, text: str, versioned: bool) -> Iterator[tuple[int, str]]:
    """(line, kind) of each suspected secret in one file's text."""
    yield from _scan_tokens(text)
    name = path.rpartition("/")[2]
    if _is_env_file(name):
        # Outside git, a local .env is exactly where secrets belong: it is not published.
        if versioned and not _is_test_or_example(path):
            yield from _scan_env(text)
        return
    suffix = name[name.rfind(".") :].lower() if name.rfind(".") > 0 else ""
    if suffix in _CONFIG_SUFFIXES and not _is_test_or_example(path):
        yield from _scan_assignments(text, python=path.endswith(".py"))


def _scan_tokens(text: str) -> Iterator[tuple[int, str]]:
    for token in _TOKEN_FORMATS:
        if not any(needle in text for needle in token.needles):
            continue
        lines = _LineIndex(text)
        for match in token.pattern.finditer(text):
            value = match.group(token.value_group)
            if token.kind != "private key" and _is_placeholder_token(value):
                continue
            yield lines.line_of(match.start()), token.kind


def _scan_assignments(text: str, *, python: bool) -> Iterator[tuple[int, str]]:
    lines = _LineIndex(text)
    for match in _ASSIGNMENT.finditer(text.translate(_ASCII_LOWER)):
        start = begin = match.start()
        while begin > 0 and text[begin - 1] in _KEY_CHARS and start - begin < _MAX_KEY:
            begin -= 1
        if begin > 0 and text[begin - 1] in _KEY_CHARS:
            continue  # a name longer than any real setting
        if text[max(begin - 2, 0) : begin].endswith(("$", "${")):
            continue  # a shell variable reference: ${DB_PASSWORD:?unset}
        key = text[begin : start + _key_length(match.group(0))]
        value = text[match.start("value") : match.end("value")]
        if python and value[:1] not in "\"'":
            continue  # a name or a call, not a literal
        if lines.line_length(match.start()) > _MAX_LINE:
            continue  # minified or generated: left to the token formats
        kind = _secret_kind(key, _SECRET_KEY_ENDINGS)
        if kind and _literal_secret(value):
            yield lines.line_of(match.start()), f"hard-coded {kind} ({key})"


def _key_length(matched: str) -> int:
    """Where the credential word at the start of a match ends."""
    for index, char in enumerate(matched):
        if char not in _KEY_CHARS:
            return index
    return len(matched)


def _scan_env(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if len(line) > _MAX_LINE:
            continue
        match = _ENV_LINE.match(line.strip())
        if match is None:
            continue
        key, value = match.group("key"), match.group("value").split(" #", 1)[0].strip()
        url = _URL_PASSWORD.search(value)
        if url is not None and not is_placeholder(url.group(1)):
            yield number, f"password in a connection URL in a committed .env file ({key})"
        elif _secret_kind(key, _ENV_KEY_ENDINGS) and not is_placeholder(value):
            yield number, f"value in a committed .env file ({key})"


def _secret_kind(key: str, endings: tuple[str, ...]) -> str | None:
    """What a key name holds ("password", "API key", ...), or None when not a secret."""
    squashed = re.sub(r"[_.-]", "", key.lower())
    for ending in endings:
        if squashed.endswith(ending):
            return {
                "passwd": "password",
                "pwd": "password",
                "apikey": "API key",
                "secretkey": "secret key",
                "accesskey": "access key",
                "privatekey": "private key",
                "clientsecret": "client secret",
            }.get(ending, ending)
    return None


class _LineIndex:
    """Line numbers and lengths at offsets in one text, for offsets asked in increasing order."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._offset = 0
        self._line = 1
        self._line_start = 0
        self._line_end = -1  # the known line (start, end) pair, reused while offsets stay in it

    def line_length(self, offset: int) -> int:
        if not self._line_start <= offset <= self._line_end:
            self._line_start = self._text.rfind("\n", 0, offset) + 1
            end = self._text.find("\n", offset)
            self._line_end = len(self._text) if end < 0 else end
        return self._line_end - self._line_start

    def line_of(self, offset: int) -> int:
        if offset < self._offset:
            self._offset, self._line = 0, 1
        self._line += self._text.count("\n", self._offset, offset)
        self._offset = offset
        return self._line


@primitive("no_secrets")
def no_secrets(snapshot: Snapshot) -> Outcome:
    """No credentials are committed in the text files at HEAD."""
    hits = secret_hits(snapshot)
    if not hits:
        return Outcome.passed(
            "No private keys, API tokens or hard-coded passwords found in the files at HEAD."
        )
    files = sorted({h.path for h in hits})
    shown = ", ".join(f"{h.path}:{h.line} ({h.kind})" for h in hits[:3])
    more = f" and {len(hits) - 3} more" if len(hits) > 3 else ""
    return Outcome.failed(
        f"{len(hits)} suspected secret{'s' if len(hits) != 1 else ''} in {len(files)} "
        f"file{'s' if len(files) != 1 else ''}: {shown}{more}. Revoke each one, then load it "
        "from the environment instead.",
        tuple(Evidence(h.path, h.line, h.kind) for h in hits[:_MAX_EVIDENCE]),
    )


# ------------------------------------------------------------------------------ GIT007

_SECRET_FILE_NAMES = frozenset(
    {"id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "credentials.json", ".npmrc", ".pypirc",
     ".netrc", "_netrc", ".git-credentials", ".htpasswd"}
)  # fmt: skip
_SECRET_FILE_SUFFIXES = (".pem", ".key", ".p12", ".pfx", ".jks", ".keystore", ".ppk")
_SERVICE_ACCOUNT = re.compile(r"service[_-]?account.*\.json$")


def is_secret_file(path: str) -> bool:
    """Whether a file's name says it usually holds a credential."""
    name = PurePosixPath(path).name.lower()
    if name in _SECRET_FILE_NAMES or _is_env_file(name):
        return True
    return name.endswith(_SECRET_FILE_SUFFIXES) or _SERVICE_ACCOUNT.search(name) is not None


@dataclass(frozen=True)
class PublishedFile:
    """A secret-holding file added by a commit: where, by which commit, and whether it remains."""

    path: str
    sha: str
    at_head: bool


@fact
def secret_files_in_history(snapshot: Snapshot) -> tuple[PublishedFile, ...]:
    """Secret-holding files any commit added (the first commit that added each), by path."""
    first_added: dict[str, str] = {}
    for commit in snapshot.history.commits:  # newest first: the oldest addition wins
        for path in commit.added:
            if is_secret_file(path) and not is_vendored(path) and not _is_test_or_fixture(path):
                first_added[path] = commit.sha
    return tuple(
        PublishedFile(path, sha, path in snapshot.files)
        for path, sha in sorted(first_added.items())
    )


def _is_test_or_fixture(path: str) -> bool:
    """Test, example and fixture folders, and project templates (``{{cookiecutter.name}}/``)."""
    parts = [part.lower() for part in path.split("/")[:-1]]
    return any(part in _FIXTURE_DIRS or part in _TEST_DIRS or "{{" in part for part in parts)


@primitive("no_secret_files_in_history")
def no_secret_files_in_history(snapshot: Snapshot) -> Outcome:
    """No file that usually holds secrets was ever committed."""
    if not snapshot.has_history:
        return Outcome.skipped("Not under version control: no history to search.")
    found = secret_files_in_history(snapshot)
    history = snapshot.history
    partial = ""
    if snapshot.shallow or history.truncated:
        partial = (
            f" Only the {len(history.commits):,} visible commits were searched: the history is "
            "incomplete (fetch it whole with `git fetch --unshallow`)."
        )
    if not found:
        return Outcome.passed(
            "No .env, key or credential file was ever committed." + partial,
        )
    evidence = tuple(
        Evidence(
            f.path,
            None,
            f"added in {f.sha[:7]}; "
            + ("still at HEAD" if f.at_head else "deleted later, still in the history"),
        )
        for f in found[:_MAX_EVIDENCE]
    )
    deleted = sum(1 for f in found if not f.at_head)
    shown = ", ".join(f"{f.path} ({f.sha[:7]})" for f in found[:3])
    more = f" and {len(found) - 3} more" if len(found) > 3 else ""
    if deleted == len(found) == 1:
        note = " It was deleted later but remains readable in the history."
    elif deleted:
        verbs = "was deleted later but remains" if deleted == 1 else "were deleted later but remain"
        note = f" {deleted} of them {verbs} readable in the history."
    else:
        note = ""
    return Outcome.failed(
        f"Secret-holding file{'s' if len(found) != 1 else ''} committed: {shown}{more}.{note} "
        "Revoke what they held and remove them from the history." + partial,
        evidence,
    )


# ------------------------------------------------------------------------------ signals


@signal_group("hygiene")
def hygiene_signals(snapshot: Snapshot) -> dict[str, Any]:
    """The facts the hygiene rules judge: paths only, never a secret's value."""
    junk = [g.root for g in committed_junk(snapshot)] if snapshot.has_history else []
    suspects = list(dict.fromkeys(h.path for h in secret_hits(snapshot)))
    published = [f.path for f in secret_files_in_history(snapshot)]
    return {
        "gitignore": ".gitignore" in snapshot.files,
        "committed_junk": sorted(junk)[:_MAX_SIGNAL_PATHS],
        "secrets_suspect": suspects[:_MAX_SIGNAL_PATHS],
        "secret_files_in_history": published[:_MAX_SIGNAL_PATHS],
    }
