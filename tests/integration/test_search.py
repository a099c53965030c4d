"""Search (docs/protocol.md "Search") on a three-node cluster: words found
through any node, edits and deletes reflected, prefixes, from:, date ranges,
paging, bad queries, and membership: a non-member searches nothing, and the
cross-conversation form searches only the conversations the caller is in."""
import datetime
import urllib.parse

from chatclient import assert_error, post_message, sibling_id, unique_name
from cluster_harness import group_owned_by, via


def search(acct, conv=None, **query):
    qs = urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
    path = f"/conversations/{conv}/search" if conv else "/search"
    return acct.call("GET", f"{path}?{qs}")


def found(acct, conv=None, **query):
    resp = search(acct, conv, **query)
    assert resp.status == 200, resp
    assert set(resp.json) >= {"messages", "next", "partial"}, resp
    assert resp.json["partial"] is False, resp
    return resp.json["messages"]


def texts(messages):
    return [m["text"] for m in messages]


def word():
    """A word no other test uses (module-scoped cluster)."""
    return unique_name("w").replace("_", "")


def post(acct, conv, text):
    resp = post_message(acct, conv, text)
    assert resp.status == 201, resp
    return resp.json["seq"]


def utc_day(offset_days=0):
    day = datetime.datetime.now(datetime.timezone.utc).date() + datetime.timedelta(days=offset_days)
    return day.isoformat()


def three(cluster, owner):
    n1, n2, n3 = cluster
    a, b, c = cluster.account(n1), cluster.account(n2), cluster.account(n3)
    return a, b, c, group_owned_by(cluster, owner, a, b, c, title="search")


def test_words_are_found_through_every_node_newest_first(cluster):
    n1, n2, n3 = cluster
    a, b, c, conv = three(cluster, n2)
    w = word()
    s1 = post(a, conv, f"Hello {w.upper()}, how are you?")   # via n1, stored on n2
    post(b, conv, "nothing to see")
    s3 = post(b, conv, f"{w}: hello again")
    for who in (a, b, c, via(a, n3), via(c, n2)):
        got = found(who, conv, q=w)
        assert [m["seq"] for m in got] == [s3, s1], got           # newest first, case folded
        assert all(m["conv"] == conv and m["kind"] == "message" for m in got), got
    assert [m["seq"] for m in found(c, conv, q=f"hello {w}")] == [s3, s1]
    assert [m["seq"] for m in found(c, conv, q=f"{w} again")] == [s3]   # every word must match
    assert found(c, conv, q=f"{w} goodbye") == []
    assert found(c, conv, q=word()) == []
    got = found(c, conv, q=f"how {w}")[0]
    assert (got["from"], got["seq"], got["text"]) == (a.id, s1, f"Hello {w.upper()}, how are you?")


def test_edits_and_deletes_are_reflected(cluster):
    n1, n2, n3 = cluster
    a, b, c, conv = three(cluster, n3)
    old, new, keep = word(), word(), word()
    seq = post(a, conv, f"{old} {keep}")
    assert [m["seq"] for m in found(b, conv, q=old)] == [seq]
    resp = a.call("PATCH", f"/conversations/{conv}/messages/{seq}", {"text": f"{new} {keep}"})
    assert resp.status == 200, resp
    assert found(b, conv, q=old) == []                            # the old word is gone
    got = found(via(b, n1), conv, q=new)
    assert [m["seq"] for m in got] == [seq] and got[0]["text"] == f"{new} {keep}", got
    assert got[0]["edited_at"] is not None
    assert [m["seq"] for m in found(c, conv, q=keep)] == [seq]    # a word in both stays
    # the edit event (its own seq, with the new text) is not a search hit
    assert len(found(c, conv, q=f"{new}*")) == 1
    resp = a.call("POST", f"/conversations/{conv}/messages/{seq}/reactions", {"emoji": "👍"})
    assert resp.status == 200, resp
    assert [m["seq"] for m in found(c, conv, q=new)] == [seq]     # a reaction keeps the words
    resp = a.call("DELETE", f"/conversations/{conv}/messages/{seq}")
    assert resp.status == 200, resp
    for q in (new, keep, f"from:{a.username}"):
        assert found(c, conv, q=q) == [], q


def test_non_members_and_unknown_conversations(cluster):
    n1, n2, n3 = cluster
    a, b, c, conv = three(cluster, n1)
    w = word()
    post(a, conv, w)
    outsider = cluster.account(n2)
    assert_error(search(outsider, conv, q=w), 403, "forbidden")
    assert_error(search(via(outsider, n1), conv, q=w), 403, "forbidden")
    assert_error(search(a, sibling_id(conv), q=w), 404, "not_found")
    assert_error(n2.api.call("GET", f"/conversations/{conv}/search?q={w}"), 401)
    assert_error(n2.api.call("GET", f"/search?q={w}"), 401)
    assert found(outsider, q=w) == []                              # not in its conversations
    # a member who leaves can no longer search it
    resp = b.call("DELETE", f"/conversations/{conv}/members/{b.id}")
    assert resp.status in (200, 204), resp
    assert_error(search(b, conv, q=w), 403, "forbidden")


