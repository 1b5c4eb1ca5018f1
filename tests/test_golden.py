"""Whole-site golden tests, and what the built pages must say.

tests/fixtures/valid/basic/ is a small project that exercises the format (a .txt article, a .md
topic with an overview, a claim reported by two outlets, a contradicting pair, per-claim topics,
events, typographic quotes); the repository's own content/ is the example briefing. Both are
built with `briefgen build --strict` and compared, file by file, with tests/golden/basic/ and
tests/golden/example/; so is tests/fixtures/valid/editions/ (three editions), with
tests/golden/editions/. After an intended change of output:

    BRIEFGEN_REGEN=1 python -m pytest tests/test_golden.py

then review ``git diff tests/golden``. The Pagefind index (pagefind/) is a third-party tool's
output: it is checked for presence, not compared.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml

from briefgen.text import normalize_quote
from html_tree import Element, parse_html
from support import FIXTURES, GOLDEN, REPO, assert_tree_matches, read_tree, run_briefgen

BASIC = FIXTURES / "valid" / "basic"
REGEN_HINT = "BRIEFGEN_REGEN=1 python -m pytest tests/test_golden.py"
THIRD_PARTY = ("pagefind/",)
NOT_IN_GOLDEN = (*THIRD_PARTY, "static/")
"""The theme's CSS and JS are the repository's own files; their content hash in every page's
<link>/<script> already makes the golden pages change when they do."""


def build(project: Path, out: Path) -> Path:
    """A clean build (no .briefgen-cache/ read or written): what the golden copies hold."""
    result = run_briefgen("build", project, "--strict", "--no-cache", "-o", out)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", "a --strict build that succeeds prints no warnings"
    assert "; 0 warnings;" in result.stdout
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build(BASIC, tmp_path_factory.mktemp("basic") / "site")


def page(site: Path, path: str) -> Element:
    return parse_html(site / path)


def sidecars() -> dict[str, dict]:
    """The fixture's annotations, read independently of briefgen."""
    return {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in (BASIC / "content/articles").glob("*.yaml")}


def statements() -> dict[str, str]:
    return {c["id"]: c["statement"] for notes in sidecars().values() for c in notes.get("claims", []) if "statement" in c}


def definition(scope: Element, term: str) -> str:
    """The <dd> text that follows the <dt> ``term``."""
    for dl in scope.find_all("dl"):
        items = [e for e in dl.iter() if e.tag in ("dt", "dd")]
        for dt_, dd in zip(items, items[1:]):
            if dt_.tag == "dt" and dt_.text == term and dd.tag == "dd":
                return dd.text
    raise AssertionError(f"no <dt>{term}</dt> in {scope.tag} {scope.attrs}")


# -- golden trees -------------------------------------------------------------------------------

def test_basic_site_matches_golden(site):
    assert_tree_matches(site, GOLDEN / "basic", REGEN_HINT, exclude=NOT_IN_GOLDEN)


def test_editions_site_matches_golden(tmp_path):
    """tests/fixtures/valid/editions/ (three editions, test_editions.py): each edition's page, the
    topic pages' "since" sections, the new/updated/stale marks and the feed's edition entries."""
    out = build(FIXTURES / "valid" / "editions", tmp_path / "site")
    assert_tree_matches(out, GOLDEN / "editions", REGEN_HINT, exclude=NOT_IN_GOLDEN)


def test_example_site_builds_strict_without_warnings_and_matches_golden(tmp_path):
    out = build(REPO, tmp_path / "site")
    assert_tree_matches(out, GOLDEN / "example", REGEN_HINT, exclude=NOT_IN_GOLDEN)
    assert (out / "pagefind" / "pagefind.js").is_file()


def test_example_checks_without_warnings():
    result = run_briefgen("check", REPO)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.rstrip().endswith("; 0 warnings")


def test_check_accepts_links_into_the_search_index():
    result = run_briefgen("check", BASIC, "--strict")
    assert result.returncode == 0, result.stderr


def test_basic_site_has_a_search_index(site):
    assert (site / "pagefind" / "pagefind.js").is_file()


# -- what the pages say -------------------------------------------------------------------------

def test_topic_page_counts_reports_outlets_and_origins(site):
    topic = page(site, "topics/satellite-programme/index.html")
    shared = topic.find("article", cls="claim-card", id="claim-satellite-reached-orbit")
    # relayed by the intelligence service, which asserts a claim of its own that supports it: two origins
    assert definition(shared, "Corroboration") == (
        "2 reports in 2 outlets, 2 independent origins: North Korea, National Intelligence Service")
    outlets = [e.text for e in shared.find_all(cls="source-outlet")]
    assert outlets == ["— Korea Wire", "— Seoul Daily"]
    single = topic.find("article", cls="claim-card", id="claim-new-engine-on-third-launch")
    assert definition(single, "Corroboration").startswith("1 report in 1 outlet"), (
        "an article without an outlet counts on its own")


def test_claim_page_states_reports_outlets_and_origins(site):
    claim = page(site, "claims/satellite-reached-orbit/index.html")
    assert claim.find("p", cls="claim-corroboration").text == (
        "2 reports in 2 outlets, 2 independent origins: North Korea, National Intelligence Service.")
    assert not claim.find_all("p", cls="caveat")
    assert len(claim.find("table", cls="sources-table").find("tbody").find_all("tr")) == 2


