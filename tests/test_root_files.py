"""Root files (issue 18): a project's ``static/`` folder is published at the site's root as it is
(CNAME, favicon.ico, .well-known/), ``cname:`` in briefgen.yaml is its shortcut, and a root file
never replaces what the build makes. Built with ``python -m briefgen build`` in a subprocess."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from support import FIXTURES, normalise, read_tree, run_briefgen

BASIC = FIXTURES / "valid" / "basic"


@pytest.fixture
def project(tmp_path) -> Path:
    return Path(shutil.copytree(BASIC, tmp_path / "project", ignore=shutil.ignore_patterns(".briefgen-cache", "site")))


def build(project: Path, *args: str):
    return run_briefgen("build", project, "--no-cache", "-o", project / "site", *args)


def write(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)


def test_static_folder_is_copied_to_the_site_root_as_it_is(project):
    files = {"CNAME": b"briefing.example.org\n", "favicon.ico": b"\x00\x01icon",
             ".well-known/security.txt": b"Contact: mailto:desk@example.org\n", "docs/notes.html": b"<p>as is</p>",
             "topics/extra.txt": b"beside the generated topics"}
    for rel, data in files.items():
        write(project / "static" / rel, data)
    result = run_briefgen("build", project, "-o", project / "site")  # with the cache and stamps
    assert result.returncode == 0, result.stderr
    site = read_tree(project / "site")
    for rel, data in files.items():
        assert site[rel] == data, rel
    assert "topics/index.html" in site and ".nojekyll" in site
    assert all(not rel.startswith("pagefind/") or "notes" not in rel for rel in site)
    manifest = site[".briefgen-manifest.json"].decode()
    assert '"CNAME"' in manifest and '".well-known/security.txt"' in manifest, "briefgen owns what it copied"
    # Removing a root file removes it from the site at the next build (the stamps see static/).
    (project / "static" / "favicon.ico").unlink()
    again = run_briefgen("build", project, "-o", project / "site")
    assert again.returncode == 0, again.stderr
    assert not (project / "site" / "favicon.ico").exists()
    assert (project / "site" / "CNAME").read_bytes() == files["CNAME"]


def test_cname_setting_writes_the_cname_file(project):
    config = project / "briefgen.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "cname: Briefing.Example.org\n", encoding="utf-8")
    result = build(project)
    assert result.returncode == 0, result.stderr
    assert (project / "site" / "CNAME").read_bytes() == b"briefing.example.org\n"


def test_a_cname_that_is_an_address_is_an_error_with_the_host_to_write(project):
    config = project / "briefgen.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "cname: https://briefing.example.org/x\n", encoding="utf-8")
    result = build(project)
    assert result.returncode == 1
    assert "briefgen.yaml:4: error[bad-type]: cname: 'https://briefing.example.org/x': not a domain name" in result.stderr
    assert "write 'briefing.example.org'" in result.stderr and "Traceback" not in result.stderr


def test_root_files_colliding_with_the_site_are_errors_naming_both(project):
    config = project / "briefgen.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "cname: a.example.org\n", encoding="utf-8")
    write(project / "static" / "CNAME", "b.example.org\n")
    result = build(project)
    assert result.returncode == 1
    assert normalise(result.stderr) == normalise("""\
  1. briefgen.yaml: error[root-file-collision]: 'cname: a.example.org' and static/CNAME both give the site's CNAME file (keep one: remove 'cname' from briefgen.yaml or remove static/CNAME)
Build failed: 1 error; nothing was written, the previous site is unchanged.""")
    (project / "static" / "CNAME").unlink()
    write(project / "static" / "index.html", "<p>mine</p>")
    write(project / "static" / "feed.xml" / "a", "x")
    write(project / "static" / "search", "x")
    write(project / "static" / "pagefind" / "pagefind.js", "x")
    result = build(project)
    assert result.returncode == 1
    assert normalise(result.stderr) == normalise("""\
  1. static/feed.xml/a: error[root-file-collision]: feed.xml/a is in a folder feed.xml, which is also the site's feed page /feed.xml; a root file never replaces what the build makes (rename or remove static/feed.xml)
  2. static/index.html: error[root-file-collision]: index.html is also the site's home page /; a root file never replaces what the build makes (rename or remove static/index.html)
  3. static/pagefind/pagefind.js: error[root-file-collision]: pagefind/pagefind.js is also the site's search index pagefind/; a root file never replaces what the build makes (rename or remove static/pagefind/pagefind.js)
  4. static/search: error[root-file-collision]: search is the folder of the site's search page /search/; a root file never replaces what the build makes (rename or remove static/search)
Build failed: 4 errors; nothing was written, the previous site is unchanged.""")
    assert not (project / "site").exists()


def test_links_out_of_the_project_pipes_and_reserved_names_are_refused_in_one_round(project, tmp_path):
    secret = tmp_path / "outside" / "secret.txt"
    write(secret, "not for publishing")
    write(project / "static" / "ok.txt", "fine")
    write(project / "static" / "inside.txt", "linked from inside")
    (project / "static" / "pw").symlink_to(secret)
    (project / "static" / "elsewhere").symlink_to(secret.parent, target_is_directory=True)
    (project / "static" / "same.txt").symlink_to(project / "static" / "inside.txt")
    os.mkfifo(project / "static" / "pipe")
    write(project / "static" / ".git" / "config", "x")
    write(project / "static" / ".briefgen-manifest.json", "{}")
    result = build(project)
    assert result.returncode == 1
    assert normalise(result.stderr) == normalise("""\
  1. static/.briefgen-manifest.json: error[bad-file-name]: '.briefgen-manifest.json' at the site's root is briefgen's or the deploy's own (remove it from static/)
  2. static/.git: error[bad-file-name]: '.git' at the site's root is briefgen's or the deploy's own (remove it from static/)
  3. static/elsewhere: error[outside-project]: the folder is a link to a place outside the project or loops (copy the file into the project instead)
  4. static/pipe: error[not-a-file]: this is a pipe, socket or device, not a file: reading it could wait forever (remove it, or put the file it stands for in its place)
  5. static/pw: error[outside-project]: symlink points to a place outside the project or loops (copy the file into the project instead)
Build failed: 5 errors; nothing was written, the previous site is unchanged.""")
    for name in ("pw", "elsewhere", "pipe", ".git", ".briefgen-manifest.json"):
        (project / "static" / name).unlink() if not (project / "static" / name).is_dir() or \
            (project / "static" / name).is_symlink() else shutil.rmtree(project / "static" / name)
    result = build(project)
    assert result.returncode == 0, result.stderr
    assert (project / "site" / "same.txt").read_bytes() == b"linked from inside"
    assert b"not for publishing" not in b"".join(read_tree(project / "site").values())


def test_a_static_file_instead_of_a_folder_is_an_error(project):
    write(project / "static", "oops")
    result = build(project)
    assert result.returncode == 1
    assert "static: error[not-a-folder]: static is not a folder" in result.stderr, result.stderr


def test_check_accepts_links_to_root_files_and_ignores_links_inside_them(project):
    write(project / "static" / "about.html", '<a href="/nowhere/">not checked</a>')
    article = project / "content" / "articles" / "satellite-launch.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nSee [about](/about.html).\n", encoding="utf-8")
    result = run_briefgen("check", project)
    assert result.returncode == 0, result.stdout + result.stderr
