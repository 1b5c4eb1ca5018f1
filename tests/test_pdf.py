"""PDF briefings, checked as a reader gets them: the text pypdf extracts, in reading order, and
page 1 drawn by pdftoppm and looked at as pixels.

tests/fixtures/valid/pdf/ is a fictional topic with 20 claims across four articles (contests, a
claim reported twice, events, a handling line). On paper it must stay a few pages, not the eleven
a browser's print of the web page gave.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from support import FIXTURES, REPO, cli_env, copy_project, run_briefgen

PROJECT = FIXTURES / "valid" / "pdf"
TOPIC = "harbour-blockade"
MAX_PAGES = 5
"""A cover and at most four pages for 20 claims."""


def texts(pdf: Path) -> list[str]:
    """Each page's text with runs of whitespace made one space (extraction breaks lines anywhere)."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(pdf).pages]


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pdf") / "out"
    result = run_briefgen("pdf", PROJECT, "-o", out)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith(f"Wrote 1 PDF into {out}: {TOPIC}.pdf; 0 warnings;")
    return out / f"{TOPIC}.pdf"


def test_a_20_claim_topic_fits_in_a_few_a4_pages(made):
    reader = PdfReader(made)
    assert 3 <= len(reader.pages) <= MAX_PAGES
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4, the setting


def test_the_cover_names_title_date_author_and_handling(made):
    cover = texts(made)[0]
    assert "The Valmora harbour blockade" in cover
    assert "As of 20 November 2023" in cover  # the newest source's date
    assert "Maritime Desk" in cover and "Site Desk" not in cover  # the topic's author wins
    assert cover.count("OFFICIAL – for internal distribution") == 2  # top and bottom
    assert "3 confirmed, 3 corroborated, 11 reported, 2 disputed, 1 refuted" in cover
    assert "Bottom line up front" in cover and "Contents" in cover


def test_bluf_and_judgments_come_first_then_actors_claims_timeline_sources(made):
    body = " ".join(texts(made)[1:])
    order = ["Bottom line up front", "Key judgments", "Key actors", "Contested claims", "Claims ✔ Confirmed",
             "Key questions", "Timeline", "Sources [1]", "Read also"]
    found = [body.find(heading) for heading in order]
    assert -1 not in found, dict(zip(order, found))
    assert found == sorted(found), dict(zip(order, found))
    assert "Bottom line up front" in texts(made)[1]  # on the first page after the cover


def test_every_claim_is_numbered_with_its_grade_and_quoted_sources(made):
    body = " ".join(texts(made)[1:])
    statements = [line.split(": ", 1)[1].strip('"') for path in (PROJECT / "content/articles").glob("*.yaml")
                  for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("    statement: ")]
    assert len(statements) == 20
    for statement in statements:
        assert statement in body, statement
    for n in range(1, 21):
        assert re.search(rf"\bC{n} ", body), f"C{n}"
    # the claim reported by two articles lists both reports, each with its grade and endnote
    assert "“Borland warships turned back four freighters outside Valmora on Sunday.” — Aster Wire, 4 November 2023, A1 [1]" in body
    assert "B2 [2]" in body
    assert "best grade E5 (source unreliable, information improbable)" in body


def test_sources_are_numbered_endnotes_with_their_urls(made):
    pages = texts(made)
    endnotes = pages[-1][pages[-1].index("Sources [1]"):]
    squeezed = "".join(endnotes.split())  # a long URL wraps anywhere
    urls = ["https://example.org/aster-wire/blockade-begins", "https://example.org/aster-wire/grain-exports-fall",
            "https://example.org/valmora-gazette/second-sources", "https://example.org/aster-wire/convoy-talks",
            "https://example.org/borland-tv/customs-regime"]
    outlets = ["AsterWire", "AsterWire", "ValmoraGazette", "AsterWire", "BorlandStateTelevision"]
    for n, (url, outlet) in enumerate(zip(urls, outlets), 1):  # numbered in the order they are first cited
        assert f"[{n}]{outlet}." in squeezed
        assert url in squeezed, url
    assert [squeezed.index(u) for u in urls] == sorted(squeezed.index(u) for u in urls)
    assert "https://example.org/analysis/valmora-strait" in squeezed  # read also
    links = {annot.get_object().get("/A", {}).get("/URI") for page in PdfReader(made).pages
             for annot in page.get("/Annots") or []}
    assert set(urls) <= links  # the URLs are live links too


