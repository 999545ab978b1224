"""What the README claims about the tree, checked against the tree.

A reviewer follows the README: runs the command it shows, opens the file it links, looks for
the Dockerfile it mentions. Each claim found false here is one :class:`FalseClaim` with its
line: a run command naming a script or module that is not there, Docker commands without a
Dockerfile or compose file, a tests or license section without tests or a license, a
relative link to a missing file, an environment variable the code never mentions, and a
heading with nothing under it. The words and lists are data: ``rules/vocabulary/readme.toml``.
Every scan here is linear in the README and the files it reads.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote

from auditor.facts.environment import env_example_files, environment_reads
from auditor.facts.license import license_info
from auditor.facts.manifests import requirements
from auditor.facts.readme import (
    MATCHERS,
    candidate_headings,
    command_words,
    normalise_heading,
    readme_sections,
)
from auditor.facts.tests import suite_inventory
from auditor.source.readme import Heading, ReadmeDocument, readme
from auditor.source.snapshot import Snapshot, fact, is_vendored
from auditor.vocabulary import term_set, terms

VOCABULARY = "readme"

#: Only this many lines of one code block are read for commands.
MAX_BLOCK_LINES = 200
#: Files larger than this are not searched for a variable's name (a data dump says nothing).
MAX_SEARCHED_CHARS = 200_000


@dataclass(frozen=True)
class FalseClaim:
    """One thing the README says that the tree contradicts."""

    kind: str  # "run", "docker", "tests", "license", "link", "env", "empty heading"
    line: int | None
    claim: str  # what the README says, short
    problem: str  # what the tree says instead

    @property
    def minor(self) -> bool:
        """An empty heading misleads nobody; the other claims send a reader astray."""
        return self.kind == "empty heading"


@fact
def readme_false_claims(snapshot: Snapshot) -> tuple[FalseClaim, ...]:
    """Every claim of the README that the tree contradicts, in the README's order."""
    document = readme(snapshot)
    if document is None:
        return ()
    tree = _tree(snapshot)
    claims = [
        *_run_claims(document, tree, snapshot),
        *_docker_claims(document, tree),
        *_section_claims(document, snapshot),
        *_link_claims(document, tree),
        *_env_claims(document, snapshot),
        *_empty_headings(document),
    ]
    return tuple(sorted(claims, key=lambda c: (c.line or 0, c.kind)))


# ----------------------------------------------------------------------------- the tree


@dataclass(frozen=True)
class _Tree:
    paths: frozenset[str]  # files and symlinks
    folders: frozenset[str]
    by_name: dict[str, tuple[str, ...]]  # last path component -> the paths and folders so named

    @classmethod
    def of(cls, snapshot: Snapshot) -> _Tree:
        paths = frozenset([*snapshot.files, *snapshot.symlinks])
        folders = {"/".join(p.split("/")[:i]) for p in paths for i in range(1, p.count("/") + 1)}
        by_name: dict[str, list[str]] = {}
        for path in (*paths, *folders):
            by_name.setdefault(path.rsplit("/", 1)[-1], []).append(path)
        return cls(paths, frozenset(folders), {k: tuple(v) for k, v in by_name.items()})

    def has(self, path: str) -> bool:
        path = path.strip("/")
        return not path or path in self.paths or path in self.folders

    def has_anywhere(self, path: str) -> bool:
        """At ``path`` or under any folder (the README may say ``cd app`` in prose)."""
        path = path.strip("/")
        if self.has(path):
            return True
        tail = "/" + path
        same_name = self.by_name.get(path.rsplit("/", 1)[-1], ())
        return any(candidate.endswith(tail) for candidate in same_name)


def _tree(snapshot: Snapshot) -> _Tree:
    """The snapshot's paths and folders, built once per snapshot."""
    return snapshot.memo(_new_tree)


def _new_tree(snapshot: Snapshot) -> _Tree:
    return _Tree.of(snapshot)


# ----------------------------------------------------------------------------- run commands


