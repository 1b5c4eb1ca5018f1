"""`briefgen import`: saved pages, text scrapes and Markdown files -> articles with draft annotations.

The stages, in order:
1. ``gather``: the sources named (files, folders of them, ``-`` for standard input) as bytes;
2. ``extract`` (on every core for many): each source's text and metadata (extract.py);
3. ``survey``: what the project already has: articles (their URLs and texts, for duplicates;
   their names, for slugs), actors and claims (for suggestions), topics and junk patterns;
4. ``plan``: per article, in order: the options applied, duplicates refused, the slug chosen,
   suggestions made (suggest.py), the two files' text (sidecar.py), checked by the same parser
   the build uses;
5. ``write``: each file created exclusively, never over anything, never through a link (safe_io).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import extract, load, sidecar, suggest
from .errors import BriefgenError, did_you_mean
from .parse import Body, parse
from .paths import id_problem, suggest_id
from .safe_io import Folder, Tree
from .schema import ActorFile, Annotations, ArticleMeta, SiteConfig, TopicFile
from .text import blocks, normalize_quote, parser
from .validate import validate
from .workers import fork_map
from .yamlfile import Lines

SUFFIXES = (".html", ".htm", ".xhtml", ".txt", ".md", ".markdown")
"""What a folder given as a source is searched for."""
MAX_SLUG = 80


@dataclass(frozen=True, slots=True)
class Source:
    name: str
    """As the analyst named it (a path, or '-' for standard input)."""
    raw: bytes


@dataclass(frozen=True, slots=True)
class Options:
    """What ``--outlet``, ``--url``, ``--published`` and ``--topic`` say, for every source."""

    outlet: str | None = None
    url: str | None = None
    published: dt.date | None = None
    topics: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Made:
    source: str
    article: str
    """Project-relative path of the article written."""
    annotations: str
    pending: int
    """How many suggestions await review in the annotations."""
    claims: int
    rereports: int
    candidates: int


@dataclass(frozen=True, slots=True)
class Skipped:
    source: str
    reason: str


@dataclass(frozen=True, slots=True)
class Survey:
    """What the project already has, as import needs it."""

    config: SiteConfig
    names: frozenset[str]
    """Every article file's stem: a new slug must be none of them."""
    urls: dict[str, str]
    """Normalised URL -> the article file that has it."""
    texts: dict[str, str]
    """Hash of an article's folded text -> the article file."""
    actors: tuple[suggest.KnownActor, ...]
    claims: tuple[suggest.KnownClaim, ...]
    topics: frozenset[str]


def gather(names: list[str], stdin: bytes | None) -> list[Source]:
    """The sources named: a file, every importable file of a folder (sorted), '-' standard input."""
    out: list[Source] = []
    for name in names:
        if name == "-":
            out.append(Source("-", stdin or b""))
            continue
        path = Path(name)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix.lower() in SUFFIXES and p.is_file())
            if not files:
                raise BriefgenError(f"{name} holds no .html, .txt or .md file to import")
        elif path.is_file():
            files = [path]
        else:
            raise BriefgenError(f"{name}: no such file or folder")
        for file in files:
            try:
                out.append(Source(str(file), file.read_bytes()))
            except OSError as exc:
                raise BriefgenError(f"cannot read {file}: {exc.strerror or exc}") from None
    return out


def _extract_one(item: tuple[Source, tuple[str, ...]]) -> extract.Extracted | extract.Refused:
    source, junk = item
    kind = extract.kind_of(source.name, source.raw)
    if kind == "html":
        return extract.from_html(source.raw, extract.junk_rules(junk))
    if kind == "markdown":
        return extract.from_markdown(source.raw)
    return extract.from_text(source.raw, extract.junk_rules(junk))


