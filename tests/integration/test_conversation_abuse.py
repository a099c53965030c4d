"""Abuse resistance of conversations and invitations (docs/protocol.md,
"Limits"): a removed member cannot come back with an old invitation, one
user cannot flood another with invitations, direct conversation ids cannot
be computed from outside, a direct conversation can be reopened after
leaving it, a deleted account leaves its conversations, and the HTTP post
budget holds whichever node the posts go through."""
import hashlib

from chatclient import (assert_error, create_conversation, group_with, history, invite,
                        new_account, open_direct, pending_invitations, post_message)

BASE32 = "abcdefghijklmnopqrstuvwxyz234567"


def members_of(acct, conv_id):
    resp = acct.call("GET", f"/conversations/{conv_id}")
    assert resp.status == 200, resp
    return {m["user_id"]: m for m in resp.json["members"]}


def invite_call(acct, conv_id, user):
    return acct.call("POST", f"/conversations/{conv_id}/invitations", {"user_id": user.id})


# ---------------------------------------------------------------- kick bypass

def test_a_removed_member_cannot_return_with_an_earlier_invitation(node):
    owner, x = new_account(node.api), new_account(node.api)
    conv = create_conversation(owner, "private")["id"]
    first = invite_call(owner, conv, x)
    second = invite_call(owner, conv, x)
    assert first.status == 201, first
    invitations = {first.json["id"], second.json["id"]}
    accepted = x.call("POST", f"/invitations/{first.json['id']}/accept")
    assert accepted.status == 200, accepted
    assert owner.call("DELETE", f"/conversations/{conv}/members/{x.id}").status == 204
    for inv in invitations:
        assert_error(x.call("POST", f"/invitations/{inv}/accept"), 404, "not_found")
    post_message(owner, conv, "said after the removal")
    assert_error(x.call("GET", f"/conversations/{conv}/messages"), 403, "forbidden")
    assert x.id not in members_of(owner, conv)


# ---------------------------------------------------------------- invitation flood

def test_inviting_again_answers_the_pending_invitation(node):
    owner, victim = new_account(node.api), new_account(node.api)
    conv = create_conversation(owner, "again")["id"]
    first = invite_call(owner, conv, victim)
    assert first.status == 201, first
    for _ in range(30):
        again = invite_call(owner, conv, victim)
        assert again.status == 200, again
        assert again.json == first.json
    pending = pending_invitations(victim)
    assert [i["id"] for i in pending] == [first.json["id"]]


def test_new_invitations_to_one_user_are_rate_limited(node):
    owner, victim = new_account(node.api), new_account(node.api)
    conv = create_conversation(owner, "invite, decline, invite")["id"]
    answers = []
    for _ in range(6):
        resp = invite_call(owner, conv, victim)
        answers.append(resp.status)
        if resp.status != 201:
            break
        assert victim.call("POST", f"/invitations/{resp.json['id']}/decline").status == 204
    assert answers[:3] == [201, 201, 201], answers   # default: 3 a minute
    assert answers[-1] == 429, answers
    assert_error(invite_call(owner, conv, victim), 429, "rate_limited")
    # Another user is not affected by that budget.
    other = new_account(node.api)
    assert invite_call(owner, conv, other).status == 201


def test_pending_invitations_per_user_are_bounded(node_factory):
    n = node_factory(extra_cluster="max_pending_invitations = 4\n")
    victim = new_account(n.api)
    inviters = [new_account(n.api) for _ in range(2)]
    for i in range(4):
        create_conversation(inviters[i % 2], f"room {i}", invite=[victim])
    conv = create_conversation(inviters[0], "one too many")["id"]
    assert_error(invite_call(inviters[0], conv, victim), 409, "conflict")
    resp = inviters[1].call("POST", "/conversations", {"title": "t", "invite": [victim.id]})
    assert_error(resp, 409, "conflict")
    assert len(pending_invitations(victim)) == 4
    # Answering one makes room again.
    first = pending_invitations(victim)[0]
    assert victim.call("POST", f"/invitations/{first['id']}/decline").status == 204
    assert invite_call(inviters[0], conv, victim).status == 201


def test_pending_invitations_come_in_pages(node):
    victim = new_account(node.api)
    inviter = new_account(node.api)
    for i in range(5):
        create_conversation(inviter, f"page {i}", invite=[victim])
    everything = victim.call("GET", "/invitations").json
    assert len(everything["invitations"]) == 5 and everything["has_more"] is False
    assert everything["next"] is None
    seen, cursor = [], None
    for _ in range(5):
        query = "?limit=2" + (f"&after={cursor}" if cursor else "")
        page = victim.call("GET", "/invitations" + query)
        assert page.status == 200, page
        seen += [i["id"] for i in page.json["invitations"]]
        cursor = page.json["next"]
        if not page.json["has_more"]:
            break
    assert seen == [i["id"] for i in everything["invitations"]]
    assert_error(victim.call("GET", "/invitations?limit=0"), 400, "bad_request")


