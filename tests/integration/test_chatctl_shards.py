"""chatctl's replication commands (docs/replication.md "Operating it"):
`shards` lists every consensus group with its leader, term, commit and
applied index, replicas and each follower's lag; `transfer GROUP NODE`
moves a group's leadership; `nodes` counts the groups each node leads.

With three nodes and `replicas = 3` (the default) every node holds every
group, and group g is led by node n{g+1} when the cluster is settled."""
import time

import pytest

from chatclient import post_message
from chatctl_driver import ENTER, TAB, Terminal, ask, run
from cluster_harness import Cluster, conversation_owned_by, shard_of
from harness import chatnode_binary

ANSWER_LIMIT = 6.0      # shards answers within this
TRANSFER_LIMIT = 8.0    # transfer: the 5 s wait for the new leader, plus slack
SETTLE = 10.0           # followers catch up / a group goes back to its preferred leader


def groups(doc):
    return {g["group"]: g for g in doc["groups"]}


def leads(nodes_doc):
    return {n["id"]: n.get("leads") for n in nodes_doc["nodes"]}


def wait_for(what, predicate, timeout=SETTLE):
    """Polls `predicate()` (returns (ok, last value)) until ok; fails with the last value."""
    deadline = time.monotonic() + timeout
    while True:
        ok, last = predicate()
        if ok:
            return last
        assert time.monotonic() < deadline, f"{what} within {timeout} s; last: {last}"
        time.sleep(0.2)


def settled(config):
    """shards, once every group is led by its preferred node and no follower lags."""
    def check():
        doc = ask(config, "shards")
        ok = all(g["leader"] == g["replicas"][0] and g["serving"]
                 and all(f["recent"] and f["lag"] == 0 for f in g["followers"])
                 for g in doc["groups"])
        return ok, doc
    return wait_for("every group led by its preferred node, no follower behind", check)


@pytest.fixture
def cluster_with(tmp_path):
    """cluster_with(extra_cluster): three nodes with extra [cluster] lines."""
    started = []

    def make(extra):
        workdir = tmp_path / f"c{len(started)}"
        workdir.mkdir()
        c = Cluster(chatnode_binary(), workdir, size=3, extra_cluster=extra)
        started.append(c)
        c.start()
        return c

    yield make
    for c in started:
        c.stop_all_clean()


# ---------------------------------------------------------------- shards

def test_shards_lists_every_group_with_its_leader_and_progress(cluster):
    acct = cluster.account(cluster[0])
    conv = conversation_owned_by(cluster, cluster[1], acct)["id"]
    g = shard_of(conv) % 3                       # the group holding the conversation
    before = groups(settled(cluster.config_path))[g]
    for i in range(5):
        assert post_message(acct, conv, f"m{i}").status == 201

    r = run(cluster.config_path, "shards", as_json=True)
    assert r.code == 0 and r.seconds < ANSWER_LIMIT, r
    doc = r.doc
    assert doc["replicas"] == 3 and doc["down"] == [], doc
    assert sorted(groups(doc)) == [0, 1, 2], doc
    for n, grp in groups(doc).items():
        assert grp["replicas"] == [f"n{(n + k) % 3 + 1}" for k in range(3)], grp
        assert grp["leader"] in grp["replicas"], grp
        assert grp["reported_by"] == grp["leader"], grp     # the leader's own view
        assert grp["term"] >= 1, grp
        assert grp["commit_index"] >= grp["applied_index"] > 0, grp
        assert sorted(f["node"] for f in grp["followers"]) == \
            sorted(set(grp["replicas"]) - {grp["leader"]}), grp
        for f in grp["followers"]:
            assert f["lag"] == max(grp["last_index"] - f["match_index"], 0), grp
    # the five messages went through the group's log
    after = groups(doc)[g]
    assert after["commit_index"] >= before["commit_index"] + 5, (before, after)
    # every node gives the same picture of who leads
    for node in ("n2", "n3"):
        other = ask(cluster.config_path, "shards", node=node)
        assert {k: v["leader"] for k, v in groups(other).items()} == \
            {k: v["leader"] for k, v in groups(doc).items()}, other
    # followers catch up: lag 0 once the writes stop
    settled(cluster.config_path)


def test_shards_table(cluster):
    settled(cluster.config_path)
    r = run(cluster.config_path, "shards")
    assert r.code == 0 and r.err == "", r
    lines = r.out.splitlines()
    assert lines[0].split() == ["GROUP", "LEADER", "TERM", "COMMIT", "APPLIED", "REPLICAS",
                                "LAG"], r
    rows = [ln.split() for ln in lines[1:]]
    assert [row[0] for row in rows] == ["0", "1", "2"], r
    for row in rows:
        leader = f"n{int(row[0]) + 1}"
        assert row[1] == leader, r
        assert int(row[3]) >= int(row[4]) > 0, r            # commit >= applied
        replicas = row[5].split(",")
        assert replicas[0] == leader and sorted(replicas) == ["n1", "n2", "n3"], r
        assert " ".join(row[6:]) == ", ".join(f"{n} 0" for n in replicas[1:]), r


def test_nodes_counts_the_groups_each_node_leads(cluster):
    settled(cluster.config_path)
    doc = ask(cluster.config_path, "nodes")
    assert leads(doc) == {"n1": 1, "n2": 1, "n3": 1}, doc
    r = run(cluster.config_path, "nodes")
    assert r.code == 0, r
    lines = r.out.splitlines()
    assert lines[0].split()[-1] == "LEADS", r
    assert sum(int(ln.split()[-1]) for ln in lines[1:]) == 3, r


# ---------------------------------------------------------------- transfer

