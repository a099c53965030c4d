"""The HTTP port against hostile or careless clients: strict request framing,
the token checked before anything else, running out of descriptors,
connection caps, and logs that a flood of bad input cannot flood."""
import json
import os
import resource
import socket
import time

import pytest

from chatclient import assert_error, new_account
from harness import Node, chatnode_binary


def _raw_exchange(port, request, timeout=5.0):
    """Sends `request` on a fresh connection and reads until the server closes
    it. Returns (status, closed): closed is False if the server kept it open."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request)
        data = b""
        deadline = time.monotonic() + timeout
        closed = False
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            data += chunk
        status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1 ") else None
        return status, closed


# ------------------------------------------------------------------ framing

BODY = b'{"username":"nobody","password":"whatever1"}'


@pytest.mark.parametrize("framing", [
    b"Transfer-Encoding: xchunked\r\nContent-Length: %d\r\n" % len(BODY),
    b"Transfer-Encoding: chunked, identity\r\nContent-Length: %d\r\n" % len(BODY),
    b"Content-Length: %d\r\nTransfer-Encoding: chunked, identity\r\n" % len(BODY),
    b"Transfer-Encoding: xchunked\r\n",
    b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
    b"Transfer-Encoding: chunked\r\nContent-Length: %d\r\n" % len(BODY),
    b"Content-Length: %d\r\nContent-Length: %d\r\n" % (len(BODY), len(BODY) + 1),
], ids=["xchunked+length", "chunked,identity+length", "length+chunked,identity",
        "xchunked", "chunked twice", "chunked+length", "two lengths"])
def test_ambiguous_framing_is_400_and_the_connection_is_closed(node, framing):
    # Each request stays open (keep-alive, no Connection: close): the server
    # must close it itself.
    request = (b"POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               + framing + b"\r\n" + BODY)
    status, closed = _raw_exchange(node.http_port, request)
    assert status == 400
    assert closed


def test_equal_repeated_content_lengths_are_accepted(node):
    request = (b"POST /auth/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
               b"Content-Length: %d\r\nContent-Length: %d\r\n\r\n" % (len(BODY), len(BODY))
               + BODY)
    status, _ = _raw_exchange(node.http_port, request)
    assert status == 401       # read as one login (unknown user), not refused


def test_plain_chunked_body_is_accepted(node):
    chunk = b"%x\r\n%s\r\n0\r\n\r\n" % (len(BODY), BODY)
    request = (b"POST /auth/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
               b"Transfer-Encoding: chunked\r\n\r\n" + chunk)
    status, _ = _raw_exchange(node.http_port, request)
    assert status == 401


# ------------------------------------------------------------------ token first

@pytest.mark.parametrize("method,path", [
    ("GET", "/users/%zz"),
    ("GET", "/conversations/c_x%G1/messages"),
    ("GET", "/conversations/c_x/messages?limit=%zz"),
    ("GET", "/users?username=%"),
    ("POST", "/invitations/%zz/accept"),
])
@pytest.mark.parametrize("token", [None, "garbage", "a.b.c"])
def test_malformed_escapes_on_authenticated_routes_are_401_without_a_valid_token(
        node, method, path, token):
    resp = node.call(method, path, {} if method == "POST" else None, token=token)
    assert_error(resp, 401, "unauthorized")


@pytest.mark.parametrize("method,path", [
    ("GET", "/users/%zz"),
    ("GET", "/conversations/c_x/messages?limit=%zz"),
    ("POST", "/invitations/%zz/accept"),
])
def test_malformed_escapes_are_400_once_the_token_is_good(node, method, path):
    acct = new_account(node.api)
    assert_error(acct.call(method, path, {} if method == "POST" else None), 400, "bad_request")


@pytest.mark.parametrize("method,path,body", [
    ("POST", "/conversations", b"{not json"),
    ("POST", "/conversations", b'{"title": 5}'),
    ("GET", "/conversations/c_x/messages?limit=0", None),
    ("GET", "/users", None),
])
def test_bad_bodies_and_queries_are_401_without_a_token(node, method, path, body):
    assert_error(node.call(method, path, raw_body=body), 401, "unauthorized")


def test_malformed_escape_on_a_public_route_is_still_400(node):
    assert_error(node.call("GET", "/readyz?all=%zz"), 400, "bad_request")


# ------------------------------------------------------------------ log flood

def test_a_flood_of_bad_requests_writes_few_log_lines(node_factory):
    node = node_factory()
    before = node.log_text().count('"bad request"')
    for i in range(200):
        status, _ = _raw_exchange(node.http_port, b"\x00garbage %d\r\n\r\n" % i)
        assert status == 400
    time.sleep(0.2)   # let the last lines reach the file
    lines = node.log_text().count('"bad request"') - before
    assert 1 <= lines <= 20, lines
    assert node.call("GET", "/healthz").status == 200


# ------------------------------------------------------------------ connection caps

def _is_served(port, timeout=3.0):
    """True if a new connection gets an answer to GET /healthz, False if the
    server closes it without one."""
    status, _ = _raw_exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close"
                                    b"\r\n\r\n", timeout)
    return status == 200


def _hold(port, n):
    """n idle connections, each known to be accepted (it answered once)."""
    held = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert s.recv(4096).startswith(b"HTTP/1.1 200")
        held.append(s)
    return held


def _eventually(pred, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.parametrize("config", [
    "http_max_connections_per_address = 3\nhttp_cap_loopback = true\n",
    "http_max_connections = 3\n",
], ids=["per address", "per node"])
def test_connections_over_the_cap_are_closed_at_once(node_factory, config):
    n = node_factory(extra_cluster=config)
    held = _hold(n.http_port, 3)
    try:
        assert not _is_served(n.http_port)
        metrics = None
        held.pop().close()               # a freed place is usable again
        assert _eventually(lambda: _is_served(n.http_port))
        for s in held:
            s.close()
        assert _eventually(lambda: _is_served(n.http_port))
        metrics = n.call("GET", "/metrics").raw.decode()
        assert "chat_http_connections_refused_total" in metrics
    finally:
        for s in held:
            s.close()


def test_loopback_is_exempt_from_the_per_address_cap_by_default(node_factory):
    n = node_factory(extra_cluster="http_max_connections_per_address = 2\n")
    held = _hold(n.http_port, 4)
    try:
        assert _is_served(n.http_port)
    finally:
        for s in held:
            s.close()


# ------------------------------------------------------------------ out of descriptors

FD_LIMIT = 256


def _cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_out_of_descriptors_the_node_backs_off_and_serves_again(tmp_path):
    def low_fd_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (FD_LIMIT, FD_LIMIT))

    # No connection cap: the descriptors themselves must run out.
    n = Node(chatnode_binary(), tmp_path, extra_cluster="http_max_connections = 100000\n")
    n.preexec_fn = low_fd_limit
    n.start()
    held = []
    try:
        for _ in range(FD_LIMIT + 50):   # more than the node can accept
            held.append(socket.create_connection(("127.0.0.1", n.http_port), timeout=5))
        assert _eventually(lambda: "accept failed" in n.log_text())
        log_before = n.log_text().count('"accept failed"')
        cpu_before, t0 = _cpu_seconds(n.proc.pid), time.monotonic()
        time.sleep(2.0)
        cpu = (_cpu_seconds(n.proc.pid) - cpu_before) / (time.monotonic() - t0)
        assert cpu < 0.2, f"{cpu:.0%} of a core while out of descriptors"
        assert n.log_text().count('"accept failed"') - log_before <= 2
    finally:
        for s in held:
            s.close()
    assert _eventually(lambda: n.call("GET", "/healthz").status == 200, timeout=10)
    n.stop_clean()


# ------------------------------------------------------------------ descriptor limit at start

def _log_lines(node, msg_prefix):
    out = []
    for line in node.log_text().splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("msg", "").startswith(msg_prefix):
            out.append(entry)
    return out


def _soft_nofile(pid):
    for line in open(f"/proc/{pid}/limits"):
        if line.startswith("Max open files"):
            return int(line.split()[3])
    raise AssertionError("no 'Max open files' line")


def test_node_raises_its_soft_descriptor_limit_to_the_hard_one_and_logs_it(tmp_path):
    def low_soft_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (128, 512))

    n = Node(chatnode_binary(), tmp_path)
    n.preexec_fn = low_soft_limit
    n.start()
    try:
        assert _soft_nofile(n.proc.pid) == 512
        lines = _log_lines(n, "descriptor limit")
        assert len(lines) == 1 and lines[0]["level"] == "info", lines
        assert lines[0]["nofile"] == 512 and lines[0]["hard"] == 512
        assert 0 < lines[0]["max_connections"] < 512   # derived from the limit
    finally:
        n.stop_clean()


def test_node_warns_when_its_descriptor_limit_cannot_hold_http_max_connections(tmp_path):
    def low_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))

    n = Node(chatnode_binary(), tmp_path, extra_cluster="http_max_connections = 100000\n")
    n.preexec_fn = low_limit
    n.start()
    try:
        lines = _log_lines(n, "descriptor limit below")
        assert len(lines) == 1, n.log_text()[-2000:]
        w = lines[0]
        assert w["level"] == "warn"
        assert w["nofile"] == 256 and w["http_max_connections"] == 100000
        assert w["needed"] > 100000
        assert "A million connections" in w["msg"]
        assert n.call("GET", "/healthz").status == 200   # a warning, not a refusal
    finally:
        n.stop_clean()
