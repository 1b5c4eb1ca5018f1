"""`briefgen serve` in headless Chromium: live reload, the error overlay, deletions, scroll
position, and what editors do to files while the server watches them.

The server is a real subprocess on a copy of the example project (see tests/serve_support.py).
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from serve_support import MAIN_ARTICLE, TOPIC, TOPIC_FILE, DevServer, make_project, replace_in  # noqa: E402

pytestmark = pytest.mark.browser

RELOAD = 15_000
"""ms to wait for a live reload: loose on purpose, latency is not what these tests measure."""

TOPIC_TITLE = "Russia–North Korea military cooperation"
SIDECAR = f"content/articles/{MAIN_ARTICLE}.yaml"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path)


@pytest.fixture
def server(project: Path):
    srv = DevServer(project)
    try:
        yield srv
    finally:
        srv.stop()


def open_live(page: Page, server: DevServer, path: str, status: int = 200) -> None:
    """Open a page and give its live-reload connection time to open (TESTING.md's recipe)."""
    with page.expect_response(lambda r: r.url.endswith("/__briefgen/reload.js"), timeout=RELOAD):
        response = page.goto(server.url(path))
    assert response is not None and response.status == status, path
    page.wait_for_load_state("load")
    page.wait_for_timeout(500)


def mark(page: Page) -> None:
    """Tag the current document: a reload drops the tag."""
    page.evaluate("() => { window.__briefgenTestMark = 1 }")


def still_marked(page: Page) -> bool:
    return page.evaluate("() => window.__briefgenTestMark === 1")


def quiet_period(server: DevServer, seconds: float = 1.5) -> list[str]:
    """Wait ``seconds`` and return the build lines logged meanwhile."""
    before = len(server.builds())
    time.sleep(seconds)
    return server.builds()[before:]


# -- 1. edits appear without a manual reload --------------------------------------------------

def test_topic_title_edit_reloads_page(page: Page, server: DevServer, project: Path):
    open_live(page, server, f"/topics/{TOPIC}/")
    expect(page.locator("h1")).to_have_text(TOPIC_TITLE)
    topic = project / TOPIC_FILE
    with page.expect_event("load", timeout=RELOAD):
        replace_in(topic, f"title: {TOPIC_TITLE}", "title: Edited once")
    expect(page.locator("h1")).to_have_text("Edited once")
    # A second edit straight away (same second): must not reload into a cached old page.
    page.wait_for_timeout(300)
    with page.expect_event("load", timeout=RELOAD):
        replace_in(topic, "title: Edited once", "title: Edited twice")
    expect(page.locator("h1")).to_have_text("Edited twice")


def test_sidecar_summary_edit_shows_on_topic_page(page: Page, server: DevServer, project: Path):
    open_live(page, server, f"/topics/{TOPIC}/")
    summaries = page.locator(".article-item-summary")
    expect(summaries.filter(has_text="shipped artillery shells to Russia by rail")).to_have_count(1)
    with page.expect_event("load", timeout=RELOAD):
        replace_in(project / "content/articles/second-article.yaml",
                   "summary: An official says North Korea shipped artillery shells to Russia by rail.",
                   "summary: A rewritten summary about rockets.")
    expect(summaries.filter(has_text="A rewritten summary about rockets.")).to_have_count(1)
    expect(summaries.filter(has_text="shipped artillery shells to Russia by rail")).to_have_count(0)


# -- 2. a broken file: overlay, last good page kept, fixed again --------------------------------

def _unknown_actor(project: Path) -> tuple[Path, str, str, int, str]:
    path = project / SIDECAR
    good = path.read_text(encoding="utf-8")
    bad = good.replace("    by: g7\n", "    by: g-7\n", 1)
    assert bad != good
    line = bad.splitlines().index("    by: g-7") + 1
    return path, good, bad, line, "did you mean"


def _yaml_syntax(project: Path) -> tuple[Path, str, str, int, str]:
    path = project / TOPIC_FILE
    good = path.read_text(encoding="utf-8")
    lines = good.splitlines(keepends=True)
    at = next(i for i, l in enumerate(lines) if l.startswith("questions:"))
    lines.insert(at, "judgments: [unclosed\n")
    return path, good, "".join(lines), 0, ""


@pytest.mark.parametrize("breakage", [_unknown_actor, _yaml_syntax], ids=["unknown-actor", "yaml-syntax"])
def test_broken_file_shows_overlay_and_keeps_last_good_page(page: Page, server: DevServer, project: Path, breakage):
    path, good, bad, line, extra = breakage(project)
    rel = path.relative_to(project).as_posix()
    topic = project / TOPIC_FILE
    # A good edit first, so "last good" is not simply the first build.
    with_title = topic.read_text(encoding="utf-8").replace(f"title: {TOPIC_TITLE}", "title: Last good title")
    open_live(page, server, f"/topics/{TOPIC}/")
    with page.expect_event("load", timeout=RELOAD):
        topic.write_text(with_title, encoding="utf-8")
    expect(page.locator("h1")).to_have_text("Last good title")
    if path == topic:
        good, bad = with_title, bad.replace(f"title: {TOPIC_TITLE}", "title: Last good title")
    page.wait_for_timeout(300)

    mark(page)
    path.write_text(bad, encoding="utf-8")
    overlay = page.locator("#briefgen-overlay")
    expect(overlay).to_be_visible(timeout=RELOAD)
    expect(overlay).to_contain_text(rel)
    if line:
        expect(overlay).to_contain_text(f"{rel}:{line}")
        expect(overlay).to_contain_text(extra)
    else:
        expect(overlay).to_contain_text(re.compile(re.escape(rel) + r":\d+"))
    assert still_marked(page), "a failed build must not reload the page"
    expect(page.locator("h1")).to_have_text("Last good title")

    # Reloading by hand while broken: still the last good page, and the overlay again.
    page.reload()
    expect(page.locator("h1")).to_have_text("Last good title")
    expect(page.locator("#briefgen-overlay")).to_contain_text(rel, timeout=RELOAD)
    page.wait_for_timeout(300)

    fixed = good.replace("title: Last good title", "title: Fixed title") if path == topic else good
    with page.expect_event("load", timeout=RELOAD):
        path.write_text(fixed, encoding="utf-8")
        if path != topic:  # and a visible change, so the page shown is provably the fixed build
            topic.write_text(with_title.replace("title: Last good title", "title: Fixed title"), encoding="utf-8")
    expect(page.locator("h1")).to_have_text("Fixed title")
    expect(page.locator("#briefgen-overlay")).to_have_count(0)
    page.wait_for_timeout(500)
    expect(page.locator("#briefgen-overlay")).to_have_count(0)


# -- 3. deleting an article ---------------------------------------------------------------------

def test_deleted_article_is_gone(page: Page, server: DevServer, project: Path):
    open_live(page, server, "/articles/third-article/")
    expect(page.locator("h1")).to_have_text("Third test article on satellites")
    articles = project / "content/articles"
    with page.expect_event("load", timeout=RELOAD):
        (articles / "third-article.md").unlink()
        (articles / "third-article.yaml").unlink()
    # The open page reloads into the 404 page.
    expect(page.locator("h1")).to_have_text("Page not found", timeout=RELOAD)
    response = page.goto(server.url("/articles/third-article/"))
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("Page not found")
    for listing in (f"/topics/{TOPIC}/", "/topics/north-korea-satellite-programme/", "/articles/"):
        response = page.goto(server.url(listing))
        assert response is not None and response.status == 200
        expect(page.locator(".article-list")).not_to_contain_text("Third test article on satellites")
        expect(page.locator("a[href*='third-article']")).to_have_count(0)
    expect(page.locator(".article-list")).to_contain_text("Second test article about arms deliveries")


# -- 4. scroll position -------------------------------------------------------------------------

def test_scroll_position_kept_across_reload(page: Page, server: DevServer, project: Path):
    page.set_viewport_size({"width": 900, "height": 500})
    open_live(page, server, f"/topics/{TOPIC}/")
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height > 2000, "the page must be long enough to scroll"
    target = int(height * 0.6)
    page.evaluate(f"() => window.scrollTo(0, {target})")
    page.wait_for_function(f"() => Math.abs(window.scrollY - {target}) < 5")
    before = page.evaluate("() => window.scrollY")
    mark(page)
    # An edit this page does not show: the page reloads anyway (every build does) and keeps its place.
    with page.expect_event("load", timeout=RELOAD):
        replace_in(project / "content/actors/g7.yaml", "name: Group of Seven", "name: Group of Seven (G7)")
    assert not still_marked(page)
    page.wait_for_function(f"() => Math.abs(window.scrollY - {before}) <= 40", timeout=5000)
    # And a second time, to be sure the position was not just the browser's own one-off restore.
    page.wait_for_timeout(300)
    page.evaluate(f"() => window.scrollTo(0, {target // 2})")
    page.wait_for_function(f"() => Math.abs(window.scrollY - {target // 2}) < 5")
    with page.expect_event("load", timeout=RELOAD):
        replace_in(project / "content/actors/g7.yaml", "name: Group of Seven (G7)", "name: Group of Seven")
    page.wait_for_function(f"() => Math.abs(window.scrollY - {target // 2}) <= 40", timeout=5000)


# -- 5. what editors do ---------------------------------------------------------------------------

def test_atomic_save_reloads(page: Page, server: DevServer, project: Path):
    """Write a temp file beside the target, then os.replace() it (many editors, most tools)."""
    open_live(page, server, f"/topics/{TOPIC}/")
    topic = project / TOPIC_FILE
    text = topic.read_text(encoding="utf-8").replace(f"title: {TOPIC_TITLE}", "title: Saved atomically")
    before = len(server.builds())
    with page.expect_event("load", timeout=RELOAD):
        with tempfile.NamedTemporaryFile("w", dir=topic.parent, delete=False, encoding="utf-8") as tmp:
            tmp.write(text)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp.name, topic)
    expect(page.locator("h1")).to_have_text("Saved atomically")
    server.settle()
    new = server.builds()[before:]
    assert new and all(line.startswith("✓") for line in new), server.log
    expect(page.locator("#briefgen-overlay")).to_have_count(0)


