"""GitLab CI: ``.gitlab-ci.yml``: ``script``, ``before_script`` and ``after_script`` of each job."""

from __future__ import annotations

from auditor.source.ci.yaml_commands import GenericYamlProvider, parts_of


class GitLabCi(GenericYamlProvider):
    """GitLab CI configuration files."""

    name = "gitlab-ci"
    label = "GitLab CI"

    def matches(self, path: str) -> bool:
        lower, _, _ = parts_of(path)
        return lower in (".gitlab-ci.yml", ".gitlab-ci.yaml")


PROVIDER = GitLabCi()
