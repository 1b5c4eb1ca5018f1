"""Ids, output paths and URLs: the only module that converts between them.

Three kinds of string travel through a build and must not be confused:
- an *id* (``kim-jong-un``), the stable name of a topic, actor, claim or article;
- a *site path* (``/actors/kim-jong-un/``), where a page lives inside the site;
- an *href*, what a page writes into a link: relative (works from ``file://``) when the site has
  no base URL, path-absolute under the base URL's path when it has one.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

from slugify import slugify

ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_ID_RE = re.compile(ID_PATTERN)
WINDOWS_RESERVED = frozenset(
    ["con", "prn", "aux", "nul"] + [f"com{i}" for i in range(1, 10)] + [f"lpt{i}" for i in range(1, 10)]
)

SECTIONS = {"article": "articles", "topic": "topics", "actor": "actors", "claim": "claims"}


def id_problem(value: str) -> str:
    """Why ``value`` cannot be an id, or '' when it can."""
    if not _ID_RE.fullmatch(value):
        return "ids are lowercase letters, digits and single hyphens, like 'kim-jong-un'"
    if value in WINDOWS_RESERVED:
        return f"'{value}' is a reserved file name on Windows; choose another id"
    return ""


_APOSTROPHES = [["'", ""], ["\u2019", ""], ["\u02bc", ""]]


def suggest_id(text: str) -> str:
    """The id a human would write for ``text``: 'Kim Jong Un' -> 'kim-jong-un', 'Jürgen Müller' ->
    'jurgen-muller', "O'Brien" -> 'obrien', '북한' -> 'bughan'.

    Letters are transliterated to ASCII by python-slugify (text-unidecode's tables); an apostrophe
    joins the letters around it, as people write names in ids. '' when nothing is left.
    """
    return slugify(text, replacements=_APOSTROPHES, max_length=120, word_boundary=True)


def site_path(kind: str, ident: str | None = None) -> str:
    """The site path of an entity page, or of a section index when ``ident`` is None: for what sits
    below the planner (resolve's claim links in article texts, search records, briefing.json);
    everything else asks the page-kind registry (``pages.KINDS``), whose entity routes are these."""
    section = SECTIONS.get(kind, kind)
    return f"/{section}/{ident}/" if ident else f"/{section}/"


def entity_route(kind: str) -> str:
    """The route of an entity's pages, for its registry entry: ``actor`` -> ``/actors/{id}/``."""
    return site_path(kind, "{id}")


def fill(route: str, ident: str | None = None, part: str | None = None, anchor: str | None = None) -> str:
    """The site path a route gives: ``/actors/{id}/`` with ``kim`` -> ``/actors/kim/``; ``part``: a
    file or folder below it (``feed.xml``, ``reports/``), ``anchor``: a fragment (``quote-x``).

    A route names a page kind's pages (``pages.KINDS``); this is the only place one becomes a path.
    """
    if "{id}" in route:
        if not ident:
            raise ValueError(f"the route {route} needs an id")
        path = route.replace("{id}", ident)
    elif ident:
        raise ValueError(f"the route {route} takes no id, got {ident!r}")
    else:
        path = route
    if part:
        if not path.endswith("/"):
            raise ValueError(f"{path} is a file: nothing lies below it")
        path += part
    return f"{path}#{anchor}" if anchor else path


FEED = "feed.xml"
"""An entity's Atom feed lies beside its page: ``/topics/x/feed.xml`` (the site's: ``/feed.xml``)."""


def quote_anchor(claim: str) -> str:
    """The fragment of a claim's quoted passage in an article's text: ``quote-<claim id>``."""
    return f"quote-{claim}"


PAGEFIND = "pagefind"
"""The folder of the search bundle Pagefind writes (``search.FOLDER`` says it again: search.py is
being reworked on main, its shards; it should take this one when that lands)."""


def pagefind_path(name: str) -> str:
    """A file of the search bundle: ``/pagefind/pagefind-ui.js``."""
    return f"/{PAGEFIND}/{name}"


def asset_path(name: str) -> str:
    """Where a theme or project static file is published, by its hashed name: ``/static/style.3f2a9c1b.css``."""
    return f"/static/{name}"


def list_path(base: str, number: int = 1) -> str:
    """Page ``number`` (from 1) of the complete list at ``base`` (a site path ending in '/'):
    ``base`` itself for the first page, ``base + 'page/N/'`` after it (Hugo's paginator paths,
    stable as a list grows at its end)."""
    return base if number == 1 else f"{base}page/{number}/"


_PAGED = re.compile(r"/page/[0-9]+/$")


def paged(path: str) -> bool:
    """Whether a site path is a later page of a list (``list_path`` with a number above 1)."""
    return bool(_PAGED.search(path))


def pdf_path(ident: str) -> str:
    """The site path of a topic's PDF briefing: beside its page, named after the topic, so that a
    saved or mailed copy keeps a telling name (``/topics/x/x.pdf``)."""
    return f"{site_path('topic', ident)}{ident}.pdf"


def output_file(path: str) -> str:
    """The file, relative to the output folder, that serves a site path."""
    rel = path.lstrip("/")
    if rel == "" or rel.endswith("/"):
        return rel + "index.html"
    return rel


@lru_cache(maxsize=64)
def base_path(base_url: str | None) -> str:
    """The path part of a base URL, always ending in '/'."""
    if not base_url:
        return "/"
    path = urlsplit(base_url).path or "/"
    return path if path.endswith("/") else path + "/"


def href(target: str, current: str, base_url: str | None) -> str:
    """The link a page at site path ``current`` writes to reach site path ``target``.

    Without a base URL the link climbs to the site's root and descends again (``../../x/``): one
    rule for every page, cheap enough for the hundreds of links on a topic page.
    """
    path, hash_, fragment = target.partition("#")
    suffix = hash_ + fragment
    if path == "" and suffix:
        return suffix
    if base_url:
        return base_path(base_url) + path.lstrip("/") + suffix
    if path.endswith("/"):
        path += "index.html"
    return "../" * (current.count("/") - 1) + path.lstrip("/") + suffix


def absolute_url(target: str, base_url: str | None) -> str:
    """A full URL for feeds, sitemaps and canonical tags; the site path when there is no base."""
    if not base_url:
        return target
    root = base_url if base_url.endswith("/") else base_url + "/"
    return root + target.lstrip("/")


def body_link(value: str, current: str, base_url: str | None) -> str:
    """A link written by hand in Markdown, made to work where the site is read.

    Site-absolute links (``/topics/x/``) become hrefs like the theme's; relative links to a folder
    (``../other/``) get their ``index.html`` when the site has no base URL, as file:// needs;
    external links, anchors and files are left alone.
    """
    if value.startswith("//") or urlsplit(value).scheme or value.startswith("#"):
        return value
    if value.startswith("/"):
        return href(value, current, base_url)
    path, hash_, fragment = value.partition("#")
    if not base_url and (path.endswith("/") or path in ("", ".", "..")) and path:
        return path.rstrip("/") + "/index.html" + hash_ + fragment
    return value
