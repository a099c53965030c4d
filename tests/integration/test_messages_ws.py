"""Messages over the WebSocket: send/sent, fan-out to every connection of every
member, seq order, idempotency, validation, sync."""
import threading

import pytest

from chatclient import (all_messages, assert_error, create_conversation, group_with,
                        is_int, new_account, now_ms, post_many, post_message, sibling_id)

MESSAGE_FIELDS = {"conv", "seq", "msg_id", "from", "text", "ts", "client_msg_id"}


def collect_messages(c, conv, n, timeout=10.0):
    """The next n message frames of `conv` on connection c, in arrival order."""
    return [c.next(lambda f: f.get("type") == "message" and f.get("conv") == conv,
                   timeout, what=f"message {i + 1} of {n} in {conv}") for i in range(n)]


def send_ok(c, conv, text, **fields):
    f = c.request("send", conv=conv, text=text, **fields)
    assert f["type"] == "sent", f
    return f


def error_answer(c, code, **frame):
    rid = c.emit(frame.pop("type"), **frame)
    f = c.answer(rid)
    assert f["type"] == "error" and f["code"] == code, f
    assert f["re"] == rid
    return f


# ---------------------------------------------------------------- send / deliver

def test_sent_and_message_reach_every_connection(node, ws_open):
    a = new_account(node.api)
    b = new_account(node.api)
    conv = group_with(a, b)
    a1, a2, b1 = ws_open(node, a, "a1"), ws_open(node, a, "a2"), ws_open(node, b, "b1")
    before = now_ms()
    rid = a1.emit("send", conv=conv, text="hello there", client_msg_id="cm-1")
    sent = a1.answer(rid)
    assert sent["type"] == "sent", sent
    assert sent["re"] == rid and sent["conv"] == conv and sent["seq"] == 1
    assert sent["msg_id"].startswith("m_")
    assert is_int(sent["ts"]) and before - 1000 <= sent["ts"] <= now_ms() + 1000
    for c in (a1, a2, b1):
        f = c.expect("message", conv=conv)
        assert set(f) >= MESSAGE_FIELDS | {"type"}, f
        assert f["seq"] == 1 and f["msg_id"] == sent["msg_id"] and f["ts"] == sent["ts"]
        assert f["from"] == a.id and f["text"] == "hello there" and f["client_msg_id"] == "cm-1"
        c.no_frame_of("message", within=0.2)      # exactly once per connection


def test_message_without_client_msg_id_has_null(node, ws_open):
    a = new_account(node.api)
    conv = create_conversation(a, "solo")["id"]
    c = ws_open(node, a)
    send_ok(c, conv, "no id")
    f = c.expect("message", conv=conv)
    assert "client_msg_id" in f and f["client_msg_id"] is None, f


def test_non_members_get_nothing(node, ws_open):
    a = new_account(node.api)
    outsider = new_account(node.api)
    conv = create_conversation(a, "closed")["id"]
    w = ws_open(node, outsider)
    c = ws_open(node, a)
    send_ok(c, conv, "secret")
    w.no_frame_of("message", within=0.5)


def test_seq_starts_at_1_and_grows_by_1(node, ws_open):
    a = new_account(node.api)
    b = new_account(node.api)
    conv = group_with(a, b)
    ca, cb = ws_open(node, a), ws_open(node, b)
    seqs = []
    for i in range(6):
        seqs.append(send_ok(ca, conv, f"w{i}")["seq"])
        resp = post_message(b, conv, f"h{i}")
        assert resp.status == 201, resp
        seqs.append(resp.json["seq"])
    assert seqs == list(range(1, 13))
    for c in (ca, cb):
        got = collect_messages(c, conv, 12)
        assert [f["seq"] for f in got] == list(range(1, 13))
        assert [f["text"] for f in got] == [t for i in range(6) for t in (f"w{i}", f"h{i}")]
    stored = all_messages(a, conv)
    assert [m["seq"] for m in stored] == list(range(1, 13))


