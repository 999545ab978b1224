"""DOC: the README and the documents around it (license, example environment file).

Every README rule reads the one parsed :func:`~auditor.source.readme.readme` document.
Sections are recognised from headings by keyword, on normalised heading text (case, emoji,
punctuation and ``:shortcodes:`` ignored) and on whole words, so "Known issues /
Limitations" is a limitations section and "Contestants" is not a tests section.
"""

from __future__ import annotations

import ast
import configparser
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from auditor import _toml
from auditor.checks.registry import primitive, signal_group
from auditor.model import Evidence, Outcome
from auditor.source.python import ParsedModule, module_summary
from auditor.source.readme import (
    README_NAMES,
    CodeBlock,
    Heading,
    Link,
    ReadmeDocument,
    find_readme_path,
    readme,
)
from auditor.source.snapshot import Snapshot, fact, is_vendored

# ----------------------------------------------------------------------------- sections


@dataclass(frozen=True)
class SectionSpec:
    """How one kind of README section is recognised from its heading.

    A keyword is a phrase matched on whole words; a trailing ``*`` on a word matches any
    ending (``install*`` matches Install, Installation, Installing). ``weak`` keywords count
    only when the heading is not also about one of the ``unless`` keywords: "Running" is a
    usage heading, "Running the tests" is not.
    """

    title: str
    examples: tuple[str, ...]
    keywords: tuple[str, ...]
    weak: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()


SECTIONS: Mapping[str, SectionSpec] = {
    "install": SectionSpec(
        "Installation",
        ("Installation", "Setup", "Getting started"),
        (
            "install*",
            "setup",
            "set up",
            "setting up",
            "getting started",
            "get started",
            "quick start",
            "quickstart",
            "requirements",
            "prerequisite*",
            "pre requisite*",
            "dependencies",
            "build from source",
            "building",
            "local development",
            "run locally",
            "running locally",
        ),
    ),
    "usage": SectionSpec(
        "Usage",
        ("Usage", "Examples", "How to use"),
        (
            "usage",
            "how to use",
            "using",
            "example*",
            "tutorial",
            "walkthrough",
            "quick start",
            "quickstart",
            "getting started",
            "demo",
            "cli",
            "command line",
            "commands",
            "api",
            "endpoints",
            "how to run",
        ),
        weak=("run", "running"),
        unless=("test*", "lint*", "benchmark*", "locally"),
    ),
    "tests": SectionSpec(
        "Running the tests",
        ("Tests", "Testing", "Running the tests"),
        ("test", "tests", "testing", "test suite", "unit tests", "pytest"),
    ),
    "screenshots": SectionSpec(
        "Screenshots",
        ("Screenshots", "Demo", "Preview"),
        (
            "screenshot*",
            "screen shot*",
            "screencast*",
            "demo*",
            "preview*",
            "gallery",
            "in action",
            "showcase",
            "what it looks like",
            "how it looks",
            "sample output",
            "example output",
        ),
    ),
    "known_limitations": SectionSpec(
        "Known limitations",
        ("Known limitations", "Known issues", "Caveats"),
        (
            "limitation*",
            "limits",
            "known issues",
            "known bugs",
            "known problems",
            "caveat*",
            "shortcoming*",
            "trade offs",
            "tradeoffs",
            "trade off",
            "drawbacks",
            "gotchas",
            "pitfalls",
            "weaknesses",
            "whats missing",
            "missing features",
            "not supported",
            "unsupported",
        ),
    ),
    "design": SectionSpec(
        "Design",
        ("Design decisions", "Architecture", "How it works"),
        (
            "design*",
            "architectur*",
            "decisions",
            "decision records",
            "adr*",
            "trade offs",
            "tradeoffs",
            "how it works",
            "how does it work",
            "internals",
            "under the hood",
            "implementation",
            "implementation details",
            "technical details",
            "technical overview",
            "system overview",
            "approach",
            "data flow",
        ),
    ),
    "roadmap": SectionSpec(
        "Roadmap",
        ("Roadmap", "Future work", "Next steps"),
        (
            "roadmap",
            "future",
            "todo*",
            "to do",
            "next steps",
            "whats next",
            "planned",
            "plans",
            "upcoming",
            "wishlist",
            "improvements",
            "ideas",
            "backlog",
        ),
    ),
    "license": SectionSpec(
        "License",
        ("License",),
        ("licen*", "copyright", "copying"),
    ),
    "configuration": SectionSpec(
        "Configuration",
        ("Configuration", "Environment variables", "Settings"),
        (
            "config*",
            "settings",
            "environment*",
            "env",
            "env vars",
            "variables",
            "options",
            "customi*",
            "secrets",
        ),
    ),
    "contributing": SectionSpec(
        "Contributing",
        ("Contributing", "Development"),
        ("contribut*", "development", "developing", "developer guide", "hacking", "how to help"),
    ),
}

