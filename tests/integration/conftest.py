"""pytest fixtures: nodes started by harness.py (see README.md)."""
import pytest

from harness import Node, chatnode_binary


def _spawn(tmp_dir, extra_args=()):
    node = Node(chatnode_binary(), tmp_dir, extra_args=extra_args)
    node.start()
    return node


@pytest.fixture(scope="session")
def chatnode_bin():
    return chatnode_binary()


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    """A node shared by the tests of one module (fast; tests use unique users)."""
    n = _spawn(tmp_path_factory.mktemp("node"))
    yield n
    n.stop_clean()


@pytest.fixture
def fresh_node(tmp_path):
    """A node of its own, for restart / kill -9 tests."""
    n = _spawn(tmp_path)
    yield n
    n.stop_clean()


@pytest.fixture
def node_factory(tmp_path):
    """Start nodes with extra command-line arguments; all are stopped (exit 0) at the end."""
    started = []

    def make(extra_args=()):
        d = tmp_path / f"node{len(started)}"
        d.mkdir()
        n = _spawn(d, extra_args)
        started.append(n)
        return n

    yield make
    for n in started:
        n.stop_clean()