def test_concurrent_senders_all_see_one_gapless_order(node, ws_open):
    users = [new_account(node.api) for _ in range(4)]
    conv = group_with(*users, title="busy")
    senders = [ws_open(node, users[0], "u0a"), ws_open(node, users[0], "u0b"),
               ws_open(node, users[1], "u1"), ws_open(node, users[2], "u2")]
    observer = ws_open(node, users[3], "obs")
    per_conn = 25
    total = per_conn * len(senders)
    ids = [[] for _ in senders]
    barrier = threading.Barrier(len(senders))
    errors = []

    def run(k):
        try:
            barrier.wait()
            for i in range(per_conn):
                ids[k].append(senders[k].emit("send", conv=conv, text=f"c{k}-{i}",
                                              client_msg_id=f"c{k}-{i}"))
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(senders))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    for k, c in enumerate(senders):
        answers = [c.answer(rid, timeout=10) for rid in ids[k]]
        assert all(f["type"] == "sent" for f in answers), [f for f in answers if f["type"] != "sent"]
        seqs = [f["seq"] for f in answers]
        assert seqs == sorted(seqs) and len(set(seqs)) == per_conn, (k, seqs)   # stored in order sent
    views = {}
    for c in senders + [observer]:
        got = collect_messages(c, conv, total)
        assert [f["seq"] for f in got] == list(range(1, total + 1)), (c, [f["seq"] for f in got])
        views[c.name] = [(f["seq"], f["msg_id"], f["text"]) for f in got]
    first = next(iter(views.values()))
    assert all(v == first for v in views.values())
    stored = all_messages(users[3], conv)
    assert [(m["seq"], m["msg_id"], m["text"]) for m in stored] == first
    for k in range(len(senders)):
        mine = [m["text"] for m in stored if m["text"].startswith(f"c{k}-")]
        assert mine == [f"c{k}-{i}" for i in range(per_conn)]


# ---------------------------------------------------------------- idempotency

def test_duplicate_client_msg_id_over_ws(node, ws_open):
    a = new_account(node.api)
    b = new_account(node.api)
    conv = group_with(a, b)
    ca, cb = ws_open(node, a), ws_open(node, b)
    first = send_ok(ca, conv, "once", client_msg_id="dup-1")
    cb.expect("message", conv=conv)
    ca.expect("message", conv=conv)
    again = send_ok(ca, conv, "once", client_msg_id="dup-1")
    changed = send_ok(ca, conv, "different text", client_msg_id="dup-1")
    for f in (again, changed):
        assert (f["seq"], f["msg_id"], f["ts"], f["conv"]) == \
               (first["seq"], first["msg_id"], first["ts"], first["conv"]), (f, first)
    cb.no_frame_of("message", within=0.5)
    ca.no_frame_of("message", within=0.1)
    stored = all_messages(b, conv)
    assert [(m["seq"], m["text"], m["client_msg_id"]) for m in stored] == [(1, "once", "dup-1")]
    nxt = send_ok(ca, conv, "next", client_msg_id="dup-2")
    assert nxt["seq"] == 2


def test_duplicate_from_another_connection_of_the_same_user(node, ws_open):
    a = new_account(node.api)
    conv = create_conversation(a, "two sockets")["id"]
    c1, c2 = ws_open(node, a), ws_open(node, a)
    first = send_ok(c1, conv, "x", client_msg_id="same")
    second = send_ok(c2, conv, "x", client_msg_id="same")
    assert (second["seq"], second["msg_id"]) == (first["seq"], first["msg_id"])
    assert len(all_messages(a, conv)) == 1


def test_client_msg_id_is_per_user_and_per_conversation(node, ws_open):
    a = new_account(node.api)
    b = new_account(node.api)
    conv = group_with(a, b)
    conv2 = group_with(a, b)
    ca, cb = ws_open(node, a), ws_open(node, b)
    s1 = send_ok(ca, conv, "from a", client_msg_id="k")
    s2 = send_ok(cb, conv, "from b", client_msg_id="k")
    s3 = send_ok(ca, conv2, "a elsewhere", client_msg_id="k")
    assert (s1["seq"], s2["seq"], s3["seq"]) == (1, 2, 1)
    assert len({s1["msg_id"], s2["msg_id"], s3["msg_id"]}) == 3
    assert [m["text"] for m in all_messages(a, conv)] == ["from a", "from b"]


