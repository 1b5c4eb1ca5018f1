"""`briefgen serve` at the HTTP level: a real subprocess, plain http.client, no browser."""

from __future__ import annotations

import http.client
import json
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve_support import MAIN_ARTICLE, TOPIC, TOPIC_FILE, DevServer, make_project, replace_in  # noqa: E402

pytestmark = pytest.mark.slow  # measured: see the slow marker in pyproject.toml


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path)


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory):
    """One server for the tests that only send it requests: none of them edits the project or
    stops the server, so they need not start one each (a start builds the whole site)."""
    srv = DevServer(make_project(tmp_path_factory.mktemp("serve")))
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def server(project: Path):
    srv = DevServer(project)
    try:
        yield srv
    finally:
        srv.stop()


def raw_request(port: int, request: bytes, timeout: float = 10) -> tuple[int, bytes]:
    """Send bytes as they are (no client-side normalisation); return (status, whole response)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        data = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            data += chunk
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return status, data


def get_raw_path(srv: DevServer, path: str, host: str | None = None) -> tuple[int, bytes]:
    host = host if host is not None else f"127.0.0.1:{srv.port}"
    return raw_request(srv.port, f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode("latin-1"))


# -- binding ------------------------------------------------------------------------------------

def test_binds_loopback_only_by_default(shared_server: DevServer):
    assert shared_server.base_url.startswith("http://127.0.0.1:")
    status, _, body = shared_server.get("/")
    assert status == 200 and b"<html" in body
    # Bound to 127.0.0.1 exactly, not 0.0.0.0: another loopback address is refused.
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.2", shared_server.port), timeout=3).close()
    listening = [line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:]]
    local = {row[1] for row in listening if row[3] == "0A"}  # 0A = LISTEN
    assert f"0100007F:{shared_server.port:04X}" in local
    assert f"00000000:{shared_server.port:04X}" not in local


def test_busy_port_moves_to_next_and_says_so(project: Path):
    blocker = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen(1)
        busy = blocker.getsockname()[1]
        srv = DevServer(project, busy)
        try:
            assert srv.port != busy
            assert busy < srv.port < busy + 10
            srv.wait_for(rf"Port {busy}\b.*in use.*using {srv.port}")
            assert srv.get("/")[0] == 200
        finally:
            srv.stop()
    finally:
        blocker.close()


# -- requests that must be refused -----------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/../etc/passwd",
    "/topics/../../etc/passwd",
    "/%2e%2e/etc/passwd",
    "/%2E%2E/%2e%2e/etc/passwd",
    "/topics/%2e%2e/%2e%2e/etc/passwd",
    "/..%2f..%2fetc/passwd",
    "/.git/config",
    "/.env",
    "/topics/.hidden",
    "/%2egit/config",
])
def test_traversal_and_dotfiles_are_refused(shared_server: DevServer, path: str):
    status, data = get_raw_path(shared_server, path)
    assert status in (400, 403), data[:300]
    assert b"root:" not in data


def test_root_files_are_served_and_follow_edits(project: Path):
    """static/ is the site's root: served, /.well-known/ included, and watched."""
    (project / "static" / ".well-known").mkdir(parents=True)
    (project / "static" / ".well-known" / "security.txt").write_text("Contact: a\n", encoding="utf-8")
    (project / "static" / "CNAME").write_text("briefing.example.org\n", encoding="utf-8")
    srv = DevServer(project)
    try:
        assert srv.get("/.well-known/security.txt")[::2] == (200, b"Contact: a\n")
        assert srv.get("/CNAME")[::2] == (200, b"briefing.example.org\n")
        assert get_raw_path(srv, "/.git/config")[0] in (400, 403)
        (project / "static" / ".well-known" / "security.txt").write_text("Contact: b\n", encoding="utf-8")
        deadline = time.monotonic() + 30
        while srv.get("/.well-known/security.txt")[2] != b"Contact: b\n":
            assert time.monotonic() < deadline, srv.log
            time.sleep(0.2)
    finally:
        srv.stop()


@pytest.mark.parametrize("path", ["/%00", "/index.html%00", "/topics/%00/", "/a%00.html", "/topics%5c..%5c"])
def test_nul_and_backslash_are_bad_requests(shared_server: DevServer, path: str):
    status, data = get_raw_path(shared_server, path)
    assert status in (400, 403), data[:300]


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "127.0.0.1.evil.example", "localhost.evil.example", ""])
def test_foreign_host_header_is_refused(shared_server: DevServer, host: str):
    status, data = get_raw_path(shared_server, "/", host=host)
    assert status in (400, 403), data[:300]
    assert b"<html" not in data


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_local_host_headers_are_served(shared_server: DevServer, host: str):
    status, data = get_raw_path(shared_server, "/", host=f"{host}:{shared_server.port}")
    assert status == 200
    assert b"<html" in data