def test_transfer_moves_a_leadership_then_it_returns_to_its_preferred_node(cluster):
    before = groups(settled(cluster.config_path))[1]
    assert before["leader"] == "n2", before
    r = run(cluster.config_path, "transfer 1 n3", as_json=True)
    assert r.code == 0 and r.seconds < TRANSFER_LIMIT, r
    assert r.doc == {"group": 1, "from": "n2", "to": "n3", "term": r.doc["term"]}, r
    assert r.doc["term"] > before["term"], (before, r)     # a new leader, a new term
    # n2 is up and caught up: the group goes back to it by itself
    doc = settled(cluster.config_path)
    assert groups(doc)[1]["term"] > r.doc["term"], doc

    r = run(cluster.config_path, "transfer 0 n1")           # already there
    assert r.code == 0 and r.out == f"group 0 is already led by n1 (term {groups(doc)[0]['term']})\n", r


@pytest.mark.parametrize("command, code, error", [
    ("transfer 7 n2", 1, "no group 7 (groups 0 to 2)"),
    ("transfer 0 n9", 1, "no node n9 in cluster.conf"),
    ("transfer x n2", 2, "GROUP must be a group number"),
    ("transfer 0", 2, "transfer takes a group number and a node id"),
    ("transfer -1 n2", 2, "GROUP must be a group number"),
])
def test_transfer_errors(cluster, command, code, error):
    r = run(cluster.config_path, command)
    assert r.code == code and r.out == "", r
    assert error in r.err, r


def test_transfer_while_the_preferred_node_is_down(fresh_cluster):
    """n1 stopped: its group 0 moved to n2 or n3, and stays where the
    operator puts it until n1 is back."""
    n1, n2, n3 = fresh_cluster
    config = fresh_cluster.config_path
    settled(config)
    n1.stop_clean()                              # hands group 0 over on SIGTERM

    def moved():
        doc = ask(config, "shards")
        return groups(doc)[0]["leader"] in ("n2", "n3") and groups(doc)[0]["serving"], doc
    doc = wait_for("group 0 led by n2 or n3", moved)
    assert doc["down"] == ["n1"], doc
    holder = groups(doc)[0]["leader"]
    other = "n3" if holder == "n2" else "n2"

    r = run(config, f"transfer 0 {other}")
    assert r.code == 0, r
    assert r.out.startswith(f"group 0: leadership moved from {holder} to {other} (term "), r
    doc = ask(config, "shards")
    g0 = groups(doc)[0]
    assert g0["leader"] == other and g0["reported_by"] == other, doc
    lag = {f["node"]: f for f in g0["followers"]}
    assert not lag["n1"]["recent"] and lag[holder]["recent"], g0     # n1 is down
    table = run(config, "shards").out
    row = next(ln for ln in table.splitlines() if ln.split()[0] == "0")
    assert "n1 down" in row and row.split()[1] == other, table

    nodes = ask(config, "nodes")
    counts = leads(nodes)
    assert counts["n1"] is None, nodes                   # down: not counted
    assert counts[other] >= 1 and counts["n2"] + counts["n3"] == 3, nodes

    r = run(config, "transfer 0 n1")                     # to a down node
    assert r.code == 1 and "n1 is down" in r.err, r

    n1.start()                                           # group 0 goes home
    fresh_cluster.wait_ready()
    assert groups(settled(config))[0]["leader"] == "n1"


def test_shell_completes_shards_and_transfer(cluster, tmp_path):
    settled(cluster.config_path)
    t = Terminal(cluster.config_path, node="n3", history=tmp_path / "history")
    try:
        t.expect(r"chatctl n3> ")
        t.send("sha" + TAB + ENTER)                     # the command name
        t.expect(r"GROUP +LEADER +TERM +COMMIT +APPLIED +REPLICAS +LAG")
        t.expect(r"chatctl n3> ")
        t.send("transf" + TAB + TAB)                    # then the groups
        t.expect(r"0 +1 +2")
        t.send("0 n" + TAB)                             # then the nodes
        t.expect(r"n1 +n2 +n3")
        t.send("1" + ENTER)
        t.expect(r"group 0 is already led by n1")
        t.expect(r"chatctl n3> ")
        t.send("quit" + ENTER)
        assert t.wait_exit() == 0, t.text()
    finally:
        t.close()


# ---------------------------------------------------------------- other layouts

def test_transfer_to_a_node_without_a_replica(cluster_with):
    c = cluster_with("replicas = 2\n")              # group 0 on n1, n2; group 1 on n2, n3
    doc = ask(c.config_path, "shards")
    assert groups(doc)[0]["replicas"] == ["n1", "n2"], doc
    r = run(c.config_path, "transfer 0 n3")
    assert r.code == 1 and r.out == "", r
    assert "n3 holds no replica of group 0 (replicas: n1, n2)" in r.err, r
    r = run(c.config_path, "transfer 0 n2", as_json=True)
    assert r.code == 0 and r.doc["to"] == "n2", r


def test_replication_off(cluster_with):
    c = cluster_with("replicas = 1\n")
    r = run(c.config_path, "shards")
    assert r.code == 0 and r.out == "replication is off (replicas = 1)\n", r
    assert ask(c.config_path, "shards") == {"replicas": 1, "groups": [], "down": []}
    r = run(c.config_path, "transfer 0 n2")
    assert r.code == 1 and "replication is off (replicas = 1)" in r.err, r
    nodes = ask(c.config_path, "nodes")
    assert all("leads" not in n for n in nodes["nodes"]), nodes
    table = run(c.config_path, "nodes").out.splitlines()
    assert table[0].split()[-1] == "LEADS" and all(ln.split()[-1] == "-" for ln in table[1:])
