"""HTTPS and WSS on the HTTP port (http_tls_cert / http_tls_key): a client
chats over TLS, only TLS 1.2+ is offered, and SIGHUP swaps the certificate
for new connections while open ones keep working."""
import hashlib
import shutil
import signal
import socket
import ssl
import subprocess
import time

import pytest
import websockets

from chatclient import Client, group_with, new_account
from harness import Node, chatnode_binary
from ws_client import WSClient, get_ticket, run


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _make_ca(d):
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
             "-out", "ca.crt", "-days", "2", "-subj", "/CN=chat test CA", cwd=d)


def _make_leaf(d, name):
    """A certificate for 127.0.0.1 signed by the test CA: <name>.crt / <name>.key."""
    (d / "san.ext").write_text("subjectAltName = IP:127.0.0.1\n")
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key",
             "-out", f"{name}.csr", "-subj", f"/CN={name}", cwd=d)
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", f"{name}.crt", "-days", "2", "-extfile", "san.ext",
             cwd=d)


def _fingerprint(der):
    return hashlib.sha256(der).hexdigest()


@pytest.fixture(scope="module")
def test_pki(tmp_path_factory):
    """A test CA and two leaves for 127.0.0.1, `first` and `second`."""
    d = tmp_path_factory.mktemp("pki")
    _make_ca(d)
    _make_leaf(d, "first")
    _make_leaf(d, "second")
    return d


@pytest.fixture
def tls_node(tmp_path, test_pki):
    """A one-node cluster serving https/wss with the leaf `first`."""
    certs = tmp_path / "tls"
    shutil.copytree(test_pki, certs)
    for ext in ("crt", "key"):   # the node reads server.crt/.key; tests swap them
        (certs / f"server.{ext}").write_bytes((certs / f"first.{ext}").read_bytes())
    ctx = ssl.create_default_context(cafile=str(certs / "ca.crt"))
    n = Node(chatnode_binary(), tmp_path,
             extra_cluster="http_tls_cert = tls/server.crt\nhttp_tls_key = tls/server.key\n")
    n.api = Client("127.0.0.1", n.http_port, ssl_context=ctx)
    n.start()
    n.certs = certs
    n.ssl_context = ctx
    yield n
    n.stop_clean()


def _served_fingerprint(node):
    with socket.create_connection(("127.0.0.1", node.http_port), timeout=5) as raw:
        with node.ssl_context.wrap_socket(raw, server_hostname="127.0.0.1") as s:
            return _fingerprint(s.getpeercert(binary_form=True))


def _file_fingerprint(path):
    return _fingerprint(ssl.PEM_cert_to_DER_cert(path.read_text()))


def _open_wss(node, acct):
    async def do():
        return await websockets.connect(f"wss://127.0.0.1:{node.http_port}/ws?ticket="
                                        + get_ticket(acct), ssl=node.ssl_context,
                                        max_size=None, compression=None, ping_interval=None,
                                        close_timeout=2, open_timeout=5)
    client = WSClient(run(do(), 10), name=acct.username)
    assert client.next().get("type") == "hello"
    return client


def _chat(sender, receiver_ws, conv, text):
    ack = sender.request("send", conv=conv, text=text)
    assert ack.get("type") == "sent", ack
    for c in (receiver_ws, sender):     # every member connection, the sender's included
        got = c.next(lambda f: f.get("type") == "message" and f.get("text") == text)
        assert got["conv"] == conv


def test_client_logs_in_over_https_and_chats_over_wss(tls_node):
    alice, bob = new_account(tls_node.api), new_account(tls_node.api)
    conv = group_with(alice, bob)
    a, b = _open_wss(tls_node, alice), _open_wss(tls_node, bob)
    try:
        assert a.ws.transport.get_extra_info("ssl_object") is not None
        _chat(a, b, conv, "hello over wss")
        # A burst: frames spanning TLS records, several frames per write.
        texts = [f"{i:03d}" + "x" * 4000 for i in range(40)]
        b.emit_many([{"type": "send", "conv": conv, "text": t} for t in texts])
        for t in texts:
            got = a.next(lambda f: f.get("type") == "message" and f.get("conv") == conv)
            assert got["text"] == t
    finally:
        a.close()
        b.close()


def test_plain_http_on_the_tls_port_gets_no_answer_and_the_node_serves_on(tls_node):
    with socket.create_connection(("127.0.0.1", tls_node.http_port), timeout=5) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert b"HTTP/1.1 200" not in s.recv(4096)
    assert tls_node.call("GET", "/healthz").status == 200


@pytest.mark.parametrize("version,accepted", [("-tls1_1", False), ("-tls1_2", True),
                                              ("-tls1_3", True)])
def test_only_tls_1_2_and_later_are_offered(tls_node, version, accepted):
    # SECLEVEL=0 lets this client offer TLS 1.1 at all: the refusal is the server's.
    r = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{tls_node.http_port}",
                        version, "-cipher", "DEFAULT@SECLEVEL=0",
                        "-CAfile", str(tls_node.certs / "ca.crt")],
                       input=b"", capture_output=True, timeout=10)
    assert (r.returncode == 0) == accepted, r.stdout[-400:] + r.stderr[-400:]


def _wait_for_fingerprint(node, expected, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        seen = _served_fingerprint(node)
        if seen == expected or time.monotonic() > deadline:
            return seen
        time.sleep(0.05)


def test_sighup_renews_the_certificate_for_new_connections_only(tls_node):
    certs = tls_node.certs
    first, second = _file_fingerprint(certs / "first.crt"), _file_fingerprint(certs / "second.crt")
    assert _served_fingerprint(tls_node) == first

    alice, bob = new_account(tls_node.api), new_account(tls_node.api)
    conv = group_with(alice, bob)
    a, b = _open_wss(tls_node, alice), _open_wss(tls_node, bob)
    try:
        for ext in ("crt", "key"):
            (certs / f"server.{ext}").write_bytes((certs / f"second.{ext}").read_bytes())
        tls_node.proc.send_signal(signal.SIGHUP)
        assert _wait_for_fingerprint(tls_node, second) == second
        _chat(a, b, conv, "still here after the renewal")   # old connections keep working
        assert _fingerprint(a.ws.transport.get_extra_info("ssl_object")
                            .getpeercert(binary_form=True)) == first

        # A broken renewal keeps the certificate in use and says why.
        (certs / "server.crt").write_text("not a certificate\n")
        tls_node.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 5
        while "TLS reload failed" not in tls_node.log_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "TLS reload failed" in tls_node.log_text()
        assert _served_fingerprint(tls_node) == second
        assert tls_node.call("GET", "/healthz").status == 200
    finally:
        a.close()
        b.close()
