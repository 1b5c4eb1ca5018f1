"""File operations that never follow a link: the only way briefgen writes and deletes.

A project may come from anyone (a clone, a shared folder), and the folders briefgen writes into
(the output folder, ``.briefgen-cache/``) may hold links that someone else put there. So below a
folder briefgen has opened, every name is looked up relative to that folder's descriptor with
``O_NOFOLLOW`` (the ``openat`` family): a link is met as a link and refused, never followed, and
nothing can swap a folder for a link between a check and a write. New files are created
exclusively (``O_CREAT | O_EXCL | O_NOFOLLOW``) under unpredictable names, and renamed into place.

Errors: ``OSError`` as the system gives it; ``ELOOP`` (or ``ENOTDIR``) when a name is a link.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections import OrderedDict
from typing import BinaryIO, Callable

TEMP_SUFFIX = ".briefgen-tmp"
"""Ends the name of every temporary file briefgen makes (never a page's or an asset's name)."""

_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


def is_link_error(exc: OSError) -> bool:
    """Whether ``exc`` is what opening a link with O_NOFOLLOW gives (ELOOP; ENOTDIR for a folder)."""
    return exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK)


def stamp_of(st: os.stat_result) -> list[int]:
    """A file's stat stamp, as stamps.py records it and ``cache.Pages`` checks it: (mtime, ctime,
    size, inode) in nanoseconds; ctime cannot be set by programs, so a restored mtime still shows."""
    return [st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino]


class Folder:
    """An open folder: names inside it are looked up without following links.

    Use as a context manager, or ``close()`` it. ``path`` is for messages only.
    """

    __slots__ = ("fd", "path")

    def __init__(self, fd: int, path: str) -> None:
        self.fd, self.path = fd, path

    @classmethod
    def open(cls, path: str | os.PathLike, create: bool = False) -> "Folder":
        """Open ``path`` (its last component must not be a link; the ones above it may be).
        ``create``: make it (not its parents) if missing."""
        path = os.fspath(path)
        if create:
            try:
                os.mkdir(path)
            except FileExistsError:
                pass
        return cls(os.open(path, _DIR), path)

    def __enter__(self) -> "Folder":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def child(self, name: str) -> "Folder":
        """The folder ``name`` inside this one (a link there is an error, never followed)."""
        return Folder(os.open(name, _DIR, dir_fd=self.fd), f"{self.path}/{name}")

    def lstat(self, name: str) -> os.stat_result | None:
        """The entry itself (a link is a link), or None when there is none."""
        try:
            return os.stat(name, dir_fd=self.fd, follow_symlinks=False)
        except FileNotFoundError:
            return None

    def open_regular(self, name: str, limit: int | None = None) -> BinaryIO | None:
        """A regular file for reading, or None when ``name`` is missing, a link, a pipe, a device,
        a folder or larger than ``limit`` bytes. Checked on the open descriptor, before any read."""
        try:
            fd = os.open(name, _READ, dir_fd=self.fd)
        except OSError:
            return None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or (limit is not None and st.st_size > limit):
                os.close(fd)
                return None
            os.set_blocking(fd, True)
            return os.fdopen(fd, "rb")
        except OSError:
            os.close(fd)
            return None

    def read(self, name: str, limit: int | None = None) -> bytes | None:
        handle = self.open_regular(name, limit)
        if handle is None:
            return None
        with handle:
            return handle.read()

    def write_temp(self, name: str, write: Callable[[BinaryIO], object], mode: int = 0o644,
                   temp: str | None = None) -> str:
        """Create a new temporary file beside ``name`` with ``write(handle)`` as its content; return
        its name (``temp``, or a new temp_name). Created exclusively, so never over anything that
        is there; removed again if writing fails."""
        temp = temp or temp_name(name)
        fd = os.open(temp, _NEW, mode, dir_fd=self.fd)
        try:
            with os.fdopen(fd, "wb") as handle:
                write(handle)
        except BaseException:
            self.unlink(temp)
            raise
        return temp

    def create(self, name: str, data: bytes, mode: int = 0o666) -> None:
        """Create the new file ``name`` holding ``data`` (``mode`` less the umask): exclusively, so
        ``FileExistsError`` when anything is there, a link (dangling or not) included; never through
        a link. Removed again if writing fails."""
        fd = os.open(name, _NEW, mode, dir_fd=self.fd)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
        except BaseException:
            self.unlink(name)
            raise

    def replace(self, temp: str, name: str) -> None:
        """Rename ``temp`` onto ``name`` atomically (a link at ``name`` is replaced, not followed)."""
        os.replace(temp, name, src_dir_fd=self.fd, dst_dir_fd=self.fd)

    def write_atomic(self, name: str, data: bytes, mode: int = 0o644) -> None:
        self.commit(self.write_temp(name, lambda handle: handle.write(data), mode), name)

    def commit(self, temp: str, name: str) -> None:
        """``replace``, and if that fails (a folder named ``name``, a read-only folder) the
        temporary file is removed before the error goes on: none is ever left behind."""
        try:
            self.replace(temp, name)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp, dir_fd=self.fd)
            raise

    def unlink(self, name: str) -> bool:
        """Remove ``name`` if it is a regular file (never a link's target, never a folder)."""
        st = self.lstat(name)
        if st is None or not stat.S_ISREG(st.st_mode):
            return False
        try:
            os.unlink(name, dir_fd=self.fd)
            return True
        except FileNotFoundError:
            return False

    def rmdir(self, name: str) -> bool:
        """Remove the folder ``name`` if it is empty; False otherwise."""
        try:
            os.rmdir(name, dir_fd=self.fd)
            return True
        except OSError:
            return False

    def names(self) -> list[str]:
        return sorted(os.listdir(self.fd))


def temp_name(name: str) -> str:
    """``.NAME.<12 random hex digits>.briefgen-tmp``: hidden, unpredictable, never a page's name."""
    return f".{name[:200]}.{secrets.token_hex(6)}{TEMP_SUFFIX}"


class Tree:
    """The folders below one open root, opened on demand without following links and kept open
    a few at a time (a site has tens of thousands of folders; a process, about a thousand
    descriptors). Paths are relative, with forward slashes."""

    def __init__(self, root: Folder, keep: int = 64) -> None:
        self.root, self.keep = root, keep
        self._open: OrderedDict[str, Folder] = OrderedDict()
        self.made: list[str] = []
        """The folders ``folder(..., create=True)`` made, parents first (so a failure can take them back)."""

    def folder(self, rel: str, create: bool = False) -> Folder:
        """The folder at ``rel`` ('' is the root), made with its missing parents if ``create``.
        OSError (ELOOP/ENOTDIR) when a part is a link or a file."""
        if not rel:
            return self.root
        found = self._open.get(rel)
        if found is not None:
            self._open.move_to_end(rel)
            return found
        parent, _, name = rel.rpartition("/")
        above = self.folder(parent, create)
        if create:
            try:
                os.mkdir(name, dir_fd=above.fd)
                self.made.append(rel)
            except FileExistsError:
                pass
        opened = above.child(name)
        self._open[rel] = opened
        if len(self._open) > self.keep:
            self._open.popitem(last=False)[1].close()
        return opened

    def close(self) -> None:
        for opened in self._open.values():
            opened.close()
        self._open.clear()

    def __enter__(self) -> "Tree":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
