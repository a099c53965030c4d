"""Blocking (docs/protocol.md "Blocking"): a user blocks another; while
either blocks the other, no direct conversation opens between them, neither
can invite the other (pending invitations between them are void), and
neither sees the other's typing or presence. Users are homed on different
nodes and talk to a third one, so every check crosses nodes."""
import time

from chatclient import (accept_invitation_to, assert_error, create_conversation, invite,
                        open_direct, pending_invitations, sibling_id)
from cluster_harness import via

TYPING_GAP = 1.1      # the server sends one typing per member and second


def block(acct, other):
    return acct.call("PUT", f"/users/me/blocks/{other.id}")


def unblock(acct, other):
    return acct.call("DELETE", f"/users/me/blocks/{other.id}")


def blocks_of(acct):
    resp = acct.call("GET", "/users/me/blocks")
    assert resp.status == 200, resp
    return [b["user_id"] for b in resp.json["blocks"]]


def three_homes(cluster):
    """Accounts a, b, c homed on n1, n2, n3, each talking to the next node."""
    n1, n2, n3 = cluster
    a = cluster.account(n2, home=n1)
    b = cluster.account(n3, home=n2)
    c = cluster.account(n1, home=n3)
    return a, b, c


# ---------------------------------------------------------------- the list

def test_block_list_and_unblock(cluster):
    a, b, c = three_homes(cluster)
    assert blocks_of(a) == []
    assert block(a, b).status == 204
    assert block(a, b).status == 204                 # idempotent
    assert block(a, c).status == 204
    assert blocks_of(a) == sorted([b.id, c.id])
    for n in cluster:                                # the same on every node
        assert blocks_of(via(a, n)) == sorted([b.id, c.id])
    assert blocks_of(b) == []                        # only the blocker lists it
    assert unblock(a, b).status == 204
    assert blocks_of(a) == [c.id]
    assert unblock(a, b).status == 204               # idempotent
    assert unblock(a, c).status == 204
    assert blocks_of(a) == []


def test_bad_input(cluster):
    a, b, _ = three_homes(cluster)
    assert_error(a.call("PUT", f"/users/me/blocks/{a.id}"), 400, "bad_request")
    assert_error(a.call("PUT", f"/users/me/blocks/{sibling_id(b.id)}"), 404, "not_found")
    assert_error(a.call("PUT", "/users/me/blocks/u_nonsense"), 404, "not_found")
    assert_error(a.call("DELETE", "/users/me/blocks/nothing"), 404, "not_found")
    assert_error(a.call("POST", f"/users/me/blocks/{b.id}"), 405, "method_not_allowed")
    n = cluster[0]
    assert_error(n.api.call("PUT", f"/users/me/blocks/{b.id}"), 401, "unauthorized")
    assert_error(n.api.call("GET", "/users/me/blocks"), 401, "unauthorized")
    assert_error(n.api.call("DELETE", f"/users/me/blocks/{b.id}"), 401, "unauthorized")
    assert blocks_of(a) == []


def test_max_blocks_bounds_the_list(node_factory):
    from chatclient import new_account
    n = node_factory(extra_cluster="max_blocks = 2\n")
    a = new_account(n.api)
    others = [new_account(n.api) for _ in range(3)]
    assert block(a, others[0]).status == 204
    assert block(a, others[1]).status == 204
    assert_error(block(a, others[2]), 409, "conflict")
    assert block(a, others[1]).status == 204             # already blocked: not one more
    assert blocks_of(a) == sorted(o.id for o in others[:2])
    assert unblock(a, others[0]).status == 204
    assert block(a, others[2]).status == 204


# ---------------------------------------------------------------- direct conversations

def test_direct_refused_both_ways_and_restored(cluster):
    a, b, _ = three_homes(cluster)
    assert block(a, b).status == 204
    assert_error(open_direct(a, b), 403, "forbidden")    # the blocker
    assert_error(open_direct(b, a), 403, "forbidden")    # the blocked
    assert unblock(a, b).status == 204
    assert open_direct(b, a).status == 201
    assert open_direct(a, b).status == 200


