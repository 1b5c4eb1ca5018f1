"""`briefgen import` on the real inputs: the seed scrape against the example article, each saved page
of the corpus against its expected values (tests/fixtures/import/expected.yaml), and the
import -> review -> build --strict cycle. Run as a user runs it: `python -m briefgen`."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from briefgen.parse import parse
from support import FIXTURES, REPO, cli_env, run_briefgen

SEED = FIXTURES / "import" / "seed-scrape.txt"  # ../shared/seeds/000_488e8128e30dd73a.txt, as scraped
CORPUS = FIXTURES / "import" / "corpus"  # ../shared/corpus/html/: saved pages of four outlets
EXAMPLE = REPO / "content" / "articles" / "seoul-says-russia-helped-north-korea-launch-spy-satellite"
EXPECTED = yaml.safe_load((FIXTURES / "import" / "expected.yaml").read_text(encoding="utf-8"))
SMALL = FIXTURES / "import" / "small.txt"
SEED_ARGS = ("--outlet", "Kyiv Independent", "--published", "2023-11-23",
             "--url", "https://kyivindependent.com/seoul-says-russia-helped-north-korea-to-launch-spy-satellite/")


def project(tmp_path: Path, actors: bool = True, unused: tuple[str, ...] = ()) -> Path:
    """A project with the example's topics and (unless told not to) its actors, without its article."""
    root = tmp_path / "project"
    (root / "content" / "articles").mkdir(parents=True)
    shutil.copytree(REPO / "content" / "topics", root / "content" / "topics")
    if actors:
        shutil.copytree(REPO / "content" / "actors", root / "content" / "actors")
        for ident in unused:
            (root / "content" / "actors" / f"{ident}.yaml").unlink()
    return root


def articles(root: Path) -> list[Path]:
    return sorted((root / "content" / "articles").iterdir())


def front_and_body(path: Path):
    doc = parse("article", path.name, path.stem, path.read_bytes())
    assert doc.data is not None, doc.diagnostics
    return doc.data, doc.body


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_seed_scrape_gives_the_example_article(tmp_path):
    root = project(tmp_path)
    done = run_briefgen("import", SEED, "-p", root, *SEED_ARGS, "--topic", "north-korea-satellite-programme")
    assert done.returncode == 0, done.stderr
    md, notes = articles(root)
    assert md.suffix == ".md" and notes.suffix == ".yaml"
    assert md.name == "seoul-says-russia-helped-north-korea-to-launch-spy-satellite.md"
    front, body = front_and_body(md)
    example_front, example_body = front_and_body(EXAMPLE.with_suffix(".md"))
    assert body.folded == example_body.folded  # the same text, block by block, whitespace aside
    assert (front.title, front.outlet, front.url, front.published) == (
        example_front.title, example_front.outlet, example_front.url, example_front.published)
    for junk in ("Oops", "Something went wrong", "Please try again", "Read also", "Consider supporting"):
        assert junk not in md.read_text(encoding="utf-8")
    draft = yaml.safe_load(notes.read_text(encoding="utf-8"))
    example = yaml.safe_load(EXAMPLE.with_suffix(".yaml").read_text(encoding="utf-8"))
    assert [(link["title"], link["url"]) for link in draft["links"]] == [
        (link["title"], link["url"]) for link in example["links"]]
    suggested = [squash(c["quote"]) for c in draft["claims"]]
    found = [c["id"] for c in example["claims"] if any(squash(c["quote"]) in quote for quote in suggested)]
    assert len(found) >= 8, found
    assert all(item.get("review") == "pending" for key in ("actors", "claims", "links", "events") for item in draft[key])
    by = {squash(c["quote"]): c.get("by") for c in draft["claims"]}
    assert by[squash("Russian President Vladimir Putin pledged to help Pyongyang develop satellites")] == "vladimir-putin"
    assert {e["date"] for e in draft["events"]} >= {"2023-11-21", "2023-11-23", "2023-09"}
    assert {a["id"] for a in draft["actors"]} == {a["id"] for a in example["actors"]} - {"south-korea"}
    assert "Made content/articles/seoul-says-russia-helped-north-korea-to-launch-spy-satellite.md" in done.stdout


@pytest.mark.parametrize("page", sorted(EXPECTED))
def test_saved_page(tmp_path, page):
    want = EXPECTED[page]
    root = project(tmp_path, actors=False)
    done = run_briefgen("import", CORPUS / page, "-p", root)
    assert done.returncode == 0, done.stderr
    md = next(p for p in articles(root) if p.suffix == ".md")
    front, body = front_and_body(md)
    got = {"title": front.title, "outlet": front.outlet, "author": front.author,
           "published": front.published.isoformat() if front.published else None, "language": front.language,
           "url": front.url}
    assert got == {key: want[key] for key in got}
    for passage in want["body"]:
        assert passage in body.source
    for passage in want["not_in_body"]:
        assert passage not in body.source


