"""The cluster port admits only holders of the cluster secret (docs/architecture.md
"Cluster connections": CAF 0.17 lets anyone who reaches the port message
a published actor, so a peer proves it holds the secret first).

The handshake, on raw TCP before any CAF byte:
  server -> client  b"chatclu1" + server_nonce(32)
  client -> server  b"chatclu1" + client_nonce(32) + len(1) + name(len, 1..64) + mac_c(32)
  server -> client  mac_s(32), then CAF's BASP
  K     = HMAC-SHA256(key=secret, msg=b"chat:cluster")
  mac_c = HMAC-SHA256(K, b"client" + server_nonce + client_nonce + name)
  mac_s = HMAC-SHA256(K, b"server" + client_nonce + server_nonce)
A wrong or late answer (`handshake_timeout_ms`, default 2 s) closes the
connection with nothing more sent and a log line ("component":"cluster",
"rejected", the remote address; past 20 in 10 s they are only counted, see
test_cluster_port_abuse.py)."""
import hashlib
import hmac
import json
import os
import socket
import time

import pytest

from chatclient import post_message
from cluster_harness import group_owned_by, readyz, via

MAGIC = b"chatclu1"
GREETING = len(MAGIC) + 32
HANDSHAKE_TIMEOUT = 2.0
CLOSE_LIMIT = HANDSHAKE_TIMEOUT + 1.5     # a silent client is dropped by then


def cluster_key(secret):
    return hmac.new(secret, b"chat:cluster", hashlib.sha256).digest()


def client_mac(key, server_nonce, client_nonce, name):
    return hmac.new(key, b"client" + server_nonce + client_nonce + name, hashlib.sha256).digest()


def server_mac(key, server_nonce, client_nonce):
    return hmac.new(key, b"server" + client_nonce + server_nonce, hashlib.sha256).digest()


def client_hello(key, server_nonce, name=b"gate-test", client_nonce=None):
    client_nonce = client_nonce or os.urandom(32)
    mac = client_mac(key, server_nonce, client_nonce, name)
    return MAGIC + client_nonce + bytes([len(name)]) + name + mac, client_nonce


class Conn:
    """A raw TCP connection to a node's cluster port."""

    def __init__(self, node):
        self.node = node
        self.sock = socket.create_connection(("127.0.0.1", node.cluster_port), timeout=5)
        self.opened_at = time.monotonic()
        self.local_port = self.sock.getsockname()[1]

    def greeting(self):
        """The server's first 40 bytes: (magic, server nonce)."""
        data = self.read_exactly(GREETING)
        return data[:8], data[8:]

    def read_exactly(self, n, timeout=5.0):
        self.sock.settimeout(timeout)
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            assert chunk, f"connection closed after {len(data)} of {n} bytes: {data!r}"
            data += chunk
        return data

    def rest_until_closed(self, timeout):
        """Reads until the server closes (EOF or reset) or `timeout` passes:
        (bytes read, closed?, seconds since the connection was opened)."""
        data, deadline = b"", time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return data, False, time.monotonic() - self.opened_at
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(4096)
            except socket.timeout:
                continue
            except (ConnectionResetError, BrokenPipeError):
                chunk = b""
            if not chunk:
                return data, True, time.monotonic() - self.opened_at
            data += chunk

    def send(self, data):
        try:
            self.sock.sendall(data)
        except (ConnectionResetError, BrokenPipeError):
            pass        # closed already: what follows checks that

    def close(self):
        self.sock.close()


def rejection_logged(node, local_port, within=3.0):
    """The node's log line about rejecting the connection from 127.0.0.1:local_port."""
    deadline = time.monotonic() + within
    while True:
        for line in node.log_text().splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if (entry.get("component") == "cluster" and "rejected" in str(entry.get("msg", ""))
                    and "127.0.0.1" in line and str(local_port) in line):
                return entry
        if time.monotonic() > deadline:
            return None
        time.sleep(0.1)


def assert_rejected(conn, after_sending):
    """The server closes the connection without a byte after the greeting, and logs it."""
    rest, closed, took = conn.rest_until_closed(CLOSE_LIMIT)
    assert rest == b"", f"{after_sending}: the server answered {rest[:64]!r}"
    assert closed, f"{after_sending}: still open {took:.1f} s after connecting"
    entry = rejection_logged(conn.node, conn.local_port)
    assert entry, (f"{after_sending}: no cluster log line with 'rejected' and "
                   f"127.0.0.1:{conn.local_port}; {conn.node.node_id} log tail:\n"
                   + "\n".join(conn.node.log_text().splitlines()[-15:]))


