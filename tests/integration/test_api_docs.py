"""`GET /openapi.json` and `GET /docs` (docs/protocol.md "Operations"): the HTTP
API described as OpenAPI 3, and a page rendering it, both served by the node
with no token and nothing from another host.

Three descriptions of the routes must agree, and the router is the truth:
`chatnode --print-routes` prints the table the server registers (built by the
same code as a serving node), web/api/openapi.json documents operations, and
docs/protocol.md names endpoints as `METHOD /path`. A route added to the code
but not to both documents, or documented but not served, fails here."""
import json
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from chatclient import assert_error

REPO = Path(__file__).resolve().parents[2]
DOC_FILE = REPO / "web" / "api" / "openapi.json"
PROTOCOL_MD = REPO / "docs" / "protocol.md"
OAS30_SCHEMA = Path("/usr/share/openapi-specification/schemas/v3.0/schema.json")  # Debian: openapi-specification
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Endpoints that docs/protocol.md says need no bearer token (the rest need one).
PUBLIC = {("POST", "/auth/register"), ("POST", "/auth/login"), ("POST", "/auth/refresh"),
          ("GET", "/ws"), ("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics"),
          ("GET", "/openapi.json"), ("GET", "/docs"), ("GET", "/"), ("GET", "/index.html"),
          ("GET", "/static/{}")}
# The web client's files: the router matches whole segments, so
# static_routes.cpp registers `/static/{p1}`, `/static/{p1}/{p2}`, … (one
# pattern per depth); the documents describe them as one `/static/{path}`.
STATIC_PREFIX = "/static/"


# ---------------------------------------------------------------- docs/protocol.md

def protocol_text():
    """docs/protocol.md of this repository: the client contract."""
    assert PROTOCOL_MD.is_file(), f"{PROTOCOL_MD} is missing"
    return PROTOCOL_MD.read_text(encoding="utf-8")


def template(path):
    """`/conversations/{id}/members/{user_id}` → `/conversations/{}/members/{}`;
    every route under /static/ (any depth) → `/static/{}`."""
    path = re.sub(r"\{[^}/]*\}", "{}", path)
    if path.startswith(STATIC_PREFIX):
        return STATIC_PREFIX + "{}"
    return path


