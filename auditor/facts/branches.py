"""The branches a repository has, and CI runs limited to branches it does not have.

A workflow whose every automatic event is limited to ``branches: [main]`` never starts in a
repository whose only branch is ``master``: its tests never run, however well written.
Branch names come from ``git for-each-ref`` (local and remote-tracking branches); only
filters that name branches in full are judged, never a glob.
"""

from __future__ import annotations

from dataclasses import replace

from auditor.source.ci.interface import NEVER, Trigger
from auditor.source.git import GitError
from auditor.source.snapshot import Snapshot, fact

#: Refs read at most: a repository with more is not judged.
MAX_REFS = 10_000


@fact
def branch_names(snapshot: Snapshot) -> frozenset[str]:
    """The names of the repository's branches, local and remote-tracking (empty outside git,
    or when there are too many to read)."""
    git = snapshot.git
    if git is None:
        return frozenset()
    try:
        out = git.run(
            "for-each-ref",
            f"--count={MAX_REFS + 1}",
            "--format=%(refname)",
            "refs/heads",
            "refs/remotes",
        )
    except GitError:
        return frozenset()
    refs = out.decode("utf-8", "replace").splitlines()
    if len(refs) > MAX_REFS:
        return frozenset()
    names = set()
    for ref in refs:
        if ref.startswith("refs/heads/"):
            names.add(ref.removeprefix("refs/heads/"))
        elif ref.startswith("refs/remotes/"):
            name = ref.removeprefix("refs/remotes/").partition("/")[2]
            if name and name != "HEAD":
                names.add(name)
    return frozenset(names)


def on_missing_branches(trigger: Trigger, names: frozenset[str]) -> Trigger:
    """The trigger, or one that never starts when it is limited to branches not in ``names``."""
    if not trigger.automatic or not trigger.branches or not names:
        return trigger
    if names & set(trigger.branches):
        return trigger
    limited = ", ".join(trigger.branches)
    has = ", ".join(sorted(names)[:3]) + (" …" if len(names) > 3 else "")
    s = "es" if len(trigger.branches) > 1 else ""
    reason = (
        f"it only starts on branch{s} {limited}, which this repository does not have "
        f"(its branches: {has}), so it never runs"
    )
    return replace(trigger, state=NEVER, reason=reason)
