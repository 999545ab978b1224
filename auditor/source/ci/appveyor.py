"""AppVeyor: ``appveyor.yml``: ``install``, ``build_script``, ``test_script``… with ``cmd``,
``ps`` or ``sh`` items. The command keys of ``rules/vocabulary/ci.toml`` are read wherever
they appear.
"""

from __future__ import annotations

from auditor.source.ci.yaml_commands import GenericYamlProvider


class AppVeyor(GenericYamlProvider):
    """AppVeyor configuration files."""

    name = "appveyor"
    label = "AppVeyor"

    def matches(self, path: str) -> bool:
        return path.lower() in ("appveyor.yml", ".appveyor.yml", "appveyor.yaml", ".appveyor.yaml")


PROVIDER = AppVeyor()
