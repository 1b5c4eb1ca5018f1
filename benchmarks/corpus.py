"""Seeded benchmark corpus: the same briefing written as a briefgen project, a Hugo site and a
Pelican project.

    python benchmarks/corpus.py --articles 1000 --seed 1 --out /dev/shm/corpus-1000
    python benchmarks/corpus.py --articles 1000 --shape classic --out /dev/shm/corpus-1000-classic

writes ``OUT/briefgen``, ``OUT/hugo`` and ``OUT/pelican`` (``--formats`` picks a subset). The
corpus depends only on ``--articles`` and ``--seed``: the random stream is the same whichever
formats are written, so the three trees always describe the same articles, topics, actors,
claims and events.

Shape (N articles), ``--shape briefing`` (the default: a real briefing's shape, issue #17):
- articles of 400-900 words of pseudo-random prose (paragraphs, a subheading now and then),
  outlets from a small list, publication dates over 2019-2024;
- round(sqrt(N)) topics, N/5 actors; topics and actors are picked with Zipf-like popularity,
  the topics' exponent chosen for N so that the largest topic holds about a quarter of all
  articles (``topic_exponent``);
- per article: 1-3 topics, 2-8 actor mentions (some with a role), 1-4 graded claims whose quote
  is an exact substring of the body (about one claim in three re-reports an earlier article's
  claim by id with only ``id``/``quote``/``grade``, so claims have several reports; two in five
  of those name an origin of their own, another actor of the article, and make the claim
  corroborated or confirmed: a claim is never called so, nor graded credibility 1, on one
  origin, so the corpus builds without ``uncorroborated`` warnings), some
  ``supports`` and ``contradicts`` (contradictions), 0-3 related articles, 0-2 external links,
  1-2 events.

``--shape classic`` is the corpus of the earlier benchmark runs (2-6 actors per article, topics'
Zipf exponent 0.7 at every size, one claim in five re-reported).

``OUT/probe.json`` names the article and actor that ``run.py`` edits in its rebuild scenarios.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import hashlib
import itertools
import json
import math
import random
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
HUGO_THEME = HERE / "hugo_theme"
PELICAN_THEME = HERE / "pelican_theme"
FORMATS = ("briefgen", "hugo", "pelican")

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

# --- vocabulary ------------------------------------------------------------------------------
# No apostrophes, quotes or dashes: Markdown typographers must leave every quote intact so that
# the quote highlighting in all three tools works on the same text.
WORDS = """
the of and to in a that for on is was said with as by it at from has have be are were will
not an which government officials minister this after its had but they their who also more
than two about been would new over one other year security military president according
forces talks country could report statement ministry people since state week under against
while during foreign public last three between told border agency defence policy national
international official further support including there into before when spokesperson source
sanctions agreement regional economic financial trade energy pipeline grain shipment port
cargo vessel navy coast guard missile satellite launch programme test drone strike attack
ceasefire negotiations delegation summit envoy ambassador embassy council committee assembly
parliament election vote coalition opposition party leader cabinet decree order law court
ruling investigation prosecutor arrest detention charges evidence documents intelligence
assessment analysts experts researchers satellite imagery footage photographs video claim
denied confirmed rejected accused warned announced reported stated suggested indicated
estimated expected planned proposed approved signed ratified suspended resumed extended
increased reduced imports exports production supply demand prices market currency reserves
budget spending loans debt aid assistance reconstruction humanitarian refugees civilians
casualties damage infrastructure power grid railway bridge airport highway network cyber
operation campaign exercise deployment troops units brigade battalion equipment weapons
ammunition artillery air defence systems components technology transfer cooperation partner
alliance treaty framework memorandum deal contract tender company firm corporation
subsidiary investors shareholders board executive director chairman spokesman adviser
representative deputy secretary general commander chief staff headquarters district province
region capital city town village north south east west central northern southern eastern
western maritime inland offshore territory waters zone corridor route crossing checkpoint
month months weeks days recent previous next early late first second third final major minor
significant limited broad wide narrow direct indirect formal informal private joint separate
several many few some most each every both either neither another such same different
similar possible likely unlikely clear unclear open closed public secret classified
sensitive strategic tactical operational political diplomatic legal technical commercial
industrial agricultural environmental nuclear chemical biological conventional naval aerial
""".split()

FIRST_NAMES = """Amina Boris Chen Daria Elif Farid Gulnara Hana Ivan Jonas Kateryna Lukas Maria
Nikolai Olena Pavel Qasim Rania Sergei Tamar Umar Vera Wen Xenia Yusuf Zara Ahmed Bilal Carmen
Dmitri Eva Fatima Georgi Hassan Irina Jae Kim Leila Mikhail Nadia Oleg Petra Ravi Sofia Taras
Ulla Viktor Yana Zoltan""".split()
LAST_NAMES = """Abdullah Bondarenko Castillo Demir Erdem Fischer Garcia Horvath Ibrahim Jovanovic
Kowalski Lee Moreau Novak Orlov Park Quinn Rahimi Schmidt Tanaka Usmanov Volkov Wang Xu Yilmaz
Zhukov Andersen Bakr Costa Dubois Ekstrom Farouk Grigoryan Hoffmann Ivanova Jensen Kuznetsov
Lindqvist Medvedev Nazarov Ozturk Petrenko Rossi Sokolov Tkachenko Umarov Vasquez Weber""".split()
PLACES = """Aldora Brevia Caspen Dravonia Elbria Fennmark Gorvia Halvat Istria Jorvan Kestria
Lumeria Marovia Nordavia Ostrava Pelagia Quorvia Rustavia Selmark Tarvonia Ulmeria Valdora
Westmark Yaroslava Zemlya""".split()
ORG_WORDS = """Energy Defence Grain Maritime Security Trade Research Aerospace Shipping Mining
Telecom Finance Development Strategic Industrial Nuclear Cyber Border Customs Railway""".split()
ORG_KINDS = """Council Agency Company Group Institute Service Authority Corporation Bureau Fund
Directorate Network Union Front Movement""".split()
TOPIC_SUBJECTS = ["sanctions", "grain exports", "satellite programme", "border security",
                  "energy talks", "elections", "cyber operations", "missile tests",
                  "ceasefire negotiations", "arms transfers", "shipping disruptions", "debt crisis",
                  "refugee flows", "nuclear programme", "drone strikes", "trade dispute",
                  "maritime claims", "protests", "intelligence cooperation", "pipeline project"]
OUTLETS = ["Kyiv Independent", "Reuters", "Associated Press", "Yonhap", "NK News", "BBC News",
           "Financial Times", "The Guardian", "Le Monde", "Der Spiegel", "Nikkei Asia",
           "Al Jazeera", "Meduza", "Radio Free Europe"]
STATUSES = ["reported", "reported", "reported", "disputed", "refuted"]
"""A claim's status when first reported: one origin cannot make it corroborated or confirmed."""
CORROBORATING = ["corroborated", "corroborated", "confirmed"]
"""The status a further report with an origin of its own gives the claim."""
KINDS = ["person", "person", "person", "state", "organisation", "agency", "media", "group"]
CONFIDENCES = ["low", "moderate", "high"]


