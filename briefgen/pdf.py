"""PDF briefings: a topic's briefing on paper, for readers who never open the website.

One PDF per topic: a cover (title, "as of" date, author, the handling line), then the bottom
line and the key judgments, key actors, contested claims, every claim with its grade and quoted
sources, open questions, the timeline, and the source articles as numbered endnotes with their
URLs; running headers and page numbers on every page after the cover.

It is made from the same model as the site: ``pdf_page`` plans a Page over the topic page's own
context (plus the endnote and claim numbers), the site's Renderer renders its template
(``templates/pdf-topic.html``: autoescaped, StrictUndefined, overridable by a project), and
``to_pdf`` lays that HTML out on paper with WeasyPrint. WeasyPrint fetches nothing: only ``data:``
URLs are allowed, so a briefing never reaches the network or the disk while it is made.

Measured on this machine: about 1 s per topic (the example's two topics, 4 and 3 A4 pages).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Callable, Iterable

from . import model as m
from .errors import BriefgenError, Diagnostic, did_you_mean
from .pages import Page, topic_page
from .paths import output_file, pdf_path

ENGINE_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-liberation"
"""The Debian 12 packages WeasyPrint needs (Pango and HarfBuzz's subsetter, and fonts): named in
the README and installed by .ci/run."""


class PdfError(BriefgenError):
    """A PDF could not be made: the engine is missing, or a topic id is unknown."""


def pdf_page(b: m.Briefing, ident: str) -> Page:
    """The PDF briefing of topic ``ident`` as a page to render: the topic page's context, with the
    claims numbered in the order the PDF lists them (C1, C2...) and the articles numbered as
    endnotes in the order they are first cited (claims, then timeline, then the topic's others)."""
    topic = topic_page(b, ident)
    ctx = topic.context
    listed = [cid for status in m.STATUSES for cid in ctx["by_status"][status]]
    cited: dict[str, None] = {}
    for cid in listed:
        cited.update((s.article, None) for s in b.claims[cid].sources)
    for event in ctx["events"]:
        cited.update((slug, None) for slug in event.articles)
    cited.update((slug, None) for slug in ctx["topic_articles"])
    notes = {slug: n for n, slug in enumerate(cited, 1)}
    config = b.config.pdf
    context = {**ctx, "claim_order": listed, "claim_no": {cid: n for n, cid in enumerate(listed, 1)},
               "notes": notes, "paper": config.paper, "handling": config.handling}
    return Page(pdf_path(ident), "pdf", "pdf-topic.html", context, topic.title)


def check_topics(b: m.Briefing, idents: Iterable[str]) -> list[str]:
    """The topics asked for, all of them when none is named; ``PdfError`` naming every unknown id."""
    idents = list(dict.fromkeys(idents)) or list(b.topics)
    unknown = [i for i in idents if i not in b.topics]
    if unknown:
        said = "; ".join(f"'{i}'" + (f" ({hint})" if (hint := did_you_mean(i, b.topics)) else "") for i in unknown)
        known = ", ".join(b.topics) or "none"
        raise PdfError(f"no topic {said}; the topics are: {known}")
    return idents


def to_pdf(html: bytes) -> bytes:
    """The HTML of a PDF page laid out on paper. Nothing is fetched (only ``data:`` URLs), and the
    document identifier is the HTML's hash, so the same HTML always gives the same bytes."""
    weasyprint = _engine()
    fetcher = weasyprint.URLFetcher(allowed_protocols={"data"}, allow_redirects=False)
    document = weasyprint.HTML(string=html.decode("utf-8"), base_url="data:,", url_fetcher=fetcher)
    identifier = hashlib.blake2b(html, digest_size=16).hexdigest().encode()
    return document.write_pdf(pdf_identifier=identifier, uncompressed_pdf=False)


def _engine():
    """WeasyPrint, or a PdfError that says what to install (its Python package or Pango)."""
    try:
        import logging

        import weasyprint
    except ImportError as exc:
        raise PdfError(f"making PDFs needs WeasyPrint ({exc}): pip install 'weasyprint>=68'") from None
    except OSError as exc:  # cffi could not load Pango
        raise PdfError(f"WeasyPrint cannot load its system libraries ({exc}): on Debian or Ubuntu, "
                       f"apt-get install {ENGINE_PACKAGES}") from None
    # CSS it does not support (and the refused fetches) would print to stderr on every page
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    return weasyprint


Render = Callable[[Page], "bytes | Diagnostic"]


def make(render: Render, b: m.Briefing, idents: Iterable[str],
         memo: dict[str, tuple[bytes, bytes]] | None = None) -> tuple[dict[str, bytes], list[Diagnostic]]:
    """Output file -> PDF bytes of each topic, and the problems rendering their templates found.

    ``memo`` (a Cache's, kept by the dev server) maps a PDF's path to (hash of its HTML, PDF): a
    topic whose HTML is unchanged is not laid out again (the layout is the slow part, ~1 s)."""
    files: dict[str, bytes] = {}
    problems: list[Diagnostic] = []
    for ident in idents:
        page = pdf_page(b, ident)
        html = render(page)
        if isinstance(html, Diagnostic):
            problems.append(html)
            continue
        key = hashlib.blake2b(html, digest_size=20).digest()
        known = memo.get(page.path) if memo is not None else None
        if known is not None and known[0] == key:
            files[output_file(page.path)] = known[1]
            continue
        pdf = to_pdf(html)
        if memo is not None:
            memo[page.path] = (key, pdf)
        files[output_file(page.path)] = pdf
    return files, problems


def write(folder: Path, files: dict[str, bytes]) -> list[Path]:
    """Write each PDF into ``folder`` (made if missing) under its own name, atomically and never
    through a link (safe_io); the files written, in order."""
    from .safe_io import Folder

    written = []
    with Folder.open(folder, create=True) as target:
        for rel, data in files.items():
            name = os.path.basename(rel)
            target.write_atomic(name, data)
            written.append(folder / name)
    return written
