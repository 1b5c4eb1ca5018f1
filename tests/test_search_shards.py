"""A large briefing's search index comes in shards, and an edit re-indexes only its own shard.

The example briefing's 28 records, with a shard size of 8 (instead of 2,048) so that they make
four shards: every record is in exactly one shard's index, the shards after the first hold only
index data (the browser searches them with the first shard's code: tests/browser/
test_publish_browser.py queries a 2,000-article corpus's shards through the search page), and
the build reports how many shards it indexed again (the "search index" stage's items).
"""

from __future__ import annotations

import gc
import time
import json
import os
import shutil
from pathlib import Path

import pytest

from briefgen import search
from briefgen.build import BuildResult, Cache, build

REPO = Path(__file__).resolve().parents[1]
ARTICLE = "content/articles/seoul-says-russia-helped-north-korea-launch-spy-satellite.yaml"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(REPO / "content", root / "content")
    (root / "briefgen.yaml").write_text("title: Sharded briefing\nsearch: true\n", encoding="utf-8")
    return root


@pytest.fixture
def small_shards(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "RECORDS_PER_SHARD", 8)


def reindexed(result: BuildResult) -> int | None:
    [stage] = [s for s in result.stages if s.name == "search index"]
    return stage.items


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    stamp = path.stat().st_mtime_ns + 1_000_000_000  # a later mtime whatever the file system's tick
    path.write_text(text.replace(old, new), encoding="utf-8")
    os.utime(path, ns=(stamp, stamp))


def shard_entries(files: dict[str, bytes]) -> dict[str, dict]:
    return {path.removesuffix("pagefind-entry.json"): json.loads(data)
            for path, data in files.items() if path.endswith("pagefind-entry.json")}


def test_a_large_index_is_cut_into_shards_that_hold_every_record_once(project: Path, small_shards: None):
    result = build(project, None, cache=None)
    records = search.records(result.briefing)
    groups = search.sharded(records)
    assert [len(g) for g in groups] == [7, 7, 6, 8], "the fixture's shards changed: choose another size"
    files = result.files
    assert json.loads(files[search.SHARDS_FILE]) == {"merge": ["shard-1/", "shard-2/", "shard-3/"]}
    entries = shard_entries(files)
    assert sorted(entries) == ["pagefind/", "pagefind/shard-1/", "pagefind/shard-2/", "pagefind/shard-3/"]
    counts = {folder: sum(lang["page_count"] for lang in entry["languages"].values()) for folder, entry in entries.items()}
    assert counts == {"pagefind/": 7, "pagefind/shard-1/": 7, "pagefind/shard-2/": 6, "pagefind/shard-3/": 8}
    assert sum(counts.values()) == len(records)
    for record in records:  # by the URL alone, so an edit never moves a record to another shard
        assert record in groups[search.shard_of(record.url, 4)]
    assert "pagefind/pagefind.js" in files and "pagefind/pagefind-ui.js" in files
    merged = [p for p in files if p.startswith("pagefind/shard-")]
    assert merged and not [p for p in merged if p.endswith((".js", ".css")) or "/wasm." in p], \
        "a merged shard carries its own code"
    assert reindexed(result) == 4


def test_an_edit_reindexes_only_the_shard_of_the_changed_record(project: Path, small_shards: None):
    cache = Cache.server()
    first = build(project, None, cache=cache)
    assert reindexed(first) == 4
    edit(project / ARTICLE, "summary: >", "summary: >\n  Shard probe wording.")
    second = build(project, None, cache=cache)
    assert reindexed(second) == 1
    changed = {p for p in second.files if p.startswith("pagefind/") and second.files[p] != first.files.get(p)}
    url = "/articles/seoul-says-russia-helped-north-korea-launch-spy-satellite/"
    folder = search.shard_folder(search.shard_of(url, 4)) + "/"
    assert changed and all(p.startswith(folder) and (folder != "pagefind/" or not p.startswith("pagefind/shard-"))
                           for p in changed - {search.SHARDS_FILE}), sorted(changed)
    clean = build(project, None, cache=None)
    assert second.files == clean.files, "the incremental index differs from a clean build's"
    theme = project / "templates"
    theme.mkdir()
    (theme / "footer-extra.html").write_text("<p>unused</p>\n", encoding="utf-8")
    assert reindexed(build(project, None, cache=cache)) == 0, "a template edit re-indexed records"


