"""A synchronous WebSocket test client for the chat node (docs/protocol.md "WebSocket").

Built on the asyncio client of python3-websockets 10.4, driven by one
background event-loop thread shared by every client of the test process, so
tests stay plain synchronous pytest functions.

Every client reads continuously in the background (the server never sees a
test client as slow unless the test means it to): received frames are parsed
and kept, in order, in `frames` (everything) and in a pending list that the
`next*` / `expect` calls consume from. Waiting for one frame leaves the other
frames pending, so unrelated events (presence, typing, ...) never make a test
miss the frame it waits for.

`RawWS` is a hand-made client on a plain socket with a small receive buffer
that does the handshake and then reads only when asked: the slow consumer.
"""
import asyncio
import base64
import itertools
import json
import os
import socket
import struct
import threading
import time
import urllib.parse

import websockets
import websockets.exceptions

DEFAULT_TIMEOUT = 5.0

InvalidStatusCode = websockets.exceptions.InvalidStatusCode


# ---------------------------------------------------------------- event loop

_loop = None
_loop_lock = threading.Lock()


def loop():
    """The shared background event loop (started on first use, daemon thread)."""
    global _loop
    with _loop_lock:
        if _loop is None:
            lp = asyncio.new_event_loop()
            t = threading.Thread(target=lp.run_forever, name="ws-client-loop", daemon=True)
            t.start()
            _loop = lp
        return _loop


def run(coro, timeout=None):
    """Runs a coroutine on the shared loop from a synchronous caller; returns its result."""
    return asyncio.run_coroutine_threadsafe(coro, loop()).result(timeout)


# ---------------------------------------------------------------- tickets / urls

def get_ticket(acct):
    """A fresh ticket for the account's current session (POST /ws/ticket)."""
    resp = acct.call("POST", "/ws/ticket")
    assert resp.status == 200, resp
    return resp.json["ticket"]


def ws_url(port, ticket=None, host="127.0.0.1", query=None):
    """ws://host:port/ws?ticket=...; `query` (raw text) replaces the query when given."""
    if query is None:
        query = "" if ticket is None else "ticket=" + urllib.parse.quote(ticket, safe="")
    return f"ws://{host}:{port}/ws" + (f"?{query}" if query else "")


def try_upgrade(port, ticket=None, query=None, timeout=DEFAULT_TIMEOUT):
    """Attempts an upgrade. Returns the HTTP status of a refusal, or 101 (and
    closes the connection at once) when the upgrade succeeded."""

    async def attempt():
        try:
            ws = await websockets.connect(ws_url(port, ticket, query=query), max_size=None,
                                          compression=None, ping_interval=None,
                                          open_timeout=timeout)
        except InvalidStatusCode as e:
            return e.status_code
        await ws.close()
        return 101

    return run(attempt(), timeout + 5)


# ---------------------------------------------------------------- client

