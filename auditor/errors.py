"""The exceptions that end a command with one line of text and a documented exit code.

Exit codes: 0 audited (and at or above ``--fail-under``), 1 below ``--fail-under``,
2 bad input (a path, an option, a rule pack, a repository that cannot be read),
4 an internal error of the auditor itself (3 is batch mode's "some candidates failed").
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_BELOW_THRESHOLD = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 4


class AuditorError(Exception):
    """An error the user can act on: printed as one line, never as a traceback."""

    exit_code = EXIT_USAGE


class SourceError(AuditorError):
    """The thing to audit cannot be read: a missing path, a file, a repository git refuses."""


class RulePackError(AuditorError):
    """A rule pack is malformed: bad TOML, an unknown primitive or parameter, a duplicate id."""


class ConfigError(AuditorError):
    """The auditor's own settings (command line, ``[tool.auditor]``, ``auditor.toml``) are bad."""
