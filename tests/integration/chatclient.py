"""A tiny HTTP client for the chat node's contract (docs/protocol.md), stdlib only.

Used by the black-box tests: every call opens its own connection, so a test
sees exactly what one request gets back.
"""
import base64
import hashlib
import hmac
import http.client
import json
import secrets
import string
import time

PASSWORD = "correct horse battery"  # default password of test accounts


class Response:
    """What one HTTP call returned. Unpacks as (status, json_or_None, headers)."""

    def __init__(self, status, headers, raw):
        self.status = status
        self.headers = headers  # http.client.HTTPMessage: case-insensitive .get()
        self.raw = raw
        try:
            self.json = json.loads(raw.decode("utf-8")) if raw else None
        except (UnicodeDecodeError, ValueError):
            self.json = None

    def __iter__(self):
        return iter((self.status, self.json, self.headers))

    def __repr__(self):
        text = self.raw[:400].decode("utf-8", "replace")
        return f"<HTTP {self.status} {text!r}>"


class Client:
    def __init__(self, host, port, timeout=15.0, ssl_context=None):
        self.host = host
        self.port = port
        self.timeout = timeout
        self.ssl_context = ssl_context   # set: HTTPS trusting this context

    @property
    def base_url(self):
        return f"{'https' if self.ssl_context else 'http'}://{self.host}:{self.port}"

    def call(self, method, path, body=None, token=None, headers=None, raw_body=None):
        """One request. `body` is JSON-encoded; `raw_body` (bytes/str) is sent as is."""
        hdrs = {}
        data = None
        if raw_body is not None:
            data = raw_body.encode("utf-8") if isinstance(raw_body, str) else raw_body
            hdrs["Content-Type"] = "application/json"
        elif body is not None:
            data = json.dumps(body).encode("utf-8")
            hdrs["Content-Type"] = "application/json"
        if token is not None:
            hdrs["Authorization"] = "Bearer " + token
        hdrs.update(headers or {})
        if self.ssl_context is not None:
            conn = http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout,
                                               context=self.ssl_context)
        else:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=data, headers=hdrs)
            resp = conn.getresponse()
            raw = resp.read()
            return Response(resp.status, resp.headers, raw)
        finally:
            conn.close()


# ---------------------------------------------------------------- assertions

def assert_error(resp, status, code=None):
    """The contract's error shape: status + {"error": {"code", "message"}}."""
    assert resp.status == status, resp
    body = resp.json
    assert isinstance(body, dict), f"error body is not a JSON object: {resp!r}"
    err = body.get("error")
    assert isinstance(err, dict), f"no 'error' object: {resp!r}"
    assert isinstance(err.get("code"), str) and err["code"], resp
    assert all(c.islower() or c.isdigit() or c == "_" for c in err["code"]), resp
    assert isinstance(err.get("message"), str) and err["message"], resp
    if code is not None:
        assert err["code"] == code, resp


def now_ms():
    return int(time.time() * 1000)


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


# ---------------------------------------------------------------- accounts

def unique_name(prefix="t"):
    alphabet = string.ascii_lowercase + string.digits
    return prefix + "_" + "".join(secrets.choice(alphabet) for _ in range(12))


class Account:
    """A registered user plus the tokens of its latest login."""

    def __init__(self, api, username, password, user, tokens):
        self.api = api
        self.username = username
        self.password = password
        self.user = user
        self.tokens = tokens

    @property
    def id(self):
        return self.user["id"]

    @property
    def token(self):
        return self.tokens["access_token"]

    @property
    def refresh_token(self):
        return self.tokens["refresh_token"]

    @property
    def session_id(self):
        return self.tokens["session_id"]

    def call(self, method, path, body=None, **kw):
        return self.api.call(method, path, body=body, token=self.token, **kw)

    def login(self, user_agent=None):
        """A new session of this account (its tokens are returned, not kept)."""
        return login(self.api, self.username, self.password, user_agent=user_agent)


def register(api, username=None, password=PASSWORD, display_name=None):
    username = username or unique_name()
    body = {"username": username, "password": password}
    if display_name is not None:
        body["display_name"] = display_name
    resp = api.call("POST", "/auth/register", body)
    assert resp.status == 201, resp
    return resp.json


def login(api, username, password=PASSWORD, user_agent=None):
    headers = {"User-Agent": user_agent} if user_agent is not None else None
    resp = api.call("POST", "/auth/login", {"username": username, "password": password},
                    headers=headers)
    assert resp.status == 200, resp
    return resp.json


def new_account(api, password=PASSWORD, user_agent=None, display_name=None):
    username = unique_name()
    user = register(api, username, password, display_name=display_name)
    tokens = login(api, username, password, user_agent=user_agent)
    return Account(api, username, password, user, tokens)


# ---------------------------------------------------------------- JWT

def b64url_encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwt_parts(token):
    """(header, payload, signature_text) of a compact JWT; no verification."""
    h, p, s = token.split(".")
    return json.loads(b64url_decode(h)), json.loads(b64url_decode(p)), s


