"""Three nodes serve one chat: a client may use any node for any call
(docs/protocol.md: "Every node serves all of it"). Users, sessions,
tickets and conversations live on the node owning their id's shard; these
tests pick users and conversations homed on a node other than the one the
client talks to, so every call crosses nodes."""
import threading
import time

from chatclient import (PASSWORD, Account, accept_invitation_to, all_messages,
                        create_conversation, invite, login, post_message, register,
                        unique_name)
from cluster_harness import conversation_owned_by, group_owned_by, via
from ws_client import InvalidStatusCode, WSClient, get_ticket

LOGOUT_CLOSE_LIMIT = 2.0     # docs/protocol.md: sockets close with 4001 within 2 s


def in_parallel(*calls):
    """Runs the zero-argument callables at the same moment (one thread each);
    returns their results in order (an exception is re-raised)."""
    results = [None] * len(calls)
    errors = []
    barrier = threading.Barrier(len(calls))

    def run(i, fn):
        barrier.wait()
        try:
            results[i] = fn()
        except BaseException as e:  # noqa: BLE001 - re-raised below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    if errors:
        raise errors[0]
    return results


def redeem(node, ticket):
    """Opens a WebSocket with the ticket: (101, client with its hello) or (status, None)."""
    try:
        return 101, WSClient.connect(node.http_port, ticket, name=f"on {node.node_id}")
    except InvalidStatusCode as e:
        return e.status_code, None


# ---------------------------------------------------------------- accounts and tickets

def test_register_on_one_node_log_in_on_another(cluster):
    n1, n2, n3 = cluster
    username = unique_name()
    user = register(n1.api, username)
    tokens = login(n2.api, username)
    assert tokens["user"] == user
    for n in cluster:
        me = n.api.call("GET", "/users/me", token=tokens["access_token"])
        assert me.status == 200 and me.json == user, (n, me)
        found = n.api.call("GET", f"/users?username={username}", token=tokens["access_token"])
        assert found.status == 200 and found.json == user, (n, found)
    # the name is taken on every node
    again = n3.api.call("POST", "/auth/register", {"username": username, "password": PASSWORD})
    assert again.status == 409, again


def test_one_username_registered_on_two_nodes_at_once_exists_once(cluster):
    n1, n2, n3 = cluster
    for _ in range(5):
        username = unique_name()
        body = {"username": username, "password": PASSWORD}
        answers = in_parallel(lambda: n1.api.call("POST", "/auth/register", body),
                              lambda: n3.api.call("POST", "/auth/register", body))
        assert sorted(r.status for r in answers) == [201, 409], answers
        assert login(n2.api, username)["user"]["username"] == username


def test_ticket_from_one_node_is_redeemed_on_another_once(cluster):
    n1, n2, n3 = cluster
    a = cluster.account(n1, home=n2)
    ticket = get_ticket(a)                   # issued through n1
    status, ws = redeem(n3, ticket)
    assert status == 101
    try:
        assert ws.hello["node"] == "n3", ws.hello
        assert ws.hello["session_id"] == a.session_id, ws.hello
        assert ws.hello["user"] == a.user, ws.hello
        assert redeem(n2, ticket)[0] == 401, "a used ticket was accepted again"
        assert redeem(n1, ticket)[0] == 401, "a used ticket was accepted again"
    finally:
        ws.close()


def test_concurrent_redeems_on_two_nodes_exactly_one_wins(cluster):
    n1, n2, n3 = cluster
    for home in (n1, n2, n3, n1, n2, n3):
        a = cluster.account(n1, home=home)
        ticket = get_ticket(a)
        results = in_parallel(lambda: redeem(n2, ticket), lambda: redeem(n3, ticket))
        try:
            statuses = sorted(s for s, _ in results)
            assert statuses == [101, 401], \
                f"ticket of a user homed on {home.node_id}, redeemed on n2 and n3: {statuses}"
            hello = next(ws for _, ws in results if ws).hello
            assert hello["session_id"] == a.session_id, hello
        finally:
            for _, ws in results:
                if ws:
                    ws.close()


# ---------------------------------------------------------------- conversations and messages

