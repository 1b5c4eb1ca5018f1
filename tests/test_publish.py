"""Publishing (issue 5): a site that works anywhere, carries what static hosts expect, and is the
same bytes on every build.

Every test builds with ``python -m briefgen build --no-cache`` in a subprocess, as a user does, and
reads what was written with independent parsers (``html.parser``, ``xml.etree``, ``json``): this
module never asks briefgen's own link checker whether briefgen's links are right.

Inputs: ``tests/fixtures/valid/basic`` and the repository's own example briefing (``content/``),
each built without a base URL (relative links, works from ``file://``) and with
``--base-url https://example.org/sub/path/`` (path-absolute links under /sub/path/).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import posixpath
import re
import shutil
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from support import FIXTURES, REPO, read_tree, run_briefgen

pytestmark = pytest.mark.slow  # measured: see the slow marker in pyproject.toml

BASIC = FIXTURES / "valid" / "basic"
BASE_URL = "https://example.org/sub/path/"
BASE_PATH = "/sub/path/"
LATER_EPOCH = "1893456000"  # 2030-01-01: a build day far after every content date
FIXED_DAY = "2024-01-01"    # support.FIXED_EPOCH as a date: the 'today' of every build here
PAGEFIND = ("pagefind/",)
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
HASHED_ASSET = re.compile(r"^static/(?P<stem>[^/]+)\.(?P<hash>[0-9a-f]{8,})\.(?P<ext>css|js)$")


def clean_copy(source: Path, target: Path) -> Path:
    """A project copy without a build cache or an old site: what a fresh checkout has."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".briefgen-cache", "site"))
    return target


def build(project: Path, out: Path, *args: str, epoch: str | None = "default", cache: bool = False) -> Path:
    extra = () if cache else ("--no-cache",)
    kwargs = {} if epoch == "default" else {"epoch": epoch}
    result = run_briefgen("build", project, "--strict", *extra, "-o", out, *args, **kwargs)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


# --- the builds every test reads ----------------------------------------------------------------

@dataclass
class Site:
    name: str
    root: Path
    base_url: str | None
    files: dict[str, bytes] = field(default_factory=dict)

    @property
    def html(self) -> dict[str, bytes]:
        return {rel: data for rel, data in self.files.items() if rel.endswith(".html") and not rel.startswith(PAGEFIND)}

    def json(self) -> dict:
        return json.loads(self.files["briefing.json"])


@pytest.fixture(scope="module")
def example_project(tmp_path_factory) -> Path:
    """The example briefing as it is in the repository (its content/, no config file)."""
    target = tmp_path_factory.mktemp("example") / "project"
    target.mkdir()
    shutil.copytree(REPO / "content", target / "content")
    if (REPO / "briefgen.yaml").is_file():
        shutil.copy2(REPO / "briefgen.yaml", target / "briefgen.yaml")
    return target


@pytest.fixture(scope="module")
def sites(tmp_path_factory, example_project) -> dict[str, Site]:
    made = {}
    for name, project in (("basic", BASIC), ("example", example_project)):
        for base in (None, BASE_URL):
            key = f"{name}-{'abs' if base else 'rel'}"
            out = tmp_path_factory.mktemp(key) / "site"
            build(project, out, *(("--base-url", base) if base else ()))
            made[key] = Site(key, out, base, read_tree(out))
    return made


SITE_KEYS = ["basic-rel", "basic-abs", "example-rel", "example-abs"]
ABS_KEYS = ["basic-abs", "example-abs"]


@pytest.fixture(params=SITE_KEYS)
def site(request, sites) -> Site:
    return sites[request.param]


@pytest.fixture(params=ABS_KEYS)
def abs_site(request, sites) -> Site:
    return sites[request.param]


# --- an independent HTML link scanner ---------------------------------------------------------

URL_ATTRS = {
    "a": ("href",), "area": ("href",), "link": ("href",), "form": ("action",),
    "script": ("src",), "img": ("src", "srcset"), "source": ("src", "srcset"), "iframe": ("src",),
    "audio": ("src",), "video": ("src", "poster"), "track": ("src",), "embed": ("src",), "object": ("data",),
}


@dataclass
class Ref:
    tag: str
    attr: str
    value: str
    line: int
    attrs: dict