#: The sections reported in the ``readme`` signal group (the JSON contract).
SIGNAL_SECTIONS = (
    "install",
    "usage",
    "tests",
    "screenshots",
    "known_limitations",
    "design",
    "roadmap",
    "license",
)

_SHORTCODE = re.compile(r":[a-z0-9_+-]+:")
_APOSTROPHES = str.maketrans("", "", "'\u2019`")
MAX_LISTED_HEADINGS = 8


def normalise_heading(text: str) -> str:
    """Heading text for matching: lower case, words only (emoji and punctuation dropped)."""
    text = _SHORTCODE.sub(" ", text.lower()).translate(_APOSTROPHES)
    return " ".join("".join(ch if ch.isalnum() else " " for ch in text).split())


def keyword_pattern(keywords: Iterable[str]) -> re.Pattern[str] | None:
    """One regular expression matching any of the keyword phrases on whole words."""
    alternatives = []
    for keyword in keywords:
        words = []
        for word in keyword.split():
            core = normalise_heading(word.rstrip("*"))
            if core:
                words.append(re.escape(core) + (r"\w*" if word.endswith("*") else ""))
        if words:
            alternatives.append(" ".join(words))
    if not alternatives:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")


@dataclass(frozen=True)
class _Matcher:
    strong: re.Pattern[str] | None
    weak: re.Pattern[str] | None
    unless: re.Pattern[str] | None

    @classmethod
    def of(cls, spec: SectionSpec, extra: Iterable[str] = ()) -> _Matcher:
        return cls(
            keyword_pattern((*spec.keywords, *extra)),
            keyword_pattern(spec.weak),
            keyword_pattern(spec.unless),
        )

    def matches(self, normalised: str) -> bool:
        if self.strong is not None and self.strong.search(normalised):
            return True
        if self.weak is None or not self.weak.search(normalised):
            return False
        return self.unless is None or not self.unless.search(normalised)


_MATCHERS = {name: _Matcher.of(spec) for name, spec in SECTIONS.items()}


def _candidate_headings(document: ReadmeDocument) -> list[Heading]:
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


def _first_match(document: ReadmeDocument, matcher: _Matcher) -> Heading | None:
    for heading in _candidate_headings(document):
        if matcher.matches(normalise_heading(heading.text)):
            return heading
    return None


@fact
def readme_sections(snapshot: Snapshot) -> dict[str, Heading | None]:
    """Each known section name -> the first README heading that names it (or None)."""
    document = readme(snapshot)
    if document is None:
        return dict.fromkeys(SECTIONS)
    return {name: _first_match(document, matcher) for name, matcher in _MATCHERS.items()}


def _listed_headings(document: ReadmeDocument) -> str:
    """The README's headings, for a message that says why nothing matched."""
    texts = [h.text[:40] for h in document.headings if h.text]
    if not texts:
        return "the README has no headings"
    shown = ", ".join(texts[:MAX_LISTED_HEADINGS])
    if len(texts) > MAX_LISTED_HEADINGS:
        shown += f" (+{len(texts) - MAX_LISTED_HEADINGS} more)"
    return f"headings found: {shown}"


def _at(document: ReadmeDocument, heading: Heading) -> Evidence:
    return Evidence(document.path, heading.line, heading.text[:80])


# ----------------------------------------------------------------------------- README access

_NO_README = (
    "No README: looked for README.md, README.rst, README.txt or README at the root, "
    "in .github/ and in docs/"
)


def _document(snapshot: Snapshot) -> ReadmeDocument | Outcome:
    """The parsed README, or the outcome a README rule gives when there is none to read."""
    document = readme(snapshot)
    if document is not None:
        return document
    path = find_readme_path(snapshot)
    if path is None:
        return Outcome.failed(_NO_README)
    return Outcome.skipped(f"{path} is binary or too large to read, so it was not analysed")


def _readmes_elsewhere(snapshot: Snapshot) -> list[str]:
    names = {name.split(".")[0] for name in README_NAMES}
    return sorted(
        path
        for path, entry in snapshot.files.items()
        if "/" in path and entry.name.lower().split(".")[0] in names and not is_vendored(path)
    )


