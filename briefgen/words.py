"""How pages word counts and quotes: one place, for templates (as filters) and figures alike."""

from __future__ import annotations

import re

_MARKS = "\"'\u201c\u201d\u201e\u201f\u00ab\u00bb\u2018\u2019\u201a\u201b\u2039\u203a\u300c\u300d"
"""Speech marks a quote may carry at its ends: ", “, ”, „, «, », ', ‘, ’, ‚, ‹, › and the CJK corners."""
_SINGLE = "'\u2018\u2019\u201a\u201b"
"""Single marks double as apostrophes ("the students'"): stripped only when both ends carry one."""
_FREE_MARK = re.compile(rf"(?<!\w)[{_MARKS}]|[{_MARKS}](?!\w)")
"""A speech mark that is not an apostrophe inside a word: a quotation within the quote."""


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``3|counted("topic")`` is "3 topics", ``1|counted("topic")`` "1 topic": every count a page
    shows goes through here (``plural`` for a noun that does not take an s)."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def quoted(text: str) -> str:
    """A quote between one pair of curly marks: the quote's own outer marks (an annotator may copy
    them with the passage) are dropped first, so a page never shows ““...””. They are dropped only
    when the text between them holds no other speech mark, so ``"a" and "b"`` keeps its own."""
    t = str(text).strip()
    head = t[:1] in _MARKS
    tail = len(t) > 1 and t[-1] in _MARKS
    if head and tail:
        inner = t[1:-1]
    elif head and t[0] not in _SINGLE:
        inner = t[1:]
    elif tail and t[-1] not in _SINGLE:
        inner = t[:-1]
    else:
        inner = None
    if inner is not None and inner.strip() and not _FREE_MARK.search(inner):
        t = inner.strip()
    return f"\u201c{t}\u201d"