def test_a_briefing_of_up_to_a_shard_keeps_pagefinds_usual_layout(project: Path):
    files = build(project, None, cache=None).files
    assert json.loads(files[search.SHARDS_FILE]) == {"merge": []}
    assert list(shard_entries(files)) == ["pagefind/"]
    assert not [p for p in files if p.startswith("pagefind/shard-")]


@pytest.mark.parametrize(("records", "shards"), [(0, 1), (2048, 1), (2049, 2), (29_000, 16), (10**6, 64)])
def test_shard_count_is_a_power_of_two_up_to_the_limit(records: int, shards: int):
    assert search.shard_count(records) == shards


def _niceness(pid: int) -> int:
    return os.getpriority(os.PRIO_PROCESS, pid)


@pytest.mark.parametrize("behind", [False, True])
def test_pagefind_runs_behind_only_when_asked(project: Path, behind: bool):
    """The dev server's index is background work: its Pagefind runs at a lower CPU priority
    (workers.BEHIND) so that the rebuild after the next edit gets the cores first; a build's does not."""
    from briefgen.build import load_briefing
    from briefgen.workers import BEHIND

    briefing = load_briefing(project, cache=Cache.one_off(), parallel=False)[0]
    messages = [record.message("en") for record in search.records(briefing)]
    indexing = search.Indexing({0: messages}, "en", behind=behind)
    try:
        assert indexing.proc is not None
        assert _niceness(indexing.proc.pid) == min(_niceness(0) + (BEHIND if behind else 0), 19)
        made, problems = indexing.files()
        assert problems == [] and any(name.endswith("pagefind.js") for name in made[0])
    finally:
        indexing.close()


def test_the_dev_server_indexes_behind_its_rebuilds(project: Path, monkeypatch: pytest.MonkeyPatch):
    import queue

    from briefgen import serve

    asked: queue.Queue = queue.Queue()
    monkeypatch.setattr(serve, "search_index", lambda briefing, cache, **how: asked.put(how) or {})
    rebuilder = serve.Rebuilder(project, "http://127.0.0.1:1/", False, serve.State(), lambda line: None)
    try:
        rebuilder.run()
    finally:
        gc.unfreeze()  # the first build freezes what it made, for the server's life (serve.Rebuilder.run)
    assert asked.get(timeout=60) == {"behind": True, "pause": rebuilder.indexer.pause}


def test_the_dev_server_makes_no_index_while_it_builds(project: Path):
    """A build has the interpreter to itself: no index is begun while one runs, and one in the
    making waits between its records until the build ends, then finishes for the site served."""
    import threading

    from briefgen import serve
    from briefgen.build import load_briefing, search_index

    lines: list[str] = []
    state = serve.State()
    rebuilder = serve.Rebuilder(project, "http://127.0.0.1:1/", False, state, lines.append)
    indexer = rebuilder.indexer
    with indexer.held():  # as if another build were running when this one ends
        try:
            rebuilder.run()
        finally:
            gc.unfreeze()
        time.sleep(0.5)  # time enough for an indexer that did not wait to make the index
        with state.cond:
            assert state.files and not any(name.startswith("pagefind/") for name in state.files)

    def indexed() -> bool:
        with state.cond:
            return any(name.endswith("pagefind-entry.json") for name in state.files)
    deadline = time.monotonic() + 120
    while not indexed() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert indexed() and not [line for line in lines if "search index not updated" in line], lines

    briefing, _ = load_briefing(project)
    made: list[dict] = []
    with indexer.held():  # an index begun before the build: it waits at its first record
        worker = threading.Thread(target=lambda: made.append(search_index(briefing, Cache.one_off(),
                                                                          pause=indexer.pause)))
        worker.start()
        worker.join(0.5)
        assert worker.is_alive() and made == []
    worker.join(120)
    assert made and any(name.endswith("pagefind-entry.json") for name in made[0])


