"""Messages over HTTP: POST /conversations/{id}/messages and paging with
GET /conversations/{id}/messages."""
import pytest

from chatclient import (assert_error, create_conversation, group_with, history, is_int,
                        new_account, now_ms, post_many, post_message, sibling_id)

N = 25   # messages in the paging conversation


@pytest.fixture(scope="module")
def paged(node):
    """A conversation of two members with N messages (texts p1..pN)."""
    a = new_account(node.api)
    b = new_account(node.api)
    conv = group_with(a, b, title="paging")
    for i in range(1, N + 1):
        resp = post_message(a if i % 3 else b, conv, f"p{i}")
        assert resp.status == 201 and resp.json["seq"] == i, resp
    return a, b, conv


def page(acct, conv, **q):
    resp = history(acct, conv, **q)
    assert resp.status == 200, resp
    msgs = resp.json["messages"]
    assert isinstance(resp.json["has_more"], bool), resp
    return [m["seq"] for m in msgs], resp.json["has_more"], msgs


def test_post_returns_the_receipt(node):
    a = new_account(node.api)
    conv = create_conversation(a, "post")["id"]
    before = now_ms()
    resp = post_message(a, conv, "over http")
    assert resp.status == 201, resp
    r = resp.json
    assert r["conv"] == conv and r["seq"] == 1 and r["msg_id"].startswith("m_")
    assert is_int(r["ts"]) and before - 1000 <= r["ts"] <= now_ms() + 1000
    msgs = history(a, conv).json["messages"]
    assert msgs == [{**msgs[0], "conv": conv, "seq": 1, "msg_id": r["msg_id"], "from": a.id,
                     "text": "over http", "ts": r["ts"], "client_msg_id": None}]


def test_post_by_non_member_is_403_and_unknown_is_404(node):
    a = new_account(node.api)
    outsider = new_account(node.api)
    conv = create_conversation(a, "x")["id"]
    assert_error(post_message(outsider, conv, "hi"), 403, "forbidden")
    assert_error(post_message(a, sibling_id(conv), "hi"), 404, "not_found")
    assert_error(post_message(a, "c_garbage", "hi"), 404, "not_found")
    assert_error(a.call("POST", f"/conversations/{conv}/messages", {}), 400, "bad_request")
    assert_error(node.call("POST", f"/conversations/{conv}/messages", {"text": "x"}),
                 401, "unauthorized")
    assert history(a, conv).json["messages"] == []


def test_history_by_non_member_is_403_and_unknown_is_404(node, paged):
    _, _, conv = paged
    outsider = new_account(node.api)
    assert_error(history(outsider, conv), 403, "forbidden")
    assert_error(history(outsider, sibling_id(conv)), 404, "not_found")


def test_neither_gives_the_newest(paged):
    a, b, conv = paged
    seqs, more, msgs = page(b, conv)
    assert seqs == list(range(1, N + 1)) and more is False
    assert [m["text"] for m in msgs] == [f"p{i}" for i in range(1, N + 1)]
    assert msgs[2]["from"] == b.id and msgs[0]["from"] == a.id
    seqs, more, _ = page(a, conv, limit=10)
    assert seqs == list(range(N - 9, N + 1)) and more is True


def test_after_alone_gives_the_oldest_after(paged):
    a, _, conv = paged
    assert page(a, conv, after=5, limit=10)[:2] == (list(range(6, 16)), True)
    assert page(a, conv, after=15, limit=10)[:2] == (list(range(16, 26)), False)
    assert page(a, conv, after=20, limit=10)[:2] == (list(range(21, 26)), False)
    assert page(a, conv, after=0, limit=3)[:2] == ([1, 2, 3], True)
    assert page(a, conv, after=N)[:2] == ([], False)
    assert page(a, conv, after=N + 50)[:2] == ([], False)


def test_before_alone_gives_the_newest_before_ascending(paged):
    a, _, conv = paged
    assert page(a, conv, before=20, limit=5)[:2] == ([15, 16, 17, 18, 19], True)
    assert page(a, conv, before=6, limit=5)[:2] == ([1, 2, 3, 4, 5], False)
    assert page(a, conv, before=4, limit=5)[:2] == ([1, 2, 3], False)
    assert page(a, conv, before=1)[:2] == ([], False)
    assert page(a, conv, before=N + 100, limit=2)[:2] == ([N - 1, N], True)


def test_scrolling_back_page_by_page_sees_everything_once(paged):
    a, _, conv = paged
    seen, before = [], None
    while True:
        seqs, more, _ = page(a, conv, before=before, limit=7)
        seen = seqs + seen
        if not more:
            break
        before = seqs[0]
    assert seen == list(range(1, N + 1))


def test_after_and_before_give_the_newest_between(paged):
    a, _, conv = paged
    assert page(a, conv, after=5, before=20, limit=5)[:2] == ([15, 16, 17, 18, 19], True)
    assert page(a, conv, after=5, before=9, limit=5)[:2] == ([6, 7, 8], False)
    assert page(a, conv, after=5, before=11, limit=5)[:2] == ([6, 7, 8, 9, 10], False)
    assert page(a, conv, after=10, before=11)[:2] == ([], False)


def test_limit_bounds(paged):
    a, _, conv = paged
    assert page(a, conv, limit=500)[:2] == (list(range(1, N + 1)), False)
    assert page(a, conv, after=0, limit=1)[:2] == ([1], True)
    assert_error(history(a, conv, limit=501), 400, "bad_request")
    assert_error(history(a, conv, limit="ten"), 400, "bad_request")
    assert_error(history(a, conv, after="x"), 400, "bad_request")


def test_default_limit_is_100(node):
    a = new_account(node.api)
    conv = create_conversation(a, "hundred")["id"]
    post_many(a, conv, [f"d{i}" for i in range(105)])
    seqs, more, _ = page(a, conv)
    assert seqs == list(range(6, 106)) and more is True
    seqs, more, _ = page(a, conv, after=0)
    assert seqs == list(range(1, 101)) and more is True
