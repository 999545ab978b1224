"""``python -m auditor``."""

from auditor.cli import run

# Guarded: worker processes started by spawn or forkserver import the main module again.
if __name__ == "__main__":
    run()
