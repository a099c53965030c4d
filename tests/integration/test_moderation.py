"""Moderation (docs/protocol.md "Roles" and README "Admin shell"): a group's
owner names admins, who may remove plain members and delete any message;
the roles show in the member list and survive a restart. The operator
deletes messages and blocks accounts with chatctl (the real binary).
Accounts talk to different nodes than the conversation's, so every check
crosses nodes."""
from chatclient import PASSWORD, assert_error, post_message, sibling_id
from chatctl_driver import ask, run
from cluster_harness import group_owned_by, via

CLOSE_LIMIT = 2.0        # block-user: the sockets close with 4001 within this


def promote(acct, conv, user):
    return acct.call("PUT", f"/conversations/{conv}/admins/{user.id}")


def demote(acct, conv, user):
    return acct.call("DELETE", f"/conversations/{conv}/admins/{user.id}")


def roles(acct, conv):
    resp = acct.call("GET", f"/conversations/{conv}")
    assert resp.status == 200, resp
    return {m["user_id"]: m["role"] for m in resp.json["members"]}


def remove(acct, conv, user):
    return acct.call("DELETE", f"/conversations/{conv}/members/{user.id}")


def delete(acct, conv, seq):
    return acct.call("DELETE", f"/conversations/{conv}/messages/{seq}")


def four_members(cluster, owner_node):
    """owner o and members a, b, c talking to n1, n2, n3, n1; the group lives
    on `owner_node`."""
    n1, n2, n3 = cluster
    o, a, b, c = (cluster.account(n1), cluster.account(n2), cluster.account(n3),
                  cluster.account(n1))
    conv = group_owned_by(cluster, owner_node, o, a, b, c, title="moderated")
    return o, a, b, c, conv


# ---------------------------------------------------------------- roles

def test_owner_names_and_removes_admins_seen_on_every_node(cluster, ws_open):
    n1, n2, n3 = cluster
    o, a, b, c, conv = four_members(cluster, n3)
    assert roles(o, conv) == {o.id: "owner", a.id: "member", b.id: "member", c.id: "member"}
    wb = ws_open(n3, b, "b@n3")
    assert promote(o, conv, a).status == 204
    wb.expect("member_role", conv=conv, user=a.id, role="admin")
    assert promote(o, conv, a).status == 204                   # already: nothing changes
    for n in cluster:
        assert roles(via(b, n), conv)[a.id] == "admin"
    assert demote(o, conv, a).status == 204
    wb.expect("member_role", conv=conv, user=a.id, role="member")
    assert roles(c, conv)[a.id] == "member"
    assert demote(o, conv, a).status == 204                    # already a member
    wb.no_frame_of("member_role", within=0.5)


def test_only_the_owner_names_admins(cluster):
    n1, n2, n3 = cluster
    o, a, b, c, conv = four_members(cluster, n2)
    assert promote(o, conv, a).status == 204
    assert_error(promote(b, conv, c), 403, "forbidden")       # a member
    assert_error(promote(a, conv, c), 403, "forbidden")       # an admin
    assert_error(demote(a, conv, a), 403, "forbidden")        # not even themselves
    assert_error(promote(b, conv, b), 403, "forbidden")
    outsider = cluster.account(n3)
    assert_error(promote(outsider, conv, outsider), 403, "forbidden")
    assert_error(promote(o, conv, outsider), 404, "not_found")     # not a member
    assert_error(o.call("PUT", f"/conversations/{conv}/admins/u_nonsense"), 404, "not_found")
    assert_error(promote(o, conv, o), 400, "bad_request")          # the owner
    assert_error(o.call("PUT", f"/conversations/{sibling_id(conv)}/admins/{a.id}"),
                 404, "not_found")
    assert_error(n1.api.call("PUT", f"/conversations/{conv}/admins/{a.id}"), 401, "unauthorized")
    assert_error(o.call("POST", f"/conversations/{conv}/admins/{a.id}"), 405,
                 "method_not_allowed")
    assert roles(o, conv) == {o.id: "owner", a.id: "admin", b.id: "member", c.id: "member"}


