"""Changing messages (docs/protocol.md "Changing messages"): edit, delete,
replies and reactions on a three-node cluster. Each change takes its own seq
(an event item of kind edit/delete/react/unreact naming its `target`), the
target reads in its current state in history and sync, and every member's
connection on every node gets a `change` frame live."""
from chatclient import all_messages, assert_error, history, post_message, unique_name
from cluster_harness import group_owned_by, via


def by_seq(messages):
    return {m["seq"]: m for m in messages}


def edit(acct, conv, seq, text):
    return acct.call("PATCH", f"/conversations/{conv}/messages/{seq}", {"text": text})


def delete(acct, conv, seq):
    return acct.call("DELETE", f"/conversations/{conv}/messages/{seq}")


def react(acct, conv, seq, emoji, method="POST"):
    return acct.call(method, f"/conversations/{conv}/messages/{seq}/reactions", {"emoji": emoji})


def three_members(cluster, owner_node):
    """owner (a), b and c, talking to n1, n2 and n3; the conversation lives
    on `owner_node`."""
    n1, n2, n3 = cluster
    a, b, c = cluster.account(n1), cluster.account(n2), cluster.account(n3)
    conv = group_owned_by(cluster, owner_node, a, b, c, title="changes")
    return a, b, c, conv


def test_edit_is_seen_live_on_every_node_and_in_history_and_sync(cluster, ws_open):
    n1, n2, n3 = cluster
    a, b, c, conv = three_members(cluster, n2)
    wb, wc = ws_open(n2, b, "b@n2"), ws_open(n3, c, "c@n3")
    assert post_message(a, conv, "helo").status == 201            # seq 1, via n1
    assert post_message(b, conv, "hi a").status == 201             # seq 2
    wc.expect("message", conv=conv, seq=2)

    resp = edit(a, conv, 1, "hello")                              # via n1
    assert resp.status == 200, resp
    assert resp.json["conv"] == conv and resp.json["seq"] == 3, resp   # its own seq, no gap
    for ws in (wb, wc):
        f = ws.expect("change", conv=conv, seq=3)
        assert (f["kind"], f["target"], f["from"], f["text"]) == ("edit", 1, a.id, "hello"), f
        assert f["message"]["seq"] == 1 and f["message"]["text"] == "hello", f
        assert isinstance(f["message"]["edited_at"], int), f
        ws.no_frame_of("message", within=0, seq=3)                # not a new message

    # history (through a third node) shows the current state and the event
    msgs = by_seq(all_messages(via(c, n3), conv))
    assert sorted(msgs) == [1, 2, 3]
    assert msgs[1]["text"] == "hello" and msgs[1]["kind"] == "message"
    assert msgs[1]["edited_at"] is not None and msgs[1]["deleted"] is False
    assert msgs[2]["edited_at"] is None
    assert (msgs[3]["kind"], msgs[3]["target"], msgs[3]["text"]) == ("edit", 1, "hello")

    # a client that reconnects catches up from its last seq through sync
    wb.close()
    assert edit(a, conv, 1, "hello!").status == 200                # seq 4, b offline
    wb2 = ws_open(n3, b, "b@n3")
    page = wb2.request("sync", conv=conv, after=2)
    assert page["type"] == "history", page
    got = [(m["seq"], m.get("kind"), m.get("target")) for m in page["messages"]]
    assert got == [(3, "edit", 1), (4, "edit", 1)], page
    first = wb2.request("sync", conv=conv, after=0, limit=1)["messages"][0]
    assert first["text"] == "hello!", first


