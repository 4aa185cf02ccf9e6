"""Quickstart (grows with the engine and ORM): run ``python examples/quickstart.py``."""

from __future__ import annotations

import aorm


def main() -> None:
    """Show the installed version."""
    print(f"aorm {aorm.__version__}")


if __name__ == "__main__":
    main()
