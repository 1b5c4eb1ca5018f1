"""No source is read from a folder briefgen writes in.

A source, template, root file or briefgen.yaml that is a link into the output folder (``site/``,
or the one ``-o`` names) or the build cache (``.briefgen-cache/``) is ``error[link-into-output]``:
builds and ``briefgen clean`` overwrite what is there, and the dev server's watcher leaves
``site/`` out, so an edit there would never reach the served site. Located, one per link, in the
same round as every other problem, and nothing in the output folder is touched (load.py).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from briefgen.build import Cache, build
from briefgen.errors import BuildFailed
from support import FIXTURES, run_briefgen

BASIC = FIXTURES / "valid" / "basic"
FOOTER = "Build failed: {n} error{s}; nothing was written, the previous site is unchanged."
TAIL = "briefgen writes there, and the dev server does not watch it for edits"
DRAFT = b"---\ntitle: A draft kept in the output folder\n---\nText.\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(BASIC, root, ignore=shutil.ignore_patterns(".*"))
    with open(root / "briefgen.yaml", "a", encoding="utf-8") as config:
        config.write("search: false\n")
    return root


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``folder``: relative path -> (bytes, mtime in ns)."""
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def fails_with(project: Path, *lines: str, args: tuple[str, ...] = ()) -> None:
    result = run_briefgen("build", project, *args)
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stderr
    expected = [f"{n:>3}. {line}" for n, line in enumerate(lines, 1)]
    assert result.stderr.splitlines() == expected + [FOOTER.format(n=len(lines), s="s" if len(lines) != 1 else "")]


def test_an_article_linking_into_the_output_folder_fails_the_build_and_leaves_the_site_untouched(project):
    assert run_briefgen("build", project).returncode == 0
    (project / "site" / "drafts").mkdir()
    (project / "site" / "drafts" / "x.md").write_bytes(DRAFT)
    (project / "content" / "articles" / "x.md").symlink_to("../../site/drafts/x.md")
    before = snapshot(project / "site")
    fails_with(project, f"content/articles/x.md: error[link-into-output]: symlink points into site/, the output folder: "
                        f"{TAIL} (copy the file into content/articles/ instead)")
    assert snapshot(project / "site") == before


def test_the_folder_given_with_output_counts_too(project):
    assert run_briefgen("build", project, "-o", project / "public").returncode == 0
    (project / "public" / "x.md").write_bytes(DRAFT)
    (project / "content" / "articles" / "x.md").symlink_to("../../public/x.md")
    before = snapshot(project / "public")
    fails_with(project, f"content/articles/x.md: error[link-into-output]: symlink points into public/, the output "
                        f"folder: {TAIL} (copy the file into content/articles/ instead)",
               args=("-o", str(project / "public")))
    assert snapshot(project / "public") == before


def test_the_dev_server_refuses_links_into_site_and_the_cache_from_every_source_folder(project):
    """The dev server builds in memory (no output folder): site/, the folder its watcher leaves
    out, is refused all the same, and so is the cache folder; each link once, in one round."""
    for folder in ("site/drafts", ".briefgen-cache", "site/shared", "site/partials"):
        (project / folder).mkdir(parents=True)
    (project / "site" / "drafts" / "x.md").write_bytes(DRAFT)
    (project / ".briefgen-cache" / "a.yaml").write_text("name: A\nkind: person\n", encoding="utf-8")
    (project / "site" / "shared" / "logo.txt").write_text("logo", encoding="utf-8")
    (project / "site" / "partials" / "p.html").write_text("p", encoding="utf-8")
    (project / "content" / "articles" / "x.md").symlink_to("../../site/drafts/x.md")
    (project / "content" / "actors" / "a.yaml").symlink_to("../../.briefgen-cache/a.yaml")
    (project / "static").mkdir()
    (project / "static" / "logo.txt").symlink_to("../site/shared/logo.txt")
    (project / "templates").mkdir()
    (project / "templates" / "partials").symlink_to("../site/partials", target_is_directory=True)
    with pytest.raises(BuildFailed) as failed:
        build(project, None, cache=Cache.server(), index_search=False, parallel=False)
    shown = sorted(str(d) for d in failed.value.diagnostics if d.severity == "error")
    assert shown == [
        f"content/actors/a.yaml: error[link-into-output]: symlink points into .briefgen-cache/, the build cache: "
        f"{TAIL} (copy the file into content/actors/ instead)",
        f"content/articles/x.md: error[link-into-output]: symlink points into site/, the output folder: {TAIL} "
        "(copy the file into content/articles/ instead)",
        f"static/logo.txt: error[link-into-output]: symlink points into site/, the output folder: {TAIL} "
        "(copy the file into static/ instead)",
        f"templates/partials: error[link-into-output]: the folder is a link into site/, the output folder: {TAIL} "
        "(copy the files into templates/ instead)",
    ]


def test_links_that_stay_among_the_sources_are_still_read(project):
    (project / "notes").mkdir()
    os.replace(project / "content" / "articles" / "seoul-assessment.md", project / "notes" / "seoul-assessment.md")
    (project / "content" / "articles" / "seoul-assessment.md").symlink_to("../../notes/seoul-assessment.md")
    result = build(project, None, cache=Cache.server(), index_search=False, parallel=False)
    assert result.briefing is not None and "seoul-assessment" in result.briefing.articles


def test_settings_linked_into_site_are_refused_and_the_content_checked_with_the_defaults(project):
    (project / "site").mkdir()
    os.replace(project / "briefgen.yaml", project / "site" / "briefgen.yaml")
    (project / "briefgen.yaml").symlink_to("site/briefgen.yaml")
    with pytest.raises(BuildFailed) as failed:
        build(project, None, cache=Cache.server(), index_search=False, parallel=False)
    assert [str(d) for d in failed.value.diagnostics if d.severity == "error"] == [
        f"briefgen.yaml: error[link-into-output]: symlink points into site/, the output folder: {TAIL} "
        "(copy the file into the project's folder instead)"]


def test_a_link_to_a_folder_that_holds_the_output_is_refused_too(project):
    """``templates/up -> ..`` leads to the project folder, and the output below it: a template
    could include a built page (``{% include "up/site/robots.txt" %}``) and static/ would publish
    the site inside itself. Refused like a link into the output, in templates/ and static/ alike,
    and the site is left as it was."""
    assert run_briefgen("build", project).returncode == 0
    before = snapshot(project / "site")
    (project / "templates").mkdir(exist_ok=True)
    (project / "templates" / "up").symlink_to("..")
    (project / "static").mkdir()
    (project / "static" / "all").symlink_to("..")
    fails_with(project,
               f"static/all: error[link-into-output]: the folder is a link to a folder that holds site/, the output "
               f"folder: {TAIL} (copy the files into static/ instead)",
               f"templates/up: error[link-into-output]: the folder is a link to a folder that holds site/, the output "
               f"folder: {TAIL} (copy the files into templates/ instead)")
    assert snapshot(project / "site") == before