def test_vim_style_save_reloads(page: Page, server: DevServer, project: Path):
    """Vim with 'backupcopy=auto': probe file 4913, rename to x~, write x, delete x~."""
    open_live(page, server, f"/topics/{TOPIC}/")
    topic = project / TOPIC_FILE
    text = topic.read_text(encoding="utf-8").replace(f"title: {TOPIC_TITLE}", "title: Saved like vim")
    backup = topic.with_name(topic.name + "~")
    probe = topic.parent / "4913"
    before = len(server.builds())
    with page.expect_event("load", timeout=RELOAD):
        probe.write_bytes(b"")
        probe.unlink()
        os.rename(topic, backup)
        topic.write_text(text, encoding="utf-8")
        backup.unlink()
    expect(page.locator("h1")).to_have_text("Saved like vim")
    server.settle()
    assert not [line for line in server.builds()[before:] if line.startswith("✗")], server.log
    expect(page.locator("#briefgen-overlay")).to_have_count(0)


def _junk_dance(project: Path) -> None:
    """A vim swap file and an Emacs/vim backup appear, change and disappear; the source does not change."""
    topic = project / TOPIC_FILE
    swap = topic.with_name(f".{topic.name}.swp")
    backup = topic.with_name(topic.name + "~")
    swap.write_bytes(b"b0VIM 9.0\0" + b"\0" * 100)
    time.sleep(0.2)
    swap.write_bytes(b"b0VIM 9.0\0" + b"\1" * 100)
    backup.write_text(topic.read_text(encoding="utf-8"), encoding="utf-8")
    time.sleep(0.2)
    backup.unlink()
    swap.unlink()


