"""GET /users/me, GET /users/{id}, GET /users?username=, PATCH and DELETE /users/me."""
import urllib.parse

import pytest

from chatclient import PASSWORD, assert_error, login, new_account, register, unique_name

NEW_PASSWORD = "a brand new passphrase"


def login_status(node, username, password):
    return node.call("POST", "/auth/login", {"username": username, "password": password}).status


# ------------------------------------------------------------------ reading users

def test_get_me_returns_the_user(node):
    acct = new_account(node.api, display_name="Me Myself")
    resp = acct.call("GET", "/users/me")
    assert resp.status == 200, resp
    assert resp.json == acct.user
    assert resp.json["display_name"] == "Me Myself"


def test_get_user_by_id(node):
    a = new_account(node.api)
    b = new_account(node.api)
    resp = a.call("GET", f"/users/{b.id}")
    assert resp.status == 200, resp
    assert resp.json == b.user
    assert PASSWORD.encode() not in resp.raw
    for key in resp.json:
        assert "pass" not in key.lower() and "hash" not in key.lower()


@pytest.mark.parametrize("uid", ["u_doesnotexist", "u_", "nonsense", "s_abcdef",
                                 "u_" + "z" * 60, "%00", "..%2F..%2Fetc"])
def test_get_unknown_or_malformed_user_is_404(node, uid):
    acct = new_account(node.api)
    assert_error(acct.call("GET", f"/users/{uid}"), 404, "not_found")


def test_get_user_by_username(node):
    a = new_account(node.api)
    b = new_account(node.api)
    resp = a.call("GET", "/users?username=" + urllib.parse.quote(b.username))
    assert resp.status == 200, resp
    assert resp.json == b.user


def test_username_lookup_is_exact(node):
    a = new_account(node.api)
    b = new_account(node.api)
    for probe in [b.username[:-1], b.username + "x", b.username[1:]]:
        assert_error(a.call("GET", "/users?username=" + probe), 404, "not_found")


def test_unknown_username_is_404(node):
    a = new_account(node.api)
    assert_error(a.call("GET", "/users?username=" + unique_name()), 404, "not_found")


def test_missing_username_parameter_is_400(node):
    a = new_account(node.api)
    assert_error(a.call("GET", "/users"), 400, "bad_request")
    assert_error(a.call("GET", "/users?user=" + a.username), 400, "bad_request")


# ------------------------------------------------------------------ PATCH /users/me

def test_patch_display_name(node):
    a = new_account(node.api)
    b = new_account(node.api)
    resp = a.call("PATCH", "/users/me", {"display_name": "New Name \u00e9\u4e16"})
    assert resp.status == 200, resp
    assert resp.json["display_name"] == "New Name \u00e9\u4e16"
    assert resp.json["id"] == a.id and resp.json["username"] == a.username
    assert resp.json["created_at"] == a.user["created_at"]
    assert a.call("GET", "/users/me").json["display_name"] == "New Name \u00e9\u4e16"
    assert b.call("GET", f"/users/{a.id}").json["display_name"] == "New Name \u00e9\u4e16"


def test_patch_ignores_unknown_fields_and_cannot_change_username(node):
    a = new_account(node.api)
    resp = a.call("PATCH", "/users/me", {"username": "hijacked_name", "id": "u_x",
                                         "display_name": "Kept"})
    assert resp.status == 200, resp
    assert resp.json["username"] == a.username and resp.json["id"] == a.id


@pytest.mark.parametrize("raw", [b"not json", b"[]", b"5", b'{"password": {"old": "correct horse battery"}}',
                                 b'{"password": "a new passphrase"}', b'{"password": {"new": "a new passphrase"}}'],
                         ids=["text", "array", "scalar", "password-no-new", "password-string",
                              "password-no-old"])
def test_patch_with_bad_body_is_400(node, raw):
    a = new_account(node.api)
    assert_error(a.call("PATCH", "/users/me", raw_body=raw), 400, "bad_request")


