"""Authoring helpers: ``briefgen claims`` (every claim, where it is defined and reported) and
``briefgen quote`` (the exact passage of an article to paste as a quote).

Both read the project through the build's own stages (read, resolve), so what they say is what the
build sees: a claim's status is the one its page shows, and a suggestion still pending review
is not listed, since it is not published.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from pathlib import Path

from . import closest
from .errors import BriefgenError, BuildFailed
from .parse import Document, parse
from .schema import Annotations
from .text import blocks, normalize_quote, parser


@dataclass(frozen=True, slots=True)
class Report:
    where: str
    """file:line of the claim entry."""
    published: dt.date | None
    outlet: str
    grade: str
    status: str | None
    defines: bool


@dataclass(frozen=True, slots=True)
class ClaimLine:
    id: str
    where: str
    """file:line of the entry that defines the claim."""
    statement: str
    status: str
    origins: tuple[str, ...]
    reports: tuple[Report, ...]


def claims(project: Path, grep: str = "") -> list[ClaimLine]:
    """Every claim of the project, sorted by id; with ``grep``, those whose id, statement, actors or
    quotes contain it (any case)."""
    from .build import build_date, documents_of, read_project
    from .cache import Cache
    from .resolve import resolve

    cache = Cache.one_off()
    config, read, problems = read_project(project, cache)
    documents = documents_of(read, cache, config.allow_html)
    briefing, found = resolve(config, documents, build_date())
    errors = [d for d in [*problems, *found] if d.severity == "error"]
    if briefing is None or errors:
        raise BuildFailed(errors or found)
    lines = _claim_lines({d.ident: d for d in documents if d.kind == "annotations"})
    wanted = grep.lower()
    out = []
    for cid in sorted(briefing.claims):
        claim = briefing.claims[cid]
        text = " ".join([cid, claim.statement, *claim.origins, *(s.quote for s in claim.sources), *claim.via]).lower()
        if wanted and wanted not in text:
            continue
        reports = tuple(Report(lines.get((s.article, cid), f"content/articles/{s.article}.yaml"), s.published, s.outlet,
                               s.grade, s.status, s.defines) for s in claim.sources)
        defining = next((r.where for r in reports if r.defines), reports[0].where if reports else claim.file)
        out.append(ClaimLine(cid, defining, claim.statement, claim.status, claim.origins, reports))
    return out


def _claim_lines(sidecars: dict[str, Document]) -> dict[tuple[str, str], str]:
    """(article slug, claim id) -> file:line of that article's entry for the claim."""
    out: dict[tuple[str, str], str] = {}
    for slug, doc in sidecars.items():
        if isinstance(doc.data, Annotations):
            for i, entry in enumerate(doc.data.claims):
                line = doc.lines[("claims", i, "id")] if ("claims", i, "id") in doc.lines else 0
                out.setdefault((slug, entry.id), f"{doc.file}:{line}")
    return out


@dataclass(frozen=True, slots=True)
class Passage:
    text: str
    """The article's words, exactly as written there: what to paste as ``quote``."""
    exact: bool
    """Whether the words asked for are in the article as they are (whitespace, quotes, dashes aside)."""
    difference: str
    """Where the words asked for first differ from the passage ('' when exact)."""
    likeness: float
    """How alike the passage and the words asked for are (difflib's ratio, 1.0: the same)."""


def quote(article: Path, words: str) -> Passage:
    """The passage of ``article`` (a .md or .txt file, or a slug of the project in the current
    folder) that ``words`` stand for: the same words, or the closest ones."""
    path = _article_file(article)
    raw = path.read_bytes()
    doc = parse("article", path.name, path.stem, raw)
    if doc.body is None:
        raise BriefgenError("; ".join(str(d) for d in doc.diagnostics) or f"{path}: cannot read the article")
    md = parser(False, doc.body.plain)
    texts = blocks(md.parse(doc.body.source, {}))
    near = closest.nearest(texts, words)
    if near is None:
        raise BriefgenError(f"no passage of {path} is close to {words!r}: check the article, or give more of its words")
    text = texts[near.block][near.start:near.end]
    exact = normalize_quote(words) in normalize_quote(texts[near.block])
    if exact:
        from .text import _locate

        wanted = normalize_quote(words)
        span = _locate(texts[near.block], normalize_quote(texts[near.block]), wanted, wanted)
        text = texts[near.block][span[0]:span[1]] if span else text
    likeness = difflib.SequenceMatcher(None, normalize_quote(text), normalize_quote(words), autojunk=False).ratio()
    return Passage(text, exact, "" if exact else closest.first_difference(text, words), likeness)


def _article_file(article: Path) -> Path:
    if article.is_file():
        return article
    for suffix in (".md", ".txt"):
        candidate = Path("content") / "articles" / f"{article}{suffix}"
        if candidate.is_file():
            return candidate
    raise BriefgenError(f"{article}: no such article file (give its path, or its slug from inside the project)")