def test_duplicate_over_http_answers_200_with_the_original(node, ws_open):
    a = new_account(node.api)
    b = new_account(node.api)
    conv = group_with(a, b)
    cb = ws_open(node, b)
    r1 = post_message(a, conv, "http once", client_msg_id="h-1")
    assert r1.status == 201, r1
    assert set(r1.json) >= {"conv", "seq", "msg_id", "ts"}
    cb.expect("message", conv=conv, seq=r1.json["seq"])
    r2 = post_message(a, conv, "http once", client_msg_id="h-1")
    assert r2.status == 200, r2
    assert {k: r2.json[k] for k in ("conv", "seq", "msg_id", "ts")} == \
           {k: r1.json[k] for k in ("conv", "seq", "msg_id", "ts")}
    ca = ws_open(node, a)
    s = send_ok(ca, conv, "via ws now", client_msg_id="h-1")
    assert (s["seq"], s["msg_id"]) == (r1.json["seq"], r1.json["msg_id"])
    cb.no_frame_of("message", within=0.5)
    assert len(all_messages(a, conv)) == 1


def test_ws_then_http_duplicate_is_200(node, ws_open):
    a = new_account(node.api)
    conv = create_conversation(a, "ws first")["id"]
    ca = ws_open(node, a)
    s = send_ok(ca, conv, "first", client_msg_id="w-1")
    r = post_message(a, conv, "first", client_msg_id="w-1")
    assert r.status == 200, r
    assert (r.json["seq"], r.json["msg_id"]) == (s["seq"], s["msg_id"])


# ---------------------------------------------------------------- errors

def test_non_member_send_and_sync_are_forbidden(node, ws_open):
    a = new_account(node.api)
    outsider = new_account(node.api)
    conv = create_conversation(a, "members only")["id"]
    w = ws_open(node, outsider)
    error_answer(w, "forbidden", type="send", conv=conv, text="let me in")
    error_answer(w, "forbidden", type="sync", conv=conv, after=0)
    w.assert_alive()
    assert all_messages(a, conv) == []


@pytest.mark.parametrize("kind", ["sibling", "malformed"])
def test_unknown_conversation_is_not_found(node, ws_open, kind):
    a = new_account(node.api)
    real = create_conversation(a, "real")["id"]
    conv = sibling_id(real) if kind == "sibling" else "c_nope"
    c = ws_open(node, a)
    error_answer(c, "not_found", type="send", conv=conv, text="anyone?")
    error_answer(c, "not_found", type="sync", conv=conv, after=0)
    c.assert_alive()


@pytest.mark.parametrize("text", ["a" * 4096, "é" * 2048, "€" * 1365 + "a", "🎉" * 1024, "x"],
                         ids=["4096_ascii", "4096_2byte", "4096_3byte", "4096_4byte", "1_byte"])
def test_text_up_to_4096_bytes_is_accepted(node, ws_open, text):
    a = new_account(node.api)
    conv = create_conversation(a, "limits")["id"]
    c = ws_open(node, a)
    send_ok(c, conv, text)
    assert c.expect("message", conv=conv)["text"] == text
    assert post_message(a, conv, text).status == 201


@pytest.mark.parametrize("text", ["", "a" * 4097, "é" * 2048 + "a", "€" * 1366, "🎉" * 1025,
                                  5, None],
                         ids=["empty", "4097_ascii", "4097_2byte", "4098_3byte", "4100_4byte",
                              "number", "null"])
def test_text_out_of_limits_is_bad_request(node, ws_open, text):
    a = new_account(node.api)
    conv = create_conversation(a, "limits")["id"]
    c = ws_open(node, a)
    error_answer(c, "bad_request", type="send", conv=conv, text=text)
    assert_error(post_message(a, conv, text), 400, "bad_request")
    c.no_frame_of("message", within=0.2)
    assert all_messages(a, conv) == []


def test_escaped_lone_surrogate_in_text_is_bad_request_with_re(node, ws_open):
    """{"type":"send","id":1,"conv":…,"text":"bad \\ud800 x"} is a JSON object with an id
    whose text is invalid (PROTOCOL: a lone surrogate, escaped or encoded, is invalid
    text), so the bad_request answer carries re like every other invalid send."""
    a = new_account(node.api)
    conv = create_conversation(a, "surrogate")["id"]
    c = ws_open(node, a)
    c.send_text('{"type":"send","id":1,"conv":"%s","text":"bad \\ud800 x"}' % conv)
    f = c.next(lambda f: f.get("type") == "error", what="error frame")
    assert f["code"] == "bad_request", f
    assert f.get("re") == 1, f"the error does not answer id 1: {f}"
    assert_error(post_message(a, conv, "bad \ud800 x"), 400, "bad_request")
    c.assert_alive()
    assert all_messages(a, conv) == []


