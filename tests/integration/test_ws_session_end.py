"""A terminated session's websockets close with 4001 within 2 s of the
terminating HTTP call returning; other sessions' sockets stay open."""
import time

from chatclient import PASSWORD, Account, new_account

LIMIT = 2.0


def closes_with_4001(c, returned_at):
    code = c.wait_closed(LIMIT + 3)
    took = c.closed_at - returned_at
    assert code == 4001, f"{c}: closed with {code} ({c.close_reason!r}), not 4001"
    assert took <= LIMIT, f"{c}: closed {took:.2f} s after the call returned"


def second_session(acct):
    """The same user in a new session, as an Account."""
    tokens = acct.login()
    return Account(acct.api, acct.username, acct.password, acct.user, tokens)


def test_logout_closes_the_sessions_sockets(node, ws_open):
    a = new_account(node.api)
    other = second_session(a)
    c1, c2 = ws_open(node, a), ws_open(node, a)
    keep = ws_open(node, other)
    resp = a.call("POST", "/auth/logout")
    t = time.monotonic()
    assert resp.status == 204, resp
    closes_with_4001(c1, t)
    closes_with_4001(c2, t)
    keep.assert_alive()


def test_deleting_a_session_closes_its_sockets(node, ws_open):
    a = new_account(node.api)
    other = second_session(a)
    victim = ws_open(node, other)
    mine = ws_open(node, a)
    resp = a.call("DELETE", f"/auth/sessions/{other.session_id}")
    t = time.monotonic()
    assert resp.status == 204, resp
    closes_with_4001(victim, t)
    mine.assert_alive()


def test_password_change_closes_other_sessions_sockets(node, ws_open):
    a = new_account(node.api)
    other = second_session(a)
    victim = ws_open(node, other)
    mine = ws_open(node, a)
    resp = a.call("PATCH", "/users/me", {"password": {"old": PASSWORD, "new": "another secret"}})
    t = time.monotonic()
    assert resp.status == 200, resp
    closes_with_4001(victim, t)
    mine.assert_alive()


def test_account_deletion_closes_every_socket(node, ws_open):
    a = new_account(node.api)
    bystander = new_account(node.api)
    other = second_session(a)
    c1, c2 = ws_open(node, a), ws_open(node, other)
    wb = ws_open(node, bystander)
    resp = a.call("DELETE", "/users/me", {"password": PASSWORD})
    t = time.monotonic()
    assert resp.status == 204, resp
    closes_with_4001(c1, t)
    closes_with_4001(c2, t)
    wb.assert_alive()


def test_refresh_token_reuse_closes_the_sessions_sockets(node, ws_open):
    a = new_account(node.api)
    other = second_session(a)
    victim = ws_open(node, a)
    keep = ws_open(node, other)
    old = a.refresh_token
    resp = node.call("POST", "/auth/refresh", {"refresh_token": old})
    assert resp.status == 200, resp
    a.tokens = resp.json
    after_rotation = ws_open(node, a)           # a socket of the same session, later
    victim.assert_alive()                       # rotation alone ends nothing
    resp = node.call("POST", "/auth/refresh", {"refresh_token": old})
    t = time.monotonic()
    assert resp.status == 401, resp
    closes_with_4001(victim, t)
    closes_with_4001(after_rotation, t)
    keep.assert_alive()


def test_sockets_of_other_users_are_untouched(node, ws_open):
    a = new_account(node.api)
    b = new_account(node.api)
    ca = ws_open(node, a)
    cb = ws_open(node, b)
    assert a.call("POST", "/auth/logout").status == 204
    assert ca.wait_closed(LIMIT + 3) == 4001
    time.sleep(0.3)
    assert not cb.is_closed
    cb.assert_alive()

