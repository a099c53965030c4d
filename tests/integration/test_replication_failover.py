"""With replication (`replicas = 3`, the default) no node is a single point of
failure (docs/replication.md): a node killed (-9) or stopped (SIGSTOP) costs
its groups a failover of a few seconds, after which every call on the other
nodes works; no acknowledged message is lost or stored twice; a node that
returns, even on an empty data dir, catches up; a graceful restart of each
node in turn shows clients no error at all."""
import shutil
import threading
import time

from chatclient import all_messages, login, post_message, register, unique_name
from cluster_harness import group_owned_by, via
from senders import (ANSWER_LIMIT, Sender, assert_stored_once_with_their_seq, http_sender,
                     stop_senders, ws_sender)

FAILOVER_LIMIT = 3.0    # a dead or stopped leader's groups are served again within this


def spread_conversations(cluster, creator, *members):
    """One group conversation led by each node (its preferred leader), with
    every account a member; returns {node_id: conv_id}."""
    return {n.node_id: group_owned_by(cluster, n, creator, *members, title=f"led by {n.node_id}")
            for n in cluster}


def run_senders(senders, until):
    """Starts the senders, calls until() (the disturbance), then stops them
    and checks none hung. until() returns whatever the test needs back."""
    for s in senders:
        s.start()
    try:
        deadline = time.monotonic() + 15
        while min(len(s.acked(c)) for s in senders for c in s.convs) < 3:
            assert time.monotonic() < deadline, "too few sends acknowledged before the fault"
            time.sleep(0.02)
        out = until()
    finally:
        stop_senders(senders)
    return out


def records_of(senders):
    return [r for s in senders for r in s.records]


def assert_answered_promptly(records):
    odd = [r for r in records if r[3] >= ANSWER_LIMIT or r[4] not in ("ok", "unavailable")]
    assert not odd, f"{len(odd)} sends hung or answered oddly: {odd[:5]}"


def assert_served_after(records, since, what):
    """Every send started `since` or later was acknowledged."""
    late = [r for r in records if r[2] >= since and r[4] != "ok"]
    assert not late, f"{what}: {len(late)} sends failed after the failover limit: {late[:5]}"


def assert_every_ack_stored(acct, senders, convs):
    for conv in convs:
        acked = {}
        for s in senders:
            acked.update(s.acked(conv))
        assert acked, f"nothing acknowledged in {conv}"
        assert_stored_once_with_their_seq(acct, conv, acked)


def test_kill9_of_a_leader_fails_over_and_the_node_catches_up(fresh_cluster, ws_open):
    cluster = fresh_cluster
    n1, n2, n3 = cluster
    a1 = cluster.account(n1)
    a2 = cluster.account(n2)
    convs = spread_conversations(cluster, a1, a2)
    order = [convs["n3"], convs["n1"], convs["n2"]]
    w1 = ws_open(n1, a1, "a1@n1")
    senders = [Sender("ws", ws_sender(w1), order),
               Sender("http", http_sender(via(a2, n2)), order)]

    def kill():
        t = time.monotonic()
        cluster.kill9(n3)
        time.sleep(FAILOVER_LIMIT + 2.0)       # keep sending while n3 is down
        return t

    killed_at = run_senders(senders, kill)
    records = records_of(senders)
    assert_answered_promptly(records)
    # Groups whose leader lives keep working throughout (n3 was a follower).
    assert_served_after([r for r in records if r[0] != convs["n3"]], 0, "live leaders")
    # n3's group has a new leader within the limit.
    assert_served_after(records, killed_at + FAILOVER_LIMIT, "after the kill")
    assert any(r[0] == convs["n3"] and r[2] > killed_at + FAILOVER_LIMIT and r[4] == "ok"
               for r in records), ("no send to n3's conversation was acknowledged after the kill: "
                                   f"{[r for r in records if r[0] == convs['n3'] and r[2] > killed_at]}")
    assert_every_ack_stored(a2, senders, order)

    # Back on its data dir: it catches up and serves reads of the whole history.
    n3.start()
    cluster.wait_ready()
    assert_every_ack_stored(via(a1, n3), senders, order)
    assert post_message(via(a1, n3), convs["n3"], "after the return").status == 201

    # /metrics tells the story: a survivor won an election, commits were timed,
    # and once settled each node leads its one group.
    won = sum(metric(n, "chat_raft_elections_won_total") for n in (n1, n2))
    assert won >= 1, "no election won on the survivors"
    assert metric(n1, "chat_raft_commit_seconds_count") > 0
    wait_until_each_leads_one(cluster, timeout=3)  # gauges are set a few times a second


