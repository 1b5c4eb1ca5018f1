"""No injection into the published site: a briefing full of script payloads, built and parsed.

tests/hostile/injection/ puts payloads (``<script>``, ``onerror=``, ``"><svg onload=...>``,
``</title>``, ``javascript:``/``data:``/``vbscript:`` links, ``{{ jinja }}``, right-to-left and
zero-width tricks) in every annotation value, in front matter and in Markdown and plain-text
bodies. Every payload carries a marker ``xss-<field>`` that says where it came from.

The site is built as a user builds it (relative links, and again with a base URL), every output
page is parsed with the standard library's html.parser, and:
- the only ``<script>`` elements are the site's own files (src under static/ or pagefind/), never
  inline code, and JSON-LD data blocks whose text is valid JSON without a raw ``<``;
- no element has an ``on*`` event-handler attribute, a ``style`` attribute or a ``<style>`` element
  (the pages' Content-Security-Policy would refuse them);
- no URL attribute uses the javascript:, vbscript: or data: scheme, however it is spelled
  (case, leading spaces or control characters, tabs and newlines inside), except the theme's
  own empty favicon ``<link rel="icon" href="data:,">`` and a raster image (``data:image/png``,
  gif, jpeg, webp) as an ``<img>`` source, which Markdown allows and which cannot run code;
- every payload is still there as visible text: escaped, not silently dropped;
- the XML and JSON outputs parse and carry the payloads as text.

With ``allow_html: true`` raw HTML in Markdown bodies is published as written (documented in
docs/content-format.md and docs/security.md): the test checks that it is, and that annotation
values are still escaped everywhere.

The browser half (no dialog opens, no CSP violation) is tests/browser/test_injection_browser.py.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from html_tree import Element, parse_html
from support import run_briefgen

INJECTION = Path(__file__).resolve().parent / "hostile" / "injection"
BASE_URL = "https://example.org/brief/"

FIELDS = [
    # every annotation value of the fixture that a page shows
    "site-title", "site-author", "actor-name", "actor-role", "actor-alias", "actor-country", "actor-id",
    "state-name", "witness-name", "article-title", "article-outlet", "article-author", "article-summary",
    "mention-role", "claim-statement", "claim-2-statement", "link-title", "link-outlet", "event-text",
    "txt-title", "txt-summary", "txt-claim", "topic-title", "topic-bluf", "judgment", "question",
    "plain-topic-title",
]
ATTRIBUTE_FIELDS = ["site-description"]
"""Values shown only in attributes (meta description)."""
BODY_MARKERS = ["xss-body-1", "xss-body-2", "xss-body-3", "xss-md-1", "xss-md-5", "xss-md-13", "xss-heading",
                "xss-footnote", "xss-rlo", "xss-zw", "xss-fenced-code", "xss-inline-code", "xss-txt", "xss-overview"]
"""Payloads of Markdown and plain-text bodies, which must show as text when raw HTML is off."""

URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "poster", "data", "background", "cite",
             "longdesc", "ping", "manifest", "codebase", "srcset", "imagesrcset", "icon", "profile", "dynsrc",
             "lowsrc", "content-location"}
DANGEROUS_SCHEMES = {"javascript", "vbscript", "data"}
DANGEROUS_ELEMENTS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "style", "portal"}
SITE_SCRIPT_FOLDERS = ("static/", "pagefind/")


@dataclass
class Site:
    root: Path
    result: subprocess.CompletedProcess
    base_url: str | None

    def pages(self) -> dict[str, Element]:
        return {p.relative_to(self.root).as_posix(): parse_html(p) for p in sorted(self.root.rglob("*.html"))}


def build_injection(tmp: Path, *, allow_html: bool = False, base_url: str | None = None,
                    edit: dict[str, tuple[str | None, str]] | None = None) -> Site:
    """Copy the injection fixture to ``tmp``, set allow_html, apply ``edit`` {file: (old, new)}, build it.

    An edit with ``old`` None replaces the whole file."""
    project = tmp / "project"
    shutil.copytree(INJECTION, project, ignore=shutil.ignore_patterns("expected.txt"))
    if allow_html:
        with open(project / "briefgen.yaml", "a", encoding="utf-8") as config:
            config.write("allow_html: true\n")
    for rel, (old, new) in (edit or {}).items():
        text = (project / rel).read_text(encoding="utf-8")
        assert old is None or old in text, f"{old!r} not in {rel}"
        (project / rel).write_text(new if old is None else text.replace(old, new), encoding="utf-8")
    out = tmp / "site"
    args = ["build", project, "-o", out] + (["--base-url", base_url] if base_url else [])
    result = run_briefgen(*args)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert result.returncode == 0, result.stderr
    return Site(out, result, base_url)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Site:
    return build_injection(tmp_path_factory.mktemp("injection"))


@pytest.fixture(scope="module")
def site_with_base_url(tmp_path_factory) -> Site:
    return build_injection(tmp_path_factory.mktemp("injection-base"), base_url=BASE_URL)


@pytest.fixture(scope="module")
def site_with_html(tmp_path_factory) -> Site:
    return build_injection(tmp_path_factory.mktemp("injection-html"), allow_html=True)


# --- what counts as dangerous ---------------------------------------------------------------------

_C0_AND_SPACE = "".join(chr(c) for c in range(0x21))


def url_scheme(value: str) -> str:
    """The scheme a browser sees: leading/trailing C0 controls and spaces stripped, tabs and newlines
    removed anywhere (WHATWG URL parsing), case folded; '' for a relative URL."""
    cleaned = re.sub(r"[\t\n\r]", "", value).strip(_C0_AND_SPACE).lower()
    found = re.match(r"([a-z][a-z0-9+.\-]*):", cleaned)
    return found.group(1) if found else ""


def _is_site_favicon(element: Element) -> bool:
    return element.tag == "link" and element.attrs.get("rel") == "icon" and element.attrs.get("href") == "data:,"


RASTER_DATA = re.compile(r"data:image/(png|gif|jpeg|webp);", re.IGNORECASE)


def _is_raster_image(element: Element, name: str, value: str) -> bool:
    """A data: PNG/GIF/JPEG/WebP as an image's src: Markdown allows it, it cannot run code (docs/security.md)."""
    return element.tag == "img" and name == "src" and RASTER_DATA.match(value.strip()) is not None


