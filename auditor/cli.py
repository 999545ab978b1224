"""The ``auditor`` command: options in, the engine called, a renderer picked.

Exit codes: 0 audited (at or above ``--fail-under``), 1 below ``--fail-under``, 2 bad input
(a path, an option, a rule pack or settings file, a repository that cannot be read),
4 an internal error. Errors are one line on stderr, never a traceback (``AUDITOR_DEBUG=1``
shows it).
"""

from __future__ import annotations

import contextlib
import difflib
import gc
import os
import shutil
import sys
import textwrap
import threading
import traceback
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from auditor import __version__
from auditor.deadline import AUDIT_SECONDS, audit_deadline
from auditor.errors import EXIT_BELOW_THRESHOLD, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, AuditorError
from auditor.options import check_selection, pack_options, settings_from_options
from auditor.render import REGISTRY as _FORMATS

if TYPE_CHECKING:
    from auditor.cache import CacheKey
    from auditor.compare import Comparison
    from auditor.config import Settings
    from auditor.model import Scorecard
    from auditor.rulepack import RulePack

FORMAT_NAMES = tuple(f.name for f in _FORMATS)


def _use_color(choice: bool | None) -> bool:
    if choice is not None:
        return choice
    if os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def _settings(
    rules: str | None,
    select: Sequence[str],
    ignore: Sequence[str],
    fail_under: float | None,
    profile: str | None = None,
) -> Settings:
    return settings_from_options(rules, profile, select, ignore, fail_under)


def _configured_pack(settings: Settings) -> str:
    """The pack the settings name: the profile when one is set (``auto`` aside), else rules."""
    if settings.profile and settings.profile != "auto":
        return settings.profile
    return settings.rules


def _audit_pack(settings: Settings) -> RulePack | None:
    """The pack to audit with, validated before any repository is read; None for ``auto``."""
    from auditor.api import resolve_pack

    return resolve_pack(settings)


def _pack(name: str) -> RulePack:
    from auditor.rulepack import load_pack

    return load_pack(name)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="portfolio-auditor")
def cli() -> None:
    """Audit git repositories for the signals employers look for."""


def _output_plan(formats: Sequence[str], outputs: Sequence[Path]) -> list[tuple[str, Path | None]]:
    """Pair ``--format`` and ``--output`` in order; ``None`` is standard output.

    Only ``--output``: each file's extension picks its format (text when unknown). One more
    format than outputs: the last goes to standard output. Any other mismatch is an error.
    """
    from auditor.render import format_for

    seen: set[Path] = set()
    for target in outputs:
        if target.resolve() in seen:
            raise click.UsageError(f"--output {target} is given twice")
        seen.add(target.resolve())
    if not formats:
        for target in outputs:
            if format_for(target.name) is None:
                raise click.UsageError(
                    f"--output {target}: no format writes {target.suffix or 'files without an'}"
                    f"{'' if target.suffix else ' extension'} (name it {_extensions()}, or "
                    "give --format)"
                )
        plan: list[tuple[str, Path | None]] = [(format_for(o.name) or "text", o) for o in outputs]
        return plan or [("text", None)]
    if len(formats) not in (len(outputs), len(outputs) + 1):
        raise click.UsageError(
            f"{len(formats)} --format for {len(outputs)} --output: give one --format per "
            "--output in the same order, plus at most one more for standard output"
        )
    plan = list(zip(formats, outputs, strict=False))  # one format may be left: stdout's
    if len(formats) > len(outputs):
        plan.append((formats[-1], None))
    return plan


def _extensions() -> str:
    from auditor.render import EXTENSIONS

    return ", ".join(f"*{ext}" for ext in EXTENSIONS)


