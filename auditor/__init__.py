"""portfolio-auditor: audit a developer's repositories for the signals employers look for."""

__version__ = "0.1.0"
