"""Faults: killed builds, full disks, read-only output, and a hostile or crowded dev server.

- ``briefgen build`` killed with SIGKILL at random moments (a generated corpus that takes a second
  or two to build, several runs) leaves the previous site complete: every file still parses, every
  file is byte for byte the old or the new version, and either all the old files or the whole new
  site are there; temporary files are never named like pages; the next build cleans up.
- A full disk (a small tmpfs, when this machine lets us mount one), a file-size limit (RLIMIT_FSIZE,
  works anywhere) and a read-only output folder (a read-only bind mount as root, chmod otherwise)
  give one clear error line and leave the old site as it was.
- The dev server refuses ``..``, ``%2e%2e``, backslashes, NUL bytes, overlong request lines and
  headers and a Host header that is not its own (DNS rebinding) over raw sockets; it keeps 200
  live-reload connections and a burst of page requests (127.0.0.1 only, bounded), and an edit
  still reaches every open connection as a new epoch; a build that fails or crashes leaves it
  serving the last good site.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import resource
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path

import pytest

from html_tree import parse_html
from serve_support import DevServer, make_project, replace_in
from support import FIXTURES, REPO, cli_env, read_tree, run_briefgen

pytestmark = pytest.mark.slow  # measured: see the slow marker in pyproject.toml

BASIC = FIXTURES / "valid" / "basic"
TEMP_SUFFIX = ".briefgen-tmp"
MANIFEST = ".briefgen-manifest.json"
KILL_RUNS = int(os.environ.get("BRIEFGEN_KILL_RUNS", "8"))
CORPUS_ARTICLES = 60


def copy_basic(target: Path, *, search: bool = False) -> Path:
    shutil.copytree(BASIC, target, ignore=shutil.ignore_patterns(".*"))
    if not search:
        with open(target / "briefgen.yaml", "a", encoding="utf-8") as config:
            config.write("search: false\n")
    return target


UNSTABLE = ("pagefind/",)
"""Pagefind's index is not byte-for-byte reproducible between two builds of the same content: its files
are checked for completeness, not compared with another build."""


def site_files(root: Path) -> dict[str, bytes]:
    """The site as a static server sees it, temporary files excluded."""
    return {rel: data for rel, data in read_tree(root).items() if not rel.endswith(TEMP_SUFFIX)}


def stable(files: dict[str, bytes]) -> dict[str, bytes]:
    return {rel: data for rel, data in files.items() if not rel.startswith(UNSTABLE)}


def temp_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob(f"*{TEMP_SUFFIX}"))


def assert_parses(rel: str, data: bytes) -> None:
    """A complete file: HTML that ends with </html>, XML and JSON that parse."""
    if rel.endswith(".html"):
        text = data.decode("utf-8")
        HTMLParser().feed(text)
        assert text.rstrip().endswith("</html>"), f"{rel} is truncated"
    elif rel.endswith(".xml"):
        ET.fromstring(data)
    elif rel.endswith(".json") and not rel.startswith("pagefind/"):
        json.loads(data)


def new_look(project: Path, title: str) -> None:
    """An edit that changes every page and the hashed stylesheet."""
    config = project / "briefgen.yaml"
    config.write_text(re.sub(r"(?m)^title: .*$", f"title: {title}", config.read_text(encoding="utf-8")),
                      encoding="utf-8")
    (project / "templates/static").mkdir(parents=True, exist_ok=True)
    theme_css = (REPO / "templates/static/style.css").read_text(encoding="utf-8")
    (project / "templates/static/style.css").write_text(theme_css + f"\n/* {title} */\n", encoding="utf-8")


# --- SIGKILL at random moments ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    done = subprocess.run([sys.executable, str(REPO / "benchmarks/corpus.py"), "-n", str(CORPUS_ARTICLES),
                           "--formats", "briefgen", "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return out / "briefgen"


def test_a_build_killed_at_random_moments_leaves_a_complete_site(corpus, tmp_path, record_property):
    project = shutil.copytree(corpus, tmp_path / "project")
    site, reference = tmp_path / "site", tmp_path / "reference"
    first = run_briefgen("build", project, "-o", site)
    assert first.returncode == 0, first.stderr
    old = _without_manifest(site_files(site))
    assert len(old) > 200
    pristine = shutil.copytree(site, tmp_path / "old-site")
    new_look(project, "The briefing, second edition")
    started = time.monotonic()
    second = run_briefgen("build", project, "-o", reference)
    duration = time.monotonic() - started
    assert second.returncode == 0, second.stderr
    new = _without_manifest(site_files(reference))
    assert all(old.get(rel) != data for rel, data in new.items() if rel.endswith(".html"))

    seed = int(os.environ.get("BRIEFGEN_KILL_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)

    def writing() -> bool:
        """The write stage has begun: a temporary file is in the output folder's top level."""
        try:
            return any(name.endswith(TEMP_SUFFIX) for name in os.listdir(site))
        except OSError:
            return False

    states, leftovers = [], []
    for run in range(KILL_RUNS):
        shutil.rmtree(site)
        shutil.copytree(pristine, site)  # every run replaces the old site, not what the last run left
        proc = subprocess.Popen([sys.executable, "-m", "briefgen", "build", str(project), "-o", str(site)],
                                cwd=REPO, env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if run % 2:  # anywhere in the build
            delay = rng.uniform(0.1, duration * 1.1)
            time.sleep(delay)
        else:  # in the write stage: from the moment its first temporary file appears
            deadline = time.monotonic() + duration * 3
            while not writing() and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.002)
            delay = rng.uniform(0, 0.15)
            time.sleep(delay)
            delay = -delay  # negative: measured from the start of the write stage
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        now = site_files(site)
        where = (f"(seed {seed}, run {run}: killed {abs(delay):.2f}s after the "
                 f"{'start of the write stage' if delay < 0 else 'start'} of a {duration:.2f}s build)")
        # The manifest lists the old files, the new ones and the temporary ones while the write
        # is under way: the next build knows every file here as its own.
        manifest = json.loads(now.pop(MANIFEST))
        assert set(read_tree(site)) - {MANIFEST} <= set(manifest["files"]), f"files the manifest does not list {where}"
        for rel, data in now.items():
            if not rel.startswith(UNSTABLE):
                assert data in (old.get(rel), new.get(rel)), f"{rel} is neither the old nor the new file {where}"
            assert_parses(rel, data)
        old_complete = set(old) <= set(now)
        new_complete = all(now.get(rel) == data for rel, data in new.items())
        assert old_complete or new_complete, f"files of the old site are gone before the new one is complete {where}"
        temps = temp_files(site)
        assert not [t for t in temps if t.endswith((".html", ".xml", ".json", ".css", ".js"))], temps
        leftovers.append(len(temps))
        states.append("old" if now == old else "new" if now == new else "mixed")
    record_property("kill_states", ",".join(states))
    record_property("temp_files_left", ",".join(map(str, leftovers)))
    print(f"kill runs (seed {seed}, build {duration:.2f}s): states {states}, temp files left {leftovers}")
    # A normal build afterwards publishes exactly the new site and removes every leftover.
    final = run_briefgen("build", project, "-o", site)
    assert final.returncode == 0, final.stderr
    assert read_tree(site) == read_tree(reference), "the build after the kills is not the new site"
    assert sorted(site_files(site)) == sorted(read_tree(site)), "temporary files were left"
    assert not temp_files(site)


