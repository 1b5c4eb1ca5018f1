"""`briefgen deploy`: commit the built site to a branch of a git remote and push it.

Like ghp-import / `mkdocs gh-deploy`, but it never touches the user's working tree or branches:
the commit is made in a throwaway bare repository from the output folder and pushed from there.
Every git process dies with briefgen, and the throwaway repository of a deploy that was killed is
removed by the next one (workers.scratch). The output folder's manifest is not published.

The branch is fetched before the build (``Target``): a CNAME file that GitHub wrote on it (the
custom domain set in the repository's settings) is kept when the site brings none, and tells
where the site is published. A site needs that address (links, feeds, the 404 page at any depth):
``base_url`` below infers it for GitHub Pages and refuses to guess anywhere else.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from . import __version__
from .build import site_config
from .errors import BriefgenError
from .load import ROOT_FILES, read_regular
from .workers import scratch, spawned, stops_held
from .write import MANIFEST


class DeployError(BriefgenError):
    pass


@dataclass(frozen=True, slots=True)
class Deployed:
    commit: str
    branch: str
    remote: str
    changed: bool
    kept_cname: str | None = None
    """The branch's CNAME, carried over because the site brought none (GitHub wrote it)."""


CNAME = "CNAME"
_GITHUB = re.compile(r"(?:git@github\.com:|(?:ssh|git|https?)://(?:[^@/]+@)?github\.com(?::\d+)?/)"
                     r"([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)/([A-Za-z0-9._-]+?)(?:\.git)?/?")
"""A GitHub repository's remote URL: git@github.com:USER/REPO(.git), https://github.com/USER/REPO(.git)."""


def pages_url(remote: str) -> str | None:
    """Where GitHub Pages publishes a repository without a custom domain: https://USER.github.io/REPO/,
    or https://USER.github.io/ for the user site USER.github.io; None for a remote not on GitHub."""
    found = _github_repo(remote)
    if found is None:
        return None
    user, repo = found
    if repo.lower() == f"{user}.github.io":
        return f"https://{user}.github.io/"
    return f"https://{user}.github.io/{repo}/"


def _github_repo(remote: str) -> tuple[str, str] | None:
    """(user in lower case, repository) of a GitHub remote URL."""
    found = _GITHUB.fullmatch(remote.strip())
    return (found.group(1).lower(), found.group(2)) if found else None


@dataclass(frozen=True, slots=True)
class BaseUrl:
    url: str
    why: str
    """How it was inferred, for the line that says so."""


def infer_base_url(remote: str, cname: str | None) -> BaseUrl:
    """The base URL of a deploy to ``remote`` given none: a custom domain (``cname``: the site's
    or the branch's CNAME file) at its root, or GitHub Pages' address of the repository.
    ``DeployError`` anywhere else: briefgen does not guess where a site is published."""
    pages = pages_url(remote)
    repo = _github_repo(remote)
    shown = f"github.com/{repo[0]}/{repo[1]}" if repo else ""  # never a token the URL may carry
    if pages is not None and cname:
        return BaseUrl(f"https://{cname}/", f"the custom domain in the CNAME file of {shown}")
    if pages is not None:
        return BaseUrl(pages, f"GitHub Pages of {shown}")
    raise DeployError(f"no base URL to deploy to {remote} with: briefgen cannot tell where a site pushed there is "
                      "published, and without it links, feeds and the 404 page would point at the host's root. "
                      "Pass --base-url URL (e.g. --base-url https://example.org/briefing/) or set base_url in "
                      "briefgen.yaml")


