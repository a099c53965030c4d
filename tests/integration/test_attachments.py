"""Attachments (docs/protocol.md "Attachments"): a member uploads a file into
a conversation on one node and any member downloads it, byte for byte, on
any other node; ranges, sizes and permissions as documented."""
import json
import os
import re
import socket
import time
import urllib.parse

import pytest

from chatclient import accept_invitation_to, create_conversation, invite, new_account
from cluster_harness import group_owned_by, via
from test_http_tls import test_pki  # noqa: F401 - the CA fixture, shared

MAX_BYTES = 10 * 1024 * 1024     # attachment_max_bytes default
CHUNK = 256 * 1024               # stored chunk size: pick sizes across its edges


def upload(acct, conv, data, name="report.pdf", content_type="application/pdf", **headers):
    hdrs = {"Content-Type": content_type}
    hdrs.update(headers)
    q = "?name=" + urllib.parse.quote(name) if name is not None else ""
    return acct.call("POST", f"/conversations/{conv}/attachments{q}", raw_body=data,
                     headers=hdrs)


def announce_upload(acct, conv, length):
    """Sends only the headers of an upload of `length` bytes; (status, body)."""
    with socket.create_connection((acct.api.host, acct.api.port), timeout=10) as s:
        s.sendall((f"POST /conversations/{conv}/attachments HTTP/1.1\r\nHost: x\r\n"
                   f"Authorization: Bearer {acct.token}\r\nContent-Length: {length}\r\n"
                   "Expect: 100-continue\r\n\r\n").encode())
        data = b""
        while b"\r\n\r\n" not in data:
            data += s.recv(65536)
        head, _, body = data.partition(b"\r\n\r\n")
        length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
        while len(body) < length:
            body += s.recv(65536)
        return int(head.split()[1]), body


def download(acct, conv, att, **headers):
    return acct.call("GET", f"/conversations/{conv}/attachments/{att}", headers=headers)


@pytest.fixture(scope="module")
def room(cluster):
    """A group conversation with two members (homed anywhere) and an outsider,
    and a file of 3 chunks and a bit uploaded through n1."""
    n1, n2, n3 = cluster
    alice = cluster.account(n1)
    bob = via(cluster.account(n1), n2)
    eve = via(cluster.account(n1), n3)
    conv = create_conversation(alice, "files")["id"]
    invite(alice, conv, bob)
    accept_invitation_to(bob, conv)
    data = os.urandom(3 * CHUNK + 12345)
    r = upload(alice, conv, data)
    assert r.status == 201, r
    return {"alice": alice, "bob": bob, "eve": eve, "conv": conv, "data": data,
            "att": r.json, "cluster": cluster}


def test_upload_answers_the_attachment(room):
    att = room["att"]
    assert att["id"].startswith("a_") and len(att["id"]) == 26
    assert att["size"] == len(room["data"])
    assert att["content_type"] == "application/pdf"
    assert att["name"] == "report.pdf"
    assert att["conv"] == room["conv"]
    assert att["uploader"] == room["alice"].id


def test_member_downloads_it_byte_exact_on_every_node(room):
    for node in room["cluster"]:
        r = download(via(room["bob"], node), room["conv"], room["att"]["id"])
        assert r.status == 200, (node, r)
        assert r.raw == room["data"], node
        assert r.headers.get("Content-Type") == "application/pdf"
        assert r.headers.get("Content-Length") == str(len(room["data"]))
        assert r.headers.get("Accept-Ranges") == "bytes"
        assert r.headers.get("Content-Disposition").startswith('attachment; filename="report.pdf"')


