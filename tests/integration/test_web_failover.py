"""The web client through a failover (replicas = 3): two people chat in a
group whose leader is killed (-9) mid-conversation; their pages, connected
to the other nodes, keep chatting once the group has a new leader, and
nothing sent is lost or shown twice."""
from chatclient import Account, login, unique_name
from cluster_harness import group_owned_by
from webui import PASSWORD, messages, open_conv, register_in, send, wait_message, wait_online


def http_account(node, username):
    tokens = login(node.api, username, PASSWORD)
    acct = Account(node.api, username, PASSWORD, None, tokens)
    me = acct.call("GET", "/users/me")
    assert me.status == 200, me
    acct.user = me.json
    return acct


def test_pages_keep_chatting_when_the_groups_leader_is_killed(fresh_cluster, browser):
    cluster = fresh_cluster
    n1, n2, n3 = cluster
    a = browser("alice", 1100, 760)
    b = browser("bob", 1100, 760)
    alice, bob = unique_name("alice"), unique_name("bob")
    register_in(a, n1, alice, "Alice")
    register_in(b, n2, bob, "Bob")
    # A group led by n3, the node neither page is connected to.
    group_owned_by(cluster, n3, http_account(n1, alice), http_account(n2, bob),
                   title="Failover room")
    for page in (a, b):
        page.d.refresh()
        wait_online(page)
        open_conv(page, "Failover room")

    send(a, "before the failover")
    wait_message(b, "before the failover")

    cluster.kill9(n3)
    # The pages stay online (their nodes live); a send during the election
    # waits or is retried by the page with the same client_msg_id.
    send(a, "during the failover")
    wait_message(b, "during the failover", 15)
    send(b, "after the failover")
    wait_message(a, "after the failover")

    n3.start()
    cluster.wait_ready()
    a.d.refresh()
    wait_online(a)
    open_conv(a, "Failover room")
    wait_message(a, "after the failover")
    shown = messages(a)
    for text in ("before the failover", "during the failover", "after the failover"):
        assert shown.count(text) == 1, shown
