"""Clients that keep sending while a test disturbs the cluster, and the check
that every acknowledged message is stored exactly once with its seq."""
import threading
import time

from chatclient import all_messages, post_message

ANSWER_LIMIT = 6.0      # every call answers within this, even with a node down


class Sender(threading.Thread):
    """Sends to the conversations in turn (unique client_msg_id each) until
    stopped, ~40 sends/s (under the rate limit), and records every outcome:
    (conv, client_msg_id, started_at, seconds, outcome, seq) with outcome "ok",
    "unavailable", or what else came back."""

    def __init__(self, name, send, convs):
        super().__init__(name=name, daemon=True)
        self.send, self.convs = send, convs
        self.records = []
        self.halt = threading.Event()

    def run(self):
        i = 0
        while not self.halt.is_set():
            conv = self.convs[i % len(self.convs)]
            cmid = f"{self.name}-{i}"
            t0 = time.monotonic()
            outcome, seq = self.send(conv, cmid)
            self.records.append((conv, cmid, t0, time.monotonic() - t0, outcome, seq))
            i += 1
            time.sleep(0.025)

    def acked(self, conv):
        return {r[1]: r[5] for r in self.records if r[0] == conv and r[4] == "ok"}


def stop_senders(senders):
    """Stops the senders and checks that none is stuck in a call."""
    for s in senders:
        s.halt.set()
    for s in senders:
        s.join(ANSWER_LIMIT + 10)
    assert not any(s.is_alive() for s in senders), "a sender is stuck"


def ws_sender(ws):
    def send(conv, cmid):
        rid = ws.emit("send", conv=conv, text=cmid, client_msg_id=cmid)
        try:
            f = ws.answer(rid, timeout=ANSWER_LIMIT + 4)
        except AssertionError as e:
            return f"no answer: {e}", None
        if f.get("type") == "sent":
            return "ok", f["seq"]
        if f.get("type") == "error" and f.get("code") == "unavailable":
            return "unavailable", None
        return f"unexpected frame {f}", None
    return send


def http_sender(acct):
    def send(conv, cmid):
        try:
            r = post_message(acct, conv, cmid, client_msg_id=cmid)
        except OSError as e:
            return f"no answer: {e!r}", None
        if r.status in (200, 201):         # 200: a resend of a stored message
            return "ok", r.json["seq"]
        if r.status == 503 and (r.json or {}).get("error", {}).get("code") == "unavailable":
            return "unavailable", None
        return f"unexpected {r!r}", None
    return send


def timed(fn, *args, **kw):
    """fn(*args, **kw) and the seconds it took; fails if it took ANSWER_LIMIT or more."""
    t0 = time.monotonic()
    out = fn(*args, **kw)
    took = time.monotonic() - t0
    assert took < ANSWER_LIMIT, f"{fn.__name__}{args}: answered after {took:.1f} s"
    return out


def assert_stored_once_with_their_seq(acct, conv, acked):
    """Every acknowledged message (client_msg_id -> seq) is stored once with that
    seq; seqs are gapless. Returns the stored messages."""
    stored = all_messages(acct, conv)
    seqs = [m["seq"] for m in stored]
    assert seqs == list(range(1, len(stored) + 1)), f"{conv}: gaps or reuse: {seqs}"
    cmids = [m["client_msg_id"] for m in stored]
    twice = {c for c in cmids if cmids.count(c) > 1}
    assert not twice, f"{conv}: stored twice: {sorted(twice)[:5]}"
    by_cmid = {m["client_msg_id"]: m["seq"] for m in stored}
    lost = sorted(c for c in acked if c not in by_cmid)
    assert not lost, f"{conv}: {len(lost)} acknowledged messages lost, e.g. {lost[:5]}"
    moved = {c: (s, by_cmid[c]) for c, s in acked.items() if by_cmid[c] != s}
    assert not moved, f"{conv}: stored with another seq (acked, stored): {moved}"
    return stored
