"""`briefgen init`, `new` and `schema` never write through a link a cloned project planted.

Files they make are created exclusively without following links (`safe_io.Folder.create`); the
schema files are replaced atomically (a link in their place becomes a regular file). A folder on
the way that is a link (dangling or not) or a file is one line of error, never an internal error.
"""

from __future__ import annotations

import json
import os

import pytest

from support import read_tree, run_briefgen

pytestmark = pytest.mark.slow  # measured: see the slow marker in pyproject.toml


def init(tmp_path):
    project = tmp_path / "briefing"
    result = run_briefgen("init", project)
    assert result.returncode == 0, result.stderr
    return project


def one_error_line(result, start: str) -> None:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"error: {start}"), result.stderr
    assert result.stderr.count("\n") == 1


# --- schema ------------------------------------------------------------------------------------

def test_schema_replaces_a_planted_link_and_never_writes_its_target(tmp_path):
    victim = tmp_path / "bashrc"
    victim.write_text("mine\n", encoding="utf-8")
    folder = tmp_path / "sc" / "schemas"
    folder.mkdir(parents=True)
    (folder / "actor.schema.json").symlink_to(victim)
    dangling = tmp_path / "nowhere" / "profile"
    (folder / "topic.schema.json").symlink_to(dangling)
    result = run_briefgen("schema", folder)
    assert result.returncode == 0, result.stderr
    assert victim.read_text(encoding="utf-8") == "mine\n"
    assert not dangling.parent.exists()
    for name in ("actor", "topic"):
        path = folder / f"{name}.schema.json"
        assert not path.is_symlink() and path.is_file()
        assert json.loads(path.read_text(encoding="utf-8"))["type"] == "object"
    assert not [name for name in os.listdir(folder) if name.endswith(".briefgen-tmp")]


def test_schema_rewrites_its_own_files(tmp_path):
    folder = tmp_path / "schemas"
    assert run_briefgen("schema", folder).returncode == 0
    (folder / "actor.schema.json").write_text("old", encoding="utf-8")
    assert run_briefgen("schema", folder).returncode == 0
    assert json.loads((folder / "actor.schema.json").read_text(encoding="utf-8"))["type"] == "object"


def test_schema_makes_the_missing_folders(tmp_path):
    folder = tmp_path / "a" / "b" / "schemas"
    result = run_briefgen("schema", folder)
    assert result.returncode == 0, result.stderr
    assert len(list(folder.iterdir())) == 5


def test_schema_refuses_a_folder_that_is_a_link(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = tmp_path / "schemas"
    link.symlink_to(elsewhere)
    result = run_briefgen("schema", link)
    one_error_line(result, f"{link} is a link (to {elsewhere}), not a folder: briefgen does not write through links")
    assert list(elsewhere.iterdir()) == []


def test_schema_refuses_a_dangling_link_as_its_folder(tmp_path):
    link = tmp_path / "schemas"
    link.symlink_to(tmp_path / "x" / "y")
    result = run_briefgen("schema", link)
    one_error_line(result, f"{link} is a link (to {tmp_path / 'x' / 'y'}), not a folder")
    assert not (tmp_path / "x").exists()


def test_schema_names_a_file_or_dangling_link_above_the_folder(tmp_path):
    (tmp_path / "plain").write_text("mine", encoding="utf-8")
    result = run_briefgen("schema", tmp_path / "plain" / "schemas")
    one_error_line(result, f"{tmp_path / 'plain'} is a file, not a folder")
    (tmp_path / "gone").symlink_to(tmp_path / "missing")
    result = run_briefgen("schema", tmp_path / "gone" / "schemas")
    one_error_line(result, f"{tmp_path / 'gone'} is a link (to {tmp_path / 'missing'}), not a folder")
    assert not (tmp_path / "missing").exists()


def test_schema_with_a_folder_in_place_of_a_file_is_one_line(tmp_path):
    folder = tmp_path / "schemas"
    (folder / "actor.schema.json").mkdir(parents=True)
    result = run_briefgen("schema", folder)
    one_error_line(result, f"cannot write {folder / 'actor.schema.json'}: ")
    assert not [name for name in os.listdir(folder) if name.endswith(".briefgen-tmp")]


# --- new ---------------------------------------------------------------------------------------

def test_new_never_creates_a_file_through_a_dangling_link(tmp_path):
    project = init(tmp_path)
    target = tmp_path / "x" / ".profile"
    target.parent.mkdir()
    (project / "content/articles/newart.md").symlink_to(target)
    before = read_tree(project)
    result = run_briefgen("new", "article", "newart", "-p", project)
    one_error_line(result, f"content/articles/newart.md is a link (to {target}): briefgen does not write through links")
    assert not target.exists()
    assert read_tree(project) == before
    assert not (project / "content/articles/newart.yaml").exists()


def test_new_with_a_dangling_link_for_its_folder_is_one_line(tmp_path):
    project = init(tmp_path)
    topics = project / "content/topics"
    for path in topics.iterdir():
        path.unlink()
    topics.rmdir()
    topics.symlink_to(tmp_path / "nowhere")
    result = run_briefgen("new", "topic", "tt", "-p", project)
    one_error_line(result, f"{topics} is a link (to {tmp_path / 'nowhere'}), not a folder")
    assert not (tmp_path / "nowhere").exists()


def test_new_never_writes_into_a_linked_folder(tmp_path):
    project = init(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    actors = project / "content/actors"
    for path in actors.iterdir():
        path.unlink()
    actors.rmdir()
    actors.symlink_to(elsewhere)
    result = run_briefgen("new", "actor", "someone", "-p", project)
    one_error_line(result, f"{actors} is a link (to {elsewhere}), not a folder")
    assert list(elsewhere.iterdir()) == []


def test_new_with_a_file_for_its_folder_is_one_line(tmp_path):
    project = init(tmp_path)
    topics = project / "content/topics"
    for path in topics.iterdir():
        path.unlink()
    topics.rmdir()
    topics.write_text("mine", encoding="utf-8")
    result = run_briefgen("new", "topic", "tt", "-p", project)
    one_error_line(result, f"{topics} is a file, not a folder")
    assert topics.read_text(encoding="utf-8") == "mine"


def test_new_makes_a_missing_folder_and_files_are_regular(tmp_path):
    project = init(tmp_path)
    topics = project / "content/topics"
    for path in topics.iterdir():
        path.unlink()
    topics.rmdir()
    result = run_briefgen("new", "topic", "tt", "-p", project)
    assert result.returncode == 0, result.stderr
    assert (topics / "tt.yaml").is_file() and not (topics / "tt.yaml").is_symlink()


# --- init --------------------------------------------------------------------------------------

def test_init_refuses_a_dangling_link_as_its_folder(tmp_path):
    link = tmp_path / "nw"
    link.symlink_to(tmp_path / "x" / "nw")
    result = run_briefgen("init", link)
    one_error_line(result, f"{link} is a link (to {tmp_path / 'x' / 'nw'}), not a folder")
    assert not (tmp_path / "x").exists()


def test_init_refuses_a_file_above_its_folder(tmp_path):
    (tmp_path / "nw").write_text("mine", encoding="utf-8")
    result = run_briefgen("init", tmp_path / "nw" / "briefing")
    one_error_line(result, f"{tmp_path / 'nw'} is a file, not a folder")
    assert (tmp_path / "nw").read_text(encoding="utf-8") == "mine"
