"""Publishing, in a real headless Chromium (Debian's /usr/bin/chromium through pytest-playwright).

- The example briefing built without a base URL and opened from ``file://``: a reader follows
  links home -> topic -> actor -> article -> claim and every page has its stylesheet applied.
- The same briefing built with ``--base-url http://127.0.0.1:PORT/sub/path/`` and served by a
  small http.server whose root is two folders above the site, so the site lives under
  /sub/path/: the same walk (SRI-checked assets load), then the header's search box finds an actor.
- A project site as GitHub Pages serves one: ``briefgen deploy`` to a bare repository for
  http://127.0.0.1:PORT/repo/, the branch cloned under /repo/ of a server that answers every missing
  path there with /repo/404.html; pages, and the 404 page at any depth, have styles and working links.
- A generated corpus of 1,000 articles (benchmarks/corpus.py), built and served: one query loads
  only a small part of the Pagefind index, whose two shards the search page merges. The bytes are printed (``pytest -s`` shows them).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from playwright.sync_api import Page, expect

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support import REPO, cli_env, run_briefgen, search_results_loaded  # noqa: E402

from briefgen import search  # noqa: E402

pytestmark = pytest.mark.browser

TOPIC = "north-korea-satellite-programme"
ACTOR = "vladimir-putin"
ACTOR_QUERY = "Putin"
SUB_PATH = "/sub/path/"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
STATUSES = {"confirmed", "corroborated", "reported", "disputed", "refuted"}
INDEX_SHARE_LIMIT = 0.25
"""A query may load at most this share of the bytes of pagefind/."""


class _Handler(http.server.SimpleHTTPRequestHandler):
    """A static server that remembers every path it served (workers' requests included)."""

    served: list[str]

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass

    def send_head(self):
        self.served.append(urlsplit(self.path).path)
        return super().send_head()


@contextlib.contextmanager
def serving(root: Path):
    served: list[str] = []
    handler = type("Handler", (_Handler,), {"served": served})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", served
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def build(project: Path, out: Path, *args: str) -> Path:
    result = run_briefgen("build", project, "--no-cache", "-o", out, *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


@pytest.fixture(scope="module")
def file_site(tmp_path_factory) -> Path:
    return build(REPO, tmp_path_factory.mktemp("publish-file") / "site")


@pytest.fixture(scope="module")
def sub_path_site(tmp_path_factory):
    """(site URL, served paths): the example under /sub/path/ of a server rooted above it."""
    root = tmp_path_factory.mktemp("publish-http") / "root"
    root.mkdir()
    with serving(root) as (origin, served):
        base = origin + SUB_PATH
        build(REPO, root / SUB_PATH.strip("/"), "--base-url", base)
        yield base, served


@pytest.fixture
def problems(page: Page) -> list[str]:
    """Console errors (a failed SRI check or CSP violation among them), page errors, failed requests."""
    seen: list[str] = []
    page.on("console", lambda m: seen.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: seen.append(f"page error: {e}"))
    # ERR_ABORTED: a hover preview's fetch of the link target, cancelled by the navigation the click starts
    page.on("requestfailed", lambda r: seen.append(f"request failed: {r.url} {r.failure}")
            if "ERR_ABORTED" not in (r.failure or "") else None)
    page.on("response", lambda r: seen.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    return seen


def assert_styled(page: Page, where: str) -> None:
    """The theme's stylesheet applies: body font and margin, the header panel's background."""
    style = page.evaluate("""() => {
        const body = getComputedStyle(document.body), header = document.querySelector('.site-header');
        return {font: body.fontFamily, margin: body.margin,
                header: header ? getComputedStyle(header).backgroundColor : null,
                sheets: [...document.styleSheets].map(s => s.href || '')};
    }""")
    assert style["font"].startswith("system-ui"), f"{where}: body font is {style['font']!r} (stylesheet not applied)"
    assert style["margin"] == "0px", f"{where}: body margin {style['margin']}"
    assert style["header"] == "rgb(244, 246, 248)", f"{where}: header background {style['header']}"
    assert any(re.search(r"/static/style\.[0-9a-f]{8,}\.css$", s) for s in style["sheets"]), style["sheets"]


def follow(page: Page, pattern: str, where: str) -> str:
    """Click the first link in <main> whose href matches ``pattern``; return the href followed."""
    hrefs = page.eval_on_selector_all("main a[href]", "links => links.map(a => a.getAttribute('href'))")
    matching = [h for h in hrefs if re.search(pattern, h)]
    assert matching, f"{where}: no link matching {pattern!r} among {hrefs[:30]}"
    link = page.locator(f'main a[href="{matching[0]}"]').first
    link.scroll_into_view_if_needed()
    with page.expect_navigation(wait_until="load"):
        link.click()
    return matching[0]


def walk(page: Page, start: str, pretty: bool) -> list[str]:
    """home -> topic -> actor -> article -> claim, checking each page; returns the URLs visited."""
    end = "/" if pretty else "/index.html"
    page.goto(start, wait_until="load")
    assert_styled(page, "home")
    visited = [page.url]
    steps = [("topic", rf"topics/{TOPIC}{re.escape(end)}$", rf"/topics/{TOPIC}{re.escape(end)}$"),
             ("actor", rf"actors/{ACTOR}{re.escape(end)}$", rf"/actors/{ACTOR}{re.escape(end)}$"),
             ("article", rf"articles/[a-z0-9-]+{re.escape(end)}$", rf"/articles/[a-z0-9-]+{re.escape(end)}$"),
             ("claim", rf"claims/[a-z0-9-]+{re.escape(end)}$", rf"/claims/[a-z0-9-]+{re.escape(end)}$")]
    for kind, link, url in steps:
        follow(page, link, f"{kind} link on {page.url}")
        assert re.search(url, page.url), f"{kind}: landed on {page.url}"
        assert page.locator("main h1").count() == 1, f"{kind}: {page.url} has no heading"
        assert page.evaluate("document.body.className") == f"kind-{kind}", page.url
        assert_styled(page, page.url)
        visited.append(page.url)
    return visited


def test_site_from_file_url_follows_links_with_styles(page: Page, file_site: Path, problems):
    visited = walk(page, (file_site / "index.html").as_uri(), pretty=False)
    assert all(u.startswith("file://") for u in visited), visited
    assert not problems, "\n".join(problems)


def test_search_from_file_url_explains_it_needs_a_server(page: Page, file_site: Path):
    page.goto((file_site / "index.html").as_uri(), wait_until="load")
    page.fill("input#site-search-q", ACTOR_QUERY)
    with page.expect_navigation(wait_until="load"):
        page.press("input#site-search-q", "Enter")
    assert urlsplit(page.url).path.endswith("/search/index.html"), page.url
    note = page.locator(".search-offline")
    expect(note).to_be_visible()
    expect(note).to_contain_text("python3 -m http.server")  # says how to view the site with search
    expect(note.locator('a[href="http://localhost:8000/search/"]')).to_be_visible()
    assert_styled(page, page.url)


def test_site_under_a_sub_path_follows_links_with_styles(page: Page, sub_path_site, problems):
    base, served = sub_path_site
    served.clear()
    visited = walk(page, base, pretty=True)
    assert all(u.startswith(base) for u in visited), visited
    assert not problems, "\n".join(problems)
    outside = sorted({p for p in served if not p.startswith(SUB_PATH)})
    assert not outside, f"requests outside the site's sub-path: {outside}"
    integrity = page.eval_on_selector_all("link[rel=stylesheet][href*='/static/'], script[src*='/static/']",
                                          "els => els.map(e => e.integrity)")
    assert integrity and all(i.startswith("sha384-") for i in integrity), "SRI attributes were in force"


def test_header_search_finds_an_actor(page: Page, sub_path_site, problems):
    base, served = sub_path_site
    page.goto(f"{base}topics/{TOPIC}/", wait_until="load")
    page.fill("input#site-search-q", ACTOR_QUERY)
    with page.expect_navigation(wait_until="load"):
        page.press("input#site-search-q", "Enter")
    assert page.url.startswith(f"{base}search/") and f"q={ACTOR_QUERY}" in page.url, page.url
    results = page.locator(".pagefind-ui__result-link")
    search_results_loaded(page)
    found = [(link.inner_text(), link.get_attribute("href")) for link in results.all()]
    assert any(ACTOR_QUERY in text for text, _ in found), found
    assert any(href.startswith(f"{SUB_PATH}actors/{ACTOR}/") for _, href in found), found
    # The index offers the four filters (read through Pagefind's own API: the UI's panel shows
    # either all of them or those of the current results, whichever it loaded first); the panel
    # shows some of them and nothing else.
    wanted = {"Topic", "Actor", "Kind", "Status"}
    offered = page.evaluate("async (bundle) => Object.keys(await (await import(bundle)).filters())",
                            f"{base}pagefind/pagefind.js")
    assert {name.lower() for name in wanted} <= set(offered), offered  # the UI capitalizes them
    expect(page.locator(".pagefind-ui__filter-name").first).to_be_visible(timeout=30_000)
    filters = {f.strip() for f in page.locator(".pagefind-ui__filter-name").all_inner_texts()}
    assert filters and filters <= wanted, filters
    actor = page.locator(f'.pagefind-ui__result-link[href^="{SUB_PATH}actors/{ACTOR}/"]').first
    with page.expect_navigation(wait_until="load"):
        actor.click()
    assert page.url.startswith(f"{base}actors/{ACTOR}/"), page.url
    assert_styled(page, page.url)
    assert not problems, "\n".join(problems)


THEME = {"light": {"bg": "rgb(255, 255, 255)", "fg": "rgb(27, 31, 36)", "line": "rgb(215, 220, 225)",
                   "accent": "rgb(11, 92, 173)"},
         "dark": {"bg": "rgb(18, 20, 23)", "fg": "rgb(230, 233, 236)", "line": "rgb(52, 58, 64)",
                  "accent": "rgb(127, 181, 255)"}}
"""The theme's --bg, --fg, --line and --accent (templates/static/style.css), as computed colours."""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_search_looks_like_the_site_and_labels_each_result(page: Page, sub_path_site, problems, scheme):
    """The search UI takes the theme's font and colours (in dark mode too), a light frame, and
    each result is labelled with its kind, a claim's also with its status; axe finds nothing."""
    from axe_playwright_python.sync_playwright import Axe

    base, _ = sub_path_site
    page.emulate_media(color_scheme=scheme)
    page.goto(f"{base}search/?q={ACTOR_QUERY}", wait_until="load")
    search_results_loaded(page)
    look = page.evaluate("""() => {
        const css = (sel, prop) => getComputedStyle(document.querySelector(sel))[prop];
        return {body: css('body', 'fontFamily'), ui: css('.pagefind-ui', 'fontFamily'),
                input: css('.pagefind-ui__search-input', 'fontFamily'),
                inputBg: css('.pagefind-ui__search-input', 'backgroundColor'),
                inputFg: css('.pagefind-ui__search-input', 'color'),
                inputBorder: css('.pagefind-ui__search-input', 'borderTopColor'),
                inputBorderWidth: css('.pagefind-ui__search-input', 'borderTopWidth'),
                panelBorder: css('.pagefind-ui__filter-panel', 'borderTopWidth'),
                excerpt: css('.pagefind-ui__result-excerpt', 'color'),
                link: css('.pagefind-ui__result-link', 'color'),
                clearPadding: css('.pagefind-ui__search-clear', 'paddingLeft')};
    }""")
    colours = THEME[scheme]
    assert look["ui"] == look["body"] and look["input"] == look["body"], look
    assert (look["inputBg"], look["inputFg"], look["inputBorder"]) == (colours["bg"], colours["fg"], colours["line"]), look
    assert look["inputBorderWidth"] == "1px" and look["panelBorder"] == "0px", look
    assert look["excerpt"] == colours["fg"] and look["link"] == colours["accent"], look
    assert float(look["clearPadding"].removesuffix("px")) >= 12, look
    results = page.locator(".pagefind-ui__results > .pagefind-ui__result")
    labels = [r.locator(".pagefind-ui__result-tag").all_inner_texts() for r in results.all()]
    assert labels and all(any(t.startswith("Kind: ") for t in tags) for tags in labels), labels
    kinds = {t for tags in labels for t in tags if t.startswith("Kind: ")}
    assert {"Kind: Actor", "Kind: Claim"} <= kinds, kinds
    claim = next(tags for tags in labels if "Kind: Claim" in tags)
    status = [t for t in claim if t.lower().startswith("status: ")]
    assert len(status) == 1 and status[0].split(": ")[1].lower() in STATUSES, claim
    assert all(not any(t.lower().startswith("status") for t in tags) for tags in labels if "Kind: Claim" not in tags)
    tag = page.locator(".pagefind-ui__result-tag.status").first
    assert tag.evaluate("t => getComputedStyle(t).color") != colours["fg"], "a status tag takes its status colour"
    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    assert result.violations_count == 0, result.generate_report()
    assert not problems, "\n".join(problems)


# --- a project site, deployed, at /repo/ -----------------------------------------------------------

class _PagesHandler(_Handler):
    """GitHub Pages' habit: a missing path under a site answers 404 with that site's 404.html."""

    site = "/repo/"

    def send_error(self, code, message=None, explain=None):
        path = urlsplit(self.path).path
        page = Path(self.directory) / self.site.strip("/") / "404.html"
        if code != 404 or not path.startswith(self.site) or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@pytest.fixture(scope="module")
def project_site(tmp_path_factory):
    """(site URL): the example briefing deployed with `briefgen deploy` to a bare repository, its
    gh-pages branch cloned where a Pages-like server serves /repo/."""
    base = tmp_path_factory.mktemp("pages")
    root, bare, home = base / "root", base / "remote.git", base / "home"
    root.mkdir()
    home.mkdir()
    env = {**cli_env(), "HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
           "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "T",
           "GIT_COMMITTER_EMAIL": "t@example.org"}
    (home / ".gitconfig").write_text("", encoding="utf-8")
    project = base / "project"
    shutil.copytree(REPO / "content", project / "content")
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], env=env, check=True)
    served: list[str] = []
    handler = type("Handler", (_PagesHandler,), {"served": served})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/repo/"
        run = subprocess.run([sys.executable, "-m", "briefgen", "deploy", str(project), "--remote", str(bare),
                              "--base-url", url], env=env, capture_output=True, text=True, timeout=300, cwd=REPO)
        assert run.returncode == 0, run.stdout + run.stderr
        subprocess.run(["git", "clone", "-q", "--branch", "gh-pages", str(bare), str(root / "repo")], env=env, check=True)
        yield url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_a_deployed_project_site_works_at_its_sub_path_with_its_404_page(page: Page, project_site, problems):
    from axe_playwright_python.sync_playwright import Axe

    visited = walk(page, project_site, pretty=True)
    assert all(u.startswith(project_site) for u in visited), visited
    assert not problems, "\n".join(problems)
    for missing in ("nothing-here", "anything/deep/", "topics/gone/deeper/still/"):
        response = page.goto(project_site + missing, wait_until="load")
        assert response is not None and response.status == 404, missing
        expect(page.locator("main h1")).to_have_text("Page not found")
        assert_styled(page, f"404 at {missing}")
        result = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
        assert result.violations_count == 0, result.generate_report()
    with page.expect_navigation(wait_until="load"):
        page.locator("main a", has_text="topics").click()
    assert page.url == project_site + "topics/", page.url
    assert page.locator("main h1").count() == 1
    problems[:] = [p for p in problems if "404" not in p]  # the missing pages themselves


ENTITY_RESULT = re.compile(rf"^{re.escape(SUB_PATH)}(articles|claims|actors|topics)/[^/]+/$")


def test_search_finds_entities_not_lists(page: Page, sub_path_site, problems):
    """Pagefind's own JavaScript API over the real index: a query that the home page, the topic and
    article indexes and every paginated list also show finds articles, claims, actors and topics,
    each labelled with its kind (claims with their status), and never a list or an index."""
    base, _ = sub_path_site
    page.goto(f"{base}search/", wait_until="load")
    found = page.evaluate("""async (bundle) => {
        const pagefind = await import(bundle);
        const search = await pagefind.search("North Korea");
        return Promise.all(search.results.map(async r => { const d = await r.data(); return [d.url, d.meta]; }));
    }""", f"{base}pagefind/pagefind.js")
    assert found, "no results"
    urls = [url for url, _ in found]
    assert all(ENTITY_RESULT.match(url) for url in urls), [u for u in urls if not ENTITY_RESULT.match(u)]
    kinds = {meta["kind"] for _, meta in found}
    assert kinds == {"Article", "Claim", "Actor", "Topic briefing"}, kinds
    assert all(("status" in meta) == (meta["kind"] == "Claim") for _, meta in found), found
    assert f"{SUB_PATH}actors/north-korea/" in urls and f"{SUB_PATH}topics/{TOPIC}/" in urls, urls
    assert not problems, "\n".join(problems)


# --- a query loads only a small part of a large index ---------------------------------------------

@pytest.fixture(scope="module")
def corpus_site(tmp_path_factory):
    """benchmarks/corpus.py -n 1000 (about 2,900 search records: two shards), built without a base URL (as unzipped and served by
    `python -m http.server -d site`). Built in /dev/shm when there is one: this disk is slow."""
    source = tmp_path_factory.mktemp("corpus")
    run = subprocess.run([sys.executable, str(REPO / "benchmarks" / "corpus.py"), "-n", "1000", "--formats", "briefgen",
                          "--out", str(source)], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    probe = json.loads((source / "probe.json").read_text(encoding="utf-8"))
    shm = Path("/dev/shm")
    out_root = Path(tempfile.mkdtemp(prefix="briefgen-corpus-", dir=shm if shm.is_dir() else None))
    try:
        site = build(source / "briefgen", out_root / "site")
        name = next(line.split(":", 1)[1].strip() for line in
                    (source / "briefgen" / "content" / "actors" / f"{probe['actor']}.yaml").read_text().splitlines()
                    if line.startswith("name:"))
        yield site, name
    finally:
        shutil.rmtree(out_root, ignore_errors=True)


def shard_entry_files(site: Path) -> list[str]:
    return sorted(str(p.relative_to(site)) for p in (site / "pagefind").rglob("pagefind-entry.json"))


def test_a_query_loads_a_small_part_of_the_index(page: Page, corpus_site, problems):
    """The site built without a base URL and served from the folder above it (as an unzipped site
    is, under any sub-path: /site/): the search page merges the index's shards, every result links
    into the site (a merged shard's too), and the query loads a small part of the index."""
    site, actor_name = corpus_site
    pagefind = site / "pagefind"
    total = sum(p.stat().st_size for p in pagefind.rglob("*") if p.is_file())
    pages = sum(1 for _ in site.rglob("index.html"))
    under = f"/{site.name}/"
    with serving(site.parent) as (origin, served):
        page.goto(f"{origin}{under}articles/", wait_until="load")
        seen: list[str] = []
        page.context.on("response", lambda r: seen.append(urlsplit(r.url).path) if "/pagefind/" in r.url else None)
        served.clear()
        page.fill("input#site-search-q", actor_name)
        with page.expect_navigation(wait_until="load"):
            page.press("input#site-search-q", "Enter")
        search_results_loaded(page)
        page.wait_for_load_state("networkidle")
        results = page.locator(".pagefind-ui__result-link").all_inner_texts()
        hrefs = page.eval_on_selector_all(".pagefind-ui__result-link", "links => links.map(a => a.href)")
        requested = sorted({p.removeprefix(under[:-1]) for p in served if p.startswith(f"{under}pagefind/")})
    assert any(actor_name in r for r in results), results[:10]
    assert {p.removeprefix(under[:-1]) for p in seen} <= set(requested) and seen, (seen, requested)
    outside = [h for h in hrefs if not h.startswith(f"{origin}{under}")]
    assert not outside, f"results link outside the site: {outside}"
    links = [urlsplit(h).path.removeprefix(under[:-1]) for h in hrefs]
    assert all((site / link.lstrip("/") / "index.html").is_file() for link in links), links
    # The index comes in shards (briefgen/search.py), merged in the browser: results come from
    # the merged shards too, whose data the query loaded.
    indexed = sum(json.loads((site / f).read_text())["languages"]["en"]["page_count"] for f in shard_entry_files(site))
    count = search.shard_count(indexed)
    assert count > 1 and len(shard_entry_files(site)) == count, count
    assert {search.shard_of(link, count) for link in links} - {0}, links
    assert any(p.startswith("/pagefind/shard-") for p in requested), requested

    def size(path: str) -> int:
        return (site / unquote(path).lstrip("/")).stat().st_size

    loaded = sum(size(p) for p in requested)
    by_kind: dict[str, list[int]] = {}
    for p in requested:
        kind = p.split("/")[2] if p.count("/") > 2 else p.rsplit(".", 1)[-1]
        by_kind.setdefault(kind, [0, 0])
        by_kind[kind][0] += 1
        by_kind[kind][1] += size(p)
    share = loaded / total
    print(f"\ncorpus: {pages} pages; pagefind/ {total:,} bytes in {sum(1 for p in pagefind.rglob('*') if p.is_file())} files;"
          f" query {actor_name!r} loaded {loaded:,} bytes in {len(requested)} files ({share:.1%}):"
          + "".join(f"\n  {k}: {n} files, {b:,} bytes" for k, (n, b) in sorted(by_kind.items())))
    assert share < INDEX_SHARE_LIMIT, f"a query loaded {share:.1%} of the index ({loaded:,} of {total:,} bytes)"
    assert not problems, "\n".join(problems)
