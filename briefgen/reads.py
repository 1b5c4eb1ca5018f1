"""What a page was made from, and what changed since: the dependency graph of incremental plans.

A page of one entity (an article, claim, actor or topic) is planned from a handful of the
Briefing's entries. Planning it through ``Reading`` notes each entry it looks at, as
(field, key), and (field, ANY) when it walks a whole mapping. ``changes`` compares two Briefings
entry by entry. A page none of whose entries changed would be planned exactly as before, so the
planner keeps the old one, and the fingerprint and HTML that go with it.

Reads are recorded, not declared, so a template or planner that starts to use another entry
cannot be forgotten in a hand-written dependency list.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import inspect
import io
import pickle
from array import array
from dataclasses import dataclass, field
from typing import AbstractSet, Iterable, Iterator, Mapping, NamedTuple

from pydantic import BaseModel

from . import model as m

ANY = "\0*"
"""The key of a read that depends on a whole field: a walk over a mapping, or a plain value."""



class _Mapping(Mapping):
    __slots__ = ("_name", "_data", "_log")

    def __init__(self, name: str, data: Mapping, log: set):
        self._name, self._data, self._log = name, data, log

    def __getitem__(self, key):
        self._log.add((self._name, key))
        return self._data[key]

    def get(self, key, default=None):
        self._log.add((self._name, key))
        return self._data.get(key, default)

    def __contains__(self, key) -> bool:
        self._log.add((self._name, key))
        return key in self._data

    def __iter__(self) -> Iterator:
        self._log.add((self._name, ANY))
        return iter(self._data)

    def __len__(self) -> int:
        self._log.add((self._name, ANY))
        return len(self._data)


class UnrecordedRead(AttributeError):
    """A planner read something of the Briefing that ``changes`` cannot compare: planning would
    go stale after an edit, so it stops here, naming what it read."""


_FIELDS = frozenset(f.name for f in dataclasses.fields(m.Briefing))


class Reading:
    """A Briefing that notes what is read from it (into ``log``).

    Only its fields can be read (a mapping entry by entry, any other value whole), since
    ``changes`` compares fields; a method or property runs against the Reading, so its own reads
    are noted. Anything else (a class attribute, a name added later) is refused: UnrecordedRead.
    """

    def __init__(self, briefing: m.Briefing):
        self._briefing = briefing
        self.log: set[tuple[str, object]] = set()

    def __getattr__(self, name: str):
        # Called only for a name not read yet: a field's value (or its recording mapping) and a
        # method are kept on the instance, its read being noted once and for all.
        if name in _FIELDS:
            value = getattr(self._briefing, name)
            if isinstance(value, Mapping):
                value = _Mapping(name, value, self.log)
            else:
                self.log.add((name, ANY))
            self.__dict__[name] = value
            return value
        found = inspect.getattr_static(type(self._briefing), name, None)
        if isinstance(found, property) and found.fget is not None:
            return found.fget(self)
        if inspect.isfunction(found):
            method = self.__dict__[name] = found.__get__(self)
            return method
        raise UnrecordedRead(f"a page planner read Briefing.{name}, which is neither a field nor a method or "
                             f"property of Briefing: reads.changes could not tell when it changes, and the "
                             f"page would go stale; make it a field of Briefing, or compute it from fields")


_MISSING = object()


def changes(old: m.Briefing, new: m.Briefing) -> frozenset | None:
    """Every (field, key) whose value differs, plus (field, ANY) for every field with a difference;
    None when the settings differ: every page is then planned again, whatever else changed (a
    page that did not read the settings still shows entities that may have changed with them)."""
    if old.config != new.config:
        return None
    found: set[tuple[str, object]] = set()
    for f in dataclasses.fields(m.Briefing):
        before, after = getattr(old, f.name), getattr(new, f.name)
        if before is after or f.name == "config":
            continue
        if isinstance(after, Mapping):
            # identity first: resolve hands back the last build's object for every equal entity
            differ = [k for k, v in after.items() if (was := before.get(k, _MISSING)) is not v and was != v]
            differ += [k for k in before if k not in after]
            if differ or list(before) != list(after):  # the order is content too: indexes list in it
                found.add((f.name, ANY))
            found.update((f.name, k) for k in differ)
        elif before != after:
            found.add((f.name, ANY))
    return frozenset(found)


class Reads(dict[type, set[str]]):
    """What a computation read of the entities it was given: entity type -> the names read.

    Kept by type, not by entity: a superset of each entity's reads, and a read that depends on
    another (``claim.via`` read only where ``claim.by`` is set) is recorded once any entity takes
    that branch; until then the value that decides the branch is itself recorded."""

    def shape(self, value: object) -> object:
        """What the computation could see of ``value``: equal shapes, equal results."""
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            names = self.get(type(value), ())
            return type(value), tuple(self.shape(getattr(value, name)) for name in sorted(names))
        if isinstance(value, tuple):
            return tuple(self.shape(v) for v in value)
        return value


class _Entity:
    """An entity (a frozen model dataclass) that notes into ``Reads`` each name read of it."""

    __slots__ = ("_entity", "_reads")

    def __init__(self, entity: object, reads: Reads):
        self._entity, self._reads = entity, reads

    def __getattr__(self, name: str):
        entity = self._entity
        kind: type = type(entity)
        if name in _fields(kind):
            self._reads.setdefault(type(entity), set()).add(name)
            return recorded(getattr(entity, name), self._reads)
        found = inspect.getattr_static(type(entity), name, None)
        if isinstance(found, property) and found.fget is not None:
            return found.fget(self)  # its own reads are noted
        if inspect.isfunction(found):
            return found.__get__(self)
        raise UnrecordedRead(f"{type(entity).__name__}.{name} is neither a field nor a method or property: "
                             "what read it could not be memoized")


@functools.lru_cache(maxsize=None)
def _fields(kind: type) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(kind))


def recorded(value: object, reads: Reads) -> object:
    """``value`` with every entity in it (alone or in tuples) noting its reads into ``reads``."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _Entity(value, reads)
    if isinstance(value, tuple) and any(dataclasses.is_dataclass(v) or isinstance(v, tuple) for v in value):
        return tuple(recorded(v, reads) for v in value)
    return value