def test_delete_by_author_and_by_owner_not_by_others(cluster, ws_open):
    n1, n2, n3 = cluster
    a, b, c, conv = three_members(cluster, n3)
    wa = ws_open(n1, a, "a@n1")
    post_message(b, conv, "b one")                                # 1
    post_message(b, conv, "b two")                                # 2
    post_message(c, conv, "c one")                                # 3

    assert_error(delete(c, conv, 1), 403, "forbidden")            # someone else's
    assert_error(edit(a, conv, 1, "x"), 403, "forbidden")         # even the owner may not edit
    assert_error(edit(c, conv, 1, "x"), 403, "forbidden")

    resp = delete(b, conv, 1)                                     # the author
    assert resp.status == 200 and resp.json["seq"] == 4, resp
    f = wa.expect("change", conv=conv, seq=4)
    assert f["kind"] == "delete" and f["target"] == 1 and f["text"] == "", f
    assert f["message"]["deleted"] is True and f["message"]["text"] == "", f

    resp = delete(a, conv, 2)                                     # the conversation's owner
    assert resp.status == 200 and resp.json["seq"] == 5, resp

    msgs = by_seq(all_messages(via(c, n2), conv))
    assert msgs[1]["deleted"] is True and msgs[1]["text"] == "" and msgs[1]["from"] == b.id
    assert msgs[2]["deleted"] is True
    assert msgs[3]["deleted"] is False and msgs[3]["text"] == "c one"
    assert [msgs[s]["kind"] for s in (4, 5)] == ["delete", "delete"]

    # a deleted message can be neither edited nor deleted again
    assert_error(edit(b, conv, 1, "back"), 409, "conflict")
    assert_error(delete(b, conv, 1), 409, "conflict")


def test_bad_changes_are_refused_with_clear_errors(cluster, ws_open):
    n1, n2, n3 = cluster
    a, b, c, conv = three_members(cluster, n1)
    outsider = cluster.account(n2)
    post_message(a, conv, "original")                             # 1
    assert edit(a, conv, 1, "edited").status == 200               # 2: an event

    assert_error(edit(a, conv, 99, "x"), 404, "not_found")        # unknown seq
    assert_error(delete(a, conv, 99), 404, "not_found")
    assert_error(edit(a, conv, 2, "x"), 400, "bad_request")       # editing an edit
    assert_error(delete(a, conv, 2), 400, "bad_request")
    assert_error(edit(a, conv, 0, "x"), 400, "bad_request")
    assert_error(a.call("PATCH", f"/conversations/{conv}/messages/abc", {"text": "x"}),
                 400, "bad_request")
    assert_error(edit(a, conv, 1, ""), 400, "bad_request")        # text limits as for send
    assert_error(edit(a, conv, 1, "x" * 4097), 400, "bad_request")
    assert_error(a.call("PATCH", f"/conversations/{conv}/messages/1", {"text": 5}),
                 400, "bad_request")
    assert_error(edit(outsider, conv, 1, "mine now"), 403, "forbidden")  # not a member
    assert_error(delete(outsider, conv, 1), 403, "forbidden")
    assert_error(react(outsider, conv, 1, "👍"), 403, "forbidden")

    # over WebSocket: the same rules, answered with `error` carrying `re`
    ws = ws_open(n2, b, "b@n2")
    f = ws.request("edit", conv=conv, seq=1, text="b's now")
    assert (f["type"], f["code"]) == ("error", "forbidden"), f
    f = ws.request("delete", conv=conv, seq=42)
    assert (f["type"], f["code"]) == ("error", "not_found"), f
    f = ws.request("edit", conv=conv, seq=1)
    assert (f["type"], f["code"]) == ("error", "bad_request"), f
    f = ws.request("edit", conv=conv, seq="1", text="x")
    assert (f["type"], f["code"]) == ("error", "bad_request"), f
    wo = ws_open(n3, outsider, "outsider@n3")
    f = wo.request("delete", conv=conv, seq=1)
    assert (f["type"], f["code"]) == ("error", "forbidden"), f

    # nothing of that was stored
    msgs = all_messages(a, conv)
    assert [m["seq"] for m in msgs] == [1, 2] and msgs[0]["text"] == "edited"


