"""One source an analyst has (a saved web page, a raw text scrape, a Markdown file) -> ``Extracted``:
the article's text as Markdown and what it says about itself. Pure: bytes in, a value out.

Saved pages go through trafilatura, offline (it is never given anything to fetch). Text scrapes
lose the scraper's junk lines, which are data (``JUNK_LINES``, extended by a project's
``import_junk`` in briefgen.yaml), not code.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from .parse import decode

MIN_CHARS = 500
"""Less text than this from a saved page is a paywall, a gallery or an index page, not an article:
the shortest news item in the corpus has 2,300 characters, a paywall teaser about 150."""

JUNK_LINES: tuple[str, ...] = (
    # error widgets
    r"oops!?", r"something went wrong\.?", r"please try again( later)?\.?", r"(an )?error (has )?occurred\.?",
    # share and print buttons
    r"(share|tweet|print|email|e-mail|copy link|facebook|twitter|linkedin|whatsapp|telegram|reddit|pinterest)"
    r"( (this|the) (article|story|page))?( on \w+)?:?",
    # subscription and newsletter prompts
    r"(subscribe|sign up|sign in|log in|register)\b.{0,100}", r".{0,60}\bnewsletter\b.{0,60}",
    # cookie banners
    r"(we|this (web)?site) uses? cookies.*", r"(accept|allow|reject|manage) (all )?cookies.*", r"cookie (settings|preferences|policy).*",
    # donation appeals
    r".*\bconsider supporting\b.*", r".*\bsupport (our|independent) journalism\b.*", r"(please )?(donate|support us)( now| today)?[.!]?",
    r"become a (member|patron|subscriber)\b.*",
    # page furniture
    r"advertisement", r"(skip|jump) to (main )?content", r"(©|\(c\)|copyright)\s.{0,80}", r"(continue|keep) reading.{0,40}", r"\d+ comments?",
)
"""Patterns (Python regular expressions, case-insensitive) a whole line of a text scrape is junk
by, after its list bullet; a project adds its own under ``import_junk`` in briefgen.yaml."""

READ_ALSO = re.compile(r"^(?:read also|read more|see also|also read|related)\s*:\s*(?P<title>\S.*)$", re.IGNORECASE)
"""A 'Read also: X' line: a link the scraper flattened; it becomes one of the article's ``links``."""

_BULLET = re.compile(r"^[\s\u2022\u00b7\u25aa\u25cf*+-]*")
_DATE_SEGMENT = re.compile(r"^[\d./ -]+$")


@dataclass(frozen=True, slots=True)
class ReadAlso:
    title: str
    url: str | None
    """The link's address when the source gave one (a saved page does; a text scrape never)."""


@dataclass(frozen=True, slots=True)
class Extracted:
    """An article as a source gave it; None where the source says nothing."""

    title: str
    body: str
    """The text as Markdown, paragraphs separated by blank lines."""
    outlet: str | None = None
    url: str | None = None
    author: str | None = None
    published: dt.date | None = None
    language: str | None = None
    links: tuple[ReadAlso, ...] = ()
    junk: int = 0
    """How many junk lines were dropped."""


@dataclass(frozen=True, slots=True)
class Refused:
    """A source that yields no article, and why (said to the analyst as a warning)."""

    reason: str


def kind_of(name: str, raw: bytes) -> str:
    """'html', 'text' or 'markdown', from the file name, or from the bytes for standard input."""
    lower = name.lower()
    if lower.endswith((".html", ".htm", ".xhtml")):
        return "html"
    if lower.endswith((".md", ".markdown")):
        return "markdown"
    if lower.endswith(".txt"):
        return "text"
    head = raw[:2048].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<body" in head:
        return "html"
    return "markdown" if raw.startswith(b"---\n") or raw.lstrip().startswith(b"# ") else "text"


def junk_rules(extra: tuple[str, ...] = ()) -> re.Pattern:
    """The built-in junk patterns and a project's own, as one matcher of whole lines."""
    return re.compile("|".join(f"(?:{p})" for p in (*JUNK_LINES, *extra)), re.IGNORECASE)


