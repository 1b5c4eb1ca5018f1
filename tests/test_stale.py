"""Plausible changes to a project or to briefgen either work or fail loudly: never stale output.

Each test makes a change a user or a new maintainer could make (a template including another by a
computed name, a new backlink, a new property of the Briefing read by a planner) and checks that
an incremental build then equals a clean one, or stops with an error naming what it cannot track.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import time
from pathlib import Path

import pytest

from briefgen import model as m
from briefgen import pages, reads, resolve, stamps
from briefgen import build as build_module
from briefgen.build import VERIFY, Cache, StaleOutput, build, load_briefing
from briefgen.errors import BuildFailed
from briefgen.render import Renderer, theme_dir
from support import FIXTURES, read_tree

TODAY = dt.date(2024, 1, 1)


def project_copy(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "valid" / "basic", project)
    return project


def write_later(path: Path, text: str) -> None:
    """Write ``text`` with an mtime a second later than the file's last, whatever the clock's tick."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    later = max(before + 1_000_000_000, path.stat().st_mtime_ns)
    os.utime(path, ns=(later, later))


def test_a_partial_included_by_a_computed_name_is_rebuilt_when_edited(tmp_path: Path):
    project = project_copy(tmp_path)
    article = (theme_dir() / "article.html").read_text(encoding="utf-8")
    assert article.count("{% block main %}") == 1
    write_later(project / "templates" / "article.html", article.replace(
        "{% block main %}", '{% block main %}{% include "partials/" ~ page.kind ~ ".html" %}'))
    partial = project / "templates" / "partials" / "article.html"
    write_later(partial, '<p class="partial">first words</p>\n')
    out = tmp_path / "site"
    first = build(project, out, today=TODAY, persist=True)
    page = out / "articles" / "satellite-launch" / "index.html"
    assert b"first words" in page.read_bytes()

    write_later(partial, '<p class="partial">second words</p>\n')
    again = build(project, out, today=TODAY, persist=True)
    assert again.briefing is not None, "the stamps' shortcut missed the edited partial"
    assert again.rendered > 0, "the cache kept every page"
    assert b"second words" in page.read_bytes()
    assert 0 < first.rendered
    clean = tmp_path / "clean"
    build(project, clean, today=TODAY, persist=False)
    assert read_tree(out) == read_tree(clean)


def blind_to_templates(monkeypatch) -> None:
    """A cache bug: every template's digest the same, so a template edit re-renders nothing."""
    real = Renderer.template_digest
    monkeypatch.setattr(Renderer, "template_digest", lambda self, name: real(self, name) and "blind")


def later_clock(monkeypatch) -> None:
    """The build's clock a few seconds ahead: every file is settled, with no sleep."""
    monkeypatch.setattr(stamps, "now", lambda: time.time_ns() + 5_000_000_000)


def test_verify_mode_fails_an_incremental_build_that_goes_stale_and_writes_nothing(tmp_path: Path, monkeypatch):
    """A cache that misses a dependency (here: every template digest the same) is caught."""
    project = project_copy(tmp_path)
    out = tmp_path / "site"
    blind_to_templates(monkeypatch)
    theme = (theme_dir() / "article.html").read_text(encoding="utf-8")
    write_later(project / "templates" / "article.html", theme)
    build(project, out, today=TODAY, persist=True)
    before = read_tree(out)
    write_later(project / "templates" / "article.html", theme.replace("{% block main %}", "{% block main %}<p>new</p>"))

    monkeypatch.setenv(VERIFY, "1")
    with pytest.raises(BuildFailed) as failed:
        build(project, out, today=TODAY, persist=True)
    named = {d.file for d in failed.value.diagnostics if d.code == "stale-output"}
    assert "articles/satellite-launch/index.html" in named and "index.html" not in named
    assert read_tree(out) == before

    monkeypatch.delenv(VERIFY)  # the same build without the mode: stale, silently
    assert build(project, out, today=TODAY, persist=True).rendered == 0
    assert b"<p>new</p>" not in (out / "articles" / "satellite-launch" / "index.html").read_bytes()


@pytest.mark.slow
def test_verify_mode_checks_the_dev_servers_builds(tmp_path: Path, monkeypatch):
    project = project_copy(tmp_path)
    monkeypatch.setenv(VERIFY, "1")
    cache = Cache.server()
    assert build(project, None, cache=cache, today=TODAY).verified
    blind_to_templates(monkeypatch)
    assert build(project, None, cache=cache, today=TODAY).verified
    write_later(project / "templates" / "home.html", "<p>a new home page</p>\n")
    with pytest.raises(BuildFailed) as failed:
        build(project, None, cache=cache, today=TODAY)
    assert [d.file for d in failed.value.diagnostics] == ["index.html"]
    assert not build(project, None, today=TODAY).verified  # a one-off build has nothing to verify


def blind_to_edits(monkeypatch) -> None:
    """A simulated cache bug: every source already parsed is taken as unchanged, whatever its bytes."""
    real = build_module._lookup

    def stale(source, cache, allow_html, swept_at):
        hit = cache.documents.entries.get(source.file)
        return hit.document if hit is not None else real(source, cache, allow_html, swept_at)

    monkeypatch.setattr(build_module, "_lookup", stale)


NOTES = "content/articles/satellite-launch.yaml"
NEW_ARTICLE = ("---\ntitle: A later report\npublished: 2023-12-01\noutlet: Reuters\n---\n\nKim Jong Un spoke.\n",
               "topics: [satellite-programme]\nsummary: A later report.\nactors: [nobody-else]\n")