def test_range_requests(room):
    data, bob, conv, att = room["data"], room["bob"], room["conv"], room["att"]["id"]
    size = len(data)
    # Across a chunk boundary.
    a, b = CHUNK - 10, CHUNK + 20
    r = download(bob, conv, att, Range=f"bytes={a}-{b}")
    assert r.status == 206, r
    assert r.raw == data[a:b + 1]
    assert r.headers.get("Content-Range") == f"bytes {a}-{b}/{size}"
    assert r.headers.get("Content-Length") == str(b - a + 1)
    # Open-ended and suffix ranges.
    r = download(bob, conv, att, Range=f"bytes={size - 100}-")
    assert r.status == 206 and r.raw == data[-100:]
    r = download(bob, conv, att, Range="bytes=-5")
    assert r.status == 206 and r.raw == data[-5:]
    assert r.headers.get("Content-Range") == f"bytes {size - 5}-{size - 1}/{size}"
    # Past the end: 416 with the size.
    r = download(bob, conv, att, Range=f"bytes={size}-")
    assert r.status == 416, r
    assert r.json["error"]["code"] == "range_not_satisfiable"
    assert r.headers.get("Content-Range") == f"bytes */{size}"
    # Several ranges are not served as multipart: the whole file.
    r = download(bob, conv, att, Range="bytes=0-1,5-6")
    assert r.status == 200 and r.raw == data


def test_non_member_is_refused(room):
    r = download(room["eve"], room["conv"], room["att"]["id"])
    assert r.status == 403, r
    assert r.json["error"]["code"] == "forbidden"
    r = upload(room["eve"], room["conv"], b"hello")
    assert r.status == 403, r


def test_attachment_of_another_conversation_is_not_found(room):
    other = create_conversation(room["alice"], "elsewhere")["id"]
    r = download(room["alice"], other, room["att"]["id"])
    assert r.status == 404, r
    assert r.json["error"]["code"] == "not_found"
    r = download(room["alice"], room["conv"], "a_0000aaaaaaaaaaaaaaaaaaaa")
    assert r.status == 404, r
    for bad in ("nonsense", room["conv"], room["att"]["id"] + "x"):
        r = download(room["alice"], room["conv"], bad)
        assert r.status == 404 and r.json["error"]["code"] == "not_found", (bad, r)


def test_unauthenticated_is_401(room):
    api = room["alice"].api
    r = api.call("GET", f"/conversations/{room['conv']}/attachments/{room['att']['id']}")
    assert r.status == 401, r
    r = api.call("POST", f"/conversations/{room['conv']}/attachments", raw_body=b"x")
    assert r.status == 401, r
    r = api.call("POST", f"/conversations/{room['conv']}/attachments", raw_body=b"x",
                 token="not-a-token")
    assert r.status == 401, r


def test_oversize_is_413_and_the_limit_is_exact(room):
    alice, conv = room["alice"], room["conv"]
    # Refused from the Content-Length alone, before any body byte is sent
    # (what curl's `Expect: 100-continue` relies on).
    status, body = announce_upload(alice, conv, MAX_BYTES + 1)
    assert status == 413, body
    assert json.loads(body)["error"]["code"] == "payload_too_large"
    # Exactly the limit is accepted; other routes keep the small limit.
    data = os.urandom(MAX_BYTES)
    r = upload(alice, conv, data, name="big.bin", content_type="application/octet-stream")
    assert r.status == 201, r
    r2 = download(via(room["bob"], room["cluster"][2]), conv, r.json["id"])
    assert r2.status == 200 and r2.raw == data
    r = alice.call("POST", f"/conversations/{conv}/messages", raw_body=b"x" * (2 << 20))
    assert r.status == 413, r


def test_name_and_type_are_sanitised(room):
    alice, conv = room["alice"], room["conv"]
    r = upload(alice, conv, b"<svg/>", name='../../etc/"pass\nwd".svg',
               content_type="image/svg+xml; charset=utf-8")
    assert r.status == 201, r
    assert r.json["name"] == "pass_wd_.svg"  # leading quote dropped, others replaced
    assert r.json["content_type"] == "image/svg+xml"
    d = download(alice, conv, r.json["id"])
    # SVG can carry script: never inline, never sniffed, sandboxed.
    assert d.headers.get("Content-Disposition").startswith("attachment;")
    assert d.headers.get("X-Content-Type-Options") == "nosniff"
    # No name and a bogus type: defaults.
    r = upload(alice, conv, b"abc", name=None, content_type="not a type")
    assert r.status == 201 and r.json["name"] == "file"
    assert r.json["content_type"] == "application/octet-stream"
    # The header is a second way to name it; an image is shown inline.
    r = upload(alice, conv, b"\x89PNG", name=None, content_type="image/png",
               **{"X-Filename": "cat.png"})
    assert r.status == 201 and r.json["name"] == "cat.png"
    d = download(alice, conv, r.json["id"])
    assert d.headers.get("Content-Disposition").startswith('inline; filename="cat.png"')


