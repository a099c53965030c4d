"""healthz, routing errors (404/405), and HTTP-level limits (413, 431)."""
import http.client
import socket

import pytest

from chatclient import assert_error, unique_name

ONE_MIB = 1024 * 1024


def test_healthz_reports_ok_and_node_id(node):
    resp = node.call("GET", "/healthz")
    assert resp.status == 200, resp
    assert isinstance(resp.json, dict), resp
    assert resp.json["status"] == "ok", resp
    assert resp.json["node"] == "n1", resp


def test_healthz_is_json(node):
    resp = node.call("GET", "/healthz")
    assert "application/json" in (resp.headers.get("Content-Type") or ""), resp.headers


def test_healthz_needs_no_token_and_ignores_a_bad_one(node):
    assert node.call("GET", "/healthz", token="garbage").status == 200


@pytest.mark.parametrize("path", ["/no/such/path", "/auth/registerx", "/api/v1/users",
                                  "/healthz/extra"])
def test_unknown_path_is_404_with_error_body(node, path):
    assert_error(node.call("GET", path), 404, "not_found")


def test_unknown_path_with_post_is_404(node):
    assert_error(node.call("POST", "/no/such/path", {"a": 1}), 404, "not_found")


@pytest.mark.parametrize("method,path", [
    ("POST", "/healthz"),
    ("DELETE", "/healthz"),
    ("GET", "/auth/register"),
    ("GET", "/auth/login"),
    ("PUT", "/auth/refresh"),
])
def test_wrong_method_on_known_path_is_405_with_error_body(node, method, path):
    body = {} if method in ("POST", "PUT") else None
    assert_error(node.call(method, path, body), 405)


def _register_body_of_size(size):
    """A register request body of exactly `size` bytes (its password is far too long)."""
    prefix = '{"username":"%s","password":"' % unique_name()
    suffix = '"}'
    filler = size - len(prefix) - len(suffix)
    assert filler > 0
    body = (prefix + "p" * filler + suffix).encode()
    assert len(body) == size
    return body


def test_body_over_one_mib_is_413(node):
    resp = node.call("POST", "/auth/register", raw_body=_register_body_of_size(ONE_MIB + 1))
    assert_error(resp, 413, "payload_too_large")


def test_body_of_exactly_one_mib_is_not_413(node):
    # 413 is only for a body *over* 1 MiB; this one is merely an invalid registration.
    resp = node.call("POST", "/auth/register", raw_body=_register_body_of_size(ONE_MIB))
    assert_error(resp, 400, "bad_request")


def test_much_larger_body_is_413(node):
    resp = node.call("POST", "/auth/register", raw_body=_register_body_of_size(3 * ONE_MIB))
    assert_error(resp, 413, "payload_too_large")


def test_node_still_serves_after_oversized_body(node):
    node.call("POST", "/auth/register", raw_body=_register_body_of_size(2 * ONE_MIB))
    assert node.call("GET", "/healthz").status == 200


def test_headers_over_16_kib_are_431(node):
    resp = node.call("GET", "/healthz", headers={"X-Padding": "a" * (20 * 1024)})
    assert resp.status == 431, resp


def test_many_headers_over_16_kib_are_431(node):
    headers = {f"X-Pad-{i}": "b" * 1000 for i in range(24)}
    resp = node.call("GET", "/healthz", headers=headers)
    assert resp.status == 431, resp


@pytest.mark.parametrize("size", [4096, 12 * 1024])
def test_headers_under_16_kib_are_accepted(node, size):
    resp = node.call("GET", "/healthz", headers={"X-Padding": "a" * size})
    assert resp.status == 200, resp


def test_keep_alive_connection_serves_several_requests(node):
    conn = http.client.HTTPConnection("127.0.0.1", node.http_port, timeout=10)
    try:
        for _ in range(3):
            conn.request("GET", "/healthz")
            resp = conn.getresponse()
            resp.read()
            assert resp.status == 200
    finally:
        conn.close()


def test_garbage_request_line_does_not_kill_the_node(node):
    with socket.create_connection(("127.0.0.1", node.http_port), timeout=5) as s:
        s.sendall(b"\x00\x01\x02 not http at all\r\n\r\n")
        try:
            s.recv(1024)
        except OSError:
            pass
    assert node.call("GET", "/healthz").status == 200
