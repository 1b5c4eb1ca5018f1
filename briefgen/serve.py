"""`briefgen serve`: build in memory, serve it, rebuild on every edit, reload open pages.

The site lives in memory as the `files` of the last good build and is replaced in one assignment,
so a request sees the old site or the new one, never a mix. Browsers hold a Server-Sent Events
connection; each build bumps an epoch, and pages reload when it changes, or show the build's
diagnostics in an overlay when it failed.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import json
import mimetypes
import re
import socket
import gc
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Callable, Mapping
from urllib.parse import unquote, urlsplit

from rich.markup import escape
from watchdog.observers.api import BaseObserver

from . import stamps
from .build import Cache, build, search_index
from .errors import BriefgenError, BuildFailed, Diagnostic, printable
from .watch import Changes, watch

EVENTS = "/__briefgen/events"
RELOAD_JS = "/__briefgen/reload.js"
OVERLAY_CSS = "/__briefgen/overlay.css"
WORKER_JS = "/__briefgen/worker.js"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
_HOST_HEADER = re.compile(r"(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9._-]+))(?::[0-9]{0,5})?")
"""A Host header: a bracketed IPv6 address or a name (an IPv4 address is one), then a port."""
MAX_HEADER = 8192


def shown(text: object) -> str:
    """Text from the input (a file name, a path, a message quoting a value) as it goes into a log
    line: control characters escaped (errors.printable), rich markup escaped."""
    return escape(printable(str(text)))


def is_loopback(host: str) -> bool:
    """Whether ``host`` (as given to --host) accepts connections from this machine only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: whichever interface it names, it is not the loopback one


def host_check(bound: str) -> Callable[[str], bool]:
    """Whether a Host header names this server, listening on ``bound``: ``localhost``,
    ``127.0.0.1``, ``[::1]`` or ``bound`` itself, with or without a port. Bound to an address that
    is not the loopback one (``--host 0.0.0.0``), also any IP address literal (a phone on the LAN
    asks for http://192.168.1.20:8000/) and the machine's own host name. DNS rebinding needs a
    domain name whose address an attacker controls, so no other name is accepted."""
    names = LOCAL_HOSTS | {bound.lower().strip("[]")}
    network = not is_loopback(bound)
    if network:
        names = names | {socket.gethostname().lower()}

    def allowed(value: str) -> bool:
        found = _HOST_HEADER.fullmatch(value)
        if found is None:
            return False
        v6, name = found.groups()
        if v6 is not None:
            try:
                return network or ipaddress.IPv6Address(v6).compressed in names
            except ValueError:
                return False
        name = name.lower()
        if name in names:
            return True
        try:
            return network and bool(ipaddress.IPv4Address(name))
        except ValueError:
            return False

    return allowed


