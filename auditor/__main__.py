"""``python -m auditor``."""

import sys

from auditor.cli import main

# Guarded: worker processes started by spawn or forkserver import the main module again.
if __name__ == "__main__":
    sys.exit(main())
