"""Find a project's source files and read them: the input end of the pipeline."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from .errors import BriefgenError, Diagnostic
from .paths import id_problem, suggest_id

CONFIG_FILE = "briefgen.yaml"
ROOT_FILES = "static"
"""The project folder whose files are published at the site's root as they are (CNAME, favicon.ico,
.well-known/): Hugo's ``static/``. Not the theme's ``templates/static/``, served under /static/."""
SOURCE_FOLDERS = ("content", "templates", ROOT_FILES)
"""The project folders a build reads (and CONFIG_FILE beside them)."""
OUTPUT_FOLDER = "site"
"""The output folder in the project unless ``-o`` names another; the dev server's watcher leaves it out."""
CACHE_FOLDER = ".briefgen-cache"
"""The build cache's folder in the project (cache.py)."""
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


class Written(NamedTuple):
    """A folder briefgen writes in, which no source may lead into."""

    path: Path
    """Links resolved."""
    name: str
    """As a diagnostic shows it: ``site/``."""
    what: str
    """``the output folder``, ``the build cache``."""
    held: bool = False
    """As ``written_into`` found it: the link leads to a folder that holds this one (the project
    itself, say), not into it."""


def written_folders(project: Path, output: Path | None = None) -> tuple[Written, ...]:
    """The folders briefgen writes in: the build's ``output`` (None: the dev server's, which has
    none), the default output folder ``site/`` (always: the dev server's watcher leaves it out) and
    the cache folder. A source read from one of them is read from what builds and ``briefgen clean``
    overwrite, and its edits never reach the dev server."""
    root = project.resolve()
    places = [(output, "the output folder")] if output is not None else []
    places += [(project / OUTPUT_FOLDER, "the output folder"), (project / CACHE_FOLDER, "the build cache")]
    written: dict[Path, Written] = {}
    for place, what in places:
        real = place.resolve()
        name = real.relative_to(root).as_posix() if root in real.parents else str(place)
        written.setdefault(real, Written(real, f"{name}/", what))
    return tuple(written.values())


def written_into(path: Path, written: tuple[Written, ...]) -> Written | None:
    """The folder of ``written`` that ``path``, links followed, lies in or holds (a link to the
    project folder itself reaches the output below it: a template could include a page, and
    static/ would publish the site inside itself); None for none (a link loop included:
    ``inside`` reports it)."""
    try:
        real = path.resolve()
    except (OSError, RuntimeError):
        return None
    found = next((place for place in written if real == place.path or place.path in real.parents), None)
    if found is None:
        found = next((place._replace(held=True) for place in written if real in place.path.parents), None)
    return found


def into_written(rel: str, place: Written, copy_into: str, folder: bool = False) -> Diagnostic:
    """``error[link-into-output]`` for the link ``rel`` leading into ``place``, worded as
    ``outside-project`` is: what is wrong, then what to do."""
    what = "the folder is a link" if folder else "symlink points"
    where = f"to a folder that holds {place.name}" if place.held else f"into {place.name}"
    return Diagnostic("error", "link-into-output", f"{what} {where}, {place.what}: briefgen writes there, and "
                      "the dev server does not watch it for edits", rel,
                      hint=f"copy the file{'s' if folder else ''} into {copy_into} instead")


def discover(project: Path, output: Path | None = None) -> tuple[list[SourceFile], list[Diagnostic]]:
    """Every source file of the project, sorted; problems with names and links as diagnostics.
    ``output``: the build's output folder (None: the dev server's), which no source may lead into
    (``written_folders``)."""
    root = project.resolve()
    written = written_folders(project, output)
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
        place = written_into(base, written)
        if place is not None:
            problems.append(into_written(f"content/{folder}", place, f"content/{folder}/", folder=True))
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
            place = written_into(base / name, written) if entry.is_symlink() else None
            if place is not None:
                problems.append(into_written(rel, place, f"content/{folder}/"))
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


def walk_holds(project: Path, places: dict[str, int], sources: list[SourceFile], edited: set[str]) -> bool:
    """Whether a walk's ``sources`` (``places``: file -> its index) still hold after only
    ``edited`` changed (project-relative paths, as the watcher reports them): each edited path
    under content/ is one of the sources, still a plain file at its own path. Anything else there
    (content/ itself, a folder, a file made, removed or renamed, one replaced by a link or read
    through one) is a path no source has, or no plain file: the project is walked again. The
    settings, templates/ and static/ are no sources: every build reads them. (A source whose
    content can change under another name, a link or a file of several names, is looked at on
    every read instead: ``linked``.)"""
    for rel in edited:
        if rel == CONFIG_FILE or rel.partition("/")[0] in SOURCE_FOLDERS[1:]:
            continue
        at = places.get(rel)
        if at is None or sources[at].path != str(project / rel):
            return False
        if not _of_one_name(sources[at].path):  # (a name made for it since: ``linked``)
            return False
    return True


def linked(sources: list[SourceFile]) -> list[int]:
    """The indexes of the sources whose content can change with no event naming them: a link
    (its target written under another name, in static/ say) or a file of several names (a hard
    link). One lstat each: for the dev server's walk, not every build's."""
    return [index for index, source in enumerate(sources) if not _of_one_name(source.path)]


def _of_one_name(path: str) -> bool:
    """Whether ``path`` is a plain file, not a link, with no other name (one hard link)."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and info.st_nlink == 1


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


def root_files(project: Path, output: Path | None = None) -> tuple[dict[str, bytes], list[Diagnostic]]:
    """The project's ``static/`` folder: output-relative path -> bytes, with every problem at once.

    Read with the care of the sources: a link that leads outside the project (or loops), or into a
    folder briefgen writes in (``written_folders``: ``output`` among them), is an error, as is a
    pipe, socket or device (checked on the open file: reading it never blocks);
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
    written = written_folders(project, output)

    def visit(path: Path, rel: str, shown: str) -> None:
        link = path.is_symlink()
        if link and not inside(path, root):
            what = "the folder is a link" if os.path.isdir(path) else "symlink points"
            problems.append(Diagnostic("error", "outside-project", f"{what} to a place outside the project or loops",
                                       shown, hint="copy the file into the project instead"))
            return
        place = written_into(path, written) if link else None
        if place is not None:
            problems.append(into_written(shown, place, "static/", folder=os.path.isdir(path)))
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
