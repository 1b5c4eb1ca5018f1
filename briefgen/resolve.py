"""Link parsed documents into a validated Briefing: references, claims' sources, backlinks.

Every problem is collected with its file and line; the caller decides whether to fail.

Every error of a build is reported in one round. A file that failed validation is checked for
what it still says (``salvaged``): its wrong values are left out or stand in as placeholders
that nothing is checked against, the rest is resolved as usual, so a bad grade and a quote that
is not in the article come in the same build.
Only errors come of a salvaged file: the build fails anyway, and a warning about it might be about
what was left out (no summary, when the summary was wrong). A file that did not parse at all
(YAML syntax, encoding) still defines its id: the actor, topic or article named by its file
name exists. Which claims it defines cannot be known, so while an annotations file is unreadable
no reference to a claim is reported as unknown or undefined: that file's own error is the one
diagnostic of the cause, and the next build checks the claims.
"""

from __future__ import annotations

import datetime as dt
import functools
import heapq
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from operator import attrgetter
from typing import Any, Collection, Iterable, Mapping, NamedTuple, TypeVar

from . import closest
from . import model as m
from . import reads
from . import text as textmod
from . import estimative
from .errors import Diagnostic, did_you_mean
from .parse import Document
from .salvage import Partial, salvaged
from .paths import href, site_path
from .schema import ActorFile, Annotations, ArticleMeta, ClaimEntry, SiteConfig, TopicFile
from .validate import field_path
from .yamlfile import line_of


E = TypeVar("E")
"""An entity of the model: an article, claim, actor, topic or event."""


class _Problems(list):
    def error(self, code: str, message: str, doc: Document, loc: tuple = (), hint: str = "") -> None:
        self.append(Diagnostic("error", code, message, doc.file, line_of(doc.lines, loc) if loc else 0, hint))

    def warn(self, code: str, message: str, doc: Document, loc: tuple = (), hint: str = "") -> None:
        self.append(Diagnostic("warning", code, message, doc.file, line_of(doc.lines, loc) if loc else 0, hint))


class Memoized(NamedTuple):
    """A computation over entities, kept with what it read of them."""

    inputs: tuple[Mapping[str, object], ...]
    read: reads.Reads
    """What it read of each kind of entity: an entity whose reads are equal gives the same result."""
    result: Any


class ArticleMemo(NamedTuple):
    """An article as the last resolve made it, from its two Documents (compared by identity)."""

    text: Document
    notes: Document | None
    article: m.Article | None
    problems: list[Diagnostic]
    body: Any
    """The article's parsed body (parse.Body), rendered later as an ArticleText."""
    marks: tuple
    """(quote, claim id) pairs whose passages the text marks."""


class ClaimMemo(NamedTuple):
    """A claim as the last resolve made it, from its reports and their articles (compared by value)."""

    inputs: tuple
    claim: m.Claim | None


class TextMemo(NamedTuple):
    """An article's text as the last resolve made it, from its body, marks and the claims marked."""

    inputs: tuple
    text: Any
    """text.ArticleText."""


@dataclass
class Memo:
    """The last resolve's results by their inputs, kept by the dev server for its next build.

    An edit touches one or two files of thousands. Each article, claim and article text whose
    inputs are the objects they were last time (the parse cache hands back the same Document for
    an unchanged file) is the last result, and the backlinks are worked out again only when what
    they are made of changed. A new name anywhere (an article, actor or topic added or removed)
    or other settings start it afresh: every reference check depends on the names.
    """

    context: tuple = ()
    """(settings, today, the names of articles, topics and actors) the entries below hold for."""
    articles: dict[str, ArticleMemo] = field(default_factory=dict)
    """slug -> the article made from its two Documents."""
    claims: dict[str, ClaimMemo] = field(default_factory=dict)
    """claim id -> the claim made from its reports and their articles: only claims without problems."""
    texts: dict[str, TextMemo] = field(default_factory=dict)
    """slug -> the article's text."""
    parts: dict[str, tuple[Document, Partial | None]] = field(default_factory=dict)
    """file -> (its Document, what salvage.salvaged made of it): the same Document, the same part."""
    mentioned: Memoized | None = None
    """(articles, claims, actors) and the actors they mention."""
    links: Memoized | None = None
    """(articles, topics, actors, claims) and their backlinks."""
    briefing: m.Briefing | None = None
    """The last Briefing made: entities equal to its entities are its objects, so the stages after
    this one tell what is unchanged by identity instead of comparing again."""
    last: LastResolve | None = None
    """The inputs and problems of the last resolve, when it made a Briefing (``_by_difference``)."""
    kept: bool = True
    """False for a one-off resolve, whose results no later one reuses: it records no reads."""

    def start(self, context: tuple) -> None:
        if context != self.context:
            self.context, self.articles, self.claims, self.texts = context, {}, {}, {}


class LastResolve(NamedTuple):
    """What the last resolve that made a Briefing was given and found."""

    documents: list[Document]
    """Its documents in the order given, compared by identity (the parse cache hands back the same
    one; the dev server's read gives them in the same order)."""
    problems: list[Diagnostic]
    """Its warnings, the very objects: an article's own are told apart by identity."""
    names: tuple[dict[str, Document], dict[str, Document], dict[str, Document]]
    """The documents of articles' texts, topics and actors by id: the names references are checked against."""
    sidecars: dict[str, Document]
    """The annotations' documents by article slug."""


