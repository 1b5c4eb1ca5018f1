"""A build that fails leaves the previous site exactly as it was, and says what to fix."""

from __future__ import annotations

import re

import pytest

from support import FIXTURES, copy_project, read_tree, run_briefgen

pytestmark = pytest.mark.slow  # measured: see the slow marker in pyproject.toml

BASIC = FIXTURES / "valid" / "basic"


def test_failed_build_leaves_previous_site_byte_for_byte(tmp_path):
    project = copy_project(BASIC, tmp_path / "project")
    out = tmp_path / "site"
    first = run_briefgen("build", project, "-o", out)
    assert first.returncode == 0, first.stderr
    before = read_tree(out)
    stats = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    assert "index.html" in before and len(before) > 20

    sidecar = project / "content/articles/seoul-assessment.yaml"
    text = sidecar.read_text(encoding="utf-8")
    typo_line = text.splitlines().index("  - id: national-intelligence-service") + 1
    sidecar.write_text(text.replace("  - id: national-intelligence-service", "  - id: national-inteligence-service"),
                       encoding="utf-8")

    second = run_briefgen("build", project, "-o", out)
    assert second.returncode == 1
    assert "Traceback" not in second.stderr
    lines = second.stderr.splitlines()
    assert lines[0] == (f"  1. content/articles/seoul-assessment.yaml:{typo_line}: error[unknown-actor]: actors[0]: "
                        "unknown actor 'national-inteligence-service' (did you mean 'national-intelligence-service'?)")
    assert re.fullmatch(r"Build failed: 1 error; nothing was written, the previous site is unchanged\.", lines[-1])
    assert second.stdout == ""

    assert read_tree(out) == before
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == stats, "files were touched"


def test_rebuild_without_changes_writes_nothing(tmp_path):
    project = copy_project(BASIC, tmp_path / "project")
    out = tmp_path / "site"
    assert run_briefgen("build", project, "-o", out).returncode == 0
    stats = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    again = run_briefgen("build", project, "-o", out, "--no-cache")  # a full build, not the stamps' shortcut
    assert again.returncode == 0
    assert re.search(r"; 0 written, \d+ unchanged, 0 removed;", again.stdout), again.stdout
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == stats


def test_build_removes_pages_that_are_no_longer_produced_and_keeps_files_it_did_not_make(tmp_path):
    project = copy_project(BASIC, tmp_path / "project")
    out = tmp_path / "site"
    assert run_briefgen("build", project, "-o", out).returncode == 0
    (out / "notes.html").write_text("the user's own", encoding="utf-8")
    (project / "content/articles/analyst-notes.txt").unlink()
    (project / "content/articles/analyst-notes.yaml").unlink()
    result = run_briefgen("build", project, "-o", out)
    assert result.returncode == 0, result.stderr
    assert not (out / "articles/analyst-notes").exists()
    assert not (out / "claims/new-engine-on-third-launch").exists()
    assert (out / "notes.html").read_text(encoding="utf-8") == "the user's own"
    assert (out / "articles/seoul-assessment/index.html").is_file()
    result = run_briefgen("build", project, "-o", out, "--no-cache", "--clean-destination-dir")
    assert result.returncode == 0, result.stderr
    assert not (out / "notes.html").exists()