def jwt_make(header, payload, key=None, digest=hashlib.sha256, signature=None):
    """A compact JWT; signed with HMAC(key, digest) unless `signature` is given."""
    h = b64url_encode(json.dumps(header, separators=(",", ":")).encode())
    p = b64url_encode(json.dumps(payload, separators=(",", ":")).encode())
    signing_input = f"{h}.{p}".encode()
    if signature is None:
        signature = b64url_encode(hmac.new(key, signing_input, digest).digest()) if key else ""
    return f"{h}.{p}.{signature}"


def jwt_key_from_secret(secret_bytes):
    """The server's HS256 key, as we assume it derives it from the secret file."""
    return hmac.new(secret_bytes, b"chat:jwt", hashlib.sha256).digest()


# ---------------------------------------------------------------- conversations

def create_conversation(acct, title="a room", invite=None):
    """POST /conversations as `acct` (201 expected); returns the conversation."""
    body = {"title": title}
    if invite is not None:
        body["invite"] = [a if isinstance(a, str) else a.id for a in invite]
    resp = acct.call("POST", "/conversations", body)
    assert resp.status == 201, resp
    return resp.json


def invite(acct, conv_id, user):
    """POST /conversations/{id}/invitations (201 expected); returns the invitation."""
    uid = user if isinstance(user, str) else user.id
    resp = acct.call("POST", f"/conversations/{conv_id}/invitations", {"user_id": uid})
    assert resp.status == 201, resp
    return resp.json


def pending_invitations(acct):
    resp = acct.call("GET", "/invitations")
    assert resp.status == 200, resp
    return resp.json["invitations"]


def accept_invitation_to(acct, conv_id):
    """Accepts the account's pending invitation to conv_id; returns the conversation."""
    inv = [i for i in pending_invitations(acct) if i["conv"] == conv_id]
    assert len(inv) == 1, f"{acct.username}: invitations to {conv_id}: {inv}"
    resp = acct.call("POST", f"/invitations/{inv[0]['id']}/accept")
    assert resp.status == 200, resp
    return resp.json


def group_with(owner, *members, title="a room"):
    """A group conversation owned by `owner` that every account in `members`
    has joined (invited at creation, then accepted). Returns the conversation id."""
    conv = create_conversation(owner, title, invite=list(members))
    for m in members:
        accept_invitation_to(m, conv["id"])
    return conv["id"]


def open_direct(acct, other):
    """POST /conversations/direct; returns the Response."""
    uid = other if isinstance(other, str) else other.id
    return acct.call("POST", "/conversations/direct", {"user_id": uid})


def post_message(acct, conv_id, text, client_msg_id=None):
    """POST /conversations/{id}/messages; returns the Response."""
    body = {"text": text}
    if client_msg_id is not None:
        body["client_msg_id"] = client_msg_id
    return acct.call("POST", f"/conversations/{conv_id}/messages", body)


def history(acct, conv_id, **query):
    """GET /conversations/{id}/messages?after=&before=&limit= ; returns the Response."""
    qs = "&".join(f"{k}={v}" for k, v in query.items() if v is not None)
    return acct.call("GET", f"/conversations/{conv_id}/messages" + (f"?{qs}" if qs else ""))


def all_messages(acct, conv_id):
    """Every message of the conversation, via HTTP paging with after= (ascending)."""
    out, after = [], 0
    while True:
        resp = history(acct, conv_id, after=after, limit=500)
        assert resp.status == 200, resp
        out += resp.json["messages"]
        if not resp.json["has_more"]:
            return out
        assert resp.json["messages"], resp
        after = resp.json["messages"][-1]["seq"]


def sibling_id(real_id):
    """An id of the same shape as `real_id` (same prefix and shard) that names
    nothing: the last 6 characters are replaced by different ones of the same class."""
    def other(c):
        if c.isdigit():
            return "1" if c != "1" else "2"
        if c.isupper():
            return "A" if c != "A" else "B"
        return "a" if c != "a" else "b"
    return real_id[:-6] + "".join(other(c) for c in real_id[-6:])


def post_many(acct, conv_id, texts, per_session=90):
    """Posts every text over HTTP in order (201 each), switching to a new session
    of the same account every `per_session` posts: the send rate limit is per
    session (bursts of 100 by default). The conversation also limits each
    user's posts (same budget, cluster-wide): a 429 there is waited out
    (100 posts/s by default, so briefly). Returns the receipts."""
    receipts, token = [], acct.token
    for i, text in enumerate(texts):
        if i and i % per_session == 0:
            token = acct.login()["access_token"]
        deadline = time.monotonic() + 10
        while True:
            resp = acct.api.call("POST", f"/conversations/{conv_id}/messages", {"text": text},
                                 token=token)
            if resp.status != 429 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert resp.status == 201, resp
        receipts.append(resp.json)
    return receipts
