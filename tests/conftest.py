"""Shared pytest configuration.

Browser tests (tests/browser/) get a headless Chromium page from pytest-playwright's ``page``
fixture, launched from Debian's /usr/bin/chromium: never run ``playwright install`` here (see
/work/shared/TESTING.md). Everything else the tests share lives in support.py as plain functions.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SYSTEM_CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's launch arguments, pointed at the system Chromium.

    A missing browser fails the run (it must be installed in CI), it does not skip it.
    """
    if not Path(SYSTEM_CHROMIUM).exists():
        pytest.fail(f"{SYSTEM_CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) "
                    "or point $CHROMIUM at a Chromium binary", pytrace=False)
    return {**browser_type_launch_args, "executable_path": SYSTEM_CHROMIUM,
            "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS]}


def pytest_collection_modifyitems(items) -> None:
    """A browser test is a slow test: `pytest -m "not slow"`, the fast tier, leaves them out."""
    for item in items:
        if item.get_closest_marker("browser") is not None:
            item.add_marker(pytest.mark.slow)
