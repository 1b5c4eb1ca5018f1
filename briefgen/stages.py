"""Where a build's time goes, while it goes: each stage named as it starts, its items counted as
they are done, its time kept for ``briefgen build --verbose`` (as Hugo's --templateMetrics and
MkDocs' build timings do).

The pipeline (build.py) opens one stage at a time; whoever watches (the CLI's progress bar) hears
``(stage, done, total)``, total None while it is unknown. A build with nobody watching still
keeps the times: they cost two clock reads per stage.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from typing import Callable, Iterator

Show = Callable[[str, int, "int | None"], None]
"""(stage name, items done, items in all or None) -> None."""

NAMES = ("checking stamps", "loading cache", "reading", "parsing", "resolving", "saving parsed sources", "saving resolve",
         "digesting", "search records", "planning", "rendering", "pdf", "saving plan", "search index", "writing", "saving cache")
"""The stages a build may go through, in their order. ("search records": the records made from
the Briefing and sent to Pagefind, which makes the index while the pages render and the plan's
ledger is saved; "search index": what is left to wait for after that.)"""


@dataclass(frozen=True, slots=True)
class StageTime:
    name: str
    seconds: float
    items: int | None
    """What the stage counted (files parsed, pages rendered), None when it counts nothing."""


class Stages:
    """The stages of one build: opened in order, each timed; the watcher told of each step."""

    def __init__(self, show: Show | None = None, clock: Callable[[], float] = time.perf_counter) -> None:
        self._show = show
        self._clock = clock
        self.times: list[StageTime] = []

    @contextlib.contextmanager
    def stage(self, name: str, total: int | None = None) -> Iterator[Callable[[int, int], None]]:
        """Time the block as stage ``name``; it gets a ``(done, total)`` callback for its items."""
        assert name in NAMES, name
        counted = [0, total]

        def count(done: int, of: int) -> None:
            counted[:] = [done, of]
            if self._show is not None:
                self._show(name, done, of)

        if self._show is not None:
            self._show(name, 0, total)
        started = self._clock()
        try:
            yield count
        finally:
            self.times.append(StageTime(name, self._clock() - started, counted[1]))

    def total(self) -> float:
        return sum(t.seconds for t in self.times)