def findings(page: str, root: Element, site: Site) -> list[tuple[Element, str]]:
    """Every script, handler, dangerous URL or element on a page that is not the site's own."""
    found = []
    for element in root.iter():
        where = f"{page}: <{element.tag}>"
        for name, value in element.attrs.items():
            if name.startswith("on"):
                found.append((element, f"{where} has an event handler {name}={value[:60]!r}"))
            if name == "style":
                found.append((element, f"{where} has a style attribute (the CSP refuses it)"))
            if name in URL_ATTRS and url_scheme(value) in DANGEROUS_SCHEMES and not _is_site_favicon(element) \
                    and not _is_raster_image(element, name, value):
                found.append((element, f"{where} {name}={value[:80]!r}"))
            if name == "srcset" and any(url_scheme(part.strip()) in DANGEROUS_SCHEMES for part in value.split(",")):
                found.append((element, f"{where} srcset={value[:80]!r}"))
        if element.tag == "meta" and element.attrs.get("http-equiv", "").lower() == "refresh":
            found.append((element, f"{where} http-equiv=refresh"))
        if element.tag in DANGEROUS_ELEMENTS:
            found.append((element, f"{where} is not allowed on a page"))
        if element.tag == "script":
            problem = _script_problem(page, element, site)
            if problem:
                found.append((element, f"{where} {problem}"))
    return found


