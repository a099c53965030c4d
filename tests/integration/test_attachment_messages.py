"""Attachments in messages (docs/protocol.md "Attachments" and "Messages"):
a message names attachments uploaded to its conversation and carries their
metadata live, in sync and in history, on every node; an attachment no
message refers to any more (its last message deleted, or an upload never
sent within the grace period) is removed. A group's owner sets a retention
period; older messages (and their attachments) are removed and history/sync
say so. Runs on a three-node cluster with short periods."""
import os
import time
import urllib.parse

import pytest

from chatclient import (all_messages, assert_error, create_conversation, history, open_direct,
                        post_message)
from cluster_harness import Cluster, group_owned_by, via
from harness import chatnode_binary

GRACE = 6      # attachment_grace (seconds) of this module's cluster
RETENTION = 4  # the retention period the tests set (retention_min is 2 here)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = Cluster(chatnode_binary(), tmp_path_factory.mktemp("cluster"), size=3,
                extra_cluster=f"attachment_grace = {GRACE}\nretention_min = 2\n"
                              "conversation_idle = 4\n")
    c.start()
    yield c
    c.stop_all_clean()


def upload(acct, conv, data, name="photo.png", content_type="image/png"):
    q = "?name=" + urllib.parse.quote(name)
    return acct.call("POST", f"/conversations/{conv}/attachments{q}", raw_body=data,
                     headers={"Content-Type": content_type})


def uploaded(acct, conv, data, **kw):
    r = upload(acct, conv, data, **kw)
    assert r.status == 201, r
    return r.json


def download(acct, conv, att):
    return acct.call("GET", f"/conversations/{conv}/attachments/{att}")


def send(acct, conv, text=None, attachments=None, **extra):
    body = dict(extra)
    if text is not None:
        body["text"] = text
    if attachments is not None:
        body["attachments"] = attachments
    return acct.call("POST", f"/conversations/{conv}/messages", body)


def delete(acct, conv, seq):
    return acct.call("DELETE", f"/conversations/{conv}/messages/{seq}")


def meta(att):
    return {"id": att["id"], "name": att["name"], "content_type": att["content_type"],
            "size": att["size"]}


def three_members(cluster, owner_node):
    n1, n2, n3 = cluster
    a, b, c = cluster.account(n1), cluster.account(n2), cluster.account(n3)
    conv = group_owned_by(cluster, owner_node, a, b, c, title="files")
    return a, b, c, conv


# ------------------------------------------------------ messages refer to them

def test_message_with_attachments_is_seen_live_after_reconnect_and_in_history(cluster, ws_open):
    n1, n2, n3 = cluster
    a, b, c, conv = three_members(cluster, n2)
    wc = ws_open(n3, c, "c@n3")                     # a member on another node
    png = os.urandom(300 * 1024)                      # two stored chunks
    pdf = b"%PDF-1.4 tiny"
    att1 = uploaded(a, conv, png, name="cat.png", content_type="image/png")
    att2 = uploaded(via(b, n2), conv, pdf, name="notes.pdf", content_type="application/pdf")

    r = send(a, conv, "look", [att1["id"], att2["id"]])
    assert r.status == 201, r
    seq = r.json["seq"]
    f = wc.expect("message", conv=conv, seq=seq)
    assert f["text"] == "look"
    assert f["attachments"] == [meta(att1), meta(att2)], f
    # the receiver downloads what the frame names, through its own node
    got = download(via(c, n3), conv, f["attachments"][0]["id"])
    assert got.status == 200 and got.raw == png

    # a file alone (no text) over WebSocket
    wb = ws_open(n2, b, "b@n2")
    att3 = uploaded(b, conv, b"just a file", name="a.txt", content_type="text/plain")
    sent = wb.request("send", conv=conv, attachments=[att3["id"]])
    assert sent["type"] == "sent", sent
    f = wc.expect("message", conv=conv, seq=sent["seq"])
    assert f["text"] == "" and f["attachments"] == [meta(att3)], f

    # after reconnecting: sync and history carry the same
    wc.close()
    wc2 = ws_open(n1, c, "c@n1")
    page = wc2.request("sync", conv=conv, after=seq - 1)
    assert page["type"] == "history", page
    by_seq = {m["seq"]: m for m in page["messages"]}
    assert by_seq[seq]["attachments"] == [meta(att1), meta(att2)]
    assert by_seq[sent["seq"]]["attachments"] == [meta(att3)]
    msgs = {m["seq"]: m for m in all_messages(via(c, n3), conv)}
    assert msgs[seq]["attachments"] == [meta(att1), meta(att2)]
    # messages without attachments show an empty list
    assert post_message(a, conv, "plain").status == 201
    assert all_messages(a, conv)[-1]["attachments"] == []


