"""chatctl, the admin shell (issue 6, README.md "Admin shell"), against real
nodes: it proves the cluster secret on a node's cluster port and asks that
node's admin actor, which gathers from every node. Each command's `--json`
output is checked against activity the test itself creates; the interactive
shell is driven through a pseudo-terminal (history across runs, TAB).

Exit codes: 0 success, 1 error (cannot connect, wrong secret, the node
refused), 2 usage (checked before anything is dialled)."""
import time

import pytest

from chatclient import (accept_invitation_to, create_conversation, invite, now_ms,
                        post_message, sibling_id)
from chatctl_driver import (CTRL_C, CTRL_D, ENTER, TAB, UP, Terminal, ask,
                            config_with_secret, run, run_args)
from cluster_harness import conversation_owned_by, free_ports, via
from harness import write_cluster_config, write_secret

ANSWER_LIMIT = 6.0       # any command answers within this, even with a node down
DOWN_DETECTED = 5.0      # kill -9: `nodes` shows the node down within this
CLOSE_LIMIT = 2.0        # kick/revoke: the sockets close with 4001 within this
STATS_LAG = 3.0          # stats totals follow the stored messages within this


def ids(nodes):
    return [n["id"] for n in nodes]


def by_id(nodes):
    return {n["id"]: n for n in nodes}


def closes_with_4001(ws, within=CLOSE_LIMIT):
    code = ws.wait_closed(within + 3)
    assert code == 4001, f"{ws}: closed with {code} ({ws.close_reason!r}), not 4001"


@pytest.fixture
def down_config(tmp_path):
    """A config of three nodes on ports nobody listens on, and its secret."""
    write_secret(tmp_path)
    ports = free_ports(6)
    return write_cluster_config(tmp_path, [
        {"id": f"n{i + 1}", "http_port": ports[2 * i], "cluster_port": ports[2 * i + 1]}
        for i in range(3)])


# ---------------------------------------------------------------- usage, help

@pytest.mark.parametrize("command", [
    "frobnicate",                       # unknown command
    "nodes now",                        # nodes takes no arguments
    "stats n1",
    "sessions",                         # missing USER
    "sessions alice bob",
    "kick",
    "revoke s_a s_b",
    "inspect",
    "inspect conv",                     # missing ID
    "inspect channel c_x",              # unknown kind
    "history",
    "history c_x -n 0",
    "history c_x -n 501",               # the nodes answer at most 500
    "history c_x -n ten",
    "history c_x -n",
    "history c_x c_y",
    "actors --node",
    "actors --node n9",                 # not in the config
    "actors n1",
    "conversations --cold",
    "conversations hot",
    "help frobnicate",
    "shards now",                       # shards takes no arguments
    "transfer",                         # GROUP and NODE missing
    "transfer 0",
    "transfer 0 n1 n2",
    "transfer zero n1",                 # GROUP is a number
    "transfer 0 --node",
    "inspect 'conv",                    # unterminated quote
    "",                                 # -c with nothing to run
])
def test_usage_errors_exit_2_before_connecting(down_config, command):
    r = run(down_config, command)
    assert r.code == 2, r
    assert r.out == "", r
    assert r.err.startswith("chatctl: "), r
    assert r.seconds < 3, r


@pytest.mark.parametrize("flags", [
    ["--bogus"],
    ["--node", "n9"],                   # not in the config
    ["--config"],                       # missing value
])
def test_bad_flags_exit_2(down_config, flags):
    r = run(down_config, "nodes", extra=flags)
    assert r.code == 2, r
    assert r.out == "", r
    assert r.err, r


def test_missing_config_flag_exits_2():
    r = run_args(["-c", "nodes"])
    assert r.code == 2 and r.out == "" and "--config" in r.err, r


