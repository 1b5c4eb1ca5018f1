"""What incremental builds reuse: in memory for the dev server, on disk between CLI builds.

The on-disk cache is an optimisation that must never change the output: it is bound to the
briefgen code that wrote it (a hash of the package's own source), to the Python version and to
the output folder, and anything unexpected in it (a killed build, another version, a truncated or
corrupt file) makes it ignored, never trusted. It is a pickle, and unpickling runs code, so it
carries an HMAC made with a key that lives in the user's own cache folder, outside every
project: a cache file that came with a cloned or shared project is never unpickled. Rendered pages are not stored twice: the cache
keeps each page's fingerprint and the hash of the bytes written, and a page is taken back from
the output folder only when those bytes are still exactly what this cache says it wrote.

Files: build.pickle holds the page records, parsed-NN.pickle the parsed documents in SHARDS
shards, each signed on its own; a build rewrites only the shards whose entries changed.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import hmac
import os
import pickle
import re
import stat
import sys
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from .errors import BriefgenError
from .parse import Document
from .paths import output_file
from .safe_io import Folder, is_link_error

FOLDER = ".briefgen-cache"
FILE = "build.pickle"
FORMAT = 6


@dataclass
class Cache:
    parsed: dict[str, tuple[tuple, Document, list[int] | None]] = field(default_factory=dict)
    """file -> ((content hash, allow_html), document, stat stamp if it proves the file unchanged)."""
    rendered: dict[str, tuple[bytes, bytes]] = field(default_factory=dict)
    """site path -> (fingerprint, html), from this process's builds."""
    written: dict[str, tuple[bytes, bytes]] = field(default_factory=dict)
    """site path -> (fingerprint, hash of the html) of pages in ``output``, from an earlier run."""
    output: Path | None = None
    """The folder ``written`` describes."""
    search: dict[int, tuple[bytes, dict[str, bytes]]] = field(default_factory=dict)
    """search shard -> (fingerprint of its records, its index files)."""
    plan: dict | None = field(default_factory=dict)
    """The last plan and what each entity page read (pages.plan's memo), for the next build of the
    same process; None where there is no next build to serve (the CLI), as recording costs time."""
    resolved: object = None
    """The last resolve's results by their inputs (resolve.Memo), where ``plan`` is kept."""
    prints: dict[str, tuple] = field(default_factory=dict)
    """site path -> (page, template digest, salt, fingerprint): a page the planner kept is not hashed again."""
    digests: dict[int, tuple[object, bytes]] = field(default_factory=dict)
    """id(entity) -> (entity, digest) of the entities fingerprinted so far (pruned as they go)."""
    pdfs: dict[str, tuple[bytes, bytes]] = field(default_factory=dict)
    """PDF site path -> (hash of the HTML it was laid out from, the PDF), from this process's builds."""
    renderer: object = None
    """The last build's render.Renderer, reused while the settings and assets are the same."""
    on_disk: dict[str, list[int]] = field(default_factory=dict)
    """Output files this build took back from the output folder, known to be there as they are,
    with their stat stamps as read (what the stamps record of this build keeps for them)."""
    loaded: dict[str, tuple] = field(default_factory=dict)
    """``parsed`` as loaded from disk: what save compares with, entry by entry, to find the shards to write."""
    shards: set[int] = field(default_factory=set)
    """The shards of ``parsed`` that loaded intact; the others are written whole on save."""
    stamped: dict[str, list[int]] = field(default_factory=dict)
    """Output file -> its stat stamp when the last successful build ended (stamps.last): a page
    with the same stamp holds the bytes that build wrote, and is not hashed to prove it."""
    dirty: bool = False
    """Something was parsed, rendered or indexed anew: the on-disk copy is out of date."""
    remember: bool = True
    """Fingerprint pages so the next build can skip unchanged ones; a --no-cache build does not."""

    def _record(self, path: str, fingerprint: bytes) -> tuple[tuple[bytes, bytes] | None, tuple[bytes, bytes] | None]:
        """(this process's render, the output's record) of the page, each only if its fingerprint is this."""
        hit, stored = self.rendered.get(path), self.written.get(path) if self.output is not None else None
        return (hit if hit is not None and hit[0] == fingerprint else None,
                stored if stored is not None and stored[0] == fingerprint else None)

    def made(self, path: str, fingerprint: bytes) -> bool:
        """Whether an earlier build made this page with this fingerprint (``reuse`` then fetches it)."""
        return self._record(path, fingerprint) != (None, None)

    def reuse(self, path: str, fingerprint: bytes, file: str) -> bytes | None:
        """The page's html if an earlier build rendered it with the same fingerprint."""
        hit, stored = self._record(path, fingerprint)
        if hit is not None:
            return hit[1]
        if stored is None or self.output is None:  # (no record without an output folder)
            return None
        try:  # never through a link, never a pipe: only a regular file can be the page we wrote
            fd = os.open(self.output / file, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
            with os.fdopen(fd, "rb") as handle:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    return None
                html = handle.read()
                st = os.fstat(handle.fileno())  # after reading: a change while we read shows here
        except OSError:
            return None
        found = stamp_of(st)
        if self.stamped.get(file) != found and digest(html) != stored[1]:
            return None
        self.on_disk[file] = found
        return html


def stamp_of(st: os.stat_result) -> list[int]:
    """A file's stat stamp, as stamps.py records it and ``reuse`` checks it: (mtime, ctime, size,
    inode) in nanoseconds; ctime cannot be set by programs, so a restored mtime still shows."""
    return [st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino]


def digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


@lru_cache(maxsize=1)
def code_digest() -> str:
    """A hash of briefgen's own code and theme: a cache from any other code is not used."""
    h = hashlib.blake2b(digest_size=16)
    package = Path(__file__).parent
    for path in sorted(package.glob("*.py")):
        h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()


MAGIC = b"briefgen-cache\n"


@lru_cache(maxsize=1)
def _libraries() -> str:
    """Versions of the libraries that shape the output: an upgrade may change the HTML."""
    from importlib import metadata

    found = []
    for name in ("jinja2", "markdown-it-py", "mdit-py-plugins", "pyyaml", "pydantic", "pagefind", "cbor2", "weasyprint"):
        try:
            found.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name}=?")
    return ",".join(found)