def test_bad_attachment_lists_are_refused(cluster, ws_open):
    n1, n2, n3 = cluster
    a, b, c, conv = three_members(cluster, n1)
    other = create_conversation(a, "elsewhere")["id"]
    foreign = uploaded(a, other, b"other room's file")
    mine = uploaded(a, conv, b"mine")

    # another conversation's attachment (the caller is a member of both)
    assert_error(send(a, conv, "x", [foreign["id"]]), 404, "not_found")
    # an id that names nothing, well formed or not
    fake = foreign["id"][:-4] + "aaaa"
    assert_error(send(a, conv, "x", [fake]), 404, "not_found")
    assert_error(send(a, conv, "x", ["nonsense"]), 404, "not_found")
    # wrong shapes
    assert_error(send(a, conv, "x", mine["id"]), 400, "bad_request")
    assert_error(send(a, conv, "x", [1]), 400, "bad_request")
    assert_error(send(a, conv, "x", [mine["id"], mine["id"]]), 400, "bad_request")
    assert_error(send(a, conv, "x", [mine["id"]] + [fake] * 10), 400, "bad_request")
    # neither text nor attachments
    assert_error(send(a, conv, "", []), 400, "bad_request")
    assert_error(send(a, conv, None, []), 400, "bad_request")
    # over WebSocket: the same rules, as error frames
    ws = ws_open(n2, b, "b@n2")
    e = ws.request("send", conv=conv, text="x", attachments=[foreign["id"]])
    assert (e["type"], e["code"]) == ("error", "not_found"), e
    e = ws.request("send", conv=conv, attachments=[mine["id"]] * 11)
    assert (e["type"], e["code"]) == ("error", "bad_request"), e
    e = ws.request("send", conv=conv, attachments="nope")
    assert (e["type"], e["code"]) == ("error", "bad_request"), e
    # nothing was stored by the refusals
    assert [m["text"] for m in all_messages(a, conv)] == []


def test_non_members_cannot_attach_or_download(cluster):
    n1, n2, n3 = cluster
    a, b, c, conv = three_members(cluster, n3)
    eve = cluster.account(n2)
    att = uploaded(a, conv, b"secret")
    assert send(a, conv, "s", [att["id"]]).status == 201
    assert_error(upload(eve, conv, b"x"), 403, "forbidden")
    assert_error(send(eve, conv, "x", [att["id"]]), 403, "forbidden")
    assert_error(download(eve, conv, att["id"]), 403, "forbidden")
    # eve's own conversation cannot reach it either
    hers = create_conversation(eve, "mine")["id"]
    assert_error(send(eve, hers, "x", [att["id"]]), 404, "not_found")
    assert_error(download(eve, hers, att["id"]), 404, "not_found")


# ------------------------------------------------------ garbage collection

def test_deleting_the_last_message_removes_the_attachment(cluster, ws_open):
    n1, n2, n3 = cluster
    a, b, c, conv = three_members(cluster, n2)
    att = uploaded(a, conv, os.urandom(600 * 1024))
    s1 = send(a, conv, "one", [att["id"]]).json["seq"]
    s2 = send(via(b, n2), conv, "again", [att["id"]]).json["seq"]   # shared by two messages

    assert delete(a, conv, s1).status == 200
    assert download(via(c, n3), conv, att["id"]).status == 200   # still named by s2
    msgs = {m["seq"]: m for m in all_messages(a, conv)}
    assert msgs[s1]["deleted"] is True and msgs[s1]["attachments"] == []
    assert msgs[s2]["attachments"] == [meta(att)]

    ws = ws_open(n3, c, "c@n3")
    assert delete(a, conv, s2).status == 200                     # the owner deletes b's
    f = ws.expect("change", conv=conv, target=s2)
    assert f["message"]["attachments"] == [], f
    for node in cluster:
        assert_error(download(via(c, node), conv, att["id"]), 404, "not_found")
    # and no new message can name it
    assert_error(send(a, conv, "back?", [att["id"]]), 404, "not_found")