def survey(project: Path) -> Survey:
    load.require_project(project)
    config = SiteConfig()
    source = load.config_source(project)
    if source is not None:
        raw = load.read(source)
        doc = parse("config", source.file, source.ident, raw) if isinstance(raw, bytes) else None
        if doc is None or not isinstance(doc.data, SiteConfig):
            raise BriefgenError(f"{source.file} has errors; run 'briefgen check' and fix them before importing")
        config = doc.data
    files, _ = load.discover(project)
    names: set[str] = set()
    urls: dict[str, str] = {}
    texts: dict[str, str] = {}
    actors: list[suggest.KnownActor] = []
    claims: list[suggest.KnownClaim] = []
    topics: set[str] = set()
    for file in files:
        if file.kind in ("article", "annotations"):
            names.add(file.ident)
        if file.kind == "topic":
            topics.add(file.ident)
            continue
        raw = load.read(file)
        if not isinstance(raw, bytes):
            continue
        doc = parse(file.kind, file.file, file.ident, raw, config.allow_html)
        if file.kind == "article" and doc.body is not None:
            texts[text_key(doc.body)] = file.file
            if isinstance(doc.data, ArticleMeta) and doc.data.url:
                urls[same_url(doc.data.url)] = file.file
        elif file.kind == "actor" and isinstance(doc.data, ActorFile):
            a = doc.data
            actors.append(suggest.known_actor(file.ident, a.name, a.kind, tuple(a.aliases)))
        elif file.kind == "annotations" and isinstance(doc.data, Annotations):
            for i, entry in enumerate(doc.data.claims):
                line = doc.lines[("claims", i)] if ("claims", i) in doc.lines else 0
                claims.append(suggest.KnownClaim(entry.id, entry.quote, entry.statement or "", f"{file.file}:{line}"))
    claims.sort(key=lambda c: (not c.statement, c.where))  # the defining report's place first
    return Survey(config, frozenset(names), urls, texts, tuple(actors), tuple(claims), frozenset(topics))


def text_key(body: Body) -> str:
    """Two articles with this key have the same text, whatever their whitespace, quotes and dashes."""
    return hashlib.blake2b("\n".join(b for b in body.folded if b).encode("utf-8"), digest_size=16).hexdigest()