def header(output: Path, settings: tuple = ()) -> bytes:
    """What a file in the cache folder is bound to: the code, the libraries, Python, the output folder."""
    return repr((FORMAT, code_digest(), _libraries(), sys.version_info[:2], str(output.resolve()), settings)).encode()


def key() -> bytes | None:
    """This user's secret for signing caches, made on first use; None if it cannot be kept."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "briefgen"
    path = base / "cache-key"
    try:
        if not path.is_file():
            base.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(os.urandom(32))
        found = path.read_bytes()
        return found if len(found) == 32 else None
    except OSError:
        return None


LIMIT = 16 << 30
"""Bytes: no file of the cache folder is read if it is larger (at 100,000 articles the parsed
documents take a few GB); a file briefgen did not write, like a link to /dev/zero, is never read."""
NAMES = re.compile(r"^(build\.pickle|parsed-\d\d\.pickle|stamps\.json|\.gitignore|\..*\.briefgen-tmp)$")
"""The names of the files briefgen makes in the cache folder: the only ones ``clear`` removes."""


class CacheFolderError(BriefgenError):
    pass


def folder(project: Path, create: bool = False) -> Folder | None:
    """The project's cache folder, opened without following links; None when it does not exist.

    ``CacheFolderError`` when it is a link or not a folder: the cache is a plain folder inside the
    project, or nothing.
    """
    path = project / FOLDER
    try:
        return Folder.open(path, create=create)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if os.path.islink(path):
            raise CacheFolderError(f"the cache folder {path} is a link (to {os.path.realpath(path)}); briefgen keeps its "
                                   "cache only in a plain folder of the project: remove the link (or build with "
                                   "--no-cache)") from None
        if is_link_error(exc) or exc.errno == errno.EEXIST:
            raise CacheFolderError(f"{path} is not a folder; briefgen keeps its cache there: remove it (or build "
                                   "with --no-cache)") from None
        raise CacheFolderError(f"cannot use the cache folder {path}: {exc.strerror or exc} (or build with "
                               "--no-cache)") from None


def check_folder(project: Path) -> None:
    """``CacheFolderError`` now, before a build starts, if the cache folder is a link or not a folder."""
    where = folder(project)
    if where is not None:
        where.close()


def open_signed(where: Folder, name: str, secret: bytes, head: bytes) -> BinaryIO | None:
    """The file ``name``, positioned at its body, if it is a regular file of at most LIMIT bytes
    signed with this user's key for exactly this header; None otherwise (never trusted). The
    signature is checked as the file streams through, before anything is parsed."""
    handle = where.open_regular(name, LIMIT)
    if handle is None:
        return None
    try:
        prefix = MAGIC + head + b"\n"
        if handle.read(len(prefix)) != prefix:
            handle.close()
            return None
        mac = handle.read(32)
        start = handle.tell()
        check = hmac.new(secret, head + b"\0", hashlib.sha256)
        while chunk := handle.read(1 << 20):
            check.update(chunk)
        if not hmac.compare_digest(mac, check.digest()):
            handle.close()
            return None  # not written by this user's briefgen: never trust it
        handle.seek(start)
        return handle
    except OSError:
        handle.close()
        return None


def write_signed(project: Path, name: str, secret: bytes, head: bytes, body: bytes) -> None:
    write_signed_stream(project, name, secret, head, lambda out: out.write(body))


class _Signing:
    """A file writer that signs what goes through it, so a body is never held whole in memory."""

    def __init__(self, handle, mac) -> None:
        self.handle, self.mac = handle, mac

    def write(self, data) -> int:
        self.mac.update(data)
        return self.handle.write(data)


def write_signed_stream(project: Path, name: str, secret: bytes, head: bytes, dump) -> None:
    """Write atomically into the cache folder what ``dump(writer)`` writes, signed; a failure
    (a full disk) only costs the next build its head start, and leaves no temporary file. The
    body streams to disk: at 100,000 articles the cache pickle is gigabytes, which a build near
    the end of its memory cannot also hold as one bytes object."""

    def write(handle) -> None:
        handle.write(MAGIC + head + b"\n")
        at = handle.tell()
        handle.write(bytes(32))  # the signature, once the body is written
        mac = hmac.new(secret, head + b"\0", hashlib.sha256)
        dump(_Signing(handle, mac))
        handle.seek(at)
        handle.write(mac.digest())

    try:
        with folder(project, create=True) as where:  # type: ignore[union-attr]
            if where.read(".gitignore", 64) != b"*\n":
                where.write_atomic(".gitignore", b"*\n")
            where.commit(where.write_temp(name, write), name)
    except (OSError, CacheFolderError):
        pass


def load(project: Path, output: Path) -> Cache:
    """The cache of the last build into ``output``; what is missing or untrustworthy is left out."""
    secret = key()
    cache = Cache(plan=None)
    if secret is None:
        return cache
    head = header(output)
    where = folder(project)
    if where is None:
        return cache
    with where:
        pages = _read(where, FILE, secret, head)
        if isinstance(pages, tuple) and len(pages) == 2 and isinstance(pages[0], dict) and isinstance(pages[1], dict):
            cache.written, cache.search, cache.output = pages[0], pages[1], output
        for shard in range(SHARDS):
            entries = _read(where, _shard_file(shard), secret, head)
            if isinstance(entries, dict) and all(isinstance(f, str) and _shard(f) == shard for f in entries):
                cache.parsed.update(entries)
                cache.shards.add(shard)
    cache.loaded = dict(cache.parsed)
    return cache


def _read(where: Folder, name: str, secret: bytes, head: bytes) -> object:
    try:
        handle = open_signed(where, name, secret, head)
        if handle is None:
            return None
        with handle:
            return pickle.load(handle)
    except Exception:  # truncated, corrupt, from another version: start clean
        return None


def save(project: Path, output: Path, cache: Cache) -> None:
    """Write what changed: the page records, and the shards of parsed files that changed."""
    secret = key()
    if secret is None:
        return
    head = header(output)
    if cache.dirty:
        written = {}
        for path, (fingerprint, html) in cache.rendered.items():
            known = cache.written.get(path)
            # a page taken back from the output was just hashed and found to be the one recorded
            same = known is not None and known[0] == fingerprint and output_file(path) in cache.on_disk
            written[path] = known if same else (fingerprint, digest(html))
        state = (written, cache.search)
        write_signed_stream(project, FILE, secret, head,
                            lambda out: pickle.dump(state, out, protocol=pickle.HIGHEST_PROTOCOL))
    changed = set(range(SHARDS)) - cache.shards
    changed.update(_shard(f) for f in cache.parsed.keys() | cache.loaded.keys()
                   if cache.parsed.get(f) is not cache.loaded.get(f))
    shards: dict[int, dict] = {shard: {} for shard in changed}
    for file, entry in cache.parsed.items():
        if (shard := _shard(file)) in shards:
            shards[shard][file] = entry
    for shard, entries in sorted(shards.items()):
        write_signed_stream(project, _shard_file(shard), secret, head,
                            lambda out, entries=entries: pickle.dump(entries, out, protocol=pickle.HIGHEST_PROTOCOL))


SHARDS = 32
"""Parsed documents are kept in this many files, by a hash of their path: an edit rewrites one or
two of them, not the whole cache (at 10,000 articles, 130 MB and a second per build). Each entry
proves itself (by content hash or stat stamp), so shards written by different builds mix safely."""


def _shard(file: str) -> int:
    return zlib.crc32(file.encode()) % SHARDS


def _shard_file(shard: int) -> str:
    return f"parsed-{shard:02d}.pickle"


def clear(project: Path) -> tuple[int, list[str]]:
    """Remove the files briefgen made in the cache folder, then the folder if that left it empty:
    (files removed, names kept because briefgen does not make them). Never through a link."""
    where = folder(project)
    if where is None:
        return 0, []
    removed = 0
    with where:
        for name in where.names():
            if NAMES.match(name):
                try:
                    removed += where.unlink(name)
                except OSError as exc:
                    raise CacheFolderError(f"cannot remove {project / FOLDER / name}: {exc.strerror or exc}; "
                                           f"{removed} files of the cache were removed before it") from None
        kept = where.names()
    if not kept:
        with contextlib.suppress(OSError):
            (project / FOLDER).rmdir()
    return removed, kept
