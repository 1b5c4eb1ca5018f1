"""Plausible changes to a project or to briefgen either work or fail loudly: never stale output.

Each test makes a change a user or a new maintainer could make (a template including another by a
computed name, a new backlink, a new property of the Briefing read by a planner) and checks that
an incremental build then equals a clean one, or stops with an error naming what it cannot track.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

from briefgen.build import build
from briefgen.render import theme_dir
from support import FIXTURES, read_tree

TODAY = dt.date(2024, 1, 1)


def project_copy(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "valid" / "basic", project)
    return project


def write_later(path: Path, text: str) -> None:
    """Write ``text`` with an mtime a second later than the file's last, whatever the clock's tick."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    later = max(before + 1_000_000_000, path.stat().st_mtime_ns)
    os.utime(path, ns=(later, later))


def test_a_partial_included_by_a_computed_name_is_rebuilt_when_edited(tmp_path: Path):
    project = project_copy(tmp_path)
    article = (theme_dir() / "article.html").read_text(encoding="utf-8")
    assert article.count("{% block main %}") == 1
    write_later(project / "templates" / "article.html", article.replace(
        "{% block main %}", '{% block main %}{% include "partials/" ~ page.kind ~ ".html" %}'))
    partial = project / "templates" / "partials" / "article.html"
    write_later(partial, '<p class="partial">first words</p>\n')
    out = tmp_path / "site"
    first = build(project, out, today=TODAY, persist=True)
    page = out / "articles" / "satellite-launch" / "index.html"
    assert b"first words" in page.read_bytes()

    write_later(partial, '<p class="partial">second words</p>\n')
    again = build(project, out, today=TODAY, persist=True)
    assert again.briefing is not None, "the stamps' shortcut missed the edited partial"
    assert again.rendered > 0, "the cache kept every page"
    assert b"second words" in page.read_bytes()
    assert 0 < first.rendered
    clean = tmp_path / "clean"
    build(project, clean, today=TODAY, persist=False)
    assert read_tree(out) == read_tree(clean)
