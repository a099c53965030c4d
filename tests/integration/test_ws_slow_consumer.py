"""A connection that cannot keep up is closed with 4008; nobody else is slowed
down and nothing is lost (the slow client syncs after reconnecting)."""
import http.client
import json
import threading
import time

from chatclient import group_with, new_account
from ws_client import RawWS, get_ticket

TEXT_BYTES = 4096
FLOOD = 3000            # messages sent at least
FLOOD_MAX = 6000        # ... and at most, while the slow client is not seen dropped
SENDERS = 10           # senders: the HTTP send budget is per session and per user
PONG_LIMIT = 0.5


class Poster:
    """Keep-alive HTTP poster of messages (one per thread); waits out a 429."""

    def __init__(self, port, token):
        self.port = port
        self.token = token
        self.conn = None

    def post(self, conv, text):
        body = json.dumps({"text": text}).encode()
        for attempt in range(50):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
            try:
                self.conn.request("POST", f"/conversations/{conv}/messages", body=body, headers={
                    "Authorization": "Bearer " + self.token,
                    "Content-Type": "application/json"})
                resp = self.conn.getresponse()
                raw = resp.read()
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                continue
            if resp.status == 429:
                time.sleep(float(resp.headers.get("Retry-After") or 1))
                continue
            assert resp.status == 201, (resp.status, raw[:300])
            return json.loads(raw)["seq"]
        raise AssertionError("could not post a message in 50 attempts")

    def close(self):
        if self.conn is not None:
            self.conn.close()


def text_for(k, i):
    head = f"flood {k} {i} "
    return head + "x" * (TEXT_BYTES - len(head))


def test_slow_consumer_is_closed_with_4008(fresh_node, ws_open):
    node = fresh_node
    senders = [new_account(node.api) for _ in range(SENDERS)]
    slow_user = new_account(node.api)
    observer = new_account(node.api)
    pinger_user = new_account(node.api)
    conv = group_with(senders[0], *senders[1:], slow_user, observer, title="flood")
    tokens = [s.token for s in senders]

    wo = ws_open(node, observer, "observer")
    wp = ws_open(node, pinger_user, "pinger")
    slow = RawWS(node.http_port, get_ticket(slow_user), rcvbuf=4096)
    assert slow.status == 101, slow.status_line
    time.sleep(0.2)

    # a client that is not in the conversation pings all along
    rtts, stop = [], threading.Event()
    ping_errors = []

    def pinger():
        try:
            while not stop.is_set():
                rtts.append(wp.ping_rtt(timeout=5))
                time.sleep(0.05)
        except Exception as e:  # noqa: BLE001
            ping_errors.append(e)

    pt = threading.Thread(target=pinger)
    pt.start()

    posted = []                       # (seq, text)
    lock = threading.Lock()
    flood_errors = []

    def flood(k, start, count):
        p = Poster(node.http_port, tokens[k])
        try:
            for i in range(start, start + count):
                t = text_for(k, i)
                seq = p.post(conv, t)
                with lock:
                    posted.append((seq, t))
        except Exception as e:  # noqa: BLE001
            flood_errors.append(e)
        finally:
            p.close()

    def slow_seen_offline():
        return any(f.get("user") == slow_user.id and f.get("online") is False
                   for f in wo.frames_of("presence"))

    t0 = time.monotonic()
    sent_so_far = 0
    chunk = FLOOD // 2
    while True:
        per = chunk // SENDERS
        threads = [threading.Thread(target=flood, args=(k, sent_so_far // SENDERS, per))
                   for k in range(SENDERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        sent_so_far += per * SENDERS
        assert not flood_errors, flood_errors[:3]
        if sent_so_far >= FLOOD:
            settle = time.monotonic() + 2      # the drop may trail the last post a little
            while not slow_seen_offline() and time.monotonic() < settle:
                time.sleep(0.05)
        if sent_so_far >= FLOOD_MAX or (sent_so_far >= FLOOD and slow_seen_offline()):
            break
    flood_time = time.monotonic() - t0
    stop.set()
    pt.join(10)

    total = len(posted)
    assert total == sent_so_far
    assert sorted(s for s, _ in posted) == list(range(1, total + 1))

    # others were never slowed down
    assert not ping_errors, ping_errors
    assert len(rtts) >= 3, f"only {len(rtts)} pings in {flood_time:.1f} s of flood"
    assert max(rtts) < PONG_LIMIT, \
        f"pong took {max(rtts):.3f} s during the flood (pings: {len(rtts)})"

    # the slow one was dropped by the server: reading now ends with 4008 or EOF
    frames = slow.read_frames(total_timeout=60, idle_timeout=5)
    slow.close()
    texts = [json.loads(p) for op, p in frames if op == 0x1]
    got = [f for f in texts if f.get("type") == "message"]
    assert slow.close_code is not None or slow.eof, \
        (f"slow client still connected after {total} messages ({len(got)} read, "
         f"then idle): not dropped")
    assert slow.close_code in (None, 4008), f"closed with {slow.close_code}, not 4008"
    assert len(got) < total, "the slow client received everything: it was not slow"
    assert [f["seq"] for f in got] == list(range(1, len(got) + 1))

    # a member that keeps up got everything, in order, and was not closed
    seqs = [f["seq"] for f in wo.frames_of("message", conv=conv)]
    deadline = time.monotonic() + 20
    while len(seqs) < total and time.monotonic() < deadline and not wo.is_closed:
        time.sleep(0.1)
        seqs = [f["seq"] for f in wo.frames_of("message", conv=conv)]
    assert not wo.is_closed, f"the observer was closed too ({wo.close_code})"
    assert seqs == list(range(1, total + 1)), f"observer saw {len(seqs)} of {total}"

    # after reconnecting, sync recovers every message
    again = ws_open(node, slow_user, "slow-again")
    convs = {c["id"]: c["last_seq"] for c in again.hello["conversations"]}
    assert convs.get(conv) == total, again.hello["conversations"]
    recovered, after = [], 0
    while True:
        h = again.request("sync", conv=conv, after=after, limit=500, timeout=15)
        assert h["type"] == "history", h
        recovered += h["messages"]
        if not h["has_more"]:
            break
        after = h["messages"][-1]["seq"]
    assert [(m["seq"], m["text"]) for m in recovered] == sorted(posted)