def from_text(raw: bytes, junk: re.Pattern) -> Extracted | Refused:
    """A raw text scrape: junk lines and repeated lines dropped, 'Read also' lines made links, the
    first line the title, each remaining line a paragraph."""
    text, problems = decode(raw, "-")
    if text is None:
        return Refused(f"line {problems[0].line}: {problems[0].message} ({problems[0].hint or 'save it as UTF-8'})")
    seen: set[str] = set()
    paragraphs: list[str] = []
    links: list[ReadAlso] = []
    dropped = 0
    for line in text.split("\n"):
        shown = line.strip()
        if not shown:
            continue
        if junk.fullmatch(_BULLET.sub("", shown)) or shown in seen:
            dropped += 1
            continue
        seen.add(shown)
        also = READ_ALSO.match(shown)
        if also:
            links.append(ReadAlso(also.group("title").strip(), None))
            continue
        paragraphs.append(shown)
    if not paragraphs:
        return Refused("no text left once the junk lines are dropped")
    title, rest = paragraphs[0], paragraphs[1:]
    return Extracted(title, "\n\n".join(escape_markdown(p) for p in rest) + "\n", links=tuple(links), junk=dropped)


_MD_INLINE = re.compile(r"([\\`*_\[\]<>])")
_MD_LINE_START = re.compile(r"^(#{1,6}\s|>|[-+]\s|\d+[.)]\s|={3,}|-{3,})")


def escape_markdown(paragraph: str) -> str:
    """Plain text as Markdown that renders as the same text: only what Markdown would read as markup."""
    escaped = _MD_INLINE.sub(r"\\\1", paragraph)
    return _MD_LINE_START.sub(lambda m: "\\" + m.group(), escaped)


def from_markdown(raw: bytes) -> Extracted | Refused:
    """A Markdown file: its front matter, if it has one, as an article's (validated the same way);
    the title, unless that gives one, is the first heading, taken out of the body."""
    from .parse import parse
    from .schema import ArticleMeta

    text, problems = decode(raw, "-")
    if text is None:
        return Refused(f"line {problems[0].line}: {problems[0].message}")
    meta = ArticleMeta()
    if text.startswith("---\n"):
        doc = parse("article", "-.md", "x", raw)
        if not isinstance(doc.data, ArticleMeta):
            return Refused("its front matter has errors: " + "; ".join(str(d) for d in doc.diagnostics))
        meta, end = doc.data, text.find("\n---", 3)
        text = text[text.find("\n", end + 1) + 1:] if end >= 0 else text
    heading = re.search(r"^#\s+(.+?)\s*#*\s*$", text, re.MULTILINE)
    if meta.title:
        title, body = meta.title, text
    elif heading is not None:
        title, body = heading.group(1), text[: heading.start()] + text[heading.end():]
    else:
        title = next((line.strip() for line in text.split("\n") if line.strip()), "")
        body = text.split(title, 1)[1] if title else text
    if not title:
        return Refused("no text")
    return Extracted(title, body.strip("\n") + "\n", meta.outlet, meta.url, meta.author, meta.published, meta.language)


def from_html(raw: bytes, junk: re.Pattern | None = None) -> Extracted | Refused:
    """A saved web page: main text as Markdown (paragraphs, links, emphasis) and metadata, with
    trafilatura; the language, site name and headline tidied from the page's own tags."""
    import lxml.html
    import trafilatura
    from trafilatura.settings import Document
    from trafilatura.xml import xmltotxt

    try:
        tree = lxml.html.document_fromstring(raw)
    except (ValueError, lxml.etree.ParserError) as exc:
        return Refused(f"not an HTML page ({exc})")
    # trafilatura's own extractor first; its fallbacks (readability, jusText) only when that finds
    # too little: on the corpus they change nothing and cost a fifth of the time (33 -> 26 ms a page).
    doc: Document | None = None
    body, chars = "", 0
    for fast in (True, False):
        found = trafilatura.bare_extraction(raw, fast=fast, with_metadata=True, include_links=True,
                                            include_formatting=True, include_comments=False, output_format="markdown")
        doc = found if isinstance(found, Document) else None  # a dict only when asked for (as_dict)
        body = xmltotxt(doc.body, True) if doc is not None and doc.body is not None else ""
        chars = len(re.sub(r"\s+", " ", body).strip())
        if chars >= MIN_CHARS:
            break
    if doc is None or chars < MIN_CHARS:  # no text without a document
        return Refused(f"only {chars} characters of text: paywalled, or not an article?")
    host = (urlsplit(doc.url).hostname or "") if doc.url else (doc.hostname or "")
    segments = re.split(r"\s+[|\u2013\u2014-]\s+", doc.title or "")
    outlet = _outlet(segments, _meta(tree, "og:site_name"), doc.sitename, host)
    title = _headline(segments, outlet, host) or (doc.title or "").strip()
    published = None
    if doc.date:
        try:
            published = dt.date.fromisoformat(doc.date[:10])
        except ValueError:
            pass
    return Extracted(title, _tidy(body, title, junk), outlet, doc.url or None, (doc.author or "").strip() or None,
                     published, _language(tree))


