"""The source file formats, as pydantic models.

These models are the single definition of what an analyst may write: validation, error messages
and the JSON Schema that editors use (``briefgen schema``) all come from them. Every model forbids
unknown keys, so a typo is an error instead of silently vanishing.

Values arrive as yamlfile.py reads them: every scalar is text (or None when blank), so the
typing happens here, in the forms docs/content-format.md ("How values are read") lists:
booleans (``Flag``) are true/false, yes/no or on/off in any case; dates (``Date``) are
YYYY-MM-DD; URLs (``HttpUrl``, ``BaseUrl``) are http(s) addresses, their scheme in any case and
written out in lower case. A blank value means "not given" (``Strict._blank_is_not_given``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlsplit

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, WithJsonSchema,
                      model_validator)
from pydantic_core import PydanticCustomError

from .paths import ID_PATTERN, WINDOWS_RESERVED
from .vocabulary import GRADE_PATTERN, ActorKind, Confidence, Status

def _not_reserved(value: str) -> str:
    """Every id becomes a folder name: Windows cannot create 'con', 'nul', 'com1'..."""
    if value in WINDOWS_RESERVED:
        raise PydanticCustomError("reserved_id", "'{value}' is a reserved file name on Windows", {"value": value})
    return value


_TRUE, _FALSE = ("true", "yes", "on"), ("false", "no", "off")


def _flag(value: Any) -> Any:
    """A boolean as users write it: true/false, yes/no, on/off, in any case (YAML 1.1's words,
    which YAML 1.2 and so yamlfile.py no longer read as booleans)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in _TRUE + _FALSE:
        return value.lower() in _TRUE
    raise PydanticCustomError("flag", "expected true or false", {})


_FLAG_PATTERN = "^(?:" + "|".join("".join(f"[{c}{c.upper()}]" for c in word) for word in _TRUE + _FALSE) + ")$"
Flag = Annotated[bool, BeforeValidator(_flag), WithJsonSchema(
    {"anyOf": [{"type": "boolean"}, {"type": "string", "pattern": _FLAG_PATTERN}]})]
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date(value: Any) -> Any:
    """Only YYYY-MM-DD: pydantic would also read '1699920000' as a Unix time."""
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise PydanticCustomError("date_format", "expected a date as YYYY-MM-DD", {})
    return value


Date = Annotated[dt.date, BeforeValidator(_iso_date), WithJsonSchema({"type": "string", "format": "date"})]
URL_PATTERN = r"^[hH][tT][tT][pP][sS]?://[^\s<>\"]+$"
"""The JSON Schema's approximation of ``_http_url``, for editors."""
_UNSAFE = re.compile(r"[\s<>\"\x00-\x1f\x7f]")
_SCHEME = re.compile(r"^(https?)://", re.IGNORECASE)


def _http_url(value: str) -> str:
    """An http(s) URL as written, with its scheme in lower case (``HTTPS://x`` -> ``https://x``).

    Refused, in this order: another scheme (``javascript:``, ``data:``, protocol-relative
    ``//host``); a leading or trailing space, tab or line break (docs/security.md section 2:
    never trimmed silently); whitespace, a control character, ``<``, ``>`` or ``"`` inside,
    named with its position (counted from 1) and, past the host name, the percent-encoded form
    to write instead (a host name cannot hold one at all); no host name; a user name, password or
    invalid port (``_authority``).
    """
    scheme = _SCHEME.match(value.strip())
    if not scheme:
        raise PydanticCustomError("url_scheme", "not an http(s) URL", {})
    if value.strip() != value:
        edge = "starts" if value[0].isspace() else "ends"
        char = value[0] if edge == "starts" else value[-1]
        raise PydanticCustomError("url_edge", "{edge} with {char}", {"edge": edge, "char": _char_name(char),
                                                                     "fixed": value.strip()})
    bad = _UNSAFE.search(value)
    rest = value[scheme.end():]
    authority = scheme.end() + next((i for i, ch in enumerate(rest) if ch in "/?#"), len(rest))
    if bad and bad.start() < authority:  # no percent-encoded form would be a host name
        raise PydanticCustomError("url_host_char", "contains {char} at position {position}, in the host name", {
            "char": _char_name(bad.group()), "position": bad.start() + 1})
    if bad:
        char = bad.group()
        raise PydanticCustomError("url_char", "contains {char} at position {position}", {
            "char": _char_name(char), "position": bad.start() + 1, "encoded": quote(char, safe=""),
            "fixed": _UNSAFE.sub(lambda m: quote(m.group(), safe=""), value)})
    try:
        host = urlsplit(value).hostname
    except ValueError:
        host = None
    if not host:
        raise PydanticCustomError("url_host", "no host name", {})
    _authority(value)
    return scheme.group(1).lower() + value[len(scheme.group(1)):]