def _shell_lines(document: ReadmeDocument) -> Iterator[tuple[int, str]]:
    """(line, text) of the lines of shell code blocks, prompts removed."""
    shells = term_set(VOCABULARY, "shell_fences") | {""}
    for block in document.code_blocks:
        if block.info.lower() not in shells:
            continue
        for offset, raw in enumerate(block.text.splitlines()[:MAX_BLOCK_LINES]):
            # Windows paths read as paths; a trailing backslash only continues the line.
            text = raw.strip().removesuffix("\\").replace("\\", "/")
            for prompt in ("$ ", "> ", "% ", "# "):
                if text.startswith(prompt):
                    text = text[len(prompt) :]
            if text:
                yield block.line + 1 + offset, text


def _is_placeholder(word: str) -> bool:
    return any(mark in word for mark in ("<", ">", "{", "}", "$", "*", "...", "~")) or (
        word.lower().startswith(("your_", "your-", "path/to", "/"))
    )


def _run_claims(document: ReadmeDocument, tree: _Tree, snapshot: Snapshot) -> Iterator[FalseClaim]:
    interpreters = term_set(VOCABULARY, "python_interpreters")
    script_runners = {tuple(r.split()) for r in terms(VOCABULARY, "script_runners")}
    known = _known_modules(snapshot)
    for line, text in _shell_lines(document):
        words = command_words(text)
        cwd = ""
        for at, word in enumerate(words):
            if word == "cd" and at + 1 < len(words) and not _is_placeholder(words[at + 1]):
                cwd = words[at + 1].strip("/")
                continue
            runner = next((r for r in script_runners if tuple(words[at : at + len(r)]) == r), None)
            if PurePosixPath(word).name.lower() not in interpreters and runner is None:
                continue
            target = _run_target(words[at + (len(runner) if runner else 1) :])
            if target is None:
                continue
            kind, name = target
            if kind == "script":
                if _is_placeholder(name) or not name.endswith(".py"):
                    continue
                path = f"{cwd}/{name}" if cwd else name
                if not tree.has(path) and not tree.has_anywhere(name):
                    yield FalseClaim("run", line, text[:80], f"there is no {name} in the tree")
            elif not _module_exists(name, tree, known):
                yield FalseClaim(
                    "run", line, text[:80], f"there is no module or package {name} in the tree"
                )
            break


def _run_target(rest: list[str]) -> tuple[str, str] | None:
    """("script", path) or ("module", name) for the words after an interpreter."""
    for at, word in enumerate(rest):
        if word == "-m":
            return ("module", rest[at + 1]) if at + 1 < len(rest) else None
        if word.startswith("-m") and len(word) > 2:
            return "module", word[2:]
        if word.startswith("-"):
            if word in ("-c", "-"):
                return None
            continue
        return "script", word.removeprefix("./")
    return None


def _known_modules(snapshot: Snapshot) -> frozenset[str]:
    """Top-level modules a ``python -m`` may run without the tree holding them: the standard
    library, well-known tools, and the distributions the project declares."""
    declared = {r.name.lower().replace("-", "_") for r in requirements(snapshot)}
    return frozenset(sys.stdlib_module_names) | term_set(VOCABULARY, "runnable_modules") | declared


def _module_exists(name: str, tree: _Tree, known: frozenset[str]) -> bool:
    if _is_placeholder(name) or not name.replace(".", "").replace("_", "").isalnum():
        return True
    top = name.split(".")[0]
    if top.lower() in known or top.lower().replace("-", "_") in known:
        return True
    relative = name.replace(".", "/")
    return any(
        tree.has_anywhere(candidate) for candidate in (f"{relative}.py", relative, f"{top}.py", top)
    )


# ----------------------------------------------------------------------------- docker


def _docker_claims(document: ReadmeDocument, tree: _Tree) -> Iterator[FalseClaim]:
    if any(_is_container_file(p) for p in tree.paths):
        return
    commands = [tuple(c.split()) for c in terms(VOCABULARY, "docker_commands")]
    for line, text in _shell_lines(document):
        words = command_words(text)
        for at in range(len(words)):
            if any(tuple(words[at : at + len(c)]) == c for c in commands):
                yield FalseClaim(
                    "docker", line, text[:80], "there is no Dockerfile or compose file"
                )
                return
    heading_words = term_set(VOCABULARY, "docker_heading_words")
    fillers = term_set(VOCABULARY, "docker_heading_fillers")
    for heading in document.headings:
        heading_text = set(normalise_heading(heading.text).split())
        if heading_words.intersection(heading_text) and heading_text <= heading_words | fillers:
            yield FalseClaim(
                "docker", heading.line, heading.text[:80], "there is no Dockerfile or compose file"
            )
            return


