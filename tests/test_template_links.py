"""A cloned project's templates/ cannot publish the user's files nor hang the build.

A link under the project's ``templates/`` (or ``templates`` itself) that leads outside the project
or loops is ``error[outside-project]`` and a pipe or device there is ``error[not-a-file]``: located
diagnostics, all in one round, through ``BuildFailed`` (exit 1, nothing written), never an
internal error, and no byte of the file outside reaches the output. Links that stay inside the
project are followed. The theme's own files are not subject to this.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from briefgen.render import ProjectLoader, Renderer, collect_assets
from briefgen.errors import BuildFailed
from briefgen.schema import SiteConfig
from support import FIXTURES, read_tree, run_briefgen

BASIC = FIXTURES / "valid" / "basic"
SECRET = b"export SECRET_TOKEN=do-not-publish\n"
FOOTER = "Build failed: {n} error{s}; nothing was written, the previous site is unchanged."
OUTSIDE_FILE = "symlink points outside the project or loops (copy the file into the project instead)"
OUTSIDE_FOLDER = "the folder is a link to a place outside the project (copy the files into the project instead)"
NOT_A_FILE = ("this is a pipe, socket or device, not a file: reading it could wait forever "
              "(remove it, or put the file it stands for in its place)")


@pytest.fixture
def setup(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(BASIC, project, ignore=shutil.ignore_patterns(".*"))
    with open(project / "briefgen.yaml", "a", encoding="utf-8") as config:
        config.write("search: false\n")
    outside = tmp_path / "home"
    outside.mkdir()
    (outside / ".bashrc").write_bytes(SECRET)
    (outside / "templates").mkdir()
    (outside / "templates" / "base.html").write_bytes(SECRET)
    (outside / "templates" / "static").mkdir()
    (outside / "templates" / "static" / "style.css").write_bytes(SECRET)
    return project, outside


def fails_with(project: Path, *lines: str) -> None:
    result = run_briefgen("build", project)
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stderr
    errors = len(lines)
    expected = [f"{n:>3}. {line}" for n, line in enumerate(lines, 1)]
    assert result.stderr.splitlines() == expected + [FOOTER.format(n=errors, s="s" if errors != 1 else "")]
    assert not (project / "site").exists()


def test_a_static_file_linking_outside_is_an_error_and_never_published(setup):
    project, outside = setup
    (project / "templates/static").mkdir(parents=True)
    (project / "templates/static/bashrc.txt").symlink_to(outside / ".bashrc")
    fails_with(project, f"templates/static/bashrc.txt: error[outside-project]: {OUTSIDE_FILE}")


def test_templates_that_is_a_link_outside_is_an_error(setup):
    project, outside = setup
    (project / "templates").symlink_to(outside / "templates", target_is_directory=True)
    fails_with(project, f"templates: error[outside-project]: {OUTSIDE_FOLDER}")


def test_every_problem_under_templates_comes_in_one_round(setup):
    project, outside = setup
    templates = project / "templates"
    (templates / "static").mkdir(parents=True)
    (templates / "base.html").symlink_to(outside / "templates" / "base.html")
    (templates / "partials").symlink_to(outside / "templates", target_is_directory=True)
    (templates / "static/app.js").symlink_to(Path("../../../home/.bashrc"))  # relative
    (templates / "static/loop.css").symlink_to("loop.css")
    (templates / "static/linked").symlink_to(outside / "templates" / "static", target_is_directory=True)
    os.mkfifo(templates / "topic.html")  # nothing writes to it: a read would wait forever
    os.mkfifo(templates / "static/pipe.css")
    fails_with(project,
               f"templates/base.html: error[outside-project]: {OUTSIDE_FILE}",
               f"templates/partials: error[outside-project]: {OUTSIDE_FOLDER}",
               f"templates/static/app.js: error[outside-project]: {OUTSIDE_FILE}",
               f"templates/static/linked: error[outside-project]: {OUTSIDE_FOLDER}",
               f"templates/static/loop.css: error[outside-project]: {OUTSIDE_FILE}",
               f"templates/static/pipe.css: error[not-a-file]: {NOT_A_FILE}",
               f"templates/topic.html: error[not-a-file]: {NOT_A_FILE}")


def test_a_pipe_reached_through_a_link_inside_is_not_a_file(setup):
    project, _ = setup
    (project / "templates/static").mkdir(parents=True)
    os.mkfifo(project / "fifo")
    (project / "templates/static/data.json").symlink_to(project / "fifo")
    fails_with(project, f"templates/static/data.json: error[not-a-file]: {NOT_A_FILE}")


def test_links_that_stay_inside_the_project_are_followed(setup):
    project, _ = setup
    (project / "assets").mkdir()
    (project / "assets/extra.css").write_text("p { color: teal }\n", encoding="utf-8")
    (project / "templates/static").mkdir(parents=True)
    (project / "templates/static/extra.css").symlink_to("../../assets/extra.css")
    (project / "templates/again").symlink_to(".", target_is_directory=True)  # a loop inside: walked once
    (project / "templates/gone.html").symlink_to("missing.html")                # dangling inside: unused
    result = run_briefgen("build", project)
    assert result.returncode == 0, result.stderr
    site = read_tree(project / "site")
    assert any(name.startswith("static/extra.") and data == b"p { color: teal }\n" for name, data in site.items())


def test_check_and_the_api_report_it_as_diagnostics(setup):
    project, outside = setup
    (project / "templates/static").mkdir(parents=True)
    (project / "templates/static/bashrc.txt").symlink_to(outside / ".bashrc")
    result = run_briefgen("check", project)
    assert result.returncode == 1
    assert "templates/static/bashrc.txt: error[outside-project]" in result.stderr
    with pytest.raises(BuildFailed) as failed:
        collect_assets(project)
    assert [(d.file, d.code) for d in failed.value.diagnostics] == [("templates/static/bashrc.txt", "outside-project")]


def test_the_project_loader_never_reads_a_template_outside_the_project(setup):
    """Behind the build's check: a link made after it is still not read (the theme's is used)."""
    project, outside = setup
    (project / "templates").mkdir()
    (project / "templates/base.html").symlink_to(outside / "templates" / "base.html")
    (project / "templates/mine.html").write_text("mine", encoding="utf-8")
    renderer = Renderer(project, SiteConfig(), {})
    source = renderer.env.loader.get_source(renderer.env, "base.html")[0]
    assert SECRET.decode() not in source and "<html" in source
    assert isinstance(renderer.env.loader.loaders[0], ProjectLoader)
    assert renderer.env.get_template("mine.html").render() == "mine"


def test_a_template_link_is_reported_in_the_same_round_as_the_contents_errors(setup):
    project, outside = setup
    (project / "templates/static").mkdir(parents=True)
    (project / "templates/static/bashrc.txt").symlink_to(outside / ".bashrc")
    with open(project / "content/actors/kcna.yaml", "a", encoding="utf-8") as actor:
        actor.write("bad: 1\n")
    fails_with(project,
               "content/actors/kcna.yaml:6: error[unknown-key]: bad: unknown key 'bad' (allowed keys: affiliation, "
               "aliases, country, ids, kind, name, role)",
               f"templates/static/bashrc.txt: error[outside-project]: {OUTSIDE_FILE}")


# --- templates behind a linked folder that stays in the project: edits to them are seen --------------

def _linked_partials(tmp_path: Path, home: str) -> Path:
    """The basic project with templates/partials -> ../shared/partials (found by a tester)."""
    project = tmp_path / "project"
    shutil.copytree(BASIC, project, ignore=shutil.ignore_patterns(".briefgen-cache", "site"))
    (project / "shared" / "partials").mkdir(parents=True)
    (project / "templates").mkdir(exist_ok=True)
    (project / "templates" / "partials").symlink_to("../shared/partials")
    (project / "shared" / "partials" / "home.html").write_text("MARK-ONE\n", encoding="utf-8")
    (project / "templates" / "home.html").write_text(home, encoding="utf-8")
    return project


def test_the_project_loader_lists_templates_behind_a_linked_folder_once(tmp_path):
    project = _linked_partials(tmp_path, "{% extends 'base.html' %}")
    (project / "shared" / "partials" / "again").symlink_to(".")  # a loop: listed once, and the listing ends
    (project / "templates" / "elsewhere").symlink_to(tmp_path)  # outside the project: not listed
    listed = ProjectLoader(project).list_templates()
    assert "partials/home.html" in listed and "home.html" in listed
    assert not [name for name in listed if name.startswith(("partials/again/", "elsewhere/"))], listed


def test_an_edit_behind_a_linked_template_folder_reaches_the_dev_servers_next_build(tmp_path):
    from briefgen.build import Cache, build

    project = _linked_partials(tmp_path, '{% extends "base.html" %}{% block main %}{% include "partials/home.html" %}'
                                         '{% endblock %}\n')
    cache = Cache.server()
    assert b"MARK-ONE" in build(project, None, cache=cache).files["index.html"]
    (project / "shared" / "partials" / "home.html").write_text("MARK-TWO\n", encoding="utf-8")
    assert b"MARK-TWO" in build(project, None, cache=cache).files["index.html"]


def test_a_computed_include_behind_a_linked_folder_is_rendered_again_when_edited(tmp_path):
    project = _linked_partials(tmp_path, '{% extends "base.html" %}{% block main %}'
                                         '{% include "partials/" ~ page.kind ~ ".html" %}{% endblock %}\n')
    site = tmp_path / "site"
    assert run_briefgen("build", project, "-o", site).returncode == 0
    assert "MARK-ONE" in (site / "index.html").read_text(encoding="utf-8")
    (project / "shared" / "partials" / "home.html").write_text("MARK-TWO\n", encoding="utf-8")
    again = run_briefgen("build", project, "-o", site)
    assert again.returncode == 0, again.stderr
    assert "MARK-TWO" in (site / "index.html").read_text(encoding="utf-8")
