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

Measured on a shared 2-core machine: 1.4 to 3.5 s of layout per topic (load average 1 to 9),
plus 1.5 s to import WeasyPrint; the example's two topics are 4 and 3 A4 pages, cover included.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Callable, Iterable

from . import model as m
from .cache import PdfRecord
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
        said = ", ".join(f"'{i}'" + (f" ({hint})" if (hint := did_you_mean(i, b.topics)) else "") for i in unknown)
        known = ", ".join(b.topics) or "none"
        raise PdfError(f"unknown topic{'s' if len(unknown) > 1 else ''} {said}; the project's topics are: {known}")
    return idents


def to_pdf(html: bytes) -> bytes:
    """The HTML of a PDF page laid out on paper. Nothing is fetched (only ``data:`` URLs), and the
    document identifier is the HTML's hash (``identifier``), so the same HTML always gives the
    same bytes."""
    weasyprint = _engine()
    fetcher = weasyprint.URLFetcher(allowed_protocols={"data"}, allow_redirects=False)
    document = weasyprint.HTML(string=html.decode("utf-8"), base_url="data:,", url_fetcher=fetcher)
    return document.write_pdf(pdf_identifier=identifier(html))


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


def identifier(html: bytes) -> bytes:
    """The PDF's file identifier: the hash of the HTML it was laid out from and of the engine's
    version (another WeasyPrint lays the same HTML out differently)."""
    return hashlib.blake2b(html + b"\0" + _engine_version().encode(), digest_size=16).hexdigest().encode()


def _engine_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("weasyprint")
    except metadata.PackageNotFoundError:
        return "?"


def made_from(pdf: bytes, html: bytes) -> bool:
    """Whether ``pdf`` was laid out from ``html``: its trailer's identifier is the HTML's hash."""
    return b"/ID [(" + identifier(html) + b")" in pdf[-2048:]


def make(render: Render, b: m.Briefing, idents: Iterable[str], memo: dict[str, PdfRecord] | None = None,
         on_disk: Callable[[str], bytes | None] | None = None) -> tuple[dict[str, bytes], list[Diagnostic]]:
    """Output file -> PDF bytes of each topic, and the problems rendering their templates found.

    The layout is the slow part (about 1 s a topic), so a topic whose HTML is unchanged is not laid
    out again: ``memo`` (the dev server's, cache.ServerMemo.pdfs) maps a PDF's path to the PDF
    by the hash of its HTML, and ``on_disk`` gives the bytes of an output file the last build
    wrote, taken back when its identifier says it was made from the same HTML (a CLI build after
    an edit elsewhere). Topics are laid out one after another: fork_map's workers pay off only for hundreds of items."""
    files: dict[str, bytes] = {}
    problems: list[Diagnostic] = []
    for ident in idents:
        page = pdf_page(b, ident)
        file = output_file(page.path)
        html = render(page)
        if isinstance(html, Diagnostic):
            problems.append(html)
            continue
        key = hashlib.blake2b(html, digest_size=20).digest()
        known = memo.get(page.path) if memo is not None else None
        if known is not None and known.html == key:
            files[file] = known.pdf
            continue
        found = on_disk(file) if on_disk is not None else None
        pdf = found if found is not None and made_from(found, html) else to_pdf(html)
        if memo is not None:
            memo[page.path] = PdfRecord(key, pdf)
        files[file] = pdf
    return files, problems


def write(folder: Path, files: dict[str, bytes]) -> list[Path]:
    """Write each PDF into ``folder`` (made if missing) under its own name, atomically and never
    through a link (safe_io); the files written, in order."""
    from .safe_io import Folder

    written = []
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        with Folder.open(folder, create=True) as target:
            for rel, data in files.items():
                name = os.path.basename(rel)
                target.write_atomic(name, data)
                written.append(folder / name)
    except OSError as exc:
        raise PdfError(f"cannot write the PDFs into {folder}: {exc.strerror or exc}") from None
    return written
