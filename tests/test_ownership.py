"""briefgen touches only what it made: output folders, links, the cache folder, clean, locks, workers.

Every case runs the CLI as a user (or an attacker who ships the project) would, inside a small
world: the project, a folder "elsewhere" beside it, and a home-like folder with the user's own
files (``HOME`` points at it). After each case the whole world, symlinks not followed, is compared
with its state before: only the output folder and the project's cache folder may have changed,
and only where the case says so.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from support import FIXTURES, REPO, cli_env, processes_mentioning, read_tree, run_cli
from test_hostile import snapshot

pytestmark = pytest.mark.slow  # measured: see the slow marker in pyproject.toml

BASIC = FIXTURES / "valid" / "basic"
MANIFEST = ".briefgen-manifest.json"


@pytest.fixture
def world(tmp_path) -> Path:
    """tmp/project (the basic fixture), tmp/elsewhere/keep.txt, tmp/home/.bashrc and notes/."""
    shutil.copytree(BASIC, tmp_path / "project")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere/keep.txt").write_text("precious\n", encoding="utf-8")
    home = tmp_path / "home"
    (home / "notes").mkdir(parents=True)
    (home / ".bashrc").write_text("export PS1='$ '\n", encoding="utf-8")
    (home / "notes/todo.txt").write_text("call the source back\n", encoding="utf-8")
    return tmp_path


def briefgen(world: Path, *args: object, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """The CLI run from inside the world, with HOME (and so ``~``) its home folder."""
    env = {**cli_env(), "HOME": str(world / "home"), "XDG_CACHE_HOME": str(world / "user-cache")}
    return run_cli(args, cwd=world, env=env, timeout=timeout)


def changed(before: dict, after: dict) -> list[str]:
    """What differs, but for the user's signing key, which the first build of a user makes."""
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k)
                  and not k.startswith("user-cache"))


def refused(world: Path, *args: object) -> str:
    """Run a build that must be refused; the world must be exactly as it was. Its stderr."""
    before = snapshot(world)
    result = briefgen(world, *args)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    assert changed(before, snapshot(world)) == [], "a refused build changed files"
    return result.stderr


# --- where the output may be ---------------------------------------------------------------------

@pytest.mark.parametrize("output, said", [
    ("project/content", "error: output folder project/content is content/ (the sources); choose a folder of its own, like site/"),
    ("project/content/articles", "error: output folder project/content/articles is inside content/ (the sources); "
                                 "choose a folder of its own, like site/"),
    ("project/templates", "error: output folder project/templates is templates/ (the templates); choose a folder of "
                          "its own, like site/"),
    ("project/.briefgen-cache/site", "error: output folder project/.briefgen-cache/site is inside .briefgen-cache/ (the "
                                     "build cache); choose a folder of its own, like site/"),
    ("project/.git/site", "error: output folder project/.git/site is inside .git/ (the git repository); choose a "
                          "folder of its own, like site/"),
    (".", "error: output folder . contains the project; choose a folder inside it, like site/"),
    ("project", "error: output folder project contains the project; choose a folder inside it, like site/"),
    ("home", "error: output folder home is your home folder; briefgen works only in a folder of its own: choose "
             "one, like site/ in the project"),
])
def test_an_output_folder_among_the_users_files_is_refused(world, output, said):
    (world / "project/templates").mkdir()
    (world / "project/.git").mkdir()
    (world / "project/.briefgen-cache").mkdir()
    assert refused(world, "build", "project", "-o", output).strip() == said


def test_a_site_that_links_into_the_project_is_named_with_the_folder_it_leads_to(world):
    (world / "project/site").symlink_to("content")
    assert refused(world, "build", "project").strip() == (
        f"error: output folder project/site (a link to {world / 'project/content'}) is content/ (the sources); "
        "choose a folder of its own, like site/")


def test_the_home_folder_is_refused_by_its_tilde_and_when_it_holds_the_output(world):
    """`-o ~` reaches briefgen as the expanded path; the folder above home holds it."""
    said = refused(world, "build", "project", "-o", world / "home")
    assert "is your home folder" in said
    said = refused(world, "build", "project", "-o", world)
    assert "contains the project" in said


