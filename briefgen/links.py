"""Check every internal link and anchor of a built site, and locate broken ones in the sources.

Runs over the rendered files (all link forms: templates' links, hand-written Markdown links, asset
references), so it checks what readers will actually click.
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

from .errors import Diagnostic
from .paths import base_path

LINK_ATTRS = {"a": "href", "link": "href", "script": "src", "img": "src", "source": "src", "iframe": "src", "form": "action"}


class _Scan(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, int]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        values = dict(attrs)
        for key in ("id", "name") if tag == "a" else ("id",):
            if values.get(key):
                self.ids.add(values[key])
        attr = LINK_ATTRS.get(tag)
        if attr and values.get(attr) is not None and not (tag == "link" and values.get("rel") in ("canonical", "alternate")):
            self.links.append((values[attr], self.getpos()[0]))


def scan(html: bytes) -> _Scan:
    parser = _Scan()
    parser.feed(html.decode("utf-8", "replace"))
    parser.close()
    return parser


def target_file(files: dict, page_file: str, href: str, base_url: str | None) -> tuple[str | None, str]:
    """The output file and fragment a link points to; (None, '') for external links."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        return None, ""
    path = unquote(parts.path)
    if not path:
        return page_file, unquote(parts.fragment)
    if path.startswith("/"):
        root = base_path(base_url)
        if not path.startswith(root):
            return "", unquote(parts.fragment)
        rel = path[len(root):]
    else:
        rel = posixpath.normpath(posixpath.join(posixpath.dirname(page_file), path))
        if path.endswith("/"):
            rel += "/"
        if rel.startswith("../") or rel == "..":
            return "", unquote(parts.fragment)
    rel = rel.lstrip("./") if rel.startswith("./") else rel
    if rel in ("", ".", "./"):
        rel = "index.html"
    elif rel.endswith("/"):
        rel += "index.html"
    elif rel not in files and rel + "/index.html" in files:
        rel += "/index.html"
    return rel, unquote(parts.fragment)


def check_links(files: dict[str, bytes], sources: dict[str, tuple[str, str]], base_url: str | None,
                project: Path, later: tuple[str, ...] = ()) -> list[Diagnostic]:
    """Broken internal links and anchors. ``sources`` maps an output file to (source file, template);
    ``later`` lists folders a build adds after rendering (the search index), taken as present."""
    pages = {rel: scan(data) for rel, data in files.items() if rel.endswith(".html")}
    problems: list[Diagnostic] = []
    texts: dict[str, list[str]] = {}
    seen: dict[tuple[str, str], int] = {}
    for rel, page in sorted(pages.items()):
        for href, line in page.links:
            target, fragment = target_file(files, rel, href, base_url)
            if target is None or (target and target.startswith(later)):
                continue
            page_path = "/" + rel.removesuffix("index.html")
            shown = "/" + target.removesuffix("index.html") + (f"#{fragment}" if fragment else "") if target else href
            if target == "" or target not in files:
                problem = f"link to '{shown}' on page {page_path} leads to no page"
            elif fragment and target in pages and fragment not in pages[target].ids:
                problem = f"link to '{shown}' on page {page_path}: that page has no anchor '#{fragment}'"
            else:
                continue
            source, template = sources.get(rel, ("", ""))
            nth = seen[(source, href)] = seen.get((source, href), 0) + 1
            file, at = _locate(project, source, [href, shown, shown.split("#")[0]], texts, nth)
            if not file:
                file, at = template, 0
            problems.append(Diagnostic("error", "broken-link", problem, file, at,
                                       "fix the link or create the page it points to"))
    return problems


def _locate(project: Path, source: str, candidates: list[str], texts: dict[str, list[str]],
            nth: int = 1) -> tuple[str, int]:
    """The line of the ``nth`` place in the source where a hand-written link appears.

    The link as written is looked for first, then as a site path (links written `/x/` are
    rewritten), then the page alone: a broken anchor must not be pinned on a good link to the page.
    """
    if not source:
        return "", 0
    if source not in texts:
        try:
            texts[source] = (project / source).read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            texts[source] = []
    for candidate in (c for c in candidates if c and c != "/"):
        forms = (f"({candidate})", f"({candidate} ", f'"{candidate}"', f"<{candidate}>", f": {candidate}")
        hits = [number for number, line in enumerate(texts[source], 1) for form in forms
                if line.count(form) for _ in range(line.count(form))]
        if hits:
            return source, hits[min(nth, len(hits)) - 1]
    return "", 0
