"""``auditor batch``: score many GitHub accounts unattended, resumably, side by side.

Exit codes: 0 every candidate was scored, 3 some candidates or repositories failed (they are
listed, and in the outputs) or the run stopped at ``--max-wait``, 2 bad input (or GitHub
rejected the token, or its API cannot be reached: the previous outputs are left as they were),
130 Ctrl-C (everything finished is kept; re-run the same command to resume).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from auditor.errors import EXIT_OK, AuditorError
from auditor.options import check_selection, pack_options, settings_from_options

if TYPE_CHECKING:
    from auditor.batch.distributed import DaskExecutor, Scheduler
    from auditor.batch.progress import Progress
    from auditor.rulepack import RulePack

EXIT_SOME_FAILED = 3
EXIT_INTERRUPTED = 130
MAX_LISTED_FAILURES = 20


def _default_jobs() -> int:
    return max(1, min(4, os.cpu_count() or 1))


@click.command("batch")
@click.argument("logins", nargs=-1)
@click.option(
    "--from-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A text file of logins, or a CSV with a login column (other columns are kept).",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder for the leaderboards, the repository cards and the store (auditor.db).",
)
@pack_options(
    profile_metavar="NAME",
    profile_help="Judge every candidate against a role profile (`auditor profiles` lists them).",
)
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=_default_jobs,
    show_default="min(4, CPUs)",
    help="Repositories cloned and audited at once.",
)
@click.option(
    "--scheduler",
    default=None,
    metavar="tcp://HOST:PORT|local:N",
    help="Run the audits on a Dask cluster: its scheduler's address, or local:N to start N "
    "local workers (needs the dask extra; the cluster's workers replace --jobs).",
)
@click.option(
    "--max-repos",
    type=click.IntRange(1, 200),
    default=10,
    show_default=True,
    help="Audit each candidate's N most recently pushed repositories.",
)
@click.option("--include-forks", is_flag=True, help="Audit forks too (skipped by default).")
@click.option("--include-archived", is_flag=True, help="Audit archived repositories too.")
@click.option(
    "--github-url",
    default="https://api.github.com",
    show_default=True,
    help="The REST API: GitHub Enterprise is https://HOST/api/v3.",
)
@click.option(
    "--token-env",
    default="GITHUB_TOKEN",
    show_default=True,
    help="The environment variable holding the token (never printed or stored).",
)
@click.option(
    "--max-wait",
    type=click.FloatRange(0),
    default=900,
    show_default=True,
    help="Seconds to wait for a rate limit to reset; past that the run stops, resumable.",
)
@click.option(
    "--cache-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Where clones are kept between runs (default: the user cache directory).",
)
@click.option("--refresh", is_flag=True, help="Read accounts and audit everything again.")
@click.option(
    "--max-repo-size",
    type=click.FloatRange(0),
    default=500,
    show_default=True,
    help="Skip repositories larger than this many MB on GitHub, without cloning them.",
)
@click.option(
    "--max-files",
    type=click.IntRange(1),
    default=20_000,
    show_default=True,
    help="Skip repositories with more files than this at HEAD.",
)
@click.option(
    "--request-interval",
    type=click.FloatRange(0),
    default=0.25,
    show_default=True,
    help="Seconds between API calls.",
)
@click.option("--progress/--no-progress", default=None, help="Show progress (default: auto).")
def batch(
    logins: tuple[str, ...],
    from_file: Path | None,
    out: Path,
    profile: str | None,
    rules: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    jobs: int,
    scheduler: str | None,
    max_repos: int,
    include_forks: bool,
    include_archived: bool,
    github_url: str,
    token_env: str,
    max_wait: float,
    cache_dir: Path | None,
    refresh: bool,
    max_repo_size: float,
    max_files: int,
    request_interval: float,
    progress: bool | None,
) -> int:
    """Score GitHub accounts: LOGINS, or --from-file, into a leaderboard in --out."""
    from auditor.batch import leaderboard
    from auditor.batch.accounts import GitHubAccounts
    from auditor.batch.candidates import merge, parse_logins, read_candidates
    from auditor.batch.clones import default_cache_dir
    from auditor.batch.jobs import pack_fingerprint
    from auditor.batch.runner import (
        INTERRUPTED,
        STOPPED,
        BatchRunner,
        BatchSettings,
        ExecutorFactory,
        process_pool,
    )
    from auditor.batch.scoring import AccountPolicy
    from auditor.batch.store import Store
    from auditor.render import FORMATS

    candidates = parse_logins(logins)
    if from_file is not None:
        candidates += read_candidates(from_file)
    candidates = merge(candidates)
    if not candidates:
        raise click.UsageError("give GitHub logins, or --from-file with one login a line")
    _check_api_url(github_url)
    settings = settings_from_options(rules, profile, select, ignore)
    cluster = _scheduler(scheduler)
    pack_ref, pack = _pack(settings.profile, settings.rules)
    check_selection(pack, settings)
    policy = AccountPolicy.from_pack(pack)
    pack_hash = pack_fingerprint(pack, settings.select, settings.ignore)
    token = os.environ.get(token_env) or None
    if token is None:
        click.echo(
            f"auditor: no token in ${token_env}: unauthenticated calls are limited to 60 an hour",
            err=True,
        )
    clone_cache = (cache_dir or default_cache_dir()).expanduser().resolve()
    batch_settings = BatchSettings(
        cache_dir=clone_cache,
        pack_ref=pack_ref,
        select=settings.select,
        ignore=settings.ignore,
        jobs=jobs,
        max_repos=max_repos,
        include_forks=include_forks,
        include_archived=include_archived,
        max_wait=max_wait,
        max_repo_mb=max_repo_size,
        max_files=max_files,
        refresh=refresh,
        github_url=github_url.rstrip("/"),
        token_env=token_env,
        scheduler=str(cluster) if cluster else None,
        # Workers on other machines keep clones in their own cache unless told where.
        worker_cache_dir=str(clone_cache) if cache_dir or (cluster and cluster.is_local) else "",
    )
    executor_factory: ExecutorFactory = process_pool
    executor = None
    if cluster is not None:
        from auditor.batch.distributed import connect

        executor = connect(
            cluster,
            pack_ref=pack_ref,
            pack_hash=pack_hash,
            select=settings.select,
            ignore=settings.ignore,
        )
        click.echo(
            f"auditor: auditing on the Dask cluster {cluster} ({_workers(executor)})", err=True
        )
        executor_factory = lambda jobs: executor  # noqa: E731 - the cluster sets the concurrency
    try:
        store = Store.open(out / "auditor.db")
    except BaseException:
        if executor is not None:
            executor.shutdown(wait=False)
        raise
    try:
        runner = BatchRunner(
            candidates=candidates,
            settings=batch_settings,
            accounts=GitHubAccounts(github_url, token, request_interval=request_interval),
            store=store,
            pack=pack,
            policy=policy,
            pack_hash=pack_hash,
            progress=_progress(progress),
            render_html="html" in FORMATS,
            executor_factory=executor_factory,
        )
        if runner.settings.refresh:
            click.echo("auditor: --refresh: reading every account and auditing again", err=True)
        report = runner.run()
        board = leaderboard.build(
            store, report.run_id, pack, policy, pack_hash, run_status=report.status
        )
        written = leaderboard.write(board, store, out, pack_hash)
    finally:
        store.close()
        if executor is not None:
            executor.shutdown(wait=False)  # already shut down unless the run never started
    scored = sum(1 for c in board.candidates if c.score is not None)
    resumed = "resumed a run: " if report.resumed else ""
    click.echo(
        f"auditor: {resumed}scored {scored} of {len(board.candidates)} candidates, "
        f"{report.submitted} repositories checked in {report.seconds:.1f}s; "
        f"wrote {', '.join(str(p) for p in written)}",
        err=True,
    )
    unfinished = [c for c in board.failed if _unfinished(c.errors)]
    failed = [c for c in board.failed if not _unfinished(c.errors)]
    for candidate in failed[:MAX_LISTED_FAILURES]:
        for error in candidate.errors[:3]:
            click.echo(f"auditor: {_safe(candidate.login)}: {_safe(error)}", err=True)
    if len(failed) > MAX_LISTED_FAILURES:
        click.echo(
            f"auditor: … and {len(failed) - MAX_LISTED_FAILURES} more candidates with "
            "problems (see leaderboard.json)",
            err=True,
        )
    if unfinished:
        click.echo(
            f"auditor: {len(unfinished)} candidates not finished: re-run the same command "
            "to resume",
            err=True,
        )
    if report.message:
        click.echo(f"auditor: {report.message}", err=True)
    if report.status == INTERRUPTED:
        return EXIT_INTERRUPTED
    if board.failed or report.status == STOPPED:
        return EXIT_SOME_FAILED
    return EXIT_OK


def _pack(profile: str | None, rules: str) -> tuple[str, RulePack]:
    """The pack every candidate is judged by, and how a worker process loads it again."""
    from auditor.profiles import AUTO, load_profile
    from auditor.rulepack import load_pack, resolve_pack_path

    if profile == AUTO:
        raise click.UsageError(
            "--profile auto picks a profile per repository, but a batch compares candidates "
            "on one: name it (`auditor profiles` lists them)"
        )
    if profile:
        return profile, load_profile(profile)
    pack = load_pack(rules)
    shipped = "/" not in rules and "\\" not in rules and not rules.endswith(".toml")
    return (rules if shipped else str(resolve_pack_path(rules).resolve())), pack


def _scheduler(value: str | None) -> Scheduler | None:
    """The ``--scheduler`` option checked, before anything is started or read."""
    if value is None:
        return None
    from auditor.batch.distributed import Scheduler

    try:
        cluster = Scheduler.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--scheduler") from None
    from click.core import ParameterSource

    if click.get_current_context().get_parameter_source("jobs") is ParameterSource.COMMANDLINE:
        raise click.UsageError(
            "give --jobs or --scheduler, not both: with --scheduler the cluster's workers "
            "set how many repositories are audited at once"
        )
    return cluster


def _workers(executor: DaskExecutor) -> str:
    count = executor.workers
    return f"{count} worker{'s' if count != 1 else ''}" if count else "no workers yet: waiting"


def _unfinished(errors: tuple[str, ...]) -> bool:
    """Whether a candidate's only problems are work the run stopped before doing."""
    from auditor.batch.leaderboard import NOT_FINISHED, NOT_READ

    return bool(errors) and all(e == NOT_READ or e.endswith(NOT_FINISHED) for e in errors)


def _check_api_url(url: str) -> None:
    from urllib.parse import urlsplit

    from auditor.batch.runner import is_loopback

    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise AuditorError(
            f"--github-url {url!r}: give an https URL such as https://api.github.com"
        )
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise AuditorError(f"--github-url {url!r}: plain http would send the token unencrypted")
    if parts.username or parts.password:
        raise AuditorError("--github-url must not carry credentials: use --token-env")


def _progress(choice: bool | None) -> Progress:
    from auditor.batch.progress import LineProgress, LiveProgress, Progress

    if choice is False:
        return Progress()
    if choice or sys.stderr.isatty():
        from rich.console import Console

        return LiveProgress(Console(stderr=True))
    return LineProgress(sys.stderr)


def _safe(text: str) -> str:
    from auditor.render.sanitize import terminal_safe

    return terminal_safe(text)[:300]