def _without_manifest(files: dict[str, bytes]) -> dict[str, bytes]:
    return {rel: data for rel, data in files.items() if rel != MANIFEST}


class _Killed(BaseException):
    """Stands for SIGKILL inside the process: nothing after it runs, no handler catches it."""


def test_a_build_killed_between_renames_never_leaves_pages_without_their_assets(tmp_path, monkeypatch):
    from briefgen import write
    from briefgen.build import build

    project, site = copy_basic(tmp_path / "project"), tmp_path / "site"
    build(project, site)
    new_look(project, "Second edition")
    real = os.replace

    def replace_then_die(src, dst, **at):  # safe_io renames relative to folder descriptors
        real(src, dst, **at)
        if str(dst).endswith(".html") and not str(dst).endswith("404.html"):
            raise _Killed

    monkeypatch.setattr(write.os, "replace", replace_then_die)
    with pytest.raises(_Killed):
        build(project, site)
    missing = []
    for page in sorted(site.rglob("*.html")):
        for link in parse_html(page).find_all("link", rel="stylesheet"):
            href = link.attrs["href"]
            target = site / href.lstrip("/") if href.startswith("/") else (page.parent / href).resolve()
            if not target.is_file():
                missing.append(f"{page.relative_to(site)} -> {link.attrs['href']}")
    assert not missing, "pages link files that are not there:\n" + "\n".join(missing[:5])


