"""POST /auth/login, the access token (JWT HS256), and refusal of forged tokens.

The server's JWT key is assumed to be HMAC-SHA256(key=secret, msg=b"chat:jwt"),
where `secret` is the secret file's content (white space trimmed). The test
`test_token_signed_with_the_derived_key_is_accepted` checks that assumption,
so the expired-token tests are known to test expiry, not a wrong key.
"""
import base64
import hashlib
import time

import pytest

from chatclient import (PASSWORD, assert_error, is_int, jwt_key_from_secret, jwt_make,
                        jwt_parts, login, new_account, register, unique_name)


# ------------------------------------------------------------------ login

def test_login_returns_tokens(node):
    name = unique_name()
    user = register(node.api, name)
    resp = node.call("POST", "/auth/login", {"username": name, "password": PASSWORD})
    assert resp.status == 200, resp
    t = resp.json
    assert isinstance(t["access_token"], str) and t["access_token"].count(".") == 2, t
    assert t["token_type"] == "Bearer"
    assert is_int(t["expires_in"]) and t["expires_in"] > 0, t
    assert isinstance(t["refresh_token"], str) and len(t["refresh_token"]) >= 16, t
    assert t["refresh_token"] != t["access_token"]
    assert isinstance(t["session_id"], str) and t["session_id"].startswith("s_"), t
    assert t["user"] == user


def test_login_response_has_no_password(node):
    name = unique_name()
    register(node.api, name)
    resp = node.call("POST", "/auth/login", {"username": name, "password": PASSWORD})
    assert resp.status == 200
    assert PASSWORD.encode() not in resp.raw
    for key in resp.json["user"]:
        assert "pass" not in key.lower() and "hash" not in key.lower()


def test_each_login_is_a_new_session(node):
    name = unique_name()
    register(node.api, name)
    a = login(node.api, name)
    b = login(node.api, name)
    assert a["session_id"] != b["session_id"]
    assert a["refresh_token"] != b["refresh_token"]
    assert a["access_token"] != b["access_token"]


def test_unknown_user_and_wrong_password_look_the_same(node):
    name = unique_name()
    register(node.api, name)
    wrong_pw = node.call("POST", "/auth/login", {"username": name, "password": "wrong password"})
    unknown = node.call("POST", "/auth/login", {"username": unique_name(), "password": PASSWORD})
    assert_error(wrong_pw, 401, "unauthorized")
    assert_error(unknown, 401, "unauthorized")
    assert wrong_pw.json == unknown.json


def test_login_is_case_sensitive_on_the_password(node):
    name = unique_name()
    register(node.api, name)
    resp = node.call("POST", "/auth/login", {"username": name, "password": PASSWORD.upper()})
    assert_error(resp, 401, "unauthorized")


@pytest.mark.parametrize("raw", [b"", b"nope", b"[]", b"{}", b'{"username": "abcdef"}',
                                 b'{"username": 5, "password": "correct horse"}'],
                         ids=["empty", "text", "array", "empty-object", "no-password",
                              "number-username"])
def test_login_with_bad_body_is_400(node, raw):
    assert_error(node.call("POST", "/auth/login", raw_body=raw), 400, "bad_request")


# ------------------------------------------------------------------ the JWT

def test_access_token_is_a_jwt_with_the_documented_claims(node):
    acct = new_account(node.api)
    header, payload, sig = jwt_parts(acct.token)
    assert header["alg"] == "HS256", header
    assert payload["sub"] == acct.id
    assert payload["sid"] == acct.session_id
    assert is_int(payload["iat"]) and is_int(payload["exp"]), payload
    assert payload["exp"] > payload["iat"]
    assert sig


def test_jwt_times_are_seconds_and_match_expires_in(node):
    acct = new_account(node.api)
    _, payload, _ = jwt_parts(acct.token)
    now = time.time()
    assert abs(payload["iat"] - now) < 120, payload    # seconds, not milliseconds
    assert payload["exp"] > now
    assert abs((payload["exp"] - payload["iat"]) - acct.tokens["expires_in"]) <= 2, \
        (payload, acct.tokens["expires_in"])


