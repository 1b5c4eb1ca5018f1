"""The words briefgen gives meaning to, each defined once: claim statuses, confidence levels, actor
kinds. The schema types the source files with them, the model and the planner order and group by
them, figures and templates show them (through the ``vocabulary`` global).

Each vocabulary is a ``Literal`` type and the tuple of its values read from it (``get_args``), so
pydantic, the JSON Schema and mypy see the same words the code loops over.
"""

from __future__ import annotations

from typing import Literal, get_args

Status = Literal["confirmed", "corroborated", "reported", "disputed", "refuted"]
STATUSES: tuple[Status, ...] = get_args(Status)
"""Claim statuses, strongest first: the order claims are listed and counted in."""
CONTESTED_STATUSES: tuple[Status, ...] = ("disputed", "refuted")
"""Statuses that put a claim in contest even when nothing contradicts it."""
CORROBORATED_STATUSES: tuple[Status, ...] = ("confirmed", "corroborated")
"""Statuses that say other sources bear the claim out: they need two independent origins."""

TEXT_STYLE = "\ufe0e"
"""U+FE0E (variation selector 15) asks for the text glyph of a character that also has an emoji one."""
STATUS_ICONS: dict[Status, str] = {"confirmed": "\u2714" + TEXT_STYLE, "corroborated": "\u271a",
                                   "reported": "\u25cf", "disputed": "\u26a0" + TEXT_STYLE,
                                   "refuted": "\u2716" + TEXT_STYLE}
"""The status badge's icons (macros.html, the status figure, the PDF without ``TEXT_STYLE``): a
status is always an icon and a word, never a colour alone."""

Confidence = Literal["low", "moderate", "high"]
CONFIDENCES: tuple[Confidence, ...] = get_args(Confidence)
CONFIDENCE_WORDS: dict[Confidence, str] = {c: f"{c.capitalize()} confidence" for c in CONFIDENCES}
"""How a key judgment's confidence is written out: 'High confidence'."""

ActorKind = Literal["person", "state", "organisation", "agency", "media", "group"]
ACTOR_KINDS: tuple[ActorKind, ...] = get_args(ActorKind)
"""Actor kinds in the order /actors/ groups them."""
ACTOR_KIND_LABELS: dict[ActorKind, str] = {"person": "People", "state": "States", "organisation": "Organisations",
                                           "agency": "Agencies", "media": "Media", "group": "Groups"}
"""Each kind's heading on /actors/."""

RESULT_KINDS: dict[str, str] = {"topic": "Topic briefing", "actor": "Actor", "article": "Article", "claim": "Claim"}
"""The page kinds readers search, and how a search result names its kind (the ``kind`` filter of
search.py's records and of the pages' own data-pagefind-filter tags, templates/search-meta.html)."""

RELIABILITY = {
    "A": "completely reliable", "B": "usually reliable", "C": "fairly reliable",
    "D": "not usually reliable", "E": "unreliable", "F": "reliability cannot be judged",
}
"""The Admiralty scale: a grade's letter, how reliable its source is."""
CREDIBILITY = {
    "1": "confirmed by other sources", "2": "probably true", "3": "possibly true",
    "4": "doubtful", "5": "improbable", "6": "truth cannot be judged",
}
"""A grade's digit: how credible the information is."""
GRADE_PATTERN = f"^[{min(RELIABILITY)}-{max(RELIABILITY)}][{min(CREDIBILITY)}-{max(CREDIBILITY)}]$"
"""A grade: a reliability letter and a credibility digit, e.g. B2."""


def _check() -> None:
    """Every table above covers its vocabulary exactly (run at import: a new word cannot be forgotten)."""
    for table, words in ((STATUS_ICONS, STATUSES), (ACTOR_KIND_LABELS, ACTOR_KINDS)):
        if tuple(table) != words:
            raise AssertionError(f"vocabulary table out of step: {tuple(table)} != {words}")
    if not set(CONTESTED_STATUSES + CORROBORATED_STATUSES) <= set(STATUSES):
        raise AssertionError("a status group names an unknown status")


_check()