def resolve(config: SiteConfig, documents: Iterable[Document], today: dt.date,
            memo: Memo | None = None) -> tuple[m.Briefing | None, list[Diagnostic]]:
    """``memo``: what the last resolve of this process made (the dev server's); None for one-off builds."""
    memo = memo if memo is not None else Memo(kept=False)
    before = memo.briefing
    documents = list(documents)
    last, memo.last = memo.last, None
    if last is not None and before is not None and memo.context[:2] == (config, today):
        quick = _by_difference(config, today, memo, last, before, documents)
        if quick is not None:
            return quick
    docs = sorted(documents, key=attrgetter("file"))
    problems = _Problems(d for doc in docs for d in doc.diagnostics)
    by_kind: dict[str, dict[str, Document]] = defaultdict(dict)
    for doc in docs:
        twin = by_kind[doc.kind].get(doc.ident)
        if twin is not None:
            problems.error("duplicate-id", f"{doc.kind} id '{doc.ident}' is also defined by {twin.file}", doc,
                           hint="rename or remove one of the two files")
            continue
        by_kind[doc.kind][doc.ident] = doc
    texts, sidecars = by_kind["article"], by_kind["annotations"]
    topic_docs, actor_docs = by_kind["topic"], by_kind["actor"]
    memo.start((config, today, frozenset(texts), frozenset(topic_docs), frozenset(actor_docs)))
    last_parts, memo.parts = memo.parts, {}

    def part(doc: Document | None) -> Partial | None:
        """The valid part of ``doc``, salvaged once (only a failed file needs work; any other
        file's still needs its pending suggestions left out)."""
        if doc is None:
            return None
        hit = memo.parts.get(doc.file) or last_parts.get(doc.file)
        if hit is None or hit[0] is not doc:
            hit = (doc, salvaged(doc))
        memo.parts[doc.file] = hit
        return hit[1]

    for slug, doc in sidecars.items():
        if slug not in texts:
            problems.error("orphan-annotations", f"annotations for an article '{slug}' that does not exist", doc,
                           hint=did_you_mean(slug, texts) or f"add content/articles/{slug}.md")

    actors: dict[str, m.Actor] = {}
    for ident, doc in actor_docs.items():
        valid = part(doc)
        if valid is None or not isinstance(valid.data, ActorFile):
            continue
        data = valid.data
        _ref(problems, "actor", data.affiliation, actor_docs, doc, ("affiliation",), "affiliation")
        if data.affiliation == ident:
            problems.error("self-reference", f"actor '{ident}' is affiliated with itself", doc, ("affiliation",))
        actors[ident] = m.Actor(ident, data.name, data.kind, data.role, data.affiliation, tuple(data.aliases),
                                data.country, tuple(sorted(data.ids.items())), doc.file)

    topics: dict[str, m.Topic] = {}
    for ident, doc in topic_docs.items():
        valid = part(doc)
        if valid is None or not isinstance(valid.data, TopicFile):
            continue
        topic_file = valid.data
        for i, other in valid.items("related"):
            _ref(problems, "topic", other, topic_docs, doc, ("related", i), f"related[{i}]")
        overview = ""
        if doc.body is not None:  # a few per site: rendered here, where the Topic is made
            overview = textmod.ArticleText(doc.body.source, config.allow_html, False, (), site_path("topic", ident),
                                           config.base_url).__html__()
        judgments = tuple(m.Judgment(j.text, j.confidence) for j in topic_file.judgments)
        _check_estimative(problems, doc, valid, config)
        topics[ident] = m.Topic(ident, topic_file.title, topic_file.bluf or "", judgments, tuple(topic_file.questions),
                                tuple(topic_file.related), overview, doc.file, topic_file.author or "")

    # Claims: the earliest report with a statement defines the claim; every entry is a source.
    entries: dict[str, list[tuple[str, int, ClaimEntry, Document]]] = defaultdict(list)
    gaps: set[tuple[str, tuple]] = set()  # (file, location) of the values a salvaged file had wrong
    for slug in sorted(texts):
        side = sidecars.get(slug)
        if side is None:
            continue
        notes = part(side)
        if notes is not None and isinstance(notes.data, Annotations):
            reported: set[str] = set()
            for i, entry in notes.items("claims"):
                if entry.id not in reported:  # a second: duplicate-claim (_article)
                    reported.add(entry.id)
                    entries[entry.id].append((slug, i, entry, side))
            gaps.update((side.file, loc) for loc in notes.gaps if loc[0] == "claims")

    outlet_names = _outlet_names(actors)
    articles: dict[str, m.Article] = {}
    unrendered: dict[str, tuple] = {}
    names = (texts, topic_docs, actor_docs)
    for slug, doc in texts.items():
        side = sidecars.get(slug)
        hit = memo.articles.get(slug)
        if hit is None or hit.text is not doc or hit.notes is not side:
            made, found, body, marks = _article(config, today, slug, doc, part(doc), side, part(side), names)
            if made is not None and before is not None:
                made = _same_as(before.articles, slug, made)
            hit = memo.articles[slug] = ArticleMemo(doc, side, made, found, body, marks)
        problems.extend(hit.problems)
        if hit.article is not None:
            articles[slug] = hit.article
            unrendered[slug] = (hit.body, hit.marks)

    article_outlets = _article_outlets(articles, actors, outlet_names, texts, problems)
    broken_notes = any(doc.data is None for doc in (*sidecars.values(), *texts.values()))
    # Claims that a file with errors may define: those of its entries left out, or any at all
    # when an annotations file could not be read.
    failed = [(slug, part(doc)) for slug, doc in sidecars.items() if doc.data is None]
    unreadable = any(p is None for _, p in failed)
    maybe = frozenset().union(*(p.dropped_claims for _, p in failed if p is not None))

    def unsure(cid: str) -> bool:
        return unreadable or cid in maybe

    # Articles some of whose topics were wrong: their claims' topics are not checked against them.
    topicless = frozenset(slug for slug, p in failed if p is not None and "topics" in p.incomplete)

    claims: dict[str, m.Claim] = {}
    for cid, reports in sorted(entries.items()):
        wrong = frozenset((doc.file, loc) for _, i, _, doc in reports for loc in
                          (("claims", i, name) for name in ("statement", "status", *_DEFINED_ONCE))
                          if (doc.file, loc) in gaps) if gaps else frozenset()
        slugs = [report[0] for report in reports]
        key = (tuple(reports), tuple(map(articles.get, slugs)), tuple(map(article_outlets.get, slugs)), unsure(cid),
               topicless.intersection(slugs), wrong)
        known = memo.claims.get(cid)
        if known is None or known.inputs != key:
            claim, found = _claim(cid, reports, entries, articles, article_outlets, actor_docs, unsure(cid), topicless,
                                  wrong)
            if claim is not None and before is not None:
                claim = _same_as(before.claims, cid, claim)
            problems.extend(found)
            known = ClaimMemo(key, claim)
            if not found:
                memo.claims[cid] = known
        if known.claim is not None:
            claims[cid] = known.claim
    for cid, claim in claims.items():
        for field_name in ("supports", "contradicts"):
            for other in getattr(claim, field_name):
                if other not in claims and other not in entries and not unsure(other):
                    # the report that names it: the claim's definition (only it may set these)
                    slug, i, entry, doc = next((r for r in entries[cid] if other in getattr(r[2], field_name)),
                                               entries[cid][0])
                    problems.error("unknown-claim", f"claims[{i}].{field_name}: unknown claim '{other}'", doc,
                                   ("claims", i, field_name), did_you_mean(other, entries))

    claims = _with_support(claims, before)
    if not any(d.severity == "error" for d in problems):
        _check_corroboration(claims, sidecars, problems)
    mentioned = _memoized(memo, "mentioned", _mentioned, articles, claims, actors, article_outlets)
    for ident, doc in actor_docs.items():
        if ident not in mentioned and ident in actors and not broken_notes:  # a broken file may mention it
            problems.warn("unused-actor", f"actor '{ident}' is not mentioned by any article", doc)
    if any(d.severity == "error" for d in problems):
        # A file with errors whose valid part was checked: only its errors are reported (its
        # warnings may come from a placeholder). Every such file, whether or not this resolve
        # looked at it again (the dev server reuses an unchanged article's findings).
        partial = {doc.file for named in by_kind.values() for doc in named.values()
                   if doc.data is None and part(doc) is not None}
        return None, _Problems(d for d in problems if d.severity == "error" or d.file not in partial)
    bodies = {}
    for slug, (body, marks) in unrendered.items():
        inputs = (body, marks, tuple(claims[cid] for _, cid in marks))
        text = memo.texts.get(slug)
        if text is None or text.inputs != inputs:
            text = memo.texts[slug] = TextMemo(inputs, _text(config, slug, body, marks, claims))
        bodies[slug] = text.text

    if before is not None:
        topics, actors = _kept(before.topics, topics), _kept(before.actors, actors)
    ordered = dict(sorted(articles.items(), key=lambda kv: (-(kv[1].published or dt.date.min).toordinal(), kv[0])))
    links = _memoized(memo, "links", _links, ordered, topics, actors, claims, article_outlets)
    events, event_ids = _events(ordered, sidecars, problems)
    if before is not None:
        event_ids = _kept(before.event_ids, event_ids)
        events = tuple(event_ids[e.id] if e.id else e for e in events)
    briefing = m.Briefing(config, ordered, topics, actors, claims, bodies, **links, events=events, event_ids=event_ids,
                          article_outlets=article_outlets)
    for ident, topic in topics.items():
        if not briefing.topic_articles.get(ident):
            problems.warn("empty-topic", f"topic '{ident}' has no articles", topic_docs[ident])
    memo.briefing = briefing
    if memo.kept:
        memo.last = LastResolve(documents, list(problems), names, sidecars)
    return briefing, problems