def problems_of(page: str, root: Element, site: Site, raw_bodies: bool = False) -> list[str]:
    """findings() as messages; with ``raw_bodies`` (allow_html: true) those inside a Markdown body are allowed."""
    return [message for element, message in findings(page, root, site)
            if not (raw_bodies and _inside_raw_body(element))]


DATA_BLOCK_TYPES = {"application/ld+json"}
"""Script elements that hold data, not code (structured data for search engines)."""


def _script_problem(page: str, script: Element, site: Site) -> str:
    code = "".join(c for c in script.children if isinstance(c, str))
    if script.attrs.get("type", "").strip().lower() in DATA_BLOCK_TYPES and "src" not in script.attrs:
        # Data, never run; but its text must not be able to end the element or start a comment.
        if "<" in code:
            return f"holds a raw '<' in its data {code[code.index('<'):][:60]!r}"
        try:
            json.loads(code)
        except ValueError as exc:
            return f"holds data that is not JSON ({exc})"
        return ""
    if code.strip():
        return f"has inline code {code[:60]!r}"
    src = script.attrs.get("src")
    if not src:
        return "has neither code nor src"
    root_path = urlsplit(site.base_url).path if site.base_url else "/"
    origin = "https://site.invalid"
    resolved = urlsplit(urljoin(f"{origin}{root_path}{page}", src))
    if f"{resolved.scheme}://{resolved.netloc}" != origin or not resolved.path.startswith(root_path):
        return f"src={src!r} is not a file of the site"
    rel = resolved.path[len(root_path):]
    if not rel.startswith(SITE_SCRIPT_FOLDERS):
        return f"src={src!r} is not under {' or '.join(SITE_SCRIPT_FOLDERS)}"
    if not (site.root / rel).is_file():
        return f"src={src!r}: {rel} was not built"
    return ""


def _inside_raw_body(element: Element) -> bool:
    """In a Markdown body (article text or topic overview): where allow_html publishes raw HTML."""
    return any(a.tag == "section" and a.classes & {"article-text", "overview"} for a in element.ancestors())


# --- the tests -----------------------------------------------------------------------------------------

def test_the_checker_finds_what_it_looks_for(tmp_path):
    """The checks above pass on a clean site; here they must fail on a page built to fail them."""
    fake = Site(tmp_path, None, None)  # type: ignore[arg-type]
    (tmp_path / "static").mkdir()
    (tmp_path / "static/app.js").write_text("", encoding="utf-8")
    page = parse_html('''<html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<script src="static/app.js"></script><script src="static/missing.js"></script><script>alert(1)</script>
<script src="https://evil.example/x.js"></script><script src="../../etc/x.js"></script>
<script type="application/ld+json">{"name": "fine \\u003c/script\\u003e"}</script>
<script type="application/ld+json">{"name": "<!--"}</script><script type="application/ld+json">{oops</script>
</head><body>
<a href=" JaVa&#09;Script:alert(1)">1</a><a href="&#1;javascript:alert(1)">2</a><a href="java
script:alert(1)">3</a><a href="VBSCRIPT:x">4</a><img src="data:image/svg+xml,x"><form action="javascript:x"></form>
<img src="x" srcset="ok.png 1x, javascript:x 2x"><div onmouseover="x" style="color:red"></div><iframe></iframe>
<meta http-equiv="Refresh" content="0;url=javascript:x"><a href="https://example.org/javascript:x">fine</a>
<a href="java%09script:x">fine</a><a href="./javascript:x">fine</a><img src="data:image/png;base64,AA" alt="fine">
</body></html>''')
    found = problems_of("index.html", page, fake)
    expected = ["static/missing.js", "inline code", "evil.example", "etc/x.js", "Script:alert", "href='javascript:alert(1)'",
                "java\\nscript", "VBSCRIPT", "data:image/svg", "action=", "srcset=", "onmouseover", "style attribute",
                "<iframe> is not allowed", "refresh", "raw '<'", "not JSON"]
    for needle in expected:
        assert any(needle in p for p in found), f"{needle!r} not caught: {found}"
    assert len(found) == len(expected), "\n".join(found)
    assert not [p for p in found if "fine" in p or "app.js" in p or "data:," in p]