@primitive("readme_present")
def readme_present(snapshot: Snapshot) -> Outcome:
    """The repository has a README where GitHub shows it."""
    path = find_readme_path(snapshot)
    if path is None:
        elsewhere = _readmes_elsewhere(snapshot)
        if elsewhere:
            return Outcome.failed(
                f"{_NO_README}; found {', '.join(elsewhere[:3])}, which GitHub does not show "
                "on the repository page",
                tuple(Evidence(p) for p in elsewhere[:3]),
            )
        return Outcome.failed(_NO_README)
    where = "at the root" if "/" not in path else "(GitHub shows it on the repository page)"
    return Outcome.passed(f"{path} {where}", (Evidence(path, 1),))


@primitive("readme_substantial")
def readme_substantial(snapshot: Snapshot, *, min_words: int = 150) -> Outcome:
    """The README has enough prose to explain the project."""
    document = _document(snapshot)
    if isinstance(document, Outcome):
        return document
    words = document.words
    evidence = (Evidence(document.path, 1, f"{words} words"),)
    if words >= min_words:
        return Outcome.passed(f"{document.path} has {words} words of prose", evidence)
    return Outcome.graded(
        words / min_words,
        f"{document.path} has {words} words of prose ({min_words} expected): say what the "
        "project does, for whom, and how it is built",
        evidence,
    )


# ----------------------------------------------------------------------------- sections


_TEST_COMMAND = re.compile(
    r"(?:^|[\s;&|(`$>])(?:"
    r"py\.?test|tox|nox|"
    r"python[\d.]*\s+-m\s+(?:pytest|unittest|nose2?|tox|nox)|"
    r"(?:make|just|invoke|task)\s+(?:tests?|check)|"
    r"hatch\s+(?:test|run\s+\S*test\S*)|"
    r"(?:npm|yarn|pnpm|bun)\s+(?:run\s+)?test|"
    r"(?:cargo|go|mvn|gradle|\./gradlew|dotnet|mix)\s+test|"
    r"(?:python[\d.]*\s+)?manage\.py\s+test|"
    r"rspec|phpunit|jest|vitest"
    r")(?![\w-]|\.\w)",
    re.MULTILINE,
)
_INSTALLING = re.compile(r"\b(?:install|add|requires?)\b")


def find_test_command(text: str) -> str | None:
    """The first line of ``text`` that runs a test suite (not one that installs pytest)."""
    for line in text.splitlines():
        if _TEST_COMMAND.search(line) and not _INSTALLING.search(line):
            return line.strip()
    return None


_DOC_SUFFIXES = frozenset({"", ".md", ".markdown", ".rst", ".txt", ".adoc"})
_DESIGN_STEMS = ("architecture", "design")
_DECISION_FOLDERS = frozenset({"adr", "adrs", "decisions", "architecture", "design"})


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
        return parts[-1].split(".")[0].startswith(_DESIGN_STEMS)
    return len(parts) > 2 and parts[0] in ("docs", "doc") and parts[1] in _DECISION_FOLDERS


def _spec_for(section: str, keywords: list[str]) -> SectionSpec | None:
    spec = SECTIONS.get(section)
    if spec is not None:
        return spec
    if not keywords:
        return None
    title = section.replace("_", " ").strip().capitalize() or "Custom"
    return SectionSpec(title, (title,), ())


@primitive("readme_section")
def readme_section(snapshot: Snapshot, *, section: str, keywords: list[str] = []) -> Outcome:  # noqa: B006 - read only
    """The README has a section of a given kind (install, usage, tests, known_limitations…)."""
    spec = _spec_for(section, keywords)
    if spec is None:
        known = ", ".join(SECTIONS)
        return Outcome.errored(f"unknown README section {section!r} (known: {known})")
    document = _document(snapshot)
    if isinstance(document, Outcome):
        if section == "design" and design_documents(snapshot):
            return _design_document_outcome(snapshot)
        return document
    if keywords or section not in SECTIONS:
        heading = _first_match(document, _Matcher.of(spec, keywords))
    else:
        heading = readme_sections(snapshot)[section]
    if heading is not None:
        return Outcome.passed(
            f"'{heading.text}' section at line {heading.line} of {document.path}",
            (_at(document, heading),),
        )
    if section == "tests":
        found = _test_command_in(document)
        if found is not None:
            command, line = found
            return Outcome.passed(
                f"{document.path} shows how to run the tests: `{command[:80]}` (line {line})",
                (Evidence(document.path, line, command[:80]),),
            )
    if section == "design" and design_documents(snapshot):
        return _design_document_outcome(snapshot)
    examples = ", ".join(spec.examples[:-1])
    examples = f"{examples} or {spec.examples[-1]}" if examples else spec.examples[-1]
    return Outcome.failed(
        f"No '{spec.title}' section in {document.path} (a heading such as {examples}): "
        f"{_listed_headings(document)}",
        (Evidence(document.path, None),),
    )


