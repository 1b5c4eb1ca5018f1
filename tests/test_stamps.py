"""A build whose inputs and output did not change stops at once; every kind of change is noticed."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from pathlib import Path

import pytest

from briefgen import cache as caching
from briefgen import stamps
from briefgen.build import build
from support import FIXTURES, read_tree, run_briefgen, settle

TODAY = dt.date(2024, 1, 1)


def settled_clock(monkeypatch) -> None:
    """The clock builds read seconds ahead: every file's stamp has aged past the racy window, as
    in any real edit-build cycle, with no sleep however fast the test runs."""
    monkeypatch.setattr(stamps, "now", lambda: time.time_ns() + 5_000_000_000)


@pytest.fixture
def built(tmp_path, monkeypatch):
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "valid" / "basic", project)
    unused = project / "content" / "actors" / "nobody-at-all.yaml"
    unused.write_text("name: Nobody At All\nkind: person\n", encoding="utf-8")  # a warning to replay
    out = tmp_path / "site"
    settled_clock(monkeypatch)
    first = build(project, out, today=TODAY, persist=True)
    assert first.briefing is not None
    return project, out, first


def again(project: Path, out: Path):
    return build(project, out, today=TODAY, persist=True)


def test_no_change_build_is_skipped_with_the_same_report(built):
    project, out, first = built
    before = read_tree(out)
    result = again(project, out)
    assert result.briefing is None, "nothing changed: the build should have stopped at the stamps"
    assert result.pages == first.pages
    assert result.warnings == first.warnings and result.warnings
    assert read_tree(out) == before


def edit_article(project: Path, out: Path) -> None:
    path = next((project / "content" / "articles").glob("*.md"))
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("the", "thE", 1), encoding="utf-8")  # same size, new bytes


def restore_mtime_like_cp_p(project: Path, out: Path) -> None:
    path = next((project / "content" / "actors").glob("*.yaml"))
    st = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace("name: ", "name: X", 1), encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def add_article(project: Path, out: Path) -> None:
    (project / "content" / "articles" / "late-addition.md").write_text("# Late addition\n\nA new text.\n", encoding="utf-8")


def override_template(project: Path, out: Path) -> None:
    (project / "templates").mkdir(exist_ok=True)
    (project / "templates" / "robots.txt").write_text("User-agent: *\nDisallow: /\n", encoding="utf-8")


def delete_output_page(project: Path, out: Path) -> None:
    (out / "index.html").unlink()


def edit_output_page(project: Path, out: Path) -> None:
    page = out / "timeline" / "index.html"
    data = page.read_bytes()
    page.write_bytes(data.replace(b"<", b"{", 1))


def add_stray_output_file(project: Path, out: Path) -> None:
    (out / "topics" / "stray.html").write_text("stray", encoding="utf-8")


def add_stray_output_folder(project: Path, out: Path) -> None:
    """A folder of the user's inside one of briefgen's (a page's own folder): only that folder is
    stamped, not walked."""
    page = next(p for p in (out / "articles").iterdir() if p.is_dir())
    (page / "notes").mkdir()
    (page / "notes" / "stray.html").write_text("stray", encoding="utf-8")


@pytest.mark.parametrize("change", [edit_article, restore_mtime_like_cp_p, add_article, override_template,
                                    delete_output_page, edit_output_page, add_stray_output_file,
                                    add_stray_output_folder])
def test_every_change_is_noticed_and_the_site_equals_a_clean_build(built, tmp_path, change):
    project, out, _ = built
    change(project, out)
    result = again(project, out)
    assert result.briefing is not None, f"{change.__name__} went unnoticed"
    clean = tmp_path / "clean"
    build(project, clean, today=TODAY, persist=False)
    got = read_tree(out)
    if change is add_stray_output_file:  # not briefgen's: kept as it is (write.py, ownership)
        assert got.pop("topics/stray.html") == b"stray"
    if change is add_stray_output_folder:
        assert [got.pop(rel) for rel in [rel for rel in got if rel.endswith("/notes/stray.html")]] == [b"stray"]
    assert got == read_tree(clean)


def test_another_day_or_other_settings_rebuild(built):
    project, out, _ = built
    assert build(project, out, today=TODAY + dt.timedelta(days=1), persist=True).briefing is not None
    assert build(project, out, today=TODAY, strict=False, base_url="https://example.org/", persist=True).briefing is not None


def test_an_input_touched_during_the_sweep_window_is_not_trusted(built, monkeypatch):
    """Saved just before the build: its stamp proves nothing later, so the next build does not stop
    at once; the output stamps, which this build made, still spare it hashing every page."""
    project, out, _ = built
    monkeypatch.setattr(stamps, "RACY", 3600 * 10**9)  # every stamp is fresh, however slow the machine
    edit_article(project, out)
    assert again(project, out).briefing is not None
    hashed = []
    real = caching.digest
    monkeypatch.setattr(caching, "digest", lambda data: hashed.append(data) or real(data))
    assert again(project, out).briefing is not None, "the edit was too fresh for its stamp to prove anything later"
    assert not hashed, "the output stamps of the last build were not kept"
    monkeypatch.undo()
    settled_clock(monkeypatch)
    assert again(project, out).briefing is not None
    assert again(project, out).briefing is None


def test_a_tampered_record_is_ignored(built):
    project, out, _ = built
    record = project / ".briefgen-cache" / stamps.FILE
    data = bytearray(record.read_bytes())
    data[-20] ^= 0x01  # one bit of the body (the summary's end) changed: the signature no longer holds
    record.write_bytes(bytes(data))
    assert again(project, out).briefing is not None


@pytest.mark.slow
def test_the_cli_says_the_site_is_up_to_date(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "valid" / "basic", project)
    (project / "content" / "actors" / "nobody-at-all.yaml").write_text("name: Nobody\nkind: person\n", encoding="utf-8")
    settle()
    first = run_briefgen("build", project)
    second = run_briefgen("build", project)
    assert first.returncode == second.returncode == 0, second.stderr
    assert first.stdout.startswith("Built ")
    assert second.stdout.startswith("Up to date: "), second.stdout
    assert "unused-actor" in first.stderr and second.stderr == first.stderr  # the same warnings, replayed
    assert run_briefgen("build", project, "--no-cache").stdout.startswith("Built ")


def test_clean_destination_dir_cleans_an_output_that_is_otherwise_up_to_date(built):
    """--clean-destination-dir deletes what the build does not make even when nothing changed
    (it stopped at the stamps and left the strays; found by a tester)."""
    project, out, _ = built
    (out / "notes.txt").write_text("stray", encoding="utf-8")
    (out / "foreign").mkdir()
    (out / "foreign" / "a.txt").write_text("stray", encoding="utf-8")
    assert again(project, out).briefing is not None  # the strays changed the output: looked at, kept
    assert (out / "notes.txt").exists()
    result = build(project, out, today=TODAY, persist=True, replace_foreign=True)
    assert result.briefing is not None
    assert not (out / "notes.txt").exists() and not (out / "foreign").exists()


def test_a_page_another_program_changes_while_the_build_ends_is_not_recorded_as_the_builds(built, monkeypatch):
    """The stamps of what a build wrote are taken as it puts each file in place, not when it
    records them: a page changed in between (here while the cache is saved) is found changed
    and made again by the next build (it was trusted for good; found by a tester)."""
    project, out, _ = built
    page = out / "robots.txt"  # written again by the change below
    real_save = caching.save

    def save_while_another_writes(*args, **kwargs):
        page.write_bytes(page.read_bytes() + b"# another program's line\n")
        return real_save(*args, **kwargs)
    monkeypatch.setattr(caching, "save", save_while_another_writes)
    override_template(project, out)  # a change that writes robots.txt again
    assert again(project, out).briefing is not None
    monkeypatch.setattr(caching, "save", real_save)
    result = again(project, out)
    assert result.briefing is not None  # not "up to date": the page is not as the build left it
    clean = out.parent / "clean"
    build(project, clean, today=TODAY, persist=False)
    assert read_tree(out) == read_tree(clean)


def test_edits_made_while_the_dev_server_first_builds_are_found_once_it_watches(tmp_path: Path):
    """The dev server's watcher starts after its first build (whose workers are forked before any
    thread starts): what was added, removed or edited meanwhile is found by sweeping the sources
    before and after."""
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "valid" / "basic", project)
    before = stamps.inputs(project)
    assert stamps.edited_since(before, stamps.inputs(project)) == set()
    article = project / "content" / "articles" / "satellite-launch.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")
    (project / "content" / "actors" / "new-actor.yaml").write_text("name: New\nkind: person\n", encoding="utf-8")
    found = stamps.edited_since(before, stamps.inputs(project))
    assert {"content/articles/satellite-launch.md", "content/actors/new-actor.yaml"} <= found
    assert all(rel.startswith("content/") for rel in found), found