def test_the_fixture_has_payloads_everywhere():
    text = "\n".join(p.read_text(encoding="utf-8") for p in INJECTION.rglob("*") if p.is_file())
    for field in FIELDS + ATTRIBUTE_FIELDS:
        assert f"xss-{field}" in text, field
    assert text.count("<script>") > 50 and "javascript:" in text and "vbscript:" in text and "data:" in text


@pytest.mark.parametrize("which", ["relative", "base-url"])
def test_no_script_handler_or_dangerous_url_reaches_any_page(which, site, site_with_base_url):
    built = site if which == "relative" else site_with_base_url
    pages = built.pages()
    assert len(pages) >= 15
    found = [problem for page, root in pages.items() for problem in problems_of(page, root, built)]
    assert not found, "\n".join(found[:40])
    # the site's own scripts are there (the check above would pass on a site without any)
    assert all(root.find_all("script") for page, root in pages.items()), "a page lost the site's script"


def test_every_annotation_value_is_shown_escaped_not_dropped(site):
    texts = {page: root.text for page, root in site.pages().items()}
    everything = "\n".join(texts.values())
    for field in FIELDS:
        payload = f"<script>alert('xss-{field}')</script>"
        assert payload in everything, f"the value of {field} is not shown as text on any page"
        assert f"\"><svg onload=alert('xss-{field}')>" in everything, field
    raw = "\n".join(p.read_text(encoding="utf-8") for p in site.root.rglob("*.html"))
    assert "alert('xss-site-description')" in raw.replace("&#39;", "'").replace("&#x27;", "'")
    # template syntax in content is text, never evaluated
    assert "{{ 7*7 }}" in texts["articles/evil-article/index.html"]
    assert "{% raw %}x{% endraw %}" in texts["articles/evil-article/index.html"]


def test_markdown_and_plain_text_bodies_show_raw_html_as_text(site):
    pages = site.pages()
    article = pages["articles/evil-article/index.html"].find("section", cls="article-text")
    for marker in BODY_MARKERS[:-2]:
        assert marker in article.text, marker
    assert "<script>alert('xss-body-1')</script>" in article.text
    assert "<a href=\"javascript:alert('xss-body-3')\">a raw link</a>" in article.text
    plain = pages["articles/plain-text/index.html"].find("section", cls="article-text")
    assert "<script>alert('xss-txt')</script>" in plain.text and "<b>not bold</b>" in plain.text
    overview = pages["topics/evil-topic/index.html"].find("section", cls="overview")
    assert "<script>alert('xss-overview')</script>" in overview.text
    # the one markdown link with a good scheme is a link; none with a bad scheme is
    assert [i.attrs["src"] for i in article.find_all("img")] == ["data:image/png;base64,iVBORw0KGgo="]
    hrefs = [a.attrs.get("href", "") for a in article.find_all("a")]
    assert "https://example.org/safe" in hrefs
    assert not [h for h in hrefs if "alert" in h and not h.startswith("https://")
                and url_scheme(h) not in ("", "https")], hrefs


def test_quotes_with_payloads_are_highlighted_as_text(site):
    pages = site.pages()
    marks = {m.attrs["data-claim"]: m.text for m in pages["articles/evil-article/index.html"].find_all("mark")}
    assert marks["evil-claim"] == "he said javascript:alert('xss-q1') twice"
    assert marks["second-claim"] == "she said \" onmouseover=\"alert('xss-q2') once"
    txt = {m.attrs["data-claim"]: m.text for m in pages["articles/plain-text/index.html"].find_all("mark")}
    assert txt["txt-claim"] == "says <script>alert('xss-txt')</script> verbatim"


