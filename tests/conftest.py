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


LONGEST_FIRST = ("browser/test_serve_browser.py", "browser/test_reading.py", "test_serve.py",
                 "test_incremental_corpus.py", "test_ownership.py", "browser/test_publish_browser.py",
                 "test_faults.py", "test_deploy.py", "test_incremental.py", "test_publish.py", "test_pdf.py",
                 "browser/test_injection_browser.py", "test_hostile.py", "test_fuzz.py", "test_types.py")
"""The files that take longest (``--durations=0`` on 2 cores, about 15-110 s each), run first: with
``--dist loadfile`` a worker takes a whole file, and one of these started last would leave the other
workers idle while it runs (longest-processing-time-first scheduling; the README's test command turns
off xdist's own order, by number of tests, with ``--no-loadscope-reorder``). Only a scheduling hint:
a file missing here costs balance, never a result."""


def pytest_collection_modifyitems(items) -> None:
    """A browser test is a slow test: `pytest -m "not slow"`, the fast tier, leaves them out.
    The longest files first (LONGEST_FIRST), each file's tests in their order."""
    for item in items:
        if item.get_closest_marker("browser") is not None:
            item.add_marker(pytest.mark.slow)
    tests = Path(__file__).parent
    rank = {name: n for n, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(Path(item.fspath).relative_to(tests).as_posix(), len(rank)))


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: without the plugin, nothing to answer
def pytest_xdist_auto_num_workers(config) -> int:
    """``-n auto``: one worker more than cores. The dev-server and browser tests spend much of their
    time waiting on a server or a page; a third worker on two cores fills that time."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cores + 1
