"""The source file formats, as pydantic models.

These models are the single definition of what an analyst may write: validation, error messages
and the JSON Schema that editors use (``briefgen schema``) all come from them. Every model forbids
unknown keys, so a typo is an error instead of silently vanishing.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

from .paths import ID_PATTERN, WINDOWS_RESERVED

def _not_reserved(value: str) -> str:
    """Every id becomes a folder name: Windows cannot create 'con', 'nul', 'com1'..."""
    if value in WINDOWS_RESERVED:
        raise PydanticCustomError("reserved_id", "'{value}' is a reserved file name on Windows", {"value": value})
    return value


Id = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=120), AfterValidator(_not_reserved)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
HttpUrl = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^https?://[^\s<>\"]+$")]
Grade = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-F][1-6]$")]
Status = Literal["confirmed", "corroborated", "reported", "disputed", "refuted"]
Confidence = Literal["low", "moderate", "high"]
ActorKind = Literal["person", "state", "organisation", "agency", "media", "group"]


def _as_list(value: Any) -> Any:
    """Let a single id stand where a list of ids is expected: ``via: reuters``."""
    return [value] if isinstance(value, str) else value


IdList = Annotated[list[Id], BeforeValidator(_as_list)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SiteConfig(Strict):
    """``briefgen.yaml``: site settings. Every key is optional."""

    title: Text = Field("Briefing", description="Site title, shown in every page header.")
    description: str = Field("", description="One sentence about the briefing, for the home page and meta tags.")
    base_url: HttpUrl | None = Field(
        None, description="Where the site is published, e.g. https://example.org/briefing/. "
        "Without it links are relative and the site also works from file://."
    )
    language: Annotated[str, StringConstraints(pattern=r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$")] = Field(
        "en", description="BCP 47 language tag of the site."
    )
    author: str = Field("", description="Who writes the briefing.")
    allow_html: bool = Field(False, description="Pass raw HTML in Markdown bodies through instead of escaping it.")
    search: bool = Field(True, description="Build a Pagefind search index and show a search box.")
    future_dates: bool = Field(False, description="Accept dates after the build date without a warning.")


class ArticleMeta(Strict):
    """Front matter of ``content/articles/<slug>.md``."""

    title: Text | None = Field(None, description="Headline; defaults to the first heading or line.")
    outlet: Text | None = Field(None, description="Publication that ran the article, e.g. 'Kyiv Independent'.")
    url: HttpUrl | None = Field(None, description="Address of the original article.")
    author: Text | None = Field(None, description="Byline.")
    published: dt.date | None = Field(None, description="Publication date, YYYY-MM-DD.")
    language: str | None = Field(None, description="Language of the article if not the site's.")


class ActorMention(Strict):
    id: Id = Field(description="Actor id, a file in content/actors/.")
    role: str = Field("", description="The actor's role in this article.")


def _as_mention(value: Any) -> Any:
    return {"id": value} if isinstance(value, str) else value


class ClaimEntry(Strict):
    """A claim as reported by one article.

    The first article that gives a claim's ``statement`` defines it; any other article that reports
    the same claim names its ``id`` and adds its own ``quote`` and ``grade`` as a further source.
    """

    id: Id = Field(description="Stable claim id, shared by every article that reports the claim.")
    statement: Text | None = Field(None, description="What is claimed, in the analyst's words.")
    by: Id | None = Field(None, description="Actor who asserts the claim.")
    via: IdList = Field(default_factory=list, description="Actors through whom the claim was reported.")
    about: IdList = Field(default_factory=list, description="Actors the claim is about.")
    status: Status | None = Field(None, description="confirmed, corroborated, reported, disputed or refuted.")
    grade: Grade = Field(description="Admiralty grade of this source: reliability A-F and credibility 1-6, e.g. B2.")
    quote: Text = Field(description="The exact words of the article that report the claim.")
    topics: IdList = Field(default_factory=list,
                           description="Topics this report bears on, when not all of the article's topics.")
    supports: IdList = Field(default_factory=list, description="Claims this claim supports.")
    contradicts: IdList = Field(default_factory=list, description="Claims this claim contradicts.")


class Link(Strict):
    title: Text
    url: HttpUrl
    outlet: Text | None = None


class EventEntry(Strict):
    date: dt.date = Field(description="When it happened, YYYY-MM-DD.")
    text: Text = Field(description="What happened.")
    actors: IdList = Field(default_factory=list, description="Actors involved.")


class Annotations(Strict):
    """``content/articles/<slug>.yaml``: the analyst's annotations of one article."""

    topics: IdList = Field(default_factory=list, description="Topics the article bears on.")
    summary: Text | None = Field(None, description="Analyst's summary; defaults to the article's lead.")
    actors: list[Annotated[ActorMention, BeforeValidator(_as_mention)]] = Field(default_factory=list)
    claims: list[ClaimEntry] = Field(default_factory=list)
    related: IdList = Field(default_factory=list, description="Slugs of related articles.")
    links: list[Link] = Field(default_factory=list, description="External 'read also' links.")
    events: list[EventEntry] = Field(default_factory=list)


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
    for name, model in {
        "briefgen.yaml": SiteConfig,
        "article-annotations": Annotations,
        "article-front-matter": ArticleMeta,
        "topic": TopicFile,
        "actor": ActorFile,
    }.items():
        schema = _shorthands(model.model_json_schema())
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
