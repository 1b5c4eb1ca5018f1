"""What `briefgen serve` prints and shows of hostile input, and where it tells you it listens.

A file name, a path or a value quoted in a diagnostic may hold terminal control sequences (ESC ]
renames the terminal's window, ESC [ 2 K erases a line): the dev server's log and its browser
overlay show them as visible escapes. A --host that is not a loopback address gets a warning.
"""

from __future__ import annotations

import http.client
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve_support import MAIN_ARTICLE, DevServer, make_project  # noqa: E402

from briefgen.serve import is_loopback  # noqa: E402

pytestmark = pytest.mark.slow  # measured: see the slow marker in pyproject.toml

ESC_NAME = "\x1b]0;pwned\x07\x1b[2K"
"""Renames the terminal's window, then erases the line: what a hostile file name or value does."""


@pytest.mark.parametrize("host, loopback", [
    ("127.0.0.1", True), ("127.0.0.2", True), ("localhost", True), ("LocalHost", True), ("::1", True),
    ("[::1]", True), ("0.0.0.0", False), ("::", False), ("192.168.1.20", False), ("10.0.0.1", False),
    ("fe80::1", False), ("my-laptop.local", False),
])
def test_loopback_addresses_are_told_from_the_rest(host, loopback):
    assert is_loopback(host) is loopback


def test_a_network_address_is_warned_about(tmp_path: Path):
    srv = DevServer(make_project(tmp_path), 0, "--host", "0.0.0.0")
    try:
        warning = srv.wait_for(r"Warning: listening on 0\.0\.0\.0").string
        assert "reachable from the network" in warning and "no authentication" in warning
        assert "--host 127.0.0.1" in warning
        assert srv.get("/")[0] == 200
    finally:
        srv.stop()


def test_the_loopback_default_is_not_warned_about(tmp_path: Path):
    srv = DevServer(make_project(tmp_path))
    try:
        srv.wait_builds(1)
        assert "Warning" not in srv.log and "reachable from the network" not in srv.log
    finally:
        srv.stop()


def _first_state(port: int) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.request("GET", "/__briefgen/events")
        resp = conn.getresponse()
        while True:
            line = resp.fp.readline().decode("utf-8")
            if line.startswith("data: "):
                return json.loads(line[len("data: "):])
    finally:
        conn.close()


def test_control_characters_in_names_and_values_are_escaped_in_the_log_and_overlay(tmp_path: Path):
    project = make_project(tmp_path)
    srv = DevServer(project)
    try:
        srv.wait_builds(1)
        sidecar = project / f"content/articles/{MAIN_ARTICLE}.yaml"
        text = sidecar.read_text(encoding="utf-8")
        assert "    by: g7\n" in text
        sidecar.write_text(text.replace("    by: g7\n", '    by: "g7\\e]0;pwned\\a"\n'), encoding="utf-8")
        (project / "content/articles" / f"{ESC_NAME}.md").write_text("# A title\n\nSome text.\n", encoding="utf-8")
        srv.wait_for(r"✗ .*build failed")
        srv.wait_for(r"g7\\x1b\]0;pwned\\x07")
        log = srv.log
        assert "\x1b" not in log and "\x07" not in log, log
        assert "\\x1b]0;pwned\\x07\\x1b[2K" in log, log  # the file name, escaped where the log names it
        errors = _first_state(srv.port)["errors"]
        shown = json.dumps(errors)
        assert errors and "g7\\\\x1b]0;pwned\\\\x07" in shown, shown
        assert not any(ch in "".join(e["message"] + e["file"] + e["hint"] for e in errors) for ch in "\x1b\x07")
    finally:
        srv.stop()
