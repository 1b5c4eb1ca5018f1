"""The reading experience in headless Chromium: every kind of page of the example briefing.

The example is built into a temporary folder and served by a small http.server thread (previews
fetch pages, which needs http; from file:// they quietly do nothing). Each kind of page is
screenshotted at 1280 and 375 px wide, in the dark scheme and in print emulation, into
artifacts/screenshots/ (CI keeps the folder as an artifact), and checked with axe-core (WCAG 2 A
and AA rules: zero violations). Then what a reader does: hover or focus a cross-reference and see
its preview, follow a claim's source link and land on the highlighted passage.

The Nu HTML checker runs over the same build (and the tests/fixtures/valid/basic build) when
Java and vnu.jar are available (VNU_JAR, or node_modules/vnu-jar/build/dist/vnu.jar in the
repository); BRIEFGEN_REQUIRE_VNU=1 makes their absence a failure, for CI.

The README's screenshots (docs/img/topic-desktop.png, topic-phone.png) are regenerated with

    BRIEFGEN_REGEN=1 python -m pytest tests/browser/test_reading.py -k readme
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support import REGEN, REPO, run_briefgen  # noqa: E402

SCREENSHOTS = REPO / "artifacts" / "screenshots"
BASIC = REPO / "tests" / "fixtures" / "valid" / "basic"
TOPIC = "north-korea-satellite-programme"
ARTICLE = "seoul-says-russia-helped-north-korea-launch-spy-satellite"
CLAIM = "nis-russia-assisted-third-launch"

PAGES = {
    "home": "/",
    "topics": "/topics/",
    "topic": f"/topics/{TOPIC}/",
    "actors": "/actors/",
    "actor": "/actors/kim-jong-un/",
    "claims": "/claims/",
    "claim": f"/claims/{CLAIM}/",
    "articles": "/articles/",
    "article": f"/articles/{ARTICLE}/",
    "timeline": "/timeline/",
    "404": "/404.html",
}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
A4_PRINTABLE = 688
"""CSS px across an A4 page inside the print stylesheet's margins (210 mm - 2 x 14 mm); Letter is wider."""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reading") / "site"
    result = run_briefgen("build", REPO, "--strict", "--no-cache", "-o", out)  # nothing written into the repository
    assert result.returncode == 0, result.stdout + result.stderr
    return out


@pytest.fixture(scope="module")
def basic_site(tmp_path_factory) -> Path:
    """The format-exercising fixture: contradicting claims, several outlets, a claim about its author."""
    out = tmp_path_factory.mktemp("reading-basic") / "site"
    result = run_briefgen("build", BASIC, "--strict", "--no-cache", "-o", out)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


