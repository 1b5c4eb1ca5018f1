"""Incremental builds equal clean builds.

The dev server rebuilds through ``build()`` with one long-lived ``Cache``. Whatever sequence of
edits an analyst makes, the site it serves must be byte for byte the site a clean build of the
same files gives. A seeded random walk of edits checks that after every step.

Every write in the walk gets a new, increasing mtime, so the walk tests the caches' dependency
tracking whatever the parse cache is keyed on; test_same_size_edit_* cover edits that keep a file's
size and mtime.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
import shutil
import time
from pathlib import Path

import pytest


from briefgen.build import Cache, StaleOutput, build, verifying
from briefgen.errors import BuildFailed
from briefgen.render import theme_dir

REPO = Path(__file__).resolve().parents[1]
TODAY = dt.date(2025, 1, 1)
MAIN = "seoul-says-russia-helped-north-korea-launch-spy-satellite"
TOPICS = ["north-korea-satellite-programme", "russia-north-korea-military-cooperation"]
STEPS = int(os.environ.get("BRIEFGEN_INCREMENTAL_STEPS", "30"))
SEEDS = [int(s) for s in os.environ.get("BRIEFGEN_INCREMENTAL_SEEDS", "1,2").split(",")]


class Clock:
    """Gives every write a fresh mtime, later than any before, whatever the file system's tick."""

    def __init__(self) -> None:
        self.ns = time.time_ns()

    def write(self, path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.ns = max(self.ns + 1_000_000, time.time_ns())
        os.utime(path, ns=(self.ns, self.ns))


def make_project(root: Path) -> Path:
    project = root / "project"
    shutil.copytree(REPO / "content", project / "content")
    # small pages, so the walk's few articles, claims and events fill paginated lists and capped sections
    (project / "briefgen.yaml").write_text(
        "title: Incremental briefing\nsearch: false\npagination: {per_page: 3}\n"
        "caps: {claims: 4, contests: 1, actors: 3, events: 2, articles: 2, reports: 1}\n"
        # editions around the walk's new articles (October, December 2023): since sections, marks, edition pages
        "editions: [2023-10-15, 2023-11-30, 2023-12-15]\nstale_after_days: 20\n", encoding="utf-8")
    templates = project / "templates"
    templates.mkdir()
    topic = (theme_dir() / "topic.html").read_text(encoding="utf-8")
    assert topic.count("{% block main %}") == 1
    (templates / "topic.html").write_text(
        topic.replace("{% block main %}", '{% block main %}<p class="marker">topic marker 0</p>'), encoding="utf-8")
    macros = (theme_dir() / "macros.html").read_text(encoding="utf-8")
    anchor = '{% macro article_item(slug, new="") %}'
    assert macros.count(anchor) == 1
    (templates / "macros.html").write_text(macros.replace(anchor, anchor + "<!-- macro marker 0 -->"), encoding="utf-8")
    return project


def files_diff(incremental: dict[str, bytes], clean: dict[str, bytes]) -> str:
    only_inc = sorted(set(incremental) - set(clean))
    only_clean = sorted(set(clean) - set(incremental))
    differ = sorted(k for k in set(incremental) & set(clean) if incremental[k] != clean[k])
    lines = [f"only in incremental: {only_inc[:10]}", f"only in clean: {only_clean[:10]}", f"differ: {differ[:10]}"]
    if differ:
        import difflib

        a = incremental[differ[0]].decode("utf-8", "replace").splitlines()
        b = clean[differ[0]].decode("utf-8", "replace").splitlines()
        lines += list(difflib.unified_diff(b, a, "clean/" + differ[0], "incremental/" + differ[0], lineterm="", n=1))[:40]
    return "\n".join(lines)


class Walk:
    """The project and the edits the random walk can make to it."""

    def __init__(self, project: Path, rng: random.Random):
        self.project, self.rng, self.clock = project, rng, Clock()
        self.generated: list[str] = []
        self.counter = 0
        self.touched: set[str] = set()
        """What the walk wrote or removed since the last ``told``: what the dev server's watcher reports."""

    # helpers
    def path(self, rel: str) -> Path:
        return self.project / rel

    def read(self, rel: str) -> str:
        return self.path(rel).read_text(encoding="utf-8")

    def write(self, rel: str, text: str) -> None:
        self.clock.write(self.path(rel), text)
        self.touched.add(rel)

    def remove(self, rel: str) -> None:
        self.path(rel).unlink()
        self.touched.add(rel)

    def told(self, cache: Cache) -> Cache:
        """``cache``, told what the walk touched since, as the dev server's watcher tells it
        (serve.Rebuilder): its next read looks at those files alone while its walk holds."""
        assert cache.memo is not None
        cache.memo.note_edits(self.touched)
        self.touched = set()
        return cache

    def token(self) -> str:
        self.counter += 1
        return f"{self.counter}-{self.rng.randrange(10**6)}"

    def actors(self) -> list[str]:
        return sorted(p.stem for p in self.path("content/actors").glob("*.yaml"))

    def sidecars(self) -> list[str]:
        return sorted(f"content/articles/{p.name}" for p in self.path("content/articles").glob("*.yaml"))

    # edits: each returns a description
    def edit_summary(self) -> str:
        rel = self.rng.choice(self.sidecars())
        lines = self.read(rel).splitlines(keepends=True)
        start = next(i for i, l in enumerate(lines) if l.startswith("summary:"))
        end = start + 1
        while end < len(lines) and lines[end].startswith("  "):
            end += 1
        lines[start:end] = [f"summary: Edited summary {self.token()}.\n"]
        self.write(rel, "".join(lines))
        return f"summary of {rel}"

    def edit_text(self) -> str:
        """An article's text (the dev server's common edit, resolved by difference): a paragraph
        added at the end, or at the start, where it becomes the lead a missing summary stands in
        for, and a heading at the start becomes the title of an article without one."""
        rel = self.rng.choice(sorted(f"content/articles/{p.name}" for p in self.path("content/articles").glob("*.md")))
        text = self.read(rel)
        end = text.index("\n---\n", 4) + 5
        where = self.rng.choice(["end", "start", "heading"])
        added = {"end": f"\nAn added paragraph {self.token()}.\n", "start": f"A new lead {self.token()}.\n\n",
                 "heading": f"# A heading {self.token()}\n\n"}[where]
        self.write(rel, text + added if where == "end" else text[:end] + added + text[end:])
        return f"text of {rel} ({where})"

    def rename_actor(self) -> str:
        ident = self.rng.choice(self.actors())
        rel = f"content/actors/{ident}.yaml"
        lines = self.read(rel).splitlines(keepends=True)
        lines = [f"name: Actor {self.token()}\n" if l.startswith("name:") else l for l in lines]
        self.write(rel, "".join(lines))
        return f"name of {ident}"

    def edit_topic(self) -> str:
        ident = self.rng.choice(TOPICS)
        rel = next(f"content/topics/{p.name}" for p in self.path("content/topics").glob(f"{ident}.*"))
        text = self.read(rel)
        lines = text.splitlines(keepends=True)
        at = next(i for i, l in enumerate(lines) if l.startswith("title:"))
        lines[at] = f"title: Topic {self.token()}\n"
        self.write(rel, "".join(lines))
        return f"title of {rel}"

    def add_article(self) -> str:
        slug = f"gen-{self.token()}"
        actor = self.rng.choice(self.actors())
        topics = self.rng.sample(TOPICS, self.rng.randint(1, 2))
        phrase = f"the talks on item {self.token()} would resume next week"
        day = self.rng.randint(1, 28)
        self.write(f"content/articles/{slug}.md",
                   f"---\ntitle: Generated article {slug}\noutlet: Outlet {self.rng.randint(1, 3)}\n"
                   f"published: 2023-10-{day:02d}\n---\nAn official said {phrase}.\n\nMore text follows.\n")
        related = "related: [%s]\n" % MAIN if self.rng.random() < 0.5 else ""
        self.write(f"content/articles/{slug}.yaml",
                   f"topics: [{', '.join(topics)}]\nsummary: Generated summary {self.token()}.\n"
                   f"actors:\n  - id: {actor}\n    role: says so\n"
                   f"claims:\n  - id: claim-{slug}\n    statement: Talks resume ({slug}).\n    by: {actor}\n"
                   f"    status: reported\n    grade: C3\n    quote: {phrase}\n"
                   f"events:\n  - date: 2023-10-{day:02d}\n    text: Event of {slug}.\n    actors: [{actor}]\n"
                   # one event every generated article reports: its entry lists them all, on each of their pages
                   f"  - id: walk-event\n    date: 2023-10\n    text: The talks are announced.\n    actors: [{actor}]\n"
                   + related)
        self.generated.append(slug)
        return f"add article {slug}"

    REPORTED = [("nis-russia-assisted-third-launch",
                 "the National Intelligence Service assessed that there was assistance from Russia"),
                ("satellite-launch-third-attempt-after-two-failures",
                 "North Korea's launch on Nov. 21 was the third attempt after two failed tries"),
                ("putin-pledged-to-help-north-korea-develop-satellites",
                 "Russian President Vladimir Putin pledged to help Pyongyang develop satellites")]

    def report_claim(self) -> str:
        """Another outlet's report of a claim of the example: maybe its own origin ('by'), its own
        status, an outlet named by a media actor's id, its name in another case, or free text."""
        slug = f"gen-{self.token()}"
        cid, quote = self.rng.choice(self.REPORTED)
        outlet = self.rng.choice(["reuters", "REUTERS", "the kyiv independent", "Outlet 2", "Other Wire"])
        entry = f"  - id: {cid}\n    grade: {self.rng.choice(['B1', 'B2', 'C3'])}\n    quote: {quote}\n"
        if self.rng.random() < 0.5:
            entry += f"    by: {self.rng.choice(self.actors())}\n"
        if self.rng.random() < 0.5:
            entry += f"    status: {self.rng.choice(['corroborated', 'confirmed', 'disputed'])}\n"
            if self.rng.random() < 0.5:
                entry += f"    status_reason: Reason {self.token()}.\n"
        day = self.rng.randint(1, 28)
        self.write(f"content/articles/{slug}.md", f"---\ntitle: Report {slug}\noutlet: {outlet}\n"
                   f"published: 2023-12-{day:02d}\n---\nIt was said that {quote}.\n")
        self.write(f"content/articles/{slug}.yaml", f"topics: [{TOPICS[0]}]\nsummary: Report {slug}.\nclaims:\n{entry}")
        self.generated.append(slug)
        return f"report {cid} in {slug} ({outlet})"

    def toggle_outlet_alias(self) -> str:
        """A media actor gains or loses the alias a free-text outlet uses: that outlet becomes it, or stops."""
        rel = "content/actors/reuters.yaml"
        text = self.read(rel)
        if "Outlet 2" in text:
            self.write(rel, text.replace("aliases: [Thomson Reuters, Outlet 2]", "aliases: [Thomson Reuters]"))
            return "reuters loses the alias Outlet 2"
        assert "aliases: [Thomson Reuters]" in text
        self.write(rel, text.replace("aliases: [Thomson Reuters]", "aliases: [Thomson Reuters, Outlet 2]"))
        return "reuters gains the alias Outlet 2"

    def remove_article(self) -> str:
        if not self.generated:
            return self.add_article()
        slug = self.generated.pop(self.rng.randrange(len(self.generated)))
        self.remove(f"content/articles/{slug}.md")
        self.remove(f"content/articles/{slug}.yaml")
        return f"remove article {slug}"

    def edit_template(self) -> str:
        rel = "templates/topic.html"
        text = self.read(rel)
        start = text.index("topic marker ")
        end = text.index("</p>", start)
        self.write(rel, text[:start] + f"topic marker {self.token()}" + text[end:])
        return "topic.html override"

    def edit_macro(self) -> str:
        """An imported template: every page that lists articles depends on it."""
        rel = "templates/macros.html"
        text = self.read(rel)
        start = text.index("macro marker ")
        end = text.index(" -->", start)
        self.write(rel, text[:start] + f"macro marker {self.token()}" + text[end:])
        return "macros.html override"

    def toggle_article_override(self) -> str:
        if self.path("templates/article.html").exists():
            self.remove("templates/article.html")
            return "remove article.html override"
        theme = (theme_dir() / "article.html").read_text(encoding="utf-8")
        assert "{% block main %}" in theme
        self.write("templates/article.html",
                   theme.replace("{% block main %}", "{% block main %}<p class=\"marker\">article override</p>", 1))
        return "add article.html override"

    def edit_static(self) -> str:
        rel = "templates/static/style.css"
        base = self.read(rel) if self.path(rel).exists() else (theme_dir() / "static" / "style.css").read_text(encoding="utf-8")
        self.write(rel, base + f"\n/* {self.token()} */\n")
        return "style.css override"

    def edit_config(self) -> str:
        lines = self.read("briefgen.yaml").splitlines(keepends=True)
        lines = [f"title: Briefing {self.token()}\n" if l.startswith("title:") else l for l in lines]
        for key in ("allow_html", "search"):  # now and then, flip a setting
            if self.rng.random() < 0.25:
                on = f"{key}: true\n" in lines
                lines = [l for l in lines if not l.startswith(f"{key}:")] + [f"{key}: {'false' if on else 'true'}\n"]
        self.write("briefgen.yaml", "".join(lines))
        return "briefgen.yaml"

    BREAKAGES = ["yaml-syntax", "unknown-actor", "template-syntax", "config-key", "quote-lost"]

    def break_something(self) -> tuple[str, str, str]:
        """Break one file; return (description, rel, good text) to restore."""
        kind = self.rng.choice(self.BREAKAGES)
        if kind == "yaml-syntax":
            rel = f"content/actors/{self.rng.choice(self.actors())}.yaml"
            good = self.read(rel)
            self.write(rel, good + "aliases: [unclosed\n")
        elif kind == "unknown-actor":
            rel = f"content/articles/{MAIN}.yaml"
            good = self.read(rel)
            assert "    by: g7\n" in good
            self.write(rel, good.replace("    by: g7\n", "    by: g-7\n"))
        elif kind == "template-syntax":
            rel = "templates/topic.html"
            good = self.read(rel)
            self.write(rel, good.replace("topic marker", "{% if %}topic marker", 1))
        elif kind == "quote-lost":  # an edit to the text alone that loses a claim's quoted words
            rel = f"content/articles/{MAIN}.md"
            good = self.read(rel)
            assert "third attempt" in good
            self.write(rel, good.replace("third attempt", "third try"))
        else:
            rel = "briefgen.yaml"
            good = self.read(rel)
            self.write(rel, good + "titel: typo\n")
        return kind, rel, good

    EDITS = ["edit_summary", "edit_text", "rename_actor", "edit_topic", "add_article", "remove_article", "edit_template",
             "edit_macro", "toggle_article_override", "edit_static", "edit_config", "report_claim", "toggle_outlet_alias"]


def random_walk(root: Path, seed: int, edits: list[str]) -> None:
    """STEPS random edits; after each, the shared-cache build must equal a clean build: verify mode
    (BRIEFGEN_VERIFY=1) builds one first, in memory and without a cache (the CLI's --no-cache
    path), and fails the incremental build with ``stale-output`` when its files or warnings
    differ, or when it fails otherwise than the clean one."""
    assert verifying()
    rng = random.Random(seed)
    walk = Walk(make_project(root), rng)
    cache = Cache.server()
    first = build(walk.project, None, cache=cache, today=TODAY)
    clean_total, incremental_total = first.rendered, first.rendered
    history = []
    for step in range(STEPS):
        where = f"seed {seed}, step {step}: {history}\n"
        if rng.random() < 0.15:
            kind, rel, good = walk.break_something()
            history.append(f"break {rel} ({kind})")
            with pytest.raises(BuildFailed) as failed:
                build(walk.project, None, cache=walk.told(cache), today=TODAY)
            assert not isinstance(failed.value, StaleOutput), where + "\n".join(map(str, failed.value.diagnostics))
            # (a quote the text lost is reported where it is written: in the annotations)
            named = {rel, rel.removesuffix(".md") + ".yaml"}
            assert any(d.file in named for d in failed.value.diagnostics), (history, failed.value.diagnostics)
            walk.write(rel, good)
            history.append(f"fix {rel}")
        else:
            history.append(getattr(walk, rng.choice(edits))())
        try:
            incremental = build(walk.project, None, cache=walk.told(cache), today=TODAY)
        except StaleOutput as exc:
            pytest.fail(where + "\n".join(map(str, exc.diagnostics)))
        assert incremental.verified, where
        incremental_total += incremental.rendered
        clean_total += sum(incremental.pages.values())  # a clean build renders every page
    # The walk exercised the cache: incremental builds re-render less than clean ones.
    assert incremental_total < clean_total


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_incremental_build_equals_clean_build(tmp_path: Path, seed: int, monkeypatch):
    monkeypatch.setenv("BRIEFGEN_VERIFY", "1")  # each incremental build is also checked by a clean one in memory
    random_walk(tmp_path, seed, Walk.EDITS)


def _text_edit(project: Path, clock: Clock, cache: Cache, added: str, at_start: bool = False) -> None:
    """Add a paragraph to the main article's text, and tell ``cache`` as the watcher does."""
    rel = f"content/articles/{MAIN}.md"
    text = (project / rel).read_text(encoding="utf-8")
    end = text.index("\n---\n", 4) + 5
    clock.write(project / rel, text[:end] + added + "\n\n" + text[end:] if at_start else text + "\n" + added + "\n")
    assert cache.memo is not None
    cache.memo.note_edits({rel})


def _count_walks(monkeypatch) -> list[Path]:
    """The projects walked for their sources (load.discover) from now on."""
    from briefgen import load

    walks: list[Path] = []
    discover = load.discover

    def counted(project: Path, output: Path | None = None):
        walks.append(project)
        return discover(project, output)
    monkeypatch.setattr(load, "discover", counted)
    return walks


def test_a_text_edit_is_resolved_planned_and_rendered_by_difference(tmp_path: Path, monkeypatch):
    """The dev server's common edit, to an article's text: the file alone is read (the watcher
    said which), resolve hands back the last Briefing but for the article's text (its entities
    the same objects), the plan plans again only the pages that show that text, and only they are
    rendered; the site is a clean build's."""
    project, clock, cache = make_project(tmp_path), Clock(), Cache.server()
    first = build(project, None, cache=cache, today=TODAY)
    assert cache.memo is not None
    skeleton = cache.memo.plan["skeleton"]
    walks = _count_walks(monkeypatch)
    _text_edit(project, clock, cache, "A paragraph added to the text.")
    second = build(project, None, cache=cache, today=TODAY)
    assert second.parsed == 1 and walks == []  # the project not walked again
    assert cache.memo.plan["skeleton"] is skeleton  # the planners not run again
    assert first.briefing is not None and second.briefing is not None
    for name in ("articles", "claims", "actors", "topics", "events", "topic_articles", "claim_supported_by"):
        assert getattr(second.briefing, name) is getattr(first.briefing, name), name
    assert second.briefing.bodies[MAIN] is not first.briefing.bodies[MAIN]
    assert [p.path for p in first.planned] == [p.path for p in second.planned]
    replanned = {new.path for old, new in zip(first.planned, second.planned) if old is not new}
    assert replanned == {f"/articles/{MAIN}/"}
    assert second.rendered == 1
    assert b"A paragraph added to the text." in second.files[f"articles/{MAIN}/index.html"]
    clean = build(project, None, today=TODAY)
    assert second.files == clean.files and second.warnings == clean.warnings


def test_a_text_edit_that_changes_the_article_is_resolved_whole(tmp_path: Path):
    """Without a summary, an article's lead stands in for it: a new first paragraph changes the
    article itself (its summary shows on topic and index pages), so the whole resolve runs and the
    pages that show the summary change too. A lost quote is an error, as in a clean build, and its
    correction builds again."""
    project, clock, cache = make_project(tmp_path), Clock(), Cache.server()
    notes = project / f"content/articles/{MAIN}.yaml"
    text = notes.read_text(encoding="utf-8")
    start = text.index("summary: >")
    end = text.index("\n", text.index("\n", start) + 1)
    while text[end + 1:end + 3] == "  ":
        end = text.index("\n", end + 1)
    clock.write(notes, text[:start] + text[end + 1:])
    first = build(project, None, cache=cache, today=TODAY)
    _text_edit(project, clock, cache, "A new lead paragraph.", at_start=True)
    second = build(project, None, cache=cache, today=TODAY)
    assert first.briefing is not None and second.briefing is not None
    assert second.briefing.articles[MAIN].summary.startswith("A new lead paragraph.")
    assert second.briefing.articles is not first.briefing.articles
    assert b"A new lead paragraph." in second.files["index.html"]
    clean = build(project, None, today=TODAY)
    assert second.files == clean.files and second.warnings == clean.warnings

    rel = f"content/articles/{MAIN}.md"
    good = (project / rel).read_text(encoding="utf-8")
    clock.write(project / rel, good.replace("third attempt", "third try"))
    cache.memo.note_edits({rel})  # type: ignore[union-attr]
    with pytest.raises(BuildFailed) as failed:
        build(project, None, cache=cache, today=TODAY)
    assert [d.code for d in failed.value.diagnostics if d.severity == "error"] == ["quote-not-found"]
    clock.write(project / rel, good)
    cache.memo.note_edits({rel})  # type: ignore[union-attr]
    assert build(project, None, cache=cache, today=TODAY).files == clean.files


def test_the_dev_server_walks_the_project_again_when_an_edit_is_not_a_plain_edit(tmp_path: Path, monkeypatch):
    """Told which files changed, the dev server reads those alone, while its last walk of the
    project still holds: a file made, or replaced by a link, is walked for (a new article is
    built; a link out of the project is refused, as ever)."""
    project, clock, cache = make_project(tmp_path), Clock(), Cache.server()
    build(project, None, cache=cache, today=TODAY)
    walks = _count_walks(monkeypatch)
    new = "content/articles/a-new-article.md"
    clock.write(project / new, "---\ntitle: A new article\n---\nIts text.\n")
    cache.memo.note_edits({new})  # type: ignore[union-attr]
    made = build(project, None, cache=cache, today=TODAY)
    assert "articles/a-new-article/index.html" in made.files and len(walks) == 1

    outside = tmp_path / "outside.md"
    outside.write_text("---\ntitle: Not ours\n---\nSecret text.\n", encoding="utf-8")
    (project / new).unlink()
    (project / new).symlink_to(outside)
    cache.memo.note_edits({new})  # type: ignore[union-attr]
    with pytest.raises(BuildFailed) as failed:
        build(project, None, cache=cache, today=TODAY)
    assert [(d.code, d.file) for d in failed.value.diagnostics if d.severity == "error"] == [("outside-project", new)]


@pytest.mark.parametrize("how", ["symlink", "hard link", "symlink into static"])
def test_an_edit_under_another_name_reaches_every_source_it_is(tmp_path: Path, how: str):
    """A source that is a link to another file (another article, a file in static/), or a file of
    two names: the watcher names only the file written, yet every source it is changes."""
    project, clock, cache = make_project(tmp_path), Clock(), Cache.server()
    main = project / f"content/articles/{MAIN}.md"
    twin = project / "content/articles/a-twin.md"
    written = f"content/articles/{MAIN}.md"
    if how == "symlink":
        twin.symlink_to(main.name)
    elif how == "hard link":
        os.link(main, twin)
    else:
        target = project / "static/twin.md"
        target.parent.mkdir(exist_ok=True)
        shutil.copy(main, target)
        twin.symlink_to("../../static/twin.md")
        main, written = target, "static/twin.md"
    build(project, None, cache=cache, today=TODAY)
    with main.open("a", encoding="utf-8") as text:  # (written in place: a hard link stays one)
        text.write("\nWords written under another name.\n")
    cache.memo.note_edits({written})  # type: ignore[union-attr]
    served = build(project, None, cache=cache, today=TODAY)
    assert b"Words written under another name." in served.files["articles/a-twin/index.html"]
    assert served.files == build(project, None, today=TODAY).files


def test_a_name_made_for_a_source_while_serving_is_followed(tmp_path: Path):
    """A hard link made to a source after the server's walk (the kernel reports the source's
    metadata changed): from then on an edit under the other name, which no event names, reaches
    the source at the next rebuild, as it did when every rebuild looked at every file."""
    project, clock, cache = make_project(tmp_path), Clock(), Cache.server()
    rel = f"content/articles/{MAIN}.md"
    build(project, None, cache=cache, today=TODAY)
    elsewhere = tmp_path / "elsewhere.md"
    os.link(project / rel, elsewhere)
    cache.memo.note_edits({rel})  # type: ignore[union-attr]
    build(project, None, cache=cache, today=TODAY)
    with elsewhere.open("a", encoding="utf-8") as text:
        text.write("\nWritten under a name outside the project.\n")
    actor = next((project / "content/actors").glob("*.yaml"))
    clock.write(actor, actor.read_text(encoding="utf-8") + "\n")
    cache.memo.note_edits({actor.relative_to(project).as_posix()})  # type: ignore[union-attr]
    served = build(project, None, cache=cache, today=TODAY)
    assert b"Written under a name outside the project." in served.files[f"articles/{MAIN}/index.html"]


def test_the_dev_server_walks_again_when_the_content_folder_is_replaced(tmp_path: Path):
    """``mv content.new content``: the watcher names content/ itself, no source."""
    project, clock, cache = make_project(tmp_path), Clock(), Cache.server()
    build(project, None, cache=cache, today=TODAY)
    shutil.copytree(project / "content", project / "content.new")
    rel = f"content.new/articles/{MAIN}.md"
    clock.write(project / rel, (project / rel).read_text(encoding="utf-8") + "\nThe new folder's words.\n")
    (project / "content").rename(project / "content.old")
    (project / "content.new").rename(project / "content")
    cache.memo.note_edits({"content"})  # type: ignore[union-attr]
    served = build(project, None, cache=cache, today=TODAY)
    assert b"The new folder's words." in served.files[f"articles/{MAIN}/index.html"]


def test_a_project_named_by_a_relative_path_reads_by_difference(tmp_path: Path, monkeypatch):
    """``briefgen serve`` in the project's folder: the project is ``.``, its sources' paths
    relative; the edited file is still known as the walk's own."""
    project = make_project(tmp_path)
    monkeypatch.chdir(project)
    here, clock, cache = Path("."), Clock(), Cache.server()
    build(here, None, cache=cache, today=TODAY)
    walks = _count_walks(monkeypatch)
    _text_edit(here, clock, cache, "Edited from the project's own folder.")
    served = build(here, None, cache=cache, today=TODAY)
    assert walks == [] and b"Edited from the project's own folder." in served.files[f"articles/{MAIN}/index.html"]


def test_readers_follow_pages_and_values_planned_again():
    """pages.Readers answers which pages read an entry, which values read it and which pages
    take a value as a pass over the plan would, after pages and values are planned again."""
    from briefgen.pages import Planned, Readers

    reads = {"/a/": Planned(None, frozenset({("bodies", "a"), ("articles", "a")}), frozenset({"list"})),
             "/b/": Planned(None, frozenset({("articles", "b")}))}
    derived = {"list": Planned(None, frozenset({("articles", "a"), ("articles", "b")}))}
    readers = Readers()
    assert readers.pages_reading([("bodies", "a")], reads) == {"/a/"}
    assert readers.values_reading([("articles", "b")], derived) == {"list"}
    assert readers.pages_taking(["list"], reads) == {"/a/"}
    # /b/ now reads a's text and takes the list; /a/ no longer reads it; the list no longer reads b
    new_b = Planned(None, frozenset({("articles", "b"), ("bodies", "a")}), frozenset({"list"}))
    new_a = Planned(None, frozenset({("articles", "a")}))
    readers.page_planned("/b/", reads["/b/"], new_b)
    readers.page_planned("/a/", reads["/a/"], new_a)
    readers.value_derived("list", derived["list"], Planned(None, frozenset({("articles", "a")})))
    reads.update({"/a/": new_a, "/b/": new_b})
    assert readers.pages_reading([("bodies", "a")], reads) == {"/b/"}
    assert readers.pages_taking(["list"], reads) == {"/b/"}
    assert readers.values_reading([("articles", "b")], derived) == set()
    assert readers.values_reading([("articles", "a")], derived) == {"list"}
    readers.value_derived("list", derived.pop("list"), None)  # dropped
    assert readers.values_reading([("articles", "a")], derived) == set()


def test_topic_feed_follows_topic_rename(tmp_path: Path):
    """Regression: the render fingerprint once ignored page.title, and a topic feed's title (topic
    title · site title) is not in its context, so a renamed topic kept its old feed title."""
    project = make_project(tmp_path)
    cache = Cache.server()
    build(project, None, cache=cache, today=TODAY)
    topic = project / "content/topics/russia-north-korea-military-cooperation.yaml"
    Clock().write(topic, topic.read_text(encoding="utf-8").replace(
        "title: Russia–North Korea military cooperation", "title: Renamed topic"))
    incremental = build(project, None, cache=cache, today=TODAY)
    feed = "topics/russia-north-korea-military-cooperation/feed.xml"
    assert b"<title>Renamed topic \xc2\xb7 Incremental briefing</title>" in build(project, None, today=TODAY).files[feed]
    assert b"Renamed topic" in incremental.files[feed]


def test_search_index_is_reproducible(tmp_path: Path):
    """The same pages indexed three times: the same index, byte for byte (Pagefind writes its filters
    in hash-map order, issue #638; briefgen's search stage puts them in a fixed order)."""
    from briefgen.build import search_index

    project = make_project(tmp_path)
    (project / "briefgen.yaml").write_text("title: Incremental briefing\nsearch: true\n", encoding="utf-8")
    briefing = build(project, None, cache=Cache.server(), today=TODAY).briefing
    runs = [search_index(briefing, Cache.one_off()) for _ in range(3)]
    assert any(k.startswith("pagefind/fragment/") for k in runs[0]), "no index"
    for other in runs[1:]:
        assert other == runs[0], files_diff(other, runs[0])


def test_search_index_of_incremental_build_equals_clean(tmp_path: Path):
    """Regression: render_pages puts cached pages before re-rendered ones in the files dict, and the
    search stage once staged pages for Pagefind in that order, which changes Pagefind's index."""
    project = make_project(tmp_path)
    (project / "briefgen.yaml").write_text("title: Incremental briefing\nsearch: true\n", encoding="utf-8")
    walk = Walk(project, random.Random(7))
    cache = Cache.server()
    build(project, None, cache=cache, today=TODAY)
    walk.edit_summary()
    incremental = build(project, None, cache=cache, today=TODAY)
    clean = build(project, None, cache=Cache.server(), today=TODAY)
    pages = {k for k in clean.files if not k.startswith("pagefind/")}
    assert {k: incremental.files[k] for k in pages} == {k: clean.files[k] for k in pages}  # the pages agree
    assert incremental.files == clean.files, files_diff(incremental.files, clean.files)


def test_search_records_do_not_depend_on_the_order_entities_were_read(tmp_path: Path):
    """The same briefing with its entities in another order: the same records, in URL order
    (Pagefind's output depends on the order it is given records in)."""
    import dataclasses

    from briefgen import search

    project = make_project(tmp_path)
    b = build(project, None, cache=Cache.server(), today=TODAY).briefing
    backward = dataclasses.replace(b, **{k: dict(reversed(list(getattr(b, k).items())))
                                         for k in ("articles", "claims", "actors", "topics")})
    forward = search.records(b)
    assert search.records(backward) == forward
    assert [r.url for r in forward] == sorted(r.url for r in forward)


def test_search_indexes_entities_only(tmp_path: Path):
    """One record per article, claim, actor and topic, labelled with its kind (and a claim with its
    status); lists and indexes are no results."""
    from briefgen import search

    project = make_project(tmp_path)
    b = build(project, None, cache=Cache.server(), today=TODAY).briefing
    found = search.records(b)
    expected = ({f"/articles/{s}/" for s in b.articles} | {f"/claims/{c}/" for c in b.claims}
                | {f"/actors/{a}/" for a in b.actors} | {f"/topics/{t}/" for t in b.topics})
    assert {r.url for r in found} == expected
    for r in found:
        message = r.message("en")
        assert message["meta"]["kind"] == search.KIND_NAMES[r.kind] == message["filters"]["kind"][0]
        assert ("status" in message["meta"]) == (r.kind == "claim")


def test_template_edit_does_not_reindex(tmp_path: Path, monkeypatch):
    """The index is made from the model: a template edit leaves the records, and so the index, as
    they were (the search stage is not run again)."""
    from briefgen import search

    project = make_project(tmp_path)
    (project / "briefgen.yaml").write_text("title: Incremental briefing\nsearch: true\n", encoding="utf-8")
    cache = Cache.server()
    first = build(project, None, cache=cache, today=TODAY)
    runs = []
    real = search.Indexing  # what runs Pagefind
    monkeypatch.setattr(search, "Indexing", lambda *a, **k: runs.append(1) or real(*a, **k))
    (project / "templates").mkdir(exist_ok=True)
    theme = theme_dir() / "article.html"
    (project / "templates" / "article.html").write_text(theme.read_text(encoding="utf-8") + "\n<!-- edited -->\n",
                                                       encoding="utf-8")
    again = build(project, None, cache=cache, today=TODAY)
    assert runs == []
    assert {k: v for k, v in again.files.items() if k.startswith("pagefind/")} == \
        {k: v for k, v in first.files.items() if k.startswith("pagefind/")}


def test_no_op_rebuild_renders_nothing(tmp_path: Path):
    project = make_project(tmp_path)
    cache = Cache.server()
    first = build(project, None, cache=cache, today=TODAY)
    again = build(project, None, cache=cache, today=TODAY)
    assert again.rendered == 0
    assert again.files == first.files


def _same_size_edit(tmp_path: Path, keep_mtime: bool) -> None:
    project = make_project(tmp_path)
    sidecar = project / "content/articles" / f"{MAIN}.yaml"
    cache = Cache.server()
    build(project, None, cache=cache, today=TODAY)
    before = sidecar.stat()
    text = sidecar.read_text(encoding="utf-8")
    assert "grade: B2" in text
    sidecar.write_text(text.replace("grade: B2", "grade: C3", 1), encoding="utf-8")  # same size
    if keep_mtime:  # the edit lands in the same mtime tick as the version the cache has parsed
        os.utime(sidecar, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert sidecar.stat().st_size == before.st_size
    incremental = build(project, None, cache=cache, today=TODAY)
    clean = build(project, None, cache=Cache.server(), today=TODAY)
    assert incremental.files == clean.files, files_diff(incremental.files, clean.files)


def test_same_size_edit_with_new_mtime_is_seen(tmp_path: Path):
    _same_size_edit(tmp_path, keep_mtime=False)


def test_same_size_edit_within_same_mtime_tick_is_seen(tmp_path: Path):
    """Regression: the parse cache was keyed on (mtime_ns, size), so a same-size edit in the same
    mtime tick (coarse file systems, cp -p, rsync -t, tar x) was served from the stale parse."""
    _same_size_edit(tmp_path, keep_mtime=True)


def test_template_edit_within_same_mtime_tick_is_seen(tmp_path: Path):
    """The dev server keeps its Jinja environment between builds; Jinja itself notices only a new
    mtime, so a same-tick edit must still reach the compiled template."""
    project = make_project(tmp_path)
    template = project / "templates" / "topic.html"
    cache = Cache.server()
    build(project, None, cache=cache, today=TODAY)
    before = template.stat()
    text = template.read_text(encoding="utf-8")
    template.write_text(text.replace("topic marker 0", "topic marker 9"), encoding="utf-8")
    os.utime(template, ns=(before.st_atime_ns, before.st_mtime_ns))
    incremental = build(project, None, cache=cache, today=TODAY)
    assert any(b"topic marker 9" in data for data in incremental.files.values())
    assert incremental.files == build(project, None, cache=Cache.server(), today=TODAY).files


def test_new_project_template_overrides_a_compiled_theme_template(tmp_path: Path):
    project = make_project(tmp_path)
    cache = Cache.server()
    build(project, None, cache=cache, today=TODAY)
    theme_actor = (theme_dir() / "actor.html").read_text(encoding="utf-8")
    (project / "templates" / "actor.html").write_text(
        theme_actor.replace("{% block main %}", '{% block main %}<p class="marker">actor override</p>', 1), encoding="utf-8")
    incremental = build(project, None, cache=cache, today=TODAY)
    assert any(b"actor override" in data for path, data in incremental.files.items() if path.startswith("actors/"))
    assert incremental.files == build(project, None, cache=Cache.server(), today=TODAY).files


def test_a_clean_build_compiles_only_the_templates_edited_since_the_last(tmp_path: Path, monkeypatch):
    """Every clean build makes a new Renderer (verify mode, --no-cache, the dev server's new settings);
    compiled templates are kept for the process by file and source: an unchanged template is not
    compiled again, an edited one is, even within the same mtime tick."""
    import jinja2

    project = make_project(tmp_path)
    build(project, None, cache=Cache.one_off(), today=TODAY)
    compiled: list[str | None] = []
    real = jinja2.Environment.compile

    def counting(self, source, name=None, filename=None, raw=False, defer_init=False):
        compiled.append(name)
        return real(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    again = build(project, None, cache=Cache.one_off(), today=TODAY)
    assert compiled == [], compiled
    template = project / "templates" / "topic.html"
    before = template.stat()
    template.write_text(template.read_text(encoding="utf-8").replace("topic marker 0", "topic marker 7"), encoding="utf-8")
    os.utime(template, ns=(before.st_atime_ns, before.st_mtime_ns))
    edited = build(project, None, cache=Cache.one_off(), today=TODAY)
    assert compiled == ["topic.html"]
    assert any(b"topic marker 7" in data for data in edited.files.values())
    assert {k: v for k, v in edited.files.items() if b"topic marker" not in v} == \
        {k: v for k, v in again.files.items() if b"topic marker" not in v}


def test_a_kept_block_is_made_once_per_key_in_a_build_and_afresh_in_the_next(tmp_path: Path):
    """``{% call kept(key...) %}`` (the theme's claim card uses it): one build makes the block once
    per key, whatever page shows it; the dev server's next build makes it again from the new model."""
    project = make_project(tmp_path)
    topic = project / "templates" / "topic.html"
    topic.write_text(topic.read_text(encoding="utf-8").replace(
        "{% block main %}", '{% block main %}<p class="kept">{% call kept("first title") %}{{ page.title }}{% endcall %}'
        '|{% call kept("own title", page.path) %}{{ page.title }}{% endcall %}</p>', 1), encoding="utf-8")
    cache = Cache.server()
    first = build(project, None, cache=cache, today=TODAY)
    kept = {path: re.search(rb'<p class="kept">(.*?)\|(.*?)</p>', data).groups()
            for path, data in first.files.items() if path.startswith("topics/") and path.count("/") == 2 and path.endswith("/index.html")}
    assert len(kept) == len(TOPICS) and len({shared for shared, _ in kept.values()}) == 1, kept
    assert len({own for _, own in kept.values()}) == len(TOPICS), kept
    shared = next(iter(kept.values()))[0].decode()
    for name in TOPICS:  # rename every topic: the next build's block shows a new title
        path = next((project / "content" / "topics").glob(f"{name}.*"))  # .yaml, or .md with front matter
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"(?m)^title: (.*)$", r"title: Renamed \1", text, count=1), encoding="utf-8")
    again = build(project, None, cache=cache, today=TODAY)
    shown = {re.search(rb'<p class="kept">(.*?)\|', data).group(1).decode()
             for path, data in again.files.items() if path.startswith("topics/") and path.count("/") == 2 and path.endswith("/index.html")}
    assert len(shown) == 1 and shown != {shared} and next(iter(shown)).startswith("Renamed"), (shared, shown)