class WSClient:
    """One WebSocket connection. Create with `WSClient.connect` or `open_ws`."""

    def __init__(self, ws, name=""):
        self.ws = ws
        self.name = name
        self.frames = []          # every received frame, in order (dicts)
        self.times = []           # time.monotonic() of each, same index
        self._pending = []        # received, not yet consumed by next*/expect
        self._cond = threading.Condition()
        self._ids = itertools.count(1)
        self.close_code = None
        self.close_reason = None
        self.closed_at = None     # time.monotonic() when the reader saw the end
        self.hello = None
        self._reader = asyncio.run_coroutine_threadsafe(self._read_loop(), loop())

    @classmethod
    def connect(cls, port, ticket, wait_hello=True, name="", timeout=DEFAULT_TIMEOUT):
        """Upgrades with the ticket (raises InvalidStatusCode on a refusal).
        With wait_hello the first frame must be `hello`; it is kept as `.hello`."""

        async def do():
            return await websockets.connect(ws_url(port, ticket), max_size=None,
                                            compression=None, ping_interval=None,
                                            close_timeout=2, open_timeout=timeout)

        client = cls(run(do(), timeout + 5), name=name)
        if wait_hello:
            first = client.next(timeout=timeout)
            assert first.get("type") == "hello", f"{client}: first frame is not hello: {first}"
            client.hello = first
        return client

    def __repr__(self):
        return f"<WSClient {self.name or id(self)}>"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- background reader
    async def _read_loop(self):
        try:
            async for msg in self.ws:
                if isinstance(msg, bytes):
                    frame = {"type": None, "_binary": msg}
                else:
                    try:
                        frame = json.loads(msg)
                    except ValueError:
                        frame = {"type": None, "_invalid_json": msg}
                    if not isinstance(frame, dict):
                        frame = {"type": None, "_not_an_object": frame}
                with self._cond:
                    self.frames.append(frame)
                    self.times.append(time.monotonic())
                    self._pending.append(frame)
                    self._cond.notify_all()
        except websockets.exceptions.ConnectionClosed:
            pass
        except Exception as e:  # noqa: BLE001 - recorded for the test to see
            with self._cond:
                self.close_reason = f"reader failed: {e!r}"
        finally:
            with self._cond:
                self.close_code = self.ws.close_code
                if self.close_reason is None:
                    self.close_reason = self.ws.close_reason
                self.closed_at = time.monotonic()
                self._cond.notify_all()

    @property
    def is_closed(self):
        return self.closed_at is not None

    # -- sending
    def send_text(self, text):
        run(self.ws.send(text), DEFAULT_TIMEOUT)

    def send_bytes(self, data):
        run(self.ws.send(bytes(data)), DEFAULT_TIMEOUT)

    def send_json(self, obj):
        self.send_text(json.dumps(obj))

    def emit(self, type_, id=None, **fields):
        """Sends {"type": type_, "id": id, **fields}; an automatic integer id when
        none is given (pass id=False for no id). Returns the id."""
        if id is None:
            id = next(self._ids)
        frame = {"type": type_}
        if id is not False:
            frame["id"] = id
        frame.update(fields)
        self.send_json(frame)
        return id

    def emit_many(self, frames):
        """Sends the given frame dicts back to back (one loop call, no waiting in
        between); frames without an "id" get an automatic one. Returns the ids."""
        ids, texts = [], []
        for f in frames:
            f = dict(f)
            if "id" not in f:
                f["id"] = next(self._ids)
            ids.append(f["id"])
            texts.append(json.dumps(f))

        async def go():
            for t in texts:
                await self.ws.send(t)

        run(go(), DEFAULT_TIMEOUT + len(texts) * 0.01)
        return ids

    def request(self, type_, timeout=DEFAULT_TIMEOUT, **fields):
        """emit + wait for the frame answering it (re == id). Returns that frame."""
        rid = self.emit(type_, **fields)
        return self.answer(rid, timeout)

    # -- receiving
    def _take(self, pred, timeout):
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for i, f in enumerate(self._pending):
                    if pred(f):
                        return self._pending.pop(i)
                if self.closed_at is not None:
                    return _CLOSED
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)

    def next(self, pred=None, timeout=DEFAULT_TIMEOUT, what="a frame"):
        """Consumes the first pending frame matching `pred` (any frame if None),
        waiting up to `timeout`; fails the test otherwise."""
        f = self._take(pred or (lambda _f: True), timeout)
        if f is None:
            raise AssertionError(f"{self}: no {what} within {timeout} s; pending: "
                                 f"{_short(self._pending)}")
        if f is _CLOSED:
            raise AssertionError(f"{self}: closed ({self.close_code} {self.close_reason!r}) "
                                 f"while waiting for {what}; pending: {_short(self._pending)}")
        return f

    def expect(self, type_, timeout=DEFAULT_TIMEOUT, **match):
        """The next pending frame of this type whose fields equal `match`."""
        def pred(f):
            return f.get("type") == type_ and all(f.get(k) == v for k, v in match.items())
        return self.next(pred, timeout, what=f"{type_} frame matching {match}")

    def answer(self, rid, timeout=DEFAULT_TIMEOUT):
        """The frame answering request `rid` (its `re` equals rid, same JSON type)."""
        def pred(f):
            return "re" in f and f["re"] == rid and type(f["re"]) is type(rid)
        return self.next(pred, timeout, what=f"answer to id {rid!r}")

    def frames_of(self, type_, **match):
        """All frames of this type received so far (consumed or not)."""
        with self._cond:
            return [f for f in self.frames if f.get("type") == type_
                    and all(f.get(k) == v for k, v in match.items())]

    def no_frame(self, pred=None, within=0.5, what="frame"):
        """Asserts no pending frame matches `pred` now or within `within` seconds."""
        f = self._take(pred or (lambda _f: True), within)
        if f is not None and f is not _CLOSED:
            raise AssertionError(f"{self}: unexpected {what}: {f}")

    def no_frame_of(self, type_, within=0.5, **match):
        self.no_frame(lambda f: f.get("type") == type_ and
                      all(f.get(k) == v for k, v in match.items()), within, what=type_)

    def drain(self):
        """Returns and forgets every pending frame."""
        with self._cond:
            out, self._pending = self._pending, []
            return out

    def wait_closed(self, timeout=DEFAULT_TIMEOUT):
        """Waits for the server to close; returns the close code (1006: no close frame)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.closed_at is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{self}: still open after {timeout} s")
                self._cond.wait(left)
            return self.close_code

    def ping_rtt(self, timeout=DEFAULT_TIMEOUT):
        """Round trip of an application ping (seconds); asserts the pong."""
        t0 = time.monotonic()
        rid = self.emit("ping")
        f = self.answer(rid, timeout)
        assert f.get("type") == "pong", f
        return time.monotonic() - t0

    def assert_alive(self):
        """A ping still gets its pong."""
        self.ping_rtt()

    def close(self):
        if self.closed_at is None:
            try:
                run(self.ws.close(), 5)
            except Exception:  # noqa: BLE001 - best effort at teardown
                pass
        try:
            self._reader.result(5)
        except Exception:  # noqa: BLE001
            pass


_CLOSED = object()


def _short(frames, n=8):
    out = []
    for f in frames[:n]:
        s = json.dumps(f, default=repr)
        out.append(s if len(s) < 200 else s[:200] + "…")
    if len(frames) > n:
        out.append(f"… {len(frames) - n} more")
    return out


def open_ws(node_or_port, acct, name="", wait_hello=True):
    """A connected WSClient for the account's session (a fresh ticket)."""
    port = node_or_port if isinstance(node_or_port, int) else node_or_port.http_port
    return WSClient.connect(port, get_ticket(acct), wait_hello=wait_hello,
                            name=name or acct.username)


