"""Starts real `chatnode` processes on free loopback ports (used by conftest.py).

The binary comes from $CHATNODE_BIN (CTest sets it), else <repo>/build/src/chatnode.
A missing binary fails every test that needs it, with a clear message.
"""
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from chatclient import Client

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT = 20.0
STOP_TIMEOUT = 20.0


def chatnode_binary():
    path = os.environ.get("CHATNODE_BIN") or str(REPO / "build" / "src" / "chatnode")
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        pytest.fail(f"chatnode binary not found or not executable: {path} "
                    f"(build it, or set CHATNODE_BIN)", pytrace=False)
    return path


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_secret(directory, name="cluster.secret"):
    """A 64-character random secret (hex text, no newline), mode 0600."""
    path = Path(directory) / name
    # Created 0600 (never readable by others, even for a moment): a node
    # refuses a secret file that group or others may read.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_hex(32))
    os.chmod(path, 0o600)
    return path


def write_config(directory, http_port, cluster_port, node_id="n1",
                 secret_file="cluster.secret", data_dir=None, extra_cluster=""):
    """A one-node cluster.conf in `directory`."""
    return write_cluster_config(
        directory, [{"id": node_id, "http_port": http_port, "cluster_port": cluster_port,
                     "data_dir": data_dir or f"data/{node_id}"}],
        secret_file=secret_file, extra_cluster=extra_cluster)


def write_cluster_config(directory, nodes, secret_file="cluster.secret", extra_cluster="",
                         extra_node=""):
    """A cluster.conf in `directory` listing `nodes` (dicts with id, http_port,
    cluster_port and optionally data_dir, default data/<id>) in this order:
    the order decides which node owns which shard. `extra_node` is added to
    every node section, with {id} replaced by the node's id (e.g. its
    tls_cert)."""
    text = (
        "[cluster]\n"
        "shards = 256\n"
        f"secret_file = {secret_file}   ; relative to this file's directory\n"
        "password_cost = min            ; fast hashing for tests\n"
        f"{extra_cluster}"
    )
    for n in nodes:
        text += (
            "\n"
            f"[{n['id']}]\n"
            "host = 127.0.0.1\n"
            f"cluster_port = {n['cluster_port']}\n"
            f"http_port = {n['http_port']}\n"
            f"data_dir = {n.get('data_dir') or 'data/' + n['id']}\n"
            + extra_node.replace("{id}", n["id"])
        )
    path = Path(directory) / "cluster.conf"
    path.write_text(text)
    return path


def tail(path, lines=40):
    try:
        text = Path(path).read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


