"""The cluster port under abuse (docs/architecture.md "The cluster port").

Finding 3: a flood of empty connections from addresses that cannot prove the
secret must not keep a real peer out, nor flood the log: pending handshakes
are limited per source address and in total, the oldest pending one making
room for a new one; a handshake not finished within `handshake_timeout_ms`
(default 2000) is dropped; rejections past the first 20 of a 10 s window are
only counted, in one summary line per window.

Finding 8: out of file descriptors, the node pauses accepting on its cluster
port instead of retrying in a busy loop, and serves again once descriptors
are free."""
import os
import resource
import selectors
import socket
import threading
import time

import pytest

from conftest import _spawn_cluster

REJOIN_LIMIT = 8.0        # a restarted node under the flood: /readyz?all=1 200 everywhere within this
FLOOD_RATE = 150          # new connections per second and target port
MAX_LOG_GROWTH = 400      # lines both flooded nodes may add during the test (restart included)
SPIN_LIMIT = 0.25         # share of one core the node may use while out of descriptors


def raise_own_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def loopback_sources():
    """127.0.0.1, plus 127.0.0.2 where this machine lets us bind it."""
    sources = ["127.0.0.1"]
    try:
        with socket.socket() as s:
            s.bind(("127.0.0.2", 0))
        sources.append("127.0.0.2")
    except OSError:
        pass
    return sources


class Flooder(threading.Thread):
    """Opens FLOOD_RATE connections per second to each port, alternating
    source addresses, and never sends a byte; a connection stays open until
    the server closes it."""

    def __init__(self, ports, rate=FLOOD_RATE):
        super().__init__(daemon=True)
        self.ports, self.rate = ports, rate
        self.sources = loopback_sources()
        self.opened = 0
        self.closed_by_server = 0
        self.done = threading.Event()

    def run(self):
        sel = selectors.DefaultSelector()
        interval, next_at, i = 1.0 / self.rate, time.monotonic(), 0
        try:
            while not self.done.is_set():
                while next_at <= time.monotonic():
                    for port in self.ports:
                        self._open(sel, self.sources[i % len(self.sources)], port)
                    i += 1
                    next_at += interval
                for key, _ in sel.select(timeout=max(0.0, next_at - time.monotonic())):
                    try:
                        data = key.fileobj.recv(4096)     # a greeting: ignored, we stay silent
                    except BlockingIOError:
                        continue
                    except OSError:
                        data = b""
                    if not data:
                        sel.unregister(key.fileobj)
                        key.fileobj.close()
                        self.closed_by_server += 1
        finally:
            for key in list(sel.get_map().values()):
                key.fileobj.close()
            sel.close()

    def _open(self, sel, source, port):
        s = socket.socket()
        try:
            s.setblocking(False)
            s.bind((source, 0))
            s.connect_ex(("127.0.0.1", port))
            sel.register(s, selectors.EVENT_READ)
            self.opened += 1
        except OSError:
            s.close()

    def stop(self):
        self.done.set()
        self.join(timeout=10)


def line_count(node):
    return len(node.log_text().splitlines())


@pytest.fixture
def flood_cluster(tmp_path):
    raise_own_fd_limit()
    c = _spawn_cluster(tmp_path)
    yield c
    c.stop_all_clean()


def test_a_restarted_peer_rejoins_under_a_flood(flood_cluster):
    n1, n2, n3 = flood_cluster
    before = line_count(n2) + line_count(n3)
    # n1 dials n2 and n2 dials n3: both ports are flooded
    flood = Flooder([n2.cluster_port, n3.cluster_port])
    flood.start()
    try:
        deadline = time.monotonic() + 5
        while flood.opened < FLOOD_RATE * 2:         # a second of flood: every limit is reached
            assert time.monotonic() < deadline, "the flood did not get going"
            time.sleep(0.05)
        n2.stop_clean()
        n2.start()
        took = flood_cluster.wait_ready(timeout=REJOIN_LIMIT)
        print(f"rejoined in {took:.2f} s under {flood.opened} connections")
    finally:
        flood.stop()
    assert took < REJOIN_LIMIT
    assert flood.opened > FLOOD_RATE * 4, flood.opened
    grown = line_count(n2) + line_count(n3) - before
    assert grown < MAX_LOG_GROWTH, (
        f"the flooded nodes wrote {grown} log lines for {flood.opened} connections; last:\n"
        + "\n".join(n3.log_text().splitlines()[-5:]))
    # what was only counted is summed up (at the latest when the node stops)
    n3.stop_clean()
    summaries = [line for line in n3.log_text().splitlines() if "not logged one by one" in line]
    assert summaries, "no summary of the rejections that were only counted"


def cpu_seconds(pid):
    """User + system CPU time of a process so far (/proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def greeting_within(port, seconds):
    """True when a new connection to the cluster port gets the 40-byte greeting."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.settimeout(max(0.1, deadline - time.monotonic()))
                data = b""
                while len(data) < 40:
                    chunk = s.recv(40 - len(data))
                    if not chunk:
                        break
                    data += chunk
                if data.startswith(b"chatclu1") and len(data) == 40:
                    return True
        except OSError:
            time.sleep(0.1)
    return False


def test_out_of_descriptors_the_cluster_port_backs_off(fresh_node):
    node = fresh_node
    pid = node.proc.pid
    raise_own_fd_limit()
    soft, hard = resource.prlimit(pid, resource.RLIMIT_NOFILE)
    in_use = len(os.listdir(f"/proc/{pid}/fd"))
    # Room for 4 more descriptors: fewer than one source's pending handshakes
    resource.prlimit(pid, resource.RLIMIT_NOFILE, (in_use + 4, hard))
    conns = []
    try:
        for _ in range(64):          # the kernel completes them; the node cannot accept them all
            conns.append(socket.create_connection(("127.0.0.1", node.cluster_port), timeout=5))
        time.sleep(0.3)              # let the node reach its limit
        t0, c0 = time.monotonic(), cpu_seconds(pid)
        time.sleep(2.0)
        share = (cpu_seconds(pid) - c0) / (time.monotonic() - t0)
        print(f"out of descriptors: {share:.1%} of a core")
    finally:
        for c in conns:
            c.close()
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (soft, hard))
    assert share < SPIN_LIMIT, f"the node used {share:.0%} of a core while out of descriptors"
    assert greeting_within(node.cluster_port, 5.0), "the cluster port does not serve again"
    assert node.call("GET", "/healthz").status == 200
