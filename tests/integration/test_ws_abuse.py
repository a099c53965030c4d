"""What one WebSocket client may ask of the server (docs/protocol.md "Rate
limits and bounds"): every frame kind has its own per-connection budget, a
connection that keeps flooding is closed with 4029, history reads and
sockets and tickets per session are bounded, frames sent before `hello` are
all answered after it, and a ticket redeemed while its session ends never
yields a working socket."""
import threading
import time

from chatclient import assert_error, group_with, history, new_account, post_many
from ws_client import InvalidStatusCode, WSClient, get_ticket

FLOOD_CLOSE = 4029


def rss_kib(node):
    """The node's resident memory (VmRSS, KiB)."""
    with open(f"/proc/{node.proc.pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


# ------------------------------------------------------------ frames before hello

def test_frames_sent_before_hello_are_all_answered_after_it_in_order(cluster):
    """On every node of a cluster (hello asks the user's and the
    conversations' nodes first, so the pings arrive before it)."""
    acct = new_account(cluster[0].api)
    for i in range(10):
        group_with(acct, title=f"room {i}")
    for n in cluster:
        ws = WSClient.connect(n.http_port, get_ticket(acct), wait_hello=False, name=n.node_id)
        try:
            ids = ws.emit_many([{"type": "ping"} for _ in range(200)])
            first = ws.next(timeout=5)
            assert first.get("type") == "hello", first
            pongs = [ws.next(timeout=5, what=f"pong {i}") for i in ids]
            assert [(f.get("type"), f.get("re")) for f in pongs] == [("pong", i) for i in ids]
        finally:
            ws.close()


# ------------------------------------------------------------ typing

def test_typing_flood_closes_the_flooder_not_the_members_who_read(node, ws_open):
    flooder, reader = new_account(node.api), new_account(node.api)
    conv = group_with(flooder, reader, title="typing flood")
    f = ws_open(node, flooder, name="flooder")
    r = ws_open(node, reader, name="reader")
    f.emit("typing", conv=conv, id=False)
    r.expect("typing", conv=conv)
    for _ in range(10):
        if f.is_closed:
            break
        try:
            f.emit_many([{"type": "typing", "conv": conv, "id": False}] * 300)
        except Exception:  # noqa: BLE001 - the server closed it meanwhile
            break
    assert f.wait_closed(timeout=5) == FLOOD_CLOSE, f.close_reason
    r.assert_alive()
    assert not r.is_closed
    # Nowhere near one typing frame per flooded frame reached the reader.
    assert len(r.frames) < 60, len(r.frames)


# ------------------------------------------------------------ sync

def test_sync_flood_is_refused_and_memory_stays_bounded(node, ws_open):
    flooder = new_account(node.api)
    conv = group_with(flooder, title="sync flood")
    post_many(flooder, conv, [f"{i:04d} " + "x" * 3500 for i in range(250)])
    bystander = new_account(node.api)
    ws = ws_open(node, flooder, name="flooder")
    before = rss_kib(node)
    peak = before
    stop = threading.Event()
    statuses = []

    def bystander_calls():
        while not stop.is_set():
            statuses.append(bystander.call("GET", "/users/me").status)
            time.sleep(0.05)

    t = threading.Thread(target=bystander_calls)
    t.start()
    try:
        for _ in range(10):  # 3,000 syncs of the whole conversation (~900 KB each)
            if ws.is_closed:
                break
            try:
                ws.emit_many([{"type": "sync", "conv": conv, "after": 0, "limit": 500}] * 300)
            except Exception:  # noqa: BLE001 - closed meanwhile
                break
            peak = max(peak, rss_kib(node))
        deadline = time.monotonic() + 10
        while not ws.is_closed and time.monotonic() < deadline:
            peak = max(peak, rss_kib(node))
            time.sleep(0.05)
    finally:
        stop.set()
        t.join()
    # Closed for flooding, or (its pages of ~900 KB piling up faster than
    # the test client reads them) as too slow: either way, bounded.
    assert ws.wait_closed(timeout=1) in (FLOOD_CLOSE, 4008)
    assert peak - before < 200 * 1024, f"RSS grew by {(peak - before) // 1024} MiB"
    assert statuses and set(statuses) == {200}, statuses

    # Small pages: the budget runs out before any queue fills.
    ws = ws_open(node, flooder, name="small pages")
    for _ in range(10):
        if ws.is_closed:
            break
        try:
            ws.emit_many([{"type": "sync", "conv": conv, "after": 249, "limit": 1}] * 100)
        except Exception:  # noqa: BLE001 - closed meanwhile
            break
    assert ws.wait_closed(timeout=5) == FLOOD_CLOSE
    refused = [x for x in ws.frames_of("error") if x.get("code") == "rate_limited"]
    assert refused, "no rate_limited answer to a flood of sync frames"


# ------------------------------------------------------------ caps per session

def test_unredeemed_tickets_per_session_are_capped(node):
    acct = new_account(node.api)
    for _ in range(16):
        get_ticket(acct)
    assert_error(acct.call("POST", "/ws/ticket"), 429, "rate_limited")
    # Another session of the same user has its own allowance.
    other = acct.login()["access_token"]
    assert acct.api.call("POST", "/ws/ticket", token=other).status == 200


def test_sockets_per_session_are_capped_on_a_node(node):
    acct = new_account(node.api)
    opened = [WSClient.connect(node.http_port, get_ticket(acct)) for _ in range(16)]
    try:
        try:
            extra = WSClient.connect(node.http_port, get_ticket(acct))
            extra.close()
            raise AssertionError("a 17th socket of one session was opened")
        except InvalidStatusCode as e:
            assert e.status_code == 429
        opened.pop().close()
        deadline = time.monotonic() + 5
        while True:  # the closed one's place is given back once the node saw it go
            try:
                opened.append(WSClient.connect(node.http_port, get_ticket(acct)))
                break
            except InvalidStatusCode:
                assert time.monotonic() < deadline, "the freed socket place never came back"
                time.sleep(0.1)
    finally:
        for ws in opened:
            ws.close()


# ------------------------------------------------------------ logout racing an upgrade

def test_logout_racing_an_upgrade_never_leaves_a_working_socket(node):
    owner = new_account(node.api)
    watcher = new_account(node.api)
    conv = group_with(owner, watcher, title="race")
    problems = []
    lock = threading.Lock()

    def one_try(i):
        tokens = owner.login()
        token = tokens["access_token"]
        resp = node.api.call("POST", "/ws/ticket", token=token)
        assert resp.status == 200, resp
        ticket = resp.json["ticket"]
        result = {}

        def upgrade():
            try:
                result["ws"] = WSClient.connect(node.http_port, ticket, wait_hello=False,
                                                name=f"race{i}")
            except InvalidStatusCode as e:
                result["status"] = e.status_code

        t = threading.Thread(target=upgrade)
        t.start()
        time.sleep(0.002 * (i % 5))
        out = node.api.call("POST", "/auth/logout", token=token)
        logged_out = time.monotonic()
        assert out.status in (200, 204), out
        t.join()
        ws = result.get("ws")
        if ws is None:
            return  # refused: fine
        try:
            text = f"after logout {i}"
            try:
                ws.emit("send", conv=conv, text=text)
            except Exception:  # noqa: BLE001 - already closed: fine
                pass
            try:
                code = ws.wait_closed(timeout=max(0.0, logged_out + 2.0 - time.monotonic()))
            except AssertionError:
                code = "still open 2 s after the logout"
            if code != 4001:
                with lock:
                    problems.append(f"try {i}: closed with {code}")
            msgs = history(watcher, conv, limit=500).json["messages"]
            if any(m["text"] == text for m in msgs):
                with lock:
                    problems.append(f"try {i}: a send after the logout was stored")
        finally:
            ws.close()

    def worker(k):
        for j in range(5):
            one_try(k * 5 + j)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not problems, problems
