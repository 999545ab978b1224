"""Readers of the task files a CI step may run through: Makefiles, tox and nox configurations."""
