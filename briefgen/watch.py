"""Watch a project for edits and turn bursts of file events into single rebuild requests.

Editors save in many ways (truncate and write, write a temp file and rename, swap and backup
files); the watcher keeps only events that touch a source, and a quiet period merges a burst of
them into one rebuild.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path
from typing import Callable

from watchdog.events import (DirCreatedEvent, DirDeletedEvent, DirMovedEvent, FileClosedEvent, FileCreatedEvent,
                             FileDeletedEvent, FileModifiedEvent, FileMovedEvent, FileSystemEvent,
                             FileSystemEventHandler)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch

from .load import CONFIG_FILE, SOURCE_FOLDERS, is_editor_junk

QUIET = 0.05
"""Seconds without events before a rebuild starts: long enough to merge an editor's save."""
GONE_QUIET = 0.3
"""The same while a source that was deleted or moved away has not come back: an editor's atomic
save (vim's rename to a backup, then a new file) comes back within it, on a busy machine too,
so the build between the two does not fail on a missing file. A real deletion waits this long."""


class Changes:
    """A thread-safe set of changed paths, with a way to wait until edits have settled."""

    def __init__(self) -> None:
        self._paths: set[str] = set()
        self._gone: set[str] = set()
        """Paths deleted or moved away, and not written since (``GONE_QUIET``)."""
        self._last = 0.0
        self._cond = threading.Condition()
        self.taken = 0
        """How many batches ``wait`` has handed out: the number of the batch now gathering."""
        self.on_take: Callable[[], None] = lambda: None
        """Called as a batch is handed out (the watcher's ``_Handler.settle``)."""

    def add(self, path: str, gone: bool = False) -> None:
        """``gone``: the event took the file away (deleted, or moved from ``path``)."""
        with self._cond:
            self._paths.add(path)
            (self._gone.add if gone else self._gone.discard)(path)
            self._last = time.monotonic()
            self._cond.notify_all()

    def wait(self, stop: threading.Event) -> set[str]:
        """Block until there are changes and no new event came for QUIET seconds; take them."""
        with self._cond:
            while not stop.is_set():
                if self._paths:
                    quiet_for = time.monotonic() - self._last
                    wanted = GONE_QUIET if self._gone else QUIET
                    if quiet_for >= wanted:
                        taken, self._paths, self._gone = self._paths, set(), set()
                        self.taken += 1
                        break
                    self._cond.wait(wanted - quiet_for)
                else:
                    self._cond.wait(0.5)
            else:
                return set()
        self.on_take()
        return taken

    def wake(self) -> None:
        with self._cond:
            self._cond.notify_all()


def linked_sources(project: Path) -> dict[Path, str]:
    """Where the sources are read from through links, inside the project: path -> the
    project-relative path of the source read through it. A build reads a linked template kept in
    ``shared/`` through its link, so an edit there is an edit to the source. Recorded: what each
    link leads to (a file, or a folder and so all below it), every link passed on the way (a link
    to a link, a linked folder in the middle of a path: re-pointing one changes the source), and
    the files behind linked folders, links among them included; a broken link's missing target (its
    creation is an edit). Targets outside the project are left out: the build refuses to read
    them. ``project``: resolved. Each folder is walked once (link loops end). Cheap for folders
    of many plain files: os.scandir tells links and folders apart without a stat of each file."""
    found: dict[Path, str] = {}
    seen: set[tuple[int, int]] = set()

    def note(path: Path, rel: str) -> None:
        try:
            links, target = _hops(path)
        except OSError:
            return
        for passed in (*links, target):
            if project in passed.parents:
                found.setdefault(passed, rel)

    def walk(folder: Path, rel: str, linked: bool) -> None:
        try:
            here = folder.stat()
            if (here.st_dev, here.st_ino) in seen:
                return
            seen.add((here.st_dev, here.st_ino))
            entries = list(os.scandir(folder))
        except OSError:
            return
        for entry in entries:
            name_rel = f"{rel}/{entry.name}"
            link = entry.is_symlink()
            if link or linked:
                note(Path(entry.path), name_rel)
            try:
                if entry.is_dir() and (not link or project in Path(entry.path).resolve().parents):
                    walk(Path(entry.path), name_rel, linked or link)
            except (OSError, RuntimeError):
                continue

    for folder in SOURCE_FOLDERS:
        top = project / folder
        if top.is_symlink():  # the source folder itself is a link: all below it is read through it
            note(top, folder)
        walk(top, folder, top.is_symlink())
    return found


