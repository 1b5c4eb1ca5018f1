"""The injection fixture in headless Chromium: no payload runs, and the site satisfies its own CSP.

tests/hostile/injection/ is built (see tests/test_injection.py for what it holds and what the HTML
parser checks), served over http by a small http.server thread on 127.0.0.1, and every page is
opened with a listener on dialogs (every payload calls alert()) and on CSP violations (a
``securitypolicyviolation`` listener installed before any page script, plus console errors).
On each page the reader's interactions run too: hovering cross-references fetches other pages for
previews, following a quote link flashes the passage, and the search page searches for the
payloads themselves (Pagefind renders excerpts of the indexed text, and a filter panel).

With ``allow_html: true`` the raw ``<script>`` of a Markdown body is published (documented), and the
Content-Security-Policy is what still stops it: no dialog opens, and the only violations reported are
those inline payloads, never one of the site's own files.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import sys
import threading
from pathlib import Path

import pytest
from playwright.sync_api import Page

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support import search_results_loaded  # noqa: E402
from test_injection import build_injection  # noqa: E402

pytestmark = pytest.mark.browser

WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push({directive: e.effectiveDirective || e.violatedDirective, blocked: e.blockedURI,
                     source: e.sourceFile, line: e.lineNumber, sample: e.sample});
});
"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


@contextlib.contextmanager
def serving(folder: Path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture(scope="module")
def plain_site(tmp_path_factory) -> Path:
    return build_injection(tmp_path_factory.mktemp("inj-browser")).root


@pytest.fixture(scope="module")
def html_site(tmp_path_factory) -> Path:
    return build_injection(tmp_path_factory.mktemp("inj-browser-html"), allow_html=True).root


class Watcher:
    """Dialogs, CSP violations and console errors of one page, across navigations."""

    def __init__(self, page: Page):
        self.page = page
        self.dialogs: list[str] = []
        self.console: list[str] = []
        self.violations: list[dict] = []
        self.previews = 0
        page.add_init_script(WATCH)
        page.on("dialog", self._dialog)
        page.on("console", lambda m: self.console.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: self.console.append(f"uncaught: {exc}"))

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message} on {self.page.url}")
        dialog.dismiss()

    def collect(self, where: str) -> None:
        for v in self.page.evaluate("window.__csp || []"):
            self.violations.append({**v, "page": where})


def _pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


INTERACT = ("articles/evil-article/index.html", "topics/evil-topic/index.html", "claims/evil-claim/index.html")
"""Pages where the reader's interactions run too (each preview costs half a second)."""


def _visit(page: Page, watcher: Watcher, url: str, where: str) -> None:
    page.goto(url, wait_until="load")
    if where in INTERACT:
        # Hover cross-references: the preview fetches the target page and shows its title and summary.
        for link in page.locator("main a[data-preview]").all()[:3]:
            with contextlib.suppress(Exception):
                link.hover(timeout=1000)
                page.wait_for_selector("#briefgen-preview:not([hidden])", timeout=1500)
                watcher.previews += 1
                page.mouse.move(0, 0)
        # Follow a link to a quoted passage, which the page script flashes.
        quote = page.locator("a.to-quote").first
        if quote.count():
            quote.click()
    page.wait_for_timeout(50)
    watcher.collect(where)


def test_no_payload_runs_and_the_site_satisfies_its_own_csp(page: Page, plain_site: Path):
    watcher = Watcher(page)
    with serving(plain_site) as base:
        pages = [rel for rel in _pages(plain_site) if not rel.startswith("search/")]
        assert len(pages) >= 15
        for rel in pages:
            _visit(page, watcher, base + rel.removesuffix("index.html"), rel)
    assert watcher.previews >= 3, "no cross-reference preview opened: the previews were not exercised"
    assert not watcher.dialogs, f"a payload ran: {watcher.dialogs}"
    assert not watcher.violations, "the site breaks its own Content-Security-Policy:\n" + "\n".join(
        map(str, watcher.violations[:20]))
    csp_console = [m for m in watcher.console if "Content Security Policy" in m or "Content-Security-Policy" in m]
    assert not csp_console, "\n".join(csp_console[:20])


LIVE_MARKUP = """(selector) => document.querySelectorAll(
    [' script', ' [onerror]', ' [onload]', ' [onmouseover]', ' iframe', ' a[href^="javascript:" i]']
    .map(s => selector + s).join(',')).length"""


def _search(page: Page, watcher: Watcher, base: str, query: str) -> None:
    page.goto(base + "search/?q=" + query, wait_until="load")
    search_results_loaded(page)
    watcher.collect(f"search/?q={query}")


def test_search_runs_no_payload_and_shows_results_as_text(page: Page, plain_site: Path):
    """Pagefind renders excerpts of the indexed text: they must be text, and nothing may run."""
    assert (plain_site / "search/index.html").is_file(), "the fixture builds with search on"
    watcher = Watcher(page)
    with serving(plain_site) as base:
        for query in ("xss", "alert script", "onerror"):
            _search(page, watcher, base, query)
            assert page.evaluate(LIVE_MARKUP, ".pagefind-ui__results") == 0, f"results for {query!r} hold live markup"
        titles = page.locator(".pagefind-ui__result-title").all_inner_texts()
        assert any("<script>alert('xss-" in t for t in titles), titles[:3]
    assert not watcher.dialogs, f"a payload ran on the search page: {watcher.dialogs}"


def test_search_filters_show_names_as_text(page: Page, plain_site: Path):
    watcher = Watcher(page)
    with serving(plain_site) as base:
        _search(page, watcher, base, "xss")
        live = page.evaluate(LIVE_MARKUP, "#search")
    assert live == 0, f"{live} live elements from payloads in the search page"
    assert not watcher.violations, "\n".join(map(str, watcher.violations[:5]))


def test_raw_html_is_published_but_the_csp_still_stops_it(page: Page, html_site: Path):
    watcher = Watcher(page)
    with serving(html_site) as base:
        for rel in ("articles/evil-article/index.html", "articles/untitled/index.html", "topics/evil-topic/index.html"):
            _visit(page, watcher, base + rel.removesuffix("index.html"), rel)
            # the raw payloads are in the DOM (allow_html publishes them) ...
            assert page.locator("section.article-text script, section.overview script").count() > 0, rel
        page.goto(base + "articles/evil-article/", wait_until="load")
        with contextlib.suppress(Exception):  # a javascript: link: clicking it must not run either
            page.get_by_text("a raw link").click(timeout=2000)
        page.wait_for_timeout(300)
        watcher.collect("articles/evil-article/ (after clicking a javascript: link)")
    # ... and none of them runs
    assert not watcher.dialogs, f"a payload ran: {watcher.dialogs}"
    # the only violations are the inline payloads, never a file of the site
    own = [v for v in watcher.violations if v["blocked"] not in ("inline", "eval", "") and not
           str(v["blocked"]).startswith(("javascript", "data:"))]
    assert watcher.violations, "the CSP reported nothing: was the raw HTML really published?"
    assert not own, "the site's own files break its CSP:\n" + "\n".join(map(str, own))
