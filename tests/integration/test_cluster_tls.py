"""TLS on the cluster port (docs/architecture.md "The cluster port"): with
`tls_ca` in [cluster] and a `tls_cert`/`tls_key` per node, nodes (and chatctl)
talk over mutual TLS 1.2+, every peer's certificate checked against the CA,
and the cluster secret's handshake runs inside it. The certificates are made
by scripts/make-certs.sh from the test's own cluster.conf.

A peer with a certificate from another CA, or a node without the TLS
settings, never joins and the logs say why."""
import json
import shutil
import subprocess
import time

import pytest

from chatclient import post_message
from chatctl_driver import run
from cluster_harness import group_owned_by, readyz, via
from conftest import _spawn_cluster
from harness import REPO, Node, chatnode_binary

TLS_CLUSTER = "tls_ca = tls/ca.pem\n"
TLS_NODE = "tls_cert = tls/{id}.pem\ntls_key = tls/{id}.key\n"
REJOIN_LIMIT = 8.0      # a node back after kill -9: /readyz?all=1 200 everywhere within this
REFUSAL_SEEN = 5.0      # the refusal's log line appears within this


def make_certs(config_path):
    proc = subprocess.run(["bash", str(REPO / "scripts" / "make-certs.sh"), str(config_path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def tls_cluster(tmp_path_factory):
    if not shutil.which("openssl"):
        pytest.fail("openssl not found (scripts/install-deps.sh installs it)", pytrace=False)
    c = _spawn_cluster(tmp_path_factory.mktemp("tls"), extra_cluster=TLS_CLUSTER,
                       extra_node=TLS_NODE, prepare=lambda c: make_certs(c.config_path))
    yield c
    c.stop_all_clean()


def log_entries(node, since=0):
    """The node's JSON log lines (those after the first `since` lines)."""
    out = []
    for line in node.log_text().splitlines()[since:]:
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out


def wait_for_log(node, predicate, within, since=0):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = [e for e in log_entries(node, since) if predicate(e)]
        if found:
            return found[0]
        time.sleep(0.1)
    return None


def line_count(node):
    return len(node.log_text().splitlines())


def s_client(port, *args):
    proc = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", *args],
                          input="", capture_output=True, text=True, timeout=15)
    return proc.stdout + proc.stderr


def test_peers_are_admitted_over_tls(tls_cluster):
    for n in tls_cluster:
        admitted = [e for e in log_entries(n) if e.get("msg") == "peer admitted"]
        assert all(e.get("tls") is True for e in admitted), admitted
    # n2 and n3 are dialed by the nodes listed before them
    assert wait_for_log(tls_cluster[2], lambda e: e.get("msg") == "peer admitted", 1.0)


def test_cross_node_chat_over_tls(tls_cluster, ws_open):
    n1, n2, n3 = tls_cluster
    a = tls_cluster.account(n1)
    b = tls_cluster.account(n3)
    conv = group_owned_by(tls_cluster, n2, a, b, title="over TLS")
    wa, wb = ws_open(n1, a, "a@n1"), ws_open(n3, b, "b@n3")
    resp = post_message(a, conv, "encrypted between nodes")     # via n1, owned by n2
    assert resp.status == 201, resp
    for ws in (wa, wb):
        ws.expect("message", conv=conv, seq=1, text="encrypted between nodes")
    got = via(b, n2).call("GET", f"/conversations/{conv}/messages").json["messages"]
    assert got[0]["text"] == "encrypted between nodes"


def test_chatctl_speaks_tls(tls_cluster):
    res = run(tls_cluster.config_path, "nodes", as_json=True)
    assert res.code == 0, res
    assert res.seconds < 5, res
    text = json.dumps(res.doc)
    for n in tls_cluster:
        assert n.node_id in text, res


def test_the_cluster_port_offers_tls12_and_up_only(tls_cluster):
    port = tls_cluster[0].cluster_port
    out = s_client(port, "-tls1_2")
    assert "Protocol  : TLSv1.2" in out or "TLSv1.2" in out, out
    assert "subject=CN = n1" in out, out                 # the node's own certificate
    assert "Client Certificate Types" in out, out        # and it asks for ours (mutual TLS)
    # TLS 1.1 is refused by the server (the client is allowed to try it)
    old = s_client(port, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0")
    assert "Server certificate" not in old, old
    assert "Cipher is (NONE)" in old or "alert protocol version" in old, old


def replace_node(cluster, node, config_text, workdir):
    """Kills `node` and starts another process in its place (same id and
    ports, another config): returns that Node, started (healthy)."""
    conf = cluster.dir / f"{workdir}.conf"       # beside cluster.conf: same data dirs
    conf.write_text(config_text)
    d = cluster.dir / workdir
    d.mkdir()
    cluster.kill9(node)
    other = Node(chatnode_binary(), d, node_id=node.node_id, config_path=conf,
                 secret_path=cluster.secret_path, http_port=node.http_port,
                 cluster_port=node.cluster_port)
    other.start()
    return other


def bring_back(cluster, node, impostor):
    impostor.kill9()
    node.start()
    cluster.wait_ready(timeout=REJOIN_LIMIT * 2)


def test_a_certificate_from_another_ca_is_refused(tls_cluster):
    n1, n2, n3 = tls_cluster
    # Another CA and a certificate for "n1" signed by it…
    rogue = tls_cluster.dir / "rogue"
    rogue.mkdir()
    rogue_conf = rogue / "cluster.conf"
    rogue_conf.write_text(tls_cluster.config_path.read_text())
    make_certs(rogue_conf)
    # …presented by an n1 that trusts the real CA (so it accepts n2's and
    # n3's certificates: only theirs is checked here).
    text = tls_cluster.config_path.read_text().replace(
        "tls_cert = tls/n1.pem\ntls_key = tls/n1.key",
        f"tls_cert = {rogue}/tls/n1.pem\ntls_key = {rogue}/tls/n1.key")
    seen = {n.node_id: line_count(n) for n in (n2, n3)}
    impostor = replace_node(tls_cluster, n1, text, "rogue-n1")
    try:
        for n in (n2, n3):
            entry = wait_for_log(n, lambda e: "rejected" in e.get("msg", "")
                                 and "certificate verify failed" in e.get("reason", ""),
                                 REFUSAL_SEEN, since=seen[n.node_id])
            assert entry, f"{n.node_id} logged no refusal of the other CA's certificate:\n" \
                          + "\n".join(n.log_text().splitlines()[-10:])
            assert readyz(n, all_nodes=True) == (503, ["n1"]), n
        assert readyz(impostor, all_nodes=True)[0] == 503
    finally:
        bring_back(tls_cluster, n1, impostor)


def test_a_node_without_tls_cannot_join(tls_cluster):
    n1, n2, n3 = tls_cluster
    plain = "".join(line + "\n" for line in tls_cluster.config_path.read_text().splitlines()
                    if not line.startswith("tls_"))
    seen = line_count(n1)
    impostor = replace_node(tls_cluster, n3, plain, "plain-n3")
    try:
        # n1 dials it over TLS: the plain node says what is wrong, and so does n1
        entry = wait_for_log(impostor, lambda e: "rejected" in e.get("msg", "")
                             and "speaks TLS" in e.get("reason", ""), REFUSAL_SEEN)
        assert entry, "the node without TLS did not log why it refused a TLS peer:\n" \
                      + impostor.log_text()[-2000:]
        entry = wait_for_log(n1, lambda e: e.get("msg") == "cannot reach peer"
                             and e.get("peer") == "n3" and "TLS" in e.get("error", ""),
                             REFUSAL_SEEN, since=seen)
        assert entry, "n1 did not log why it cannot reach the plain n3"
        assert readyz(n1, all_nodes=True) == (503, ["n3"])
        assert readyz(impostor, all_nodes=True)[0] == 503
    finally:
        bring_back(tls_cluster, n3, impostor)


def test_kill9_and_rejoin_over_tls(tls_cluster):
    n1, n2, n3 = tls_cluster
    tls_cluster.kill9(n2)
    tls_cluster.wait_missing([n1, n3], ["n2"], 5.0)
    n2.start()
    took = tls_cluster.wait_ready(timeout=REJOIN_LIMIT)
    assert took < REJOIN_LIMIT
    res = run(tls_cluster.config_path, "nodes", as_json=True)
    assert res.code == 0, res


def test_a_node_without_tls_among_tls_nodes_says_why(tls_cluster):
    n1, n2, n3 = tls_cluster
    # a plain n1 dials n2 and n3, which wait for a TLS handshake that never comes
    plain = "".join(line + "\n" for line in tls_cluster.config_path.read_text().splitlines()
                    if not line.startswith("tls_"))
    seen = line_count(n2)
    impostor = replace_node(tls_cluster, n1, plain, "plain-n1")
    try:
        entry = wait_for_log(impostor, lambda e: e.get("msg") == "cannot reach peer"
                             and "TLS-only" in e.get("error", ""), REFUSAL_SEEN)
        assert entry, "the node without TLS did not log why it cannot reach its peers:\n" \
                      + impostor.log_text()[-2000:]
        entry = wait_for_log(n2, lambda e: "rejected" in e.get("msg", "")
                             and "TLS handshake" in e.get("reason", ""), REFUSAL_SEEN, since=seen)
        assert entry, "n2 did not log why it dropped the plain peer"
        assert readyz(n2, all_nodes=True) == (503, ["n1"])
    finally:
        bring_back(tls_cluster, n1, impostor)
