"""The pipeline, and the only module that knows the order of its stages:

    read sources -> parse documents -> resolve a Briefing -> plan pages -> render -> write

The dev server runs this same function; a Cache passed in lets each stage skip work whose inputs
did not change (parse by file content, render by page fingerprint). Nothing is written unless
every stage before the write succeeded.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import hashlib
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from itertools import compress, count as counting
from operator import attrgetter, is_not
from pathlib import Path
from typing import Callable, Iterable, Mapping, NamedTuple

from . import cache as caching
from . import load, model, pdf, root, search, stamps
from .cache import Cache, ContentKey, EntityDigest, ParseRecord, PrintRecord, RenderRecord, RenderedSite, SearchRecord
from .errors import BuildFailed, Diagnostic, errors_in
from .links import check_links
from .pages import Later, Page, plan, source_of
from .reads import Ledger, by_value, digest
from .paths import output_file
from .parse import Document, parse
from .render import Renderer, collect_assets, known_code, known_references, learn_code, learn_references
from .resolve import resolve, texts_again
from .salvage import salvaged
from .schema import Edition, SiteConfig
from .stages import Stages, StageTime
from .validate import validate
from .workers import fork_map
from .write import SiteFiles, WriteReport, check_output, check_owned, locked, packed, read_output, write_site
from .yamlfile import Lines

@dataclass(frozen=True, slots=True)
class BuildResult:
    briefing: model.Briefing | None
    """None when the stamps showed the site already up to date."""
    pages: dict[str, int]
    """Pages built, by kind."""
    warnings: tuple[Diagnostic, ...]
    rendered: int
    """Pages actually rendered (the rest came from the cache)."""
    written: WriteReport | None
    """What the write stage changed; None when the build was kept in memory (dev server)."""
    seconds: float
    files: Mapping[str, bytes] = field(default_factory=dict, repr=False)
    """The whole site: output-relative path -> bytes (a CLI build's ``SiteFiles``: the pages it took
    back unread are read from the output folder if asked for)."""
    planned: tuple[Page, ...] = field(default=(), repr=False)
    """The pages, as planned: what each file was made from."""
    root_files: frozenset[str] = frozenset()
    """Which of ``files`` came from the project's static/ folder (or ``cname``), as they are."""
    stages: tuple[StageTime, ...] = ()
    """How long each stage took, in the order they ran (``--verbose`` prints them)."""
    verified: bool = False
    """A clean build in memory made the same files (BRIEFGEN_VERIFY=1, incremental builds only)."""
    parsed: int = 0
    """Source files parsed anew (briefgen.yaml aside): the others' parses came from the cache."""
    taken_back: int = 0
    """Pages taken back from the output folder, as an earlier run wrote them (their bytes proven by
    stamp or hash), neither rendered nor kept in memory: with ``rendered``, which path a page took."""


def read_project(project: Path, cache: Cache, base_url: str | None = None, parallel: bool = False,
                 stages: Stages | None = None, edition: dt.date | None = None, output: Path | None = None
                 ) -> tuple[SiteConfig, list[Document | caching.Unread], list[Diagnostic]]:
    """Stage 1 and 2: the config, then every source file parsed (or taken from the cache; the
    CLI's leaves those it proves unchanged unread: ``documents_of`` reads them).

    Settings with errors do not stop here: their errors are among the problems (so the build
    fails), and the content is read and checked with what of the settings is valid, the rest at
    its defaults, so one broken briefgen.yaml does not hide the content's errors until the next build.
    """
    config, source, problems = _read_config(project, cache, output)
    if base_url is not None:
        checked, more = validate(SiteConfig, {**config.model_dump(exclude_none=True), "base_url": base_url}, "--base-url", Lines())
        problems.extend(Diagnostic(d.severity, d.code, d.message.replace("base_url: ", ""), "--base-url", 0, d.hint) for d in more)
        config = checked or config
    if edition is not None:  # --edition DATE: one more edition than briefgen.yaml lists
        if any(e.date == edition for e in config.editions):
            problems.append(Diagnostic("error", "duplicate-edition", f"--edition {edition.isoformat()}: briefgen.yaml "
                                       "already lists this edition", "--edition", 0,
                                       "leave out --edition, or give the new edition's date"))
        else:
            config = config.model_copy(update={"editions": [*config.editions, Edition(date=edition)]})
    walk, edited = _walk(project, output, cache, config.allow_html)
    problems.extend(walk.problems)
    documents = _parse_all(walk.files, cache, config.allow_html, stamps.now(), parallel, stages,
                           None if edited is None else (walk, edited))
    if cache.memo is not None:  # (only once read: a read that fails leaves the next one to walk)
        cache.memo.sources = walk._replace(documents=documents, allow_html=config.allow_html)
    if edited is None:  # (else the same files as last time)
        live = {s.file for s in walk.files} | ({source.file} if source else set())
        for stale in (cache.documents.entries.keys() | cache.documents.index.keys()) - live:
            if cache.documents.record(stale) is not None:  # (its shard read first)
                del cache.documents.entries[stale]
                cache.dirty = True
    return config, documents, problems


def _walk(project: Path, output: Path | None, cache: Cache, allow_html: bool) -> tuple[caching.Sources, set[str] | None]:
    """The project's source files and the walk's problems (``load.discover``), and the only files
    that may have changed since the last read (None: any). The dev server's next build, told by its
    watcher which files were edited (``ServerMemo.edited``), reuses its last walk and read while
    the walk still holds (``load.walk_holds``) and looks at the edited files alone, and at those
    an edit can reach under another name (``load.linked``): at 10,000 articles the walk and a
    stat of all 22,000 files took 0.15 s of an edit's 0.9."""
    memo = cache.memo
    if memo is not None:
        (last, memo.sources), (edited, memo.edited) = (memo.sources, None), (memo.edited, None)
        if (last is not None and edited is not None and last.project == project and last.output == output
                and last.allow_html == allow_html and last.holds(edited)):
            return last, edited
        return caching.Sources.walked(project, output, *load.discover(project, output)), None
    return caching.Sources(project, output, *load.discover(project, output), {}, []), None