def test_direct_conversations_have_no_admins(cluster):
    n1, n2, _ = cluster
    a, b = cluster.account(n1), cluster.account(n2)
    conv = a.call("POST", "/conversations/direct", {"user_id": b.id}).json["id"]
    assert_error(promote(a, conv, b), 403, "forbidden")
    assert set(roles(a, conv).values()) == {"member"}


def test_admin_removes_plain_members_only(cluster, ws_open):
    n1, n2, n3 = cluster
    o, a, b, c, conv = four_members(cluster, n1)
    assert promote(o, conv, a).status == 204
    assert promote(o, conv, b).status == 204
    assert_error(remove(c, conv, a), 403, "forbidden")         # a member removes nobody
    assert_error(remove(c, conv, o), 403, "forbidden")
    assert_error(remove(a, conv, o), 403, "forbidden")         # not the owner
    assert_error(remove(a, conv, b), 403, "forbidden")         # not another admin
    wc = ws_open(n1, c, "c@n1")
    assert remove(a, conv, c).status == 204                    # a plain member
    wc.expect("member_left", conv=conv, user=c.id)
    assert_error(c.call("GET", f"/conversations/{conv}"), 403, "forbidden")
    assert remove(o, conv, b).status == 204                    # the owner removes an admin
    assert remove(a, conv, a).status == 204                    # an admin leaves
    assert roles(o, conv) == {o.id: "owner"}


def test_admin_deletes_any_message_member_does_not(cluster):
    n1, n2, n3 = cluster
    o, a, b, c, conv = four_members(cluster, n2)
    assert post_message(b, conv, "spam").status == 201         # 1
    assert post_message(o, conv, "rules").status == 201        # 2
    assert_error(delete(a, conv, 1), 403, "forbidden")         # not an admin yet
    assert promote(o, conv, a).status == 204
    resp = delete(a, conv, 1)
    assert resp.status == 200, resp
    assert delete(a, conv, 2).status == 200                    # the owner's too
    assert_error(delete(c, conv, resp.json["seq"]), 400, "bad_request")  # an event
    page = c.call("GET", f"/conversations/{conv}/messages").json["messages"]
    got = {m["seq"]: m for m in page}
    assert got[1]["deleted"] and got[1]["text"] == "" and got[2]["deleted"], page
    assert got[3]["kind"] == "delete" and got[3]["from"] == a.id, page
    assert demote(o, conv, a).status == 204
    assert post_message(b, conv, "again").status == 201        # 5
    assert_error(delete(a, conv, 5), 403, "forbidden")         # no longer


def test_owner_leaving_passes_the_group_to_an_admin_first(cluster):
    n1, n2, n3 = cluster
    o, a, b, c, conv = four_members(cluster, n3)
    assert promote(o, conv, c).status == 204                   # joined last
    assert remove(o, conv, o).status == 204
    assert roles(a, conv) == {a.id: "member", b.id: "member", c.id: "owner"}
    assert a.call("GET", f"/conversations/{conv}").json["owner"] == c.id


def test_roles_survive_a_restart(fresh_cluster):
    n1, n2, n3 = fresh_cluster
    o, a = fresh_cluster.account(n1), fresh_cluster.account(n2)
    conv = group_owned_by(fresh_cluster, n3, o, a, title="kept")
    assert promote(o, conv, a).status == 204
    fresh_cluster.restart(n3)
    fresh_cluster.wait_ready()
    assert roles(o, conv) == {o.id: "owner", a.id: "admin"}


# ---------------------------------------------------------------- chatctl

def login_status(node, acct, password=PASSWORD):
    return node.api.call("POST", "/auth/login",
                         {"username": acct.username, "password": password}).status