def _authority(value: str) -> None:
    """No user name or password (``https://user:pw@host/`` would publish them on the page, in
    every link for a base URL) and no port but a number from 1 to 65535 (``:99999``); the error
    names both when both are wrong, and the address to write has neither."""
    scheme, netloc = value.split("://", 1)[0], urlsplit(value).netloc
    rest = value[len(scheme) + 3 + len(netloc):]
    userinfo, at, hostport = netloc.rpartition("@")
    after = hostport.rpartition("]")[2]  # an IPv6 address in brackets holds colons of its own
    port = after.partition(":")[2]
    bad_port = bool(port) and not (port.isascii() and port.isdigit() and 0 < int(port) <= 65535)  # 'x.org:': default
    if not at and not bad_port:
        return
    fixed = f"{scheme}://{hostport[: len(hostport) - len(port) - 1] if bad_port else hostport}{rest}"
    found = []
    if at:
        found.append(f"{'a user name and password' if ':' in userinfo else 'a user name'} ('{userinfo}@')")
    if bad_port:
        found.append(f"an invalid port ('{port}')")
    raise PydanticCustomError("url_userinfo" if at else "url_port", "has {what}",
                              {"what": " and ".join(found), "fixed": fixed})


def _char_name(char: str) -> str:
    names = {" ": "a space", "\t": "a tab", "\n": "a line break", "\r": "a carriage return", "\u00a0": "a no-break space"}
    if char in names:
        return names[char]
    return f"'{char}'" if char.isprintable() else f"the character U+{ord(char):04X}"


_PAGE_FILE = re.compile(r"\.(?:html?|xhtml|php|aspx?|jsp|cgi|xml|json|txt)$", re.IGNORECASE)


def _base_url(value: str) -> str:
    """Where the site's root folder is published: no query, fragment or page file name, since
    every link of the site is this URL's path plus a page's path (paths.href). The error names the
    first of them and suggests the URL without any of them. No backslash and no path starting
    with ``//`` either: a link ``//evil.example/actors/`` (or ``/\\evil.example/``) leads to another host."""
    parts = urlsplit(value)
    if "\\" in value or parts.path.startswith("//"):
        # every link of the site starts with this path: '//host/' or '/\\host/' (which browsers read
        # as '//host/') would make each of them lead to another host
        fixed = re.sub(r"^/+", "/", parts.path.replace("\\", "/"))
        fixed = f"{value[:len(parts.scheme)]}://{parts.netloc.replace(chr(92), '/')}{fixed}"
        if "\\" in value:
            raise PydanticCustomError("base_url_backslash", "contains a backslash", {
                "position": value.index("\\") + 1, "fixed": fixed})
        raise PydanticCustomError("base_url_slashes", "has a path that starts with '//'", {
            "host": parts.path[2:].split("/", 1)[0], "fixed": fixed})
    folder = parts.path[: len(parts.path) - len(parts.path.rsplit("/", 1)[-1])]
    name = parts.path[len(folder):]
    fixed = f"{value[:len(parts.scheme)]}://{parts.netloc}{folder if _PAGE_FILE.search(name) else parts.path}"
    if parts.query or "?" in value.split("#")[0]:
        what, part = "a query", "?" + parts.query
    elif parts.fragment or "#" in value:
        what, part = "a fragment", "#" + parts.fragment
    elif _PAGE_FILE.search(name):
        what, part = "a file name", name
    else:
        return value
    raise PydanticCustomError("base_url_part", "has {what} ('{part}')", {"what": what, "part": part, "fixed": fixed})


