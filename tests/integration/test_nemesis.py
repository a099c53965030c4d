"""Jepsen-style: clients on all three nodes send messages, register, log in,
rotate refresh tokens and end sessions while a nemesis kills (-9), pauses,
gracefully restarts and wipes one node at a time (docs/nemesis.md).

Afterwards, with every node up: every acknowledged message is stored exactly
once with its seq, seqs are gapless, every node serves the same history,
every registered user can log in, no used refresh token works again, no
ended session comes back, and sends recovered quickly after every fault.

Short form by default (NEMESIS_SECONDS=20 of faults, < 60 s in all); the long
form by hand: NEMESIS_SECONDS=600. NEMESIS_SEED=<n> replays a run's choices
(the nemesis's and the clients'; timing still varies).
"""
import os
import random
import threading
import time

import pytest

from chatclient import PASSWORD, Client
from chatctl_driver import run as chatctl
from cluster_harness import Cluster, group_owned_by
from harness import chatnode_binary
from nemesis import (OP_TIMEOUT, AuthWorker, Disturbances, History, HttpSender, Nemesis,
                     Prober, WsSender, acked_sends, check_stored_once_with_their_seq, http_call, judge,
                     read_everywhere, summary, unavailable_window)

SECONDS = float(os.environ.get("NEMESIS_SECONDS", "20"))
MAX_OUTAGE = float(os.environ.get("NEMESIS_MAX_OUTAGE", "5"))  # per fault, sends to any conv
CONVS_PER_GROUP = 2


@pytest.fixture
def seed():
    value = int(os.environ.get("NEMESIS_SEED") or random.randrange(1 << 32))
    print(f"\nNEMESIS_SEED={value}")
    return value


@pytest.fixture
def nemesis_cluster(tmp_path):
    """Three nodes, replicas = 3 (the default). Access tokens outlive a long run."""
    ttl = max(900, int(SECONDS * 2) + 300)
    c = Cluster(chatnode_binary(), tmp_path, extra_cluster=f"access_token_ttl = {ttl}\n")
    try:
        c.start()
    except BaseException:
        for n in c:
            if n.running:
                n.kill9()
        raise
    yield c
    for n in c:                  # a failed run may leave a node paused
        if n.paused:
            n.resume()
    c.stop_all_clean()


# ---------------------------------------------------------------- setup

def conversations(cluster, accounts):
    """CONVS_PER_GROUP group conversations per consensus group (shard owner =
    the group's preferred leader), every account a member. {node id: [conv ids]}."""
    creator, *others = accounts
    return {n.node_id: [group_owned_by(cluster, n, creator, *others, title=f"g-{n.node_id}-{i}")
                        for i in range(CONVS_PER_GROUP)] for n in cluster}


def start_workers(cluster, history, seed, registered):
    """Per node: one HTTP sender per group (so a fault stalls at most one of a
    node's senders), one WebSocket sender over every conversation, one auth
    worker, one open-loop prober (the outage measure). Their accounts are homed anywhere; all are members everywhere."""
    http_accts = {n.node_id: cluster.account(n) for n in cluster}
    ws_accts = {n.node_id: cluster.account(n) for n in cluster}
    probe_accts = {n.node_id: cluster.account(n) for n in cluster}
    convs = conversations(cluster, [*http_accts.values(), *ws_accts.values(),
                                    *probe_accts.values()])
    every = [c for cs in convs.values() for c in cs]
    workers = []
    for n in cluster:
        for g, cs in convs.items():
            workers.append(HttpSender(f"http-{n.node_id}-{g}", n, history, seed,
                                      http_accts[n.node_id].token, cs))
        workers.append(WsSender(f"ws-{n.node_id}", n, history, seed,
                                ws_accts[n.node_id].token, every))
        workers.append(Prober(f"probe-{n.node_id}", n, history, seed,
                              probe_accts[n.node_id].token, every))
        workers.append(AuthWorker(f"auth-{n.node_id}", n, history, seed, registered,
                                  list(cluster)))
    for w in workers:
        w.start()
    return workers, convs, http_accts["n1"].token


