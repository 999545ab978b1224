"""Hygiene primitives (GIT004-GIT009) and the ``hygiene`` and ``security`` signal groups.

What a reviewer notices before reading any code: a missing ``.gitignore``, committed caches
and virtualenvs, and credentials, either in the files at HEAD or in a secret-holding file
that was once committed. The findings are facts (:mod:`auditor.facts.junk`,
:mod:`auditor.facts.secrets`); findings name the file, the line and the kind of secret,
never its value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from auditor.checks.registry import primitive, signal_group
from auditor.facts.junk import JunkGroup, committed_junk
from auditor.facts.kind import project_kind
from auditor.facts.personal_data import is_practice_kind, personal_data_files
from auditor.facts.secret_clues import (
    is_distributed_kind,
    is_named_key,
    is_signing_key,
    is_uncertain_kind,
)
from auditor.facts.secret_history import secret_files_in_history, secrets_in_history
from auditor.facts.secrets import SecretHit, secret_hits
from auditor.model import Evidence, Outcome
from auditor.source.snapshot import Snapshot

_MAX_EVIDENCE = 20
_MAX_SIGNAL_PATHS = 50

# ------------------------------------------------------------------------------ GIT004


@primitive("gitignore_present")
def gitignore_present(snapshot: Snapshot) -> Outcome:
    """A .gitignore is committed at the root of the repository."""
    entry = snapshot.files.get(".gitignore")
    if entry is None:
        nested = sorted(p for p in snapshot.files if p.endswith("/.gitignore"))
        also = f" (only nested ones, e.g. {nested[0]})" if nested else ""
        return Outcome.failed(
            f"No .gitignore at the root of the repository{also}. Add one (GitHub's Python "
            "template is a good start) so caches, environments and secrets stay out of git."
        )
    if entry.size == 0:
        return Outcome.failed(
            "The .gitignore is empty: list caches (__pycache__/), environments (.venv/) and "
            "secrets (.env) in it.",
            (Evidence(".gitignore"),),
        )
    return Outcome.passed("A .gitignore is committed at the root.", (Evidence(".gitignore"),))


@primitive("no_junk")
def no_junk(snapshot: Snapshot) -> Outcome:
    """No caches, environments, build output, editor files, databases or logs are committed."""
    if not snapshot.has_history:
        return Outcome.skipped(
            "Not under version control: nothing is committed, so nothing is judged as junk."
        )
    junk = committed_junk(snapshot)
    if not junk:
        return Outcome.passed(
            "No caches, environments, build output, editor files, databases or logs committed."
        )
    by_kind: dict[str, list[JunkGroup]] = {}
    for group in junk:
        by_kind.setdefault(group.kind, []).append(group)
    summary = []
    for kind, groups in sorted(by_kind.items(), key=lambda kv: -sum(g.files for g in kv[1])):
        total = sum(g.files for g in groups)
        if not kind.endswith("/"):
            summary.append(f"{kind} \N{MULTIPLICATION SIGN}{total:,}")
        elif len(groups) == 1:
            summary.append(f"{_files(total)} under {groups[0].root}")
        else:
            summary.append(f"{total:,} files under {len(groups)} {kind} folders")
    evidence = tuple(
        Evidence(g.root, None, _files(g.files) if g.root.endswith("/") else None)
        for g in junk[:_MAX_EVIDENCE]
    )
    return Outcome.failed(
        f"Committed junk: {', '.join(summary)}. Remove it with `git rm -r --cached PATH` and "
        "list it in .gitignore.",
        evidence,
    )


def _files(count: int) -> str:
    return f"{count:,} file{'s' if count != 1 else ''}"


# ------------------------------------------------------------------------------ GIT006


@primitive("no_secrets")
def no_secrets(snapshot: Snapshot) -> Outcome:
    """No credentials are committed in the text files at HEAD."""
    hits = secret_hits(snapshot)
    if not hits:
        return Outcome.passed(
            "No private keys, API tokens or hard-coded passwords found in the files at HEAD."
        )
    return _judged(
        snapshot, hits, "in", "Revoke each one, then load it from the environment instead."
    )


def _judged(snapshot: Snapshot, hits: Sequence[SecretHit], where: str, advice: str) -> Outcome:
    """Secrets found: a failure (a blocker) when one is surely a live credential; credentials
    that may be public by design (an OAuth client's id and secret, a browser API key, an
    access key id without its secret, an API key named in the code of a program its users
    install) make it partial, for a person to look at, and so does the application's own
    signing key (``SECRET_KEY``): an unsafe habit that guards only this configuration."""
    sure = [h for h in hits if not (is_uncertain_kind(h.kind) or is_signing_key(h.kind))]
    # The project's kind waits for the Python analysis: asked only when it can matter.
    if any(is_named_key(h.kind) for h in sure) and is_distributed_kind(project_kind(snapshot).kind):
        sure = [h for h in sure if not is_named_key(h.kind)]
    shown_hits = sure or list(hits)
    files = sorted({h.path for h in shown_hits})
    shown = ", ".join(_where(h) for h in shown_hits[:3])
    more = f" and {len(shown_hits) - 3} more" if len(shown_hits) > 3 else ""
    what = "suspected secret" if sure else "possible secret"
    message = (
        f"{len(shown_hits)} {what}{'s' if len(shown_hits) != 1 else ''} {where} "
        f"{len(files)} file{'s' if len(files) != 1 else ''}: {shown}{more}. {advice}"
    )
    evidence = tuple(
        Evidence(
            h.path, h.line or None, h.kind + (f"; added in {h.commit[:7]}" if h.commit else "")
        )
        for h in shown_hits[:_MAX_EVIDENCE]
    )
    if sure:
        return Outcome.failed(message, evidence)
    if all(is_signing_key(h.kind) for h in hits):
        note = (
            " An app's own signing key is no leaked account, but whoever runs this "
            "configuration can forge its sessions and tokens."
        )
    else:
        note = (
            " These may be public by design (an app's OAuth client, a browser key, the API "
            "key of a program its users install, an app's own signing key): check each one."
        )
    return Outcome.graded(0.5, message + note, evidence)


def _where(hit: SecretHit) -> str:
    line = f":{hit.line}" if hit.line else ""
    commit = f", added in {hit.commit[:7]}" if hit.commit else ""
    return f"{hit.path}{line} ({hit.kind}{commit})"


# ------------------------------------------------------------------------------ GIT008


@primitive("no_secrets_in_history")
def no_secrets_in_history(snapshot: Snapshot) -> Outcome:
    """No credential removed from the files is still readable in the history."""
    if not snapshot.has_history:
        return Outcome.skipped("Not under version control: no history to search.")
    hits = secrets_in_history(snapshot)
    if not hits:
        return Outcome.passed(
            "No credential that was removed from the files is still readable in the history."
        )
    return _judged(
        snapshot,
        hits,
        "removed from the files but still readable in the history, in",
        "Revoke each one: deleting it did not un-publish it.",
    )


# ------------------------------------------------------------------------------ GIT009


@primitive("no_personal_data")
def no_personal_data(snapshot: Snapshot) -> Outcome:
    """No personal data (users' uploads, CVs, payslips, user tables) is committed."""
    if not snapshot.has_history:
        return Outcome.skipped("Not under version control: nothing is committed.")
    found = personal_data_files(snapshot)
    practice = ""
    if any(f.practice for f in found):
        kind = project_kind(snapshot).kind  # waits for the Python analysis: asked only now
        if is_practice_kind(kind):
            kept = tuple(f for f in found if not f.practice)
            left = len(found) - len(kept)
            practice = (
                f" {left} upload{'s' if left != 1 else ''} or database{'s' if left != 1 else ''}"
                f" of this {kind} (no users: the author's practice data) not counted."
            )
            found = kept
    if not found:
        return Outcome.passed(
            "No users' uploads, CVs, payslips or tables of people committed." + practice
        )
    shown = ", ".join(f.path for f in found[:3])
    more = f" and {len(found) - 3} more" if len(found) > 3 else ""
    return Outcome.failed(
        f"Personal data committed in {len(found)} file{'s' if len(found) != 1 else ''}: "
        f"{shown}{more}. Remove {'them' if len(found) != 1 else 'it'} from the repository and "
        "its history, and keep uploads and databases out of git.",
        tuple(Evidence(f.path, None, f.reason) for f in found[:_MAX_EVIDENCE]),
    )


# ------------------------------------------------------------------------------ GIT007


@primitive("no_secret_files_in_history")
def no_secret_files_in_history(snapshot: Snapshot) -> Outcome:
    """No file that usually holds secrets was ever committed."""
    if not snapshot.has_history:
        return Outcome.skipped("Not under version control: no history to search.")
    found = secret_files_in_history(snapshot)
    history = snapshot.history
    partial = ""
    if snapshot.shallow or history.truncated:
        partial = (
            f" Only the {len(history.commits):,} visible commits were searched: the history is "
            "incomplete (fetch it whole with `git fetch --unshallow`)."
        )
    if not found:
        return Outcome.passed(
            "No .env, key or credential file was ever committed." + partial,
        )
    evidence = tuple(
        Evidence(
            f.path,
            None,
            f"added in {f.sha[:7]}; "
            + ("still at HEAD" if f.at_head else "deleted later, still in the history"),
        )
        for f in found[:_MAX_EVIDENCE]
    )
    deleted = sum(1 for f in found if not f.at_head)
    shown = ", ".join(f"{f.path} ({f.sha[:7]})" for f in found[:3])
    more = f" and {len(found) - 3} more" if len(found) > 3 else ""
    if deleted == len(found) == 1:
        note = " It was deleted later but remains readable in the history."
    elif deleted:
        verbs = "was deleted later but remains" if deleted == 1 else "were deleted later but remain"
        note = f" {deleted} of them {verbs} readable in the history."
    else:
        note = ""
    return Outcome.failed(
        f"Secret-holding file{'s' if len(found) != 1 else ''} committed: {shown}{more}.{note} "
        "Revoke what they held and remove them from the history." + partial,
        evidence,
    )


# ------------------------------------------------------------------------------ signals


@signal_group("hygiene")
def hygiene_signals(snapshot: Snapshot) -> dict[str, Any]:
    """The facts the hygiene rules judge: paths only, never a secret's value."""
    junk = [g.root for g in committed_junk(snapshot)] if snapshot.has_history else []
    suspects = list(dict.fromkeys(h.path for h in secret_hits(snapshot)))
    published = [f.path for f in secret_files_in_history(snapshot)]
    return {
        "gitignore": ".gitignore" in snapshot.files,
        "committed_junk": sorted(junk)[:_MAX_SIGNAL_PATHS],
        "secrets_suspect": suspects[:_MAX_SIGNAL_PATHS],
        "secret_files_in_history": published[:_MAX_SIGNAL_PATHS],
    }