class Node:
    """One chatnode process with its own temp dir: by default a one-node cluster
    (node id n1, its own secret and config). A node of a larger cluster passes
    the shared `config_path`, `secret_path` and its ports (cluster_harness.py)."""

    def __init__(self, binary, workdir, node_id="n1", extra_args=(), extra_cluster="",
                 config_path=None, secret_path=None, http_port=None, cluster_port=None):
        self.binary = binary
        self.dir = Path(workdir)
        self.node_id = node_id
        self.extra_args = list(extra_args)
        self.http_port = http_port or free_port()
        self.cluster_port = cluster_port or free_port()
        self.owns_config = config_path is None
        self.extra_cluster = extra_cluster
        if self.owns_config:
            self.secret_path = write_secret(self.dir)
            self.config_path = write_config(self.dir, self.http_port, self.cluster_port,
                                            node_id, extra_cluster=extra_cluster)
            log_name = "chatnode"
        else:
            self.secret_path = Path(secret_path)
            self.config_path = Path(config_path)
            log_name = node_id
        self.data_dir = self.dir / "data" / node_id
        self.cwd = self.dir / "cwd"      # not the config's dir: relative paths must not use it
        self.cwd.mkdir(exist_ok=True)
        self.log_path = self.dir / f"{log_name}.log"        # stderr
        self.stdout_path = self.dir / f"{log_name}.stdout"
        self.api = Client("127.0.0.1", self.http_port)
        self.proc = None
        self.paused = False
        self.killed = False      # stopped by kill9() (not restarted since)
        self.starts = 0
        self.was_healthy = False  # answered /healthz at least once
        self.preexec_fn = None    # run in the child before exec (e.g. to set rlimits)

    def __repr__(self):
        return f"<Node {self.node_id} :{self.http_port}>"

    # -- conveniences
    @property
    def base_url(self):
        return self.api.base_url

    def call(self, *args, **kw):
        return self.api.call(*args, **kw)

    @property
    def secret(self):
        """The secret as the server reads it (file bytes, surrounding white space trimmed)."""
        return self.secret_path.read_bytes().strip()

    def log_text(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    # -- lifecycle
    def command(self):
        return [self.binary, "--config", str(self.config_path), "--node", self.node_id,
                *self.extra_args]

    def start(self, wait=True):
        """Starts the process; with `wait`, until GET /healthz answers 200."""
        assert self.proc is None or self.proc.poll() is not None, "already running"
        with open(self.log_path, "ab") as err, open(self.stdout_path, "ab") as out:
            self.proc = subprocess.Popen(self.command(), stdout=out, stderr=err,
                                         stdin=subprocess.DEVNULL, cwd=self.cwd,
                                         preexec_fn=self.preexec_fn)
        self.paused = False
        self.killed = False
        self.starts += 1
        if wait:
            self.wait_healthy()

    def port_taken_meanwhile(self):
        # Ports move only before the node first came up: a restart must keep them.
        return (self.owns_config and not self.was_healthy
                and " in use" in tail(self.log_path, lines=5))

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_healthy(self):
        deadline = time.monotonic() + START_TIMEOUT
        port_retries = 3
        while True:
            code = self.proc.poll()
            if code is not None and self.port_taken_meanwhile() and port_retries > 0:
                # free_port() only found the port free: another process (an
                # outgoing connection's source port, a parallel test) may
                # have taken it since. Only a node owning its config moves.
                port_retries -= 1
                self.http_port, self.cluster_port = free_port(), free_port()
                self.config_path = write_config(self.dir, self.http_port, self.cluster_port,
                                                self.node_id, extra_cluster=self.extra_cluster)
                self.api = Client("127.0.0.1", self.http_port, ssl_context=self.api.ssl_context)
                self.start(wait=False)
                deadline = time.monotonic() + START_TIMEOUT
                continue
            if code is not None:
                pytest.fail(f"chatnode exited with {code} while starting; log tail:\n"
                            f"{tail(self.log_path)}", pytrace=False)
            try:
                if self.api.call("GET", "/healthz").status == 200:
                    self.was_healthy = True
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.proc.kill()
                self.proc.wait()
                pytest.fail(f"chatnode did not answer GET /healthz with 200 within "
                            f"{START_TIMEOUT:.0f} s; log tail:\n{tail(self.log_path)}",
                            pytrace=False)
            time.sleep(0.05)

    def stop(self):
        """SIGTERM and wait; returns the exit code (None if it was not running).
        A paused (SIGSTOPped) process is continued after the SIGTERM."""
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        if self.paused:
            self.resume()
        try:
            return self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            stacks = self.save_stacks()
            self.proc.kill()
            self.proc.wait()
            pytest.fail(f"chatnode did not exit within {STOP_TIMEOUT:.0f} s of SIGTERM{stacks}; "
                        f"log tail:\n{tail(self.log_path)}", pytrace=False)

    def save_stacks(self):
        """Every thread's stack of a node that will not stop, beside its log
        (when gdb is installed): a hang is then diagnosable from the artifacts."""
        gdb = shutil.which("gdb")
        if not gdb:
            return ""
        out = self.log_path.with_suffix(".stacks.txt")
        try:
            with open(out, "w") as f:
                subprocess.run([gdb, "-p", str(self.proc.pid), "-batch", "-ex", "thread apply all bt"],
                               stdout=f, stderr=subprocess.STDOUT, timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return f" (thread stacks in {out})"


    def stop_clean(self):
        """SIGTERM; the process must exit with code 0."""
        was_running = self.proc is not None and self.proc.poll() is None
        code = self.stop()
        assert code == 0, (f"chatnode exited with {code} "
                           f"({'after SIGTERM' if was_running else 'on its own'}); "
                           f"log tail:\n{tail(self.log_path)}")

    def restart(self):
        """SIGTERM, expect exit 0, start again on the same data dir and ports."""
        self.stop_clean()
        self.start()

    def kill9(self):
        assert self.proc is not None and self.proc.poll() is None, "not running"
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.paused = False
        self.killed = True

    def pause(self):
        """SIGSTOP: the process hangs (its sockets stay open, nothing answers)."""
        assert self.running and not self.paused, "not running, or already paused"
        self.proc.send_signal(signal.SIGSTOP)
        self.paused = True

    def resume(self):
        """SIGCONT after pause()."""
        assert self.running, "not running"
        self.proc.send_signal(signal.SIGCONT)
        self.paused = False