"""A new article, which even the blind cache parses: it names an unknown actor."""


@pytest.mark.parametrize(("edit", "stale"), [
    # an error in a file the blind cache does not read again: the incremental build succeeds
    (lambda p: write_later(p / NOTES, (p / NOTES).read_text().replace("  - kim-jong-un\n", "  - kim-jong-un\n  - nobody\n")),
     "succeeded where a clean build fails"),
    # the same, and a new broken article both builds see: both fail, with other errors
    (lambda p: (write_later(p / NOTES, (p / NOTES).read_text().replace("  - kim-jong-un\n", "  - kim-jong-un\n  - nobody\n")),
                write_later(p / "content/articles/later.md", NEW_ARTICLE[0]),
                write_later(p / "content/articles/later.yaml", NEW_ARTICLE[1])),
     "failed otherwise than a clean build"),
    # a warning in a file the blind cache does not read again (its summary gone)
    (lambda p: write_later(p / NOTES, "".join(line for line in (p / NOTES).read_text().splitlines(keepends=True)
                                              if not line.startswith("summary:"))),
     "did not give a warning a clean build gives"),
], ids=["succeeds", "fails-otherwise", "warning"])
def test_verify_mode_compares_failures_and_warnings_too(tmp_path: Path, monkeypatch, edit, stale):
    project = project_copy(tmp_path)
    monkeypatch.setenv(VERIFY, "1")
    cache = Cache.server()
    assert build(project, None, cache=cache, today=TODAY).verified
    blind_to_edits(monkeypatch)
    edit(project)
    with pytest.raises(StaleOutput) as failed:
        build(project, None, cache=cache, today=TODAY)
    assert any(stale in d.message for d in failed.value.diagnostics if d.code == "stale-output"), failed.value.diagnostics


def test_verify_mode_checks_a_build_the_stamps_call_done(tmp_path: Path, monkeypatch):
    project = project_copy(tmp_path)
    out = tmp_path / "site"
    later_clock(monkeypatch)
    monkeypatch.setenv(VERIFY, "1")
    assert build(project, out, today=TODAY, persist=True).verified
    done = build(project, out, today=TODAY, persist=True)
    assert done.briefing is None and done.verified  # the stamps' shortcut ran, and was checked


def test_a_new_backlink_reading_another_field_is_kept_up_to_date(tmp_path: Path, monkeypatch):
    """A maintainer adds to resolve._links a rule that reads article titles: the dev server's memo
    of the backlinks compares what _links read, so a title edit recomputes them."""
    real = resolve._links

    def drafts_hidden(articles, topics, actors, claims, *rest):
        links = real(articles, topics, actors, claims, *rest)
        links["topic_articles"] = {t: tuple(s for s in slugs if not articles[s].title.startswith("DRAFT"))
                                   for t, slugs in links["topic_articles"].items()}
        return links

    monkeypatch.setattr(resolve, "_links", drafts_hidden)
    project = project_copy(tmp_path)
    cache = Cache.server()
    first = build(project, None, cache=cache, today=TODAY)
    source = project / "content" / "articles" / "satellite-launch.md"
    write_later(source, source.read_text(encoding="utf-8").replace("title: ", "title: DRAFT ", 1))
    again = build(project, None, cache=cache, today=TODAY)
    topic = "topics/satellite-programme/index.html"
    assert again.files[topic] != first.files[topic]
    assert again.files == build(project, None, today=TODAY).files
    assert 0 < again.rendered < sum(again.pages.values())  # an incremental build, not a fresh one


def test_a_property_of_the_briefing_read_by_a_planner_is_tracked(monkeypatch):
    """Its reads of the Briefing's fields are recorded, so a change to them plans the page again."""
    monkeypatch.setattr(m.Briefing, "lead", property(lambda b: next(iter(b.articles), None)), raising=False)
    real = pages.topic_page
    monkeypatch.setattr(pages, "topic_page", lambda b, ident: dataclasses.replace(
        real(b, ident), context={**real(b, ident).context, "lead": b.lead}))
    b, _ = load_briefing(FIXTURES / "valid" / "basic", today=TODAY)
    memo: dict = {}
    first = {p.path: p for p in pages.plan(b, memo)}
    reordered = dataclasses.replace(b, articles=dict(reversed(list(b.articles.items()))))
    second = {p.path: p for p in pages.plan(reordered, memo)}
    topic = "/topics/satellite-programme/"
    assert first[topic].context["lead"] == next(iter(b.articles))
    assert second[topic].context["lead"] == next(iter(reordered.articles)) != first[topic].context["lead"]
    assert second["/actors/"] is first["/actors/"]  # the plan was incremental: it kept a page


def test_a_value_of_the_briefing_a_read_cannot_track_is_refused_naming_it(monkeypatch):
    monkeypatch.setattr(m.Briefing, "motto", "Know more", raising=False)
    real = pages._home
    monkeypatch.setattr(pages, "_home", lambda b: dataclasses.replace(real(b), title=b.motto))
    b, _ = load_briefing(FIXTURES / "valid" / "basic", today=TODAY)
    assert pages.plan(b)[0].title == "Know more"  # without a memo nothing is recorded, nothing to refuse
    with pytest.raises(reads.UnrecordedRead, match=r"Briefing\.motto"):
        pages.plan(b, {})