@dataclass(frozen=True)
class Shape:
    """What varies between corpus shapes."""

    actors: tuple[int, int]
    """Actor mentions per article (least, most)."""
    topic_share: float | None
    """The share of all articles the largest topic should hold (None: ``topic_s`` as it is)."""
    topic_s: float
    rereport: float
    """The chance that a claim entry re-reports an earlier claim."""
    supports: float
    contradicts: float


SHAPES = {
    "briefing": Shape(actors=(2, 8), topic_share=0.25, topic_s=0.7, rereport=0.33, supports=0.15, contradicts=0.12),
    "classic": Shape(actors=(2, 6), topic_share=None, topic_s=0.7, rereport=0.2, supports=0.15, contradicts=0.1),
}


def topic_exponent(topics: int, share: float, per_article: float = 2.0) -> float:
    """The Zipf exponent that gives the most popular of ``topics`` topics about ``share`` of all
    articles, each article having ``per_article`` topics on average (bisection)."""
    lo, hi = 0.0, 4.0
    for _ in range(60):
        s = (lo + hi) / 2
        first = 1.0 / sum(1.0 / (r + 1) ** s for r in range(topics))
        if min(1.0, first * per_article) < share:
            lo = s
        else:
            hi = s
    return (lo + hi) / 2


class Zipf:
    """Weighted choice of ranks 0..n-1 with weight 1/(rank+1)**s."""

    def __init__(self, n: int, s: float = 1.0) -> None:
        self.cum = list(itertools.accumulate(1.0 / (r + 1) ** s for r in range(n)))

    def pick(self, rng: random.Random) -> int:
        return bisect.bisect(self.cum, rng.random() * self.cum[-1])

    def sample(self, rng: random.Random, k: int) -> list[int]:
        """k distinct ranks, or all n when k is more (a small corpus has fewer actors than an
        article may name: asking for more looped for ever)."""
        out: list[int] = []
        k = min(k, len(self.cum))
        while len(out) < k:
            r = self.pick(rng)
            if r not in out:
                out.append(r)
        return out


