"""What a file with schema errors still says: the valid rest of it, for errors in one round.

A file that failed validation has no data, so nothing else in it would be checked until the user
fixed the first error, and errors would arrive in rounds. ``salvaged`` validates the file again
without its wrong values, with a placeholder where a value is required; resolve checks what is
left as usual, and nothing against a placeholder (``Partial.gaps``): no error follows from one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any, Iterator, Mapping

from pydantic import BaseModel, ValidationError

from . import yamlfile
from .parse import MODELS, Document
from .review import published
from .schema import ActorFile, Annotations, ClaimEntry, EventEntry, TopicFile
from .validate import model_in


@dataclass(frozen=True, slots=True)
class Partial:
    """What a document says that is valid: all of it, or what is left of a file with errors."""

    data: BaseModel
    kept: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    """List field -> the index in the file of each item left in ``data``; a field not named kept them all."""
    dropped_claims: frozenset[str] = frozenset()
    """Ids of the claim entries left out: claims the file may define."""
    incomplete: frozenset[str] = frozenset()
    """Top-level keys left out or with items left out: checks against them would report a cascade."""
    gaps: frozenset[tuple] = frozenset()
    """Where a wrong value was left out of a kept item or replaced by a placeholder, as locations in
    the file (``("title",)``, ``("claims", 2, "quote")``): nothing is checked against them."""

    def items(self, name: str) -> Iterator[tuple[int, Any]]:
        """(index in the file, item) of a list field, so diagnostics name the line as written. (Any:
        an item is of the type of ``name``'s field, which depends on the name.)"""
        values = getattr(self.data, name)
        positions = self.kept.get(name)
        return zip(positions, values) if positions is not None else enumerate(values)


PLACEHOLDERS: dict[type[BaseModel], dict[str, str]] = {
    TopicFile: {"title": "?"},
    ActorFile: {"name": "?", "kind": "person"},
    ClaimEntry: {"grade": "F6", "quote": "?", "statement": "?"},
    EventEntry: {"date": "1970-01-01", "text": "?"},
}
"""What stands in for a wrong or missing value that an entity cannot be made without, so the rest
of it (a topic's related topics, an actor's affiliation, a claim's quote and references, an
event's actors) is still checked. Each is a valid value that no check reads: a name, a title, a
kind, a grade, an event's date (a past one: no future-date warning) and text; a claim's quote
and statement are checked, so their locations are ``Partial.gaps`` that resolve does not check.
The file has errors, so the build fails and no placeholder is ever shown."""


def salvaged(doc: Document | None) -> Partial | None:
    """``doc``'s data, or for a file that failed validation the valid rest of it; None when its
    text could not be read as a mapping (syntax, encoding).

    Wrong optional keys are left out; a wrong or missing required key is a placeholder
    (``PLACEHOLDERS``). In a list item, a wrong optional value is left out of the item and a
    required one is a placeholder (an unknown key is only dropped); an item that cannot stand
    without its wrong value (a claim's id, an actor mention's id, a link) is left out whole.
    This goes on until the rest validates. The items keep the indexes they have in the file
    (``Partial.items``).
    """
    if doc is None:
        return None
    if doc.data is not None:
        return _reviewed(Partial(doc.data))
    model = MODELS[doc.kind]
    if not doc.lines.text or not any(d.severity == "error" for d in doc.diagnostics):
        return None
    data, _, problems = yamlfile.load(doc.lines.text, doc.file, doc.lines.offset)
    if problems or not isinstance(data, dict):
        return None
    data = _mapping_without_tagged_keys(data)
    kept = {k: list(range(len(v))) for k, v in data.items() if isinstance(v, list)}
    dropped: set[str] = set()
    incomplete: set[str] = set()
    gaps: set[tuple] = set()
    for _ in range(6):  # each round leaves out what failed; new failures are not expected
        try:
            valid = model.model_validate(data)
        except ValidationError as exc:
            data = _without(model, data, exc.errors(), kept, dropped, incomplete, gaps)
            if data is None:
                return None
            continue
        return _reviewed(Partial(valid, {k: tuple(v) for k, v in kept.items() if k in data}, frozenset(dropped),
                                 frozenset(incomplete), frozenset(gaps)))
    return None


def _reviewed(found: Partial) -> Partial:
    """Annotations without the suggestions awaiting review (review.published): never published."""
    if not isinstance(found.data, Annotations):
        return found
    data, kept = published(found.data, dict(found.kept))
    return found if data is found.data else replace(found, data=data, kept=kept)


def _without(model: type[BaseModel], data: dict, errors: list, kept: dict[str, list[int]],
             dropped: set[str], incomplete: set[str], gaps: set[tuple]) -> dict | None:
    """``data`` without the keys, item values and items the validation ``errors`` are in, or
    with placeholders where they are required."""
    data = dict(data)
    items: dict[str, set[int]] = defaultdict(set)
    edits: dict[tuple[str, int], dict] = {}
    for err in errors:
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and (p == "[key]" or p.startswith("function-"))))
        if not loc:
            return None
        key = loc[0]
        if len(loc) >= 2 and isinstance(loc[1], int) and isinstance(data.get(key), list):
            item = data[key][loc[1]]
            inner = model_in(model.model_fields[key].annotation) if key in model.model_fields else None
            name = loc[2] if len(loc) >= 3 else None
            if not isinstance(item, dict) or name is None:
                items[key].add(loc[1])
            elif err["type"] == "extra_forbidden" and len(loc) == 3:
                edits.setdefault((key, loc[1]), dict(item)).pop(name, None)
            elif inner is not None and name in inner.model_fields and name in PLACEHOLDERS.get(inner, {}):
                edits.setdefault((key, loc[1]), dict(item))[name] = PLACEHOLDERS[inner][name]
                gaps.add((key, kept[key][loc[1]], name))
            elif inner is not None and name in inner.model_fields and not inner.model_fields[name].is_required():
                edits.setdefault((key, loc[1]), dict(item)).pop(name, None)
                gaps.add((key, kept[key][loc[1]], name))
            else:
                items[key].add(loc[1])
            continue
        if key in model.model_fields and model.model_fields[key].is_required():
            if key not in PLACEHOLDERS.get(model, {}):
                return None
            data[key] = PLACEHOLDERS[model][key]
            gaps.add((key,))
            continue
        data.pop(key, None)
        incomplete.add(str(key))
    for (key, i), item in edits.items():
        data[key] = [item if j == i else x for j, x in enumerate(data[key])]
        incomplete.add(key)
    for key, gone in items.items():
        incomplete.add(key)
        for i in gone:
            item = data[key][i]
            if key == "claims" and isinstance(item, dict) and isinstance(item.get("id"), str):
                dropped.add(item["id"])
        data[key] = [x for i, x in enumerate(data[key]) if i not in gone]
        kept[key] = [at for i, at in enumerate(kept[key]) if i not in gone]
    return data


def _without_tagged_keys(data: object) -> object:
    """``data`` without the entries whose key had a refused tag (yamlfile.Tagged): pydantic names
    such a key by its repr, which is no key of the data to leave out."""
    if isinstance(data, dict):
        return _mapping_without_tagged_keys(data)
    if isinstance(data, list):
        return [_without_tagged_keys(v) for v in data]
    return data


def _mapping_without_tagged_keys(data: dict) -> dict:
    """_without_tagged_keys of a mapping: a mapping."""
    return {k: _without_tagged_keys(v) for k, v in data.items() if not isinstance(k, yamlfile.Tagged)}