@dataclass
class State:
    """What the server shows: the last good site, and the last build's problems."""

    files: Mapping[str, bytes] = field(default_factory=dict)
    errors: list[Diagnostic] = field(default_factory=list)
    """A failed build's diagnostics (its warnings among them): the overlay."""
    warnings: list[Diagnostic] = field(default_factory=list)
    """A good build's warnings: the small panel."""
    epoch: int = field(default_factory=lambda: time.time_ns() // 1_000_000)
    """Counts builds; starts from the clock so a page from before a server restart reloads."""
    cond: threading.Condition = field(default_factory=threading.Condition)

    def publish(self, files: Mapping[str, bytes] | None, errors: list[Diagnostic],
                warnings: list[Diagnostic] | tuple[Diagnostic, ...] = ()) -> None:
        with self.cond:
            if files is not None:
                self.files = files
            self.errors = errors
            self.warnings = list(warnings)
            self.epoch += 1
            self.cond.notify_all()

    def snapshot(self) -> dict:
        """What the browsers' overlay and warning panel show: text with the same visible escapes
        as the terminal."""
        def shown(ds: list[Diagnostic]) -> list[dict]:
            return [{"file": printable(d.file), "line": d.line, "severity": d.severity, "code": d.code,
                     "message": printable(d.message), "hint": printable(d.hint)} for d in ds]

        return {"epoch": self.epoch, "errors": shown(self.errors), "warnings": shown(self.warnings)}


class Rebuilder:
    """Runs the build pipeline with a shared cache, one build at a time."""

    def __init__(self, project: Path, base_url: str, strict: bool, state: State, log: Callable[[str], None]):
        self.project, self.base_url, self.strict = project, base_url, strict
        self.state, self.log = state, log
        self.cache = Cache.server()
        self.indexer = Indexer(state, self.cache, log)  # only it touches cache.search

    def run(self, changed: set[str] | None = None) -> None:
        """Build once. The first build, before any thread of the server starts, parses and renders
        on every core (forking is safe only then); edits touch few files and pages anyway."""
        started = time.perf_counter()
        what = ", ".join(sorted(changed)[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "") if changed else "initial build"
        what = shown(what)  # file names go into rich markup
        assert self.cache.memo is not None
        self.cache.memo.note_edits(changed)  # the next read looks at these files alone, while its last walk holds
        try:
            with self.indexer.held():
                result = build(self.project, None, base_url=self.base_url, strict=self.strict, cache=self.cache,
                               index_search=False, parallel=changed is None and threading.active_count() == 1)
        except BuildFailed as exc:
            self.state.publish(None, list(exc.diagnostics))
            errors = [d for d in exc.diagnostics if d.severity == "error"]
            serving = ("still serving the last good site" if self.state.files else
                       "serving the errors until a build succeeds")
            self.log(f"[red]✗[/] {what}: build failed with {len(errors)} error(s); {serving}")
            for d in exc.diagnostics:
                self.log(f"    {shown(d)}")
            return
        except BriefgenError as exc:
            self.state.publish(None, [Diagnostic("error", "build", str(exc))])
            self.log(f"[red]✗[/] {what}: {shown(exc)}")
            return
        except Exception as exc:  # a bug must not stop the server: report it like any other problem
            self.state.publish(None, [Diagnostic("error", "internal", f"{type(exc).__name__}: {exc}", hint="please report this bug")])
            self.log(f"[red]✗[/] {what}: internal error {type(exc).__name__}: {shown(exc)}")
            return
        self.state.publish(result.files, [], result.warnings)  # (--strict: warnings failed the build above)
        if changed is None:
            # What the first build made (the parsed sources, the model, every page) lives as long
            # as the server. Left to the cyclic collector, each later build's end would set off a
            # full pass over millions of objects: a second's pause just as the browser reloads.
            # Frozen, they are out of its reach; the garbage cycles among them that later builds
            # make (a replaced Jinja environment) then stay, once, instead of being collected.
            gc.freeze()
        ms = (time.perf_counter() - started) * 1000
        self.log(f"[green]✓[/] {what}: {result.rendered} page(s) re-rendered of {sum(result.pages.values())}, "
                 f"{len(result.warnings)} warning(s), {ms:.0f} ms")
        for line in dict.fromkeys(str(d) for d in result.warnings):  # each distinct warning once
            self.log(f"    [yellow]{shown(line)}[/]")
        if result.briefing is not None and result.briefing.config.search:
            self.indexer.submit(result)


AFTER_BUILD = 0.25
"""Seconds the search index waits after a build before it starts: the browsers reload the pages
meanwhile, and the index's start (records made, Pagefind forked: a tenth of a second of the
interpreter at 10,000 articles) would hold up the pages' requests."""


class Indexer:
    """Rebuilds the search index in the background after each build, latest build first.

    Pages reload as soon as they are rendered; the index (same stage as a build, same cache)
    follows, and an index for a site that has meanwhile been rebuilt is dropped. A build has the
    interpreter to itself (``held``): the indexer starts no index while one runs and, between
    records, waits for it to end (``pause``); Pagefind's own process goes on at a lower priority.
    (Making records and messages beside a build made a one-page rebuild at 10,000 articles take
    2 to 3 s instead of 1.3.)
    """

    def __init__(self, state: State, cache: Cache, log: Callable[[str], None]):
        self.state, self.cache, self.log = state, cache, log
        self.latest = None
        self.cond = threading.Condition()
        self.thread: threading.Thread | None = None  # started with the first index: the first build may fork
        self.building = 0
        """How many ``held`` blocks are running."""
        self.submitted = 0.0
        """When the latest build was handed in (time.monotonic): its index starts AFTER_BUILD later."""

    def submit(self, result) -> None:
        if self.thread is None:
            self.thread = threading.Thread(target=self.loop, name="briefgen-search", daemon=True)
            self.thread.start()
        with self.cond:
            self.latest, self.submitted = result, time.monotonic()
            self.cond.notify()

    @contextlib.contextmanager
    def held(self):
        """While the block runs (a build), the indexer's thread waits (``pause``)."""
        with self.cond:
            self.building += 1
        try:
            yield
        finally:
            with self.cond:
                self.building -= 1
                self.cond.notify_all()

    def pause(self) -> None:
        """Called by the index in the making between records: wait while a build runs, and let
        the other threads have the interpreter. (Without ``time.sleep(0)`` the indexer's first
        minute at 10,000 articles, making every record, held a waiting thread off for up to 5 ms
        at each turn, Python's switch interval: the watcher's batch and the reloaded page came
        0.2 to 0.3 s late.)"""
        time.sleep(0)
        if self.building:  # (read without the lock: a build that just began is waited for next time)
            with self.cond:
                while self.building:
                    self.cond.wait()

    def loop(self) -> None:
        while True:
            with self.cond:
                while self.latest is None or self.building or time.monotonic() < self.submitted + AFTER_BUILD:
                    self.cond.wait(None if self.latest is None or self.building
                                   else self.submitted + AFTER_BUILD - time.monotonic())
                result, self.latest = self.latest, None
            if self.state.files is not result.files:
                continue
            try:
                index = search_index(result.briefing, self.cache, behind=True, pause=self.pause)
            except BuildFailed as exc:
                self.log(f"[yellow]search index not updated:[/] {shown(exc.diagnostics[0])}")
                continue
            except Exception as exc:  # never let the indexer thread die
                self.log(f"[yellow]search index not updated:[/] {shown(f'{type(exc).__name__}: {exc}')}")
                continue
            with self.state.cond:
                if self.state.files is result.files:
                    self.state.files = {**result.files, **index}


def resolve_path(files: Mapping[str, bytes], raw_path: str) -> tuple[str, str | None]:
    """Map a request path to (status, file key or redirect target). Only built files are served."""
    path = unquote(urlsplit(raw_path).path)
    if "\x00" in path or "\\" in path or not path.startswith("/"):
        return "bad", None
    parts = path.split("/")[1:]
    if any(p in ("..", ".") or (p.startswith(".") and p not in (".nojekyll", ".well-known")) for p in parts):
        return "forbidden", None
    rel = "/".join(parts)
    if rel == "" or rel.endswith("/"):
        key = rel + "index.html"
        return ("ok", key) if key in files else ("missing", None)
    if rel in files:
        return "ok", rel
    if rel + "/index.html" in files:
        return "redirect", path + "/"
    return "missing", None


def make_handler(state: State, allowed_host: Callable[[str], bool]) -> type[BaseHTTPRequestHandler]:
    reload_js = resources.files("briefgen").joinpath("livereload.js").read_bytes()
    overlay_css = resources.files("briefgen").joinpath("overlay.css").read_bytes()
    worker_js = resources.files("briefgen").joinpath("liveworker.js").read_bytes()

    class Handler(BaseHTTPRequestHandler):
        server_version = "briefgen"
        sys_version = ""
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args) -> None:  # requests are not worth a terminal line
            pass

        def do_HEAD(self) -> None:
            self.do_GET(head=True)

        def do_GET(self, head: bool = False) -> None:
            hosts = self.headers.get_all("Host") or []
            if len(hosts) != 1 or not self.path.startswith("/"):  # RFC 9112: one Host; origin-form targets only
                return self.send_text(HTTPStatus.BAD_REQUEST, "Bad request")
            if not allowed_host(hosts[0].strip()):
                return self.send_text(HTTPStatus.FORBIDDEN, "Host not allowed (DNS rebinding protection)")
            if sum(len(k) + len(v) for k, v in self.headers.items()) > MAX_HEADER:
                return self.send_text(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Headers too large")
            path = self.path
            if path == EVENTS:
                return self.events()
            if path == RELOAD_JS:
                return self.send_bytes(HTTPStatus.OK, reload_js, "text/javascript; charset=utf-8", head)
            if path == OVERLAY_CSS:
                return self.send_bytes(HTTPStatus.OK, overlay_css, "text/css; charset=utf-8", head)
            if path == WORKER_JS:
                return self.send_bytes(HTTPStatus.OK, worker_js, "text/javascript; charset=utf-8", head)
            with state.cond:  # the files and the epoch of the same build
                files, self.epoch = state.files, state.epoch
            status, key = resolve_path(files, path)
            if status == "ok" and key is not None:
                return self.send_file(HTTPStatus.OK, key, files[key], head)
            if status == "redirect" and key is not None:
                self.send_response(HTTPStatus.MOVED_PERMANENTLY)
                self.send_header("Location", key)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if status == "missing" and "404.html" in files:
                return self.send_file(HTTPStatus.NOT_FOUND, "404.html", files["404.html"], head)
            if status == "missing" and not files:
                page = b"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>Build failed</title></head><body><h1>The site has not built yet</h1></body></html>"
                return self.send_file(HTTPStatus.SERVICE_UNAVAILABLE, "error.html", page, head)
            code = {"bad": HTTPStatus.BAD_REQUEST, "forbidden": HTTPStatus.FORBIDDEN}.get(status, HTTPStatus.NOT_FOUND)
            return self.send_text(code, code.phrase)

        def send_file(self, status: HTTPStatus, key: str, body: bytes, head: bool) -> None:
            kind = mimetypes.guess_type(key)[0] or "application/octet-stream"
            if kind == "text/html":
                tag = f'<script src="{RELOAD_JS}" data-epoch="{self.epoch}"></script>'.encode()
                at = body.rfind(b"</body>")
                body = body[:at] + tag + body[at:] if at >= 0 else body + tag
            if kind.startswith("text/") or kind in ("application/javascript", "application/xml", "application/json"):
                kind += "; charset=utf-8"
            self.send_bytes(status, body, kind, head)

        def send_bytes(self, status: HTTPStatus, body: bytes, kind: str, head: bool = False) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            if not head:
                self.wfile.write(body)

        def send_text(self, status: HTTPStatus, text: str) -> None:
            self.send_bytes(status, (text + "\n").encode(), "text/plain; charset=utf-8")

        def events(self) -> None:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "keep-alive")
            self.end_headers()
            self.close_connection = True
            seen = -1
            try:
                while not getattr(self.server, "stopping", False):
                    with state.cond:
                        if state.epoch == seen:
                            state.cond.wait(timeout=10)
                        snapshot = state.snapshot()
                    if snapshot["epoch"] != seen:
                        seen = snapshot["epoch"]
                        self.wfile.write(f"event: state\ndata: {json.dumps(snapshot)}\n\n".encode())
                    else:
                        self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError, OSError):
                return

    return Handler


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256
    stopping = False

    def handle_error(self, request, client_address) -> None:
        """A browser closing a connection mid-response is normal, not worth a traceback."""
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