def test_prefix_author_and_dates(cluster):
    n1, n2, n3 = cluster
    a, b, c, conv = three(cluster, n2)
    stem = word()[:10]
    s1 = post(a, conv, f"{stem}alpha first")
    s2 = post(b, conv, f"{stem}beta second")
    s3 = post(a, conv, f"{stem}gamma third")
    post(b, conv, "unrelated")
    assert [m["seq"] for m in found(c, conv, q=f"{stem}*")] == [s3, s2, s1]
    assert [m["seq"] for m in found(c, conv, q=f"{stem}b*")] == [s2]
    assert [m["seq"] for m in found(c, conv, q=f"{stem}* th*")] == [s3]
    # from: a username or a user id, alone or with words
    assert [m["seq"] for m in found(c, conv, q=f"{stem}* from:{a.username}")] == [s3, s1]
    assert [m["seq"] for m in found(c, conv, q=f"from:{b.id} {stem}*")] == [s2]
    assert [m["seq"] for m in found(c, conv, q=f"from:{b.username}")][-1] == s2
    assert found(c, conv, q=f"{stem}* from:{c.username}") == []
    assert found(c, conv, q=f"{stem}* from:nosuchuser_{stem}") == []
    # dates: created today (UTC)
    assert len(found(c, conv, q=f"{stem}* after:{utc_day()}")) == 3
    assert len(found(c, conv, q=f"{stem}* before:{utc_day(1)}")) == 3
    assert found(c, conv, q=f"{stem}* after:{utc_day(1)}") == []
    assert found(c, conv, q=f"{stem}* before:{utc_day()}") == []
    ts = {m["seq"]: m["ts"] for m in found(c, conv, q=f"{stem}*")}
    # a moment between the first and the last message (to the second)
    mid = datetime.datetime.fromtimestamp(ts[s1] / 1000 + 1, datetime.timezone.utc)
    if ts[s3] >= (ts[s1] // 1000 + 1) * 1000:
        got = found(c, conv, q=f"{stem}* after:{mid.strftime('%Y-%m-%dT%H:%M:%SZ')}")
        assert s1 not in [m["seq"] for m in got] and s3 in [m["seq"] for m in got], got


def test_paging_in_one_conversation(cluster):
    n1, n2, n3 = cluster
    a, b, c, conv = three(cluster, n3)
    w = word()
    seqs = [post(a if i % 2 else b, conv, f"page {w} {i}") for i in range(7)]
    post(a, conv, "not this one")
    got, before, pages = [], None, 0
    while True:
        resp = search(c, conv, q=w, limit=3, before=before)
        assert resp.status == 200, resp
        page = resp.json["messages"]
        assert len(page) <= 3
        got += [m["seq"] for m in page]
        pages += 1
        if resp.json["next"] is None:
            break
        before = resp.json["next"]
        assert isinstance(before, int) and before == page[-1]["seq"], resp
    assert got == sorted(seqs, reverse=True) and pages == 3, got
    # default limit 20 holds all seven
    assert len(found(c, conv, q=w)) == 7


def test_bad_queries_are_400(cluster):
    n1, n2, n3 = cluster
    a, b, c, conv = three(cluster, n1)
    for who, target in ((a, conv), (a, None)):
        for query, needle in (({}, "'q'"), ({"q": ""}, "at least one"), ({"q": "   "}, "at least one"),
                              ({"q": "x" * 257}, "256"), ({"q": "h*"}, "prefix"),
                              ({"q": f"after:{utc_day()}"}, "at least one"),
                              ({"q": "a after:tomorrow"}, "date"),
                              ({"q": "a from:x from:y"}, "from:"),
                              ({"q": " ".join("abcdefghi")}, "at most 8"),
                              ({"q": "a", "limit": 0}, "limit"), ({"q": "a", "limit": 101}, "limit"),
                              ({"q": "a", "limit": "x"}, "limit")):
            resp = search(who, target, **query)
            assert_error(resp, 400, "bad_request")
            assert needle in resp.json["error"]["message"], (query, resp)
    assert_error(search(a, conv, q="a", before="x"), 400, "bad_request")
    assert_error(search(a, conv, q="a", before=0), 400, "bad_request")
    resp = search(a, q="a", cursor="nonsense")
    assert_error(resp, 400, "bad_request")
    assert "cursor" in resp.json["error"]["message"]


def test_cross_conversation_search_covers_only_my_conversations(cluster):
    n1, n2, n3 = cluster
    me, other, third = cluster.account(n1), cluster.account(n2), cluster.account(n3)
    w = word()
    mine = [group_owned_by(cluster, node, me, other, title="mine") for node in (n1, n2, n3)]
    left = group_owned_by(cluster, n2, me, other, title="left")
    foreign = group_owned_by(cluster, n3, other, third, title="foreign")
    expected = {}
    for i in range(9):
        conv = mine[i % 3]
        author = me if i % 2 else other
        expected[(conv, post(author, conv, f"{w} number {i}"))] = f"{w} number {i}"
    post(other, left, f"{w} in a conversation I left")
    post(other, foreign, f"{w} in a conversation I never joined")
    resp = me.call("DELETE", f"/conversations/{left}/members/{me.id}")
    assert resp.status in (200, 204), resp

    everything = found(via(me, n3), q=w, limit=100)
    assert {(m["conv"], m["seq"]) for m in everything} == set(expected), everything
    keys = [(m["ts"], m["conv"], m["seq"]) for m in everything]
    assert keys == sorted(keys, reverse=True)                      # newest first by time
    # the other member sees the same nine plus the two it still has
    assert len(found(other, q=w, limit=100)) == 11
    # paging with the cursor returns each exactly once, in the same order
    got, cursor = [], None
    for _ in range(10):
        resp = search(me, q=w, limit=4, cursor=cursor)
        assert resp.status == 200, resp
        got += [(m["ts"], m["conv"], m["seq"]) for m in resp.json["messages"]]
        cursor = resp.json["next"]
        if cursor is None:
            break
        assert isinstance(cursor, str) and cursor, resp
    assert got == keys, got
    # filters apply across conversations too
    mine_only = found(me, q=f"{w} from:{me.username}", limit=100)
    assert {m["from"] for m in mine_only} == {me.id} and len(mine_only) == 4