def test_foreign_host_cannot_read_events(shared_server: DevServer):
    status, data = raw_request(shared_server.port, b"GET /__briefgen/events HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")
    assert status == 403
    assert b"event:" not in data


# -- what is served --------------------------------------------------------------------------

def test_directory_without_index_is_404_with_site_404_page(shared_server: DevServer):
    status404, headers404, missing = shared_server.get("/no-such-page/")
    assert status404 == 404
    assert headers404["content-type"].startswith("text/html")
    assert b"Page not found" in missing
    for path in ("/static/", "/topics/no-such-topic/", "/articles/no-such-article/"):
        status, headers, body = shared_server.get(path)
        assert status == 404, path
        assert headers["content-type"].startswith("text/html"), path
        assert body == missing, path
    status, _, body = shared_server.get("/static")  # a directory without index: no redirect to a 404
    assert status == 404
    assert body == missing


def test_directory_without_slash_redirects(shared_server: DevServer):
    for path in ("/topics", f"/topics/{TOPIC}", f"/articles/{MAIN_ARTICLE}"):
        status, headers, _ = shared_server.get(path)
        assert status in (301, 302, 307, 308), path
        assert headers["location"] in (path + "/", shared_server.url(path + "/")), headers
    status, headers, _ = shared_server.get("/topics?x=1")
    assert status in (301, 302, 307, 308)
    assert headers["location"].split("?")[0].endswith("/topics/")