def _is_container_file(path: str) -> bool:
    name = PurePosixPath(path).name.lower()
    stems = terms(VOCABULARY, "container_file_names")
    return name.startswith(stems) or name.endswith(".dockerfile")


# ----------------------------------------------------------------------------- sections


def _section_claims(document: ReadmeDocument, snapshot: Snapshot) -> Iterator[FalseClaim]:
    sections = readme_sections(snapshot)
    tests = sections.get("tests")
    if tests is not None and not _has_tests(snapshot):
        yield _heading_claim("tests", tests, "there are no test files in the tree")
    licensed = sections.get("license")
    info = license_info(snapshot)
    if licensed is not None and not info.files:
        problem = "there is no license file at the root"
        if info.placeholders:
            problem = f"{info.placeholders[0][0]} is a placeholder, not a license"
        yield _heading_claim("license", licensed, problem)


def _has_tests(snapshot: Snapshot) -> bool:
    """Python test files, or test files of another language by their folder or name."""
    if suite_inventory(snapshot).test_files:
        return True
    folders = term_set("hygiene", "test_dirs") - term_set("hygiene", "example_words")
    words = term_set("hygiene", "test_file_words")
    for path, entry in snapshot.files.items():
        if is_vendored(path):
            continue
        if folders.intersection(part.lower() for part in entry.parts[:-1]):
            return True
        stem_words = entry.name.lower().replace("-", "_").replace(".", "_").split("_")
        if words.intersection(stem_words[:-1]):
            return True
    return False


def _heading_claim(kind: str, heading: Heading, problem: str) -> FalseClaim:
    return FalseClaim(kind, heading.line, f"'{heading.text[:60]}' section", problem)


# ----------------------------------------------------------------------------- links


def _link_claims(document: ReadmeDocument, tree: _Tree) -> Iterator[FalseClaim]:
    base = PurePosixPath(document.path).parent
    for link in (*document.links, *document.images):
        target = _local_target(link.url)
        if target is None:
            continue
        path = _resolve(base, target)
        if path is None or tree.has(path):
            continue
        what = "image" if link.image else "link"
        yield FalseClaim(
            "link", link.line, f"{what} to {link.url[:80]}", f"{path} is not in the tree"
        )


def broken_local_link(snapshot: Snapshot, document: ReadmeDocument, url: str) -> str | None:
    """The missing repository path a README link or image points to, or None when it points
    to a file or folder in the tree, leaves the repository, or is a web address."""
    target = _local_target(url)
    if target is None:
        return None
    path = _resolve(PurePosixPath(document.path).parent, target)
    if path is None or _tree(snapshot).has(path):
        return None
    return path


def _local_target(url: str) -> str | None:
    """The repository path a relative link points to (anchor and query cut), or None."""
    url = url.strip()
    if not url or url.startswith(("#", "//")) or ":" in url.split("/")[0]:
        return None
    target = unquote(url.split("#")[0].split("?")[0])
    if not target or _is_placeholder(target.lstrip("/")):
        return None
    if target.endswith("_") and "." not in target and "/" not in target:
        return None  # a reStructuredText reference (`Configuration`_), not a file
    return target


def _resolve(base: PurePosixPath, target: str) -> str | None:
    """The path inside the repository, or None when the link leaves it (GitHub's
    ``../../issues`` pages, which are not files)."""
    parts: list[str] = [] if target.startswith("/") else [p for p in base.parts if p != "."]
    for part in target.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)


# ----------------------------------------------------------------------------- environment


