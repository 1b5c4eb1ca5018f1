"""Incremental plans equal clean builds on a corpus where everything refers to everything.

The dev server keeps the entity pages whose recorded reads did not change (pages.plan with a
memo). The example briefing has one article, too few for a missed dependency to show; this walk
edits a generated corpus of many articles, actors, claims and topics, which cross-reference each
other the way an archive does, and compares every step with a clean build.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
import sys
from pathlib import Path

import pytest
import yaml

from briefgen import cache as caching
from briefgen import stamps
from briefgen.build import Cache, StaleOutput, build
from briefgen.errors import BuildFailed

pytestmark = pytest.mark.slow  # measured: see the slow marker in pyproject.toml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
import corpus  # noqa: E402

TODAY = dt.date(2025, 1, 1)
STEPS = int(os.environ.get("BRIEFGEN_INCREMENTAL_STEPS", "25"))
ARTICLES = 60
SMALL_PAGES = "pagination: {per_page: 20}\ncaps: {claims: 6, actors: 4, events: 3, articles: 4}\n"
"""Short pages and capped sections, so that 60 articles fill paginated lists (34 list pages past
the first, against 13 at 100 articles with the defaults) at half the cost of each clean build."""


def outcome(project: Path, cache: Cache | None):
    try:
        result = build(project, None, today=TODAY, cache=cache, index_search=False, parallel=False)
    except BuildFailed as exc:
        return ("failed", [str(d) for d in exc.diagnostics]), 0
    return (result.files, [str(d) for d in result.warnings]), result.rendered


def load(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def save(path: Path, data) -> None:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


class Editor:
    def __init__(self, project: Path, rng: random.Random, cache: Cache | None, output: Path | None = None):
        """``cache``: the dev server's; None for CLI builds into ``output``, with the cache on disk."""
        self.project, self.content, self.output = project, project / "content", output
        self.rng, self.cache = rng, cache
        self.broken: tuple[Path, str] | None = None
        """A file a mistake was made in, and its text before: the next mistake puts it right."""

    def pick(self, folder: str, suffix: str) -> Path:
        return self.rng.choice(sorted((self.content / folder).glob(f"*{suffix}")))

    def pick_yaml(self, folder: str) -> tuple[Path, dict]:
        path = self.pick(folder, ".yaml")
        return path, load(path)

    def ids(self, folder: str, suffix: str) -> list[str]:
        return sorted(p.stem for p in (self.content / folder).glob(f"*{suffix}"))

    def summary(self):
        path, data = self.pick_yaml("articles")
        data["summary"] = f"Edited summary {self.rng.randrange(10**6)}."
        save(path, data)

    def topics(self):
        path, data = self.pick_yaml("articles")
        data["topics"] = self.rng.sample(self.ids("topics", ".yaml"), self.rng.randint(1, 2))
        for claim in data.get("claims", []):
            claim.pop("topics", None)
        save(path, data)

    def claim_status(self):
        path, data = self.pick_yaml("articles")
        defining = [c for c in data.get("claims", []) if c.get("statement")]
        if defining:
            self.rng.choice(defining)["status"] = self.rng.choice(["confirmed", "disputed", "refuted", "reported"])
            save(path, data)

    def contradiction(self):
        path, data = self.pick_yaml("articles")
        _, other = self.pick_yaml("articles")
        defining = [c for c in data.get("claims", []) if c.get("statement")]
        targets = [c["id"] for c in other.get("claims", []) if c.get("statement")]
        if defining and targets:
            claim = self.rng.choice(defining)
            target = self.rng.choice(targets)
            if target != claim["id"]:
                claim["contradicts"] = [target]
                save(path, data)

    def actor_name(self):
        path, data = self.pick_yaml("actors")
        data["name"] = f"{data['name']} {self.rng.choice('ABCDEFG')}"
        save(path, data)

    def affiliation(self):
        """Affiliate an actor with one whose page does not show it yet: only the new index links them."""
        path, data = self.pick_yaml("actors")
        choices = [a for a in self.ids("actors", ".yaml") if a != path.stem]
        unseen = [a for a in choices if ("actors", path.stem) not in self.reads_of(f"/actors/{a}/")]
        data["affiliation"] = self.rng.choice(unseen or choices)
        save(path, data)

    def reads_of(self, path: str) -> frozenset:
        if self.cache is not None:
            hit = self.cache.memo.plan.get("reads", {}).get(path)
            return hit.read if hit else frozenset()
        assert self.output is not None
        ledger = caching.load(self.project, self.output).ledger  # the CLI's, on disk
        kept = ledger.pages.get(path) if ledger is not None else None
        return frozenset(ledger.keys[n] for n in kept.read) if ledger is not None and kept else frozenset()

    def add_actor(self):
        path, data = self.pick_yaml("articles")
        present = {a if isinstance(a, str) else a["id"] for a in data.get("actors", [])}
        fresh = [a for a in self.ids("actors", ".yaml") if a not in present]
        data.setdefault("actors", []).append(self.rng.choice(fresh))
        save(path, data)

    def title_and_date(self):
        path = self.pick("articles", ".md")
        text = path.read_text(encoding="utf-8")
        day = dt.date(2019, 1, 1) + dt.timedelta(days=self.rng.randrange(2000))
        lines = [f"published: {day.isoformat()}" if line.startswith("published:") else
                 f"title: Retitled {self.rng.randrange(1000)}" if line.startswith("title:") else line
                 for line in text.split("\n")]
        path.write_text("\n".join(lines), encoding="utf-8")

    def body(self):
        path = self.pick("articles", ".md")
        path.write_text(path.read_text(encoding="utf-8") + f"\nA new paragraph {self.rng.randrange(1000)}.\n",
                        encoding="utf-8")

    def cut(self):
        """A paragraph of an article's text cut: a quote may be lost (the build fails, as a clean
        one), or the lead that stands in for a missing summary."""
        path = self.pick("articles", ".md")
        head, text = _front_matter(path.read_text(encoding="utf-8"))
        paragraphs = text.split("\n\n")
        if len(paragraphs) > 1:
            paragraphs.pop(self.rng.randrange(len(paragraphs)))
            path.write_text(head + "\n\n".join(paragraphs), encoding="utf-8")

    def lead(self):
        """A new first paragraph: the lead, which stands in for a missing summary."""
        path = self.pick("articles", ".md")
        head, text = _front_matter(path.read_text(encoding="utf-8"))
        path.write_text(f"{head}\nA new lead {self.rng.randrange(1000)}.\n\n{text.lstrip()}", encoding="utf-8")

    def delete_article(self):
        path = self.pick("articles", ".md")
        path.unlink()
        path.with_suffix(".yaml").unlink(missing_ok=True)

    def related(self):
        path, data = self.pick_yaml("articles")
        data["related"] = [s for s in self.rng.sample(self.ids("articles", ".md"), 2) if s != path.stem]
        save(path, data)


    def outlet(self):
        """Another outlet: claims count independent outlets among their sources."""
        path = self.pick("articles", ".md")
        lines = path.read_text(encoding="utf-8").split("\n")
        path.write_text("\n".join(f"outlet: {self.rng.choice(['BBC News', 'Reuters', 'Meduza'])}"
                                  if line.startswith("outlet:") else line for line in lines), encoding="utf-8")

    def event(self):
        """An event moved in time: the timeline and every page listing it reorder."""
        path, data = self.pick_yaml("articles")
        events = data.get("events") or [{"text": "Something happened.", "actors": []}]
        events[0]["date"] = dt.date(2019, 1, 1) + dt.timedelta(days=self.rng.randrange(2000))
        data["events"] = events
        save(path, data)

    def mistake(self):
        """Break a reference or a quote (the build fails), or put the last one right."""
        if self.broken is not None:
            path, text = self.broken
            path.write_text(text, encoding="utf-8")
            self.broken = None
            return
        path, data = self.pick_yaml("articles")
        self.broken = (path, path.read_text(encoding="utf-8"))
        claims = data.get("claims", [])
        if claims and self.rng.random() < 0.5:
            self.rng.choice(claims)["quote"] = "Words this article never printed."
        else:
            data.setdefault("actors", []).append("nobody-by-this-name")
        save(path, data)

    def no_summary(self):
        """Its lead stands in for it, with a warning."""
        path, data = self.pick_yaml("articles")
        data.pop("summary", None)
        save(path, data)

    def add_article(self):
        """A copy under a new name: a second source for each of its claims."""
        source = self.pick("articles", ".md")
        slug = f"{source.stem}-copy{self.rng.randrange(1000)}"
        (source.parent / f"{slug}.md").write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
        notes = source.with_suffix(".yaml")
        if notes.exists():
            (source.parent / f"{slug}.yaml").write_text(notes.read_text(encoding="utf-8"), encoding="utf-8")