def test_editor_junk_files_cause_no_error(page: Page, server: DevServer, project: Path):
    open_live(page, server, f"/topics/{TOPIC}/")
    _junk_dance(project)
    new = quiet_period(server)
    assert not [line for line in new if line.startswith("✗")], server.log
    expect(page.locator("#briefgen-overlay")).to_have_count(0)
    expect(page.locator("h1")).to_have_text(TOPIC_TITLE)
    # The watcher is still alive: a real edit after the junk is picked up.
    with page.expect_event("load", timeout=RELOAD):
        replace_in(project / TOPIC_FILE, f"title: {TOPIC_TITLE}", "title: After the junk")
    expect(page.locator("h1")).to_have_text("After the junk")


def test_editor_junk_files_cause_no_rebuild(page: Page, server: DevServer, project: Path):
    """Regression: a file created or deleted in content/<folder>/ also gives a "modified" event for
    the folder itself, and the watcher once took that folder for a source: swap and backup files,
    ignored by name, still rebuilt the site and reloaded every open page."""
    open_live(page, server, f"/topics/{TOPIC}/")
    mark(page)
    _junk_dance(project)
    new = quiet_period(server)
    assert new == [], server.log
    assert still_marked(page), "junk files reloaded the page"


def test_new_article_appears_in_articles_index(page: Page, server: DevServer, project: Path):
    open_live(page, server, "/articles/")
    expect(page.locator(".article-list")).not_to_contain_text("A brand new article")
    articles = project / "content/articles"
    with page.expect_event("load", timeout=RELOAD):
        (articles / "brand-new.md").write_text(
            "---\ntitle: A brand new article\noutlet: New Wire\npublished: 2023-12-05\n---\n"
            "Officials said talks would resume.\n", encoding="utf-8")
        (articles / "brand-new.yaml").write_text(
            f"topics: [{TOPIC}]\nsummary: Talks will resume, officials say.\nactors: [russia]\n", encoding="utf-8")
    expect(page.locator(".article-list")).to_contain_text("A brand new article", timeout=RELOAD)
    response = page.goto(server.url("/articles/brand-new/"))
    assert response is not None and response.status == 200
    expect(page.locator("h1")).to_have_text("A brand new article")