# --- full disk, file-size limit, read-only output ------------------------------------------------------

@contextlib.contextmanager
def mounted(*args: str, target: Path):
    done = subprocess.run(["mount", *args, str(target)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount here ({done.stderr.strip() or 'mount failed'}): needs root or CAP_SYS_ADMIN")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], capture_output=True)


def _grow(project: Path, megabytes: int) -> None:
    """An article of ``megabytes`` MB: the next site no longer fits."""
    para = "A long paragraph of filler text about the launch, repeated to make the article large. " * 20
    (project / "content/articles/huge.md").write_text("# Huge\n\n" + (para + "\n\n") * (megabytes * 600),
                                                      encoding="utf-8")


def _assert_clear_write_error(result, reason: str) -> None:
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert re.fullmatch(rf"error: cannot write to .*: {reason}; the previous site was left as it was", lines[0]), lines


def test_a_full_disk_gives_a_clear_error_and_leaves_the_old_site(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    with mounted("-t", "tmpfs", "-o", "size=2m", "tmpfs", target=disk):
        project, site = copy_basic(tmp_path / "project"), disk / "site"
        first = run_briefgen("build", project, "-o", site)
        assert first.returncode == 0, first.stderr
        old = read_tree(site)
        _grow(project, 3)
        result = run_briefgen("build", project, "-o", site)
        _assert_clear_write_error(result, "No space left on device")
        assert site_files(site) == old


def test_a_file_size_limit_gives_a_clear_error_and_leaves_the_old_site(tmp_path):
    """RLIMIT_FSIZE makes a write fail with EFBIG (Python ignores SIGXFSZ): a full disk without mount rights."""
    project, site = copy_basic(tmp_path / "project"), tmp_path / "site"
    assert run_briefgen("build", project, "-o", site).returncode == 0
    old = read_tree(site)
    _grow(project, 2)

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, resource.RLIM_INFINITY))

    result = subprocess.run([sys.executable, "-m", "briefgen", "build", str(project), "-o", str(site)], cwd=REPO,
                            env=cli_env(), capture_output=True, text=True, timeout=120, preexec_fn=limit)
    _assert_clear_write_error(result, "File too large")
    assert site_files(site) == old


def test_a_failed_write_leaves_no_temporary_file_or_new_folder(tmp_path):
    project, site = copy_basic(tmp_path / "project"), tmp_path / "site"
    assert run_briefgen("build", project, "-o", site).returncode == 0
    folders = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_dir())
    _grow(project, 2)

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, resource.RLIM_INFINITY))

    result = subprocess.run([sys.executable, "-m", "briefgen", "build", str(project), "-o", str(site)], cwd=REPO,
                            env=cli_env(), capture_output=True, text=True, timeout=120, preexec_fn=limit)
    assert result.returncode == 1, result.stderr
    assert not temp_files(site), f"left behind: {temp_files(site)}"
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_dir()) == folders


def test_a_read_only_output_folder_gives_a_clear_error_and_leaves_the_old_site(tmp_path):
    project, site = copy_basic(tmp_path / "project"), tmp_path / "site"
    assert run_briefgen("build", project, "-o", site).returncode == 0
    old = read_tree(site)
    new_look(project, "Cannot be written")
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in [site, *site.rglob("*")]}
        for path in modes:
            path.chmod(modes[path] & ~0o222)
        try:
            result = run_briefgen("build", project, "-o", site)
        finally:
            for path, mode in modes.items():
                path.chmod(mode)
        _assert_clear_write_error(result, "Permission denied")
    else:  # root writes through chmod: make the folder a read-only bind mount of itself
        with mounted("--bind", str(site), target=site):
            ro = subprocess.run(["mount", "-o", "remount,ro,bind", str(site)], capture_output=True, text=True)
            if ro.returncode != 0:
                pytest.skip(f"cannot remount read-only: {ro.stderr.strip()}")
            result = run_briefgen("build", project, "-o", site)
        _assert_clear_write_error(result, "Read-only file system")
    assert read_tree(site) == old


