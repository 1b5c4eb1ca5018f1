"""What incremental builds reuse: in memory for the dev server, on disk between CLI builds.

The on-disk cache is an optimisation that must never change the output: it is bound to the
briefgen code that wrote it (a hash of the package's own source), to the Python version and to
the output folder, and anything unexpected in it (a killed build, another version, a truncated or
corrupt file) makes it ignored, never trusted. It is a pickle, and unpickling runs code, so it
carries an HMAC made with a key that lives in the user's own cache folder, outside every
project: a cache file that came with a cloned or shared project is never unpickled. Rendered
pages and search index files are not stored twice: the cache keeps each page's fingerprint (a
search shard's: its records') and the hash of the bytes written, and a page or shard is taken
back from the output folder only when those bytes are still exactly what this cache says it wrote.

A ``Cache`` keeps each kind of thing apart: parsed documents (``Documents``), rendered and
written pages (``Pages``), the search index (``SearchRecord``) and, in the dev server alone, the
memos of resolve, plan and render (``ServerMemo``); its ``Mode`` says which build it serves.
Every record is a named tuple.

Files: build.pickle holds the page and search shard records, plan.pickle the plan's ledger
(reads.Ledger), parsed-NN.pickle the parsed documents in SHARDS
shards, each signed on its own; a build rewrites only the shards whose entries changed.
resolve.pickle holds the last resolve's inputs and problems (``Resolution``), briefing.pickle
the Briefing of the last whole resolve, which a resolve by difference leaves in place.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import enum
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
from typing import TYPE_CHECKING, BinaryIO, Callable, Mapping, NamedTuple

from . import model
from .errors import BriefgenError, Diagnostic
from .load import CACHE_FOLDER, SourceFile, linked, walk_holds
from .parse import Document
from .paths import output_file
from .reads import Ledger, digest
from .resolve import Memo
from .safe_io import Folder, is_link_error, stamp_of
from .schema import SiteConfig
from .search import Messages

if TYPE_CHECKING:
    from .pages import Page
    from .text import ArticleText
    from .render import Renderer

FOLDER = CACHE_FOLDER
FILE = "build.pickle"
PLAN_FILE = "plan.pickle"
RESOLVE_FILE = "resolve.pickle"
INDEX_FILE = "parsed-index.pickle"
BRIEFING_FILE = "briefing.pickle"
FORMAT = 10
"""The shape of what the files hold (bumped when a record changes): a cache of another shape is ignored."""


class Mode(enum.Enum):
    """What a build keeps for the next one: chosen once, where the Cache is made."""

    ONE_OFF = "one-off"
    """Nothing: --no-cache, ``check``, ``pdf``, a library call without a cache. Pages are not fingerprinted."""
    DISK = "disk"
    """The CLI: parsed documents, page records and the search index, loaded from the cache folder
    (``load``) and saved back (``save``)."""
    SERVER = "server"
    """The dev server: all of DISK's, in memory, and the ``ServerMemo`` besides."""


class ContentKey(NamedTuple):
    """What a parse is keyed on: the same bytes parse the same way under the same setting."""

    digest: bytes
    """blake2b of the file's bytes."""
    allow_html: bool
    """The setting the file was parsed with: the same bytes parse otherwise under the other."""


class ParseRecord(NamedTuple):
    """A source file's last parse."""

    key: ContentKey
    document: Document
    proof: list[int] | None
    """The file's stat stamp when it was read, if settled enough to prove it unchanged (stamps.settled)."""


class RenderRecord(NamedTuple):
    """A page as this process rendered it, or took it back."""

    fingerprint: bytes
    html: bytes | None
    """None for a page taken back from the output folder unread (``Pages.taken``), or held
    compressed until it is written (``write.SiteFiles.pack``)."""
    digest: bytes | None = None
    """``digest`` of the html, worked out where a page held compressed was rendered."""


class WriteRecord(NamedTuple):
    """A page as an earlier run wrote it into the output folder."""

    fingerprint: bytes
    digest: bytes
    """``digest`` of the html written."""


