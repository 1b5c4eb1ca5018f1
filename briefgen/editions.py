"""Editions: what changed in the briefing between two dates, and what has gone stale.

An edition is a date (``SiteConfig.editions``, docs/editions.md). The briefing *as of* a date is
what its sources dated on or before it say; undated articles and reports belong to every date
(they are the oldest, as ``Claim.sources`` orders them), so they are never new. Everything here is
derived from the sources' dates alone: a rebuild of the same sources gives the same answer, and
no build remembers an earlier one.

Pure functions over the Briefing (or a ``reads.Reading`` of it: pages.py plans through one).
Each walks the claims' reports once per call, with no index: 52 weekly editions on the 1,000-article
benchmark corpus (benchmarks/corpus.py, seed 1) add 53 pages and 0.3 s to a 25 s clean build
(26.29 s -> 26.46 s wall, 2 shared cores), within the noise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, NamedTuple

from . import model as m
from .schema import Edition, SiteConfig


def editions(config: SiteConfig) -> tuple[Edition, ...]:
    """The editions, oldest first."""
    return tuple(sorted(config.editions, key=lambda e: e.date))


def current(config: SiteConfig) -> tuple[Edition | None, Edition | None]:
    """(the current edition: the latest, the previous one): either None when there is none."""
    every = editions(config)
    return (every[-1] if every else None), (every[-2] if len(every) > 1 else None)


def _on(day: dt.date | None, until: dt.date) -> bool:
    """Whether something dated ``day`` is in the briefing as of ``until`` (undated: always)."""
    return day is None or day <= until


def _between(day: dt.date | None, since: dt.date | None, until: dt.date) -> bool:
    """Whether something dated ``day`` is new in (since, until]: never when undated."""
    return day is not None and day <= until and (since is None or day > since)


def status_on(claim: m.Claim, until: dt.date | None) -> str | None:
    """The claim's status as of a date: that of the latest report by then that sets one, else
    'reported' (``Claim.status``'s rule, over the reports made by then); None when no report of it
    was made by then. ``until`` None: the whole briefing (``Claim.status``)."""
    known = [s for s in claim.sources if until is None or _on(s.published, until)]
    if not known:
        return None
    return next((s.status for s in reversed(known) if s.status), "reported")


class NewClaim(NamedTuple):
    claim: str
    status: str
    """Its status as of the later date."""


class StatusChange(NamedTuple):
    claim: str
    before: str
    after: str
    article: str
    """The article whose report set the new status."""


class NewReport(NamedTuple):
    """A report, new in an edition, of a claim the previous edition already had."""

    claim: str
    article: str
    stance: str
    """'contradicts' when the report disputes or refutes the claim, else 'corroborates'."""
    by: str | None


@dataclass(frozen=True)
class Changes:
    """What is new in (since, until]: ``since`` None for a first edition (everything is new)."""

    since: dt.date | None
    until: dt.date
    claims: tuple[NewClaim, ...]
    """Claims first reported in the period, in the order given."""
    statuses: tuple[StatusChange, ...]
    """Claims the earlier date already had whose status differs at the later one."""
    reports: tuple[NewReport, ...]
    """New reports of claims the earlier date already had."""
    articles: tuple[str, ...]
    """Articles published in the period, newest first."""
    events: tuple[m.Event, ...]
    """Events first reported in the period, in date order."""

    @property
    def empty(self) -> bool:
        return not (self.claims or self.statuses or self.reports or self.articles or self.events)

    @property
    def marks(self) -> dict[str, str]:
        """Claim id or article slug -> 'new' or 'updated' (a claim with a new report or status)."""
        out = {c: "updated" for c in (*(s.claim for s in self.statuses), *(r.claim for r in self.reports))}
        out.update({c.claim: "new" for c in self.claims})
        out.update({a: "new" for a in self.articles})
        return out


def changes(b: m.Briefing, since: dt.date | None, until: dt.date, claim_ids: Iterable[str],
            slugs: Iterable[str], events: Iterable[m.Event]) -> Changes:
    """What changed among these claims, articles and events between the briefing as of ``since``
    and as of ``until`` (a topic's, or the whole briefing's)."""
    new_claims, statuses, reports = [], [], []
    for cid in claim_ids:
        claim = b.claims[cid]
        after = status_on(claim, until)
        if after is None:
            continue  # first reported after the edition
        before = status_on(claim, since) if since is not None else None
        if before is None:
            if any(s.published for s in claim.sources if _on(s.published, until)):  # undated: never new
                new_claims.append(NewClaim(cid, after))
            continue
        fresh = [s for s in claim.sources if _between(s.published, since, until)]
        if before != after:
            setter = next((s for s in reversed(fresh) if s.status), claim.sources[-1])
            statuses.append(StatusChange(cid, before, after, setter.article))
        reports += [NewReport(cid, s.article, "contradicts" if s.status in m.CONTESTED_STATUSES else "corroborates",
                              s.by) for s in fresh]
    articles = tuple(s for s in slugs if _between(b.articles[s].published, since, until))
    new_events = tuple(e for e in events if _between(e.reported, since, until))
    return Changes(since, until, tuple(new_claims), tuple(statuses), tuple(reports), articles, new_events)


def stale(b: m.Briefing, claim_ids: Iterable[str], on: dt.date, days: int) -> dict[str, dt.date]:
    """Claim id -> the date of its latest report, for the claims whose latest report (by ``on``)
    is more than ``days`` days before ``on``. Exactly ``days`` days is not yet stale; a claim with
    no dated report cannot be judged and is left out."""
    out = {}
    for cid in claim_ids:
        last = max((s.published for s in b.claims[cid].sources if s.published and s.published <= on), default=None)
        if last is not None and (on - last).days > days:
            out[cid] = last
    return out


def quiet(b: m.Briefing, topic: str, since: dt.date, until: dt.date) -> bool:
    """Whether a topic has no source article published in (since, until]."""
    return not any(_between(b.articles[s].published, since, until) for s in b.topic_articles.get(topic, ()))


def after_latest(b: m.Briefing) -> tuple[str, ...]:
    """Articles dated after the current edition: shown on the site, never marked new; the next
    edition will count them (docs/editions.md)."""
    edition, _ = current(b.config)
    if edition is None:
        return ()
    return tuple(s for s, a in b.articles.items() if a.published and a.published > edition.date)


def review(b: m.Briefing) -> list[str]:
    """What ``briefgen check`` tells a writer about the current edition: stale claims and topics
    with no new source since the previous edition, one line each."""
    edition, previous = current(b.config)
    if edition is None:
        return []
    days = b.config.stale_after_days
    lines = [f"stale claim '{cid}': last reported {last.isoformat()}, more than {days} days before the edition of "
             f"{edition.date.isoformat()}" for cid, last in sorted(stale(b, b.claims, edition.date, days).items())]
    if previous is not None:
        lines += [f"quiet topic '{t}': no new source since the edition of {previous.date.isoformat()}"
                  for t in b.topics if quiet(b, t, previous.date, edition.date)]
    lines += [f"article '{s}' is dated after the edition of {edition.date.isoformat()}: shown, not marked new "
              f"(add an edition to count it)" for s in after_latest(b)]
    return lines