def _read_config(project: Path, cache: Cache, output: Path | None = None
                 ) -> tuple[SiteConfig, load.SourceFile | None, list[Diagnostic]]:
    """briefgen.yaml: the settings (what of them is valid, the rest at the defaults), the file
    read (None when there is none, or it links outside the project or into a folder briefgen
    writes in: ``load.written_folders``) and its problems."""
    problems: list[Diagnostic] = []
    config_doc = None
    source = load.config_source(project)
    if source is None:
        load.require_project(project)
    if source is not None and not load.inside(Path(source.path), project.resolve()):
        problems.append(Diagnostic("error", "outside-project", "briefgen.yaml links to a file outside the project",
                                   source.file, hint="copy the settings into the project instead"))
        source = None  # never read; the content is checked with the default settings
    place = load.written_into(Path(source.path), load.written_folders(project, output)) if source is not None else None
    if source is not None and place is not None:
        problems.append(load.into_written(source.file, place, "the project's folder"))
        source = None
    if source is not None:
        config_doc = documents_of(_parse_all([source], cache, False, stamps.now(), parallel=False), cache, False)[0]
        problems.extend(config_doc.diagnostics)
    valid = salvaged(config_doc)
    config = valid.data if valid is not None and isinstance(valid.data, SiteConfig) else SiteConfig()
    if config_doc is not None and config_doc.data is None and (valid is None or "future_dates" in valid.incomplete):
        config = config.model_copy(update={"future_dates": True})  # no warnings about a setting written wrong
    return config, source, problems


def site_config(project: Path) -> SiteConfig:
    """The project's settings as far as they are valid, read before a build (deploy decides its
    base URL by them); the build itself reports what is wrong with them."""
    return _read_config(project, Cache.one_off())[0]


def _parse_all(sources: list[load.SourceFile], cache: Cache, allow_html: bool, swept_at: int,
               parallel: bool, stages: Stages | None = None,
               edits: tuple[caching.Sources, set[str]] | None = None) -> list[Document | caching.Unread]:
    """Every source's document: from the cache where its file is unchanged, the rest parsed on
    every core (a cold build of 10,000 articles parses 22,000 files). ``edits``: the last read
    (its walk is ``sources``) and the only files that may have changed since (``_walk``): the
    others are its documents. A file of a shard the CLI has not read, which the index proves
    unchanged, is ``caching.Unread`` (``documents_of`` reads it)."""
    stages = stages or Stages()
    with stages.stage("reading", len(sources)) as count:
        if edits is None:
            looked: Iterable[int] = range(len(sources))
            found: list[Document | _Unparsed | caching.Unread] = [_lookup(s, cache, allow_html, swept_at) for s in sources]
        else:
            walk, edited = edits
            found = list(walk.documents)
            looked = walk.looked(edited)
            for index in looked:
                found[index] = _lookup(sources[index], cache, allow_html, swept_at)
        count(len(sources), len(sources))
    todo = [(index, item) for index in looked if isinstance(item := found[index], _Unparsed)]
    with stages.stage("parsing", len(todo)) as count:
        parsed = fork_map(_parse_one, [item for _, item in todo], "parsing", parallel, count)
        count(len(todo), len(todo))
    for (index, item), document in zip(todo, parsed):
        cache.documents.entries[item.source.file] = ParseRecord(item.key, document, item.proof)
        cache.dirty = True
        found[index] = document
    return found  # type: ignore[return-value]  # (no _Unparsed is left)


@dataclass(frozen=True, slots=True)
class _Unparsed:
    source: load.SourceFile
    raw: bytes
    key: ContentKey
    proof: list[int] | None


def documents_of(found: list[Document | caching.Unread], cache: Cache, allow_html: bool) -> list[Document]:
    """The Documents of a read: each one left unread (``caching.Unread``) taken from its shard,
    or read and parsed again if that shard turns out not to hold it (a shard written by another
    build than the index, or damaged since)."""
    if not any(isinstance(item, caching.Unread) for item in found):
        return found  # type: ignore[return-value]
    return [_unread(item, cache, allow_html) if isinstance(item, caching.Unread) else item for item in found]


def _unread(item: caching.Unread, cache: Cache, allow_html: bool) -> Document:
    record = cache.documents.record(item.file)
    if record is not None and record.key == item.key:
        return record.document
    looked = _lookup(item.source, cache, allow_html, stamps.now())  # (its shard read: never Unread)
    assert not isinstance(looked, caching.Unread)
    if not isinstance(looked, _Unparsed):
        return looked
    document = _parse_one(looked)
    cache.documents.entries[item.file] = ParseRecord(looked.key, document, looked.proof)
    cache.dirty = True
    return document


def _lookup(source: load.SourceFile, cache: Cache, allow_html: bool, swept_at: int) -> Document | _Unparsed | caching.Unread:
    """The file's last parse when its bytes are the same, or what parsing it needs.

    A file whose stat stamp (mtime, ctime, size, inode) is the one recorded when it was last read,
    long enough after its last change to be proof (stamps.settled), is not read again. Otherwise
    the parse is keyed on content: editors, `cp -p`, rsync and coarse file systems can change a
    file without changing its mtime or size.
    """
    found = stamps.stamp(source.path)
    if cache.documents.pending(source.file):  # (the CLI's: its shard not read yet)
        known = cache.documents.index.get(source.file)
        if known is not None and known.key.allow_html == allow_html and known.proof is not None and known.proof == found:
            return caching.Unread(source, known.key)
    hit = cache.documents.record(source.file)
    if hit is not None and hit.key.allow_html == allow_html and hit.proof is not None and hit.proof == found:
        return hit.document
    raw = load.read(source)
    if isinstance(raw, Diagnostic):
        return Document(source.kind, source.file, source.ident, None, diagnostics=(raw,))
    key = ContentKey(hashlib.blake2b(raw, digest_size=20).digest(), allow_html)
    proof = found if stamps.settled(found, swept_at) else None
    if hit is not None and hit.key == key:
        if hit.proof != proof:
            cache.documents.entries[source.file] = hit._replace(proof=proof)
            cache.dirty = True
        return hit.document
    return _Unparsed(source, raw, key, proof)


