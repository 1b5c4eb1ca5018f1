"""Stat stamps of everything a build read and wrote: when none has changed, the build is done.

A no-change rebuild would otherwise read, parse, resolve and plan the whole corpus only to find
that every page is the same. Like make, ninja and git's index, this compares file stamps instead:
(mtime, ctime, size, inode) of every source, template and theme file, of the folders holding them
(a folder's stamp changes when a file is added, removed or renamed in it) and of every file and
folder of the output. ctime cannot be set by programs, so an editor, ``cp -p`` or rsync that
restores an old mtime still changes the stamp.

A stamp is only evidence if the file cannot change again within the same timestamp tick: an input
touched within ``RACY`` of the sweep makes the record untrusted (git's "racily clean" rule), and
the next build does the real work. The record is bound to the code, the settings and the day
(dates decide warnings), and signed like the build cache.
"""

from __future__ import annotations

import contextlib
import pickle
import os
import time
from pathlib import Path
from typing import NamedTuple

from . import cache as caching
from .errors import Diagnostic
from .load import CONFIG_FILE
from .render import theme_dir

FILE = "stamps.pickle"
RACY = 100_000_000
"""Nanoseconds: more than a kernel clock tick, the granularity of timestamps on local file systems."""
RACY_COARSE = 2_000_000_000
"""For file systems that stamp whole seconds (FAT, some network shares)."""

Stamps = dict[str, list[int]]
UNSETTLED = [-1]
"""The recorded stamp of an input changed too recently to be proof: no stamp equals it."""


def stamp(path: str) -> list[int] | None:
    try:
        return caching.stamp_of(os.stat(path))
    except OSError:
        return None


def _sweep(root: Path, prefix: str, into: Stamps, depth: int | None) -> None:
    """Stamp ``root``, its files and (to ``depth``) its folders; a missing root is stamped missing."""
    top = stamp(str(root))
    into[prefix] = top or []
    if top is None or not root.is_dir():
        return
    seen: set[tuple[int, int]] = set()
    for dirpath, dirs, names in os.walk(root, followlinks=True):  # templates may live behind a link
        try:
            here = os.stat(dirpath)
        except OSError:  # removed while we looked: the folder's own stamp has changed
            continue
        if (here.st_dev, here.st_ino) in seen:  # a link loop: stamped once is enough
            dirs[:] = []
            continue
        seen.add((here.st_dev, here.st_ino))
        rel = os.path.relpath(dirpath, root).replace(os.sep, "/")
        level = 0 if rel == "." else rel.count("/") + 1
        base = prefix if rel == "." else f"{prefix}/{rel}"
        if depth is not None and level >= depth:
            dirs[:] = []
        for name in names + dirs:
            path = os.path.join(dirpath, name)
            into[f"{base}/{name}"] = stamp(path) or []
        dirs[:] = [d for d in dirs if d != ".git"]


def inputs(project: Path) -> Stamps:
    """What a build reads: the config, content/ (its folders are read one level deep), templates/, static/
    (the site's root files), the theme."""
    found: Stamps = {}
    found[CONFIG_FILE] = stamp(str(project / CONFIG_FILE)) or []
    _sweep(project / "content", "content", found, depth=2)
    _sweep(project / "templates", "templates", found, depth=None)
    _sweep(project / "static", "static", found, depth=None)
    _sweep(theme_dir(), "(theme)", found, depth=None)
    return found


def outputs(output: Path, files: list[str], known: Stamps | None = None) -> Stamps:
    """The files and every folder that holds one, up to the output itself (a stray file or
    folder added to one changes its stamp; one added inside a stray folder changes that
    folder's, added to one of these); ``known``: stamps taken as the build left the files."""
    found: Stamps = {}
    base = str(output) + os.sep
    known = known or {}
    folders: set[str] = set()
    for rel in files:
        found[rel] = known.get(rel) or stamp(base + rel) or []
        parent = rel.rpartition("/")[0]
        while parent and parent not in folders:  # (a stat per folder: no listing of each)
            folders.add(parent)
            parent = parent.rpartition("/")[0]
    found["./"] = stamp(str(output)) or []
    for rel in sorted(folders):
        found[rel + "/"] = stamp(base + rel) or []
    return found


def settled(found: list[int] | None, since: int) -> bool:
    """Whether one file's stamp, taken at ``since``, proves later that the file did not change."""
    if not found:
        return False
    mtime, ctime = found[0], found[1]  # (caching.stamp_of)
    window = RACY_COARSE if ctime % 1_000_000_000 == 0 else RACY
    return max(mtime, ctime) < since - window