@pytest.mark.parametrize("cmid", ["x" * 64, "é" * 32, "1"], ids=["64_ascii", "64_2byte", "1"])
def test_client_msg_id_up_to_64_bytes_is_accepted(node, ws_open, cmid):
    a = new_account(node.api)
    conv = create_conversation(a, "cmid")["id"]
    c = ws_open(node, a)
    send_ok(c, conv, "ok", client_msg_id=cmid)
    assert c.expect("message", conv=conv)["client_msg_id"] == cmid


@pytest.mark.parametrize("cmid", ["x" * 65, "é" * 32 + "x", "", 17, ["a"], {"a": 1}],
                         ids=["65_ascii", "65_2byte", "empty", "number", "list", "object"])
def test_invalid_client_msg_id_is_bad_request(node, ws_open, cmid):
    a = new_account(node.api)
    conv = create_conversation(a, "cmid")["id"]
    c = ws_open(node, a)
    error_answer(c, "bad_request", type="send", conv=conv, text="t", client_msg_id=cmid)
    assert_error(post_message(a, conv, "t", client_msg_id=cmid), 400, "bad_request")
    assert all_messages(a, conv) == []


# ---------------------------------------------------------------- sync

def test_sync_returns_messages_after(node, ws_open):
    a = new_account(node.api)
    b = new_account(node.api)
    conv = group_with(a, b)
    for i in range(1, 8):
        assert post_message(a if i % 2 else b, conv, f"s{i}", client_msg_id=f"k{i}").status == 201
    c = ws_open(node, b)
    rid = c.emit("sync", conv=conv, after=3)
    h = c.answer(rid)
    assert h["type"] == "history" and h["re"] == rid and h["conv"] == conv, h
    assert h["has_more"] is False
    assert [m["seq"] for m in h["messages"]] == [4, 5, 6, 7]
    m = h["messages"][0]
    assert set(m) >= MESSAGE_FIELDS, m
    assert m["conv"] == conv and m["text"] == "s4" and m["from"] == b.id
    assert m["client_msg_id"] == "k4" and m["msg_id"].startswith("m_") and is_int(m["ts"])
    stored = {x["seq"]: x for x in all_messages(a, conv)}
    for x in h["messages"]:
        assert {k: x[k] for k in MESSAGE_FIELDS} == \
               {k: stored[x["seq"]][k] for k in MESSAGE_FIELDS}, (x, stored[x["seq"]])
    for after, want in ((0, list(range(1, 8))), (7, []), (100, [])):
        h = c.request("sync", conv=conv, after=after)
        assert [m["seq"] for m in h["messages"]] == want and h["has_more"] is False, h
    h = c.request("sync", conv=conv, after=2, limit=3)
    assert [m["seq"] for m in h["messages"]] == [3, 4, 5] and h["has_more"] is True, h
    h = c.request("sync", conv=conv, after=4, limit=3)
    assert [m["seq"] for m in h["messages"]] == [5, 6, 7] and h["has_more"] is False, h


def test_sync_limit_default_100_max_500(node, ws_open):
    a = new_account(node.api)
    conv = create_conversation(a, "many")["id"]
    post_many(a, conv, [f"n{i}" for i in range(120)])
    c = ws_open(node, a)
    h = c.request("sync", conv=conv, after=0)
    assert [m["seq"] for m in h["messages"]] == list(range(1, 101)) and h["has_more"] is True
    h = c.request("sync", conv=conv, after=100)
    assert [m["seq"] for m in h["messages"]] == list(range(101, 121)) and h["has_more"] is False
    h = c.request("sync", conv=conv, after=0, limit=500)
    assert len(h["messages"]) == 120 and h["has_more"] is False
    error_answer(c, "bad_request", type="sync", conv=conv, after=0, limit=501)
    c.assert_alive()
