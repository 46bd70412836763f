"""``python -m tether``: the CLI (``python -m tether serve`` runs the language server)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