def wait_until_each_leads_one(cluster, timeout=15):
    """Waits until every node leads its own group (its preferred leader)."""
    deadline = time.monotonic() + timeout
    while [metric(n, "chat_raft_groups_led") for n in cluster] != [1, 1, 1]:
        assert time.monotonic() < deadline, "groups led per node are not 1, 1, 1"
        time.sleep(0.1)


def test_a_send_in_flight_when_its_leader_dies_is_answered_at_once(fresh_cluster, ws_open):
    """A send that reached its leader just before the leader died (stopped,
    then killed -9) is answered once the node's loss is known: over WebSocket
    `unavailable` at once (it may or may not have been stored), over HTTP
    after the failover (finding the conversation is asked again of the new
    leader). Not after the 5 s timeout. Resent with its client_msg_id, each
    is stored exactly once."""
    cluster = fresh_cluster
    n1, n2, n3 = cluster
    a1 = cluster.account(n1)
    a2 = cluster.account(n2)
    conv = group_owned_by(cluster, n3, a1, a2, title="led by n3")
    wait_until_each_leads_one(cluster)
    w1 = ws_open(n1, a1, "a1@n1")
    senders = {"ws": ws_sender(w1), "http": http_sender(via(a2, n2))}
    acked = {}
    for name, send in senders.items():     # n1's session now holds n3's actor
        outcome, acked[f"warm-up-{name}"] = send(conv, f"warm-up-{name}")
        assert outcome == "ok"

    answers = {}

    def send_in_flight(name):
        outcome, seq = senders[name](conv, f"in-flight-{name}")
        answers[name] = (outcome, seq, time.monotonic())

    cluster.pause(n3)
    threads = [threading.Thread(target=send_in_flight, args=(name,)) for name in senders]
    for t in threads:
        t.start()
    time.sleep(1.0)                        # both wait on the stopped leader
    assert not answers, f"answered by a stopped leader: {answers}"
    killed_at = time.monotonic()
    cluster.kill9(n3)
    for t in threads:
        t.join(10)
    late = {name: round(at - killed_at, 2) for name, (_, _, at) in answers.items()
            if at - killed_at > FAILOVER_LIMIT}
    assert set(answers) == set(senders) and not late, \
        f"answers {answers}, seconds after the kill: {late}"
    assert answers["ws"][0] == "unavailable", answers
    assert answers["http"][0] == "ok", answers

    # The client resends with the same id; whatever the first try did, the
    # message is stored once, with the seq the resend reports.
    for name, send in senders.items():
        cmid = f"in-flight-{name}"
        deadline = time.monotonic() + FAILOVER_LIMIT + 3
        while True:
            outcome, seq = send(conv, cmid)
            if outcome == "ok":
                break
            assert time.monotonic() < deadline, f"{name}: resend still {outcome}"
            time.sleep(0.2)
        if answers[name][0] == "ok":
            assert seq == answers[name][1], "the resend got another seq"
        acked[cmid] = seq
    assert_stored_once_with_their_seq(a2, conv, acked)


def metric(node, name):
    """Value of an unlabelled-but-`node` metric of `node`'s /metrics."""
    text = node.api.call("GET", "/metrics").raw.decode()
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in /metrics of {node.node_id}")


def test_sigstopped_leader_is_replaced_then_steps_down(fresh_cluster):
    cluster = fresh_cluster
    n1, n2, n3 = cluster
    a1 = cluster.account(n1)
    a3 = cluster.account(n3)
    convs = spread_conversations(cluster, a1, a3)
    order = [convs["n2"], convs["n1"], convs["n3"]]
    senders = [Sender("via-n1", http_sender(via(a1, n1)), order),
               Sender("via-n3", http_sender(via(a3, n3)), order)]

    def stop_then_continue():
        t = time.monotonic()
        cluster.pause(n2)
        time.sleep(FAILOVER_LIMIT + 2.0)
        cluster.resume(n2)                     # a stale leader: it must step down
        time.sleep(2.0)
        return t

    stopped_at = run_senders(senders, stop_then_continue)
    records = records_of(senders)
    assert_answered_promptly(records)
    assert_served_after(records, stopped_at + FAILOVER_LIMIT, "after SIGSTOP")
    assert_every_ack_stored(a1, senders, order)
    # The returned node serves again, with everything acknowledged meanwhile.
    cluster.wait_ready()
    assert_every_ack_stored(via(a3, n2), senders, order)
    assert post_message(via(a1, n2), convs["n2"], "after SIGCONT").status == 201