EDITS = [name for name in vars(Editor) if not name.startswith("_") and name not in ("pick", "pick_yaml", "ids", "reads_of")]
TEXT_EDITS = ["body", "cut", "lead", "mistake"]
"""Edits to articles' texts alone (and the mistake put right), which a CLI build resolves by difference."""


def _front_matter(text: str) -> tuple[str, str]:
    """(the front matter with its fences, the text after it)."""
    end = text.index("\n---", 3) + 4
    return text[:end], text[end:]


@pytest.mark.parametrize("seed,where", [(1, "server"), (2, "server, unwatched"), (3, "cli"), (4, "cli, texts")])
def test_incremental_plan_equals_clean_build_over_random_edits(tmp_path: Path, seed: int, where: str, monkeypatch):
    """The dev server's memos (``server``: told which files changed, as its watcher tells it, so
    each read looks at those alone; ``unwatched``: not told, so each read walks the project and
    looks at every file), and the CLI's ledger on disk (``cli``: each build loads the last one's
    cache from the cache folder, as a new process does; ``texts``: most edits to articles'
    texts, which it resolves by difference from the last build's Briefing)."""
    monkeypatch.setenv("BRIEFGEN_VERIFY", "1")  # each incremental build also checked by a clean one
    corpus.generate(ARTICLES, seed, tmp_path, formats=("briefgen",), quiet=True)
    project = tmp_path / "briefgen"
    with (project / "briefgen.yaml").open("a", encoding="utf-8") as config:
        config.write(SMALL_PAGES)
    rng = random.Random(seed)
    cache = Cache.server() if where.startswith("server") else None
    output = tmp_path / "site" if where.startswith("cli") else None
    swept = stamps.inputs(project)

    def incremental():
        nonlocal swept
        if output is None:
            if where == "server":  # what changed since, as the watcher reports it (serve.Rebuilder)
                now = stamps.inputs(project)
                cache.memo.note_edits(stamps.edited_since(swept, now))
                swept = now
            return build(project, None, today=TODAY, cache=cache, index_search=False, parallel=False)
        return build(project, output, today=TODAY, persist=True, index_search=False, parallel=False)

    editor = Editor(project, rng, cache, output)
    incremental()
    kept_some = False
    for step in range(STEPS):
        edit = rng.choice(TEXT_EDITS if where.endswith("texts") and rng.random() < 0.7 else EDITS)
        getattr(editor, edit)()
        try:  # verify mode builds clean first and fails a build that differs from it (stale-output)
            result = incremental()
        except StaleOutput as exc:
            pytest.fail(f"seed {seed}, step {step}: after '{edit}' the incremental build differs: "
                        + "\n".join(map(str, exc.diagnostics)))
        except BuildFailed:
            continue  # as a clean build fails
        assert result.verified
        kept_some = kept_some or 0 < result.rendered < sum(result.pages.values())
    assert kept_some, "no step kept any page: the walk did not test the incremental plan"


