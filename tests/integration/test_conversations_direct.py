"""POST /conversations/direct: one direct conversation per pair of users."""
import threading

import pytest

from chatclient import assert_error, is_int, new_account, now_ms, open_direct, sibling_id


def test_first_call_creates(node):
    a = new_account(node.api)
    b = new_account(node.api)
    before = now_ms()
    resp = open_direct(a, b)
    assert resp.status == 201, resp
    c = resp.json
    assert c["id"].startswith("c_")
    assert c["kind"] == "direct"
    assert c["title"] is None and "title" in c
    assert c["owner"] is None and "owner" in c
    assert c["last_seq"] == 0
    assert is_int(c["created_at"]) and before - 1000 <= c["created_at"] <= now_ms() + 1000


def test_both_are_members_at_once(node):
    a = new_account(node.api)
    b = new_account(node.api)
    cid = open_direct(a, b).json["id"]
    for who in (a, b):
        resp = who.call("GET", f"/conversations/{cid}")
        assert resp.status == 200, resp
        members = {m["user_id"]: m for m in resp.json["members"]}
        assert set(members) == {a.id, b.id}
        assert all(m["role"] == "member" for m in members.values()), members
        listed = [c["id"] for c in who.call("GET", "/conversations").json["conversations"]]
        assert listed == [cid]
    assert b.call("GET", "/invitations").json["invitations"] == []


def test_second_call_and_the_other_side_get_the_same(node):
    a = new_account(node.api)
    b = new_account(node.api)
    first = open_direct(a, b)
    assert first.status == 201, first
    again = open_direct(a, b)
    assert again.status == 200, again
    other = open_direct(b, a)
    assert other.status == 200, other
    assert first.json["id"] == again.json["id"] == other.json["id"]
    assert again.json["kind"] == "direct" and again.json["owner"] is None


def test_different_pairs_get_different_conversations(node):
    a = new_account(node.api)
    b = new_account(node.api)
    c = new_account(node.api)
    ab = open_direct(a, b).json["id"]
    ac = open_direct(a, c).json["id"]
    bc = open_direct(b, c).json["id"]
    assert len({ab, ac, bc}) == 3
    assert_error(c.call("GET", f"/conversations/{ab}"), 403, "forbidden")


def test_direct_with_yourself_is_400(node):
    a = new_account(node.api)
    assert_error(open_direct(a, a), 400, "bad_request")
    assert a.call("GET", "/conversations").json["conversations"] == []


@pytest.mark.parametrize("kind", ["sibling", "u_nothing", "garbage"])
def test_direct_with_unknown_user_is_404(node, kind):
    a = new_account(node.api)
    uid = sibling_id(a.id) if kind == "sibling" else kind
    assert_error(open_direct(a, uid), 404, "not_found")
    assert a.call("GET", "/conversations").json["conversations"] == []


@pytest.mark.parametrize("body", [{}, {"user_id": 5}, {"user_id": None}])
def test_direct_with_bad_body_is_400(node, body):
    a = new_account(node.api)
    assert_error(a.call("POST", "/conversations/direct", body), 400, "bad_request")


def test_direct_with_deleted_user_is_404(node):
    a = new_account(node.api)
    b = new_account(node.api)
    assert b.call("DELETE", "/users/me", {"password": b.password}).status == 204
    assert_error(open_direct(a, b), 404, "not_found")


def test_the_other_sides_open_socket_gets_the_messages(node, ws_open):
    a = new_account(node.api)
    b = new_account(node.api)
    wb = ws_open(node, b)
    wa = ws_open(node, a)
    cid = open_direct(a, b).json["id"]
    rid = wa.emit("send", conv=cid, text="hi b")
    assert wa.answer(rid)["type"] == "sent"
    f = wb.expect("message", conv=cid)
    assert f["text"] == "hi b" and f["from"] == a.id and f["seq"] == 1


def test_concurrent_creation_yields_one_conversation(node):
    pairs = [(new_account(node.api), new_account(node.api)) for _ in range(12)]
    for a, b in pairs:
        callers = [(a, b), (b, a), (a, b), (b, a)]
        results = [None] * len(callers)
        barrier = threading.Barrier(len(callers))

        def call(i, me, other):
            barrier.wait()
            results[i] = open_direct(me, other)

        threads = [threading.Thread(target=call, args=(i, me, other))
                   for i, (me, other) in enumerate(callers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert all(r is not None for r in results), results
        assert sorted(r.status for r in results) == [200, 200, 200, 201], results
        ids = {r.json["id"] for r in results}
        assert len(ids) == 1, results
        for who in (a, b):
            listed = who.call("GET", "/conversations").json["conversations"]
            assert [c["id"] for c in listed] == list(ids), listed
