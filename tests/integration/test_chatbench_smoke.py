"""chatbench smoke runs: every scenario (rooms, max, idle, durable) for a few
seconds at a low rate against a real node with the benchmark rate limits,
`--json`; the report must have its shape and show no loss, no error, no
disconnect. Figures are not judged (bench/RESULTS.md has those).

The binary comes from $CHATBENCH_BIN, else next to $CHATNODE_BIN's build
(<build>/bench/chatbench/chatbench), else <repo>/build/bench/chatbench/chatbench.
A missing binary is a failure naming the build command, never a skip.
"""
import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from cluster_harness import Cluster
from harness import REPO, Node, chatnode_binary, tail

RUN_TIMEOUT = 40  # seconds per chatbench run; each is a few seconds


def chatbench_binary():
    path = os.environ.get("CHATBENCH_BIN")
    if not path:
        node_bin = os.environ.get("CHATNODE_BIN")
        build = Path(node_bin).resolve().parent.parent if node_bin else REPO / "build"
        path = str(build / "bench" / "chatbench" / "chatbench")
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        pytest.fail(f"chatbench binary not found or not executable: {path} "
                    f"(build it: `ninja -C <build> chatbench`, or set CHATBENCH_BIN)", pytrace=False)
    return path


@pytest.fixture(scope="module")
def chatbench():
    return chatbench_binary()


@pytest.fixture(scope="module")
def bench_node(tmp_path_factory):
    """One node for the module, with the benchmark rate limits."""
    n = Node(chatnode_binary(), tmp_path_factory.mktemp("bench_node"),
             extra_cluster="rate_burst = 100000\nrate_per_second = 100000\n")
    n.start()
    yield n
    n.stop_clean()


def run(chatbench, node, *args):
    cmd = [chatbench, *args, "--url", node.base_url, "--pids", str(node.proc.pid), "--json", "-q"]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"chatbench did not finish within {RUN_TIMEOUT} s: {' '.join(cmd)}", pytrace=False)
    assert p.returncode == 0, (f"chatbench exited with {p.returncode}: {' '.join(cmd)}\n"
                               f"stderr:\n{p.stderr}\nnode log tail:\n{tail(node.log_path)}")
    assert node.running, f"the node died; log tail:\n{tail(node.log_path)}"
    try:
        return json.loads(p.stdout)
    except ValueError:
        pytest.fail(f"chatbench --json printed no JSON object:\n{p.stdout[:2000]}", pytrace=False)


def check_latency(h, count=None):
    assert set(h) >= {"count", "p50", "p90", "p99", "p999", "max", "mean"}
    assert h["p50"] <= h["p90"] <= h["p99"] <= h["p999"] <= h["max"]
    if count is not None:
        assert h["count"] == count


def check_server(s):
    assert s["pids"] and s["pids"][0]["rss_kib_after"] > 0
    assert isinstance(s["cpu_seconds"], (int, float))
    assert isinstance(s["cpu_us_per_delivery"], (int, float))


def check_step(r, members):
    """The figures of one rooms step (the rooms report, max's best.detail)."""
    assert r["errors"] == {}
    assert r["sends"] > 0 and r["acked"] == r["sends"]
    loss = r["loss"]
    assert loss["expected_deliveries"] == r["acked"] * members
    assert loss["delivered"] == loss["expected_deliveries"]
    assert loss["acked_messages"] == r["acked"]
    assert loss["missing"] == 0 and loss["messages_with_loss"] == 0
    assert loss["loss_percent"] == 0 and loss["drained"] is True
    check_latency(r["latency_us"], count=loss["delivered"])
    check_latency(r["sent_latency_us"], count=r["acked"])
    check_latency(r["send_lag_us"], count=r["sends"])
    c = r["check"]
    assert c["behind_schedule"] == 0 and c["unanswered"] == 0 and c["sender_closed"] == 0
    assert c["seq_gaps"] == 0 and c["disconnects"] == 0 and c["close_codes"] == {}
    assert c["abandoned"] == 0 and c["duplicates"] == 0 and c["unacked_delivered"] == 0
    assert c["deliveries_total"] == loss["delivered"]
    assert r["deliveries_per_s"] > 0
    check_server(r["server"])
    assert isinstance(r["chatbench"]["cpu_share"], (int, float))


