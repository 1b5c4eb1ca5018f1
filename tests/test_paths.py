"""briefgen.paths, table by table: ids, site paths, output files, hrefs and URLs."""

from __future__ import annotations

import pytest

from briefgen.paths import (absolute_url, base_path, entity_route, fill, href, id_problem, output_file, paged, pdf_path,
                            quote_anchor, site_path, suggest_id)

BAD_ID = "ids are lowercase letters, digits and single hyphens, like 'kim-jong-un'"
BASE = "https://example.org/briefing/"


@pytest.mark.parametrize("target, current, base_url, expected", [
    # Without a base URL links are relative and name index.html, so the site works from file://.
    ("/", "/", None, "index.html"),
    ("/topics/x/", "/", None, "topics/x/index.html"),
    ("/", "/topics/x/", None, "../../index.html"),
    # Relative links always climb to the root and descend: one rule, no path arithmetic per link.
    ("/topics/y/", "/topics/x/", None, "../../topics/y/index.html"),
    ("/topics/x/", "/topics/x/", None, "../../topics/x/index.html"),
    ("/articles/a/#quote-c", "/claims/c/", None, "../../articles/a/index.html#quote-c"),
    ("#quote-c", "/articles/a/", None, "#quote-c"),
    ("/static/style.css", "/404.html", None, "static/style.css"),
    ("/static/style.css", "/articles/a/", None, "../../static/style.css"),
    ("/feed.xml", "/topics/x/feed.xml", None, "../../feed.xml"),
    ("/topics/x/feed.xml", "/topics/x/", None, "../../topics/x/feed.xml"),
    # With a base URL links are path-absolute under its path, with or without a trailing slash.
    ("/topics/x/", "/articles/a/", BASE, "/briefing/topics/x/"),
    ("/topics/x/", "/articles/a/", "https://example.org/briefing", "/briefing/topics/x/"),
    ("/topics/x/", "/articles/a/", "https://example.org", "/topics/x/"),
    ("/", "/topics/x/", BASE, "/briefing/"),
    ("/articles/a/#quote-c", "/claims/c/", BASE, "/briefing/articles/a/#quote-c"),
    ("/static/style.css", "/404.html", "/", "/static/style.css"),
    ("#quote-c", "/articles/a/", BASE, "#quote-c"),  # a fragment alone stays on the same page
])
def test_href(target, current, base_url, expected):
    assert href(target, current, base_url) == expected


@pytest.mark.parametrize("base_url, expected", [
    (None, "/"), ("", "/"), ("https://example.org", "/"), ("https://example.org/", "/"),
    ("https://example.org/briefing", "/briefing/"), ("https://example.org/briefing/", "/briefing/"),
    ("https://example.org/a/b/", "/a/b/"),
])
def test_base_path(base_url, expected):
    assert base_path(base_url) == expected


@pytest.mark.parametrize("target, base_url, expected", [
    ("/topics/x/", None, "/topics/x/"),
    ("/topics/x/", BASE, "https://example.org/briefing/topics/x/"),
    ("/topics/x/", "https://example.org/briefing", "https://example.org/briefing/topics/x/"),
    ("/", BASE, BASE),
    ("/feed.xml", "https://example.org", "https://example.org/feed.xml"),
])
def test_absolute_url(target, base_url, expected):
    assert absolute_url(target, base_url) == expected


@pytest.mark.parametrize("path, expected", [
    ("/", "index.html"),
    ("", "index.html"),
    ("/topics/", "topics/index.html"),
    ("/topics/x/", "topics/x/index.html"),
    ("/404.html", "404.html"),
    ("/feed.xml", "feed.xml"),
    ("/topics/x/feed.xml", "topics/x/feed.xml"),
    ("/topics/x/x.pdf", "topics/x/x.pdf"),
])
def test_output_file(path, expected):
    assert output_file(path) == expected


@pytest.mark.parametrize("kind, ident, expected", [
    ("topic", "x", "/topics/x/"), ("actor", "kim-jong-un", "/actors/kim-jong-un/"), ("claim", "c", "/claims/c/"),
    ("article", "a", "/articles/a/"), ("topic", None, "/topics/"), ("timeline", None, "/timeline/"),
])
def test_site_path(kind, ident, expected):
    assert site_path(kind, ident) == expected


@pytest.mark.parametrize("route, ident, part, anchor, expected", [
    ("/", None, None, None, "/"),
    ("/", None, "feed.xml", None, "/feed.xml"),
    ("/actors/{id}/", "kim-jong-un", None, None, "/actors/kim-jong-un/"),
    ("/topics/{id}/", "x", "feed.xml", None, "/topics/x/feed.xml"),
    ("/claims/{id}/", "c", "reports/", None, "/claims/c/reports/"),
    ("/articles/{id}/", "a", None, quote_anchor("c"), "/articles/a/#quote-c"),
    ("/editions/{id}/", "2024-03-08", None, None, "/editions/2024-03-08/"),
    ("/sitemap.xml", None, None, None, "/sitemap.xml"),
])
def test_fill(route, ident, part, anchor, expected):
    assert fill(route, ident, part, anchor) == expected


