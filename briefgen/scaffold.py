"""`briefgen init` and `briefgen new`: files an analyst starts from, valid from the first build."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from .build import build_date
from .errors import BriefgenError
from .paths import id_problem, suggest_id
from .safe_io import Folder, Tree

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


class NotAFolder(BriefgenError):
    """Where briefgen must make or write into a folder there is a link (dangling or not) or a file."""


def _in_the_way(path: Path) -> NotAFolder | None:
    """What stands at ``path`` instead of a folder, as the error to give; None for a folder or nothing."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    if stat.S_ISLNK(st.st_mode):
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        return NotAFolder(f"{path} is a link (to {target}), not a folder: briefgen does not write through links; "
                          "remove the link or name a real folder")
    if not stat.S_ISDIR(st.st_mode):
        return NotAFolder(f"{path} is a file, not a folder; move it away or choose another folder")
    return None


def open_folder(path: Path) -> Folder:
    """The folder ``path``, made with whatever of its parents is missing (like ``mkdir -p``; links
    above it are followed). ``path`` itself is opened without following a link: a link in its place,
    dangling or not, or a file is a ``NotAFolder``."""
    problem = _in_the_way(path)
    if problem is not None:
        raise problem
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        for above in [*reversed(path.parents), path]:  # the topmost part that is not a folder
            if os.path.lexists(above) and not above.is_dir():
                raise (_in_the_way(above) or NotAFolder(f"{above} is not a folder")) from None
        raise BriefgenError(f"cannot create {path.parent}: {exc.strerror or exc}") from None
    try:
        return Folder.open(path, create=True)
    except OSError as exc:
        raise _in_the_way(path) or BriefgenError(f"cannot create {path}: {exc.strerror or exc}") from None


def _subfolder(tree: Tree, top: Path, rel: str) -> Folder:
    """The folder ``rel`` below the tree's root, each part made if missing and never a link."""
    parts = rel.split("/")
    for end in range(1, len(parts) + 1):
        prefix = "/".join(parts[:end])
        try:
            folder = tree.folder(prefix, create=True)
        except OSError as exc:
            raise _in_the_way(top / prefix) or BriefgenError(f"cannot create {top / prefix}: {exc.strerror or exc}") from None
    return folder


def _create(tree: Tree, top: Path, files: dict[str, str]) -> list[Path]:
    """Create each new file exclusively (never over anything, never through a link); on failure
    the ones made so far are removed again."""
    made: list[tuple[Folder, str]] = []
    try:
        for rel, text in files.items():
            folder_rel, _, name = rel.rpartition("/")
            folder = _subfolder(tree, top, folder_rel) if folder_rel else tree.root
            try:
                folder.create(name, text.encode("utf-8"))
            except FileExistsError:
                raise _exists(top, rel) from None
            except OSError as exc:
                raise BriefgenError(f"cannot create {top / rel}: {exc.strerror or exc}") from None
            made.append((folder, name))
    except BaseException:
        for folder, name in made:
            try:
                folder.unlink(name)
            except OSError:
                pass
        raise
    return [top / rel for rel in files]


def _exists(top: Path, rel: str) -> BriefgenError:
    try:
        target = os.readlink(top / rel)
    except OSError:
        return BriefgenError(f"{rel} already exists; choose another id or edit that file")
    return BriefgenError(f"{rel} is a link (to {target}): briefgen does not write through links; "
                         "remove it or choose another id")


def init(directory: Path) -> list[Path]:
    today = build_date().isoformat()
    with open_folder(directory) as root:
        if root.names():
            raise BriefgenError(f"{directory} is not empty; choose a new folder")
        with Tree(root) as tree:
            return _create(tree, directory, {rel: text.replace("{today}", today) for rel, text in STARTER.items()})


def new(project: Path, kind: str, ident: str) -> list[Path]:
    problem = id_problem(ident)
    if problem:
        suggestion = suggest_id(ident)
        usable = suggestion and suggestion != ident and not id_problem(suggestion)
        raise BriefgenError(f"'{ident}' is not a valid id: {problem}" + (f" (try '{suggestion}')" if usable else ""))
    if not (project / "content").is_dir() and not (project / "briefgen.yaml").is_file():
        raise BriefgenError(f"{project} is not a briefing project (no content/ folder); run 'briefgen init' first")
    title = ident.replace("-", " ").capitalize()
    today = build_date().isoformat()
    files = {rel.format(id=ident): text.replace("{title}", title).replace("{today}", today)
             for rel, text in NEW[kind].items()}
    for rel in files:
        if os.path.lexists(project / rel):
            raise _exists(project, rel)
    # The project folder is the one the user named (a link to it is followed: the "/."); every
    # folder and file below it is opened without following links.
    try:
        root = Folder.open(os.path.join(project, "."))
    except OSError as exc:
        raise BriefgenError(f"cannot open {project}: {exc.strerror or exc}") from None
    with root, Tree(root) as tree:
        return _create(tree, project, files)


def write_schemas(directory: Path) -> list[Path]:
    """`briefgen schema DIR`: the JSON Schemas, each file replaced atomically (a link in its place is
    replaced by the file, never written through); DIR itself may not be a link."""
    from .schema import json_schemas

    written = []
    with open_folder(directory) as folder:
        for name, content in json_schemas().items():
            file = f"{name}.schema.json"
            data = (json.dumps(content, indent=2, sort_keys=True) + "\n").encode("utf-8")
            try:
                temp = folder.write_temp(file, lambda handle: handle.write(data))
                try:
                    folder.replace(temp, file)
                except OSError:
                    folder.unlink(temp)
                    raise
            except OSError as exc:
                raise BriefgenError(f"cannot write {directory / file}: {exc.strerror or exc}") from None
            written.append(directory / file)
    return written
