"""POST /ws/ticket: issuing single-use WebSocket tickets (redeeming comes later)."""
from chatclient import assert_error, is_int, new_account


def test_ticket_is_issued(node):
    acct = new_account(node.api)
    resp = acct.call("POST", "/ws/ticket")
    assert resp.status == 200, resp
    assert isinstance(resp.json["ticket"], str), resp
    assert len(resp.json["ticket"]) >= 16, resp
    assert is_int(resp.json["expires_in"]) and resp.json["expires_in"] == 30, resp


def test_tickets_differ(node):
    acct = new_account(node.api)
    tickets = [acct.call("POST", "/ws/ticket").json["ticket"] for _ in range(5)]
    assert len(set(tickets)) == 5


def test_tickets_of_different_users_differ(node):
    a = new_account(node.api)
    b = new_account(node.api)
    assert a.call("POST", "/ws/ticket").json["ticket"] != b.call("POST", "/ws/ticket").json["ticket"]


def test_ticket_is_not_the_token(node):
    acct = new_account(node.api)
    ticket = acct.call("POST", "/ws/ticket").json["ticket"]
    assert ticket not in (acct.token, acct.refresh_token, acct.session_id)
    assert acct.token not in ticket and acct.refresh_token not in ticket


def test_ticket_with_a_body_is_still_issued(node):
    acct = new_account(node.api)
    resp = acct.call("POST", "/ws/ticket", {"anything": 1})
    assert resp.status == 200, resp


def test_ticket_needs_a_live_session(node):
    acct = new_account(node.api)
    assert acct.call("POST", "/auth/logout").status == 204
    assert_error(acct.call("POST", "/ws/ticket"), 401, "unauthorized")


def test_ticket_without_token_is_401(node):
    assert_error(node.call("POST", "/ws/ticket"), 401, "unauthorized")