def test_chatctl_delete_message_is_seen_by_every_member(cluster, ws_open):
    n1, n2, n3 = cluster
    o, a, b, c, conv = four_members(cluster, n2)
    assert post_message(b, conv, "spam").status == 201         # 1
    wa = ws_open(n3, a, "a@n3")
    doc = ask(cluster.config_path, f"delete-message {conv} 1", node="n1")
    assert doc == {"deleted": {"conv": conv, "seq": 1, "event_seq": 2}}, doc
    frame = wa.expect("change", conv=conv, seq=2)
    assert frame["kind"] == "delete" and frame["target"] == 1 and frame["from"] is None, frame
    assert frame["message"]["deleted"] and frame["message"]["text"] == "", frame
    page = c.call("GET", f"/conversations/{conv}/messages").json["messages"]
    assert [(m["seq"], m["deleted"] if m["kind"] == "message" else m["kind"]) for m in page] \
        == [(1, True), (2, "delete")], page
    # Refusals: a deleted message, an event, a seq not stored, unknown ids.
    for command in (f"delete-message {conv} 1", f"delete-message {conv} 2",
                    f"delete-message {conv} 99", f"delete-message {sibling_id(conv)} 1",
                    "delete-message c_nonsense 1"):
        r = run(cluster.config_path, command, as_json=True)
        assert r.code == 1 and r.out == "" and r.err.startswith("chatctl: "), (command, r)
    r = run(cluster.config_path, f"delete-message {conv} 1")
    assert "deleted" in r.err, r                                # says why
    for command in (f"delete-message {conv}", f"delete-message {conv} 0",
                    f"delete-message {conv} one", "delete-message", f"delete-message {conv} 1 2"):
        r = run(cluster.config_path, command)
        assert r.code == 2 and r.err.startswith("chatctl: "), (command, r)


def test_chatctl_block_user_ends_every_session_and_login_until_unblocked(cluster, ws_open):
    n1, n2, n3 = cluster
    acct = cluster.account(n1, home=n2)
    other = acct.login()                                       # a second session
    bystander = cluster.account(n3)
    ws1, ws3 = ws_open(n1, via(acct, n1), "u@n1"), ws_open(n3, via(acct, n3), "u@n3")
    doc = ask(cluster.config_path, f"block-user {acct.username}", node="n3")
    assert doc == {"blocked": {"user_id": acct.id, "username": acct.username,
                               "sessions_ended": 2}}, doc
    for ws in (ws1, ws3):
        code = ws.wait_closed(CLOSE_LIMIT + 3)
        assert code == 4001, (ws, code)
    for n in cluster:
        assert n.api.call("GET", "/users/me", token=acct.token).status == 401
        assert n.api.call("GET", "/users/me", token=other["access_token"]).status == 401
    assert_error(n1.api.call("POST", "/auth/refresh", {"refresh_token": acct.refresh_token}),
                 401, "unauthorized")
    for n in cluster:
        assert_error(n.api.call("POST", "/auth/login", {"username": acct.username,
                                                         "password": PASSWORD}),
                     403, "forbidden")
    assert login_status(n1, acct, "wrong password") == 401     # no hint without it
    assert login_status(n1, bystander) == 200                  # nobody else
    # Idempotent, and by id too.
    doc = ask(cluster.config_path, f"block-user {acct.id}")
    assert doc["blocked"]["sessions_ended"] == 0, doc
    doc = ask(cluster.config_path, f"unblock-user {acct.id}", node="n2")
    assert doc == {"unblocked": {"user_id": acct.id, "username": acct.username,
                                 "sessions_ended": 0}}, doc
    for n in cluster:
        assert login_status(n, acct) == 200


