"""`briefgen deploy` against a real local bare repository, as a user runs it.

Each test copies tests/fixtures/valid/basic into tmp_path, `git init --bare`s a remote beside it,
runs `python -m briefgen deploy` in a subprocess and reads the result back with git itself (clone,
rev-parse, log). Git runs without the machine's global or system configuration, with a fixed
identity in the environment, so nothing here depends on who runs the tests.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support import FIXTURES, REPO, STOP_WHILE_FORKING, cli_env, processes_mentioning, read_tree, run_cli

pytestmark = pytest.mark.slow  # measured: see the slow marker in pyproject.toml


def published(site):
    """The built site as deployed: all but the output folder's manifest (write.MANIFEST), which
    records what briefgen made there and is never published."""
    tree = read_tree(site)
    assert tree.pop(".briefgen-manifest.json").startswith(b'{\n"generator":"briefgen"')
    return tree

BASIC = FIXTURES / "valid" / "basic"
IDENTITY = {"GIT_AUTHOR_NAME": "Deploy Tester", "GIT_AUTHOR_EMAIL": "tester@example.org",
            "GIT_COMMITTER_NAME": "Deploy Tester", "GIT_COMMITTER_EMAIL": "tester@example.org"}
COMMIT_IN_MESSAGE = re.compile(r"commit ([0-9a-f]{7,40})\b")


@pytest.fixture
def git_env(tmp_path) -> dict[str, str]:
    """An environment whose git sees no global or system config, plus a fixed identity."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in cli_env().items() if not k.startswith("GIT_")}
    env.update(HOME=str(home), GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=str(home / ".gitconfig"),
               GIT_TERMINAL_PROMPT="0", **IDENTITY)
    (home / ".gitconfig").write_text("", encoding="utf-8")
    return env


