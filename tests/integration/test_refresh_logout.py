"""POST /auth/refresh (rotation, reuse detection) and POST /auth/logout."""
import pytest

from chatclient import assert_error, jwt_parts, new_account


def refresh(node, refresh_token):
    return node.call("POST", "/auth/refresh", {"refresh_token": refresh_token})


def me(node, token):
    return node.call("GET", "/users/me", token=token)


def assert_live(node, access_token):
    resp = me(node, access_token)
    assert resp.status == 200, resp


def assert_dead(node, access_token):
    assert_error(me(node, access_token), 401, "unauthorized")


# ------------------------------------------------------------------ refresh

def test_refresh_returns_new_tokens_for_the_same_session(node):
    acct = new_account(node.api)
    resp = refresh(node, acct.refresh_token)
    assert resp.status == 200, resp
    t = resp.json
    assert t["session_id"] == acct.session_id
    assert t["refresh_token"] != acct.refresh_token
    assert t["token_type"] == "Bearer"
    assert isinstance(t["expires_in"], int) and t["expires_in"] > 0
    assert t["user"] == acct.user
    _, payload, _ = jwt_parts(t["access_token"])
    assert payload["sid"] == acct.session_id and payload["sub"] == acct.id
    assert_live(node, t["access_token"])


def test_refresh_can_be_chained(node):
    acct = new_account(node.api)
    token = acct.refresh_token
    seen = {token}
    for _ in range(4):
        resp = refresh(node, token)
        assert resp.status == 200, resp
        token = resp.json["refresh_token"]
        assert token not in seen
        seen.add(token)
        assert resp.json["session_id"] == acct.session_id
    assert_live(node, resp.json["access_token"])


def test_reusing_a_refresh_token_revokes_the_whole_session(node):
    acct = new_account(node.api)
    first = refresh(node, acct.refresh_token)
    assert first.status == 200, first
    newest = first.json

    reuse = refresh(node, acct.refresh_token)
    assert_error(reuse, 401, "unauthorized")

    assert_dead(node, newest["access_token"])
    assert_dead(node, acct.token)
    assert_error(refresh(node, newest["refresh_token"]), 401, "unauthorized")


def test_reuse_detection_keeps_the_users_other_sessions(node):
    acct = new_account(node.api)
    other = acct.login()
    assert refresh(node, acct.refresh_token).status == 200
    assert refresh(node, acct.refresh_token).status == 401
    assert_live(node, other["access_token"])
    again = refresh(node, other["refresh_token"])
    assert again.status == 200, again
    assert_live(node, again.json["access_token"])


def test_reuse_detection_leaves_other_users_alone(node):
    acct = new_account(node.api)
    stranger = new_account(node.api)
    refresh(node, acct.refresh_token)
    assert refresh(node, acct.refresh_token).status == 401
    assert_live(node, stranger.token)


def test_access_token_is_not_a_refresh_token(node):
    acct = new_account(node.api)
    assert_error(refresh(node, acct.token), 401, "unauthorized")
    # and presenting it revoked nothing
    assert_live(node, acct.token)


def test_refresh_token_is_not_an_access_token(node):
    acct = new_account(node.api)
    assert_dead(node, acct.refresh_token)


@pytest.mark.parametrize("value", ["garbage", "r_" + "0" * 40, "a.b.c"])
def test_unknown_refresh_token_is_401(node, value):
    assert_error(refresh(node, value), 401, "unauthorized")


def test_tampered_refresh_token_is_401(node):
    acct = new_account(node.api)
    rt = acct.refresh_token
    flipped = rt[:-1] + ("A" if rt[-1] != "A" else "B")
    assert_error(refresh(node, flipped), 401, "unauthorized")


@pytest.mark.parametrize("raw", [b"", b"nope", b"[]", b"{}", b'{"refresh_token": 5}',
                                 b'{"refresh_token": null}'],
                         ids=["empty", "text", "array", "empty-object", "number", "null"])
def test_refresh_with_bad_body_is_400(node, raw):
    assert_error(node.call("POST", "/auth/refresh", raw_body=raw), 400, "bad_request")


def test_refresh_after_logout_is_401(node):
    acct = new_account(node.api)
    assert acct.call("POST", "/auth/logout").status == 204
    assert_error(refresh(node, acct.refresh_token), 401, "unauthorized")


# ------------------------------------------------------------------ logout

def test_logout_is_204_and_ends_the_session(node):
    acct = new_account(node.api)
    resp = acct.call("POST", "/auth/logout")
    assert resp.status == 204, resp
    assert resp.raw == b""
    assert_dead(node, acct.token)
    assert_error(refresh(node, acct.refresh_token), 401, "unauthorized")


def test_logout_twice_is_401(node):
    acct = new_account(node.api)
    assert acct.call("POST", "/auth/logout").status == 204
    assert_error(acct.call("POST", "/auth/logout"), 401, "unauthorized")


def test_logout_ends_refreshed_access_tokens_too(node):
    acct = new_account(node.api)
    newer = refresh(node, acct.refresh_token).json
    assert node.call("POST", "/auth/logout", token=newer["access_token"]).status == 204
    assert_dead(node, newer["access_token"])
    assert_dead(node, acct.token)
    assert_error(refresh(node, newer["refresh_token"]), 401, "unauthorized")


def test_logout_keeps_the_users_other_sessions(node):
    acct = new_account(node.api)
    other = acct.login()
    assert acct.call("POST", "/auth/logout").status == 204
    assert_live(node, other["access_token"])
    assert refresh(node, other["refresh_token"]).status == 200


def test_login_after_logout_works(node):
    acct = new_account(node.api)
    assert acct.call("POST", "/auth/logout").status == 204
    fresh = acct.login()
    assert fresh["session_id"] != acct.session_id
    assert_live(node, fresh["access_token"])
