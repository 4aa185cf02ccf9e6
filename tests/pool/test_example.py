"""The standalone pool example runs as documented."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "pool_standalone.py"


def test_pool_standalone_example_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-W", "error", str(EXAMPLE)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "sqlite: 10 visits" in result.stdout
    assert "postgresql: sum of squares 0..19 = 2470" in result.stdout
    assert "in a transaction after return? False" in result.stdout
