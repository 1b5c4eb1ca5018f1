"""Contested claims and key actors on a topic page, read as a reader reads them.

A contest is a connected group of claims joined by ``contradicts`` (or a disputed or refuted
claim on its own): shown once, the contradicted claim first, whatever the ids' order, with who
said what written out; the topic header counts contested claims, not contests. Key actors are
ranked by what they do in the topic, and the media and conduits are listed apart as its sources.
The project below is also what tests/browser/test_contests_browser.py reads in Chromium.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from briefgen.build import build
from html_tree import Element, parse_html

TEXT = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima.\n"


def _article(title: str, published: str) -> str:
    return f"---\ntitle: {title}\noutlet: Wire\npublished: {published}\n---\n{TEXT}"


def _claim(cid: str, statement: str, by: str, quote: str, status: str = "reported", extra: str = "") -> str:
    return (f"  - id: {cid}\n    statement: {statement}\n    by: {by}\n    status: {status}\n"
            f"    grade: C3\n    quote: {quote}\n{extra}")


PROJECT = {
    "briefgen.yaml": "title: Contest check\n",
    "content/topics/market.yaml": (
        "title: Market\nbluf: Rates moved.\njudgments:\n"
        "  - text: The Ministry of Finance probably closed the bridge.\n    confidence: moderate\n"),
    "content/actors/brokers.yaml": "name: Brokers\nkind: group\n",
    "content/actors/investigators.yaml": "name: German investigators\nkind: agency\n",
    "content/actors/ministry.yaml": "name: Ministry of Finance\nkind: state\n",
    "content/actors/analyst.yaml": "name: Ann Lyst\nkind: person\n",
    "content/actors/wire.yaml": "name: Wire Service\nkind: media\n",
    "content/actors/tipster.yaml": "name: Tip Ster\nkind: person\n",
    "content/actors/bystander.yaml": "name: By Stander\nkind: person\n",
    # rates-doubled contradicts rates-tripled, and is reported first: still shown second
    "content/articles/doubled.md": _article("Doubled", "2024-03-01"),
    "content/articles/doubled.yaml": (
        "topics: [market]\nsummary: Doubled.\nactors: [wire, bystander]\nclaims:\n"
        + _claim("rates-doubled", "Rates doubled.", "investigators", "alpha",
                 extra="    via: [wire]\n    contradicts: [rates-tripled]\n")),
    "content/articles/tripled.md": _article("Tripled", "2024-03-05"),
    "content/articles/tripled.yaml": (
        "topics: [market]\nsummary: Tripled.\nactors: [wire, bystander]\nclaims:\n"
        + _claim("rates-tripled", "Rates tripled.", "brokers", "bravo", extra="    via: [wire, tipster]\n")),
    # one claim, two denials: one contest of three claims
    "content/articles/bridge.md": _article("Bridge", "2024-02-01"),
    "content/articles/bridge.yaml": (
        "topics: [market]\nsummary: Bridge.\nactors: [wire, bystander]\nclaims:\n"
        + _claim("bridge-closed", "The bridge was closed.", "ministry", "charlie",
                 extra="    via: [wire]\n    about: [brokers]\n")
        + _claim("bridge-open", "The bridge stayed open.", "investigators", "delta",
                 extra="    contradicts: [bridge-closed]\n")
        + _claim("bridge-never-closed", "The bridge never closed.", "analyst", "echo",
                 extra="    contradicts: [bridge-closed]\n")
        + "events:\n  - date: 2024-02-01\n    text: The bridge is shut.\n    actors: [ministry]\n"),
    # disputed, opposed by no claim: a contest of its own, the oldest
    "content/articles/leak.md": _article("Leak", "2024-01-10"),
    "content/articles/leak.yaml": (
        "topics: [market]\nsummary: Leak.\nactors: [wire, bystander]\nclaims:\n"
        + _claim("leak-real", "The leak is real.", "analyst", "foxtrot", status="disputed")
        + _claim("calm", "Markets were calm.", "brokers", "golf")),
}


@pytest.fixture(scope="module")
def topic(tmp_path_factory) -> Element:
    root = tmp_path_factory.mktemp("contests")
    for rel, content in PROJECT.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(content, encoding="utf-8")
    files = build(root, None, today=dt.date(2025, 1, 1), index_search=False, parallel=False).files
    page = root / "topic.html"
    page.write_bytes(files["topics/market/index.html"])
    return parse_html(page)


def test_each_contest_is_shown_once_the_right_way_round_latest_first(topic):
    section = topic.find("section", cls="contests")
    contests = section.find_all("div", cls="contest")
    shown = [[side.find("p", cls="contest-who").text + " " + side.find("p", cls="versus-what").text
              for side in c.find_all("div", cls="versus-side") if "data-claim" in side.attrs] for c in contests]
    assert shown == [
        ["Brokers said: Rates tripled.",
         "German investigators, contradicting it, said: Rates doubled."],
        ["Ministry of Finance said: The bridge was closed.",
         "Ann Lyst, contradicting it, said: The bridge never closed.",
         "German investigators, contradicting “The bridge was closed.”, said: The bridge stayed open."],
        ["Ann Lyst said: The leak is real."],
    ]
    assert "no opposing claim is recorded" in contests[2].text
    assert " says" not in section.text.lower() and " disputes" not in section.text.lower()  # no verb to conjugate


def test_header_counts_contested_claims_not_contests(topic):
    assert topic.find("p", cls="page-stats").text.endswith("· 6 contested")


def test_key_actors_are_ranked_by_what_they_do_and_sources_listed_apart(topic):
    section = topic.find("section", cls="key-actors")
    strip = [(li.find("p", cls="actor-name").text, li.find("p", cls="actor-count").text)
             for li in section.find("ul", cls="actor-strip").find_all("li")]
    assert strip == [
        ("Brokers", "made 2 claims · subject of 1 claim"),
        ("Ministry of Finance", "made 1 claim · in 1 event · named in 1 judgment"),
        ("Ann Lyst", "made 2 claims"),
        ("German investigators", "made 2 claims"),
        ("By Stander", "figures 4 times"),  # named by every article, does nothing: last
    ]
    # the outlet named by every article and the tipster who only relays: the topic's sources
    sources = [li.text for li in section.find("ul", cls="source-actors").find_all("li")]
    assert sources == ["Wire Service (media · 3 reports)", "Tip Ster (relay · 1 report)"]
    assert topic.find("p", cls="page-stats").text.startswith("4 source articles · 7 claims · 7 actors")
