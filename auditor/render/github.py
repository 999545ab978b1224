"""GitHub Actions workflow commands: one annotation per finding worth fixing.

``::warning file=PATH,line=N,title=RULE title::message`` shows on the changed lines of a pull
request. Everything from the repository is escaped as GitHub requires (``%``, CR and LF in
the message; also ``:`` and ``,`` in properties), so a commit message or file name can never
end the command and start another (``%0A::error::…``, ``::stop-commands::``).
"""

from __future__ import annotations

from auditor.compare import Comparison
from auditor.model import Finding, Scorecard, Status
from auditor.render.sanitize import terminal_safe

#: GitHub shows at most 10 annotations of each level per step: the most valuable come first.
_LEVEL = {Status.FAIL: "warning", Status.PARTIAL: "notice", Status.ERROR: "warning"}


def escape_data(text: str) -> str:
    """A workflow command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value (file, title)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _annotation(finding: Finding) -> str:
    level = _LEVEL[finding.status]
    properties = []
    located = next((e for e in finding.outcome.evidence if e.is_file), None)
    if located is not None:
        properties.append(f"file={escape_property(terminal_safe(located.path))}")
        if located.line:
            properties.append(f"line={located.line}")
    properties.append(f"title={escape_property(f'{finding.rule} {finding.title}')}")
    message = f"{terminal_safe(finding.outcome.message)} Fix: {terminal_safe(finding.fix)}"
    return f"::{level} {','.join(properties)}::{escape_data(message)}"


def render_github(card: Scorecard, *, comparison: Comparison | None = None) -> str:
    """Workflow commands for every failing, partial or errored finding, most valuable first."""
    rank = {step.finding.rule: index for index, step in enumerate(card.next_steps)}
    shown = [f for f in card.findings if f.status in _LEVEL]
    shown.sort(key=lambda f: (rank.get(f.rule, len(rank)), -f.weight, f.rule))
    lines = [_annotation(f) for f in shown]
    lines.append(
        f"::notice title=portfolio-auditor::Score {card.score:.1f}/100, grade {card.grade} "
        f"({escape_data(terminal_safe(card.repo.name))})"
    )
    if comparison is not None:
        lines.append(
            f"::notice title=portfolio-auditor::Score {comparison.headline} {comparison.since}"
        )
    return "\n".join(lines) + "\n"