def test_greeting_is_the_magic_and_a_fresh_nonce(cluster):
    nonces = []
    for n in cluster:
        for _ in range(2):
            conn = Conn(n)
            try:
                magic, nonce = conn.greeting()
            finally:
                conn.close()
            assert magic == MAGIC, (n, magic)
            nonces.append(nonce)
    assert len(set(nonces)) == len(nonces), "a server nonce was repeated"


def wrong_answers():
    """name -> function(conn, server_nonce, secret) giving the bytes to send."""
    def garbage(conn, nonce, secret):
        return b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" + os.urandom(160)

    def wrong_secret(conn, nonce, secret):
        return client_hello(cluster_key(b"not the cluster secret, though long enough"), nonce)[0]

    def wrong_magic(conn, nonce, secret):
        return b"chatclu2" + client_hello(cluster_key(secret), nonce)[0][8:]

    def flipped_mac_bit(conn, nonce, secret):
        hello = bytearray(client_hello(cluster_key(secret), nonce)[0])
        hello[-1] ^= 1
        return bytes(hello)

    def replayed_for_another_nonce(conn, nonce, secret):
        other = Conn(conn.node)
        try:
            _, other_nonce = other.greeting()
        finally:
            other.close()
        return client_hello(cluster_key(secret), other_nonce)[0]

    def empty_name(conn, nonce, secret):
        return client_hello(cluster_key(secret), nonce, name=b"")[0]

    def name_too_long(conn, nonce, secret):
        return client_hello(cluster_key(secret), nonce, name=b"x" * 65)[0]

    return {f.__name__: f for f in (garbage, wrong_secret, wrong_magic, flipped_mac_bit,
                                    replayed_for_another_nonce, empty_name, name_too_long)}


@pytest.mark.parametrize("answer", list(wrong_answers()))
def test_a_wrong_answer_is_rejected(cluster, answer):
    node = cluster[0]
    conn = Conn(node)
    try:
        magic, nonce = conn.greeting()
        assert magic == MAGIC
        conn.send(wrong_answers()[answer](conn, nonce, cluster.secret))
        assert_rejected(conn, answer)
    finally:
        conn.close()


def test_silent_and_stalled_clients_are_dropped(cluster):
    node = cluster[1]
    silent = [Conn(node) for _ in range(8)]
    stalled = Conn(node)
    try:
        for c in silent + [stalled]:
            c.greeting()
        stalled.send(MAGIC + os.urandom(20))             # half a hello, then nothing
        for c in silent + [stalled]:
            left = CLOSE_LIMIT - (time.monotonic() - c.opened_at)
            rest, closed, took = c.rest_until_closed(max(left, 0.2))
            assert rest == b"", f"the server sent {rest[:64]!r} to a client that never answered"
            assert closed, f"a client that never answered is still connected after {took:.1f} s"
        entry = rejection_logged(node, stalled.local_port)
        assert entry, "no 'rejected' log line for the stalled client"
    finally:
        for c in silent + [stalled]:
            c.close()


def test_the_right_answer_gets_the_servers_proof_then_basp(cluster):
    node = cluster[1]
    key = cluster_key(cluster.secret)
    conn = Conn(node)
    try:
        magic, server_nonce = conn.greeting()
        assert magic == MAGIC
        hello, client_nonce = client_hello(key, server_nonce)
        conn.send(hello)
        proof = conn.read_exactly(32)
        assert proof == server_mac(key, server_nonce, client_nonce), \
            "the server's MAC does not prove it holds the cluster secret"
        basp, closed, _ = conn.rest_until_closed(1.5)
        if not basp:
            basp_more, closed, _ = conn.rest_until_closed(2.0)
            basp += basp_more
        assert basp, f"no BASP bytes after the server's MAC (closed: {closed})"
    finally:
        conn.close()


def test_the_cluster_still_works_after_the_rejections(cluster, ws_open):
    n1, n2, n3 = cluster
    for n in cluster:
        assert readyz(n, all_nodes=True) == (200, []), n
    a = cluster.account(n1)
    b = cluster.account(n3)
    conv = group_owned_by(cluster, n2, a, b, title="after the gate tests")
    wa, wb = ws_open(n1, a, "a@n1"), ws_open(n3, b, "b@n3")
    resp = post_message(a, conv, "through the gate")           # via n1, owned by n2
    assert resp.status == 201, resp
    for ws in (wa, wb):
        ws.expect("message", conv=conv, seq=1, text="through the gate")
    assert via(b, n2).call("GET", f"/conversations/{conv}/messages").json["messages"][0][
        "text"] == "through the gate"
