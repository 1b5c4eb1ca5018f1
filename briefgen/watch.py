"""Watch a project for edits and turn bursts of file events into single rebuild requests.

Editors save in many ways (truncate and write, write a temp file and rename, swap and backup
files); the watcher keeps only events that touch a source, and a quiet period merges a burst of
them into one rebuild.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from .load import CONFIG_FILE, is_editor_junk

QUIET = 0.05
"""Seconds without events before a rebuild starts: long enough to merge an editor's save."""


class Changes:
    """A thread-safe set of changed paths, with a way to wait until edits have settled."""

    def __init__(self) -> None:
        self._paths: set[str] = set()
        self._last = 0.0
        self._cond = threading.Condition()

    def add(self, path: str) -> None:
        with self._cond:
            self._paths.add(path)
            self._last = time.monotonic()
            self._cond.notify_all()

    def wait(self, stop: threading.Event) -> set[str]:
        """Block until there are changes and no new event came for QUIET seconds; take them."""
        with self._cond:
            while not stop.is_set():
                if self._paths:
                    quiet_for = time.monotonic() - self._last
                    if quiet_for >= QUIET:
                        taken, self._paths = self._paths, set()
                        return taken
                    self._cond.wait(QUIET - quiet_for)
                else:
                    self._cond.wait(0.5)
        return set()

    def wake(self) -> None:
        with self._cond:
            self._cond.notify_all()


SOURCE_FOLDERS = ("content", "templates", "static")
"""The folders a build reads (and briefgen.yaml beside them)."""


def linked_sources(project: Path) -> dict[Path, str]:
    """Where the links among the sources lead inside the project: the resolved target (a file or a
    folder) -> the link's project-relative path. A build reads the target through the link (a
    template kept in ``shared/`` and linked from ``templates/``), so an edit to it is an edit to
    the source. Targets outside the project are left out: the build refuses to read them.
    ``project``: resolved. Broken links and link loops are skipped."""
    found: dict[Path, str] = {}
    for folder in SOURCE_FOLDERS:
        for dirpath, dirs, files in os.walk(project / folder):  # links are not followed
            for name in dirs + files:
                path = Path(dirpath, name)
                if not path.is_symlink():
                    continue
                try:
                    target = path.resolve(strict=True)
                except (OSError, RuntimeError):
                    continue
                if project in target.parents:
                    found[target] = path.relative_to(project).as_posix()
    return found


class _Handler(FileSystemEventHandler):
    def __init__(self, project: Path, changes: Changes, ignore: list[Path]):
        self.project = project.resolve()
        self.changes = changes
        self.ignore = [p.resolve() for p in ignore]
        self._links: dict[Path, str] | None = None
        """linked_sources, found again after any change among the sources (a link may come or go)."""

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        if event.is_directory and event.event_type == "modified":
            return  # a folder's own "modified" only echoes the file events inside it
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if raw:
                rel = self.relevant(Path(raw if isinstance(raw, str) else raw.decode()))
                if rel:
                    self.changes.add(rel)

    def relevant(self, path: Path) -> str:
        """The project-relative path of a source file, or '' for anything a build does not read."""
        try:
            rel = path.relative_to(self.project)
        except ValueError:
            return ""
        if any(path == ig or ig in path.parents for ig in self.ignore):
            return ""
        parts = rel.parts
        if not parts or is_editor_junk(parts[-1]):
            return ""
        if parts == (CONFIG_FILE,) or parts[0] in SOURCE_FOLDERS:
            self._links = None
            return rel.as_posix()
        if self._links is None:
            self._links = linked_sources(self.project)
        for target, link in self._links.items():
            if path == target:
                return link
            if target in path.parents:
                return f"{link}/{path.relative_to(target).as_posix()}"
        return ""


def watch(project: Path, changes: Changes, ignore: list[Path]) -> BaseObserver:
    observer = Observer()
    # Watch the resolved folder: events then carry absolute paths under it, deleted files included.
    observer.schedule(_Handler(project, changes, ignore), str(project.resolve()), recursive=True)
    observer.daemon = True
    observer.start()
    return observer