def bind(host: str, port: int, handler: type[BaseHTTPRequestHandler], tries: int = 10) -> tuple[Server, list[int]]:
    """Bind to ``port`` or the next free one; return the server and the ports that were busy."""
    busy: list[int] = []
    for candidate in range(port, port + tries):
        try:
            if ":" in host:
                Server.address_family = socket.AF_INET6
            return Server((host, candidate), handler), busy
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise BriefgenError(f"cannot listen on {host}:{candidate}: {exc.strerror}") from None
            busy.append(candidate)
    raise BriefgenError(f"ports {port}-{port + tries - 1} on {host} are all in use; pass --port with a free one")


def serve(project: Path, host: str, port: int, strict: bool, log: Callable[[str], None],
          ready: Callable[[str], None] | None = None) -> None:
    """Serve until interrupted. Raises BriefgenError for problems the user must fix first."""
    if not project.is_dir():
        raise BriefgenError(f"{project} is not a folder")
    state = State()
    server, busy = bind(host, port, make_handler(state, host_check(host)))
    actual = server.server_address[1]
    url_host = f"[{host}]" if ":" in host else host
    base_url = f"http://{url_host}:{actual}/"
    if busy:
        log(f"[yellow]Port {', '.join(map(str, busy))} in use; using {actual} instead.[/]")
    if not is_loopback(host):
        log(f"[yellow]Warning: listening on {shown(host)}, so the site is reachable from the network, by anyone "
            "who can reach this machine, and the dev server has no authentication. Use --host 127.0.0.1 "
            "to keep it on this machine.[/]")
    rebuilder = Rebuilder(project, base_url, strict, state, log)
    swept = stamps.inputs(project)
    rebuilder.run()
    changes = Changes()
    stop = threading.Event()
    observer: BaseObserver = watch(project, changes, ignore=[project / "site"])  # (its threads: after the forks)
    for rel in stamps.edited_since(swept, stamps.inputs(project)):  # edits made while the first build ran
        changes.add(rel)

    def loop() -> None:
        while not stop.is_set():
            changed = changes.wait(stop)
            if changed:
                rebuilder.run(changed)

    worker = threading.Thread(target=loop, name="briefgen-rebuild", daemon=True)
    worker.start()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()
    log(f"Serving [bold]{shown(project)}[/] at [bold]{shown(base_url)}[/] (Ctrl-C to stop); watching content/, templates/, static/ and briefgen.yaml")
    if ready:
        ready(base_url)
    try:
        while thread.is_alive():
            thread.join(0.5)
    finally:
        stop.set()
        changes.wake()
        server.stopping = True
        with state.cond:
            state.cond.notify_all()
        server.shutdown()
        server.server_close()
        observer.stop()
        log("Stopped.")