def _parse_one(item: _Unparsed) -> Document:
    source = item.source
    return parse(source.kind, source.file, source.ident, item.raw, item.key.allow_html)


def fail_if_errors(diagnostics: list[Diagnostic], strict: bool) -> list[Diagnostic]:
    """Raise BuildFailed with every problem at once; return the warnings otherwise."""
    if strict:
        diagnostics = [Diagnostic("error", d.code, d.message, d.file, d.line, d.hint) for d in diagnostics]
    if errors_in(diagnostics):
        raise BuildFailed(diagnostics)
    return sorted(diagnostics, key=Diagnostic.sort_key)


def load_briefing(project: Path, *, base_url: str | None = None, strict: bool = False, today: dt.date | None = None,
                  cache: Cache | None = None, parallel: bool = False, stages: Stages | None = None,
                  edition: dt.date | None = None, output: Path | None = None) -> tuple[model.Briefing, list[Diagnostic]]:
    """Every stage up to a resolved Briefing: the sources read, parsed, validated and linked.
    ``output``: the build's output folder, which no source may lead into (``load.written_folders``)."""
    cache = cache if cache is not None else Cache.one_off()
    stages = stages or Stages()
    config, documents, problems = read_project(project, cache, base_url, parallel, stages, edition, output)
    with stages.stage("resolving"):
        if cache.mode is caching.Mode.DISK:
            briefing, more = _resolve_persisted(project, config, documents, today or build_date(), cache)
        else:  # (only the CLI's read leaves documents unread)
            briefing, more = resolve(config, documents_of(documents, cache, config.allow_html), today or build_date(),
                                     cache.memo.resolved if cache.memo is not None else None)
    warnings = fail_if_errors(problems + more, strict)
    assert briefing is not None
    return briefing, warnings


def _resolve_persisted(project: Path, config: SiteConfig, found: list[Document | caching.Unread], today: dt.date,
                       cache: Cache) -> tuple[model.Briefing | None, list[Diagnostic]]:
    """The CLI's resolve: by difference from the last build's (``resolve.texts_again``) when the
    documents are the ones it resolved (by content: ``Resolution.inputs``) but for article texts,
    under the same settings and day; else whole. This build's resolve becomes
    ``cache.resolution`` (saved by ``caching.save_resolution``) when it made a Briefing. ``found``:
    the read's documents, those the index proves unchanged unread (only a whole resolve, and
    the annotations of the texts edited, need theirs)."""
    last, cache.resolution, cache.carried = cache.resolution, None, None
    inputs = _inputs(found, cache)
    changed = _texts_changed(found, inputs, last, cache) if last is not None and inputs is not None \
        and last.config == config and last.today == today else None
    before = caching.load_briefing(project, last) if last is not None and changed is not None else None
    if last is not None and inputs is not None and changed is not None and before is not None:
        kinds: dict[str, set[str]] = {"article": set(), "topic": set(), "actor": set()}
        for doc in found:
            if (named := kinds.get(doc.kind)) is not None:
                named.add(doc.ident)
        slugs = {doc.ident for doc, _ in changed}
        sidecars = {doc.ident: _unread(doc, cache, config.allow_html) if isinstance(doc, caching.Unread) else doc
                    for doc in found if doc.kind == "annotations" and doc.ident in slugs}
        quick = texts_again(config, today, before, last.problems, (kinds["article"], kinds["topic"], kinds["actor"]),
                            sidecars, changed)
        if quick is not None:
            briefing, problems = quick
            bodies = {**last.bodies, **{slug: briefing.bodies[slug] for slug in slugs}}
            generation = os.urandom(16)
            if len(bodies) <= caching.REBASE:
                cache.resolution = caching.Resolution(generation, last.base, config, today, inputs, list(problems), bodies)
            else:  # (briefing.pickle written anew)
                cache.resolution = caching.Resolution(generation, generation, config, today, inputs, list(problems), {})
                cache.briefing = briefing
            cache.carried = (last.generation, frozenset(slugs))
            return briefing, problems
    made, problems = resolve(config, documents_of(found, cache, config.allow_html), today, None)
    if made is not None and inputs is not None:
        generation = os.urandom(16)
        cache.resolution = caching.Resolution(generation, generation, config, today, inputs, list(problems), {})
        cache.briefing = made
    return made, problems


def _inputs(found: list[Document | caching.Unread], cache: Cache) -> dict[str, ContentKey] | None:
    """The content each document was parsed from (None when a file could not be read: an error)."""
    inputs: dict[str, ContentKey] = {}
    for doc in found:
        if isinstance(doc, caching.Unread):
            inputs[doc.file] = doc.key
            continue
        record = cache.documents.entries.get(doc.file)
        if record is None or record.document is not doc:
            return None
        inputs[doc.file] = record.key
    return inputs


def _texts_changed(found: list[Document | caching.Unread], inputs: dict[str, ContentKey],
                   last: caching.Resolution, cache: Cache) -> list[tuple[Document, Document]] | None:
    """(document now, document the last resolve saw) of each file whose content differs from
    what the last resolve had, when they are all article texts and that resolve's documents are
    still in the parse cache; None otherwise."""
    if inputs.keys() != last.inputs.keys():
        return None
    changed = []
    for doc in found:
        was = last.inputs[doc.file]
        if inputs[doc.file] != was:
            then = cache.documents.loaded.get(doc.file)  # (its record as read from disk)
            if doc.kind != "article" or isinstance(doc, caching.Unread) or then is None or then.key != was:
                return None
            changed.append((doc, then.document))
    return changed


