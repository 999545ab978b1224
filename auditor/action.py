"""The GitHub Action's audit step: ``python -m auditor.action``.

``action.yml`` passes its inputs in ``AUDITOR_*`` environment variables (never interpolated
into a shell script, so an input cannot inject a command). This module audits once, writes the
requested scorecards, prints annotations as workflow commands, appends the Markdown card to the
step summary, sets the step outputs, and applies the ``fail-under`` gate with a one-line reason.

On a pull request it also audits the base commit (read from the event payload into a bare
copy, nothing checked out) and puts what the pull request changed at the top of every card;
``fail-on-drop`` fails the step when the score falls by more than that many points.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.errors import EXIT_BELOW_THRESHOLD, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, AuditorError
from auditor.render import ACTION_FILES
from auditor.render.github import escape_data
from auditor.render.sanitize import terminal_safe

if TYPE_CHECKING:
    from auditor.compare import Comparison
    from auditor.config import Settings
    from auditor.model import Scorecard
    from auditor.rulepack import RulePack

#: Events whose payload names a base commit to compare with.
PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target")
MAX_EVENT_BYTES = 32 * 1024 * 1024

#: Scorecards the ``formats`` input may ask for, with the file each is written to.
WRITABLE = ACTION_FILES


def step_outputs(outputs: Mapping[str, str]) -> str:
    """The step's outputs in GitHub's multi-line form, each value on one cleaned line between
    delimiters made for this run: a grade named by a pack in the audited workspace (its
    text is untrusted) can neither close the delimiter nor add an output line."""
    delimiter = f"portfolio-auditor-{secrets.token_hex(16)}"
    lines = []
    for key, value in outputs.items():
        clean = " ".join(terminal_safe(value).split())
        lines += [f"{key}<<{delimiter}", clean, delimiter]
    return "\n".join(lines) + "\n"


def _error(message: str) -> None:
    print(f"::error title=portfolio-auditor::{escape_data(message)}", flush=True)


def _formats(raw: str) -> list[str]:
    names = [part.strip().lower() for part in raw.replace("\n", ",").split(",") if part.strip()]
    unknown = [name for name in names if name not in WRITABLE]
    if unknown:
        raise ValueError(
            f"unknown format(s) {', '.join(unknown)} in 'formats' (choose from "
            f"{', '.join(WRITABLE)})"
        )
    return names


def _truthy(raw: str) -> bool:
    return raw.strip().lower() in ("1", "true", "yes", "on")


def run(env: Mapping[str, str]) -> int:
    """Audit as the Action does; return the step's exit code."""
    workspace = Path(env.get("GITHUB_WORKSPACE") or Path.cwd())
    target = workspace / (env.get("AUDITOR_PATH") or ".")
    out_dir = Path(env.get("RUNNER_TEMP") or workspace) / "portfolio-auditor"
    try:
        wanted = _formats(env.get("AUDITOR_FORMATS", "html"))
        fail_under = float(env["AUDITOR_FAIL_UNDER"]) if env.get("AUDITOR_FAIL_UNDER") else None
        fail_on_drop = (
            float(env["AUDITOR_FAIL_ON_DROP"]) if env.get("AUDITOR_FAIL_ON_DROP") else None
        )
    except ValueError as exc:
        _error(f"bad input: {exc}")
        return EXIT_USAGE
    if fail_under is not None and not 0 <= fail_under <= 100:
        _error(f"bad input: fail-under must be from 0 to 100, not {fail_under:g}")
        return EXIT_USAGE
    if fail_on_drop is not None and not 0 <= fail_on_drop <= 100:
        _error(f"bad input: fail-on-drop must be from 0 to 100 points, not {fail_on_drop:g}")
        return EXIT_USAGE
    # The JSON card gives the outputs and the Markdown card the summary: always written.
    formats = list(dict.fromkeys(["json", "markdown", *wanted]))
    if _truthy(env.get("AUDITOR_SARIF", "")) and "sarif" not in formats:
        formats.append("sarif")
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {name: out_dir / WRITABLE[name] for name in formats}

    audited = _audit(target, env)
    if isinstance(audited, int):
        return audited
    card, settings, pack = audited
    comparison = _pull_request_comparison(target, card, settings, pack, env)
    from auditor.render import RenderOptions, render

    options = RenderOptions(color=False, width=100, comparison=comparison)
    documents = {name: render(card, name, options) for name in formats}
    for name, path in paths.items():
        path.write_text(documents[name], encoding="utf-8")
    print(render(card, "github", options), end="", flush=True)  # the annotations
    for notice in card.notices:
        print(f"::notice title=portfolio-auditor::{escape_data(str(notice))}")
    summary = env.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(documents["markdown"] + "\n")
    outputs = {"score": f"{card.score:.1f}", "grade": card.grade}
    outputs["delta"] = f"{comparison.delta:+.1f}" if comparison is not None else ""
    outputs.update({name: str(path) for name, path in paths.items()})
    for name in ("html", "markdown", "sarif"):
        outputs.setdefault(name, "")
    github_output = env.get("GITHUB_OUTPUT")
    if github_output:
        with open(github_output, "a", encoding="utf-8") as handle:
            handle.write(step_outputs(outputs))
    if fail_under is not None and card.score < fail_under:
        _error(f"score {card.score:.1f} (grade {card.grade}) is below fail-under {fail_under:g}")
        return EXIT_BELOW_THRESHOLD
    if fail_on_drop is not None and comparison is not None and -comparison.delta > fail_on_drop:
        _error(
            f"score fell by {-comparison.delta:.1f} points ({comparison.headline}) "
            f"{comparison.since}, more than fail-on-drop {fail_on_drop:g}"
        )
        return EXIT_BELOW_THRESHOLD
    return EXIT_OK