def _hops(path: Path) -> tuple[list[Path], Path]:
    """The links passed resolving ``path`` (absolute), component by component as the kernel does,
    and where it leads, existing or not. OSError for a loop (more than 40 links)."""
    links: list[Path] = []
    current = Path(path.anchor)
    rest = list(path.parts[1:])
    while rest:
        name = rest.pop(0)
        if name in ("", "."):
            continue
        if name == "..":
            current = current.parent
            continue
        candidate = current / name
        if candidate.is_symlink():
            if len(links) >= 40:
                raise OSError(f"too many links resolving {path}")
            links.append(candidate)
            target = Path(os.readlink(candidate))
            if target.is_absolute():
                current = Path(target.anchor)
                rest = list(target.parts[1:]) + rest
            else:
                rest = list(target.parts) + rest
        else:
            current = candidate
    return links, current  # it may not exist (a broken link): creating it is then an edit


class _Handler(FileSystemEventHandler):
    def __init__(self, project: Path, changes: Changes, ignore: list[Path]):
        self.project = project.resolve()
        self.changes = changes
        self.ignore = [p.resolve() for p in ignore]
        self.watches: _Watches | None = None
        """The folders watched, kept to what the sources are read from (``watch``); None in tests
        that call the handler directly."""
        self._lock: threading.RLock = threading.RLock()  # type: ignore[assignment]
        """The observer's thread handles events, the rebuild loop's settles a batch (``settle``).
        ``watch`` makes it the observer's own lock, which the observer holds while it hands out an
        event and takes to add or remove a watch: one lock, so the two threads cannot deadlock."""
        self._links: dict[Path, str] | None = None
        """linked_sources, found again (``links``) after a file or link is created, deleted or moved."""
        self._stale = False
        """A file or link among the sources was created, deleted or moved since ``_links`` was found."""
        self._walked = -1
        """The batch (``Changes.taken``) in which ``_links`` was last found."""

    def on_any_event(self, event: FileSystemEvent) -> None:  # an edit's events only (WATCHED)
        if event.is_directory and event.event_type == "modified":
            return  # a folder's own "modified" only echoes the file events inside it
        with self._lock:
            for raw, away in ((event.src_path, event.event_type in ("deleted", "moved")),
                              (getattr(event, "dest_path", ""), False)):
                if raw:
                    rel = self.relevant(Path(raw if isinstance(raw, str) else raw.decode()))
                    if rel:
                        self.changes.add(rel, gone=away)
                        if event.event_type in ("created", "deleted", "moved"):
                            self._stale = True  # a link among what the build reads may have come, gone or moved
            if self.watches is not None and (self._stale or event.is_directory):
                # (a source folder made, or a folder a link leads into: watched at once)
                self.watches.sync(self.links())

    def settle(self) -> None:
        """As the rebuild loop takes a batch: the links walked again if something was created,
        deleted or moved late in it, after the batch's one walk, so that the folders a new link
        leads to are watched before the next edit there."""
        with self._lock:
            if self._stale and self.watches is not None:
                self.watches.sync(self.links())

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
            return rel.as_posix()
        links = self.links()
        for reached in (path, *path.parents):  # the path itself, or a folder it is in
            source = links.get(reached)
            if source is not None:
                return source if reached == path else f"{source}/{path.relative_to(reached).as_posix()}"
            if reached == self.project:
                break
        return ""

    def links(self) -> dict[Path, str]:
        """linked_sources, walked at most once per batch of events: again only when something
        among the sources was created, deleted or moved, and no walk was made yet for the batch now
        gathering. Within a batch the links found earlier in it serve: a link made in the batch is
        itself an event of the batch (its source is rebuilt), and events behind it in later batches
        are looked up in the links walked then. (A walk per event made ``mv content/articles old``
        walk once per file moved out of the sources: at 3,000 articles a tester saw the dev server
        rebuild once a second for minutes.)"""
        batch = self.changes.taken
        if self._links is None or (self._stale and self._walked != batch):
            self._links = linked_sources(self.project)
            self._stale, self._walked = False, batch
        return self._links


