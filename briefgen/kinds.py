"""The page-kind registry's shape: one ``PageKind`` entry per kind of page, in planning order.

Like markdown-it-py's rule lists, a kind is declared once, in one entry: how its pages are planned,
the template that renders them, the route they live at, its place in the site's navigation, the
feed beside its pages, whether the sitemap lists them and the search indexes them, and, for a
complete list below an entity's page, what the list holds. The entries themselves are
``pages.KINDS``; the planning loop (``pages.plan``), the sitemap, the navigation (``base.html``),
``url_for`` and the list pages all read them, so adding a page kind is one entry and its template
(ARCHITECTURE.md, "Adding a page kind").
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, NamedTuple

from .paths import fill

if TYPE_CHECKING:
    from . import model as m
    from .pages import Page
    from .schema import SiteConfig

Keep = Callable[[str, Callable[["m.Briefing"], "Page"]], "Page"]
"""``plan``'s memo: the page at a path, planned again only when what it read changed."""
Derive = Callable[[tuple, Callable[["m.Briefing"], Any]], Any]
"""``plan``'s memo of a value the planners work out for several pages (an entity's complete
list, to count its pages; /claims/ in order), under a key: worked out again only when what it
read changed."""


class Planning(NamedTuple):
    """What a kind's planner plans from."""

    b: m.Briefing
    keep: Keep
    pages: list[Page]
    """The pages planned so far (the feeds follow them, the sitemap lists them)."""
    derive: Derive
    size: Derive
    """How long a value ``derive`` would make under the same key is: an entity's complete list, to
    count its pages. The CLI's ledger keeps it with its reads, so the list is made only for a
    page planned again, not for every entity."""


Planner = Callable[[Planning, "PageKind", "str | None"], "list[Page]"]
"""(planning, the kind's own entry, the owner's id for a kind below an entity) -> its pages."""


class Nav(NamedTuple):
    """A kind's link in every page's header: its first page, under ``label``, by ``order``."""

    label: str
    order: int


class Listing(NamedTuple):
    """A complete list of an entity's (a topic's claims, an actor's articles...), on pages of its
    own below the entity's page when the entity's page shows only the start of it (its cap)."""

    entry: str
    """What an entry is, as list.html writes it out: claim, article, event or report."""
    heading: str
    """The list's heading, after which the entity's name follows."""
    cap: str
    """The setting in ``caps`` that says how much of it the entity's page shows."""
    items: Callable[[m.Briefing, str], list]
    """The complete list, in the order it is shown."""


def always(config: SiteConfig) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class PageKind:
    """One kind of page: everything about it that is not the planner's own business."""

    name: str
    """What ``Page.kind`` says, templates test and ``url_for`` takes: ``actor``, ``topic-claims``."""
    route: str
    """Where its pages live: ``/actors/{id}/`` (``{id}``: the entity's), ``/timeline/``,
    ``/feed.xml``; a paginated kind's later pages follow ``paths.list_path``."""
    template: str
    plan: Planner
    nav: Nav | None = None
    owner: str | None = None
    """The kind below whose every page this one's are planned (a topic's claims: ``topic``)."""
    listing: Listing | None = None
    feed: Callable[[m.Briefing, str], Page] | None = None
    """Its pages' Atom feed, beside each page (``paths.FEED``): planned by the ``feed`` kind."""
    sitemap: bool = True
    """Whether the sitemap lists its pages (the first page of a paginated one)."""
    lastmod: Callable[[m.Briefing, str], dt.date | None] | None = None
    """A page's lastmod in the sitemap, from its id; None: the newest article's date."""
    search: bool = False
    """Whether its pages are search results (Pagefind indexes their ``main``, with filters)."""
    enabled: Callable[[SiteConfig], bool] = always
    """Whether the site has pages of this kind at all (and its nav link)."""

    def path(self, ident: str | None = None, part: str | None = None, anchor: str | None = None) -> str:
        """The site path of its page for ``ident`` (see ``paths.fill``)."""
        return fill(self.route, ident, part, anchor)


class Registry:
    """Page kinds in planning order, by name. Mutable like markdown-it's ``Ruler`` (``add``), so a
    test can register a kind for one build (``added``)."""

    def __init__(self, kinds: Iterable[PageKind]) -> None:
        self._kinds: list[PageKind] = []
        self._named: dict[str, PageKind] = {}
        """By name: looked up once per page planned (a dict, not a walk down the list)."""
        self._below: dict[str, tuple[PageKind, ...]] = {}
        """Owner -> the kinds below it: asked once per entity planned. Emptied by add and remove."""
        for kind in kinds:
            self.add(kind)

    def add(self, kind: PageKind, before: str | None = None) -> None:
        """Register ``kind``, last or before the kind named ``before``."""
        if kind.name in self:
            raise ValueError(f"page kind '{kind.name}' is registered already")
        if kind.owner is not None and kind.owner not in self:
            raise ValueError(f"page kind '{kind.name}' lies below '{kind.owner}', which is not registered")
        if kind.nav is not None and "{id}" in kind.route:
            raise ValueError(f"page kind '{kind.name}' has a page per id ({kind.route}): no one page for its nav link")
        at = len(self._kinds) if before is None else [k.name for k in self._kinds].index(before)
        self._kinds.insert(at, kind)
        self._named[kind.name] = kind
        self._below.clear()

    def remove(self, name: str) -> None:
        self._kinds.remove(self[name])
        del self._named[name]
        self._below.clear()

    @contextmanager
    def added(self, kind: PageKind, before: str | None = None) -> Iterator[PageKind]:
        """``kind`` registered for the ``with`` block only."""
        self.add(kind, before)
        try:
            yield kind
        finally:
            self.remove(kind.name)

    def __getitem__(self, name: str) -> PageKind:
        try:
            return self._named[name]
        except KeyError:
            raise KeyError(f"no page kind '{name}' (known: {', '.join(k.name for k in self._kinds)})") from None

    def get(self, name: str) -> PageKind | None:
        return self._named.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._named

    def __iter__(self) -> Iterator[PageKind]:
        return iter(tuple(self._kinds))

    def below(self, owner: str) -> tuple[PageKind, ...]:
        """The kinds planned below each page of ``owner``, in order."""
        if owner not in self._below:
            self._below[owner] = tuple(k for k in self._kinds if k.owner == owner)
        return self._below[owner]

    def nav(self, config: SiteConfig) -> list[tuple[str, str]]:
        """The header's links: (site path, label) of every enabled kind with a nav entry, by order."""
        shown = sorted((k for k in self._kinds if k.nav is not None and k.enabled(config)),
                       key=lambda k: (k.nav.order if k.nav else 0, k.name))
        return [(k.path(), k.nav.label) for k in shown if k.nav is not None]
