"""The process: command line, startup failures, clean shutdown and its logs."""
import json
import os
import socket
import subprocess
import time

import pytest

from chatclient import new_account, register, unique_name
from harness import free_port, write_config, write_secret

QUICK = 15  # seconds a failing start may take at most


def run(cmd, cwd=None, timeout=QUICK):
    start = time.monotonic()
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{cmd} still running after {timeout} s; it should have refused to start")
    return proc, time.monotonic() - start


def lines(data):
    return [l for l in data.decode(errors="replace").splitlines() if l.strip()]


def is_json_object(line):
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def test_help_exits_0_and_lists_the_options(chatnode_bin):
    proc, _ = run([chatnode_bin, "--help"])
    assert proc.returncode == 0, proc
    out = (proc.stdout + proc.stderr).decode(errors="replace")
    assert "--config" in out and "--node" in out, out


def test_no_arguments_is_an_error(chatnode_bin):
    proc, _ = run([chatnode_bin])
    assert proc.returncode != 0
    assert lines(proc.stderr) or lines(proc.stdout)


def test_unknown_node_id_fails_fast_with_a_short_message(chatnode_bin, tmp_path):
    write_secret(tmp_path)
    conf = write_config(tmp_path, free_port(), free_port())
    proc, took = run([chatnode_bin, "--config", str(conf), "--node", "n9"], cwd=tmp_path)
    assert proc.returncode != 0
    assert took < 5, took
    err = lines(proc.stderr)
    assert err, "nothing on stderr"
    # exactly one human-readable line, naming the node
    assert len(err) == 1, err
    assert not is_json_object(err[0]), err
    assert "n9" in err[0], err


def test_missing_secret_file_is_refused(chatnode_bin, tmp_path):
    conf = write_config(tmp_path, free_port(), free_port())     # no secret written
    proc, _ = run([chatnode_bin, "--config", str(conf), "--node", "n1"], cwd=tmp_path)
    assert proc.returncode != 0
    assert "secret" in proc.stderr.decode(errors="replace").lower(), proc.stderr


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o620, 0o666])
def test_a_secret_file_others_may_access_is_refused(chatnode_bin, tmp_path, mode):
    os.chmod(write_secret(tmp_path), mode)
    conf = write_config(tmp_path, free_port(), free_port())
    proc, took = run([chatnode_bin, "--config", str(conf), "--node", "n1"], cwd=tmp_path)
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    assert took < 5, took
    err = lines(proc.stderr)
    assert len(err) == 1, err
    assert "cluster.secret" in err[0] and "chmod 600" in err[0], err


def test_missing_config_file_is_refused(chatnode_bin, tmp_path):
    proc, _ = run([chatnode_bin, "--config", str(tmp_path / "nope.conf"), "--node", "n1"])
    assert proc.returncode != 0
    assert lines(proc.stderr)


def test_http_port_in_use_is_refused(chatnode_bin, tmp_path):
    write_secret(tmp_path)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        conf = write_config(tmp_path, port, free_port())
        proc, _ = run([chatnode_bin, "--config", str(conf), "--node", "n1"], cwd=tmp_path)
    assert proc.returncode != 0, proc.stderr
    err = proc.stderr.decode(errors="replace")
    assert str(port) in err or "in use" in err.lower(), err


def test_unwritable_data_dir_is_refused(chatnode_bin, tmp_path):
    write_secret(tmp_path)
    (tmp_path / "plainfile").write_text("not a directory")
    conf = write_config(tmp_path, free_port(), free_port(), data_dir="plainfile/n1")
    proc, _ = run([chatnode_bin, "--config", str(conf), "--node", "n1"], cwd=tmp_path)
    assert proc.returncode != 0, proc.stderr
    assert "plainfile" in proc.stderr.decode(errors="replace"), proc.stderr


def test_second_node_on_the_same_data_dir_is_refused(node, chatnode_bin):
    """A running node holds its data dir; a second process on it must not start."""
    proc, _ = run([chatnode_bin, "--config", str(node.config_path), "--node", "n1"],
                  cwd=node.dir)
    assert proc.returncode != 0, proc.stderr
    assert node.call("GET", "/healthz").status == 200


def test_relative_paths_are_resolved_against_the_config_dir(node):
    # the harness runs the node in another working directory (node.cwd); the relative
    # data_dir and secret_file of cluster.conf must be taken relative to the config file
    assert node.data_dir.is_dir()
    assert any(node.data_dir.iterdir())
    assert not any(node.cwd.iterdir()), list(node.cwd.iterdir())


def test_log_lines_are_json_objects_with_the_standard_keys(node):
    new_account(node.api)
    node.call("GET", "/no/such/path")
    text = node.log_text()
    log_lines = [l for l in text.splitlines() if l.strip()]
    assert log_lines, "the node logged nothing on stderr"
    for line in log_lines:
        try:
            obj = json.loads(line)
        except ValueError:
            pytest.fail(f"stderr line is not JSON: {line!r}")
        assert isinstance(obj, dict), line
        assert {"level", "ts", "node", "component", "msg"} <= set(obj), line
        assert obj["node"] == "n1", line
        assert obj["level"] in ("debug", "info", "warn", "error"), line
        assert isinstance(obj["ts"], int), line
        assert isinstance(obj["component"], str) and isinstance(obj["msg"], str), line


def test_sigterm_exits_0_and_logs_json(fresh_node):
    code = fresh_node.stop()
    assert code == 0, fresh_node.log_text()[-2000:]
    for line in fresh_node.log_text().splitlines():
        if line.strip():
            assert isinstance(json.loads(line), dict), line
    fresh_node.start()   # so the fixture's teardown finds it running


def test_no_password_or_token_in_the_log(node_factory):
    node = node_factory(["--log-level", "debug"])
    password = "Sup3r-Secret-" + unique_name()
    name = unique_name()
    register(node.api, name, password)
    secrets_seen = [password]
    tokens = node.call("POST", "/auth/login", {"username": name, "password": password},
                       headers={"User-Agent": "leak-check"}).json
    secrets_seen += [tokens["access_token"], tokens["refresh_token"]]
    refreshed = node.call("POST", "/auth/refresh", {"refresh_token": tokens["refresh_token"]}).json
    secrets_seen += [refreshed["access_token"], refreshed["refresh_token"]]
    ticket = node.call("POST", "/ws/ticket", token=refreshed["access_token"]).json["ticket"]
    secrets_seen.append(ticket)
    # failed attempts must not be logged verbatim either
    node.call("POST", "/auth/login", {"username": name, "password": password + "-wrong"})
    node.call("GET", "/users/me", token=tokens["access_token"] + "x")
    new_pw = "Another-Secret-" + unique_name()
    node.call("PATCH", "/users/me", {"password": {"old": password, "new": new_pw}},
              token=refreshed["access_token"])
    secrets_seen.append(new_pw)
    node.call("POST", "/auth/logout", token=refreshed["access_token"])
    node.stop_clean()
    node.start()        # restarted so the factory's teardown stops it
    text = node.log_text()
    assert text.strip(), "empty log"
    for s in secrets_seen:
        assert s not in text, f"a secret appears in the log: {s[:12]}…"
    # parts of a JWT (its signature) must not leak either
    for tok in (tokens["access_token"], refreshed["access_token"]):
        assert tok.split(".")[2] not in text
    assert node.secret.decode() not in text
