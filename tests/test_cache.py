"""The on-disk build cache: it speeds rebuilds up and never changes what is built."""

from __future__ import annotations

import datetime as dt
import os
import pickle
import shutil
import time
from pathlib import Path

import pytest

from briefgen import cache as caching
from briefgen import load, stamps
from briefgen.build import build
from briefgen.errors import BuildFailed
from briefgen.write import SiteFiles
from support import FIXTURES, read_tree

TODAY = dt.date(2024, 1, 1)


def project_copy(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "valid" / "basic", project)
    return project


def clean_tree(tmp_path: Path, project: Path, name: str) -> dict:
    out = tmp_path / name
    build(project, out, today=TODAY, persist=False)
    return read_tree(out)


def settled_clock(monkeypatch) -> None:
    """The clock builds read seconds ahead: every file is old enough for its stat stamp to prove it
    unchanged (stamps.settled), with no sleep, however fast the test runs."""
    monkeypatch.setattr(stamps, "now", lambda: time.time_ns() + 5_000_000_000)


def unsettled_clock(monkeypatch) -> None:
    """The clock builds read at the files' own time: no stamp is proof, the whole pipeline runs
    (not the stamps' shortcut) and every source is read and hashed."""
    monkeypatch.setattr(stamps, "now", lambda: 0)


def pages_of(result) -> int:
    return sum(n for kind, n in result.pages.items() if kind != "pdf")


def rendered_all(result) -> bool:
    """The whole pipeline ran and rendered every page: no page was reused."""
    return result.briefing is not None and result.rendered == pages_of(result) and result.taken_back == 0


def took_back_all(result) -> bool:
    """The whole pipeline ran, parsed nothing, and took every page back from the output folder."""
    return result.briefing is not None and result.parsed == 0 and result.rendered == 0 \
        and result.taken_back == pages_of(result)


def test_second_build_with_unsettled_stamps_reuses_every_page_and_writes_the_same_site(tmp_path, monkeypatch):
    unsettled_clock(monkeypatch)
    project = project_copy(tmp_path)
    out = tmp_path / "site"
    first = build(project, out, today=TODAY, persist=True)
    assert first.parsed > 0 and rendered_all(first)
    assert (project / ".briefgen-cache" / "build.pickle").is_file()
    again = build(project, out, today=TODAY, persist=True)
    assert took_back_all(again)  # every file read and hashed, every parse and page reused
    assert again.written is not None and again.written.written == ()
    assert read_tree(out) == clean_tree(tmp_path, project, "clean")


def test_second_build_with_settled_stamps_stops_at_once(tmp_path, monkeypatch):
    settled_clock(monkeypatch)
    project = project_copy(tmp_path)
    out = tmp_path / "site"
    build(project, out, today=TODAY, persist=True)
    read = []
    monkeypatch.setattr(load, "read", lambda source: read.append(source.file) or pytest.fail("read a source"))
    again = build(project, out, today=TODAY, persist=True)
    assert again.briefing is None and again.rendered == 0 and read == []  # the stamps' shortcut
    monkeypatch.undo()
    assert read_tree(out) == clean_tree(tmp_path, project, "clean")


def test_an_edit_rerenders_only_what_it_touches(tmp_path, monkeypatch):
    unsettled_clock(monkeypatch)
    project = project_copy(tmp_path)
    out = tmp_path / "site"
    first = build(project, out, today=TODAY, persist=True)
    actor = next((project / "content" / "actors").glob("*.yaml"))
    actor.write_text(actor.read_text(encoding="utf-8").replace("name: ", "name: Renamed ", 1), encoding="utf-8")
    again = build(project, out, today=TODAY, persist=True)
    assert again.briefing is not None and again.parsed == 1 and 0 < again.rendered < first.rendered
    assert again.rendered + again.taken_back == pages_of(again)  # the rest taken back from the output
    assert read_tree(out) == clean_tree(tmp_path, project, "clean")