def test_rooms(chatbench, bench_node):
    r = run(chatbench, bench_node, "rooms", "--rooms", "3", "--members", "4", "--senders", "2",
            "--rate", "20", "--seconds", "2")
    assert r["scenario"] == "rooms"
    assert (r["rooms"], r["members"], r["senders_per_room"], r["connections"]) == (3, 4, 2, 12)
    assert r["nodes"] == [bench_node.base_url]
    assert r["offered_sends_per_s"] == 120 and r["offered_deliveries_per_s"] == 480
    # 6 senders × 20/s × 2 s, on schedule
    assert r["check"]["scheduled"] == 240 and r["sends"] == 240
    check_step(r, members=4)
    assert r["check"]["foreign_messages"] == 0
    assert r["setup"]["connections_per_s"] > 0


def test_max(chatbench, bench_node):
    r = run(chatbench, bench_node, "max", "--rooms", "2", "--members", "3", "--senders", "1",
            "--start-rate", "10", "--factor", "2", "--step-seconds", "1", "--max-steps", "2",
            "--drain-timeout", "2",
            # The steps' mechanics are under test, not latency: on a shared CI
            # machine one slow delivery at 10/s must not end the run early.
            "--p99-limit-ms", "3000")
    assert r["scenario"] == "max"
    assert r["stopped"] == "max_steps"
    assert [s["rate_per_sender"] for s in r["steps"]] == [10, 20]
    for s in r["steps"]:
        assert s["verdict"] == "ok", s
        assert s["loss_percent"] == 0 and s["errors"] == 0 and s["disconnects"] == 0
        assert s["behind_schedule"] == 0
        assert s["offered_deliveries_per_s"] == 2 * s["rate_per_sender"] * 3
        assert s["p50_us"] <= s["p99_us"] <= s["max_us"]
    # best: the ok step that delivered the most (both passed), the later on a tie
    top = max(reversed(r["steps"]), key=lambda s: s["deliveries_per_s"])  # ties: the later
    assert r["best"]["step"] == top["step"]
    assert r["best_deliveries_per_s"] == top["deliveries_per_s"] > 0
    check_step(r["best"]["detail"], members=3)
    assert r["limits"] == {"p99_ms": 3000, "loss_percent": 1}  # as asked
    check_latency(r["latency_all_steps_us"])


def test_idle(chatbench, bench_node):
    r = run(chatbench, bench_node, "idle", "--connections", "40", "--users", "8", "--hold", "1")
    assert r["scenario"] == "idle"
    assert (r["connections"], r["connected"], r["users"]) == (40, 40, 8)
    assert r["setup"]["connect_failures"] == 0 and r["setup"]["connect_completed"] is True
    assert r["setup"]["first_errors"] == []
    assert r["connections_per_s"] > 0
    check_latency(r["connect_latency_us"], count=40)
    c = r["check"]
    assert c["open_after_hold"] == 40 and c["pongs"] == 40
    assert c["disconnects"] == 0 and c["close_codes"] == {}
    s = r["server"]
    assert s["pids"] == [bench_node.proc.pid]
    for k in ("rss_kib_before", "rss_kib_connected", "rss_kib_after_hold", "rss_kib_after_pings",
              "rss_kib_after_close"):
        assert s[k] > 0
    assert isinstance(s["rss_kib_per_connection"], (int, float))
    assert isinstance(s["cpu_us_per_connection"], (int, float))
    fd = r["fd_limits"]
    assert fd["chatbench_soft"] == fd["chatbench_hard"]  # raised to the hard limit
    assert fd["server"][0]["pid"] == bench_node.proc.pid


def _peers_of(port):
    """Remote IPv4 addresses of the established TCP connections to `port` (/proc/net/tcp)."""
    peers = set()
    for line in open("/proc/net/tcp").read().splitlines()[1:]:
        f = line.split()
        local, remote, state = f[1], f[2], f[3]
        if state != "01" or int(local.split(":")[1], 16) != port:
            continue
        ip = bytes.fromhex(remote.split(":")[0])[::-1]   # little-endian on x86
        peers.add(".".join(str(b) for b in ip))
    return peers