def documented_variables(document: ReadmeDocument) -> list[tuple[str, int]]:
    """Environment variables the README tells the reader to set, with their lines: ``NAME=``
    lines of shell or dotenv blocks (``export`` and ``set`` allowed), and UPPER_SNAKE names
    in the prose of a configuration section."""
    found: dict[str, int] = {}
    env_fences = term_set(VOCABULARY, "env_fences")
    for block in document.code_blocks:
        info = block.info.lower()
        if info not in env_fences and info not in term_set(VOCABULARY, "shell_fences") | {""}:
            continue
        for offset, raw in enumerate(block.text.splitlines()[:MAX_BLOCK_LINES]):
            words = raw.strip().split(maxsplit=1)
            if words and words[0].lower() in ("export", "set") and len(words) > 1:
                words = words[1].split(maxsplit=1)
            name = words[0].split("=", 1)[0] if words and "=" in words[0] else ""
            if _is_variable_name(name):
                found.setdefault(name, block.line + 1 + offset)
    configuration = MATCHERS["configuration"]
    for heading in document.headings:
        if configuration.matches(normalise_heading(heading.text)):
            for section in document.subtree(heading):
                for word in _identifiers(section.text):
                    if _is_variable_name(word) and "_" in word:
                        found.setdefault(word, heading.line)
    return list(found.items())


def _is_variable_name(name: str) -> bool:
    return (
        len(name) >= 3
        and name[0].isalpha()
        and name.isupper()
        and all(c.isalnum() or c == "_" for c in name)
    )


def _identifiers(text: str) -> Iterable[str]:
    return "".join(c if c.isalnum() or c == "_" else " " for c in text).split()


def _env_claims(document: ReadmeDocument, snapshot: Snapshot) -> Iterator[FalseClaim]:
    documented = documented_variables(document)
    computed = ("os.getenv", "os.environ", "os.environ.get", "decouple.config")
    reads = environment_reads(snapshot)
    if not documented or any(r.variable is None and r.how in computed for r in reads):
        # Code that reads a variable by a computed name (a settings library, a helper
        # taking the name) may read any of them.
        return
    implicit = term_set(VOCABULARY, "implicit_variables") | term_set(
        "environment", "system_variables"
    )
    mentioned = _mentioned_names(snapshot, skip={document.path, *env_example_files(snapshot)})
    for name, line in documented:
        if name in implicit or name.lower() in mentioned:
            continue
        yield FalseClaim(
            "env", line, name, "no file of the project reads or mentions this variable"
        )


def _mentioned_names(snapshot: Snapshot, skip: set[str]) -> frozenset[str]:
    """Every identifier (lower case) of the project's own text files but the README and
    the example environment files: code, configuration, compose files, CI."""
    names: set[str] = set()
    docs = term_set(VOCABULARY, "prose_suffixes")
    for path, entry in snapshot.files.items():
        if path in skip or is_vendored(path) or entry.suffix.lower() in docs:
            continue
        text = snapshot.text(path)
        if text is not None:
            names.update(w.lower() for w in _identifiers(text[:MAX_SEARCHED_CHARS]))
    return frozenset(names)


# ----------------------------------------------------------------------------- empty headings


def _empty_headings(document: ReadmeDocument) -> Iterator[FalseClaim]:
    """Headings with nothing under them before a sibling heading or the end of the README;
    the project's title (a README of only a title is
    DOC002's) and decorations (a heading of emoji alone) are left out."""
    sections = document.sections
    named = set(candidate_headings(document))
    for index, section in enumerate(sections):
        heading = section.heading
        if heading is None or heading.implicit or section.prose or section.code_blocks:
            continue
        if heading not in named or not normalise_heading(heading.text):
            continue
        before = sections[index - 1] if index else None
        if before is not None and before.heading not in named and not before.prose:
            continue  # right under the title: a subtitle
        if section.links:
            continue
        following = sections[index + 1].heading if index + 1 < len(sections) else None
        if following is not None and (following.implicit or following.level != heading.level):
            # Deeper headings are its content; a heading over a shallower one is a subtitle
            # ("# Name" / "### tagline" / "## Overview"), not a section left empty.
            continue
        yield FalseClaim(
            "empty heading", heading.line, f"'{heading.text[:60]}'", "nothing is written under it"
        )