@pytest.mark.parametrize("damage", [
    lambda path: path.write_bytes(b"\x80\x05garbage" * 10),
    lambda path: path.write_bytes(path.read_bytes()[: path.stat().st_size // 2]),
], ids=["corrupt", "truncated"])
def test_a_damaged_cache_is_ignored(tmp_path, monkeypatch, damage):
    unsettled_clock(monkeypatch)  # the pipeline runs (not the stamps' shortcut), and meets the cache
    project = project_copy(tmp_path)
    out = tmp_path / "site"
    build(project, out, today=TODAY, persist=True)
    damage(project / ".briefgen-cache" / "build.pickle")
    result = build(project, out, today=TODAY, persist=True)
    assert rendered_all(result) and result.parsed == 0  # the page records are lost, the parse shards intact
    assert read_tree(out) == clean_tree(tmp_path, project, "clean")


def test_cache_from_other_code_is_not_trusted(tmp_path, monkeypatch):
    project = project_copy(tmp_path)
    out = tmp_path / "site"
    monkeypatch.setattr(caching, "code_digest", lambda: "another-version")
    first = build(project, out, today=TODAY, persist=True)
    monkeypatch.undo()
    assert (project / ".briefgen-cache" / "build.pickle").is_file()
    assert caching.load(project, out).documents.entries == {}
    again = build(project, out, today=TODAY, persist=True)  # (the stamps are bound to the code too)
    assert rendered_all(again) and again.parsed == first.parsed


class _Payload:
    """Unpickling this writes a file: proof that a cache was unpickled."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "unpickled"))


def test_a_cache_this_user_did_not_sign_is_never_unpickled(tmp_path, monkeypatch):
    unsettled_clock(monkeypatch)  # no stamp is proof: the whole pipeline runs
    project = project_copy(tmp_path)
    out = tmp_path / "site"
    first = build(project, out, today=TODAY, persist=True)
    marker = tmp_path / "marker"
    header = caching.MAGIC + caching.header(out) + b"\n"
    body = pickle.dumps(_Payload(marker))
    files = sorted((project / ".briefgen-cache").glob("*.pickle"))
    assert len(files) == 6 + caching.SHARDS  # build, plan, stamps, resolve, briefing, parsed index and shards
    kept = caching.load(project, out).resolution
    assert kept is not None and caching.load_briefing(project, kept) is not None
    for path in files:
        path.write_bytes(header + b"\0" * 32 + body)  # a cache shipped with a cloned project, say
    loaded = caching.load(project, out)
    assert loaded.documents.entries == {} and loaded.pages.written == {} and loaded.ledger == caching.Ledger()
    assert loaded.resolution is None and caching.load_briefing(project, kept) is None
    again = build(project, out, today=TODAY, persist=True)
    assert not marker.exists()
    assert rendered_all(again) and again.parsed == first.parsed


def test_a_page_edited_in_the_output_is_rebuilt(tmp_path, monkeypatch):
    unsettled_clock(monkeypatch)
    project = project_copy(tmp_path)
    out = tmp_path / "site"
    build(project, out, today=TODAY, persist=True)
    page = out / "index.html"
    page.write_bytes(b"tampered")
    result = build(project, out, today=TODAY, persist=True)
    assert result.parsed == 0 and result.rendered == 1 and result.taken_back == pages_of(result) - 1
    assert read_tree(out) == clean_tree(tmp_path, project, "clean")


def test_a_page_the_last_build_left_untouched_is_not_hashed_again(tmp_path, monkeypatch):
    """Its stat stamp, recorded when that build ended, proves its bytes; only changed ones are hashed."""
    settled_clock(monkeypatch)  # every file's stamp is proof from the first build
    project = project_copy(tmp_path)
    out = tmp_path / "site"
    build(project, out, today=TODAY, persist=True)
    robots = (out / "robots.txt").read_bytes()
    actor = next((project / "content" / "actors").glob("*.yaml"))
    actor.write_text(actor.read_text(encoding="utf-8").replace("name: ", "name: Renamed ", 1), encoding="utf-8")
    hashed = []
    real = caching.digest
    monkeypatch.setattr(caching, "digest", lambda data: hashed.append(data) or real(data))
    result = build(project, out, today=TODAY, persist=True)
    assert result.parsed == 1 and result.rendered > 0 and result.rendered + result.taken_back == pages_of(result)
    assert hashed and robots not in hashed
    assert read_tree(out) == clean_tree(tmp_path, project, "clean")


def test_stamps_prove_pages_only_with_the_page_records_of_their_own_build(tmp_path, monkeypatch):
    """The output's stamps (stamps.pickle) say a page is as the last build left it; the page records
    (build.pickle) say which fingerprint each page was written with. Records older than the
    stamps (their write failed, or a cache restored from a backup) must not vouch for a page the
    last build changed: here the page of an edit that was then undone."""
    settled_clock(monkeypatch)
    project = project_copy(tmp_path)
    out = tmp_path / "site"
    build(project, out, today=TODAY, persist=True)
    records = project / ".briefgen-cache" / "build.pickle"
    older = records.read_bytes()
    article = project / "content" / "articles" / "satellite-launch.yaml"
    before = article.read_text(encoding="utf-8")
    article.write_text(before.replace("summary:", "summary: Undone.", 1), encoding="utf-8")
    build(project, out, today=TODAY, persist=True)
    article.write_text(before, encoding="utf-8")
    records.write_bytes(older)
    build(project, out, today=TODAY, persist=True)
    assert read_tree(out) == clean_tree(tmp_path, project, "clean")


def test_sources_parsed_by_a_build_that_fails_later_are_not_parsed_again(tmp_path, monkeypatch):
    """The parsed sources are saved (and let go) once the Briefing is resolved: a template error
    fails the build, and the next one, with the template put right, parses nothing."""
    settled_clock(monkeypatch)
    project = project_copy(tmp_path)
    out = tmp_path / "site"
    (project / "templates").mkdir()
    (project / "templates" / "robots.txt").write_text("{{ no_such_value.anywhere }}\n", encoding="utf-8")
    with pytest.raises(BuildFailed):
        build(project, out, today=TODAY, persist=True)
    (project / "templates" / "robots.txt").unlink()
    again = build(project, out, today=TODAY, persist=True)
    assert again.parsed == 0 and again.rendered == pages_of(again)
    assert read_tree(out) == clean_tree(tmp_path, project, "clean")


def test_pages_rendered_for_the_output_are_held_compressed_until_written(tmp_path):
    project = project_copy(tmp_path)
    out = tmp_path / "site"
    result = build(project, out, today=TODAY, persist=True)
    files = result.files
    assert isinstance(files, SiteFiles) and "index.html" in files.packed and "index.html" not in files.made
    assert len(files["index.html"]) > 2 * len(files.packed["index.html"])
    assert {rel: files[rel] for rel in files} == read_tree(out, exclude=(".briefgen-manifest.json",))
    assert build(project, tmp_path / "again", today=TODAY, persist=False).files == files


def test_a_page_its_stamp_proves_is_left_in_the_output_unread(tmp_path, monkeypatch):
    """A rebuild holds none of the pages it takes back by stamp: the result names them, and reads
    one from the output folder only if asked for."""
    settled_clock(monkeypatch)
    project = project_copy(tmp_path)
    out = tmp_path / "site"
    build(project, out, today=TODAY, persist=True)
    actor = next((project / "content" / "actors").glob("*.yaml"))
    actor.write_text(actor.read_text(encoding="utf-8").replace("name: ", "name: Renamed ", 1), encoding="utf-8")
    result = build(project, out, today=TODAY, persist=True)
    files = result.files
    assert isinstance(files, SiteFiles) and "robots.txt" in files.unread and "robots.txt" not in files.made
    assert result.taken_back >= len(files.unread) > 0
    assert files["robots.txt"] == (out / "robots.txt").read_bytes() and len(files) == len(read_tree(out)) - 1  # (the manifest)
    assert read_tree(out) == clean_tree(tmp_path, project, "clean")


def test_a_search_shard_kept_from_the_last_build_is_not_read_back_unless_its_files_changed(tmp_path, monkeypatch):
    """The index files of a shard no record of which changed are proven by their stamps (at 10,000
    articles, 30,000 files read back on every build); one changed in the output is written again."""
    from briefgen import search, write
    settled_clock(monkeypatch)
    project = project_copy(tmp_path)
    out = tmp_path / "site"
    build(project, out, today=TODAY, persist=True)
    compared: list[str] = []
    real_same = write._same
    monkeypatch.setattr(write, "_same", lambda tree, rel, data, found: compared.append(rel) or real_same(tree, rel, data, found))
    article = next((project / "content" / "articles").glob("*.md"))
    article.write_bytes(article.read_bytes())  # a save that changes nothing: the pipeline runs, no record changes
    first = build(project, out, today=TODAY, persist=True)
    index = sorted(p.relative_to(out).as_posix() for p in (out / "pagefind").rglob("*") if p.is_file())
    assert first.briefing is not None and len(index) > 3
    assert not [rel for rel in compared if rel in index and rel != search.SHARDS_FILE]
    fragment = next(rel for rel in index if "/fragment/" in rel)
    (out / fragment).write_bytes(b"tampered")
    article.write_bytes(article.read_bytes())
    build(project, out, today=TODAY, persist=True)
    assert fragment in compared
    assert read_tree(out) == clean_tree(tmp_path, project, "clean")


def test_a_page_edited_in_the_output_with_its_size_and_mtime_kept_is_rebuilt(tmp_path, monkeypatch):
    """``cp -p`` or an editor can keep the size and mtime; the change of ctime still shows."""
    settled_clock(monkeypatch)  # the output's stamps are recorded, and proof unless they changed
    project = project_copy(tmp_path)
    out = tmp_path / "site"
    build(project, out, today=TODAY, persist=True)
    page = out / "robots.txt"  # a page the edit below does not change
    before = page.stat()
    page.write_bytes(page.read_bytes().replace(b":", b";", 1))
    os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))
    actor = next((project / "content" / "actors").glob("*.yaml"))  # so the build does not stop at once
    actor.write_text(actor.read_text(encoding="utf-8").replace("name: ", "name: Renamed ", 1), encoding="utf-8")
    tampered = page.read_bytes()
    hashed = []
    real = caching.digest
    monkeypatch.setattr(caching, "digest", lambda data: hashed.append(data) or real(data))
    result = build(project, out, today=TODAY, persist=True)
    assert result.parsed == 1 and result.rendered + result.taken_back == pages_of(result)
    assert tampered in hashed  # its stamp was not proof: hashed, found changed, rendered again
    assert read_tree(out) == clean_tree(tmp_path, project, "clean")


def test_another_output_folder_reuses_the_parses_and_the_plan_but_not_the_page_records(tmp_path, monkeypatch):
    unsettled_clock(monkeypatch)
    project = project_copy(tmp_path)
    first = build(project, tmp_path / "one", today=TODAY, persist=True)
    assert first.parsed > 0
    other = build(project, tmp_path / "two", today=TODAY, persist=True)
    # what the page records say is bound to the folder they describe: every page is made again;
    # the parses and the ledger are not, and alternating -o no longer parses the project again
    assert other.parsed == 0 and other.rendered == pages_of(other) and other.taken_back == 0
    assert read_tree(tmp_path / "two") == clean_tree(tmp_path, project, "clean")
    article = next((project / "content" / "articles").glob("*.md"))
    article.write_text(article.read_text() + "\nA sentence added between two output folders.\n")
    back = build(project, tmp_path / "one", today=TODAY, persist=True)
    assert back.parsed == 1 and back.rendered == pages_of(back)
    assert read_tree(tmp_path / "one") == clean_tree(tmp_path, project, "clean-after-edit")


def test_a_build_that_changed_nothing_does_not_rewrite_the_cache(tmp_path, monkeypatch):
    settled_clock(monkeypatch)  # every file's stamp is proof from the first build
    project = project_copy(tmp_path)
    out = tmp_path / "site"
    build(project, out, today=TODAY, persist=True)
    path = project / ".briefgen-cache" / "build.pickle"
    before = path.stat().st_mtime_ns, path.read_bytes()
    (project / ".briefgen-cache" / stamps.FILE).unlink()  # run the whole pipeline, not the stamps' shortcut
    assert took_back_all(build(project, out, today=TODAY, persist=True))
    assert (path.stat().st_mtime_ns, path.read_bytes()) == before


def _shards(project: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (project / ".briefgen-cache").glob("parsed-*.pickle")}


def test_an_edit_rewrites_only_the_shard_of_the_file_it_changed(tmp_path, monkeypatch):
    settled_clock(monkeypatch)  # settled stamps: the shards hold their proofs from the start
    project = project_copy(tmp_path)
    out = tmp_path / "site"
    build(project, out, today=TODAY, persist=True)
    before = _shards(project)
    article = project / "content" / "articles" / "satellite-launch.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nOne more paragraph.\n", encoding="utf-8")
    assert build(project, out, today=TODAY, persist=True).parsed == 1
    after = _shards(project)
    changed = {name for name in after if after[name] != before[name]}
    assert changed == {caching._shard_file(caching._shard("content/articles/satellite-launch.md")), caching.INDEX_FILE}
    assert read_tree(out) == clean_tree(tmp_path, project, "clean")


def test_a_cli_rebuild_reads_only_the_shards_it_needs(tmp_path, monkeypatch):
    """The index of parsed files (parsed-index.pickle) proves the unchanged files unchanged without
    their shards: after an edit to a text, only its shard, its annotations' and the settings' are
    read (resolved by difference); after an edit to annotations, the whole resolve reads every shard. A shard
    that no longer holds what the index says (damaged) is parsed again, not trusted."""
    settled_clock(monkeypatch)
    project = project_copy(tmp_path)
    out = tmp_path / "site"
    build(project, out, today=TODAY, persist=True)
    read: list[int] = []
    reader = caching._read_shard
    monkeypatch.setattr(caching, "_read_shard", lambda project, shard, secret: read.append(shard)
                        or reader(project, shard, secret))
    text, notes = "content/articles/satellite-launch.md", "content/articles/satellite-launch.yaml"
    _append(project / text, "One more paragraph.")
    assert build(project, out, today=TODAY, persist=True).parsed == 1
    assert set(read) == {caching._shard(text), caching._shard(notes), caching._shard("briefgen.yaml")}
    assert len(read) == len(set(read))
    assert read_tree(out) == clean_tree(tmp_path, project, "clean")

    sources = set(caching.load(project, out).documents.index)
    assert notes in sources and len(sources) > 10
    read.clear()
    path = project / notes
    path.write_text(path.read_text(encoding="utf-8").replace("succeeded", "worked"), encoding="utf-8")
    build(project, out, today=TODAY, persist=True)
    assert set(read) == {caching._shard(file) for file in sources}
    assert read_tree(out) == clean_tree(tmp_path, project, "clean2")

    actor = next((project / "content" / "actors").glob("*.yaml"))
    victim = project / ".briefgen-cache" / caching._shard_file(caching._shard(f"content/actors/{actor.name}"))
    victim.write_bytes(victim.read_bytes()[:100])  # damaged: its files are parsed again
    path.write_text(path.read_text(encoding="utf-8").replace("worked", "succeeded"), encoding="utf-8")
    again = build(project, out, today=TODAY, persist=True)
    assert again.parsed >= 1 and read_tree(out) == clean_tree(tmp_path, project, "clean3")


def test_a_shard_left_from_an_older_build_is_harmless(tmp_path, monkeypatch):
    """A build killed while saving leaves shards of two builds: each entry proves itself."""
    settled_clock(monkeypatch)  # the old shard's entry carries a stat stamp as proof
    project = project_copy(tmp_path)
    out = tmp_path / "site"
    build(project, out, today=TODAY, persist=True)
    old = _shards(project)
    article = project / "content" / "articles" / "satellite-launch.md"
    article.write_text(article.read_text(encoding="utf-8").replace("launch", "flight", 1), encoding="utf-8")
    build(project, out, today=TODAY, persist=True)
    for name, data in old.items():
        (project / ".briefgen-cache" / name).write_bytes(data)
    (project / ".briefgen-cache" / stamps.FILE).unlink(missing_ok=True)
    result = build(project, out, today=TODAY, persist=True)
    assert result.parsed == 1 and result.rendered == 0  # the old entry's proof failed: parsed again, same pages
    assert read_tree(out) == clean_tree(tmp_path, project, "clean")


def test_a_problem_in_a_file_taken_from_the_cache_is_located_on_its_line(tmp_path, monkeypatch):
    """Parsed documents keep the text their line table comes from, not the table: a diagnostic
    about an unchanged, cached file still names the right line."""
    settled_clock(monkeypatch)  # settled: the annotations come from the cache unread
    project = project_copy(tmp_path)
    out = tmp_path / "site"
    build(project, out, today=TODAY, persist=True)
    (project / "content" / "actors" / "russia.yaml").unlink()
    read = []
    monkeypatch.setattr(load, "read", lambda source: read.append(source.file) or pytest.fail("read a source"))
    with pytest.raises(BuildFailed) as failed:
        build(project, out, today=TODAY, persist=True)
    assert read == []  # every document came from the cache, unread
    found = {(d.file, d.line, d.code) for d in failed.value.diagnostics}
    assert ("content/articles/seoul-assessment.yaml", 6, "unknown-actor") in found
    assert ("content/articles/seoul-assessment.yaml", 25, "unknown-actor") in found


def test_a_program_that_builds_again_keeps_its_garbage_collector(tmp_path):
    """Only a build told it is the process's last (the CLI's) freezes what it made; a program
    calling build(persist=True) again and again froze each whole site for good (found by a tester)."""
    import gc
    project = project_copy(tmp_path)
    before = gc.get_freeze_count()
    try:
        for _ in range(2):
            build(project, tmp_path / "site", today=TODAY, persist=True)
        assert gc.get_freeze_count() == before
    finally:
        gc.unfreeze()


def _count_resolves(monkeypatch) -> list[int]:
    """One entry per whole resolve from now on (resolve.resolve, as the build calls it)."""
    from briefgen import build as building

    calls: list[int] = []
    whole = building.resolve
    monkeypatch.setattr(building, "resolve", lambda *args, **kw: calls.append(1) or whole(*args, **kw))
    return calls


def _count_digests(monkeypatch) -> list[object]:
    """Every value digested by value (reads.by_value, as Digests calls it) from now on."""
    from briefgen import reads

    values: list[object] = []
    by_value = reads.by_value
    monkeypatch.setattr(reads, "by_value", lambda value: values.append(value) or by_value(value))
    return values


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + f"\n\n{text}\n", encoding="utf-8")


def test_a_cli_text_edit_is_resolved_by_difference(tmp_path, monkeypatch):
    """A CLI build after an edit to an article's text takes the last build's Briefing from the
    cache (briefing.pickle, resolve.pickle) with the article's new text, resolving nothing, and
    takes the digests of every other entry from the ledger; the site and warnings are a clean
    build's. A second edit builds on the first (its text carried in resolve.pickle)."""
    unsettled_clock(monkeypatch)
    project = project_copy(tmp_path)
    out = tmp_path / "site"
    first = build(project, out, today=TODAY, persist=True)
    resolves, digested = _count_resolves(monkeypatch), _count_digests(monkeypatch)
    text = project / "content/articles/seoul-assessment.md"
    _append(text, "A paragraph added to the text.")
    second = build(project, out, today=TODAY, persist=True)
    assert resolves == [] and second.parsed == 1
    assert first.briefing is not None and second.briefing is not None
    assert second.briefing.articles == first.briefing.articles
    assert "A paragraph added" in second.briefing.bodies["seoul-assessment"].source
    assert digested and all(not isinstance(v, type(first.briefing.articles["seoul-assessment"])) for v in digested)
    kept = caching.load(project, out).resolution
    assert kept is not None and kept.base != kept.generation and set(kept.bodies) == {"seoul-assessment"}
    clean = clean_tree(tmp_path, project, "clean")
    assert read_tree(out) == clean
    assert second.warnings == build(project, tmp_path / "again", today=TODAY, persist=False).warnings

    _append(project / "content/articles/satellite-launch.md", "Another paragraph.")
    resolves.clear()  # (the clean builds' resolves)
    third = build(project, out, today=TODAY, persist=True)
    assert resolves == [] and third.parsed == 1
    assert set(caching.load(project, out).resolution.bodies) == {"seoul-assessment", "satellite-launch"}
    assert read_tree(out) == clean_tree(tmp_path, project, "clean2")

    monkeypatch.setattr(caching, "REBASE", 2)  # a third text edited since briefing.pickle: written anew
    _append(project / "content/articles/analyst-notes.txt", "A third paragraph.")
    resolves.clear()
    build(project, out, today=TODAY, persist=True)
    kept = caching.load(project, out).resolution
    assert resolves == [] and kept.base == kept.generation and kept.bodies == {}
    assert caching.load_briefing(project, kept).bodies["analyst-notes"].source.endswith("A third paragraph.\n")
    _append(project / "content/articles/seoul-assessment.md", "Once more.")
    build(project, out, today=TODAY, persist=True)
    assert resolves == [] and read_tree(out) == clean_tree(tmp_path, project, "clean3")


@pytest.mark.parametrize("edit", ["annotations", "lead", "lost quote", "briefing.pickle lost", "another day"])
def test_a_cli_edit_that_is_not_only_a_text_is_resolved_whole(tmp_path, monkeypatch, edit):
    """An annotations file changed, a text whose article changes with it (its lead is the summary),
    the last Briefing gone from the cache, another day: the whole resolve runs, and the site is a
    clean build's. A quote lost is resolved whole, an error as in a clean build; put back, the
    text is the one the last Briefing was made from again."""
    unsettled_clock(monkeypatch)
    project = project_copy(tmp_path)
    out = tmp_path / "site"
    build(project, out, today=TODAY, persist=True)
    resolves = _count_resolves(monkeypatch)
    notes, text = project / "content/articles/seoul-assessment.yaml", project / "content/articles/seoul-assessment.md"
    today = TODAY
    if edit == "annotations":
        notes.write_text(notes.read_text(encoding="utf-8").replace("confirms the satellite", "says the satellite"),
                         encoding="utf-8")
    elif edit == "lead":
        notes.write_text(notes.read_text(encoding="utf-8").replace("summary: South Korean", "# summary: South Korean"),
                         encoding="utf-8")
        build(project, out, today=TODAY, persist=True)
        body = text.read_text(encoding="utf-8")
        end = body.index("---", 3) + 3
        text.write_text(body[:end] + "\n\nA new lead paragraph.\n" + body[end:], encoding="utf-8")
    elif edit == "lost quote":
        good = text.read_text(encoding="utf-8")
        text.write_text(good.replace("too early to say", "too soon to say"), encoding="utf-8")
        with pytest.raises(BuildFailed) as failed:
            build(project, out, today=TODAY, persist=True)
        assert [d.code for d in failed.value.diagnostics if d.severity == "error"] == ["quote-not-found"]
        assert resolves == [1]
        text.write_text(good, encoding="utf-8")
    elif edit == "briefing.pickle lost":
        (project / ".briefgen-cache" / "briefing.pickle").unlink()
        _append(text, "A paragraph added to the text.")
    else:
        today = TODAY + dt.timedelta(days=1)
        _append(text, "A paragraph added to the text.")
    resolves.clear()
    result = build(project, out, today=today, persist=True)
    assert resolves == ([] if edit == "lost quote" else [1])
    clean = tmp_path / "clean"
    assert result.warnings == build(project, clean, today=today, persist=False).warnings
    assert read_tree(out) == read_tree(clean)