def _test_command_in(document: ReadmeDocument) -> tuple[str, int] | None:
    """A test command in a README code block, or in the prose of a development section."""
    for block in document.code_blocks:
        command = find_test_command(block.text)
        if command is not None:
            return command, block.line
    contributing = _MATCHERS["contributing"]
    for heading in document.headings:
        if contributing.matches(normalise_heading(heading.text)):
            for section in document.subtree(heading):
                command = find_test_command(section.text)
                if command is not None:
                    return command, heading.line
    return None


def _design_document_outcome(snapshot: Snapshot) -> Outcome:
    documents = design_documents(snapshot)
    shown = ", ".join(documents[:3]) + (
        f" (+{len(documents) - 3} more)" if len(documents) > 3 else ""
    )
    return Outcome.passed(
        f"The design is documented in {shown}", tuple(Evidence(p, 1) for p in documents[:5])
    )


@primitive("readme_usage")
def readme_usage(snapshot: Snapshot, *, keywords: list[str] = []) -> Outcome:  # noqa: B006 - read only
    """The README has a usage section and a code example."""
    document = _document(snapshot)
    if isinstance(document, Outcome):
        return document
    if keywords:
        heading = _first_match(document, _Matcher.of(SECTIONS["usage"], keywords))
    else:
        heading = readme_sections(snapshot)["usage"]
    blocks = document.code_blocks
    path = document.path
    if heading is not None and blocks:
        return Outcome.passed(
            f"'{heading.text}' section at line {heading.line} and {len(blocks)} code "
            f"block(s) in {path}",
            (_at(document, heading), Evidence(path, blocks[0].line, "code block")),
        )
    if heading is not None:
        return Outcome.graded(
            0.5,
            f"'{heading.text}' section at line {heading.line} of {path} but no code block in "
            "the README: show a real command or call in a fenced block",
            (_at(document, heading),),
        )
    if blocks:
        return Outcome.graded(
            0.5,
            f"{path} has {len(blocks)} code block(s) but no usage or examples heading: "
            f"{_listed_headings(document)}",
            (Evidence(path, blocks[0].line, "code block"),),
        )
    return Outcome.failed(
        f"{path} has no usage section and no code example: {_listed_headings(document)}",
        (Evidence(path, None),),
    )


# ----------------------------------------------------------------------------- examples

_BADGE_HOSTS = (
    "shields.io",
    "badgen.net",
    "badge.fury.io",
    "codecov.io",
    "coveralls.io",
    "travis-ci.org",
    "travis-ci.com",
    "circleci.com",
    "readthedocs.org",
    "pepy.tech",
    "snyk.io",
    "sonarcloud.io",
    "codeclimate.com",
    "codacy.com",
    "deepsource.io",
    "deepsource.com",
    "pre-commit.ci",
    "codefactor.io",
    "requires.io",
    "bestpractices.dev",
    "bestpractices.coreinfrastructure.org",
    "api.securityscorecards.dev",
    "img.buymeacoffee.com",
    "ko-fi.com",
    "starchart.cc",
    "app.fossa.com",
    "app.netlify.com",
)
_BADGE_WORDS = re.compile(r"badge|/workflows/|/actions/|[?&](?:branch|style|logo)=", re.IGNORECASE)
_NOT_A_SCREENSHOT = re.compile(r"(?<![a-z])(?:logo|icon|favicon|avatar)(?![a-z])", re.IGNORECASE)
_DEMO_HOSTS = (
    ".herokuapp.com",
    ".vercel.app",
    ".netlify.app",
    ".streamlit.app",
    ".onrender.com",
    ".fly.dev",
    ".pages.dev",
    ".github.io",
    ".pythonanywhere.com",
    ".railway.app",
    ".glitch.me",
    ".replit.app",
    ".repl.co",
    ".azurewebsites.net",
    ".appspot.com",
    ".web.app",
    ".firebaseapp.com",
    ".surge.sh",
    ".deno.dev",
    ".gradio.live",
    ".hf.space",
)
_VIDEO_HOSTS = ("youtube.com", "youtu.be", "vimeo.com", "loom.com", "asciinema.org")
_DEMO_TEXT = re.compile(
    r"(?<!\w)(?:demo|live|try it|try it out|try it online|playground|deployed|hosted|"
    r"web app|app)(?!\w)",
    re.IGNORECASE,
)
_DEMO_SUBDOMAINS = frozenset({"demo", "live", "app", "try", "play", "playground"})
_EXAMPLES = SectionSpec(
    "Examples",
    ("Screenshots", "Demo", "Example request"),
    (
        "example*",
        "sample*",
        "demo*",
        "screenshot*",
        "output",
        "request*",
        "response*",
        "in action",
        "walkthrough",
        "try it",
    ),
)
_EXAMPLE_MATCHER = _Matcher.of(_EXAMPLES)