def test_access_token_works(node):
    acct = new_account(node.api)
    resp = acct.call("GET", "/users/me")
    assert resp.status == 200, resp
    assert resp.json == acct.user


def test_token_signed_with_the_derived_key_is_accepted(node):
    """Checks the harness' assumption on how the JWT key is derived (see module doc)."""
    acct = new_account(node.api)
    header, payload, _ = jwt_parts(acct.token)
    token = jwt_make(header, payload, key=jwt_key_from_secret(node.secret))
    resp = node.call("GET", "/users/me", token=token)
    assert resp.status == 200, ("a token signed with HMAC-SHA256(secret, 'chat:jwt') was "
                                f"refused; the key derivation differs: {resp!r}")


@pytest.mark.parametrize("claim", ["iat", "nbf"])
def test_token_valid_only_in_the_future_is_401(node, claim):
    """A token that says it was issued (iat) or becomes valid (nbf) an hour
    from now is refused, even correctly signed; within a minute is tolerated
    (the nodes' clocks differ a little)."""
    acct = new_account(node.api)
    header, payload, _ = jwt_parts(acct.token)
    key = jwt_key_from_secret(node.secret)
    now = int(time.time())
    future = dict(payload, **{claim: now + 3600, "exp": now + 7200})
    resp = node.call("GET", "/users/me", token=jwt_make(header, future, key=key))
    assert_error(resp, 401, "unauthorized")
    slightly = dict(payload, **{claim: now + 5})
    resp = node.call("GET", "/users/me", token=jwt_make(header, slightly, key=key))
    assert resp.status == 200, resp


# ------------------------------------------------------------------ forged tokens

AUTHENTICATED = [
    ("GET", "/users/me", None),
    ("GET", "/auth/sessions", None),
    ("POST", "/ws/ticket", None),
    ("PATCH", "/users/me", {"display_name": "hacked"}),
    ("GET", "/users/{id}", None),
    ("GET", "/users?username={username}", None),
    ("POST", "/auth/logout", None),
    ("DELETE", "/auth/sessions/{sid}", None),
    ("DELETE", "/users/me", {"password": PASSWORD}),
]


def forge(kind, acct, other, secret):
    header, payload, sig = jwt_parts(acct.token)
    right_key = jwt_key_from_secret(secret)
    now = int(time.time())
    if kind == "alg-none":
        return jwt_make({"alg": "none", "typ": "JWT"}, payload, signature="")
    if kind == "alg-none-original-sig":
        return jwt_make({"alg": "none", "typ": "JWT"}, payload, signature=sig)
    if kind == "alg-hs512":
        return jwt_make(dict(header, alg="HS512"), payload, key=right_key, digest=hashlib.sha512)
    if kind == "wrong-key":
        return jwt_make(header, payload, key=b"not the cluster secret, not at all")
    if kind == "tampered-sub":
        h, _, s = acct.token.split(".")
        p = jwt_make(header, dict(payload, sub=other.id), signature="").split(".")[1]
        return f"{h}.{p}.{s}"
    if kind == "tampered-exp":
        h, _, s = acct.token.split(".")
        p = jwt_make(header, dict(payload, exp=payload["exp"] + 3600), signature="").split(".")[1]
        return f"{h}.{p}.{s}"
    if kind == "no-signature-segment":
        h, p, _ = acct.token.split(".")
        return f"{h}.{p}"
    if kind == "empty-signature":
        h, p, _ = acct.token.split(".")
        return f"{h}.{p}."
    if kind == "truncated-signature":
        return acct.token[:-3]
    if kind == "garbage":
        return "garbage"
    if kind == "three-garbage-parts":
        return "aaaa.bbbb.cccc"
    if kind == "expired":
        return jwt_make(header, dict(payload, iat=now - 7200, exp=now - 3600), key=right_key)
    if kind == "just-expired":
        return jwt_make(header, dict(payload, iat=now - 600, exp=now - 2), key=right_key)
    if kind == "refresh-token":
        return acct.refresh_token
    raise AssertionError(kind)