def _by_difference(config: SiteConfig, today: dt.date, memo: Memo, last: LastResolve, before: m.Briefing,
                   documents: list[Document]) -> tuple[m.Briefing, list[Diagnostic]] | None:
    """The last Briefing again when the documents are the last resolve's (the same files, the
    same objects) but for article texts whose articles come out equal (``_same_article``). None
    when that does not hold: the whole resolve runs. An edit to an article's text at 10,000
    articles took the dev server 0.4 s to resolve in full. The settings and day are the caller's
    check.

    ``last`` is updated in place: the documents changed are few, the documents 22,000."""
    if len(documents) != len(last.documents):
        return None
    changed = [(doc, was) for doc, was in zip(documents, last.documents) if doc is not was]
    made = []
    for doc, was in changed:
        slug, side = doc.ident, last.sidecars.get(doc.ident)
        old = memo.articles.get(slug)
        side_part = memo.parts.get(side.file) if side is not None else None
        if old is None or old.article is None or old.text is not was or old.notes is not side \
                or (side is not None and (side_part is None or side_part[0] is not side)):
            return None
        same = _same_article(config, today, doc, was, side, side_part[1] if side_part else None, last.names, old.article)
        if same is None:
            return None
        made.append((doc, was, old, *same))
    if not made:
        memo.last = last._replace(documents=documents)
        return before, _Problems(last.problems)
    gone = {id(d) for _, was, old, _, _ in made for d in (*was.diagnostics, *old.problems)}
    problems = [d for d in last.problems if id(d) not in gone]
    bodies = dict(before.bodies)
    for doc, _, _, hit, head in made:
        slug = doc.ident
        memo.articles[slug] = hit
        memo.parts[doc.file] = (doc, head)
        inputs = (hit.body, hit.marks, tuple(before.claims[cid] for _, cid in hit.marks))
        text = memo.texts[slug] = TextMemo(inputs, _text(config, slug, hit.body, hit.marks, before.claims))
        bodies[slug] = text.text
        problems += [*doc.diagnostics, *hit.problems]
        last.names[0][slug] = doc
    memo.briefing = briefing = replace(before, bodies=bodies)
    memo.last = last._replace(documents=documents, problems=problems)
    return briefing, _Problems(problems)


