"""Mentions and unread counts (docs/protocol.md "Mentions" and "Unread and
mention counts") on a three-node cluster: `@username` of a member resolves
to its user id in the message (live, sync, history), other names stay plain
text; `GET /conversations` and `hello` carry each member's unread and
mention counts, which leave out the member's own messages and drop when the
member reads, on whichever node."""
import time

from chatclient import accept_invitation_to, all_messages, invite, post_message
from cluster_harness import group_owned_by, via


def by_seq(messages):
    return {m["seq"]: m for m in messages}


def counts(acct, conv):
    """(unread, mentions, unread_capped) of `conv` in the caller's list."""
    resp = acct.call("GET", "/conversations")
    assert resp.status == 200, resp
    for c in resp.json["conversations"]:
        if c["id"] == conv:
            return c["unread"], c["mentions"], c["unread_capped"]
    raise AssertionError(f"{conv} not listed: {resp.json}")


def hello_counts(ws, conv):
    for c in ws.hello["conversations"]:
        if c["id"] == conv:
            return c["unread"], c["mentions"], c["unread_capped"]
    raise AssertionError(f"{conv} not in hello: {ws.hello}")


def eventually(fn, want, timeout=5.0):
    deadline = time.monotonic() + timeout
    got = fn()
    while got != want and time.monotonic() < deadline:
        time.sleep(0.1)
        got = fn()
    assert got == want, f"got {got}, wanted {want}"


def three_members(cluster, owner_node):
    n1, n2, n3 = cluster
    a, b, c = cluster.account(n1), cluster.account(n2), cluster.account(n3)
    conv = group_owned_by(cluster, owner_node, a, b, c, title="mentions")
    return a, b, c, conv


def test_mentions_resolve_members_only_live_sync_and_history(cluster, ws_open):
    n1, n2, n3 = cluster
    a, b, c, conv = three_members(cluster, n2)
    outsider = cluster.account(n3)
    wc = ws_open(n3, c, "c@n3")
    text = (f"hi @{b.username}, @{c.username}. and @{outsider.username} "
            f"@nosuch_user_x mail {b.username}@host @{b.username} again")
    assert post_message(a, conv, text).status == 201                 # seq 1, via n1
    f = wc.expect("message", conv=conv, seq=1)
    assert f["text"] == text, f                                       # the text is unchanged
    assert f["mentions"] == [b.id, c.id], f                          # members only, once each
    assert post_message(b, conv, "no mention here @").status == 201  # seq 2
    assert wc.expect("message", conv=conv, seq=2)["mentions"] == []

    msgs = by_seq(all_messages(via(c, n1), conv))
    assert msgs[1]["mentions"] == [b.id, c.id]
    assert msgs[2]["mentions"] == []
    page = wc.request("sync", conv=conv, after=0)
    assert [m["mentions"] for m in page["messages"]] == [[b.id, c.id], []], page

    # a user joining later is mentionable from then on (names are looked up on demand)
    d = cluster.account(n1)
    invite(a, conv, d)
    accept_invitation_to(d, conv)
    assert post_message(c, conv, f"welcome @{d.username}").status == 201   # seq 3
    assert wc.expect("message", conv=conv, seq=3)["mentions"] == [d.id]

    # someone who left is plain text again
    assert d.call("DELETE", f"/conversations/{conv}/members/{d.id}").status == 204
    assert post_message(c, conv, f"bye @{d.username}").status == 201      # seq 4
    assert wc.expect("message", conv=conv, seq=4)["mentions"] == []


def test_edit_re_resolves_and_delete_drops_mentions(cluster, ws_open):
    n1, n2, n3 = cluster
    a, b, c, conv = three_members(cluster, n3)
    wa = ws_open(n1, a, "a@n1")
    assert post_message(a, conv, f"ping @{b.username}").status == 201       # seq 1
    assert counts(b, conv)[:2] == (1, 1)
    assert counts(c, conv)[:2] == (1, 0)

    resp = a.call("PATCH", f"/conversations/{conv}/messages/1", {"text": f"ping @{c.username}"})
    assert resp.status == 200, resp                                          # seq 2
    f = wa.expect("change", conv=conv, seq=2)
    assert f["message"]["mentions"] == [c.id], f
    assert by_seq(all_messages(via(b, n2), conv))[1]["mentions"] == [c.id]
    assert counts(b, conv)[:2] == (1, 0)                   # the edit is no news; b not mentioned
    assert counts(c, conv)[:2] == (1, 1)

    assert a.call("DELETE", f"/conversations/{conv}/messages/1").status == 200   # seq 3
    f = wa.expect("change", conv=conv, seq=3)
    assert f["message"]["mentions"] == [] and f["message"]["deleted"] is True, f
    assert counts(c, conv)[:2] == (0, 0)                   # a deleted message is not unread


def test_counts_in_list_and_hello_skip_own_messages_and_drop_on_read(cluster, ws_open):
    n1, n2, n3 = cluster
    a, b, c, conv = three_members(cluster, n3)
    assert post_message(a, conv, "one").status == 201                       # 1
    assert post_message(a, conv, f"two @{b.username}").status == 201        # 2
    assert post_message(b, conv, f"mine, with @{b.username}").status == 201  # 3: b's own
    assert post_message(c, conv, "three").status == 201                     # 4
    assert a.call("POST", f"/conversations/{conv}/messages/4/reactions",
                  {"emoji": "👍"}).status == 200                            # 5: an event

    assert counts(via(b, n1), conv) == (3, 1, False)      # 1, 2, 4; not its own 3
    assert counts(a, conv) == (2, 0, False)               # b's 3 and c's 4
    wb = ws_open(n2, b, "b@n2")
    assert hello_counts(wb, conv) == (3, 1, False)

    # reading up to 2 (on n2) lowers them, seen through another node
    wb.emit("read", conv=conv, seq=2)
    wb.expect("read", conv=conv, user=b.id, seq=2)
    eventually(lambda: counts(via(b, n3), conv), (1, 0, False))
    # reading everything on another device (n1) clears them everywhere
    wb1 = ws_open(n1, b, "b@n1")
    assert hello_counts(wb1, conv) == (1, 0, False)
    wb1.emit("read", conv=conv, seq=5)
    wb1.expect("read", conv=conv, user=b.id, seq=5)
    eventually(lambda: counts(via(b, n2), conv), (0, 0, False))
    assert hello_counts(ws_open(n3, b, "b@n3"), conv) == (0, 0, False)
    assert counts(a, conv) == (2, 0, False)               # a's own marker did not move


def test_counts_survive_a_restart_of_the_conversations_node(fresh_cluster, ws_open):
    n1, n2, n3 = fresh_cluster
    a, b, c, conv = three_members(fresh_cluster, n2)
    assert post_message(a, conv, f"hey @{c.username}").status == 201
    assert post_message(b, conv, "hello").status == 201
    wc = ws_open(n3, c, "c@n3")
    wc.emit("read", conv=conv, seq=1)
    wc.expect("read", conv=conv, user=c.id, seq=1)
    assert post_message(a, conv, f"again @{c.username}").status == 201
    eventually(lambda: counts(c, conv), (2, 1, False))

    fresh_cluster.restart(n2)
    eventually(lambda: counts(via(c, n1), conv), (2, 1, False), timeout=15)
    assert by_seq(all_messages(via(c, n1), conv))[3]["mentions"] == [c.id]
