"""The site's root files: the project's ``static/`` folder (read by ``load.root_files``) and the
``cname`` setting, placed beside the generated site as they are.

A root file never replaces what the build makes: one where a page, a feed, an asset or the
search index goes (or where one of their folders goes, or below one of their files) is an error
that names both.
"""

from __future__ import annotations

from typing import Callable, Mapping

from .errors import Diagnostic
from .load import ROOT_FILES
from .paths import output_file

CNAME = "CNAME"


def with_cname(root: dict[str, bytes], cname: str | None) -> tuple[dict[str, bytes], list[Diagnostic]]:
    """The root files with ``cname`` (briefgen.yaml) written as the CNAME file GitHub Pages reads."""
    if cname is None:
        return root, []
    if CNAME in root:
        return root, [Diagnostic("error", "root-file-collision", f"'cname: {cname}' and {ROOT_FILES}/{CNAME} both "
                                 "give the site's CNAME file", "briefgen.yaml",
                                 hint=f"keep one: remove 'cname' from briefgen.yaml or remove {ROOT_FILES}/{CNAME}")]
    return {**root, CNAME: cname.encode() + b"\n"}, []


def place(root: dict[str, bytes], site: Mapping[str, bytes], made_by: Callable[[], dict[str, str]]) -> list[Diagnostic]:
    """What stops ``root`` from joining ``site`` (output-relative paths): one error per root file
    that collides with a generated file, or whose folder is one, or which is a folder of one.
    ``made_by()`` names what made a generated file ("the topic page /topics/x/"), asked only for
    an error. Without root files there is nothing to walk (at 10,000 articles the site's 64,000
    files took 0.15 s of every dev-server rebuild)."""
    if not root:
        return []
    problems = []
    folders: dict[str, str] = {}
    for rel in site:
        parts = rel.split("/")
        for depth in range(1, len(parts)):
            folders.setdefault("/".join(parts[:depth]), rel)
    for rel in sorted(root):
        parts = rel.split("/")
        clash = next((prefix for prefix in ("/".join(parts[:depth]) for depth in range(1, len(parts) + 1))
                      if prefix in site), None)
        if clash is not None:
            what = _what(made_by(), clash)
            where = "is" if clash == rel else f"is in a folder {clash}, which is"
            problems.append(Diagnostic("error", "root-file-collision", f"{rel} {where} also the site's {what}; a root "
                                       "file never replaces what the build makes", f"{ROOT_FILES}/{rel}",
                                       hint=f"rename or remove {ROOT_FILES}/{clash}"))
        elif rel in folders:
            generated = folders[rel]
            problems.append(Diagnostic("error", "root-file-collision", f"{rel} is the folder of the site's "
                                       f"{_what(made_by(), generated)}; a root file never replaces what the "
                                       "build makes", f"{ROOT_FILES}/{rel}", hint=f"rename or remove {ROOT_FILES}/{rel}"))
    return problems


def made_by(pages: list, assets: dict, search_folder: str) -> dict[str, str]:
    """Output file -> what makes it, for the collision errors."""
    names = {output_file(page.path): f"{page.kind} page {page.path}" for page in pages}
    names.update({asset.output.lstrip("/"): f"theme file {asset.name}" for asset in assets.values()})
    names[".nojekyll"] = ".nojekyll (it tells GitHub Pages to serve the site as built)"
    names[search_folder] = f"search index {search_folder}/"
    return names


def _what(made_by: dict[str, str], rel: str) -> str:
    return made_by.get(rel) or made_by.get(rel.split("/")[0]) or rel