def test_changes_over_websocket_answer_sent_with_their_own_seq(cluster, ws_open):
    n1, n2, n3 = cluster
    a, b, c, conv = three_members(cluster, n2)
    wa, wc = ws_open(n1, a, "a@n1"), ws_open(n3, c, "c@n3")
    sent = wa.request("send", conv=conv, text="typo")
    assert sent["type"] == "sent" and sent["seq"] == 1, sent
    f = wa.request("edit", conv=conv, seq=1, text="fixed")
    assert f["type"] == "sent" and f["seq"] == 2, f
    change = wc.expect("change", conv=conv, seq=2)
    assert change["message"]["text"] == "fixed", change
    f = wa.request("delete", conv=conv, seq=1)
    assert f["type"] == "sent" and f["seq"] == 3, f
    change = wc.expect("change", conv=conv, seq=3)
    assert change["kind"] == "delete" and change["message"]["deleted"] is True, change
    # the author sees its own changes live too
    wa.expect("change", conv=conv, seq=3)


def test_replies_name_an_existing_message(cluster, ws_open):
    n1, n2, n3 = cluster
    a, b, c, conv = three_members(cluster, n3)
    wc = ws_open(n1, c, "c@n1")
    post_message(a, conv, "question")                             # 1
    resp = b.call("POST", f"/conversations/{conv}/messages", {"text": "answer", "reply_to": 1})
    assert resp.status == 201 and resp.json["seq"] == 2, resp
    f = wc.expect("message", conv=conv, seq=2)
    assert f["reply_to"] == 1 and f["text"] == "answer", f
    ws = ws_open(n2, b, "b@n2")
    sent = ws.request("send", conv=conv, text="again", reply_to=2)
    assert sent["type"] == "sent" and sent["seq"] == 3, sent
    assert edit(a, conv, 1, "question?").status == 200            # 4: an event

    assert_error(b.call("POST", f"/conversations/{conv}/messages",
                        {"text": "to nothing", "reply_to": 99}), 404, "not_found")
    assert_error(b.call("POST", f"/conversations/{conv}/messages",
                        {"text": "to an edit", "reply_to": 4}), 400, "bad_request")
    assert_error(b.call("POST", f"/conversations/{conv}/messages",
                        {"text": "bad", "reply_to": "1"}), 400, "bad_request")
    f = ws.request("send", conv=conv, text="to nothing", reply_to=99)
    assert (f["type"], f["code"]) == ("error", "not_found"), f
    f = ws.request("send", conv=conv, text="neg", reply_to=-1)
    assert (f["type"], f["code"]) == ("error", "bad_request"), f

    msgs = by_seq(all_messages(via(a, n2), conv))
    assert sorted(msgs) == [1, 2, 3, 4]
    assert msgs[1]["reply_to"] is None
    assert msgs[2]["reply_to"] == 1 and msgs[3]["reply_to"] == 2


def test_reactions_counted_per_user_and_emoji(cluster, ws_open):
    n1, n2, n3 = cluster
    a, b, c, conv = three_members(cluster, n1)
    wa = ws_open(n3, a, "a@n3")
    post_message(a, conv, "lunch?")                               # 1

    resp = react(b, conv, 1, "👍")
    assert resp.status == 200 and resp.json["seq"] == 2, resp
    f = wa.expect("change", conv=conv, seq=2)
    assert (f["kind"], f["target"], f["text"]) == ("react", 1, "👍"), f
    assert f["message"]["reactions"] == [{"emoji": "👍", "count": 1, "users": [b.id]}], f
    assert react(c, conv, 1, "👍").status == 200                   # 3
    ws = ws_open(n2, c, "c@n2")
    f = ws.request("react", conv=conv, seq=1, emoji="🍕")          # 4
    assert f["type"] == "sent" and f["seq"] == 4, f

    assert_error(react(b, conv, 1, "👍"), 409, "conflict")          # one per user and emoji
    assert_error(react(b, conv, 1, ""), 400, "bad_request")
    assert_error(react(b, conv, 1, "x" * 33), 400, "bad_request")
    assert_error(react(b, conv, 1, "two words"), 400, "bad_request")
    assert_error(react(b, conv, 99, "👍"), 404, "not_found")
    assert_error(react(b, conv, 2, "👍"), 400, "bad_request")       # an event, not a message
    assert_error(react(a, conv, 1, "👎", method="DELETE"), 404, "not_found")  # never reacted

    msg = all_messages(a, conv)[0]
    assert msg["reactions"] == [{"emoji": "👍", "count": 2, "users": [b.id, c.id]},
                                {"emoji": "🍕", "count": 1, "users": [c.id]}], msg

    resp = react(b, conv, 1, "👍", method="DELETE")               # 5
    assert resp.status == 200 and resp.json["seq"] == 5, resp
    f = wa.expect("change", conv=conv, seq=5)
    assert f["kind"] == "unreact", f
    f = ws.request("unreact", conv=conv, seq=1, emoji="🍕")        # 6
    assert f["type"] == "sent" and f["seq"] == 6, f
    msg = all_messages(a, conv)[0]
    assert msg["reactions"] == [{"emoji": "👍", "count": 1, "users": [c.id]}], msg

    # a bounded number of distinct emojis per message
    post_message(a, conv, "many")                                 # 7
    for i in range(20):
        assert react(a, conv, 7, f"e{i}").status == 200
    assert_error(react(b, conv, 7, "e20"), 409, "conflict")
    assert react(b, conv, 7, "e0").status == 200                  # an existing one still counts


