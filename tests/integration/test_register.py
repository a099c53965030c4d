"""POST /auth/register: the user object, uniqueness and every validation rule."""
import secrets
import string

import pytest

from chatclient import PASSWORD, assert_error, is_int, now_ms, unique_name


def rand(n, alphabet=string.ascii_lowercase + string.digits):
    return "".join(secrets.choice(alphabet) for _ in range(n))


def post_register(node, body):
    return node.call("POST", "/auth/register", body)


def assert_no_secret_fields(user, password):
    for key in user:
        assert "pass" not in key.lower() and "hash" not in key.lower(), user
    assert password not in repr(user)


def test_register_returns_201_and_the_user(node):
    name = unique_name()
    before = now_ms()
    resp = post_register(node, {"username": name, "password": PASSWORD, "display_name": "Ann Example"})
    after = now_ms()
    assert resp.status == 201, resp
    user = resp.json
    assert isinstance(user, dict)
    assert isinstance(user["id"], str) and user["id"].startswith("u_"), user
    assert len(user["id"]) > 2
    assert user["username"] == name
    assert user["display_name"] == "Ann Example"
    assert is_int(user["created_at"]), user
    assert before - 5000 <= user["created_at"] <= after + 5000, (before, user["created_at"])


def test_register_never_returns_password_or_hash(node):
    resp = post_register(node, {"username": unique_name(), "password": PASSWORD})
    assert resp.status == 201, resp
    assert_no_secret_fields(resp.json, PASSWORD)
    assert b"argon2" not in resp.raw and PASSWORD.encode() not in resp.raw


def test_display_name_defaults_to_username(node):
    name = unique_name()
    resp = post_register(node, {"username": name, "password": PASSWORD})
    assert resp.status == 201, resp
    assert resp.json["display_name"] == name


def test_ids_are_distinct(node):
    a = post_register(node, {"username": unique_name(), "password": PASSWORD})
    b = post_register(node, {"username": unique_name(), "password": PASSWORD})
    assert a.status == b.status == 201
    assert a.json["id"] != b.json["id"]


def test_duplicate_username_is_409(node):
    name = unique_name()
    assert post_register(node, {"username": name, "password": PASSWORD}).status == 201
    assert_error(post_register(node, {"username": name, "password": "another password"}),
                 409, "conflict")


def test_unknown_fields_are_ignored(node):
    resp = post_register(node, {"username": unique_name(), "password": PASSWORD,
                                "is_admin": True, "id": "u_chosen", "extra": {"x": [1]}})
    assert resp.status == 201, resp
    assert resp.json["id"] != "u_chosen"
    assert "is_admin" not in resp.json


@pytest.mark.parametrize("length", [3, 32])
def test_username_length_boundaries_accepted(node, length):
    name = rand(length)
    resp = post_register(node, {"username": name, "password": PASSWORD})
    assert resp.status == 201, resp
    assert resp.json["username"] == name


def test_username_with_every_allowed_character_class(node):
    name = "a._-9" + rand(8)
    resp = post_register(node, {"username": name, "password": PASSWORD})
    assert resp.status == 201, resp


@pytest.mark.parametrize("username", [
    "ab",                      # too short
    "",                        # empty
    "a" * 33,                  # too long
    "Alice" + "x" * 4,         # upper case is not normalised: rejected
    "ALLCAPSNAME",
    "has space",
    "at@sign",
    "slash/name",
    "plus+name",
    "colon:name",
    "tab\tname",
    "newline\nname",
    "caf\u00e9name",           # non-ASCII letter
    "\u0430bcdef",             # Cyrillic a, looks like latin
    "emoji\U0001F600x",
    "nul\u0000name",
])
def test_invalid_username_is_400(node, username):
    assert_error(post_register(node, {"username": username, "password": PASSWORD}),
                 400, "bad_request")


@pytest.mark.parametrize("password", [
    "p" * 8,
    "p" * 256,
    "\u00e9" * 4,              # 4 characters, 8 bytes: the limit is in bytes
    "\u00e9" * 128,            # 256 bytes
])
def test_password_byte_boundaries_accepted(node, password):
    name = unique_name()
    resp = post_register(node, {"username": name, "password": password})
    assert resp.status == 201, resp
    login = node.call("POST", "/auth/login", {"username": name, "password": password})
    assert login.status == 200, login


@pytest.mark.parametrize("password", [
    "p" * 7,
    "",
    "p" * 257,
    "\u00e9" * 3 + "x",        # 4 characters but 7 bytes
    "\u00e9" * 128 + "x",      # 129 characters, 257 bytes
    "p" * 5000,
])
def test_password_outside_byte_limits_is_400(node, password):
    assert_error(post_register(node, {"username": unique_name(), "password": password}),
                 400, "bad_request")


@pytest.mark.parametrize("body", [
    {},
    {"password": PASSWORD},
    {"username": "missingpassword"},
    {"username": None, "password": PASSWORD},
    {"username": "nullpassword", "password": None},
    {"username": 12345, "password": PASSWORD},
    {"username": ["listname"], "password": PASSWORD},
    {"username": {"n": 1}, "password": PASSWORD},
    {"username": "numberpassword", "password": 1234567890},
    {"username": "boolpassword", "password": True},
    {"username": "listpassword", "password": ["correct horse"]},
], ids=lambda b: ",".join(f"{k}={type(v).__name__}" for k, v in b.items()) or "empty")
def test_missing_or_wrongly_typed_fields_are_400(node, body):
    assert_error(post_register(node, body), 400, "bad_request")


@pytest.mark.parametrize("raw", [
    b"",
    b"not json",
    b"{\"username\": \"abc\", ",
    b"[]",
    b"[{\"username\": \"arrayname\", \"password\": \"correct horse\"}]",
    b"\"a string\"",
    b"42",
    b"null",
    b"true",
    b"{\"username\": \"trailing\", \"password\": \"correct horse\"} garbage",
], ids=["empty", "text", "truncated", "empty-array", "array", "string", "number", "null",
        "true", "trailing-garbage"])
def test_body_that_is_not_a_json_object_is_400(node, raw):
    assert_error(node.call("POST", "/auth/register", raw_body=raw), 400, "bad_request")


def test_invalid_utf8_in_body_is_400(node):
    raw = b'{"username": "' + unique_name().encode() + b'", "password": "corr\xff\xfeect horse"}'
    assert_error(node.call("POST", "/auth/register", raw_body=raw), 400, "bad_request")


def test_invalid_utf8_in_username_is_400(node):
    raw = b'{"username": "abc\xc3\x28def", "password": "correct horse"}'
    assert_error(node.call("POST", "/auth/register", raw_body=raw), 400, "bad_request")


def test_lone_surrogate_in_password_is_400(node):
    raw = b'{"username": "' + unique_name().encode() + b'", "password": "abcdefgh\\ud800"}'
    assert_error(node.call("POST", "/auth/register", raw_body=raw), 400, "bad_request")


def test_rejected_registration_creates_nothing(node):
    name = unique_name()
    assert post_register(node, {"username": name, "password": "short"}).status == 400
    assert post_register(node, {"username": name, "password": PASSWORD}).status == 201
