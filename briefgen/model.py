"""The validated briefing: every reference resolved, every backlink computed. No I/O, no logic.

Entities refer to each other by id; the Briefing holds them all plus the indexes (backlinks)
that resolve.py computes once, so pages never search. No __slots__: page fingerprints pickle
entities, and pickle handles plain instances in C but slotted dataclasses through Python code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Mapping

from .schema import SiteConfig
from .vocabulary import (CONFIDENCE_WORDS, CONTESTED_STATUSES, CORROBORATED_STATUSES, CREDIBILITY, RELIABILITY,
                         STATUSES)

if TYPE_CHECKING:
    from .text import ArticleText


def grade_meaning(grade: str) -> str:
    """'B2' -> 'source usually reliable, information probably true'."""
    return f"source {RELIABILITY[grade[0]]}, information {CREDIBILITY[grade[1]]}"


@dataclass(frozen=True)
class Actor:
    id: str
    name: str
    kind: str
    role: str
    affiliation: str | None
    aliases: tuple[str, ...]
    country: str
    ids: tuple[tuple[str, str], ...]
    file: str


@dataclass(frozen=True)
class Judgment:
    text: str
    confidence: str


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    bluf: str
    judgments: tuple[Judgment, ...]
    questions: tuple[str, ...]
    related: tuple[str, ...]
    overview: str
    """The analyst's overview as HTML ('' for a YAML topic)."""
    file: str
    author: str = ""
    """Who wrote the briefing, as the topic file names it ('' when it does not: the site's author)."""


@dataclass(frozen=True)
class Source:
    """One article's report of a claim: its own chain, grade, quote, outlet and date."""

    article: str
    grade: str
    quote: str
    via: tuple[str, ...]
    """Through whom the claim reached this article (the chain between ``by`` and the outlet)."""
    topics: tuple[str, ...]
    """Topics this report bears on: the claim entry's own, else its article's."""
    outlet: str = ""
    """The article's outlet, as it names it ('' when it names none)."""
    outlet_actor: str | None = None
    """The media actor that outlet is (``Briefing.article_outlets``), None when it is no actor."""
    published: dt.date | None = None
    """The article's date: when this report was made."""
    status: str | None = None
    """The status this report gives the claim, if it gives one."""
    status_reason: str = ""
    """Why this report gives that status ('' when it says nothing)."""
    defines: bool = False
    """Whether this is the report whose ``statement`` defines the claim."""
    by: str | None = None
    """Who asserts the claim in this report, its origin: the report's own ``by`` when another
    source asserts the same statement, else the claim's (a relay of the same origin)."""
    index: int = 0
    """The report's place in its article's annotations (``claims[index]``), to locate problems."""


@dataclass(frozen=True)
class Claim:
    id: str
    statement: str
    by: str | None
    via: tuple[str, ...]
    """The defining report's chain; each report's own is in ``sources``."""
    about: tuple[str, ...]
    status: str
    """The status of the latest report that sets one ('reported' when none does)."""
    supports: tuple[str, ...]
    contradicts: tuple[str, ...]
    sources: tuple[Source, ...]
    """Every article's report of the claim in date order (undated first, as the oldest; then by
    article slug). ``status`` is that of the last of them that sets one."""
    origins: tuple[str, ...]
    """The claim's independent origins, actor ids: the distinct ``by`` of its reports in the order
    first reported, then those of the claims that support it. Relays and outlets add none
    (circular reporting): three outlets relaying one source are one origin."""
    outlets: tuple[str, ...]
    """The distinct outlets publishing its reports: the media actor's id where the outlet is one,
    else the outlet as first written (an article naming none: ``article:<slug>``)."""
    file: str
    """The annotations file of the report that defines the claim."""

    @property
    def grade(self) -> str:
        """The best grade among the sources: the headline grade."""
        return min(s.grade for s in self.sources)

    @property
    def overstated(self) -> bool:
        """Whether its status (corroborated, confirmed) or a report's credibility 1 ("confirmed by
        other sources") says more than its fewer than two independent origins bear out."""
        return len(self.origins) < 2 and (self.status in CORROBORATED_STATUSES
                                          or any(s.grade[1] == "1" for s in self.sources))

    @property
    def history(self) -> tuple[Source, ...]:
        """The reports that set a status, oldest first: the last one's is the claim's status."""
        return tuple(s for s in self.sources if s.status)

    @property
    def first_report(self) -> Source | None:
        """The earliest dated report (None when no report is dated)."""
        return next((s for s in self.sources if s.published), None)

    @property
    def last_report(self) -> Source | None:
        """The latest dated report (None when no report is dated)."""
        return next((s for s in reversed(self.sources) if s.published), None)