def test_group_owned_by_each_node_delivers_to_members_on_every_node(cluster, ws_open):
    n1, n2, n3 = cluster
    for owner in cluster:
        talk_to = n2 if owner is n1 else n1     # the creator never talks to the owner
        a = cluster.account(talk_to)
        b = cluster.account(talk_to)
        c = cluster.account(talk_to)
        conv = group_owned_by(cluster, owner, a, b, c, title=f"owned by {owner.node_id}")
        sockets = {"a": ws_open(n1, a, "a@n1"), "b": ws_open(n2, b, "b@n2"),
                   "c": ws_open(n3, c, "c@n3")}
        for name, ws in sockets.items():
            sent = ws.request("send", conv=conv, text=f"from {name}")
            assert sent["type"] == "sent", (owner, name, sent)
        for name, ws in sockets.items():
            got = [ws.expect("message", conv=conv)["text"] for _ in range(3)]
            assert got == ["from a", "from b", "from c"], (owner, name, got)
        # an HTTP post through a third node reaches them too
        resp = post_message(via(a, n3), conv, "over http via n3")
        assert resp.status == 201 and resp.json["seq"] == 4, resp
        for ws in sockets.values():
            ws.expect("message", conv=conv, seq=4, text="over http via n3")
        time.sleep(0.3)
        for name, ws in sockets.items():
            ws.no_frame_of("message", within=0)          # each message came once
            history = ws.request("sync", conv=conv, after=0)
            assert [m["seq"] for m in history["messages"]] == [1, 2, 3, 4], (name, history)


def test_observers_on_every_node_see_one_order(cluster, ws_open):
    n1, n2, n3 = cluster
    a, b, c = (cluster.account(n1) for _ in range(3))
    conv = group_owned_by(cluster, n2, a, b, c, title="one order")
    senders = [ws_open(n1, a, "a@n1"), ws_open(n2, b, "b@n2"), ws_open(n3, c, "c@n3")]
    observers = [ws_open(n2, a, "a@n2"), ws_open(n3, b, "b@n3"), ws_open(n1, c, "c@n1")]
    per_sender = 40

    def burst(k):
        frames = [{"type": "send", "id": i, "conv": conv, "text": f"s{k} {i}",
                   "client_msg_id": f"s{k}-{i}"} for i in range(per_sender)]
        senders[k].emit_many(frames)
        return [senders[k].answer(i, timeout=15) for i in range(per_sender)]

    answers = in_parallel(*(lambda k=k: burst(k) for k in range(3)))
    for k, frames in enumerate(answers):
        assert all(f["type"] == "sent" for f in frames), [f for f in frames if f["type"] != "sent"][:3]
        seqs = [f["seq"] for f in frames]
        assert seqs == sorted(seqs), f"sender {k}: stored out of the order sent: {seqs}"

    total = 3 * per_sender
    orders = {}
    for ws in senders + observers:
        frames = [ws.expect("message", conv=conv, timeout=15) for _ in range(total)]
        ws.no_frame_of("message", within=0.2)
        assert [f["seq"] for f in frames] == list(range(1, total + 1)), ws
        orders[ws.name] = [f["msg_id"] for f in frames]
    first = next(iter(orders.values()))
    for name, order in orders.items():
        assert order == first, f"{name} saw another order than {senders[0].name}"
    stored = all_messages(via(b, n3), conv)
    assert [m["msg_id"] for m in stored] == first


def test_invitation_reaches_the_invitee_on_another_node_live(cluster, ws_open):
    n1, n2, n3 = cluster
    inviter = cluster.account(n1)
    invitee = cluster.account(n3, home=n2)
    w_inviter = ws_open(n1, inviter, "inviter@n1")
    w_invitee = ws_open(n3, invitee, "invitee@n3")
    conv = conversation_owned_by(cluster, n3, inviter, "live invitation")["id"]

    created = invite(inviter, conv, invitee)            # POST through n1
    frame = w_invitee.expect("invitation")
    assert frame["invitation"] == created, frame
    assert (created["conv"], created["from"], created["to"]) == (conv, inviter.id, invitee.id)
    listed = via(invitee, n2).call("GET", "/invitations").json["invitations"]
    assert listed == [created], listed

    # at creation, too
    conv2 = create_conversation(inviter, "invited at creation", invite=[invitee])
    frame = w_invitee.expect("invitation")
    assert frame["invitation"]["conv"] == conv2["id"], frame

    accepted = accept_invitation_to(invitee, conv)      # through n3
    assert accepted["id"] == conv
    for ws in (w_inviter, w_invitee):
        ws.expect("member_joined", conv=conv, user=invitee.id)
    # the joined conversation's messages reach the invitee's open socket at once
    assert post_message(inviter, conv, "welcome").status == 201
    w_invitee.expect("message", conv=conv, text="welcome")