def test_content_types_and_no_store(shared_server: DevServer):
    status, headers, html = shared_server.get("/")
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert headers["cache-control"] == "no-store"
    assets = re.findall(rb'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html)
    css = [a.decode() for a in assets if a.endswith(b".css")]
    js = [a.decode() for a in assets if a.endswith(b".js")]
    assert css and js, html[:2000]
    expected = {css[0]: ("text/css",), js[0]: ("text/javascript", "application/javascript"),
                "/__briefgen/reload.js": ("text/javascript", "application/javascript"),
                "/404.html": ("text/html",), f"/topics/{TOPIC}/": ("text/html",)}
    for path, kinds in expected.items():
        status, headers, body = shared_server.get(path)
        assert status == 200, path
        assert headers["content-type"].split(";")[0].strip() in kinds, (path, headers["content-type"])
        assert headers["cache-control"] == "no-store", path
        assert int(headers["content-length"]) == len(body), path
    status, headers, _ = shared_server.get("/nothing-here")
    assert status == 404
    assert headers["cache-control"] == "no-store"


def test_head_has_headers_and_no_body(shared_server: DevServer):
    conn = http.client.HTTPConnection("127.0.0.1", shared_server.port, timeout=10)
    try:
        conn.request("HEAD", "/")
        resp = conn.getresponse()
        assert resp.status == 200
        assert int(resp.getheader("Content-Length")) > 0
        assert resp.read() == b""
    finally:
        conn.close()


def test_reload_script_injected_in_html_only(shared_server: DevServer):
    tag = re.compile(rb'<script src="/__briefgen/reload\.js"[^>]*></script>')
    for path in ("/", f"/topics/{TOPIC}/", f"/articles/{MAIN_ARTICLE}/", "/no-such-page/"):
        body = shared_server.get(path)[2]
        found = tag.findall(body)
        assert len(found) == 1, path
        assert body.index(found[0]) < body.rindex(b"</body>"), path
    html = shared_server.get("/")[2]
    css = re.search(rb'href="(/static/[^"]+\.css)"', html).group(1).decode()
    assert b"__briefgen" not in shared_server.get(css)[2]
    status, _, script = shared_server.get("/__briefgen/reload.js")
    assert status == 200 and b"EventSource" in script


def test_built_site_has_no_dev_server_code(project: Path, tmp_path: Path):
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "briefgen", "build", str(project), "-o", str(out)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    files = [p for p in out.rglob("*") if p.is_file()]
    assert any(p.suffix == ".html" for p in files)
    offenders = [str(p.relative_to(out)) for p in files if b"__briefgen" in p.read_bytes() or b"livereload" in p.read_bytes()]
    assert offenders == []


def test_keep_alive_connection_serves_several_requests(shared_server: DevServer):
    conn = http.client.HTTPConnection("127.0.0.1", shared_server.port, timeout=10)
    try:
        for path in ("/", "/topics/", "/no-such-page/", "/"):
            conn.request("GET", path)
            resp = conn.getresponse()
            resp.read()
            assert resp.status in (200, 404)
    finally:
        conn.close()


# -- live reload over SSE --------------------------------------------------------------------

class Events:
    """A raw Server-Sent Events reader for /__briefgen/events."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.conn.request("GET", "/__briefgen/events")
        self.resp = self.conn.getresponse()
        assert self.resp.status == 200
        assert self.resp.getheader("Content-Type").startswith("text/event-stream")
        assert self.resp.getheader("Cache-Control") == "no-store"

    def next_state(self, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        event, data = None, []
        while time.monotonic() < deadline:
            line = self.resp.fp.readline().decode()
            if not line:
                raise AssertionError("event stream closed")
            line = line.rstrip("\n")
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                data.append(line.split(":", 1)[1].strip())
            elif line == "" and data:
                if event == "state":
                    return json.loads("\n".join(data))
                event, data = None, []
        raise AssertionError("no state event in time")

    def close(self) -> None:
        self.conn.close()


def test_events_report_rebuilds_and_errors(server: DevServer, project: Path):
    events = Events(server.port)
    try:
        first = events.next_state()
        assert first["errors"] == []
        topic = project / TOPIC_FILE
        original = topic.read_text(encoding="utf-8")
        replace_in(topic, "title: Russia–North Korea military cooperation", "title: Edited over SSE")
        second = events.next_state()
        assert second["epoch"] > first["epoch"]
        assert second["errors"] == []
        server.wait_for_content(f"/topics/{TOPIC}/", "Edited over SSE")

        # A broken file: the epoch moves, the state carries located errors, the last good site stays.
        sidecar = project / f"content/articles/{MAIN_ARTICLE}.yaml"
        good = sidecar.read_text(encoding="utf-8")
        sidecar.write_text(good.replace("by: g7", "by: g-7"), encoding="utf-8")
        third = events.next_state()
        for _ in range(2):  # (a loaded machine: a rebuild may fall between the truncation and the write)
            if [e for e in third["errors"] if e["severity"] == "error"]:
                break
            third = events.next_state()
        assert third["epoch"] > second["epoch"]
        errors = [e for e in third["errors"] if e["severity"] == "error"]
        assert errors, third
        assert errors[0]["file"] == f"content/articles/{MAIN_ARTICLE}.yaml"
        expected_line = good.replace("by: g7", "by: g-7").splitlines().index("    by: g-7") + 1
        assert errors[0]["line"] == expected_line
        assert "did you mean" in ((errors[0]["hint"] or "") + errors[0]["message"])
        assert server.get(f"/topics/{TOPIC}/")[0] == 200
        assert b"Edited over SSE" in server.get(f"/topics/{TOPIC}/")[2]

        sidecar.write_text(good, encoding="utf-8")
        fourth = events.next_state()
        assert fourth["epoch"] > third["epoch"] and fourth["errors"] == []
        topic.write_text(original, encoding="utf-8")
        assert events.next_state()["errors"] == []
        server.wait_for_content(f"/topics/{TOPIC}/", "Edited over SSE", present=False)
    finally:
        events.close()


def test_first_build_failing_serves_503_then_recovers(tmp_path: Path):
    project = make_project(tmp_path)
    topic = project / TOPIC_FILE
    good = topic.read_text(encoding="utf-8")
    topic.write_text("title: [unclosed\n", encoding="utf-8")
    srv = DevServer(project)
    try:
        assert srv.builds()[0].startswith("✗")
        assert srv.builds()[0].endswith("serving the errors until a build succeeds"), srv.builds()  # no good site yet
        status, headers, body = srv.get("/")
        assert status == 503
        assert headers["cache-control"] == "no-store"
        assert b"/__briefgen/reload.js" in body  # the page must be able to reload once the build works
        events = Events(srv.port)
        try:
            state = events.next_state()
            assert any(e["file"] == TOPIC_FILE and e["line"] for e in state["errors"]), state
        finally:
            events.close()
        topic.write_text(good, encoding="utf-8")
        deadline = time.monotonic() + 20
        while srv.get("/")[0] != 200:
            assert time.monotonic() < deadline, srv.log
            time.sleep(0.1)
        assert b"Serve test briefing" in srv.get("/")[2]
    finally:
        srv.stop()


# -- stopping --------------------------------------------------------------------------------

def test_ctrl_c_stops_cleanly(server: DevServer):
    assert server.get("/")[0] == 200
    code = server.interrupt()
    assert code in (0, 130), server.log
    assert "Traceback" not in server.log
    assert "KeyboardInterrupt" not in server.log


def test_ctrl_c_with_open_event_streams_stops_cleanly(server: DevServer):
    streams = [Events(server.port) for _ in range(3)]
    try:
        for stream in streams:
            stream.next_state()
        code = server.interrupt()
        assert code in (0, 130), server.log
        assert "Traceback" not in server.log
    finally:
        for stream in streams:
            stream.close()


def test_ctrl_c_during_rebuilds_stops_cleanly(server: DevServer, project: Path):
    topic = project / TOPIC_FILE
    text = topic.read_text(encoding="utf-8")
    builds = len(server.builds())
    topic.write_text(text.replace("title: Russia", "title: Edited Russia"), encoding="utf-8")
    server.wait_builds(builds + 1)
    topic.write_text(text, encoding="utf-8")
    time.sleep(0.1)  # the next rebuild is (probably) running now
    code = server.interrupt()
    assert code in (0, 130), server.log
    assert "Traceback" not in server.log


# -- how the project folder is named -----------------------------------------------------------

@pytest.mark.parametrize("how", ["relative", "dot"])
def test_relative_project_path_sees_edits_and_deletions(project: Path, how: str):
    """`briefgen serve .` and `briefgen serve myproject` are the usual ways to start the server."""
    arg, cwd = ("project", project.parent) if how == "relative" else (".", project)
    srv = DevServer(project, path_arg=arg, cwd=cwd)
    try:
        assert srv.get("/articles/third-article/")[0] == 200
        replace_in(project / TOPIC_FILE, "title: Russia–North Korea military cooperation", "title: Edited relative")
        srv.wait_for_content(f"/topics/{TOPIC}/", "Edited relative")
        (project / "content/articles/third-article.md").unlink()
        (project / "content/articles/third-article.yaml").unlink()
        deadline = time.monotonic() + 20
        while srv.get("/articles/third-article/")[0] != 404:
            assert time.monotonic() < deadline, srv.log
            time.sleep(0.1)
        assert b"third-article" not in srv.get("/articles/")[2]
    finally:
        srv.stop()


def test_relative_project_path_reports_deleted_file(project: Path):
    """Regression: with a relative project path (`briefgen serve .`) watchdog reported relative
    paths, and a deleted file's path failed relative_to() against the resolved project: deletions
    were only noticed through the folder's own "modified" event."""
    srv = DevServer(project, path_arg=".", cwd=project)
    try:
        start = len(srv.lines)
        (project / "content/articles/third-article.md").unlink()
        (project / "content/articles/third-article.yaml").unlink()
        srv.wait_for(r"^[✓✗] ", start=start)
        srv.settle()
        rebuilt = [line for line in srv.lines[start:] if line.startswith(("✓", "✗"))]
        assert any("content/articles/third-article.md" in line for line in rebuilt), srv.log
    finally:
        srv.stop()


def test_absolute_project_path_reports_deleted_file(server: DevServer, project: Path):
    start = len(server.lines)
    (project / "content/articles/third-article.md").unlink()
    (project / "content/articles/third-article.yaml").unlink()
    server.wait_for(r"^[✓✗] ", start=start)
    server.settle()
    rebuilt = [line for line in server.lines[start:] if line.startswith(("✓", "✗"))]
    assert any("content/articles/third-article.md" in line for line in rebuilt), server.log


def test_changes_outside_sources_do_not_rebuild(server: DevServer, project: Path):
    """The site/ folder (a `briefgen build` while serving), notes, VCS files: no rebuild."""
    before = len(server.builds())
    (project / "site").mkdir()
    (project / "site" / "index.html").write_text("<p>built elsewhere</p>", encoding="utf-8")
    (project / "NOTES.md").write_text("notes\n", encoding="utf-8")
    (project / ".git").mkdir()
    (project / ".git" / "index").write_bytes(b"\0" * 10)
    # then a source edit, as a barrier: the watcher sees the events in order, so a rebuild for the
    # files above would come before this one or name them in its line
    replace_in(project / "content/articles/second-article.md", "title: ", "title: Barrier ")
    server.wait_builds(before + 1)
    server.settle(quiet=0.3)
    assert [line.split(":")[0] for line in server.builds()[before:]] == ["✓ content/articles/second-article.md"], \
        server.log


def test_strict_turns_warnings_into_overlay_errors(project: Path):
    srv = DevServer(project, 0, "--strict")
    try:
        events = Events(srv.port)
        try:
            assert events.next_state()["errors"] == []
            # An article without annotations bears on no topic: a warning, an error under --strict.
            (project / "content/articles/no-sidecar.md").write_text(
                "---\ntitle: No sidecar\npublished: 2023-12-07\n---\nSome text.\n", encoding="utf-8")
            state = events.next_state()
            assert state["errors"], state
            assert any(e["file"] == "content/articles/no-sidecar.md" and e["severity"] == "error"
                       for e in state["errors"]), state
            assert srv.get("/articles/no-sidecar/")[0] == 404  # the last good site is still served
        finally:
            events.close()
    finally:
        srv.stop()


def test_warnings_are_printed_once_each_and_sent_to_the_page(server: DevServer, project: Path):
    """A good build with warnings: each distinct warning is a line in the terminal (not only a
    count), and the event stream carries them apart from errors (the page's panel, not the overlay)."""
    events = Events(server.port)
    try:
        assert events.next_state()["warnings"] == []
        start = len(server.lines)
        # An article without annotations bears on no topic: a warning.
        (project / "content/articles/no-sidecar.md").write_text(
            "---\ntitle: No sidecar\npublished: 2023-12-07\n---\nSome text.\n", encoding="utf-8")
        state = events.next_state()
        assert state["errors"] == [], state
        assert {w["file"] for w in state["warnings"]} == {"content/articles/no-sidecar.md"}, state
        assert all(w["severity"] == "warning" and w["message"] for w in state["warnings"]), state
        server.wait_for(rf"{len(state['warnings'])} warning\(s\)", start=start)
        for w in state["warnings"]:  # each printed (waited for: the lines arrive one by one)...
            server.wait_for(re.escape(f"warning[{w['code']}]: {w['message']}"), start=start)
        later = server.lines[start:]
        for w in state["warnings"]:  # ...and printed once
            lines = [line for line in later if f"warning[{w['code']}]: {w['message']}" in line]
            assert len(lines) == 1, (w, later)
    finally:
        events.close()


def _wait_status(srv: DevServer, path: str, status: int = 200, timeout: float = 60) -> bytes:
    deadline = time.monotonic() + timeout
    while True:
        got, _, body = srv.get(path)
        if got == status:
            return body
        assert time.monotonic() < deadline, f"{path}: still {got} after {timeout}s\n{srv.log}"
        time.sleep(0.2)


def test_search_index_is_served_and_follows_edits(server: DevServer, project: Path):
    entry = json.loads(_wait_status(server, "/pagefind/pagefind-entry.json"))
    first = entry["languages"]["en"]["hash"]
    assert server.get("/pagefind/pagefind.js")[0] == 200
    replace_in(project / "content/articles/second-article.yaml",
               "summary: An official says North Korea shipped artillery shells to Russia by rail.",
               "summary: Zanzibarian xylophones are now mentioned in the index.")
    deadline = time.monotonic() + 60
    while True:
        body = _wait_status(server, "/pagefind/pagefind-entry.json")
        if json.loads(body)["languages"]["en"]["hash"] != first:
            break
        assert time.monotonic() < deadline, server.log
        time.sleep(0.2)
    assert "Traceback" not in server.log


def test_page_carries_the_epoch_of_its_build(server: DevServer, project: Path):
    """The injected script names the build the page came from, the event stream the latest build."""
    def page_epoch() -> str:
        body = server.get(f"/topics/{TOPIC}/")[2]
        found = re.search(rb'<script src="/__briefgen/reload\.js"[^>]*data-epoch="([^"]+)"', body)
        assert found, body[-400:]
        return found.group(1).decode()

    events = Events(server.port)
    try:
        state = events.next_state()
        assert page_epoch() == str(state["epoch"])
        replace_in(project / TOPIC_FILE, "title: Russia–North Korea military cooperation", "title: New epoch")
        newer = events.next_state()
        assert newer["epoch"] != state["epoch"]
        assert page_epoch() == str(newer["epoch"])
    finally:
        events.close()


FIRST_BUILD_PROBE = """
import sys, threading
from pathlib import Path
from briefgen import serve as serving
seen = []
real = serving.build
def spy(*args, **kwargs):
    seen.append(kwargs["parallel"])
    return real(*args, **kwargs)
serving.build = spy
rebuilder = serving.Rebuilder(Path(sys.argv[1]), "http://127.0.0.1:1/", False, serving.State(), lambda line: None)
assert threading.active_count() == 1, "building the Rebuilder started a thread"
rebuilder.run()
rebuilder.run({"content/articles/x.md"})
beside = threading.Thread(target=rebuilder.run)
beside.start()
beside.join()
print(seen)
"""


def test_the_first_build_uses_every_core_and_edits_stay_in_process(tmp_path):
    """Before the server's threads start, forking is safe: the first build parses and renders on
    every core (a 10,000-article server started in 27 s instead of 40). Rebuilds run beside the
    HTTP and watcher threads, so they never fork; nor does a server started from a thread.
    (In a fresh process: pytest's own process has other tests' threads.)"""
    project = make_project(tmp_path)
    probe = subprocess.run([sys.executable, "-c", FIRST_BUILD_PROBE, str(project)], capture_output=True, text=True,
                           timeout=120)
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == "[True, False, False]"


FIRST_BUILD_KEEPS = """
import gc, sys
from pathlib import Path
from briefgen import serve as serving, workers
workers.MIN_ITEMS = 1  # fork for the example's few pages too, as for a large archive's
rebuilder = serving.Rebuilder(Path(sys.argv[1]), "http://127.0.0.1:1/", False, serving.State(), lambda line: None)
frozen = gc.get_freeze_count()
rebuilder.run()
print(gc.get_freeze_count() - frozen > 10_000)
print(" ".join(sorted(t.name for t in rebuilder.cache.memo.renderer.env.cache.values())))
"""


def test_the_first_build_leaves_its_objects_frozen_and_its_templates_compiled(tmp_path):
    """After a first build that rendered in forked workers, the server's process holds compiled
    templates (the first edit does not compile them) and has frozen that build's objects, so the
    cyclic collector does not walk them at the end of every later build (a 10,000-article
    server's first edit took 2.0 s instead of 0.8 s)."""
    project = make_project(tmp_path)
    probe = subprocess.run([sys.executable, "-c", FIRST_BUILD_KEEPS, str(project)], capture_output=True, text=True,
                           timeout=120)
    assert probe.returncode == 0, probe.stderr
    frozen, compiled = probe.stdout.strip().split("\n")
    assert frozen == "True"
    assert {"article.html", "base.html", "topic.html", "macros.html"} <= set(compiled.split())


def test_an_edit_to_what_a_linked_template_or_source_leads_to_rebuilds(tmp_path: Path):
    """A template kept elsewhere in the project and linked from templates/ (a partial shared by two
    projects, say), and a content folder linked the same way: the build reads them through the
    link, so an edit to the file the link leads to is an edit to the source, and the page follows."""
    from briefgen.render import theme_dir

    project = make_project(tmp_path)
    shared = project / "shared"
    shared.mkdir()
    topic = (theme_dir() / "topic.html").read_text(encoding="utf-8")
    (shared / "topic.html").write_text(topic.replace("{% block main %}", '{% block main %}<p>shared mark 1</p>', 1),
                                       encoding="utf-8")
    (project / "templates").mkdir()
    (project / "templates" / "topic.html").symlink_to("../shared/topic.html")
    (shared / "topics").mkdir()
    (project / TOPIC_FILE).rename(shared / "topics" / f"{TOPIC}.yaml")
    (project / TOPIC_FILE).symlink_to(f"../../shared/topics/{TOPIC}.yaml")
    srv = DevServer(project)
    try:
        srv.wait_for_content(f"/topics/{TOPIC}/", "shared mark 1")
        replace_in(shared / "topic.html", "shared mark 1", "shared mark 2")
        srv.wait_for_content(f"/topics/{TOPIC}/", "shared mark 2")
        replace_in(shared / "topics" / f"{TOPIC}.yaml", "title: Russia–North Korea military cooperation",
                   "title: Edited through a link")
        srv.wait_for_content(f"/topics/{TOPIC}/", "Edited through a link")
        # The page is written before the build's line is printed: wait for the line, not the log as it is.
        srv.wait_for(re.escape(f"content/topics/{TOPIC}.yaml"))
        assert "templates/topic.html" in srv.log, srv.log
    finally:
        srv.stop()
