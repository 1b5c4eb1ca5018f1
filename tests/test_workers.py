"""Forked workers (briefgen.workers): what they inherit and what they must clean up themselves."""

from __future__ import annotations

import gc

from briefgen import workers


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
