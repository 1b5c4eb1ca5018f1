"""Corroboration by independent origin, not by repetition (docs/content-format.md, "Origins and
corroboration").

tests/fixtures/valid/origins/ is one story told by five articles of four outlets:

- ``divers-planted-charges``: Seymour Hersh's one source, relayed by BBC News (twice: once as
  ``bbc news``, once as ``BBC News``), Reuters via TASS and the Guardian (``the guardian``, an alias
  in another case). Four reports, three outlets, one origin; the Guardian's report calls it
  corroborated and BBC's second grades it C1: both are warned about;
- ``pipeline-damaged``: asserted by the Pentagon (BBC), and again by the Russian ministry in its
  own words (Reuters, the report's own ``by``), relayed by a blog that is no actor; the
  seismologists' ``seismic-blasts`` supports it. Three origins.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from briefgen.build import build, load_briefing
from briefgen.errors import BuildFailed
from html_tree import Element, parse_html

ORIGINS = Path(__file__).parent / "fixtures" / "valid" / "origins"
TODAY = dt.date(2025, 1, 1)


@pytest.fixture(scope="module")
def result():
    return build(ORIGINS, None, today=TODAY, index_search=False, parallel=False)


@pytest.fixture(scope="module")
def site(result) -> dict[str, bytes]:
    return result.files


def page(site: dict[str, bytes], path: str) -> Element:
    return parse_html(site[path].decode())


def test_three_outlets_relaying_one_source_are_one_origin(site):
    text = page(site, "claims/divers-planted-charges/index.html").find("p", "claim-corroboration").text
    assert text == "4 reports in 3 outlets, 1 independent origin: Seymour Hersh."


def test_a_second_source_asserting_the_statement_is_a_second_origin_and_support_a_third(site):
    text = page(site, "claims/pipeline-damaged/index.html").find("p", "claim-corroboration").text
    assert text == ("3 reports in 3 outlets, 3 independent origins: U.S. Department of Defense, "
                    "Russian Ministry of Defence, Swedish seismologists.")


def test_each_report_names_its_own_origin_in_its_chain(site):
    rows = page(site, "claims/pipeline-damaged/index.html").find("table", "sources-table").find("tbody").find_all("tr")
    chains = [row.find_all("td")[2].text for row in rows]
    assert chains == ["U.S. Department of Defense → BBC News", "Russian Ministry of Defence → Reuters",
                      "U.S. Department of Defense → Baltic Watch"]


def test_outlets_match_media_actors_by_id_name_or_alias_in_any_case(result):
    briefing = load_briefing(ORIGINS, today=TODAY)[0]
    assert dict(briefing.article_outlets) == {"a-bbc": "bbc", "b-reuters": "reuters", "c-guardian": "guardian",
                                              "d-bbc": "bbc"}  # e-blog's "Baltic Watch" is no actor
    assert briefing.claims["divers-planted-charges"].outlets == ("bbc", "reuters", "guardian")


def test_a_matched_outlet_links_its_actor_page(site):
    meta = page(site, "articles/a-bbc/index.html").find("p", "article-meta")
    assert meta.find("a").attrs["href"] == "../../actors/bbc/index.html"  # relative: the site works from file://
    assert meta.find("a").text == "BBC News"


def test_an_outlets_page_lists_its_reports_grades_and_relays(site):
    bbc = page(site, "actors/bbc/index.html")
    rows = bbc.find("section", aria_labelledby="published-h").find("tbody").find_all("tr")
    assert [row.find_all("td")[1].text for row in rows] == [
        "Two strong underwater blasts were recorded near the pipeline.",
        "Divers planted the charges on the pipeline during an exercise.",
        "Divers planted the charges on the pipeline during an exercise.",
        "The pipeline was damaged by several blasts."]
    assert bbc.find("p", "grades-given").text.startswith("Grades given: B2")
    listed = bbc.find("section", aria_labelledby="articles-h").find_all("p", "article-item-title")
    assert [p.text for p in listed] == ["Seismic readings show two blasts", "Hersh says divers sabotaged pipeline"]
    tass = page(site, "actors/tass/index.html")
    relayed = tass.find("section", aria_labelledby="relayed-h").find("li")
    assert relayed.text.startswith("Divers planted the charges")


def test_corroborated_on_one_origin_is_warned_and_flagged_on_the_page(result, site):
    found = sorted((d.code, d.file, d.line, d.message) for d in result.warnings if d.code == "uncorroborated")
    assert found == [
        ("uncorroborated", "content/articles/c-guardian.yaml", 5,
         "claims[0].status: 'corroborated' needs two independent origins; claim 'divers-planted-charges' has one "
         "independent origin (hersh)"),
        ("uncorroborated", "content/articles/d-bbc.yaml", 11,
         "claims[1].grade: credibility 1 in C1 means confirmed by other sources; claim 'divers-planted-charges' "
         "has one independent origin (hersh)")]
    caveat = page(site, "claims/divers-planted-charges/index.html").find("p", "caveat")
    assert caveat is not None and "one independent origin" in caveat.text
    assert not page(site, "claims/pipeline-damaged/index.html").find_all("p", "caveat")


def test_strict_makes_the_corroboration_warning_an_error(tmp_path):
    with pytest.raises(BuildFailed) as failed:
        build(ORIGINS, tmp_path / "out", today=TODAY, strict=True, index_search=False, parallel=False)
    assert [d.code for d in failed.value.diagnostics if d.code == "uncorroborated"] == ["uncorroborated"] * 2
    assert not (tmp_path / "out").exists()


def test_a_second_origin_silences_the_warning(tmp_path):
    project = Path(shutil.copytree(ORIGINS, tmp_path / "p"))
    guardian = project / "content/articles/c-guardian.yaml"
    guardian.write_text(guardian.read_text().replace("    status: corroborated\n", "    by: pentagon\n    status: corroborated\n"))
    bbc = project / "content/articles/d-bbc.yaml"
    bbc.write_text(bbc.read_text().replace("grade: C1", "grade: C3"))
    briefing, warnings = load_briefing(project, today=TODAY, strict=True)
    assert briefing.claims["divers-planted-charges"].origins == ("hersh", "pentagon")
    assert not [d for d in warnings if d.code == "uncorroborated"]


def test_briefing_json_exports_each_reports_origin_outlet_date_and_status(site):
    import json
    data = json.loads(site["briefing.json"])
    assert data["version"] == 2
    claim = next(c for c in data["claims"] if c["id"] == "pipeline-damaged")
    assert claim["origins"] == ["pentagon", "ministry", "seismologists"] and claim["outlets"] == 3
    assert [(s["by"], s["outlet"], s["outlet_actor"], s["published"], s["status"]) for s in claim["sources"]] == [
        ("pentagon", "bbc news", "bbc", "2024-01-10", None),
        ("ministry", "reuters", "reuters", "2024-01-12", "corroborated"),
        ("pentagon", "Baltic Watch", None, "2024-01-21", None)]


def test_outlet_names_compare_without_case_spacing_or_punctuation():
    from briefgen.resolve import name_key
    assert name_key("bbc news") == name_key("BBC  News") == name_key("B.B.C. News") == "bbcnews"
    assert name_key("Le Monde") != name_key("Le Monde diplomatique")


# -- made-up projects: one rule each -----------------------------------------------------------

ACTORS = {"mayor": "name: Mayor Ortiz\nkind: person\n", "medics": "name: City Medics\nkind: organisation\n",
          "police": "name: City Police\nkind: agency\n", "blogger": "name: Harbor Blogger\nkind: person\n",
          "sun": "name: The Sun\nkind: media\n", "baltimore-sun": "name: Baltimore Sun\nkind: media\naliases: [Sun]\n",
          "times-a": "name: Times A\nkind: media\naliases: [The Times]\n",
          "times-b": "name: Times B\nkind: media\naliases: [The Times]\n"}


def project(tmp_path: Path, articles: dict[str, tuple[str, str, str]]) -> Path:
    """``articles``: slug -> (front matter lines, text, claims YAML)."""
    root = tmp_path / "p"
    for folder in ("actors", "articles", "topics"):
        (root / "content" / folder).mkdir(parents=True)
    (root / "content/topics/fire.yaml").write_text("title: The fire\n")
    for ident, text in ACTORS.items():
        (root / f"content/actors/{ident}.yaml").write_text(text)
    for slug, (front, text, claims) in articles.items():
        (root / f"content/articles/{slug}.md").write_text(f"---\ntitle: {slug}\n{front}---\n{text}\n")
        (root / f"content/articles/{slug}.yaml").write_text(f"topics: [fire]\nsummary: S.\nclaims:\n{claims}")
    return root


DEATHS = "  - id: deaths\n    statement: Three people died in the fire.\n"


def test_an_undated_repetition_does_not_take_the_claim_over(tmp_path):
    root = project(tmp_path, {
        "b1": ("outlet: Sun\npublished: 2025-04-01\n", "Three people died.",
               DEATHS + "    by: mayor\n    grade: B2\n    quote: Three people died\n"),
        "b0": ("outlet: Other\n", "Three people died, a blogger wrote.",
               DEATHS + "    by: blogger\n    grade: E5\n    quote: Three people died\n"),
        "b2": ("outlet: Other\npublished: 2025-04-02\n", "Three people died, police said.",
               "  - id: deaths\n    via: [police]\n    grade: B2\n    quote: Three people died\n")})
    claim = load_briefing(root, today=TODAY)[0].claims["deaths"]
    assert claim.by == "mayor"
    assert [(s.article, s.by) for s in claim.sources] == [("b0", "blogger"), ("b1", "mayor"), ("b2", "mayor")]
    assert claim.origins == ("blogger", "mayor")


def test_supporters_origins_count_transitively_and_a_refuted_supporter_counts_not(tmp_path):
    claims = (DEATHS + "    by: mayor\n    grade: B2\n    quote: Three people died\n"
              "  - id: bodies\n    statement: Medics recovered three bodies.\n    by: medics\n    grade: B2\n"
              "    quote: Medics recovered three bodies\n    supports: [deaths]\n"
              "  - id: arson\n    statement: The fire was set.\n    by: police\n    grade: B2\n"
              "    quote: The fire was set\n    supports: [bodies]\n")
    text = "Three people died. Medics recovered three bodies. The fire was set."
    root = project(tmp_path, {"a": ("published: 2025-04-01\n", text, claims)})
    assert load_briefing(root, today=TODAY)[0].claims["deaths"].origins == ("mayor", "medics", "police")
    sidecar = root / "content/articles/a.yaml"
    sidecar.write_text(sidecar.read_text().replace("    supports: [bodies]\n", "    supports: [bodies]\n    status: refuted\n"))
    assert load_briefing(root, today=TODAY)[0].claims["deaths"].origins == ("mayor", "medics")


def test_one_article_reporting_a_claim_twice_is_an_error(tmp_path):
    entry = "  - id: deaths\n    grade: B2\n    quote: Three people died\n"
    root = project(tmp_path, {"a": ("published: 2025-04-01\n", "Three people died.",
                                    DEATHS + "    by: mayor\n    grade: B2\n    quote: Three people died\n" + entry)})
    with pytest.raises(BuildFailed) as failed:
        load_briefing(root, today=TODAY)
    [d] = [d for d in failed.value.diagnostics if d.code == "duplicate-claim"]
    assert (d.file, d.line) == ("content/articles/a.yaml", 9)
    assert d.message == "claims[1]: claim 'deaths' is already reported at claims[0] (line 4)"


def test_a_credibility_1_grade_on_one_origin_gets_the_caveat(tmp_path):
    root = project(tmp_path, {"a": ("published: 2025-04-01\n", "Three people died.",
                                    DEATHS + "    by: mayor\n    grade: A1\n    quote: Three people died\n")})
    site = build(root, None, today=TODAY, index_search=False, parallel=False).files
    caveat = page(site, "claims/deaths/index.html").find("p", "caveat").text
    assert caveat.startswith("Its grade says other sources bear it out, but it has one independent origin")


def test_an_outlet_names_an_actor_by_id_as_written_else_by_a_name_only_one_media_actor_has(tmp_path):
    body = ("Three people died.", DEATHS + "    by: mayor\n    grade: B2\n    quote: Three people died\n")
    root = project(tmp_path, {"a": ("outlet: Sun\npublished: 2025-04-01\n", *body),
                              "b": ("outlet: sun\npublished: 2025-04-02\n", "Three people died.",
                                    "  - id: deaths\n    grade: B2\n    quote: Three people died\n"),
                              "c": ("outlet: The Times\npublished: 2025-04-03\n", "Three people died.",
                                    "  - id: deaths\n    grade: B2\n    quote: Three people died\n")})
    briefing, warnings = load_briefing(root, today=TODAY)
    assert dict(briefing.article_outlets) == {"a": "baltimore-sun", "b": "sun"}  # "Sun" is an alias; "sun" an id
    [w] = [w for w in warnings if w.code == "ambiguous-outlet"]
    assert (w.file, w.message) == ("content/articles/c.md",
                                   "outlet: 'The Times' is the name of several media actors: times-a, times-b")


def test_an_outlet_that_only_publishes_is_among_the_topics_sources(tmp_path):
    root = project(tmp_path, {"a": ("outlet: Baltimore Sun\npublished: 2025-04-01\n", "Three people died.",
                                    DEATHS + "    by: mayor\n    grade: B2\n    quote: Three people died\n")})
    site = build(root, None, today=TODAY, index_search=False, parallel=False).files
    sources = page(site, "topics/fire/index.html").find("ul", "source-actors").text
    assert "Baltimore Sun" in sources and "1 report" in sources
