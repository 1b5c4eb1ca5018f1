"""Atomic, diffed output: the other end of the pipeline.

Two phases: every changed file is first written beside its target as a temporary file; only when
all of them are on disk are they renamed into place (``os.replace`` is atomic) and stale files
removed. A full disk or a read-only folder fails in phase one and leaves the old site as it was;
a killed build leaves complete files only, never a half-written page.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .errors import BriefgenError

KEEP = {".git"}
"""Top-level entries of the output folder that a build never removes (a deploy checkout)."""


class WriteError(BriefgenError):
    pass


@dataclass(frozen=True, slots=True)
class WriteReport:
    written: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: int


def check_output(project: Path, output: Path) -> None:
    """Refuse output folders whose cleaning would delete the user's own files."""
    out, proj = output.resolve(), project.resolve()
    if out == proj or out in proj.parents:
        raise WriteError(f"output folder {output} contains the project; choose a folder inside it, like site/")
    if (out / "briefgen.yaml").exists() or (out / "content").is_dir():
        raise WriteError(f"output folder {output} looks like a briefgen project; refusing to overwrite it")


def write_site(output: Path, files: dict[str, bytes], known_same: set[str] | frozenset = frozenset()) -> WriteReport:
    """``known_same``: files the caller has just read back from ``output`` unchanged (not re-read)."""
    changed = {rel: data for rel, data in files.items() if rel not in known_same and not _same(output / rel, data)}
    temps: list[tuple[Path, Path]] = []
    made: list[Path] = []
    try:
        _mkdir(output, made)
        # Pages last: a page must never be in place before the stylesheet, script or index it uses.
        for rel, data in sorted(changed.items(), key=lambda item: (item[0].endswith(".html"), item[0])):
            target = output / rel
            _mkdir(target.parent, made)
            if target.is_dir():
                raise WriteError(f"cannot write {rel}: a folder of that name is in the way")
            temp = target.with_name(f".{target.name}.briefgen-tmp")
            temps.append((temp, target))
            with open(temp, "wb") as handle:
                handle.write(data)
    except (OSError, WriteError) as exc:
        for temp, _ in temps:
            try:
                temp.unlink(missing_ok=True)
            except OSError:  # a read-only file system refuses even this
                pass
        for folder in reversed(made):
            try:
                folder.rmdir()
            except OSError:
                pass
        if isinstance(exc, WriteError):
            raise
        raise WriteError(f"cannot write to {output}: {exc.strerror or exc}; the previous site was left as it was") from None
    for temp, target in temps:
        os.replace(temp, target)
    removed = _remove_stale(output, set(files))
    return WriteReport(tuple(sorted(changed)), tuple(removed), len(files) - len(changed))


def _mkdir(folder: Path, made: list[Path]) -> None:
    """mkdir -p that remembers what it made, so a failed write can take it back."""
    missing = []
    while not folder.is_dir():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir()
        made.append(path)


def _same(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def _remove_stale(output: Path, keep: set[str]) -> list[str]:
    """Delete what this build did not write, then the folders that left empty (bottom up)."""
    removed = []
    top = str(output)
    emptied: set[str] = set()
    for root, dirs, names in os.walk(top, topdown=False):
        rel_root = root[len(top):].lstrip(os.sep).replace(os.sep, "/")
        rel_root = rel_root + "/" if rel_root else ""
        if rel_root.split("/", 1)[0] in KEEP:
            continue
        left = 0
        for name in names:
            rel = rel_root + name
            if rel in keep or rel.split("/", 1)[0] in KEEP:
                left += 1
                continue
            os.unlink(os.path.join(root, name))
            removed.append(rel)
        left += sum(1 for name in dirs if os.path.join(root, name) not in emptied)
        if not left and rel_root:
            os.rmdir(root)
            emptied.add(root)
    return sorted(removed)