def test_old_style_send_and_history_keep_working(cluster):
    n1, n2, n3 = cluster
    a, b, c, conv = three_members(cluster, n2)
    resp = post_message(a, conv, "plain", client_msg_id=unique_name("cm"))
    assert resp.status == 201 and resp.json["seq"] == 1
    page = history(b, conv).json["messages"]
    m = page[0]
    for key in ("conv", "seq", "msg_id", "from", "text", "ts", "client_msg_id"):
        assert key in m, m
    assert m["kind"] == "message" and m["reactions"] == [] and m["reply_to"] is None


def test_web_client_shows_edits_and_deletions_not_events(cluster, browser):
    """The shipped web client applies changes (live, and from history after a
    reload) instead of showing change events as messages."""
    from chatclient import Account, login
    from webui import PASSWORD, messages, open_conv, register_in, wait_message
    n1, n2, n3 = cluster
    a = cluster.account(n2)
    b = browser("b", 1100, 760)
    name = unique_name("web")
    register_in(b, n1, name, "Web")
    tokens = login(n1.api, name, PASSWORD)
    web = Account(n1.api, name, PASSWORD, tokens["user"], tokens)
    me = web.id
    conv = a.call("POST", "/conversations", {"title": "web changes", "invite": [me]}).json["id"]
    inv = [i for i in web.call("GET", "/invitations").json["invitations"] if i["conv"] == conv]
    assert web.call("POST", f"/invitations/{inv[0]['id']}/accept").status == 200
    for text in ("first", "secnd", "third"):
        assert post_message(a, conv, text).status == 201
    open_conv(b, "web changes")
    wait_message(b, "third")

    assert edit(a, conv, 2, "second").status == 200                # live
    wait_message(b, "second")
    assert delete(a, conv, 3).status == 200
    wait_message(b, "Message deleted")
    assert messages(b) == ["first", "second", "Message deleted"], messages(b)

    assert react(a, conv, 1, "🎉").status == 200
    assert react(web, conv, 1, "🎉").status == 200
    resp = a.call("POST", f"/conversations/{conv}/messages", {"text": "indeed", "reply_to": 2})
    assert resp.status == 201, resp
    wait_message(b, "indeed")

    def shown():
        return b.js("return [...document.querySelectorAll('#messages li.msg[data-seq]')].map(e => ["
                    "e.querySelector('.quote').textContent, e.querySelector('.text').textContent,"
                    "e.querySelector('.reacts').textContent])")
    want = [["", "first", "🎉 2"], ["", "second", ""], ["", "Message deleted", ""],
            [f"↩ {a.username}: second", "indeed", ""]]
    b.wait(lambda: shown() == want, "reactions and the reply shown live")
    # a reaction removed, live
    assert react(a, conv, 1, "🎉", method="DELETE").status == 200
    want[0][2] = "🎉 1"
    b.wait(lambda: shown() == want, "the reaction removed live")

    b.d.refresh()                                                 # from history
    open_conv(b, "web changes")
    wait_message(b, "second")
    b.wait(lambda: messages(b) == ["first", "second", "Message deleted", "indeed"],
           "the current state after a reload, no event shown as a message")
    b.wait(lambda: shown() == want, "reactions and the reply after a reload")