def texts_again(config: SiteConfig, today: dt.date, before: m.Briefing, problems: Iterable[Diagnostic],
                names: tuple[Collection[str], Collection[str], Collection[str]], sidecars: Mapping[str, Document],
                changed: list[tuple[Document, Document]]) -> tuple[m.Briefing, list[Diagnostic]] | None:
    """What a resolve would make, from the Briefing ``before`` and its ``problems`` (the CLI's,
    kept on disk): ``before`` was resolved, under these settings and day, from documents equal
    to this build's but for ``changed``, pairs (document now, document then) of article texts.
    ``names``: the ids of the articles, topics and actors; ``sidecars``: the annotations of the
    changed articles, by slug. When each of those articles comes out equal (``_same_article``),
    the Briefing is ``before`` with their new texts, and the problems are ``problems`` with the
    old documents' own (worked out again from the old document) replaced by the new ones'. None
    when that does not hold: the whole resolve runs. At 10,000 articles a whole resolve takes 1.5 s."""
    problems = list(problems)
    bodies = dict(before.bodies)
    for doc, was in changed:
        slug = doc.ident
        article, side = before.articles.get(slug), sidecars.get(slug)
        if article is None or was.ident != slug:
            return None
        side_part = salvaged(side) if side is not None else None
        then = _same_article(config, today, was, was, side, side_part, names, article)
        now = _same_article(config, today, doc, was, side, side_part, names, article)
        if then is None or now is None:
            return None
        for gone in (*was.diagnostics, *then[0].problems):
            try:
                problems.remove(gone)  # (by equality: these are the objects of another process)
            except ValueError:
                return None  # not the problems ``before`` was resolved with
        problems += [*doc.diagnostics, *now[0].problems]
        bodies[slug] = _text(config, slug, now[0].body, now[0].marks, before.claims)
    if not changed:
        return before, _Problems(problems)
    return replace(before, bodies=bodies), _Problems(problems)


def _same_article(config: SiteConfig, today: dt.date, doc: Document, was: Document, side: Document | None,
                  side_part: Partial | None, names: tuple[Collection[str], Collection[str], Collection[str]],
                  article: m.Article
                  ) -> tuple[ArticleMemo, Partial | None] | None:
    """``doc``, an article text standing where ``was`` stood (the same file, the same front matter
    lines), made with its annotations ``side``: its memo and salvaged front matter when it comes
    out as ``article``, with no error; None otherwise. Everything else resolve makes (claims,
    backlinks, events, every other check) reads an article's text only through its
    ``m.Article``, its problems and its parsed body (``_article``); the outlet check also reads
    its front matter's lines, which are then the same."""
    if doc.file != was.file or doc.kind != "article" or not doc.lines.same(was.lines) \
            or any(d.severity == "error" for d in doc.diagnostics):
        return None
    head = salvaged(doc)
    made, found, body, marks = _article(config, today, doc.ident, doc, head, side, side_part, names)
    if made is None or made != article or any(d.severity == "error" for d in found):
        return None
    return ArticleMemo(doc, side, article, found, body, marks), head


def _ref(problems: _Problems, kind: str, ident: str | None, known: Collection[str], doc: Document, loc: tuple,
         what: str) -> None:
    if ident is not None and ident not in known:
        hint = did_you_mean(ident, known)
        if not hint and kind in ("actor", "topic"):
            hint = f"add content/{kind}s/{ident}.yaml"
        elif not hint and kind == "article":
            hint = f"add content/articles/{ident}.md"
        problems.error(f"unknown-{kind}", f"{what}: unknown {kind} '{ident}'", doc, loc, hint)


def _article(config: SiteConfig, today: dt.date, slug: str, doc: Document, head: Partial | None, side: Document | None,
             valid: Partial | None, names: tuple[Collection[str], Collection[str], Collection[str]]) -> tuple[m.Article | None, list[Diagnostic], object, tuple]:
    """One article from its text and annotations (``head`` and ``valid``: what of their data is
    valid, see salvaged): what depends on no other file's content."""
    texts, topic_docs, actor_docs = names
    problems = _Problems()
    meta = head.data if head is not None and isinstance(head.data, ArticleMeta) else None
    if meta is None or doc.body is None or (side is not None and (valid is None or not isinstance(valid.data, Annotations))):
        return None, problems, None, ()
    valid = valid or Partial(Annotations())
    notes = valid.data
    assert isinstance(notes, Annotations)
    body = doc.body
    title = meta.title or body.heading or slug
    if not any(body.folded):
        problems.warn("empty-article", "the article has no text", doc)
    where = side or doc
    for i, t in valid.items("topics"):
        _ref(problems, "topic", t, topic_docs, where, ("topics", i), f"topics[{i}]")
    for i, a in valid.items("actors"):
        _ref(problems, "actor", a.id, actor_docs, where, ("actors", i), f"actors[{i}]")
    for i, r in valid.items("related"):
        _ref(problems, "article", r, texts, where, ("related", i), f"related[{i}]")
        if r == slug:
            problems.error("self-reference", "an article cannot be related to itself", where, ("related", i))
    for i, event in valid.items("events"):
        for j, a in enumerate(event.actors):
            _ref(problems, "actor", a, actor_docs, where, ("events", i, "actors", j), f"events[{i}].actors[{j}]")
        _check_date(_period_start(event.date), today, config, problems, where, ("events", i, "date"), event.date)
        if event.time and len(event.date) < 10:
            problems.error("event-time", f"events[{i}].time: a time of day needs a full date, not {event.date}", where,
                           ("events", i, "time"), "leave the time out, or write the date as YYYY-MM-DD")
    if meta.published:
        _check_date(meta.published, today, config, problems, doc, ("published",))
    marks = []
    folded = body.folded
    joined = ("\n".join(folded),)  # (find_quote searches blocks joined so: once per article, not per quote)
    reported: dict[str, int] = {}
    for i, entry in valid.items("claims"):
        if entry.id in reported:
            problems.error("duplicate-claim", f"claims[{i}]: claim '{entry.id}' is already reported at "
                           f"claims[{reported[entry.id]}] (line {line_of(where.lines, ('claims', reported[entry.id]))})",
                           where, ("claims", i, "id"),
                           "an article makes one report of a claim: merge the two entries, or give one a new id")
        reported.setdefault(entry.id, i)
        if ("claims", i, "quote") in valid.gaps:
            continue  # its quote was wrong (salvage.PLACEHOLDERS): that error is the file's own
        if not textmod.find_quote(joined, entry.quote):
            problems.error("quote-not-found", f"claims[{i}].quote: the quote of claim '{entry.id}' is not in the article's text",
                           where, ("claims", i, "quote"), closest.hint(list(folded), entry.quote))
        marks.append((entry.quote, entry.id))
    if not notes.topics:
        problems.warn("no-topic", f"article '{slug}' bears on no topic", where,
                      hint="add 'topics: [...]' to its annotations" if side else f"add content/articles/{slug}.yaml with 'topics: [...]'")
    summary = notes.summary or ""
    if not summary:
        summary = body.lead
        problems.warn("no-summary", f"article '{slug}' has no summary; its lead is used", where,
                      hint="add 'summary: ...' to its annotations" if side else
                      f"add content/articles/{slug}.yaml with 'summary: ...'")
    events = tuple(m.Event(_period_start(e.date), e.text, tuple(e.actors), (slug,), e.date, e.time or "", e.id or "",
                           meta.published) for e in notes.events)
    links = tuple(m.Link(link.title, link.url, link.outlet or "") for link in notes.links)
    claim_ids = tuple(dict.fromkeys(c.id for c in notes.claims))
    article = m.Article(
        slug, title, meta.outlet or "", meta.url or "", meta.author or "", meta.published,
        meta.language or config.language, summary, tuple(dict.fromkeys(notes.topics)),
        tuple((a.id, a.role) for a in notes.actors), claim_ids, tuple(dict.fromkeys(notes.related)),
        links, events, doc.file, side.file if side else "",
    )
    return article, problems, body, tuple(marks)