def test_empty_file(room):
    r = upload(room["alice"], room["conv"], b"", name="empty.txt", content_type="text/plain")
    assert r.status == 201 and r.json["size"] == 0
    d = download(room["bob"], room["conv"], r.json["id"])
    assert d.status == 200 and d.raw == b"" and d.headers.get("Content-Length") == "0"
    d = download(room["bob"], room["conv"], r.json["id"], Range="bytes=0-")
    assert d.status == 416


def test_limits_follow_the_config(node_factory):
    """A node with a small attachment_max_bytes and post budget: the upload
    limit is that key, and uploads count against the session's post budget."""
    node = node_factory(extra_cluster="attachment_max_bytes = 1000\nrate_burst = 3\nrate_per_second = 1\n")
    alice = new_account(node.api)
    conv = create_conversation(alice, "small")["id"]
    r = upload(alice, conv, b"x" * 1001)
    assert r.status == 413, r
    assert r.json["error"]["code"] == "payload_too_large"
    statuses = [upload(alice, conv, b"x" * 1000).status for _ in range(6)]
    assert statuses[0] == 201, statuses
    assert 429 in statuses, statuses
    r = upload(alice, conv, b"x")
    assert r.status == 429 and int(r.headers.get("Retry-After")) >= 1, r


def test_an_attachment_survives_its_leader(fresh_cluster):
    """Stored in the conversation's replicated group: with the node leading
    that group killed (-9), another node serves the same bytes."""
    n1, n2, n3 = fresh_cluster
    alice = fresh_cluster.account(n2)
    bob = via(fresh_cluster.account(n3), n3)
    conv = group_owned_by(fresh_cluster, n1, alice, bob)
    data = os.urandom(2 * CHUNK + 1)
    r = upload(alice, conv, data)
    assert r.status == 201, r
    fresh_cluster.kill9(n1)
    deadline = time.monotonic() + 20
    while True:
        d = download(bob, conv, r.json["id"])
        if d.status == 200 or time.monotonic() > deadline:
            break
        assert d.status == 503, d
        time.sleep(0.2)
    assert d.status == 200, d
    assert d.raw == data


def test_download_over_https(tmp_path, test_pki):
    """The streamed answer is written through TLS records too."""
    import shutil
    import ssl
    from chatclient import Client
    from harness import Node, chatnode_binary
    certs = tmp_path / "tls"
    shutil.copytree(test_pki, certs)
    for ext in ("crt", "key"):
        (certs / f"server.{ext}").write_bytes((certs / f"first.{ext}").read_bytes())
    n = Node(chatnode_binary(), tmp_path,
             extra_cluster="http_tls_cert = tls/server.crt\nhttp_tls_key = tls/server.key\n")
    n.api = Client("127.0.0.1", n.http_port,
                   ssl_context=ssl.create_default_context(cafile=str(certs / "ca.crt")))
    n.start()
    try:
        alice = new_account(n.api)
        conv = create_conversation(alice, "tls")["id"]
        data = os.urandom(CHUNK + 999)
        r = upload(alice, conv, data)
        assert r.status == 201, r
        d = download(alice, conv, r.json["id"])
        assert d.status == 200 and d.raw == data
        d = download(alice, conv, r.json["id"], Range=f"bytes={CHUNK - 1}-")
        assert d.status == 206 and d.raw == data[CHUNK - 1:]
    finally:
        n.stop_clean()
