"""Without replication (`replicas = 1`), a node that dies or hangs
(docs/protocol.md "Cluster behaviour"): calls
that need its shards answer `unavailable` (HTTP 503) quickly and never hang,
everything else keeps working, the others' readiness probes name it (/readyz
200 with it in `missing`, /readyz?all=1 503 "unready"), and once it is back
every acknowledged message is there exactly once with its seq."""
import threading
import time

import pytest

from chatclient import all_messages, assert_error, post_message
from cluster_harness import group_owned_by, via
from senders import (ANSWER_LIMIT, Sender, assert_stored_once_with_their_seq, http_sender,
                     stop_senders, timed, ws_sender)
from ws_client import get_ticket, open_ws
from conftest import _spawn_cluster

KILL_DETECTED = 3.0     # kill -9: the others' probes name the node within this
STOP_DETECTED = 4.0     # SIGSTOP: likewise
REJOIN_LIMIT = 10.0     # a returning node: /readyz?all=1 200 everywhere within this


@pytest.fixture
def fresh_cluster(tmp_path):
    """Three nodes without replication: each shard lives on one node only
    (test_replication_failover.py covers `replicas = 3`)."""
    c = _spawn_cluster(tmp_path, extra_cluster="replicas = 1")
    yield c
    c.stop_all_clean()


def test_kill9_one_node_then_restart_it(fresh_cluster, ws_open):
    cluster = fresh_cluster
    n1, n2, n3 = cluster
    s1 = cluster.account(n1, home=n1)           # sends over a WebSocket on n1
    s2 = cluster.account(n2, home=n2)           # sends over HTTP through n2
    u3 = cluster.account(n3, home=n3)           # a member whose home goes down
    convs = {n.node_id: group_owned_by(cluster, n, s1, s2, u3, title=f"on {n.node_id}")
             for n in cluster}
    c1, c2, c3 = convs["n1"], convs["n2"], convs["n3"]
    w1 = ws_open(n1, s1, "s1@n1")

    senders = [Sender("ws", ws_sender(w1), [c1, c2, c3]),
               Sender("http", http_sender(s2), [c3, c2, c1])]
    for s in senders:
        s.start()
    try:
        deadline = time.monotonic() + 15
        while min(len(s.acked(c)) for s in senders for c in (c1, c2, c3)) < 5:
            assert time.monotonic() < deadline, "too few sends acknowledged before the kill"
            time.sleep(0.02)
        killed_at = time.monotonic()
        cluster.kill9(n3)
        cluster.wait_missing([n1, n2], ["n3"], KILL_DETECTED)
        detected_at = time.monotonic()
        time.sleep(2.5)                          # keep sending with n3 down
    finally:
        stop_senders(senders)
    records = [r for s in senders for r in s.records]

    slow_or_odd = [r for r in records if r[3] >= ANSWER_LIMIT or r[4] not in ("ok", "unavailable")]
    assert not slow_or_odd, f"{len(slow_or_odd)} sends hung or answered oddly: {slow_or_odd[:5]}"
    live = [r for r in records if r[0] in (c1, c2) and r[4] != "ok"]
    assert not live, (f"sends to conversations of live nodes failed "
                      f"(n3 killed at {killed_at:.2f}): {live[:5]}")
    down = [r for r in records if r[0] == c3 and r[2] > detected_at]
    assert down, "no send to the dead node's conversation after it was detected"
    assert all(r[4] == "unavailable" for r in down), [r for r in down if r[4] != "unavailable"][:5]

    n3.start()
    cluster.wait_ready(timeout=REJOIN_LIMIT)
    stored = {}
    for conv, reader in ((c1, via(s2, n3)), (c2, via(s1, n3)), (c3, via(s2, n1))):
        acked = {}
        for s in senders:
            acked.update(s.acked(conv))
        stored[conv] = assert_stored_once_with_their_seq(reader, conv, acked)

    # the returned node's conversation works again, live, for a socket that stayed open
    w1.drain()
    nxt = len(stored[c3]) + 1
    resp = post_message(via(s2, n1), c3, "n3 is back")
    assert resp.status == 201 and resp.json["seq"] == nxt, resp
    w1.expect("message", conv=c3, seq=nxt, text="n3 is back")


