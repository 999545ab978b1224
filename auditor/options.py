"""The command-line options ``audit`` and ``batch`` share, and how they become settings.

Both commands choose a rule pack the same way (``--rules`` or ``--profile``, narrowed by
``--select``/``--ignore``) and refuse the same mistakes before any repository is read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from auditor.config import Settings
    from auditor.rulepack import RulePack

F = TypeVar("F", bound=Callable[..., Any])


def pack_options(*, profile_metavar: str, profile_help: str) -> Callable[[F], F]:
    """``--select``, ``--ignore``, ``--rules`` and ``--profile``, as both commands offer them."""

    def decorate(function: F) -> F:
        for option in reversed(
            (
                click.option(
                    "--select",
                    multiple=True,
                    help="Only these rule ids or prefixes (comma-separated).",
                ),
                click.option(
                    "--ignore",
                    multiple=True,
                    help="Skip these rule ids or prefixes (comma-separated).",
                ),
                click.option(
                    "--rules", default=None, help="Rule pack: a shipped name or a .toml path."
                ),
                click.option("--profile", default=None, metavar=profile_metavar, help=profile_help),
            )
        ):
            function = option(function)
        return function

    return decorate


def split_ids(values: Sequence[str]) -> tuple[str, ...]:
    """``--select DOC,tst001 --select CI`` as ``("DOC", "TST001", "CI")``."""
    return tuple(
        part.strip().upper() for value in values for part in value.split(",") if part.strip()
    )


def settings_from_options(
    rules: str | None,
    profile: str | None,
    select: Sequence[str],
    ignore: Sequence[str],
    fail_under: float | None = None,
) -> Settings:
    """The working directory's settings, overridden by the command line."""
    from auditor.config import load_settings

    if rules and profile:
        raise click.UsageError("give either --rules or --profile, not both")
    return load_settings(Path.cwd()).merged(
        rules=rules,
        select=split_ids(select),
        ignore=split_ids(ignore),
        fail_under=fail_under,
        profile=profile,
    )


def check_selection(pack: RulePack | None, settings: Settings) -> None:
    """Refuse ``--select``/``--ignore`` patterns that match no rule of the pack."""
    from auditor.api import SelectionError
    from auditor.api import check_selection as check

    try:
        check(pack, settings)
    except SelectionError as exc:
        raise click.UsageError(str(exc)) from None
