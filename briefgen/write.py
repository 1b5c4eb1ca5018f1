"""Atomic, diffed output: the other end of the pipeline, and what it may touch.

Ownership. The output folder holds a manifest, ``.briefgen-manifest.json``: the files briefgen's
last successful build wrote there. A build overwrites or deletes only files listed in it, and
only regular files; anything else in the folder (a ``notes.txt``, a ``.git`` checkout, a link) is
left alone, and a file of someone else's where a page must go is an error. A first build into a
folder that is not empty and has no manifest is refused unless the user asks for its contents
to be replaced (``--clean-destination-dir``, Hugo's habit). Where the output folder may be at
all is ``check_output``'s business.

Two phases: every changed file is first written beside its target as a new temporary file
(created exclusively, under an unpredictable name: safe_io); only when all of them are on disk
are they renamed into place (``rename`` is atomic) and stale files removed. Before the first
temporary file is made, the manifest lists the old files, the new ones and the temporary ones,
so a build killed at any moment leaves nothing the next build would not recognise as its own
and remove. A full disk or a read-only folder fails in phase one and leaves the old site as it
was. Nothing is written, read back or deleted through a link (safe_io).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Container, Iterable, Iterator, Mapping, MutableMapping

import lz4.frame

from .errors import BriefgenError
from .safe_io import Folder, Tree, is_link_error, stamp_of, temp_name

MANIFEST = ".briefgen-manifest.json"
"""The files the last successful build wrote into the output folder (output-relative, sorted)."""
MANIFEST_LIMIT = 256 << 20
"""Bytes: a manifest larger than this is not one briefgen wrote (1,000,000 files take ~50 MB)."""
KEEP = {".git", MANIFEST}
"""Top-level entries of the output folder that a build never removes (a deploy checkout)."""
SHOWN = 5
"""How many foreign files a refusal names."""


class WriteError(BriefgenError):
    pass


@dataclass(frozen=True, slots=True)
class WriteReport:
    written: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: int
    stamps: Mapping[str, list[int]] = field(default_factory=dict)
    """The stamp of each file written, taken as it was put in place, and of each found the same
    (``stamp_of``): what the output held as this build left it, not what it holds later, when
    the stamps are recorded (another program may have changed a page meanwhile)."""


# --- where the output may be ----------------------------------------------------------------------

def check_output(project: Path, output: Path) -> Path:
    """The output folder with links resolved, once it is a place briefgen may write to.

    Refused (``WriteError``): a folder that is, or holds, the project or the home folder; one that
    is, holds or sits inside ``content/``, ``templates/``, the cache folder or ``.git``; another
    briefgen project; a path inside the project that a link leads outside it.
    """
    proj, out = project.resolve(), output.resolve()
    shown = str(output) if Path(os.path.abspath(output)) == out else f"{output} (a link to {out})"

    def relation(place: Path) -> str:
        if out == place:
            return "is"
        if out in place.parents:
            return "holds"
        if place in out.parents:
            return "is inside"
        return ""

    if out == proj or out in proj.parents:
        raise WriteError(f"output folder {shown} contains the project; choose a folder inside it, like site/")
    try:
        home = Path.home().resolve()
    except (RuntimeError, KeyError, OSError):  # no HOME and no password entry: nothing to guard
        home = None
    if home is not None and (out == home or out in home.parents):
        raise WriteError(f"output folder {shown} {relation(home)} your home folder; briefgen works only in a folder "
                         "of its own: choose one, like site/ in the project")
    for name, what in (("content", "the sources"), ("templates", "the templates"), (".briefgen-cache", "the build cache"),
                       (".git", "the git repository")):
        place = (project / name).resolve()
        said = relation(place)
        if said:
            raise WriteError(f"output folder {shown} {said} {name}/ ({what}); choose a folder of its own, like site/")
    given = Path(os.path.abspath(output))
    lexical_project = Path(os.path.abspath(project))
    if (given == lexical_project or lexical_project in given.parents) and not (out == proj or proj in out.parents):
        raise WriteError(f"output folder {output} is reached through a link that leads outside the project (to {out}); "
                         "briefgen never writes through such links: remove the link, or pass the real folder with -o")
    if (out / "briefgen.yaml").exists() or (out / "content").is_dir():
        raise WriteError(f"output folder {shown} looks like a briefgen project; refusing to overwrite it")
    return out


@contextlib.contextmanager
def locked(output: Path, waiting: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the output folder for one build at a time (made first, if missing).

    The lock is ``flock`` on the folder itself: it is released when the build's process ends,
    however it ends. A second build waits, after saying so through ``waiting``. Folders this made
    are taken back if the build fails.
    """
    made = []
    path = output.resolve()
    try:
        missing = []
        while not path.exists():
            missing.append(path)
            path = path.parent
        for folder in reversed(missing):
            folder.mkdir()
            made.append(folder)
        handle = Folder.open(output.resolve())
    except OSError as exc:
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise WriteError(f"cannot write to {output}: {exc.strerror or exc}; the previous site was left as it was") from None
    ok = False
    try:
        try:
            fcntl.flock(handle.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if waiting is not None:
                waiting(f"another briefgen build is writing to {output}; waiting for it to finish")
            fcntl.flock(handle.fd, fcntl.LOCK_EX)
        yield
        ok = True
    finally:
        handle.close()
        if not ok:
            for folder in reversed(made):
                with contextlib.suppress(OSError):
                    folder.rmdir()


def check_owned(output: Path, replace_foreign: bool) -> None:
    """Refuse at once (before the work of a build) an output folder that is not empty and that
    briefgen did not build, unless ``replace_foreign``. write_site checks again as it writes."""
    try:
        with Folder.open(output.resolve()) as root:
            _owned(root, output, replace_foreign)
    except OSError:
        return  # write_site says what is wrong with the folder


def _owned(root: Folder, output: Path, replace_foreign: bool) -> tuple[set[str], bytes | None]:
    """(the files the manifest lists, the manifest's bytes); an empty set for a folder without an
    intact manifest, which must then be empty unless ``replace_foreign`` (``WriteError``)."""
    raw = root.read(MANIFEST, MANIFEST_LIMIT)
    listed = _parse_manifest(raw)
    if listed is not None:
        return listed, raw
    foreign = [name for name in root.names() if name not in KEEP]
    if foreign and not replace_foreign:
        raise WriteError(_refusal(output, foreign, made_before=raw is not None))
    return set(), raw


# --- the manifest ---------------------------------------------------------------------------------

_UNSAFE = re.compile(r"(?:^|/)\.{0,2}(?:/|$)|[\\\0]")
"""What no manifest entry may hold: an empty, ``.`` or ``..`` part (a leading or trailing slash
is an empty part), a backslash or a NUL."""


def _valid_rel(rel: object) -> bool:
    return isinstance(rel, str) and bool(rel) and _UNSAFE.search(rel) is None


def read_manifest(root: Folder) -> set[str] | None:
    """The files the last build recorded as its own, or None when there is no intact manifest."""
    return _parse_manifest(root.read(MANIFEST, MANIFEST_LIMIT))


def _parse_manifest(raw: bytes | None) -> set[str] | None:
    if raw is None:
        return None
    if _last_manifest[0] == raw:  # a build reads it twice: once to refuse early, once to write
        return set(_last_manifest[1])
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    files = data.get("files") if isinstance(data, dict) and data.get("generator") == "briefgen" else None
    if not isinstance(files, list) or not all(_valid_rel(rel) for rel in files):
        return None
    _last_manifest[:] = raw, frozenset(files)
    return set(files)


_last_manifest: list = [None, frozenset()]
"""The last intact manifest parsed, (bytes, files): the same bytes are the same files."""


def _manifest_bytes(files: set[str] | list[str]) -> bytes:
    return json.dumps({"generator": "briefgen", "format": 1, "files": sorted(files)}, indent=0,
                      separators=(",", ":")).encode() + b"\n"


def _write_manifest(root: Folder, files: set[str] | list[str]) -> None:
    root.write_atomic(MANIFEST, _manifest_bytes(files))


# --- the write ------------------------------------------------------------------------------------

def read_output(output: Path, rel: str) -> bytes | None:
    """A file of the output folder as it is now: a regular file, never read through a link at its
    own name; None when there is none."""
    try:
        fd = os.open(output / rel, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        return handle.read() if stat.S_ISREG(os.fstat(fd).st_mode) else None


class SiteFiles(MutableMapping[str, bytes]):
    """A built site, output-relative path -> bytes: the files the build made, and the pages it
    took back from the output folder unread, their stat stamps proving them the bytes an earlier
    build wrote there (``cache.Pages.taken``). Those are read from the folder only if asked for:
    a CLI rebuild after an edit leaves most of a large site where it is, and holds none of it.
    Pages rendered for the write are held compressed (``pack``), each made whole again when
    asked for. Names alone (iterating, ``in``) never read or decompress a file."""

    def __init__(self, made: dict[str, bytes], unread: Iterable[str] = (), output: Path | None = None) -> None:
        self.made = made
        self.packed: dict[str, bytes] = {}
        """Pages held compressed (LZ4) until they are written (``pack``)."""
        self.unread = {rel: None for rel in unread if rel not in made}
        assert output is not None or not self.unread
        self.output = output

    def keep(self, rel: str) -> None:
        """A page taken back from the output folder unread."""
        assert self.output is not None
        self._drop(rel)
        self.unread[rel] = None

    def pack(self, rel: str, compressed: bytes) -> None:
        """A page as ``packed`` makes it: a large site's pages, held until the write, take a
        third of the memory (at 10,000 articles, 675 MB of HTML)."""
        self._drop(rel)
        self.packed[rel] = compressed

    def _drop(self, rel: str) -> None:
        self.made.pop(rel, None)
        self.packed.pop(rel, None)
        self.unread.pop(rel, None)

    def __setitem__(self, rel: str, data: bytes) -> None:
        self._drop(rel)
        self.made[rel] = data

    def __delitem__(self, rel: str) -> None:
        if rel not in self:
            raise KeyError(rel)
        self._drop(rel)

    def __getitem__(self, rel: str) -> bytes:
        if rel in self.made:
            return self.made[rel]
        if rel in self.packed:
            return lz4.frame.decompress(self.packed[rel])
        if rel in self.unread and self.output is not None:
            data = read_output(self.output, rel)
            if data is not None:
                return data
        raise KeyError(rel)

    def __contains__(self, rel: object) -> bool:
        return rel in self.made or rel in self.packed or rel in self.unread

    def __iter__(self) -> Iterator[str]:
        yield from self.made
        yield from self.packed
        yield from self.unread

    def __len__(self) -> int:
        return len(self.made) + len(self.packed) + len(self.unread)


def packed(data: bytes) -> bytes:
    """``data`` compressed as ``SiteFiles.pack`` holds it: an LZ4 frame, on the core that
    rendered it. HTML shrinks to about a third at about 900 MB/s and comes back at 1.5 GB/s
    (the 3,452 pages of 1,000 articles, 61 MB: 0.07 s and 0.04 s; zlib's fastest level, a
    quarter of the size, took 0.42 s and 0.17 s, a tenth of the rendering stage's time)."""
    return lz4.frame.compress(data)


def _write_bytes(data: bytes, handle: BinaryIO) -> None:
    handle.write(data)


def write_site(output: Path, files: Mapping[str, bytes], known_same: Container[str] = frozenset(),
               replace_foreign: bool = False) -> WriteReport:
    """Write ``files`` (output-relative path -> bytes) into ``output``, which must exist.

    ``known_same``: files the caller has just found in ``output`` unchanged (neither read nor
    compared: a ``SiteFiles``' unread pages are among them).
    ``replace_foreign``: delete what the folder holds that briefgen did not make (links included,
    never their targets) instead of refusing to write among it.
    """
    try:
        root = Folder.open(output.resolve())
    except OSError as exc:
        raise WriteError(f"cannot write to {output}: {exc.strerror or exc}; the previous site was left as it was") from None
    with root, Tree(root) as tree:
        old, old_bytes = _owned(root, output, replace_foreign)
        # A file is the same as the build's only if briefgen made it: a file of the user's with
        # the same bytes stays the user's (and so is never deleted later as a stale page).
        # Names only: a file's bytes are fetched where they are compared and where they are
        # written (a SiteFiles holds a large site's pages compressed, one made whole at a time).
        found: dict[str, list[int]] = {}
        changed = [rel for rel in files if rel not in known_same and (rel not in old or not _same(tree, rel, files[rel], found))]
        in_way = _in_the_way(tree, changed, old)
        if in_way and not replace_foreign:
            raise WriteError(_in_the_way_message(output, in_way))
        # Pages last: a page must never be in place before the stylesheet, script or index it uses.
        order = sorted(changed, key=lambda rel: (rel.endswith(".html"), rel))
        temps = {rel: temp_name(rel.rpartition("/")[2]) for rel in order}
        intent = old | set(files) | {_join(rel.rpartition("/")[0], temp) for rel, temp in temps.items()}
        wrote_intent = False
        try:
            if intent != old:
                _write_manifest(root, intent)
                wrote_intent = True
            for rel in in_way:  # only with replace_foreign: the links and files of others in the way
                _remove_entry(tree, rel)
            for rel in order:
                parent, _, name = rel.rpartition("/")
                folder = tree.folder(parent, create=True)
                if (entry := folder.lstat(name)) is not None and stat.S_ISDIR(entry.st_mode):
                    raise WriteError(f"cannot write {rel}: a folder of that name is in the way")
                folder.write_temp(name, functools.partial(_write_bytes, files[rel]), temp=temps[rel])
        except BaseException as exc:  # a full disk, or the build stopped (SIGTERM, Ctrl-C): take phase one back
            _take_back(tree, temps, root, old_bytes if wrote_intent else None)
            if not isinstance(exc, OSError):
                raise
            if is_link_error(exc):  # it was not there when the way was checked: changed under the build
                raise WriteError(f"cannot write to {output}: a folder on the way to a page became a link or a file "
                                 "while the build ran; build again") from None
            raise WriteError(f"cannot write to {output}: {exc.strerror or exc}; the previous site was left as it was") from None
        try:
            for rel in order:
                parent, _, name = rel.rpartition("/")
                folder = tree.folder(parent)
                folder.replace(temps[rel], name)
                if (placed := folder.lstat(name)) is not None:
                    found[rel] = stamp_of(placed)
        except OSError as exc:  # something changed under the build; the manifest still lists every file
            raise WriteError(f"cannot finish writing {output}: {exc.strerror or exc}; some pages are new, some old, "
                             "and none is half-written: build again") from None
        removed = _remove_stale(tree, old - set(files))
        if replace_foreign:
            removed += _remove_foreign(tree, set(files))
        if intent != set(files) or old_bytes is None:
            _write_manifest(root, set(files))
    return WriteReport(tuple(sorted(changed)), tuple(sorted(removed)), len(files) - len(changed), found)


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def _refusal(output: Path, foreign: list[str], made_before: bool) -> str:
    listed = ", ".join(foreign[:SHOWN]) + (f" and {len(foreign) - SHOWN} more" if len(foreign) > SHOWN else "")
    if made_before:
        why = (f"its {MANIFEST}, the list of files briefgen made there, is not one briefgen wrote (not JSON, or it "
               "names paths outside the folder), so nothing in it can be known to be briefgen's")
    else:
        why = f"it holds files briefgen did not make ({listed})"
    return (f"output folder {output} is not empty and {why}; briefgen writes only into an empty folder "
            "or one it built. Choose another folder, or pass --clean-destination-dir to delete everything in it "
            "that the build does not produce")


def _in_the_way(tree: Tree, changed: list[str], old: set[str]) -> list[str]:
    """Paths where a file must be written but something briefgen did not make is: a file it did
    not record, a link, or a link in place of a folder on the way."""
    found = []
    for rel in sorted(changed):
        parts = rel.split("/")
        for depth in range(len(parts)):
            prefix = "/".join(parts[: depth + 1])
            parent = "/".join(parts[:depth])
            try:
                st = tree.folder(parent).lstat(parts[depth])
            except OSError:  # a part above is missing, a file, or a link already listed
                break
            if st is None:
                break
            last = depth == len(parts) - 1
            if (stat.S_ISLNK(st.st_mode) or (last and (not stat.S_ISREG(st.st_mode) or rel not in old))
                    or (not last and not stat.S_ISDIR(st.st_mode))):  # a file where a folder must go
                if prefix not in found and not (last and stat.S_ISDIR(st.st_mode)):
                    found.append(prefix)
                break
    return found


def _in_the_way_message(output: Path, in_way: list[str]) -> str:
    def shown(rel: str) -> str:
        try:
            return f"{rel} (a link to {os.readlink(output / rel)})"
        except OSError:
            return rel
    # (a file where a folder must go is listed by its name alone: the pages below it are the site's)

    listed = ", ".join(map(shown, in_way[:SHOWN])) + (f" and {len(in_way) - SHOWN} more" if len(in_way) > SHOWN else "")
    return (f"output folder {output} holds what briefgen did not make where the site must go: {listed}. briefgen "
            "never overwrites such files, nor writes through links: move them away, or pass "
            "--clean-destination-dir to replace them")


def _take_back(tree: Tree, temps: dict[str, str], root: Folder, old_manifest: bytes | None) -> None:
    """Undo phase one: the temporary files and the folders it made, and the intent manifest."""
    for rel, temp in temps.items():
        with contextlib.suppress(OSError):
            tree.folder(rel.rpartition("/")[0]).unlink(temp)
    for rel in reversed(tree.made):
        parent, _, name = rel.rpartition("/")
        with contextlib.suppress(OSError):
            tree.folder(parent).rmdir(name)
    if old_manifest is not None:
        with contextlib.suppress(OSError):
            root.write_atomic(MANIFEST, old_manifest)


def _same(tree: Tree, rel: str, data: bytes, found: dict[str, list[int]]) -> bool:
    """Whether the file holds ``data``; its stamp then goes into ``found``."""
    parent, _, name = rel.rpartition("/")
    try:
        handle = tree.folder(parent).open_regular(name, len(data))
    except OSError:
        return False
    if handle is None:
        return False
    with handle:
        st = os.fstat(handle.fileno())
        if st.st_size != len(data) or handle.read() != data:
            return False
    found[rel] = stamp_of(st)
    return True


def _remove_entry(tree: Tree, rel: str) -> None:
    """Remove a file or a link (never what it points to) that is in the way."""
    parent, _, name = rel.rpartition("/")
    folder = tree.folder(parent)
    st = folder.lstat(name)
    if st is not None and not stat.S_ISDIR(st.st_mode):
        os.unlink(name, dir_fd=folder.fd)


def _remove_stale(tree: Tree, stale: set[str]) -> list[str]:
    """Delete the files of the last build that this one did not write (regular files only), then
    the folders that left empty, deepest first."""
    removed = []
    folders: set[str] = set()
    for rel in sorted(stale):
        parent, _, name = rel.rpartition("/")
        try:
            if tree.folder(parent).unlink(name):
                removed.append(rel)
        except OSError:  # a part of the way is gone, or is now a link: nothing of ours is there
            continue
        while parent:
            folders.add(parent)
            parent = parent.rpartition("/")[0]
    for rel in sorted(folders, key=lambda f: (-f.count("/"), f)):
        parent, _, name = rel.rpartition("/")
        with contextlib.suppress(OSError):
            tree.folder(parent).rmdir(name)
    return removed


def _remove_foreign(tree: Tree, keep: set[str]) -> list[str]:
    """--clean-destination-dir: delete every file and link that the build did not produce (not .git)."""
    removed = []
    folders = []
    keep_folders = {rel.rpartition("/")[0] for rel in keep}
    for rel in list(keep_folders):
        while rel:
            rel = rel.rpartition("/")[0]
            keep_folders.add(rel)
    stack = [""]
    while stack:
        rel_root = stack.pop()
        try:
            with os.scandir(tree.folder(rel_root).fd) as entries:
                listing = [(entry.name, entry.is_dir(follow_symlinks=False)) for entry in entries]
        except OSError:
            continue
        for name, is_dir in listing:
            rel = _join(rel_root, name)
            if not rel_root and name in KEEP:
                continue
            if is_dir:
                stack.append(rel)
                folders.append(rel)
            elif rel not in keep:
                with contextlib.suppress(OSError):
                    os.unlink(name, dir_fd=tree.folder(rel_root).fd)
                    removed.append(rel)
    for rel in sorted(folders, key=lambda f: (-f.count("/"), f)):
        if rel not in keep_folders:
            parent, _, name = rel.rpartition("/")
            with contextlib.suppress(OSError):
                tree.folder(parent).rmdir(name)
    return removed


# --- briefgen clean -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Cleaned:
    removed: int
    """Files removed."""
    kept: tuple[str, ...]
    """Entries left because briefgen did not make them (output-relative)."""
    folder_removed: bool


def clean_output(output: Path) -> Cleaned | None:
    """Remove what the manifest says briefgen made in ``output``, never through a link; None when
    the folder is missing. A folder without an intact manifest is left as it is (``kept``)."""
    try:
        root = Folder.open(output.resolve())
    except FileNotFoundError:
        return None
    except OSError as exc:
        if is_link_error(exc):
            raise WriteError(f"{output} is not a folder (or is a link); briefgen cleans only a folder it built") from None
        raise WriteError(f"cannot clean {output}: {exc.strerror or exc}") from None
    with root, Tree(root) as tree:
        fcntl.flock(root.fd, fcntl.LOCK_EX)
        listed = read_manifest(root)
        if listed is None:
            return Cleaned(0, tuple(name for name in root.names() if name != MANIFEST), False)
        removed = _remove_stale(tree, listed)
        root.unlink(MANIFEST)
        kept = tuple(root.names())
    folder_removed = not kept and _rmdir(output.resolve())
    return Cleaned(len(removed), kept, folder_removed)


def _rmdir(path: Path) -> bool:
    try:
        path.rmdir()
        return True
    except OSError:
        return False