def test_every_claim_has_a_page_with_its_statement(site):
    built = {p.name for p in (site / "claims").iterdir() if p.is_dir()}
    assert built == set(statements())
    for cid, statement in statements().items():
        assert page(site, f"claims/{cid}/index.html").find("h1").text == statement


def test_article_pages_mark_every_quote_with_an_anchor(site):
    for slug, notes in sidecars().items():
        article = page(site, f"articles/{slug}/index.html")
        body = article.find("section", cls="article-text")
        for claim in notes.get("claims", []):
            cid = claim["id"]
            assert len(body.find_all(id_=f"quote-{cid}")) == 1, (slug, cid)
            marks = body.find_all("mark", data_claim=cid)
            assert marks, (slug, cid)
            marked = " ".join(m.text for m in marks)
            assert normalize_quote(marked) == normalize_quote(claim["quote"]), (slug, cid)


def test_quotes_match_across_typographic_quotes_and_dashes(site):
    body = page(site, "articles/seoul-assessment/index.html").find("section", cls="article-text")
    mark = body.find("mark", data_claim="satellite-reached-orbit")
    assert mark.text == "North Korea put a reconnaissance satellite into orbit — but that it was “too early to say”"


def test_quote_links_name_the_claim_statement(site):
    known = statements()
    for slug in sidecars():
        for link in page(site, f"articles/{slug}/index.html").find_all("a", cls="quote-claim"):
            cid = re.search(r"claims/([a-z0-9-]+)/", link.attrs["href"])[1]
            assert link.attrs["title"] == known[cid], (slug, cid)


def test_contradicting_claims_are_shown_side_by_side(site):
    topic = page(site, "topics/satellite-programme/index.html")
    section = next(s for s in topic.find_all("section") if s.find_all("h2") and s.find("h2").text == "Contested claims")
    versus = section.find(cls="versus")
    links = [a.attrs["href"] for a in versus.find_all("a") if "/claims/" in "/" + a.attrs["href"]]
    assert any("kim-saw-guam-images" in h for h in links)
    assert any("no-evidence-of-guam-images" in h for h in links)


def test_claim_topics_limit_where_a_claim_appears(site):
    """no-evidence-of-guam-images is reported by an article on two topics but lists only one."""
    arms = page(site, "topics/arms-trade/index.html")
    assert not arms.find_all(id_="claim-no-evidence-of-guam-images")
    assert arms.find_all(id_="claim-russia-helped-launch")


def test_plain_text_article_is_shown_literally(site):
    body = page(site, "articles/analyst-notes/index.html").find("section", cls="article-text")
    assert "<b>tags</b> & *stars* stay as written" in body.text
    assert not body.find_all("b") and not body.find_all("em")
    assert page(site, "articles/analyst-notes/index.html").find("h1").text == "Notes from the Sohae station briefing"


def test_markdown_topic_overview_is_rendered(site):
    overview = page(site, "topics/satellite-programme/index.html").find("section", cls="overview")
    assert overview.find("strong").text == "third attempt"
    assert [li.text for li in overview.find_all("li")] == ["further launches from the Sohae station;",
                                                            "any image North Korea publishes."]


def test_timeline_lists_events_in_date_order(site):
    timeline = page(site, "timeline/index.html").find("ol", cls="timeline")
    dates = [t.attrs["datetime"] for t in timeline.find_all("time")]
    assert dates == ["2023-05-31", "2023-11-21", "2023-11-23"]
    assert dates == sorted(dates)


def test_home_lists_the_newest_article_first_with_its_summary(site):
    home = page(site, "index.html")
    summaries = [p.text for p in home.find_all("p", cls="article-item-summary")]
    assert summaries[0] == sidecars()["seoul-assessment"]["summary"], "newest article first"


def test_every_internal_link_resolves(site):
    """An independent link check over the written files: relative hrefs, their files and anchors."""
    ids: dict[str, set[str]] = {}

    def anchors(rel: str) -> set[str]:
        if rel not in ids:
            ids[rel] = {e.attrs["id"] for e in page(site, rel).iter() if "id" in e.attrs}
        return ids[rel]

    broken = []
    for path in sorted(site.rglob("*.html")):
        rel = path.relative_to(site).as_posix()
        if rel.startswith(THIRD_PARTY):
            continue
        for e in page(site, rel).iter():
            target = e.attrs.get("href") if e.tag in ("a", "link") else e.attrs.get("src") if e.tag == "script" else None
            if not target or urlsplit(target).scheme or target.startswith("//"):
                continue
            parts = urlsplit(target)
            # The 404 page links site-absolute (it is served at any depth); every other page relative.
            base = "" if parts.path.startswith("/") else posixpath.dirname(rel)
            file = posixpath.normpath(posixpath.join(base, unquote(parts.path).lstrip("/"))) if parts.path else rel
            if file == "." or (site / file).is_dir():
                file = posixpath.join(file, "index.html")
            if not (site / file).is_file():
                broken.append(f"{rel}: {target} (no {file})")
            elif parts.fragment and file.endswith(".html") and parts.fragment not in anchors(file):
                broken.append(f"{rel}: {target} (no id {parts.fragment!r} in {file})")
    assert not broken, "\n".join(broken)


def test_output_does_not_depend_on_the_day_of_the_build(site, tmp_path):
    """Dates in the output come from the content, never from the clock."""
    later = tmp_path / "site"
    result = run_briefgen("build", BASIC, "--strict", "--no-cache", "-o", later, epoch="1893456000")  # 2030-01-01
    assert result.returncode == 0, result.stderr
    assert read_tree(later) == read_tree(site)
