"""`briefgen serve --host 0.0.0.0` answers the devices it was opened to (raw sockets, as in
tests/test_faults.py): a phone on the LAN asks for the machine's IP address or host name.

Bound to a non-loopback address, the dev server also accepts Host headers that are IP address
literals (IPv4, bracketed IPv6, with an optional port) and the machine's host name: DNS rebinding
needs a domain name, so every other name is still refused. On 127.0.0.1 nothing changes.
"""

from __future__ import annotations

import contextlib
import re
import socket

import pytest

from serve_support import DevServer, make_project

pytestmark = pytest.mark.slow  # measured: see the slow marker in pyproject.toml


def raw_status(port: int, host: str) -> int:
    request = f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        with contextlib.suppress(socket.timeout, ConnectionResetError):
            while chunk := sock.recv(65536):
                chunks.append(chunk)
    match = re.match(rb"HTTP/1\.[01] (\d{3})", b"".join(chunks))
    assert match, chunks
    return int(match.group(1))


def own_address() -> str:
    """This machine's address on its network (no packet is sent: UDP connect only picks a route)."""
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("192.0.2.1", 9))
        return probe.getsockname()[0]
    return "192.168.1.20"


REFUSED_EVERYWHERE = ["evil.example", "evil.example:{port}", "localhost.evil.example:{port}",
                      "127.0.0.1.nip.io:{port}", "{ip}.nip.io:{port}", "evil.example@{ip}:{port}",
                      "{hostname}.evil.example:{port}", "[::1]x", "1.2.3", "[fe80::1%25eth0]:{port}"]


def fill(host: str, port: int) -> str:
    return host.format(port=port, ip=own_address(), hostname=socket.gethostname())


@pytest.fixture(scope="module")
def lan_server(tmp_path_factory):
    dev = DevServer(make_project(tmp_path_factory.mktemp("serve-lan")), 0, "--host", "0.0.0.0")
    try:
        yield dev
    finally:
        dev.stop()


@pytest.fixture(scope="module")
def local_server(tmp_path_factory):
    dev = DevServer(make_project(tmp_path_factory.mktemp("serve-local")))
    try:
        yield dev
    finally:
        dev.stop()


@pytest.mark.parametrize("host", ["{ip}:{port}", "{ip}", "192.168.1.20:{port}", "10.0.0.7", "[fe80::1]:{port}",
                                  "[2001:db8::5]", "{hostname}:{port}", "{hostname}", "localhost:{port}",
                                  "127.0.0.1:{port}", "[::1]:{port}", "0.0.0.0:{port}"])
def test_bound_to_the_network_the_server_answers_ip_addresses_and_its_host_name(lan_server, host):
    assert "reachable from the network" in lan_server.log
    assert raw_status(lan_server.port, fill(host, lan_server.port)) == 200


@pytest.mark.parametrize("host", REFUSED_EVERYWHERE)
def test_bound_to_the_network_the_server_still_refuses_other_names(lan_server, host):
    assert raw_status(lan_server.port, fill(host, lan_server.port)) == 403


@pytest.mark.parametrize("host", [*REFUSED_EVERYWHERE, "{ip}:{port}", "192.168.1.20", "[fe80::1]:{port}",
                                  "{hostname}:{port}"])
def test_on_loopback_the_server_answers_only_its_loopback_names(local_server, host):
    if host == "{hostname}:{port}" and socket.gethostname().lower() == "localhost":
        pytest.skip("this machine is called localhost")
    assert raw_status(local_server.port, fill(host, local_server.port)) == 403
    assert raw_status(local_server.port, f"[::1]:{local_server.port}") == 200
    assert raw_status(local_server.port, "localhost") == 200
