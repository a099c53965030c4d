"""Acknowledged messages survive kill -9: a `sent` means stored."""
import threading
import time

from chatclient import all_messages, group_with, new_account, post_message
from ws_client import open_ws


def test_sent_message_survives_kill9(fresh_node):
    a = new_account(fresh_node.api)
    b = new_account(fresh_node.api)
    conv = group_with(a, b, title="durable")
    c = open_ws(fresh_node, a)
    try:
        sent = c.request("send", conv=conv, text="keep me", client_msg_id="d-1")
        assert sent["type"] == "sent", sent
        fresh_node.kill9()
    finally:
        c.close()
    fresh_node.start()
    msgs = all_messages(b, conv)
    assert [(m["seq"], m["msg_id"], m["text"], m["client_msg_id"], m["from"], m["ts"])
            for m in msgs] == [(sent["seq"], sent["msg_id"], "keep me", "d-1", a.id, sent["ts"])]
    dup = post_message(a, conv, "keep me", client_msg_id="d-1")
    assert dup.status == 200, dup
    assert (dup.json["seq"], dup.json["msg_id"]) == (sent["seq"], sent["msg_id"])
    nxt = post_message(a, conv, "after restart")
    assert nxt.status == 201 and nxt.json["seq"] == sent["seq"] + 1, nxt


def test_burst_interrupted_by_kill9_keeps_every_acknowledged_message(fresh_node):
    users = [new_account(fresh_node.api) for _ in range(4)]
    conv = group_with(*users, title="burst")
    clients = [open_ws(fresh_node, u, name=f"w{k}") for k, u in enumerate(users)]
    per_client = 50
    cmid_of = [{} for _ in clients]           # per client: frame id (int) -> client_msg_id
    start = threading.Barrier(len(clients) + 1)

    def sender(k):
        start.wait()
        try:
            for i in range(per_client):
                cmid = f"b{k}-{i}"
                cmid_of[k][i] = cmid
                clients[k].emit("send", id=i, conv=conv, text=f"burst {k} {i}",
                                client_msg_id=cmid)
                time.sleep(0.003)
        except Exception:  # noqa: BLE001 - the node is killed under our feet
            pass

    threads = [threading.Thread(target=sender, args=(k,)) for k in range(len(clients))]
    for t in threads:
        t.start()
    start.wait()
    deadline = time.monotonic() + 20
    while sum(len(c.frames_of("sent")) for c in clients) < 60:
        assert time.monotonic() < deadline, "fewer than 60 sends acknowledged in 20 s"
        time.sleep(0.002)
    fresh_node.kill9()
    for t in threads:
        t.join(10)
    for c in clients:
        c.close()

    acked = {}                                   # client_msg_id -> (seq, msg_id, sender id)
    for k, c in enumerate(clients):
        for f in c.frames_of("sent"):
            acked[cmid_of[k][f["re"]]] = (f["seq"], f["msg_id"], users[k].id)
    assert len(acked) >= 60

    fresh_node.start()
    stored = all_messages(users[0], conv)
    seqs = [m["seq"] for m in stored]
    assert seqs == list(range(1, len(stored) + 1)), f"gaps or reuse: {seqs}"
    by_cmid = {}
    for m in stored:
        assert m["client_msg_id"] not in by_cmid, f"stored twice: {m}"
        by_cmid[m["client_msg_id"]] = m
    lost = [k for k in acked if k not in by_cmid]
    assert not lost, f"{len(lost)} acknowledged messages lost, e.g. {lost[:5]}"
    for cmid, (seq, msg_id, sender) in acked.items():
        m = by_cmid[cmid]
        assert (m["seq"], m["msg_id"], m["from"]) == (seq, msg_id, sender), (cmid, m)

    # the deduplication survived as well: resending any stored message answers the original
    by_user = {u.id: u for u in users}
    for cmid, m in by_cmid.items():
        resp = post_message(by_user[m["from"]], conv, m["text"], client_msg_id=cmid)
        assert resp.status == 200, (cmid, resp)
        assert (resp.json["seq"], resp.json["msg_id"]) == (m["seq"], m["msg_id"])
    k0 = next(iter(acked))
    sender = by_user[acked[k0][2]]
    c = open_ws(fresh_node, sender)
    try:
        again = c.request("send", conv=conv, text="resend", client_msg_id=k0)
        assert again["type"] == "sent" and again["seq"] == acked[k0][0], again
    finally:
        c.close()
    assert len(all_messages(users[0], conv)) == len(stored)
