"""Idle conversations passivate (their actor stops) and come back from
storage on the next use, with seq, idempotency and live delivery intact."""
import json
import time

from chatclient import group_with, history, new_account, post_message
from ws_client import open_ws


def log_events(node, msg, conv):
    events = []
    for line in node.log_path.read_text().splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if rec.get("msg") == msg and rec.get("conv") == conv:
            events.append(rec)
    return events


def wait_for(pred, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.1)
    return False


def test_conversation_passivates_and_resumes_from_storage(node_factory):
    node = node_factory(extra_args=["--log-level", "debug"], extra_cluster="conversation_idle = 1\n")
    alice, bob = new_account(node.api), new_account(node.api)
    conv = group_with(alice, bob)
    first = post_message(alice, conv, "before the nap", client_msg_id="nap-1")
    assert first.status == 201, first
    bob_ws = open_ws(node, bob, name="bob")
    try:
        assert wait_for(lambda: log_events(node, "passivated", conv)), "never passivated"

        # The next use activates it again from storage: seq continues, the
        # idempotency key is still known, and open sockets still receive.
        again = post_message(alice, conv, "before the nap", client_msg_id="nap-1")
        assert again.status == 200, again
        assert again.json["seq"] == first.json["seq"]
        second = post_message(alice, conv, "after the nap")
        assert second.status == 201, second
        assert second.json["seq"] == first.json["seq"] + 1
        live = bob_ws.expect("message", conv=conv, seq=second.json["seq"])
        assert live["text"] == "after the nap"
        assert log_events(node, "activated", conv), "not reactivated from storage"
        seqs = [m["seq"] for m in history(alice, conv).json["messages"]]
        assert seqs == [1, 2]
    finally:
        bob_ws.close()
