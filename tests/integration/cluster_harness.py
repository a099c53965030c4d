"""A cluster of real `chatnode` processes on free loopback ports (used by conftest.py).

Every node reads one shared `cluster.conf` and one secret file in a temp dir;
node i of the config is `n{i+1}`. Shard s belongs to the node at position
(s mod N) in the config, and every id names its shard (`<kind>_<4 hex><20>`),
so a test knows which node owns any id (`owner_of`).

Readiness (docs/protocol.md "Operations"): `GET /readyz` answers 200
`{"status":"ready","node","missing":[unreachable peer ids]}` while the node
serves (a load balancer keeps sending it clients even with a peer down);
`GET /readyz?all=1` answers 503 `{"status":"unready","node","missing":[…]}`
while any peer is unreachable, 200 when all are connected.
"""
import socket
import threading
import time

import pytest

from chatclient import (PASSWORD, Account, Client, accept_invitation_to, create_conversation,
                        invite, login, register, unique_name)
from harness import Node, tail, write_cluster_config, write_secret

READY_TIMEOUT = 30.0


def free_ports(n):
    """n distinct free loopback ports (all held open until every one is chosen)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _answers_healthz(node):
    try:
        return node.api.call("GET", "/healthz").status == 200
    except OSError:
        return False


def shard_of(any_id):
    """The shard an id names: its 4 hex digits after the prefix."""
    return int(any_id[2:6], 16)


def readyz(node, all_nodes=False):
    """(status, missing list or None) of GET /readyz (?all=1 with all_nodes);
    (None, None) if nothing answers."""
    try:
        resp = node.api.call("GET", "/readyz?all=1" if all_nodes else "/readyz")
    except OSError:
        return None, None
    missing = resp.json.get("missing") if isinstance(resp.json, dict) else None
    return resp.status, missing


def readiness(node):
    """What both readiness probes of a node say: ((status, missing) of /readyz,
    (status, status field, missing) of /readyz?all=1)."""
    try:
        one = node.api.call("GET", "/readyz")
        every = node.api.call("GET", "/readyz?all=1")
    except OSError:
        return None

    def field(resp, name):
        return resp.json.get(name) if isinstance(resp.json, dict) else None

    return ((one.status, field(one, "missing")),
            (every.status, field(every, "status"), field(every, "missing")))


class Cluster:
    """N chatnode processes sharing one config and secret in `workdir`."""

    def __init__(self, binary, workdir, size=3, extra_cluster="", extra_node=""):
        self.dir = workdir
        self.extra_cluster = extra_cluster
        self.extra_node = extra_node
        self.secret_path = write_secret(workdir)
        specs = self._pick_ports(size)
        self.nodes = [Node(binary, workdir, node_id=s["id"], config_path=self.config_path,
                           secret_path=self.secret_path, http_port=s["http_port"],
                           cluster_port=s["cluster_port"]) for s in specs]

    def _pick_ports(self, size):
        """Free ports for every node and the shared config that lists them."""
        ports = free_ports(2 * size)
        specs = [{"id": f"n{i + 1}", "http_port": ports[2 * i],
                  "cluster_port": ports[2 * i + 1]} for i in range(size)]
        self.config_path = write_cluster_config(self.dir, specs,
                                                extra_cluster=self.extra_cluster,
                                                extra_node=self.extra_node)
        return specs

    def _port_taken_at_start(self):
        """True when a node never came up and exited because a port of the
        config was taken after free_ports() chose it (another process, e.g. a
        test module running in parallel, bound it or used it as a source port)."""
        return any(n.proc is not None and n.proc.poll() is not None and not n.was_healthy
                   and " in use" in tail(n.log_path, lines=5) for n in self.nodes)

    def _move_ports(self):
        """Stops every node, picks new ports for all and rewrites the config."""
        for n in self.nodes:
            if n.running:
                n.proc.kill()
                n.proc.wait()
        specs = self._pick_ports(len(self.nodes))
        for n, s in zip(self.nodes, specs):
            n.http_port, n.cluster_port = s["http_port"], s["cluster_port"]
            n.api = Client("127.0.0.1", n.http_port)

    def __getitem__(self, i):
        return self.nodes[i]

    def __iter__(self):
        return iter(self.nodes)

    def __len__(self):
        return len(self.nodes)

    def node(self, node_id):
        return next(n for n in self.nodes if n.node_id == node_id)

    @property
    def secret(self):
        return self.nodes[0].secret

    # -- placement
    def owner_of(self, any_id):
        """The node owning the id's shard."""
        return self.nodes[shard_of(any_id) % len(self.nodes)]

    def others(self, *excluded):
        return [n for n in self.nodes if n not in excluded]

    # -- lifecycle
    def start(self):
        """Starts every node at once, then waits for each /healthz and for
        every node to see all its peers (/readyz?all=1 200, nothing missing)."""
        for attempt in range(3):
            for n in self.nodes:
                n.start(wait=False)
            # A node that cannot bind exits at once; give it that moment.
            deadline = time.monotonic() + 1.0
            while time.monotonic() < deadline and not self._port_taken_at_start():
                if all(_answers_healthz(n) for n in self.nodes):
                    break
                time.sleep(0.05)
            if attempt < 2 and self._port_taken_at_start():
                self._move_ports()
                continue
            break
        for n in self.nodes:
            n.wait_healthy()
        self.wait_ready()

    def wait_ready(self, nodes=None, timeout=READY_TIMEOUT):
        """Waits until every node (default: all) answers /readyz?all=1 with 200
        and `missing` empty (it sees all its peers); returns the seconds it
        took. Fails with each node's last answer and log tail otherwise."""
        nodes = list(nodes or self.nodes)
        t0 = time.monotonic()
        deadline = t0 + timeout
        while True:
            states = {n.node_id: readyz(n, all_nodes=True) for n in nodes}
            if all(s == (200, []) for s in states.values()):
                return time.monotonic() - t0
            for n in nodes:
                if not n.running:
                    pytest.fail(f"{n.node_id} exited with {n.proc.returncode} while waiting "
                                f"for the cluster; log tail:\n{tail(n.log_path)}", pytrace=False)
            if time.monotonic() > deadline:
                pytest.fail(f"the cluster was not ready within {timeout:.0f} s; /readyz?all=1 "
                            f"(status, missing): {states}\n{self.log_tails()}", pytrace=False)
            time.sleep(0.05)

    def wait_missing(self, observers, expected, timeout):
        """Waits until every observer's probes name exactly the peers `expected`:
        /readyz 200 with that `missing` (the observer still serves), and
        /readyz?all=1 503 "unready" with that `missing`. Returns the seconds it
        took, or fails with the last answers."""
        want = ((200, expected), (503, "unready", expected))
        t0 = time.monotonic()
        deadline = t0 + timeout
        while True:
            states = {n.node_id: readiness(n) for n in observers}
            if all(s == want for s in states.values()):
                return time.monotonic() - t0
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"within {timeout} s the probes did not name {expected}; wanted "
                    f"{want} = ((/readyz status, missing), (/readyz?all=1 status, "
                    f"status field, missing)), got per node: {states}")
            time.sleep(0.05)

    def kill9(self, node):
        node.kill9()

    def pause(self, node):
        node.pause()

    def resume(self, node):
        node.resume()

    def restart(self, node):
        """Stops the node gracefully (exit 0 expected), starts it again on the
        same data dir and ports, and waits until the whole cluster is ready."""
        node.stop_clean()
        node.start()
        self.wait_ready()

    def stop_all_clean(self):
        """SIGTERM to every running node at once (a paused one is continued);
        each must exit 0. A node the test killed and left down is skipped; one
        that exited by itself is a failure."""
        threads, codes = [], {}

        def stop(n):
            was_running = n.running
            try:
                codes[n.node_id] = (n.stop(), was_running)
            except BaseException as e:  # noqa: BLE001 - reported below
                codes[n.node_id] = (repr(e), was_running)

        for n in self.nodes:
            if n.proc is None or n.killed:
                continue
            t = threading.Thread(target=stop, args=(n,))
            t.start()
            threads.append(t)
        for t in threads:
            t.join()
        bad = {k: v for k, v in codes.items() if v[0] != 0}
        assert not bad, "nodes did not exit 0 on SIGTERM: " + ", ".join(
            f"{k}: {code} ({'after SIGTERM' if was else 'exited on its own before'})"
            for k, (code, was) in bad.items()) + "\n" + self.log_tails()

    # -- logs
    def log_tails(self, lines=25):
        return "\n".join(f"--- {n.node_id} log tail:\n{tail(n.log_path, lines)}"
                         for n in self.nodes)

    # -- accounts
    def account(self, via, home=None):
        """A new account (registered and logged in through node `via`, whose
        Client it then uses). With `home`, registers users until one's home node
        (the owner of its user id) is `home`; the others stay unused."""
        for _ in range(200):
            username = unique_name()
            user = register(via.api, username)
            if home is None or self.owner_of(user["id"]) is home:
                return Account(via.api, username, PASSWORD, user,
                               login(via.api, username))
        raise AssertionError(f"no user homed on {home.node_id} in 200 registrations")


def via(acct, node):
    """The same account and session, talking to `node`."""
    return Account(node.api, acct.username, acct.password, acct.user, acct.tokens)


def conversation_owned_by(cluster, owner, creator, title="a room", tries=60):
    """Creates group conversations as `creator` until one's id is owned by
    node `owner`; returns it. (The others stay, empty and unused.)"""
    for _ in range(tries):
        conv = create_conversation(creator, title)
        if cluster.owner_of(conv["id"]) is owner:
            return conv
    raise AssertionError(f"no conversation owned by {owner.node_id} in {tries} tries")


def group_owned_by(cluster, owner, creator, *members, title="a room"):
    """A group conversation owned by node `owner`, created by `creator`, that
    every account in `members` has joined (invited, then accepted, each through
    its own node). Returns the conversation id."""
    conv = conversation_owned_by(cluster, owner, creator, title)["id"]
    for m in members:
        invite(creator, conv, m)
        accept_invitation_to(m, conv)
    return conv
