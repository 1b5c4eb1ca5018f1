"""Link parsed documents into a validated Briefing: references, claims' sources, backlinks.

Every problem is collected with its file and line; the caller decides whether to fail.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Iterable, Mapping

from . import model as m
from . import text as textmod
from .errors import Diagnostic, did_you_mean
from .parse import Document
from .paths import href, site_path
from .schema import ActorFile, Annotations, ArticleMeta, ClaimEntry, SiteConfig, TopicFile
from .validate import field_path
from .yamlfile import line_of


class _Problems(list):
    def error(self, code: str, message: str, doc: Document, loc: tuple = (), hint: str = "") -> None:
        self.append(Diagnostic("error", code, message, doc.file, line_of(doc.lines, loc) if loc else 0, hint))

    def warn(self, code: str, message: str, doc: Document, loc: tuple = (), hint: str = "") -> None:
        self.append(Diagnostic("warning", code, message, doc.file, line_of(doc.lines, loc) if loc else 0, hint))


def resolve(config: SiteConfig, documents: Iterable[Document], today: dt.date,
            previous: m.Briefing | None = None) -> tuple[m.Briefing | None, list[Diagnostic]]:
    """``previous``: the last build's Briefing. Entities equal to its entities are its objects, so
    the stages after this one can tell what is unchanged by identity instead of comparing again.
    """
    docs = sorted(documents, key=lambda d: d.file)
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
    for slug, doc in sidecars.items():
        if slug not in texts:
            problems.error("orphan-annotations", f"annotations for an article '{slug}' that does not exist", doc,
                           hint=did_you_mean(slug, texts) or f"add content/articles/{slug}.md")

    def ref(kind: str, ident: str | None, known: dict, doc: Document, loc: tuple, what: str) -> None:
        if ident is not None and ident not in known:
            hint = did_you_mean(ident, known)
            if not hint and kind in ("actor", "topic"):
                hint = f"add content/{kind}s/{ident}.yaml"
            elif not hint and kind == "article":
                hint = f"add content/articles/{ident}.md"
            problems.error(f"unknown-{kind}", f"{what}: unknown {kind} '{ident}'", doc, loc, hint)

    actors: dict[str, m.Actor] = {}
    for ident, doc in actor_docs.items():
        data = doc.data
        if not isinstance(data, ActorFile):
            continue
        ref("actor", data.affiliation, actor_docs, doc, ("affiliation",), "affiliation")
        if data.affiliation == ident:
            problems.error("self-reference", f"actor '{ident}' is affiliated with itself", doc, ("affiliation",))
        actors[ident] = m.Actor(ident, data.name, data.kind, data.role, data.affiliation, tuple(data.aliases),
                                data.country, tuple(sorted(data.ids.items())), doc.file)

    topics: dict[str, m.Topic] = {}
    for ident, doc in topic_docs.items():
        data = doc.data
        if not isinstance(data, TopicFile):
            continue
        for i, other in enumerate(data.related):
            ref("topic", other, topic_docs, doc, ("related", i), f"related[{i}]")
        overview = ""
        if doc.body is not None:  # a few per site: rendered here, where the Topic is made
            overview = textmod.ArticleText(doc.body.source, config.allow_html, False, (), site_path("topic", ident),
                                           config.base_url).__html__()
        judgments = tuple(m.Judgment(j.text, j.confidence) for j in data.judgments)
        topics[ident] = m.Topic(ident, data.title, data.bluf or "", judgments, tuple(data.questions),
                                tuple(data.related), overview, doc.file)

    # Claims: the first entry with a statement defines the claim; every entry is a source.
    entries: dict[str, list[tuple[str, int, ClaimEntry, Document]]] = defaultdict(list)
    for slug in sorted(texts):
        side = sidecars.get(slug)
        if side is not None and isinstance(side.data, Annotations):
            for i, entry in enumerate(side.data.claims):
                entries[entry.id].append((slug, i, entry, side))

    articles: dict[str, m.Article] = {}
    unrendered: dict[str, tuple] = {}
    for slug, doc in texts.items():
        meta = doc.data if isinstance(doc.data, ArticleMeta) else None
        side = sidecars.get(slug)
        notes = side.data if side is not None and isinstance(side.data, Annotations) else None
        if meta is None or doc.body is None or (side is not None and notes is None):
            continue
        body = doc.body
        title = meta.title or body.heading or slug
        if not any(body.folded):
            problems.warn("empty-article", "the article has no text", doc)
        notes = notes or Annotations()
        where = side or doc
        for i, t in enumerate(notes.topics):
            ref("topic", t, topic_docs, where, ("topics", i), f"topics[{i}]")
        for i, a in enumerate(notes.actors):
            ref("actor", a.id, actor_docs, where, ("actors", i), f"actors[{i}]")
        for i, r in enumerate(notes.related):
            ref("article", r, texts, where, ("related", i), f"related[{i}]")
            if r == slug:
                problems.error("self-reference", "an article cannot be related to itself", where, ("related", i))
        for i, event in enumerate(notes.events):
            for j, a in enumerate(event.actors):
                ref("actor", a, actor_docs, where, ("events", i, "actors", j), f"events[{i}].actors[{j}]")
            _check_date(event.date, today, config, problems, where, ("events", i, "date"))
        if meta.published:
            _check_date(meta.published, today, config, problems, doc, ("published",))
        marks = []
        folded = body.folded
        for i, entry in enumerate(notes.claims):
            if not textmod.find_quote(folded, entry.quote):
                problems.error("quote-not-found", f"claims[{i}].quote: the quote of claim '{entry.id}' is not in the article's text",
                               where, ("claims", i, "quote"),
                               "copy the words exactly from one paragraph of the article; whitespace, typographic quotes and dashes may differ")
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
        unrendered[slug] = (body, marks)
        events = tuple(m.Event(e.date, e.text, tuple(e.actors), slug) for e in notes.events)
        links = tuple(m.Link(link.title, link.url, link.outlet or "") for link in notes.links)
        claim_ids = tuple(dict.fromkeys(c.id for c in notes.claims))
        articles[slug] = m.Article(
            slug, title, meta.outlet or "", meta.url or "", meta.author or "", meta.published,
            meta.language or config.language, summary, tuple(dict.fromkeys(notes.topics)),
            tuple((a.id, a.role) for a in notes.actors), claim_ids, tuple(dict.fromkeys(notes.related)),
            links, events, doc.file, side.file if side else "",
        )

    broken_notes = any(doc.data is None for doc in (*sidecars.values(), *texts.values()))
    claims = _claims(entries, articles, actor_docs, problems, ref, broken_notes)
    for cid, claim in claims.items():
        for field_name in ("supports", "contradicts"):
            for other in getattr(claim, field_name):
                if other not in claims and other not in entries:
                    slug, i, entry, doc = entries[cid][0]
                    problems.error("unknown-claim", f"claims[{i}].{field_name}: unknown claim '{other}'", doc,
                                   ("claims", i, field_name), did_you_mean(other, entries))

    mentioned = {a for art in articles.values() for a, _ in art.actors}
    mentioned |= {a for art in articles.values() for e in art.events for a in e.actors}
    mentioned |= {a for c in claims.values() for a in (c.by, *c.via, *c.about, *(v for s in c.sources for v in s.via))}
    mentioned |= {a.affiliation for a in actors.values()}
    for ident, doc in actor_docs.items():
        if ident not in mentioned and ident in actors and not broken_notes:  # a broken file may mention it
            problems.warn("unused-actor", f"actor '{ident}' is not mentioned by any article", doc)
    if any(d.severity == "error" for d in problems):
        return None, problems
    bodies = {slug: _text(config, slug, body, marks, claims) for slug, (body, marks) in unrendered.items()}

    if previous is not None:
        articles = _kept(previous.articles, articles)
        topics, actors, claims = _kept(previous.topics, topics), _kept(previous.actors, actors), _kept(previous.claims, claims)
    ordered = dict(sorted(articles.items(), key=lambda kv: (-(kv[1].published or dt.date.min).toordinal(), kv[0])))
    briefing = _index(config, ordered, topics, actors, claims, bodies)
    for ident, topic in topics.items():
        if not briefing.topic_articles.get(ident):
            problems.warn("empty-topic", f"topic '{ident}' has no articles", topic_docs[ident])
    return briefing, problems


def _kept(before: Mapping[str, object], now: dict[str, object]) -> dict[str, object]:
    """``now`` with each entity equal to the one ``before`` replaced by that same object."""
    out = {}
    for key, entity in now.items():
        old = before.get(key)
        out[key] = old if old is not None and old == entity else entity
    return out


def _check_date(value: dt.date, today: dt.date, config: SiteConfig, problems: _Problems, doc: Document, loc: tuple) -> None:
    if value > today and not config.future_dates:
        problems.warn("future-date", f"{field_path(loc)}: {value} is in the future", doc, loc,
                      "check the date, or set 'future_dates: true' in briefgen.yaml")


def _text(config: SiteConfig, slug: str, body, marks: list[tuple[str, str]], claims: dict[str, m.Claim]) -> textmod.ArticleText:
    """An article's text, each claim's quote to be marked and linked to the claim."""
    here = site_path("article", slug)
    spec = tuple((quote, textmod.Mark(cid, href(site_path("claim", cid), here, config.base_url), claims[cid].statement))
                 for quote, cid in marks)
    return textmod.ArticleText(body.source, config.allow_html, body.plain, spec, here, config.base_url)


def _claims(entries, articles, actor_docs, problems: _Problems, ref, broken_notes: bool) -> dict[str, m.Claim]:
    """Merge every article's reports of a claim into one Claim; ``broken_notes``: a file failed to load."""
    claims: dict[str, m.Claim] = {}
    for cid, reports in sorted(entries.items()):
        defining = [r for r in reports if r[2].statement]
        if not defining and broken_notes:
            continue  # its definition may be in the file that failed; that file's error is reported
        if not defining:
            slug, i, entry, doc = reports[0]
            problems.error("undefined-claim", f"claims[{i}]: claim '{cid}' has no statement in any article", doc,
                           ("claims", i, "id"), did_you_mean(cid, [c for c in entries if c != cid]) or
                           "give it a 'statement' (and 'by', 'status') where it is first reported")
            continue
        _, _, first, first_doc = defining[0]
        for slug, i, entry, doc in reports:
            loc = ("claims", i)
            if entry is not first and entry.statement and textmod.normalize_quote(entry.statement) != textmod.normalize_quote(first.statement):
                problems.error("claim-conflict", f"claims[{i}].statement: claim '{cid}' is already defined in {first_doc.file} with another statement",
                               doc, loc + ("statement",), "use a new id for a different claim, or drop 'statement' to add this article as a source")
            if entry is not first:
                for key in ("by", "about", "status", "supports", "contradicts"):
                    value = getattr(entry, key)
                    if value and value != getattr(first, key):
                        problems.error("claim-conflict", f"claims[{i}].{key}: claim '{cid}' is defined in {first_doc.file}; only that entry sets '{key}'",
                                       doc, loc + (key,), f"remove '{key}' here or change it in {first_doc.file}")
            ref("actor", entry.by, actor_docs, doc, loc + ("by",), f"claims[{i}].by")
            for j, t in enumerate(entry.topics):
                if slug in articles and t not in articles[slug].topics:
                    problems.error("claim-topic", f"claims[{i}].topics[{j}]: '{t}' is not one of the article's topics",
                                   doc, loc + ("topics", j), did_you_mean(t, articles[slug].topics) or
                                   "add it to the article's 'topics' first")
            for j, a in enumerate(entry.via):
                ref("actor", a, actor_docs, doc, loc + ("via", j), f"claims[{i}].via[{j}]")
            for j, a in enumerate(entry.about):
                ref("actor", a, actor_docs, doc, loc + ("about", j), f"claims[{i}].about[{j}]")
            if cid in entry.supports or cid in entry.contradicts:
                problems.error("self-reference", f"claim '{cid}' refers to itself", doc, loc)
        sources = tuple(m.Source(slug, e.grade, e.quote, tuple(e.via), tuple(e.topics) or articles[slug].topics)
                        for slug, _, e, _ in reports if slug in articles)
        if not sources:
            continue
        outlets = {articles[s.article].outlet or f"article:{s.article}" for s in sources}
        claims[cid] = m.Claim(cid, first.statement, first.by, tuple(first.via), tuple(first.about),
                              first.status or "reported", tuple(first.supports), tuple(first.contradicts),
                              sources, len(outlets), first_doc.file)
    return claims