def test_an_output_folder_of_the_users_files_is_refused_and_the_flag_replaces_them(world):
    out = world / "out"
    (out / "photos").mkdir(parents=True)
    (out / "notes.txt").write_text("mine\n", encoding="utf-8")
    (out / "photos/a.jpg").write_bytes(b"\xff\xd8jpeg")
    said = refused(world, "build", "project", "-o", "out")
    assert said.strip() == (
        "error: output folder out is not empty and it holds files briefgen did not make (notes.txt, photos); "
        "briefgen writes only into an empty folder or one it built. Choose another folder, or pass "
        "--clean-destination-dir to delete everything in it that the build does not produce")
    result = briefgen(world, "build", "project", "-o", "out", "--clean-destination-dir")
    assert result.returncode == 0, result.stderr
    assert not (out / "notes.txt").exists() and not (out / "photos").exists()
    assert (out / "index.html").is_file()


def test_files_added_to_a_built_site_are_kept_and_never_overwritten(world):
    assert briefgen(world, "build", "project").returncode == 0
    site, article = world / "project/site", world / "project/content/articles/satellite-launch.md"
    (site / "notes.txt").write_text("mine\n", encoding="utf-8")
    (site / "topics/draft.html").write_text("my draft\n", encoding="utf-8")
    article.write_text(article.read_text(encoding="utf-8") + "\nOne more paragraph.\n", encoding="utf-8")
    result = briefgen(world, "build", "project")
    assert result.returncode == 0, result.stderr
    assert (site / "notes.txt").read_text(encoding="utf-8") == "mine\n"
    assert (site / "topics/draft.html").read_text(encoding="utf-8") == "my draft\n"
    listed = json.loads((site / MANIFEST).read_text(encoding="utf-8"))["files"]
    assert "notes.txt" not in listed and "index.html" in listed
    # A file of the user's where a new page must go: refused, named, nothing changed.
    (site / "actors/newcomer").mkdir()
    (site / "actors/newcomer/index.html").write_text("the user's page\n", encoding="utf-8")
    (world / "project/content/actors/newcomer.yaml").write_text("name: Newcomer\nkind: person\n", encoding="utf-8")
    said = refused(world, "build", "project")
    assert said.strip() == (
        "error: output folder project/site holds what briefgen did not make where the site must go: "
        "actors/newcomer/index.html. briefgen never overwrites such files, nor writes through links: move them "
        "away, or pass --clean-destination-dir to replace them")


# --- links a cloned project can carry -------------------------------------------------------------

def test_a_site_folder_that_links_elsewhere_is_refused(world):
    (world / "project/site").symlink_to("../elsewhere")
    said = refused(world, "build", "project")
    assert said.startswith("error: output folder project/site is reached through a link that leads outside the "
                           f"project (to {world / 'elsewhere'}); briefgen never writes through such links")
    said = refused(world, "clean", "project")
    assert "reached through a link" in said


def test_a_folder_inside_the_site_that_links_elsewhere_is_never_written_through(world):
    assert briefgen(world, "build", "project").returncode == 0
    site = world / "project/site"
    shutil.rmtree(site / "articles")
    (site / "articles").symlink_to("../../elsewhere")
    (world / "project/content/articles/satellite-launch.md").write_text(
        (world / "project/content/articles/satellite-launch.md").read_text(encoding="utf-8") + "\nOne more line.\n",
        encoding="utf-8")
    said = refused(world, "build", "project")
    assert "where the site must go: articles (a link to ../../elsewhere). briefgen never" in said
    # --clean-destination-dir removes the link itself, never what it points to.
    result = briefgen(world, "build", "project", "--clean-destination-dir")
    assert result.returncode == 0, result.stderr
    assert not (site / "articles").is_symlink() and (site / "articles/satellite-launch/index.html").is_file()
    assert sorted(os.listdir(world / "elsewhere")) == ["keep.txt"]


def test_a_site_folder_moved_elsewhere_and_linked_back_is_never_taken_back(world):
    """A page (or search index) folder of the site moved out and linked back holds the very files
    the last build wrote, with their stamps (lstat follows every link but the last name): the
    next build must not take them back as its own and leave the link in the site."""
    from support import settle

    assert briefgen(world, "build", "project").returncode == 0
    settle()
    assert briefgen(world, "build", "project").returncode == 0  # stamps settled: the next build trusts them
    site = world / "project/site"
    (site / "articles/seoul-assessment").rename(world / "elsewhere/seoul-assessment")
    (site / "articles/seoul-assessment").symlink_to(world / "elsewhere/seoul-assessment")
    source = world / "project/content/articles/satellite-launch.md"
    later = source.stat().st_mtime_ns + 5_000_000_000  # a build, not the stamps' shortcut
    os.utime(source, ns=(later, later))
    said = refused(world, "build", "project")
    assert "where the site must go: articles/seoul-assessment (a link to " in said, said
    result = briefgen(world, "build", "project", "--clean-destination-dir")
    assert result.returncode == 0, result.stderr
    assert not (site / "articles/seoul-assessment").is_symlink()
    assert (site / "articles/seoul-assessment/index.html").is_file()
    assert sorted(os.listdir(world / "elsewhere/seoul-assessment")) == ["index.html"]


