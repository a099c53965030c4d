"""The web client's files as served by chatnode (no browser needed): `/`,
`/static/…`, content types, revalidation, 404s, and no other host referenced."""
import re

from chatclient import assert_error


def get(node, path, headers=None):
    return node.call("GET", path, headers=headers)


def test_index_is_served_without_a_token(node):
    r = get(node, "/")
    assert r.status == 200
    assert r.headers["Content-Type"].startswith("text/html")
    assert r.headers["Cache-Control"] == "no-cache"
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    html = r.raw.decode()
    assert '<script type="module" src="/static/js/main.js">' in html
    assert get(node, "/index.html").raw == r.raw


def test_every_referenced_file_is_served_with_its_type(node):
    html = get(node, "/").raw.decode()
    main = get(node, "/static/js/main.js")
    assert main.status == 200
    assert main.headers["Content-Type"].startswith("text/javascript")
    css = get(node, "/static/css/app.css")
    assert css.status == 200 and css.headers["Content-Type"].startswith("text/css")
    # Every module import resolves, recursively.
    seen, todo = set(), ["/static/js/main.js"]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        r = get(node, path)
        assert r.status == 200, path
        base = path.rsplit("/", 1)[0]
        for rel in re.findall(r"""from\s+['"](\.{1,2}/[^'"]+)['"]""", r.raw.decode()):
            parts = (base + "/" + rel).split("/")
            out = []
            for p in parts:
                if p == "..":
                    out.pop()
                elif p != ".":
                    out.append(p)
            todo.append("/".join(out))
    assert len(seen) >= 8
    assert "/static/css/app.css" in html


def test_no_other_host_is_referenced(node):
    html = get(node, "/").raw.decode()
    bodies = [html, get(node, "/static/css/app.css").raw.decode()]
    for name in ("main", "api", "socket", "store", "dom"):
        bodies.append(get(node, f"/static/js/{name}.js").raw.decode())
    for body in bodies:
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", body, re.I), body[:200]


def test_etag_revalidation(node):
    r = get(node, "/static/js/api.js")
    etag = r.headers["ETag"]
    assert etag.startswith('"')
    again = get(node, "/static/js/api.js", headers={"If-None-Match": etag})
    assert again.status == 304
    assert again.raw == b""
    other = get(node, "/static/js/api.js", headers={"If-None-Match": '"nope"'})
    assert other.status == 200


def test_unknown_static_path_is_a_json_404(node):
    for path in ("/static/nope.js", "/static/js/nope.js", "/static/js/views/nope.js",
                 "/static/../index.html", "/static/a/b/c/d/e"):
        r = get(node, path)
        assert_error(r, 404, "not_found")
    r = node.call("POST", "/")
    assert r.status == 405
