"""Find a project's source files and read them: the input end of the pipeline."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from .errors import BriefgenError, Diagnostic
from .paths import id_problem, suggest_id

CONFIG_FILE = "briefgen.yaml"
ROOT_FILES = "static"
"""The project folder whose files are published at the site's root as they are (CNAME, favicon.ico,
.well-known/): Hugo's ``static/``. Not the theme's ``templates/static/``, served under /static/."""
SOURCE_FOLDERS = ("content", "templates", ROOT_FILES)
"""The project folders a build reads (and CONFIG_FILE beside them)."""
RESERVED_ROOT = {".git", ".briefgen-manifest.json"}
"""Top-level names in the output folder that belong to a deploy checkout or to briefgen itself."""
FOLDERS = {  # folder under content/ -> {extension: document kind}
    "articles": {".md": "article", ".txt": "article", ".yaml": "annotations", ".yml": "annotations"},
    "topics": {".yaml": "topic", ".yml": "topic", ".md": "topic"},
    "actors": {".yaml": "actor", ".yml": "actor"},
}


@dataclass(frozen=True, slots=True)
class SourceFile:
    kind: str
    file: str
    """Project-relative path with forward slashes: what diagnostics show."""
    ident: str
    path: str
    """Where to read it: a plain string, as a Path per file costs more than the stat it leads to."""


def is_editor_junk(name: str) -> bool:
    """Swap, backup and lock files that editors leave beside the real ones."""
    return (name.startswith(".") or name.endswith(("~", ".swp", ".swo", ".swx", ".tmp", ".bak"))
            or name.startswith("#") or name == "4913")


def discover(project: Path) -> tuple[list[SourceFile], list[Diagnostic]]:
    """Every source file of the project, sorted; problems with names and links as diagnostics."""
    root = project.resolve()
    found: list[SourceFile] = []
    problems: list[Diagnostic] = []
    for folder, kinds in FOLDERS.items():
        base = project / "content" / folder
        if not base.is_dir():
            continue
        if not inside(base, root):
            problems.append(Diagnostic("error", "outside-project", "the folder is a link to a place outside the project",
                                       f"content/{folder}", hint="copy the files into the project instead"))
            continue
        with os.scandir(base) as listing:  # file types come with the listing: no stat per file
            entries = sorted(listing, key=lambda e: e.name)
        for entry in entries:
            name = entry.name
            rel = f"content/{folder}/{name}"
            if is_editor_junk(name):
                continue
            if _is_dir(entry):
                problems.append(Diagnostic("warning", "ignored-file", "sub-folders are not read", rel))
                continue
            ident, suffix = os.path.splitext(name)
            kind = kinds.get(suffix.lower())
            if kind is None:
                allowed = ", ".join(sorted(kinds))
                problems.append(Diagnostic("warning", "ignored-file", f"'{suffix}' files are not read here", rel,
                                           hint=f"use one of {allowed}"))
                continue
            if entry.is_symlink() and not inside(base / name, root):
                problems.append(Diagnostic("error", "outside-project", "symlink points outside the project or loops", rel,
                                           hint="copy the file into the project instead"))
                continue
            if _is_special(entry):
                problems.append(Diagnostic("error", "not-a-file", "this is a pipe, socket or device, not a file: reading it "
                                           "could wait forever", rel, hint="remove it, or put the file it stands for in its place"))
                continue
            problem = id_problem(ident)
            if problem:
                suggestion = suggest_id(ident)
                usable = (suggestion and suggestion != ident and not id_problem(suggestion)
                          and not any((base / (suggestion + ext)).exists() for ext in kinds))
                hint = f"rename it to '{suggestion}{suffix}'" if usable else problem
                problems.append(Diagnostic("error", "bad-file-name", f"'{ident}' is not a valid id for a file name", rel,
                                           hint=hint))
                continue
            found.append(SourceFile(kind, rel, ident, entry.path))
    return found, problems


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # a link loop: the symlink check below reports it
        return False


def _is_special(entry: os.DirEntry) -> bool:
    """A pipe, socket or device, links followed (a plain file costs no system call: the listing
    says what it is). A dangling link is not: reading it reports it."""
    try:
        return not entry.is_file() and os.path.exists(entry.path)
    except OSError:
        return False


def read(source: SourceFile) -> bytes | Diagnostic:
    try:
        with open(source.path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        return Diagnostic("error", "unreadable", f"cannot read the file: {exc.strerror or exc}", source.file)


def inside(path: Path, root: Path) -> bool:
    """Whether ``path``, links followed, lies inside ``root``; a link loop is not inside anything."""
    try:
        path.resolve().relative_to(root)
        return True
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop on Python < 3.13
        return False


def require_project(project: Path) -> None:
    """``BriefgenError`` unless ``project`` is a briefing project: it has briefgen.yaml or content/."""
    if config_source(project) is None and not (project / "content").is_dir():
        raise BriefgenError(f"{project} is not a briefing project: it has neither briefgen.yaml nor content/ "
                            "(run 'briefgen init DIR' to start one)")


def config_source(project: Path) -> SourceFile | None:
    path = project / CONFIG_FILE
    if path.is_file() or (path.is_symlink() and os.path.lexists(path)):
        return SourceFile("config", CONFIG_FILE, "briefgen", str(path))
    return None


def root_files(project: Path) -> tuple[dict[str, bytes], list[Diagnostic]]:
    """The project's ``static/`` folder: output-relative path -> bytes, with every problem at once.

    Read with the care of the sources: a link that leads outside the project (or loops) is an
    error, as is a pipe, socket or device (checked on the open file: reading it never blocks);
    links inside the project are followed, each folder walked once. A name a site path cannot hold
    (a backslash) or one that the output folder keeps for itself (``.git``, briefgen's manifest)
    is an error. Dot-files are published (``.well-known/``, ``.htaccess``): this folder is copied
    as it is.
    """
    root = project.resolve()
    top = project / ROOT_FILES
    found: dict[str, bytes] = {}
    problems: list[Diagnostic] = []
    if not os.path.lexists(top):
        return found, problems
    walked: set[str] = set()

    def visit(path: Path, rel: str, shown: str) -> None:
        if path.is_symlink() and not inside(path, root):
            what = "the folder is a link" if os.path.isdir(path) else "symlink points"
            problems.append(Diagnostic("error", "outside-project", f"{what} to a place outside the project or loops",
                                       shown, hint="copy the file into the project instead"))
            return
        try:
            mode = os.stat(path).st_mode
        except OSError as exc:
            problems.append(Diagnostic("error", "unreadable", f"cannot read it: {exc.strerror or exc}", shown,
                                       hint="remove the broken link, or put the file it stands for in its place"))
            return
        if stat.S_ISDIR(mode):
            real = os.path.realpath(path)
            if real in walked:
                return
            walked.add(real)
            try:
                with os.scandir(path) as listing:
                    names = sorted(entry.name for entry in listing)
            except OSError as exc:
                problems.append(Diagnostic("error", "unreadable", f"cannot list the folder: {exc.strerror or exc}",
                                           shown))
                return
            for name in names:
                child = f"{rel}/{name}" if rel else name
                if "\\" in name:
                    problems.append(Diagnostic("error", "bad-file-name", "a backslash cannot be part of a site path "
                                               "(browsers read it as '/')", f"{shown}/{name}",
                                               hint="rename it without the backslash"))
                elif not rel and name in RESERVED_ROOT:
                    problems.append(Diagnostic("error", "bad-file-name", f"'{name}' at the site's root is briefgen's "
                                               "or the deploy's own", f"{shown}/{name}", hint="remove it from static/"))
                else:
                    visit(path / name, child, f"{shown}/{name}")
            return
        if not rel:
            problems.append(Diagnostic("error", "not-a-folder", "static is not a folder; files for the site's root go "
                                       "in a folder static/", shown, hint="make static/ a folder and move the file into it"))
            return
        data = read_regular(path)
        if data is None:
            problems.append(Diagnostic("error", "not-a-file", "this is a pipe, socket or device, not a file: reading "
                                       "it could wait forever", shown,
                                       hint="remove it, or put the file it stands for in its place"))
            return
        found[rel] = data

    visit(top, "", ROOT_FILES)
    return found, problems


def read_regular(path: Path | str) -> bytes | None:
    """A regular file's bytes, None for anything else: checked on the open file (``O_NONBLOCK``:
    opening a pipe never waits for a writer)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    with open(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        os.set_blocking(fd, True)
        return handle.read()