# ---------------------------------------------------------------- raw client

class RawWS:
    """A WebSocket client on a plain socket that reads only when told to.

    The receive buffer is made small before connecting, so a client that does
    not read quickly stops the server from writing to it (a slow consumer).
    """

    def __init__(self, port, ticket, rcvbuf=4096, host="127.0.0.1", timeout=DEFAULT_TIMEOUT):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect((host, port))
        key = base64.b64encode(os.urandom(16)).decode()
        req = (f"GET /ws?ticket={urllib.parse.quote(ticket, safe='')} HTTP/1.1\r\n"
               f"Host: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
        self.sock.sendall(req.encode())
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise AssertionError(f"connection closed during the handshake: {buf!r}")
            buf += chunk
        head, self.buf = buf.split(b"\r\n\r\n", 1)
        self.status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        self.status = int(self.status_line.split()[1])
        self.close_code = None
        self.eof = False

    def read_frames(self, total_timeout=10.0, idle_timeout=2.0):
        """Reads until the server closes (close frame or EOF/reset), the
        connection stays idle for idle_timeout, or total_timeout passes.
        Returns the list of (opcode, payload) frames read. After a close frame,
        `close_code` is set; `eof` is set when the TCP connection ended."""
        frames = []
        deadline = time.monotonic() + total_timeout
        self.sock.settimeout(idle_timeout)
        while time.monotonic() < deadline:
            while True:
                f = self._parse_one()
                if f is None:
                    break
                frames.append(f)
                if f[0] == 0x8:
                    self.close_code = struct.unpack("!H", f[1][:2])[0] if len(f[1]) >= 2 else 1005
                    return frames
            try:
                chunk = self.sock.recv(1 << 16)
            except socket.timeout:
                return frames
            except (ConnectionResetError, BrokenPipeError):
                self.eof = True
                return frames
            if not chunk:
                self.eof = True
                return frames
            self.buf += chunk
        return frames

    def _parse_one(self):
        b = self.buf
        if len(b) < 2:
            return None
        opcode = b[0] & 0x0F
        n = b[1] & 0x7F
        pos = 2
        if n == 126:
            if len(b) < 4:
                return None
            n = struct.unpack("!H", b[2:4])[0]
            pos = 4
        elif n == 127:
            if len(b) < 10:
                return None
            n = struct.unpack("!Q", b[2:10])[0]
            pos = 10
        if b[1] & 0x80:  # a server never masks; tolerate it anyway
            pos += 4
        if len(b) < pos + n:
            return None
        payload = b[pos:pos + n]
        self.buf = b[pos + n:]
        return (opcode, payload)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
