"""Shared helpers for the dev-server tests: a small project on disk, and `briefgen serve` as a real
subprocess whose stderr log is collected line by line (build lines start with ✓ or ✗).

Imported by tests/test_serve.py and tests/browser/test_serve_browser.py (not a test module itself).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

from support import ForkedCli

REPO = Path(__file__).resolve().parents[1]

TOPIC = "russia-north-korea-military-cooperation"
TOPIC_FILE = f"content/topics/{TOPIC}.yaml"
MAIN_ARTICLE = "seoul-says-russia-helped-north-korea-launch-spy-satellite"

SERVING = re.compile(r"Serving .* at (http://[^\s/]+:(\d+)/)")

SECOND_MD = """\
---
title: Second test article about arms deliveries
outlet: Test Wire
url: https://example.org/second
published: 2023-12-01
---
An official said North Korea had shipped artillery shells to Russia by rail.

The shipments were said to have continued through the autumn.
"""

SECOND_YAML = """\
topics: [russia-north-korea-military-cooperation]
summary: An official says North Korea shipped artillery shells to Russia by rail.
actors:
  - id: north-korea
    role: ships artillery shells
  - russia
"""

THIRD_MD = """\
---
title: Third test article on satellites
outlet: Other Wire
url: https://example.org/third
published: 2023-12-02
---
Analysts said the satellite's orbit was stable a week after launch.
"""

THIRD_YAML = """\
topics: [north-korea-satellite-programme, russia-north-korea-military-cooperation]
summary: Analysts report that the new satellite's orbit is stable.
actors: [north-korea]
"""


def make_project(root: Path, title: str = "Serve test briefing") -> Path:
    """A copy of the repository's example content plus two small articles, in ``root``/project."""
    project = root / "project"
    shutil.copytree(REPO / "content", project / "content")
    (project / "briefgen.yaml").write_text(f"title: {title}\n", encoding="utf-8")
    articles = project / "content" / "articles"
    (articles / "second-article.md").write_text(SECOND_MD, encoding="utf-8")
    (articles / "second-article.yaml").write_text(SECOND_YAML, encoding="utf-8")
    (articles / "third-article.md").write_text(THIRD_MD, encoding="utf-8")
    (articles / "third-article.yaml").write_text(THIRD_YAML, encoding="utf-8")
    return project


def replace_in(path: Path, old: str, new: str) -> str:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return text


class DevServer:
    """`python -m briefgen serve PROJECT --port PORT` with its stderr collected (a process of its
    own, forked from the tests' fork server: support.ForkedCli)."""

    def __init__(self, project: Path, port: int = 0, *extra: str, start_timeout: float = 60,
                 path_arg: str | None = None, cwd: Path | None = None):
        """``path_arg``/``cwd``: how the project is named on the command line (default: absolute)."""
        env = {k: v for k, v in os.environ.items()
               if k not in ("FORCE_COLOR", "CLICOLOR_FORCE", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS", "LINES")}
        env.update(PYTHONIOENCODING="utf-8", PYTHONUNBUFFERED="1", NO_COLOR="1", TERM="dumb")
        self.project = project
        self.proc = ForkedCli(["serve", path_arg or str(project), "--port", str(port), *extra], env=env,
                              cwd=cwd or project.parent)
        self.lines: list[str] = []
        self.stdout: list[str] = []
        self._cond = threading.Condition()
        self._readers = [threading.Thread(target=self._read, args=(self.proc.stderr, self.lines), daemon=True),
                         threading.Thread(target=self._read, args=(self.proc.stdout, self.stdout), daemon=True)]
        for reader in self._readers:
            reader.start()
        try:
            match = self.wait_for(SERVING, timeout=start_timeout)
        except Exception:
            self.stop()
            raise
        self.base_url, self.port = match.group(1), int(match.group(2))

    def _read(self, stream, into: list[str]) -> None:
        for raw in iter(stream.readline, b""):
            with self._cond:
                into.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    # -- the log ---------------------------------------------------------------------------
    @property
    def log(self) -> str:
        with self._cond:
            return "\n".join(self.lines)

    def wait_for(self, pattern: str | re.Pattern, timeout: float = 20, start: int = 0) -> re.Match:
        """Wait until a stderr line (from index ``start`` on) matches ``pattern``."""
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self.lines[start:]:
                    found = regex.search(line)
                    if found:
                        return found
                if self.proc.poll() is not None and not any(r.is_alive() for r in self._readers):
                    raise AssertionError(f"server exited ({self.proc.returncode}) before {regex.pattern!r}:\n{self.log_unlocked()}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no line matching {regex.pattern!r} within {timeout}s:\n{self.log_unlocked()}")
                self._cond.wait(min(left, 0.2))

    def log_unlocked(self) -> str:
        return "\n".join(self.lines)

    def builds(self) -> list[str]:
        """Every build line so far (✓ success, ✗ failure), the initial build included."""
        with self._cond:
            return [line for line in self.lines if line.startswith(("✓", "✗"))]

    def ok_builds(self) -> list[str]:
        return [line for line in self.builds() if line.startswith("✓")]

    def wait_builds(self, count: int, timeout: float = 20) -> list[str]:
        """Wait until at least ``count`` build lines were logged."""
        deadline = time.monotonic() + timeout
        while len(self.builds()) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} build line(s) within {timeout}s:\n{self.log}")
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited ({self.proc.returncode}):\n{self.log}")
            time.sleep(0.05)
        return self.builds()

    def settle(self, quiet: float = 1.0, timeout: float = 30) -> int:
        """Wait until no new build line came for ``quiet`` seconds; return the number of builds."""
        deadline = time.monotonic() + timeout
        count, since = len(self.builds()), time.monotonic()
        while time.monotonic() - since < quiet:
            time.sleep(0.05)
            now = len(self.builds())
            if now != count:
                count, since = now, time.monotonic()
            if time.monotonic() > deadline:
                break
        return count

    # -- http ------------------------------------------------------------------------------
    def url(self, path: str = "/") -> str:
        return self.base_url.rstrip("/") + path

    def get(self, path: str, timeout: float = 10) -> tuple[int, dict, bytes]:
        """GET without following redirects; (status, headers, body)."""
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def wait_for_content(self, path: str, needle: str, present: bool = True, timeout: float = 20) -> bytes:
        deadline = time.monotonic() + timeout
        while True:
            status, _, body = self.get(path)
            if (needle.encode() in body) == present:
                return body
            if time.monotonic() > deadline:
                raise AssertionError(f"{path}: {needle!r} {'never appeared' if present else 'never went away'} "
                                     f"(last status {status}):\n{self.log}")
            time.sleep(0.1)

    # -- stopping --------------------------------------------------------------------------
    def interrupt(self, timeout: float = 15) -> int:
        """Ctrl-C: SIGINT, as a terminal sends it; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
            raise AssertionError(f"server did not stop within {timeout}s of SIGINT:\n{self.log}")
        for reader in self._readers:
            reader.join(timeout=5)
        return code

    def stop(self) -> None:
        """Finalizer: always leaves no process behind."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        for stream in (self.proc.stdout, self.proc.stderr):
            try:
                stream.close()
            except Exception:
                pass


def fetch(url: str, timeout: float = 10) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return resp.read()
