"""Operations endpoints (docs/protocol.md "Operations"): readiness and metrics,
with no token, reflecting what the node actually did."""
import re

from chatclient import group_with, new_account, post_message
from ws_client import open_ws


def metric(text, name, **labels):
    """The value of one sample of `name` whose labels include `labels`."""
    for line in text.splitlines():
        if not line.startswith(name + "{"):
            continue
        # route labels hold braces themselves ("/conversations/{id}"): the
        # label set ends at the last brace
        found = dict(re.findall(r'(\w+)="([^"]*)"', line[len(name):line.rindex("}") + 1]))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_readyz_reports_ready_with_nothing_missing(node):
    for path in ("/readyz", "/readyz?all=1"):
        resp = node.api.call("GET", path)
        assert resp.status == 200, resp
        assert resp.json == {"status": "ready", "node": "n1", "missing": []}


def test_metrics_count_what_happened(node):
    before = node.api.call("GET", "/metrics")
    assert before.status == 200
    assert before.headers.get("Content-Type", "").startswith("text/plain")
    stored0 = metric(before.raw.decode(), "chat_messages_stored_total", node="n1")
    assert stored0 is not None

    alice, bob = new_account(node.api), new_account(node.api)
    conv = group_with(alice, bob)
    ws = open_ws(node, bob, name="bob")
    try:
        for i in range(3):
            assert post_message(alice, conv, f"m{i}").status == 201
        for i in range(3):
            ws.expect("message", conv=conv, text=f"m{i}")
        text = node.api.call("GET", "/metrics").raw.decode()
        assert metric(text, "chat_messages_stored_total", node="n1") == stored0 + 3
        assert metric(text, "chat_deliveries_total", node="n1") >= 3
        assert metric(text, "chat_websocket_connections", node="n1") >= 1
        assert metric(text, "chat_actors", node="n1", kind="session") >= 1
        assert metric(text, "chat_http_requests_total", method="POST",
                      route="/conversations/{id}/messages", status="201") >= 3
        # every write lands in some bucket of the latency histogram, and the
        # +Inf bucket equals the count
        writes = metric(text, "chat_storage_write_seconds_count", node="n1")
        assert writes >= 3
        assert metric(text, "chat_storage_write_seconds_bucket", node="n1", le="+Inf") == writes
        assert metric(text, "chat_storage_batch_records_count", node="n1") == writes
        # a single node sends nothing across nodes
        assert metric(text, "chat_cross_node_messages_total", node="n1") == 0
    finally:
        ws.close()