FORGERIES = ["alg-none", "alg-none-original-sig", "alg-hs512", "wrong-key", "tampered-sub",
             "tampered-exp", "no-signature-segment", "empty-signature", "truncated-signature",
             "garbage", "three-garbage-parts", "expired", "just-expired", "refresh-token"]


@pytest.fixture
def victim(node):
    return new_account(node.api)


@pytest.fixture(scope="module")
def bystander(node):
    return new_account(node.api)


def fill(path, acct):
    return path.format(id=acct.id, username=acct.username, sid=acct.session_id)


@pytest.mark.parametrize("kind", FORGERIES)
@pytest.mark.parametrize("method,path,body", AUTHENTICATED,
                         ids=[f"{m} {p}" for m, p, _ in AUTHENTICATED])
def test_forged_token_is_401(node, victim, bystander, kind, method, path, body):
    token = forge(kind, victim, bystander, node.secret)
    resp = node.call(method, fill(path, victim), body, token=token)
    assert_error(resp, 401, "unauthorized")


@pytest.mark.parametrize("method,path,body", AUTHENTICATED,
                         ids=[f"{m} {p}" for m, p, _ in AUTHENTICATED])
def test_missing_authorization_is_401(node, victim, method, path, body):
    assert_error(node.call(method, fill(path, victim), body), 401, "unauthorized")


@pytest.mark.parametrize("value", [
    "Basic {basic}",
    "Token {token}",
    "{token}",
    "Bearer",
    "Bearer ",
    "Bearer  ",
    "Bearer {token} extra",
], ids=["basic", "token-scheme", "no-scheme", "bearer-only", "bearer-space",
        "bearer-spaces", "trailing-junk"])
def test_malformed_authorization_header_is_401(node, victim, value):
    basic = base64.b64encode(f"{victim.username}:{PASSWORD}".encode()).decode()
    header = value.format(token=victim.token, basic=basic)
    resp = node.call("GET", "/users/me", headers={"Authorization": header})
    assert_error(resp, 401, "unauthorized")


def test_forged_tokens_did_no_harm(node, victim, bystander):
    """After all forgeries, the real token still works and nothing was changed."""
    for kind in FORGERIES:
        token = forge(kind, victim, bystander, node.secret)
        node.call("PATCH", "/users/me", {"display_name": "hacked"}, token=token)
        node.call("POST", "/auth/logout", token=token)
    resp = victim.call("GET", "/users/me")
    assert resp.status == 200, resp
    assert resp.json["display_name"] != "hacked"
    other = bystander.call("GET", "/users/me")
    assert other.status == 200 and other.json["display_name"] != "hacked"


# ------------------------------------------------------------------ token checked first

@pytest.mark.parametrize("method,path,raw", [
    ("PATCH", "/users/me", b"not json"),
    ("PATCH", "/users/me", b"[]"),
    ("PATCH", "/users/me", b'{"display_name": 5, "password": "x"}'),
    ("DELETE", "/users/me", b"not json"),
    ("DELETE", "/users/me", b"{}"),
    ("GET", "/users/not-an-id", None),
    ("GET", "/users/u_doesnotexist", None),
    ("GET", "/users", None),                      # missing username parameter
    ("DELETE", "/auth/sessions/s_doesnotexist", None),
    ("POST", "/ws/ticket", b"garbage"),
], ids=lambda v: v.decode(errors="replace") if isinstance(v, bytes) else str(v))
@pytest.mark.parametrize("token", ["garbage", "expired", None], ids=["garbage", "expired", "none"])
def test_token_is_checked_before_the_request(node, victim, bystander, method, path, raw, token):
    tok = None if token is None else forge(token, victim, bystander, node.secret)
    resp = node.call(method, path, token=tok, raw_body=raw)
    assert_error(resp, 401, "unauthorized")


def test_bad_body_with_good_token_is_400(node, victim):
    assert_error(victim.call("PATCH", "/users/me", raw_body=b"not json"), 400, "bad_request")
