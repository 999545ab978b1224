"""The CI services the auditor reads, one adapter module each, registered here.

Adding a service is one module with a ``PROVIDER`` (see :class:`CiProvider`), one line in
:data:`PROVIDERS` and its name and label in ``rules/vocabulary/ci.toml``. Services are
reported in the order of :data:`PROVIDERS`.
"""

from __future__ import annotations

from auditor.source.ci import (
    appveyor,
    azure,
    bitbucket,
    buildkite,
    circleci,
    drone,
    github,
    gitlab,
    jenkins,
    travis,
    woodpecker,
)
from auditor.source.ci.interface import (
    CiCommand,
    CiProvider,
    CiReadError,
    CiReading,
    ReadText,
    Trigger,
)
from auditor.vocabulary import records

PROVIDERS: tuple[CiProvider, ...] = (
    github.PROVIDER,
    gitlab.PROVIDER,
    circleci.PROVIDER,
    travis.PROVIDER,
    azure.PROVIDER,
    jenkins.PROVIDER,
    bitbucket.PROVIDER,
    drone.PROVIDER,
    woodpecker.PROVIDER,
    buildkite.PROVIDER,
    appveyor.PROVIDER,
)

#: Display names of the CI services, in the order they are reported (``rules/vocabulary/ci.toml``).
PROVIDER_LABELS: dict[str, str] = {
    str(r["name"]): str(r["label"]) for r in records("ci", "providers", ("name", "label"))
}

#: Why a service no longer runs its configuration, for the services that do not.
RETIRED: dict[str, str] = {
    str(r["name"]): str(r["reason"]) for r in records("ci", "retired", ("name", "reason"))
}

__all__ = [
    "PROVIDERS",
    "PROVIDER_LABELS",
    "RETIRED",
    "CiCommand",
    "CiProvider",
    "CiReadError",
    "CiReading",
    "ReadText",
    "Trigger",
    "adapter_for",
    "provider",
]


def adapter_for(path: str) -> CiProvider | None:
    """The CI service a repository file configures, or None when it configures none."""
    return next((p for p in PROVIDERS if p.matches(path)), None)


def provider(name: str) -> CiProvider:
    """The adapter registered as ``name``."""
    return next(p for p in PROVIDERS if p.name == name)
