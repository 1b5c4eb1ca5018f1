"""`briefgen init` and `briefgen new`: files an analyst starts from, valid from the first build."""

from __future__ import annotations

from pathlib import Path

from .build import build_date
from .errors import BriefgenError
from .paths import id_problem, suggest_id

STARTER = {
    ".gitignore": "site/\n.briefgen-cache/\n",
    "briefgen.yaml": """\
# Site settings; every key is optional. See docs/content-format.md.
title: My briefing
description: What this briefing follows.
language: en
""",
    "content/articles/first-article.md": """\
---
title: First article
outlet: Example News
url: https://example.org/first-article
published: {today}
---
An official said the new bridge would open next month.

Paste the text of a source article here, then annotate it in first-article.yaml.
""",
    "content/articles/first-article.yaml": """\
topics: [first-topic]
summary: An official announced the opening of the new bridge.
actors:
  - id: first-actor
    role: announced the opening
claims:
  - id: bridge-opens-next-month
    statement: The new bridge opens next month.
    by: first-actor
    status: reported
    grade: C3
    quote: the new bridge would open next month
events:
  - date: {today}
    text: The opening of the bridge is announced.
    actors: [first-actor]
""",
    "content/topics/first-topic.yaml": """\
title: First topic
bluf: One or two sentences a busy reader needs first.
judgments:
  - text: The bridge will probably open on time.
    confidence: low
questions:
  - Who pays for the bridge?
""",
    "content/actors/first-actor.yaml": """\
name: First Actor
kind: person
role: Spokesperson
""",
}

NEW = {
    "article": {
        "content/articles/{id}.md": "---\ntitle: {title}\noutlet:\nurl:\npublished: {today}\n---\nText of the article.\n",
        "content/articles/{id}.yaml": "topics: []\nsummary:\nactors: []\nclaims: []\n",
    },
    "topic": {"content/topics/{id}.yaml": "title: {title}\nbluf:\njudgments: []\nquestions: []\nrelated: []\n"},
    "actor": {"content/actors/{id}.yaml": "name: {title}\nkind: person\nrole: ''\n"},
}


def init(directory: Path) -> list[Path]:
    if directory.exists() and any(directory.iterdir()):
        raise BriefgenError(f"{directory} is not empty; choose a new folder")
    today = build_date().isoformat()
    created = []
    for rel, text in STARTER.items():
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.replace("{today}", today), encoding="utf-8")
        created.append(path)
    return created


def new(project: Path, kind: str, ident: str) -> list[Path]:
    problem = id_problem(ident)
    if problem:
        suggestion = suggest_id(ident)
        usable = suggestion and suggestion != ident and not id_problem(suggestion)
        raise BriefgenError(f"'{ident}' is not a valid id: {problem}" + (f" (try '{suggestion}')" if usable else ""))
    if not (project / "content").is_dir() and not (project / "briefgen.yaml").is_file():
        raise BriefgenError(f"{project} is not a briefing project (no content/ folder); run 'briefgen init' first")
    files = {rel.format(id=ident): text for rel, text in NEW[kind].items()}
    for rel in files:
        if (project / rel).exists():
            raise BriefgenError(f"{rel} already exists; choose another id or edit that file")
    title = ident.replace("-", " ").capitalize()
    created = []
    for rel, text in files.items():
        path = project / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        text = text.replace("{title}", title).replace("{today}", build_date().isoformat())
        path.write_text(text, encoding="utf-8")
        created.append(path)
    return created
