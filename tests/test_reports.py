"""Each report of a claim keeps its own facts, and the claim's status follows its reports over time.

tests/fixtures/valid/reports/ is one claim reported by three articles of three outlets. Their file
names sort the other way round from their dates, so nothing here can pass by file order:

- z-wire (1 Feb 2024, Global Wire): defines the claim, by the ministry via Hersh, status reported;
- m-dimsum (10 Feb 2024, Daily Courier): relays it via TASS and Dimsum Daily;
- b-post (5 Mar 2024, New York Post): raises the status to corroborated, with a reason.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from briefgen.build import Cache, build
from briefgen.errors import BuildFailed
from html_tree import Element, parse_html

REPORTS = Path(__file__).parent / "fixtures" / "valid" / "reports"
TODAY = dt.date(2025, 1, 1)
CLAIM = "claims/divers-planted-charges/index.html"


@pytest.fixture(scope="module")
def site() -> dict[str, bytes]:
    return build(REPORTS, None, today=TODAY, index_search=False, parallel=False).files


def page(site: dict[str, bytes], path: str) -> Element:
    return parse_html(site[path].decode())


def copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(REPORTS, tmp_path / "project"))


def failing(tmp_path: Path, file: str, old: str, new: str) -> list:
    """The diagnostics of a build of the fixture with ``old`` replaced by ``new`` in ``file``."""
    project = copy(tmp_path)
    edited = project / file
    text = edited.read_text()
    assert old in text
    edited.write_text(text.replace(old, new))
    with pytest.raises(BuildFailed) as failed:
        build(project, None, today=TODAY, index_search=False, parallel=False)
    return list(failed.value.diagnostics)


# -- 1. each report its own chain, grade, quote, outlet and date --------------------------------

def test_article_page_shows_its_own_reports_chain(site):
    item = page(site, "articles/m-dimsum/index.html").find("ol", "article-claims").find("li")
    assert "Russian Ministry of Defence → TASS → Dimsum Daily → Daily Courier" in item.text
    assert "Seymour Hersh" not in item.text  # the defining report's relay, not this one's
    assert "D4" in item.text


def test_article_page_of_a_report_without_via(site):
    item = page(site, "articles/b-post/index.html").find("ol", "article-claims").find("li")
    assert "Russian Ministry of Defence → New York Post" in item.text
    assert "Hersh" not in item.text and "TASS" not in item.text


def test_claim_page_lists_every_report_in_date_order_with_its_chain(site):
    rows = page(site, CLAIM).find("table", "sources-table").find("tbody").find_all("tr")
    cells = [[td.text for td in row.find_all("td")] for row in rows]
    assert [c[0] for c in cells] == ["1 February 2024", "10 February 2024", "5 March 2024"]
    assert [c[1] for c in cells] == ["Ministry blames navy", "Divers story spreads", "Charges confirmed by investigators"]
    assert [c[2] for c in cells] == [
        "Russian Ministry of Defence → Seymour Hersh → Global Wire",
        "Russian Ministry of Defence → TASS → Dimsum Daily → Daily Courier",
        "Russian Ministry of Defence → New York Post",
    ]
    assert [c[3] for c in cells] == ["“the navy divers planted the charges”", "“Divers planted the charges”",
                                     "“divers planted the charges”"]
    assert [c[4].split()[0] for c in cells] == ["C3", "D4", "B2"]
    links = [row.find_all("td")[3].find("a").attrs["href"] for row in rows]
    assert links == [f"../../articles/{slug}/index.html#quote-divers-planted-charges"
                     for slug in ("z-wire", "m-dimsum", "b-post")]


def test_claim_page_header_says_who_first_reported_it_and_when_last(site):
    header = page(site, CLAIM).find("header", "page-header")
    assert header.find("p", "claim-reported").text == (
        "3 reports, first reported by Global Wire on 1 February 2024, last reported on 5 March 2024.")
    lede = header.find("p", "lede").text
    assert lede.startswith("Russian Ministry of Defence ·") and "via" not in lede  # no one report's chain


# -- 2. definition and status over time ---------------------------------------------------------

def test_a_later_report_raises_the_status(site):
    header = page(site, CLAIM).find("header", "page-header")
    assert "Corroborated" in header.find("p", "lede").text
    assert "Corroborated" in page(site, "articles/z-wire/index.html").find("ol", "article-claims").text


def test_claim_page_shows_the_status_history_with_dates(site):
    items = page(site, CLAIM).find("ol", "status-history").find_all("li")
    assert [li.text for li in items] == [
        "1 February 2024: ● Reported — Ministry blames navy",
        "5 March 2024: ✚ Corroborated — Charges confirmed by investigators: investigators found the same charges",
    ]


def test_status_is_the_latest_dated_reports_not_the_last_file(tmp_path):
    project = copy(tmp_path)
    post = project / "content/articles/b-post.md"  # b-post now the earliest: z-wire's 'reported' is the latest
    post.write_text(post.read_text().replace("2024-03-05", "2024-01-15"))
    files = build(project, None, today=TODAY, index_search=False, parallel=False).files
    header = page(files, CLAIM).find("header", "page-header")
    assert "Reported" in header.find("p", "lede").text
    assert header.find("p", "claim-reported").text == (
        "3 reports, first reported by New York Post on 15 January 2024, last reported on 10 February 2024.")


def test_definition_is_the_report_with_a_statement_wherever_it_sorts(tmp_path):
    """The defining report sorts last; an earlier-sorting report sets only grade, quote and status."""
    files = build(REPORTS, None, today=TODAY, index_search=False, parallel=False).files
    assert page(files, CLAIM).find("h1").text == "Navy divers planted the charges."


def test_two_definitions_are_one_error_citing_both(tmp_path):
    project = copy(tmp_path)
    post = project / "content/articles/b-post.yaml"
    post.write_text(post.read_text().replace("    status: corroborated\n",
                                              "    statement: Divers planted explosives.\n    status: corroborated\n"))
    with pytest.raises(BuildFailed) as failed:
        build(project, None, today=TODAY, index_search=False, parallel=False)
    conflicts = [d for d in failed.value.diagnostics if d.code == "claim-conflict"]
    assert len(conflicts) == 1, failed.value.diagnostics
    assert "content/articles/b-post.yaml:4" in conflicts[0].message
    assert "content/articles/z-wire.yaml:5" in conflicts[0].message


def test_a_reason_needs_a_status(tmp_path):
    project = copy(tmp_path)
    dimsum = project / "content/articles/m-dimsum.yaml"
    dimsum.write_text(dimsum.read_text() + "    status_reason: because\n")
    with pytest.raises(BuildFailed) as failed:
        build(project, None, today=TODAY, index_search=False, parallel=False)
    assert [(d.code, d.file, d.line) for d in failed.value.diagnostics] == [
        ("reason-without-status", "content/articles/m-dimsum.yaml", 8)]


def test_dev_server_rebuild_follows_a_changed_date(tmp_path):
    """The resolve memo keeps a claim by its reports and their articles: a date edit in the
    article's text alone re-sorts the reports and changes the status, as a clean build does."""
    project = copy(tmp_path)
    cache = Cache.server()
    build(project, None, cache=cache, today=TODAY, index_search=False)
    post = project / "content/articles/b-post.md"
    post.write_text(post.read_text().replace("2024-03-05", "2024-01-15"))
    incremental = build(project, None, cache=cache, today=TODAY, index_search=False)
    clean = build(project, None, cache=Cache.server(), today=TODAY, index_search=False)
    assert incremental.files == clean.files
    assert "Reported" in page(incremental.files, CLAIM).find("p", "lede").text


