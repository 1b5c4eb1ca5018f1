"""One place per concept: a page kind is one registry entry (``pages.KINDS``) and its template;
templates make every URL through ``url_for``/``path_for`` (paths.py); vocabularies are defined
once (``vocabulary.py``) and templates read them from globals.

The proof is the last test: a kind registered here with one project template, and nothing else
changed, is planned, rendered, linked from every page's header and listed in the sitemap.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from briefgen import vocabulary
from briefgen.build import build
from briefgen.errors import BuildFailed
from briefgen.kinds import Nav, PageKind, Registry
from briefgen.pages import KINDS, Page, single
from briefgen.render import theme_dir
from briefgen.schema import SiteConfig
from html_tree import parse_html
from support import FIXTURES

TODAY = dt.date(2025, 1, 1)
THEME_FILES = sorted(p for p in theme_dir().iterdir() if p.suffix in (".html", ".xml", ".txt", ".json"))


def test_every_kind_has_its_template_in_the_theme():
    for kind in KINDS:
        assert (theme_dir() / kind.template).is_file(), kind.name


@pytest.mark.parametrize("path", THEME_FILES, ids=lambda p: p.name)
def test_the_theme_builds_no_url_by_hand(path):
    """Every link of the theme comes from url_for/path_for, a pager or a context value that
    paths.py made: no site path is written out in a template."""
    source = path.read_text(encoding="utf-8")
    assert not re.findall(r"""\b(?:url|absolute|feed_id|link)\(\s*['"]/""", source)
    assert not re.findall(r"""~\s*['"]/""", source)  # '/topics/' ~ id ~ '/'


@pytest.mark.parametrize("path", THEME_FILES, ids=lambda p: p.name)
def test_the_theme_spells_out_no_vocabulary(path):
    """Status icons and actor kind headings come from the vocabulary's globals."""
    source = path.read_text(encoding="utf-8")
    for words in (vocabulary.STATUSES, vocabulary.ACTOR_KINDS):
        assert not re.findall("|".join(rf"""['"]{w}['"]\s*:""" for w in words), source)


def test_every_kind_a_template_may_link_is_documented():
    docs = (Path(__file__).parent.parent / "docs" / "templates.md").read_text(encoding="utf-8")
    listed = docs.split("- `kind`:", 1)[1].split("- `id`:", 1)[0]
    hidden = {"404", "robots", "data"}  # no template links them
    assert {k.name for k in KINDS} - hidden == set(re.findall(r"`([a-z0-9-]+)`", listed))


def test_the_nav_is_the_registrys_in_its_order():
    assert KINDS.nav(SiteConfig()) == [("/topics/", "Topics"), ("/actors/", "Actors"), ("/claims/", "Claims"),
                                       ("/articles/", "Articles"), ("/timeline/", "Timeline")]
    dated = SiteConfig.model_validate({"editions": [{"date": "2024-03-08"}]})
    assert KINDS.nav(dated)[-1] == ("/editions/", "Editions")


def test_url_for_takes_a_kind_an_id_a_part_and_an_anchor():
    assert KINDS["claim-reports"].path("c") == "/claims/c/reports/"
    assert KINDS["topic"].path("x", part="feed.xml") == "/topics/x/feed.xml"
    assert KINDS["article"].path("a", anchor="quote-c") == "/articles/a/#quote-c"
    with pytest.raises(KeyError, match="no page kind 'nope'"):
        KINDS["nope"]


def test_the_registry_refuses_what_it_cannot_plan():
    registry = Registry([])
    with pytest.raises(ValueError, match="which is not registered"):
        registry.add(PageKind("x-list", "/x/{id}/list/", "list.html", lambda p, k, o: [], owner="x"))
    with pytest.raises(ValueError, match="no one page for its nav link"):
        registry.add(PageKind("x", "/x/{id}/", "x.html", lambda p, k, o: [], nav=Nav("X", 1)))
    registry.add(PageKind("y", "/y/", "y.html", lambda p, k, o: []))
    with pytest.raises(ValueError, match="registered already"):
        registry.add(PageKind("y", "/y/", "y.html", lambda p, k, o: []))


CONTESTED = """{% extends "base.html" %}
{% import "macros.html" as mc with context %}
{% block main %}
<h1>Contested claims</h1>
<ul class="contested">{% for cid in contested %}<li>{{ mc.status(claims[cid].status) }} <a href="{{ url_for('claim', cid) }}">{{ claims[cid].statement }}</a></li>{% endfor %}</ul>
<p><a class="all" href="{{ url('/claims/') }}">All claims</a></p>
{% endblock %}
"""
"""A project template: ``url('/claims/')`` is the old way, still public."""


def _contested_page(b) -> Page:
    contested = [cid for cid, claim in b.claims.items() if b.contested(claim)]
    return Page.of("contested", {"contested": contested, "claims": {c: b.claims[c] for c in contested},
                                 "actors": {}, "articles": {}, "topics": {}}, "Contested claims")


def test_a_page_kind_is_one_entry_and_one_template(tmp_path):
    project = shutil.copytree(FIXTURES / "valid" / "basic", tmp_path / "project")
    config = project / "briefgen.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "base_url: https://example.org/brief/\n", encoding="utf-8")
    (project / "templates").mkdir()
    (project / "templates" / "contested.html").write_text(CONTESTED, encoding="utf-8")
    kind = PageKind("contested", "/contested/", "contested.html", single(_contested_page), nav=Nav("Contested", 35))
    with KINDS.added(kind, before="404"):
        files = build(project, None, today=TODAY, index_search=False, parallel=False).files
    assert "contested" not in KINDS

    page = parse_html(files["contested/index.html"].decode())
    links = {a.text: a.attrs["href"] for a in page.find("ul", "contested").find_all("a")}
    assert links == {
        "Kim Jong Un has seen images of U.S. bases on Guam taken by the satellite.": "/brief/claims/kim-saw-guam-images/",
        "There is no evidence that the satellite has taken any images of Guam.": "/brief/claims/no-evidence-of-guam-images/"}
    assert page.find("a", "all").attrs["href"] == "/brief/claims/"
    nav = [(a.text, a.attrs["href"]) for a in parse_html(files["index.html"].decode()).find("nav").find_all("a")]
    assert nav[2:4] == [("Claims", "/brief/claims/"), ("Contested", "/brief/contested/")]
    sitemap = files["sitemap.xml"].decode()
    assert "<loc>https://example.org/brief/contested/</loc>" in sitemap
    assert "search/index.html" in files and "search/" not in sitemap  # a kind says whether the sitemap lists it


def test_a_template_naming_an_unknown_kind_fails_located(tmp_path):
    project = shutil.copytree(FIXTURES / "valid" / "basic", tmp_path / "project")
    (project / "templates").mkdir()
    (project / "templates" / "404.html").write_text("{{ url_for('topicz') }}\n", encoding="utf-8")
    with pytest.raises(BuildFailed) as failed:
        build(project, None, today=TODAY, index_search=False, parallel=False)
    [problem] = failed.value.diagnostics
    assert (problem.code, problem.file, problem.line) == ("template-error", "templates/404.html", 1)
    assert "no page kind 'topicz'" in problem.message


def build_with_404(tmp_path: Path, template: str, partial: str | None = None) -> list:
    """The basic fixture with a project 404.html (and templates/partials/p.html): its diagnostics."""
    project = shutil.copytree(FIXTURES / "valid" / "basic", tmp_path / "project")
    (project / "templates" / "partials").mkdir(parents=True)
    (project / "templates" / "404.html").write_text(template, encoding="utf-8")
    if partial is not None:
        (project / "templates" / "partials" / "p.html").write_text(partial, encoding="utf-8")
    with pytest.raises(BuildFailed) as failed:
        build(project, None, today=TODAY, index_search=False, parallel=False)
    return list(failed.value.diagnostics)


@pytest.mark.parametrize(("call", "says", "hint"), [
    ("url_for('actor', site)", "actor pages need an id as text, got a value of type SiteConfig", "actor.id"),
    ("url_for('actor', 42)", "actor pages need an id as text, got a value of type int", "actor.id"),
    ("url_for('actor')", "actor pages need an id as text, got none", "url_for('actor', <id>)"),
    ("url_for()", "no page kind ''", "known kinds: "),
    ("url_for('home', 'x')", "home has one page, and takes no id", "url_for('home')"),
    ("url_for('actor', 'a b/c?d')", "'a b/c?d' is not an id", "lowercase letters"),
    ("url_for('actor', 'north-korea', part='../../../etc/passwd')", "the part '../../../etc/passwd' cannot be part of a link", "no '..'"),
    ("url_for('editions')", "this site has no editions pages", "test the setting"),
    ("asset('nope.css')", "asset('nope.css'): no such file", "known: "),
])
def test_a_template_calling_url_for_or_asset_wrongly_gets_a_located_error_with_what_to_do(tmp_path, call, says, hint):
    [problem] = build_with_404(tmp_path, "<p>\n{{ " + call + " }}</p>\n")
    assert (problem.code, problem.file, problem.line) == ("template-error", "templates/404.html", 2), problem
    assert says in problem.message and hint in (problem.hint or ""), problem
    assert "Error" not in problem.message  # no Python exception's name


def test_a_whole_object_passed_to_url_for_is_shown_short(tmp_path):
    """A tester passed a page: the message showed its repr, several kilobytes long (the settings' too)."""
    [problem] = build_with_404(tmp_path, "<p>\n{{ url_for('actor', site) }}</p>\n")
    assert "got a value of type SiteConfig" in problem.message and len(problem.message) < 300, problem.message


def test_an_error_in_a_template_in_a_subfolder_names_that_file(tmp_path):
    """A runtime error in templates/partials/p.html, included by a computed name: that file and
    its line (a tester found the page's own template named instead, at the partial's line)."""
    [problem] = build_with_404(tmp_path, '{% include "partials/" ~ "p.html" %}\n', "ok\n{{ no_such_name.x }}\n")
    assert (problem.code, problem.file, problem.line) == ("template-error", "templates/partials/p.html", 2)


def test_a_missing_include_names_the_including_template_and_line(tmp_path):
    [problem] = build_with_404(tmp_path, '{% include "partials/p.html" %}\n', "ok\n{% include 'nope.html' %}\n")
    assert (problem.code, problem.file, problem.line) == ("template-missing", "templates/partials/p.html", 2)
    assert "'nope.html' not found" in problem.message


def test_one_template_line_failing_on_every_page_of_a_kind_is_one_error(tmp_path):
    """A tester's project: url_for('actors', actor.id) in actor.html failed once per actor page."""
    project = shutil.copytree(FIXTURES / "valid" / "basic", tmp_path / "project")
    (project / "templates").mkdir()
    (project / "templates" / "actor.html").write_text("<p>{{ url_for('actors', actor.id) }}</p>\n", encoding="utf-8")
    actors = len(list((project / "content" / "actors").glob("*.yaml")))
    with pytest.raises(BuildFailed) as failed:
        build(project, None, today=TODAY, index_search=False, parallel=False)
    [problem] = failed.value.diagnostics
    assert (problem.code, problem.file, problem.line) == ("template-error", "templates/actor.html", 1)
    assert problem.message.endswith(f"(and on {actors - 1} more pages)"), problem.message


def test_the_dev_server_plans_a_kind_registered_or_removed_between_its_builds(tmp_path):
    """Its plan memo keeps the last pages while the briefing is unchanged, but not past a change
    of the registry: the new kind's page is there at once, and gone once the kind is removed."""
    from briefgen.cache import Cache

    project = shutil.copytree(FIXTURES / "valid" / "basic", tmp_path / "project")
    (project / "templates").mkdir()
    (project / "templates" / "contested.html").write_text(CONTESTED, encoding="utf-8")
    kind = PageKind("contested", "/contested/", "contested.html", single(_contested_page))
    cache = Cache.server()
    assert "contested/index.html" not in build(project, None, cache=cache, today=TODAY, index_search=False).files
    with KINDS.added(kind, before="404"):
        assert "contested/index.html" in build(project, None, cache=cache, today=TODAY, index_search=False).files
    assert "contested/index.html" not in build(project, None, cache=cache, today=TODAY, index_search=False).files