def by_value(value: object) -> bytes:
    """``value`` pickled by value alone: without pickle's memo, equal values give equal bytes
    whether or not they share objects (a date read twice, a string interned once). What page
    fingerprints and ``Ledger`` digests hash."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.fast = True
    pickler.dump(value)
    return buffer.getvalue()


def digest(data: bytes) -> bytes:
    """The 16-byte hash briefgen keeps of an entry, an entity, a record or a page's bytes."""
    return hashlib.blake2b(data, digest_size=16).digest()


class Digests:
    """The digest of each entry of one Briefing that a read can name: (field, key) for a mapping's
    entry (an absent key has a digest of its own), (field, ANY) for a whole field, worked out
    once each. A mapping's whole digest covers its keys in order and every entry's digest, as
    ``changes`` compares them."""

    _ABSENT = b"\0absent"

    def __init__(self, b: m.Briefing):
        self.b = b
        self._entries: dict[tuple[str, object], bytes] = {}
        self._whole: dict[str, bytes] = {}

    def __call__(self, key: tuple[str, object]) -> bytes:
        name, entry = key
        if entry == ANY:
            return self.whole(name)
        found = self._entries.get(key)
        if found is None:
            value = getattr(self.b, name).get(entry, _MISSING)
            found = self._entries[key] = self._ABSENT if value is _MISSING else digest(by_value(value))
        return found

    def prefetch(self, keys: Iterable[tuple[str, object]]) -> None:
        """Work out the digests of ``keys`` (distinct entries, not wholes) now, in this process: a
        CLI rebuild after an edit digests every entry its ledger knows, timed as a stage of its own
        ("digesting"). Forked workers were slower here (at 100,000 articles, 18.0 s against 8.1 s:
        every digest is sent back through a pipe, and the fork copies a parent of several GB)."""
        for key in keys:
            if key[1] != ANY:
                self(key)

    def of(self, keys: Iterable[tuple[str, object]]) -> list[bytes]:
        """The digest of each of ``keys``, in order: those worked out already (``prefetch``) read
        straight from the table, without a call each."""
        known = self._entries.get
        return [known(key) or self(key) for key in keys]

    def whole(self, name: str) -> bytes:
        found = self._whole.get(name)
        if found is None:
            value = getattr(self.b, name)
            if isinstance(value, Mapping):
                h = hashlib.blake2b(by_value(tuple(value)), digest_size=16)
                for entry in value:
                    h.update(self((name, entry)))
                found = h.digest()
            elif isinstance(value, BaseModel):  # the settings: its set of fields set pickles in no fixed order
                found = digest(by_value(value.model_dump()))
            else:
                found = digest(by_value(value))
            self._whole[name] = found
        return found


class Kept(NamedTuple):
    """A page of the last CLI build as its plan and render left it: what a build needs of a page
    none of whose reads changed, without planning it."""

    kind: str
    template: str
    title: str
    ident: str
    read: array
    """The numbers (``Ledger.keys``) of the entries its planner read, as ``Reading`` noted them."""
    fingerprint: bytes
    """As the render stage worked it out (b"" until then)."""
    derived: tuple = ()
    """The keys of the values derived for several pages that it took (``Ledger.derived``): their
    reads count as its own."""