class SearchRecord(NamedTuple):
    """One shard of the search index (search.sharded) and what it was made from."""

    fingerprint: bytes
    """Of the shard's search records, the language and the number of shards (search.fingerprint)."""
    digests: dict[str, bytes]
    """The index files Pagefind wrote for it, under the shard's folder (none for a shard without
    records) -> ``digest`` of their bytes."""
    files: dict[str, bytes] | None
    """Those files' bytes while this process holds them; None as the CLI's cache keeps the
    record (``save``): the output folder holds them, and a build takes them back from there
    (``Pages.back``) or indexes the shard again. At 10,000 articles they were 47 of the cache's
    51 MB, loaded and written again by every build."""

    @classmethod
    def made(cls, fingerprint: bytes, files: dict[str, bytes]) -> SearchRecord:
        """The record of a shard just indexed (or without records: no files), holding its bytes."""
        return cls(fingerprint, {name: digest(data) for name, data in files.items()}, files)


class PrintRecord(NamedTuple):
    """A page's fingerprint and what it was made of: a page the planner kept is not hashed again."""

    page: Page
    template: str
    """The template digest (Renderer.template_digest)."""
    salt: bytes
    """The settings and asset names the fingerprint was salted with."""
    fingerprint: bytes


class EntityDigest(NamedTuple):
    """An entity's hash, as page fingerprints use it."""

    entity: object
    """Kept beside its digest, so that its id cannot be reused while it is known."""
    digest: bytes


class RenderedSite(NamedTuple):
    """The dev server's last render: what the next one starts from (build._last_render)."""

    pages: list["Page"]
    salt: bytes
    templates: dict[str, str]
    """Each template the pages use -> its digest (``Renderer.template_digest``)."""
    files: dict[str, bytes]
    """The pages' files: output path -> HTML."""


class PdfRecord(NamedTuple):
    """A topic's PDF, by the HTML it was laid out from (pdf.make)."""

    html: bytes
    """The hash of the HTML."""
    pdf: bytes


class Resolution(NamedTuple):
    """A CLI build's resolve, as the next build needs it to resolve by difference
    (``resolve.texts_again``): resolve.pickle. Its Briefing is the one in briefing.pickle, the
    last whole resolve's, with ``bodies`` in place of those of the articles edited since."""

    generation: bytes
    """This Briefing's name (random): the ledger names the Briefing its digests are of (``Ledger.briefing``)."""
    base: bytes
    """The generation of the Briefing in briefing.pickle that this one is, but for ``bodies``."""
    config: SiteConfig
    today: dt.date
    inputs: dict[str, ContentKey]
    """Source file -> the content of the document resolved (the settings file aside)."""
    problems: list[Diagnostic]
    """What the resolve found (warnings: it made a Briefing)."""
    bodies: dict[str, ArticleText]
    """Article slug -> its text, where it is not the base's."""


REBASE = 256
"""A resolve by difference writes briefing.pickle again once this many articles' texts differ
from it (each edit's texts are otherwise carried in resolve.pickle, which every build reads)."""


class Proof(NamedTuple):
    """What the index of parsed files (parsed-index.pickle) knows of one without its shard: the
    content it was last parsed from, and the stat stamp that proves the file still holds it."""

    key: ContentKey
    proof: list[int] | None


@dataclass
class Documents:
    """Parsed source files: what the read and parse stages reuse (on disk in SHARDS shards).

    The CLI reads a shard only when a file of it is needed (``record``): a file whose stat stamp
    is the one the index (``index``) recorded is known unchanged without its shard, and stands in
    the read as ``Unread`` until something needs its Document. At 10,000 articles the 32 shards
    took 0.65 s to read, and a rebuild after an edit to a text needs two of them."""

    entries: dict[str, ParseRecord] = field(default_factory=dict)
    """Source file -> its last parse (of the shards read)."""
    loaded: dict[str, ParseRecord] = field(default_factory=dict)
    """``entries`` as loaded from disk: what save compares with, entry by entry, to find the shards to write."""
    shards: set[int] = field(default_factory=set)
    """The shards that loaded intact; the others (but those not read: ``unread``) are written whole on save."""
    saved: bool = False
    """Written (``save_documents``) and let go: this build reads no more sources."""
    index: dict[str, Proof] = field(default_factory=dict)
    """Source file -> its Proof, for the files of the shards not read (the CLI's, from parsed-index.pickle)."""
    unread: set[int] = field(default_factory=set)
    """The shards on disk not read yet."""
    reader: Callable[[int], dict[str, ParseRecord] | None] | None = None
    """Reads a shard from disk (None: it is missing or not to be trusted)."""
    indexed: bool = False
    """The index on disk is the one loaded: unless a shard changes, it is not written again."""
    _indexed: dict[int, list[str]] | None = field(default=None, repr=False)

    def pending(self, file: str) -> bool:
        """Whether ``file``'s shard is yet to be read."""
        return bool(self.unread) and _shard(file) in self.unread

    def record(self, file: str) -> ParseRecord | None:
        """``file``'s last parse, its shard read first if need be."""
        if self.pending(file):
            self.read(_shard(file))
        return self.entries.get(file)

    def read(self, shard: int) -> None:
        """Read the shard: its records join ``entries`` and leave the index."""
        self.unread.discard(shard)
        found = self.reader(shard) if self.reader is not None else None
        if self._indexed is None:  # (the index's files by shard, worked out once)
            self._indexed = {}
            for file in self.index:
                self._indexed.setdefault(_shard(file), []).append(file)
        for file in self._indexed.pop(shard, ()):
            self.index.pop(file, None)
        if found is not None:
            self.entries.update(found)
            self.loaded.update(found)
            self.shards.add(shard)

    def read_all(self) -> None:
        for shard in sorted(self.unread):
            self.read(shard)