def test_help(down_config):
    r = run_args(["--help"])
    assert r.code == 0, r
    text = r.out
    for word in ("--config", "--node", "-c", "--json", "nodes", "actors [--node N]",
                 "sessions USER", "conversations [--hot]", "inspect conv|user|session ID",
                 "kick SESSION", "revoke SESSION", "stats", "history CONV [-n N]", "shards",
                 "transfer GROUP NODE"):
        assert word in text, (word, text)

    r = run(down_config, "help")                  # needs no node
    assert r.code == 0 and r.err == "", r
    for name in ("nodes", "actors", "sessions", "conversations", "inspect", "kick", "revoke",
                 "stats", "history", "shards", "transfer", "help", "quit"):
        assert f"\n  {name}" in "\n" + r.out, (name, r.out)

    r = run(down_config, "help history")
    assert r.code == 0, r
    assert "usage: history CONV [-n N]" in r.out and "default 20" in r.out, r

    r = run(down_config, "help transfer")
    assert r.code == 0 and "usage: transfer GROUP NODE" in r.out, r


def test_bad_config_or_secret_file_exit_1(tmp_path, down_config):
    r = run(tmp_path / "nope.conf", "nodes")
    assert r.code == 1 and r.out == "" and "nope.conf" in r.err, r
    text = down_config.read_text().replace("secret_file = cluster.secret",
                                           "secret_file = missing.secret")
    conf = tmp_path / "missing-secret.conf"
    conf.write_text(text)
    r = run(conf, "nodes")
    assert r.code == 1 and r.out == "" and "missing.secret" in r.err, r


def test_no_node_reachable_exits_1_quickly(down_config):
    for extra in ([], ["--json"]):
        r = run(down_config, "nodes", extra=extra)
        assert r.code == 1, r
        assert r.out == "", r
        assert "cannot connect" in r.err, r
        for n in ("n1", "n2", "n3"):          # every node was tried, in order
            assert n in r.err, r
        assert r.seconds < ANSWER_LIMIT, r
    r = run(down_config, "nodes", node="n2")
    assert r.code == 1 and r.out == "" and "n2" in r.err and "n1" not in r.err, r
    # the shell does not start either
    r = run(down_config)
    assert r.code == 1 and r.out == "" and "cannot connect" in r.err, r


# ---------------------------------------------------------------- wrong secret

def test_wrong_secret_exit_1_nothing_listed(cluster, tmp_path):
    wrong = config_with_secret(cluster, tmp_path / "wrong", "x" * 64)
    for command, node in (("nodes", None), ("stats", "n2"), ("sessions alice", "n3")):
        for as_json in (False, True):
            r = run(wrong, command, node=node, as_json=as_json)
            assert r.code == 1, r
            assert r.out == "", r
            assert "secret" in r.err, r
            assert r.seconds < ANSWER_LIMIT, r
    r = run(wrong)                              # the shell refuses to start
    assert r.code == 1 and r.out == "" and "secret" in r.err, r
    # the nodes still serve chatctl with the right secret
    assert ids(ask(cluster.config_path, "nodes")["nodes"]) == ["n1", "n2", "n3"]


def test_secret_too_short_exit_1(cluster, tmp_path):
    short = config_with_secret(cluster, tmp_path / "short", "tooshort")
    r = run(short, "nodes")
    assert r.code == 1 and r.out == "" and "secret" in r.err, r


# ---------------------------------------------------------------- nodes, actors, sessions

def test_nodes_lists_every_node(cluster):
    doc = ask(cluster.config_path, "nodes")
    assert ids(doc["nodes"]) == ["n1", "n2", "n3"], doc
    for n in cluster:
        got = by_id(doc["nodes"])[n.node_id]
        assert got["status"] == "up", got
        assert got["address"] == f"127.0.0.1:{n.http_port}", got
        assert got["cluster_address"] == f"127.0.0.1:{n.cluster_port}", got
        assert isinstance(got["uptime_s"], int) and got["uptime_s"] >= 0, got
        assert isinstance(got["connections"], int) and got["connections"] >= 0, got
        actors = got["actors"]
        for kind in ("directory", "relay", "auth", "admin", "peer_manager"):
            assert actors.get(kind, 0) >= 1, (kind, got)
        assert all(isinstance(v, int) and v >= 0 for v in actors.values()), got
    # the same document whichever node is asked
    for n in ("n2", "n3"):
        other = ask(cluster.config_path, "nodes", node=n)
        assert ids(other["nodes"]) == ["n1", "n2", "n3"], other
        assert all(x["status"] == "up" for x in other["nodes"]), other


