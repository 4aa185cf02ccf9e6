"""The example apps are imported by their file names, as mypy sees them (``examples/`` is a root).

``examples/`` is not a package: each example runs as a script of its own
(``python examples/quickstart.py``), and ``examples/testing_example`` is
imported as ``testing_example``. The tests here import ``fastapi_app`` the
same way.
"""

from __future__ import annotations

import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))
