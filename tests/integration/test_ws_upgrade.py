"""GET /ws?ticket=T: redeeming tickets, refusals, and the `hello` frame."""
import http.client
import json
import secrets
import time

import pytest

from chatclient import (create_conversation, is_int, new_account, now_ms, open_direct,
                        post_message)
from ws_client import InvalidStatusCode, WSClient, get_ticket, try_upgrade


def _refusal(port, path):
    """A hand-made upgrade request: (status, json body, headers) of the answer."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={
            "Upgrade": "websocket", "Connection": "Upgrade",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version": "13"})
        resp = conn.getresponse()
        raw = resp.read()
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        return resp.status, body, resp.headers
    finally:
        conn.close()


def test_valid_ticket_upgrades(node):
    acct = new_account(node.api)
    assert try_upgrade(node.http_port, get_ticket(acct)) == 101


def test_missing_ticket_is_401(node):
    assert try_upgrade(node.http_port, query="") == 401


def test_empty_ticket_is_401(node):
    assert try_upgrade(node.http_port, query="ticket=") == 401


def test_unknown_ticket_is_401(node):
    assert try_upgrade(node.http_port, secrets.token_urlsafe(24)) == 401


def test_tampered_ticket_is_401(node):
    acct = new_account(node.api)
    t = get_ticket(acct)
    flipped = t[:-1] + ("A" if t[-1] != "A" else "B")
    assert try_upgrade(node.http_port, flipped) == 401
    assert try_upgrade(node.http_port, t) == 101   # the real one was not used up


def test_refusal_is_plain_http_401_with_error_body(node):
    status, body, headers = _refusal(node.http_port, "/ws?ticket=" + secrets.token_urlsafe(24))
    assert status == 401
    assert body["error"]["code"] == "unauthorized", body
    assert (headers.get("Upgrade") or "").lower() != "websocket"


def test_ticket_is_single_use(node):
    acct = new_account(node.api)
    t = get_ticket(acct)
    c = WSClient.connect(node.http_port, t)
    try:
        with pytest.raises(InvalidStatusCode) as e:
            WSClient.connect(node.http_port, t)
        assert e.value.status_code == 401
        c.assert_alive()      # the first connection is unaffected
    finally:
        c.close()
    assert try_upgrade(node.http_port, t) == 401   # still used after that socket closed


def test_expired_ticket_is_401(node_factory):
    n = node_factory(extra_cluster="ticket_ttl = 1\n")
    acct = new_account(n.api)
    resp = acct.call("POST", "/ws/ticket")
    assert resp.status == 200 and resp.json["expires_in"] == 1, resp
    time.sleep(2.2)
    assert try_upgrade(n.http_port, resp.json["ticket"]) == 401
    assert try_upgrade(n.http_port, get_ticket(acct)) == 101   # a fresh one works


def test_ticket_of_a_terminated_session_is_401(node):
    acct = new_account(node.api)
    t = get_ticket(acct)
    assert acct.call("POST", "/auth/logout").status == 204
    assert try_upgrade(node.http_port, t) == 401


def test_hello_is_the_first_frame(node):
    acct = new_account(node.api, display_name="Hello Tester")
    c = WSClient.connect(node.http_port, get_ticket(acct), wait_hello=False)
    try:
        first = c.next()
        assert first["type"] == "hello", first
        assert first["node"] == "n1", first
        assert first["session_id"] == acct.session_id, first
        me = acct.call("GET", "/users/me").json
        assert first["user"] == me, first
        assert first["user"]["id"] == acct.id and first["user"]["display_name"] == "Hello Tester"
        assert first["conversations"] == [], first
        assert len(c.frames_of("hello")) == 1
    finally:
        c.close()


def test_hello_carries_the_tickets_session(node):
    acct = new_account(node.api)
    second = acct.login()
    t = acct.api.call("POST", "/ws/ticket", token=second["access_token"]).json["ticket"]
    with WSClient.connect(node.http_port, t) as c:
        assert c.hello["session_id"] == second["session_id"] != acct.session_id
        assert c.hello["user"]["id"] == acct.id


def test_hello_lists_conversations_with_last_seq(node):
    a = new_account(node.api)
    b = new_account(node.api)
    g = create_conversation(a, "hello room")["id"]
    for i in range(3):
        assert post_message(a, g, f"m{i}").status == 201
    d = open_direct(a, b).json["id"]
    other = create_conversation(b, "not a's")["id"]
    with WSClient.connect(node.http_port, get_ticket(a)) as c:
        convs = c.hello["conversations"]
        # Later fields (unread counts) may follow; id and last_seq stay.
        seen = [{"id": x["id"], "last_seq": x["last_seq"]} for x in convs]
        assert sorted(seen, key=lambda x: x["id"]) == sorted(
            [{"id": g, "last_seq": 3}, {"id": d, "last_seq": 0}], key=lambda x: x["id"]), convs
        assert other not in [x["id"] for x in convs]
        assert all(is_int(x["last_seq"]) for x in convs)


def test_user_object_in_hello_has_no_secrets(node):
    acct = new_account(node.api)
    with WSClient.connect(node.http_port, get_ticket(acct)) as c:
        user = c.hello["user"]
        assert set(user) >= {"id", "username", "display_name", "created_at"}
        assert not any("pass" in k or "hash" in k for k in user), user
        assert 0 < user["created_at"] <= now_ms()