def test_chatctl_block_user_refusals(cluster):
    acct = cluster.account(cluster[0])
    for command in (f"block-user {sibling_id(acct.id)}", "block-user nosuchuser9",
                    f"unblock-user {sibling_id(acct.id)}"):
        r = run(cluster.config_path, command, as_json=True)
        assert r.code == 1 and r.out == "" and r.err.startswith("chatctl: "), (command, r)
    for command in ("block-user", "block-user a b", "unblock-user", "block-user --now"):
        r = run(cluster.config_path, command)
        assert r.code == 2 and r.out == "", (command, r)
    assert login_status(cluster[1], acct) == 200


def test_a_blocked_account_stays_blocked_after_a_restart(fresh_cluster):
    n1, n2, n3 = fresh_cluster
    acct = fresh_cluster.account(n1, home=n3)
    ask(fresh_cluster.config_path, f"block-user {acct.id}")
    fresh_cluster.restart(n3)
    for n in fresh_cluster:
        assert login_status(n, acct) == 403
    ask(fresh_cluster.config_path, f"unblock-user {acct.username}")
    assert login_status(n1, acct) == 200


# ---------------------------------------------------------------- idempotent changes

def test_a_retried_change_is_applied_once(cluster, ws_open):
    n1, n2, n3 = cluster
    o, a, b, c, conv = four_members(cluster, n3)
    assert post_message(a, conv, "hello").status == 201          # 1
    path = f"/conversations/{conv}/messages/1"
    r1 = a.call("POST", f"{path}/reactions", {"emoji": "👍", "client_msg_id": "r1"})
    assert r1.status == 200, r1                                    # 2
    r2 = a.call("DELETE", f"{path}/reactions", {"emoji": "👍", "client_msg_id": "u1"})
    assert r2.status == 200, r2                                    # 3
    again = via(a, n2).call("POST", f"{path}/reactions", {"emoji": "👍", "client_msg_id": "r1"})
    assert again.status == 200 and again.json == r1.json, (again, r1)   # not re-added
    msg = {m["seq"]: m for m in a.call("GET", f"/conversations/{conv}/messages").json["messages"]}
    assert msg[1]["reactions"] == [] and max(msg) == 3, msg
    assert msg[2]["client_msg_id"] == "r1", msg[2]
    # An edit over WebSocket, retried after a reconnect.
    ws = ws_open(n1, a, "a@n1")
    f1 = ws.request("edit", conv=conv, seq=1, text="hello!", client_msg_id="e1")
    assert f1["type"] == "sent" and f1["seq"] == 4, f1
    ws2 = ws_open(n2, via(a, n2), "a@n2")
    f2 = ws2.request("edit", conv=conv, seq=1, text="hello!", client_msg_id="e1")
    assert (f2["type"], f2["seq"], f2["msg_id"]) == ("sent", 4, f1["msg_id"]), f2
    # A deletion with a key; the retry does not hit "already deleted".
    d1 = a.call("DELETE", path, {"client_msg_id": "d1"})
    assert d1.status == 200, d1
    d2 = a.call("DELETE", path, {"client_msg_id": "d1"})
    assert d2.status == 200 and d2.json == d1.json, d2
    assert_error(a.call("DELETE", path), 409, "conflict")         # without one: it is gone
    # Keys are per user: b's "r1" is b's own.
    assert post_message(b, conv, "b here").status == 201           # 6
    assert b.call("POST", f"/conversations/{conv}/messages/6/reactions",
                  {"emoji": "👍", "client_msg_id": "r1"}).json["seq"] == 7
    # Bad keys.
    for bad in ("", "x" * 65, 5):
        assert_error(a.call("POST", f"/conversations/{conv}/messages/6/reactions",
                            {"emoji": "🎉", "client_msg_id": bad}), 400, "bad_request")
    f = ws.request("react", conv=conv, seq=6, emoji="🎉", client_msg_id="")
    assert (f["type"], f["code"]) == ("error", "bad_request"), f
    assert_error(a.call("DELETE", f"/conversations/{conv}/messages/6", raw_body="not json"),
                 400, "bad_request")
    assert len(a.call("GET", f"/conversations/{conv}/messages").json["messages"]) == 7