WATCHED = [FileCreatedEvent, FileModifiedEvent, FileClosedEvent, FileDeletedEvent, FileMovedEvent,
           DirCreatedEvent, DirDeletedEvent, DirMovedEvent]
"""The events an edit makes; not a read's (opened, closed without writing). The build reads every
source, and inotify queued two events per file read (44,000 at 10,000 articles) past its queue
of 16,384: watchdog then walked the whole project again to catch up, the output folder's 34,000
folders included, reading more, and the dev server spun on that and never saw the next edit.
(watchdog asks inotify for these events only: ``get_event_mask_from_filter``.)"""


class _Watches:
    """The folders watched: the project's own folder alone (briefgen.yaml, and a source folder
    made, removed or moved), each source folder with everything below it, and, outside them,
    where the links among the sources lead: a linked folder with everything below it, and the
    folder holding each linked file or link passed. Never the project as a whole: its output
    folder holds a folder per page (34,000 at 10,000 articles), and inotify needs a watch per
    folder (ten seconds to set up there, and more than a user may have at 100,000 articles).
    Resolved folders: events then carry absolute paths under them, deleted files included."""

    MOST = 48
    """More places than this (many links to many folders): the whole project is watched, as one
    (each place is an inotify instance, of which a user may have 128)."""

    def __init__(self, observer: BaseObserver, handler: _Handler) -> None:
        self.observer, self.handler = observer, handler
        self.kept: dict[tuple[str, bool], ObservedWatch] = {}
        self._linked: tuple[dict[Path, str] | None, list[Path]] = (None, [])
        """The last links given, and the paths among them outside the source folders."""

    def sync(self, links: dict[Path, str], started: bool = True) -> None:
        """Watch what the sources are now read from (with ``links``), and no more. ``started``:
        the server is serving, so a folder watched from now on (made after a link that leads into
        it) counts as an edit to the sources read through it: what was written there before its
        watch began is read by the rebuild that follows. Folders made meanwhile (``mkdir -p``)
        are watched in the same call."""
        for _ in range(32):
            wanted = self.wanted(links)
            if wanted == set(self.kept):
                return
            for place in set(self.kept) - wanted:
                with contextlib.suppress(KeyError, OSError):
                    self.observer.unschedule(self.kept[place])
                del self.kept[place]
            added = sorted(wanted - set(self.kept))
            for place in added:
                try:
                    self.kept[place] = self.observer.schedule(self.handler, place[0], recursive=place[1],
                                                              event_filter=WATCHED)
                except OSError:  # gone meanwhile: its removal is an event of the folder above
                    continue
            if started:
                for path, source in links.items():
                    if any(path == Path(folder) or (Path(folder) in path.parents if recursive else
                                                    path.parent == Path(folder)) for folder, recursive in added):
                        self.handler.changes.add(source)

    def wanted(self, links: dict[Path, str]) -> set[tuple[str, bool]]:
        project = self.handler.project
        places = {(project, False)}
        for name in SOURCE_FOLDERS:
            top = project / name
            if top.is_dir() and not top.is_symlink():  # (a linked one: where it leads, below)
                places.add((top, True))
        if links is not self._linked[0]:  # walked again
            self._linked = (links, [path for path in links if path.relative_to(project).parts[0] not in SOURCE_FOLDERS])
        for path in self._linked[1]:  # (looked at each time: a folder a link leads to may be made later)
            if path.is_dir() and not path.is_symlink():
                places.add((path, True))
            folder = path.parent
            while not folder.is_dir() and project in folder.parents:  # a broken link's: the nearest that is
                folder = folder.parent
            places.add((folder, False))
        below = [folder for folder, recursive in places if recursive]
        kept = {(str(folder), recursive) for folder, recursive in places
                if not any(other in folder.parents or (other == folder and not recursive) for other in below)}
        return kept if len(kept) <= self.MOST else {(str(project), True)}


def watch(project: Path, changes: Changes, ignore: list[Path]) -> BaseObserver:
    """Start watching ``project``'s sources for edits (``_Watches``); ``ignore``: folders whose
    events are never edits (the output folder)."""
    observer = Observer()
    handler = _Handler(project, changes, ignore)
    handler.watches = _Watches(observer, handler)
    handler._lock = observer._lock  # see _Handler._lock
    with handler._lock:
        handler.watches.sync(handler.links(), started=False)
    changes.on_take = handler.settle
    observer.daemon = True
    observer.start()
    return observer