@dataclass
class Ledger:
    """The dev server's plan memo for a process that plans once (the CLI), kept on disk: what each
    page of the last build read of its Briefing, and each of those entries' digest, so that the
    next build plans only the pages whose reads changed, and renders none of the others.

    Self-contained: digests, reads and fingerprints all come from one build, so a ledger that
    is older or newer than the rest of the cache only costs work (a page taken back must still
    match the output folder's record of its fingerprint), never a stale page.
    """

    signature: bytes = b""
    """Of the settings and the page-kind registry: when it differs, every page is planned again."""
    keys: list[tuple[str, object]] = field(default_factory=list)
    """Entry number -> (field, key), as ``Reading`` logs it."""
    digests: list[bytes] = field(default_factory=list)
    """Entry number -> its digest in the Briefing the pages were planned from."""
    pages: dict[str, Kept] = field(default_factory=dict)
    """Site path -> the page."""
    templates: dict[str, str] = field(default_factory=dict)
    """Template -> its digest (Renderer.template_digest) when the fingerprints were taken."""
    salt: bytes = b""
    """The settings and asset names the fingerprints were salted with."""
    search: dict[str, tuple[bytes, bytes]] = field(default_factory=dict)
    """Search record URL -> (the digest of the entries' digests it is made from, its message's
    digest): a record made from the same entries is not made again (search.entries)."""
    search_context: bytes = b""
    """The digest of what every record is also made from (topic titles, actor names, language)."""
    compacted: int = 0
    """How many entries pages read when the table was last compacted."""
    sizes: dict[tuple, tuple[int, array]] = field(default_factory=dict)
    """A derived value's key (Planning.size) -> (its length, the numbers of the entries it read)."""
    derived: dict[object, array] = field(default_factory=dict)
    """A value derived for several pages (``Planning.derive``) -> the numbers of the entries it
    read, kept once for all the pages that took it (``Kept.derived``)."""
    references: dict[bytes, tuple[str, ...] | None] = field(default_factory=dict)
    """Template source digest -> the templates it references (render.known_references): the
    template digests without parsing every template again in each process."""
    compiled: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    """The templates the last build compiled (render.known_code): a CLI process compiles only
    the templates that changed."""
    briefing: bytes = b""
    """The generation of the Briefing ``digests`` are of (cache.Resolution), b"" if unknown."""

    def __post_init__(self) -> None:
        self._numbers: dict[tuple[str, object], int] = {key: n for n, key in enumerate(self.keys)}
        self._now: Digests | None = None

    def __getstate__(self) -> dict:
        return {name: value for name, value in self.__dict__.items() if name not in ("_numbers", "_now")}

    def digests_of(self, b: m.Briefing) -> Digests:
        """``b``'s digests, each worked out once however many stages ask (search, plan)."""
        if self._now is None or self._now.b is not b:
            self._now = Digests(b)
        return self._now

    def carry(self, b: m.Briefing, since: bytes, edited: AbstractSet[tuple[str, object]]) -> None:
        """``b`` is the Briefing named ``since`` but for the entries ``edited`` (a resolve by
        difference: ``resolve.texts_again``): when the ledger's digests are of that Briefing,
        ``b``'s are taken from them, not worked out, but for those entries (and wholes). At
        10,000 articles, working out the 99,000 entries' digests took 0.7 s."""
        if not since or since != self.briefing or len(self.digests) != len(self.keys):
            return
        table = self.digests_of(b)._entries
        for key, found in zip(self.keys, self.digests):
            if key[1] != ANY and key not in edited:
                table.setdefault(key, found)

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.__post_init__()

    def changes(self, b: m.Briefing, signature: bytes) -> tuple[set[int] | None, Digests]:
        """The numbers of the entries whose digest differs in ``b`` (None: every page is planned
        again), and ``b``'s digests; the ledger's digests become ``b``'s."""
        digests = self.digests_of(b)
        if signature != self.signature or len(self.digests) != len(self.keys):
            self.signature, self.keys, self.digests, self.pages, self._numbers = signature, [], [], {}, {}
            self.sizes, self.derived = {}, {}
            return None, digests
        now = digests.of(self.keys)
        changed = {n for n, (was, found) in enumerate(zip(self.digests, now)) if was != found}
        self.digests = now
        return changed, digests

    def numbered(self, log: AbstractSet[tuple[str, object]], digests: Digests) -> array:
        """A Reading's log as entry numbers, new entries added with their digest in ``digests``'s Briefing."""
        found = list(map(self._numbers.get, log))  # (map: no Python frame per entry, at 10,000 articles millions)
        if None in found:
            for at, key in enumerate(log):
                if found[at] is None:
                    found[at] = self._numbers[key] = len(self.keys)
                    self.keys.append(key)
                    self.digests.append(digests(key))
        return array("I", found)

    def compact(self) -> None:
        """Drop the entries no page reads any more, once they may be most of the table (it has
        doubled since it was last compacted)."""
        if len(self.keys) <= 2 * self.compacted + 1000:
            return
        used = set().union(*(kept.read for kept in self.pages.values()), *(read for _, read in self.sizes.values()),
                           *self.derived.values())
        self.compacted = len(used)
        if len(self.keys) <= 2 * len(used) + 1000:
            return
        order = sorted(used)
        renumber = {old: new for new, old in enumerate(order)}
        self.keys = [self.keys[n] for n in order]
        self.digests = [self.digests[n] for n in order]
        self.pages = {path: kept._replace(read=array("I", (renumber[n] for n in kept.read)))
                      for path, kept in self.pages.items()}
        self.sizes = {key: (n, array("I", (renumber[r] for r in read))) for key, (n, read) in self.sizes.items()}
        self.derived = {key: array("I", (renumber[r] for r in read)) for key, read in self.derived.items()}
        self.__post_init__()