def test_pipelined_changes_build_on_each_other(cluster, ws_open):
    """Changes sent back to back, before any is durable, each see the one
    before (the second edit is not lost, reactions from several nodes add up)."""
    n1, n2, n3 = cluster
    a, b, c, conv = three_members(cluster, n3)
    wa, wb, wc = ws_open(n1, a, "a@n1"), ws_open(n2, b, "b@n2"), ws_open(n3, c, "c@n3")
    assert wa.request("send", conv=conv, text="v0")["seq"] == 1
    ids = wa.emit_many([{"type": "edit", "conv": conv, "seq": 1, "text": f"v{i}"}
                        for i in range(1, 21)])
    answers = [wa.answer(i) for i in ids]
    assert [f["seq"] for f in answers] == list(range(2, 22)), answers
    emojis = ["👍", "🎉", "❤️"]
    for ws in (wa, wb, wc):
        ws.emit_many([{"type": "react", "conv": conv, "seq": 1, "emoji": e} for e in emojis])
    for ws in (wa, wb, wc):
        frames = [ws.expect("change", conv=conv, kind="react") for _ in range(9)]
        assert all(f["message"]["text"] == "v20" for f in frames), frames
    msg = all_messages(a, conv)[0]
    assert msg["text"] == "v20"
    assert sorted((r["emoji"], r["count"], sorted(r["users"])) for r in msg["reactions"]) == \
        sorted((e, 3, sorted([a.id, b.id, c.id])) for e in emojis), msg
    assert [m["seq"] for m in all_messages(b, conv)] == list(range(1, 31))


def test_changes_count_against_the_send_budget(node_factory, ws_open):
    node = node_factory(extra_cluster="rate_burst = 3\nrate_per_second = 1\n")
    from chatclient import new_account
    a = new_account(node.api)
    conv = a.call("POST", "/conversations", {"title": "budget"}).json["id"]
    assert post_message(a, conv, "one").status == 201
    assert edit(a, conv, 1, "two").status == 200
    assert react(a, conv, 1, "👍").status == 200
    resp = delete(a, conv, 1)
    assert_error(resp, 429, "rate_limited")
    assert int(resp.headers.get("Retry-After", "0")) >= 1
    ws = ws_open(node, a, "a")
    ids = ws.emit_many([{"type": "edit", "conv": conv, "seq": 1, "text": f"w{i}"}
                        for i in range(4)])
    answers = [ws.answer(i) for i in ids]
    assert [f["type"] for f in answers[:3]] == ["sent"] * 3, answers
    assert (answers[3]["type"], answers[3]["code"]) == ("error", "rate_limited"), answers


def test_changes_survive_the_loss_of_the_leader(fresh_cluster):
    """Changes are replicated like messages: after a kill -9 of the node that
    led the conversation, the others show the current state and accept
    further changes; once it returns, calls through it see them too."""
    import time
    cluster = fresh_cluster
    n1, n2, n3 = cluster
    a, b = cluster.account(n1), cluster.account(n2)
    conv = group_owned_by(cluster, n3, a, b, title="replicated changes")
    post_message(a, conv, "draft")                                # 1
    post_message(b, conv, "reply")                                # 2
    assert edit(a, conv, 1, "final").status == 200                # 3
    assert react(b, conv, 1, "👍").status == 200                   # 4
    assert delete(b, conv, 2).status == 200                       # 5
    resp = b.call("POST", f"/conversations/{conv}/messages", {"text": "re", "reply_to": 1})
    assert resp.status == 201 and resp.json["seq"] == 6, resp     # 6
    before = all_messages(a, conv)

    cluster.kill9(n3)
    deadline = time.monotonic() + 10
    while True:                                                   # failover: a few seconds
        resp = history(via(a, n1), conv)
        if resp.status == 200:
            break
        assert time.monotonic() < deadline, resp
        time.sleep(0.2)
    after = all_messages(via(a, n1), conv)
    assert after == before
    first = by_seq(after)[1]
    assert first["text"] == "final" and first["edited_at"] is not None
    assert first["reactions"] == [{"emoji": "👍", "count": 1, "users": [b.id]}]
    assert by_seq(after)[2]["deleted"] is True
    assert by_seq(after)[6]["reply_to"] == 1
    # the new leader builds on the replicated state
    assert_error(edit(via(b, n2), conv, 2, "undelete"), 409, "conflict")
    assert_error(react(via(b, n2), conv, 1, "👍"), 409, "conflict")
    resp = edit(via(a, n2), conv, 1, "final!")
    assert resp.status == 200 and resp.json["seq"] == 7, resp

    n3.start()
    cluster.wait_ready()
    deadline = time.monotonic() + 10
    while by_seq(all_messages(via(a, n3), conv)).get(7) is None:
        assert time.monotonic() < deadline, "n3 did not catch up"
        time.sleep(0.2)
    assert by_seq(all_messages(via(a, n3), conv))[1]["text"] == "final!"


