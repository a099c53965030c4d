"""Group conversations over HTTP: create, list, get, invitations, leave, kick,
and the live frames these cause (invitation, member_joined, member_left)."""
import pytest

from chatclient import (assert_error, create_conversation, group_with,
                        invite, is_int, new_account, now_ms, pending_invitations,
                        post_message, sibling_id)


def conv_ids(acct):
    resp = acct.call("GET", "/conversations")
    assert resp.status == 200, resp
    return [c["id"] for c in resp.json["conversations"]]


def members_of(acct, conv_id):
    resp = acct.call("GET", f"/conversations/{conv_id}")
    assert resp.status == 200, resp
    return {m["user_id"]: m for m in resp.json["members"]}


# ---------------------------------------------------------------- create / list / get

def test_create_returns_the_conversation(node):
    a = new_account(node.api)
    before = now_ms()
    resp = a.call("POST", "/conversations", {"title": "Book club"})
    assert resp.status == 201, resp
    c = resp.json
    assert c["id"].startswith("c_"), c
    assert c["kind"] == "group"
    assert c["title"] == "Book club"
    assert c["owner"] == a.id
    assert is_int(c["created_at"]) and before - 1000 <= c["created_at"] <= now_ms() + 1000, c
    assert c["last_seq"] == 0 and is_int(c["last_seq"])


def test_conversation_ids_differ(node):
    a = new_account(node.api)
    ids = {create_conversation(a, f"room {i}")["id"] for i in range(5)}
    assert len(ids) == 5


def test_list_has_the_callers_conversations_only(node):
    a = new_account(node.api)
    b = new_account(node.api)
    assert conv_ids(a) == []
    c1 = create_conversation(a, "one")["id"]
    c2 = create_conversation(a, "two")["id"]
    cb = create_conversation(b, "b's")["id"]
    assert sorted(conv_ids(a)) == sorted([c1, c2])
    assert conv_ids(b) == [cb]
    listed = {c["id"]: c for c in a.call("GET", "/conversations").json["conversations"]}
    assert listed[c1]["title"] == "one" and listed[c1]["kind"] == "group"
    assert listed[c1]["owner"] == a.id and listed[c1]["last_seq"] == 0


def test_list_shows_last_seq(node):
    a = new_account(node.api)
    c = create_conversation(a, "count")["id"]
    for i in range(4):
        assert post_message(a, c, f"x{i}").status == 201
    listed = {x["id"]: x for x in a.call("GET", "/conversations").json["conversations"]}
    assert listed[c]["last_seq"] == 4


@pytest.mark.parametrize("title", ["x", "t" * 128, "é" * 64, "€" * 42 + "xy", "with space 🎉"],
                         ids=["1", "128_ascii", "128_2byte", "128_3byte", "emoji"])
def test_title_up_to_128_bytes_is_accepted(node, title):
    a = new_account(node.api)
    resp = a.call("POST", "/conversations", {"title": title})
    assert resp.status == 201, resp
    assert resp.json["title"] == title


@pytest.mark.parametrize("title", ["", "t" * 129, "é" * 64 + "x", "€" * 43],
                         ids=["empty", "129_ascii", "129_2byte", "129_3byte"])
def test_title_out_of_byte_limits_is_400(node, title):
    a = new_account(node.api)
    assert_error(a.call("POST", "/conversations", {"title": title}), 400, "bad_request")
    assert conv_ids(a) == []


@pytest.mark.parametrize("body", [{}, {"title": 5}, {"title": None}, {"title": ["x"]},
                                  {"title": "ok", "invite": "u_x"},
                                  {"title": "ok", "invite": [5]}])
def test_create_with_bad_fields_is_400(node, body):
    a = new_account(node.api)
    assert_error(a.call("POST", "/conversations", body), 400, "bad_request")
    assert conv_ids(a) == []


def test_create_needs_a_token(node):
    assert_error(node.call("POST", "/conversations", {"title": "x"}), 401, "unauthorized")


def test_get_has_members(node):
    a = new_account(node.api)
    c = create_conversation(a, "with members")
    resp = a.call("GET", f"/conversations/{c['id']}")
    assert resp.status == 200, resp
    got = resp.json
    for k in ("id", "kind", "title", "owner", "created_at", "last_seq"):
        assert got[k] == c[k], (k, got, c)
    assert len(got["members"]) == 1
    m = got["members"][0]
    assert m["user_id"] == a.id and m["role"] == "owner"
    assert is_int(m["joined_at"]) and abs(m["joined_at"] - c["created_at"]) < 5000


def test_get_by_non_member_is_403(node):
    a = new_account(node.api)
    b = new_account(node.api)
    c = create_conversation(a, "private")["id"]
    assert_error(b.call("GET", f"/conversations/{c}"), 403, "forbidden")