class Scan(HTMLParser):
    """Every id (and <a name>) and every URL-valued attribute of a page, with its line."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.refs: list[Ref] = []
        self.meta: dict[str, str] = {}
        self.jsonld: list[str] = []
        self._in_jsonld = False

    def handle_starttag(self, tag, attrs):
        values = {k: (v if v is not None else "") for k, v in attrs}
        if "id" in values:
            self.ids.append(values["id"])
        if tag == "a" and values.get("name"):
            self.ids.append(values["name"])
        for attr in URL_ATTRS.get(tag, ()):
            if attr in values:
                if attr == "srcset":
                    for candidate in values[attr].split(","):
                        if candidate.strip():
                            self.refs.append(Ref(tag, attr, candidate.split()[0], self.getpos()[0], values))
                else:
                    self.refs.append(Ref(tag, attr, values[attr], self.getpos()[0], values))
        if "data-bundle" in values:
            self.refs.append(Ref(tag, "data-bundle", values["data-bundle"], self.getpos()[0], values))
        if tag == "meta" and values.get("property", "").startswith("og:"):
            self.meta[values["property"]] = values.get("content", "")
        self._in_jsonld = tag == "script" and values.get("type") == "application/ld+json"
        if self._in_jsonld:
            self.jsonld.append("")

    def handle_data(self, data):
        if self._in_jsonld:
            self.jsonld[-1] += data

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_jsonld = False


def scan(data: bytes) -> Scan:
    parser = Scan()
    parser.feed(data.decode("utf-8"))
    parser.close()
    return parser


def is_external(value: str) -> bool:
    parts = urlsplit(value)
    return bool(parts.scheme or parts.netloc)


def page_path(rel: str) -> str:
    """The site path a built HTML file serves: topics/x/index.html -> /topics/x/."""
    return "/" + rel.removesuffix("index.html")


class LinkProblems:
    """Resolves a page's internal links to built files and anchors; collects what is wrong."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.scans = {rel: scan(data) for rel, data in site.html.items()}
        self.problems: list[str] = []
        self.checked_links = 0
        self.checked_anchors = 0

    def ids(self, rel: str) -> set[str]:
        return set(self.scans[rel].ids) if rel in self.scans else set()

    def target(self, rel: str, value: str, where: str) -> tuple[str | None, str]:
        """(file it reaches, fragment), or (None, '') after recording why it cannot be followed."""
        parts = urlsplit(value)
        path, fragment = unquote(parts.path), unquote(parts.fragment)
        base = self.site.base_url
        if not path:
            if parts.query:
                self.problems.append(f"{where}: query-only link {value!r}")
                return None, ""
            return rel, fragment
        if base:
            if not path.startswith(BASE_PATH):
                self.problems.append(f"{where}: {value!r} is not a path-absolute link under {BASE_PATH}")
                return None, ""
            target = path[len(BASE_PATH):]
        elif rel == "404.html":
            if not path.startswith("/") or path.startswith("//"):
                self.problems.append(f"{where}: the 404 page must link root-relative, not {value!r}")
                return None, ""
            target = path[1:]
        else:
            if path.startswith("/"):
                self.problems.append(f"{where}: {value!r} is not relative (the site must work from file://)")
                return None, ""
            if path.endswith("/") or posixpath.basename(path) in ("", ".", ".."):
                self.problems.append(f"{where}: {value!r} names a folder; from file:// it must name index.html")
                return None, ""
            target = posixpath.normpath(posixpath.join(posixpath.dirname(rel), path))
            if target == ".." or target.startswith("../"):
                self.problems.append(f"{where}: {value!r} leaves the site")
                return None, ""
        if target == "" or target.endswith("/"):
            target += "index.html"
        if target not in self.site.files:
            hint = " (a folder: link to it with a trailing '/')" if target + "/index.html" in self.site.files else ""
            self.problems.append(f"{where}: {value!r} leads to no built file {target!r}{hint}")
            return None, ""
        return target, fragment

    def check(self, rel: str, ref: Ref) -> None:
        where = f"{rel}:{ref.line} <{ref.tag} {ref.attr}>"
        self.checked_links += 1
        target, fragment = self.target(rel, ref.value, where)
        if target is None:
            return
        if fragment:
            self.checked_anchors += 1
            if target.endswith(".html") and fragment not in self.ids(target):
                self.problems.append(f"{where}: {ref.value!r}: {target} has no id {fragment!r}")
        elif ref.value.endswith("#"):
            self.problems.append(f"{where}: empty fragment {ref.value!r}")

    def run(self) -> LinkProblems:
        for rel, page in sorted(self.scans.items()):
            for ref in page.refs:
                if ref.value.startswith(("data:", "mailto:", "tel:", "javascript:")):
                    if ref.value.startswith("javascript:"):
                        self.problems.append(f"{rel}:{ref.line}: javascript: URL")
                    continue
                if is_external(ref.value):
                    if self.site.base_url and ref.value.startswith(self.site.base_url):
                        self.check(rel, Ref(ref.tag, ref.attr, ref.value[len(self.site.base_url) - len(BASE_PATH):],
                                            ref.line, ref.attrs))
                    continue
                self.check(rel, ref)
            dupes = sorted({i for i in page.ids if page.ids.count(i) > 1})
            if dupes:
                self.problems.append(f"{rel}: duplicate ids {dupes}")
        return self


# --- 1. links ----------------------------------------------------------------------------------

def test_every_internal_link_and_anchor_resolves(site):
    """Every a/link/script/img/form URL (and the search page's bundle) of every page reaches a built
    file, and every #fragment an id on it; link style follows the base URL."""
    check = LinkProblems(site).run()
    assert not check.problems, f"{site.name}: {len(check.problems)} broken links:\n" + "\n".join(check.problems[:40])
    assert check.checked_links > 20 * len(check.scans) // 2, "suspiciously few links: the scanner saw nothing"
    assert check.checked_anchors >= 5, "no #fragment links were checked"
    print(f"{site.name}: {len(check.scans)} pages, {check.checked_links} links, {check.checked_anchors} anchors resolved")