def git(*args: object, env: dict, cwd: Path | None = None, check: bool = True) -> str:
    run = subprocess.run(["git", *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    if check:
        assert run.returncode == 0, f"git {' '.join(map(str, args))}: {run.stderr}"
    return run.stdout.strip()


SITE_URL = "https://example.org/briefing/"
"""The base URL of these deploys: a local bare repository is no GitHub remote to infer one from."""


def deploy(project: Path, *args: object, env: dict, base_url: str | None = SITE_URL) -> subprocess.CompletedProcess[str]:
    args = (*args, "--base-url", base_url) if base_url and "--base-url" not in args else args
    return run_cli(["deploy", project, *args], cwd=REPO, env=env, timeout=180)


@pytest.fixture
def project(tmp_path) -> Path:
    return Path(shutil.copytree(BASIC, tmp_path / "project", ignore=shutil.ignore_patterns(".briefgen-cache", "site")))


@pytest.fixture
def remote(tmp_path, git_env) -> Path:
    bare = tmp_path / "remote.git"
    git("init", "-q", "--bare", bare, env=git_env)
    return bare


def head(remote: Path, branch: str, env: dict) -> str:
    return git("--git-dir", remote, "rev-parse", f"refs/heads/{branch}", env=env)


def parents(remote: Path, commit: str, env: dict) -> list[str]:
    return git("--git-dir", remote, "rev-list", "--parents", "-n", "1", commit, env=env).split()[1:]


def branches(remote: Path, env: dict) -> list[str]:
    out = git("--git-dir", remote, "for-each-ref", "--format=%(refname:short)", "refs/heads/", env=env)
    return out.split() if out else []


def clone_tree(remote: Path, branch: str, target: Path, env: dict) -> dict[str, bytes]:
    git("clone", "-q", "--branch", branch, "--single-branch", remote, target, env=env)
    return read_tree(target, exclude=(".git/",))


def deployed(result: subprocess.CompletedProcess[str]) -> str:
    """The commit hash (abbreviated) the success message names."""
    assert result.returncode == 0, result.stdout + result.stderr
    found = COMMIT_IN_MESSAGE.search(result.stdout)
    assert found, f"the message names no commit: {result.stdout!r}"
    return found.group(1)


def edit_title(project: Path, new: str) -> None:
    article = project / "content" / "articles" / "satellite-launch.md"
    text = article.read_text(encoding="utf-8")
    article.write_text(re.sub(r"(?m)^title: .*$", f"title: {new}", text, count=1), encoding="utf-8")


def test_deploy_pushes_the_built_site_to_gh_pages(project, remote, git_env, tmp_path):
    result = deploy(project, "--remote", remote, env=git_env)
    short = deployed(result)
    assert "Deployed" in result.stdout and "'gh-pages'" in result.stdout, result.stdout
    assert branches(remote, git_env) == ["gh-pages"]
    commit = head(remote, "gh-pages", git_env)
    assert commit.startswith(short), f"message names {short}, the branch is at {commit}"
    assert parents(remote, commit, git_env) == [], "the first deploy is a root commit"
    author = git("--git-dir", remote, "log", "-1", "--format=%an <%ae>|%cn <%ce>|%s", commit, env=git_env)
    assert author.startswith("Deploy Tester <tester@example.org>|Deploy Tester <tester@example.org>|"), author
    site = published(project / "site")
    assert ".nojekyll" in site and "index.html" in site and any(k.startswith("pagefind/") for k in site)
    assert clone_tree(remote, "gh-pages", tmp_path / "clone", git_env) == site
    assert not (project / ".git").exists(), "deploy must not turn the project into a repository"


def test_deploy_with_a_base_url_publishes_that_build(project, remote, git_env, tmp_path):
    base = "https://user.github.io/repo/"
    deployed(deploy(project, "--remote", remote, "--base-url", base, env=git_env))
    tree = clone_tree(remote, "gh-pages", tmp_path / "clone", git_env)
    assert b"/repo/static/style." in tree["index.html"]
    assert f"<loc>{base}</loc>".encode() in tree["sitemap.xml"]


def test_second_deploy_without_change_does_nothing(project, remote, git_env):
    deployed(deploy(project, "--remote", remote, env=git_env))
    commit = head(remote, "gh-pages", git_env)
    again = deploy(project, "--remote", remote, env=git_env)
    assert again.returncode == 0, again.stderr
    assert "Nothing to deploy" in again.stdout, again.stdout
    assert commit[:12] in again.stdout, "the message names the commit already there"
    assert head(remote, "gh-pages", git_env) == commit


def test_content_change_adds_a_commit_on_top(project, remote, git_env, tmp_path):
    deployed(deploy(project, "--remote", remote, env=git_env))
    first = head(remote, "gh-pages", git_env)
    edit_title(project, "A changed headline for the deploy test")
    short = deployed(deploy(project, "--remote", remote, env=git_env))
    second = head(remote, "gh-pages", git_env)
    assert second != first and second.startswith(short)
    assert parents(remote, second, git_env) == [first], "the new commit sits on top of the previous deploy"
    tree = clone_tree(remote, "gh-pages", tmp_path / "clone", git_env)
    assert tree == published(project / "site")
    assert b"A changed headline for the deploy test" in tree["articles/satellite-launch/index.html"]


def test_branch_and_message_are_honoured(project, remote, git_env, tmp_path):
    result = deploy(project, "--remote", remote, "--branch", "other", "--message", "msg", env=git_env)
    short = deployed(result)
    assert "branch 'other'" in result.stdout, result.stdout
    assert branches(remote, git_env) == ["other"]
    commit = head(remote, "other", git_env)
    assert commit.startswith(short)
    assert git("--git-dir", remote, "log", "-1", "--format=%B", commit, env=git_env) == "msg"
    assert clone_tree(remote, "other", tmp_path / "clone", git_env) == published(project / "site")


def test_force_replaces_the_history_with_one_commit(project, remote, git_env):
    deployed(deploy(project, "--remote", remote, env=git_env))
    edit_title(project, "Second version")
    deployed(deploy(project, "--remote", remote, env=git_env))
    assert git("--git-dir", remote, "rev-list", "--count", "gh-pages", env=git_env) == "2"
    edit_title(project, "Third version")
    short = deployed(deploy(project, "--remote", remote, "--force", env=git_env))
    commit = head(remote, "gh-pages", git_env)
    assert commit.startswith(short)
    assert parents(remote, commit, git_env) == [], "--force makes a commit without parents"
    assert git("--git-dir", remote, "rev-list", "--count", "gh-pages", env=git_env) == "1"


def test_failing_build_deploys_nothing(project, remote, git_env):
    assessment = project / "content" / "articles" / "seoul-assessment.yaml"
    assessment.write_text(assessment.read_text(encoding="utf-8").replace("- id: russia\n", "- id: rusia\n"), encoding="utf-8")
    result = deploy(project, "--remote", remote, env=git_env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "content/articles/seoul-assessment.yaml:" in result.stderr and "unknown actor 'rusia'" in result.stderr, result.stderr
    assert "Build failed" in result.stderr and "Traceback" not in result.stderr
    assert "Deployed" not in result.stdout
    assert branches(remote, git_env) == [], "nothing was pushed"


def test_failing_build_leaves_the_deployed_branch_alone(project, remote, git_env):
    deployed(deploy(project, "--remote", remote, env=git_env))
    commit = head(remote, "gh-pages", git_env)
    assessment = project / "content" / "articles" / "seoul-assessment.yaml"
    assessment.write_text(assessment.read_text(encoding="utf-8").replace("- id: russia\n", "- id: rusia\n"), encoding="utf-8")
    result = deploy(project, "--remote", remote, env=git_env)
    assert result.returncode == 1 and "unknown actor 'rusia'" in result.stderr
    assert head(remote, "gh-pages", git_env) == commit


def test_unknown_remote_name_is_a_clear_error(project, git_env):
    result = deploy(project, "--remote", "no-such-remote", env=git_env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.startswith("error: ") and "no-such-remote" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "Deployed" not in result.stdout


def test_unreachable_remote_url_is_a_clear_error(project, git_env, tmp_path):
    result = deploy(project, "--remote", f"file://{tmp_path / 'missing.git'}", env=git_env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.startswith("error: ") and "missing.git" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_deploy_uses_the_projects_origin_and_leaves_its_repository_alone(project, remote, git_env):
    """A project kept in git: `--remote` defaults to its origin; its branches, index and working
    tree are not touched, and the default message names the source commit."""
    git("init", "-q", "-b", "main", env=git_env, cwd=project)
    (project / ".gitignore").write_text("site/\n.briefgen-cache/\n", encoding="utf-8")
    git("add", "-A", env=git_env, cwd=project)
    git("commit", "-q", "-m", "sources", env=git_env, cwd=project)
    git("remote", "add", "origin", remote, env=git_env, cwd=project)
    source = git("rev-parse", "HEAD", env=git_env, cwd=project)
    before = (git("branch", "-a", env=git_env, cwd=project), git("status", "--porcelain", env=git_env, cwd=project))
    short = deployed(deploy(project, env=git_env))
    commit = head(remote, "gh-pages", git_env)
    assert commit.startswith(short)
    assert git("--git-dir", remote, "log", "-1", "--format=%s", commit, env=git_env).startswith("Deploy briefing from "
                                                                                                 + source[:7])
    after = (git("branch", "-a", env=git_env, cwd=project), git("status", "--porcelain", env=git_env, cwd=project))
    assert after == before and git("rev-parse", "HEAD", env=git_env, cwd=project) == source


def test_deploy_without_a_git_identity(project, remote, git_env):
    """A CI machine with no user.name: deploy still commits, under a stand-in identity."""
    env = {k: v for k, v in git_env.items() if k not in IDENTITY}
    deployed(deploy(project, "--remote", remote, env=env))
    assert git("--git-dir", remote, "log", "-1", "--format=%an", "gh-pages", env=git_env)


def test_redeploy_from_a_fresh_checkout_without_change_does_nothing(project, remote, git_env):
    """CI deploys from a fresh checkout: no build cache, so the search index is rebuilt, and Pagefind
    never writes its filter files the same way twice. Unchanged sources must still push nothing."""
    deployed(deploy(project, "--remote", remote, env=git_env))
    commit = head(remote, "gh-pages", git_env)
    shutil.rmtree(project / ".briefgen-cache", ignore_errors=True)
    shutil.rmtree(project / "site")
    again = deploy(project, "--remote", remote, env=git_env)
    assert again.returncode == 0, again.stderr
    assert "Nothing to deploy" in again.stdout, (again.stdout, git("--git-dir", remote, "diff", "--stat", commit,
                                                                    "gh-pages", env=git_env))
    assert head(remote, "gh-pages", git_env) == commit


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_deploy_leaves_no_process_and_no_temporary_repository(project, remote, git_env, tmp_path, how):
    """Killed while git pushes (a remote hook that takes its time): git dies with briefgen; the
    throwaway repository goes at once on SIGTERM, and with the next deploy after SIGKILL."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**git_env, "TMPDIR": str(scratch)}
    pushing = tmp_path / "pushing"
    hook = remote / "hooks/pre-receive"
    hook.write_text(f"#!/bin/sh\ntouch '{pushing}'\nsleep 15\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    proc = subprocess.Popen([sys.executable, "-m", "briefgen", "deploy", str(project), "--remote", str(remote),
                             "--base-url", SITE_URL],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not pushing.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert pushing.exists(), "the deploy never reached the push"
    assert [p.name for p in scratch.iterdir() if p.name.startswith("briefgen-deploy-")], "no throwaway repository"
    proc.send_signal(how)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 8  # the remote's hook sleeps on (15 s); git push, ours, must not
    while processes_mentioning("briefgen-deploy-") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes_mentioning("briefgen-deploy-") == []
    left = [p.name for p in scratch.iterdir() if p.name.startswith("briefgen-deploy-")]
    if how == signal.SIGTERM:
        assert left == []
    hook.unlink()
    result = deploy(project, "--remote", remote, env=env)
    assert result.returncode == 0, result.stderr
    assert [p.name for p in scratch.iterdir() if p.name.startswith("briefgen-deploy-")] == []


def test_a_sigterm_while_git_is_forked_stops_the_deploy(project, remote, git_env):
    """git is run with a preexec_fn (die_with_parent): a SIGTERM landing while it was forked was
    ignored, and the deploy went on to push. (No search index, so git is the first fork.)"""
    config = project / "briefgen.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "search: false\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", STOP_WHILE_FORKING, "deploy", str(project), "--remote", str(remote),
                           "--base-url", SITE_URL], env=git_env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 128 + signal.SIGTERM, done.stderr
    assert "stopped (signal 15)" in done.stderr
    assert branches(remote, git_env) == []


# --- root files and the custom domain (issue 18) ---------------------------------------------------

def github_writes_cname(remote: Path, domain: str, env: dict, tmp_path: Path) -> str:
    """What GitHub does when a custom domain is set in the repository's settings: a commit on the
    gh-pages branch adding CNAME. Returns the new head."""
    work = tmp_path / "github-side"
    git("clone", "-q", "--branch", "gh-pages", remote, work, env=env)
    (work / "CNAME").write_text(domain + "\n", encoding="utf-8")
    git("add", "CNAME", env=env, cwd=work)
    git("commit", "-q", "-m", "Create CNAME", env=env, cwd=work)
    git("push", "-q", "origin", "gh-pages", env=env, cwd=work)
    shutil.rmtree(work)
    return head(remote, "gh-pages", env)


def test_deploy_keeps_the_cname_github_wrote_on_the_branch(project, remote, git_env, tmp_path):
    deployed(deploy(project, "--remote", remote, env=git_env))
    with_cname = github_writes_cname(remote, "briefing.example.org", git_env, tmp_path)
    again = deploy(project, "--remote", remote, env=git_env)
    assert again.returncode == 0 and "Nothing to deploy" in again.stdout, again.stdout + again.stderr
    assert head(remote, "gh-pages", git_env) == with_cname
    edit_title(project, "A headline after the custom domain")
    result = deploy(project, "--remote", remote, env=git_env)
    deployed(result)
    assert "Kept the branch's CNAME file (briefing.example.org)" in result.stderr, result.stderr
    assert "static/CNAME" in result.stderr
    tree = clone_tree(remote, "gh-pages", tmp_path / "clone", git_env)
    assert tree["CNAME"] == b"briefing.example.org\n"
    assert b"A headline after the custom domain" in tree["articles/satellite-launch/index.html"]
    assert not (project / "site" / "CNAME").exists(), "the output folder is the build's; the CNAME lives on the branch"


def test_root_files_are_deployed_and_the_projects_cname_wins(project, remote, git_env, tmp_path):
    deployed(deploy(project, "--remote", remote, env=git_env))
    github_writes_cname(remote, "old.example.org", git_env, tmp_path)
    (project / "static" / ".well-known").mkdir(parents=True)
    (project / "static" / ".well-known" / "security.txt").write_text("Contact: mailto:x@example.org\n", encoding="utf-8")
    (project / "static" / "favicon.ico").write_bytes(b"\x00icon")
    config = project / "briefgen.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "cname: new.example.org\n", encoding="utf-8")
    result = deploy(project, "--remote", remote, env=git_env)
    deployed(result)
    assert "Kept the branch's CNAME" not in result.stderr
    tree = clone_tree(remote, "gh-pages", tmp_path / "clone", git_env)
    assert tree["CNAME"] == b"new.example.org\n"
    assert tree[".well-known/security.txt"] == b"Contact: mailto:x@example.org\n" and tree["favicon.ico"] == b"\x00icon"
    assert tree == published(project / "site")


def test_without_a_base_url_a_remote_not_on_github_is_refused_naming_the_flag(project, remote, git_env):
    result = deploy(project, "--remote", remote, env=git_env, base_url=None)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.startswith("error: no base URL to deploy to ") and "--base-url URL" in result.stderr
    assert "base_url in briefgen.yaml" in result.stderr and "Traceback" not in result.stderr
    assert branches(remote, git_env) == [] and not (project / "site").exists(), "refused before building"
    config = project / "briefgen.yaml"  # the setting is as good as the flag
    config.write_text(config.read_text(encoding="utf-8") + "base_url: https://example.org/set/\n", encoding="utf-8")
    deployed(deploy(project, "--remote", remote, env=git_env, base_url=None))
    tree = clone_tree(remote, "gh-pages", project.parent / "clone", git_env)
    assert b'href="/set/static/style.' in tree["index.html"]


@pytest.fixture
def github_env(git_env, remote) -> dict:
    """git rewrites https://github.com/user/repo.git to the local bare repository: briefgen sees a
    GitHub remote, and the push lands in ``remote``."""
    git("config", "--global", f"url.{remote}.insteadOf", "https://github.com/user/repo.git", env=git_env)
    return git_env


def test_a_github_remote_without_a_base_url_deploys_a_project_site(project, remote, github_env, tmp_path):
    result = deploy(project, "--remote", "https://github.com/user/repo.git", env=github_env, base_url=None)
    deployed(result)
    assert ("No base URL given: building for https://user.github.io/repo/ (GitHub Pages of github.com/user/repo); "
            "pass --base-url to choose another") in result.stderr, result.stderr
    tree = clone_tree(remote, "gh-pages", tmp_path / "clone", github_env)
    assert b'href="/repo/static/style.' in tree["404.html"] and b'href="/repo/topics/"' in tree["404.html"]
    assert b"<loc>https://user.github.io/repo/</loc>" in tree["sitemap.xml"]
    # GitHub then writes a custom domain on the branch: the next deploy builds for it, at its root.
    github_writes_cname(remote, "briefing.example.org", github_env, tmp_path)
    result = deploy(project, "--remote", "https://github.com/user/repo.git", env=github_env, base_url=None)
    deployed(result)
    assert "building for https://briefing.example.org/ (the custom domain in the CNAME file of github.com/user/repo)" \
        in result.stderr, result.stderr
    tree = clone_tree(remote, "gh-pages", tmp_path / "clone2", github_env)
    assert tree["CNAME"] == b"briefing.example.org\n" and b'href="/static/style.' in tree["404.html"]


@pytest.mark.parametrize("remote_url, expected", [
    ("git@github.com:user/repo.git", "https://user.github.io/repo/"),
    ("git@github.com:User/Repo", "https://user.github.io/Repo/"),
    ("https://github.com/user/repo", "https://user.github.io/repo/"),
    ("https://github.com/user/repo.git", "https://user.github.io/repo/"),
    ("https://x-access-token:secret@github.com/user/repo.git", "https://user.github.io/repo/"),
    ("ssh://git@github.com/user/repo.git", "https://user.github.io/repo/"),
    ("https://github.com/user/user.github.io", "https://user.github.io/"),
    ("git@github.com:User/user.github.io.git", "https://user.github.io/"),
    ("https://gitlab.com/user/repo.git", None),
    ("https://github.com.evil.example/user/repo", None),
    ("/srv/git/site.git", None),
])
def test_github_pages_addresses_are_inferred_from_remote_urls(remote_url, expected):
    from briefgen.deploy import pages_url

    assert pages_url(remote_url) == expected