def _host(url: str) -> str:
    try:
        return (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return ""


def _ends_with_host(host: str, suffixes: Iterable[str]) -> bool:
    return any(host == s.lstrip(".") or host.endswith("." + s.lstrip(".")) for s in suffixes)


def is_badge(image: Link) -> bool:
    """Whether an image is a status badge (CI, coverage, PyPI…) rather than a picture."""
    host = _host(image.url)
    if _ends_with_host(host, _BADGE_HOSTS) or _BADGE_WORDS.search(image.url):
        return True
    target_host = _host(image.target)
    svg = urlsplit(image.url).path.lower().endswith(".svg") if "://" in image.url else False
    return svg and _ends_with_host(target_host, (*_BADGE_HOSTS, "pypi.org", "anaconda.org"))


def is_screenshot(image: Link) -> bool:
    """An image that can show the project at work: not a badge, not a logo or icon."""
    if not image.url or is_badge(image):
        return False
    return not (_NOT_A_SCREENSHOT.search(image.url) or _NOT_A_SCREENSHOT.search(image.text))


def is_demo_link(link: Link) -> bool:
    """A link to a live deployment, a demo or a video of the project at work."""
    if link.text and _DEMO_TEXT.search(link.text):
        return True
    host = _host(link.url)
    if not host:
        return False
    if _ends_with_host(host, (*_DEMO_HOSTS, *_VIDEO_HOSTS)):
        return True
    path = urlsplit(link.url).path.lower()
    if host == "huggingface.co" and path.startswith("/spaces/"):
        return True
    if host.split(".")[0] in _DEMO_SUBDOMAINS:
        return True
    return bool(re.search(r"(?<![a-z])demo(?![a-z])", path)) and not is_badge(link)


#: Code fences that hold a terminal session, program output or an HTTP exchange.
_OUTPUT_FENCES = frozenset(
    {"console", "shell-session", "shellsession", "terminal", "output", "ansi", "pycon", "http"}
)
#: Plain fences count as sample output only inside a usage or examples section.
_PLAIN_FENCES = frozenset({"", "text", "txt", "plain", "plaintext"})


def _sample_output(document: ReadmeDocument) -> CodeBlock | None:
    """A code block showing what the project prints or answers, if the README has one."""
    for block in document.code_blocks:
        if block.info.lower() in _OUTPUT_FENCES:
            return block
    usage = _Matcher.of(SECTIONS["usage"])
    for heading in document.headings:
        text = normalise_heading(heading.text)
        if usage.matches(text) or _EXAMPLE_MATCHER.matches(text):
            for section in document.subtree(heading):
                for block in section.code_blocks:
                    if block.info.lower() in _PLAIN_FENCES:
                        return block
    return None


@primitive("readme_examples")
def readme_examples(snapshot: Snapshot) -> Outcome:
    """The README shows the project at work: screenshot, demo link or example request."""
    document = _document(snapshot)
    if isinstance(document, Outcome):
        return document
    path = document.path
    screenshots = [image for image in document.images if is_screenshot(image)]
    if screenshots:
        first = screenshots[0]
        return Outcome.passed(
            f"{path} shows {len(screenshots)} image(s), the first at line {first.line}: "
            f"{first.url[:80]}",
            tuple(Evidence(path, image.line, image.url[:80]) for image in screenshots[:3]),
        )
    demos = [link for link in document.links if is_demo_link(link)]
    if demos:
        first = demos[0]
        label = f"'{first.text[:40]}' " if first.text else ""
        return Outcome.passed(
            f"{path} links to a demo: {label}{first.url[:80]} (line {first.line})",
            tuple(Evidence(path, link.line, link.url[:80]) for link in demos[:3]),
        )
    for heading in document.headings:
        if _EXAMPLE_MATCHER.matches(normalise_heading(heading.text)):
            for section in document.subtree(heading):
                if section.code_blocks:
                    return Outcome.passed(
                        f"'{heading.text}' section at line {heading.line} of {path} shows an "
                        "example with code",
                        (_at(document, heading),),
                    )
    sample = _sample_output(document)
    if sample is not None:
        return Outcome.passed(
            f"{path} shows the project's output or an example request in a code block "
            f"at line {sample.line} (a command-line tool's screenshot)",
            (Evidence(path, sample.line, f"```{sample.info}" if sample.info else None),),
        )
    badges = sum(1 for image in document.images if is_badge(image))
    seen = f"only badges ({badges}) among its images" if badges else "no image"
    return Outcome.failed(
        f"{path} shows no screenshot, demo link or example request: {seen}, no demo link, "
        f"no examples section with code; {_listed_headings(document)}",
        (Evidence(path, None),),
    )


# ----------------------------------------------------------------------------- license

LICENSE_STEMS = ("license", "licence", "copying", "unlicense")


#: (SPDX id, phrases that must all appear, whether only the title region is searched).
#: Order matters: the LGPL and AGPL texts mention the GPL, so they are tried first.
SPDX_PHRASES: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    ("AGPL-3.0", ("gnu affero general public license",), True),
    ("LGPL-3.0", ("gnu lesser general public license", "version 3"), True),
    ("LGPL-2.1", ("gnu lesser general public license", "version 2.1"), True),
    ("LGPL-2.0", ("gnu library general public license",), True),
    ("GPL-3.0", ("gnu general public license", "version 3"), True),
    ("GPL-2.0", ("gnu general public license", "version 2"), True),
    ("Apache-2.0", ("apache license", "version 2.0"), False),
    ("MPL-2.0", ("mozilla public license", "2.0"), False),
    ("Unlicense", ("free and unencumbered software released into the public domain",), False),
    ("CC0-1.0", ("cc0 1.0",), False),
    (
        "ISC",
        ("permission to use, copy, modify, and", "distribute this software for any purpose"),
        False,
    ),
    ("MIT", ("permission is hereby granted, free of charge, to any person",), False),
    (
        "BSD-3-Clause",
        ("redistribution and use in source and binary forms", "endorse or promote"),
        False,
    ),
    ("BSD-2-Clause", ("redistribution and use in source and binary forms",), False),
)