_URL_SCHEMA = WithJsonSchema({"type": "string", "pattern": URL_PATTERN})
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=120), AfterValidator(_not_reserved)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
HttpUrl = Annotated[str, AfterValidator(_http_url), _URL_SCHEMA]
BaseUrl = Annotated[str, AfterValidator(_http_url), AfterValidator(_base_url), _URL_SCHEMA]
Grade = Annotated[str, StringConstraints(strip_whitespace=True, pattern=GRADE_PATTERN)]
Review = Literal["pending"]
"""``review: pending`` marks a suggestion of ``briefgen import``: not published until the line is deleted."""
_PENDING = "A suggestion awaiting review: not published until this line is deleted."


def _pattern(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise PydanticCustomError("regex", "not a regular expression: {problem}", {"problem": str(exc)}) from None
    return value


Pattern = Annotated[str, StringConstraints(min_length=1), AfterValidator(_pattern)]


def _as_list(value: Any) -> Any:
    """Let a single id stand where a list of ids is expected: ``via: reuters``."""
    return [value] if isinstance(value, str) else value


IdList = Annotated[list[Id], BeforeValidator(_as_list)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _blank_is_not_given(cls, data: Any) -> Any:
        """A blank value (``actors:`` with nothing after it, ``~``, ``null``) is the same as no key
        at all for a field that may be left out; a required field keeps it, to be reported empty."""
        if isinstance(data, dict) and None in data.values():
            fields = cls.model_fields
            return {key: value for key, value in data.items()
                    if value is not None or (key in fields and fields[key].is_required())}
        return data


_HOST_NAME = re.compile(r"(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]")


def _host_name(value: str) -> str:
    """A custom domain as GitHub Pages' CNAME file holds it: the host name alone, lower case."""
    host = value.strip().lower()
    if not _HOST_NAME.fullmatch(host):
        shown = urlsplit(host).hostname if "://" in host else ""
        hint = f"; write '{shown}'" if shown and _HOST_NAME.fullmatch(shown) else ""
        raise PydanticCustomError("host_name", "not a domain name (the host alone, like "
                                  "briefing.example.org, without https:// or a path){hint}",
                                  {"value": value, "hint": hint})
    return host


HostName = Annotated[str, AfterValidator(_host_name), WithJsonSchema({"type": "string", "format": "hostname"})]


PerPage = Annotated[int, Field(ge=1, le=10_000)]


class Pagination(Strict):
    """How complete lists are cut into pages (Hugo's paginator: ``/articles/page/2/``)."""

    per_page: PerPage = Field(50, description="Entries per page of every complete list.")


class Caps(Strict):
    """What a topic, actor or claim page shows of each list before its "All N" link to the complete,
    paginated list: a briefing page is a briefing, not a dump, and stays small (under 250 KB)."""

    claims: PerPage = Field(12, description="Claims on a topic or actor page: the most important first.")
    contests: PerPage = Field(6, description="Contests on a topic page and the home page, latest first.")
    actors: PerPage = Field(16, description="Key actors, and media and relays, on a topic page.")
    events: PerPage = Field(15, description="Events on a topic page: the most recent.")
    articles: PerPage = Field(10, description="Articles on a topic or actor page and the home page: newest first.")
    reports: PerPage = Field(25, description="Reports on a claim page and an outlet's page.")


class PdfSettings(Strict):
    """``pdf:`` in ``briefgen.yaml``: the printable briefing of each topic (docs/pdf.md)."""

    every_build: Flag = Field(False, description="Make each topic's PDF in every build and link it from the topic page.")
    paper: Literal["A4", "Letter"] = Field("A4", description="Paper size of the PDFs: A4 or Letter.")
    handling: str = Field("", description="A handling or classification line printed on the cover and on every "
                          "page, e.g. 'OFFICIAL - for internal distribution'.")


def _as_edition(value: Any) -> Any:
    """Let a bare date stand for an edition: ``editions: [2024-03-01]``."""
    return {"date": value} if isinstance(value, str) else value


class Edition(Strict):
    """One edition of the briefing (docs/editions.md): a dated cut of the same sources."""

    date: Date = Field(description="The edition's date, YYYY-MM-DD: it shows the sources dated on or before it.")
    title: Text | None = Field(None, description="A title for the edition, e.g. 'Weekly 12'.")
    note: Text | None = Field(None, description="A line from the writer about the edition.")


def _unique_editions(value: list[Edition]) -> list[Edition]:
    """Each edition date once: two editions of one day would each claim the other's changes."""
    seen: dict[dt.date, int] = {}
    for i, edition in enumerate(value):
        if edition.date in seen:
            raise PydanticCustomError(
                "edition_twice", "editions[{i}] has the date {date} of editions[{first}]",
                {"i": i, "first": seen[edition.date], "date": edition.date.isoformat()})
        seen[edition.date] = i
    return value


Band = Literal["remote", "very-unlikely", "unlikely", "even", "likely", "very-likely", "almost-certain"]
"""The seven bands of ICD 203 (2015) section D.6.e(2)(a), from 'almost no chance' to 'almost certainly'."""


class SiteConfig(Strict):
    """``briefgen.yaml``: site settings. Every key is optional."""

    title: Text = Field("Briefing", description="Site title, shown in every page header.")
    description: str = Field("", description="One sentence about the briefing, for the home page and meta tags.")
    base_url: BaseUrl | None = Field(
        None, description="Where the site is published, e.g. https://example.org/briefing/. "
        "Without it links are relative and the site also works from file://."
    )
    language: Annotated[str, StringConstraints(pattern=r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$")] = Field(
        "en", description="BCP 47 language tag of the site."
    )
    author: str = Field("", description="Who writes the briefing.")
    allow_html: Flag = Field(False, description="Pass raw HTML in Markdown bodies through instead of escaping it.")
    search: Flag = Field(True, description="Build a Pagefind search index and show a search box.")
    future_dates: Flag = Field(False, description="Accept dates after the build date without a warning.")
    pagination: Pagination = Field(default_factory=Pagination, description="How complete lists are paginated.")
    caps: Caps = Field(default_factory=Caps, description="How much of each list a topic, actor or claim page shows.")
    pdf: PdfSettings = Field(default_factory=PdfSettings, description="PDF briefings: paper, handling line, "
                             "whether every build makes them.")
    cname: HostName | None = Field(None, description="Custom domain of a GitHub Pages site, e.g. briefing.example.org: "
                                   "written to the site's root as CNAME (like a static/CNAME file).")
    editions: Annotated[list[Annotated[Edition, BeforeValidator(_as_edition)]], AfterValidator(_unique_editions)] = Field(
        default_factory=list, description="The editions published, each a date (YYYY-MM-DD) or {date, title, note}: "
        "the latest is the site's current edition (docs/editions.md).")
    stale_after_days: Annotated[int, Field(ge=1, le=36_500)] = Field(
        30, description="A claim whose latest report is more than this many days older than the current edition is "
        "marked stale.")
    estimative_words: dict[Annotated[str, StringConstraints(strip_whitespace=True, min_length=2)], Band] = Field(
        default_factory=dict, description="More words of estimative probability for the key-judgment check, each "
        "with its ICD 203 band (remote ... almost-certain), e.g. {'a safe bet': very-likely}.")
    import_junk: list[Pattern] = Field(default_factory=list, description="More lines 'briefgen import' drops "
                                       "from text scrapes: Python regular expressions, each matching a whole line.")


class ArticleMeta(Strict):
    """Front matter of ``content/articles/<slug>.md``."""

    title: Text | None = Field(None, description="Headline; defaults to the first heading or line.")
    outlet: Text | None = Field(None, description="Publication that ran the article, e.g. 'Kyiv Independent'.")
    url: HttpUrl | None = Field(None, description="Address of the original article.")
    author: Text | None = Field(None, description="Byline.")
    published: Date | None = Field(None, description="Publication date, YYYY-MM-DD.")
    language: str | None = Field(None, description="Language of the article if not the site's.")


class ActorMention(Strict):
    id: Id = Field(description="Actor id, a file in content/actors/.")
    role: str = Field("", description="The actor's role in this article.")
    review: Review | None = Field(None, description=_PENDING)


def _as_mention(value: Any) -> Any:
    return {"id": value} if isinstance(value, str) else value


class ClaimEntry(Strict):
    """A claim as reported by one article.

    The article that gives a claim's ``statement`` defines it; any other article that reports the
    same claim names its ``id`` and adds its own ``quote``, ``grade`` and ``via`` as a further
    report, may name its own origin (``by``: another source asserting the same statement), and may
    set the claim's ``status`` as of its date (docs/content-format.md, "The claim model").
    """

    id: Id = Field(description="Stable claim id, shared by every article that reports the claim.")
    statement: Text | None = Field(None, description="What is claimed, in the analyst's words.")
    by: Id | None = Field(None, description="Actor who asserts the claim in this report, its origin; on a further "
                          "report, only when another source asserts the same statement.")
    via: IdList = Field(default_factory=list, description="Actors through whom the claim was reported.")
    about: IdList = Field(default_factory=list, description="Actors the claim is about.")
    status: Status | None = Field(None, description="confirmed, corroborated, reported, disputed or refuted, "
                                  "as of this report: the latest dated report that sets a status gives the claim's.")
    status_reason: Text | None = Field(None, description="Why this report sets that status (requires 'status').")
    grade: Grade = Field(description="Admiralty grade of this source: reliability A-F and credibility 1-6, e.g. B2.")
    quote: Text = Field(description="The exact words of the article that report the claim.")
    topics: IdList = Field(default_factory=list,
                           description="Topics this report bears on, when not all of the article's topics.")
    supports: IdList = Field(default_factory=list, description="Claims this claim supports.")
    contradicts: IdList = Field(default_factory=list, description="Claims this claim contradicts.")
    review: Review | None = Field(None, description=_PENDING)


class Link(Strict):
    title: Text
    url: HttpUrl
    outlet: Text | None = None
    review: Review | None = Field(None, description=_PENDING)


_EVENT_DATE = re.compile(r"[0-9]{4}(?:-[0-9]{2})?")
_EVENT_TIME = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]")


def _event_date(value: Any) -> Any:
    """An event's date as written: YYYY-MM-DD (a day of the calendar), YYYY-MM or YYYY."""
    if isinstance(value, str) and _EVENT_DATE.fullmatch(value):
        year, _, month = value.partition("-")
        if int(year) >= 1 and (not month or 1 <= int(month) <= 12):
            return value
    elif isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise PydanticCustomError("date_event", "expected a date as YYYY-MM-DD, YYYY-MM or YYYY", {})


def _event_time(value: Any) -> Any:
    if isinstance(value, str) and _EVENT_TIME.fullmatch(value):
        return value
    raise PydanticCustomError("event_time", "expected a time of day as HH:MM", {})


EventDate = Annotated[str, BeforeValidator(_event_date), WithJsonSchema(
    {"type": "string", "pattern": r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"})]
EventTime = Annotated[str, BeforeValidator(_event_time), WithJsonSchema(
    {"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]$"})]


class EventEntry(Strict):
    """An event as reported by one article; reports of one event in several articles share an ``id``."""

    id: Id | None = Field(None, description="Names the event, so that every article reporting it adds to one entry.")
    date: EventDate = Field(description="When it happened: YYYY-MM-DD, or YYYY-MM or YYYY when no more is known.")
    time: EventTime | None = Field(None, description="Time of day, HH:MM, when several events share a day.")
    text: Text = Field(description="What happened.")
    actors: IdList = Field(default_factory=list, description="Actors involved.")
    review: Review | None = Field(None, description=_PENDING)


class Annotations(Strict):
    """``content/articles/<slug>.yaml``: the analyst's annotations of one article."""

    topics: IdList = Field(default_factory=list, description="Topics the article bears on.")
    summary: Text | None = Field(None, description="Analyst's summary; defaults to the article's lead.")
    actors: list[Annotated[ActorMention, BeforeValidator(_as_mention)]] = Field(default_factory=list)
    claims: list[ClaimEntry] = Field(default_factory=list)
    related: IdList = Field(default_factory=list, description="Slugs of related articles.")
    links: list[Link] = Field(default_factory=list, description="External 'read also' links.")
    events: list[EventEntry] = Field(default_factory=list)
    review: Review | None = Field(None, description="The summary is a suggestion awaiting review: the lead is "
                                  "shown until this line is deleted.")


class Judgment(Strict):
    text: Text
    confidence: Confidence


class TopicFile(Strict):
    """``content/topics/<id>.yaml`` (or the front matter of ``<id>.md``)."""

    title: Text
    bluf: Text | None = Field(None, description="Bottom line up front.")
    judgments: list[Judgment] = Field(default_factory=list, description="Key judgments with confidence.")
    questions: list[Text] = Field(default_factory=list, description="Key questions still open.")
    related: IdList = Field(default_factory=list, description="Related topics.")
    author: Text | None = Field(None, description="Who wrote this briefing, when not the site's author.")


class ActorFile(Strict):
    """``content/actors/<id>.yaml``."""

    name: Text
    kind: ActorKind
    role: str = ""
    affiliation: Id | None = Field(None, description="Actor this one belongs to or works for.")
    aliases: list[Text] = Field(default_factory=list)
    country: str = ""
    ids: dict[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]*$")], Text] = Field(
        default_factory=dict, description="External identifiers, e.g. {wikidata: Q56226}."
    )


def json_schemas() -> dict[str, dict]:
    """JSON Schemas of the annotation files, for YAML language servers."""
    out = {}
    models: dict[str, type[BaseModel]] = {
        "briefgen.yaml": SiteConfig,
        "article-annotations": Annotations,
        "article-front-matter": ArticleMeta,
        "topic": TopicFile,
        "actor": ActorFile,
    }
    for name, model in models.items():
        schema = _shorthands(model.model_json_schema())
        assert isinstance(schema, dict)
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        out[name] = schema
    return out


def _shorthands(node: object) -> object:
    """Teach the schema the short forms the validators accept: one id for a list of ids
    (``via: reuters``) and an id for an actor mention (``actors: [kim-jong-un]``)."""
    if isinstance(node, dict):
        node = {key: _shorthands(value) for key, value in node.items()}
        items = node.get("items")
        if node.get("type") == "array" and isinstance(items, dict):
            if items.get("pattern") == ID_PATTERN:
                keep = {k: v for k, v in node.items() if k in ("title", "description", "default")}
                array = {k: v for k, v in node.items() if k not in ("title", "description", "default")}
                return {**keep, "anyOf": [items, array]}
            if items.get("$ref", "").endswith("/ActorMention"):
                node["items"] = {"anyOf": [{"type": "string", "pattern": ID_PATTERN}, items]}
        return node
    if isinstance(node, list):
        return [_shorthands(value) for value in node]
    return node
