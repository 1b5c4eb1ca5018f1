"""The passage of an article closest to a quote, and where the two first differ.

One missing comma must not cost five minutes: a ``quote-not-found`` error and ``briefgen quote``
show the article's own words nearest to what was written and the first place they part. Only
ever run on a quote that did not match, so its cost (difflib over each block) is never a build's.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from .text import normalize_quote

MIN_LIKENESS = 0.6
"""Below this likeness (and this share of the quote's characters found in order in a block), no
passage is called close."""


@dataclass(frozen=True, slots=True)
class Near:
    block: int
    """Index of the block (paragraph, heading...) the passage is in."""
    start: int
    end: int
    """The passage's span in that block's text."""
    likeness: float
    """How alike the passage and the quote are, folded (difflib's ratio; 1.0: the same)."""


def nearest(blocks: list[str], quote: str) -> Near | None:
    """The span of ``blocks`` (texts, as written or folded) most like ``quote``, cut at word edges."""
    wanted = normalize_quote(quote).lower()
    if not wanted:
        return None
    best: Near | None = None
    for index, block in enumerate(blocks):
        folded = block.translate(_FOLD_TABLE).lower()  # one character for one: spans hold in ``block``
        matcher = difflib.SequenceMatcher(None, folded, wanted, autojunk=False)
        parts = [m for m in matcher.get_matching_blocks() if m.size]
        if not parts:
            continue
        if sum(m.size for m in parts) / len(wanted) < MIN_LIKENESS:
            continue
        start = max(0, parts[0].a - parts[0].b)
        end = min(len(block), parts[-1].a + parts[-1].size + (len(wanted) - parts[-1].b - parts[-1].size))
        while start > 0 and not block[start - 1].isspace():
            start -= 1
        while end < len(block) and block[end].isalnum():
            end += 1
        found = difflib.SequenceMatcher(None, folded[start:end], wanted, autojunk=False).ratio()
        if best is None or found > best.likeness:
            best = Near(index, start, end, found)
    return best if best is not None and best.likeness >= MIN_LIKENESS else None


def first_difference(passage: str, quote: str) -> str:
    """Where ``quote`` first parts from ``passage``, both folded as quotes are compared, from the
    start of that word: "at character 42: the article has 'launch, the' where the quote has 'launch the N'"."""
    a, b = normalize_quote(passage), normalize_quote(quote)
    at = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    if a == b:
        return "they are the same"
    word = at
    while word > 0 and a[word - 1] != " ":  # shown from the start of the word they part in
        word -= 1
    at = word
    return (f"at character {at + 1}: the article has {a[at:at + 12]!r} where the quote has {b[at:at + 12]!r}"
            if at < len(a) and at < len(b) else
            f"at character {at + 1}: {'the article goes on with ' + repr(a[at:at + 12]) if at < len(a) else 'the quote goes on with ' + repr(b[at:at + 12])}")


def hint(blocks: list[str], quote: str) -> str:
    """The hint of a ``quote-not-found`` error: the closest passage and where it first differs."""
    near = nearest(blocks, quote)
    if near is None:
        return "copy the words exactly from one paragraph of the article; whitespace, typographic quotes and dashes may differ"
    passage = blocks[near.block][near.start:near.end]
    return f"closest passage: {passage!r}; first difference {first_difference(passage, quote)}"


from .text import _FOLD as _FOLD_TABLE  # noqa: E402  (the quote matcher's own folding, one character for one)
