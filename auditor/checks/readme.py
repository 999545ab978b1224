"""DOC: the README: present, substantial, its sections, a usage example, the project at work.

Every rule here reads the one parsed README (:func:`~auditor.source.readme.readme`) and the
facts measured on it (:mod:`auditor.facts.readme`); what a link or image is comes from
:mod:`auditor.facts.links`.
"""

from __future__ import annotations

from typing import Any

from auditor.checks.registry import primitive, signal_group
from auditor.facts.links import is_badge, is_demo_link, is_screenshot, live_homepage
from auditor.facts.readme import (
    EXAMPLES_MATCHER,
    SECTIONS,
    HeadingMatcher,
    SectionSpec,
    design_documents,
    first_match,
    normalise_heading,
    readme_sections,
    sample_output,
    section_documents,
    test_command_in,
)
from auditor.facts.readme_claims import FalseClaim, broken_local_link, readme_false_claims
from auditor.model import Evidence, Outcome, Status
from auditor.source.readme import (
    README_NAMES,
    Heading,
    Link,
    ReadmeDocument,
    find_readme_path,
    readme,
)
from auditor.source.snapshot import Snapshot, is_vendored

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
MAX_LISTED_HEADINGS = 8

_NO_README = (
    "No README: looked for README.md, README.rst, README.txt or README at the root, "
    "in .github/ and in docs/"
)


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
    covered = section_documents(snapshot).get(section) if not keywords else None
    if isinstance(document, Outcome):
        if section == "design" and design_documents(snapshot):
            return _design_document_outcome(snapshot)
        if covered is not None:
            return _covered_outcome(spec, covered)
        return document
    if keywords or section not in SECTIONS:
        heading = first_match(document, HeadingMatcher.of(spec, keywords))
    else:
        heading = readme_sections(snapshot)[section]
    if heading is not None:
        return Outcome.passed(
            f"'{heading.text}' section at line {heading.line} of {document.path}",
            (_at(document, heading),),
        )
    if section == "tests":
        found = test_command_in(document)
        if found is not None:
            command, line = found
            return Outcome.passed(
                f"{document.path} shows how to run the tests: `{command[:80]}` (line {line})",
                (Evidence(document.path, line, command[:80]),),
            )
    if section == "design" and design_documents(snapshot):
        return _design_document_outcome(snapshot)
    if covered is not None:
        return _covered_outcome(spec, covered)
    examples = ", ".join(spec.examples[:-1])
    examples = f"{examples} or {spec.examples[-1]}" if examples else spec.examples[-1]
    return Outcome.failed(
        f"No '{spec.title}' section in {document.path} (a heading such as {examples}): "
        f"{_listed_headings(document)}",
        (Evidence(document.path, None),),
    )


def _covered_outcome(spec: SectionSpec, path: str) -> Outcome:
    return Outcome.passed(
        f"No '{spec.title}' section in the README, but {path} covers it", (Evidence(path, 1),)
    )


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
        heading = first_match(document, HeadingMatcher.of(SECTIONS["usage"], keywords))
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


def _screenshots(snapshot: Snapshot, document: ReadmeDocument) -> list[Link]:
    """The README's screenshots, GIFs and diagrams that are really there (a relative image
    missing from the tree shows nothing)."""
    return [
        image
        for image in document.images
        if is_screenshot(image) and broken_local_link(snapshot, document, image.url) is None
    ]


def shows_project_at_work(snapshot: Snapshot) -> bool:
    """A screenshot, GIF, video or live demo: what DOC007 accepts before code examples."""
    document = readme(snapshot)
    if document is not None and (
        _screenshots(snapshot, document) or any(is_demo_link(link) for link in document.links)
    ):
        return True
    return live_homepage(snapshot) is not None


@primitive("readme_examples")
def readme_examples(snapshot: Snapshot) -> Outcome:
    """The README shows the project at work: screenshot, demo link or example request."""
    document = _document(snapshot)
    if isinstance(document, Outcome):
        homepage = live_homepage(snapshot)
        if homepage is not None:
            return Outcome.passed(f"the repository's homepage is a live site: {homepage[:80]}")
        return document
    path = document.path
    screenshots = _screenshots(snapshot, document)
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
        if EXAMPLES_MATCHER.matches(normalise_heading(heading.text)):
            for section in document.subtree(heading):
                if section.code_blocks:
                    return Outcome.passed(
                        f"'{heading.text}' section at line {heading.line} of {path} shows an "
                        "example with code",
                        (_at(document, heading),),
                    )
    sample = sample_output(document)
    if sample is not None:
        return Outcome.passed(
            f"{path} shows the project's output or an example request in a code block "
            f"at line {sample.line} (a command-line tool's screenshot)",
            (Evidence(path, sample.line, f"```{sample.info}" if sample.info else None),),
        )
    homepage = live_homepage(snapshot)
    if homepage is not None:
        return Outcome.passed(f"the repository's homepage is a live site: {homepage[:80]}")
    badges = sum(1 for image in document.images if is_badge(image))
    seen = f"only badges ({badges}) among its images" if badges else "no image"
    return Outcome.failed(
        f"{path} shows no screenshot, demo link or example request: {seen}, no demo link, "
        f"no examples section with code; {_listed_headings(document)}",
        (Evidence(path, None),),
    )


#: What one false claim costs DOC012's score; an empty heading costs half as much.
CLAIM_COST = 0.5
MAX_LISTED_CLAIMS = 6


@primitive("readme_claims_true")
def readme_claims_true(snapshot: Snapshot) -> Outcome:
    """What the README claims (commands, files, Docker, tests, license, links, environment
    variables, sections) is true of the tree."""
    document = _document(snapshot)
    if isinstance(document, Outcome):
        return (
            Outcome.skipped("No README to check against the tree")
            if (document.status is Status.FAIL)
            else document
        )
    claims = readme_false_claims(snapshot)
    if not claims:
        return Outcome.passed(
            f"Every command, link and section of {document.path} checked against the tree holds"
        )
    score = max(0.0, 1.0 - sum(CLAIM_COST / 2 if c.minor else CLAIM_COST for c in claims))
    shown = "; ".join(_claim_text(c) for c in claims[:MAX_LISTED_CLAIMS])
    more = f" (+{len(claims) - MAX_LISTED_CLAIMS} more)" if len(claims) > MAX_LISTED_CLAIMS else ""
    count = f"{len(claims)} claim{'s' if len(claims) != 1 else ''}"
    return Outcome.graded(
        score,
        f"{count} of {document.path} the tree contradicts: {shown}{more}",
        tuple(Evidence(document.path, c.line, f"{c.kind}: {c.problem}"[:120]) for c in claims[:10]),
    )


def _claim_text(claim: FalseClaim) -> str:
    where = f"line {claim.line}: " if claim.line else ""
    return f"{where}{claim.claim} ({claim.problem})"


@signal_group("readme")
def readme_signals(snapshot: Snapshot) -> dict[str, Any]:
    """The README's path, its words of prose and which sections it has."""
    document = readme(snapshot)
    sections = readme_sections(snapshot)
    return {
        "path": document.path if document else find_readme_path(snapshot),
        "words": document.words if document else 0,
        "sections": {
            name: (
                shows_project_at_work(snapshot)
                if name == "screenshots"
                else sections[name] is not None
            )
            for name in SIGNAL_SECTIONS
        },
    }
