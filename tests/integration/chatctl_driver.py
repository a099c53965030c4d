"""Runs the `chatctl` binary for the tests: one-shot (`-c`) and interactive
through a pseudo-terminal (stdlib `pty`/`os.openpty`; no pexpect).

The binary comes from $CHATCTL_BIN (CTest sets it), else it sits next to
$CHATNODE_BIN (`<build>/src/chatctl/chatctl` beside `<build>/src/chatnode`),
else `<repo>/build/src/chatctl/chatctl`. A missing binary fails the test.
"""
import fcntl
import json
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time
from pathlib import Path

import pytest

from harness import REPO

RUN_TIMEOUT = 30.0


def chatctl_binary():
    path = os.environ.get("CHATCTL_BIN")
    if not path:
        node = os.environ.get("CHATNODE_BIN")
        base = Path(node).parent if node else REPO / "build" / "src"
        path = str(base / "chatctl" / "chatctl")
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        pytest.fail(f"chatctl binary not found or not executable: {path} "
                    f"(build the chatctl target, or set CHATCTL_BIN)", pytrace=False)
    return path


class Result:
    """One finished run: exit code, stdout, stderr, seconds taken; `.doc` is
    stdout parsed as JSON (asserting it is one JSON document on one line)."""

    def __init__(self, args, code, out, err, seconds):
        self.args, self.code, self.out, self.err, self.seconds = args, code, out, err, seconds

    @property
    def doc(self):
        assert self.code == 0, self
        lines = self.out.splitlines()
        assert len(lines) == 1, f"--json output is not one line: {self}"
        return json.loads(lines[0])

    def __repr__(self):
        return (f"<chatctl {' '.join(self.args)}: exit {self.code} after {self.seconds:.2f} s\n"
                f"stdout: {self.out!r}\nstderr: {self.err!r}>")


def run_args(args, stdin=b"", timeout=RUN_TIMEOUT, env=None):
    """chatctl ARGS…, with `stdin` as its input. Returns a Result."""
    t0 = time.monotonic()
    proc = subprocess.run([chatctl_binary(), *args], input=stdin, capture_output=True,
                          timeout=timeout, env=env)
    return Result(args, proc.returncode, proc.stdout.decode("utf-8", "replace"),
                  proc.stderr.decode("utf-8", "replace"), time.monotonic() - t0)


def run(config, command=None, *, node=None, as_json=False, extra=(), timeout=RUN_TIMEOUT,
        env=None):
    """chatctl --config CONFIG [--node N] [--json] [-c COMMAND] EXTRA…; empty
    stdin. Returns a Result."""
    args = ["--config", str(config)]
    if node is not None:
        args += ["--node", node]
    if as_json:
        args.append("--json")
    if command is not None:
        args += ["-c", command]
    return run_args(args + list(extra), timeout=timeout, env=env)


def ask(config, command, node=None):
    """chatctl --json -c COMMAND; must exit 0; returns the parsed document."""
    return run(config, command, node=node, as_json=True).doc


def config_with_secret(cluster, directory, secret_text):
    """A copy of the cluster's config (same nodes and ports) whose secret_file
    is a new file holding `secret_text` (None: a path that does not exist)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    secret = directory / "other.secret"
    if secret_text is not None:
        fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)   # never readable by others
        with os.fdopen(fd, "w") as f:
            f.write(secret_text)
    text = Path(cluster.config_path).read_text()
    text = re.sub(r"(?m)^secret_file\s*=.*$", f"secret_file = {secret}", text)
    path = directory / "cluster.conf"
    path.write_text(text)
    return path


# ---------------------------------------------------------------- pseudo-terminal

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-Za-z]|\x1b[=>]|\r|\x07|\x08")

UP = "\x1b[A"
TAB = "\t"
ENTER = "\r"
CTRL_C = "\x03"
CTRL_D = "\x04"


class Terminal:
    """chatctl on a pseudo-terminal (80x200, TERM=xterm): `send` types keys,
    `expect(regex)` waits for output after what earlier expects consumed.
    Matching is on the screen text with escape sequences and CRs removed."""

    def __init__(self, config, node=None, history=None, extra=()):
        args = [chatctl_binary(), "--config", str(config)]
        if node is not None:
            args += ["--node", node]
        args += list(extra)
        env = dict(os.environ, TERM="xterm", LC_ALL="C.UTF-8")
        env.pop("EDITRC", None)
        if history is not None:
            env["CHATCTL_HISTORY"] = str(history)
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
        self.proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     start_new_session=True, close_fds=True)
        os.close(slave)
        self.fd = master
        self.raw = b""
        self.pos = 0          # offset in text() already consumed by expect

    def text(self):
        return ANSI.sub("", self.raw.decode("utf-8", "replace"))

    def _read(self, timeout):
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            return False
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:          # EIO: the child closed the terminal
            chunk = b""
        if not chunk:
            return None
        self.raw += chunk
        return True

    def send(self, keys):
        # libedit prints the prompt a moment before it puts the terminal in
        # raw mode; keys arriving in between would be echoed (and Ctrl-C
        # signalled) by the terminal itself. A person never types that fast.
        time.sleep(0.1)
        os.write(self.fd, keys.encode())

    def expect(self, pattern, timeout=15.0):
        """Waits until `pattern` (regex) appears after the consumed output;
        returns the match and consumes up to its end."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.text(), self.pos)
            if m:
                self.pos = m.end()
                return m
            left = deadline - time.monotonic()
            if left <= 0 or self._read(left) is None:
                m = rx.search(self.text(), self.pos)
                if m:
                    self.pos = m.end()
                    return m
                raise AssertionError(f"no {pattern!r} in the terminal within {timeout} s; "
                                     f"unconsumed output:\n{self.text()[self.pos:]!r}")

    def wait_exit(self, timeout=10.0):
        """Reads until the process exits; returns its exit code."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self._read(0.1)
        try:
            return self.proc.wait(max(0.1, deadline - time.monotonic()))
        finally:
            while self._read(0.05):
                pass

    def close(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        try:
            os.close(self.fd)
        except OSError:
            pass

