"""``examples/testing_example`` runs as its README line says, on both backends."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]


def test_the_testing_example_passes(db_url: str, tmp_path: Path) -> None:
    environment = {key: value for key, value in os.environ.items() if key != "AORM_TEST_URL"}
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "examples/testing_example",
            "-p",
            "no:cacheprovider",
            # Its own temporary directory: pytest prunes old ones, this run's included.
            f"--basetemp={tmp_path / 'basetemp'}",
            "--aorm-url",
            db_url,
        ],
        cwd=REPOSITORY,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "5 passed" in completed.stdout