def spdx_of(text: str) -> str | None:
    """The SPDX identifier of a license text, from phrases distinctive of each license."""
    flat = " ".join(text.lower().split())
    head = flat[:600]
    for spdx, phrases, title_only in SPDX_PHRASES:
        region = head if title_only else flat
        if all(phrase in region for phrase in phrases):
            return spdx
    return None


@dataclass(frozen=True)
class LicenseInfo:
    """The license files at the root, what they are, and any license a manifest declares."""

    files: tuple[str, ...]
    spdx: str | None  # "MIT", "MIT OR Apache-2.0" for dual licenses, None when unrecognised
    declared: str | None  # from pyproject.toml or setup.cfg
    declared_in: str | None
    elsewhere: tuple[str, ...]  # license files below the root


def _is_license_name(name: str) -> bool:
    stem = name.lower().split(".")[0]
    return stem in LICENSE_STEMS or stem.startswith(tuple(f"{s}-" for s in LICENSE_STEMS))


@fact
def license_info(snapshot: Snapshot) -> LicenseInfo:
    """The repository's license, read once for the rule and the signals."""
    files = sorted(
        (p for p in snapshot.files if "/" not in p and _is_license_name(p)),
        key=lambda p: (p.lower().split(".")[0] not in LICENSE_STEMS, len(p), p),
    )
    ids = []
    for path in files:
        spdx = spdx_of(snapshot.text(path) or "")
        if spdx is not None and spdx not in ids:
            ids.append(spdx)
    elsewhere = sorted(
        p
        for p, e in snapshot.files.items()
        if "/" in p and _is_license_name(e.name) and not is_vendored(p)
    )
    declared, declared_in = _declared_license(snapshot)
    return LicenseInfo(
        files=tuple(files),
        spdx=" OR ".join(ids) if ids else None,
        declared=declared,
        declared_in=declared_in,
        elsewhere=tuple(elsewhere),
    )