def test_every_page_carries_the_csp_before_any_content(site):
    for page, root in site.pages().items():
        head = root.find("head")
        metas = [m for m in root.find_all("meta") if m.attrs.get("http-equiv", "").lower() == "content-security-policy"]
        assert len(metas) == 1, f"{page}: {len(metas)} CSP meta tags"
        policy = {d.split()[0]: d.split()[1:] for d in metas[0].attrs["content"].split(";") if d.strip()}
        assert policy["default-src"] == ["'none'"] and policy["script-src"] == ["'self'"], page
        assert policy["base-uri"] == ["'none'"] and "'unsafe-inline'" not in metas[0].attrs["content"], page
        children = [c for c in head.children if isinstance(c, Element)]
        first = [c.tag for c in children[:children.index(metas[0])]]
        assert set(first) <= {"meta"}, f"{page}: {first} come before the CSP"
        assert all(m.attrs.get("http-equiv") is None for m in children[:children.index(metas[0])])


def test_xml_and_json_outputs_parse_and_keep_payloads_as_text(site):
    xml_files = sorted(site.root.rglob("*.xml"))
    assert len(xml_files) >= 3
    titles = []
    for path in xml_files:
        tree = ET.parse(path)  # well-formed, whatever the content
        assert not [e for e in tree.iter() if e.tag.rsplit("}", 1)[-1].lower() == "script"], path
        titles += [e.text or "" for e in tree.iter() if e.tag.endswith("}title")]
    assert any("<script>alert('xss-article-title')</script>" in t for t in titles), titles[:5]
    data = json.loads((site.root / "briefing.json").read_text(encoding="utf-8"))
    assert "<script>alert('xss-claim-statement')</script>" in json.dumps(data, ensure_ascii=False)
    assert "</script>" not in (site.root / "briefing.json").read_text(encoding="utf-8"), \
        "briefing.json should escape '<' so it can never close a script element it is pasted into"


def test_allow_html_publishes_raw_html_in_bodies_only(site_with_html):
    pages = site_with_html.pages()
    article = pages["articles/evil-article/index.html"]
    raw_scripts = [s for s in article.find_all("script") if "xss-body-1" in s.text]
    assert raw_scripts and all(_inside_raw_body(s) for s in raw_scripts), "raw HTML is not passed through"
    assert article.find("img", onerror="alert('xss-body-2')")
    assert pages["topics/evil-topic/index.html"].find("section", cls="overview").find_all("script")
    # the plain-text article is never interpreted
    plain = pages["articles/plain-text/index.html"].find("section", cls="article-text")
    assert "<script>alert('xss-txt')</script>" in plain.text and not plain.find_all("script")
    # outside the bodies nothing changes: every annotation value is still escaped
    inside = [p for page, root in pages.items() for p in problems_of(page, root, site_with_html)]
    outside = [p for page, root in pages.items() for p in problems_of(page, root, site_with_html, raw_bodies=True)]
    assert len(inside) >= 10 and not outside, "\n".join(outside[:40])
    # Markdown link syntax with a bad scheme is still not a link, even with raw HTML allowed
    links = article.find("section", cls="article-text").find_all("a")
    bad = [a for a in links if url_scheme(a.attrs.get("href", "")) in DANGEROUS_SCHEMES]
    assert [a.text for a in bad] == ["a raw link"], [a.attrs for a in bad]


def test_control_characters_never_break_the_feeds(tmp_path):
    built = build_injection(tmp_path, edit={"content/topics/plain-topic.yaml": (None, 'title: "Plain \\e[31m red \\a bell"\n')})
    broken = []
    for path in sorted(built.root.rglob("*.xml")):
        try:
            ET.parse(path)
        except ET.ParseError as exc:
            broken.append(f"{path.relative_to(built.root)}: {exc}")
    assert not broken, broken