def test_web_client_edits_replies_and_reacts(cluster, browser):
    """From the page: edit your message, reply to one, toggle a reaction;
    another member sees each change through the API."""
    from chatclient import Account, login
    from webui import PASSWORD, messages, open_conv, register_in, send, wait_message
    n1, n2, n3 = cluster
    a = cluster.account(n2)
    b = browser("b", 1100, 760)
    name = unique_name("webui")
    register_in(b, n3, name, "Webui")
    tokens = login(n3.api, name, PASSWORD)
    web = Account(n3.api, name, PASSWORD, tokens["user"], tokens)
    conv = a.call("POST", "/conversations", {"title": "web actions", "invite": [web.id]}).json["id"]
    inv = [i for i in web.call("GET", "/invitations").json["invitations"] if i["conv"] == conv]
    assert web.call("POST", f"/invitations/{inv[0]['id']}/accept").status == 200
    assert post_message(a, conv, "question from a").status == 201     # 1
    open_conv(b, "web actions")
    wait_message(b, "question from a")
    send(b, "my answr")                                                # 2

    def item(seq):
        return b.one(f'#messages li.msg[data-seq="{seq}"]')

    # edit own message: its Edit button fills the composer, Enter saves
    assert b.js("return arguments[0].hidden", item(1).find_element("css selector", ".act-edit"))
    b.js("arguments[0].click()", item(2).find_element("css selector", ".act-edit"))
    box = b.one("#composer-text")
    assert box.get_attribute("value") == "my answr"
    box.clear()
    box.send_keys("my answer\n")
    wait_message(b, "my answer")
    b.wait(lambda: by_seq(all_messages(a, conv))[2]["text"] == "my answer", "the edit stored")

    # reply to a's message
    b.js("arguments[0].click()", item(1).find_element("css selector", ".act-reply"))
    b.fill("#composer-text", "replying").send_keys("\n")
    wait_message(b, "replying")
    b.wait(lambda: any(m.get("reply_to") == 1 and m["text"] == "replying"
                       for m in all_messages(a, conv)), "the reply stored with reply_to")

    # toggle 👍 on a's message, twice
    b.js("arguments[0].click()", item(1).find_element("css selector", ".act-react"))
    b.wait(lambda: by_seq(all_messages(a, conv))[1]["reactions"]
           == [{"emoji": "👍", "count": 1, "users": [web.id]}], "the reaction stored")
    b.wait(lambda: item(1).find_element("css selector", ".reacts").text == "👍 1", "the reaction shown")
    b.js("arguments[0].click()", item(2).find_element("css selector", ".act-reply"))
    b.shot("message-changes")
    b.one("#composer-mode button").click()
    b.js("arguments[0].click()", item(1).find_element("css selector", ".act-react"))
    b.wait(lambda: by_seq(all_messages(a, conv))[1]["reactions"] == [], "the reaction removed")
    assert "question from a" in messages(b)
