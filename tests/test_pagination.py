"""Bounded pages: a topic, actor or claim page shows the start of each list (``caps``) and links
to its complete list, paginated like Hugo's (``/articles/page/2/``, ``pagination.per_page``).

The project is made here: one topic, nine articles of one outlet, each reporting the claim
``big-claim`` (nine reports) and a claim of its own; per_page 4, every cap 2.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from briefgen.build import build
from html_tree import Element, parse_html

TODAY = dt.date(2025, 1, 1)
N = 9


def make(root: Path) -> Path:
    project = root / "project"
    (project / "content/articles").mkdir(parents=True)
    (project / "content/actors").mkdir()
    (project / "content/topics").mkdir()
    (project / "briefgen.yaml").write_text(
        "title: Paged\nbase_url: https://example.org/\npagination: {per_page: 4}\n"
        "caps: {claims: 2, contests: 2, actors: 2, events: 2, articles: 2, reports: 2}\n")
    (project / "content/topics/t.yaml").write_text("title: The topic\n")
    (project / "content/actors/wire.yaml").write_text("name: The Wire\nkind: media\n")
    (project / "content/actors/minister.yaml").write_text("name: The Minister\nkind: person\n")
    for i in range(1, N + 1):
        (project / f"content/articles/a{i}.md").write_text(
            f"---\ntitle: Article {i}\noutlet: The Wire\npublished: 2024-01-{i:02d}\n---\n"
            f"The bridge is closed, the minister said. Item {i} was announced.\n")
        (project / f"content/articles/a{i}.yaml").write_text(
            f"topics: [t]\nsummary: Summary {i}.\nactors: [minister]\nclaims:\n"
            f"  - id: big-claim\n" + ("    statement: The bridge is closed.\n    by: minister\n" if i == 1 else "")
            + f"    grade: B2\n    quote: The bridge is closed\n"
            f"  - id: item-{i}\n    statement: Item {i} was announced.\n    by: minister\n    grade: C3\n"
            f"    quote: Item {i} was announced\n"
            f"events:\n  - date: 2024-01-{i:02d}\n    text: Event {i}.\n")
    return project


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> dict[str, bytes]:
    return build(make(tmp_path_factory.mktemp("paged")), None, today=TODAY, index_search=False,
                 parallel=False).files


def page(site: dict[str, bytes], path: str) -> Element:
    return parse_html(site[path].decode())


def texts(elements) -> list[str]:
    return [e.text.strip() for e in elements]


def test_complete_lists_are_paginated_with_stable_urls(site):
    assert "articles/page/3/index.html" in site and "articles/page/4/index.html" not in site  # 9 at 4 a page
    assert "articles/page/1/index.html" not in site  # the first page is the list itself
    first, third = page(site, "articles/index.html"), page(site, "articles/page/3/index.html")
    assert texts(first.find_all("p", "article-item-title")) == ["Article 9", "Article 8", "Article 7", "Article 6"]
    assert texts(third.find_all("p", "article-item-title")) == ["Article 1"]
    assert first.find("p", "pager-status").text == "1–4 of 9 · page 1 of 3"
    assert third.find("a", rel="prev").attrs["href"] == "/articles/page/2/"
    assert not third.find_all("a", rel="next")
    assert first.find("nav", "pager").find("a", aria_current="page").text == "1"


def test_head_links_the_previous_and_next_pages(site):
    html = site["articles/page/2/index.html"].decode()
    assert '<link rel="prev" href="/articles/">' in html
    assert '<link rel="next" href="/articles/page/3/">' in html


def test_topic_page_shows_the_start_of_each_list_and_links_the_rest(site):
    topic = page(site, "topics/t/index.html")
    assert len(topic.find("section", "claims").find_all("article", "claim-card")) == 2
    more = {p.text.strip(): p.find("a").attrs["href"] for p in topic.find_all("p", "more")}
    assert more == {"All 9 reports": "/claims/big-claim/reports/",  # the card of the claim with nine reports
                    "All 10 claims": "/topics/t/claims/", "All 9 events": "/topics/t/timeline/",
                    "All 9 source articles": "/topics/t/articles/"}
    claims = page(site, "topics/t/claims/index.html")
    assert claims.find("h1").text == "Claims of The topic"
    assert len(claims.find_all("article", "claim-card")) == 4
    assert "topics/t/claims/page/3/index.html" in site


def test_a_claims_reports_beyond_the_cap_are_on_its_reports_list(site):
    claim = page(site, "claims/big-claim/index.html")
    assert len(claim.find("table", "sources-table").find("tbody").find_all("tr")) == 2
    assert claim.find("p", "more").text == "All 9 reports"
    reports = page(site, "claims/big-claim/reports/page/3/index.html")
    assert texts(r.find_all("td")[0] for r in reports.find("tbody").find_all("tr")) == ["9 January 2024"]


def test_no_list_page_for_a_list_the_entity_page_shows_whole(site):
    assert "claims/item-1/reports/index.html" not in site  # one report: the claim page shows it
    assert "actors/minister/claims/index.html" in site  # ten claims, capped at two


def test_sitemap_lists_each_lists_first_page_only(site):
    sitemap = site["sitemap.xml"].decode()
    assert "https://example.org/articles/</loc>" in sitemap
    assert not re.search(r"/page/[0-9]+/</loc>", sitemap)


def test_no_page_is_over_250_kb(site):
    assert max(len(data) for rel, data in site.items() if rel.endswith(".html")) < 250_000