@cli.command()
@click.argument("path", default=".", metavar="[PATH|URL]")
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(FORMAT_NAMES),
    multiple=True,
    help="Output format, repeatable and paired in order with --output "
    "(default: from --output's extension, else text).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    multiple=True,
    help="Write the card to a file, repeatable: one audit, several cards.",
)
@click.option(
    "--fail-under",
    type=click.FloatRange(0, 100),
    default=None,
    help="Exit with status 1 when the score is below this.",
)
@pack_options(
    profile_metavar="NAME|auto",
    profile_help="Judge against a role profile (`auditor profiles` lists them), or `auto` to "
    "pick the best match. Not with --rules.",
)
@click.option("--color/--no-color", default=None, help="Colour the terminal card (default: auto).")
@click.option(
    "--no-cache",
    is_flag=True,
    help="Audit again even when HEAD, the rule pack and the settings are unchanged since the "
    "last audit (whose card is otherwise reused).",
)
@click.option(
    "--github-url",
    default="https://api.github.com",
    show_default=True,
    help="Where OWNER/NAME lives: GitHub Enterprise is https://HOST/api/v3.",
)
@click.option(
    "--token-env",
    default="GITHUB_TOKEN",
    show_default=True,
    help="The environment variable holding a token for a private repository on that host "
    "(sent only there, only when the clone fails without it; never printed or stored).",
)
@click.option(
    "--baseline",
    type=click.Path(path_type=Path),
    default=None,
    metavar="CARD.json",
    help="Compare with an earlier JSON card of the same pack: every format shows the old and "
    "new score and the rules whose status changed.",
)
@click.option(
    "--deadline",
    type=click.FloatRange(0),
    default=AUDIT_SECONDS,
    show_default=True,
    metavar="SECONDS",
    help="Stop an audit that takes longer (exit 2, one line); 0 for none. Cloning a URL and "
    "a reused card are not counted.",
)
def audit(
    path: str,
    fmt: tuple[str, ...],
    output: tuple[Path, ...],
    fail_under: float | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    rules: str | None,
    profile: str | None,
    color: bool | None,
    no_cache: bool,
    github_url: str,
    token_env: str,
    baseline: Path | None,
    deadline: float,
) -> int:
    """Audit the repository at PATH (default: the current directory), or the one a clone URL
    names: https://, ssh://, git@host:owner/repo, file://, or GitHub's OWNER/NAME.

    A folder inside a repository audits the whole repository; only what is committed at
    HEAD is judged (the card names uncommitted changes). A URL is cloned bare and blobless
    into the clone cache batch mode uses, and fetched again on the next run.
    """
    from auditor.render import RenderOptions, render

    settings = _settings(rules, select, ignore, fail_under, profile)
    plan = _output_plan(fmt, output)
    earlier = _baseline(baseline) if baseline is not None else None
    # A stored card of this HEAD, pack and settings was made after the pack and selection
    # were validated: a local repository's cache hit needs neither again (nor their imports).
    from auditor.targets import remote_target

    local = remote_target(path, github_url) is None
    key = _cache_key(Path(path), settings) if local and not no_cache else None
    card = _cached_card(key) if key is not None else None
    if card is None:
        if local:  # first: the worker server's imports overlap loading the rule pack's
            from auditor.source.languages.python_workers import warm_workers

            warm_workers(Path(path))
        # a bad pack or a selection that leaves no rule is refused before anything is read
        check_selection(_audit_pack(settings), settings)
        folder, shown_as = _local_path(path, settings, github_url, token_env)
        from concurrent.futures import ThreadPoolExecutor

        from auditor.source.git import shown

        # The key the card is stored under is worked out (git and lstat) while it is audited.
        with ThreadPoolExecutor(1, thread_name_prefix="auditor-cache-key") as keying:
            storing = keying.submit(_cache_key, folder, settings)
            with audit_deadline(deadline, shown(shown_as or folder)), _cycles_unchecked():
                card = _audit_now(folder, settings, shown_as)
            key = storing.result()
        if key is not None:
            from auditor import cache

            cache.store(key, card)
    width = shutil.get_terminal_size((100, 24)).columns
    comparison = _compare(earlier, card) if earlier is not None else None
    for fmt_name, target in plan:
        options = RenderOptions(
            color=_use_color(color) and target is None, width=width, comparison=comparison
        )
        document = render(card, fmt_name, options)
        if target is None:
            # The renderer already decided about colour; click must not strip it again.
            click.echo(document, nl=False, color=True)
            continue
        try:
            target.write_text(document, encoding="utf-8")
        except OSError as exc:
            raise AuditorError(f"cannot write {target}: {exc.strerror or exc}") from exc
        click.echo(f"wrote {target} (score {card.score:.1f}, grade {card.grade})", err=True)
    if settings.fail_under is not None and card.score < settings.fail_under:
        click.echo(
            f"auditor: score {card.score:.1f} is below --fail-under {settings.fail_under:g}",
            err=True,
        )
        return EXIT_BELOW_THRESHOLD
    return EXIT_OK