def test_client_on_n2_shows_in_sessions_actors_and_nodes(cluster, ws_open):
    n1, n2, n3 = cluster
    acct = cluster.account(n1, home=n3)       # session lives on n3, socket on n2
    t0 = now_ms()
    ws = ws_open(n2, via(acct, n2))
    local_port = ws.ws.local_address[1]

    for who in (acct.username, acct.id):
        doc = ask(cluster.config_path, f"sessions {who}")
        assert doc["user"] == {"id": acct.id, "username": acct.username}, doc
        sessions = {s["id"]: s for s in doc["sessions"]}
        assert acct.session_id in sessions, doc
        s = sessions[acct.session_id]
        assert isinstance(s["created_at"], int) and isinstance(s["last_seen"], int), s
        assert s["created_at"] <= s["last_seen"] <= now_ms() + 1000, s
        assert len(s["connections"]) == 1, s
        c = s["connections"][0]
        assert c["node"] == "n2", c
        assert c["remote"] == f"127.0.0.1:{local_port}", c
        assert t0 - 1000 <= c["since"] <= now_ms() + 1000, c
        assert isinstance(c["queued"], int) and c["queued"] >= 0, c

    doc = ask(cluster.config_path, "actors --node n2")
    assert ids(doc["nodes"]) == ["n2"], doc
    kinds = {a["kind"]: a for a in doc["nodes"][0]["actors"]}
    assert kinds["session"]["count"] >= 1, doc
    everywhere = ask(cluster.config_path, "actors")
    assert ids(everywhere["nodes"]) == ["n1", "n2", "n3"], everywhere

    n2_info = by_id(ask(cluster.config_path, "nodes")["nodes"])["n2"]
    assert n2_info["connections"] >= 1 and n2_info["actors"]["session"] >= 1, n2_info

    # a second connection of the same session on n1: two connections, two nodes
    ws_open(n1, acct)
    doc = ask(cluster.config_path, f"sessions {acct.username}", node="n1")
    s = {x["id"]: x for x in doc["sessions"]}[acct.session_id]
    assert sorted(c["node"] for c in s["connections"]) == ["n1", "n2"], s

    # every kind has a mailbox size (a number, also for kinds with many actors)
    no_size = [a for a in kinds.values()
               if not (isinstance(a["mailbox"], int) and a["mailbox"] >= 0)]
    assert not no_size, f"actors without a mailbox size: {no_size}"


def test_sessions_of_unknown_user_is_an_error(cluster):
    r = run(cluster.config_path, "sessions nobody_like_this", as_json=True)
    assert r.code == 1 and r.out == "" and r.err.startswith("chatctl: "), r


# ---------------------------------------------------------------- kick, revoke

def test_kick_closes_the_socket_with_4001_and_the_session_stays(cluster, ws_open):
    n1, n2, n3 = cluster
    acct = cluster.account(n1, home=n1)
    ws = ws_open(n2, via(acct, n2))
    doc = ask(cluster.config_path, f"kick {acct.session_id}", node="n3")
    assert doc == {"kicked": acct.session_id, "connections": 1}, doc
    closes_with_4001(ws)
    for n in cluster:                          # the session is still valid
        resp = n.api.call("GET", "/users/me", token=acct.token)
        assert resp.status == 200, (n, resp)
    again = ws_open(n2, via(acct, n2))         # and may reconnect
    again.assert_alive()
    sessions = ask(cluster.config_path, f"sessions {acct.id}")["sessions"]
    assert acct.session_id in [s["id"] for s in sessions], sessions


