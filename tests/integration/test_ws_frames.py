"""Frame handling on an open WebSocket: ping/pong, malformed frames, size limit,
rate limit."""
import json

import pytest

from chatclient import all_messages, create_conversation, new_account


def error_for(c, rid, code="bad_request"):
    f = c.answer(rid)
    assert f["type"] == "error", f
    assert f["code"] == code, f
    assert isinstance(f.get("message"), str) and f["message"], f
    return f


def next_error(c, code="bad_request"):
    f = c.next(lambda f: f.get("type") == "error", what="error frame")
    assert f["code"] == code, f
    assert f.get("re") is None, f
    assert isinstance(f.get("message"), str) and f["message"], f
    return f


@pytest.fixture
def ws(node, ws_open):
    return ws_open(node, new_account(node.api))


@pytest.mark.parametrize("rid", [7, 0, 123456789012, "abc", "42", "ünï"])
def test_ping_echoes_the_id_exactly(ws, rid):
    ws.emit("ping", id=rid)
    f = ws.answer(rid)          # answer() also checks the JSON type of re
    assert f["type"] == "pong", f


def test_ping_without_id_gets_a_pong(ws):
    ws.emit("ping", id=False)
    f = ws.expect("pong")
    assert f.get("re") is None, f


def test_many_pings_each_get_one_pong(ws):
    ids = ws.emit_many([{"type": "ping"} for _ in range(30)])
    for rid in ids:
        assert ws.answer(rid)["type"] == "pong"
    ws.no_frame_of("pong", within=0.3)


@pytest.mark.parametrize("text", [
    "not json", "{", '{"type": "ping"', "", "   ", '{"type":"ping"} trailing',
])
def test_invalid_json_is_bad_request_and_connection_stays(ws, text):
    ws.send_text(text)
    next_error(ws)
    ws.assert_alive()


@pytest.mark.parametrize("text", ['[{"type":"ping","id":1}]', '"ping"', "42", "null", "true"])
def test_json_that_is_not_an_object_is_bad_request(ws, text):
    ws.send_text(text)
    next_error(ws)
    ws.assert_alive()


def test_missing_type_is_bad_request_with_re(ws):
    ws.send_json({"id": 5})
    error_for(ws, 5)
    ws.assert_alive()


@pytest.mark.parametrize("typ", ["nope", "PING", "", 5, None, ["ping"]])
def test_unknown_or_malformed_type_is_bad_request_with_re(ws, typ):
    ws.send_json({"type": typ, "id": "x1"})
    error_for(ws, "x1")
    ws.assert_alive()


def test_binary_frame_is_bad_request(ws):
    ws.send_bytes(json.dumps({"type": "ping", "id": 1}).encode())
    next_error(ws)
    ws.no_frame_of("pong", within=0.3)      # the binary ping was not executed
    ws.assert_alive()


@pytest.mark.parametrize("frame", [
    {"type": "send"},
    {"type": "send", "conv": 5, "text": "x"},
    {"type": "send", "conv": "c_x", "text": 5},
    {"type": "sync", "conv": ["c_x"], "after": 0},
    {"type": "sync", "conv": "c_x", "after": "zero"},
    {"type": "sync", "conv": "c_x", "after": -1},
])
def test_invalid_fields_answer_bad_request_with_re(ws, frame):
    ws.send_json(dict(frame, id="bad1"))
    error_for(ws, "bad1")
    ws.assert_alive()


def test_frame_of_exactly_64_KiB_is_accepted(ws):
    base = json.dumps({"type": "ping", "id": "big", "pad": ""})
    text = json.dumps({"type": "ping", "id": "big", "pad": "x" * (65536 - len(base))})
    assert len(text.encode()) == 65536
    ws.send_text(text)
    assert ws.answer("big")["type"] == "pong"


def test_frame_over_64_KiB_closes_with_1009(ws):
    base = json.dumps({"type": "ping", "id": "big", "pad": ""})
    text = json.dumps({"type": "ping", "id": "big", "pad": "x" * (65537 - len(base))})
    assert len(text.encode()) == 65537
    ws.send_text(text)
    assert ws.wait_closed(5) == 1009
    assert not ws.frames_of("pong")


def test_rate_limit_answers_every_send_once(node, ws_open):
    acct = new_account(node.api)
    conv = create_conversation(acct, "flood")["id"]
    c = ws_open(node, acct)
    ids = c.emit_many([{"type": "send", "conv": conv, "text": f"r{i}"} for i in range(150)])
    answers = {rid: c.answer(rid, timeout=10) for rid in ids}
    c.no_frame(lambda f: "re" in f, within=0.5, what="second answer")
    sent = [rid for rid in ids if answers[rid]["type"] == "sent"]
    limited = [rid for rid in ids if answers[rid]["type"] == "error"]
    assert len(sent) + len(limited) == 150, [answers[r] for r in ids if r not in sent + limited]
    assert all(answers[r]["code"] == "rate_limited" for r in limited), \
        [answers[r] for r in limited][:3]
    assert limited, "150 sends at once were never rate limited"
    assert len(sent) >= 100, f"only {len(sent)} of a burst of 150 were accepted (burst is 100)"
    seqs = [answers[r]["seq"] for r in sent]
    assert seqs == list(range(1, len(sent) + 1)), seqs
    stored = all_messages(acct, conv)
    assert [m["text"] for m in stored] == [f"r{ids.index(r)}" for r in sent]
    c.assert_alive()
