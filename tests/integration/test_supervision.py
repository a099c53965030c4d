"""Node-wide actors are supervised (src/actors/supervisor.hpp): when one of
them dies the node logs which and why, and exits non-zero at once instead of
lingering half-alive; /readyz probes them. Each actor is killed through the
`--test-hooks` route, on a fresh node."""
import time

import pytest

from harness import Node, chatnode_binary

NODE_ACTORS = ["directory", "relay", "authority", "admin", "peer_manager"]
EX_SOFTWARE = 70


def start_node(tmp_path, test_hooks=True):
    node = Node(chatnode_binary(), tmp_path, extra_args=["--test-hooks"] if test_hooks else [])
    node.start()
    return node


def wait_exit(node, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        code = node.proc.poll()
        if code is not None:
            return code
        time.sleep(0.05)
    return None


@pytest.mark.parametrize("actor", NODE_ACTORS)
def test_a_dead_node_actor_stops_the_node_with_a_clear_cause(tmp_path, actor):
    node = start_node(tmp_path)
    try:
        r = node.call("GET", "/readyz")
        assert r.status == 200, r
        r = node.call("POST", f"/_test/kill/{actor}")
        assert r.status == 202, r
        code = wait_exit(node)
        assert code == EX_SOFTWARE, f"exit code {code}; log:\n{node.log_text()[-2000:]}"
        log = node.log_text()
        assert "a node actor died; stopping the node" in log
        assert f'"actor":"{actor}"' in log.replace(" ", ""), log[-2000:]
    finally:
        if node.proc.poll() is None:
            node.proc.kill()
            node.proc.wait()


def test_readyz_reports_no_stuck_actor_on_a_healthy_node(tmp_path):
    node = start_node(tmp_path)
    try:
        time.sleep(1.5)  # at least one probe round
        r = node.call("GET", "/readyz")
        assert r.status == 200, r
        assert "stuck" not in r.json
    finally:
        node.stop_clean()


def test_an_unknown_actor_name_is_refused(tmp_path):
    node = start_node(tmp_path)
    try:
        r = node.call("POST", "/_test/kill/nobody")
        assert r.status == 404, r
        assert node.running
    finally:
        node.stop_clean()


def test_the_hook_does_not_exist_without_the_flag(tmp_path):
    node = start_node(tmp_path, test_hooks=False)
    try:
        r = node.call("POST", "/_test/kill/directory")
        assert r.status == 404, r
        assert node.running
    finally:
        node.stop_clean()