def build(project: Path, output: Path | None, *, base_url: str | None = None, strict: bool = False,
          today: dt.date | None = None, cache: Cache | None = None, progress: Stages | None = None,
          index_search: bool = True, persist: bool = False, parallel: bool = True, replace_foreign: bool = False,
          waiting: Callable[[str], None] | None = None, edition: dt.date | None = None,
          last: bool = False) -> BuildResult:
    """Run the pipeline; write into ``output`` unless it is None (the dev server serves from memory).

    ``last``: the process ends after this build (the CLI's): what a persisted build made is then
    frozen out of the garbage collector's reach rather than scanned (``_no_gc_pauses``); a
    process that builds again (the Python API, a test) leaves it False and keeps its memory.

    ``persist`` keeps a cache in the project between runs (the CLI's default; --no-cache turns it
    off), and with it the stamps that let a build whose inputs and output did not change stop at
    once (its result then has no briefing). ``parallel`` parses and renders on every core (not
    from the dev server's threads).

    Into an output folder: only where ``write.check_output`` allows, one build at a time
    (``write.locked``; ``waiting`` hears it when another build holds the folder), and touching
    only what briefgen made there, unless ``replace_foreign`` (--clean-destination-dir).

    The cache's mode (cache.Mode) is chosen here, once: a cache passed in keeps its own (the dev
    server's is SERVER); ``persist`` into an output folder without one is the CLI's DISK, loaded
    from the cache folder and saved back; anything else builds ONE_OFF.
    """
    if output is None:
        with _no_gc_pauses():
            return _build(project, None, base_url=base_url, strict=strict, today=today, cache=cache,
                          progress=progress, index_search=index_search, parallel=parallel, edition=edition)
    check_output(project, output)  # before the cache folder or the output is touched
    disk = persist and cache is None
    if disk:
        caching.check_folder(project)
    with locked(output, waiting):
        check_owned(output, replace_foreign)
        if disk:
            return _build_persisted(project, output, base_url=base_url, strict=strict, today=today,
                                    progress=progress, index_search=index_search, parallel=parallel,
                                    replace_foreign=replace_foreign, edition=edition, last=last)
        with _no_gc_pauses():
            return _build(project, output, base_url=base_url, strict=strict, today=today, cache=cache,
                          progress=progress, index_search=index_search, parallel=parallel,
                          replace_foreign=replace_foreign, edition=edition)


def _build_persisted(project: Path, output: Path, *, base_url: str | None, strict: bool, today: dt.date | None,
                     progress: Stages | None, index_search: bool, parallel: bool,
                     replace_foreign: bool, edition: dt.date | None = None, last: bool = False) -> BuildResult:
    """A CLI build: the stamps first (nothing changed: done), then the pipeline with the disk cache (Mode.DISK)."""
    started = time.perf_counter()
    stages = progress or Stages()
    settings = (str(project.resolve()), base_url, strict, index_search, (today or build_date()).isoformat(),
                edition.isoformat() if edition else None)
    with stages.stage("checking stamps"):
        record = stamps.last(project, output, settings)
        swept_at = stamps.now()
        swept = stamps.inputs(project)
        # (--clean-destination-dir: what the build does not make goes, so the output is looked at)
        done = stamps.unchanged(output, record, swept) if not replace_foreign else None
    if done is not None:
        verified = False
        if verifying():
            clean = _build(project, None, base_url=base_url, strict=strict, today=today, cache=None, progress=None,
                           index_search=index_search, parallel=parallel, edition=edition)
            _compare(clean.files, {name: read_output(output, name) for name in clean.files},
                     clean.warnings, done.warnings)
            verified = True
        return BuildResult(None, done.pages, done.warnings, 0, WriteReport((), (), done.files),
                           time.perf_counter() - started, stages=tuple(stages.times), verified=verified)
    with _no_gc_pauses(one_shot=last):
        with stages.stage("loading cache"):
            cache = caching.load(project, output)
        generation = cache.pages.generation  # stamps prove pages only with the records of the same build
        cache.pages.stamped = record.outputs if record is not None and generation and record.generation == generation else {}
        stamps.forget(project)
        result = _build(project, output, base_url=base_url, strict=strict, today=today, cache=cache,
                        progress=stages, index_search=index_search, parallel=parallel,
                        replace_foreign=replace_foreign, edition=edition)
        with stages.stage("saving cache"):
            generation = caching.save(project, output, cache)
            kept = {**cache.pages.on_disk, **(result.written.stamps if result.written is not None else {})}
            stamps.record(project, output, settings, swept, swept_at, sorted(result.files), kept,
                          stamps.summary(result.pages, result.warnings, len(result.files)), generation)
    return dataclasses.replace(result, stages=tuple(stages.times))