def test_existing_direct_stays_readable_but_cannot_be_reopened(cluster):
    a, b, _ = three_homes(cluster)
    conv = open_direct(a, b).json["id"]
    assert a.call("POST", f"/conversations/{conv}/messages", {"text": "before"}).status == 201
    assert b.call("DELETE", f"/conversations/{conv}/members/{b.id}").status == 204
    assert block(b, a).status == 204
    assert_error(open_direct(b, a), 403, "forbidden")    # no way back in
    assert_error(open_direct(a, b), 403, "forbidden")
    resp = a.call("GET", f"/conversations/{conv}/messages")
    assert resp.status == 200 and [m["text"] for m in resp.json["messages"]] == ["before"]


def post(acct, conv, text):
    return acct.call("POST", f"/conversations/{conv}/messages", {"text": text})


def test_no_posting_in_an_existing_direct_while_either_blocks(cluster, ws_open):
    n1, n2, n3 = cluster
    a, b, c = three_homes(cluster)
    conv = open_direct(a, b).json["id"]
    assert post(a, conv, "hi b").status == 201                 # 1
    assert post(b, conv, "hi a").status == 201                 # 2
    group = create_conversation(a, "group", invite=[b])["id"]
    accept_invitation_to(b, group)
    assert block(b, a).status == 204
    for who in (a, b):                                         # both directions
        assert_error(post(who, conv, "still there?"), 403, "forbidden")
        assert_error(who.call("PATCH", f"/conversations/{conv}/messages/1", {"text": "x"}),
                     403, "forbidden")
        assert_error(who.call("POST", f"/conversations/{conv}/messages/2/reactions",
                              {"emoji": "👍"}), 403, "forbidden")
    assert_error(a.call("DELETE", f"/conversations/{conv}/messages/1"), 403, "forbidden")
    wa = ws_open(n3, a, "a@n3")
    f = wa.request("send", conv=conv, text="over ws")
    assert (f["type"], f["code"]) == ("error", "forbidden"), f
    f = wa.request("react", conv=conv, seq=2, emoji="👍")
    assert (f["type"], f["code"]) == ("error", "forbidden"), f
    # Nothing was stored; reading stays; a shared group is not concerned.
    resp = a.call("GET", f"/conversations/{conv}/messages")
    assert [m["text"] for m in resp.json["messages"]] == ["hi b", "hi a"], resp
    assert post(a, group, "in the group").status == 201
    # Both block: one unblocking is not enough.
    assert block(a, b).status == 204
    assert unblock(b, a).status == 204
    assert_error(post(b, conv, "now?"), 403, "forbidden")
    assert unblock(a, b).status == 204
    assert post(b, conv, "back").status == 201
    f = wa.request("send", conv=conv, text="and over ws")
    assert f["type"] == "sent", f


def test_blocked_direct_survives_a_restart(fresh_cluster):
    a, b, _ = three_homes(fresh_cluster)
    conv = open_direct(a, b).json["id"]
    assert block(a, b).status == 204
    fresh_cluster.restart(fresh_cluster.owner_of(conv))
    assert_error(post(b, conv, "after restart"), 403, "forbidden")
    assert unblock(a, b).status == 204
    assert post(b, conv, "after unblock").status == 201


# ---------------------------------------------------------------- invitations

def test_invitations_refused_both_ways(cluster):
    a, b, c = three_homes(cluster)
    conv_a = create_conversation(a, "a's room")["id"]
    conv_b = create_conversation(b, "b's room")["id"]
    assert block(b, a).status == 204
    assert_error(a.call("POST", f"/conversations/{conv_a}/invitations", {"user_id": b.id}),
                 403, "forbidden")
    assert_error(b.call("POST", f"/conversations/{conv_b}/invitations", {"user_id": a.id}),
                 403, "forbidden")
    # At creation too, and then nothing is created.
    before = len(a.call("GET", "/conversations").json["conversations"])
    assert_error(a.call("POST", "/conversations", {"title": "x", "invite": [c.id, b.id]}),
                 403, "forbidden")
    assert len(a.call("GET", "/conversations").json["conversations"]) == before
    # A third user is not concerned.
    assert a.call("POST", f"/conversations/{conv_a}/invitations",
                  {"user_id": c.id}).status == 201
    assert unblock(b, a).status == 204
    invite(a, conv_a, b)
    accept_invitation_to(b, conv_a)