@pytest.mark.parametrize("kind", ["sibling", "c_nothing", "garbage", "u_0000aaaaaaaaaaaaaaaaaaaa"])
def test_get_unknown_or_malformed_id_is_404(node, kind):
    a = new_account(node.api)
    c = create_conversation(a, "real")["id"]
    cid = sibling_id(c) if kind == "sibling" else kind
    assert_error(a.call("GET", f"/conversations/{cid}"), 404, "not_found")


# ---------------------------------------------------------------- invitations

def test_invite_at_creation_reaches_the_invitee_live(node, ws_open):
    a = new_account(node.api)
    b = new_account(node.api)
    c_ = new_account(node.api)
    wb = ws_open(node, b)
    wc = ws_open(node, c_)
    conv = create_conversation(a, "party", invite=[b, c_])
    for acct, w in ((b, wb), (c_, wc)):
        f = w.expect("invitation")
        inv = f["invitation"]
        assert inv["id"].startswith("i_"), f
        assert inv["conv"] == conv["id"] and inv["conv_title"] == "party"
        assert inv["from"] == a.id and inv["to"] == acct.id
        assert is_int(inv["created_at"])
        assert pending_invitations(acct) == [inv]
    assert pending_invitations(a) == []
    # invited is not joined
    assert_error(b.call("GET", f"/conversations/{conv['id']}"), 403, "forbidden")
    assert conv["id"] not in conv_ids(b)
    assert list(members_of(a, conv["id"])) == [a.id]


def test_invite_unknown_user_at_creation_creates_nothing(node, ws_open):
    a = new_account(node.api)
    b = new_account(node.api)
    wb = ws_open(node, b)
    existing = create_conversation(a, "kept")["id"]
    ghost = sibling_id(b.id)
    resp = a.call("POST", "/conversations", {"title": "nope", "invite": [b.id, ghost]})
    assert_error(resp, 404, "not_found")
    assert conv_ids(a) == [existing]
    assert pending_invitations(b) == []
    wb.no_frame_of("invitation", within=0.5)


def test_invite_by_member(node, ws_open):
    a = new_account(node.api)
    b = new_account(node.api)
    wb = ws_open(node, b)
    conv = create_conversation(a, "later")["id"]
    inv = invite(a, conv, b)
    assert inv["id"].startswith("i_") and inv["conv"] == conv and inv["to"] == b.id
    assert inv["from"] == a.id and inv["conv_title"] == "later"
    assert wb.expect("invitation")["invitation"] == inv
    assert pending_invitations(b) == [inv]


def test_invite_by_non_member_is_403(node):
    a = new_account(node.api)
    b = new_account(node.api)
    outsider = new_account(node.api)
    conv = create_conversation(a, "closed")["id"]
    resp = outsider.call("POST", f"/conversations/{conv}/invitations", {"user_id": b.id})
    assert_error(resp, 403, "forbidden")
    assert pending_invitations(b) == []


def test_invite_unknown_user_or_conversation_is_404(node):
    a = new_account(node.api)
    b = new_account(node.api)
    conv = create_conversation(a, "x")["id"]
    assert_error(a.call("POST", f"/conversations/{conv}/invitations",
                        {"user_id": sibling_id(b.id)}), 404, "not_found")
    assert_error(a.call("POST", f"/conversations/{sibling_id(conv)}/invitations",
                        {"user_id": b.id}), 404, "not_found")
    assert_error(a.call("POST", f"/conversations/{conv}/invitations", {}), 400, "bad_request")


def test_accept_joins_and_notifies_everyone(node, ws_open):
    a = new_account(node.api)
    b = new_account(node.api)
    n = new_account(node.api)
    conv = group_with(a, b, title="join me")
    wa, wb, wn = ws_open(node, a), ws_open(node, b), ws_open(node, n)
    invite(a, conv, n)
    wn.expect("invitation")
    inv = pending_invitations(n)[0]
    resp = n.call("POST", f"/invitations/{inv['id']}/accept")
    assert resp.status == 200, resp
    assert resp.json["id"] == conv and resp.json["kind"] == "group" and resp.json["owner"] == a.id
    for w in (wa, wb, wn):
        f = w.expect("member_joined", conv=conv, user=n.id)
        assert f["user"] == n.id
    assert pending_invitations(n) == []
    members = members_of(n, conv)
    assert set(members) == {a.id, b.id, n.id}
    assert members[n.id]["role"] == "member" and members[a.id]["role"] == "owner"
    assert conv in conv_ids(n)
    # the newcomer's socket, opened before joining, now gets the conversation's messages
    rid = wa.emit("send", conv=conv, text="welcome")
    sent = wa.answer(rid)
    assert sent["type"] == "sent", sent
    f = wn.expect("message", conv=conv)
    assert f["text"] == "welcome" and f["seq"] == sent["seq"] and f["from"] == a.id
    # and may send there itself
    rid = wn.emit("send", conv=conv, text="thanks")
    assert wn.answer(rid)["type"] == "sent"
    assert wb.expect("message", conv=conv, text="thanks")["from"] == n.id


