"""pytest fixtures: nodes started by harness.py (see README.md)."""
import pytest

from harness import Node, chatnode_binary


def _spawn(tmp_dir, extra_args=(), extra_cluster=""):
    node = Node(chatnode_binary(), tmp_dir, extra_args=extra_args, extra_cluster=extra_cluster)
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
    """Start nodes with extra command-line arguments and/or extra `[cluster]`
    config lines (e.g. "ticket_ttl = 1\n"); all are stopped (exit 0) at the end."""
    started = []

    def make(extra_args=(), extra_cluster=""):
        d = tmp_path / f"node{len(started)}"
        d.mkdir()
        n = _spawn(d, extra_args, extra_cluster)
        started.append(n)
        return n

    yield make
    for n in started:
        n.stop_clean()


def _spawn_cluster(tmp_dir, size=3, extra_cluster="", extra_node="", prepare=None):
    """Starts a cluster; `prepare(cluster)` runs once its config is written
    (e.g. to create TLS certificates)."""
    from cluster_harness import Cluster
    c = Cluster(chatnode_binary(), tmp_dir, size=size, extra_cluster=extra_cluster,
                extra_node=extra_node)
    if prepare:
        prepare(c)
    try:
        c.start()
    except BaseException:
        for n in c:           # the failure is reported already: leave nothing behind
            if n.running:
                n.kill9()
        raise
    return c


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Three nodes (n1, n2, n3: one config, one secret) shared by the tests of
    one module that leave every node running; all must exit 0 on SIGTERM."""
    c = _spawn_cluster(tmp_path_factory.mktemp("cluster"))
    yield c
    c.stop_all_clean()


@pytest.fixture
def fresh_cluster(tmp_path):
    """Three nodes of their own, for tests that kill, pause or restart nodes.
    At the end every node still running must exit 0 on SIGTERM."""
    c = _spawn_cluster(tmp_path)
    yield c
    c.stop_all_clean()


@pytest.fixture
def ws_open():
    """Opens WebSocket clients (ws_client.WSClient) that are closed at teardown:
    ws_open(node, account, name="", wait_hello=True)."""
    from ws_client import open_ws
    opened = []

    def make(node, acct, name="", wait_hello=True):
        c = open_ws(node, acct, name=name, wait_hello=wait_hello)
        opened.append(c)
        return c

    yield make
    for c in opened:
        c.close()


@pytest.fixture
def browser():
    """Opens headless Chromium windows (browser.Browser): browser(name, width, height);
    all are closed at teardown. Skips when chromium, chromedriver or selenium is missing."""
    from browser import Browser, find_tools
    binary, driver = find_tools()
    opened = []

    def make(name="b", width=1100, height=760):
        b = Browser(binary, driver, name, width, height)
        opened.append(b)
        return b

    yield make
    for b in opened:
        b.quit()
