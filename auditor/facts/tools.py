"""What a shell command runs: test runners, linters, and the wrappers around them.

A command line is split into words by :mod:`shlex` (bounded to :data:`MAX_COMMAND_CHARS`;
unbalanced quotes fall back to a split on whitespace) and into segments at ``&&``, ``||``,
``;`` and ``|``. Tools are then recognised by set membership of words and of short runs of
consecutive words, never by a regular expression over the command: linear in its length.
The words are data: ``rules/vocabulary/tools.toml``.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from functools import cache
from pathlib import PurePosixPath

from auditor.vocabulary import term_set, terms

VOCABULARY = "tools"
MAX_COMMAND_CHARS = 2_000
_SEPARATOR_CHARS = frozenset(";&|")
#: Text holding none of these splits on whitespace exactly as a shell lexer splits it.
_SHELL_SYNTAX = frozenset("'\"\\#")


def segments(text: str) -> list[list[str]]:
    """The simple commands of a command line, each as its words (subshell parentheses off)."""
    return [words for words, _ in command_list(text)]


def command_list(text: str) -> list[tuple[list[str], str]]:
    """The simple commands of a command line, each with the operator after it (``||``, ``;``…;
    ``""`` after the last)."""
    text = text[:MAX_COMMAND_CHARS]
    if _SHELL_SYNTAX.isdisjoint(text):
        tokens = [part for word in text.split() for part in _split_operators(word)]
    else:
        lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|")
        lexer.whitespace_split = True
        try:
            tokens = list(lexer)
        except ValueError:  # unbalanced quotes: the words as written
            tokens = [w.strip("'\"") for w in text.split()]
    found: list[tuple[list[str], str]] = [([], "")]
    for token in tokens:
        if token and set(token) <= _SEPARATOR_CHARS:
            found[-1] = (found[-1][0], token)
            found.append(([], ""))
        elif token:
            found[-1][0].append(token)
    listed = [(_unwrap_subshell(words), operator) for words, operator in found]
    return [(words, operator) for words, operator in listed if words]


def failure_ignored(listed: list[tuple[list[str], str]], index: int, *, errexit: bool) -> str:
    """Why the failure of simple command ``index`` of ``text`` does not fail the line.

    ``pytest || true`` (an alternative that always succeeds) and, in a shell that goes on
    after a failure, ``pytest; exit 0`` (a line that ends on a command that always
    succeeds). ``listed`` is the line's :func:`command_list`; ``""`` when its failure fails
    the line.
    """
    succeeding = term_set(VOCABULARY, "succeeding_commands")

    def succeeds(words: list[str]) -> bool:
        return " ".join(words[:2]) in succeeding or words[0] in succeeding

    position = index
    while position < len(listed) and listed[position][1] == "&&":
        position += 1  # `pytest && x || true`: the alternative covers the whole chain
    if position >= len(listed) - 1:
        return ""
    operator = listed[position][1]
    rest = listed[position + 1 :]
    if operator == "||":
        alternative = []
        for words, after in rest:
            alternative.append(words)
            if after in (";", "&"):
                break
        if all(succeeds(words) for words in alternative):
            return f"`|| {' '.join(alternative[0])}` ignores its failure"
    if operator == ";" and not errexit and succeeds(rest[-1][0]):
        return f"`; {' '.join(rest[-1][0])}` ends the command with success whatever it returned"
    return ""


def exit_zero(words: list[str]) -> str:
    """Why a linter given these words never fails (``--exit-zero``), or ``""``."""
    options = term_set(VOCABULARY, "exit_zero_options")
    found = next((w for w in words if w in options), None)
    return f"`{found}` makes it succeed whatever it finds" if found else ""


def _split_operators(word: str) -> list[str]:
    """``a&&b`` as ``a``, ``&&``, ``b`` (the common case needs no shell lexer: it is slow)."""
    if _SEPARATOR_CHARS.isdisjoint(word):
        return [word]
    parts: list[str] = []
    for char in word:
        if parts and (char in _SEPARATOR_CHARS) == (parts[-1][-1] in _SEPARATOR_CHARS):
            parts[-1] += char
        else:
            parts.append(char)
    return parts


def _unwrap_subshell(words: list[str]) -> list[str]:
    if words:
        words = [words[0].lstrip("("), *words[1:]]
        words[-1] = words[-1].rstrip(")")
    return [w for w in words if w]


def _norm(word: str) -> str:
    """A word as a tool name: lower case, without its folder (``.venv/bin/pytest``)."""
    return word.lower().rpartition("/")[2]


def _phrase_at(words: list[str], start: int, phrase: Sequence[str]) -> bool:
    """Whether ``phrase`` is written at ``start`` (its last word may carry ``:suffix``)."""
    if start + len(phrase) > len(words):
        return False
    for offset, expected in enumerate(phrase):
        word = words[start + offset]
        last = offset == len(phrase) - 1
        if word != expected and not (last and word.startswith(expected + ":")):
            return False
    return True


@cache
def _phrase_index(key: str) -> dict[str, tuple[list[str], ...]]:
    """The phrases of term list ``key``, by their first word."""
    index: dict[str, list[list[str]]] = {}
    for phrase in terms(VOCABULARY, key):
        words = phrase.split()
        index.setdefault(words[0], []).append(words)
    return {first: tuple(phrases) for first, phrases in index.items()}


def _phrases_in(words: list[str], key: str) -> list[tuple[int, str]]:
    """(start, phrase) for each phrase of term list ``key`` written in ``words``."""
    index = _phrase_index(key)
    return [
        (start, " ".join(phrase))
        for start, word in enumerate(words)
        for phrase in index.get(word, ())
        if _phrase_at(words, start, phrase)
    ]


def is_python(word: str) -> bool:
    """``python``, ``python3``, ``python3.12`` or ``py``."""
    word = word.lower()
    return word == "py" or (word.startswith("python") and all(c in "0123456789." for c in word[6:]))


def is_inert(words: list[str]) -> bool:
    """Whether a simple command installs, prints or fetches things rather than running them."""
    lowered = [w.lower() for w in words[:8]]
    if lowered[:1] == ["sudo"]:
        lowered = lowered[1:]
    if not lowered or lowered[0].startswith("#"):
        return True
    if lowered[0] in term_set(VOCABULARY, "inert_commands"):
        return True
    if len(lowered) > 2 and is_python(lowered[0]) and lowered[1] == "-m":
        lowered = lowered[2:]
    return any(
        _phrase_at(lowered, 0, p) for p in _phrase_index("install_commands").get(lowered[0], ())
    )


def tools_in(words: list[str]) -> list[tuple[str, str]]:
    """(role, tool) for each test runner or linter one simple command runs."""
    normal = [_norm(w) for w in words]
    present = set(normal)
    found: list[tuple[str, str]] = []
    found += [("test", t) for t in terms(VOCABULARY, "test_commands") if t in present]
    if normal and normal[0] in term_set(VOCABULARY, "test_leading_commands"):
        found.append(("test", normal[0]))
    found += [("test", phrase) for _, phrase in _phrases_in(normal, "test_phrases")]
    goals = term_set(VOCABULARY, "build_test_goals")
    for tool in terms(VOCABULARY, "build_tools"):
        if tool in present:
            after = normal[normal.index(tool) + 1 :]
            goal = next((g for g in after if g.rpartition(":")[2] in goals), None)
            if goal is not None:
                found.append(("test", f"{tool} {goal.rpartition(':')[2]}"))
    found += [("lint", t) for t in terms(VOCABULARY, "lint_commands") if t in present]
    found += [("lint", phrase) for _, phrase in _phrases_in(normal, "lint_phrases")]
    options = term_set(VOCABULARY, "format_check_options")
    for start, formatter in _phrases_in(normal, "formatters"):
        option = next((w for w in words[start:] if w in options), None)
        if option is not None:
            found.append(("lint", f"{formatter} {option}"))
    return list(dict.fromkeys(found))


def direct_tools(text: str) -> list[tuple[str, str]]:
    """(role, tool) for each test runner or linter a shell command line runs itself."""
    return [found for words in segments(text) if not is_inert(words) for found in tools_in(words)]


def command_words(words: list[str]) -> tuple[list[str], bool]:
    """The words of a command without env assignments, wrappers, ``X run`` and ``python -m``.

    The flag says whether a ``poetry run``-like wrapper was removed: the next word may then
    name a script of the project's tool config. ``docker compose run SERVICE CMD`` (and
    ``docker-compose``, ``docker run IMAGE CMD``, ``exec``) gives the command in the container.
    """
    wrappers = term_set(VOCABULARY, "command_wrappers")
    run_wrappers = term_set(VOCABULARY, "run_wrappers")
    value_options = term_set(VOCABULARY, "run_wrapper_value_options")
    wrapped = False
    while words:
        head = words[0].lower()
        name, equals, _ = words[0].partition("=")
        if (equals and name.isidentifier()) or head in wrappers:
            words = words[1:]
        elif head in run_wrappers and len(words) > 1 and words[1] == "run":
            words, wrapped = words[2:], True
            while words and words[0].startswith("-"):
                # `conda run -n env`, `uv run --with x`: an option, and its value if it takes one
                takes_value = words[0] in value_options and len(words) > 1
                words = words[2:] if takes_value else words[1:]
        elif (head == "pipx" and words[1:2] == ["run"]) or (
            is_python(head) and words[1:2] == ["-m"]
        ):
            words = words[2:]
        elif head in ("docker", "docker-compose", "podman", "podman-compose"):
            words = container_command(words)
        else:
            break
    if words:
        words = [words[0].lower(), *words[1:]]
    return words, wrapped


def container_command(words: list[str]) -> list[str]:
    """The command ``docker compose run SERVICE CMD``/``docker run IMAGE CMD`` runs inside.

    Empty when the words run no command given there (``docker build``, ``docker compose up``:
    what the image runs by default is not read).
    """
    value_options = term_set(VOCABULARY, "container_value_options")
    rest = words[1:]
    if words[0].lower() in ("docker", "podman") and rest[:1] == ["compose"]:
        rest = rest[1:]

    def skip_options(items: list[str]) -> list[str]:
        while items and items[0].startswith("-"):
            takes_value = "=" not in items[0] and items[0] in value_options and len(items) > 1
            items = items[2:] if takes_value else items[1:]
        return items

    rest = skip_options(rest)
    if rest[:1] not in (["run"], ["exec"]):
        return []
    rest = skip_options(rest[1:])
    return rest[1:]  # past the service, image or container


def is_interpreter(word: str) -> bool:
    """A shell or interpreter whose first argument is a script (``bash x.sh``, ``python3 x``)."""
    return word in term_set(VOCABULARY, "interpreters") or is_python(word)


def is_script(word: str) -> bool:
    """A word naming a script file (a path, or a script suffix)."""
    return "/" in word or word.endswith(tuple(terms(VOCABULARY, "script_suffixes")))


_NON_WORD = re.compile(r"[^a-z0-9]+")


def _name_words(name: str) -> set[str]:
    stem = PurePosixPath(name).stem if "/" in name or "." in name else name
    words = {w for w in _NON_WORD.split(stem.lower()) if w}
    # `run_tests`, `test-all`, `tests.sh`: any word starting with test counts
    return words | {"test" for w in words if w.startswith("test")}


def test_like(name: str) -> bool:
    """Whether a target, session, environment or script name says it runs the tests."""
    return bool(_name_words(name) & term_set(VOCABULARY, "test_name_words"))


def lint_like(name: str) -> bool:
    """Whether a target, session, environment or script name says it lints or type-checks."""
    lowered = name.lower()
    return bool(_name_words(name) & term_set(VOCABULARY, "lint_name_words")) or (
        "pre-commit" in lowered
    )


def _framed(text: str) -> str:
    return " " + " ".join(_NON_WORD.split(text.lower())).strip() + " "


def action_roles(action: str) -> list[str]:
    """The roles (``lint``, ``test``) of a CI action, judged by the words of its name."""
    name = _framed(action.partition("@")[0])
    roles = []
    for role, key in (("lint", "lint_action_words"), ("test", "test_action_words")):
        if any(_framed(word) in name for word in terms(VOCABULARY, key)):
            roles.append(role)
    return roles