def test_revoke_makes_the_token_fail_on_every_node(cluster, ws_open):
    n1, n2, n3 = cluster
    acct = cluster.account(n1, home=n2)
    other = acct.login()                       # another session of the same user
    ws = ws_open(n3, via(acct, n3))
    doc = ask(cluster.config_path, f"revoke {acct.session_id}")
    assert doc == {"revoked": acct.session_id}, doc
    for n in cluster:
        resp = n.api.call("GET", "/users/me", token=acct.token)
        assert resp.status == 401, (n, resp)
    resp = n1.api.call("POST", "/auth/refresh", {"refresh_token": acct.refresh_token})
    assert resp.status == 401, resp
    closes_with_4001(ws)
    for n in cluster:                          # the user's other session lives on
        assert n.api.call("GET", "/users/me", token=other["access_token"]).status == 200
    sessions = ask(cluster.config_path, f"sessions {acct.username}")["sessions"]
    assert [s["id"] for s in sessions] == [other["session_id"]], sessions


def test_kick_or_revoke_of_an_unknown_session_is_an_error(cluster):
    acct = cluster.account(cluster[0])
    fake = sibling_id(acct.session_id)
    for command in (f"kick {fake}", f"revoke {fake}"):
        r = run(cluster.config_path, command, as_json=True)
        assert r.code == 1 and r.out == "" and r.err.startswith("chatctl: "), r


# ---------------------------------------------------------------- conversations, history

def test_conversations_list_a_conversation_with_its_last_seq(cluster):
    n1, n2, n3 = cluster
    acct = cluster.account(n1)
    conv = conversation_owned_by(cluster, n2, acct, title="ops room")["id"]
    for i in range(3):
        assert post_message(acct, conv, f"hello {i}").status == 201
    doc = ask(cluster.config_path, "conversations")
    assert doc.get("down", []) == [], doc
    listed = {c["id"]: c for c in doc["conversations"]}
    assert conv in listed, doc
    c = listed[conv]
    assert c["node"] == "n2" and c["title"] == "ops room" and c["direct"] is False, c
    assert c["members"] == 1 and c["last_seq"] == 3, c
    assert isinstance(c["messages_per_s"], (int, float)) and c["messages_per_s"] >= 0, c

    hot = ask(cluster.config_path, "conversations --hot")["conversations"]
    assert len(hot) <= 20, hot
    rates = [h["messages_per_s"] for h in hot]
    assert rates == sorted(rates, reverse=True), hot


def test_history_shows_the_messages_in_order(cluster):
    n1, n2, n3 = cluster
    acct = cluster.account(n2)
    conv = conversation_owned_by(cluster, n3, acct)["id"]
    texts = [f"line {i} ✓" for i in range(1, 6)]
    receipts = [post_message(acct, conv, t).json for t in texts]
    doc = ask(cluster.config_path, f"history {conv}", node="n1")
    assert doc["conv"] == conv, doc
    msgs = doc["messages"]
    assert [m["seq"] for m in msgs] == [1, 2, 3, 4, 5], doc
    assert [m["text"] for m in msgs] == texts, doc
    assert all(m["from"] == acct.id for m in msgs), doc
    assert [m["msg_id"] for m in msgs] == [r["msg_id"] for r in receipts], (doc, receipts)
    assert [m["ts"] for m in msgs] == sorted(m["ts"] for m in msgs), doc

    last2 = ask(cluster.config_path, f"history {conv} -n 2")["messages"]
    assert [(m["seq"], m["text"]) for m in last2] == [(4, texts[3]), (5, texts[4])], last2

    r = run(cluster.config_path, f"history {conv}")        # the table, readable
    assert r.code == 0, r
    lines = r.out.splitlines()
    assert lines[0].split() == ["SEQ", "TIME", "FROM", "TEXT"], r
    assert [ln.split()[0] for ln in lines[1:]] == ["1", "2", "3", "4", "5"], r
    assert lines[-1].endswith(texts[-1]), r


