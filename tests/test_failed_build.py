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


def test_a_build_failing_after_its_plan_was_saved_leaves_no_stale_page_for_the_next(tmp_path, monkeypatch):
    """The plan's ledger is written as soon as the pages are rendered, before the write
    (cache.save_ledger, while Pagefind indexes). A build that fails after that (a root file in
    the way of the home page) writes nothing, and the build after the fix, checked against a
    clean build (verify mode), shows the edit it made before failing."""
    from briefgen.build import build
    from briefgen.errors import BuildFailed

    monkeypatch.setenv("BRIEFGEN_VERIFY", "1")
    project = copy_project(BASIC, tmp_path / "project")
    out = tmp_path / "site"
    build(project, out, persist=True)
    before = read_tree(out)
    plan = project / ".briefgen-cache" / "plan.pickle"
    saved = plan.stat().st_ino
    sidecar = project / "content/articles/seoul-assessment.yaml"
    sidecar.write_text(sidecar.read_text(encoding="utf-8").replace("sees no evidence", "sees no sign"), encoding="utf-8")
    (project / "static").mkdir()
    (project / "static/index.html").write_text("<p>mine</p>", encoding="utf-8")
    with pytest.raises(BuildFailed) as failed:
        build(project, out, persist=True)
    assert [d.code for d in failed.value.diagnostics] == ["root-file-collision"]
    assert read_tree(out) == before
    assert plan.stat().st_ino != saved  # the case under test: this build's ledger is on disk
    (project / "static/index.html").unlink()
    again = build(project, out, persist=True)
    assert again.verified
    assert "sees no sign" in (out / "articles/seoul-assessment/index.html").read_text(encoding="utf-8")