def _meta(tree, prop: str) -> str | None:
    found = tree.xpath(f'//meta[@property="{prop}" or @name="{prop}"]/@content')
    return found[0].strip() if found and found[0].strip() else None


def _squash(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _host_label(host: str) -> str:
    parts = [p for p in host.lower().split(".") if p and p != "www"]
    return parts[-2] if len(parts) >= 2 else (parts[0] if parts else "")


def _outlet(segments: list[str], site_name: str | None, sitename: str | None, host: str) -> str | None:
    """The name the site gives itself: a part of its headline that is its host name ('| DW |'), else
    its og:site_name, else trafilatura's site name unless that is only the host name run together
    ('Futurezoneat'), else the host name's main label ('futurezone')."""
    label = _host_label(host)
    for segment in segments[1:]:
        if label and _squash(segment) in (label, _squash(host)):
            return segment.strip()
    for name in (site_name, sitename):
        if name and not ("." not in name and _squash(name) == _squash(host) and "." in host):
            return name
    return label or None


def _headline(segments: list[str], outlet: str | None, host: str) -> str:
    """The title without the site name and date a page appends ('X | DW | 19.01.2020' -> 'X')."""
    names = {_squash(n) for n in (outlet or "", host, _host_label(host)) if n}
    kept = [s for s in segments if _squash(s) not in names and not _DATE_SEGMENT.match(s.strip())]
    return " | ".join(s.strip() for s in kept) if len(kept) < len(segments) else ""


def _language(tree) -> str | None:
    """The page's language: ``<html lang>``, else its content-language or language meta tag."""
    value = tree.get("lang") or _meta_equiv(tree, "content-language") or _meta(tree, "language")
    if not value:
        return None
    parts = value.strip().replace("_", "-").split("-")
    if not re.fullmatch(r"[A-Za-z]{2,3}", parts[0]):
        return None
    return "-".join([parts[0].lower(), *(p.upper() if len(p) == 2 else p for p in parts[1:])])


def _meta_equiv(tree, name: str) -> str | None:
    for element in tree.iter("meta"):
        if (element.get("http-equiv") or "").lower() == name:
            return (element.get("content") or "").strip() or None
    return None


def _tidy(body: str, title: str, junk: re.Pattern | None) -> str:
    """The page's Markdown without what trafilatura keeps of its furniture: whatever comes before
    the page's own headline, the headline itself (it is the front matter's title), and a last
    heading with nothing under it ('## Shares', '## User comments')."""
    lines = [line.rstrip() for line in body.strip("\n").split("\n")]
    for i, line in enumerate(lines):
        if line.startswith("# ") and _squash(line[2:]) == _squash(title):
            lines = lines[i + 1:]
            break
    if junk is not None:
        lines = [line for line in lines if not junk.fullmatch(_BULLET.sub("", line.strip())) or not line.strip()]
    while lines and (not lines[-1].strip() or re.match(r"#{1,6}\s", lines[-1])):
        lines.pop()
    text = "\n".join(lines).strip("\n")
    return re.sub(r"\n{3,}", "\n\n", text) + "\n"