def test_burst_of_saves_gives_few_rebuilds(page: Page, server: DevServer, project: Path):
    open_live(page, server, f"/topics/{TOPIC}/")
    sidecar = project / "content/articles/second-article.yaml"
    text = sidecar.read_text(encoding="utf-8")
    old = "summary: An official says North Korea shipped artillery shells to Russia by rail."
    before = len(server.builds())
    for n in range(10):  # an auto-saving editor, or a formatter on save: ~10 ms apart
        sidecar.write_text(text.replace(old, f"summary: Burst save number {n}."), encoding="utf-8")
        time.sleep(0.01)
    total = server.settle(quiet=1.5)
    new = server.builds()[before:]
    assert 1 <= len(new) <= 3, f"{len(new)} rebuilds for 10 rapid saves:\n{server.log}"
    assert total == before + len(new)
    assert all(line.startswith("✓") for line in new), server.log
    expect(page.locator(".article-item-summary").filter(has_text="Burst save number 9.")).to_have_count(1, timeout=RELOAD)
    expect(page.locator(".article-item-summary").filter(has_text=re.compile(r"Burst save number [0-8]\."))).to_have_count(0)
    assert b"Burst save number 9." in server.get(f"/topics/{TOPIC}/")[2]


# -- the reload handshake ---------------------------------------------------------------------------

def test_build_between_page_load_and_event_connection_is_not_lost(page: Page, server: DevServer, project: Path):
    """Regression: the reload script once took the epoch of the first event it received as its
    baseline, not the epoch of the build that produced the page; a build finishing between the HTML
    response and the event connection (a second save while the page reloads) was never shown."""
    topic = project / TOPIC_FILE
    done = {}

    def edit_before_connecting(route):
        # The page's HTML is loaded; a save and its build complete before the reload script runs.
        if not done:
            done["builds"] = len(server.builds())
            replace_in(topic, f"title: {TOPIC_TITLE}", "title: Saved during page load")
            server.wait_builds(done["builds"] + 1)
            done["ok"] = True
        route.continue_()

    page.route("**/__briefgen/reload.js", edit_before_connecting)
    response = page.goto(server.url(f"/topics/{TOPIC}/"))
    assert response is not None and response.status == 200
    assert done.get("ok")
    expect(page.locator("h1")).to_have_text("Saved during page load", timeout=RELOAD)


# -- more than a handful of open tabs -------------------------------------------------------------

def test_seven_open_tabs_all_load(context, server: DevServer):
    """Regression: each tab once held its own event stream, an HTTP/1.1 connection; Chromium allows
    six per host, so with six dev-server tabs open a seventh could not load anything."""
    pages = []
    try:
        for n in range(7):
            tab = context.new_page()
            pages.append(tab)
            response = tab.goto(server.url("/"), timeout=10_000)
            assert response is not None and response.status == 200, f"tab {n + 1}"
    finally:
        for tab in pages:
            tab.close()


# -- the overlay is text, never markup --------------------------------------------------------------

def test_overlay_shows_markup_in_messages_as_text(page: Page, server: DevServer, project: Path):
    open_live(page, server, f"/topics/{TOPIC}/")
    topic = project / TOPIC_FILE
    topic.write_text(topic.read_text(encoding="utf-8")
                     + "'<img id=\"injected\" src=\"/x\" onerror=\"window.__pwned = 1\">': 1\n", encoding="utf-8")
    overlay = page.locator("#briefgen-overlay")
    expect(overlay).to_contain_text(TOPIC_FILE, timeout=RELOAD)
    expect(overlay).to_contain_text("<img")
    assert page.locator("#injected").count() == 0
    assert page.evaluate("() => window.__pwned") is None


