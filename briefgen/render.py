"""Jinja rendering: project templates override the theme file by file; everything autoescaped.

Rendering is pure: (page, templates, config) -> bytes. Errors name the template and line.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import marshal
import os
import posixpath
import re
import stat
import traceback
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Callable, Iterator

import jinja2
import jinja2.bccache
from jinja2 import meta
from jinja2.loaders import split_template_path
from markupsafe import Markup

from . import model as m
from . import vocabulary
from .errors import BuildFailed, Diagnostic
from .load import inside, into_written, read_regular, written_folders, written_into
from .kinds import PageKind
from .pages import KINDS, Page
from .paths import absolute_url, asset_path, href, id_problem, pagefind_path, quote_anchor, suggest_id
from .schema import SiteConfig
from .text import ArticleText
from .words import counted, quoted
from .yamlfile import NEVER_SHOWN, char_class

THEME = "briefgen.theme"
_CONTROL = re.compile(char_class(NEVER_SHOWN))
"""What never reaches a page, a feed or a sitemap (yamlfile.NEVER_SHOWN). XML 1.0's Char production excludes U+FFFE, U+FFFF and C0
controls (so one in a title made the Atom feeds ill-formed); HTML's parser reports every
control character and noncharacter as an error."""
_C0 = bytes(sorted(p for p in NEVER_SHOWN if p < 0x80))
_SUSPECT = (re.compile(rb"\xc2[\x80-\x9f]"), re.compile(rb"\xef\xb7[\x90-\xaf]"), re.compile(rb"\xbf[\xbe\xbf]"))
"""In UTF-8: C1 controls, U+FDD0..U+FDEF, and every byte pair U+xFFFE/U+xFFFF ends in (with some
other characters: a false alarm only costs the exact pass)."""


def without_controls(html: str) -> bytes:
    """The page as UTF-8 without what _CONTROL matches. _CONTROL's class of 128 characters costs some
    300 ns per character, 30% of a cold build's time (py-spy, 1,000 articles, whose topic pages
    run to 2 MB); pages almost never hold such a character, and these byte-level checks say so
    about 30 times faster: C0 by deletion in C, the rest by searches that start with a literal."""
    data = html.encode("utf-8")
    if len(data.translate(None, _C0)) == len(data) and not any(p.search(data) for p in _SUSPECT):
        return data
    return _CONTROL.sub("", html).encode("utf-8")


_INERT = str.maketrans({"<": "\u2039", ">": "\u203a", "&": "\uff06", '"': "\u201d", "'": "\u2019"})
"""Look-alikes for the characters markup is made of: Pagefind's UI inserts filter values as HTML
after its indexer has decoded entities, so no escaping survives; these characters cannot."""


def theme_dir() -> Path:
    # A source checkout's own theme first: an editable install elsewhere (another worktree) maps
    # briefgen.theme to its own templates/, which would pair this code with another theme.
    checkout = Path(__file__).resolve().parent.parent / "templates"
    if (checkout / "__init__.py").is_file() and (checkout / "base.html").is_file():
        return checkout
    try:
        return Path(str(resources.files(THEME)))
    except ModuleNotFoundError:  # pragma: no cover - neither installed nor a checkout
        return checkout


@dataclass(frozen=True, slots=True)
class Asset:
    name: str
    """Logical name used in templates, e.g. style.css."""
    output: str
    """Hashed output path, e.g. /static/style.3f2a9c1b.css."""
    integrity: str
    data: bytes


def _template_tree(project: Path) -> Iterator[tuple[str, Path, bool, int | None]]:
    """Every entry under the project's ``templates/``, ``templates`` itself first, as
    ``(project-relative path, path, outside, mode)``: ``outside`` for a link that leads out of the
    project or loops (not followed), ``mode`` the entry's ``st_mode`` links followed (None: a
    dangling link). Links that stay inside the project are followed, each folder walked once."""
    root = project.resolve()
    walked: set[str] = set()

    def visit(path: Path, rel: str, link: bool) -> Iterator[tuple[str, Path, bool, int | None]]:
        if link and not inside(path, root):
            yield rel, path, True, None
            return
        try:
            mode: int | None = os.stat(path).st_mode
        except OSError:
            mode = None
        yield rel, path, False, mode
        if mode is None or not stat.S_ISDIR(mode):
            return
        real = os.path.realpath(path)
        if real in walked:
            return
        walked.add(real)
        try:
            with os.scandir(path) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            yield from visit(Path(entry.path), f"{rel}/{entry.name}", entry.is_symlink())

    top = project / "templates"
    if os.path.lexists(top):
        yield from visit(top, "templates", top.is_symlink())


def template_problems(project: Path, output: Path | None = None) -> list[Diagnostic]:
    """Everything under the project's ``templates/`` (and ``templates`` itself) that a build must
    not read: a link that leads outside the project or loops (a cloned project would publish the
    user's ``~/.bashrc`` as a static file, or render it into a page), a link into a folder briefgen
    writes in (``load.written_folders``: ``output`` among them), and a pipe, socket or device
    (reading it could wait forever). Links that stay inside the project are followed, each folder
    walked once. The theme's own files are not looked at."""
    problems: list[Diagnostic] = []
    written = written_folders(project, output)
    refused: list[str] = []  # links refused: what lies behind them is no second problem
    for rel, path, outside, mode in _template_tree(project):
        if any(rel.startswith(f"{link}/") for link in refused):
            continue
        place = written_into(path, written) if not outside and os.path.islink(path) else None
        if place is not None:
            refused.append(rel)
            problems.append(into_written(rel, place, "templates/", folder=mode is not None and stat.S_ISDIR(mode)))
        elif outside:  # worded as load.py words links under content/
            if os.path.isdir(path):
                problems.append(Diagnostic("error", "outside-project", "the folder is a link to a place outside the "
                                           "project", rel, hint="copy the files into the project instead"))
            else:
                problems.append(Diagnostic("error", "outside-project", "symlink points outside the project or loops",
                                           rel, hint="copy the file into the project instead"))
        elif mode is not None and not stat.S_ISDIR(mode) and not stat.S_ISREG(mode):
            problems.append(Diagnostic("error", "not-a-file", "this is a pipe, socket or device, not a file: reading it "
                                       "could wait forever", rel, hint="remove it, or put the file it stands for in its place"))
    return problems


def collect_assets(project: Path, output: Path | None = None) -> dict[str, Asset]:
    """Theme static files, overridden by the project's templates/static/, with content-hashed names.

    ``BuildFailed`` first, with every problem at once, when the project's templates/ holds a link
    out of the project or into ``output`` or the cache folder, or a pipe or device
    (``template_problems``)."""
    problems = template_problems(project, output)
    if problems:
        raise BuildFailed(problems)
    files: dict[str, bytes] = {}
    for folder in (theme_dir() / "static", project / "templates" / "static"):
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                if path.is_file() and not path.name.startswith(".") and path.suffix not in (".py", ".pyc"):
                    data = read_regular(path)
                    if data is not None:
                        files[path.name] = data
    assets = {}
    for name, data in files.items():
        digest = hashlib.sha256(data).hexdigest()[:10]
        stem, dot, ext = name.rpartition(".")
        hashed = f"{stem}.{digest}.{ext}" if dot else f"{name}.{digest}"
        sri = "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()
        assets[name] = Asset(name, asset_path(hashed), sri, data)
    return assets


class ProjectLoader(jinja2.FileSystemLoader):
    """The project's ``templates/``: a template that, links followed, lies outside the project or
    is not a regular file is never read (the theme's is used; ``template_problems`` has already
    failed the build over it, this guards what changes after that check)."""

    def __init__(self, project: Path) -> None:
        super().__init__(str(project / "templates"))
        self.project = project
        self.root = project.resolve()

    def get_source(self, environment: jinja2.Environment, template: str):
        path = Path(posixpath.join(self.searchpath[0], *split_template_path(template)))
        if os.path.lexists(path) and not (inside(path, self.root) and path.is_file()):
            raise jinja2.TemplateNotFound(template)
        return super().get_source(environment, template)

    def list_templates(self) -> list[str]:
        """Every template file, those behind a linked folder that stays in the project included
        (Jinja's own listing does not follow links, and a template it misses would escape the
        checks of changed sources: ``Renderer.fresh`` and a computed include's digest): the
        entries of ``_template_tree`` that are not folders, nor links out of the project."""
        return sorted(rel.removeprefix("templates/") for rel, _, outside, mode in _template_tree(self.project)
                      if rel != "templates" and not outside and not (mode is not None and stat.S_ISDIR(mode)))


def _environment(loader: jinja2.BaseLoader | None = None, bytecode_cache: jinja2.BytecodeCache | None = None,
                 ) -> jinja2.Environment:
    """A Jinja environment with every Renderer's options: what a template's source compiles to
    depends on them and on the names of the filters and tests (a missing one fails at compile
    time), which every Renderer sets alike."""
    return jinja2.Environment(loader=loader, bytecode_cache=bytecode_cache, autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                              keep_trailing_newline=True, extensions=["jinja2.ext.do"],
                              auto_reload=False)  # fresh() decides, by content; Jinja's check stats every template of every page


class _Compiled(jinja2.BytecodeCache):
    """Compiled templates kept for the process, shared by every Renderer (Jinja's bytecode cache
    protocol, in memory): a template whose file and source are unchanged is not compiled again,
    though a new Renderer is made for every clean build (verify mode, ``--no-cache``, the dev
    server's new settings). Keyed by Jinja's bucket key (the template's name and file) and checked
    against the source's checksum, so an edited template is compiled afresh. The CLI's next
    process takes them back from its signed ledger (``known_code``, ``learn_code``), never from
    a file of its own: code read back from a file a project could plant would run, and a signed
    cache file is one only this user's briefgen wrote (docs/security.md)."""

    def __init__(self) -> None:
        self._code: dict[str, tuple[str, object]] = {}
        self.used: set[str] = set()
        """The keys of the templates this process ran: what ``known_code`` keeps for the next."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.used.add(bucket.key)
        kept = self._code.get(bucket.key)
        if kept is not None and kept[0] == bucket.checksum:
            code = kept[1]
            if isinstance(code, bytes):  # taken back from the ledger: unmarshalled once used
                code = marshal.loads(code)
                self._code[bucket.key] = (kept[0], code)
            bucket.code = code  # type: ignore[assignment]

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = (bucket.checksum, bucket.code)


_COMPILED = _Compiled()
_SYNTAX = _environment()
"""Parses sources for ``_references``: the Renderers' syntax, no loader."""


References = dict[bytes, "tuple[str, ...] | None"]
"""The digest of a template's source -> what ``_references`` found in it."""

_REFERENCES: References = {}
_REFERENCES_KEPT = 1024


def _references(source: str) -> tuple[str, ...] | None:
    """The templates a template's source extends, includes or imports, sorted; None when it names
    one by a value computed as the page renders ("partials/" ~ page.kind ~ ".html"): it may then use
    any other. Unparsable: none (rendering reports the syntax error, located). Parsing is the slow
    part of a template digest (270 ms for the theme) and sources rarely change: kept by the
    digest of the source, for the process and, through ``known_references``, the CLI's next one."""
    key = hashlib.blake2b(source.encode(), digest_size=16).digest()
    if key in _REFERENCES:
        return _REFERENCES[key]
    try:
        found = list(meta.find_referenced_templates(_SYNTAX.parse(source)))
    except jinja2.TemplateSyntaxError:
        found = []
    if len(_REFERENCES) >= _REFERENCES_KEPT:
        _REFERENCES.clear()
    made = _REFERENCES[key] = None if None in found else tuple(sorted(r for r in found if r))
    return made


def known_references() -> References:
    """What this process found the templates it parsed to reference, to save (reads.Ledger)."""
    return dict(_REFERENCES)


def learn_references(known: References) -> None:
    """Take what an earlier process found (``known_references``), from a signed cache only: a
    source's references are a function of its digest."""
    if len(known) < _REFERENCES_KEPT:
        _REFERENCES.update(known)


Code = dict[str, "tuple[str, bytes]"]
"""Jinja's bucket key of a template -> (its source's checksum, its compiled code, marshalled)."""


def known_code() -> Code:
    """The templates this process ran, to save (reads.Ledger): a template no longer used (deleted,
    or the project moved) is not kept. Marshalled, so only for the Python version that made them
    (the cache's header names it)."""
    return {key: (checksum, code if isinstance(code, bytes) else marshal.dumps(code))  # type: ignore[arg-type]
            for key, (checksum, code) in _COMPILED._code.items() if key in _COMPILED.used}


def learn_code(known: Code) -> None:
    """Take back what an earlier process compiled (``known_code``), from a signed cache only:
    kept code that this process compiled afresh is left as it is."""
    for key, kept in known.items():
        _COMPILED._code.setdefault(key, kept)


_PATHS_KEPT = 200_000
"""At most this many checked url_for paths are kept (about 30 MB); then they are checked afresh."""


class Renderer:
    def __init__(self, project: Path, config: SiteConfig, assets: dict[str, Asset]):
        self.project = project
        self.config = config
        self.assets = assets
        loaders = [ProjectLoader(project), jinja2.FileSystemLoader(str(theme_dir()))]
        self.env = _environment(jinja2.ChoiceLoader(loaders), _COMPILED)
        self.env.globals.update(site=config, m=m, grade_meaning=m.grade_meaning, vocabulary=vocabulary,
                                confidence_words=vocabulary.CONFIDENCE_WORDS, statuses=vocabulary.STATUSES,
                                corroborated_statuses=vocabulary.CORROBORATED_STATUSES,
                                status_icons=vocabulary.STATUS_ICONS, text_style=vocabulary.TEXT_STYLE,
                                actor_kind_labels=vocabulary.ACTOR_KIND_LABELS,
                                reliability=vocabulary.RELIABILITY, credibility=vocabulary.CREDIBILITY,
                                page_kinds=KINDS, nav=KINDS.nav(config), path_for=path_for)
        self.env.filters["quote_anchor"] = quote_anchor
        self.env.filters["isodate"] = lambda d: d.isoformat() if d else ""
        self.env.filters["longdate"] = lambda d: f"{d.day} {d:%B %Y}" if d else ""
        self.env.filters["inert"] = lambda value: str(value).translate(_INERT)
        self.env.filters["quoted"] = quoted
        self.env.filters["counted"] = counted
        self.env.filters["atomdate"] = lambda d: f"{d.isoformat()}T00:00:00Z" if d else "1970-01-01T00:00:00Z"
        self.env.globals["absolute"] = lambda path: absolute_url(path, config.base_url)
        self.env.filters["jsonld_article"] = lambda slug, articles: {
            "@type": "NewsArticle", "headline": articles[slug].title,
            "url": articles[slug].url or absolute_url(path_for("article", slug), config.base_url)}
        self.env.globals["feed_id"] = lambda path: (absolute_url(path, config.base_url) if config.base_url
                                                    else f"urn:briefgen:{suggest_id(config.title) or 'site'}:{path}")
        self._digests: dict[str, str] = {}
        self._uses: dict[str, frozenset[str]] = {}
        """Template -> itself and every template it extends, includes or imports (with the digests)."""
        self._known = self._sources()
        self._kept: dict[tuple, Markup] = {}
        """kept()'s parts of pages, for this build: see ``kept``."""
        self.env.globals["kept"] = self.kept
        self._paths: dict[tuple[str, str | None, str | None, str | None], str] = {}
        """A url_for call (text arguments only) -> its checked site path: a claim's or an actor's
        link is written on many pages, and the check is the same for this Renderer's settings."""

    def fresh(self) -> Renderer:
        """This renderer for a new build: compiled templates are kept unless a template file was
        added, removed or changed (Jinja's own check looks at mtimes only, and never notices a
        new project template overriding a cached theme one)."""
        self._digests, self._uses, self._kept = {}, {}, {}
        sources = self._sources()
        if sources != self._known:
            self.env.cache.clear()  # type: ignore[union-attr]
            self._known = sources
        return self

    def kept(self, *key: object, caller: Callable[[], Markup]) -> Markup:
        """``{% call kept(name, url_for("home"), args...) %}...{% endcall %}``: the block's HTML, made once per
        build for each key. For a part of a page that many pages show alike (the theme's claim
        card: about 4 pages show each claim's): the key must name everything the block depends on
        besides this build's model and settings; ``url_for("home")`` stands for the page's depth, which its
        relative links depend on. Forgotten at the start of every build (``fresh``)."""
        try:
            return self._kept[key]
        except KeyError:
            made = self._kept[key] = caller()
            return made
        except TypeError:  # a part of the key cannot be a key (a list): made every time
            return caller()

    def _sources(self) -> dict[str, str | None]:
        """Every template's source (None: unreadable), read once per build for both uses above."""
        return {name: self._read(name) for name in self.env.loader.list_templates()}  # type: ignore[union-attr]

    def _read(self, name: str) -> str | None:
        try:
            return self.env.loader.get_source(self.env, name)[0]  # type: ignore[union-attr]
        except (UnicodeDecodeError, jinja2.TemplateNotFound, OSError):
            return None

    def template_digest(self, name: str) -> str:
        """Hash of a template and every template it extends, includes or imports; of every
        template when one of them names another by a value computed as the page renders."""
        if name not in self._digests:
            seen: set[str] = set()
            todo = [name]
            h = hashlib.blake2b(digest_size=16)
            while todo:
                current = todo.pop()
                if current in seen:
                    continue
                seen.add(current)
                # a template the listing misses (behind a linked folder) is read on its own
                source = self._known[current] if current in self._known else self._read(current)
                if source is None:
                    h.update(current.encode() + b"\0<unreadable>\0")  # rendering reports it, located
                    continue
                h.update(current.encode() + b"\0" + source.encode() + b"\0")
                refs = _references(source)
                todo.extend(sorted(self._known) if refs is None else refs)
            self._digests[name] = h.hexdigest()
            self._uses[name] = frozenset(seen)
        return self._digests[name]

    def compile(self, names: set[str]) -> None:
        """Compile these templates and those they use before rendering, which may fork: the workers
        then inherit them instead of each compiling its own, and this process keeps them for its
        next build (the dev server's first edit)."""
        for name in names:
            self.template_digest(name)
            for used in self._uses[name]:
                try:
                    self.env.get_template(used)
                except Exception:  # rendering the page reports it, located
                    pass

    def render(self, page: Page) -> bytes | Diagnostic:
        # The 404 page is served at any depth, so its links cannot be relative.
        base_url = self.config.base_url or ("/" if page.kind == "404" else None)

        def url(target: str) -> str:
            return href(target, page.path, base_url)

        def url_for(kind: str = "", id: str | None = None, part: str | None = None, anchor: str | None = None) -> str:
            call = (kind, id, part, anchor)
            keyed = all(type(a) is str or a is None for a in call)
            path = self._paths.get(call) if keyed else None
            if path is None:
                path = _checked_path(self.config, kind, id, part, anchor)
                if keyed:
                    if len(self._paths) >= _PATHS_KEPT:
                        self._paths.clear()
                    self._paths[call] = path
            return url(path)

        def asset(name: str) -> Asset:
            found = self.assets.get(name)
            if found is None:
                raise TemplateUsage(f"asset({name!r}): no such file in the theme's or the project's templates/static/",
                                    f"known: {', '.join(sorted(self.assets))}")
            return Asset(found.name, url(found.output), found.integrity, b"")

        try:
            template = self.env.get_template(page.template)
            # A text rendered on demand (text.ArticleText) reaches templates as the HTML string it
            # always was: overriding templates may filter it (|length, |truncate) like any string.
            context = {key: Markup(value.__html__()) if isinstance(value, ArticleText) else value
                       for key, value in page.context.items()}
            html = template.render(page=page, url=url, url_for=url_for, asset=asset,
                                   search_file=lambda name: url(pagefind_path(name)),
                                   canonical=absolute_url(page.path, self.config.base_url) if self.config.base_url else "",
                                   **context)
        except jinja2.TemplateSyntaxError as exc:
            return Diagnostic("error", "template-syntax", exc.message or "syntax error", _template_file(exc.filename, exc.name),
                              exc.lineno or 0)
        except jinja2.TemplateNotFound as exc:
            file, line = _template_frame(exc, self.project)
            return Diagnostic("error", "template-missing", f"template '{exc.name}' not found",
                              file if line else f"templates/{page.template}", line,
                              hint="add it to templates/, or correct the name")
        except TemplateUsage as exc:
            file, line = _template_frame(exc, self.project)
            return Diagnostic("error", "template-error", f"rendering {page.path}: {exc.problem}", file, line, hint=exc.hint)
        except UnicodeDecodeError as exc:
            return Diagnostic("error", "encoding", f"a template is not valid UTF-8: {exc.reason}",
                              self._undecodable() or f"templates/{page.template}", hint="save the template as UTF-8")
        except Exception as exc:  # a template bug must become a located diagnostic, never a traceback
            file, line = _template_frame(exc, self.project)
            return Diagnostic("error", "template-error", f"rendering {page.path}: {type(exc).__name__}: {exc}", file, line)
        # Control characters and noncharacters are invalid in XML and HTML: drop what the sources smuggled in.
        return without_controls(html)

    def _undecodable(self) -> str:
        """The project template that is not UTF-8, to name it in the diagnostic."""
        folder = self.project / "templates"
        for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
            if path.is_file() and path.suffix in (".html", ".xml", ".txt", ".json"):
                try:
                    path.read_bytes().decode("utf-8")
                except UnicodeDecodeError:
                    return path.relative_to(self.project).as_posix()
        return ""


def path_for(kind: str, id: str | None = None, part: str | None = None, anchor: str | None = None) -> str:
    """The site path of the page of ``kind`` (a registry name: ``actor``, ``claims``,
    ``claim-reports``) for ``id``; ``part``: a file or folder below it, ``anchor``: a fragment.
    Templates write ``url_for(...)``, the href of this path from the page being rendered, and
    ``absolute(path_for(...))`` for a full URL (docs/templates.md)."""
    return KINDS[kind].path(id, part, anchor)


def _template_file(filename: str | None, name: str | None) -> str:
    if filename and Path(filename).is_relative_to(theme_dir()):
        return f"(theme) templates/{name}"
    return f"templates/{name}" if name else (filename or "templates")


def _template_frame(exc: BaseException, project: Path) -> tuple[str, int]:
    """Jinja maps template code to template files in tracebacks: the innermost template frame, as
    the template's path below templates/ (``templates/partials/x.html``), or ("templates", 0)."""
    found = ("templates", 0)
    roots = ((Path(os.path.abspath(theme_dir())), "(theme) templates/"),
             (Path(os.path.abspath(project / "templates")), "templates/"))
    for frame in traceback.extract_tb(exc.__traceback__):
        path = Path(os.path.abspath(frame.filename))
        for root, shown in roots:
            if path.is_relative_to(root):
                found = (shown + path.relative_to(root).as_posix(), frame.lineno or 0)
    return found


class TemplateUsage(Exception):
    """A template called one of briefgen's globals wrongly: what it got, and what to do."""

    def __init__(self, problem: str, hint: str) -> None:
        super().__init__(problem)
        self.problem, self.hint = problem, hint


def _checked_path(config: SiteConfig, kind: object, ident: object, part: object, anchor: object) -> str:
    """``path_for``'s path, or TemplateUsage saying what is wrong with the arguments as written.
    (Called for every link of every page: the call is written out only when something is wrong.)"""
    entry = KINDS.get(kind) if isinstance(kind, str) else None
    wrong = _wrong(config, entry, kind, ident, part, anchor)
    if wrong is None:
        assert entry is not None
        return entry.path(ident, part, anchor)  # type: ignore[arg-type]
    call = f"url_for({', '.join(_shown(a) for a in (kind, ident, part, anchor) if a is not None)})"
    raise TemplateUsage(f"{call}: {wrong[0]}", wrong[1])


def _shown(value: object, limit: int = 60) -> str:
    """An argument as a message shows it: its repr, cut to ``limit`` characters (a whole page or
    entity passed by mistake has a repr of kilobytes)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit - 1]}…"


def _wrong(config: SiteConfig, entry: PageKind | None, kind: object, ident: object, part: object,
           anchor: object) -> tuple[str, str] | None:
    """(what is wrong, what to do) with a url_for call, or None when it names a page."""
    if entry is None:
        return f"no page kind {kind!r}", f"known kinds: {', '.join(k.name for k in KINDS)}"
    if not entry.enabled(config):
        return (f"this site has no {kind} pages (turned off in briefgen.yaml)",
                "test the setting before linking to them, as the theme's base.html does")
    if "{id}" in entry.route:
        if not (isinstance(ident, str) and ident):
            if ident is None:
                return f"{kind} pages need an id as text, got none", f"url_for('{kind}', <id>)"
            return (f"{kind} pages need an id as text, got a value of type {type(ident).__name__}",
                    f"pass the entity's id, e.g. url_for('{kind}', {kind}.id)")
        if id_problem(ident):
            return f"{ident!r} is not an id", id_problem(ident)
    elif ident is not None:
        return f"{kind} has one page, and takes no id", f"url_for('{kind}')"
    for name, value in (("part", part), ("anchor", anchor)):
        if value is not None and not (isinstance(value, str) and _SAFE_PART.fullmatch(value) and ".." not in value):
            return f"the {name} {value!r} cannot be part of a link", "letters, digits, '-', '_', '.', and '/' between names (no '..')"
    return None


_SAFE_PART = re.compile(r"[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*/?")