@contextlib.contextmanager
def _no_gc_pauses(one_shot: bool = False):
    """A build makes millions of long-lived objects and few cycles; the cyclic collector's repeated
    full passes over them cost more than half of a large build, so it waits until the end.

    ``one_shot``: the process ends after this build (the CLI). Its objects are then frozen out of
    the collector's reach: left in the youngest generation, they would be scanned at once, then
    again at each promotion (seconds at 10,000 articles) only to free a few dozen cycles. A long
    running process (the dev server) must not freeze after every build, as each new Jinja
    environment is cyclic; it freezes once, after its first build (serve.Rebuilder).
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if one_shot:
            gc.freeze()
        if was:
            gc.enable()


class StaleOutput(BuildFailed):
    """Verify mode found an incremental build that differs from a clean one (files, warnings, or
    failing where the other does not)."""


def _build(project: Path, output: Path | None, *, base_url: str | None, strict: bool, today: dt.date | None,
           cache: Cache | None, progress: Stages | None, index_search: bool, parallel: bool,
           replace_foreign: bool = False, edition: dt.date | None = None) -> BuildResult:
    """The pipeline; in verify mode an incremental build is checked against a clean one made
    first, in memory, before this build touches the cache: the same files and warnings, or the
    same errors."""
    clean: BuildResult | BuildFailed | None = None
    if cache is not None and verifying():
        try:
            clean = _build(project, None, base_url=base_url, strict=strict, today=today, cache=None, progress=None,
                           index_search=index_search, parallel=parallel, edition=edition)
        except BuildFailed as exc:
            clean = exc
    try:
        return _pipeline(project, output, base_url=base_url, strict=strict, today=today, cache=cache,
                         progress=progress, index_search=index_search, parallel=parallel,
                         replace_foreign=replace_foreign, edition=edition, clean=clean)
    except StaleOutput:
        raise
    except BuildFailed as exc:
        if isinstance(clean, BuildResult):
            raise StaleOutput([_stale("the incremental build failed where a clean build succeeds"),
                               *exc.diagnostics]) from None
        if isinstance(clean, BuildFailed) and clean.diagnostics != exc.diagnostics:
            raise StaleOutput([_stale("the incremental build failed otherwise than a clean build: "
                                      + "; ".join(str(d) for d in exc.diagnostics if d not in clean.diagnostics)),
                               *clean.diagnostics]) from None
        raise


def _stale(message: str, file: str = "") -> Diagnostic:
    return Diagnostic("error", "stale-output", message, file,
                      hint=f"a briefgen bug ({VERIFY}=1 found it): please report it; build with --no-cache meanwhile")


def _pipeline(project: Path, output: Path | None, *, base_url: str | None, strict: bool, today: dt.date | None,
              cache: Cache | None, progress: Stages | None, index_search: bool, parallel: bool,
              replace_foreign: bool, edition: dt.date | None, clean: BuildResult | BuildFailed | None) -> BuildResult:
    started = time.perf_counter()
    stages = progress or Stages()
    cache = cache if cache is not None else Cache.one_off()
    made = cache.pages
    made.begin()
    if made.output is not None and output is not None and made.output.resolve() != output.resolve():
        made.written, made.output = {}, None
    try:  # the templates' problems are reported in the same round as the content's
        assets, template_problems = collect_assets(project, output), []
    except BuildFailed as exc:
        assets, template_problems = {}, list(exc.diagnostics)
    root_files, root_problems = load.root_files(project, output)
    template_problems += root_problems
    try:
        briefing, warnings = load_briefing(project, base_url=base_url, strict=strict, today=today, cache=cache,
                                           parallel=parallel, stages=stages, edition=edition, output=output)
    except BuildFailed as exc:
        raise BuildFailed([*exc.diagnostics, *template_problems]) from None
    if cache.mode is caching.Mode.DISK and output is not None:
        with stages.stage("saving parsed sources"):
            caching.save_documents(project, cache)
        with stages.stage("saving resolve"):
            caching.save_resolution(project, cache)
    if cache.ledger is not None and cache.ledger.keys:  # the search stage's and the plan's
        with stages.stage("digesting", len(cache.ledger.keys)):
            if cache.carried is not None:
                since, edited = cache.carried
                cache.ledger.carry(briefing, since, {("bodies", slug) for slug in edited})
            cache.ledger.digests_of(briefing).prefetch(cache.ledger.keys)
    root_files, cname_problems = root.with_cname(root_files, briefing.config.cname)
    template_problems += cname_problems
    if template_problems:
        raise BuildFailed([*template_problems, *warnings])
    with contextlib.ExitStack() as later:
        if briefing.config.search and index_search:  # made from the Briefing, beside planning and rendering
            with stages.stage("search records"):
                searching = later.enter_context(SearchIndex(briefing, cache))
        with stages.stage("planning"):
            pages = plan(briefing, cache.memo.plan if cache.memo is not None else None, cache.ledger)
            if cache.ledger is not None:  # (its digests are now this Briefing's)
                cache.ledger.briefing = cache.resolution.generation if cache.resolution is not None else b""
        with stages.stage("rendering", len(pages)) as count:
            renderer = _renderer(project, briefing.config, assets, cache)
            index_files = len(made.on_disk)  # the search index's, taken back already (SearchIndex)
            files, rendered, problems = render_pages(renderer, pages, cache, count, parallel, pack=output is not None)
            taken_back = len(made.on_disk) - index_files  # (pages by fingerprint; PDFs by their own proof)
        _forget_old_entities(cache, briefing)
        if problems:
            raise BuildFailed(problems)
        kinds = Counter(map(attrgetter("kind"), pages))
        if briefing.config.pdf.every_build:
            with stages.stage("pdf", len(briefing.topics)):
                pdfs, problems = pdf.make(renderer.render, briefing, briefing.topics,
                                          cache.memo.pdfs if cache.memo is not None else None, _output_reader(output))
            if problems:
                raise BuildFailed(problems)
            files.update(pdfs)
            kinds["pdf"] = len(pdfs)
        for asset in assets.values():
            files[asset.output.lstrip("/")] = asset.data
        files[".nojekyll"] = b""  # GitHub Pages: serve the site as it is, no Jekyll pass
        if cache.mode is caching.Mode.DISK and output is not None:  # while Pagefind may still be indexing
            with stages.stage("saving plan"):
                caching.save_ledger(project, cache)
        if briefing.config.search and index_search:
            with stages.stage("search index", searching.reindexed):  # shards made again
                index, unread = searching.files()
                files.update(index)
                for name in unread:  # (only from the CLI's cache: then files is a SiteFiles into the output)
                    files.keep(name)
    collisions = root.place(root_files, files, lambda: root.made_by(pages, assets, search.FOLDER))
    if collisions:
        raise BuildFailed(collisions)
    files.update(root_files)  # after the search stage: root files are published as they are, not indexed
    if isinstance(clean, BuildFailed):
        raise StaleOutput([_stale("the incremental build succeeded where a clean build fails"), *clean.diagnostics])
    if clean is not None:
        _compare(clean.files, files, clean.warnings, tuple(warnings))
    report = None
    if output is not None:
        with stages.stage("writing", len(files)):
            report = write_site(output, files, frozenset(made.on_disk), replace_foreign)
    parsed = sum(t.items or 0 for t in stages.times if t.name == "parsing")
    site = files if files.unread or files.packed else files.made  # (the dev server's: a plain dict)
    return BuildResult(briefing, dict(sorted(kinds.items())), tuple(warnings), rendered, report,
                       time.perf_counter() - started, site, tuple(pages), frozenset(root_files),
                       tuple(stages.times), verified=clean is not None, parsed=parsed, taken_back=taken_back)


def _output_reader(output: Path | None) -> Callable[[str], bytes | None] | None:
    """A file of the output folder as the last build left it (``write.read_output``; what may be
    reused is checked by its content: pdf.made_from)."""
    return None if output is None else partial(read_output, output)


VERIFY = "BRIEFGEN_VERIFY"
"""Set to 1, every incremental build (CLI and dev server) also builds clean in memory and fails,
naming the files, if the two differ: stale output becomes an error instead of a site."""


def verifying() -> bool:
    return os.environ.get(VERIFY, "") == "1"


def _compare(clean: Mapping[str, bytes], made: Mapping[str, bytes | None],
             clean_warnings: tuple[Diagnostic, ...] = (), warnings: tuple[Diagnostic, ...] = ()) -> None:
    """StaleOutput naming every file the incremental build made otherwise than the clean one, and
    every warning one of the two gave and the other not."""
    differ = sorted(name for name in clean.keys() | made.keys() if clean.get(name) != made.get(name))
    problems = [_stale("the incremental build made this file "
                       + ("without it being in a clean build" if name not in clean else
                          "differently from a clean build" if made.get(name) is not None else
                          "not at all, but a clean build does"), name) for name in differ]
    for found, other, how in ((warnings, clean_warnings, "gave a warning a clean build does not: "),
                              (clean_warnings, warnings, "did not give a warning a clean build gives: ")):
        problems += [_stale("the incremental build " + how + str(d), d.file) for d in found if d not in other]
    if problems:
        raise StaleOutput(problems)


def _renderer(project: Path, config: SiteConfig, assets: dict, cache: Cache) -> Renderer:
    """The last build's renderer if it was made for the same settings and assets (the dev server)."""
    if cache.memo is None:
        if cache.ledger is not None:
            learn_references(cache.ledger.references)
            learn_code(cache.ledger.compiled)
        return Renderer(project, config, assets)
    last = cache.memo.renderer
    if last is not None and last.project == project and last.config == config and last.assets == assets:
        return last.fresh()
    cache.memo.renderer = Renderer(project, config, assets)
    return cache.memo.renderer