def _same_as(before: Mapping[str, E], key: str, entity: E) -> E:
    """The entity ``before`` holds under ``key`` if it equals ``entity``: identity then tells the
    stages after resolve that nothing changed."""
    old = before.get(key)
    return old if old is not None and old == entity else entity


def _kept(before: Mapping[str, E], now: dict[str, E]) -> dict[str, E]:
    """``now`` with each entity equal to the one ``before`` replaced by that same object."""
    return {key: _same_as(before, key, entity) for key, entity in now.items()}


def _memoized(memo: Memo, name: str, make, *mappings: Mapping[str, object]):
    """``make(*mappings)``, or the last result when every mapping has the same keys in the same
    order and each entity is the same object or equal in everything the last ``make`` read of
    it. What it reads is recorded as it runs (``reads.recorded``), never listed by hand."""
    if not memo.kept:  # no later resolve compares with this one (a CLI build): nothing to record
        return make(*mappings)
    last: Memoized | None = getattr(memo, name)
    if last is not None and all(
            list(old) == list(new) and all(old[k] is v or last.read.shape(old[k]) == last.read.shape(v)
                                           for k, v in new.items())
            for old, new in zip(last.inputs, mappings)):
        return last.result
    read = reads.Reads()
    result = make(*({k: reads.recorded(v, read) for k, v in mapping.items()} for mapping in mappings))
    setattr(memo, name, Memoized(mappings, read, result))
    return result


def _mentioned(articles: Mapping[str, m.Article], claims: Mapping[str, m.Claim], actors: Mapping[str, m.Actor],
               article_outlets: Mapping[str, str]) -> frozenset[str | None]:
    # None among them (a claim without 'by', an actor without an affiliation) is no actor
    found: set[str | None] = {a for art in articles.values() for a, _ in art.actors}
    found |= set(article_outlets.values())
    found |= {a for art in articles.values() for e in art.events for a in e.actors}
    found |= {a for c in claims.values() for a in (c.by, *c.via, *c.about, *(v for s in c.sources for v in (s.by, *s.via)))}
    found |= {a.affiliation for a in actors.values()}
    return frozenset(found)


def _events(articles: Mapping[str, m.Article], sidecars: Mapping[str, Document],
            problems: _Problems) -> tuple[tuple[m.Event, ...], dict[str, m.Event]]:
    """Every event in date order, the reports of one event id merged into one entry that lists
    every article reporting it. The first report (the earliest published article; undated ones
    last, then by slug) gives the event's date, time and text: a later report giving another is a
    warning naming both places, not an error, since outlets word and date one event differently.
    The actors are those of every report."""
    reports: dict[str, list[tuple[m.Event, int]]] = defaultdict(list)
    events = []
    for article in articles.values():
        for i, e in enumerate(article.events):
            if e.id:
                reports[e.id].append((e, i))
            else:
                events.append(e)
    by_id: dict[str, m.Event] = {}
    for ident, found in sorted(reports.items()):
        found.sort(key=lambda r: (r[0].reported is None, r[0].reported or dt.date.min, r[0].article, r[1]))
        first, at = found[0]
        for e, i in found[1:]:
            differ = [name for name, attr in (("date", "when"), ("time", "time"), ("text", "text"))
                      if getattr(first, attr) != getattr(e, attr)]
            if differ:
                there = sidecars[first.article]
                problems.warn("event-conflict",
                              f"events[{i}].{differ[0]}: event '{ident}' is reported with another {' and '.join(differ)} "
                              f"by {there.file}:{line_of(there.lines, ('events', at, differ[0]))}; that report, the first, "
                              "is the one shown", sidecars[e.article], ("events", i, differ[0]),
                              "give every report of one event the same date, time and text, or different ids")
        by_id[ident] = replace(
            first, actors=tuple(dict.fromkeys(a for e, _ in found for a in e.actors)),
            articles=tuple(dict.fromkeys(e.article for e, _ in found))) if len(found) > 1 else first
    return tuple(sorted((*events, *by_id.values()), key=lambda e: e.order)), by_id


def _period_start(when: str) -> dt.date:
    """The first day of an event's date as written: 2022 -> 2022-01-01, 2022-06 -> 2022-06-01."""
    return dt.date.fromisoformat((when + "-01-01")[:10] if len(when) < 10 else when)


