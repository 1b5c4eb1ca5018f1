"""Words of estimative probability, and the key judgments whose wording contradicts their confidence.

Source: Intelligence Community Directive 203, *Analytic Standards* (ODNI, 2 January 2015),
section D.6.e(2)(a): seven expressions of likelihood, each with its synonym, from "almost no
chance / remote" (1-5 %) to "almost certainly / nearly certain" (95-99 %). The directive keeps
likelihood and confidence apart, but some pairings say opposite things to a reader:

- an extreme likelihood (remote, almost certainly) with ``low`` confidence: the wording claims a
  certainty the analyst says the sources do not give;
- "roughly even chance" with ``high`` confidence: the analyst is sure of nothing but a coin toss,
  which a reader takes for a hedge, not a judgment.

Both the vocabulary and the rule are data: a project adds words in ``briefgen.yaml``
(``estimative_words: {a safe bet: very-likely}``), and ``CONFLICTS`` names the bands each
confidence contradicts.
"""

from __future__ import annotations

import re
from typing import Mapping, NamedTuple

WORDS: dict[str, str] = {
    "almost no chance": "remote", "remote": "remote", "remotely": "remote",
    "very unlikely": "very-unlikely", "highly improbable": "very-unlikely",
    "unlikely": "unlikely", "improbable": "unlikely",
    "roughly even chance": "even", "roughly even odds": "even",
    "likely": "likely", "probable": "likely", "probably": "likely",
    "very likely": "very-likely", "highly probable": "very-likely",
    "almost certainly": "almost-certain", "almost certain": "almost-certain", "nearly certain": "almost-certain",
}
"""Phrase (lower case) -> ICD 203 band. Longer phrases win over the words inside them
("very unlikely" is not also "unlikely")."""

BANDS: dict[str, str] = {
    "remote": "almost no chance, 1-5%", "very-unlikely": "very unlikely, 5-20%", "unlikely": "unlikely, 20-45%",
    "even": "roughly even chance, 45-55%", "likely": "likely, 55-80%", "very-likely": "very likely, 80-95%",
    "almost-certain": "almost certain, 95-99%",
}
"""Band -> its ICD 203 expression and range, for messages."""

CONFLICTS: dict[str, tuple[str, ...]] = {
    "low": ("remote", "almost-certain"),
    "high": ("even",),
}
"""Confidence -> the bands whose wording contradicts it."""

_HINTS = {
    "low": "reword with a less extreme likelihood, such as 'likely', or raise the confidence if the sources bear it out",
    "high": "commit to a likelihood, such as 'likely' or 'unlikely', or lower the confidence",
}


class Conflict(NamedTuple):
    """One estimative phrase of a judgment that contradicts its confidence."""

    phrase: str
    """The phrase as the judgment writes it."""
    band: str
    confidence: str
    hint: str


def phrases(text: str, extra: Mapping[str, str] = {}) -> list[tuple[str, str]]:
    """Every estimative phrase in ``text``: (phrase as written, band), in reading order; a phrase
    inside a longer one found at the same place is not counted twice."""
    vocabulary = {**WORDS, **{k.lower(): v for k, v in extra.items()}}
    pattern = re.compile(r"(?<!\w)(" + "|".join(re.escape(p) for p in sorted(vocabulary, key=len, reverse=True))
                         + r")(?!\w)", re.IGNORECASE)
    return [(m.group(1), vocabulary[m.group(1).lower()]) for m in pattern.finditer(text)]


def conflicts(text: str, confidence: str, extra: Mapping[str, str] = {}) -> list[Conflict]:
    """The phrases of a judgment whose band ``CONFLICTS`` says its confidence contradicts."""
    bad = CONFLICTS.get(confidence, ())
    return [Conflict(phrase, band, confidence, _HINTS[confidence]) for phrase, band in phrases(text, extra)
            if band in bad]
