"""Plan the site: one Page per output file, each with exactly the data its template shows.

A page's context holds only the model objects it displays (never the whole briefing), so a
fingerprint of the context is a fingerprint of everything the page depends on: the render cache
re-renders a page exactly when something it shows has changed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Iterable, Mapping, NamedTuple, Sized, TypeVar

from . import editions as ed
from . import figures
from . import model as m
from . import reads
from .kinds import Listing, Nav, PageKind, Planner, Planning, Registry
from .paths import FEED, entity_route, fill, list_path, paged, pdf_path, quote_anchor, site_path
from .schema import SiteConfig
from .vocabulary import ACTOR_KINDS


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page:
    path: str
    """Site path, e.g. /topics/north-korea/ or /404.html."""
    kind: str
    """Its kind's name in the registry (``KINDS``): home, topic, actor, topic-claims, feed..."""
    template: str
    context: Mapping[str, Any]
    """What its template shows: a dict, or for a page kept from the last CLI build, ``Later``."""
    title: str
    ident: str = ""
    """The id its route was filled with ('' for a page of none): the entity's (or, for a list
    below it, its owner's), an edition's date."""

    @classmethod
    def of(cls, kind: str, context: dict, title: str, ident: str | None = None, number: int = 1) -> Page:
        """Page ``number`` of ``kind`` for ``ident``: its path and template are its registry entry's."""
        k = KINDS[kind]
        return cls(list_path(k.path(ident), number), kind, k.template, context, title, ident or "")


class _Refs:
    """Collects the entities a page links to, so templates can name and link them."""

    def __init__(self, b: m.Briefing):
        self.b = b
        self.actors: dict[str, m.Actor] = {}
        self.articles: dict[str, m.Article] = {}
        self.topics: dict[str, m.Topic] = {}
        self.claims: dict[str, m.Claim] = {}
        self.outlets: dict[str, str] = {}
        """Article slug -> the media actor that is its outlet, for the articles shown."""

    def actor(self, ident: str | None) -> None:
        if ident and ident not in self.actors:
            actor = self.b.actors[ident]
            self.actors[ident] = actor
            if actor.affiliation:
                self.actors.setdefault(actor.affiliation, self.b.actors[actor.affiliation])

    def article(self, slug: str) -> None:
        if slug not in self.articles:
            self.articles[slug] = self.b.articles[slug]
            outlet = self.b.article_outlets.get(slug)
            if outlet:
                self.outlets[slug] = outlet
                self.actor(outlet)

    def topic(self, ident: str) -> None:
        self.topics.setdefault(ident, self.b.topics[ident])

    def claim(self, cid: str, deep: bool = True) -> None:
        claim = self.b.claims[cid]
        self.claims[cid] = claim
        if not deep:
            return
        for a in (claim.by, *claim.via, *claim.about, *claim.origins):
            self.actor(a)
        for source in claim.sources[:self.b.config.caps.reports]:  # what a page shows of them (claim_card)
            self.article(source.article)
            for a in (source.by, *source.via):
                self.actor(a)
        for other in (*claim.contradicts, *claim.supports, *self.b.claim_contradicted_by.get(cid, ()),
                      *self.b.claim_supported_by.get(cid, ())):
            self.claim(other, deep=False)
            self.actor(self.b.claims[other].by)

    def event(self, event: m.Event) -> None:
        for slug in event.articles:
            self.article(slug)
        for a in event.actors:
            self.actor(a)

    def context(self, **extra) -> dict:
        return {"actors": self.actors, "articles": self.articles, "topics": self.topics, "claims": self.claims,
                "outlets": self.outlets,
                "contradicted_by": {c: self.b.claim_contradicted_by[c] for c in self.claims if c in self.b.claim_contradicted_by},
                **extra}