def test_strict_build_fails_on_pending_and_passes_once_accepted(tmp_path):
    # Only the actors the article mentions, so that the accepted article leaves no warning at all.
    root = project(tmp_path, unused=("south-korea",))
    for actor in (root / "content" / "actors").iterdir():
        actor.write_text(actor.read_text(encoding="utf-8").replace("affiliation: south-korea\n", ""), encoding="utf-8")
    assert run_briefgen("import", SEED, "-p", root, *SEED_ARGS, "--topic", "north-korea-satellite-programme",
                        "--topic", "russia-north-korea-military-cooperation").returncode == 0
    notes = next(p for p in articles(root) if p.suffix == ".yaml")
    rel = f"content/articles/{notes.name}"
    checked = run_briefgen("check", root)
    assert checked.returncode == 0, checked.stderr
    assert "0 claims" in checked.stdout  # pending suggestions are not published
    pending = sum(line.lstrip().startswith("review: pending") for line in notes.read_text(encoding="utf-8").splitlines())
    assert f"warning[pending-review]: {pending} suggestions awaiting review in {rel}" in checked.stderr
    failed = run_briefgen("build", root, "--strict", "--no-cache")
    assert failed.returncode == 1
    assert f"error[pending-review]: {pending} suggestions awaiting review in {rel}" in failed.stderr
    accepted = "".join(line for line in notes.read_text(encoding="utf-8").splitlines(keepends=True)
                       if not line.lstrip().startswith("review: pending"))
    notes.write_text(accepted, encoding="utf-8")
    built = run_briefgen("build", root, "--strict", "--no-cache")
    assert built.returncode == 0, built.stderr
    assert "0 warnings" in built.stdout
    assert (root / "site" / "claims" / "russian-president-vladimir-putin-pledged-help-pyongyang" / "index.html").exists()


def test_same_source_twice_writes_nothing(tmp_path):
    root = project(tmp_path)
    assert run_briefgen("import", SMALL, "-p", root).returncode == 0
    before = {p.name: p.read_bytes() for p in articles(root)}
    again = run_briefgen("import", SMALL, "-p", root)
    assert again.returncode == 0
    assert "already imported: content/articles/bridge-to-open-next-month-minister-says.md has the same text" in again.stderr
    assert {p.name: p.read_bytes() for p in articles(root)} == before


def test_same_url_twice_writes_nothing(tmp_path):
    root = project(tmp_path)
    other = tmp_path / "other.txt"
    other.write_text("Another title\n\nA different text about something else entirely, said nobody at all.\n")
    url = "https://example.org/news/bridge"
    assert run_briefgen("import", SMALL, "-p", root, "--url", url).returncode == 0
    again = run_briefgen("import", other, "-p", root, "--url", url + "/")
    assert "has the same URL; nothing written" in again.stderr
    assert len(articles(root)) == 2


def test_title_collision_gets_2(tmp_path):
    root = project(tmp_path)
    other = tmp_path / "other.txt"
    other.write_text(SMALL.read_text().splitlines()[0] + "\n\nQuite another text under the same headline.\n")
    assert run_briefgen("import", SMALL, other, "-p", root).returncode == 0
    assert [p.name for p in articles(root)] == [
        "bridge-to-open-next-month-minister-says-2.md", "bridge-to-open-next-month-minister-says-2.yaml",
        "bridge-to-open-next-month-minister-says.md", "bridge-to-open-next-month-minister-says.yaml"]