def protocol_endpoints():
    """Every `METHOD /path…` in backticks, query strings dropped: {(METHOD, template)}."""
    found = set()
    for method, target in re.findall(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`\s]*)", protocol_text()):
        found.add((method, template(target.split("?", 1)[0])))
    return found


def protocol_error_codes():
    """{code: status} from the error-code list: `bad_request` (400), …"""
    return {code: int(status) for code, status in
            re.findall(r"`([a-z_]+)` \((\d{3})", protocol_text())}


# ---------------------------------------------------------------- the router's own table

@pytest.fixture(scope="module")
def served_routes(chatnode_bin):
    """[(METHOD, pattern)] as `chatnode --print-routes` prints them."""
    proc = subprocess.run([chatnode_bin, "--print-routes"], capture_output=True, timeout=30)
    assert proc.returncode == 0, proc
    routes = []
    for line in proc.stdout.decode().splitlines():
        m = re.fullmatch(r"([A-Z]+) (/\S*)", line)
        assert m, f"not a `METHOD /pattern` line: {line!r}"
        routes.append((m[1], m[2]))
    assert len(routes) == len(set(routes)), f"a route is listed twice: {routes}"
    return routes


def served_templates(routes):
    """The route table as {(METHOD, template)}; checks the /static/ family on the way."""
    depths = sorted(p.count("/") - 1 for m, p in routes if p.startswith(STATIC_PREFIX))
    assert depths == list(range(1, len(depths) + 1)), \
        f"the /static/ routes should cover depths 1..n, one pattern each: {depths}"
    assert all(re.fullmatch(r"/static(/\{[^}/]+\})+", p) for m, p in routes
               if p.startswith(STATIC_PREFIX)), "a /static/ route with a literal segment"
    return {(m, template(p)) for m, p in routes}


def test_print_routes_lists_the_served_table(served_routes):
    listed = set(served_routes)
    # A few that must be there, in the router's own spelling.
    for route in (("POST", "/auth/login"), ("GET", "/users/{id}"), ("GET", "/ws"),
                  ("DELETE", "/conversations/{id}/members/{user_id}"), ("GET", "/static/{p1}")):
        assert route in listed, f"{route} missing from --print-routes: {sorted(listed)}"
    assert len(listed) >= 30, sorted(listed)


def test_openapi_matches_the_route_table(served_routes):
    spec = json.loads(DOC_FILE.read_text(encoding="utf-8"))
    documented = {(m, template(path)) for m, path, _ in operations(spec)}
    served = served_templates(served_routes)
    assert not sorted(served - documented), \
        f"served but missing from web/api/openapi.json: {sorted(served - documented)}"
    assert not sorted(documented - served), \
        f"in web/api/openapi.json but not served: {sorted(documented - served)}"


def test_protocol_md_matches_the_route_table(served_routes):
    listed = protocol_endpoints()
    served = served_templates(served_routes)
    assert not sorted(served - listed), \
        f"served but not named in docs/protocol.md: {sorted(served - listed)}"
    assert not sorted(listed - served), \
        f"named in docs/protocol.md but not served: {sorted(listed - served)}"


def test_protocol_md_error_codes_match_the_openapi_list():
    spec = json.loads(DOC_FILE.read_text(encoding="utf-8"))
    codes = protocol_error_codes()
    listed = {c["code"]: c["status"] for c in spec["components"]["schemas"]["Error"]["x-codes"]}
    assert codes == listed, f"docs/protocol.md {codes} vs openapi x-codes {listed}"


# ---------------------------------------------------------------- the document

def get(node, path, headers=None):
    return node.call("GET", path, headers=headers)


@pytest.fixture(scope="module")
def spec(node):
    r = get(node, "/openapi.json")
    assert r.status == 200, r
    assert r.headers["Content-Type"].split(";")[0].strip() == "application/json"
    assert isinstance(r.json, dict), "the body is not a JSON object"
    return r.json


def resolve(spec, node):
    """Follows local `$ref`s."""
    for _ in range(20):
        if not isinstance(node, dict) or "$ref" not in node:
            return node
        ref = node["$ref"]
        assert ref.startswith("#/"), f"non-local $ref {ref}"
        target = spec
        for part in ref[2:].split("/"):
            assert part in target, f"dangling $ref {ref}"
            target = target[part]
        node = target
    pytest.fail("a $ref cycle")


def operations(spec):
    """[(METHOD, path, operation)] of the document."""
    return [(m.upper(), path, op) for path, item in spec["paths"].items()
            for m, op in item.items() if m in METHODS]


def schema_name(schema):
    return schema.get("$ref", "").rsplit("/", 1)[-1] if isinstance(schema, dict) else ""


def test_openapi_is_served_without_a_token(node, spec):
    for headers in (None, {"Authorization": "Bearer not-a-token"}):
        r = get(node, "/openapi.json", headers=headers)
        assert r.status == 200, r
        assert r.json == spec
    r = get(node, "/openapi.json")
    assert r.headers["Cache-Control"] == "no-cache"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    etag = r.headers["ETag"]
    again = get(node, "/openapi.json", headers={"If-None-Match": etag})
    assert again.status == 304 and again.raw == b""
    # What is served is the checked-in file, embedded at build time.
    assert r.raw == DOC_FILE.read_bytes(), "the binary embeds another web/api/openapi.json: rebuild"
    assert node.call("POST", "/openapi.json").status == 405


def test_openapi_version_and_basics(spec):
    assert str(spec["openapi"]).startswith("3."), spec.get("openapi")
    assert spec["info"]["title"] and spec["info"]["version"]
    assert "Error" in spec["components"]["schemas"]
    bearer = spec["components"]["securitySchemes"]
    assert any(s.get("type") == "http" and s.get("scheme") == "bearer" for s in bearer.values())
    # Every $ref anywhere points at something.
    todo = [spec]
    while todo:
        x = todo.pop()
        if isinstance(x, dict):
            if "$ref" in x:
                resolve(spec, x)
            todo.extend(x.values())
        elif isinstance(x, list):
            todo.extend(x)


def test_every_protocol_endpoint_is_documented(spec):
    listed = protocol_endpoints()
    assert len(listed) >= 25, f"docs/protocol.md parsing found too few endpoints: {sorted(listed)}"
    documented = {(m, template(path)) for m, path, _ in operations(spec)}
    missing = sorted(listed - documented)
    assert not missing, f"docs/protocol.md endpoints missing from /openapi.json: {missing}"


def test_auth_requirements_follow_the_protocol(spec):
    listed = protocol_endpoints()
    for method, path, op in operations(spec):
        key = (method, template(path))
        if key not in listed:
            continue
        security = op.get("security", spec.get("security", []))
        needs_token = any(req for req in security)
        if key in PUBLIC:
            assert not needs_token, f"{method} {path} needs no token (docs/protocol.md)"
        else:
            assert needs_token, f"{method} {path} needs a bearer token (docs/protocol.md)"
            assert "401" in op["responses"], f"{method} {path} documents no 401"


def test_every_operation_documents_its_errors(spec):
    codes = protocol_error_codes()
    assert {"bad_request", "unauthorized", "forbidden", "not_found", "conflict",
            "payload_too_large", "rate_limited", "unavailable"} <= set(codes), codes
    error_enum = set(resolve(spec, spec["components"]["schemas"]["Error"])
                     ["properties"]["error"]["properties"]["code"]["enum"])
    assert set(codes) <= error_enum, f"Error.code lacks {set(codes) - error_enum}"
    for method, path, op in operations(spec):
        where = f"{method} {path}"
        responses = op.get("responses")
        assert responses, f"{where}: no responses"
        assert any(s.startswith(("1", "2", "3")) for s in responses), f"{where}: no success status"
        for status, response in responses.items():
            response = resolve(spec, response)
            assert response.get("description"), f"{where} {status}: no description"
            if not (status == "default" or status[0] in "45"):
                continue
            if (method, path) == ("GET", "/readyz"):
                continue  # its 503 is the readiness body, not an error
            media = response.get("content", {}).get("application/json")
            assert media and schema_name(media.get("schema")) == "Error", \
                f"{where} {status}: the body is not the Error schema"
            code = (media.get("example") or {}).get("error", {}).get("code")
            if status != "default":
                assert code, f"{where} {status}: no example naming its error code"
                if code in codes:
                    assert codes[code] == int(status), f"{where}: {code} is {codes[code]}, not {status}"
        if op.get("requestBody"):
            for status in ("400", "413"):
                assert status in responses, f"{where} takes a body but documents no {status}"
        if "{" in path:
            assert "404" in responses, f"{where} takes an id but documents no 404"
        if any(req for req in op.get("security", spec.get("security", []))):
            assert "503" in responses, f"{where} needs a session but documents no 503"


def test_request_limits_follow_the_protocol(spec):
    schemas = spec["components"]["schemas"]

    def prop(schema, name):
        s = resolve(spec, resolve(spec, schemas[schema])["properties"][name])
        while "allOf" in s and "type" not in s:
            s = resolve(spec, s["allOf"][0])
        return s

    username = prop("RegisterRequest", "username")
    assert (username["minLength"], username["maxLength"]) == (3, 32)
    assert re.fullmatch(username["pattern"], "alice_2.b-c") and not re.fullmatch(username["pattern"], "Alice")
    password = prop("RegisterRequest", "password")
    assert (password["minLength"], password["maxLength"]) == (8, 256)
    text = prop("PostMessageRequest", "text")
    assert (text["minLength"], text["maxLength"]) == (1, 4096)
    cmid = prop("PostMessageRequest", "client_msg_id")
    assert (cmid["minLength"], cmid["maxLength"]) == (1, 64)
    title = prop("CreateConversationRequest", "title")
    assert (title["minLength"], title["maxLength"]) == (1, 128)
    history = spec["paths"]["/conversations/{id}/messages"]["get"]
    params = {p["name"]: p for p in (resolve(spec, p) for p in history["parameters"])}
    assert {"after", "before", "limit"} <= set(params)
    assert params["limit"]["schema"]["maximum"] == 500 and params["limit"]["schema"]["default"] == 100
    ready = {p["name"] for p in spec["paths"]["/readyz"]["get"]["parameters"]}
    assert "all" in ready
    ws = spec["paths"]["/ws"]["get"]
    assert "ticket" in {resolve(spec, p)["name"] for p in ws["parameters"]}
    assert "101" in ws["responses"] and ws.get("x-websocket", {}).get("clientFrames")
    metrics = spec["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    assert "text/plain" in metrics


def test_document_is_valid_openapi_30(spec):
    """Against the official OpenAPI 3.0 JSON schema, when Debian's copy is installed."""
    try:
        import jsonschema
    except ImportError:
        pytest.skip("python3-jsonschema is not installed")
    if not OAS30_SCHEMA.is_file():
        pytest.skip(f"{OAS30_SCHEMA} is missing (apt-get install openapi-specification)")
    meta = json.loads(OAS30_SCHEMA.read_text())
    errors = sorted(jsonschema.Draft4Validator(meta).iter_errors(spec), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message[:200]}" for e in errors[:10])


# ---------------------------------------------------------------- the page

class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts, self.styles, self.inline_scripts, self.inline_styles = [], [], 0, 0
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "style" in a:
            self.inline_styles += 1
        if tag == "script":
            if a.get("src"):
                self.scripts.append(a["src"])
            else:
                self._in_script = True
        elif tag == "link" and "stylesheet" in (a.get("rel") or ""):
            self.styles.append(a["href"])
        elif tag == "style":
            self.inline_styles += 1

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline_scripts += 1


def _module_imports(path, body):
    base = path.rsplit("/", 1)[0]
    for rel in re.findall(r"""(?:from|import)\s+['"](\.{1,2}/[^'"]+)['"]""", body):
        out = []
        for p in (base + "/" + rel).split("/"):
            if p == "..":
                out.pop()
            elif p != ".":
                out.append(p)
        yield "/".join(out)


def test_docs_page_and_everything_it_loads(node):
    for headers in (None, {"Authorization": "Bearer not-a-token"}):
        r = get(node, "/docs", headers=headers)
        assert r.status == 200, r
    assert r.headers["Content-Type"].startswith("text/html")
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert get(node, "/docs", headers={"If-None-Match": r.headers["ETag"]}).status == 304
    html = r.raw.decode()
    refs = _Refs()
    refs.feed(html)
    # The CSP allows no inline code: everything is a same-origin file.
    assert refs.inline_scripts == 0 and refs.inline_styles == 0
    assert refs.scripts and refs.styles
    bodies = [html]
    seen, todo = set(), list(refs.scripts)
    for href in refs.styles:
        assert href.startswith("/") and not href.startswith("//"), href
        s = get(node, href)
        assert s.status == 200 and s.headers["Content-Type"].startswith("text/css"), (href, s)
        bodies.append(s.raw.decode())
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        assert path.startswith("/") and not path.startswith("//"), path
        s = get(node, path)
        assert s.status == 200, (path, s)
        assert s.headers["Content-Type"].startswith("text/javascript"), path
        body = s.raw.decode()
        bodies.append(body)
        todo.extend(_module_imports(path, body))
    assert len(seen) >= 3  # the page's module and what it imports
    for body in bodies:
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", body, re.I), body[:200]
    # The page renders what it fetches from this node.
    assert any("/openapi.json" in b for b in bodies)


def test_docs_page_renders_in_a_browser(node, spec, browser):
    b = browser("docs", 1200, 900)
    b.d.get(node.base_url + "/docs")
    b.wait(lambda: b.js("return document.body.dataset.ready") in ("true", "error"), "the page to render")
    assert b.js("return document.body.dataset.ready") == "true", b.text_of("#status")
    ops = operations(spec)
    assert len(b.css("section.op")) == len(ops)
    heads = b.js("return [...document.querySelectorAll('.op-head')]"
                 ".map(e => e.textContent.replace(/\\s+/g, ' ').trim())")
    for wanted in ("POST /auth/login", "GET /conversations/{id}/messages", "GET /ws", "GET /openapi.json"):
        assert any(h.startswith(wanted) for h in heads), (wanted, heads[:5])
    login = b.one("#op-post-auth-login")
    assert "No token" in login.text and "401" in login.text and "unauthorized" in login.text
    me = b.one("#op-get-users-me")
    assert "Needs Bearer JWT" in me.text
    # The filter narrows the list.
    b.fill("#filter", "invitation")
    b.wait(lambda: not b.one("#op-post-invitations-id-accept").get_attribute("hidden")
           and b.css("#op-post-auth-login")[0].get_attribute("hidden") is not None, "the filter")
    b.shot("api-docs")
    severe = [e["message"] for e in b.console_errors()]
    assert not severe, severe