def test_every_page_has_a_number_and_the_pages_after_the_cover_a_running_header(made):
    pages = texts(made)
    for n, text in enumerate(pages, 1):
        assert f"Page {n} of {len(pages)}" in text
    for text in pages[1:]:
        assert "The Valmora harbour blockade" in text and "As of 20 November 2023" in text
        assert "OFFICIAL – for internal distribution" in text


def test_page_one_is_drawn_and_not_blank(made, tmp_path):
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm is missing: apt-get install poppler-utils (.ci/run installs it)"
    subprocess.run([pdftoppm, "-png", "-r", "50", "-f", "1", "-l", "1", made, tmp_path / "page"], check=True, timeout=60)
    png = next(tmp_path.glob("page*.png"))
    from PIL import Image

    with Image.open(png) as image:
        grey = image.convert("L")
        width, height = grey.size
        assert abs(width - 413) <= 1 and abs(height - 585) <= 1  # A4 at 50 dpi
        dark = sum(grey.histogram()[:128])
    assert dark > 2000, f"page 1 is nearly blank ({dark} dark pixels)"


def test_letter_paper_from_the_command_line(tmp_path):
    result = run_briefgen("pdf", PROJECT, TOPIC, "-o", tmp_path, "--paper", "Letter")
    assert result.returncode == 0, result.stderr
    box = PdfReader(tmp_path / f"{TOPIC}.pdf").pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)


def test_an_unknown_topic_is_a_clear_error_with_the_closest_id(tmp_path):
    result = run_briefgen("pdf", PROJECT, "harbor-blockade", "-o", tmp_path / "out")
    assert result.returncode == 1
    assert result.stderr.strip() == ("error: unknown topic 'harbor-blockade' (did you mean 'harbour-blockade'?); "
                                     "the project's topics are: harbour-blockade")
    assert not (tmp_path / "out").exists()  # nothing laid out, nothing written


def test_the_pdfs_are_not_written_among_the_sources(tmp_path):
    project = copy_project(PROJECT, tmp_path / "p")
    result = run_briefgen("pdf", project, "-o", project / "content" / "pdf")
    assert result.returncode == 1
    assert "content/ (the sources)" in result.stderr and "Traceback" not in result.stderr


def test_a_wrong_paper_setting_is_located_in_briefgen_yaml(tmp_path):
    project = copy_project(PROJECT, tmp_path / "p")
    settings = project / "briefgen.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("paper: A4", "paper: A5"), encoding="utf-8")
    result = run_briefgen("pdf", project, "-o", tmp_path / "out")
    assert result.returncode == 1
    assert "briefgen.yaml:5: error" in result.stderr and "pdf.paper" in result.stderr, result.stderr


def every_build(project: Path, on: bool) -> None:
    settings = project / "briefgen.yaml"
    text = re.sub(r"\n  every_build: \w+", "", settings.read_text(encoding="utf-8"))
    settings.write_text(text.replace("pdf:\n", f"pdf:\n  every_build: {'true' if on else 'false'}\n"), encoding="utf-8")