def test_inspect_conversation_user_and_session(cluster, ws_open):
    n1, n2, n3 = cluster
    owner = cluster.account(n1, home=n1)
    member = cluster.account(n1, home=n3)
    conv = conversation_owned_by(cluster, n2, owner, title="inspected")["id"]
    invite(owner, conv, member)
    accept_invitation_to(via(member, n3), conv)
    ws = ws_open(n2, via(member, n2))
    assert post_message(owner, conv, "one").status == 201
    ws.expect("message", conv=conv, seq=1)
    other_room = create_conversation(owner, "pending")["id"]
    invitation = invite(owner, other_room, member)

    doc = ask(cluster.config_path, f"inspect conv {conv}")
    assert doc["kind"] == "conversation" and doc["id"] == conv and doc["node"] == "n2", doc
    assert doc["title"] == "inspected" and doc["direct"] is False, doc
    assert doc["owner"] == owner.id and doc["last_seq"] == 1, doc
    assert sorted((m["user"], m["role"]) for m in doc["members"]) == sorted(
        [(owner.id, "owner"), (member.id, "member")]), doc
    assert doc["subscribers"].get("n2", 0) >= 1, doc

    doc = ask(cluster.config_path, f"inspect user {member.id}")
    assert doc["kind"] == "user" and doc["id"] == member.id, doc
    assert doc["username"] == member.username and doc["home"] == "n3", doc
    assert doc["online"] is True, doc
    assert [(c["node"], c["session"]) for c in doc["connections"]] == [
        ("n2", member.session_id)], doc
    assert conv in doc["conversations"], doc
    assert [(i["id"], i["conv"], i["from"]) for i in doc["pending_invitations"]] == [
        (invitation["id"], other_room, owner.id)], doc

    doc = ask(cluster.config_path, f"inspect session {member.session_id}")
    assert doc["kind"] == "session" and doc["id"] == member.session_id, doc
    assert doc["user"] == member.id, doc
    assert [c["node"] for c in doc["connections"]] == ["n2"], doc

    r = run(cluster.config_path, f"inspect user {sibling_id(owner.id)}", as_json=True)
    assert r.code == 1 and r.out == "", r


# ---------------------------------------------------------------- stats

def test_stats_count_the_stored_messages(cluster):
    n1, n2, n3 = cluster
    acct = cluster.account(n1)
    conv = conversation_owned_by(cluster, n1, acct)["id"]
    before = by_id(ask(cluster.config_path, "stats")["nodes"])
    assert sorted(before) == ["n1", "n2", "n3"], before
    for n in before.values():
        assert n["status"] == "up", n
        for field in ("messages_stored_per_s", "deliveries_per_s", "storage_sync_ms"):
            assert isinstance(n[field], (int, float)) and n[field] >= 0, (field, n)
        for field in ("connections", "messages_stored_total", "deliveries_total"):
            assert isinstance(n[field], int) and n[field] >= 0, (field, n)
    for i in range(4):
        assert post_message(acct, conv, f"m{i}").status == 201
    # the totals are sampled by each node once a second
    deadline = time.monotonic() + STATS_LAG
    while True:
        after = by_id(ask(cluster.config_path, "stats")["nodes"])
        stored = after["n1"]["messages_stored_total"] - before["n1"]["messages_stored_total"]
        if stored >= 4:
            break
        assert time.monotonic() < deadline, (before["n1"], after["n1"])
        time.sleep(0.2)


# ---------------------------------------------------------------- readable output

def test_tables_without_json(cluster):
    r = run(cluster.config_path, "nodes")
    assert r.code == 0 and r.err == "", r
    lines = r.out.splitlines()
    assert lines[0].split()[:4] == ["NODE", "ADDRESS", "CLUSTER", "STATUS"], r
    assert [ln.split()[0] for ln in lines[1:]] == ["n1", "n2", "n3"], r
    assert all(ln.split()[3] == "up" for ln in lines[1:]), r
    for command in ("actors", "stats", "conversations", "conversations --hot"):
        r = run(cluster.config_path, command)
        assert r.code == 0 and r.out and r.err == "", r


