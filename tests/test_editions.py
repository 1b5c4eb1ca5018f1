"""Editions (issue 19): what each edition changed, new/updated marks, stale claims, estimative language.

tests/fixtures/valid/editions/ is a harbour briefing with three editions (1, 8 and 15 March 2024):

- a-first (10 Feb): defines blockade-began (by the ministry, reported) and mines-laid; an event;
- b-boundary (14 Feb): convoy-turned, exactly 30 days before the third edition (not yet stale);
- c-talks (20 Feb): the only article of the topic 'talks' (quiet after the first edition);
- d-second (5 Mar): the navy (a second origin) raises blockade-began to corroborated; defines
  ships-seized; an event;
- e-third (12 Mar): the monitors dispute ships-seized, and define ships-left, which contradicts it;
- f-undated: a claim never counted new; g-later (20 Mar): after the last edition, shown, not new.

tests/fixtures/estimative/ has one topic per rule of the estimative-language check, and one
topic whose wording fits its confidence.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from briefgen import editions as ed
from briefgen import estimative
from briefgen.build import build, load_briefing
from briefgen.errors import BuildFailed
from html_tree import Element, parse_html
from support import FIXTURES, run_briefgen

PROJECT = FIXTURES / "valid" / "editions"
LINT = FIXTURES / "estimative"
TODAY = dt.date(2025, 1, 1)


@pytest.fixture(scope="module")
def site() -> dict[str, bytes]:
    return build(PROJECT, None, today=TODAY, index_search=False, parallel=False).files


def page(site: dict[str, bytes], path: str) -> Element:
    return parse_html(site[path].decode())


def listed(section: Element) -> dict[str, list[str]]:
    """A changes list as it reads: heading -> the text of each item."""
    out: dict[str, list[str]] = {}
    heading = None
    for el in section.iter():
        if el.tag == "h3":
            heading = el.text
            out[heading] = []
        elif el.tag == "li" and heading is not None and "since-list" in (el.parent.attrs.get("class") or ""):
            out[heading].append(el.text)
    return out


def changes_of(site, path: str) -> dict[str, list[str]]:
    doc = page(site, path)
    section = next(s for s in doc.find_all("section") if s.attrs.get("aria-labelledby") in ("changes-h", "since-h"))
    return listed(section)


def test_first_edition_holds_everything_dated_by_then(site):
    assert changes_of(site, "editions/2024-03-01/index.html") == {
        "New claims (4)": ["A blockade of the harbour began on 9 February. (reported)",
                           "A convoy was turned back at the harbour. (reported)",
                           "Mines were laid at the harbour mouth. (reported)",
                           "Talks on reopening the harbour are planned for March. (reported)"],
        "New articles (3)": ["Talks planned, 20 February 2024", "Convoy turned back, 14 February 2024",
                             "Ministry declares blockade, 10 February 2024"],
        "New events (1)": ["9 February 2024: Blockade declared."],
    }


def test_second_edition_shows_the_status_change_and_the_new_report(site):
    assert changes_of(site, "editions/2024-03-08/index.html") == {
        "New claims (1)": ["Two ships were seized in the harbour. (reported)"],
        "Status changes (1)": ["reported → corroborated: A blockade of the harbour began on 9 February. "
                               "(in Navy confirms blockade, ships seized)"],
        "New reports of known claims (1)": ["Navy confirms blockade, ships seized corroborates A blockade of the "
                                            "harbour began on 9 February. (asserted by Coastal Navy)"],
        "New articles (1)": ["Navy confirms blockade, ships seized, 5 March 2024"],
        "New events (1)": ["4 March 2024: Two ships seized."],
    }


def test_third_edition_and_the_topic_page_since_section(site):
    third = {
        "New claims (1)": ["Both ships left the harbour on 6 March. (reported); contradicts Two ships were seized in "
                           "the harbour."],
        "Status changes (1)": ["reported → disputed: Two ships were seized in the harbour. (in Monitors dispute seizure)"],
        "New reports of known claims (1)": ["Monitors dispute seizure contradicts Two ships were seized in the "
                                            "harbour. (asserted by Shipping Monitors)"],
        "New articles (1)": ["Monitors dispute seizure, 12 March 2024"],
    }
    assert changes_of(site, "editions/2024-03-15/index.html") == third
    assert changes_of(site, "topics/harbour/index.html") == third
    topic = page(site, "topics/harbour/index.html")
    assert topic.find("h2", id="since-h").text == "Since the edition of 8 March 2024"
    talks = page(site, "topics/talks/index.html")
    assert talks.find("p", cls="quiet").text == "No new source on this topic since the edition of 8 March 2024."


def test_marks_are_words_on_claims_and_articles(site):
    html = site["topics/harbour/index.html"].decode()
    doc = parse_html(html)
    marks = {}
    for card in doc.find_all("article", cls="claim-card"):
        marks[card.attrs["id"]] = [m.text for m in card.find_all("span", cls="mark")]
    assert marks["claim-ships-seized"] == ["Updated"]
    assert marks["claim-ships-left"] == ["New"]
    assert marks["claim-blockade-began"] == []
    assert marks["claim-mines-laid"] == ["Stale: last reported 10 February 2024"]
    assert marks["claim-convoy-turned"] == []  # exactly 30 days: not yet stale
    assert marks["claim-second-blockade"] == []  # undated: neither new nor stale
    items = {i.find("a").text: [m.text for m in i.find_all("span", cls="mark")]
             for i in doc.find_all("li", cls="article-item")}
    assert items["Monitors dispute seizure"] == ["New"]
    assert items["Harbour quiet"] == []  # after the latest edition: shown, not new
    assert items["Undated rumour"] == []
    claim = page(site, "claims/mines-laid/index.html")
    assert claim.find("p", cls="claim-stale").text == "Stale: last reported 10 February 2024"


def test_editions_index_and_feed(site):
    index = page(site, "editions/index.html")
    assert [li.find("a").text for li in index.find("ol", cls="edition-list").find_all("li")] == [
        "15 March 2024: Weekly 3", "8 March 2024", "1 March 2024: First weekly"]
    feed = site["feed.xml"].decode()
    assert feed.count("<category term=\"edition\"/>") == 3
    assert "<title>Edition of 8 March 2024</title>" in feed
    assert "Since the edition of 1 March 2024: 1 new article, 1 new claim, 1 status change, 1 new report." in feed


def briefing(config_lines: str = "", tmp_path: Path | None = None):
    project = PROJECT
    if config_lines:
        project = Path(shutil.copytree(PROJECT, tmp_path / "project"))
        (project / "briefgen.yaml").write_text((PROJECT / "briefgen.yaml").read_text() + config_lines)
    return load_briefing(project, today=TODAY)[0]


@pytest.mark.parametrize(("days", "expected"), [
    (30, {"mines-laid": dt.date(2024, 2, 10)}),  # 34 days; convoy-turned is 30 days old: not yet
    (29, {"mines-laid": dt.date(2024, 2, 10), "convoy-turned": dt.date(2024, 2, 14)}),
    (34, {}),
    (33, {"mines-laid": dt.date(2024, 2, 10)}),
])
def test_stale_follows_the_threshold(days, expected):
    b = briefing()
    assert ed.stale(b, b.claims, dt.date(2024, 3, 15), days) == expected


def test_stale_setting_moves_the_marks(site, tmp_path):
    b = briefing("stale_after_days: 29\n", tmp_path)
    assert b.config.stale_after_days == 29
    assert ed.review(b)[:2] == [
        "stale claim 'convoy-turned': last reported 2024-02-14, more than 29 days before the edition of 2024-03-15",
        "stale claim 'mines-laid': last reported 2024-02-10, more than 29 days before the edition of 2024-03-15"]


def test_status_as_of_a_date():
    b = briefing()
    claim = b.claims["blockade-began"]
    assert ed.status_on(claim, dt.date(2024, 2, 1)) is None
    assert ed.status_on(claim, dt.date(2024, 3, 1)) == "reported"
    assert ed.status_on(claim, dt.date(2024, 3, 5)) == "corroborated"


def test_same_sources_same_site():
    again = build(PROJECT, None, today=dt.date(2030, 6, 1), index_search=False, parallel=False).files
    first = build(PROJECT, None, today=TODAY, index_search=False, parallel=False).files
    assert {k: v for k, v in again.items() if k.startswith(("editions/", "topics/"))} == \
        {k: v for k, v in first.items() if k.startswith(("editions/", "topics/"))}


def test_check_lists_stale_claims_and_quiet_topics():
    result = run_briefgen("check", PROJECT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:3] == [
        "stale claim 'mines-laid': last reported 2024-02-10, more than 30 days before the edition of 2024-03-15",
        "quiet topic 'talks': no new source since the edition of 2024-03-08",
        "article 'g-later' is dated after the edition of 2024-03-15: shown, not marked new (add an edition to count it)",
    ]


def test_build_edition_option_adds_an_edition(tmp_path):
    result = run_briefgen("build", PROJECT, "--no-cache", "--edition", "2024-03-22", "-o", tmp_path / "site")
    assert result.returncode == 0, result.stderr
    fourth = parse_html(tmp_path / "site" / "editions" / "2024-03-22" / "index.html")
    assert fourth.find("h1").text == "Edition of 22 March 2024"
    topic = parse_html(tmp_path / "site" / "topics" / "harbour" / "index.html")
    assert topic.find("h2", id="since-h").text == "Since the edition of 15 March 2024 (Weekly 3)"
    items = {i.find("a").text: [m.text for m in i.find_all("span", cls="mark")]
             for i in topic.find_all("li", cls="article-item")}
    assert items["Harbour quiet"] == ["New"]


@pytest.mark.parametrize(("value", "message"), [
    ("2024-3-22", "Error: Invalid value for '--edition': '2024-3-22' is not a date as YYYY-MM-DD, e.g. 2024-03-08"),
    ("2024-02-30", "Error: Invalid value for '--edition': '2024-02-30' is not a date as YYYY-MM-DD, e.g. 2024-03-08"),
])
def test_build_edition_option_refuses_other_dates(tmp_path, value, message):
    result = run_briefgen("build", PROJECT, "--no-cache", "--edition", value, "-o", tmp_path / "site")
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == message


def test_build_edition_option_refuses_a_listed_date(tmp_path):
    result = run_briefgen("build", PROJECT, "--no-cache", "--edition", "2024-03-08", "-o", tmp_path / "site")
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == (
        "  1. --edition: error[duplicate-edition]: --edition 2024-03-08: briefgen.yaml already lists this edition "
        "(leave out --edition, or give the new edition's date)")


@pytest.mark.parametrize(("editions", "expected"), [
    ("  - 2024-03-01\n  - date: 2024-3-8\n",
     "briefgen.yaml:5: error[bad-date]: editions[1].date: '2024-3-8' is not a date "
     "(write dates as YYYY-MM-DD, e.g. 2023-11-21)"),
    ("  - 2024-03-01\n  - 2024-03-08\n  - 2024-03-01\n",
     "briefgen.yaml:6: error[duplicate-edition]: editions[2]: 2024-03-01 is already editions[0] "
     "(one edition per day: remove one, or merge their titles and notes)"),
])
def test_bad_editions_are_located(tmp_path, editions, expected):
    project = Path(shutil.copytree(PROJECT, tmp_path / "project"))
    (project / "briefgen.yaml").write_text(f"title: x\nfuture_dates: true\neditions:\n{editions}")
    with pytest.raises(BuildFailed) as failed:
        load_briefing(project, today=TODAY)
    assert [str(d) for d in failed.value.diagnostics] == [expected]


def test_no_editions_no_edition_pages():
    files = build(FIXTURES / "valid" / "reports", None, today=TODAY, index_search=False, parallel=False).files
    assert not any(name.startswith("editions/") for name in files)


# Estimative language: one fixture topic per rule (tests/fixtures/estimative/content/topics/).

def test_estimative_language_warnings():
    result = run_briefgen("check", LINT)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        "content/topics/high-even-chance.yaml:3: warning[estimative-language]: judgments[0].text: 'roughly even "
        "chance' (ICD 203: roughly even chance, 45-55%) contradicts its confidence 'high' (commit to a likelihood, "
        "such as 'likely' or 'unlikely', or lower the confidence)",
        "content/topics/low-almost-certainly.yaml:3: warning[estimative-language]: judgments[0].text: 'almost "
        "certainly' (ICD 203: almost certain, 95-99%) contradicts its confidence 'low' (reword with a less extreme "
        "likelihood, such as 'likely', or raise the confidence if the sources bear it out)",
        "content/topics/low-remote.yaml:5: warning[estimative-language]: judgments[1].text: 'remote' (ICD 203: almost "
        "no chance, 1-5%) contradicts its confidence 'low' (reword with a less extreme likelihood, such as 'likely', "
        "or raise the confidence if the sources bear it out)",
        "content/topics/project-word.yaml:3: warning[estimative-language]: judgments[0].text: 'a sure thing' (ICD "
        "203: almost certain, 95-99%) contradicts its confidence 'low' (reword with a less extreme likelihood, such "
        "as 'likely', or raise the confidence if the sources bear it out)",
    ]


@pytest.mark.parametrize(("text", "found"), [
    ("Talks are very unlikely to resume.", [("very unlikely", "very-unlikely")]),  # not also 'unlikely'
    ("It is Almost Certainly over.", [("Almost Certainly", "almost-certain")]),
    ("A remoteness test.", []),  # whole words only
    ("Likely, but the remote option is unlikely.", [("Likely", "likely"), ("remote", "remote"),
                                                   ("unlikely", "unlikely")]),
])
def test_estimative_phrases(text, found):
    assert estimative.phrases(text) == found


def test_the_pdf_carries_the_since_section(tmp_path):
    from pypdf import PdfReader

    result = run_briefgen("pdf", PROJECT, "harbour", "-o", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(tmp_path / "out" / "harbour.pdf").pages)
    assert ("Since the edition of 8 March 2024 This is the edition of 15 March 2024 (Weekly 3). The seizure is now "
            "disputed. New claims (1) Both ships left the harbour on 6 March. (reported); contradicts Two ships were "
            "seized in the harbour. Status changes (1) reported → disputed: Two ships were seized in the harbour.") in text


def test_edition_pages_pass_the_nu_html_checker(tmp_path):
    import os
    import subprocess

    java = shutil.which("java")
    jar = os.environ.get("VNU_JAR")
    if not (java and jar and Path(jar).is_file()):
        message = "the Nu HTML checker needs java and vnu.jar (npm install vnu-jar; set VNU_JAR)"
        if os.environ.get("BRIEFGEN_REQUIRE_VNU") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    result = run_briefgen("build", PROJECT, "--no-cache", "-o", tmp_path / "site")
    assert result.returncode == 0, result.stderr
    pages = [tmp_path / "site" / p for p in ("editions/index.html", "editions/2024-03-01/index.html",
                                             "editions/2024-03-08/index.html", "editions/2024-03-15/index.html",
                                             "topics/harbour/index.html", "topics/talks/index.html",
                                             "claims/mines-laid/index.html")]
    checked = subprocess.run([java, "-jar", jar, "--errors-only", *map(str, pages)], capture_output=True, text=True,
                             timeout=300)
    assert checked.returncode == 0, f"Nu HTML checker errors:\n{checked.stderr}{checked.stdout}"