def test_while_a_node_is_down_clients_use_the_others(fresh_cluster, ws_open):
    cluster = fresh_cluster
    n1, n2, n3 = cluster
    a = cluster.account(n1, home=n1)
    b = cluster.account(n2, home=n3)            # session and user homed on n3
    c1 = group_owned_by(cluster, n1, a, b, title="live")
    c3 = group_owned_by(cluster, n3, a, b, title="down")
    assert post_message(a, c1, "before").status == 201
    assert post_message(a, c3, "before").status == 201
    cluster.kill9(n3)
    cluster.wait_missing([n1, n2], ["n3"], KILL_DETECTED)

    # a (homed on a live node) gets a ticket and connects on another live node
    ws = timed(open_ws, n2, via(a, n2), "a@n2")
    try:
        last = {c["id"]: c["last_seq"] for c in ws.hello["conversations"]}
        assert c3 in last, (f"hello omits {c3}, whose owner n3 is down (docs/protocol.md: listed "
                            f"with last_seq null): {ws.hello['conversations']}")
        assert last[c1] == 1 and last[c3] is None, ws.hello["conversations"]
        for conv, seq in last.items():     # the empty rooms group_owned_by left behind too
            assert (seq is None) == (cluster.owner_of(conv) is n3), (conv, seq)
        f = timed(ws.request, "sync", conv=c3, after=0, timeout=ANSWER_LIMIT + 2)
        assert (f["type"], f.get("code")) == ("error", "unavailable"), f
        f = timed(ws.request, "send", conv=c3, text="x", timeout=ANSWER_LIMIT + 2)
        assert (f["type"], f.get("code")) == ("error", "unavailable"), f
        f = timed(ws.request, "send", conv=c1, text="still here", timeout=ANSWER_LIMIT + 2)
        assert f["type"] == "sent" and f["seq"] == 2, f
        f = timed(ws.request, "sync", conv=c1, after=0, timeout=ANSWER_LIMIT + 2)
        assert [m["text"] for m in f["messages"]] == ["before", "still here"], f
    finally:
        ws.close()
    assert_error(timed(a.call, "GET", f"/conversations/{c3}/messages"), 503, "unavailable")
    assert_error(timed(post_message, a, c3, "x"), 503, "unavailable")
    assert timed(a.login)["user"]["id"] == a.id

    # b's own data is on n3: logging in and getting a ticket answer 503, quickly
    resp = timed(n1.api.call, "POST", "/auth/login", {"username": b.username,
                                                      "password": b.password})
    assert_error(resp, 503, "unavailable")
    assert_error(timed(via(b, n1).call, "POST", "/ws/ticket"), 503, "unavailable")


def test_sigstopped_node_is_reported_then_ready_again(fresh_cluster, ws_open):
    cluster = fresh_cluster
    n1, n2, n3 = cluster
    a = cluster.account(n1, home=n1)
    b = cluster.account(n3, home=n3)
    c1 = group_owned_by(cluster, n1, a, b, title="stays")
    c2 = group_owned_by(cluster, n2, a, b, title="hangs")
    assert post_message(a, c2, "before the stop").status == 201
    wb = ws_open(n3, b, "b@n3")

    cluster.pause(n2)
    # a call that needs the hung node, made before anyone noticed: answered, not hung
    hung_call = {}
    t = threading.Thread(target=lambda: hung_call.update(
        resp=timed(post_message, via(a, n3), c2, "into the void")))
    t.start()
    cluster.wait_missing([n1, n3], ["n2"], STOP_DETECTED)
    t.join(ANSWER_LIMIT + 10)
    assert "resp" in hung_call, "the call needing the paused node did not answer in time"
    assert_error(hung_call["resp"], 503, "unavailable")

    assert_error(timed(post_message, a, c2, "still hung"), 503, "unavailable")
    assert post_message(via(b, n1), c1, "meanwhile").status == 201
    wb.expect("message", conv=c1, text="meanwhile")

    cluster.resume(n2)
    cluster.wait_ready(timeout=REJOIN_LIMIT)
    resp = post_message(a, c2, "after the stop")
    assert resp.status == 201, resp
    wb.expect("message", conv=c2, text="after the stop")
    texts = [m["text"] for m in all_messages(via(b, n2), c2)]
    assert texts[0] == "before the stop" and texts[-1] == "after the stop", texts


def test_graceful_restart_of_one_node_keeps_sessions_and_messages(fresh_cluster, ws_open):
    cluster = fresh_cluster
    n1, n2, n3 = cluster
    a = cluster.account(n1, home=n1)
    b = cluster.account(n2, home=n2)
    conv = group_owned_by(cluster, n1, a, b, title="restart")
    sent = [post_message(a, conv, f"m{i}").json for i in range(3)]
    wb = ws_open(n2, b, "b@n2")

    cluster.restart(n1)              # SIGTERM (exit 0), start on the same data dir

    for n in cluster:                # the old session is alive everywhere
        assert via(a, n).call("GET", "/users/me").status == 200, n
    stored = all_messages(via(b, n3), conv)
    assert [(m["seq"], m["msg_id"]) for m in stored] == [(s["seq"], s["msg_id"]) for s in sent]
    resp = post_message(via(a, n3), conv, "after restart")
    assert resp.status == 201 and resp.json["seq"] == 4, resp
    wb.expect("message", conv=conv, seq=4, text="after restart")
    assert get_ticket(via(a, n1))