# ---------------------------------------------------------------- a node killed

def test_a_killed_node_shows_down_and_commands_still_answer(fresh_cluster):
    n1, n2, n3 = fresh_cluster
    acct = fresh_cluster.account(n2)
    conv = conversation_owned_by(fresh_cluster, n2, acct)["id"]
    assert post_message(acct, conv, "before").status == 201

    fresh_cluster.kill9(n1)      # the first node of the config: the default is skipped
    t0 = time.monotonic()
    while True:
        r = run(fresh_cluster.config_path, "nodes", as_json=True)
        assert r.code == 0, r
        assert r.seconds < ANSWER_LIMIT, r
        nodes = by_id(r.doc["nodes"])
        if nodes["n1"]["status"] == "down":
            break
        assert time.monotonic() - t0 < DOWN_DETECTED, f"n1 not down after {DOWN_DETECTED} s: {r}"
        time.sleep(0.2)
    assert nodes["n2"]["status"] == "up" and nodes["n3"]["status"] == "up", nodes
    assert nodes["n1"]["cluster_address"] == f"127.0.0.1:{n1.cluster_port}", nodes

    for command in ("stats", "actors", "conversations", f"history {conv}"):
        r = run(fresh_cluster.config_path, command, as_json=True)
        assert r.code == 0, r
        assert r.seconds < ANSWER_LIMIT, r
    doc = ask(fresh_cluster.config_path, "stats")
    assert by_id(doc["nodes"])["n1"]["status"] == "down", doc
    doc = ask(fresh_cluster.config_path, "actors")
    assert by_id(doc["nodes"])["n1"]["status"] == "down", doc
    doc = ask(fresh_cluster.config_path, "conversations")
    assert doc["down"] == ["n1"] and conv in ids(doc["conversations"]), doc
    r = run(fresh_cluster.config_path, "nodes")               # the table says so too
    assert r.code == 0 and any(ln.split()[:1] == ["n1"] and "down" in ln.split()
                               for ln in r.out.splitlines()), r

    r = run(fresh_cluster.config_path, "nodes", node="n1")   # asked directly: an error
    assert r.code == 1 and r.out == "" and "n1" in r.err, r
    assert r.seconds < ANSWER_LIMIT, r

    # a down node is listed with its addresses, as when it is up
    assert nodes["n1"].get("address") == f"127.0.0.1:{n1.http_port}", \
        f"the down node's entry lacks its client address: {nodes['n1']}"


def test_a_hung_node_does_not_make_chatctl_hang(fresh_cluster):
    n1, n2, n3 = fresh_cluster
    fresh_cluster.pause(n3)      # SIGSTOP: its sockets stay open, nothing answers
    r = run(fresh_cluster.config_path, "nodes", as_json=True)
    assert r.code == 0 and r.seconds < ANSWER_LIMIT, r
    assert by_id(r.doc["nodes"])["n3"]["status"] == "down", r
    r = run(fresh_cluster.config_path, "stats", as_json=True)
    assert r.code == 0 and r.seconds < ANSWER_LIMIT, r
    r = run(fresh_cluster.config_path, "nodes", node="n3")
    assert r.code == 1 and r.out == "" and "n3" in r.err, r
    assert r.seconds < ANSWER_LIMIT + 2, r     # the 5 s handshake limit, then the error
    fresh_cluster.resume(n3)


# ---------------------------------------------------------------- the interactive shell