def test_a_later_report_setting_what_only_the_definition_sets_is_an_error_citing_the_definition(tmp_path):
    found = failing(tmp_path, "content/articles/b-post.yaml", "    status: corroborated\n",
                    "    about: [ministry]\n    status: corroborated\n")
    assert [(d.code, d.file, d.line) for d in found] == [("claim-conflict", "content/articles/b-post.yaml", 5)]
    assert "claim 'divers-planted-charges' is defined at content/articles/z-wire.yaml:5; only that entry sets 'about'" \
        in found[0].message


def test_an_unknown_supported_claim_is_reported_where_the_definition_names_it(tmp_path):
    """b-post sorts first but only re-reports the claim; z-wire defines it and names the unknown claim."""
    found = failing(tmp_path, "content/articles/z-wire.yaml", "    about: [navy]\n",
                    "    about: [navy]\n    supports: [ghost-claim]\n")
    assert [(d.code, d.file, d.line, d.message) for d in found] == [
        ("unknown-claim", "content/articles/z-wire.yaml", 10, "claims[0].supports: unknown claim 'ghost-claim'")]


def test_the_dev_server_leaves_out_a_broken_articles_warnings_after_an_edit_elsewhere(tmp_path):
    """A file with errors reports only its errors (its warnings may come from a placeholder),
    also when the dev server reuses what it found in that file last time."""
    project = copy(tmp_path)
    text = project / "content/articles/m-dimsum.md"
    text.write_text(text.read_text().replace("outlet: Daily Courier", "outlet: [x]").replace("2024-02-10", "2099-01-01"))
    cache = Cache.server()
    found = []
    for _ in range(2):
        with pytest.raises(BuildFailed) as failed:
            build(project, None, cache=cache, today=TODAY, index_search=False, parallel=False)
        found.append([(d.severity, d.code, d.file) for d in failed.value.diagnostics])
        post = project / "content/articles/b-post.yaml"
        post.write_text(post.read_text() + "\n")
    assert found[0] == found[1] == [("error", "bad-type", "content/articles/m-dimsum.md")]