def test_a_cache_folder_that_links_elsewhere_is_refused_and_clean_leaves_it(world):
    (world / "project/.briefgen-cache").symlink_to("../elsewhere")
    said = refused(world, "build", "project")
    assert said.strip() == (f"error: the cache folder project/.briefgen-cache is a link (to {world / 'elsewhere'}); "
                            "briefgen keeps its cache only in a plain folder of the project: remove the link (or build "
                            "with --no-cache)")
    refused(world, "clean", "project")
    result = briefgen(world, "build", "project", "--no-cache")
    assert result.returncode == 0, result.stderr
    assert sorted(os.listdir(world / "elsewhere")) == ["keep.txt"]


@pytest.mark.parametrize("planted", [".briefgen-cache/.gitignore", ".briefgen-cache/stamps.pickle",
                                     ".briefgen-cache/build.pickle", "site/.index.html.briefgen-tmp",
                                     "site/index.html"])
def test_a_link_planted_in_the_cache_or_the_site_never_writes_its_target(world, planted):
    """Each planted link points at the user's .bashrc: a build writes beside it, never into it."""
    assert briefgen(world, "build", "project").returncode == 0
    link = world / "project" / planted
    if link.exists():
        link.unlink()
    link.symlink_to(world / "home/.bashrc")
    before = snapshot(world / "home")
    (world / "project/content/articles/satellite-launch.md").write_text(
        (world / "project/content/articles/satellite-launch.md").read_text(encoding="utf-8") + "\nAn edit.\n", encoding="utf-8")
    result = briefgen(world, "build", "project")
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    assert changed(before, snapshot(world / "home")) == []
    if planted == "site/index.html":  # a link in place of a page is not briefgen's: refused, not replaced
        assert result.returncode == 1 and f"where the site must go: index.html (a link to {world / 'home/.bashrc'})." in result.stderr, result.stderr
        assert link.is_symlink()
    else:
        assert result.returncode == 0, result.stderr
        assert not (world / "project/site/index.html").is_symlink()


# --- the cache folder's files ----------------------------------------------------------------------

def test_a_pipe_or_a_device_in_the_cache_folder_is_never_read(world):
    assert briefgen(world, "build", "project").returncode == 0
    cache = world / "project/.briefgen-cache"
    (cache / "stamps.pickle").unlink()
    os.mkfifo(cache / "stamps.pickle")
    (cache / "build.pickle").unlink()
    (cache / "build.pickle").symlink_to("/dev/zero")
    (cache / "parsed-00.pickle").unlink()
    os.mkfifo(cache / "parsed-00.pickle")
    result = briefgen(world, "build", "project", timeout=60)
    assert result.returncode == 0, result.stderr
    assert (cache / "stamps.pickle").is_file() and not (cache / "build.pickle").is_symlink()


def test_a_full_disk_while_saving_the_cache_leaves_no_partial_file(world):
    """RLIMIT_FSIZE lets the pages (0.7 MB) be written, not the cache shard holding the article's
    parse (more than 1.2 MB): the build still succeeds, the next one has less of a head start."""
    project = world / "project"
    with open(project / "briefgen.yaml", "a", encoding="utf-8") as config:
        config.write("search: false\n")
    paragraph = "A long paragraph of filler text about the launch, repeated to make the article large. " * 20
    (project / "content/articles/huge.md").write_text("# Huge\n\n" + (paragraph + "\n\n") * 400, encoding="utf-8")

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (1_200_000, resource.RLIM_INFINITY))

    for attempt in range(3):  # they would pile up, one per build
        result = subprocess.run([sys.executable, "-m", "briefgen", "build", str(project)], cwd=world, env=cli_env(),
                                capture_output=True, text=True, timeout=120, preexec_fn=limit)
        assert result.returncode == 0, result.stderr
        (project / "content/articles/huge.md").write_text(
            (project / "content/articles/huge.md").read_text(encoding="utf-8") + f"\nEdit {attempt}.\n",
            encoding="utf-8")
    assert [p.name for p in (project / ".briefgen-cache").iterdir() if "tmp" in p.name] == []
    assert (project / "site/articles/huge/index.html").stat().st_size > 600_000