def test_the_dev_server_makes_again_only_the_records_of_what_changed(project: Path, monkeypatch: pytest.MonkeyPatch):
    """Its records and their messages are kept while their entities are the same objects; a topic's
    new title is in the records of its articles, claims and actors: every record is made again.
    Each incremental build is also built clean and compared (verify mode), the index included."""
    monkeypatch.setenv("BRIEFGEN_VERIFY", "1")
    cache = Cache.server()
    build(project, None, cache=cache)
    assert cache.memo is not None
    first = dict(cache.memo.search_records.made)
    edit(project / ARTICLE, "summary: >", "summary: >\n  Shard probe wording.")
    build(project, None, cache=cache)
    second = dict(cache.memo.search_records.made)
    assert second.keys() == first.keys()
    assert {url for url in second if second[url] is not first[url]} == {
        "/articles/seoul-says-russia-helped-north-korea-launch-spy-satellite/"}
    edit(project / "content/topics/russia-north-korea-military-cooperation.yaml",
         "title: Russia–North Korea military cooperation", "title: Arms and launches")
    third = build(project, None, cache=cache)
    assert all(cache.memo.search_records.made[url] is not second[url] for url in second)
    assert third.verified  # and its index is a clean build's


def test_the_cli_makes_again_only_the_messages_of_the_shards_it_indexes(project: Path, small_shards: None,
                                                                        monkeypatch: pytest.MonkeyPatch):
    """A CLI build keeps each record's digest in its ledger (reads.Ledger.search) by the digests of
    the entries it is made from: after an edit it makes the messages of the shards it indexes
    again and no other; a topic's new title is in records of every shard. Each build is also built
    clean and compared (verify mode), the index included."""
    monkeypatch.setenv("BRIEFGEN_VERIFY", "1")
    made: list[str] = []
    message = search.Record.message
    monkeypatch.setattr(search.Record, "message", lambda record, language: made.append(record.url) or message(record, language))
    out = project.parent / "site"
    build(project, out, persist=True)
    assert len(made) >= 2 * 28  # the clean build's and this one's
    made.clear()
    edit(project / ARTICLE, "summary: >", "summary: >\n  Shard probe wording.")
    second = build(project, out, persist=True)
    assert second.verified and reindexed(second) == 1
    url = "/articles/seoul-says-russia-helped-north-korea-launch-spy-satellite/"
    shard = search.sharded(search.records(second.briefing))[search.shard_of(url, 4)]
    assert url in made and len(made) == 28 + len(shard), made  # the clean build's, then one shard's
    made.clear()
    edit(project / "content/topics/russia-north-korea-military-cooperation.yaml",
         "title: Russia–North Korea military cooperation", "title: Arms and launches")
    third = build(project, out, persist=True)
    assert third.verified and reindexed(third) == 4 and len(made) == 2 * 28


@pytest.mark.parametrize("damage", ["removed", "altered"])
def test_the_cli_takes_a_kept_shard_back_from_the_output_or_indexes_it_again(project: Path, small_shards: None,
                                                                           monkeypatch: pytest.MonkeyPatch, damage: str):
    """The CLI's cache keeps a shard's index by its files' digests, not their bytes (at 10,000
    articles the bytes were 47 of build.pickle's 51 MB, read and written by every build): a kept
    shard is taken back from the output folder, and indexed again when a file of it is gone or
    not what the last build wrote. Each build is also built clean and compared (verify mode)."""
    monkeypatch.setenv("BRIEFGEN_VERIFY", "1")
    out = project.parent / "site"
    build(project, out, persist=True)
    other = next(f for f in sorted((out / "pagefind").glob("shard-*/**/*.pf_meta")) if "shard-0" not in str(f))
    assert other.read_bytes() not in (project / ".briefgen-cache" / "build.pickle").read_bytes()
    edit(project / ARTICLE, "summary: >", "summary: >\n  Shard probe wording.")
    second = build(project, out, persist=True)
    assert second.verified and reindexed(second) == 1  # the edited record's shard; the others from site/
    if damage == "removed":
        other.unlink()
    else:
        other.write_bytes(other.read_bytes() + b"\0")
    third = build(project, out, persist=True)
    assert third.verified and reindexed(third) == 1  # the damaged shard, and only it
    assert other.is_file() and other.read_bytes() == next(
        data for name, data in build(project, None, cache=None).files.items() if out / name == other)