def same_url(url: str) -> str:
    """A URL as compared for duplicates: scheme and host in lower case, no 'www.', no fragment or
    trailing slash."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    return f"{host}{parts.path.rstrip('/')}{'?' + parts.query if parts.query else ''}"


def check_options(options: Options, known: Survey) -> None:
    """Refuse wrong options before anything is read: a bad URL or date, an unknown topic."""
    data = {k: v for k, v in (("outlet", options.outlet), ("url", options.url)) if v is not None}
    _, problems = validate(ArticleMeta, data, "--url", Lines())
    if problems:
        raise BriefgenError("; ".join(f"--{d.message}" + (f" ({d.hint})" if d.hint else "") for d in problems))
    for topic in options.topics:
        if topic not in known.topics:
            hint = did_you_mean(topic, known.topics)
            raise BriefgenError(f"--topic {topic}: no topic '{topic}' in content/topics/" + (f" ({hint})" if hint else
                                "; add it with 'briefgen new topic " + topic + "' first"))


def run(project: Path, names: list[str], options: Options, stdin: bytes | None = None,
        parallel: bool = True) -> tuple[list[Made], list[Skipped]]:
    known = survey(project)
    check_options(options, known)
    sources = gather(names, stdin)
    junk = tuple(known.config.import_junk)
    found = fork_map(_extract_one, [(s, junk) for s in sources], "importing", parallel)
    made: list[Made] = []
    skipped: list[Skipped] = []
    taken_names, urls, texts = set(known.names), dict(known.urls), dict(known.texts)
    claim_ids = {c.id for c in known.claims}
    files: dict[str, str] = {}
    for source, got in zip(sources, found):
        if isinstance(got, extract.Refused):
            skipped.append(Skipped(source.name, f"{got.reason}; no article made"))
            continue
        planned = _plan(source, got, options, known, taken_names, urls, texts, claim_ids)
        if isinstance(planned, Skipped):
            skipped.append(planned)
            continue
        made_one, article_text, notes_text = planned
        files[made_one.article] = article_text
        files[made_one.annotations] = notes_text
        made.append(made_one)
    write(project, files)
    return made, skipped


def _plan(source: Source, got: extract.Extracted, options: Options, known: Survey, taken: set[str],
          urls: dict[str, str], texts: dict[str, str], claim_ids: set[str]) -> tuple[Made, str, str] | Skipped:
    front, dropped = _front(got, options)
    article_text = sidecar.article(front, got.body)
    slug = _slug(front.title, taken)
    rel = f"content/articles/{slug}.md"
    doc = parse("article", rel, slug, article_text.encode("utf-8"), known.config.allow_html)
    if doc.data is None or doc.body is None:  # a bug of import: what it wrote does not parse
        raise BriefgenError(f"{source.name}: the article made from it does not parse: "
                            + "; ".join(str(d) for d in doc.diagnostics))
    if front.url and same_url(front.url) in urls:
        return Skipped(source.name, f"already imported: {urls[same_url(front.url)]} has the same URL; nothing written")
    key = text_key(doc.body)
    if key in texts:
        return Skipped(source.name, f"already imported: {texts[key]} has the same text; nothing written")
    taken.add(slug)
    texts[key] = rel
    if front.url:
        urls[same_url(front.url)] = rel
    draft, links, guessed = _suggest(doc.body, front, got, known, claim_ids)
    notes_rel = f"content/articles/{slug}.yaml"
    notes_text = sidecar.annotations_text(draft, source.name if source.name == "-" else os.path.basename(source.name),
                                          options.topics, links, guessed)
    if dropped:
        notes_text += "".join(f"# {note}\n" for note in dropped)
    check = parse("annotations", notes_rel, slug, notes_text.encode("utf-8"))
    if check.data is None:
        raise BriefgenError(f"{source.name}: the draft annotations made from it do not validate: "
                            + "; ".join(str(d) for d in check.diagnostics if d.severity == "error"))
    pending = sidecar.count(draft, links)
    return (Made(source.name, rel, notes_rel, pending, sum(not c.rereport for c in draft.claims),
                 sum(bool(c.rereport) for c in draft.claims), len(draft.candidates)), article_text, notes_text)


def _front(got: extract.Extracted, options: Options) -> tuple[sidecar.Front, list[str]]:
    """The front matter: the options over what the source says; a value of the source that would
    not validate (a relative canonical URL, a site name of spaces) is left out and said so."""
    values: dict[str, Any] = {  # Front's fields by name: str, or a date for 'published'
        "title": got.title, "outlet": options.outlet or got.outlet, "url": options.url or got.url,
        "author": got.author, "published": options.published or got.published, "language": got.language}
    dropped: list[str] = []
    data = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in values.items() if v}
    _, problems = validate(ArticleMeta, data, "-", Lines())
    for problem in problems:
        key = problem.message.split(":", 1)[0].split(".")[0].split("[")[0]
        if key in values and key != "title":
            dropped.append(f"the source's {key} {values[key]!r} was left out: {problem.message}")
            values[key] = None
    return sidecar.Front(**values), dropped


def _slug(title: str, taken: set[str]) -> str:
    """The title transliterated (suggest_id), cut at a word; '-2', '-3'... after a name in use."""
    base = suggest_id(title)[:MAX_SLUG].rsplit("-", 1)[0] if len(suggest_id(title)) > MAX_SLUG else suggest_id(title)
    if not base or id_problem(base):
        base = "article"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _suggest(body: Body, front: sidecar.Front, got: extract.Extracted, known: Survey, claim_ids: set[str]):
    md = parser(known.config.allow_html, False)
    texts = [b for b in blocks(md.parse(body.source, {})) if b.strip()]
    names = suggest.Names(known.actors)
    claims = suggest.claims(texts, names, known.claims, claim_ids)
    mentioned: dict[str, str] = {}
    for block in texts:
        for ident, name in names.find(block):
            mentioned.setdefault(ident, name)
    outlet = names.resolve(front.outlet) if front.outlet else None
    for claim in claims:
        for named in (claim.by, *claim.via, outlet):
            if named and named not in mentioned:
                mentioned[named] = named
    speakers = [c.speaker for c in claims] + [c.relay for c in claims]
    draft = suggest.Draft(tuple(mentioned.items()), tuple(suggest.candidates(texts, names, speakers)), tuple(claims),
                          tuple(suggest.events(texts, front.published, names)), body.lead)
    links, guessed = [], set()
    for link in got.links:
        if link.url is None and front.url:
            parts = urlsplit(front.url)
            link = extract.ReadAlso(link.title, f"{parts.scheme}://{parts.netloc}/{suggest_id(link.title)}/")
            guessed.add(link.url)
        links.append(link)
    return draft, tuple(links), frozenset(guessed)


def write(project: Path, files: dict[str, str]) -> None:
    """Create every file exclusively (never over anything, never through a link); if one cannot be
    made, the ones made by this import are removed again and nothing is left half-done."""
    if not files:
        return
    try:
        root = Folder.open(os.path.join(project, "."))
    except OSError as exc:
        raise BriefgenError(f"cannot open {project}: {exc.strerror or exc}") from None
    made: list[tuple[Folder, str]] = []
    with root, Tree(root) as tree:
        try:
            for rel, text in files.items():
                folder_rel, _, name = rel.rpartition("/")
                try:
                    folder = tree.folder(folder_rel, create=True)
                    folder.create(name, text.encode("utf-8"))
                except FileExistsError:
                    raise BriefgenError(f"{rel} already exists (made while importing?); nothing was imported, "
                                        "run the import again") from None
                except OSError as exc:
                    raise BriefgenError(f"cannot create {rel}: {exc.strerror or exc} (a link or a file where a "
                                        "folder should be?)") from None
                made.append((folder, name))
        except BaseException:
            for folder, name in made:
                folder.unlink(name)
            raise
