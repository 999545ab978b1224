"""Travis CI: ``.travis.yml``: ``install``, ``script`` and the other phase keys."""

from __future__ import annotations

from auditor.source.ci.yaml_commands import GenericYamlProvider


class TravisCi(GenericYamlProvider):
    """Travis CI configuration files."""

    name = "travis"
    label = "Travis CI"

    def matches(self, path: str) -> bool:
        return path.lower() == ".travis.yml"


PROVIDER = TravisCi()
