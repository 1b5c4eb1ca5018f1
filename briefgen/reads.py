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


class Reading:
    """A Briefing that notes what is read from it (into ``log``); methods run against it too."""

    def __init__(self, briefing: m.Briefing):
        self._briefing = briefing
        self.log: set[tuple[str, object]] = set()

    def __getattr__(self, name: str):
        value = getattr(self._briefing, name)
        if isinstance(value, Mapping):
            return _Mapping(name, value, self.log)
        method = getattr(type(self._briefing), name, None)
        if callable(method):
            return method.__get__(self)
        self.log.add((name, ANY))
        return value


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