# ---------------------------------------------------------------- direct ids

def unkeyed_direct_id(user_a, user_b, shards=256):
    """The id earlier versions derived from the two public user ids alone."""
    pair = f"{min(user_a, user_b)}|{max(user_a, user_b)}".encode()
    digest = hashlib.blake2b(pair, digest_size=32).digest()
    h = 14695981039346656037
    for byte in pair:
        h = ((h ^ byte) * 1099511628211) % (1 << 64)
    return f"c_{h % shards:04x}" + "".join(BASE32[d % 32] for d in digest[:20])


def test_direct_id_cannot_be_computed_from_the_user_ids(node):
    a, b = new_account(node.api), new_account(node.api)
    resp = open_direct(a, b)
    assert resp.status == 201, resp
    conv = resp.json["id"]
    assert conv != unkeyed_direct_id(a.id, b.id)
    assert conv != unkeyed_direct_id(b.id, a.id)
    assert open_direct(b, a).json["id"] == conv


def test_direct_ids_depend_on_the_cluster_secret(fresh_node):
    a, b = new_account(fresh_node.api), new_account(fresh_node.api)
    before = open_direct(a, b).json["id"]
    fresh_node.stop_clean()
    fresh_node.secret_path.write_text("another secret, at least 32 characters long")
    fresh_node.start()
    a.tokens = a.login()
    again = open_direct(a, b)
    assert again.status in (200, 201), again
    assert again.json["id"] != before


# ---------------------------------------------------------------- reopening a direct

def test_reopening_a_direct_conversation_after_leaving_readmits_the_caller(node, ws_open):
    a, b = new_account(node.api), new_account(node.api)
    conv = open_direct(a, b).json["id"]
    post_message(b, conv, "before a left")
    assert a.call("DELETE", f"/conversations/{conv}/members/{a.id}").status == 204
    post_message(b, conv, "while a was away")
    wb = ws_open(node, b)
    again = open_direct(a, b)
    assert again.status == 200, again
    assert again.json["id"] == conv
    wb.expect("member_joined", conv=conv, user=a.id)
    assert set(members_of(a, conv)) == {a.id, b.id}
    texts = [m["text"] for m in history(a, conv).json["messages"]]
    assert texts == ["before a left", "while a was away"]
    post_message(a, conv, "back")


# ---------------------------------------------------------------- account deletion

def test_deleting_an_account_leaves_its_conversations(node, ws_open):
    owner, b, c = new_account(node.api), new_account(node.api), new_account(node.api)
    conv = group_with(owner, b, c, title="owner goes")
    invited = new_account(node.api)
    invite(owner, conv, invited)
    direct = open_direct(owner, b).json["id"]
    wc = ws_open(node, c)
    resp = owner.call("DELETE", "/users/me", {"password": owner.password})
    assert resp.status == 204, resp
    wc.expect("member_left", conv=conv, user=owner.id)
    members = members_of(b, conv)
    assert set(members) == {b.id, c.id}
    # The group passes to its longest-standing member.
    assert members[b.id]["role"] == "owner"
    assert b.call("GET", f"/conversations/{conv}").json["owner"] == b.id
    assert set(members_of(b, direct)) == {b.id}
    assert pending_invitations(invited) == []


# ---------------------------------------------------------------- HTTP post budget

def test_http_post_budget_holds_across_nodes(tmp_path):
    from conftest import _spawn_cluster
    cluster = _spawn_cluster(tmp_path, extra_cluster="rate_burst = 10\nrate_per_second = 1\n")
    try:
        nodes = list(cluster)
        flooder = new_account(nodes[0].api)
        conv = create_conversation(flooder, "flood")["id"]
        statuses = []
        for i in range(30):  # 10 per node: each node's own budget would pass them all
            via = nodes[i % 3]
            resp = via.api.call("POST", f"/conversations/{conv}/messages", {"text": f"m{i}"},
                                token=flooder.token)
            statuses.append(resp.status)
            if resp.status == 429:
                assert resp.json["error"]["code"] == "rate_limited"
                assert resp.headers.get("Retry-After")
        assert set(statuses) <= {201, 429}, statuses
        assert statuses.count(429) >= 10, statuses
        stored = history(flooder, conv, limit=100).json["messages"]
        assert len(stored) == statuses.count(201)
    finally:
        cluster.stop_all_clean()
