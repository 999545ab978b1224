"""The terminal scorecard, rendered with rich.

Everything that came from the repository goes through :func:`terminal_safe` and into
``rich.text.Text`` objects (never markup strings), so a commit message or file name can
neither move the cursor nor inject rich markup. Status is shown by a symbol and a word as
well as a colour, so the card reads the same with ``NO_COLOR`` set.
"""

from __future__ import annotations

import io
from collections import Counter

from rich.console import Console
from rich.padding import Padding
from rich.text import Text

from auditor.compare import Comparison
from auditor.model import Finding, Scorecard, Status
from auditor.render.sanitize import terminal_safe
from auditor.render.view import kind_line, receipt

STATUS_STYLE = {
    Status.PASS: ("✓", "pass", "green"),
    Status.PARTIAL: ("◐", "partial", "yellow"),
    Status.FAIL: ("✗", "fail", "red"),
    Status.SKIP: ("-", "skip", "dim"),
    Status.ERROR: ("!", "error", "magenta"),
}
GRADE_STYLE = {"A": "bold green", "B": "green", "C": "yellow", "D": "dark_orange", "F": "bold red"}
BAR_WIDTH = 24
MAX_EVIDENCE = 3


def render_text(
    card: Scorecard,
    *,
    color: bool = True,
    width: int | None = None,
    comparison: Comparison | None = None,
) -> str:
    """The scorecard as terminal text (ANSI colours only when ``color``)."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        width=width or 100,
        highlight=False,
        emoji=False,
        soft_wrap=False,
    )
    _header(console, card)
    if comparison is not None:
        _comparison(console, comparison)
    _blockers(console, card)
    _receipt(console, card)
    _categories(console, card)
    _next_steps(console, card)
    _findings(console, card)
    _footer(console, card)
    # rich pads wrapped lines to the full width; trailing blanks only get in the way.
    return "\n".join(line.rstrip() for line in buffer.getvalue().split("\n"))


def _header(console: Console, card: Scorecard) -> None:
    repo = card.repo
    head = f" @ {repo.head[:10]}" if repo.head else ""
    title = Text()
    title.append("portfolio-auditor ", style="bold")
    title.append(f"{card.tool_version}  ", style="dim")
    title.append(terminal_safe(repo.name), style="bold cyan")
    title.append(head, style="dim")
    title.append(f"  profile {terminal_safe(card.profile)}", style="dim")
    console.print(title)
    console.print()
    score = Text("  Score ")
    score.append(f"{card.score:.1f}", style="bold")
    score.append(" / 100   Grade ")
    score.append(card.grade, style=GRADE_STYLE.get(card.grade, "bold"))
    console.print(score)
    what = kind_line(card.verdict, card.signals)
    if what:
        console.print(Text("  " + terminal_safe(what[:1].upper() + what[1:]), style="dim"))
    console.print()


CHANGE_WORDS = {"worse": "newly failing", "better": "improved", "other": "changed"}


def _comparison(console: Console, comparison: Comparison) -> None:
    """The score against the baseline, then the rules whose status changed, worst first."""
    line = Text(f"  Score {comparison.headline} {comparison.since}")
    if comparison.delta:
        line.stylize("bold green" if comparison.delta > 0 else "bold red")
    console.print(line)
    for change in comparison.changes:
        style = {"worse": "red", "better": "green"}.get(change.direction, "dim")
        row = Text(f"    {CHANGE_WORDS[change.direction]:<14} ", style=style)
        row.append(terminal_safe(f"{change.rule} {change.title}"))
        row.append(f" ({change.before or 'absent'} → {change.after or 'absent'})", style="dim")
        console.print(row)
    if not comparison.changes:
        console.print(Text("    no rule changed status", style="dim"))
    console.print()


def _blockers(console: Console, card: Scorecard) -> None:
    """Blockers head the card: a reviewer stops reading at a live credential."""
    if card.verdict is None or not card.verdict.blockers:
        return
    console.print(Text("Security: blockers", style="bold red"))
    for blocker in card.verdict.blockers:
        line = Text("  ✗ ", style="red")
        line.append(f"{blocker.rule} ", style="bold")
        line.append(terminal_safe(blocker.title))
        console.print(line)
        if blocker.paths:
            shown = ", ".join(terminal_safe(p) for p in blocker.paths[:MAX_EVIDENCE])
            more = len(blocker.paths) - MAX_EVIDENCE
            console.print(_indented(shown + (f" and {more} more" if more > 0 else ""), 6))
    console.print()


def _receipt(console: Console, card: Scorecard) -> None:
    """How the score was reached, in points that add up to it."""
    lines = receipt(card.verdict)
    if not lines:
        return
    console.print(Text("How the score was reached", style="bold"))
    width = 44
    for line in lines:
        text = Text("  ")
        label = terminal_safe(line.label)
        if line.of is not None:
            text.append(f"{label[:width]:<{width}} {line.points:5.1f} / {line.of:g}")
        else:
            style = "red" if line.points < 0 else ""
            text.append(f"{line.points:+6.1f}  ", style=style)
            text.append(label, style="dim")
        console.print(text)
    console.print(Text(f"  {'= score':<{width}} {card.score:5.1f}", style="bold"))
    console.print()


def _bar(score: float) -> Text:
    filled = round(score / 100 * BAR_WIDTH)
    style = "green" if score >= 80 else "yellow" if score >= 60 else "red"
    bar = Text("█" * filled, style=style)
    bar.append("░" * (BAR_WIDTH - filled), style="dim")
    return bar


def _categories(console: Console, card: Scorecard) -> None:
    title_width = max((len(c.title) for c in card.categories), default=10)
    for category in card.categories:
        line = Text(f"  {category.title:<{title_width}}  ")
        if category.score is None:
            line.append("not applicable", style="dim")
        else:
            line.append_text(_bar(category.score))
            line.append(f" {category.score:5.1f}")
        console.print(line)
    console.print()


def _next_steps(console: Console, card: Scorecard) -> None:
    if not card.next_steps:
        return
    console.print(Text("Next steps (most valuable first)", style="bold"))
    console.print(
        Text("  each gain is for fixing that finding alone, everything else as it is", style="dim")
    )
    for number, step in enumerate(card.next_steps, start=1):
        line = Text(f"  {number}. ")
        line.append(f"+{step.points:.1f} ", style="bold green")
        line.append(f"{step.finding.rule} ", style="bold")
        line.append(step.finding.title)
        console.print(line)
        console.print(_indented(terminal_safe(step.finding.fix), 7, style="dim"))
    console.print()


def _findings(console: Console, card: Scorecard) -> None:
    shown = [f for f in card.findings if f.status is not Status.PASS]
    if not shown:
        console.print(Text("Every rule passed.", style="bold green"))
        console.print()
        return
    console.print(Text("Findings", style="bold"))
    for finding in shown:
        _finding(console, finding)
    console.print()


def _finding(console: Console, finding: Finding) -> None:
    symbol, word, style = STATUS_STYLE[finding.status]
    line = Text("  ")
    line.append(f"{symbol} {word:<7}", style=style)
    line.append(f" {finding.rule} ", style="bold")
    line.append(finding.title)
    if finding.status is Status.PARTIAL and finding.score is not None:
        line.append(f" ({finding.score * 100:.0f}%)", style=style)
    console.print(line)
    console.print(_indented(terminal_safe(finding.outcome.message), 6))
    evidence = finding.outcome.evidence
    for item in evidence[:MAX_EVIDENCE]:
        if item.is_file:
            where = terminal_safe(item.path) + (f":{item.line}" if item.line else "")
        else:
            where = f"commit {terminal_safe(item.commit or '')[:10]}"
        note = f"  {terminal_safe(item.note)}" if item.note else ""
        console.print(Text(f"      → {where}{note}", style="cyan"))
    if len(evidence) > MAX_EVIDENCE:
        console.print(Text(f"      … and {len(evidence) - MAX_EVIDENCE} more", style="dim"))
    if finding.status in (Status.FAIL, Status.PARTIAL):
        console.print(_indented(f"fix: {terminal_safe(finding.fix)}", 6, style="dim"))


def _indented(text: str, indent: int, style: str = "") -> Padding:
    """Text that wraps under its own first character, not back at the left margin."""
    return Padding(Text(text, style=style), (0, 0, 0, indent), expand=False)


def _footer(console: Console, card: Scorecard) -> None:
    counts = Counter(f.status for f in card.findings)
    summary = Text()
    for status in Status:
        if counts[status]:
            if summary:
                summary.append(" · ")
            _, word, style = STATUS_STYLE[status]
            summary.append(f"{counts[status]} {word}", style=style)
    console.print(summary)
    for notice in card.notices:
        console.print(Text(f"note: {terminal_safe(notice)}", style="yellow"))
    console.print(Text("Run `auditor explain RULE` for what a rule checks and why.", style="dim"))
