"""Parse one source file into a document: pure, per file, cacheable by content hash.

Nothing here looks at other files; references between files are resolve.py's business.
"""

from __future__ import annotations

import codecs
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.front_matter import front_matter_plugin
from pydantic import BaseModel

from . import text as textmod
from . import yamlfile
from .errors import Diagnostic
from .schema import ActorFile, Annotations, ArticleMeta, SiteConfig, TopicFile
from .review import awaiting
from .validate import validate

MODELS: dict[str, type[BaseModel]] = {
    "config": SiteConfig,
    "article": ArticleMeta,
    "annotations": Annotations,
    "topic": TopicFile,
    "actor": ActorFile,
}


@dataclass(frozen=True)  # not slotted: pickle takes plain ones apart and puts them together in C
class Body:
    """Parsed Markdown or plain text of an article or topic overview.

    What resolving needs on every build (heading, blocks, lead) is kept with the source; the token
    stream is not. It is most of a document's size, and rendering (text.ArticleText, on every core)
    parses the source again, only for the pages that changed.
    """

    source: str
    """The text as written (for Markdown, with its front matter)."""
    heading: str
    """First heading (Markdown) or first line (plain text): the title when none is given."""
    folded: tuple[str, ...]
    """The visible text of each block, folded by text.normalize_quote: what quotes are matched
    against, computed once per file rather than once per build."""
    lead: str
    plain: bool


def _tokens(source: str, allow_html: bool, plain: bool) -> list[Token]:
    return textmod.parser(allow_html, plain).parse(source, {})


def _body(source: str, plain: bool, tokens: list[Token], heading: str | None = None) -> Body:
    return Body(source, _first_heading(tokens) if heading is None else heading,
                tuple(textmod.normalize_quote(b) for b in textmod.blocks(tokens)), textmod.lead(tokens), plain)


@dataclass(frozen=True)  # not slotted: pickle takes plain ones apart and puts them together in C
class Document:
    kind: str
    """One of MODELS' keys."""
    file: str
    """Project-relative path with forward slashes."""
    ident: str
    """The file's stem: an article slug, topic id or actor id."""
    data: BaseModel | None
    """The validated contents, None when the file had errors."""
    lines: yamlfile.Lines = field(default_factory=yamlfile.Lines)
    body: Body | None = None
    diagnostics: tuple[Diagnostic, ...] = ()


def decode(raw: bytes, file: str) -> tuple[str | None, list[Diagnostic]]:
    """UTF-8 with or without BOM, any line ending; anything else is refused with its line.

    The text is NFC-normalised (Unicode's composed form, as the W3C's character model asks of
    web content): a quote pasted in NFD (macOS) matches the same words typed in NFC, and an id
    or name compares equal however the keyboard composed it.
    """
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [Diagnostic("error", "encoding", f"byte 0x{raw[exc.start]:02x} is not valid UTF-8", file, line,
                                 "save the file as UTF-8")]
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return None, [Diagnostic("error", "encoding", "the file contains a NUL byte (is it binary?)", file, line)]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return (text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)), []


def parse(kind: str, file: str, ident: str, raw: bytes, allow_html: bool = False) -> Document:
    text, problems = decode(raw, file)
    if text is None:
        return Document(kind, file, ident, None, diagnostics=tuple(problems))
    suffix = file.rsplit(".", 1)[-1].lower()
    if suffix == "txt":
        return _plain_article(file, ident, text, kind)
    if suffix == "md":
        return _markdown(kind, file, ident, text, allow_html)
    data, lines, problems = yamlfile.load(text, file)
    if problems:
        return Document(kind, file, ident, None, lines, diagnostics=tuple(problems))
    model, problems = validate(MODELS[kind], data, file, lines)
    if isinstance(model, Annotations):
        problems = [*problems, *awaiting(model, file, lines)]
    return Document(kind, file, ident, model, lines, diagnostics=tuple(problems))


def _unclosed(file: str) -> Diagnostic:
    return Diagnostic("error", "front-matter", "front matter is not closed", file, 1,
                      "end it with a line of three dashes: ---")


def _markdown(kind: str, file: str, ident: str, text: str, allow_html: bool) -> Document:
    tokens = _tokens(text, allow_html, plain=False)
    body = _body(text, False, tokens)
    data: object = None
    lines = yamlfile.Lines()
    problems: list[Diagnostic] = []
    if tokens and tokens[0].type == "front_matter":
        data, lines, problems = yamlfile.load(tokens[0].content, file, line_offset=1)
    elif text.startswith("---\n"):
        problems = [_unclosed(file)]
    else:
        problems = _late_front_matter(text, file)
    model = None
    if not problems:
        model, problems = validate(MODELS[kind], data, file, lines)
    return Document(kind, file, ident, model, lines, body, tuple(problems))


def _late_front_matter(text: str, file: str) -> list[Diagnostic]:
    """A fence of front matter after blank lines: Markdown reads it as a rule and the lines below
    as a heading, a plain text as its title. Located, never silently taken as text."""
    pos, line = 0, 1
    while True:  # only the leading blank lines are looked at
        end = text.find("\n", pos)
        current = text[pos:] if end < 0 else text[pos:end]
        if current.strip(" \t"):
            if line > 1 and current.strip(" \t") == "---":
                return [Diagnostic("error", "front-matter", "front matter must start on the first line", file, line,
                                   "remove the blank lines above it")]
            return []
        if end < 0:
            return []
        pos, line = end + 1, line + 1


def _title_line(text: str) -> tuple[str, str]:
    """The first line that is neither blank nor all dashes (a rule or a fence is never a title),
    and the text after it."""
    rest = text
    while rest:
        line, _, rest = rest.partition("\n")
        shown = line.strip()
        if shown and shown.strip("-"):
            return line, rest
    return "", ""


@lru_cache(maxsize=1)
def _front_matter() -> MarkdownIt:
    """Finds a front matter block as Markdown articles do (text.markdown's plugin), nothing else."""
    return MarkdownIt("zero").use(front_matter_plugin)


def _plain_article(file: str, ident: str, text: str, kind: str = "article") -> Document:
    """A ``.txt`` article: optional front matter as in ``.md`` (validated as ArticleMeta), then
    plain text whose first line is the title unless the front matter gives one."""
    data: object = None
    lines = yamlfile.Lines()
    problems: list[Diagnostic] = []
    has_front = False
    if text.startswith("---"):
        first = _front_matter().parse(text, {})  # only a text that starts with a fence: rare
        if first and first[0].type == "front_matter" and first[0].map:
            has_front = True
            data, lines, problems = yamlfile.load(first[0].content, file, line_offset=1)
            text = "\n".join(text.split("\n")[first[0].map[1]:])
        elif text.split("\n", 1)[0].rstrip() == "---":
            problems = [_unclosed(file)]
    else:
        problems = _late_front_matter(text, file)
    model = None
    if not problems:
        model, problems = validate(MODELS[kind], data, file, lines)
    if has_front and model is not None and getattr(model, "title", None):
        rest, heading = text, ""
    else:
        heading, rest = _title_line(text)
    body = _body(rest, True, _tokens(rest, False, plain=True), heading=heading.strip())
    return Document(kind, file, ident, model, lines, body, tuple(problems))


def _first_heading(tokens: list[Token]) -> str:
    for i, token in enumerate(tokens):
        if token.type == "inline" and i and tokens[i - 1].type == "heading_open":
            return token.content.strip()
    return ""