def test_shell_history_across_runs_and_tab_completion(cluster, tmp_path):
    n1, n2, n3 = cluster
    acct = cluster.account(n1)
    history = tmp_path / "history"

    t = Terminal(cluster.config_path, node="n2", history=history)
    try:
        t.expect(r"chatctl n2> ")
        t.send("nodes" + ENTER)
        t.expect(r"NODE +ADDRESS")
        t.expect(r"n3 +127\.0\.0\.1:\d+ +127\.0\.0\.1:\d+ +up")
        t.expect(r"chatctl n2> ")
        t.send("frobnicate" + ENTER)                       # an error; the shell goes on
        t.expect(r"chatctl: unknown command 'frobnicate'")
        t.expect(r"chatctl n2> ")
        t.send("help history" + ENTER)
        t.expect(r"usage: history CONV \[-n N\]")
        t.expect(r"chatctl n2> ")
        t.send("stats" + CTRL_C)                           # abandons the line
        t.expect(r"\^C\nchatctl n2> ")
        t.send(f"sessions {acct.username}" + ENTER)       # prints the session id
        t.expect(rf"user {acct.username} \({acct.id}\)")
        t.expect(r"chatctl n2> ")
        t.send("quit" + ENTER)
        assert t.wait_exit() == 0, t.text()
        assert "STORED/S" not in t.text(), t.text()        # the abandoned line never ran
    finally:
        t.close()
    assert "nodes" in history.read_text(), history.read_text()

    t = Terminal(cluster.config_path, node="n2", history=history)
    try:
        t.expect(r"chatctl n2> ")
        # up-arrow: quit, sessions …, help history, frobnicate, nodes
        t.send(UP * 5)
        t.expect(r"nodes")
        t.send(ENTER)
        t.expect(r"NODE +ADDRESS")
        t.expect(r"n3 +127\.0\.0\.1")
        t.expect(r"chatctl n2> ")

        t.send("sta" + TAB + ENTER)                         # a command name
        t.expect(r"NODE +STATUS +STORED/S")
        t.expect(r"chatctl n2> ")

        t.send(f"sessions {acct.username}" + ENTER)        # shows the session id
        t.expect(rf"user {acct.username} \({acct.id}\)")
        t.expect(r"chatctl n2> ")

        t.send("ins" + TAB + "se" + TAB)                    # the command, then the kind
        t.send(acct.session_id[:6] + TAB + ENTER)           # then an id seen earlier
        t.expect(rf"session +{acct.session_id}")
        t.expect(rf"user +{acct.id}")
        t.expect(r"chatctl n2> ")

        t.send("actors --node n" + TAB)                     # ambiguous: lists the nodes
        t.expect(r"n1 +n2 +n3")
        t.send("3" + ENTER)
        t.expect(r"n3 +session")
        t.expect(r"chatctl n2> ")

        t.send(CTRL_D)                                      # EOF leaves with 0
        assert t.wait_exit() == 0, t.text()
    finally:
        t.close()
    lines = history.read_text()
    assert "stats" in lines and acct.session_id in lines, lines


def test_shell_reads_commands_from_a_pipe(cluster, tmp_path):
    """Without a terminal the shell still runs commands line by line; an
    error is printed and the next line runs."""
    r = run_args(["--config", str(cluster.config_path), "--json"],
                 stdin=b"nodes\nbogus\nstats\n",
                 env={"CHATCTL_HISTORY": str(tmp_path / "h"), "PATH": "/usr/bin:/bin"})
    assert r.code == 0, r
    docs = [line for line in r.out.splitlines() if line.startswith("{")]
    assert len(docs) == 2, r
    assert "nodes" in docs[0] and "messages_stored_per_s" in docs[1], r
    assert "unknown command 'bogus'" in r.err, r


def test_the_shell_moves_on_when_its_node_dies(fresh_cluster, tmp_path):
    n1, n2, n3 = fresh_cluster
    t = Terminal(fresh_cluster.config_path, history=tmp_path / "history")
    try:
        t.expect(r"chatctl n1> ")                           # the first node of the config
        fresh_cluster.kill9(n1)
        t0 = time.monotonic()
        t.send("nodes" + ENTER)
        t.expect(r"lost the connection to n1; asked n2 instead")
        t.expect(r"n1 +\S+ +127\.0\.0\.1:\d+ +down")
        t.expect(r"chatctl n2> ")
        assert time.monotonic() - t0 < ANSWER_LIMIT, t.text()
        t.send("quit" + ENTER)
        assert t.wait_exit() == 0, t.text()
    finally:
        t.close()