def _base_sha(env: Mapping[str, str]) -> str | None:
    """The pull request's base commit from the event payload; None on any other event."""
    if env.get("GITHUB_EVENT_NAME") not in PULL_REQUEST_EVENTS or not env.get("GITHUB_EVENT_PATH"):
        return None
    try:
        with open(env["GITHUB_EVENT_PATH"], "rb") as handle:
            event = json.loads(handle.read(MAX_EVENT_BYTES))
        sha = event["pull_request"]["base"]["sha"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return sha if isinstance(sha, str) else None


def _pull_request_comparison(
    target: Path, card: Scorecard, settings: Settings, pack: RulePack | None, env: Mapping[str, str]
) -> Comparison | None:
    """On a pull request, the audit compared with one of its base commit (None otherwise, or
    with a notice when the base cannot be read)."""
    sha = _base_sha(env)
    if sha is None:
        return None
    from auditor.api import audit_repository
    from auditor.compare import compare, read_commit

    if pack is None:  # --profile auto: the base is judged by the profile the head got
        from auditor.profiles import load_profile

        pack = load_profile(card.profile)
    try:
        with tempfile.TemporaryDirectory(prefix="auditor-base-") as folder:
            base = read_commit(target, sha, Path(folder))
            # The base is judged by the same settings, exemptions included when the head's are.
            own = Path.cwd().resolve() == target.resolve()
            result = audit_repository(base, settings, pack=pack, cwd=base if own else Path.cwd())
        return compare(result.card, card)
    except AuditorError as exc:
        _notice(f"not compared with the base commit: {exc}")
        return None


def _notice(message: str) -> None:
    print(f"::notice title=portfolio-auditor::{escape_data(message)}", flush=True)


def _audit(
    target: Path, env: Mapping[str, str]
) -> tuple[Scorecard, Settings, RulePack | None] | int:
    """Audit through the same API as the command line (the card, and the settings and pack
    it was judged by); an exit code when it cannot."""
    from auditor.api import audit_repository, resolve_pack
    from auditor.config import load_settings

    try:
        settings = load_settings(Path.cwd()).merged(
            rules=env.get("AUDITOR_RULES") or None, profile=env.get("AUDITOR_PROFILE") or None
        )
        pack = resolve_pack(settings)
        result = audit_repository(target, settings, pack=pack, cwd=Path.cwd())
    except AuditorError as exc:
        _error(f"the audit could not run: {exc}")
        return exc.exit_code
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, exit 4
        _error(f"internal error: {type(exc).__name__}: {exc}")
        return EXIT_INTERNAL
    for remark in result.remarks:
        print(f"auditor: {remark}", file=sys.stderr)
    return result.card, settings, pack


if __name__ == "__main__":  # pragma: no cover - exercised through action.yml in the tests
    sys.exit(run(os.environ))
