"""`python -m explorer`: the window, or a subcommand (derive, export)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