def slugify(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


class Prose:
    """Sentences and paragraphs from WORDS, with a Zipf-like word frequency."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.cum = list(itertools.accumulate(1.0 / (r + 8) for r in range(len(WORDS))))

    def words(self, k: int) -> list[str]:
        return self.rng.choices(WORDS, cum_weights=self.cum, k=k)

    def sentence(self, lo: int = 8, hi: int = 24) -> str:
        ws = self.words(self.rng.randint(lo, hi))
        if len(ws) > 10 and self.rng.random() < 0.4:
            ws[self.rng.randint(4, len(ws) - 5)] += ","
        ws[0] = ws[0].capitalize()
        return " ".join(ws) + "."

    def title(self) -> str:
        ws = self.words(self.rng.randint(5, 10))
        ws[0] = ws[0].capitalize()
        return " ".join(ws)


def make_topics(rng: random.Random, prose: Prose, n: int) -> list[dict]:
    topics, seen = [], set()
    while len(topics) < n:
        title = f"{rng.choice(PLACES)} {rng.choice(TOPIC_SUBJECTS)}"
        if title.lower() in seen:
            if len(seen) >= len(PLACES) * len(TOPIC_SUBJECTS):
                title = f"{title} {len(topics)}"
            else:
                continue
        seen.add(title.lower())
        topics.append({"id": slugify(title), "title": title})
    for t in topics:
        t["bluf"] = " ".join(prose.sentence() for _ in range(2))
        t["judgments"] = [{"text": prose.sentence(), "confidence": rng.choice(CONFIDENCES)}
                          for _ in range(rng.randint(1, 3))]
        t["questions"] = [prose.sentence()[:-1] + "?" for _ in range(rng.randint(1, 3))]
        others = [o["id"] for o in topics if o["id"] != t["id"]]
        t["related"] = rng.sample(others, min(len(others), rng.randint(0, 2)))
    return topics


def make_actors(rng: random.Random, prose: Prose, n: int) -> list[dict]:
    actors, seen = [], set()
    for rank in range(n):
        kind = rng.choice(KINDS)
        if kind == "person":
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        elif kind == "state":
            name = rng.choice(PLACES)
        else:
            name = f"{rng.choice(PLACES)} {rng.choice(ORG_WORDS)} {rng.choice(ORG_KINDS)}"
        aid = slugify(name)
        if aid in seen:
            aid = f"{aid}-{rank}"
        seen.add(aid)
        actor = {"id": aid, "name": name, "kind": kind}
        if rng.random() < 0.8:
            actor["role"] = prose.sentence(4, 9)[:-1]
        if kind == "person" and rank > 0 and rng.random() < 0.6:
            actor["affiliation"] = actors[rng.randrange(min(rank, 20))]["id"]
        if rng.random() < 0.3:
            actor["aliases"] = [name.upper(), name.replace(" ", "")]
        actor["country"] = rng.choice(PLACES)
        if rng.random() < 0.5:
            actor["ids"] = {"wikidata": f"Q{rng.randint(1000, 9999999)}"}
        actors.append(actor)
    return actors


def make_article(i: int, rng: random.Random, prose: Prose, ctx: dict) -> dict:
    """One article and its annotations. ``ctx`` carries what earlier articles defined."""
    title = prose.title()
    published = ctx["start"] + dt.timedelta(days=rng.randrange(ctx["days"]))
    slug = f"{slugify(' '.join(title.split()[:5]))}-{i}"
    outlet = rng.choice(OUTLETS)

    # body: paragraphs of 2-7 sentences up to 400-900 words, an occasional subheading
    target = rng.randint(400, 900)
    paragraphs: list[list[str]] = []
    blocks: list[str] = []
    count = 0
    while count < target:
        if paragraphs and rng.random() < 0.08:
            blocks.append("## " + prose.title())
        sentences = [prose.sentence() for _ in range(rng.randint(2, 7))]
        paragraphs.append(sentences)
        blocks.append(" ".join(sentences))
        count += sum(len(s.split()) for s in sentences)
    body = "\n\n".join(blocks) + "\n"

    shape = ctx["shape"]
    mentions = [ctx["actors"][r]["id"] for r in ctx["actor_zipf"].sample(rng, rng.randint(*shape.actors))]
    topics = [ctx["topics"][r]["id"] for r in ctx["topic_zipf"].sample(rng, rng.randint(1, 3))]

    claims = []
    used_ids: set[str] = set()
    for _ in range(rng.randint(1, 4)):
        sentence = rng.choice(rng.choice(paragraphs)).rstrip(".").split()
        k = min(len(sentence), rng.randint(6, 14))
        start = rng.randint(0, len(sentence) - k)
        quote = " ".join(sentence[start:start + k]).rstrip(",")
        # credibility 1 ("confirmed by other independent sources") only on a second origin
        grade = f"{rng.choice('ABCDEF')}{rng.randint(2, 6)}"
        defined = ctx["claims"]
        if defined and rng.random() < shape.rereport:
            cid = defined[rng.randrange(len(defined))]
            if cid not in used_ids and ctx["claim_article"][cid] != slug:
                used_ids.add(cid)
                report = {"id": cid, "quote": quote, "grade": grade}
                others = [a for a in mentions if a != ctx["claim_by"][cid]]
                if others and rng.random() < 0.4:  # another source says it too: an independent origin
                    report["by"] = rng.choice(others)
                    report["status"] = rng.choice(CORROBORATING)
                    report["grade"] = f"{rng.choice('ABCDEF')}{rng.randint(1, 6)}"
                claims.append(report)
                continue
        ctx["claim_count"] += 1
        cid = f"{slugify(' '.join(prose.words(3)))}-{ctx['claim_count']}"
        claim = {"id": cid, "statement": prose.sentence(), "by": rng.choice(mentions)}
        if rng.random() < 0.4:
            claim["via"] = [rng.choice(mentions)]
        claim["about"] = rng.sample(mentions, min(len(mentions), rng.randint(1, 2)))
        claim["status"] = rng.choice(STATUSES)
        claim["grade"] = grade
        claim["quote"] = quote
        if defined and rng.random() < shape.supports:
            claim["supports"] = [defined[rng.randrange(len(defined))]]
        if defined and rng.random() < shape.contradicts:
            claim["contradicts"] = [defined[rng.randrange(len(defined))]]
        used_ids.add(cid)
        claims.append(claim)
    for c in claims:
        if "statement" in c:
            defined.append(c["id"])
            ctx["claim_article"][c["id"]] = slug
            ctx["claim_by"][c["id"]] = c["by"]

    annotations: dict = {"topics": topics, "summary": prose.sentence(20, 40)}
    annotations["actors"] = [{"id": a, "role": prose.sentence(3, 7)[:-1].lower()}
                             if rng.random() < 0.5 else a for a in mentions]
    annotations["claims"] = claims
    earlier = ctx["slugs"]
    if earlier:
        related = {earlier[rng.randrange(len(earlier))] for _ in range(rng.randint(0, 3))}
        if related:
            annotations["related"] = sorted(related)
    links = [{"title": prose.title(), "url": f"https://example.org/{slugify(outlet)}/{i}/{n}",
              "outlet": rng.choice(OUTLETS)} for n in range(rng.randint(0, 2))]
    if links:
        annotations["links"] = links
    annotations["events"] = [
        {"date": published - dt.timedelta(days=rng.randint(0, 30)), "text": prose.sentence(),
         "actors": rng.sample(mentions, rng.randint(1, min(2, len(mentions))))}
        for _ in range(rng.randint(1, 2))]
    earlier.append(slug)

    meta = {"title": title, "outlet": outlet,
            "url": f"https://example.org/{slugify(outlet)}/{published.year}/{slug}",
            "author": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            "published": published}
    return {"slug": slug, "meta": meta, "body": body, "ann": annotations}


# --- writers ---------------------------------------------------------------------------------

def dump(data) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1_000_000)


def front_matter(meta: dict, body: str) -> str:
    return f"---\n{dump(meta)}---\n{body}"


def mention_id(m) -> str:
    return m if isinstance(m, str) else m["id"]


class BriefgenWriter:
    def __init__(self, root: Path) -> None:
        self.root = root
        for d in ("articles", "topics", "actors"):
            (root / "content" / d).mkdir(parents=True, exist_ok=True)
        (root / "templates").mkdir(exist_ok=True)
        # briefgen's defaults, search index included: what a user gets (Hugo and Pelican build
        # none; that work is briefgen's to pay for in the numbers).
        (root / "briefgen.yaml").write_text(dump({
            "title": "Benchmark briefing", "description": "A generated corpus for benchmarks.",
            "language": "en", "author": "briefgen benchmarks"}))

    def topic(self, t: dict) -> None:
        data = {k: v for k, v in t.items() if k != "id" and v}
        (self.root / "content/topics" / f"{t['id']}.yaml").write_text(dump(data))

    def actor(self, a: dict) -> None:
        data = {k: v for k, v in a.items() if k != "id"}
        (self.root / "content/actors" / f"{a['id']}.yaml").write_text(dump(data))

    def article(self, art: dict) -> None:
        d = self.root / "content/articles"
        (d / f"{art['slug']}.md").write_text(front_matter(art["meta"], art["body"]))
        (d / f"{art['slug']}.yaml").write_text(dump(art["ann"]))


class HugoWriter:
    """Articles carry their annotations in front matter; topics, actors and claims are taxonomy
    terms (topic and actor data in the term's ``_index.md``; a claim's definition stays in the
    ``claim_reports`` of the article that defines it, as in briefgen)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "content/articles").mkdir(parents=True, exist_ok=True)
        (root / "content/topics").mkdir(parents=True, exist_ok=True)
        (root / "content/actors").mkdir(parents=True, exist_ok=True)
        for sub in ("layouts", "static"):
            if (root / sub).exists():
                shutil.rmtree(root / sub)
            shutil.copytree(HUGO_THEME / sub, root / sub)
        shutil.copy(HUGO_THEME / "hugo.toml", root / "hugo.toml")
        (root / "content/articles/_index.md").write_text(front_matter({"title": "Articles"}, ""))
        (root / "content/topics/_index.md").write_text(front_matter({"title": "Topics"}, ""))
        (root / "content/actors/_index.md").write_text(front_matter({"title": "Actors"}, ""))
        (root / "content/claims").mkdir(exist_ok=True)
        (root / "content/claims/_index.md").write_text(front_matter({"title": "Claims"}, ""))
        (root / "content/timeline").mkdir(exist_ok=True)
        (root / "content/timeline/_index.md").write_text(front_matter({"title": "Timeline"}, ""))

    def topic(self, t: dict) -> None:
        d = self.root / "content/topics" / t["id"]
        d.mkdir(exist_ok=True)
        data = {k: v for k, v in t.items() if k != "id" and v}
        (d / "_index.md").write_text(front_matter(data, ""))

    def actor(self, a: dict) -> None:
        d = self.root / "content/actors" / a["id"]
        d.mkdir(exist_ok=True)
        # "aliases" and "kind" mean something else to Hugo (redirect pages, page kind)
        rename = {"aliases": "actor_aliases", "kind": "actor_kind"}
        data = {"title": a["name"],
                **{rename.get(k, k): v for k, v in a.items() if k not in ("id", "name")}}
        (d / "_index.md").write_text(front_matter(data, ""))

    def article(self, art: dict) -> None:
        meta, ann = art["meta"], art["ann"]
        fm = {"title": meta["title"], "date": meta["published"], "outlet": meta["outlet"],
              "source_url": meta["url"], "byline": meta["author"], "summary": ann["summary"],
              "topics": ann["topics"], "actors": [mention_id(m) for m in ann["actors"]],
              "actor_mentions": [m if isinstance(m, dict) else {"id": m} for m in ann["actors"]],
              "claims": [c["id"] for c in ann["claims"]], "claim_reports": ann["claims"],
              "related": ann.get("related", []),
              "links": ann.get("links", []),
              "events": [{**e, "date": e["date"].isoformat()} for e in ann["events"]]}
        (self.root / "content/articles" / f"{art['slug']}.md").write_text(
            front_matter(fm, art["body"]))