def test_lost_disks_are_rebuilt_from_the_others(fresh_cluster):
    """Each node in turn loses its data dir and is rebuilt; then the original
    holder of the data is killed: only rebuilt copies are left to serve it."""
    cluster = fresh_cluster
    n1, n2, n3 = cluster
    a1 = cluster.account(n1)
    convs = spread_conversations(cluster, a1)
    acked = {c: {} for c in convs.values()}
    for i in range(30):
        for c in convs.values():
            r = post_message(a1, c, f"m{i}", client_msg_id=f"{c}-{i}")
            assert r.status == 201, r
            acked[c][f"{c}-{i}"] = r.json["seq"]
    users = []
    for _ in range(5):
        name = unique_name()
        register(n1.api, name)
        users.append(name)

    for lost in (n3, n1):
        lost.kill9()
        shutil.rmtree(lost.data_dir)
        lost.start()
        cluster.wait_ready()

    n2.kill9()                                 # n1 and n3 now hold only rebuilt data
    deadline = time.monotonic() + 10
    for c, want in acked.items():
        while True:
            try:
                assert_stored_once_with_their_seq(via(a1, n3), c, want)
                break
            except AssertionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    for name in users:
        assert login(n3.api, name)["access_token"]


def test_rolling_restart_shows_clients_no_error(fresh_cluster):
    """SIGTERM hands leaderships over before exiting, so restarting every node
    in turn (what scripts/restart.sh does) fails no call on the other nodes."""
    cluster = fresh_cluster
    n1, n2, n3 = cluster
    accts = {n.node_id: cluster.account(n) for n in cluster}
    convs = spread_conversations(cluster, accts["n1"], accts["n2"], accts["n3"])
    order = list(convs.values())

    for node in cluster:
        others = cluster.others(node)
        senders = [Sender(f"{node.node_id}-via-{o.node_id}", http_sender(via(accts[o.node_id], o)), order)
                   for o in others]

        def restart():
            node.stop_clean()
            node.start()
            cluster.wait_ready()
            time.sleep(0.5)

        run_senders(senders, restart)
        records = records_of(senders)
        failed = [r for r in records if r[4] != "ok"]
        assert not failed, f"restarting {node.node_id}: {len(failed)} sends failed: {failed[:5]}"
        assert_every_ack_stored(accts["n1"], senders, order)


def test_without_a_majority_calls_answer_unavailable_then_resume(fresh_cluster):
    """Two of three nodes down: no group has a majority, so nothing can be
    acknowledged; calls answer 503 `unavailable` within 5 s instead of hanging.
    With one node back, a resend with the same client_msg_id is stored once."""
    cluster = fresh_cluster
    n1, n2, n3 = cluster
    a1 = cluster.account(n1)
    convs = spread_conversations(cluster, a1)
    n2.kill9()
    n3.kill9()
    time.sleep(1.0)
    for conv in convs.values():
        t0 = time.monotonic()
        r = post_message(a1, conv, "no majority", client_msg_id=f"nm-{conv}")
        took = time.monotonic() - t0
        assert r.status == 503 and r.json["error"]["code"] == "unavailable", r
        assert took < 5.0, f"answered after {took:.1f} s"

    n2.start()
    deadline = time.monotonic() + 15
    for conv in convs.values():
        while True:
            r = post_message(a1, conv, "no majority", client_msg_id=f"nm-{conv}")
            if r.status in (200, 201):
                break
            assert time.monotonic() < deadline, f"{conv} not served again: {r}"
            time.sleep(0.2)
        stored = [m for m in all_messages(a1, conv) if m["client_msg_id"] == f"nm-{conv}"]
        assert len(stored) == 1, stored
