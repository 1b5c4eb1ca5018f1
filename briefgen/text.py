"""Article text: Markdown and plain-text parsing, quote matching and quote highlighting.

Quote checking and quote highlighting use the same matcher over the same parsed tokens, so a
quote that validates is a quote that gets highlighted.
"""

from __future__ import annotations

import re
from html import escape
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from .paths import body_link, quote_anchor
from .yamlfile import NEVER_SHOWN

_FOLD = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u00a0": " ", "\u202f": " ", "\u2009": " ",
})
_SPACE = re.compile(r"\s+")
_FOLD_SHOWN = {**_FOLD, **dict.fromkeys(NEVER_SHOWN)}
"""``_FOLD``, and what no page shows left out: a quote is matched against the text as a reader
sees it (``a<U+0085>b`` reads ``ab``, not ``a b``)."""


@lru_cache(maxsize=4)
def markdown(allow_html: bool) -> MarkdownIt:
    """One parser per setting, reused for every article: building one is the slow part."""
    md = MarkdownIt("commonmark", {"html": allow_html, "linkify": False})
    return md.use(front_matter_plugin).use(footnote_plugin).use(anchors_plugin, min_level=2, max_level=3)


@lru_cache(maxsize=1)
def plain() -> MarkdownIt:
    """Plain-text articles: paragraphs only, every character literal."""
    return MarkdownIt("zero")


def parser(allow_html: bool, is_plain: bool) -> MarkdownIt:
    """The parser of a text: plain text or Markdown, with raw HTML allowed or not."""
    return plain() if is_plain else markdown(allow_html)


def normalize_quote(quote: str) -> str:
    """The folded form of a text: the fast path, no offsets. (``str.split`` splits at the very
    characters ``\\s`` matches, ``str.isspace``'s: the same as ``_SPACE.sub(" ", ...).strip()``
    on every code point, in less than half the time.)"""
    return " ".join(quote.translate(_FOLD_SHOWN).split())


def _inline_text(inline: Token) -> tuple[str, list[tuple[int, int, int]]]:
    """The visible text of an inline token, and where each text or code child sits in it."""
    parts: list[str] = []
    spans: list[tuple[int, int, int]] = []
    pos = 0
    for index, child in enumerate(inline.children or []):
        if child.type in ("text", "code_inline"):
            content = child.content
            spans.append((index, pos, pos + len(content)))
        elif child.type in ("softbreak", "hardbreak"):
            content = " "
        else:
            continue
        parts.append(content)
        pos += len(content)
    return "".join(parts), spans


def blocks(tokens: list[Token]) -> list[str]:
    """The visible text of each block (paragraph, heading, list item line...)."""
    return [_inline_text(t)[0] for t in tokens if t.type == "inline"]


def find_quote(folded_blocks: Iterable[str], quote: str) -> bool:
    """Whether the quote lies within one block; blocks given folded by normalize_quote. (One
    search over the blocks joined by a line break: a folded quote holds none, so it cannot span
    two blocks.)"""
    wanted = normalize_quote(quote)
    return bool(wanted) and wanted in "\n".join(folded_blocks)


def lead(tokens: list[Token]) -> str:
    """The first paragraph's text: an article's summary when the analyst gave none."""
    for i, token in enumerate(tokens):
        if token.type == "inline" and i and tokens[i - 1].type == "paragraph_open":
            return " ".join(_inline_text(token)[0].split())
    return ""


@dataclass(frozen=True)  # not slotted: pickle takes plain ones apart and puts them together in C
class Mark:
    claim: str
    href: str
    title: str