@contextlib.contextmanager
def serving(folder: Path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture(scope="module")
def site_url(site: Path):
    with serving(site) as url:
        yield url


@pytest.fixture(scope="module")
def shots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def console_errors(page: Page) -> list[str]:
    """Errors the page logs (CSP violations among them) and uncaught script errors."""
    errors: list[str] = []

    def on_console(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            errors.append(msg.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def axe_violations(page: Page, where: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    assert result.response.get("passes"), f"axe did not run on {where}"
    assert result.violations_count == 0, f"axe on {where}:\n{result.generate_report()}"


def no_horizontal_scroll(page: Page, where: str) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1], f"{where} scrolls sideways: content {width[0]} px in a {width[1]} px window"


# --- every kind of page: screenshots, axe, responsive, dark, print ---------------------------


@pytest.mark.browser
@pytest.mark.parametrize("kind", list(PAGES))
def test_page_reads_well_everywhere(kind: str, page: Page, site_url: str, shots: Path, console_errors: list[str]):
    url = site_url + PAGES[kind]

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(url)
    expect(page.locator("main h1")).to_be_visible()
    page.screenshot(path=shots / f"{kind}-1280.png", full_page=True)
    axe_violations(page, f"{kind} at 1280 px")

    page.emulate_media(color_scheme="dark")
    page.screenshot(path=shots / f"{kind}-1280-dark.png", full_page=True)
    axe_violations(page, f"{kind} at 1280 px, dark scheme")
    page.emulate_media(color_scheme="light")

    for width in (375, 360):
        page.set_viewport_size({"width": width, "height": 812})
        no_horizontal_scroll(page, f"{kind} at {width} px")
    page.set_viewport_size({"width": 375, "height": 812})
    page.screenshot(path=shots / f"{kind}-375.png", full_page=True)
    axe_violations(page, f"{kind} at 375 px")

    page.set_viewport_size({"width": A4_PRINTABLE, "height": 1000})
    page.emulate_media(media="print")
    expect(page.locator(".site-header nav")).to_be_hidden()
    expect(page.locator(".skip-link")).to_be_hidden()
    no_horizontal_scroll(page, f"{kind} printed on A4")
    page.screenshot(path=shots / f"{kind}-print.png", full_page=True)
    page.emulate_media(media="screen")

    assert console_errors == [], f"{kind}: the console reports errors (CSP?): {console_errors}"


@pytest.mark.browser
def test_topic_prints_on_a4_and_letter_with_source_urls(page: Page, site_url: str, shots: Path):
    page.goto(site_url + PAGES["topic"])
    page.emulate_media(media="print")
    urls = page.locator(".article-item .print-url")
    expect(urls.first).to_be_visible()
    expect(urls.first).to_contain_text("https://")
    expect(page.locator(".external-links .print-url").first).to_be_visible()
    expect(page.locator(".toc")).to_be_hidden()
    for fig in page.locator("figure.figure svg").all():
        expect(fig).to_be_visible()
    for fmt in ("A4", "Letter"):
        pdf = page.pdf(format=fmt, print_background=False)
        (shots / f"topic-{fmt.lower()}.pdf").write_bytes(pdf)
        assert pdf.startswith(b"%PDF") and len(pdf) > 10_000


@pytest.mark.browser
def test_topic_briefing_layout(page: Page, site_url: str):
    page.goto(site_url + PAGES["topic"])
    main = page.locator("main")
    headings = main.locator("h2").all_inner_texts()
    assert headings[0].lower() == "bottom line up front", "the BLUF comes first"
    assert headings[-1] == "Cross-references", "cross-references come last"
    order = ["Key judgments", "Key actors", "Contested claims", "Claims", "Timeline", "Source articles"]
    assert [h for h in headings if h in order] == order
    for word in ("High confidence", "Moderate confidence"):
        expect(main.locator(".judgments").get_by_text(word).first).to_be_visible()
    expect(main.locator(".actor-strip li .actor-count").first).to_contain_text(re.compile(r"made|subject of"))
    contest = main.locator(".contest").first
    expect(contest.locator(".contest-who").first).to_contain_text("said:")
    expect(contest.locator(".contest-who").nth(1)).to_contain_text("contradicting it, said:")

    card = main.locator(f"#claim-{CLAIM}")
    expect(card.locator(".status")).to_have_text(re.compile(r"Reported"))  # a word, not a colour alone
    expect(card.locator(".status-icon")).to_have_attribute("aria-hidden", "true")
    grade = card.locator(".claim-meta abbr.grade")
    expect(grade).to_have_text("B2")
    expect(grade).to_have_attribute("title", "source usually reliable, information probably true")
    expect(card.locator(".grade-meaning")).to_have_text("source usually reliable, information probably true")
    expect(card.get_by_text("Corroboration")).to_be_visible()
    expect(card.locator("a.passage-link")).to_have_attribute("href", re.compile(rf"#quote-{CLAIM}$"))

    for name in ("Claims by status", "Actor network", "Timeline"):
        fig = main.get_by_role("img", name=name)
        expect(fig).to_be_visible()
        assert fig.evaluate("svg => svg.closest('figure').querySelector('.visually-hidden table tbody tr') !== null")
    for status in ("Confirmed", "Corroborated", "Reported", "Disputed", "Refuted"):
        expect(main.locator(".fig-status text").filter(has_text=status)).to_have_count(1)


@pytest.mark.browser
def test_keyboard_skip_link_landmarks_and_visible_focus(page: Page, site_url: str):
    page.goto(site_url + PAGES["topic"])
    for role in ("banner", "main", "contentinfo"):
        expect(page.get_by_role(role)).to_have_count(1)
    expect(page.get_by_role("navigation", name="Sections")).to_be_visible()
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none"), "the focused link shows a visible focus outline"


@pytest.mark.browser
def test_the_basic_fixture_passes_axe_too(page: Page, basic_site: Path, console_errors: list[str]):
    """Contested pairs side by side, claims with several sources, a topic with an overview."""
    with serving(basic_site) as url:
        for path in sorted(basic_site.rglob("index.html")):
            rel = path.relative_to(basic_site).as_posix()
            if rel.startswith(("topics/", "actors/", "articles/")) and rel.count("/") == 2:
                page.goto(f"{url}/{rel}")
                axe_violations(page, f"basic fixture {rel}")
    assert console_errors == []


# --- previews of cross-references ------------------------------------------------------------


@pytest.mark.browser
def test_hovering_a_cross_reference_shows_its_preview(page: Page, site_url: str, console_errors: list[str]):
    page.goto(site_url + PAGES["topic"])
    link = page.locator(".actor-strip a[data-preview=actor]", has_text="Kim Jong Un")
    link.hover()
    preview = page.get_by_role("tooltip")
    expect(preview).to_be_visible()
    expect(preview).to_contain_text("Kim Jong Un")
    expect(preview).to_contain_text("Supreme Leader")
    expect(link).to_have_attribute("aria-describedby", "briefgen-preview")
    box, anchor = preview.bounding_box(), link.bounding_box()
    assert box["y"] >= anchor["y"] + anchor["height"] or box["y"] + box["height"] <= anchor["y"], "beside, not over"

    preview.hover()  # the preview stays while the pointer is over it (WCAG 1.4.13)
    page.wait_for_timeout(600)
    expect(preview).to_be_visible()
    page.keyboard.press("Escape")
    expect(preview).to_be_hidden()
    expect(link).not_to_have_attribute("aria-describedby", "briefgen-preview")

    page.mouse.move(0, 0)
    claim = page.locator(f"#claim-{CLAIM} .claim-statement a")
    claim.hover()
    expect(preview).to_be_visible()
    expect(preview).to_contain_text("Russia assisted North Korea")
    expect(preview).to_contain_text("Claim")
    page.mouse.move(0, 0)
    expect(preview).to_be_hidden()
    assert console_errors == []


@pytest.mark.browser
def test_focusing_a_cross_reference_shows_its_preview(page: Page, site_url: str):
    page.goto(site_url + PAGES["claim"])
    link = page.locator(".sources-table a[data-preview=article]").first
    link.focus()
    preview = page.get_by_role("tooltip")
    expect(preview).to_be_visible()
    expect(preview).to_contain_text("Seoul says Russia helped North Korea")
    expect(preview).to_contain_text("Source article")
    axe_violations(page, "a claim page with a preview open")
    page.keyboard.press("Escape")
    expect(preview).to_be_hidden()
    expect(link).to_be_focused()

    passage = page.locator(f".sources-table a[href$='#quote-{CLAIM}']")
    passage.focus()
    expect(preview).to_contain_text("Passage in context")
    expect(preview.locator("mark")).to_have_text("the National Intelligence Service assessed that there was assistance from Russia")
    page.keyboard.press("Tab")  # focus moves on to the next link (an actor): its preview replaces this one
    expect(preview).not_to_contain_text("Passage in context")
    expect(page.locator(":focus")).to_have_attribute("aria-describedby", "briefgen-preview")
    expect(passage).not_to_have_attribute("aria-describedby", "briefgen-preview")
    page.locator("h1").click()  # focus leaves the links: the preview goes
    expect(preview).to_be_hidden()


@pytest.mark.browser
def test_previews_do_nothing_from_file_urls(page: Page, site: Path, console_errors: list[str]):
    page.goto((site / "topics" / TOPIC / "index.html").as_uri())
    page.locator(".actor-strip a[data-preview=actor]").first.hover()
    page.wait_for_timeout(800)
    expect(page.locator(".preview")).to_have_count(0)
    assert console_errors == []


# --- quoted passages -------------------------------------------------------------------------


@pytest.mark.browser
def test_following_a_source_link_lands_on_the_highlighted_passage(page: Page, site_url: str):
    page.set_viewport_size({"width": 375, "height": 700})
    page.goto(site_url + PAGES["topic"])
    page.locator(f"#claim-{CLAIM} a.passage-link").click()
    page.wait_for_url(re.compile(rf"/articles/{ARTICLE}/(index\.html)?#quote-{CLAIM}$"))
    mark = page.locator(f"#quote-{CLAIM} + mark.quote")
    expect(mark).to_have_class(re.compile(r"\bflash\b"))
    expect(mark).to_be_in_viewport()
    expect(mark).to_contain_text("assessed that there was assistance from Russia")
    back = page.locator(f"mark.quote[data-claim={CLAIM}] ~ a.quote-claim").first
    expect(back).to_have_attribute("href", re.compile(rf"claims/{CLAIM}/"))
    page.screenshot(path=SCREENSHOTS / "article-passage-375.png")


@pytest.mark.browser
def test_every_quote_on_the_article_page_is_highlighted(page: Page, site_url: str):
    page.goto(site_url + PAGES["article"])
    claims = page.locator(".article-claims > li").count()
    assert claims > 0
    expect(page.locator("mark.quote")).to_have_count(claims)
    expect(page.locator("span.quote-anchor")).to_have_count(claims)
    link = page.locator("a.to-quote").last
    target = link.get_attribute("href")
    link.click()
    mark = page.locator(f"{target} + mark.quote")
    expect(mark).to_have_class(re.compile(r"\bflash\b"))
    expect(mark).to_be_in_viewport()


# --- the README's screenshots ----------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("name, width, height", [("topic-desktop", 1280, 900), ("topic-phone", 375, 812)])
def test_readme_screenshots(name: str, width: int, height: int, page: Page, site_url: str, shots: Path):
    """The README shows the topic page on desktop and phone: regenerate with BRIEFGEN_REGEN=1."""
    page.set_viewport_size({"width": width, "height": height})
    page.emulate_media(color_scheme="light", reduced_motion="reduce")
    page.goto(site_url + PAGES["topic"])
    expect(page.locator("main h1")).to_be_visible()
    targets = [shots / f"{name}.png"]
    if REGEN:
        targets.append(REPO / "docs" / "img" / f"{name}.png")
    for target in targets:
        page.screenshot(path=target)
    assert (REPO / "docs" / "img" / f"{name}.png").is_file(), "the README links this screenshot"


# --- valid HTML ------------------------------------------------------------------------------


def _vnu_jar() -> Path | None:
    for candidate in (os.environ.get("VNU_JAR"), REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


@pytest.mark.parametrize("which", ["example", "basic"])
def test_every_page_passes_the_nu_html_checker(which: str, request: pytest.FixtureRequest):
    site = request.getfixturevalue("site" if which == "example" else "basic_site")
    java, jar = shutil.which("java"), _vnu_jar()
    if not (java and jar):
        message = "the Nu HTML checker needs java and vnu.jar (npm install vnu-jar; set VNU_JAR)"
        if os.environ.get("BRIEFGEN_REQUIRE_VNU") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    result = subprocess.run([java, "-jar", str(jar), "--errors-only", "--skip-non-html", str(site)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"Nu HTML checker errors:\n{result.stderr}{result.stdout}"
    assert len(list(site.rglob("*.html"))) >= 10
