"""The command line as a user types it: version, init, new, and the refusals' messages."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import briefgen
from support import FIXTURES, cli_env, copy_project, read_tree, run_briefgen, settle

STARTER_FILES = [
    ".gitignore",
    "briefgen.yaml",
    "content/actors/first-actor.yaml",
    "content/articles/first-article.md",
    "content/articles/first-article.yaml",
    "content/topics/first-topic.yaml",
]


def init(tmp_path):
    """`briefgen init` with the real date: the starter article is dated today."""
    project = tmp_path / "briefing"
    result = run_briefgen("init", project, epoch=None)
    assert result.returncode == 0, result.stderr
    return project, result


def test_version():
    result = run_briefgen("--version")
    assert result.returncode == 0
    assert result.stdout == f"briefgen, version {briefgen.__version__}\n"


def test_console_script_is_installed():
    script = shutil.which("briefgen") or shutil.which("briefgen", path=str(Path(sys.executable).parent))
    assert script, "the 'briefgen' console script is not on PATH: pip install -e ."
    result = subprocess.run([script, "--version"], capture_output=True, text=True, env=cli_env())
    assert result.stdout == f"briefgen, version {briefgen.__version__}\n"


@pytest.mark.slow
def test_init_creates_a_project_that_builds_strict(tmp_path):
    project, result = init(tmp_path)
    assert sorted(p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file()) == STARTER_FILES
    assert result.stdout == f"Created a briefing project in {project} (6 files). Next: briefgen serve {project}\n"
    built = run_briefgen("build", project, "--strict", epoch=None)
    assert built.returncode == 0, built.stderr
    assert built.stderr == ""
    site = read_tree(project / "site")
    assert {"index.html", "topics/first-topic/index.html", "claims/bridge-opens-next-month/index.html",
            "actors/first-actor/index.html", "articles/first-article/index.html"} <= set(site)


def test_init_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    result = run_briefgen("init", tmp_path)
    assert result.returncode == 1
    assert result.stderr == f"error: {tmp_path} is not empty; choose a new folder\n"
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


@pytest.mark.slow
def test_new_creates_files_and_the_project_still_builds(tmp_path):
    project, _ = init(tmp_path)
    created = []
    for kind, ident in [("article", "second-article"), ("topic", "second-topic"), ("actor", "second-actor")]:
        result = run_briefgen("new", kind, ident, "-p", project, epoch=None)
        assert result.returncode == 0, result.stderr
        created += [line.removeprefix("Created ") for line in result.stdout.splitlines()]
    assert created == [str(project / rel) for rel in (
        "content/articles/second-article.md", "content/articles/second-article.yaml",
        "content/topics/second-topic.yaml", "content/actors/second-actor.yaml")]
    built = run_briefgen("build", project, epoch=None)
    assert built.returncode == 0, built.stderr
    # New files are placeholders: they build, and the warnings say what is left to fill in.
    assert built.stderr.splitlines() == [
        "content/actors/second-actor.yaml: warning[unused-actor]: actor 'second-actor' is not mentioned by any article",
        "content/articles/second-article.yaml: warning[no-summary]: article 'second-article' has no summary; "
        "its lead is used (add 'summary: ...' to its annotations)",
        "content/articles/second-article.yaml: warning[no-topic]: article 'second-article' bears on no topic "
        "(add 'topics: [...]' to its annotations)",
        "content/topics/second-topic.yaml: warning[empty-topic]: topic 'second-topic' has no articles",
    ]
    for page in ("articles/second-article/index.html", "topics/second-topic/index.html", "actors/second-actor/index.html"):
        assert (project / "site" / page).is_file()


@pytest.mark.parametrize("ident, message", [
    ("Kim_Jong", "error: 'Kim_Jong' is not a valid id: ids are lowercase letters, digits and single hyphens, "
                 "like 'kim-jong-un' (try 'kim-jong')"),
    ("kim--jong", "error: 'kim--jong' is not a valid id: ids are lowercase letters, digits and single hyphens, "
                  "like 'kim-jong-un' (try 'kim-jong')"),
    ("kim-", "error: 'kim-' is not a valid id: ids are lowercase letters, digits and single hyphens, "
             "like 'kim-jong-un' (try 'kim')"),
    pytest.param("com1", "error: 'com1' is not a valid id: 'com1' is a reserved file name on Windows; choose another id",
                 id="reserved-suggests-itself"),
])
@pytest.mark.slow
def test_new_refuses_invalid_ids(tmp_path, ident, message):
    project, _ = init(tmp_path)
    before = read_tree(project)
    result = run_briefgen("new", "actor", ident, "-p", project)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(message)
    assert result.stderr == message + "\n"
    assert read_tree(project) == before


@pytest.mark.slow
def test_new_refuses_windows_reserved_names(tmp_path):
    project, _ = init(tmp_path)
    result = run_briefgen("new", "topic", "nul", "-p", project)
    assert result.returncode == 1
    assert result.stderr.startswith("error: 'nul' is not a valid id: 'nul' is a reserved file name on Windows")
    assert not (project / "content/topics/nul.yaml").exists()


@pytest.mark.slow
def test_new_refuses_an_existing_id(tmp_path):
    project, _ = init(tmp_path)
    result = run_briefgen("new", "actor", "first-actor", "-p", project)
    assert result.returncode == 1
    assert result.stderr == "error: content/actors/first-actor.yaml already exists; choose another id or edit that file\n"


def test_new_outside_a_project_says_so(tmp_path):
    result = run_briefgen("new", "topic", "elections", "-p", tmp_path)
    assert result.returncode == 1
    assert result.stderr == (f"error: {tmp_path} is not a briefing project (no content/ folder); "
                             "run 'briefgen init' first\n")
    assert list(tmp_path.iterdir()) == []


def test_unknown_kind_is_refused_by_the_command_line(tmp_path):
    result = run_briefgen("new", "claim", "x", "-p", tmp_path)
    assert result.returncode == 2
    assert "Invalid value for '{article|topic|actor}'" in result.stderr


@pytest.mark.slow
def test_error_messages_show_brackets_literally(tmp_path):
    project, _ = init(tmp_path)
    result = run_briefgen("new", "actor", "x[red]y", "-p", project)
    assert result.returncode == 1
    assert "'x[red]y' is not a valid id" in result.stderr


@pytest.mark.slow
def test_error_messages_with_markup_like_text_do_not_crash(tmp_path):
    project, _ = init(tmp_path)
    result = run_briefgen("new", "actor", "kim[/]", "-p", project)
    assert "Traceback" not in result.stderr
    assert result.returncode == 1
    assert "'kim[/]' is not a valid id" in result.stderr


def test_bad_base_url_option_is_a_located_diagnostic(tmp_path):
    result = run_briefgen("build", FIXTURES / "valid" / "basic", "--no-cache", "--base-url", "example.org",
                          "-o", tmp_path / "site")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "  1. --base-url: error[bad-url]: 'example.org' is not an http(s) URL (write the full address, starting with https://)",
        "Build failed: 1 error; nothing was written, the previous site is unchanged.",
    ]
    assert not (tmp_path / "site").exists()


def test_build_refuses_an_output_folder_that_contains_the_project(tmp_path):
    project = copy_project(FIXTURES / "valid" / "basic", tmp_path / "project")
    before = read_tree(tmp_path)
    result = run_briefgen("build", project, "-o", tmp_path)
    assert result.returncode == 1
    assert result.stderr == f"error: output folder {tmp_path} contains the project; choose a folder inside it, like site/\n"
    assert read_tree(tmp_path) == before


def test_build_refuses_to_overwrite_another_project(tmp_path):
    other = copy_project(FIXTURES / "warnings", tmp_path / "other")
    before = read_tree(other)
    result = run_briefgen("build", FIXTURES / "valid" / "basic", "--no-cache", "-o", other)
    assert result.returncode == 1
    assert result.stderr == f"error: output folder {other} looks like a briefgen project; refusing to overwrite it\n"
    assert read_tree(other) == before


def test_check_of_a_folder_that_does_not_exist_fails(tmp_path):
    result = run_briefgen("check", tmp_path / "no-such-project")
    assert result.returncode != 0
    assert "no-such-project" in result.stderr


STAGE_ROW = r"^{name}\s+{items}\s+\d+ ms\s+\d+%$"


def test_build_verbose_prints_the_time_of_each_stage(tmp_path):
    """`build --verbose` ends with one row per stage, in the order they ran, and a total (the
    times themselves are not asserted). A build with nothing changed stops at its stamps."""
    import re

    project = copy_project(FIXTURES / "valid" / "basic", tmp_path / "basic")
    settle()  # the second build may stop at its stamps only if the first could trust them
    result = run_briefgen("build", project, "-o", tmp_path / "site", "--verbose")
    assert result.returncode == 0, result.stderr
    lines = [line.strip() for line in result.stdout.splitlines()]
    table = lines[lines.index("Build stages") + 2:]
    names = [re.split(r"\s{2,}", line)[0] for line in table]
    assert names == ["checking stamps", "loading cache", "reading", "parsing", "resolving", "saving parsed sources",
                     "saving resolve", "search records", "planning", "rendering", "saving plan", "search index", "writing", "saving cache",
                     "total"], table
    for name in ("reading", "parsing", "rendering", "writing"):
        assert any(re.match(STAGE_ROW.format(name=name, items=r"\d+"), line) for line in table), (name, table)
    again = run_briefgen("build", project, "-o", tmp_path / "site", "-v")
    assert again.stdout.startswith("Up to date:") and "checking stamps" in again.stdout, again.stdout
    quiet = run_briefgen("build", project, "-o", tmp_path / "site")
    assert "Build stages" not in quiet.stdout + quiet.stderr


def test_a_build_names_each_stage_as_it_starts_and_counts_its_items(tmp_path):
    """What the progress bar shows: each stage named when it starts, items counted up to the total."""
    from briefgen.build import build
    from briefgen.stages import Stages

    project = copy_project(FIXTURES / "valid" / "basic", tmp_path / "basic")
    heard: list[tuple[str, int, int | None]] = []
    result = build(project, tmp_path / "site", progress=Stages(lambda *step: heard.append(step)), parallel=False)
    started = list(dict.fromkeys(name for name, _, _ in heard))
    assert started == ["reading", "parsing", "resolving", "search records", "planning", "rendering", "search index",
                       "writing"]
    rendering = [(done, total) for name, done, total in heard if name == "rendering"]
    assert rendering[0] == (0, sum(result.pages.values())) and rendering[-1][0] == rendering[-1][1] > 0
    assert [s.name for s in result.stages] == started