def test_the_dev_server_works_out_a_complete_list_again_only_when_what_it_read_changed(tmp_path: Path):
    """The plan keeps each entity's complete list (to count its pages) and /claims/ in order with
    what they read (``Planning.derive``): an edit no list shows keeps every one of them, an edit
    that reorders a topic's articles makes that topic's list again and no other topic's."""
    corpus.generate(ARTICLES, 1, tmp_path, formats=("briefgen",), quiet=True)
    project = tmp_path / "briefgen"
    with (project / "briefgen.yaml").open("a", encoding="utf-8") as config:
        config.write(SMALL_PAGES)
    cache = Cache.server()
    outcome(project, cache)
    assert cache.memo is not None
    first = dict(cache.memo.plan["derived"])
    topic_lists = {key[2] for key in first if key[:2] == ("list", "topic-articles")}
    assert ("claims",) in first and len(topic_lists) >= 2, sorted(first)

    text = sorted((project / "content" / "articles").glob("*.md"))[0]
    text.write_text(text.read_text(encoding="utf-8") + "\nOne sentence more.\n", encoding="utf-8")
    incremental, _ = outcome(project, cache)
    kept = cache.memo.plan["derived"]
    assert kept.keys() == first.keys() and all(kept[key] is first[key] for key in first)
    assert incremental == outcome(project, None)[0]

    article = next(p for p in sorted((project / "content" / "articles").glob("*.md"))
                   if set(load(p.with_suffix(".yaml"))["topics"]) < topic_lists)
    topics = set(load(article.with_suffix(".yaml"))["topics"])
    source = article.read_text(encoding="utf-8")
    article.write_text(re.sub(r"(?m)^published: .*$", "published: 2024-12-31", source, count=1), encoding="utf-8")
    incremental, _ = outcome(project, cache)
    again = cache.memo.plan["derived"]
    for topic in topic_lists:
        key = ("list", "topic-articles", topic)
        assert (again[key] is first[key]) == (topic not in topics), topic
    assert incremental == outcome(project, None)[0]