@contextlib.contextmanager
def _cycles_unchecked() -> Iterator[None]:
    """The cycle collector off while a repository is audited, back on after.

    An audit's objects are freed by reference counting as each rule is done; the collector
    found almost nothing, yet traced the growing heap seventy times on a 3,000-file
    repository (0.35 s of the main process, holding the lock every thread needs).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _baseline(path: Path) -> Scorecard:
    """The card ``--baseline`` names, read before anything is audited."""
    from auditor.baseline import load_baseline

    return load_baseline(path)


def _compare(earlier: Scorecard, card: Scorecard) -> Comparison:
    from auditor.compare import compare

    return compare(earlier, card)


def _local_path(
    target: str, settings: Settings, github_url: str, token_env: str
) -> tuple[Path, str | None]:
    """The folder to audit, and the URL the card names when ``target`` is one (then the
    folder is its clone in the clone cache)."""
    from auditor.targets import clone_target, remote_target

    remote = remote_target(target, github_url)
    if remote is None:
        return Path(target), None
    from auditor.batch.cli import _check_api_url

    _check_api_url(github_url)
    if sys.stderr.isatty():
        click.echo(f"auditor: cloning {remote.shown_as} into the clone cache", err=True)
    clone = clone_target(remote, github_url=github_url, token_env=token_env or None)
    return clone.path, remote.shown_as


def _audit_now(path: Path, settings: Settings, shown_as: str | None = None) -> Scorecard:
    """Read the repository and audit it (the rule pack is validated first). A repository
    cloned from a URL is someone's: its exemptions are not honoured, and the card names the
    URL ``shown_as``, never the clone cache."""
    from auditor.api import SelectionError, audit_repository

    try:
        result = audit_repository(
            path,
            settings,
            pack=_audit_pack(settings),
            cwd=Path.cwd(),
            honour_exemptions=shown_as is None,
            shown_as=shown_as,
        )
    except SelectionError as exc:
        raise click.UsageError(str(exc)) from None
    for remark in result.remarks:
        click.echo(f"auditor: {remark}", err=True)
    return result.card


def _cache_key(path: Path, settings: Settings) -> CacheKey | None:
    from auditor import cache

    return cache.audit_key(path, settings, Path.cwd())


def _cached_card(key: CacheKey) -> Scorecard | None:
    """The stored card of an unchanged repository, rule pack and settings, if any."""
    from auditor import cache

    card = cache.load(key)
    if card is not None and sys.stderr.isatty():
        click.echo(
            f"auditor: {key.head[:10]} was audited at {card.audited_at} with the same rules: "
            "the stored card (--no-cache audits again)",
            err=True,
        )
    return card


@cli.command("rules")
@click.option("--rules", "pack_name", default=None, help="Rule pack: a shipped name or a path.")
def list_rules(pack_name: str | None) -> int:
    """List every rule: id, category, weight and title."""
    pack = _pack(pack_name or _configured_pack(_settings(None, (), (), None)))
    id_width = max((len(r) for r in pack.rules), default=6)
    click.echo(f"{'ID':<{id_width}}  {'CAT':<4} {'WEIGHT':>6}  TITLE")
    for rule in pack.rules.values():
        click.echo(f"{rule.id:<{id_width}}  {rule.category:<4} {rule.weight:>6g}  {rule.title}")
    click.echo(f"{len(pack.rules)} rules in pack {pack.name!r} ({pack.source})")
    return EXIT_OK


@cli.command()
@click.argument("rule_id")
@click.option("--rules", "pack_name", default=None, help="Rule pack: a shipped name or a path.")
def explain(rule_id: str, pack_name: str | None) -> int:
    """Explain a rule: what it checks, why employers care, how to fix it, how it is detected.
    `auditor explain score` explains how the findings become the score."""
    pack = _pack(pack_name or _configured_pack(_settings(None, (), (), None)))
    if rule_id.strip().lower() in ("score", "model", "verdict"):
        from auditor.verdict import describe

        click.echo(describe(pack))
        return EXIT_OK
    rule = pack.rules.get(rule_id.strip().upper())
    if rule is None:
        close = difflib.get_close_matches(rule_id.upper(), list(pack.rules), n=1)
        hint = f"; did you mean {close[0]}?" if close else "; `auditor rules` lists them"
        raise AuditorError(f"unknown rule {rule_id!r}{hint}")
    category = pack.categories[rule.category]
    params = ", ".join(f"{k}={v!r}" for k, v in rule.params.items())
    sections = [
        ("What it checks", rule.doc.summary),
        ("Why employers care", rule.doc.why),
        ("How to fix it", rule.doc.fix),
        ("Example", rule.doc.example),
        ("How it is detected", rule.doc.detection),
        ("What it matches", _vocabulary_text(rule.doc.vocabulary)),
    ]
    click.echo(f"{rule.id}: {rule.title}")
    click.echo(f"category {rule.category} ({category.title}), weight {rule.weight:g}")
    width = max(40, min(100, shutil.get_terminal_size((100, 24)).columns) - 2)
    for heading, body in sections:
        if body:
            click.echo(f"\n{heading}")
            click.echo(_wrap_doc(body, width, code=heading == "Example"))
    click.echo(f"\nCheck: {rule.check.name}({params})")
    return EXIT_OK


def _vocabulary_text(refs: Sequence[str]) -> str:
    """The term lists a rule's detector reads, from the vocabulary files themselves."""
    from auditor.vocabulary import reference

    paragraphs = []
    for ref in refs:
        terms = reference(ref)
        lead = (terms.describe or ref).rstrip(".")
        paragraphs.append(f"{lead} [{ref}]: {', '.join(terms.items)}.")
    return "\n\n".join(paragraphs)