def test_leave_and_kick_reach_sockets_on_other_nodes(cluster, ws_open):
    n1, n2, n3 = cluster
    owner = cluster.account(n1)
    b = cluster.account(n1)
    c = cluster.account(n1)
    conv = group_owned_by(cluster, n3, owner, b, c, title="leaving")
    wo, wb, wc = ws_open(n1, owner, "owner@n1"), ws_open(n2, b, "b@n2"), ws_open(n3, c, "c@n3")

    resp = via(c, n2).call("DELETE", f"/conversations/{conv}/members/{c.id}")   # leave
    assert resp.status == 204, resp
    for ws in (wo, wb, wc):
        ws.expect("member_left", conv=conv, user=c.id)
    assert post_message(owner, conv, "after c left").status == 201
    wb.expect("message", conv=conv, text="after c left")
    wc.no_frame_of("message", within=0.5)

    resp = via(owner, n2).call("DELETE", f"/conversations/{conv}/members/{b.id}")  # kick
    assert resp.status == 204, resp
    for ws in (wo, wb):
        ws.expect("member_left", conv=conv, user=b.id)
    assert post_message(owner, conv, "after b was kicked").status == 201
    wo.expect("message", conv=conv, text="after b was kicked")
    wb.no_frame_of("message", within=0.5)
    assert post_message(via(b, n3), conv, "still here?").status == 403


def test_presence_of_a_user_on_one_node_seen_on_another(cluster, ws_open):
    n1, n2, n3 = cluster
    a = cluster.account(n1)
    b = cluster.account(n3, home=n1)
    stranger = cluster.account(n2)
    group_owned_by(cluster, n2, a, b, title="presence")
    wa = ws_open(n3, a, "a@n3")
    w_stranger = ws_open(n3, stranger, "stranger@n3")
    b1 = ws_open(n2, b, "b@n2")
    f = wa.expect("presence", user=b.id)
    assert f["online"] is True, f
    b2 = ws_open(n3, b, "b@n3")
    wa.no_frame_of("presence", within=0.5, user=b.id)       # not b's first socket
    b1.close()
    wa.no_frame_of("presence", within=0.5, user=b.id)       # not b's last socket
    b2.close()
    f = wa.expect("presence", user=b.id)
    assert f["online"] is False, f
    w_stranger.no_frame_of("presence", within=0.2, user=b.id)


def test_direct_conversation_opened_on_several_nodes_at_once_is_one(cluster):
    n1, n2, n3 = cluster
    for _ in range(6):
        a, b = cluster.account(n1), cluster.account(n2)
        answers = in_parallel(
            lambda: via(a, n1).call("POST", "/conversations/direct", {"user_id": b.id}),
            lambda: via(b, n2).call("POST", "/conversations/direct", {"user_id": a.id}),
            lambda: via(a, n3).call("POST", "/conversations/direct", {"user_id": b.id}),
            lambda: via(b, n3).call("POST", "/conversations/direct", {"user_id": a.id}))
        assert sorted(r.status for r in answers) == [200, 200, 200, 201], answers
        assert len({r.json["id"] for r in answers}) == 1, answers


def test_conversation_list_spans_every_owner(cluster):
    n1, n2, n3 = cluster
    a = cluster.account(n1)
    b = cluster.account(n2)
    created, owners = [], set()
    while owners != {"n1", "n2", "n3"}:
        assert len(created) < 60, f"60 conversations, owners only {owners}"
        conv = create_conversation(a, f"room {len(created)}")["id"]
        created.append(conv)
        owners.add(cluster.owner_of(conv).node_id)
    direct = a.call("POST", "/conversations/direct", {"user_id": b.id})
    assert direct.status == 201, direct
    created.append(direct.json["id"])
    for n in cluster:
        listed = via(a, n).call("GET", "/conversations")
        assert listed.status == 200, (n, listed)
        assert sorted(c["id"] for c in listed.json["conversations"]) == sorted(created), n
        for conv in created:
            got = via(a, n).call("GET", f"/conversations/{conv}")
            assert got.status == 200 and a.id in [m["user_id"] for m in got.json["members"]], \
                (n, conv, got)