def test_a_folder_named_like_a_cache_file_leaves_no_temporary_file(world):
    project = world / "project"
    for name in ("build.pickle", "stamps.pickle", "parsed-00.pickle"):
        (project / ".briefgen-cache" / name).mkdir(parents=True)
    for attempt in range(3):
        (project / "content/articles/satellite-launch.md").write_text(
            (project / "content/articles/satellite-launch.md").read_text(encoding="utf-8") + f"\nEdit {attempt}.\n",
            encoding="utf-8")
        result = briefgen(world, "build", "project")
        assert result.returncode == 0, result.stderr
    assert [p.name for p in (project / ".briefgen-cache").iterdir() if "tmp" in p.name] == []


def test_a_read_only_cache_folder_is_a_build_without_a_head_start_and_clean_says_what_it_could_not_do(world):
    from test_faults import mounted

    project = world / "project"
    assert briefgen(world, "build", "project").returncode == 0
    cache = project / ".briefgen-cache"
    with mounted("--bind", str(cache), target=cache):
        ro = subprocess.run(["mount", "-o", "remount,ro,bind", str(cache)], capture_output=True, text=True)
        if ro.returncode != 0:
            pytest.skip(f"cannot remount read-only: {ro.stderr.strip()}")
        (project / "content/articles/satellite-launch.md").write_text(
            (project / "content/articles/satellite-launch.md").read_text(encoding="utf-8") + "\nAn edit.\n",
            encoding="utf-8")
        result = briefgen(world, "build", "project")
        assert result.returncode == 0, result.stderr
        assert "An edit." in (project / "site/articles/satellite-launch/index.html").read_text(encoding="utf-8")
        result = briefgen(world, "clean", "project")
        assert result.returncode == 1 and "Traceback" not in result.stderr and "internal error" not in result.stderr
        assert result.stderr.startswith(f"error: cannot remove project/.briefgen-cache/"), result.stderr
        assert result.stderr.strip().endswith("Read-only file system; 0 files of the cache were removed before it")


def test_a_file_where_a_folder_of_the_site_must_go_is_named_and_the_flag_replaces_it(world):
    assert briefgen(world, "build", "project").returncode == 0
    site = world / "project/site"
    shutil.rmtree(site / "topics")
    (site / "topics").write_text("mine\n", encoding="utf-8")
    said = refused(world, "build", "project")
    assert "where the site must go: topics. briefgen never overwrites such files" in said
    result = briefgen(world, "build", "project", "--clean-destination-dir")
    assert result.returncode == 0, result.stderr
    assert (site / "topics/satellite-programme/index.html").is_file()


# --- briefgen clean --------------------------------------------------------------------------------

def test_clean_outside_a_project_or_inside_its_cache_is_refused(world):
    (world / "elsewhere/site").mkdir()
    (world / "elsewhere/site/page.html").write_text("not briefgen's\n", encoding="utf-8")
    said = refused(world, "clean", "elsewhere")
    assert said.strip() == ("error: elsewhere is not a briefing project: it has neither briefgen.yaml nor content/ "
                            "(run 'briefgen init DIR' to start one)")
    assert briefgen(world, "build", "project").returncode == 0
    said = refused(world, "clean", "project/.briefgen-cache")
    assert "is not a briefing project" in said


def test_clean_removes_only_what_briefgen_made(world):
    assert briefgen(world, "build", "project").returncode == 0
    site, cache = world / "project/site", world / "project/.briefgen-cache"
    (site / "notes.txt").write_text("mine\n", encoding="utf-8")
    (site / "topics/mine").mkdir()
    (site / "topics/mine/page.html").write_text("mine\n", encoding="utf-8")
    (cache / "my-notes.txt").write_text("mine\n", encoding="utf-8")
    (site / "feed-link.xml").symlink_to(world / "home/.bashrc")
    home = snapshot(world / "home")
    listed = json.loads((site / MANIFEST).read_text(encoding="utf-8"))["files"]
    result = briefgen(world, "clean", "project")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Removed the build cache project/.briefgen-cache",
        "Kept 1 entry of project/.briefgen-cache that briefgen did not make: my-notes.txt",
        f"Removed {len(listed)} files of the built site from project/site",
        "Kept 3 entries of project/site that briefgen did not make: feed-link.xml, notes.txt, topics",
    ]
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*")) == [
        "feed-link.xml", "notes.txt", "topics", "topics/mine", "topics/mine/page.html"]
    assert os.listdir(cache) == ["my-notes.txt"]
    assert changed(home, snapshot(world / "home")) == []