def _locate(text: str, folded: str, quote: str, wanted: str | None = None) -> tuple[int, int] | None:
    """Where the quote lies in ``text`` (whose folded form is ``folded``), in original offsets.

    Folding maps characters one to one except that runs of whitespace become one space, so an
    offset in the folded text moves right by what the runs before it lost. A text holding a
    character no page shows (``NEVER_SHOWN``, which folding leaves out) is mapped character by
    character instead (``_mapped``): rare, and slower.
    """
    wanted = normalize_quote(quote) if wanted is None else wanted
    if not wanted or wanted not in folded:
        return None
    translated = text.translate(_FOLD)
    spaced = _SPACE.sub(" ", translated)
    if len(spaced.strip(" ")) != len(folded):  # (only left-out characters make the two differ)
        return _mapped(text, wanted)
    at = spaced.find(wanted)
    if at < 0:
        return None
    last = at + len(wanted) - 1  # quote and match end on a non-space: exact positions
    start = None
    lost = 0
    for run in _SPACE.finditer(translated):
        collapsed = run.start() - lost
        if start is None and collapsed >= at:
            start = at + lost
        if collapsed >= last:
            break
        lost += run.end() - run.start() - 1
    return (at + lost if start is None else start), last + lost + 1


def _mapped(text: str, wanted: str) -> tuple[int, int] | None:
    """``_locate`` for a text with characters folding leaves out: the folded text built with the
    offset in ``text`` of each of its characters."""
    folded: list[str] = []
    where: list[int] = []
    space = False
    for at, char in enumerate(text):
        shown = char.translate(_FOLD_SHOWN)
        if not shown:
            continue
        if shown.isspace():
            space = bool(folded)
            continue
        if space:
            folded.append(" ")
            where.append(at)
            space = False
        folded.append(shown)
        where.append(at)
    found = "".join(folded).find(wanted)
    return None if found < 0 else (where[found], where[found + len(wanted) - 1] + 1)


def _html(content: str) -> Token:
    token = Token("html_inline", "", 0)
    token.content = content
    return token


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _anchor(mark: Mark) -> Token:
    return _html(f'<span class="quote-anchor" id="{quote_anchor(mark.claim)}"></span>')


def _claim_link(mark: Mark) -> Token:
    return _html(f'<a class="quote-claim" href="{escape(mark.href)}" title="{escape(mark.title)}">'
                 f'<span class="visually-hidden">Claim: {escape(mark.title)}</span><span aria-hidden="true">\u2197</span></a>')


def _mark_inline(inline: Token, ranges: list[tuple[int, int, Mark]]) -> None:
    """Split the inline token's text children at the quote ranges and wrap them in <mark>.

    A line break inside a quote stays inside its <mark>: a quote that crosses a line of the source
    is one highlight, not two with a gap. Inline code is wrapped whole (it cannot be split); links
    back to the claim that would fall inside a link of the article wait until that link closes,
    since links cannot nest.
    """
    _, spans = _inline_text(inline)
    span_of = {index: (start, end) for index, start, end in spans}
    breaks: dict[int, int] = {}
    """A line break's child index -> its offset: the one space it stands for in the block's text."""
    pos = 0
    for index, child in enumerate(inline.children or []):
        if index in span_of:
            pos = span_of[index][1]
        elif child.type in ("softbreak", "hardbreak"):
            breaks[index] = pos
            pos += 1
    out: list[Token] = []
    depth = 0
    waiting: list[Mark] = []
    ranges = sorted(ranges, key=lambda r: (r[0], -r[1]))  # (overlapping quotes: the one starting first outside)
    marking: tuple[Mark, ...] = ()
    """The marks whose <mark> is open in ``out``, outermost first: quotes that overlap nest."""

    def open_marks(marks: list[Mark]) -> None:
        nonlocal marking
        if marking != tuple(marks):
            end_mark()
            out.extend(_html(f'<mark class="quote" data-claim="{mark.claim}">') for mark in marks)
            marking = tuple(marks)

    def end_mark() -> None:
        nonlocal marking
        out.extend(_html("</mark>") for _ in marking)
        marking = ()

    def close(marks: list[Mark]) -> None:
        if marks:
            end_mark()
        if depth:
            waiting.extend(marks)
        else:
            out.extend(_claim_link(m) for m in marks)

    for index, child in enumerate(inline.children or []):
        if index in breaks:
            at = breaks[index]
            if not all(any(m is mark and s <= at and at + 1 <= e for s, e, m in ranges) for mark in marking):
                end_mark()
            out.append(child)
            continue
        if index not in span_of or child.type == "code_inline":
            end_mark()
        if child.type == "link_open":
            depth += 1
        elif child.type == "link_close":
            depth -= 1
            out.append(child)
            if depth == 0 and waiting:
                out.extend(_claim_link(m) for m in waiting)
                waiting.clear()
            continue
        if index not in span_of:
            out.append(child)
            continue
        start, end = span_of[index]
        if child.type == "code_inline":
            inside = [m for s, e, m in ranges if s < end and e > start]
            out.extend(_anchor(m) for s, e, m in ranges if start <= s < end)
            open_marks(inside)
            out.append(child)
            end_mark()
            close([m for s, e, m in ranges if start < e <= end])
            continue
        cuts = sorted({start, end, *(p for s, e, _ in ranges for p in (s, e) if start < p < end)})
        for a, b in zip(cuts, cuts[1:]):
            piece = child.content[a - start:b - start]
            covering = [m for s, e, m in ranges if s <= a and b <= e]
            anchors = [_anchor(m) for s, e, m in ranges if s == a]
            if anchors:
                end_mark()
                out.extend(anchors)
            open_marks(covering)
            out.append(_text(piece))
            close([m for s, e, m in ranges if e == b])
    end_mark()
    out.extend(_claim_link(m) for m in waiting)
    inline.children = out


