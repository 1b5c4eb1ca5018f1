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
import inspect
from types import MappingProxyType
from typing import Iterator, Mapping

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
            if isinstance(value, (dict, MappingProxyType)) or isinstance(value, Mapping):
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