def _check_date(value: dt.date, today: dt.date, config: SiteConfig, problems: _Problems, doc: Document, loc: tuple,
                written: str = "") -> None:
    """A date (or a period, from its first day ``value``) after ``today``."""
    if value > today and not config.future_dates:
        problems.warn("future-date", f"{field_path(loc)}: {written or value} is in the future", doc, loc,
                      "check the date, or set 'future_dates: true' in briefgen.yaml")


def _text(config: SiteConfig, slug: str, body, marks: Iterable[tuple[str, str]], claims: Mapping[str, m.Claim]) -> textmod.ArticleText:
    """An article's text, each claim's quote to be marked and linked to the claim."""
    here = site_path("article", slug)
    spec = tuple((quote, textmod.Mark(cid, href(site_path("claim", cid), here, config.base_url), claims[cid].statement))
                 for quote, cid in marks)
    return textmod.ArticleText(body.source, config.allow_html, body.plain, spec, here, config.base_url)


_DEFINED_ONCE = ("about", "supports", "contradicts")
"""What only the entry that defines a claim may set. A further report gives its own source (a
``via`` chain, a grade, a quote), may name its own origin (``by``: another source asserting the
same statement) and may set the status as of its date."""


def _claim(cid: str, reports: list, entries: Mapping, articles: Mapping[str, m.Article],
           article_outlets: Mapping[str, str], actor_docs: Mapping, unsure: bool, topicless: frozenset[str] = frozenset(),
           wrong: frozenset[tuple[str, tuple]] = frozenset()) -> tuple[m.Claim | None, _Problems]:
    """Merge every article's report of one claim into a Claim; ``unsure``: a file with errors may
    define it; ``topicless``: articles some of whose topics were wrong, so not checked against;
    ``wrong``: (file, location) of the values of these entries that a file with errors had wrong
    (left out, or a placeholder): no conflict is reported against them."""
    problems = _Problems()

    def when(report: tuple) -> tuple:
        """Date order: undated reports first (the oldest), then by article slug and place in the file."""
        article = articles.get(report[0])
        return (article.published if article is not None and article.published else dt.date.min), report[0], report[1]

    def unknown(doc: Document, i: int, name: str) -> bool:
        return (doc.file, ("claims", i, name)) in wrong

    def at(report: tuple) -> str:
        return f"{report[3].file}:{line_of(report[3].lines, ('claims', report[1]))}"

    def dated_first(report: tuple) -> tuple:
        """Definition order: the earliest dated report; an undated one only when none is dated (an
        undated repetition of the statement must not take the claim over)."""
        article = articles.get(report[0])
        return article is None or article.published is None, when(report)

    defining = sorted((r for r in reports if r[2].statement), key=dated_first)
    if not defining and unsure:
        return None, problems  # its definition may be in the file that failed; that file's error is reported
    if not defining:
        slug, i, entry, doc = reports[0]
        problems.error("undefined-claim", f"claims[{i}]: claim '{cid}' has no statement in any article", doc,
                       ("claims", i, "id"), did_you_mean(cid, [c for c in entries if c != cid]) or
                       "give it a 'statement' (and 'by', 'status') where it is first reported")
        return None, problems
    # The earliest report giving a statement defines the claim, wherever its file sorts; a statement
    # written wrong (salvaged) is a definition unread: nothing is compared with it.
    read = [r for r in defining if not unknown(r[3], r[1], "statement")]
    first_report = (read or defining)[0]
    _, first_i, first, first_doc = first_report
    redefined: set[int] = set()
    statements: dict[str, tuple] = {}
    if len(read) > 1:  # (one definition redefines nothing: most claims, so nothing is folded for them)
        folded = [(textmod.normalize_quote(r[2].statement), r) for r in read]  # each statement folded once
        first_folded = next((f for f, r in folded if r is first_report), None)
        statements = {first_folded if first_folded is not None else textmod.normalize_quote(first.statement): first_report}
        for f, r in folded:
            statements.setdefault(f, r)
        redefined = {id(r) for f, r in folded if statements[f] is not first_report}
    if redefined:
        # another claim under the same id: one cause, one diagnostic, citing every definition
        clashing = sorted(statements.values(), key=lambda r: (r[3].file, r[1]))
        slug, i, entry, doc = clashing[-1]
        places = ", ".join(at(r) for r in clashing[:-1])
        problems.error("claim-conflict", f"claims[{i}].statement: claim '{cid}' is defined with different statements "
                       f"at {places} and {at(clashing[-1])}", doc, ("claims", i, "statement"),
                       "use a new id for a different claim, or drop 'statement' from all but one to add the others as sources")

    for report in reports:
        slug, i, entry, doc = report
        loc = ("claims", i)
        if report is not first_report and id(report) not in redefined and read and not unknown(doc, i, "statement"):
            for key in _DEFINED_ONCE:
                value = getattr(entry, key)
                if value and value != getattr(first, key) and not unknown(first_doc, first_i, key):
                    problems.error("claim-conflict", f"claims[{i}].{key}: claim '{cid}' is defined at {at(first_report)}; "
                                   f"only that entry sets '{key}'", doc, loc + (key,),
                                   f"remove '{key}' here or change it in {first_doc.file}")
        if entry.status_reason and not entry.status and not unknown(doc, i, "status"):
            problems.error("reason-without-status", f"claims[{i}].status_reason: a reason without a 'status'", doc,
                           loc + ("status_reason",), "add the 'status' this report gives the claim, or remove the reason")
        _ref(problems, "actor", entry.by, actor_docs, doc, loc + ("by",), f"claims[{i}].by")
        for j, t in enumerate(entry.topics):
            if slug in articles and slug not in topicless and t not in articles[slug].topics:
                problems.error("claim-topic", f"claims[{i}].topics[{j}]: '{t}' is not one of the article's topics",
                               doc, loc + ("topics", j), did_you_mean(t, articles[slug].topics) or
                               "add it to the article's 'topics' first")
        for j, a in enumerate(entry.via):
            _ref(problems, "actor", a, actor_docs, doc, loc + ("via", j), f"claims[{i}].via[{j}]")
        for j, a in enumerate(entry.about):
            _ref(problems, "actor", a, actor_docs, doc, loc + ("about", j), f"claims[{i}].about[{j}]")
        if (cid in entry.supports or cid in entry.contradicts) and id(report) not in redefined:
            problems.error("self-reference", f"claim '{cid}' refers to itself", doc, loc)
    sources = tuple(m.Source(slug, e.grade, e.quote, tuple(e.via), tuple(e.topics) or articles[slug].topics,
                             articles[slug].outlet, article_outlets.get(slug), articles[slug].published, e.status,
                             e.status_reason or "", (slug, i) == (first_report[0], first_i), e.by or first.by, i)
                    for slug, i, e, _ in sorted(reports, key=when) if slug in articles)
    if not sources:
        return None, problems
    origins = tuple(dict.fromkeys(s.by for s in sources if s.by))
    outlets = tuple(dict.fromkeys(s.outlet_actor or _outlet_key(s.outlet) or f"article:{s.article}" for s in sources))
    status = next((s.status for s in reversed(sources) if s.status), None) or "reported"
    return m.Claim(cid, first.statement, first.by, tuple(first.via), tuple(first.about),
                   status, tuple(first.supports), tuple(first.contradicts),
                   sources, origins, outlets, first_doc.file), problems