def render(md: MarkdownIt, tokens: list[Token], env: dict, marks: list[tuple[str, Mark]],
           link: Callable[[str], str] | None = None) -> str:
    """HTML of a body with each (quote, mark) highlighted where it first occurs.

    ``link`` rewrites the links written by hand into the hrefs the page needs (paths.body_link).
    """
    tokens = [t for t in tokens if t.type != "front_matter"]
    if link is not None:
        tokens = [_relink(t, link) for t in tokens]
    pending = [(quote, normalize_quote(quote), mark) for quote, mark in marks]
    for position, token in enumerate(tokens):
        if token.type != "inline" or not pending:
            continue
        text, _ = _inline_text(token)
        folded = normalize_quote(text)
        found: list[tuple[int, int, Mark]] = []
        rest = []
        for quote, wanted, mark in pending:
            span = _locate(text, folded, quote, wanted)
            if span:
                found.append((*span, mark))
            else:
                rest.append((quote, wanted, mark))
        pending = rest
        if found:
            tokens[position] = token = _copy(token)  # the parsed tokens are cached: never change them
            _mark_inline(token, found)
    return md.renderer.render(tokens, md.options, dict(env))


def _relink(token: Token, link: Callable[[str], str]) -> Token:
    if token.type != "inline" or not any(c.type in ("link_open", "image") for c in token.children or []):
        return token  # most blocks have no link: keep the cached token
    clone = _copy(token)
    for child in clone.children or []:
        attr = "href" if child.type == "link_open" else "src" if child.type == "image" else ""
        value = child.attrGet(attr) if attr else None
        if isinstance(value, str):
            child.attrSet(attr, link(value))
    return clone


def _copy(token: Token) -> Token:
    if token.type != "inline":
        return token
    clone = token.copy()
    clone.children = [c.copy() for c in token.children or []]
    return clone


@dataclass(frozen=True)
class ArticleText:
    """An article's text with its claims' quotes marked, rendered to HTML only where a page shows it.

    Rendering is the costly part of a text, so it happens in the render stage, on every core, and
    only for pages whose fingerprint changed; the fingerprint pickles these fields, which are
    everything the HTML depends on. The renderer hands it to templates as the HTML string
    (``Markup``) that ``__html__`` makes.
    """

    source: str
    allow_html: bool
    plain: bool
    marks: tuple[tuple[str, Mark], ...]
    here: str
    """The site path of the page it is shown on, which its hand-written links are made relative to."""
    base_url: str | None

    def __html__(self) -> str:
        md = parser(self.allow_html, self.plain)
        env: dict = {}
        tokens = md.parse(self.source, env)
        return render(md, tokens, env, list(self.marks), lambda target: body_link(target, self.here, self.base_url))