def edited_since(before: Stamps, after: Stamps) -> set[str]:
    """What ``after`` finds added, removed or changed since ``before`` was swept: the dev
    server's edits made while its first build ran, before its watcher started. (An edit within
    the clock tick of the first sweep, after the build read the file, and of the same size,
    would go unseen; a file saved just before the server started is not rebuilt again.)"""
    return {rel for rel in before.keys() | after.keys() if before.get(rel) != after.get(rel)}


def forget(project: Path) -> None:
    """Before a build writes anything: the old record no longer describes the output."""
    try:
        where = caching.folder(project)
    except caching.CacheFolderError:
        return
    if where is not None:
        with where, contextlib.suppress(OSError):  # it cannot go (a read-only cache): it no longer
            where.unlink(FILE)  # describes the output, whose stamps the next build compares anyway


def record(project: Path, output: Path, settings: tuple, swept: Stamps, swept_at: int, files: list[str],
           known: Stamps, summary: dict, generation: bytes = b"") -> None:
    """Keep the stamps of a successful build.

    An input touched too recently for its stamp to prove anything later (saved just before the
    build, the usual habit) is recorded as unknown: the next build then does not stop at once, but
    it still trusts the output stamps, and does not hash every page to prove what it wrote.
    ``known``: stamps of output files as this build left them (taken back by their stamps, found
    the same, or written: ``write.WriteReport.stamps``), each taken then and not now, so a page
    another program changed meanwhile is not recorded as this build's.
    ``generation``: the page records' (cache.Pages.generation) that describe this output.
    """
    key = caching.key()
    if key is None:
        return
    header = caching.header(output, settings)
    trusted = {rel: s if not s or settled(s, swept_at) else UNSETTLED for rel, s in swept.items()}
    # (a pickle: at 10,000 articles JSON took 0.6 s a build to write and read its 64,000 stamps)
    body = pickle.dumps({"inputs": trusted, "outputs": outputs(output, files, known), "summary": summary,
                         "generation": generation.hex()}, protocol=pickle.HIGHEST_PROTOCOL)
    caching.write_signed(project, FILE, key, header, body)


class Summary(NamedTuple):
    """What a build that stops at once reports: the last successful build's."""

    pages: dict[str, int]
    """Pages built, by kind."""
    files: int
    """Files in the output."""
    warnings: tuple[Diagnostic, ...]


class Record(NamedTuple):
    """The stamps of the last successful build into an output folder (stamps.pickle)."""

    inputs: Stamps
    """What it read, as ``inputs`` swept them (UNSETTLED where a stamp was not yet proof)."""
    outputs: Stamps
    """What it wrote, and every folder of the output."""
    summary: Summary
    generation: bytes = b""
    """The page records' generation these stamps go with (cache.Pages.generation)."""


def last(project: Path, output: Path, settings: tuple) -> Record | None:
    """The record of the last successful build into ``output`` with these settings, if it is intact."""
    key = caching.key()
    if key is None:
        return None
    try:
        where = caching.folder(project)
    except caching.CacheFolderError:
        return None
    if where is None:
        return None
    with where:
        handle = caching.open_signed(where, FILE, key, caching.header(output, settings))
        if handle is None:
            return None
        with handle:
            try:
                data = pickle.loads(handle.read())
            except Exception:  # signed, so briefgen's, but not this code's: never trusted
                return None
    if not isinstance(data, dict):
        return None
    try:
        done = data["summary"]
        if not (isinstance(data["inputs"], dict) and isinstance(data["outputs"], dict)):
            return None
        return Record(data["inputs"], data["outputs"], Summary(
            done["pages"], done["files"],
            tuple(Diagnostic(severity, code, message, file, line, hint)
                  for severity, code, message, file, line, hint in done["warnings"])),
            bytes.fromhex(data["generation"]))
    except (KeyError, TypeError, ValueError):  # written by no briefgen with this code: never trusted
        return None


def unchanged(output: Path, record: Record | None, swept: Stamps) -> Summary | None:
    """The summary of the last build if nothing it read (``swept``: the inputs now) or wrote has
    changed since; None otherwise."""
    if record is None or record.inputs != swept:
        return None
    base = str(output)
    for rel, recorded in record.outputs.items():
        if stamp(os.path.join(base, rel.rstrip("/"))) != (recorded or None):
            return None
    return record.summary


def summary(pages: dict[str, int], warnings: tuple[Diagnostic, ...], files: int) -> dict:
    """A Summary as stamps.pickle keeps it."""
    return {"pages": pages, "files": files,
            "warnings": [[d.severity, d.code, d.message, d.file, d.line, d.hint] for d in warnings]}


def now() -> int:
    """The sweep's time, on the clock file systems stamp with."""
    return time.time_ns()

