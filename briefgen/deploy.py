"""`briefgen deploy`: commit the built site to a branch of a git remote and push it.

Like ghp-import / `mkdocs gh-deploy`, but it never touches the user's working tree or branches:
the commit is made in a throwaway bare repository from the output folder and pushed from there.
Every git process dies with briefgen, and the throwaway repository of a deploy that was killed is
removed by the next one (workers.scratch). The output folder's manifest is not published.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .errors import BriefgenError
from .workers import die_with_parent, scratch
from .write import MANIFEST


class DeployError(BriefgenError):
    pass


@dataclass(frozen=True, slots=True)
class Deployed:
    commit: str
    branch: str
    remote: str
    changed: bool


def _git(*args: str, cwd: Path | None = None, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    try:
        run = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True,
                             preexec_fn=die_with_parent)
    except FileNotFoundError:
        raise DeployError("git is not installed; install it to deploy") from None
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


def deploy(project: Path, site: Path, remote: str, branch: str, message: str | None, force: bool) -> Deployed:
    url = remote_url(project, remote)
    message = message or default_message(project)
    with scratch("briefgen-deploy-") as tmp:
        git_dir = str(Path(tmp) / "repo.git")
        _git("init", "-q", "--bare", git_dir)
        env = {**os.environ, "GIT_DIR": git_dir, "GIT_WORK_TREE": str(site.resolve()),
               "GIT_INDEX_FILE": str(Path(tmp) / "index")}
        for key, fallback in (("GIT_AUTHOR_NAME", "briefgen"), ("GIT_AUTHOR_EMAIL", "briefgen@localhost")):
            if not _git("config", key.lower().replace("git_author_", "user."), env=env, check=False).stdout.strip():
                env.setdefault(key, fallback)
                env.setdefault(key.replace("AUTHOR", "COMMITTER"), fallback)
        fetched = _git("fetch", "-q", url, f"refs/heads/{branch}", env=env, check=False)
        parent = _git("rev-parse", "FETCH_HEAD", env=env).stdout.strip() if fetched.returncode == 0 else ""
        if fetched.returncode != 0 and "couldn't find remote ref" not in fetched.stderr.lower():
            detail = fetched.stderr.strip().splitlines()
            raise DeployError(f"cannot reach {url}: {detail[-1] if detail else 'git fetch failed'}")
        _git("add", "-A", "--force", ".", env=env)
        _git("rm", "-q", "--cached", "--ignore-unmatch", MANIFEST, env=env)
        tree = _git("write-tree", env=env).stdout.strip()
        if parent and not force and _git("rev-parse", f"{parent}^{{tree}}", env=env).stdout.strip() == tree:
            return Deployed(parent, branch, url, False)
        args = ["commit-tree", tree, "-m", message] + (["-p", parent] if parent and not force else [])
        commit = _git(*args, env=env).stdout.strip()
        push = _git("push", "-q", *(["--force"] if force else []), url, f"{commit}:refs/heads/{branch}", env=env, check=False)
        if push.returncode != 0:
            detail = push.stderr.strip().splitlines()
            hint = " (the branch moved meanwhile; run again, or use --force to replace it)" if "rejected" in push.stderr else ""
            raise DeployError(f"push to {url} failed: {detail[-1] if detail else 'no output'}{hint}")
    return Deployed(commit, branch, url, True)