def _declared_license(snapshot: Snapshot) -> tuple[str | None, str | None]:
    """A license named in pyproject.toml ([project] or [tool.poetry]) or setup.cfg."""
    text = snapshot.text("pyproject.toml")
    if text:
        try:
            data = _toml.loads(text)
        except (_toml.TOMLDecodeError, ValueError):
            data = {}
        tool = data.get("tool")
        poetry = tool.get("poetry") if isinstance(tool, dict) else None
        for table in (data.get("project"), poetry):
            if isinstance(table, dict):
                value = table.get("license")
                if isinstance(value, dict):
                    value = value.get("text") or value.get("file")
                if isinstance(value, str) and value.strip():
                    return value.strip()[:80], "pyproject.toml"
    text = snapshot.text("setup.cfg")
    if text:
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(text)
            value = parser.get("metadata", "license", fallback="").strip()
        except configparser.Error:
            value = ""
        if value:
            return value[:80], "setup.cfg"
    return None, None


@primitive("license_present")
def license_present(snapshot: Snapshot) -> Outcome:
    """The repository has a LICENSE file at its root."""
    info = license_info(snapshot)
    if info.files:
        path = info.files[0]
        if info.spdx:
            message = f"{path} ({info.spdx}) at the root"
        else:
            message = f"{path} at the root (its text is not one of the common licenses)"
        return Outcome.passed(message, tuple(Evidence(p, 1, info.spdx) for p in info.files[:3]))
    if info.declared is not None and info.declared_in is not None:
        return Outcome.graded(
            0.5,
            f"{info.declared_in} declares the license '{info.declared}' but there is no LICENSE "
            "file at the root: GitHub shows no license, and most licenses require their text "
            "to ship with the code",
            (Evidence(info.declared_in, None, info.declared),),
        )
    message = "No LICENSE, LICENCE, COPYING or UNLICENSE file at the root"
    if info.elsewhere:
        message += f" (found {', '.join(info.elsewhere[:3])}, which GitHub does not recognise)"
    return Outcome.failed(message + ": without one nobody may legally reuse the code")


# ----------------------------------------------------------------------------- environment

#: Variables every environment has: reading them is not configuration a user must supply.
SYSTEM_VARIABLES = frozenset(
    {
        "HOME",
        "PATH",
        "USER",
        "USERNAME",
        "USERPROFILE",
        "LOGNAME",
        "SHELL",
        "TERM",
        "PWD",
        "LANG",
        "LC_ALL",
        "TMPDIR",
        "TEMP",
        "TMP",
        "EDITOR",
        "VISUAL",
        "PAGER",
        "COLUMNS",
        "LINES",
        "NO_COLOR",
        "FORCE_COLOR",
        "CI",
        "GITHUB_ACTIONS",
        "PYTHONPATH",
        "VIRTUAL_ENV",
        "APPDATA",
        "LOCALAPPDATA",
        "XDG_CONFIG_HOME",
        "XDG_DATA_HOME",
        "XDG_CACHE_HOME",
        "XDG_RUNTIME_DIR",
        "DISPLAY",
        "SYSTEMROOT",
        "COMSPEC",
        "DJANGO_SETTINGS_MODULE",
    }
)
#: Third-party libraries whose only job is reading configuration from the environment.
_ENV_LIBRARIES = {
    "dotenv": "python-dotenv",
    "decouple": "python-decouple",
    "environs": "environs",
    "environ": "django-environ",
}
_ENV_EXAMPLE = re.compile(
    r"^(?:[\w-]+[._-])?\.?env(?:[._-][\w-]+)*[._-](?:example|sample|template|dist|defaults|tmpl|tpl)"
    r"|(?:example|sample|template)[._-]?\.?env$",
    re.IGNORECASE,
)
_NOT_APPLICATION_CODE = ("setup.py", "noxfile.py", "fabfile.py")


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
    return parts[-1] in _NOT_APPLICATION_CODE or parts[0] in ("docs", "doc")


#: The kinds of node the scanner looks at: imports, then the reads (:meth:`_reads`).
_SCANNED_NODES = frozenset({ast.Import, ast.ImportFrom, ast.Call, ast.Subscript, ast.Compare})
_SCANNED_NODES |= {ast.ClassDef}