def test_every_page_of_the_site_is_reached_from_the_home_page(site):
    """Nothing is orphaned: following internal links from index.html reaches every built page."""
    check = LinkProblems(site)
    seen, todo = {"index.html"}, ["index.html"]
    while todo:
        rel = todo.pop()
        for ref in check.scans[rel].refs:
            if ref.tag not in ("a", "form") or is_external(ref.value) or ref.value.startswith(("data:", "mailto:")):
                continue
            target, _ = check.target(rel, ref.value, rel)
            if target and target in check.scans and target not in seen:
                seen.add(target)
                todo.append(target)
    orphans = sorted(set(check.scans) - seen - {"404.html"})
    assert not orphans, f"{site.name}: pages no link leads to: {orphans}"


def test_relative_links_without_a_base_url_name_a_file(sites):
    """Without a base URL every page links relative and every link names a file, never a folder
    (from file:// a folder link opens a directory listing): the scanner above enforces it; this
    test shows it looked at real relative links of every depth."""
    for key in ("basic-rel", "example-rel"):
        check = LinkProblems(sites[key])
        hrefs = [r.value for rel, s in check.scans.items() if rel != "404.html" for r in s.refs if r.tag == "a"]
        assert any(h.startswith("../../") and h.endswith("/index.html") for h in hrefs), key
        assert any(h == "index.html" or h.endswith("/index.html") for h in hrefs), key
        assert not [h for h in hrefs if h.startswith("/") and not h.startswith("//")], key


def test_404_page_links_root_relative_and_is_styled(site):
    """The 404 page is served at any depth: its links start at the site root. It carries the theme."""
    page = scan(site.files["404.html"])
    internal = [r.value for r in page.refs if not is_external(r.value) and not r.value.startswith(("data:", "#"))]
    assert internal
    root = BASE_PATH if site.base_url else "/"
    assert all(v.startswith(root) and not v.startswith("//") for v in internal), internal
    stylesheets = [r.value for r in page.refs if r.tag == "link" and r.attrs.get("rel") == "stylesheet"]
    assert any(HASHED_ASSET.match(v[len(root):]) for v in stylesheets), stylesheets


def test_asset_names_carry_a_content_hash(site):
    """CSS and JS under static/ are named stem.<hex hash>.ext; pages reference only those names."""
    assets = [rel for rel in site.files if rel.startswith("static/")]
    assert {HASHED_ASSET.match(a).group("ext") for a in assets if HASHED_ASSET.match(a)} == {"css", "js"}, assets
    unhashed = [a for a in assets if a.endswith((".css", ".js")) and not HASHED_ASSET.match(a)]
    assert not unhashed, f"asset names without a content hash: {unhashed}"
    stems = [HASHED_ASSET.match(a).group("stem") for a in assets if HASHED_ASSET.match(a)]
    assert len(stems) == len(set(stems)), f"two versions of one asset in the site: {assets}"
    for rel, page in LinkProblems(site).scans.items():
        for ref in page.refs:
            if ref.tag in ("link", "script") and "/static/" in "/" + ref.value:
                name = "static/" + ref.value.rsplit("static/", 1)[1]
                assert HASHED_ASSET.match(name), f"{rel}: {ref.value}"


def test_asset_hash_follows_the_asset_content(tmp_path):
    """Changing the stylesheet (a project override) changes its name and every page's reference."""
    project = clean_copy(BASIC, tmp_path / "project")
    before = read_tree(build(project, tmp_path / "before"))
    (project / "templates" / "static").mkdir(parents=True)
    from briefgen.theme import static as theme_static  # the installed theme: where the stylesheet comes from
    css = Path(theme_static.__file__).parent / "style.css"
    (project / "templates" / "static" / "style.css").write_bytes(css.read_bytes() + b"\n.x-added { color: red; }\n")
    after = read_tree(build(project, tmp_path / "after"))
    old = [r for r in before if r.startswith("static/style.")]
    new = [r for r in after if r.startswith("static/style.")]
    assert len(old) == len(new) == 1 and old != new, (old, new)
    assert b".x-added" in after[new[0]]
    assert new[0].encode() in after["index.html"] and old[0].encode() not in after["index.html"]
    js_before = sorted(r for r in before if r.endswith(".js") and r.startswith("static/"))
    js_after = sorted(r for r in after if r.endswith(".js") and r.startswith("static/"))
    assert js_before == js_after, "unchanged scripts keep their names"