@functools.lru_cache(maxsize=4096)
def name_key(name: str) -> str:
    """A name as outlets and actors are matched: case, spacing and punctuation ignored, so
    ``bbc news``, ``BBC News`` and ``B.B.C. News`` are one ('' for a name of none of them)."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", name).casefold() if ch.isalnum())


def _outlet_key(outlet: str) -> str:
    """A free-text outlet counted once however it is written: its ``name_key``, or '' for none."""
    return f"outlet:{name_key(outlet)}" if name_key(outlet) else ""


def _outlet_names(actors: Mapping[str, m.Actor]) -> dict[str, tuple[str, ...]]:
    """``name_key`` of each media actor's name and aliases -> the media actors of that name."""
    found: dict[str, set[str]] = defaultdict(set)
    for ident, actor in actors.items():
        if actor.kind == "media":
            for name in (actor.name, *actor.aliases):
                if name_key(name):
                    found[name_key(name)].add(ident)
    return {key: tuple(sorted(ids)) for key, ids in found.items()}


def _article_outlets(articles: Mapping[str, m.Article], actors: Mapping[str, m.Actor],
                     names: Mapping[str, tuple[str, ...]], texts: Mapping[str, Document],
                     problems: _Problems) -> dict[str, str]:
    """Article slug -> the media actor its ``outlet`` names: a media actor's id as written, else the
    one media actor whose name or alias it is (``name_key``). A name several media actors share
    names none of them, with a warning (``ambiguous-outlet``) that says to write the id."""
    out = {}
    for slug, article in articles.items():
        outlet = article.outlet
        if outlet in actors and actors[outlet].kind == "media":
            out[slug] = outlet
            continue
        matches = names.get(name_key(outlet), ())
        if len(matches) == 1:
            out[slug] = matches[0]
        elif matches:
            problems.warn("ambiguous-outlet", f"outlet: '{outlet}' is the name of several media actors: "
                          f"{', '.join(matches)}", texts[slug], ("outlet",),
                          f"write the id of the one you mean, e.g. 'outlet: {matches[0]}'")
    return out


def _with_support(claims: dict[str, m.Claim], before: m.Briefing | None) -> dict[str, m.Claim]:
    """Each claim with the origins of the claims that support it added to its own, and those of
    their supporters in turn: a supporting claim from another source is independent evidence for
    it (docs/content-format.md, "Origins and corroboration"). A disputed or refuted claim supports
    nothing: its origins are not added."""
    supporters: dict[str, list[str]] = defaultdict(list)
    for cid, claim in claims.items():
        if claim.status not in m.CONTESTED_STATUSES:
            for other in claim.supports:
                if other in claims:
                    supporters[other].append(cid)
    out = {}
    for cid, claim in claims.items():
        if cid not in supporters:
            out[cid] = claim
            continue
        found: dict[str, None] = dict.fromkeys(claim.origins)
        seen, todo = {cid}, list(supporters.get(cid, ()))
        while todo:  # breadth first, so nearer supporters' origins are listed first; cycles end
            nxt = todo.pop(0)
            if nxt in seen:
                continue
            seen.add(nxt)
            found.update(dict.fromkeys(claims[nxt].origins))
            todo.extend(supporters.get(nxt, ()))
        if len(found) > len(claim.origins):
            claim = replace(claim, origins=tuple(found))
            claim = _same_as(before.claims, cid, claim) if before is not None else claim
        out[cid] = claim
    return out


def _check_estimative(problems: _Problems, doc: Document, topic: Partial, config: SiteConfig) -> None:
    """Warn where a key judgment's wording contradicts its confidence (estimative.py, ICD 203)."""
    for i, judgment in topic.items("judgments"):
        for c in estimative.conflicts(judgment.text, judgment.confidence, config.estimative_words):
            problems.warn("estimative-language", f"judgments[{i}].text: '{c.phrase}' (ICD 203: "
                          f"{estimative.BANDS[c.band]}) contradicts its confidence '{c.confidence}'", doc,
                          ("judgments", i, "text"), c.hint)