# ---------------------------------------------------------------- ending a session

def sessions_token_is_refused_everywhere(cluster, acct):
    for n in cluster:
        me = n.api.call("GET", "/users/me", token=acct.token)
        assert me.status == 401, f"{n.node_id} still accepts the ended session's token: {me}"


def closes_with_4001(ws, returned_at):
    code = ws.wait_closed(LOGOUT_CLOSE_LIMIT + 3)
    took = ws.closed_at - returned_at
    assert code == 4001, f"{ws}: closed with {code} ({ws.close_reason!r}), not 4001"
    assert took <= LOGOUT_CLOSE_LIMIT, f"{ws}: closed {took:.2f} s after the call returned"


def test_logout_on_one_node_ends_the_session_on_every_node(cluster, ws_open):
    n1, n2, n3 = cluster
    a = cluster.account(n2, home=n1)
    other = Account(n1.api, a.username, a.password, a.user, a.login())
    victim = ws_open(n3, a, "a@n3")
    keep = ws_open(n2, other, "a's other session@n2")
    resp = a.call("POST", "/auth/logout")               # through n2
    returned = time.monotonic()
    assert resp.status == 204, resp
    sessions_token_is_refused_everywhere(cluster, a)
    refresh = n3.api.call("POST", "/auth/refresh", {"refresh_token": a.refresh_token})
    assert refresh.status == 401, refresh
    closes_with_4001(victim, returned)
    keep.assert_alive()


def test_deleting_a_session_on_one_node_closes_its_socket_on_another(cluster, ws_open):
    n1, n2, n3 = cluster
    a = cluster.account(n1, home=n3)
    other = Account(n2.api, a.username, a.password, a.user, a.login())
    victim = ws_open(n2, other, "other session@n2")
    mine = ws_open(n3, a, "a@n3")
    resp = a.call("DELETE", f"/auth/sessions/{other.session_id}")       # through n1
    returned = time.monotonic()
    assert resp.status == 204, resp
    sessions_token_is_refused_everywhere(cluster, other)
    closes_with_4001(victim, returned)
    mine.assert_alive()
    assert a.call("GET", "/users/me").status == 200


def test_metrics_show_peers_and_one_cross_node_send_per_node(cluster, ws_open):
    """/metrics: every peer up; a message to members on all three nodes costs
    its owner one send per other node, not one per remote member."""
    from test_operations import metric
    n1, n2, n3 = cluster
    for n in cluster:
        text = n.api.call("GET", "/metrics").raw.decode()
        for peer in cluster:
            if peer is not n:
                assert metric(text, "chat_peer_up", node=n.node_id, peer=peer.node_id) == 1
    members = [cluster.account(n1) for _ in range(6)]
    conv = group_owned_by(cluster, n1, *members, title="fan-out")
    sockets = [ws_open(cluster[i % 3], m, f"m{i}") for i, m in enumerate(members)]
    # Connecting announces presence (more frames of the same conversation,
    # sent asynchronously), so a post is measured alone only once those are
    # out; a per-member fan-out would cost 4 every time, never 2.
    deltas = []
    for attempt in range(5):
        time.sleep(0.5)
        before = metric(n1.api.call("GET", "/metrics").raw.decode(),
                        "chat_cross_node_messages_total", node="n1")
        assert post_message(members[0], conv, f"counted {attempt}").status == 201
        for ws in sockets:
            ws.expect("message", conv=conv, text=f"counted {attempt}")
        after = metric(n1.api.call("GET", "/metrics").raw.decode(),
                       "chat_cross_node_messages_total", node="n1")
        deltas.append(after - before)
        if deltas[-1] == 2:   # two other nodes, four remote members: two sends
            break
    assert deltas[-1] == 2, deltas