def stop_workers(workers):
    """Problems: a worker that crashed, or still hangs OP_TIMEOUT + 5 s after
    being told to stop."""
    for w in workers:
        w.halt.set()
    deadline = time.monotonic() + OP_TIMEOUT + 5
    for w in workers:
        w.join(max(0.1, deadline - time.monotonic()))
    return ([f"worker {w.name} hangs" for w in workers if w.is_alive()]
            + [f"worker {w.name} crashed: {w.crash!r}" for w in workers if w.crash])


# ---------------------------------------------------------------- final checks

def settled_call(cluster, rng, method, path, body=None, token=None, tries=4):
    """A call through a random node once everything is up; `unavailable` (a
    leadership moving back to its preferred node) is retried a few times.
    Returns the Response, or the last raw outcome as a string."""
    last = None
    for _ in range(tries):
        n = rng.choice(list(cluster))
        outcome, resp, _ = http_call(Client("127.0.0.1", n.http_port, timeout=OP_TIMEOUT),
                                     method, path, body, token)
        if outcome == "answered":
            return resp
        last = f"{outcome} via {n.node_id}"
        time.sleep(0.5)
    return last


def check_histories(cluster, convs, token, acked):
    """Every node serves the same history, and it holds every acknowledged
    message once with its seq. Returns (problems, {conv: stored count})."""
    problems, sizes = [], {}
    for conv in (c for cs in convs.values() for c in cs):
        per_node = read_everywhere(cluster, token, conv)
        first = per_node["n1"]
        sizes[conv] = len(first)
        for node_id, msgs in per_node.items():
            if msgs != first:
                diff = next((i for i, (a, b) in enumerate(zip(first, msgs)) if a != b),
                            min(len(first), len(msgs)))
                problems.append(f"{conv}: history via {node_id} differs from via n1 at index "
                                f"{diff} ({len(msgs)} vs {len(first)} messages)")
        stored = [{"seq": m[0], "client_msg_id": m[2]} for m in first]
        problems += check_stored_once_with_their_seq(stored, acked, conv)
    return problems, sizes


def check_chatctl_history(cluster, convs, token):
    """`chatctl --node nX history CONV -n 500` through every node equals the
    tail of the HTTP history. (The admin command reads the copy of the node
    serving the conversation's group, i.e. its Raft leader, not nX's own
    replica: it checks the admin path under churn, not replica equality.)"""
    problems = []
    for conv in (c for cs in convs.values() for c in cs):
        http_tail = [(m[0], m[1]) for m in read_everywhere(cluster, token, conv)["n1"]][-500:]
        for n in cluster:
            r = chatctl(cluster.config_path, f"history {conv} -n 500", node=n.node_id,
                        as_json=True, timeout=OP_TIMEOUT * 3)
            if r.code != 0:
                problems.append(f"chatctl history {conv} via {n.node_id}: {r!r}")
                continue
            got = [(m["seq"], m["msg_id"]) for m in r.doc["messages"]]
            if got != http_tail:
                problems.append(f"chatctl history {conv} via {n.node_id}: {len(got)} messages, "
                                f"differs from HTTP ({len(http_tail)})")
    return problems


def check_logins(cluster, rng, registered):
    """Every user whose registration was acknowledged (201) can log in."""
    problems = []
    for name in registered:
        r = settled_call(cluster, rng, "POST", "/auth/login",
                         {"username": name, "password": PASSWORD})
        if isinstance(r, str) or r.status != 200:
            problems.append(f"registered user {name} cannot log in: {r!r}")
    return problems