def _check_corroboration(claims: Mapping[str, m.Claim], sidecars: Mapping[str, Document], problems: _Problems) -> None:
    """Warn (an error under --strict) where a claim is called corroborated or confirmed, or a
    report graded credibility 1 ("confirmed by other sources"), on fewer than two independent
    origins: repetition by relays and outlets is not corroboration (circular reporting)."""
    for cid, claim in claims.items():
        if not claim.overstated:
            continue
        origin = f"one independent origin ({claim.origins[0]})" if claim.origins else "no named origin"
        hint = "add a report of it by a second source (its own 'by'), or give it the status 'reported'"
        setter = next((s for s in reversed(claim.sources) if s.status), None)
        if setter is not None and claim.status in m.CORROBORATED_STATUSES:
            problems.warn("uncorroborated", f"claims[{setter.index}].status: '{claim.status}' needs two independent "
                          f"origins; claim '{cid}' has {origin}", sidecars[setter.article],
                          ("claims", setter.index, "status"), hint)
        for s in claim.sources:
            if s.grade[1] == "1":
                problems.warn("uncorroborated", f"claims[{s.index}].grade: credibility 1 in {s.grade} means "
                              f"confirmed by other sources; claim '{cid}' has {origin}",
                              sidecars[s.article], ("claims", s.index, "grade"),
                              "grade its credibility 2 (probably true) until another source confirms it")


def _rank(counter: Counter) -> tuple[tuple[str, int], ...]:
    """Most counted first, ties by name: a total order, so ``_top`` takes the same first ``n``."""
    return tuple(sorted(counter.items(), key=_by_count))


def _top(counter: Counter, n: int) -> tuple[tuple[str, int], ...]:
    """``_rank(counter)[:n]``, without sorting all of a popular actor's thousand peers."""
    return tuple(heapq.nsmallest(n, counter.items(), key=_by_count))


def _by_count(item: tuple[str, int]) -> tuple[int, str]:
    return -item[1], item[0]


def _links(articles, topics, actors, claims, article_outlets) -> dict[str, object]:
    """Backlinks, computed once in one pass per relation so no page ever searches."""
    topic_articles: dict[str, list[str]] = defaultdict(list)
    actor_articles: dict[str, list[str]] = defaultdict(list)
    peers: dict[str, Counter] = defaultdict(Counter)
    cast_of: dict[str, list[str]] = {}  # an article's actors, and the outlet that published it
    for slug, article in articles.items():
        for t in article.topics:
            topic_articles[t].append(slug)
        ids = list(dict.fromkeys([a for a, _ in article.actors]))
        cast_of[slug] = ids + [article_outlets[slug]] if slug in article_outlets else ids
        for a in ids:
            actor_articles[a].append(slug)
            peers[a].update([b for b in ids if b != a])
    topic_claims: dict[str, dict[str, None]] = defaultdict(dict)
    claim_topics: dict[str, set[str]] = defaultdict(set)
    for cid, claim in claims.items():
        for source in claim.sources:
            for t in source.topics:
                topic_claims[t][cid] = None
                claim_topics[cid].add(t)
    by: dict[str, list[str]] = defaultdict(list)
    about: dict[str, list[str]] = defaultdict(list)
    contradicted: dict[str, list[str]] = defaultdict(list)
    supported: dict[str, list[str]] = defaultdict(list)
    relayed: dict[str, dict[str, None]] = defaultdict(dict)
    for cid, claim in claims.items():
        for origin in dict.fromkeys(s.by for s in claim.sources if s.by):
            by[origin].append(cid)
        for s in claim.sources:
            for v in s.via:
                relayed[v][cid] = None
        for a in claim.about:
            about[a].append(cid)
        for other in claim.contradicts:
            contradicted[other].append(cid)
        for other in claim.supports:
            supported[other].append(cid)
    topic_actors: dict[str, tuple] = {}
    actor_topics: dict[str, set[str]] = defaultdict(set)
    claim_cast: dict[str, list[str]] = {}  # a claim's actors, counted once in each of its topics
    for t in topics:
        named: list[str] = []
        for slug in topic_articles.get(t, ()):
            named += cast_of[slug]
        for cid in topic_claims.get(t, ()):
            if (of_claim := claim_cast.get(cid)) is None:
                claim = claims[cid]
                of_claim = claim_cast[cid] = [a for a in (claim.by, *claim.via, *claim.about) if a] + list(
                    {a for s in claim.sources for a in (s.by, *s.via) if a} - {claim.by, *claim.via})
            named += of_claim
        counts = Counter(named)
        topic_actors[t] = _rank(counts)
        for a in counts:
            actor_topics[a].add(t)
    topic_links: dict[str, tuple[str, ...]] = {}
    # each topic's actors as the bits of one integer: actors two topics share are one AND
    # and a bit count (100 topics of hundreds of actors: 10,000 set intersections otherwise)
    bit: dict[str, int] = {}
    cast = {t: sum(1 << bit.setdefault(a, len(bit)) for a, _ in ranked) for t, ranked in topic_actors.items()}
    for t, topic in topics.items():
        mine = cast[t]
        shared = Counter({o: (mine & cast[o]).bit_count() for o in topics if o != t and o not in topic.related})
        topic_links[t] = tuple(topic.related) + tuple(o for o, n in _top(shared, 5) if n > 0)
    published: dict[str, list[str]] = defaultdict(list)
    for slug in articles:
        if slug in article_outlets:
            published[article_outlets[slug]].append(slug)
    members: dict[str, list[str]] = defaultdict(list)
    for a, actor in actors.items():
        if actor.affiliation:
            members[actor.affiliation].append(a)
    return dict(
        topic_articles={t: tuple(v) for t, v in topic_articles.items()},
        topic_claims={t: tuple(v) for t, v in topic_claims.items()},
        topic_actors=topic_actors,
        topic_links=topic_links,
        actor_articles={a: tuple(v) for a, v in actor_articles.items()},
        actor_claims_by={a: tuple(v) for a, v in by.items()},
        actor_claims_about={a: tuple(v) for a, v in about.items()},
        actor_topics={a: tuple(sorted(v)) for a, v in actor_topics.items()},
        actor_peers={a: _top(c, 8) for a, c in peers.items()},
        actor_members={a: tuple(v) for a, v in members.items()},
        claim_contradicted_by={c: tuple(v) for c, v in contradicted.items()},
        claim_supported_by={c: tuple(v) for c, v in supported.items()},
        actor_published={a: tuple(v) for a, v in published.items()},
        actor_relayed={a: tuple(v) for a, v in relayed.items()},
    )