class SearchIndex:
    """The search stage: Pagefind's index of the briefing's records (search.records), in shards
    (search.sharded), a shard made again only when one of its records changed since the last
    build (a template edit changes none). Started before the pages are rendered, and made by
    Pagefind's own process meanwhile; ``files()`` waits for it. ``reindexed`` is how many shards
    are being made again. A context manager: a build that fails stops Pagefind. ``behind``: made
    at a lower priority (search.Indexing); ``pause``: called between records, as each is made
    and sent, and between replies (the dev server's indexer waits there while a build runs)."""

    def __init__(self, briefing: model.Briefing, cache: Cache, behind: bool = False,
                 pause: Callable[[], None] = search.go_on) -> None:
        language = search.pagefind_language(briefing.config.language)
        memo = cache.memo.search_records if cache.memo is not None else None
        groups = search.entries(briefing, language, memo, cache.ledger, pause)
        self.cache = cache
        self.keys = search.fingerprints(groups, memo, cache.ledger, pause)
        self.empty = {shard for shard, found in enumerate(groups) if not found and shard > 0}  # nothing to index
        stale: dict[int, list[dict]] = {}
        for shard, found in enumerate(groups):
            if shard not in self.empty and not self._kept(shard):
                stale[shard] = []
                for entry in found:
                    pause()
                    stale[shard].append(entry.message())
        self.reindexed = len(stale)
        self.indexing = search.Indexing(stale, language, behind=behind, pause=pause) if stale else None

    def _kept(self, shard: int) -> bool:
        """Whether the shard's index is the last build's: made from the same records, and its
        files still held, or else in the output folder as that build wrote them (the CLI's cache
        keeps no bytes: ``Pages.back``)."""
        record = self.cache.search.get(shard)
        if record is None or record.fingerprint != self.keys[shard]:
            return False
        return record.files is not None or self.cache.pages.back(record.digests)

    def files(self) -> tuple[dict[str, bytes], list[str]]:
        """(the index files made or held, output-relative path -> bytes; the names of those left
        in the output folder, taken back unread)."""
        made: dict[int, dict[str, bytes]] = {}
        if self.indexing is not None:
            made, problems = self.indexing.files()
            if problems:
                raise BuildFailed(problems)
        kept = {shard: SearchRecord.made(key, made.get(shard, {})) if shard in made or shard in self.empty
                else self.cache.search[shard] for shard, key in enumerate(self.keys)}
        # A shard kept with its bytes (an earlier build of this process) is in the output as that
        # build wrote it where the stamps prove so (the CLI's, which go with these records:
        # Pages.generation): not read back and compared by the write.
        for shard, record in kept.items():
            if shard not in made and record.files:
                for name in record.files:
                    self.cache.pages.proven(name)
        if made or kept.keys() != self.cache.search.keys():
            self.cache.search = kept
            self.cache.dirty = True
        files = {search.SHARDS_FILE: search.shards_file([shard for shard in kept if shard not in self.empty])}
        unread: list[str] = []
        for record in kept.values():
            if record.files is None:
                unread.extend(record.digests)
            else:
                files.update(record.files)
        return files, unread

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.indexing is not None:
            self.indexing.close()


def search_index(briefing: model.Briefing, cache: Cache, behind: bool = False,
                 pause: Callable[[], None] = search.go_on) -> dict[str, bytes]:
    """The search stage on its own (the dev server indexes after it has served the pages, behind
    the next rebuild: ``behind``, waiting in ``pause`` while that runs)."""
    with SearchIndex(briefing, cache, behind, pause) as searching:
        files, unread = searching.files()
        assert not unread  # (the dev server's records hold their bytes)
        return files


class _Packed(NamedTuple):
    """A page rendered in a worker for the write stage: compressed there (``write.packed``)."""

    data: bytes
    digest: bytes
    """``cache.digest`` of the html, as the page records keep it."""


def _packing(result: bytes | Diagnostic) -> _Packed | Diagnostic:
    return _Packed(packed(result), caching.digest(result)) if isinstance(result, bytes) else result