@dataclass(frozen=True)
class Link:
    title: str
    url: str
    outlet: str


@dataclass(frozen=True)
class Event:
    """An event as one article reports it (``Article.events``), or as every article reporting it
    under one ``id`` does (``Briefing.events``, ``Briefing.event_ids``)."""

    date: dt.date
    """The first day of the period ``when`` names (1 June 2022 for 2022-06): where it sorts."""
    text: str
    actors: tuple[str, ...]
    articles: tuple[str, ...]
    """The articles reporting it, the first reported (earliest published) first."""
    when: str
    """The date as written: YYYY-MM-DD, YYYY-MM or YYYY."""
    time: str = ""
    """HH:MM, or '' when not given."""
    id: str = ""
    """The id that merges reports of the event across articles ('' when it has none)."""
    reported: dt.date | None = None
    """The publication date of the first article reporting it."""

    @property
    def article(self) -> str:
        return self.articles[0]

    @property
    def shown(self) -> str:
        """``when`` for a reader: '26 September 2022', 'June 2022', '2022'."""
        if len(self.when) == 4:
            return self.when
        return f"{self.date:%B %Y}" if len(self.when) == 7 else f"{self.date.day} {self.date:%B %Y}"

    @property
    def order(self) -> tuple:
        """Date order: a period at its start, before the days in it; then the time of day (none
        first), the first report's date (undated last), the text."""
        return (self.date, len(self.when), self.time, self.reported is None, self.reported or dt.date.min,
                self.text, self.articles)


@dataclass(frozen=True)
class Article:
    slug: str
    title: str
    outlet: str
    url: str
    author: str
    published: dt.date | None
    language: str
    summary: str
    topics: tuple[str, ...]
    actors: tuple[tuple[str, str], ...]
    """(actor id, role in this article)."""
    claims: tuple[str, ...]
    related: tuple[str, ...]
    links: tuple[Link, ...]
    events: tuple[Event, ...]
    file: str
    annotations_file: str


@dataclass(frozen=True)
class Briefing:
    config: SiteConfig
    articles: Mapping[str, Article]
    """By slug, newest first."""
    topics: Mapping[str, Topic]
    actors: Mapping[str, Actor]
    claims: Mapping[str, Claim]
    bodies: Mapping[str, ArticleText]
    """Article slug -> its text with quoted passages to mark, rendered where /articles/<slug>/ shows it."""
    topic_articles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    topic_claims: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    topic_actors: Mapping[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)
    """Actors of a topic ranked by how often they figure: (actor id, mentions)."""
    topic_links: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Related topics, declared first, then those sharing actors."""
    actor_articles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    actor_claims_by: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    actor_claims_about: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    actor_topics: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    actor_peers: Mapping[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)
    """Actors who appear in the same articles most: (actor id, shared articles)."""
    actor_members: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Actors affiliated with an actor (a ministry's officials, a state's agencies)."""
    claim_contradicted_by: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    claim_supported_by: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    events: tuple[Event, ...] = ()
    """Every event, in date order (``Event.order``), reports of one event id merged into one."""
    event_ids: Mapping[str, Event] = field(default_factory=dict)
    """Event id -> the event as every article reporting it does."""
    article_outlets: Mapping[str, str] = field(default_factory=dict)
    """Article slug -> the media actor its ``outlet`` names (by id, name or alias), where it names one."""
    actor_published: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Media actor -> the articles it published (their ``outlet``), newest first."""
    actor_relayed: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Actor -> the claims it relays in some report (a report's ``via``)."""

    def contested(self, claim: Claim) -> bool:
        return bool(claim.status in CONTESTED_STATUSES or claim.contradicts
                    or self.claim_contradicted_by.get(claim.id))