class Pager(NamedTuple):
    """Where a page of a complete list stands: its number, the other pages' paths, what it shows."""

    base: str
    """The list's path: its first page."""
    number: int
    """This page's number, from 1."""
    count: int  # type: ignore[assignment]  # templates say pager.count; tuple.count is not used
    """How many pages the list has."""
    total: int
    """How many entries the list has."""
    per_page: int

    def path(self, number: int) -> str:
        return list_path(self.base, number)

    def titled(self, title: str) -> str:
        """A list's page title: the list's own on its first page, with the page number after it."""
        return title if self.number == 1 else f"{title} (page {self.number})"

    @property
    def first(self) -> int:
        """The number of this page's first entry, from 1."""
        return (self.number - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        return min(self.number * self.per_page, self.total)

    @property
    def numbers(self) -> tuple[int | None, ...]:
        """The page numbers a pager links: the first, the last, two on each side of this one;
        None where numbers are left out."""
        near = sorted({1, self.count, *range(max(1, self.number - 2), min(self.count, self.number + 2) + 1)})
        out: list[int | None] = []
        for n in near:
            if out and n - (out[-1] or 0) > 1:
                out.append(None)
            out.append(n)
        return tuple(out)


def page_count(total: int, per_page: int) -> int:
    """Pages of a list of ``total`` entries: at least one, so an empty list still has its page."""
    return max(1, -(-total // per_page))


def _page_of(base: str, items: list, number: int, per_page: int) -> tuple[list, Pager]:
    """Entries ``number`` shows of ``items``, and its pager."""
    pager = Pager(base, number, page_count(len(items), per_page), len(items), per_page)
    return items[(number - 1) * per_page: number * per_page], pager


class More(NamedTuple):
    """A list a page shows only the start of: how many entries it has, and where all of them are."""

    total: int
    path: str


def _topic_events(b: m.Briefing, ident: str) -> list[m.Event]:
    """A topic's events in date order, each once (``b.events`` filtered to the topic, without reading
    every other article's events)."""
    return _merged(b, (e for slug in b.topic_articles.get(ident, ()) for e in b.articles[slug].events))


def _actor_articles(b: m.Briefing, ident: str) -> list[str]:
    """The articles naming an actor and those it published, newest first as the briefing orders them."""
    return sorted({*b.actor_articles.get(ident, ()), *b.actor_published.get(ident, ())},
                  key=lambda s: (-(b.articles[s].published or dt.date.min).toordinal(), s))


def _published_reports(b: m.Briefing, ident: str) -> list[tuple[str, m.Source]]:
    """The reports in the articles an outlet published: (claim id, report), newest first."""
    return [(cid, s) for slug in b.actor_published.get(ident, ()) for cid in b.articles[slug].claims
            for s in b.claims[cid].sources if s.article == slug]


def _capped(b: m.Briefing, kind: str, ident: str, items: list | None = None) -> tuple[list, More | None]:
    """The start of one of an entity's lists that its page shows, and where the rest is (None when
    the page shows it all)."""
    lk = KINDS[kind]
    assert lk.listing is not None, kind
    items = lk.listing.items(b, ident) if items is None else items
    cap = getattr(b.config.caps, lk.listing.cap)
    if len(items) <= cap:
        return items, None
    return items[:cap], More(len(items), lk.path(ident))


def _name(b: m.Briefing, owner: str, ident: str) -> str:
    if owner == "topic":
        return b.topics[ident].title
    if owner == "actor":
        return b.actors[ident].name
    return b.claims[ident].statement


def _whole(b: m.Briefing, whole: T | None, order: Callable[[m.Briefing], T]) -> T:
    """An index in order: ``whole`` when the plan worked it out once for all its pages
    (``Planning.derive``, whose reads count as the page's), else ``order(b)``."""
    return order(b) if whole is None else whole


def _list_page(b: m.Briefing, kind: str, ident: str, number: int, items: list | None = None) -> Page:
    """Page ``number`` of an entity's complete list; ``items``: the list as ``Planning.derive``
    worked it out for the plan (one sort per list, not one per page; the plan counts what it
    read as read by the page)."""
    lk = KINDS[kind]
    listing, owner = lk.listing, lk.owner
    assert listing is not None and owner is not None, kind
    if items is None:
        items = listing.items(b, ident)
    entries, pager = _page_of(lk.path(ident), items, number, b.config.pagination.per_page)
    refs = _Refs(b)
    getattr(refs, owner)(ident) if owner != "claim" else refs.claim(ident, deep=False)
    for entry in entries:
        if listing.entry == "claim":
            refs.claim(entry)
        elif listing.entry == "article":
            refs.article(entry)
        elif listing.entry == "event":
            refs.event(entry)
        else:
            cid, source = entry
            refs.claim(cid, deep=False)
            refs.article(source.article)
            for a in (source.by, *source.via):
                refs.actor(a)
    name = _name(b, owner, ident)
    ctx = refs.context(list={"kind": kind, "owner": owner, "entry": listing.entry, "heading": listing.heading}, owner=ident,
                       owner_path=KINDS[owner].path(ident), owner_name=name, entries=entries, pager=pager)
    return Page.of(kind, ctx, pager.titled(f"{listing.heading} {name}"), ident, number)


def _plan_list(p: Planning, kind: PageKind, ident: str | None) -> list[Page]:
    """The pages of an entity's complete list, when its own page shows only the start of it."""
    listing = kind.listing
    assert listing is not None and ident is not None, kind.name
    key = ("list", kind.name, ident)
    size = p.size(key, lambda b: listing.items(b, ident))
    if size <= getattr(p.b.config.caps, listing.cap):
        return []

    def page(b: m.Briefing, number: int) -> Page:
        return _list_page(b, kind.name, ident, number, p.derive(key, lambda b: listing.items(b, ident)))
    return [p.keep(list_path(kind.path(ident), n), _bound(page, n))
            for n in range(1, page_count(size, p.b.config.pagination.per_page) + 1)]


def _bound(make: Callable[[m.Briefing, T], Page], arg: T) -> Callable[[m.Briefing], Page]:
    """``make`` for one entity or page number: what ``keep`` plans a page with."""
    return lambda b: make(b, arg)


def single(make: Callable[[m.Briefing], Page], kept: bool = True) -> Planner:
    """The planner of a kind of one page (home, /topics/...); ``kept``: through the memo (a page
    that shows nothing of the Briefing is made afresh)."""
    def planner(p: Planning, kind: PageKind, owner: str | None) -> list[Page]:
        return [p.keep(kind.path(), make) if kept else make(p.b)]
    return planner


def each(ids: Callable[[m.Briefing], Iterable[str]], make: Callable[[m.Briefing, str], Page]) -> Planner:
    """The planner of a page per entity, each followed by the pages of the kinds below it."""
    def planner(p: Planning, kind: PageKind, owner: str | None) -> list[Page]:
        out = []
        for ident in ids(p.b):
            out.append(p.keep(kind.path(ident), _bound(make, ident)))
            for below in KINDS.below(kind.name):
                out += below.plan(p, below, ident)
        return out
    return planner


def numbered(total: Callable[[m.Briefing], int], make: Callable[..., Page], order: Callable[[m.Briefing], Any]) -> Planner:
    """The planner of a site-wide index on numbered pages (/articles/, /claims/, /actors/, /timeline/).

    ``order(b)``, the whole index in order, is worked out once per plan (``Planning.derive``), when
    the first page planned needs it, and each page cut from it (``make(b, number, whole)``): once per page is quadratic (/claims/, 16,787
    claims on 336 pages, took 15 s at 10,000 articles; /actors/ would take half a minute at 100,000).
    """
    def planner(p: Planning, kind: PageKind, owner: str | None) -> list[Page]:
        def page(b: m.Briefing, number: int) -> Page:
            return make(b, number=number, whole=p.derive((kind.name,), order))
        return [p.keep(list_path(kind.path(), n), _bound(page, n))
                for n in range(1, page_count(total(p.b), p.b.config.pagination.per_page) + 1)]
    return planner


def _plan_feeds(p: Planning, kind: PageKind, owner: str | None) -> list[Page]:
    """The Atom feed beside every page whose kind has one (home: the site's, each topic's)."""
    out = []
    for page in p.pages:
        kind_of_page = KINDS.get(page.kind)
        feed = kind_of_page.feed if kind_of_page is not None else None
        if feed is not None:
            out.append(p.keep(fill(page.path, part=FEED), _bound(feed, page.ident)))
    return out


def source_of(b: m.Briefing, page: Page) -> str:
    """The source file a page is made from, to locate problems found in its output."""
    entities: dict[str, Mapping[str, Any]] = {"article": b.articles, "topic": b.topics, "actor": b.actors, "claim": b.claims}
    entity = entities.get(page.kind, {}).get(page.ident)
    return entity.file if entity is not None else ""


class Planned(NamedTuple):
    """A page, or a value several pages are planned from (``Planning.derive``), as the dev
    server's last plan made it, with the Briefing entries read to make it."""

    value: Any
    read: frozenset
    """reads.Reading's log: it is made again when any of these entries changed."""
    taken: frozenset = frozenset()
    """The keys of the derived values a page took: their reads count as its own."""


class Later(Mapping):
    """The context of a page the plan kept from the last CLI build (``reads.Ledger``): planned
    only if something asks for it (the render stage, when the page's HTML is not in the output
    folder as fingerprinted, or its template changed), exactly as planning would have made it."""

    __slots__ = ("_make", "_context")

    def __init__(self, make: Callable[[], Page]):
        self._make: Callable[[], Page] | None = make
        self._context: Mapping | None = None

    def _made(self) -> Mapping:
        if self._context is None:
            assert self._make is not None
            self._context, self._make = self._make().context, None
        return self._context

    def __getitem__(self, key: str) -> Any:
        return self._made()[key]

    def __iter__(self):
        return iter(self._made())

    def __len__(self) -> int:
        return len(self._made())


def registry_signature(b: m.Briefing) -> bytes:
    """What a ledger's plan was made under: the settings and every page kind's route, template,
    owner and planner. (The code itself is the cache's header: cache.code_digest.)"""
    kinds = tuple((k.name, k.route, k.template, k.owner, getattr(k.plan, "__qualname__", repr(k.plan)),
                   k.enabled(b.config)) for k in KINDS)
    return reads.by_value((b.config.model_dump(), kinds))


def plan(b: m.Briefing, memo: dict | None = None, ledger: reads.Ledger | None = None) -> list[Page]:
    """Every page of the site, in a fixed order: each enabled kind's of the registry (``KINDS``),
    in its order, the pages of a kind below an entity right after the entity's.

    ``memo`` (a Cache's, kept between the dev server's builds) holds the last plan and what each
    page read of its Briefing: a page whose reads did not change is the old Page object, which
    lets the render stage skip it without fingerprinting it again. Whole-site pages (indexes,
    feeds, the data file) read whole mappings, so any change there plans them again; an edit to an
    article's text alone keeps them.

    ``ledger`` (the CLI's, on disk) is the same record by digest: a page whose reads all digest
    as they did is not planned, its context left to be planned ``Later`` if the render stage
    needs it; the ledger is then this plan's.
    """
    kinds = tuple(KINDS)  # a kind registered or removed since (a test's, a plugin's): plan everything again
    changed = reads.changes(memo["briefing"], b) if memo and "briefing" in memo and memo["kinds"] == kinds else None
    if memo and changed is not None and not changed:
        return memo["pages"]
    last: dict[str, dict] = {name: memo.get(name, {}) if memo else {} for name in ("reads", "derived")}
    made: dict[str, dict] = {"reads": {}, "derived": {}}
    """Path -> a page's Planned ("reads"); a derive's key -> a value's Planned ("derived")."""
    if ledger is not None:
        moved, digests = ledger.changes(b, registry_signature(b))
        before, ledger.pages = ledger.pages, {}
        sizes_before, ledger.sizes = ledger.sizes, {}
        derived_before, ledger.derived = ledger.derived, {}

    active: list[set] = []
    """The pages being planned through a Reading, innermost last: the keys of the values derived
    for several pages (``Planning.derive``) each took. A derived value's reads count as read by
    each page that takes it, and are kept once, under its key: /claims/ at 100,000 articles is
    3,351 pages that each take the order of 167,508 claims."""
    stale: dict[object, bool] = {}
    """A derived value's key -> whether an entry it read changed (server) or moved (CLI)."""

    deriving: list[set] = []
    """The derived values being worked out: one at most, as a value derived inside another
    would have its reads counted as the page's, not the outer value's."""

    def nested() -> None:
        if deriving:
            raise RuntimeError("a value derived for several pages (Planning.derive, Planning.size) asked for "
                               "another: its reads would count as the page's, not the value's")

    def planned(make: Callable[[m.Briefing], Any], page: bool) -> Planned:
        if not page:
            nested()
        reading, taken = reads.Reading(b), set[object]()
        nest = active if page else deriving
        nest.append(taken)
        try:
            return Planned(make(reading), frozenset(reading.log), frozenset(taken))  # type: ignore[arg-type]
        finally:
            nest.pop()

    outside: set[object] = set()
    """The derived values the planners took outside any page (an entity's list, counted to know
    its pages): with ``skeleton``'s reads, what decides which pages there are."""

    def take(key: object) -> None:
        nested()
        (active[-1] if active else outside).add(key)

    def changed_since(hit: Planned) -> bool:
        """Whether an entry the last plan's page or value read changed, its derived values' included."""
        assert changed is not None
        if hit.read & changed:
            return True
        for key in hit.taken:
            if key not in stale:
                was = last["derived"].get(key)
                stale[key] = was is None or bool(was.read & changed)
            if stale[key]:
                return True
        return False

    makers: dict[str, Callable[[m.Briefing], Any]] = {}
    """Path -> how its page is planned (the dev server's memo: ``_replan``)."""

    def recall(store: str, key: object, make: Callable[[m.Briefing], Any]) -> Any:
        if ledger is not None:
            return kept(store, key, make)
        if memo is not None and store == "reads":
            makers[key] = make  # type: ignore[index]
        hit = made[store].get(key)  # (a value derived earlier in this plan)
        if hit is None:
            hit = last[store].get(key)
            if hit is None or changed is None or changed_since(hit):  # (a one-off plan records no reads)
                hit = planned(make, store == "reads") if memo is not None else Planned(make(b), frozenset())
            made[store][key] = hit
        if store == "derived":
            take(key)
        return hit.value

    def derived(key: Any, make: Callable[[m.Briefing], Any]) -> Planned:
        """A value derived for several pages, worked out once per plan (the CLI's: only if a page
        planned needs it)."""
        found = made["derived"].get(key)
        if found is None:
            found = made["derived"][key] = planned(make, False)
        return found

    def moved_for(key: object) -> bool:
        """Whether an entry the last ledger's derived value ``key`` read moved (the CLI's)."""
        if key not in stale:
            was = derived_before.get(key)
            stale[key] = was is None or not moved.isdisjoint(was)  # type: ignore[union-attr]
        return stale[key]

    def kept(store: str, key: Any, make: Callable[[m.Briefing], Any]) -> Any:
        assert ledger is not None
        if store == "derived":
            found = derived(key, make)
            take(key)
            return found.value
        hit = before.get(key) if moved is not None else None
        if hit is not None and moved.isdisjoint(hit.read) and not any(map(moved_for, hit.derived)):  # type: ignore[union-attr]
            ledger.pages[key] = hit
            for taken in hit.derived:  # unmoved: the same reads, whether numbered then or now
                ledger.derived.setdefault(taken, derived_before[taken])
            return Page(key, hit.kind, hit.template, Later(lambda: make(b)), hit.title, hit.ident)
        found = planned(make, True)
        page = found.value
        ledger.pages[key] = reads.Kept(page.kind, page.template, page.title, page.ident,
                                       ledger.numbered(found.read, digests), b"", tuple(found.taken))
        for taken in found.taken:
            if taken not in ledger.derived:
                ledger.derived[taken] = ledger.numbered(made["derived"][taken].read, digests)
        return page

    def size(key: tuple, make: Callable[[m.Briefing], Sized]) -> int:
        if ledger is None or active:  # (inside a page: what it reads is the page's, as derive's are)
            return len(recall("derived", key, make))
        hit = sizes_before.get(key) if moved is not None else None
        if hit is None or not moved.isdisjoint(hit[1]):  # type: ignore[union-attr]
            found = derived(key, make)
            hit = (len(found.value), ledger.numbered(found.read, digests))
        ledger.sizes[key] = hit
        return hit[0]

    if memo is not None and changed is not None and "skeleton" in memo:
        replanned = _replan(memo, changed, made, partial(recall, "reads"), b)
        if replanned is not None:
            return replanned
    skeleton = reads.Reading(b) if memo is not None else None
    """What the planners read outside any page (which ids have pages, how many pages a list
    takes) and the pages made afresh each time (``single(kept=False)``, the sitemap)."""
    planning = Planning(skeleton or b, partial(recall, "reads"), [], partial(recall, "derived"), size)  # type: ignore[arg-type]
    for kind in KINDS:
        if kind.owner is None and kind.enabled(b.config):
            planning.pages.extend(kind.plan(planning, kind, None))
    pages = planning.pages
    if memo is not None:
        assert skeleton is not None
        if changed is not None:  # a value no page planned this time asked for, still as it was
            made["derived"].update((key, hit) for key, hit in last["derived"].items()
                                   if key not in made["derived"] and not changed_since(hit))
        memo.clear()
        memo.update(briefing=b, kinds=kinds, pages=pages, **made, makers=makers,
                    skeleton=Planned(None, frozenset(skeleton.log), frozenset(outside)))
    return pages


def _replan(memo: dict, changed: frozenset, made: dict[str, dict],
            keep: Callable[[str, Callable[[m.Briefing], Page]], Page], b: m.Briefing) -> list[Page] | None:
    """The dev server's last plan, with the pages whose reads changed planned again (``keep``,
    into ``made``), when no change touched what decides which pages there are and in what order
    (the planners' reads outside any page, and the values they counted lists by: the memo's
    ``skeleton``): the pages are then the same, and only those that read a changed entry can
    differ. The rest are the last plan's objects, found without running every planner (0.15 s of
    an edit to one article's text at 10,000 articles, 34,000 pages), and the pages that read an
    entry are found by ``Readers``. None when the pages may not be the same: the whole plan runs."""
    reads, derived = memo["reads"], memo["derived"]
    readers: Readers = memo.setdefault("readers", Readers())
    stale = readers.values_reading(changed, derived)
    skeleton = memo["skeleton"]
    if not skeleton.read.isdisjoint(changed) or not stale.isdisjoint(skeleton.taken):
        return None
    pages = memo["pages"]
    again = readers.pages_reading(changed, reads) | readers.pages_taking(stale, reads)
    if again:
        at = memo.get("positions")
        if at is None:
            at = memo["positions"] = {page.path: index for index, page in enumerate(pages)}
        again_in_order = sorted(again, key=at.__getitem__)
        for path in again_in_order:
            keep(path, memo["makers"][path])
        pages = memo["pages"] = list(pages)
        for path in again_in_order:
            pages[at[path]] = made["reads"][path].value
            readers.page_planned(path, reads[path], made["reads"][path])
        reads.update(made["reads"])
    for key in stale:
        readers.value_derived(key, derived.pop(key), made["derived"].get(key))
    for key, hit in made["derived"].items():
        if key not in stale and derived.get(key) is not hit:
            readers.value_derived(key, derived.get(key), hit)
    derived.update(made["derived"])
    memo["briefing"] = b
    return pages


class Readers:
    """Which pages and derived values of the dev server's plan memo read an entry of the
    Briefing, and which pages take a derived value: for an entry (or value) the first time it
    changes, one pass over the plan; then kept up to date as pages and values are planned again,
    so that editing the same article again finds its pages at once. Forgotten with the memo when
    the whole plan runs again."""

    def __init__(self) -> None:
        self.pages: dict[object, set[str]] = {}
        """entry -> the paths of the pages that read it."""
        self.values: dict[object, set[object]] = {}
        """entry -> the keys of the derived values that read it."""
        self.takers: dict[object, set[str]] = {}
        """derived value's key -> the paths of the pages that take it."""

    def pages_reading(self, entries: Iterable, reads: Mapping[str, Planned]) -> set[str]:
        return self._found(entries, reads, self.pages, "read")

    def values_reading(self, entries: Iterable, derived: Mapping[object, Planned]) -> set[object]:
        return self._found(entries, derived, self.values, "read")

    def pages_taking(self, keys: Iterable, reads: Mapping[str, Planned]) -> set[str]:
        return self._found(keys, reads, self.takers, "taken")

    @staticmethod
    def _found(wanted: Iterable, planned: Mapping[Any, Planned], index: dict[object, set], part: str) -> set:
        """Who among ``planned`` has each of ``wanted`` in its ``part`` (read, taken), learned into
        ``index`` by one pass for those not known yet."""
        new = [item for item in wanted if item not in index]
        if new:
            for item in new:
                index[item] = set()
            for key, hit in planned.items():
                for item in getattr(hit, part).intersection(new):
                    index[item].add(key)
        return set().union(*(index[item] for item in wanted))

    def page_planned(self, path: str, old: Planned, new: Planned) -> None:
        """``path``'s page, planned again: what it read and took then and now."""
        for entry in old.read.symmetric_difference(new.read):
            if entry in self.pages:
                (self.pages[entry].add if entry in new.read else self.pages[entry].discard)(path)
        for key in old.taken.symmetric_difference(new.taken):
            if key in self.takers:
                (self.takers[key].add if key in new.taken else self.takers[key].discard)(path)

    def value_derived(self, key: object, old: Planned | None, new: Planned | None) -> None:
        """The derived value ``key``, worked out again (``new``) or dropped (None)."""
        before, after = old.read if old else frozenset(), new.read if new else frozenset()
        for entry in before.symmetric_difference(after):
            if entry in self.values:
                (self.values[entry].add if entry in after else self.values[entry].discard)(key)


def _topic_counts(b: m.Briefing) -> dict[str, tuple[int, int]]:
    """Articles and claims of each topic, as the topic lists show them."""
    return {t: (len(b.topic_articles.get(t, ())), len(b.topic_claims.get(t, ()))) for t in b.topics}


def _newest(b: m.Briefing, slugs: Iterable[str]) -> dt.date | None:
    """The latest publication date among these articles: a page's content date, or None."""
    return max((d for s in slugs if (d := b.articles[s].published) is not None), default=None)


class Stance(NamedTuple):
    """One claim of a contest as a page writes it out."""

    claim: str
    contradicts: tuple[str, ...]
    """The claims of the contest this one contradicts (its own ``contradicts``)."""


class Contest(NamedTuple):
    """Claims joined by ``contradicts``, or one disputed or refuted claim on its own: shown once."""

    stances: tuple[Stance, ...]
    """Earliest reported first, each claim after the claims it contradicts (a cycle: earliest first)."""
    latest: dt.date | None
    """The latest report of any of its claims."""


def _contests(b: m.Briefing, claim_ids: Iterable[str]) -> list[Contest]:
    """The contests these claims are part of, each once, the latest reported first (undated last).

    A contest is a connected group of claims joined by ``contradicts`` in either direction (it may
    reach claims outside ``claim_ids``); a disputed or refuted claim that contradicts nothing and
    that nothing contradicts is a contest of its own.
    """
    seen: set[str] = set()
    contests = []
    for cid in claim_ids:
        if cid in seen or not b.contested(b.claims[cid]):
            continue
        members, todo = [], [cid]
        seen.add(cid)
        while todo:
            c = todo.pop()
            members.append(c)
            for o in (*b.claims[c].contradicts, *b.claim_contradicted_by.get(c, ())):
                if o not in seen:
                    seen.add(o)
                    todo.append(o)
        contests.append(_contest(b, members))
    return sorted(contests, key=lambda k: (-k.latest.toordinal() if k.latest else 1, k.stances[0].claim))


def _contest(b: m.Briefing, members: list[str]) -> Contest:
    first = {c: b.claims[c].first_report for c in members}
    pending = sorted(members, key=lambda c: (f.published if (f := first[c]) and f.published else dt.date.max, c))
    stances: list[Stance] = []
    placed: set[str] = set()
    while pending:
        # the earliest claim whose targets are all shown already; in a cycle, the earliest
        cid = next((c for c in pending if placed.issuperset(b.claims[c].contradicts)), pending[0])
        pending.remove(cid)
        placed.add(cid)
        stances.append(Stance(cid, b.claims[cid].contradicts))
    latest = max((d for c in members if (last := b.claims[c].last_report) and (d := last.published)), default=None)
    return Contest(tuple(stances), latest)


class KeyActor(NamedTuple):
    """An actor of a topic and what it does there: key actors are ranked by these, not by mentions."""

    id: str
    made: int
    """The topic's claims it makes (the ``by`` of any of their reports)."""
    about: int
    """The topic's claims about it."""
    events: int
    """The topic's events it takes part in."""
    judgments: int
    """The topic's key judgments that name it (its name or an alias, as a whole word)."""
    reports: int
    """Reports of the topic's claims it makes, relays or publishes (a report's ``by``, ``via`` or outlet)."""
    mentions: int
    """How often it figures in the topic: articles naming it, claims by, via or about it."""

    @property
    def acts(self) -> int:
        return self.made + self.about + self.events + self.judgments


def _key_actors(b: m.Briefing, ident: str, claim_ids: Iterable[str],
                events: Iterable[m.Event]) -> tuple[list[KeyActor], list[KeyActor]]:
    """A topic's actors as (key actors, sources): the media (kind ``media``) and the conduits (actors
    that only relay its claims) are its sources, ranked by reports; every other actor is ranked by
    what it does in the topic (claims made, claims about it, events, judgments), then mentions."""
    mentions = dict(b.topic_actors.get(ident, ()))
    made: Counter = Counter()
    about: Counter = Counter()
    relayed: Counter = Counter()
    reports: Counter = Counter()
    for cid in claim_ids:
        claim = b.claims[cid]
        made.update({s.by for s in claim.sources} - {None})
        about.update(set(claim.about))
        for s in claim.sources:
            relayed.update(set(s.via))
            reports.update({s.by, *s.via, s.outlet_actor} - {None})
    in_events = Counter(a for e in events for a in set(e.actors))
    judged: Counter = Counter()
    for j in b.topics[ident].judgments:
        text = j.text.casefold()
        judged.update(a for a in {*mentions, *in_events} if any(
            n.casefold() in text and re.search(rf"(?<!\w){re.escape(n.casefold())}(?!\w)", text)
            for n in (b.actors[a].name, *b.actors[a].aliases)))
    every = [KeyActor(a, made[a], about[a], in_events[a], judged[a], reports[a], mentions.get(a, 0))
             for a in dict.fromkeys((*mentions, *in_events))]
    name = {a: b.actors[a].name.casefold() for a in dict.fromkeys((*mentions, *in_events))}
    is_source = {k.id: b.actors[k.id].kind == "media" or bool(relayed[k.id] and not k.acts) for k in every}
    sources = [k for k in every if is_source[k.id]]
    key = [k for k in every if not is_source[k.id]]
    key.sort(key=lambda k: (-k.acts, -k.made, -k.mentions, name[k.id], k.id))
    sources.sort(key=lambda k: (-k.reports, -k.mentions, name[k.id], k.id))
    return key, sources


def _refer_contests(refs: "_Refs", b: m.Briefing, contests: Iterable[Contest]) -> None:
    """What a page that writes these contests out shows of them: each claim and who made it."""
    for contest in contests:
        for stance in contest.stances:
            refs.claim(stance.claim, deep=False)
            refs.actor(b.claims[stance.claim].by)


def _home(b: m.Briefing) -> Page:
    refs = _Refs(b)
    for t in b.topics:
        refs.topic(t)
    caps = b.config.caps
    latest = list(b.articles)[:caps.articles]
    for slug in latest:
        refs.article(slug)
    contests = _contests(b, b.claims)
    _refer_contests(refs, b, contests[:caps.contests])
    ctx = refs.context(latest=latest, edition=ed.current(b.config)[0], contests=contests[:caps.contests],
                       contests_total=len(contests),
                       contested_count=sum(1 for c in b.claims.values() if b.contested(c)), counts=_topic_counts(b),
                       totals={"articles": len(b.articles), "claims": len(b.claims), "actors": len(b.actors),
                               "topics": len(b.topics)})
    return Page.of("home", ctx, b.config.title)


def _topics_index(b: m.Briefing) -> Page:
    index = _Refs(b)
    for t in b.topics:
        index.topic(t)
    return Page.of("topics", index.context(counts=_topic_counts(b)), "Topics")


def _by_weight(b: m.Briefing, claim_ids: Iterable[str]) -> list[str]:
    """Claims as a topic page lists them: by status, strongest first (the order of ``m.STATUSES``),
    then the most recently reported first (undated reports last), then by id."""
    def key(cid: str) -> tuple[int, int, str]:
        claim = b.claims[cid]
        last = claim.last_report
        return m.STATUSES.index(claim.status), -last.published.toordinal() if last and last.published else 1, cid
    return sorted(claim_ids, key=key)


def topic_page(b: m.Briefing, ident: str) -> Page:
    """A topic's briefing: BLUF, judgments, contested claims, the most important claims, key actors,
    recent events and sources, each capped (``config.caps``) with a link to its complete list. Its
    context is also what the topic's PDF (pdf.py) shows."""
    topic = b.topics[ident]
    caps = b.config.caps
    refs = _Refs(b)
    every_article = b.topic_articles.get(ident, ())
    claim_ids = b.topic_claims.get(ident, ())
    articles, more_articles = _capped(b, "topic-articles", ident, list(every_article))
    for slug in articles:
        refs.article(slug)
    weighed = _by_weight(b, claim_ids)
    shown_claims, more_claims = _capped(b, "topic-claims", ident, weighed)
    for cid in shown_claims:
        refs.claim(cid)
    every_event = _topic_events(b, ident)
    events = every_event[-caps.events:]  # the most recent, still in date order
    more_events = More(len(every_event), KINDS["topic-timeline"].path(ident)) if len(every_event) > caps.events else None
    for e in events:
        refs.event(e)
    related = b.topic_links.get(ident, ())
    for t in related:
        refs.topic(t)
    by_status = {s: [c for c in shown_claims if b.claims[c].status == s] for s in m.STATUSES}
    status_totals = Counter(b.claims[c].status for c in claim_ids)
    links = list(dict.fromkeys(link for slug in articles for link in b.articles[slug].links))
    every_key, every_source = _key_actors(b, ident, claim_ids, every_event)
    key_actors, source_actors = every_key[:caps.actors], every_source[:caps.actors]
    for k in (*key_actors, *source_actors):
        refs.actor(k.id)
    claims = [b.claims[c] for c in claim_ids]
    ranked = [(k.id, k.mentions) for k in (*every_key, *every_source)]
    figs = {"status": figures.status_mix(ident, claims),
            "network": figures.actor_network(ident, ranked, b.actors, claims, every_event),
            "timeline": figures.timeline(ident, every_event, {slug: b.articles[slug] for slug in every_article})}
    contests = _contests(b, claim_ids)
    _refer_contests(refs, b, contests[:caps.contests])
    counts = {"articles": len(every_article), "claims": len(claim_ids), "actors": len(every_key) + len(every_source),
              "key_actors": len(every_key), "source_actors": len(every_source), "contests": len(contests),
              "contested": sum(1 for c in claim_ids if b.contested(b.claims[c]))}
    more = {"articles": more_articles, "claims": more_claims, "events": more_events}
    edition = _edition_context(b, refs, claim_ids, every_article, every_event, shown_claims, ident)
    ctx = refs.context(**edition, topic=topic, topic_articles=articles, claim_ids=shown_claims, by_status=by_status,
                       status_totals=dict(status_totals), key_actors=key_actors, source_actors=source_actors,
                       contests=contests[:caps.contests], events=events, contested_count=counts["contested"],
                       related=related, declared=topic.related, links=links, figures=figs, counts=counts,
                       more=more, as_of=_newest(b, every_article), author=topic.author or b.config.author,
                       pdf=pdf_path(ident) if b.config.pdf.every_build else "")
    return Page.of("topic", ctx, topic.title, ident)


def _edition_context(b: m.Briefing, refs: _Refs, claim_ids: Iterable[str], slugs: Iterable[str],
                     events: Iterable[m.Event], shown_claims: Iterable[str], topic: str | None) -> dict:
    """What a topic page shows of the current edition: ``since`` (the Changes since the previous
    edition, None without one), ``marks`` (id -> new/updated), ``stale`` (claim id -> its latest
    report's date), ``quiet`` (no new source), ``edition`` and ``previous`` (Edition or None)."""
    edition, previous = ed.current(b.config)
    since, stale = None, {}
    if edition is not None:
        stale = ed.stale(b, shown_claims, edition.date, b.config.stale_after_days)
    if edition is not None and previous is not None:
        since = ed.changes(b, previous.date, edition.date, claim_ids, slugs, events)
        _refer_changes(refs, b, since)
    return {"edition": edition, "previous": previous, "since": since, "marks": since.marks if since else {},
            "stale": stale, "quiet": bool(since and topic and not since.articles)}


def _refer_changes(refs: _Refs, b: m.Briefing, changes: ed.Changes) -> None:
    """What a page that writes these changes out shows of them (since.html)."""
    for cid in (*(c.claim for c in changes.claims), *(s.claim for s in changes.statuses),
                *(r.claim for r in changes.reports)):
        refs.claim(cid, deep=False)
        refs.actor(b.claims[cid].by)
    for c in changes.claims:  # the known claims a new one contradicts or supports
        for other in (*b.claims[c.claim].contradicts, *b.claims[c.claim].supports):
            refs.claim(other, deep=False)
    for r in changes.reports:
        refs.article(r.article)
        refs.actor(r.by)
    for s in changes.statuses:
        refs.article(s.article)
    for slug in changes.articles:
        refs.article(slug)
    for e in changes.events:
        refs.event(e)


def _edition_changes(b: m.Briefing, date: dt.date) -> tuple[ed.Edition, ed.Edition | None, ed.Changes]:
    """An edition (by date), the one before it, and what changed across the briefing between them."""
    every = ed.editions(b.config)
    at = next(i for i, e in enumerate(every) if e.date == date)
    previous = every[at - 1] if at else None
    changes = ed.changes(b, previous.date if previous else None, date, b.claims, b.articles, b.events)
    return every[at], previous, changes


def _edition_page(b: m.Briefing, date: dt.date) -> Page:
    """/editions/<date>/: what the edition changed across every topic, against the one before."""
    edition, previous, changes = _edition_changes(b, date)
    refs = _Refs(b)
    _refer_changes(refs, b, changes)
    by_topic = {t: ed.changes(b, previous.date if previous else None, date, b.topic_claims.get(t, ()),
                              b.topic_articles.get(t, ()), _topic_events(b, t)) for t in b.topics}
    for t in by_topic:
        refs.topic(t)
    ctx = refs.context(edition=edition, previous=previous, since=changes, by_topic=by_topic,
                       latest=edition == ed.current(b.config)[0])
    title = f"Edition of {date.day} {date:%B %Y}" + (f": {edition.title}" if edition.title else "")
    return Page.of("edition", ctx, title, date.isoformat())


def _editions_index(b: m.Briefing) -> Page:
    """/editions/: every edition, newest first, with how much each changed."""
    entries = []
    for edition in reversed(ed.editions(b.config)):
        _, previous, changes = _edition_changes(b, edition.date)
        entries.append((edition, previous, changes))
    return Page.of("editions", {"entries": entries}, "Editions")


def _actors_order(b: m.Briefing) -> list[str]:
    """/actors/ in order: every actor by kind, then by name."""
    return sorted(b.actors, key=lambda a: (ACTOR_KINDS.index(b.actors[a].kind), b.actors[a].name.casefold(), a))


def _actors_index(b: m.Briefing, number: int = 1, whole: list[str] | None = None) -> Page:
    """Page ``number`` of /actors/ (``whole``: /actors/ in order, when the plan has it already)."""
    ordered = _whole(b, whole, _actors_order)
    shown, pager = _page_of(KINDS["actors"].path(), ordered, number, b.config.pagination.per_page)
    index = _Refs(b)
    for a in shown:
        index.actor(a)
    counts = {a: len(b.actor_articles.get(a, ())) for a in shown}
    kinds = {k: [a for a in shown if b.actors[a].kind == k] for k in ACTOR_KINDS}
    return Page.of("actors", index.context(counts=counts, kinds=kinds, pager=pager), pager.titled("Actors"), number=number)


def _actor_page(b: m.Briefing, ident: str) -> Page:
    actor = b.actors[ident]
    refs = _Refs(b)
    refs.actor(ident)
    by, more_by = _capped(b, "actor-claims", ident)
    about, more_about = _capped(b, "actor-about", ident)
    for cid in (*by, *about):
        refs.claim(cid)
    articles, more_articles = _capped(b, "actor-articles", ident)
    for slug in articles:
        refs.article(slug)
    for t in b.actor_topics.get(ident, ()):
        refs.topic(t)
    peers = b.actor_peers.get(ident, ())
    for a, _ in peers:
        refs.actor(a)
    members = b.actor_members.get(ident, ())
    for a in members[:b.config.caps.actors]:
        refs.actor(a)
    roles = {slug: role for slug in articles for a, role in b.articles[slug].actors if a == ident and role}
    # as a source: the reports in the articles it published, and the claims it relayed
    every_report = _published_reports(b, ident)
    published, more_reports = _capped(b, "actor-reports", ident, every_report)
    relayed, more_relayed = _capped(b, "actor-relayed", ident)
    for cid in dict.fromkeys((*(cid for cid, _ in published), *relayed)):
        refs.claim(cid)
    grades = sorted(Counter(s.grade for _, s in every_report).items())
    more = {"claims_by": more_by, "claims_about": more_about, "articles": more_articles, "reports": more_reports,
            "relayed": more_relayed}
    ctx = refs.context(actor=actor, claims_by=by, claims_about=about, actor_articles=articles, roles=roles,
                       actor_topics=b.actor_topics.get(ident, ()), peers=peers,
                       members=members[:b.config.caps.actors], members_total=len(members),
                       published=published, relayed=relayed, grades_given=grades, more=more)
    return Page.of("actor", ctx, actor.name, ident)


def _articles_order(b: m.Briefing) -> list[str]:
    """/articles/ in order: newest first, as the briefing orders its articles."""
    return list(b.articles)


def _articles_index(b: m.Briefing, number: int = 1, whole: list[str] | None = None) -> Page:
    """Page ``number`` of /articles/ (``whole``: /articles/ in order, when the plan has it already)."""
    ordered = _whole(b, whole, _articles_order)
    shown, pager = _page_of(KINDS["articles"].path(), ordered, number, b.config.pagination.per_page)
    index = _Refs(b)
    for slug in shown:
        index.article(slug)
    return Page.of("articles", index.context(shown=shown, pager=pager), pager.titled("Articles"), number=number)


def _article_page(b: m.Briefing, slug: str) -> Page:
    article = b.articles[slug]
    refs = _Refs(b)
    refs.article(slug)
    for t in article.topics:
        refs.topic(t)
    for a, _ in article.actors:
        refs.actor(a)
    for cid in article.claims:
        refs.claim(cid)
    for r in article.related:
        refs.article(r)
    events = _merged(b, article.events)
    for e in events:
        refs.event(e)
    quotes = {cid: next(s for s in b.claims[cid].sources if s.article == slug) for cid in article.claims}
    ctx = refs.context(article=article, body=b.bodies[slug], quotes=quotes, events=events)
    return Page.of("article", ctx, article.title, slug)


def _merged(b: m.Briefing, reports: Iterable[m.Event]) -> list[m.Event]:
    """Events as articles report them -> each once (a report of an event id as every article
    reporting it does), in date order."""
    return sorted({b.event_ids[e.id] if e.id else e: None for e in reports}, key=lambda e: e.order)


class _ClaimsOrder(NamedTuple):
    """/claims/ as a whole, for each of its pages."""

    ordered: list[str]
    """Every claim id, in the order of ``_by_weight``."""
    totals: dict[str, int]
    """Status -> its number of claims."""
    starts: dict[str, int]
    """Status -> the page where its claims start."""


def _claims_order(b: m.Briefing) -> _ClaimsOrder:
    ordered = _by_weight(b, b.claims)
    per_page = b.config.pagination.per_page
    starts: dict[str, int] = {}
    for i, cid in enumerate(ordered):
        starts.setdefault(b.claims[cid].status, i // per_page + 1)
    return _ClaimsOrder(ordered, dict(Counter(b.claims[c].status for c in ordered)), starts)


def _claims_index(b: m.Briefing, number: int = 1, whole: _ClaimsOrder | None = None) -> Page:
    """Page ``number`` of /claims/: by status, strongest first, then the latest reported first
    (``whole``: /claims/ as a whole, when the plan has it already)."""
    order = _whole(b, whole, _claims_order)
    shown, pager = _page_of(KINDS["claims"].path(), order.ordered, number, b.config.pagination.per_page)
    index = _Refs(b)
    for cid in shown:
        index.claim(cid, deep=False)
        index.actor(b.claims[cid].by)
    by_status = {s: [c for c in shown if b.claims[c].status == s] for s in m.STATUSES}
    ctx = index.context(by_status=by_status, status_totals=dict(order.totals), status_pages=dict(order.starts),
                        pager=pager)
    return Page.of("claims", ctx, pager.titled("Claims"), number=number)


def _claim_page(b: m.Briefing, cid: str) -> Page:
    claim = b.claims[cid]
    refs = _Refs(b)
    refs.claim(cid)
    topics = sorted({t for s in claim.sources for t in s.topics})
    for t in topics:
        refs.topic(t)
    contests = _contests(b, [cid])
    _refer_contests(refs, b, contests)
    reports, more = _capped(b, "claim-reports", cid)
    for s in (*claim.history, *filter(None, (claim.first_report,))):  # its status history; who first reported it
        refs.article(s.article)
    edition, _ = ed.current(b.config)
    stale = ed.stale(b, (cid,), edition.date, b.config.stale_after_days).get(cid) if edition else None
    ctx = refs.context(claim=claim, claim_topics=topics, stale=stale, supported_by=b.claim_supported_by.get(cid, ()),
                       contests=contests, reports=[s for _, s in reports], more_reports=more)
    return Page.of("claim", ctx, claim.statement, cid)


def _events_order(b: m.Briefing) -> list[m.Event]:
    """/timeline/ in order: every event by date, as the briefing orders them."""
    return list(b.events)


def _timeline(b: m.Briefing, number: int = 1, whole: list[m.Event] | None = None) -> Page:
    """Page ``number`` of /timeline/: events in date order; on the first page, the articles by
    publication date too while they fit on one page (else /articles/ lists them). ``whole``: every
    event in order, when the plan has it already."""
    per_page = b.config.pagination.per_page
    events, pager = _page_of(KINDS["timeline"].path(), _whole(b, whole, _events_order), number, per_page)
    refs = _Refs(b)
    for e in events:
        refs.event(e)
    published: list[tuple[dt.date, str]] = []
    undated: list[str] = []
    if number == 1 and len(b.articles) <= per_page:
        for slug, article in b.articles.items():
            refs.article(slug)
            if article.published is None:
                undated.append(slug)
        published = sorted((a.published, slug) for slug, a in b.articles.items() if a.published)
    ctx = refs.context(events=events, published=published, undated=undated, pager=pager,
                       articles_elsewhere=len(b.articles) > per_page)
    return Page.of("timeline", ctx, pager.titled("Timeline"), number=number)


FEED_SIZE = 50


def _feed_entries(b: m.Briefing, slugs: Iterable[str], claim_ids: Iterable[str]) -> list[tuple]:
    """Newest articles and claims, each as (date, kind, id); claims dated by their latest source."""
    entries = [(b.articles[s].published, "article", s) for s in slugs if b.articles[s].published]
    for cid in claim_ids:
        date = _newest(b, (s.article for s in b.claims[cid].sources))
        if date:
            entries.append((date, "claim", cid))
    entries.sort(key=lambda e: (e[0], e[1], e[2]), reverse=True)
    return entries[:FEED_SIZE]


def _feed(b: m.Briefing, topic: str | None) -> Page:
    """The Atom feed of the whole briefing (``topic`` None) or of one topic."""
    if topic is None:
        title, slugs, claim_ids = b.config.title, tuple(b.articles), tuple(b.claims)
    else:
        title = f"{b.topics[topic].title} · {b.config.title}"
        slugs, claim_ids = b.topic_articles.get(topic, ()), b.topic_claims.get(topic, ())
    refs = _Refs(b)
    entries = _feed_entries(b, slugs, claim_ids)
    issues = {}
    if topic is None:  # one entry per edition, with what it changed
        issues = {e.date.isoformat(): _edition_changes(b, e.date) for e in ed.editions(b.config)}
        entries = sorted([*entries, *((e.date, "edition", iso) for iso, (e, _, _) in issues.items())],
                         key=lambda e: (e[0], e[1], e[2]), reverse=True)[:FEED_SIZE]
    for _, kind, ident in entries:
        if kind != "edition":
            refs.article(ident) if kind == "article" else refs.claim(ident)
    home = KINDS["topic"].path(topic) if topic else KINDS["home"].path()
    feed = KINDS["feed"]
    return Page(fill(home, part=FEED), feed.name, feed.template, refs.context(entries=entries, home=home, editions=issues),
                title, topic or "")


def sitemap(b: m.Briefing, pages: list[Page]) -> Page:
    """Every page whose kind the sitemap lists (a list by its first page), with the date of its
    newest content as lastmod (never the build time)."""
    newest = _newest(b, b.articles)
    entries = []
    for page in pages:
        kind = KINDS.get(page.kind)
        if kind is not None and kind.sitemap and not paged(page.path):
            entries.append((page.path, kind.lastmod(b, page.ident) if kind.lastmod else newest))
    return Page.of("sitemap", {"entries": entries}, "Sitemap")


BRIEFING_SCHEMA_VERSION = 2


def briefing_data(b: m.Briefing) -> dict:
    """The whole briefing for downstream tools; the format is documented in docs/briefing-json.md."""
    def day(d):
        return d.isoformat() if d else None

    return {
        "schema": "briefgen.briefing", "version": BRIEFING_SCHEMA_VERSION,
        "site": {"title": b.config.title, "description": b.config.description, "language": b.config.language,
                 "base_url": b.config.base_url},
        "topics": [{"id": t.id, "url": KINDS["topic"].path(t.id), "title": t.title, "bluf": t.bluf,
                    "judgments": [{"text": j.text, "confidence": j.confidence} for j in t.judgments],
                    "questions": list(t.questions), "related": list(b.topic_links.get(t.id, ())),
                    "articles": list(b.topic_articles.get(t.id, ())), "claims": list(b.topic_claims.get(t.id, ()))}
                   for t in b.topics.values()],
        "actors": [{"id": a.id, "url": KINDS["actor"].path(a.id), "name": a.name, "kind": a.kind, "role": a.role,
                    "affiliation": a.affiliation, "aliases": list(a.aliases), "country": a.country, "ids": dict(a.ids)}
                   for a in b.actors.values()],
        "claims": [{"id": c.id, "url": KINDS["claim"].path(c.id), "statement": c.statement, "by": c.by,
                    "via": list(c.via), "about": list(c.about), "status": c.status, "grade": c.grade,
                    "origins": list(c.origins), "outlets": len(c.outlets), "supports": list(c.supports),
                    "contradicts": list(c.contradicts),
                    "sources": [{"article": s.article, "by": s.by, "grade": s.grade, "quote": s.quote, "via": list(s.via),
                                 "outlet": s.outlet, "outlet_actor": s.outlet_actor, "published": day(s.published),
                                 "status": s.status, "status_reason": s.status_reason or None,
                                 "topics": list(s.topics), "url": KINDS["article"].path(s.article, anchor=quote_anchor(c.id))}
                                for s in c.sources]}
                   for c in b.claims.values()],
        "articles": [{"slug": a.slug, "url": KINDS["article"].path(a.slug), "title": a.title, "outlet": a.outlet,
                      "outlet_actor": b.article_outlets.get(a.slug),
                      "source_url": a.url, "author": a.author, "published": day(a.published), "language": a.language,
                      "summary": a.summary, "topics": list(a.topics),
                      "actors": [{"id": i, "role": r} for i, r in a.actors], "claims": list(a.claims),
                      "related": list(a.related), "links": [{"title": l.title, "url": l.url, "outlet": l.outlet} for l in a.links],
                      "events": [{"id": e.id or None, "date": e.when, "time": e.time or None, "text": e.text,
                                  "actors": list(e.actors)} for e in a.events]}
                     for a in b.articles.values()],
    }


def _list(name: str, owner: str, segment: str, listing: Listing) -> PageKind:
    """A complete list below each page of ``owner``, at ``segment`` below it, on list.html."""
    return PageKind(name, fill(entity_route(owner), "{id}", segment), "list.html", _plan_list, owner=owner,
                    listing=listing)


def _newest_of_claim(b: m.Briefing, cid: str) -> dt.date | None:
    return _newest(b, (s.article for s in b.claims[cid].sources))


def _edition_date(b: m.Briefing) -> dt.date | None:
    """The current edition's date: when /editions/ last changed."""
    edition = ed.current(b.config)[0]
    return edition.date if edition else None


def _has_editions(config: SiteConfig) -> bool:
    return bool(config.editions)


KINDS = Registry([
    PageKind("home", "/", "home.html", single(lambda b: _home(b)), feed=lambda b, _: _feed(b, None)),
    PageKind("topics", site_path("topic"), "topics.html", single(lambda b: _topics_index(b)), nav=Nav("Topics", 10)),
    PageKind("topic", entity_route("topic"), "topic.html", each(lambda b: b.topics, lambda b, t: topic_page(b, t)),
             feed=lambda b, t: _feed(b, t), search=True,
             lastmod=lambda b, t: _newest(b, b.topic_articles.get(t, ()))),
    _list("topic-claims", "topic", "claims/", Listing("claim", "Claims of", "claims",
                                                      lambda b, t: _by_weight(b, b.topic_claims.get(t, ())))),
    _list("topic-articles", "topic", "articles/", Listing("article", "Source articles of", "articles",
                                                          lambda b, t: list(b.topic_articles.get(t, ())))),
    _list("topic-timeline", "topic", "timeline/", Listing("event", "Timeline of", "events", _topic_events)),
    PageKind("actors", site_path("actor"), "actors.html", numbered(lambda b: len(b.actors), _actors_index, _actors_order),
             nav=Nav("Actors", 20)),
    PageKind("actor", entity_route("actor"), "actor.html", each(lambda b: b.actors, lambda b, a: _actor_page(b, a)),
             search=True, lastmod=lambda b, a: _newest(b, b.actor_articles.get(a, ()))),
    _list("actor-claims", "actor", "claims/", Listing("claim", "Claims made by", "claims",
                                                      lambda b, a: list(b.actor_claims_by.get(a, ())))),
    _list("actor-about", "actor", "about/", Listing("claim", "Claims about", "claims",
                                                    lambda b, a: list(b.actor_claims_about.get(a, ())))),
    _list("actor-articles", "actor", "articles/", Listing("article", "Articles on", "articles", _actor_articles)),
    _list("actor-reports", "actor", "reports/", Listing("report", "Reports published by", "reports", _published_reports)),
    _list("actor-relayed", "actor", "relayed/", Listing("claim", "Claims relayed by", "claims",
                                                        lambda b, a: list(b.actor_relayed.get(a, ())))),
    PageKind("articles", site_path("article"), "articles.html",
             numbered(lambda b: len(b.articles), _articles_index, _articles_order), nav=Nav("Articles", 40)),
    PageKind("article", entity_route("article"), "article.html",
             each(lambda b: b.articles, lambda b, s: _article_page(b, s)), search=True,
             lastmod=lambda b, s: b.articles[s].published),
    PageKind("claims", site_path("claim"), "claims.html",
             numbered(lambda b: len(b.claims), _claims_index, _claims_order), nav=Nav("Claims", 30)),
    PageKind("claim", entity_route("claim"), "claim.html", each(lambda b: b.claims, lambda b, c: _claim_page(b, c)),
             search=True, lastmod=_newest_of_claim),
    _list("claim-reports", "claim", "reports/", Listing("report", "Reports of", "reports",
                                                        lambda b, c: [(c, s) for s in b.claims[c].sources])),
    PageKind("timeline", "/timeline/", "timeline.html", numbered(lambda b: len(b.events), _timeline, _events_order),
             nav=Nav("Timeline", 50)),
    PageKind("editions", "/editions/", "editions.html", single(lambda b: _editions_index(b)), nav=Nav("Editions", 60),
             enabled=_has_editions, lastmod=lambda b, _: _edition_date(b)),
    PageKind("edition", "/editions/{id}/", "edition.html",
             each(lambda b: [e.date.isoformat() for e in ed.editions(b.config)],
                   lambda b, iso: _edition_page(b, dt.date.fromisoformat(iso))),
             enabled=_has_editions, lastmod=lambda b, iso: dt.date.fromisoformat(iso)),
    PageKind("404", "/404.html", "404.html", single(lambda b: Page.of("404", {}, "Page not found"), kept=False), sitemap=False),
    PageKind("feed", fill("/", part=FEED), "feed.xml", _plan_feeds, sitemap=False),
    PageKind("robots", "/robots.txt", "robots.txt", single(lambda b: Page.of("robots", {}, "robots.txt"), kept=False),
             sitemap=False),
    PageKind("search", "/search/", "search.html", single(lambda b: Page.of("search", {}, "Search"), kept=False),
             sitemap=False, enabled=lambda config: config.search),  # a form, no content to list
    PageKind("data", "/briefing.json", "briefing.json",
             single(lambda b: Page.of("data", {"data": briefing_data(b)}, "Briefing data")), sitemap=False),
    PageKind("sitemap", "/sitemap.xml", "sitemap.xml", lambda p, kind, owner: [sitemap(p.b, p.pages)], sitemap=False,
             enabled=lambda config: bool(config.base_url)),  # a sitemap must list absolute URLs
])
"""Every kind of page, in planning order: one entry per kind (``kinds.PageKind``). The planning
loop, the sitemap, the header's navigation, the list pages and the templates' ``url_for`` read it."""
