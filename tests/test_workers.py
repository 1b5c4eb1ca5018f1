"""Forked workers (briefgen.workers): what they inherit and what they must clean up themselves."""

from __future__ import annotations

import gc
import os
import shutil
import signal
import subprocess
import sys

import pytest

from briefgen import workers
from support import FIXTURES, REPO, STOP_WHILE_FORKING, cli_env


def make_garbage(item: int) -> int:
    """Leave 1,000 reference cycles behind, as rendering a page leaves Jinja's; report how many
    objects the collector now tracks outside the frozen (inherited) ones."""
    for _ in range(1000):
        cycle: list = []
        cycle.append(cycle)
    return len(gc.get_objects())


def test_a_worker_collects_the_garbage_it_makes(monkeypatch):
    """The build turns the collector off (its full passes over millions of long-lived objects cost
    more than half of a large build); workers forked from it used to inherit that, and the cycles
    each page leaves piled up: 2.3 million objects at 10,000 articles, 400 MB."""
    monkeypatch.setenv("BRIEFGEN_WORKERS", "2")
    was = gc.isenabled()
    gc.disable()
    try:
        tracked = workers.fork_map(make_garbage, range(workers.MIN_ITEMS), "testing", parallel=True)
    finally:
        if was:
            gc.enable()
    made = workers.MIN_ITEMS * 1000 // 2  # cycles per worker, at the least
    assert max(tracked) < made // 4, f"a worker kept its garbage: {max(tracked)} objects tracked"


def square(item: int) -> int:
    return item * item


def test_results_come_back_in_order_with_progress_to_the_end(monkeypatch):
    """Chunks take every n-th item (so a site's few large pages do not travel together); the
    results are put back in the order of the items."""
    monkeypatch.setenv("BRIEFGEN_WORKERS", "2")
    seen: list[tuple[int, int]] = []
    items = range(workers.MIN_ITEMS * 3 + 7)
    out = workers.fork_map(square, items, "testing", parallel=True, progress=lambda done, total: seen.append((done, total)))
    assert out == [i * i for i in items]
    assert seen[-1] == (len(items), len(items))
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def whose(item: int) -> int:
    return os.getpid()


def test_each_wave_has_workers_of_its_own(monkeypatch):
    """A worker copies each page of memory it reads from (reading a Python object writes its
    reference count), so a long stage is done in waves, each by workers forked for it alone that
    end with it: a worker holds copies of what its stretch of items read, not of the whole build."""
    monkeypatch.setenv("BRIEFGEN_WORKERS", "2")
    seen: list[int] = []
    items = range(workers.MIN_ITEMS * 3)
    pids = workers.fork_map(whose, items, "testing", parallel=True, progress=lambda done, total: seen.append(done),
                            wave=workers.MIN_ITEMS)
    waves = [set(pids[start:start + workers.MIN_ITEMS]) for start in range(0, len(items), workers.MIN_ITEMS)]
    assert all(len(wave) == 2 and os.getpid() not in wave for wave in waves), waves
    assert not (waves[0] & waves[1]) and not (waves[1] & waves[2]), waves
    assert seen[-1] == len(items) and seen == sorted(seen)
    assert workers.fork_map(square, items, "testing", parallel=True, wave=workers.MIN_ITEMS) == [i * i for i in items]


@pytest.mark.slow
def test_a_sigterm_while_the_build_starts_pagefind_stops_the_build(tmp_path):
    """Pagefind is started (forked, with a preexec_fn) while the rest of the build goes on: a
    SIGTERM landing then stopped nothing, and the build wrote the site and exited 0."""
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "valid/basic", project, ignore=shutil.ignore_patterns(".briefgen-cache", "site"))
    done = subprocess.run([sys.executable, "-c", STOP_WHILE_FORKING, "build", str(project), "--no-cache"],
                          cwd=REPO, env=cli_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 128 + signal.SIGTERM, done.stderr
    assert "stopped (signal 15)" in done.stderr
    assert "Exception ignored" not in done.stderr
    assert not (project / "site").exists()