def _rank(counter: Counter) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def _index(config, articles, topics, actors, claims, bodies) -> m.Briefing:
    """Backlinks, computed once in one pass per relation so no page ever searches."""
    topic_articles: dict[str, list[str]] = defaultdict(list)
    actor_articles: dict[str, list[str]] = defaultdict(list)
    peers: dict[str, Counter] = defaultdict(Counter)
    for slug, article in articles.items():
        for t in article.topics:
            topic_articles[t].append(slug)
        ids = list(dict.fromkeys([a for a, _ in article.actors]))
        for a in ids:
            actor_articles[a].append(slug)
            for b in ids:
                if a != b:
                    peers[a][b] += 1
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
    for cid, claim in claims.items():
        if claim.by:
            by[claim.by].append(cid)
        for a in claim.about:
            about[a].append(cid)
        for other in claim.contradicts:
            contradicted[other].append(cid)
        for other in claim.supports:
            supported[other].append(cid)
    topic_actors: dict[str, tuple] = {}
    actor_topics: dict[str, set[str]] = defaultdict(set)
    for t in topics:
        counts: Counter = Counter()
        for slug in topic_articles.get(t, ()):
            counts.update(dict.fromkeys((a for a, _ in articles[slug].actors), 1))
        for cid in topic_claims.get(t, ()):
            claim = claims[cid]
            counts.update([a for a in (claim.by, *claim.via, *claim.about) if a])
        topic_actors[t] = _rank(counts)
        for a in counts:
            actor_topics[a].add(t)
    topic_links: dict[str, tuple[str, ...]] = {}
    cast = {t: {a for a, _ in ranked} for t, ranked in topic_actors.items()}
    for t, topic in topics.items():
        mine = cast[t]
        shared = Counter({o: len(mine & cast[o]) for o in topics if o != t and o not in topic.related})
        topic_links[t] = tuple(topic.related) + tuple(o for o, n in _rank(shared) if n > 0)[:5]
    members: dict[str, list[str]] = defaultdict(list)
    for a, actor in actors.items():
        if actor.affiliation:
            members[actor.affiliation].append(a)
    events = tuple(sorted((e for a in articles.values() for e in a.events), key=lambda e: (e.date, e.article, e.text)))
    return m.Briefing(
        config, articles, topics, actors, claims, bodies,
        topic_articles={t: tuple(v) for t, v in topic_articles.items()},
        topic_claims={t: tuple(v) for t, v in topic_claims.items()},
        topic_actors=topic_actors,
        topic_links=topic_links,
        actor_articles={a: tuple(v) for a, v in actor_articles.items()},
        actor_claims_by={a: tuple(v) for a, v in by.items()},
        actor_claims_about={a: tuple(v) for a, v in about.items()},
        actor_topics={a: tuple(sorted(v)) for a, v in actor_topics.items()},
        actor_peers={a: _rank(c)[:8] for a, c in peers.items()},
        actor_members={a: tuple(v) for a, v in members.items()},
        claim_contradicted_by={c: tuple(v) for c, v in contradicted.items()},
        claim_supported_by={c: tuple(v) for c, v in supported.items()},
        events=events,
    )
