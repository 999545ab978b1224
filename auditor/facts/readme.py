"""What the README says: its sections, a test command, sample output, design documents.

Sections are recognised from headings by keyword, on normalised heading text (case, emoji,
punctuation and ``:shortcodes:`` ignored) and on whole words, so "Known issues /
Limitations" is a limitations section and "Contestants" is not a tests section. The keywords
are data: ``rules/vocabulary/readme.toml``. Matching compares lists of words, never a
regular expression built from the vocabulary, so its cost is linear in the heading.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from auditor.source.readme import CodeBlock, Heading, ReadmeDocument, readme
from auditor.source.snapshot import Snapshot, fact, is_vendored
from auditor.vocabulary import term_set, terms

VOCABULARY = "readme"

#: Only the start of a heading is compared: a section's name comes first.
MAX_HEADING_CHARS = 300
#: Only the start of a line is searched for a test command.
MAX_COMMAND_LINE_CHARS = 2_000


@dataclass(frozen=True)
class SectionSpec:
    """How one kind of README section is named in messages and recognised from its heading.

    The keywords live in ``readme.toml``: ``<name>_headings`` always count; the ``weak`` list
    counts only when the heading names none of the ``unless`` list ("Running" is a usage
    heading, "Running the tests" is not).
    """

    title: str
    examples: tuple[str, ...]
    keywords: tuple[str, ...]
    weak: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()


#: Each known section: its title and example headings (for messages) and its keyword lists.
_SECTION_WORDING: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "install": ("Installation", ("Installation", "Setup", "Getting started")),
    "usage": ("Usage", ("Usage", "Examples", "How to use")),
    "tests": ("Running the tests", ("Tests", "Testing", "Running the tests")),
    "screenshots": ("Screenshots", ("Screenshots", "Demo", "Preview")),
    "known_limitations": ("Known limitations", ("Known limitations", "Known issues", "Caveats")),
    "design": ("Design", ("Design decisions", "Architecture", "How it works")),
    "roadmap": ("Roadmap", ("Roadmap", "Future work", "Next steps")),
    "license": ("License", ("License",)),
    "configuration": ("Configuration", ("Configuration", "Environment variables", "Settings")),
    "contributing": ("Contributing", ("Contributing", "Development")),
}


#: The sections with weak keywords: ``{name}_weak_headings`` and ``{name}_exceptions``.
_WEAK_SECTIONS = frozenset({"usage", "tests"})


def _spec(name: str) -> SectionSpec:
    title, examples = _SECTION_WORDING[name]
    weak = terms(VOCABULARY, f"{name}_weak_headings") if name in _WEAK_SECTIONS else ()
    unless = terms(VOCABULARY, f"{name}_exceptions") if name in _WEAK_SECTIONS else ()
    return SectionSpec(title, examples, terms(VOCABULARY, f"{name}_headings"), weak, unless)


SECTIONS: Mapping[str, SectionSpec] = {name: _spec(name) for name in _SECTION_WORDING}
EXAMPLES = SectionSpec(
    "Examples",
    ("Screenshots", "Demo", "Example request"),
    terms(VOCABULARY, "examples_headings"),
)

_SHORTCODE = re.compile(r":[a-z0-9_+-]+:")
_APOSTROPHES = str.maketrans("", "", "'\u2019`")


def normalise_heading(text: str) -> str:
    """Heading text for matching: lower case, words only (emoji and punctuation dropped)."""
    text = _SHORTCODE.sub(" ", text[:MAX_HEADING_CHARS].lower()).translate(_APOSTROPHES)
    return " ".join("".join(ch if ch.isalnum() else " " for ch in text).split())


@dataclass(frozen=True)
class _Keyword:
    """One keyword phrase as words; a word ending in ``*`` matches any ending."""

    words: tuple[tuple[str, bool], ...]  # (core, matches any ending)

    @classmethod
    def of(cls, phrase: str) -> _Keyword | None:
        words: list[tuple[str, bool]] = []
        for word in phrase.split():
            cores = normalise_heading(word.rstrip("*")).split()
            words.extend((core, False) for core in cores[:-1])
            if cores:
                words.append((cores[-1], word.endswith("*")))
        return cls(tuple(words)) if words else None

    def found_in(self, heading: list[str]) -> bool:
        size = len(self.words)
        for start in range(len(heading) - size + 1):
            if all(
                heading[start + i].startswith(core) if open_ended else heading[start + i] == core
                for i, (core, open_ended) in enumerate(self.words)
            ):
                return True
        return False


def _keywords(phrases: Iterable[str]) -> tuple[_Keyword, ...]:
    return tuple(k for k in (_Keyword.of(p) for p in phrases) if k is not None)


@dataclass(frozen=True)
class HeadingMatcher:
    """Whether a normalised heading names one kind of section."""

    strong: tuple[_Keyword, ...]
    weak: tuple[_Keyword, ...]
    unless: tuple[_Keyword, ...]

    @classmethod
    def of(cls, spec: SectionSpec, extra: Iterable[str] = ()) -> HeadingMatcher:
        return cls(
            _keywords((*spec.keywords, *extra)), _keywords(spec.weak), _keywords(spec.unless)
        )

    def matches(self, normalised: str) -> bool:
        words = normalised.split()
        if any(k.found_in(words) for k in self.strong):
            return True
        if not any(k.found_in(words) for k in self.weak):
            return False
        return not any(k.found_in(words) for k in self.unless)


MATCHERS: Mapping[str, HeadingMatcher] = {
    name: HeadingMatcher.of(spec) for name, spec in SECTIONS.items()
}
EXAMPLES_MATCHER = HeadingMatcher.of(EXAMPLES)


def candidate_headings(document: ReadmeDocument) -> list[Heading]:
    """Headings that can name a section: all but the project's own title.

    The title is the first heading when it is the only level-1 heading: "# Setup Wizard"
    over "## Usage" is a project name, while a README written with "# Installation" and
    "# Usage" at the same level has no separate title.
    """
    headings = list(document.headings)
    top = [h for h in headings if h.level == 1 and not h.implicit]
    if headings and len(top) == 1 and headings[0] == top[0]:
        return headings[1:]
    return headings


def first_match(document: ReadmeDocument, matcher: HeadingMatcher) -> Heading | None:
    """The first heading (the title left out) that ``matcher`` accepts."""
    for heading in candidate_headings(document):
        if matcher.matches(normalise_heading(heading.text)):
            return heading
    return None


@fact
def readme_sections(snapshot: Snapshot) -> dict[str, Heading | None]:
    """Each known section name -> the first README heading that names it (or None)."""
    document = readme(snapshot)
    if document is None:
        return dict.fromkeys(SECTIONS)
    return {name: first_match(document, matcher) for name, matcher in MATCHERS.items()}


# ----------------------------------------------------------------------------- test command


@dataclass(frozen=True)
class _Command:
    """A command as words; ``*x``, ``x*`` and ``*x*`` match a word ending, starting or
    containing ``x``."""

    words: tuple[str, ...]

    def starts(self, tokens: list[str], at: int) -> bool:
        if at + len(self.words) > len(tokens):
            return False
        return all(_word_matches(p, tokens[at + i]) for i, p in enumerate(self.words))


def _word_matches(pattern: str, word: str) -> bool:
    core = pattern.strip("*")
    if pattern.startswith("*") and pattern.endswith("*") and len(pattern) > 1:
        return core in word
    if pattern.endswith("*"):
        return word.startswith(core) and not word[len(core) :].strip("0123456789.")
    if pattern.startswith("*"):
        return word.endswith(core)
    return word == pattern


@cache
def _test_commands() -> tuple[_Command, ...]:
    return tuple(_Command(tuple(c.split())) for c in terms(VOCABULARY, "test_commands"))


#: Characters that end one shell command and start the next, or open a substitution.
_COMMAND_BREAKS = str.maketrans(dict.fromkeys(";&|()`$<>", " "))
_TRAILING = ".,:;!?'\""


def command_words(line: str) -> list[str]:
    """The words of one shell line, quotes resolved by ``shlex``; plain words when the
    quotes do not balance (a line of Python, an apostrophe in prose)."""
    line = line[:MAX_COMMAND_LINE_CHARS].translate(_COMMAND_BREAKS)
    try:
        lexer = shlex.shlex(line, posix=True)
        lexer.whitespace_split = True
        lexer.commenters = ""
        words = list(lexer)
    except ValueError:
        words = line.split()
    return [w.rstrip(_TRAILING) if w[-1:] in _TRAILING else w for w in words]


def _word_parts(line: str) -> list[str]:
    """The letters-and-digits runs of a line, lower case."""
    return "".join(c if c.isalnum() else " " for c in line.lower()).split()


def find_test_command(text: str) -> str | None:
    """The first line of ``text`` that runs a test suite (not one that installs pytest)."""
    commands = _test_commands()
    installing = term_set(VOCABULARY, "installing_words")
    for line in text.splitlines():
        words = command_words(line)
        if not words or installing.intersection(_word_parts(line[:MAX_COMMAND_LINE_CHARS])):
            continue
        if any(c.starts(words, at) for at in range(len(words)) for c in commands):
            return line.strip()
    return None


def test_command_in(document: ReadmeDocument) -> tuple[str, int] | None:
    """A test command in a README code block, or in the prose of a development section."""
    for block in document.code_blocks:
        command = find_test_command(block.text)
        if command is not None:
            return command, block.line
    contributing = MATCHERS["contributing"]
    for heading in document.headings:
        if contributing.matches(normalise_heading(heading.text)):
            for section in document.subtree(heading):
                command = find_test_command(section.text)
                if command is not None:
                    return command, heading.line
    return None


# ----------------------------------------------------------------------------- sample output


def sample_output(document: ReadmeDocument) -> CodeBlock | None:
    """A code block showing what the project prints or answers, if the README has one.

    A block tagged as output (console, http…) counts anywhere; an untagged or plain-text
    block only inside a usage or examples section.
    """
    output = term_set(VOCABULARY, "output_fences")
    plain = term_set(VOCABULARY, "plain_fences") | {""}
    for block in document.code_blocks:
        if block.info.lower() in output:
            return block
    usage = MATCHERS["usage"]
    for heading in document.headings:
        text = normalise_heading(heading.text)
        if usage.matches(text) or EXAMPLES_MATCHER.matches(text):
            for section in document.subtree(heading):
                for block in section.code_blocks:
                    if block.info.lower() in plain:
                        return block
    return None


# ----------------------------------------------------------------------------- design documents

_DOC_SUFFIXES = frozenset({"", ".md", ".markdown", ".rst", ".txt", ".adoc"})


@fact
def design_documents(snapshot: Snapshot) -> tuple[str, ...]:
    """ARCHITECTURE.md, DESIGN.md, docs/architecture*.md, docs/design*.md, docs/adr/ files."""
    return tuple(
        sorted(
            path
            for path, entry in snapshot.files.items()
            if entry.suffix in _DOC_SUFFIXES and not is_vendored(path) and _is_design_path(path)
        )
    )


def _is_design_path(path: str) -> bool:
    parts = path.lower().split("/")
    if len(parts) == 1 or (len(parts) == 2 and parts[0] in ("docs", "doc", ".github")):
        return parts[-1].split(".")[0].startswith(terms(VOCABULARY, "design_document_stems"))
    folders = term_set(VOCABULARY, "decision_folders")
    return len(parts) > 2 and parts[0] in ("docs", "doc") and parts[1] in folders


# ----------------------------------------------------------------------------- sections in docs/

#: The sections a documentation file can stand in for, each with its list of file stems.
DOCUMENTED_SECTIONS = ("install", "usage", "tests", "known_limitations", "configuration")


@fact
def section_documents(snapshot: Snapshot) -> dict[str, str | None]:
    """Each section a documentation file covers -> the first such file (or None).

    ``docs/testing.md`` tells how to run the tests as well as a README section would: a
    file in ``docs/`` or ``doc/`` (or at the root, or a folder's ``index``) whose stem is
    listed under ``<section>_documents`` in ``readme.toml``.
    """
    found: dict[str, str | None] = dict.fromkeys(DOCUMENTED_SECTIONS)
    for path in sorted(snapshot.files, key=lambda p: (p.count("/"), p)):
        stem = _document_stem(path)
        if stem is None:
            continue
        for section in DOCUMENTED_SECTIONS:
            if found[section] is None and stem in term_set(VOCABULARY, f"{section}_documents"):
                found[section] = path
    return found


def _document_stem(path: str) -> str | None:
    """The stem that names a documentation file's subject, or None for other files."""
    parts = path.lower().split("/")
    name = parts[-1]
    stem, dot, suffix = name.rpartition(".")
    if not dot or f".{suffix}" not in _DOC_SUFFIXES - {""}:
        return None
    if len(parts) == 1:
        return stem
    if parts[0] not in ("docs", "doc"):
        return None
    if len(parts) == 2:
        return stem
    if len(parts) == 3 and stem in ("index", "readme"):
        return parts[1]
    return None