def test_standard_input_and_project_junk_patterns(tmp_path):
    root = project(tmp_path)
    (root / "briefgen.yaml").write_text("import_junk: ['listen to this article']\n")
    done = subprocess.run([sys.executable, "-m", "briefgen", "import", "-", "-p", str(root), "--published", "2024-06-01"],
                          input=SMALL.read_bytes(), env=cli_env(), capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    md = root / "content" / "articles" / "bridge-to-open-next-month-minister-says.md"
    text = md.read_text(encoding="utf-8")
    assert "Listen to this article" not in text and "Share this article" not in text
    assert "Work on the bridge began in March 2021." in text
    draft = yaml.safe_load(md.with_suffix(".yaml").read_text(encoding="utf-8"))
    assert {e["date"] for e in draft["events"]} == {"2024-06-03", "2021-03"}
    quotes = [c["quote"] for c in draft["claims"]]
    assert "The bridge opens on June 3, whatever the weather" in quotes
    assert "# by: \"Berg\" is no actor yet" in md.with_suffix(".yaml").read_text(encoding="utf-8")


def test_short_page_is_refused_with_a_reason(tmp_path):
    root = project(tmp_path)
    page = tmp_path / "paywall.html"
    page.write_text("<html lang='en'><head><title>Big story | Paper</title></head><body><article><h1>Big story</h1>"
                    "<p>Subscribers only. This article is for subscribers: log in or take out a subscription to read "
                    "the rest of it today.</p></article></body></html>")
    done = run_briefgen("import", page, "-p", root)
    assert done.returncode == 0
    assert re.search(r"paywall.html: only \d+ characters of text: paywalled, or not an article\?; no article made",
                     done.stderr), done.stderr
    assert articles(root) == []


def test_a_further_report_of_a_known_claim_is_suggested_by_id(tmp_path):
    root = project(tmp_path)
    shutil.copy(EXAMPLE.with_suffix(".md"), root / "content" / "articles")
    shutil.copy(EXAMPLE.with_suffix(".yaml"), root / "content" / "articles")
    later = tmp_path / "later.txt"
    later.write_text("Seoul repeats its satellite assessment\n\nLawmakers said again on Friday that the National "
                     "Intelligence Service assessed that there was assistance from Russia.\n", encoding="utf-8")
    assert run_briefgen("import", later, "-p", root).returncode == 0
    notes = (root / "content" / "articles" / "seoul-repeats-its-satellite-assessment.yaml").read_text(encoding="utf-8")
    assert ("  - id: nis-russia-assisted-third-launch  # a further report of the claim defined at "
            "content/articles/seoul-says-russia-helped-north-korea-launch-spy-satellite.yaml:") in notes
    entry = next(c for c in yaml.safe_load(notes)["claims"] if c["id"] == "nis-russia-assisted-third-launch")
    assert "statement" not in entry and entry["review"] == "pending"


def test_unknown_topic_is_refused_before_anything_is_written(tmp_path):
    root = project(tmp_path)
    done = run_briefgen("import", SMALL, "-p", root, "--topic", "north-korea-satellite-programm")
    assert done.returncode == 1
    assert "--topic north-korea-satellite-programm: no topic" in done.stderr
    assert "did you mean 'north-korea-satellite-programme'?" in done.stderr
    assert "Traceback" not in done.stderr
    assert articles(root) == []


def test_markdown_with_front_matter_keeps_it(tmp_path):
    root = project(tmp_path)
    done = run_briefgen("import", EXAMPLE.with_suffix(".md"), "-p", root)
    assert done.returncode == 0, done.stderr
    md = next(p for p in articles(root) if p.suffix == ".md")
    front, body = front_and_body(md)
    example_front, example_body = front_and_body(EXAMPLE.with_suffix(".md"))
    assert front == example_front and body.folded == example_body.folded


def test_text_that_is_not_utf8_is_refused_with_its_line(tmp_path):
    root = project(tmp_path)
    source = tmp_path / "latin.txt"
    source.write_bytes(b"Title\n\nCaf\xe9 au lait\n")
    done = run_briefgen("import", source, "-p", root)
    assert "latin.txt: line 3: byte 0xe9 is not valid UTF-8 (save the file as UTF-8); no article made" in done.stderr
    assert articles(root) == []


def test_a_statement_worded_a_little_differently_is_suggested_as_a_further_report(tmp_path):
    root = project(tmp_path)
    shutil.copy(EXAMPLE.with_suffix(".md"), root / "content" / "articles")
    shutil.copy(EXAMPLE.with_suffix(".yaml"), root / "content" / "articles")
    later = tmp_path / "later.txt"
    later.write_text("Seoul repeats its assessment\n\n\"The National Intelligence Service assessed there was assistance "
                     "from Russia,\" Yoo told reporters.\n", encoding="utf-8")
    assert run_briefgen("import", later, "-p", root).returncode == 0
    notes = yaml.safe_load((root / "content" / "articles" / "seoul-repeats-its-assessment.yaml").read_text(encoding="utf-8"))
    assert [(c["id"], c["quote"]) for c in notes["claims"]] == [
        ("nis-russia-assisted-third-launch", "The National Intelligence Service assessed there was assistance from Russia")]


def test_slug_is_the_title_transliterated(tmp_path):
    root = project(tmp_path)
    done = subprocess.run([sys.executable, "-m", "briefgen", "import", "-", "-p", str(root)],
                          input="Jürgen Müller über Kyjiw: „Wir bleiben“\n\nEin Absatz.\n".encode("utf-8"),
                          env=cli_env(), capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert [p.name for p in articles(root)] == ["jurgen-muller-uber-kyjiw-wir-bleiben.md", "jurgen-muller-uber-kyjiw-wir-bleiben.yaml"]
