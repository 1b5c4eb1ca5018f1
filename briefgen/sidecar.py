"""The text of the two files ``briefgen import`` writes: the article with its front matter, and the
draft annotations beside it, every suggestion marked ``review: pending``.

Written by hand rather than by a YAML dumper, so the order, the comments that say where each
suggestion comes from, and the one line to delete to accept it are exactly as an analyst reads
them. Every text value is a double-quoted scalar (JSON's string syntax is YAML's), so no title or
quote is ever read as anything but text.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from .extract import ReadAlso
from .suggest import Draft

PENDING = "    review: pending"


def scalar(text: str) -> str:
    """``text`` as a YAML double-quoted scalar: every character kept, none of it read as syntax."""
    return json.dumps(text, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class Front:
    """An imported article's front matter (docs/content-format.md: Articles)."""

    title: str
    outlet: str | None = None
    url: str | None = None
    author: str | None = None
    published: dt.date | None = None
    language: str | None = None


def article(front: Front, body: str) -> str:
    lines = ["---", f"title: {scalar(front.title)}"]
    for key in ("outlet", "url", "author", "language"):
        value = getattr(front, key)
        if value:
            lines.append(f"{key}: {scalar(value)}")
    if front.published:
        lines.append(f"published: {front.published.isoformat()}")
    return "\n".join([*lines, "---", body.strip("\n"), ""])


def annotations_text(draft: Draft, source: str, topics: tuple[str, ...], links: tuple[ReadAlso, ...],
                guessed: frozenset[str]) -> str:
    """The draft annotations. ``guessed``: the link URLs made from a title, which say so."""
    out = [
        f"# Draft annotations made by 'briefgen import' from {source}.",
        "# Every item marked 'review: pending' is a suggestion and is not published: check it, edit it",
        "# if needed, then delete its 'review: pending' line to accept it (or delete the whole item).",
        "# The build warns while suggestions are left ('briefgen build --strict' fails).",
        f"topics: [{', '.join(topics)}]" + ("" if topics else "  # the topics this article bears on (ids in content/topics/)"),
    ]
    if draft.summary:
        out += [f"summary: {scalar(draft.summary)}",
                "review: pending  # the summary above is the article's lead: rewrite it, then delete this line"]
    if draft.actors:
        out.append("actors:")
        for ident, name in draft.actors:
            out += [f"  - id: {ident}  # {scalar(name)}", PENDING]
    if draft.candidates:
        out.append("# Names in the text that are no actor yet (add one with 'briefgen new actor ID'):")
        out += [f"#   {name}" for name in draft.candidates]
    if draft.claims:
        out.append("claims:")
        for claim in draft.claims:
            if claim.rereport:
                out += [f"  - id: {claim.id}  # a further report of the claim defined at {claim.rereport}", PENDING]
            else:
                out += [f"  - id: {claim.id}", PENDING, f"    statement: {scalar(claim.statement)}"]
                if claim.by:
                    out.append(f"    by: {claim.by}")
                elif claim.speaker:
                    out.append(f"    # by: {scalar(claim.speaker)} is no actor yet: add one and name it here")
                if claim.via:
                    out.append(f"    via: [{', '.join(claim.via)}]")
                elif claim.relay:
                    out.append(f"    # via: {scalar(claim.relay)} is no actor yet")
                out.append("    status: reported")
            out += ["    grade: F6  # the Admiralty grade of this source for this report (F6: not judged yet)",
                    f"    quote: {scalar(claim.quote)}"]
    for link in links:
        if not link.url:
            out.append(f"# Read also (no address known, add it under links: by hand): {scalar(link.title)}")
    links = tuple(link for link in links if link.url)
    if links:
        out.append("links:")
        for link in links:
            note = "  # guessed from the title and the article's site: open it before accepting" if link.url in guessed else ""
            out += [f"  - title: {scalar(link.title)}", f"    url: {scalar(link.url or '')}{note}", PENDING]
    if draft.events:
        out.append("events:")
        for event in draft.events:
            out += [f"  - date: {scalar(event.date)}", f"    text: {scalar(event.text)}"]
            if event.actors:
                out.append(f"    actors: [{', '.join(event.actors)}]")
            out.append(PENDING)
    return "\n".join(out) + "\n"


def count(draft: Draft, links: tuple[ReadAlso, ...]) -> int:
    """How many suggestions the annotations hold: each is one 'review: pending' line."""
    return bool(draft.summary) + len(draft.actors) + len(draft.claims) + sum(bool(link.url) for link in links) + len(draft.events)