def test_an_output_folder_that_cannot_be_created_gives_a_clear_error(tmp_path):
    project = copy_basic(tmp_path / "project")
    (tmp_path / "a-file").write_text("not a folder\n", encoding="utf-8")
    result = run_briefgen("build", project, "-o", tmp_path / "a-file" / "site")
    assert "Traceback" not in result.stderr, result.stderr[-1500:]
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot write to "), result.stderr


# --- the dev server under hostile requests ---------------------------------------------------------------

@pytest.fixture(scope="module")
def server(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("serve-hostile"))
    dev = DevServer(project)
    try:
        yield dev
    finally:
        dev.stop()


def raw_request(port: int, data: bytes, timeout: float = 10) -> bytes:
    """Send bytes on a fresh connection, read the whole answer (the server closes or we time out)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        with contextlib.suppress(socket.timeout, ConnectionResetError):
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks)


def status_of(answer: bytes) -> int:
    match = re.match(rb"HTTP/1\.[01] (\d{3})", answer)
    assert match, f"not an HTTP answer: {answer[:200]!r}"
    return int(match.group(1))


HOSTILE_REQUESTS = {
    # name: (request line and headers with {host}, statuses that count as refused)
    "dotdot": (b"GET /../../../../etc/passwd HTTP/1.1\r\nHost: {host}\r\n", {400, 403, 404}),
    "dotdot-in-path": (b"GET /topics/../../../etc/passwd HTTP/1.1\r\nHost: {host}\r\n", {400, 403, 404}),
    "encoded-dotdot": (b"GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: {host}\r\n", {400, 403, 404}),
    "encoded-slashes": (b"GET /%2E%2E%2F%2E%2E%2Fetc%2Fpasswd HTTP/1.1\r\nHost: {host}\r\n", {400, 403, 404}),
    "double-encoded": (b"GET /%252e%252e/%252e%252e/etc/passwd HTTP/1.1\r\nHost: {host}\r\n", {400, 403, 404}),
    "backslashes": (b"GET /..%5c..%5cetc%5cpasswd HTTP/1.1\r\nHost: {host}\r\n", {400, 403, 404}),
    "raw-backslashes": (b"GET /..\\..\\etc\\passwd HTTP/1.1\r\nHost: {host}\r\n", {400, 403, 404}),
    "dot-file": (b"GET /.git/config HTTP/1.1\r\nHost: {host}\r\n", {400, 403, 404}),
    "absolute-path": (b"GET //etc/passwd HTTP/1.1\r\nHost: {host}\r\n", {400, 403, 404}),
    "no-leading-slash": (b"GET etc/passwd HTTP/1.1\r\nHost: {host}\r\n", {400, 403, 404}),
    "encoded-nul": (b"GET /index.html%00.css HTTP/1.1\r\nHost: {host}\r\n", {400, 403, 404}),
    "raw-nul": (b"GET /index\x00.html HTTP/1.1\r\nHost: {host}\r\n", {400, 403, 404}),
    "nul-in-header": (b"GET / HTTP/1.1\r\nHost: {host}\r\nX-A: a\x00b\r\n", {200, 400}),
    "overlong-request-line": (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: {host}\r\n", {400, 414}),
    "overlong-header": (b"GET / HTTP/1.1\r\nHost: {host}\r\nX-Big: " + b"a" * 70_000 + b"\r\n", {400, 431}),
    "headers-over-8-kb": (b"GET / HTTP/1.1\r\nHost: {host}\r\n"
                          + b"".join(b"X-%d: %s\r\n" % (i, b"a" * 100) for i in range(90)), {400, 431}),
    "too-many-headers": (b"GET / HTTP/1.1\r\nHost: {host}\r\n" + b"".join(b"X-%d: a\r\n" % i for i in range(200)),
                         {400, 431}),
    "foreign-host": (b"GET / HTTP/1.1\r\nHost: evil.example\r\n", {400, 403, 421}),
    "foreign-host-with-port": (b"GET / HTTP/1.1\r\nHost: evil.example:{port}\r\n", {400, 403, 421}),
    "lookalike-host": (b"GET / HTTP/1.1\r\nHost: localhost.evil.example:{port}\r\n", {400, 403, 421}),
    "ip-suffix-host": (b"GET / HTTP/1.1\r\nHost: 127.0.0.1.nip.io:{port}\r\n", {400, 403, 421}),
    "userinfo-host": (b"GET / HTTP/1.1\r\nHost: evil.example@127.0.0.1:{port}\r\n", {400, 403, 421}),
    "no-host": (b"GET / HTTP/1.0\r\n", {400, 403, 421}),
    "foreign-host-on-events": (b"GET /__briefgen/events HTTP/1.1\r\nHost: evil.example\r\n", {400, 403, 421}),
    "foreign-host-on-reload-script": (b"GET /__briefgen/reload.js HTTP/1.1\r\nHost: evil.example\r\n",
                                      {400, 403, 421}),
    "post": (b"POST / HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\n", {400, 403, 405, 501}),
    "absolute-uri-foreign": (b"GET http://evil.example/ HTTP/1.1\r\nHost: {host}\r\n", {400, 403, 421}),
    "absolute-uri-file": (b"GET file:///etc/passwd HTTP/1.1\r\nHost: {host}\r\n", {400, 403, 404}),
    "duplicate-host": (b"GET / HTTP/1.1\r\nHost: {host}\r\nHost: evil.example\r\n", {400, 403, 421}),
}
DEV_SERVER_BUGS: dict[str, str] = {}
"""Requests the dev server still gets wrong: name -> the cause (a strict xfail)."""


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=DEV_SERVER_BUGS[n])) if n in DEV_SERVER_BUGS else n
    for n in HOSTILE_REQUESTS])
def test_the_dev_server_refuses_hostile_requests(name, server):
    head, refused = HOSTILE_REQUESTS[name]
    host = f"127.0.0.1:{server.port}".encode()
    request = head.replace(b"{host}", host).replace(b"{port}", str(server.port).encode()) + \
        b"Connection: close\r\n\r\n"
    answer = raw_request(server.port, request)
    assert status_of(answer) in refused, answer[:300]
    assert b"root:" not in answer and b"[core]" not in answer
    # ... and the server is still there
    status, _, body = server.get("/")
    assert status == 200 and b"</html>" in body


def test_the_dev_server_answers_its_own_host_names(server):
    for host in (f"127.0.0.1:{server.port}", f"localhost:{server.port}", "localhost", "[::1]:%d" % server.port):
        answer = raw_request(server.port, f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        assert status_of(answer) == 200, (host, answer[:200])


# --- 200 clients, then an edit still reloads ------------------------------------------------------------

class EventStream:
    """A raw /__briefgen/events connection; parses 'event: state' messages as they arrive."""

    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.sock.sendall(f"GET /__briefgen/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        self.buffer = b""
        self.epochs: list[int] = []

    def feed(self) -> bool:
        """Read what is there; False when the server closed the connection."""
        try:
            chunk = self.sock.recv(65536)
        except (BlockingIOError, socket.timeout):
            return True
        if not chunk:
            return False
        self.buffer += chunk
        for event in re.findall(rb"event: state\ndata: (\{.*?\})\n\n", self.buffer):
            self.epochs.append(json.loads(event)["epoch"])
        self.buffer = self.buffer[self.buffer.rfind(b"\n\n") + 2:] if b"\n\n" in self.buffer else self.buffer
        return True

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


def _wait_all(streams: list[EventStream], done, timeout: float) -> list[int]:
    """Feed every stream until done(stream) holds for all; return the indexes that never got there."""
    selector = selectors.DefaultSelector()
    for i, stream in enumerate(streams):
        stream.sock.setblocking(False)
        selector.register(stream.sock, selectors.EVENT_READ, i)
    deadline = time.monotonic() + timeout
    waiting = {i for i, s in enumerate(streams) if not done(s)}
    try:
        while waiting and time.monotonic() < deadline:
            for key, _ in selector.select(timeout=0.5):
                stream = streams[key.data]
                if not stream.feed():
                    selector.unregister(stream.sock)
                if done(stream):
                    waiting.discard(key.data)
    finally:
        selector.close()
    return sorted(waiting)


def test_200_clients_with_reload_connections_then_an_edit_still_reloads(tmp_path):
    project = make_project(tmp_path)
    dev = DevServer(project)
    streams: list[EventStream] = []
    try:
        dev.settle(quiet=0.5)
        streams = [EventStream(dev.port) for _ in range(200)]
        stuck = _wait_all(streams, lambda s: bool(s.epochs), timeout=30)
        assert not stuck, f"{len(stuck)} of 200 event streams got no initial state"
        first = max(s.epochs[-1] for s in streams)

        paths = ["/", "/topics/", "/actors/kim-jong-un/", "/articles/", "/claims/", "/timeline/", "/no-such-page/"]

        def hit(i: int) -> int:
            return dev.get(paths[i % len(paths)], timeout=30)[0]

        with ThreadPoolExecutor(max_workers=20) as pool:
            statuses = list(pool.map(hit, range(200)))
        assert statuses.count(404) == len([i for i in range(200) if paths[i % len(paths)] == "/no-such-page/"])
        assert set(statuses) <= {200, 404}, sorted(set(statuses))

        replace_in(project / "content/articles/second-article.md", "title: Second test article about arms deliveries",
                   "title: Edited while 200 clients watch")
        stuck = _wait_all(streams, lambda s: bool(s.epochs) and s.epochs[-1] > first, timeout=60)
        assert not stuck, f"{len(stuck)} of 200 open pages never heard of the rebuild:\n{dev.log}"
        body = dev.wait_for_content("/articles/second-article/", "Edited while 200 clients watch")
        assert b"</html>" in body
    finally:
        for stream in streams:
            stream.close()
        dev.stop()


def test_the_dev_server_survives_failed_and_crashing_builds(tmp_path):
    """A broken file and a build that raises inside the pipeline: the last good site stays, then an edit reloads."""
    project = make_project(tmp_path)
    dev = DevServer(project)
    try:
        start = len(dev.builds())
        sidecar = project / "content/articles/second-article.yaml"
        good = sidecar.read_text(encoding="utf-8")
        sidecar.write_text(good.replace("topics: [", "topics: [[", 1), encoding="utf-8")  # a YAML error
        dev.wait_builds(start + 1)
        assert dev.builds()[-1].startswith("✗"), dev.log
        status, _, body = dev.get("/articles/second-article/")
        assert status == 200 and b"Second test article" in body
        # A date the timeline cannot draw (year 9999) raised inside the build when this test was
        # written; whether it fails or builds, the server must keep serving.
        sidecar.write_text(good + "events:\n  - date: 9999-12-31\n    text: The end of the calendar.\n",
                           encoding="utf-8")
        dev.wait_builds(start + 2)
        assert dev.proc.poll() is None, dev.log
        assert dev.get("/")[0] == 200
        sidecar.write_text(good.replace("An official says", "An edited official says"), encoding="utf-8")
        dev.wait_for_content("/articles/second-article/", "An edited official says", timeout=30)
        assert dev.builds()[-1].startswith("✓"), dev.log
    finally:
        dev.stop()


def test_a_render_worker_killed_for_memory_is_a_clear_error_and_nothing_is_written(tmp_path, monkeypatch):
    """The kernel's OOM killer takes a forked render worker: the build says what happened and what
    to do, leaves the output alone, and shows no traceback (it used to be an 'internal error')."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import corpus

    from briefgen import render
    from briefgen.build import build
    from briefgen.errors import BriefgenError

    corpus.generate(150, 3, tmp_path, formats=("briefgen",), quiet=True)
    project, out = tmp_path / "briefgen", tmp_path / "site"
    parent = os.getpid()
    real = render.Renderer.render

    def render_or_die(self, page):
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)  # what the OOM killer does
        return real(self, page)

    monkeypatch.setattr(render.Renderer, "render", render_or_die)
    monkeypatch.setenv("BRIEFGEN_WORKERS", "2")
    with pytest.raises(BriefgenError, match="a rendering process was killed, most likely for lack of memory") as failed:
        build(project, out, index_search=False)
    assert "BRIEFGEN_WORKERS=1" in str(failed.value)
    assert not out.exists()
