"""Batch mode: score many GitHub accounts unattended, resumably, side by side.

``accounts`` reads accounts through ``github_api`` (a bounded REST client) and checks every
answer with ``answers``, ``clones`` keeps blobless clones in a cache,
``jobs`` audits one repository (a pure function an executor can run anywhere), ``runner``
drives the executor, ``distributed`` puts a Dask cluster behind it, ``store`` keeps
everything in SQLite, ``scoring`` combines repositories into an account score,
``leaderboard`` writes the outputs and ``cli`` is the command.
"""