def test_every_build_writes_and_links_the_pdf_and_removes_it_when_turned_off(tmp_path):
    project = copy_project(PROJECT, tmp_path / "p")
    every_build(project, True)
    site = project / "site"
    result = run_briefgen("build", project, "--strict")
    assert result.returncode == 0, result.stderr
    assert " 1 pdf," in result.stdout
    pdf = site / "topics" / TOPIC / f"{TOPIC}.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert f"topics/{TOPIC}/{TOPIC}.pdf" in json.loads((site / ".briefgen-manifest.json").read_text())["files"]
    page = (site / "topics" / TOPIC / "index.html").read_text(encoding="utf-8")
    assert (f'As of <time datetime="2023-11-20">20 November 2023</time> · by Maritime Desk · '
            f'<a href="../../topics/{TOPIC}/{TOPIC}.pdf" type="application/pdf" download>PDF briefing</a>') in page
    assert run_briefgen("check", project, "--strict").returncode == 0  # the link resolves

    every_build(project, False)
    result = run_briefgen("build", project, "--strict")
    assert result.returncode == 0, result.stderr
    assert not pdf.exists()  # briefgen made it, so briefgen removes it
    assert "PDF briefing" not in (site / "topics" / TOPIC / "index.html").read_text(encoding="utf-8")


def test_a_pdf_already_made_from_the_same_html_is_taken_back_not_laid_out_again():
    from briefgen import pdf
    from briefgen.build import load_briefing
    from briefgen.render import Renderer, collect_assets

    b, _ = load_briefing(PROJECT)
    renderer = Renderer(PROJECT, b.config, collect_assets(PROJECT))
    html = renderer.render(pdf.pdf_page(b, TOPIC))
    assert isinstance(html, bytes)
    file = f"topics/{TOPIC}/{TOPIC}.pdf"
    same = b"%PDF-1.7 (made earlier) /ID [(" + pdf.identifier(html) + b") (x)]"
    files, problems = pdf.make(renderer.render, b, [TOPIC], on_disk={file: same}.get)
    assert problems == [] and files == {file: same}  # taken back: no layout ran

    stale = b"%PDF-1.7 (made from other HTML) /ID [(0123) (x)]"
    memo: dict = {}
    files, _ = pdf.make(renderer.render, b, [TOPIC], memo, on_disk={file: stale}.get)
    made = files[file]
    assert made.startswith(b"%PDF-") and made != stale and pdf.made_from(made, html)
    # the dev server's memo: the same HTML again is not laid out again either
    again, _ = pdf.make(renderer.render, b, [TOPIC], memo, on_disk=lambda f: pytest.fail("read the output"))
    assert again[file] is made


def test_making_a_pdf_fetches_nothing_not_even_a_local_file(tmp_path):
    """Raw HTML (allow_html) in a topic's overview cannot make the PDF engine read a file: only
    data: URLs are fetched. (WeasyPrint's default fetcher would draw this SVG's text into the PDF.)"""
    secret = tmp_path / "secret.svg"
    secret.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="300" height="50">'
                      '<text x="5" y="30" font-size="20">SECRETTEXT42</text></svg>', encoding="utf-8")
    project = copy_project(PROJECT, tmp_path / "p")
    settings = project / "briefgen.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "allow_html: true\n", encoding="utf-8")
    (project / "content/topics/leak.md").write_text(
        f"---\ntitle: Leak\n---\nBefore.\n\n<img src=\"{secret.as_uri()}\"> <style>@import url(\"{secret.as_uri()}\");</style>\n\nAfter.\n",
        encoding="utf-8")
    result = run_briefgen("pdf", project, "leak", "-o", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    text = " ".join(texts(tmp_path / "out" / "leak.pdf"))
    assert "Before." in text and "After." in text
    assert "SECRETTEXT42" not in text


def test_without_the_engine_the_error_says_what_to_install(tmp_path):
    blocked = ("import sys; sys.modules['weasyprint'] = None; sys.argv = ['briefgen', 'pdf', sys.argv[1], '-o', "
               "sys.argv[2]]; from briefgen.cli import entry; entry()")
    result = subprocess.run([sys.executable, "-c", blocked, str(PROJECT), str(tmp_path / "out")], capture_output=True,
                            text=True, env=cli_env(), timeout=120, cwd=REPO)
    assert result.returncode == 1
    assert result.stderr.startswith("error: making PDFs needs WeasyPrint"), result.stderr
    assert "pip install 'weasyprint>=68'" in result.stderr and "Traceback" not in result.stderr