@pytest.mark.parametrize("route, ident, part, problem", [
    ("/actors/{id}/", None, None, "needs an id"),
    ("/timeline/", "x", None, "takes no id"),
    ("/feed.xml", None, "x", "is a file"),
])
def test_fill_refuses_what_the_route_cannot_give(route, ident, part, problem):
    with pytest.raises(ValueError, match=problem):
        fill(route, ident, part)


def test_an_entity_route_is_its_site_path():
    for kind in ("topic", "actor", "claim", "article"):
        assert fill(entity_route(kind), "x") == site_path(kind, "x")


@pytest.mark.parametrize("path, expected", [
    ("/articles/", False), ("/articles/page/2/", True), ("/topics/x/claims/page/10/", True), ("/page/x/", False),
])
def test_paged(path, expected):
    assert paged(path) is expected


def test_pdf_path_is_beside_the_topic_page_and_named_after_it():
    assert pdf_path("north-korea") == "/topics/north-korea/north-korea.pdf"
    assert href(pdf_path("x"), site_path("topic", "x"), None) == "../../topics/x/x.pdf"
    assert href(pdf_path("x"), site_path("topic", "x"), "https://h.example/b/") == "/b/topics/x/x.pdf"


@pytest.mark.parametrize("value, problem", [
    ("kim-jong-un", ""),
    ("a", ""),
    ("g7", ""),
    ("2023-launch", ""),
    ("console", ""),
    ("com10", ""),
    ("Kim", BAD_ID),
    ("kim_jong", BAD_ID),
    ("kim jong", BAD_ID),
    ("kim--jong", BAD_ID),
    ("-kim", BAD_ID),
    ("kim-", BAD_ID),
    ("", BAD_ID),
    ("ñandu", BAD_ID),
    ("kim.yaml", BAD_ID),
    ("con", "'con' is a reserved file name on Windows; choose another id"),
    ("nul", "'nul' is a reserved file name on Windows; choose another id"),
    ("com1", "'com1' is a reserved file name on Windows; choose another id"),
    ("lpt9", "'lpt9' is a reserved file name on Windows; choose another id"),
    pytest.param("kim\n", BAD_ID, id="trailing-newline"),
])
def test_id_problem(value, problem):
    assert id_problem(value) == problem


@pytest.mark.parametrize("text, expected", [
    ("Kim Jong Un", "kim-jong-un"),
    ("Kim_Jong_Un", "kim-jong-un"),
    ("  North   Korea  ", "north-korea"),
    ("G7", "g7"),
    ("kim--jong", "kim-jong"),
    ("U.S. State Department", "u-s-state-department"),
    ("---", ""),
    # transliterated (python-slugify, text-unidecode's tables), never mangled to 'j-rgen-m-ller'
    ("Jürgen Müller", "jurgen-muller"),
    ("Café Report", "cafe-report"),
    ("Ærøskøbing", "aeroskobing"),
    ("Straße", "strasse"),
    ("Владимир Путин", "vladimir-putin"),
    ("북한", "bughan"),
    ("Ju\u0308rgen Mu\u0308ller", "jurgen-muller"),  # NFD: a combining mark is dropped, its letter kept
    ("O'Brien", "obrien"),
    ("O’Brien", "obrien"),
    ("x" * 200, "x" * 120),  # an id is at most 120 characters (schema.Id)
])
def test_suggest_id(text, expected):
    assert suggest_id(text) == expected
    assert suggest_id(expected) == expected
    assert expected == "" or id_problem(expected) == ""


@pytest.mark.parametrize("value, base_url, expected", [
    ("../other/", None, "../other/index.html"),          # file:// shows a folder listing otherwise
    ("../other/#quote-c", None, "../other/index.html#quote-c"),
    ("../other/", "https://example.org/b/", "../other/"),  # a server maps folders to index.html
    ("/topics/t/", None, "../../topics/t/index.html"),
    ("/topics/t/", "https://example.org/b/", "/b/topics/t/"),
    ("https://example.org/x/", None, "https://example.org/x/"),
    ("//cdn.example.org/x/", None, "//cdn.example.org/x/"),
    ("#quote-c", None, "#quote-c"),
    ("report.pdf", None, "report.pdf"),
])
def test_body_link(value, base_url, expected):
    from briefgen.paths import body_link

    assert body_link(value, "/articles/a/", base_url) == expected