# -- a 404 page comes alive when its page is created ---------------------------------------------------

def test_missing_page_reloads_when_created(page: Page, server: DevServer, project: Path):
    open_live(page, server, "/articles/not-yet/", status=404)
    expect(page.locator("h1")).to_have_text("Page not found")
    articles = project / "content/articles"
    with page.expect_event("load", timeout=RELOAD):
        (articles / "not-yet.md").write_text("---\ntitle: Now it exists\npublished: 2023-12-06\n---\nText.\n",
                                             encoding="utf-8")
        (articles / "not-yet.yaml").write_text(f"topics: [{TOPIC}]\nsummary: It exists now.\n", encoding="utf-8")
    expect(page.locator("h1")).to_have_text("Now it exists", timeout=RELOAD)


# -- the server restarts under an open page ----------------------------------------------------------

def test_page_reloads_after_server_restart_with_edits(page: Page, project: Path):
    """Stop the server, edit, start it again on the same port: the open page must show the edit.

    Regression: epochs once counted builds from 0 in every server process, so the new server's
    first build had the same epoch as the page the old server built, and the page stayed stale.
    """
    first = DevServer(project)
    port = first.port
    try:
        open_live(page, first, f"/topics/{TOPIC}/")
        expect(page.locator("h1")).to_have_text(TOPIC_TITLE)
    finally:
        assert first.interrupt() in (0, 130), first.log
    replace_in(project / TOPIC_FILE, f"title: {TOPIC_TITLE}", "title: Edited while stopped")
    second = DevServer(project, port)
    try:
        assert second.port == port, second.log
        expect(page.locator("h1")).to_have_text("Edited while stopped", timeout=RELOAD)
    finally:
        second.stop()


def test_broken_first_build_shows_overlay_then_the_site(page: Page, project: Path):
    topic = project / TOPIC_FILE
    good = topic.read_text(encoding="utf-8")
    topic.write_text(good + "judgments: [unclosed\n", encoding="utf-8")
    srv = DevServer(project)
    try:
        open_live(page, srv, f"/topics/{TOPIC}/", status=503)
        expect(page.locator("#briefgen-overlay")).to_contain_text(TOPIC_FILE, timeout=RELOAD)
        with page.expect_event("load", timeout=RELOAD):
            topic.write_text(good, encoding="utf-8")
        expect(page.locator("h1")).to_have_text(TOPIC_TITLE, timeout=RELOAD)
        expect(page.locator("#briefgen-overlay")).to_have_count(0)
    finally:
        srv.stop()


# -- warnings: a small panel, not the overlay ---------------------------------------------------

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_warnings_show_in_a_collapsible_panel_that_passes_axe(page: Page, server: DevServer, project: Path, scheme):
    """A good build with warnings reloads the page and lists them in a closed <details> panel
    (errors keep the overlay); opened, it shows file, code and hint as text; axe finds nothing."""
    from axe_playwright_python.sync_playwright import Axe

    page.emulate_media(color_scheme=scheme)
    open_live(page, server, f"/topics/{TOPIC}/")
    expect(page.locator("#briefgen-warnings")).to_have_count(0)
    with page.expect_event("load", timeout=RELOAD):  # an article without annotations: warnings
        (project / "content/articles/no-sidecar.md").write_text(
            "---\ntitle: No <b>sidecar</b>\npublished: 2023-12-07\n---\nSome text.\n", encoding="utf-8")
    panel = page.locator("aside#briefgen-warnings[aria-label='Build warnings']")
    expect(panel).to_be_visible(timeout=RELOAD)
    expect(page.locator("#briefgen-overlay")).to_have_count(0)
    summary = panel.locator("summary")
    expect(summary).to_have_text(re.compile(r"^\d+ build warnings?$"))
    expect(panel.locator("ol")).not_to_be_visible()  # closed until asked
    summary.click()
    expect(panel.locator("li").first).to_contain_text("content/articles/no-sidecar.md")
    expect(panel.locator("li .hint").first).to_be_visible()
    assert panel.locator("b").count() == 0
    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    assert result.violations_count == 0, result.generate_report()
    # Open stays open across the next reload; fixing the warning removes the panel.
    page.wait_for_timeout(300)
    with page.expect_event("load", timeout=RELOAD):
        (project / "content/articles/no-sidecar.md").unlink()
    expect(page.locator("#briefgen-warnings")).to_have_count(0)
    page.wait_for_timeout(500)
    expect(page.locator("#briefgen-warnings")).to_have_count(0)