def _git(*args: str, cwd: Path | None = None, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    try:
        with stops_held():  # only while git is forked: a stop then is taken once it is, not lost
            proc = subprocess.Popen(["git", *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True, preexec_fn=spawned)
    except FileNotFoundError:
        raise DeployError("git is not installed; install it to deploy") from None
    with proc:  # as subprocess.run: git is killed if this is stopped while it runs
        try:
            stdout, stderr = proc.communicate()
        except BaseException:
            proc.kill()
            raise
    run = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
    if check and run.returncode != 0:
        detail = (run.stderr or run.stdout).strip().splitlines()
        raise DeployError(f"git {args[0]} failed: {detail[-1] if detail else 'no output'}")
    return run


def remote_url(project: Path, remote: str) -> str:
    """A configured remote's URL, or ``remote`` itself when it is a URL or a path."""
    run = _git("remote", "get-url", remote, cwd=project, check=False)
    if run.returncode == 0:
        return run.stdout.strip()
    if "://" in remote or remote.startswith("git@") or Path(remote).exists():
        return str(Path(remote).resolve()) if Path(remote).exists() else remote
    raise DeployError(f"'{remote}' is neither a git remote of {project} nor a URL or path to a repository; "
                      "add it with 'git remote add' or pass --remote URL")


def default_message(project: Path) -> str:
    run = _git("rev-parse", "--short", "HEAD", cwd=project, check=False)
    source = f" from {run.stdout.strip()}" if run.returncode == 0 else ""
    return f"Deploy briefing{source} with briefgen {__version__}"


def missing_base_url(project: Path, where: Target) -> BaseUrl | None:
    """The base URL to build with when --base-url was not given: None when briefgen.yaml sets one,
    else inferred (``infer_base_url``) from the remote and the custom domain, the site's own CNAME
    first ('cname:' or static/CNAME), then the one GitHub wrote on the branch."""
    config = site_config(project)
    if config.base_url is not None:
        return None
    if pages_url(where.url) is None:  # refused before anything is fetched or built
        return infer_base_url(where.url, None)
    return infer_base_url(where.url, config.cname or _static_cname(project) or where.cname())


def _static_cname(project: Path) -> str | None:
    path = project / ROOT_FILES / CNAME
    data = read_regular(path) if not path.is_symlink() else None  # the build reports a link out
    words = data.decode("utf-8", "replace").split() if data else []
    return words[0].lower() if words else None


class Target:
    """The branch to publish to, fetched into a throwaway repository (``target()``)."""

    def __init__(self, tmp: Path, url: str, branch: str):
        self.tmp, self.url, self.branch = tmp, url, branch
        git_dir = str(tmp / "repo.git")
        _git("init", "-q", "--bare", git_dir)
        self.env = {**os.environ, "GIT_DIR": git_dir, "GIT_INDEX_FILE": str(tmp / "index")}
        for key, fallback in (("GIT_AUTHOR_NAME", "briefgen"), ("GIT_AUTHOR_EMAIL", "briefgen@localhost")):
            if not _git("config", key.lower().replace("git_author_", "user."), env=self.env, check=False).stdout.strip():
                self.env.setdefault(key, fallback)
                self.env.setdefault(key.replace("AUTHOR", "COMMITTER"), fallback)
        self._parent: str | None = None

    @property
    def parent(self) -> str:
        """The branch's head commit ('' for a branch not there yet), fetched when first asked."""
        if self._parent is None:
            fetched = _git("fetch", "-q", self.url, f"refs/heads/{self.branch}", env=self.env, check=False)
            if fetched.returncode != 0 and "couldn't find remote ref" not in fetched.stderr.lower():
                detail = fetched.stderr.strip().splitlines()
                raise DeployError(f"cannot reach {self.url}: {detail[-1] if detail else 'git fetch failed'}")
            self._parent = _git("rev-parse", "FETCH_HEAD", env=self.env).stdout.strip() if fetched.returncode == 0 else ""
        return self._parent

    def cname(self) -> str | None:
        """The custom domain in the branch's CNAME file, if it has one."""
        if not self.parent:
            return None
        shown = _git("cat-file", "-p", f"{self.parent}:{CNAME}", env=self.env, check=False)
        lines = shown.stdout.split() if shown.returncode == 0 else []
        return lines[0].strip().lower() if lines else None

    def publish(self, site: Path, message: str, force: bool) -> Deployed:
        env = {**self.env, "GIT_WORK_TREE": str(site.resolve())}
        parent = self.parent
        _git("add", "-A", "--force", ".", env=env)
        _git("rm", "-q", "--cached", "--ignore-unmatch", MANIFEST, env=env)
        kept = None
        if parent and not (site / CNAME).is_file():  # GitHub wrote it: the custom domain stays
            entry = _git("ls-tree", parent, "--", CNAME, env=env).stdout.split()
            if len(entry) == 4 and entry[1] == "blob":
                _git("update-index", "--add", "--cacheinfo", f"{entry[0]},{entry[2]},{CNAME}", env=env)
                kept = self.cname() or ""
        tree = _git("write-tree", env=env).stdout.strip()
        if parent and not force and _git("rev-parse", f"{parent}^{{tree}}", env=env).stdout.strip() == tree:
            return Deployed(parent, self.branch, self.url, False, kept)
        args = ["commit-tree", tree, "-m", message] + (["-p", parent] if parent and not force else [])
        commit = _git(*args, env=env).stdout.strip()
        push = _git("push", "-q", *(["--force"] if force else []), self.url, f"{commit}:refs/heads/{self.branch}",
                    env=env, check=False)
        if push.returncode != 0:
            detail = push.stderr.strip().splitlines()
            hint = " (the branch moved meanwhile; run again, or use --force to replace it)" if "rejected" in push.stderr else ""
            raise DeployError(f"push to {self.url} failed: {detail[-1] if detail else 'no output'}{hint}")
        return Deployed(commit, self.branch, self.url, True, kept)


@contextlib.contextmanager
def target(project: Path, remote: str, branch: str) -> Iterator[Target]:
    """The remote's branch, fetched into a throwaway repository that goes when this ends."""
    url = remote_url(project, remote)
    with scratch("briefgen-deploy-") as tmp:
        yield Target(tmp, url, branch)


def deploy(project: Path, site: Path, remote: str, branch: str, message: str | None, force: bool) -> Deployed:
    """Commit the built ``site`` to ``branch`` of ``remote`` and push it."""
    with target(project, remote, branch) as where:
        return where.publish(site, message or default_message(project), force)