def test_pending_invitations_are_voided_both_ways(cluster):
    a, b, c = three_homes(cluster)
    conv_a = create_conversation(a, "from a")["id"]
    conv_b = create_conversation(b, "from b")["id"]
    conv_c = create_conversation(c, "from c")["id"]
    inv_ab = invite(a, conv_a, b)          # a → b
    inv_ba = invite(b, conv_b, a)          # b → a
    invite(c, conv_c, b)                   # c → b, unrelated
    assert block(b, a).status == 204
    assert [i["conv"] for i in pending_invitations(b)] == [conv_c]
    assert pending_invitations(a) == []
    assert_error(b.call("POST", f"/invitations/{inv_ab['id']}/accept"), 404, "not_found")
    assert_error(a.call("POST", f"/invitations/{inv_ba['id']}/accept"), 404, "not_found")


# ---------------------------------------------------------------- typing and presence

def typing_until_seen(typist, conv, watcher, tries=6):
    """Sends typing until `watcher` gets it (the block's live update travels
    asynchronously); returns once it did."""
    for _ in range(tries):
        typist.emit("typing", conv=conv)
        try:
            watcher.expect("typing", conv=conv, timeout=TYPING_GAP)
            return
        except AssertionError:
            pass
    raise AssertionError("typing never arrived")


def test_typing_and_presence_hidden_while_blocked(cluster, ws_open):
    n1, n2, n3 = cluster
    a, b, c = three_homes(cluster)
    conv = create_conversation(a, "three", invite=[b, c])["id"]
    accept_invitation_to(b, conv)
    accept_invitation_to(c, conv)
    wa, wb, wc = ws_open(n3, a, "a"), ws_open(n1, b, "b"), ws_open(n2, c, "c")
    assert block(a, b).status == 204
    time.sleep(0.5)
    for w in (wa, wb, wc):
        w.drain()

    # b types: c sees it, a (the blocker) does not.
    time.sleep(TYPING_GAP)
    wb.emit("typing", conv=conv)
    assert wc.expect("typing", conv=conv)["user"] == b.id
    wa.no_frame_of("typing", within=0.7)
    # a types: c sees it, b (the blocked) does not.
    wa.emit("typing", conv=conv)
    assert wc.expect("typing", conv=conv)["user"] == a.id
    wb.no_frame_of("typing", within=0.7)

    # b goes offline and online: c sees both, a neither.
    wb.close()
    assert wc.expect("presence", user=b.id)["online"] is False
    wb2 = ws_open(n2, b, "b2")
    assert wc.expect("presence", user=b.id)["online"] is True
    wa.no_frame_of("presence", within=0.7, user=b.id)
    # a goes offline and online: b does not see it.
    wa.close()
    assert wc.expect("presence", user=a.id)["online"] is False
    wb2.no_frame_of("presence", within=0.7, user=a.id)
    wa2 = ws_open(n1, a, "a2")
    assert wc.expect("presence", user=a.id)["online"] is True
    wb2.no_frame_of("presence", within=0.7, user=a.id)
    # Messages still flow in the group.
    assert b.call("POST", f"/conversations/{conv}/messages", {"text": "hi"}).status == 201
    assert wa2.expect("message", conv=conv)["text"] == "hi"

    # Unblocked: typing reaches a again, live, on the open socket.
    assert unblock(a, b).status == 204
    time.sleep(TYPING_GAP)
    typing_until_seen(wb2, conv, wa2)
    time.sleep(TYPING_GAP)
    wa2.emit("typing", conv=conv)
    assert wb2.expect("typing", conv=conv)["user"] == a.id


# ---------------------------------------------------------------- the web client

def test_web_client_blocks_and_unblocks_the_peer(node, browser):
    from chatclient import new_account
    from webui import register_in
    from chatclient import unique_name
    bob = new_account(node.api, display_name="Bob")
    a = browser("alice", 1180, 760)
    register_in(a, node, unique_name("alice"), "Alice")
    a.fill("#dm-username", bob.username).send_keys("\n")
    a.wait(lambda: "Bob" in a.text_of("#pane-title"), "the direct conversation with Bob open")
    a.js("window.confirm = () => true")
    a.click("#members-toggle")
    button = a.wait(lambda: next((e for e in a.css("#block") if e.is_displayed()), None),
                    "the Block button")
    assert button.text == "Block"
    button.click()
    a.wait(lambda: a.text_of("#block") == "Unblock", "the button to say Unblock")
    alice_id = a.js("return JSON.parse(localStorage.getItem('chat.auth')).user.id")
    assert_error(open_direct(bob, alice_id), 403, "forbidden")
    a.click("#block")
    a.wait(lambda: a.text_of("#block") == "Block", "the button to say Block again")
    assert open_direct(bob, alice_id).status == 200