def test_idle_spreads_connections_over_source_addresses(chatbench, bench_node):
    cmd = [chatbench, "idle", "--connections", "30", "--users", "6", "--hold", "3", "--source-addresses", "3",
           "--url", bench_node.base_url, "--json", "-q"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = set()
    try:
        deadline = time.monotonic() + RUN_TIMEOUT
        while p.poll() is None and time.monotonic() < deadline:
            seen |= _peers_of(bench_node.http_port)
            time.sleep(0.1)
        out, err = p.communicate(timeout=RUN_TIMEOUT)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 0, err
    r = json.loads(out)
    assert r["connected"] == 30 and r["check"]["pongs"] == 30 and r["source_addresses"] == 3
    # the websockets came from 127.0.0.2-4 (the HTTP set-up calls from the kernel's choice)
    assert {"127.0.0.2", "127.0.0.3", "127.0.0.4"} <= seen, seen
    assert "127.0.0.5" not in seen


def test_durable(chatbench, bench_node):
    r = run(chatbench, bench_node, "durable", "--clients", "4", "--rooms", "2", "--seconds", "2",
            "--pipeline", "2")
    assert r["scenario"] == "durable"
    assert r["acked_sends"] > 0 and r["acked_per_s"] > 0
    assert r["errors"] == {}
    check_latency(r["sent_latency_us"])
    c = r["check"]
    assert c["missing_deliveries"] == 0 and c["deliveries_total"] == c["expected_deliveries"] > 0
    assert c["unanswered"] == 0 and c["seq_gaps"] == 0 and c["disconnects"] == 0
    check_server(r["server"])


@pytest.fixture(scope="module")
def bench_cluster(tmp_path_factory):
    """Three nodes with the default limits: hugeroom must set up within them."""
    c = Cluster(chatnode_binary(), tmp_path_factory.mktemp("bench_cluster"))
    c.start()
    yield c
    c.stop_all_clean()


def test_hugeroom(chatbench, bench_cluster):
    """One room of 200 members over three nodes (more than the 100 invitations
    a creation takes: the room grows in a second wave), one sender at 2/s:
    every member gets every message, on every node."""
    nodes = list(bench_cluster)
    cmd = [chatbench, "hugeroom", "--members", "200", "--rate", "2", "--seconds", "3", "--json", "-q",
           "--pids", ",".join(str(n.proc.pid) for n in nodes)]
    for n in nodes:
        cmd += ["--url", n.base_url]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    assert p.returncode == 0, (f"chatbench exited with {p.returncode}: {' '.join(cmd)}\n{p.stderr}\n"
                               + "\n".join(tail(n.log_path) for n in nodes))
    r = json.loads(p.stdout)
    assert r["scenario"] == "hugeroom" and r["members"] == 200 and r["connections"] == 200
    assert sorted(m["members"] for m in r["members_per_node"]) == [66, 67, 67]
    assert r["conversation"].startswith("c_")
    # 2/s for 3 s, each message to all 200 members (the sender included)
    assert r["check"]["scheduled"] == 6 and r["sends"] == 6
    check_step(r, members=200)
    assert r["loss"]["expected_deliveries"] == 6 * 200
    assert r["check"]["foreign_messages"] == 0
    # each node's relay handed every message to its own members; the
    # conversation's node sent each message once per other node (2), whatever
    # the member count (other nodes: nothing, but for stray cluster traffic)
    per_node = r["members_per_node"]
    assert [p["relay_deliveries_per_message"] for p in per_node] == [p["members"] for p in per_node]
    cross = sorted(p["cross_node_messages_per_message"] for p in per_node)
    assert 2 <= cross[2] < 3 and cross[1] < 1, per_node
    assert [c["pid"] for c in r["cpu_per_message"]] == [n.proc.pid for n in nodes]
    assert all(c["cpu_us_per_message"] >= 0 for c in r["cpu_per_message"])
    for n in nodes:
        assert n.running, tail(n.log_path)


def test_hugeroom_needs_two_members(chatbench):
    """A room of one has no one to deliver to: refused before any connection."""
    p = subprocess.run([chatbench, "hugeroom", "--members", "1", "--url", "http://127.0.0.1:9"],
                       capture_output=True, text=True, timeout=RUN_TIMEOUT)
    assert p.returncode == 105 and "--members" in p.stderr, p.stderr


def test_refuses_a_remote_url(chatbench):
    """Loopback only: another host is refused before any connection."""
    p = subprocess.run([chatbench, "rooms", "--url", "http://192.0.2.1:8080", "--seconds", "1"],
                       capture_output=True, text=True, timeout=RUN_TIMEOUT)
    assert p.returncode == 105, p.stderr
