"""Suggestions awaiting review: ``review: pending`` items of an article's annotations.

``briefgen import`` writes its suggestions (actors, claims, links, events, the summary) marked
``review: pending``; the analyst accepts one by deleting that line. A pending item is valid YAML
that the build validates, but it is not published: ``published`` leaves it out (keeping each kept
item's index in the file, so diagnostics still name the right line), and ``awaiting`` is the
warning that says how many are left (an error under ``--strict``).
"""

from __future__ import annotations

from .errors import Diagnostic
from .schema import Annotations
from .yamlfile import Lines

LISTS = ("actors", "claims", "links", "events")
"""The lists of an article's annotations whose items may be pending."""


def pending(notes: Annotations) -> list[tuple]:
    """Where each pending suggestion is: ('claims', 3), ... and ('summary',) for the summary."""
    found: list[tuple] = [("summary",)] if notes.review else []
    for name in LISTS:
        found.extend((name, i) for i, item in enumerate(getattr(notes, name)) if item.review)
    return found


def published(notes: Annotations, kept: dict[str, tuple[int, ...]]) -> tuple[Annotations, dict[str, tuple[int, ...]]]:
    """``notes`` without its pending items (and without a pending summary), and for each list the
    index in the file of every item left (``kept``: the indexes the items of ``notes`` have there)."""
    if not notes.review and not any(item.review for name in LISTS for item in getattr(notes, name)):
        return notes, kept
    update: dict[str, object] = {"review": None, "summary": None} if notes.review else {}
    positions = dict(kept)
    for name in LISTS:
        items = getattr(notes, name)
        at = kept.get(name, tuple(range(len(items))))
        update[name] = [item for item in items if not item.review]
        positions[name] = tuple(i for i, item in zip(at, items) if not item.review)
    return notes.model_copy(update=update), positions


def awaiting(notes: Annotations, file: str, lines: Lines) -> list[Diagnostic]:
    """The warning "3 suggestions awaiting review in content/articles/x.yaml", on the first one's line."""
    found = pending(notes)
    if not found:
        return []
    first = min((lines[(*loc, "review")] if len(loc) == 2 and (*loc, "review") in lines else
                 lines[("review",)] if ("review",) in lines else 0) for loc in found)
    count = len(found)
    return [Diagnostic("warning", "pending-review", f"{count} suggestion{'s' if count != 1 else ''} awaiting review in "
                       f"{file}", file, first, "check each item marked 'review: pending', edit it if needed and "
                       "delete its review line to publish it, or delete the whole item")]