PAGES_PER_WAVE = 8192
"""Pages rendered by one set of forked workers (``workers.fork_map``'s waves): each set copies
only the memory its stretch of pages reads. At 100,000 articles, two workers copying the whole
build process (6.4 GB each) ran a 24 GB machine out of memory."""


def render_pages(renderer: Renderer, pages: list[Page], cache: Cache, progress: Callable[[int, int], None] | None = None,
                 parallel: bool = True, pack: bool = False) -> tuple[SiteFiles, int, list[Diagnostic]]:
    """Render every page whose fingerprint changed; reuse the HTML of the others (a page the output
    folder holds as an earlier run wrote it, proven by its stamp, is left there unread).
    ``pack``: the pages are for the write stage, held compressed until then (``SiteFiles.pack``).

    A page the planner kept from this process's last build (the dev server) keeps its fingerprint.
    Every other page is fingerprinted where it would be rendered, on every core, and compared
    there with what earlier builds made: a worker renders it only when the fingerprint is new, and
    otherwise hands back just the fingerprint (at 10,000 articles, hashing the 32,000 pages of a
    one-article CLI rebuild is two seconds of work to share).
    """
    files = SiteFiles({}, (), cache.pages.output)
    salt = by_value((renderer.config.model_dump(), sorted((a.name, a.output) for a in renderer.assets.values())))
    # Entity digests by identity, kept for the entities resolve carries over from build to build
    # (the dev server's; a CLI build keeps them for itself); the entity is stored beside its
    # digest so that its id cannot be reused while it is known.
    memo, earlier, ledger = cache.memo, cache.pages, cache.ledger
    digests = memo.digests if memo is not None else {}
    prints: dict[str, PrintRecord] = {}
    todo: list[int] = []
    last = _last_render(memo, pages, renderer, salt)
    if last is not None and memo is not None:  # (the dev server's: only the pages planned again can differ)
        todo, site = last
        files.made.update(site)
        prints = memo.prints  # (in place: a copy of 34,000 records took longer than the rest)
        for index in todo:
            del prints[pages[index].path]
    for index, page in enumerate(pages if last is None else ()):
        known = memo.prints.get(page.path) if memo is not None else _kept_print(ledger, page)
        if known is not None and known.page is page and known.template == renderer.template_digest(page.template) \
                and known.salt == salt:
            prints[page.path] = known
            file = output_file(page.path)
            if earlier.output is None:  # (the dev server's: the last build's html, in memory)
                hit = earlier.rendered.get(page.path)
                if hit is not None and hit.html is not None and hit.fingerprint == known.fingerprint:
                    files.made[file] = hit.html
                    continue
            elif earlier.taken(page.path, known.fingerprint, file):
                files.keep(file)
                earlier.rendered[page.path] = RenderRecord(known.fingerprint, None)
                continue
            html = earlier.reuse(page.path, known.fingerprint, file)
            if html is not None:
                files[file] = html
                earlier.rendered[page.path] = RenderRecord(known.fingerprint, html)
                continue
        todo.append(index)

    def render(page: Page) -> bytes | _Packed | Diagnostic:
        html = renderer.render(page)
        return _packing(html) if pack else html

    def job(index: int) -> tuple[bytes | None, bytes | _Packed | Diagnostic | None]:
        """(fingerprint, html or problem); None for the html when an earlier build made the same page."""
        page = pages[index]
        if not cache.remember:
            return None, render(page)
        known = prints.get(page.path)
        if known is not None:  # kept, but its output is gone or was edited: render it again
            return known.fingerprint, render(page)
        fingerprint = _fingerprint(page, renderer.template_digest(page.template), salt, digests)
        return fingerprint, None if earlier.made(page.path, fingerprint) else render(page)

    renderer.compile({pages[index].template for index in todo})
    problems: dict[tuple, Diagnostic] = {}
    failed: dict[tuple, int] = {}
    """How many pages each problem stopped."""
    rendered = 0

    def take(index: int, fingerprint: bytes | None, result: bytes | _Packed | Diagnostic | None) -> bool:
        """Add a page's outcome to the site; False when its HTML is still to be made."""
        nonlocal rendered
        page = pages[index]
        file = output_file(page.path)
        if fingerprint is not None:
            prints[page.path] = PrintRecord(page, renderer.template_digest(page.template), salt, fingerprint)
        if result is None:
            assert fingerprint is not None  # only a fingerprinted page is left to be taken back
            if earlier.taken(page.path, fingerprint, file):
                files.keep(file)
                earlier.rendered[page.path] = RenderRecord(fingerprint, None)
                return True
            result = earlier.reuse(page.path, fingerprint, file)
            if result is None:  # the output file changed since it was written
                return False
        else:
            rendered += 1
        if isinstance(result, Diagnostic):  # one template line failing on many pages is one problem
            key = (result.file, result.line, result.code)
            problems.setdefault(key, result)
            failed[key] = failed.get(key, 0) + 1
            return True
        if isinstance(result, _Packed):
            files.pack(file, result.data)
            if fingerprint is not None:
                earlier.rendered[page.path] = RenderRecord(fingerprint, None, result.digest)
            return True
        files[file] = result
        if fingerprint is not None:
            earlier.rendered[page.path] = RenderRecord(fingerprint, result)
        return True

    def count(done: int, total: int) -> None:  # pages taken from the cache count as done
        if progress is not None:
            progress(len(pages) - total + done, len(pages))

    again = [index for index, outcome in zip(todo, fork_map(job, todo, "rendering", parallel, count, wave=PAGES_PER_WAVE))
             if not take(index, *outcome)]
    count(len(todo), len(todo))
    for index in again:
        take(index, prints[pages[index].path].fingerprint, render(pages[index]))
    if last is None:
        for stale in set(earlier.rendered) - {p.path for p in pages}:
            del earlier.rendered[stale]
    templates = ({name: renderer.template_digest(name) for name in {page.template for page in pages}}
                 if last is None and not problems and (memo is not None or ledger is not None) else {})
    if memo is not None:
        memo.prints = prints
        memo.rendered = None if problems else RenderedSite(
            pages, salt, memo.rendered.templates if last is not None else templates,  # type: ignore[union-attr]
            dict(files.made))
    if ledger is not None and not problems:
        ledger.salt = salt
        ledger.templates = templates
        ledger.references, ledger.compiled = known_references(), known_code()
        for path, kept in ledger.pages.items():
            ledger.pages[path] = kept._replace(fingerprint=prints[path].fingerprint)
    cache.dirty = cache.dirty or bool(rendered) or len(earlier.rendered) != len(earlier.written)
    return files, rendered, [dataclasses.replace(d, message=f"{d.message} (and on {failed[key] - 1} more "
                                                         f"page{'s' if failed[key] > 2 else ''})")
                             if failed[key] > 1 else d for key, d in problems.items()]