class PelicanWriter:
    """Pelican-style metadata header in the Markdown, the same YAML sidecars as briefgen read by
    a small plugin; topics are Pelican tags, actors are Pelican authors (both many-per-article,
    each with its own page)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        for d in ("articles", "topics", "actors"):
            (root / "content" / d).mkdir(parents=True, exist_ok=True)
        for sub in ("templates", "static"):
            if (root / "theme" / sub).exists():
                shutil.rmtree(root / "theme" / sub)
            shutil.copytree(PELICAN_THEME / sub, root / "theme" / sub)
        (root / "plugins").mkdir(exist_ok=True)
        shutil.copy(PELICAN_THEME / "bench_sidecar.py", root / "plugins/bench_sidecar.py")
        shutil.copy(PELICAN_THEME / "pelicanconf.py", root / "pelicanconf.py")

    def topic(self, t: dict) -> None:
        data = {k: v for k, v in t.items() if k != "id" and v}
        (self.root / "content/topics" / f"{t['id']}.yaml").write_text(dump(data))

    def actor(self, a: dict) -> None:
        data = {k: v for k, v in a.items() if k != "id"}
        (self.root / "content/actors" / f"{a['id']}.yaml").write_text(dump(data))

    def article(self, art: dict) -> None:
        meta, ann = art["meta"], art["ann"]
        header = "".join([
            f"Title: {meta['title']}\n", f"Date: {meta['published'].isoformat()}\n",
            f"Slug: {art['slug']}\n", f"Tags: {', '.join(ann['topics'])}\n",
            f"Authors: {', '.join(mention_id(m) for m in ann['actors'])}\n",
            f"Outlet: {meta['outlet']}\n", f"Source_url: {meta['url']}\n",
            f"Byline: {meta['author']}\n", "\n"])
        d = self.root / "content/articles"
        (d / f"{art['slug']}.md").write_text(header + art["body"])
        (d / f"{art['slug']}.yaml").write_text(dump(ann))


WRITERS = {"briefgen": BriefgenWriter, "hugo": HugoWriter, "pelican": PelicanWriter}


def generate(articles: int, seed: int, out: Path, formats=FORMATS, quiet: bool = False,
             shape: str = "briefing") -> dict:
    """Write the corpus for ``formats`` under ``out/<format>``; return the probe description."""
    form = SHAPES[shape]
    rng = random.Random(seed)
    prose = Prose(rng)
    topics = make_topics(rng, prose, max(1, round(math.sqrt(articles))))
    actors = make_actors(rng, prose, max(5, articles // 5))
    writers = []
    for fmt in formats:
        if (out / fmt).exists():
            shutil.rmtree(out / fmt)
        writers.append(WRITERS[fmt](out / fmt))
    for w in writers:
        for t in topics:
            w.topic(t)
        for a in actors:
            w.actor(a)
    topic_s = form.topic_s if form.topic_share is None else topic_exponent(len(topics), form.topic_share)
    ctx = {"shape": form, "topics": topics, "actors": actors, "topic_zipf": Zipf(len(topics), topic_s),
           "actor_zipf": Zipf(len(actors), 1.0), "claims": [], "claim_count": 0, "claim_article": {}, "claim_by": {}, "slugs": [],
           "start": dt.date(2019, 1, 1), "days": (dt.date(2024, 12, 31) - dt.date(2019, 1, 1)).days}
    probe_index = articles // 2
    probe = {"articles": articles, "seed": seed, "shape": shape}
    for i in range(articles):
        art = make_article(i, rng, prose, ctx)
        if i == probe_index:
            probe["article"] = art["slug"]
        for w in writers:
            w.article(art)
        if not quiet and i and i % 10000 == 0:
            print(f"  {i} articles", file=sys.stderr)
    # the actor run.py edits: popular (appears on many pages) but not the most popular one
    probe["actor"] = actors[min(1, len(actors) - 1)]["id"]
    out.mkdir(parents=True, exist_ok=True)
    (out / "probe.json").write_text(json.dumps(probe, indent=1))
    return probe


def version_hash() -> str:
    """Changes whenever the generator or a theme changes, so cached corpora are regenerated."""
    h = hashlib.sha256()
    for p in [Path(__file__).resolve(), *sorted(HUGO_THEME.rglob("*")), *sorted(PELICAN_THEME.rglob("*"))]:
        if p.is_file() and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(HERE)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:12]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", "-n", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--shape", choices=sorted(SHAPES), default="briefing",
                    help="briefing (default: a real briefing's shape) or classic (earlier runs)")
    ap.add_argument("--formats", default=",".join(FORMATS),
                    help="comma-separated subset of briefgen,hugo,pelican")
    args = ap.parse_args(argv)
    formats = [f for f in args.formats.split(",") if f]
    unknown = set(formats) - set(FORMATS)
    if unknown:
        ap.error(f"unknown format(s): {', '.join(sorted(unknown))}")
    probe = generate(args.articles, args.seed, args.out, formats, shape=args.shape)
    print(json.dumps(probe))
    return 0


if __name__ == "__main__":
    sys.exit(main())
