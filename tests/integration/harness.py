"""Starts real `chatnode` processes on free loopback ports (used by conftest.py).

The binary comes from $CHATNODE_BIN (CTest sets it), else <repo>/build/src/chatnode.
A missing binary fails every test that needs it, with a clear message.
"""
import os
import secrets
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
    path.write_text(secrets.token_hex(32))
    os.chmod(path, 0o600)
    return path


def write_config(directory, http_port, cluster_port, node_id="n1",
                 secret_file="cluster.secret", data_dir=None, extra_cluster=""):
    data_dir = data_dir or f"data/{node_id}"
    text = (
        "[cluster]\n"
        "shards = 256\n"
        f"secret_file = {secret_file}   ; relative to this file's directory\n"
        "password_cost = min            ; fast hashing for tests\n"
        f"{extra_cluster}"
        "\n"
        f"[{node_id}]\n"
        "host = 127.0.0.1\n"
        f"cluster_port = {cluster_port}\n"
        f"http_port = {http_port}\n"
        f"data_dir = {data_dir}\n"
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
    """One running chatnode process (node id n1) with its own temp dir."""

    def __init__(self, binary, workdir, node_id="n1", extra_args=(), extra_cluster=""):
        self.binary = binary
        self.dir = Path(workdir)
        self.node_id = node_id
        self.extra_args = list(extra_args)
        self.http_port = free_port()
        self.cluster_port = free_port()
        self.secret_path = write_secret(self.dir)
        self.config_path = write_config(self.dir, self.http_port, self.cluster_port, node_id,
                                        extra_cluster=extra_cluster)
        self.data_dir = self.dir / "data" / node_id
        self.cwd = self.dir / "cwd"      # not the config's dir: relative paths must not use it
        self.cwd.mkdir(exist_ok=True)
        self.log_path = self.dir / "chatnode.log"        # stderr
        self.stdout_path = self.dir / "chatnode.stdout"
        self.api = Client("127.0.0.1", self.http_port)
        self.proc = None
        self.starts = 0

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

    def start(self):
        assert self.proc is None or self.proc.poll() is not None, "already running"
        with open(self.log_path, "ab") as err, open(self.stdout_path, "ab") as out:
            self.proc = subprocess.Popen(self.command(), stdout=out, stderr=err,
                                         stdin=subprocess.DEVNULL, cwd=self.cwd)
        self.starts += 1
        self.wait_healthy()

    def wait_healthy(self):
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            code = self.proc.poll()
            if code is not None:
                pytest.fail(f"chatnode exited with {code} while starting; log tail:\n"
                            f"{tail(self.log_path)}", pytrace=False)
            try:
                if self.api.call("GET", "/healthz").status == 200:
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
        """SIGTERM and wait; returns the exit code (None if it was not running)."""
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            pytest.fail(f"chatnode did not exit within {STOP_TIMEOUT:.0f} s of SIGTERM; "
                        f"log tail:\n{tail(self.log_path)}", pytrace=False)

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
