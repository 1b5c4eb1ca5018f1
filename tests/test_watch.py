"""What the dev server's watcher counts as an edit (briefgen/watch.py), links among the sources
included: a source read through a link changes when what the link leads to changes, or the link.
In-process, through the handler watchdog calls, so no test waits on file-system events (the dev
server's own tests, test_serve.py, watch for real)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from watchdog.events import FileCreatedEvent, FileModifiedEvent, FileMovedEvent

from briefgen import watch
from briefgen.watch import Changes, _Handler


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    for folder in ("content/articles", "templates", "shared/v1", "shared/v2", "other", "notes"):
        (root / folder).mkdir(parents=True)
    (root / "briefgen.yaml").write_text("title: T\n", encoding="utf-8")
    for version in ("v1", "v2"):
        (root / "shared" / version / "x.html").write_text(version, encoding="utf-8")
    return root.resolve()


def handler(project: Path) -> _Handler:
    return _Handler(project, Changes(), [project / "site"])


def take(seen: _Handler) -> set[str]:
    """The batch gathered so far, taken as the dev server's rebuild loop takes it: the next
    events belong to a new batch."""
    return seen.changes.wait(threading.Event())


def test_a_template_behind_a_link_to_a_linked_folder_is_watched_and_so_is_the_middle_link(project):
    (project / "shared" / "cur").symlink_to("v1")
    (project / "templates" / "x.html").symlink_to("../shared/cur/x.html")
    seen = handler(project)
    assert seen.relevant(project / "shared" / "v1" / "x.html") == "templates/x.html"
    assert seen.relevant(project / "shared" / "cur") == "templates/x.html"  # re-pointing it changes the template
    assert seen.relevant(project / "shared" / "v2" / "x.html") == ""
    (project / "shared" / "cur").unlink()
    (project / "shared" / "cur").symlink_to("v2")
    seen.on_any_event(FileCreatedEvent(str(project / "shared" / "cur")))
    assert take(seen) == {"templates/x.html"}  # the links are walked again in the next batch
    assert seen.relevant(project / "shared" / "v2" / "x.html") == "templates/x.html"


def test_a_link_inside_a_linked_folder_is_followed(project):
    (project / "templates" / "partials").symlink_to("../shared/v1")
    (project / "shared" / "v1" / "n.html").symlink_to("../../other/n.html")
    (project / "other" / "n.html").write_text("nested", encoding="utf-8")
    seen = handler(project)
    assert seen.relevant(project / "other" / "n.html") == "templates/partials/n.html"
    assert seen.relevant(project / "shared" / "v1" / "x.html") == "templates/partials/x.html"


def test_a_broken_links_target_is_watched_until_it_is_made(project):
    (project / "templates" / "y.html").symlink_to("../shared/later/y.html")
    assert handler(project).relevant(project / "shared" / "later" / "y.html") == "templates/y.html"


def test_links_out_of_the_project_and_loops_are_not_followed(project, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (project / "templates" / "out").symlink_to(outside)
    (project / "templates" / "loop").symlink_to(".")
    (project / "content" / "a").symlink_to("b")
    (project / "content" / "b").symlink_to("a")
    found = watch.linked_sources(project)
    assert not [path for path in found if project not in path.parents], found
    assert handler(project).relevant(project / "notes" / "todo.txt") == ""


def test_files_made_outside_the_sources_neither_rebuild_nor_walk_the_sources_again(project, monkeypatch):
    """A git commit or notes written beside the sources make many files: each is one lookup, and
    the sources are walked for links only when something among them was created, moved or deleted."""
    (project / "templates" / "x.html").symlink_to("../shared/v1/x.html")
    walks = []
    real = watch.linked_sources
    monkeypatch.setattr(watch, "linked_sources", lambda root: walks.append(root) or real(root))
    seen = handler(project)
    for n in range(100):
        seen.on_any_event(FileCreatedEvent(str(project / "notes" / f"n{n}.txt")))
    assert seen.changes._paths == set() and len(walks) == 1
    seen.on_any_event(FileModifiedEvent(str(project / "content" / "articles" / "a.md")))
    seen.on_any_event(FileCreatedEvent(str(project / "notes" / "again.txt")))
    assert len(walks) == 1  # an edit among the sources makes no link
    seen.on_any_event(FileCreatedEvent(str(project / "content" / "articles" / "b.md")))
    assert take(seen) == {"content/articles/a.md", "content/articles/b.md"}
    seen.on_any_event(FileCreatedEvent(str(project / "notes" / "again.txt")))
    seen.on_any_event(FileCreatedEvent(str(project / "notes" / "more.txt")))
    assert len(walks) == 2  # a file made among them may be a link: looked for again, once, in the next batch


def test_a_batch_of_files_moved_out_of_the_sources_walks_the_sources_once(project, monkeypatch):
    """``mv content/articles old-articles`` moves every article out of the sources: each move's
    destination is looked up among the linked sources, in the links walked once for the batch (a
    walk per event made the dev server rebuild once a second for minutes at 3,000 articles)."""
    walks = []
    real = watch.linked_sources
    monkeypatch.setattr(watch, "linked_sources", lambda root: walks.append(root) or real(root))
    seen = handler(project)
    for n in range(500):
        seen.on_any_event(FileMovedEvent(str(project / "content" / "articles" / f"a{n}.md"),
                                         str(project / "old-articles" / f"a{n}.md")))
    assert len(walks) == 1
    assert take(seen) == {f"content/articles/a{n}.md" for n in range(500)}
    seen.on_any_event(FileMovedEvent(str(project / "content" / "articles" / "b.md"), str(project / "old" / "b.md")))
    assert len(walks) == 2  # the next batch: walked again, once


def test_reading_the_sources_makes_no_events_only_editing_them_does(project, monkeypatch):
    """A build reads every source: the watcher asks for edits only (watch.WATCHED), so reads cannot
    fill inotify's queue (two events per file read overflowed it at 10,000 articles, and the dev
    server spun catching up instead of rebuilding)."""
    import time

    kinds: list[str] = []
    real = _Handler.on_any_event
    monkeypatch.setattr(_Handler, "on_any_event", lambda self, event: kinds.append(event.event_type) or real(self, event))
    sources = [project / "content" / "articles" / f"a{n}.md" for n in range(50)]
    for source in sources:
        source.write_text("---\ntitle: A\n---\nText.\n", encoding="utf-8")
    changes = Changes()
    observer = watch.watch(project, changes, ignore=[])
    try:
        for _ in range(3):
            for source in sources:
                source.read_bytes()
        edited = sources[0]
        edited.write_bytes(edited.read_bytes() + b"\n")
        deadline = time.monotonic() + 10
        while not changes._paths and time.monotonic() < deadline:
            time.sleep(0.05)
        assert changes._paths == {edited.relative_to(project).as_posix()}
        assert kinds and not {"opened", "closed_no_write"} & set(kinds), kinds
    finally:
        observer.stop()
        observer.join()


def test_swapping_the_articles_folder_for_a_copy_walks_once_per_batch_for_real(project, monkeypatch):
    """The tester's swap, through the real watcher: ``mv content/articles old-articles`` then
    ``cp -r old-articles content/articles``. Each batch the rebuild loop takes costs at most one
    walk of the sources, however many files moved."""
    import shutil
    import time

    walks = []
    real = watch.linked_sources
    monkeypatch.setattr(watch, "linked_sources", lambda root: walks.append(root) or real(root))
    articles = project / "content" / "articles"
    for n in range(300):
        (articles / f"a{n}.md").write_text("---\ntitle: A\n---\nText.\n", encoding="utf-8")
    changes = Changes()
    stop = threading.Event()
    batches: list[set[str]] = []

    def rebuild_loop() -> None:  # as serve.py's, without the build
        while not stop.is_set():
            batches.append(changes.wait(stop))

    observer = watch.watch(project, changes, ignore=[project / "site"])
    taker = threading.Thread(target=rebuild_loop)
    taker.start()
    try:
        articles.rename(project / "old-articles")
        shutil.copytree(project / "old-articles", articles)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and {f"content/articles/a{n}.md" for n in range(300)} - set().union(*batches):
            time.sleep(0.05)
    finally:
        stop.set()
        changes.wake()
        taker.join()
        observer.stop()
        observer.join()
    taken = [b for b in batches if b]
    assert set().union(*taken) >= {f"content/articles/a{n}.md" for n in range(300)}
    assert 1 <= len(walks) <= len(taken) + 1, (len(walks), len(taken))


def wait_for(changes: Changes, wanted: set[str], seconds: float = 10) -> set[str]:
    """The changed paths once ``wanted`` are among them (or the deadline passed), taken as the
    rebuild loop takes a batch."""
    import time
    deadline = time.monotonic() + seconds
    while not wanted <= changes._paths and time.monotonic() < deadline:
        time.sleep(0.02)
    return changes.wait(threading.Event()) if changes._paths else set()


def inotify_watches() -> int:
    """How many folders this process watches through inotify (Linux's /proc)."""
    found = 0
    for fd in os.listdir("/proc/self/fdinfo"):
        try:
            found += Path(f"/proc/self/fdinfo/{fd}").read_text().count("inotify wd:")
        except OSError:
            continue
    return found


@pytest.mark.skipif(not Path("/proc/self/fdinfo").is_dir(), reason="counts inotify watches in Linux's /proc")
def test_only_what_the_sources_are_read_from_is_watched_not_the_output(project):
    """The output folder holds a folder per page (34,000 at 10,000 articles): watching the whole
    project took ten seconds of inotify watches and can pass a user's limit. Watched: the project
    folder alone, the source folders, and where their links lead; a link made or a source folder
    made later is watched from then on."""
    import time
    site = project / "site"
    for n in range(50):
        (site / "articles" / f"a{n}").mkdir(parents=True)
    (project / "templates" / "x.html").symlink_to("../shared/v1/x.html")
    changes = Changes()
    observer = watch.watch(project, changes, ignore=[site])
    try:
        handler = next(iter(next(iter(observer._handlers.values()))))
        places = {Path(path).relative_to(project).as_posix() for path, _ in handler.watches.kept}
        assert places == {".", "content", "templates", "shared/v1"}, places
        assert inotify_watches() < 50  # one per folder watched: none of the output's 51
        (site / "articles" / "a1" / "index.html").write_text("page", encoding="utf-8")
        (project / "shared" / "v1" / "x.html").write_text("edited", encoding="utf-8")
        assert wait_for(changes, {"templates/x.html"}) == {"templates/x.html"}

        (project / "templates" / "y.html").symlink_to("../shared/v2/x.html")  # a link made late
        assert wait_for(changes, {"templates/y.html"}) == {"templates/y.html"}
        time.sleep(0.2)
        (project / "shared" / "v2" / "x.html").write_text("edited", encoding="utf-8")
        assert wait_for(changes, {"templates/y.html"}) == {"templates/y.html"}

        (project / "templates" / "z.html").symlink_to("../shared/later/z.html")  # broken until made
        assert wait_for(changes, {"templates/z.html"}) == {"templates/z.html"}
        (project / "shared" / "later").mkdir()
        time.sleep(0.2)
        (project / "shared" / "later" / "z.html").write_text("made", encoding="utf-8")
        assert "templates/z.html" in wait_for(changes, {"templates/z.html"})

        (project / "static").mkdir()  # a source folder made while serving
        time.sleep(0.2)
        (project / "static" / "robots.txt").write_text("User-agent: *\n", encoding="utf-8")
        assert "static/robots.txt" in wait_for(changes, {"static/robots.txt"})
        places = {Path(path).relative_to(project).as_posix() for path, _ in handler.watches.kept}
        assert not [p for p in places if p.startswith("site")], places
    finally:
        observer.stop()
        observer.join()


@pytest.mark.skipif(not Path("/proc/self/fdinfo").is_dir(), reason="Linux's inotify")
def test_a_linked_source_folder_and_folders_made_at_once_behind_a_link_are_watched(project):
    """``templates -> shared/v1``: what lies in it, and what is made in it later, is a template
    (found by a tester: edits there were never seen). A link to a folder two levels down that
    does not exist yet, made with ``mkdir -p`` and written at once: every level is watched as it
    appears, and the file written before its folder's watch began still counts."""
    import shutil
    shutil.rmtree(project / "templates")
    (project / "templates").symlink_to("shared/v1")
    changes = Changes()
    observer = watch.watch(project, changes, ignore=[project / "site"])
    try:
        (project / "shared" / "v1" / "x.html").write_text("edited", encoding="utf-8")
        assert wait_for(changes, {"templates/x.html"}) == {"templates/x.html"}
        (project / "shared" / "v1" / "sub").mkdir()
        (project / "shared" / "v1" / "sub" / "y.html").write_text("new", encoding="utf-8")
        assert "templates/sub/y.html" in wait_for(changes, {"templates/sub/y.html"})

        (project / "shared" / "v1" / "deep").symlink_to("../../n1/n2")
        assert "templates/deep" in wait_for(changes, {"templates/deep"})
        (project / "n1" / "n2").mkdir(parents=True)
        (project / "n1" / "n2" / "z.html").write_text("made at once", encoding="utf-8")
        assert wait_for(changes, {"templates/deep"}) & {"templates/deep", "templates/deep/z.html"}
        import time
        time.sleep(0.2)
        (project / "n1" / "n2" / "z.html").write_text("edited later", encoding="utf-8")
        assert wait_for(changes, {"templates/deep/z.html"}) == {"templates/deep/z.html"}
    finally:
        observer.stop()
        observer.join()


def test_a_source_moved_away_is_waited_for_until_it_comes_back(project, monkeypatch):
    """Vim's save, through the real watcher: the article renamed to a backup, then written anew.
    While it is gone the batch waits (GONE_QUIET, made long here), so no build sees the project
    without it; the new file ends the wait, and the batch is the article alone."""
    import threading
    import time

    monkeypatch.setattr(watch, "GONE_QUIET", 60.0)
    topic = project / "content" / "articles" / "a.md"
    text = b"---\ntitle: A\n---\nText.\n"
    topic.write_bytes(text)
    changes = Changes()
    observer = watch.watch(project, changes, ignore=[project / "site"])
    taken: list[set[str]] = []
    stop = threading.Event()
    waiter = threading.Thread(target=lambda: taken.append(changes.wait(stop)))
    try:
        time.sleep(0.3)
        topic.rename(topic.with_name(topic.name + "~"))
        waiter.start()
        time.sleep(1.0)  # twenty times QUIET: an edit that left the file in place would be taken by now
        assert not taken and changes._gone == {topic.relative_to(project).as_posix()}
        topic.write_bytes(text)
        waiter.join(timeout=30)
        assert taken == [{topic.relative_to(project).as_posix()}]
    finally:
        stop.set()
        changes.wake()
        observer.stop()
        observer.join()