def test_decline_removes_the_invitation(node):
    a = new_account(node.api)
    b = new_account(node.api)
    conv = create_conversation(a, "declined", invite=[b])["id"]
    inv = pending_invitations(b)[0]
    resp = b.call("POST", f"/invitations/{inv['id']}/decline")
    assert resp.status == 204, resp
    assert pending_invitations(b) == []
    assert_error(b.call("GET", f"/conversations/{conv}"), 403, "forbidden")
    assert_error(b.call("POST", f"/invitations/{inv['id']}/accept"), 404, "not_found")
    assert_error(b.call("POST", f"/invitations/{inv['id']}/decline"), 404, "not_found")
    assert set(members_of(a, conv)) == {a.id}


def test_answering_an_accepted_invitation_again_is_404(node):
    a = new_account(node.api)
    b = new_account(node.api)
    create_conversation(a, "once", invite=[b])
    inv = pending_invitations(b)[0]
    assert b.call("POST", f"/invitations/{inv['id']}/accept").status == 200
    assert_error(b.call("POST", f"/invitations/{inv['id']}/accept"), 404, "not_found")
    assert_error(b.call("POST", f"/invitations/{inv['id']}/decline"), 404, "not_found")


@pytest.mark.parametrize("action", ["accept", "decline"])
def test_only_the_invitee_answers(node, action):
    a = new_account(node.api)
    b = new_account(node.api)
    other = new_account(node.api)
    conv = create_conversation(a, "for b", invite=[b])["id"]
    inv = pending_invitations(b)[0]
    for who in (other, a):           # a stranger, and the inviter himself
        assert_error(who.call("POST", f"/invitations/{inv['id']}/{action}"), 404, "not_found")
    assert pending_invitations(b) == [inv]
    assert pending_invitations(other) == []
    assert_error(other.call("GET", f"/conversations/{conv}"), 403, "forbidden")


def test_unknown_invitation_is_404(node):
    b = new_account(node.api)
    assert_error(b.call("POST", "/invitations/i_nothing/accept"), 404, "not_found")
    assert_error(b.call("POST", "/invitations/i_nothing/decline"), 404, "not_found")


# ---------------------------------------------------------------- leave / kick

def test_leave(node, ws_open):
    a = new_account(node.api)
    b = new_account(node.api)
    c_ = new_account(node.api)
    conv = group_with(a, b, c_, title="leaving")
    wa, wb, wc = ws_open(node, a), ws_open(node, b), ws_open(node, c_)
    resp = b.call("DELETE", f"/conversations/{conv}/members/{b.id}")
    assert resp.status == 204, resp
    for w in (wa, wb, wc):
        w.expect("member_left", conv=conv, user=b.id)
    assert_error(b.call("GET", f"/conversations/{conv}"), 403, "forbidden")
    assert conv not in conv_ids(b)
    assert set(members_of(a, conv)) == {a.id, c_.id}
    rid = wa.emit("send", conv=conv, text="after b left")
    assert wa.answer(rid)["type"] == "sent"
    wc.expect("message", conv=conv, text="after b left")
    wb.no_frame_of("message", within=0.5)
    rid = wb.emit("send", conv=conv, text="still here?")
    f = wb.answer(rid)
    assert f["type"] == "error" and f["code"] == "forbidden", f


def test_owner_kicks_a_member(node, ws_open):
    a = new_account(node.api)
    b = new_account(node.api)
    c_ = new_account(node.api)
    conv = group_with(a, b, c_, title="kick")
    wa, wb, wc = ws_open(node, a), ws_open(node, b), ws_open(node, c_)
    assert a.call("DELETE", f"/conversations/{conv}/members/{b.id}").status == 204
    for w in (wa, wb, wc):
        w.expect("member_left", conv=conv, user=b.id)
    assert_error(b.call("GET", f"/conversations/{conv}"), 403, "forbidden")
    assert post_message(a, conv, "b is gone").status == 201
    wc.expect("message", conv=conv, text="b is gone")
    wb.no_frame_of("message", within=0.5)


def test_member_cannot_kick(node, ws_open):
    a = new_account(node.api)
    b = new_account(node.api)
    c_ = new_account(node.api)
    conv = group_with(a, b, c_, title="no kick")
    wc = ws_open(node, c_)
    assert_error(b.call("DELETE", f"/conversations/{conv}/members/{c_.id}"), 403, "forbidden")
    assert_error(b.call("DELETE", f"/conversations/{conv}/members/{a.id}"), 403, "forbidden")
    assert set(members_of(a, conv)) == {a.id, b.id, c_.id}
    wc.no_frame_of("member_left", within=0.3)


def test_non_member_cannot_remove_anyone(node):
    a = new_account(node.api)
    b = new_account(node.api)
    outsider = new_account(node.api)
    conv = group_with(a, b, title="guarded")
    assert_error(outsider.call("DELETE", f"/conversations/{conv}/members/{b.id}"), 403, "forbidden")
    assert set(members_of(a, conv)) == {a.id, b.id}