def test_password_change_with_wrong_old_password_is_403(node):
    a = new_account(node.api)
    resp = a.call("PATCH", "/users/me", {"password": {"old": "not my password", "new": NEW_PASSWORD}})
    assert_error(resp, 403, "forbidden")
    assert login_status(node, a.username, PASSWORD) == 200
    assert login_status(node, a.username, NEW_PASSWORD) == 401


@pytest.mark.parametrize("new", ["short", "p" * 7, "p" * 257, ""])
def test_password_change_to_invalid_password_is_400(node, new):
    a = new_account(node.api)
    resp = a.call("PATCH", "/users/me", {"password": {"old": PASSWORD, "new": new}})
    assert_error(resp, 400, "bad_request")
    assert login_status(node, a.username, PASSWORD) == 200


def test_password_change_ends_only_the_other_sessions(node):
    a = new_account(node.api)
    other = a.login()
    third = a.login()
    resp = a.call("PATCH", "/users/me", {"password": {"old": PASSWORD, "new": NEW_PASSWORD}})
    assert resp.status == 200, resp
    assert resp.json["id"] == a.id
    assert "password" not in resp.json

    # the caller's session stays
    assert a.call("GET", "/users/me").status == 200
    assert node.call("POST", "/auth/refresh", {"refresh_token": a.refresh_token}).status == 200
    # the other sessions are gone
    for s in (other, third):
        assert_error(node.call("GET", "/users/me", token=s["access_token"]), 401, "unauthorized")
        assert_error(node.call("POST", "/auth/refresh", {"refresh_token": s["refresh_token"]}),
                     401, "unauthorized")
    # the password itself changed
    assert login_status(node, a.username, NEW_PASSWORD) == 200
    assert login_status(node, a.username, PASSWORD) == 401


def test_password_change_leaves_other_users_alone(node):
    a = new_account(node.api)
    b = new_account(node.api)
    assert a.call("PATCH", "/users/me", {"password": {"old": PASSWORD, "new": NEW_PASSWORD}}).status == 200
    assert b.call("GET", "/users/me").status == 200


# ------------------------------------------------------------------ DELETE /users/me

def test_delete_me_with_wrong_password_is_403(node):
    a = new_account(node.api)
    assert_error(a.call("DELETE", "/users/me", {"password": "not my password"}), 403, "forbidden")
    assert a.call("GET", "/users/me").status == 200
    assert login_status(node, a.username, PASSWORD) == 200


@pytest.mark.parametrize("raw", [b"", b"not json", b"{}", b'{"password": 5}'],
                         ids=["empty", "text", "no-password", "number"])
def test_delete_me_with_bad_body_is_400(node, raw):
    a = new_account(node.api)
    assert_error(a.call("DELETE", "/users/me", raw_body=raw), 400, "bad_request")
    assert a.call("GET", "/users/me").status == 200


def test_delete_me_removes_the_account(node):
    a = new_account(node.api)
    other_session = a.login()
    watcher = new_account(node.api)

    resp = a.call("DELETE", "/users/me", {"password": PASSWORD})
    assert resp.status == 204, resp
    assert resp.raw == b""

    assert_error(a.call("GET", "/users/me"), 401, "unauthorized")
    assert_error(node.call("GET", "/users/me", token=other_session["access_token"]), 401, "unauthorized")
    assert_error(node.call("POST", "/auth/refresh", {"refresh_token": a.refresh_token}),
                 401, "unauthorized")
    assert login_status(node, a.username, PASSWORD) == 401
    assert_error(watcher.call("GET", f"/users/{a.id}"), 404, "not_found")
    assert_error(watcher.call("GET", "/users?username=" + a.username), 404, "not_found")


def test_deleted_username_can_be_registered_again(node):
    a = new_account(node.api)
    assert a.call("DELETE", "/users/me", {"password": PASSWORD}).status == 204
    again = register(node.api, a.username, password=NEW_PASSWORD)
    assert again["username"] == a.username
    assert again["id"] != a.id
    tokens = login(node.api, a.username, NEW_PASSWORD)
    assert tokens["user"]["id"] == again["id"]
    # the old token does not come back to life for the new account
    assert_error(a.call("GET", "/users/me"), 401, "unauthorized")