def sri(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def test_subresource_integrity_matches_the_files_with_a_base_url(abs_site):
    checked = 0
    for rel, page in LinkProblems(abs_site).scans.items():
        for ref in page.refs:
            if not (ref.tag == "script" or (ref.tag == "link" and ref.attrs.get("rel") == "stylesheet")):
                continue
            target = ref.value[len(BASE_PATH):]
            if target.startswith(PAGEFIND):
                continue  # Pagefind's own UI files: third-party names, no hash (see the report)
            assert "integrity" in ref.attrs, f"{rel}: {ref.value} has no integrity attribute"
            assert ref.attrs["integrity"] == sri(abs_site.files[target]), f"{rel}: SRI of {target} does not match"
            checked += 1
    assert checked >= 2 * len(abs_site.html) - 2


def test_no_integrity_attributes_without_a_base_url(sites):
    for key in ("basic-rel", "example-rel"):
        for rel, data in sites[key].html.items():
            assert b"integrity=" not in data, f"{key}/{rel}"


def test_canonical_and_open_graph_urls_with_a_base_url(abs_site):
    for rel, data in abs_site.html.items():
        page = scan(data)
        canonical = [r.value for r in page.refs if r.tag == "link" and r.attrs.get("rel") == "canonical"]
        want = BASE_URL + page_path(rel).lstrip("/")
        assert canonical == [want], f"{rel}: canonical {canonical}"
        assert page.meta.get("og:url") == want, f"{rel}: og:url {page.meta.get('og:url')}"
        assert page.meta.get("og:title"), rel


def test_no_relative_canonical_or_og_url_without_a_base_url(sites):
    bad = []
    for key in ("basic-rel", "example-rel"):
        for rel, data in sites[key].html.items():
            page = scan(data)
            urls = [r.value for r in page.refs if r.tag == "link" and r.attrs.get("rel") == "canonical"]
            urls += [page.meta[k] for k in ("og:url",) if k in page.meta]
            bad += [f"{key}/{rel}: {u}" for u in urls if not is_external(u)]
    assert not bad, "\n".join(bad)


def test_json_ld_on_claim_and_article_pages(site):
    types = {"claim": "ClaimReview", "article": "NewsArticle"}
    seen = 0
    for rel, data in site.html.items():
        section = rel.split("/")[0]
        if rel.count("/") != 2 or section not in ("claims", "articles"):
            continue
        blocks = [json.loads(text) for text in scan(data).jsonld]
        assert blocks, f"{rel}: no JSON-LD"
        assert blocks[0]["@context"] == "https://schema.org"
        assert blocks[0]["@type"] == types[section.rstrip("s")], rel
        if site.base_url and section == "claims":
            assert blocks[0]["url"] == BASE_URL + page_path(rel).lstrip("/")
        seen += 1
    assert seen >= 2


# --- 2. the files hosts and readers expect -----------------------------------------------------

def content_dates(data: dict) -> set[str]:
    dates = {a["published"] for a in data["articles"] if a["published"]}
    return dates | {e["date"] for a in data["articles"] for e in a["events"] if e.get("date")}


def test_nojekyll_and_robots(site):
    assert site.files[".nojekyll"] == b""
    robots = site.files["robots.txt"].decode()
    lines = [line.strip() for line in robots.splitlines() if line.strip()]
    assert lines[0].lower() == "user-agent: *"
    for line in lines:
        assert re.match(r"^(user-agent|allow|disallow|sitemap|crawl-delay)\s*:", line, re.I), line
    if site.base_url:
        assert f"Sitemap: {BASE_URL}sitemap.xml" in lines
    else:
        assert not any(line.lower().startswith("sitemap") for line in lines)


def test_sitemap_only_with_a_base_url(sites):
    assert "sitemap.xml" not in sites["basic-rel"].files
    assert "sitemap.xml" not in sites["example-rel"].files
    assert "sitemap.xml" in sites["basic-abs"].files


def validate_sitemap(xml: bytes) -> list[ET.Element]:
    """The structure of sitemaps.org's sitemap.xsd (0.9), checked with the standard library."""
    root = ET.fromstring(xml)
    assert root.tag == f"{SITEMAP}urlset", root.tag
    assert xml.startswith(b"<?xml") and b'encoding="UTF-8"' in xml.split(b"\n", 1)[0].replace(b"'", b'"')
    urls = list(root)
    assert 0 < len(urls) <= 50_000 and len(xml) <= 50 * 1024 * 1024
    order = ["loc", "lastmod", "changefreq", "priority"]
    for url in urls:
        assert url.tag == f"{SITEMAP}url", url.tag
        names = [child.tag.removeprefix(SITEMAP) for child in url if child.tag.startswith(SITEMAP)]
        assert names and names[0] == "loc", names
        assert names == sorted(names, key=order.index) and len(names) == len(set(names)), names
        assert set(names) <= set(order), names
        loc = url.find(f"{SITEMAP}loc").text
        assert 12 <= len(loc) <= 2048
        if url.find(f"{SITEMAP}changefreq") is not None:
            assert url.find(f"{SITEMAP}changefreq").text in ("always", "hourly", "daily", "weekly", "monthly", "yearly", "never")
        if url.find(f"{SITEMAP}priority") is not None:
            assert 0.0 <= float(url.find(f"{SITEMAP}priority").text) <= 1.0
    return urls


def test_sitemap_is_valid_and_dated_by_content(abs_site):
    data = abs_site.json()
    urls = validate_sitemap(abs_site.files["sitemap.xml"])
    published = {a["slug"]: a["published"] for a in data["articles"]}
    dated = [d for d in published.values() if d]
    newest = max(dated)
    expected = {f"/articles/{slug}/": day for slug, day in published.items()}
    for t in data["topics"]:
        expected[t["url"]] = max((published[s] for s in t["articles"] if published[s]), default=None)
    for c in data["claims"]:
        expected[c["url"]] = max((published[s["article"]] for s in c["sources"] if published[s["article"]]), default=None)
    locs = []
    for url in urls:
        loc = url.find(f"{SITEMAP}loc").text
        locs.append(loc)
        assert loc.startswith(BASE_URL), loc
        path = "/" + loc[len(BASE_URL):]
        assert path.endswith("/"), f"sitemap lists a non-pretty URL {loc}"
        assert path.lstrip("/") + "index.html" in abs_site.files, f"{loc}: no such page"
        lastmod = url.find(f"{SITEMAP}lastmod")
        if lastmod is None:
            assert expected.get(path, "?") is None or path.startswith("/actors/"), f"{loc}: content is dated but no lastmod"
            continue
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", lastmod.text), lastmod.text
        dt.date.fromisoformat(lastmod.text)
        assert lastmod.text in content_dates(data) and lastmod.text <= newest, f"{loc}: {lastmod.text} is not a content date"
        assert lastmod.text != FIXED_DAY
        if path in expected:
            assert lastmod.text == expected[path], f"{loc}: lastmod {lastmod.text}, newest content {expected[path]}"
        elif not path.startswith("/actors/"):
            assert lastmod.text == newest, f"{loc}: an index page is as new as the newest content"
    assert len(locs) == len(set(locs)), "duplicate <loc>"
    pages = {page_path(rel) for rel in abs_site.html if rel != "404.html"} - {"/search/"}
    missing = sorted(p for p in pages if BASE_URL + p.lstrip("/") not in locs)
    assert not missing, f"pages missing from the sitemap: {missing}"


def feeds_of(site: Site) -> list[str]:
    return sorted(rel for rel in site.files if rel.endswith("feed.xml"))


def validate_atom(xml: bytes, where: str) -> ET.Element:
    """RFC 4287's requirements for atom:feed and atom:entry, dates as RFC 3339."""
    assert xml.startswith(b"<?xml"), where
    feed = ET.fromstring(xml)
    assert feed.tag == f"{ATOM}feed", where

    def one(parent: ET.Element, name: str, what: str) -> ET.Element:
        found = parent.findall(f"{ATOM}{name}")
        assert len(found) == 1, f"{where}: {what} must have exactly one atom:{name}, has {len(found)}"
        return found[0]

    def date(element: ET.Element) -> str:
        assert element.text and RFC3339.match(element.text), f"{where}: not an RFC 3339 date: {element.text!r}"
        dt.datetime.fromisoformat(element.text.replace("Z", "+00:00"))
        return element.text

    def iri(element: ET.Element) -> None:
        assert element.text and re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$", element.text), \
            f"{where}: atom:id must be an absolute IRI: {element.text!r}"

    iri(one(feed, "id", "the feed"))
    assert one(feed, "title", "the feed").text
    updated = date(one(feed, "updated", "the feed"))
    assert len([l for l in feed.findall(f"{ATOM}link") if l.get("rel") == "self"]) == 1, f"{where}: rel=self"
    feed_author = feed.findall(f"{ATOM}author")
    ids = []
    for entry in feed.findall(f"{ATOM}entry"):
        iri(one(entry, "id", "an entry"))
        ids.append(entry.find(f"{ATOM}id").text)
        assert one(entry, "title", "an entry").text
        entry_updated = date(one(entry, "updated", "an entry"))
        assert entry_updated <= updated, f"{where}: an entry is newer than the feed"
        for published in entry.findall(f"{ATOM}published"):
            assert date(published) <= entry_updated
        links = entry.findall(f"{ATOM}link")
        alternates = [l for l in links if l.get("rel", "alternate") == "alternate"]
        assert alternates or entry.find(f"{ATOM}content") is not None, f"{where}: entry without link or content"
        assert len({(l.get("type"), l.get("hreflang")) for l in alternates}) == len(alternates)
        assert all(l.get("href") for l in links)
        assert feed_author or entry.findall(f"{ATOM}author") or entry.find(f"{ATOM}source") is not None, \
            f"{where}: an entry has no author and the feed none either"
        for author in feed_author + entry.findall(f"{ATOM}author"):
            assert one(author, "name", "atom:author").text
    assert len(ids) == len(set(ids)), f"{where}: duplicate entry ids"
    return feed


def test_feeds_are_valid_atom(site):
    data = site.json()
    feeds = feeds_of(site)
    assert feeds == sorted(["feed.xml"] + [f"topics/{t['id']}/feed.xml" for t in data["topics"]])
    for rel in feeds:
        feed = validate_atom(site.files[rel], f"{site.name}/{rel}")
        assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == data["site"]["language"]
        assert feed.find(f"{ATOM}entry") is not None, f"{rel}: no entries"


def feed_href_target(site: Site, feed_rel: str, href: str) -> str:
    """The built file a feed's link reaches (relative hrefs resolve against the feed's own URL)."""
    path = unquote(urlsplit(href).path)
    if site.base_url:
        assert path.startswith(BASE_PATH), f"{feed_rel}: {href}"
        target = path[len(BASE_PATH):]
    else:
        assert not path.startswith("/"), f"{feed_rel}: {href} (without a base URL feeds link relative)"
        target = posixpath.normpath(posixpath.join(posixpath.dirname(feed_rel), path))
    if target in ("", ".") or target.endswith("/"):
        target = target.rstrip(".") + "index.html"
    return target


def test_feed_entries_are_dated_by_content_and_link_to_built_pages(site):
    data = site.json()
    published = {a["slug"]: a["published"] for a in data["articles"]}
    article_topics = {a["slug"]: set(a["topics"]) for a in data["articles"]}
    claims = {c["id"]: c for c in data["claims"]}
    for rel in feeds_of(site):
        feed = ET.fromstring(site.files[rel])
        topic = rel.split("/")[1] if rel.startswith("topics/") else None
        for link in [*feed.findall(f"{ATOM}link"), *feed.findall(f"{ATOM}entry/{ATOM}link")]:
            if site.base_url:  # feed readers resolve path-only links inconsistently: full URLs only
                assert link.get("href").startswith(BASE_URL), f"{rel}: {link.get('href')} is not a full URL"
        for link in feed.findall(f"{ATOM}link"):
            target = feed_href_target(site, rel, link.get("href"))
            assert target in site.files, f"{rel}: {link.get('href')} -> {target}"
        assert feed_href_target(site, rel, [l for l in feed.findall(f"{ATOM}link") if l.get("rel") == "self"][0].get("href")) == rel
        entries = feed.findall(f"{ATOM}entry")
        newest = max(e.find(f"{ATOM}updated").text for e in entries)
        assert feed.find(f"{ATOM}updated").text == newest, f"{rel}: feed <updated> is not its newest entry"
        assert not newest.startswith(FIXED_DAY)
        for entry in entries:
            href = entry.find(f"{ATOM}link").get("href")
            target = feed_href_target(site, rel, href)
            assert target in site.files, f"{rel}: {href}"
            section, ident = target.split("/")[:2]
            day = entry.find(f"{ATOM}updated").text[:10]
            if section == "articles":
                assert day == published[ident], f"{rel}: {ident} dated {day}, published {published[ident]}"
                assert topic is None or topic in article_topics[ident]
            else:
                assert section == "claims", target
                sources = [published[s["article"]] for s in claims[ident]["sources"] if published[s["article"]]]
                assert day == max(sources), f"{rel}: claim {ident} dated {day}, newest source {max(sources)}"
                assert topic is None or topic in {t for s in claims[ident]["sources"] for t in s["topics"]} \
                    or topic in next(t["claims"] for t in data["topics"] if t["id"] == topic)
            if site.base_url:
                assert entry.find(f"{ATOM}id").text == BASE_URL + target.removesuffix("index.html")


def test_every_page_advertises_the_feed(site):
    for rel, data in site.html.items():
        page = scan(data)
        feeds = [r.value for r in page.refs if r.tag == "link" and r.attrs.get("rel") == "alternate"
                 and r.attrs.get("type") == "application/atom+xml"]
        assert feeds, f"{rel}: no <link rel=alternate type=application/atom+xml>"
        if rel.startswith("topics/") and rel.count("/") == 2:
            assert any(f.endswith(rel.removesuffix("index.html") + "feed.xml") or f == "feed.xml" for f in feeds), feeds


def test_feeds_parse_cleanly_with_feedparser(site):
    """feedparser (the reference reader of feeds in Python) reads every feed without complaint."""
    feedparser = pytest.importorskip("feedparser")
    for rel in feeds_of(site):
        parsed = feedparser.parse(site.files[rel])
        assert parsed.bozo == 0, f"{site.name}/{rel}: {parsed.get('bozo_exception')}"
        assert parsed.version == "atom10", parsed.version
        assert parsed.feed.title and parsed.entries
        for entry in parsed.entries:
            assert entry.get("updated_parsed") and entry.get("link") and entry.get("id")


DOCUMENTED = {
    "site": {"title", "description", "language", "base_url"},
    "topics": {"id", "url", "title", "bluf", "judgments", "questions", "related", "articles", "claims"},
    "actors": {"id", "url", "name", "kind", "role", "affiliation", "aliases", "country", "ids"},
    "claims": {"id", "url", "statement", "by", "via", "about", "status", "grade", "origins", "outlets",
               "supports", "contradicts", "sources"},
    "articles": {"slug", "url", "title", "outlet", "outlet_actor", "source_url", "author", "published", "language", "summary",
                 "topics", "actors", "claims", "related", "links", "events"},
}


def test_briefing_json_follows_its_documented_schema(site):
    data = site.json()
    assert data["schema"] == "briefgen.briefing" and data["version"] == 2
    assert DOCUMENTED["site"] <= set(data["site"])
    assert data["site"]["base_url"] == site.base_url
    topics = {t["id"]: t for t in data["topics"]}
    actors = {a["id"]: a for a in data["actors"]}
    claims = {c["id"]: c for c in data["claims"]}
    articles = {a["slug"]: a for a in data["articles"]}
    for section, items in (("topics", topics), ("actors", actors), ("claims", claims), ("articles", articles)):
        assert items, section
        for ident, item in items.items():
            missing = DOCUMENTED[section] - set(item)
            assert not missing, f"{section}/{ident} lacks documented fields {sorted(missing)}"
            assert item["url"] == f"/{section}/{ident}/", item["url"]
            assert f"{section}/{ident}/index.html" in site.files, f"{item['url']} has no page"
    for section in ("topics", "actors", "claims"):
        keys = [x["id"] for x in data[section]]
        assert keys == sorted(keys), f"{section} are not in id order"
    days = [a["published"] for a in data["articles"] if a["published"]]
    assert days == sorted(days, reverse=True), "articles are not newest first"
    for t in topics.values():
        assert set(t["articles"]) <= set(articles) and set(t["claims"]) <= set(claims)
        assert set(t["related"]) <= set(topics)
        assert all(j["confidence"] in ("low", "moderate", "high") and j["text"] for j in t["judgments"])
    for a in actors.values():
        assert a["kind"] in ("person", "state", "organisation", "agency", "media", "group"), a["kind"]
        assert a["affiliation"] is None or a["affiliation"] in actors
        assert isinstance(a["ids"], dict) and isinstance(a["aliases"], list)
    for a in articles.values():
        assert a["published"] is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", a["published"])
        assert set(a["topics"]) <= set(topics) and set(a["claims"]) <= set(claims) and set(a["related"]) <= set(articles)
        assert all(x["id"] in actors and "role" in x for x in a["actors"])
        assert all(set(x) >= {"title", "url", "outlet"} for x in a["links"])
        assert all(set(e) >= {"date", "text", "actors"} and set(e["actors"]) <= set(actors) for e in a["events"])
    anchors = 0
    for c in claims.values():
        assert c["status"] in ("confirmed", "corroborated", "reported", "disputed", "refuted"), c["status"]
        assert re.fullmatch(r"[A-F][1-6]", c["grade"]), c["grade"]
        assert c["by"] is None or c["by"] in actors
        assert set(c["via"]) | set(c["about"]) <= set(actors)
        assert set(c["supports"]) | set(c["contradicts"]) <= set(claims)
        assert set(c["origins"]) <= set(actors) and len(c["origins"]) == len(set(c["origins"]))
        assert isinstance(c["outlets"], int) and 1 <= c["outlets"] <= len(c["sources"])
        assert c["sources"], c["id"]
        assert c["grade"] == min(s["grade"] for s in c["sources"]), f"{c['id']}: grade is not the best of its sources"
        for s in c["sources"]:
            assert s["article"] in articles, s
            assert c["id"] in articles[s["article"]]["claims"]
            assert s["url"] == f"/articles/{s['article']}/#quote-{c['id']}", s["url"]
            page = scan(site.files[f"articles/{s['article']}/index.html"])
            assert f"quote-{c['id']}" in page.ids, f"{s['url']}: no such anchor on the article page"
            assert s["quote"] and set(s["topics"]) <= set(topics) and set(s["via"]) <= set(actors)
            assert s["by"] is None or s["by"] in c["origins"]
            assert s["outlet_actor"] is None or actors[s["outlet_actor"]]["kind"] == "media"
            anchors += 1
    assert anchors >= len(claims)


# --- 3. reproducible, clean output ---------------------------------------------------------------

def differences(a: dict[str, bytes], b: dict[str, bytes]) -> list[str]:
    out = [f"only in the first: {p}" for p in sorted(set(a) - set(b))]
    out += [f"only in the second: {p}" for p in sorted(set(b) - set(a))]
    out += [f"differs: {p}" for p in sorted(set(a) & set(b)) if a[p] != b[p]]
    return out


@pytest.fixture(scope="module")
def three_builds(tmp_path_factory, example_project) -> dict[str, list[dict[str, bytes]]]:
    """Each project built three times into different folders: SOURCE_DATE_EPOCH at 2024-01-01, unset
    (today), and at 2030-01-01. The content has no date after 2024-01-01."""
    made = {}
    for name, project in (("basic", BASIC), ("example", example_project)):
        trees = []
        for number, epoch in enumerate(("default", None, LATER_EPOCH)):
            out = tmp_path_factory.mktemp(f"repro-{name}-{number}") / f"out-{number}" / "site"
            trees.append(read_tree(build(project, out, "--base-url", BASE_URL, epoch=epoch)))
        made[name] = trees
    return made


@pytest.mark.parametrize("name", ["basic", "example"])
def test_same_sources_give_the_same_pages_in_any_folder_on_any_day(three_builds, name):
    """Everything briefgen writes itself is byte-identical across folders and build dates."""
    first, *others = [{k: v for k, v in tree.items() if not k.startswith(PAGEFIND)} for tree in three_builds[name]]
    assert len(first) > 20
    for other in others:
        assert not differences(first, other), differences(first, other)[:20]


@pytest.mark.parametrize("name", ["basic", "example"])
def test_same_sources_give_the_same_search_index(three_builds, name):
    first, *others = [{k: v for k, v in tree.items() if k.startswith(PAGEFIND)} for tree in three_builds[name]]
    assert first
    for other in others:
        assert not differences(first, other), differences(first, other)[:20]


def pagefind_summary(tree: dict[str, bytes]) -> tuple:
    entry = json.loads(tree["pagefind/pagefind-entry.json"])
    return (sorted(k.rsplit("/", 1)[0] + "/" + re.sub(r"_[0-9a-f]{6,}\.", "_*.", k.rsplit("/", 1)[1])
                   for k in tree if k.startswith(PAGEFIND)),
            {lang: v["page_count"] for lang, v in entry["languages"].items()})


@pytest.mark.parametrize("cache", [False, True], ids=["no-cache", "cache"])
def test_deleted_article_leaves_nothing_stale(tmp_path, cache):
    """Delete an article (and the claim only it made) and rebuild into the same folder: the site is
    the site a clean build of the reduced project gives."""
    project = clean_copy(BASIC, tmp_path / "project")
    out = tmp_path / "site"
    full = read_tree(build(project, out, cache=cache))
    assert "articles/analyst-notes/index.html" in full and "claims/new-engine-on-third-launch/index.html" in full
    for source in (project / "content" / "articles").glob("analyst-notes.*"):
        source.unlink()
    rebuilt = read_tree(build(project, out, cache=cache))
    reduced = clean_copy(project, tmp_path / "reduced")
    clean = read_tree(build(reduced, tmp_path / "clean"))
    assert "articles/analyst-notes/index.html" not in rebuilt
    assert "claims/new-engine-on-third-launch/index.html" not in rebuilt
    assert not any(b"analyst-notes" in data for rel, data in rebuilt.items() if not rel.startswith(PAGEFIND))
    mine = {k: v for k, v in rebuilt.items() if not k.startswith(PAGEFIND)}
    theirs = {k: v for k, v in clean.items() if not k.startswith(PAGEFIND)}
    assert not differences(mine, theirs), differences(mine, theirs)
    assert pagefind_summary(rebuilt) == pagefind_summary(clean), "stale files in pagefind/"
    assert [p for p in out.rglob("*") if p.is_dir() and not any(p.iterdir())] == [], "empty folders left behind"


# --- 4. briefgen check: broken hand-written links, located in the source --------------------------

def line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    hits = [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line]
    return hits[occurrence - 1]


BROKEN_TOPIC = """
See [Kim](/actors/kim-jong-un/) and [the orbit claim](/claims/satellite-reached-orbit/#sources-h).

More in [a page that is not there](/actors/nobody/) for now.

Jump to [a missing anchor](#no-such-anchor) here.
"""
BROKEN_ARTICLE = """
A [passage that is not there](/articles/seoul-assessment/#quote-nope) either.
"""


@pytest.fixture(scope="module")
def broken_project(tmp_path_factory) -> Path:
    project = clean_copy(BASIC, tmp_path_factory.mktemp("broken") / "project")
    with (project / "content" / "topics" / "satellite-programme.md").open("a", encoding="utf-8") as f:
        f.write(BROKEN_TOPIC)
    with (project / "content" / "articles" / "satellite-launch.md").open("a", encoding="utf-8") as f:
        f.write(BROKEN_ARTICLE)
    return project


def test_check_reports_broken_markdown_links_at_their_source_line(broken_project):
    result = run_briefgen("check", broken_project)
    assert result.returncode == 1, result.stdout + result.stderr
    topic = broken_project / "content" / "topics" / "satellite-programme.md"
    article = broken_project / "content" / "articles" / "satellite-launch.md"
    lines = result.stderr.splitlines()

    def reported(file: Path, needle: str, target: str) -> None:
        at = f"content/{file.parent.name}/{file.name}:{line_of(file, needle)}:"
        assert any(at in line and "broken-link" in line and target in line for line in lines), \
            f"no report of {target} at {at}:\n{result.stderr}"

    reported(topic, "/actors/nobody/", "/actors/nobody/")
    reported(topic, "#no-such-anchor", "no-such-anchor")
    reported(article, "#quote-nope", "quote-nope")
    assert "Check failed: 3 errors." in result.stderr, result.stderr
    assert "kim-jong-un" not in result.stderr and "sources-h" not in result.stderr
    assert "Traceback" not in result.stderr


def test_build_still_writes_a_site_with_broken_hand_written_links(broken_project, tmp_path):
    """Link checking is `check`'s job: a build succeeds and writes the links as written."""
    out = build(broken_project, tmp_path / "site")
    assert b"nobody" in (out / "topics" / "satellite-programme" / "index.html").read_bytes()


def test_check_with_a_base_url_in_the_config(tmp_path):
    project = clean_copy(BASIC, tmp_path / "project")
    config = project / "briefgen.yaml"
    config.write_text(config.read_text(encoding="utf-8") + f"base_url: {BASE_URL}\n", encoding="utf-8")
    assert run_briefgen("check", project).returncode == 0
    topic = project / "content" / "topics" / "satellite-programme.md"
    topic.write_text(topic.read_text(encoding="utf-8") + "\nSee [the gone page](/claims/gone/).\n", encoding="utf-8")
    result = run_briefgen("check", project)
    assert result.returncode == 1
    assert f"content/topics/satellite-programme.md:{line_of(topic, '/claims/gone/')}:" in result.stderr, result.stderr


def test_check_locates_each_occurrence_of_a_repeated_broken_link(tmp_path):
    project = clean_copy(BASIC, tmp_path / "project")
    article = project / "content" / "articles" / "satellite-launch.md"
    article.write_text(article.read_text(encoding="utf-8")
                       + "\nA [first](/topics/missing/) link.\n\nA [second](/topics/missing/) link.\n", encoding="utf-8")
    result = run_briefgen("check", project)
    assert result.returncode == 1
    for n in (1, 2):
        at = f"content/articles/satellite-launch.md:{line_of(article, '/topics/missing/', n)}:"
        assert at in result.stderr, f"occurrence {n} not reported at {at}:\n{result.stderr}"


def test_check_locates_a_broken_anchor_after_a_good_link_to_the_same_page(tmp_path):
    project = clean_copy(BASIC, tmp_path / "project")
    article = project / "content" / "articles" / "satellite-launch.md"
    article.write_text(article.read_text(encoding="utf-8")
                       + "\nCompare [the assessment](/articles/seoul-assessment/#quote-russia-helped-launch).\n"
                       + "\nA [passage that is not there](/articles/seoul-assessment/#quote-nope).\n", encoding="utf-8")
    result = run_briefgen("check", project)
    assert result.returncode == 1
    at = f"content/articles/satellite-launch.md:{line_of(article, '#quote-nope')}:"
    assert at in result.stderr, f"not reported at {at}:\n{result.stderr}"


def test_example_project_checks_clean():
    result = run_briefgen("check", REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "every internal link resolving" in result.stdout
    assert "broken-link" not in result.stderr