class _EnvironmentScanner:
    """The names a module binds to ``os``, ``os.environ``, ``os.getenv`` and friends."""

    def __init__(self, module: ParsedModule) -> None:
        self.module = module
        self.os_names: set[str] = set()
        self.environ_names: set[str] = set()
        self.getenv_names: set[str] = set()
        self.decouple_modules: set[str] = set()
        self.config_names: set[str] = set()
        self.settings_bases: set[str] = {"BaseSettings"}

    def scan(self) -> Iterator[EnvironmentRead]:
        nodes = [node for node in self.module.nodes if type(node) in _SCANNED_NODES]
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
                elif top in _ENV_LIBRARIES:  # ``import environ`` is django-environ
                    yield self._read(node, _ENV_LIBRARIES[top])
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
            elif module in _ENV_LIBRARIES:
                yield self._read(node, _ENV_LIBRARIES[module])
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
            func = node.func
            first = node.args[0] if node.args else None
            if isinstance(func, ast.Name) and func.id in self.getenv_names:
                yield self._read(node, "os.getenv", first)
            elif isinstance(func, ast.Name) and func.id in self.config_names:
                yield self._read(node, "decouple.config", first)
            elif isinstance(func, ast.Attribute):
                owner = func.value
                if (
                    func.attr == "getenv"
                    and isinstance(owner, ast.Name)
                    and owner.id in self.os_names
                ):
                    yield self._read(node, "os.getenv", first)
                elif func.attr == "get" and self._is_environ(owner):
                    yield self._read(node, "os.environ.get", first)
                elif (
                    func.attr == "config"
                    and isinstance(owner, ast.Name)
                    and owner.id in self.decouple_modules
                ):
                    yield self._read(node, "decouple.config", first)
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


def _is_configuration(read: EnvironmentRead) -> bool:
    return read.variable is None or read.variable.upper() not in SYSTEM_VARIABLES


@fact
def env_example_files(snapshot: Snapshot) -> tuple[str, ...]:
    """Example environment files (.env.example, .env.sample, example.env…) anywhere."""
    return tuple(
        sorted(
            path
            for path, entry in snapshot.files.items()
            if _ENV_EXAMPLE.match(entry.name) and not is_vendored(path)
        )
    )


@primitive("env_example")
def env_example(snapshot: Snapshot) -> Outcome:
    """When the code reads the environment, an example environment file documents it."""
    reads = [read for read in environment_reads(snapshot) if _is_configuration(read)]
    if not reads:
        if not snapshot.python_modules:
            return Outcome.skipped("No Python code, so no environment variables to document")
        return Outcome.skipped("The Python code does not read configuration from the environment")
    names = list(dict.fromkeys(r.variable for r in reads if r.variable))
    shown = ", ".join(names[:4]) + (f", +{len(names) - 4} more" if len(names) > 4 else "")
    what = f"the environment ({shown})" if names else "the environment"
    examples = env_example_files(snapshot)
    if examples:
        return Outcome.passed(
            f"{examples[0]} documents the environment the code reads"
            + (f" ({shown})" if names else ""),
            tuple(Evidence(p, 1) for p in examples[:3]),
        )
    heading = readme_sections(snapshot)["configuration"]
    document = readme(snapshot)
    if heading is not None and document is not None:
        return Outcome.passed(
            f"'{heading.text}' section at line {heading.line} of {document.path} documents {what}",
            (_at(document, heading),),
        )
    return Outcome.failed(
        f"The code reads {what} but there is no .env.example (or .env.sample, .env.template) "
        "and no README section on configuration or environment variables",
        tuple(Evidence(r.path, r.line, r.note) for r in reads[:5]),
    )


# ----------------------------------------------------------------------------- signals


@signal_group("readme")
def readme_signals(snapshot: Snapshot) -> dict[str, Any]:
    """The README's path, its words of prose and which sections it has."""
    document = readme(snapshot)
    sections = readme_sections(snapshot)
    return {
        "path": document.path if document else find_readme_path(snapshot),
        "words": document.words if document else 0,
        "sections": {name: sections[name] is not None for name in SIGNAL_SECTIONS},
    }


@signal_group("license")
def license_signals(snapshot: Snapshot) -> dict[str, Any]:
    """The license file at the root and its SPDX identifier."""
    info = license_info(snapshot)
    return {
        "path": info.files[0] if info.files else None,
        "spdx": info.spdx,
        "declared": info.declared,
    }