def _wrap_doc(body: str, width: int, *, code: bool) -> str:
    """A rule's documentation, indented; prose wrapped to the width, examples kept as written."""
    lines = []
    for line in body.splitlines():
        if not line.strip():
            lines.append("")
        elif code:
            lines.append(f"  {line}")
        else:
            lines.extend(textwrap.wrap(line, width, initial_indent="  ", subsequent_indent="  "))
    return "\n".join(lines)


@cli.command("profiles")
def list_profiles() -> int:
    """List the role profiles `--profile` accepts, each with a one-line description."""
    from auditor.profiles import AUTO, load_profiles

    packs = load_profiles()
    width = max(len(AUTO), *(len(p.name) for p in packs))
    for pack in packs:
        click.echo(f"{pack.name:<{width}}  {pack.description}")
    click.echo(f"{AUTO:<{width}}  Pick the profile whose signals the repository matches best.")
    return EXIT_OK


from auditor.batch.cli import batch  # noqa: E402 - batch mode keeps its command beside it

cli.add_command(batch)


def _error_line(text: str) -> None:
    """Print one line on standard error. Messages quote paths, configuration values and
    answers from outside: control characters, bidirectional overrides and line breaks are
    taken out, so a message stays one line that cannot start a workflow command
    (``::error``) or act on the terminal."""
    from auditor.render.sanitize import terminal_safe

    click.echo(terminal_safe(text), err=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code instead of exiting."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not sys.warnoptions:  # standard error carries the auditor's own lines, not its
        warnings.simplefilter("ignore")  # libraries' warnings (``python -W`` shows them)
    # An audit makes millions of short-lived objects and few cycles: collecting the youngest
    # generation every 700 allocations spent a tenth of the process's time tracing them.
    gc.set_threshold(10_000, 10, 10)
    try:
        result = cli.main(args=args, prog_name="auditor", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.UsageError as exc:
        message = exc.format_message()
        hint = f" (try `auditor {exc.ctx.info_name} --help`)" if exc.ctx else ""
        _error_line(f"auditor: error: {message}{hint}")
        return EXIT_USAGE
    except click.ClickException as exc:
        _error_line(f"auditor: error: {exc.format_message()}")
        return EXIT_USAGE
    except click.Abort:
        _error_line("auditor: interrupted")
        return 130
    except AuditorError as exc:
        _error_line(f"auditor: error: {exc}")
        return exc.exit_code
    except KeyboardInterrupt:
        _error_line("auditor: interrupted")
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, exit 4
        if os.environ.get("AUDITOR_DEBUG"):
            traceback.print_exc()
        _error_line(
            f"auditor: internal error: {type(exc).__name__}: {exc} "
            "(set AUDITOR_DEBUG=1 for the traceback)"
        )
        return EXIT_INTERNAL
    return result if isinstance(result, int) else EXIT_OK


def run() -> NoReturn:
    """The ``auditor`` command: :func:`main`, then the process ends at once.

    An audit leaves a heap of millions of small objects (the snapshot, every module's
    summaries) that the interpreter would free one by one at exit: a third of a second after
    the card is written. Everything the command wrote is flushed first; a process that still
    runs threads or child processes (batch mode's) exits the usual way.
    """
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed or broken pipe: nothing more can be written
        sys.exit(code)
    if threading.active_count() > 1 or _has_children():
        sys.exit(code)
    os._exit(code)


def _has_children() -> bool:
    """Whether a child process started through multiprocessing still runs (asked only when
    multiprocessing was imported: ``auditor --version`` never imports it)."""
    if "multiprocessing" not in sys.modules:
        return False
    import multiprocessing

    return bool(multiprocessing.active_children())


if __name__ == "__main__":  # pragma: no cover
    run()