def test_unreferenced_upload_is_removed_after_the_grace_period(cluster):
    n1, n2, n3 = cluster
    a, b, c, conv = three_members(cluster, n1)
    kept = uploaded(a, conv, b"sent in time")
    dropped = uploaded(a, conv, b"never sent")
    assert send(a, conv, "here", [kept["id"]]).status == 201
    assert download(b, conv, dropped["id"]).status == 200        # within the grace period
    time.sleep(GRACE + 1)
    for node in cluster:
        assert_error(download(via(b, node), conv, dropped["id"]), 404, "not_found")
        r = download(via(b, node), conv, kept["id"])
        assert r.status == 200 and r.raw == b"sent in time"
    assert_error(send(a, conv, "late", [dropped["id"]]), 404, "not_found")


# ------------------------------------------------------ retention

def set_retention(acct, conv, seconds):
    return acct.call("PATCH", f"/conversations/{conv}", {"retention_seconds": seconds})


def test_only_the_owner_sets_retention_within_bounds(cluster):
    n1, n2, n3 = cluster
    a, b, c, conv = three_members(cluster, n3)
    eve = cluster.account(n2)
    assert a.call("GET", f"/conversations/{conv}").json["retention_seconds"] == 0
    assert_error(set_retention(via(b, n2), conv, 3600), 403, "forbidden")   # a member
    assert_error(set_retention(eve, conv, 3600), 403, "forbidden")          # not a member
    for bad in (1, -5, "60", 1.5, 10 ** 10):
        assert_error(set_retention(a, conv, bad), 400, "bad_request")
    assert_error(a.call("PATCH", f"/conversations/{conv}", {}), 400, "bad_request")
    direct = open_direct(a, b).json["id"]
    assert_error(set_retention(a, direct, 3600), 403, "forbidden")

    r = set_retention(a, conv, 3600)
    assert r.status == 200 and r.json["retention_seconds"] == 3600, r
    for node in cluster:
        got = via(c, node).call("GET", f"/conversations/{conv}").json
        assert got["retention_seconds"] == 3600, (node, got)
    r = set_retention(a, conv, None)                                           # forever again
    assert r.status == 200 and r.json["retention_seconds"] == 0, r


def test_old_messages_expire_and_history_and_sync_say_so(cluster, ws_open):
    n1, n2, n3 = cluster
    a, b, c, conv = three_members(cluster, n2)
    att = uploaded(a, conv, b"old file")
    assert send(a, conv, "old 1", [att["id"]]).status == 201               # seq 1
    assert post_message(b, conv, "old 2").status == 201                       # seq 2
    assert edit_ok(a, conv, 1, "old 1!")                                       # seq 3 (an event)
    page = history(a, conv).json
    assert [m["seq"] for m in page["messages"]] == [1, 2, 3] and page["expired_before"] == 0
    assert set_retention(a, conv, RETENTION).status == 200
    time.sleep(RETENTION + 1)
    new = send(b, conv, "new")
    assert new.status == 201 and new.json["seq"] == 4, new

    # history (any node) and sync show only what is kept, and where it starts
    for node in cluster:
        page = history(via(c, node), conv).json
        assert [m["seq"] for m in page["messages"]] == [4], (node, page)
        assert page["expired_before"] == 4, page
    ws = ws_open(n3, c, "c@n3")
    page = ws.request("sync", conv=conv, after=0)
    assert page["type"] == "history", page
    assert [m["seq"] for m in page["messages"]] == [4] and page["expired_before"] == 4, page
    # an expired message cannot be changed
    assert_error(a.call("PATCH", f"/conversations/{conv}/messages/2", {"text": "x"}), 404,
                 "not_found")

    # the server removes them (and the attachment only they named) by itself
    deadline = time.time() + 20
    while download(b, conv, att["id"]).status != 404:
        assert time.time() < deadline, "the expired message's attachment was not removed"
        time.sleep(0.5)
    # seqs go on after the removed ones
    assert post_message(a, conv, "next").json["seq"] == 5
    assert a.call("GET", f"/conversations/{conv}").json["last_seq"] == 5


def edit_ok(acct, conv, seq, text):
    r = acct.call("PATCH", f"/conversations/{conv}/messages/{seq}", {"text": text})
    return r.status == 200