def check_sessions(cluster, rng, workers):
    """Per session of the auth workers: a live one's current refresh token
    still works once (an acknowledged rotation is durable); every refresh
    token it used before is refused (401), and that reuse then ends the
    session; an ended session's access and refresh tokens are refused."""
    problems, counts = [], {"live": 0, "ended": 0, "unsure": 0, "used_tokens": 0}
    for w in (w for w in workers if isinstance(w, AuthWorker)):
        for s in w.sessions:
            counts[s.state] += 1
            if s.state == "live":
                r = settled_call(cluster, rng, "POST", "/auth/refresh",
                                 {"refresh_token": s.tokens["refresh_token"]})
                if isinstance(r, str) or r.status != 200:
                    problems.append(f"session {s.id}: its current refresh token fails: {r!r}")
                    continue
                newest = r.json
                for used in s.used_refresh:
                    counts["used_tokens"] += 1
                    r = settled_call(cluster, rng, "POST", "/auth/refresh",
                                     {"refresh_token": used})
                    if isinstance(r, str) or r.status != 401:
                        problems.append(f"session {s.id}: a used refresh token answered {r!r}")
                if s.used_refresh:
                    r = settled_call(cluster, rng, "GET", "/users/me",
                                     token=newest["access_token"])
                    if isinstance(r, str) or r.status != 401:
                        problems.append(f"session {s.id}: still alive after refresh-token "
                                        f"reuse: {r!r}")
            elif s.state == "ended":
                r = settled_call(cluster, rng, "GET", "/users/me",
                                 token=s.tokens["access_token"])
                if isinstance(r, str) or r.status != 401:
                    problems.append(f"ended session {s.id}: access token answered {r!r}")
                r = settled_call(cluster, rng, "POST", "/auth/refresh",
                                 {"refresh_token": s.tokens["refresh_token"]})
                if isinstance(r, str) or r.status != 401:
                    problems.append(f"ended session {s.id}: refresh token answered {r!r}")
    return problems, counts


# ---------------------------------------------------------------- the test

def test_nemesis(nemesis_cluster, seed, tmp_path):
    cluster = nemesis_cluster
    t_start = time.monotonic()
    history, disturbances, registered = History(), Disturbances(), []
    workers, convs, reader_token = start_workers(cluster, history, seed, registered)
    time.sleep(1.0)                               # traffic before the first fault

    nemesis = Nemesis(cluster, seed, time.monotonic() + SECONDS, disturbances)
    nemesis.start()
    nemesis.join(SECONDS + 120)
    time.sleep(1.0)                               # traffic after the last heal
    problems = stop_workers(workers)
    if nemesis.is_alive():
        problems.append("the nemesis did not finish")
    if nemesis.crash:
        problems.append(f"the nemesis crashed: {nemesis.crash!r}")
    problems += [f"fault {f.kind} on {f.node}: {f.error}" for f in nemesis.faults if f.error]
    for n in cluster:                             # leave every node up for the checks
        if n.paused:
            n.resume()
        if not n.running:
            n.start()
    cluster.wait_ready()
    t_workload = time.monotonic() - t_start

    failures = judge(history.ops, disturbances)
    probes = history.of("probe")
    all_convs = [c for cs in convs.values() for c in cs]
    windows = [max(unavailable_window(f, probes, c) for c in all_convs) for f in nemesis.faults]
    problems += [f"after {f.kind} of {f.node}, sends to some conversation failed for {w:.2f} s "
                 f"(limit {MAX_OUTAGE} s)" for f, w in zip(nemesis.faults, windows)
                 if w >= MAX_OUTAGE]

    rng = random.Random(f"{seed}/checks")
    t0 = time.monotonic()
    found, sizes = check_histories(cluster, convs, reader_token, acked_sends(history))
    problems += found
    problems += check_chatctl_history(cluster, convs, reader_token)
    problems += check_logins(cluster, rng, registered)
    found, session_counts = check_sessions(cluster, rng, workers)
    problems += found
    t_checks = time.monotonic() - t0

    text = summary(seed, SECONDS, history, nemesis.faults, windows, failures, extra_lines=[
        f"stored messages per conversation: {sorted(sizes.values())}",
        f"registered users checked: {len(registered)}; sessions {session_counts}",
        f"workload + healing {t_workload:.1f} s, final checks {t_checks:.1f} s",
        f"problems: {len(problems)}", *[f"  {p}" for p in problems[:30]]])
    (tmp_path / "nemesis-summary.txt").write_text(text + "\n")
    print(text)
    print(f"summary and node logs: {tmp_path}")

    assert not failures, (f"{len(failures)} operations failed (seed {seed}); e.g. "
                          f"{[(o.kind, o.node, o.outcome, o.detail) for o in failures[:5]]}\n"
                          + cluster.log_tails())
    assert not problems, f"seed {seed}: " + "\n".join(problems[:30])
