"""What pages show of the content, read as a reader reads it: quotes shown once between marks,
counts in the singular when there is one, an article's role in its own entry, whole names in the
actor graph, and claims in the order that matters.

One small project, written out below, is built once (in memory, no search index); each test reads
the page it is about with html_tree.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from briefgen.build import build
from briefgen.words import counted, quoted
from html_tree import Element, parse_html

LONG = "United States Cybersecurity and Infrastructure Security Administration"

PROJECT = {
    "briefgen.yaml": "title: Display check\n",
    "content/topics/grid.yaml": "title: Grid attack\nbluf: A power grid was attacked.\n",
    "content/actors/cisa.yaml": f"name: {LONG}\nkind: agency\n",
    "content/actors/utility.yaml": "name: Utility\nkind: organisation\n",
    "content/articles/grid-down.md": (
        "---\ntitle: Grid down\noutlet: Wire\npublished: 2024-03-02\n---\n"
        "The agency said: “the attack was\ncontained within hours” and nothing more.\n"),
    "content/articles/grid-down.yaml": (
        "topics: [grid]\nsummary: The grid went down.\n"
        "actors:\n  - id: cisa\n    role: investigates the attack\n  - utility\n"
        "claims:\n"
        "  - id: attack-contained\n    statement: The attack was contained within hours.\n    by: cisa\n"
        "    status: reported\n    grade: B2\n    quote: '“the attack was contained within hours”'\n"),
}


ORDER = {
    **PROJECT,
    "content/articles/aftermath.md": "---\ntitle: Aftermath\noutlet: Daily\npublished: 2024-03-09\n---\none two three four five six.\n",
    "content/articles/aftermath.yaml": (
        "topics: [grid]\nsummary: Later.\nclaims:\n"
        "  - id: a-old-reported\n    statement: An older report.\n    status: reported\n    grade: C3\n    quote: one\n"
        "  - id: b-confirmed\n    statement: Confirmed.\n    status: confirmed\n    grade: A1\n    quote: two\n"
        "  - id: z-new-reported\n    statement: A newer report.\n    status: reported\n    grade: C3\n    quote: three\n"
        "  - id: attack-contained\n    grade: C3\n    quote: four\n"
        "  - id: c-disputed\n    statement: Disputed.\n    status: disputed\n    grade: E5\n    quote: five\n"),
    "content/articles/early.md": "---\ntitle: Early\noutlet: Weekly\npublished: 2024-01-05\n---\nseven eight.\n",
    "content/articles/early.yaml": (
        "topics: [grid]\nsummary: Early.\nclaims:\n"
        "  - id: a-old-reported\n    grade: C3\n    quote: seven\n"
        "  - id: y-early-reported\n    statement: An early report.\n    status: reported\n    grade: C3\n    quote: eight\n"),
}
"""Claims whose ids sort in another order than a topic page must list them in."""


def write_project(root: Path, files: dict[str, str]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> dict[str, bytes]:
    project = write_project(tmp_path_factory.mktemp("display"), PROJECT)
    return build(project, None, today=dt.date(2025, 1, 1), index_search=False, parallel=False).files


def page(site: dict[str, bytes], path: str, tmp_path: Path) -> Element:
    file = tmp_path / "page.html"
    file.write_bytes(site[path])
    return parse_html(file)


# -- quotes: the quote's own marks once ---------------------------------------------------------

@pytest.mark.parametrize("quote, shown", [
    ("plain words", "“plain words”"),
    ("“curly marks”", "“curly marks”"),
    ('"straight marks"', "“straight marks”"),
    ("«guillemets»", "“guillemets”"),
    ("„German“", "“German”"),
    ("'single marks'", "“single marks”"),
    ("'It's fine'", "“It's fine”"),
    ("  “padded”  ", "“padded”"),
    ("“opened, never closed", "“opened, never closed”"),
    ("closed, never opened”", "“closed, never opened”"),
    ("the students'", "“the students'”"),  # an apostrophe, not a mark
    ('"a" and "b"', '“"a" and "b"”'),  # two quotations inside: their marks stay
    ('he said "no"', '“he said "no"”'),
])
def test_quote_is_wrapped_in_one_pair_of_marks(quote, shown):
    assert quoted(quote) == shown


def test_quote_with_its_own_marks_is_shown_with_them_once(site, tmp_path):
    for path in ("claims/attack-contained/index.html", "topics/grid/index.html"):
        links = page(site, path, tmp_path).find_all("a", href="../../articles/grid-down/index.html#quote-attack-contained")
        passages = [a.text for a in links if a.text.startswith("“")]
        assert passages == ["“the attack was contained within hours”"], path


# -- counts: one of a thing is singular ----------------------------------------------------------

@pytest.mark.parametrize("n, noun, shown", [
    (0, "topic", "0 topics"), (1, "topic", "1 topic"), (2, "topic", "2 topics"),
    (1, "source article", "1 source article"), (3, "independent source", "3 independent sources"),
])
def test_counted(n, noun, shown):
    assert counted(n, noun) == shown


def test_counts_of_one_are_singular_on_every_page(site, tmp_path):
    home = page(site, "index.html", tmp_path)
    assert home.find("p", cls="page-stats").text == "1 topic · 1 article · 1 claim · 2 actors"
    assert [p.text for p in home.find_all("p", cls="page-stats")][1:] == ["1 article · 1 claim"]
    assert [p.text for p in page(site, "topics/index.html", tmp_path).find_all("p", cls="page-stats")] == [
        "1 article · 1 claim"]
    assert page(site, "topics/grid/index.html", tmp_path).find("p", cls="page-stats").text == (
        "1 source article · 1 claim · 2 actors")
    assert page(site, "articles/index.html", tmp_path).find("p", cls="page-stats").text == (
        "1 source article, newest first")
    assert page(site, "claims/attack-contained/index.html", tmp_path).find("p", cls="claim-corroboration").text == (
        "1 report in 1 outlet, 1 independent origin: United States Cybersecurity and Infrastructure Security "
        "Administration.")
    counts = [c.text for c in page(site, "actors/index.html", tmp_path).find_all("span", cls="count")]
    assert counts == ["(1 article)", "(1 article)"]


# -- actor pages: the role sits in its article's entry --------------------------------------------

def test_actor_role_is_inside_its_article_entry(site, tmp_path):
    articles = page(site, "actors/cisa/index.html", tmp_path).find("ul", cls="article-list")
    entries = [e for e in articles.children if not isinstance(e, str)]
    assert [e.attrs.get("class") for e in entries] == ["article-item"]
    assert entries[0].find("p", cls="article-item-title").text == "Grid down"
    assert entries[0].find("p", cls="article-item-role").text == "Role: investigates the attack"
    # an actor without a role in the article: the entry alone
    entries = page(site, "actors/utility/index.html", tmp_path).find("ul", cls="article-list").find_all("li")
    assert [e.attrs.get("class") for e in entries] == ["article-item"] and "Role" not in entries[0].text


# -- article pages: a quote across a line break of the source is one highlight --------------------

def test_quote_across_a_line_break_is_one_highlight_on_the_article_page(site, tmp_path):
    marks = page(site, "articles/grid-down/index.html", tmp_path).find_all("mark", cls="quote")
    assert [m.text for m in marks] == ["“the attack was contained within hours”"]



# -- topic pages: claims by status, then the latest report first ------------------------------------

def test_topic_lists_claims_by_status_then_latest_report(tmp_path):
    project = write_project(tmp_path / "order", ORDER)
    files = build(project, None, today=dt.date(2025, 1, 1), index_search=False, parallel=False).files
    topic = page(files, "topics/grid/index.html", tmp_path).find("section", cls="claims")
    shown = [h.text for h in topic.find_all("h4", cls="claim-statement")]
    assert shown == [
        "Confirmed.",  # confirmed before reported
        "An older report.", "The attack was contained within hours.",  # reported on 9 March (then by id)
        "A newer report.",
        "An early report.",  # last reported on 5 January
        "Disputed.",
    ]