def _last_render(memo: caching.ServerMemo | None, pages: list[Page], renderer: Renderer, salt: bytes
                 ) -> tuple[list[int], dict[str, bytes]] | None:
    """The indexes of the pages that differ from the dev server's last render, and its files,
    when the pages are those of the last plan, in their places, but for some planned again, and
    the templates and settings are the same: a page the planner kept is then the same object,
    and so its HTML is. None otherwise (each page is then looked at: its fingerprint tells)."""
    last = memo.rendered if memo is not None else None
    if last is None or last.salt != salt or len(last.pages) != len(pages) or any(
            renderer.template_digest(name) != digest for name, digest in last.templates.items()):
        return None
    todo = list(compress(counting(), map(is_not, last.pages, pages)))  # (34,000 pages at 10,000 articles)
    if any(last.pages[index].path != pages[index].path or pages[index].template not in last.templates
           or pages[index].path not in memo.prints for index in todo):  # type: ignore[union-attr]
        return None
    return todo, last.files


def _kept_print(ledger: Ledger | None, page: Page) -> PrintRecord | None:
    """A page the plan kept from the last CLI build (its context ``Later``), with the fingerprint
    it had then, the template digest and salt it was taken with."""
    if ledger is None or not isinstance(page.context, Later):
        return None
    kept = ledger.pages[page.path]
    return PrintRecord(page, ledger.templates.get(page.template, ""), ledger.salt, kept.fingerprint)


def _forget_old_entities(cache: Cache, b: model.Briefing) -> None:
    """Drop the digests of entities no longer in the briefing, once they outnumber the live ones."""
    memo = cache.memo
    if memo is None:
        return
    live = len(b.articles) + len(b.claims) + len(b.actors) + len(b.topics)
    if len(memo.digests) > 2 * live + 1000:
        ids = {id(e) for entities in (b.articles, b.claims, b.actors, b.topics) for e in entities.values()}
        memo.digests = {key: value for key, value in memo.digests.items() if key in ids}


REFS = ("actors", "articles", "topics", "claims")
"""Context keys holding {id: entity}: hashed through per-entity digests, computed once per entity
object (the dev server keeps unchanged entities, and so their digests, from build to build)."""


def _fingerprint(page: Page, template_digest: str, salt: bytes, digests: dict[int, EntityDigest]) -> bytes:
    h = hashlib.blake2b(salt, digest_size=20)
    h.update(template_digest.encode())
    rest = {}
    for key, value in page.context.items():
        if key in REFS and isinstance(value, dict):
            h.update(key.encode())
            for ident, entity in value.items():
                known = digests.get(id(entity))
                if known is None or known.entity is not entity:
                    known = digests[id(entity)] = EntityDigest(
                        entity, digest(by_value(entity)))
                h.update(ident.encode() + known.digest)
        else:
            rest[key] = value
    h.update(by_value((page.path, page.kind, page.template, page.title, rest)))
    return h.digest()


def build_date() -> dt.date:
    """Today, or the day SOURCE_DATE_EPOCH names: what reproducible builds compare dates with."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date()
    return dt.date.today()


@dataclass(frozen=True, slots=True)
class PdfResult:
    written: tuple[Path, ...]
    """The PDF files written, one per topic, in the order asked."""
    warnings: tuple[Diagnostic, ...]
    seconds: float


def export_pdfs(project: Path, topics: Iterable[str], output: Path, *, paper: str | None = None,
                strict: bool = False, today: dt.date | None = None) -> PdfResult:
    """``briefgen pdf``: the briefing read and checked as a build reads it, then the PDF of each
    topic named (every topic when none is) written into ``output`` as ``<topic>.pdf``.

    ``paper`` (A4 or Letter) overrides the ``pdf.paper`` setting. An unknown topic id fails
    before anything is laid out (pdf.PdfError, with the closest id); the output folder must be a
    place a build could write to (write.check_output).
    """
    started = time.perf_counter()
    check_output(project, output)
    briefing, warnings = load_briefing(project, strict=strict, today=today)
    idents = pdf.check_topics(briefing, topics)
    config = briefing.config
    if paper is not None:
        config = config.model_copy(update={"pdf": config.pdf.model_copy(update={"paper": paper})})
        briefing = dataclasses.replace(briefing, config=config)
    renderer = Renderer(project, config, collect_assets(project))
    files, problems = pdf.make(renderer.render, briefing, idents)
    if problems:
        raise BuildFailed(problems)
    written = pdf.write(output, files)
    return PdfResult(tuple(written), tuple(warnings), time.perf_counter() - started)


def check(project: Path, *, base_url: str | None = None, strict: bool = False,
          today: dt.date | None = None) -> BuildResult:
    """Validate everything a build would, then check every internal link of the rendered site."""
    result = build(project, None, base_url=base_url, strict=strict, today=today, index_search=False)
    b = result.briefing
    assert b is not None  # only a CLI build into an output folder can stop at once, without a briefing
    sources = {output_file(p.path): (source_of(b, p), f"templates/{p.template}") for p in result.planned}
    later = (f"{search.FOLDER}/",) if b.config.search else ()
    # Root files (static/) are published as they are: links to them count, links in them are theirs.
    files = {rel: b"" if rel in result.root_files else data for rel, data in result.files.items()}
    broken = check_links(files, sources, b.config.base_url, project, later)
    if broken:
        raise BuildFailed(broken)
    return result