class Unread(NamedTuple):
    """A source file the index proves unchanged since its last parse (``Documents.index``): its
    Document is in a shard not read (``build.documents_of`` reads it when it is needed)."""

    source: SourceFile
    key: ContentKey

    @property
    def kind(self) -> str:
        return self.source.kind

    @property
    def file(self) -> str:
        return self.source.file

    @property
    def ident(self) -> str:
        return self.source.ident


@dataclass
class Pages:
    """Rendered pages, and what proves a page needs no rendering again."""

    rendered: dict[str, RenderRecord] = field(default_factory=dict)
    """Site path -> the page as this process's builds rendered it."""
    written: dict[str, WriteRecord] = field(default_factory=dict)
    """Site path -> the page in ``output``, from an earlier run."""
    output: Path | None = None
    """The folder ``written`` describes."""
    stamped: dict[str, list[int]] = field(default_factory=dict)
    """Output file -> its stat stamp when the last successful build ended (stamps.last): a page
    with the same stamp holds the bytes that build wrote, and is not hashed to prove it."""
    generation: bytes = b""
    """A random token written with ``written`` (build.pickle): the stamps of the output are kept
    with the token of the records that describe it, and ``stamped`` holds them only when the
    tokens agree (records of an earlier build than the stamps', say after their write failed,
    would otherwise take a page the stamps prove for the page those records fingerprint)."""
    on_disk: dict[str, list[int]] = field(default_factory=dict)
    """Output files this build took back from the output folder, known to be there as they are,
    with their stat stamps as read (what the stamps record of this build keeps for them)."""
    folders: dict[str, bool] = field(default_factory=dict)
    """Output-relative folder -> whether it is a plain folder, as this build found it: a file is
    taken back only from plain folders (``_plain``)."""

    def begin(self) -> None:
        """Forget what the last build found in the output folder (``on_disk``, ``folders``)."""
        self.on_disk, self.folders = {}, {}

    def _record(self, path: str, fingerprint: bytes) -> tuple[RenderRecord | None, WriteRecord | None]:
        """(this process's render, the output's record) of the page, each only if its fingerprint is this."""
        hit, stored = self.rendered.get(path), self.written.get(path) if self.output is not None else None
        return (hit if hit is not None and hit.fingerprint == fingerprint else None,
                stored if stored is not None and stored.fingerprint == fingerprint else None)

    def made(self, path: str, fingerprint: bytes) -> bool:
        """Whether an earlier build made this page with this fingerprint (``reuse`` then fetches it)."""
        return self._record(path, fingerprint) != (None, None)

    def taken(self, path: str, fingerprint: bytes, file: str) -> bool:
        """Whether the output folder holds the page an earlier run wrote with this fingerprint,
        proven by its stat stamp alone: the file is not read (``reuse`` reads and hashes what a
        stamp does not prove). The file is then ``on_disk``."""
        _, stored = self._record(path, fingerprint)
        return stored is not None and self.proven(file)

    def proven(self, file: str) -> bool:
        """Whether the output file is as the last successful build left it, by its stat stamp
        alone (not read); it is then ``on_disk``. Only for a file whose bytes that build's
        records (this cache's, of the same generation) say: a page by its fingerprint, an
        index file of a search shard kept as it was."""
        recorded = self.stamped.get(file)
        if recorded is None or self.output is None or not self._plain(file):
            return False
        try:
            st = os.lstat(f"{self.output}{os.sep}{file}")
        except OSError:
            return False
        found = stamp_of(st)
        if not stat.S_ISREG(st.st_mode) or found != recorded:
            return False
        self.on_disk[file] = found
        return True

    def back(self, digests: Mapping[str, bytes]) -> bool:
        """Whether the output folder holds every one of these files (output-relative path ->
        ``digest`` of its bytes) as the last build wrote it: proven by its stat stamp, else read
        and hashed. Only then are they all ``on_disk`` (the write neither reads nor compares
        them); one missing or changed file and none is."""
        if self.output is None:
            return False
        found: dict[str, list[int]] = {}
        for file, expected in digests.items():
            if self.proven(file):
                found[file] = self.on_disk.pop(file)
                continue
            read = self._read(file)
            if read is None or digest(read[0]) != expected:
                return False
            found[file] = read[1]
        self.on_disk.update(found)
        return True

    def _read(self, file: str) -> tuple[bytes, list[int]] | None:
        """The output file's bytes and its stat stamp taken after reading them (a change while
        they were read shows there); None for anything but a regular file, never through a link."""
        assert self.output is not None
        if not self._plain(file):
            return None
        try:
            fd = os.open(self.output / file, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
            with os.fdopen(fd, "rb") as handle:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    return None
                data = handle.read()
                return data, stamp_of(os.fstat(fd))
        except OSError:
            return None

    def _plain(self, file: str) -> bool:
        """Whether every folder on the way to the output file is a plain folder, not a link: a
        stamp taken through a link to a folder elsewhere (``lstat`` follows all but the last
        name) would take back, and leave in the site, a folder briefgen never made. Each folder
        is looked at once a build (``folders``)."""
        assert self.output is not None
        folder = file.rpartition("/")[0]
        known = self.folders.get(folder)
        if known is None:
            known = not folder
            if folder and self._plain(folder):  # (its own folder first, up to the output's)
                try:
                    known = stat.S_ISDIR(os.lstat(f"{self.output}{os.sep}{folder}").st_mode)
                except OSError:
                    known = False
            self.folders[folder] = known
        return known

    def reuse(self, path: str, fingerprint: bytes, file: str) -> bytes | None:
        """The page's html if an earlier build rendered it with the same fingerprint."""
        hit, stored = self._record(path, fingerprint)
        if hit is not None and hit.html is not None:
            return hit.html
        if stored is None or self.output is None:  # (no record without an output folder)
            return None
        read = self._read(file)  # never through a link, never a pipe: only a regular file can be the page we wrote
        if read is None:
            return None
        html, found = read
        if self.stamped.get(file) != found and digest(html) != stored.digest:
            return None
        self.on_disk[file] = found
        return html


@dataclass
class ServerMemo:
    """What only the dev server keeps: its next build runs in the same process, over the same objects."""

    plan: dict = field(default_factory=dict)
    """The last plan and what each page read (pages.plan's memo)."""
    resolved: Memo = field(default_factory=Memo)
    """The last resolve's results by their inputs."""
    renderer: Renderer | None = None
    """The last build's Renderer, reused while the settings and assets are the same."""
    prints: dict[str, PrintRecord] = field(default_factory=dict)
    """Site path -> the last build's fingerprint of the page: a page the planner kept (the same
    Page object) is not hashed again."""
    digests: dict[int, EntityDigest] = field(default_factory=dict)
    """id(entity) -> its digest, for the entities fingerprinted so far (pruned as they go)."""
    pdfs: dict[str, PdfRecord] = field(default_factory=dict)
    """PDF site path -> the PDF, by the HTML it was laid out from."""
    search_records: Messages = field(default_factory=Messages)
    """The last search index's records and their messages to Pagefind (touched by its indexer only)."""
    rendered: RenderedSite | None = None
    """The last render's pages and files, when it succeeded (build._last_render)."""
    sources: Sources | None = None
    """The last read's walk of the project, which the next read reuses while it holds
    (``load.walk_holds``) for the files the watcher saw edited (``edited``). None while a read
    runs: one that fails leaves the next to walk."""
    edited: set[str] | None = None
    """Project-relative paths the watcher saw edited since the last read, which the next read
    takes; None when not told (a build the watcher did not ask for): the project is walked."""

    def note_edits(self, paths: set[str] | None) -> None:
        """The watcher's batch, before a build (None: a build not asked for by edits)."""
        self.edited = None if paths is None else (self.edited or set()) | paths


class Sources(NamedTuple):
    """A walk of the project (``load.discover``), what it was for, and the read that followed."""

    project: Path
    output: Path | None
    files: list
    """load.SourceFile, in the walk's order."""
    problems: list
    """The walk's diagnostics (ignored files, bad names): given again when the walk is reused."""
    places: dict[str, int]
    """file -> its place among ``files``."""
    linked: list[int]
    """The places of the files read through a link or of several names (``load.linked``):
    looked at on every read, as an edit to them may come under another name."""
    documents: list = []
    """The read's Document of each file, in the same order."""
    allow_html: bool = False
    """The setting the documents were parsed under."""

    @classmethod
    def walked(cls, project: Path, output: Path | None, files: list, problems: list) -> Sources:
        return cls(project, output, files, problems, {source.file: index for index, source in enumerate(files)},
                   linked(files))

    def holds(self, edited: set[str]) -> bool:
        """Whether this walk still holds after only ``edited`` changed (``load.walk_holds``)."""
        return walk_holds(self.project, self.places, self.files, edited)

    def looked(self, edited: set[str]) -> list[int]:
        """The places of the files a read after ``edited`` looks at: those edited, and the linked."""
        return sorted({*(self.places[file] for file in edited if file in self.places), *self.linked})


@dataclass
class Cache:
    """What incremental builds reuse, by what it holds; made by ``one_off``, ``load`` (the CLI) or ``server``."""

    mode: Mode
    documents: Documents = field(default_factory=Documents)
    pages: Pages = field(default_factory=Pages)
    search: dict[int, SearchRecord] = field(default_factory=dict)
    """The last search index by shard, a shard made again only when one of its records changed."""
    memo: ServerMemo | None = None
    """In SERVER mode only: the last build's objects, for a build in the same process."""
    ledger: Ledger | None = None
    """In DISK mode only: what each page of the last build read, by digest (pages.plan)."""
    dirty: bool = False
    """Something was parsed, rendered or indexed anew: the on-disk copy is out of date."""
    resolution: Resolution | None = None
    """In DISK mode only: the last build's resolve when loaded, this build's once resolved."""
    briefing: model.Briefing | None = None
    """In DISK mode only: the Briefing of this build's resolve, when briefing.pickle is to be written anew."""
    carried: tuple[bytes, frozenset[str]] | None = None
    """In DISK mode only, after a resolve by difference: the generation of the Briefing this one
    was made from, and the articles whose texts changed (``Ledger.carry``)."""

    @classmethod
    def one_off(cls) -> Cache:
        return cls(Mode.ONE_OFF)

    @classmethod
    def server(cls) -> Cache:
        return cls(Mode.SERVER, memo=ServerMemo())

    @property
    def remember(self) -> bool:
        """Fingerprint pages so the next build can skip unchanged ones (every mode but ONE_OFF)."""
        return self.mode is not Mode.ONE_OFF


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


def header(output: Path | None, settings: tuple = ()) -> bytes:
    """What a file in the cache folder is bound to: the code, the libraries, Python, and the output
    folder (None for what does not depend on it: parses and the plan's ledger, so alternating
    ``-o`` folders reuse them)."""
    return repr((FORMAT, code_digest(), _libraries(), sys.version_info[:2],
                 str(output.resolve()) if output is not None else None, settings)).encode()


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
NAMES = re.compile(r"^(build\.pickle|plan\.pickle|resolve\.pickle|briefing\.pickle|parsed-(?:\d\d|index)\.pickle|stamps\.(?:json|pickle)|\.gitignore|\..*\.briefgen-tmp)$")
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


def write_signed(project: Path, name: str, secret: bytes, head: bytes, body: bytes) -> bool:
    return write_signed_stream(project, name, secret, head, lambda out: out.write(body))


class _Signing:
    """A file writer that signs what goes through it, so a body is never held whole in memory."""

    def __init__(self, handle, mac) -> None:
        self.handle, self.mac = handle, mac

    def write(self, data) -> int:
        self.mac.update(data)
        return self.handle.write(data)


def write_signed_stream(project: Path, name: str, secret: bytes, head: bytes, dump) -> bool:
    """Write atomically into the cache folder what ``dump(writer)`` writes, signed; a failure
    (a full disk) only costs the next build its head start, and leaves no temporary file. The
    body streams to disk: at 100,000 articles the cache pickle is gigabytes, which a build near
    the end of its memory cannot also hold as one bytes object. True when the file is in place."""

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
        return False
    return True


def load(project: Path, output: Path) -> Cache:
    """The CLI's cache (Mode.DISK) of the last build into ``output``; what is missing or
    untrustworthy (another shape, another build's output folder, unsigned) is left out."""
    secret = key()
    cache = Cache(Mode.DISK, ledger=Ledger())
    if secret is None:
        return cache
    head, anywhere = header(output), header(None)
    where = folder(project)
    if where is None:
        return cache
    documents = cache.documents
    with where:
        state = _read(where, FILE, secret, head)
        if isinstance(state, tuple) and len(state) == 3 and isinstance(state[0], dict) and isinstance(state[2], bytes) \
                and isinstance(state[1], dict) and all(isinstance(r, SearchRecord) for r in state[1].values()):
            cache.pages.written, cache.search, cache.pages.output = state[0], state[1], output
            cache.pages.generation = state[2]
        ledger = _read(where, PLAN_FILE, secret, anywhere)
        if isinstance(ledger, Ledger):
            cache.ledger = ledger
        resolution = _read(where, RESOLVE_FILE, secret, anywhere)
        if isinstance(resolution, Resolution):
            cache.resolution = resolution
        index = _read(where, INDEX_FILE, secret, anywhere)
        names = set(where.names())
    on_disk = {shard for shard in range(SHARDS) if _shard_file(shard) in names}
    documents.reader = lambda shard: _read_shard(project, shard, secret)
    if isinstance(index, dict) and all(isinstance(f, str) and isinstance(p, Proof) for f, p in index.items()):
        documents.index, documents.unread, documents.indexed = index, on_disk, True
    else:  # (no index: every shard read now)
        documents.unread = on_disk
        documents.read_all()
    return cache


def _read_shard(project: Path, shard: int, secret: bytes) -> dict[str, ParseRecord] | None:
    where = folder(project)
    if where is None:
        return None
    with where:
        entries = _read(where, _shard_file(shard), secret, header(None))
    if isinstance(entries, dict) and all(isinstance(f, str) and _shard(f) == shard and isinstance(e, ParseRecord)
                                         for f, e in entries.items()):
        return entries
    return None


def load_briefing(project: Path, resolution: Resolution) -> model.Briefing | None:
    """The Briefing ``resolution`` names: briefing.pickle's, with its texts; None when the file is
    missing, untrustworthy or of another generation (a build that failed to write it)."""
    secret = key()
    where = folder(project)
    if secret is None or where is None:
        return None
    with where:
        found = _read(where, BRIEFING_FILE, secret, header(None))
    if not (isinstance(found, tuple) and len(found) == 2 and found[0] == resolution.base
            and isinstance(found[1], model.Briefing) and resolution.bodies.keys() <= found[1].bodies.keys()):
        return None
    briefing = found[1]
    if resolution.bodies:
        briefing = dataclasses.replace(briefing, bodies={**briefing.bodies, **resolution.bodies})
    return briefing


def save_resolution(project: Path, cache: Cache) -> None:
    """Write this build's resolve (resolve.pickle), and its Briefing (briefing.pickle) after a
    whole resolve: the Briefing first, so a resolve.pickle is never newer than the Briefing it
    names (a failure leaves the last ones, or a Resolution whose base is not on disk: unused)."""
    secret = key()
    resolution, briefing, cache.briefing = cache.resolution, cache.briefing, None
    if secret is None or resolution is None:
        return
    head = header(None)
    if briefing is not None and not write_signed_stream(
            project, BRIEFING_FILE, secret, head,
            lambda out: pickle.dump((resolution.base, briefing), out, protocol=pickle.HIGHEST_PROTOCOL)):
        return
    write_signed_stream(project, RESOLVE_FILE, secret, head,
                        lambda out: pickle.dump(resolution, out, protocol=pickle.HIGHEST_PROTOCOL))


def _read(where: Folder, name: str, secret: bytes, head: bytes) -> object:
    try:
        handle = open_signed(where, name, secret, head)
        if handle is None:
            return None
        with handle:
            return pickle.load(handle)
    except Exception:  # truncated, corrupt, from another version: start clean
        return None


def save(project: Path, output: Path, cache: Cache) -> bytes:
    """Write what changed: the page records and the shards of parsed files that changed (the
    ledger is written earlier: ``save_ledger``). Returns the generation of the page records now
    on disk if they describe this build's output (b"" if they do not: their write failed), which
    the stamps of the output are bound to (``Pages.generation``)."""
    secret = key()
    if secret is None:
        return b""
    head = header(output)
    pages = cache.pages
    if cache.dirty:
        written: dict[str, WriteRecord] = {}
        for path, made in pages.rendered.items():
            known = pages.written.get(path)
            # a page taken back from the output was just hashed and found to be the one recorded
            same = known is not None and known.fingerprint == made.fingerprint and output_file(path) in pages.on_disk
            if known is not None and same:
                written[path] = known
            else:  # (only a page on_disk with its recorded fingerprint is unread: html None, no digest)
                assert made.digest is not None or made.html is not None
                written[path] = WriteRecord(made.fingerprint, made.digest or digest(made.html or b""))
        generation = os.urandom(16)
        # (a shard's files are in the output folder, which these records describe)
        state = (written, {shard: record._replace(files=None) for shard, record in cache.search.items()}, generation)
        if write_signed_stream(project, FILE, secret, head,
                               lambda out: pickle.dump(state, out, protocol=pickle.HIGHEST_PROTOCOL)):
            pages.generation = generation
        else:  # the records on disk, if any, are an earlier build's: no stamp of this one's output goes with them
            pages.generation = b""
    save_documents(project, cache)
    return pages.generation


def save_ledger(project: Path, cache: Cache) -> None:
    """Write the plan's ledger (plan.pickle) once its pages are rendered: the build saves it
    while Pagefind indexes (seconds of waiting at 10,000 articles), before the pages are
    written. A ledger newer than the rest of the cache, if the build fails after this, costs
    work, never a stale page (reads.Ledger)."""
    secret = key()
    if secret is None or cache.ledger is None:
        return
    ledger = cache.ledger
    ledger.compact()
    write_signed_stream(project, PLAN_FILE, secret, header(None),
                        lambda out: pickle.dump(ledger, out, protocol=pickle.HIGHEST_PROTOCOL))


def save_documents(project: Path, cache: Cache) -> None:
    """Write the shards of parsed files that changed, then let the documents go: the build needs
    them no more once the Briefing is resolved (a cold build of 10,000 articles then renders
    without its 22,000 parsed files in memory). A parse is a parse whether or not the build
    succeeds, so they may be saved before it ends."""
    secret = key()
    documents = cache.documents
    if secret is None or documents.saved:
        return
    head = header(None)  # a parse is the same whatever folder the site is written to
    changed = set(range(SHARDS)) - documents.shards - documents.unread
    changed.update(_shard(f) for f in documents.entries.keys() | documents.loaded.keys()
                   if documents.entries.get(f) is not documents.loaded.get(f))
    shards: dict[int, dict[str, ParseRecord]] = {shard: {} for shard in changed}
    for file, entry in documents.entries.items():
        if (shard := _shard(file)) in shards:
            shards[shard][file] = entry
    index = {**documents.index, **{file: Proof(entry.key, entry.proof) for file, entry in documents.entries.items()}}
    if shards or not documents.indexed:  # (the index first: a shard newer than it is read when a file of it is needed, and checked)
        write_signed_stream(project, INDEX_FILE, secret, head,
                            lambda out: pickle.dump(index, out, protocol=pickle.HIGHEST_PROTOCOL))
    for shard, entries in sorted(shards.items()):
        write_signed_stream(project, _shard_file(shard), secret, head,
                            lambda out, entries=entries: pickle.dump(entries, out, protocol=pickle.HIGHEST_PROTOCOL))
    shards.clear()
    documents.entries, documents.loaded, documents.index, documents.saved = {}, {}, {}, True


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
