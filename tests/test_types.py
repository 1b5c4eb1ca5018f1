"""briefgen/ type-checks clean under mypy (configured in pyproject.toml, pydantic's plugin on)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_briefgen_type_checks_clean(tmp_path):
    # A cache of its own: none is written into the checkout, and a stale one never hides an error.
    done = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy-cache")],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success: no issues found" in done.stdout