def test_clean_of_a_folder_briefgen_did_not_build_removes_nothing(world):
    site = world / "project/site"
    site.mkdir()
    (site / "index.html").write_text("hand-made\n", encoding="utf-8")
    result = briefgen(world, "clean", "project")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Kept 1 entry of project/site that briefgen did not make: index.html"]
    assert (site / "index.html").read_text(encoding="utf-8") == "hand-made\n"


# --- one build at a time, nothing orphaned ---------------------------------------------------------

def test_two_builds_of_one_project_at_once_both_succeed_and_make_the_same_site(world):
    """The second waits for the first (a lock on the output folder); run a few pairs."""
    reference = world / "reference"
    assert briefgen(world, "build", "project", "--no-cache", "-o", reference).returncode == 0
    for attempt in range(4):
        (world / "project/content/articles/satellite-launch.md").write_text(
            (world / "project/content/articles/satellite-launch.md").read_text(encoding="utf-8") + f"\nEdit {attempt}.\n",
            encoding="utf-8")
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(lambda _: briefgen(world, "build", "project"), range(2)))
        for result in results:
            assert result.returncode == 0, result.stderr
            assert "Traceback" not in result.stderr and "internal error" not in result.stderr
        assert briefgen(world, "build", "project", "--no-cache", "-o", reference).returncode == 0
        assert read_tree(world / "project/site", ("pagefind/",)) == read_tree(reference, ("pagefind/",))
        assert not [p for p in (world / "project").rglob("*briefgen-tmp*")]


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_a_killed_build_leaves_no_process_behind(tmp_path, how):
    """A corpus large enough that parsing and rendering fork workers (workers.MIN_ITEMS).

    SIGKILL and SIGTERM go to the build alone (a service manager, `kill`); SIGINT to its whole
    process group, as a terminal's Ctrl-C does: the workers get it too, and the build must
    neither hang nor print a traceback."""
    made = subprocess.run([sys.executable, str(REPO / "benchmarks/corpus.py"), "-n", "200", "--formats", "briefgen",
                           "--out", str(tmp_path / "corpus")], capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, made.stderr
    project = tmp_path / "corpus/briefgen"
    env = {**cli_env(), "BRIEFGEN_WORKERS": "2"}
    marker = str(project)
    seen = []
    for stage in (1, 2):  # kill while the parsing workers run, then while the rendering ones do
        proc = subprocess.Popen([sys.executable, "-m", "briefgen", "build", str(project), "--no-cache"],
                                cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True, start_new_session=True)
        forked, appearances, was = [], 0, False
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            forked = [line for line in processes_mentioning(marker) if not line.startswith(f"{proc.pid}:")]
            if forked and not was:
                appearances += 1
            was = bool(forked)
            if forked and appearances == stage:
                break
            time.sleep(0.01)
        seen += forked
        if how == signal.SIGINT:
            os.killpg(proc.pid, how)
        else:
            proc.send_signal(how)
        _, stderr = proc.communicate(timeout=30)
        if how != signal.SIGKILL:
            assert proc.returncode == 128 + how, stderr
            assert "Traceback" not in stderr and "Exception" not in stderr, stderr
            assert stderr.splitlines()[-1].startswith("stopped ("), stderr
        deadline = time.monotonic() + 5
        while processes_mentioning(marker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert processes_mentioning(marker) == [], f"left running after the build was killed ({forked})"
        assert processes_mentioning(f"briefgen-search-{proc.pid}-") == []
    assert seen, "no worker process was ever running: the test killed nothing worth killing"


def test_a_file_of_the_users_equal_to_a_page_stays_the_users(world):
    """Same bytes do not make a file briefgen's: it is not listed, so never deleted as stale later."""
    assert briefgen(world, "build", "project", "-o", "first").returncode == 0
    out = world / "out"
    out.mkdir()
    (out / "robots.txt").write_bytes((world / "first/robots.txt").read_bytes())
    said = refused(world, "build", "project", "-o", "out")
    assert "it holds files briefgen did not make (robots.txt)" in said
