"""A Jepsen-style workload and nemesis against a real three-node cluster
(used by test_nemesis.py; docs/nemesis.md explains the test).

Clients on every node send messages (HTTP and WebSocket), register users, log
in, rotate refresh tokens and end sessions, recording every operation with
its raw outcome. One nemesis thread meanwhile disturbs one node at a time
(kill -9, SIGSTOP, graceful restart, wipe of the data dir) and records when
each node was disturbed. Outcomes are judged only afterwards, once every
disturbance window is known: a connection error or timeout is acceptable only
on a node that was being disturbed at that moment.
"""
import collections
import http.client
import random
import shutil
import threading
import time
from dataclasses import dataclass, field

from chatclient import PASSWORD, Client, all_messages, unique_name
from ws_client import WSClient

OP_TIMEOUT = 6.0          # every call must answer within this (client-side socket timeout)
READY_TIMEOUT = 30.0      # after a fault, /readyz?all=1 200 on every node within this
FAULTS = ("kill9", "pause", "restart", "wipe")


# ---------------------------------------------------------------- the history

@dataclass
class Op:
    """One client operation: what, through which node, when (monotonic), how
    long, the raw outcome ("ok", "unavailable", "conn_error", "timeout",
    "ws_closed" or "unexpected") and details (conv, cmid, seq, the answer…)."""
    kind: str
    node: str
    started: float
    seconds: float
    outcome: str
    detail: dict = field(default_factory=dict)

    @property
    def ended(self):
        return self.started + self.seconds


class History:
    """Every operation of every worker (appended from many threads)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.ops = []

    def add(self, op):
        with self._lock:
            self.ops.append(op)

    def of(self, *kinds):
        with self._lock:
            return [o for o in self.ops if o.kind in kinds]


class Disturbances:
    """When the nemesis disturbed which node: intervals [start, end] per node
    id, end None while the fault lasts. A fault's interval ends only once the
    cluster is ready again, so calls that were stuck in it are covered."""

    def __init__(self):
        self._lock = threading.Lock()
        self.intervals = collections.defaultdict(list)

    def begin(self, node_id):
        with self._lock:
            self.intervals[node_id].append([time.monotonic(), None])

    def end(self, node_id):
        with self._lock:
            self.intervals[node_id][-1][1] = time.monotonic()

    def covers(self, node_id, t0, t1):
        with self._lock:
            return any(s <= t1 and (e is None or e >= t0) for s, e in self.intervals[node_id])


# ---------------------------------------------------------------- one HTTP call

def error_code(resp):
    body = resp.json if isinstance(resp.json, dict) else {}
    err = body.get("error")
    return err.get("code") if isinstance(err, dict) else None


def http_call(api, method, path, body=None, token=None):
    """(raw outcome, Response or None, seconds). Never raises for network
    trouble: a refused/reset connection is "conn_error", no answer within
    OP_TIMEOUT is "timeout", a 503 `unavailable` is "unavailable"; any other
    answer is "answered" for the caller to judge by its status."""
    t0 = time.monotonic()
    try:
        resp = api.call(method, path, body=body, token=token)
    except TimeoutError:
        return "timeout", None, time.monotonic() - t0
    except (OSError, http.client.HTTPException) as e:
        return "conn_error:" + type(e).__name__, None, time.monotonic() - t0
    took = time.monotonic() - t0
    if resp.status == 503 and error_code(resp) == "unavailable":
        return "unavailable", resp, took
    return "answered", resp, took


class Worker(threading.Thread):
    """A client thread bound to one node; subclasses define step(). Each has
    its own RNG seeded from the test's seed, so a run's choices replay."""

    pause_s = 0.1

    def __init__(self, name, node, history, seed):
        super().__init__(name=name, daemon=True)
        self.node = node
        self.api = Client("127.0.0.1", node.http_port, timeout=OP_TIMEOUT)
        self.history = history
        self.rng = random.Random(f"{seed}/{name}")
        self.halt = threading.Event()
        self.crash = None

    def run(self):
        try:
            while not self.halt.is_set():
                self.step()
                self.halt.wait(self.pause_s * self.rng.uniform(0.5, 1.5))
        except BaseException as e:  # noqa: BLE001 - reported by the test
            self.crash = e

    def record(self, kind, started, seconds, outcome, **detail):
        self.history.add(Op(kind, self.node.node_id, started, seconds, outcome, detail))

    def call(self, kind, method, path, ok_status, body=None, token=None, **detail):
        """One HTTP call, recorded: "ok" when the status is in ok_status.
        Returns (outcome, Response or None)."""
        t0 = time.monotonic()
        outcome, resp, took = http_call(self.api, method, path, body, token)
        if outcome == "answered":
            outcome = "ok" if resp.status in ok_status else "unexpected"
        if outcome == "unexpected":
            detail["answer"] = repr(resp)
        self.record(kind, t0, took, outcome, **detail)
        return outcome, resp


# ---------------------------------------------------------------- message senders

class HttpSender(Worker):
    """Posts to its conversations in turn, each with a new client_msg_id; a
    send answered `unavailable` (or not at all) is resent later with the same
    client_msg_id, which must then store it once (200 with the original seq)."""

    def __init__(self, name, node, history, seed, token, convs):
        super().__init__(name, node, history, seed)
        self.token, self.convs = token, convs
        self.count = 0
        self.unsure = []          # (conv, cmid) answered neither ok nor a failure

    def next_send(self):
        if self.unsure and self.rng.random() < 0.3:
            return self.unsure.pop(0)
        self.count += 1
        return self.convs[self.count % len(self.convs)], f"{self.name}-{self.count}"

    def step(self):
        conv, cmid = self.next_send()
        t0 = time.monotonic()
        outcome, resp, took = http_call(self.api, "POST", f"/conversations/{conv}/messages",
                                        {"text": cmid, "client_msg_id": cmid}, self.token)
        detail = {"conv": conv, "cmid": cmid}
        if outcome == "answered" and resp.status in (200, 201):   # 200: a resend, stored before
            outcome, detail["seq"] = "ok", resp.json["seq"]
        elif outcome == "answered":
            outcome, detail["answer"] = "unexpected", repr(resp)
        else:
            self.unsure.append((conv, cmid))
        self.record("send", t0, took, outcome, **detail)


class Prober(Worker):
    """Open-loop sends: every ~0.15 s a new thread posts one message (a new
    client_msg_id) to the next conversation, without waiting for the ones in
    flight. A closed-loop sender stuck for 5 s on a call made just before a
    fault would hide when service came back; probes keep sampling, so the
    outage per fault is measured on them (start times of successful probes)."""

    pause_s = 0.15

    def __init__(self, name, node, history, seed, token, convs):
        super().__init__(name, node, history, seed)
        self.token, self.convs = token, convs
        self.count = 0
        self.inflight = []

    def step(self):
        self.count += 1
        conv, cmid = self.convs[self.count % len(self.convs)], f"{self.name}-{self.count}"
        t = threading.Thread(target=self.probe, args=(conv, cmid), daemon=True)
        t.start()
        self.inflight = [x for x in self.inflight if x.is_alive()] + [t]

    def run(self):
        try:
            super().run()
        finally:              # every probe is recorded before the final checks
            for t in self.inflight:
                t.join(OP_TIMEOUT + 2)

    def probe(self, conv, cmid):
        t0 = time.monotonic()
        outcome, resp, took = http_call(self.api, "POST", f"/conversations/{conv}/messages",
                                        {"text": cmid, "client_msg_id": cmid}, self.token)
        detail = {"conv": conv, "cmid": cmid}
        if outcome == "answered" and resp.status == 201:
            outcome, detail["seq"] = "ok", resp.json["seq"]
        elif outcome == "answered":
            outcome, detail["answer"] = "unexpected", repr(resp)
        self.record("probe", t0, took, outcome, **detail)


class WsSender(Worker):
    """Sends over one WebSocket to the node (reconnecting with a new ticket
    when it closes), so the `send` frame path is disturbed too."""

    def __init__(self, name, node, history, seed, token, convs):
        super().__init__(name, node, history, seed)
        self.token, self.convs = token, convs
        self.count = 0
        self.ws = None

    def connect(self):
        outcome, resp = self.call("ws_ticket", "POST", "/ws/ticket", (200,), token=self.token)
        if outcome != "ok":
            return
        t0 = time.monotonic()
        try:
            self.ws = WSClient.connect(self.node.http_port, resp.json["ticket"],
                                       timeout=OP_TIMEOUT, name=self.name)
            self.record("ws_connect", t0, time.monotonic() - t0, "ok")
        except BaseException as e:  # noqa: BLE001 - any refusal is an outcome
            self.record("ws_connect", t0, time.monotonic() - t0, "conn_error:" + type(e).__name__,
                        answer=repr(e)[:300])

    def step(self):
        if self.ws is None or self.ws.is_closed:
            if self.ws is not None:
                self.ws.close()
            self.ws = None
            self.connect()
            return
        self.count += 1
        conv, cmid = self.convs[self.count % len(self.convs)], f"{self.name}-{self.count}"
        t0 = time.monotonic()
        try:
            rid = self.ws.emit("send", conv=conv, text=cmid, client_msg_id=cmid)
            frame = self.ws.answer(rid, timeout=OP_TIMEOUT)
        except BaseException as e:  # noqa: BLE001 - no answer, or the socket closed
            closed = self.ws.is_closed
            self.record("ws_send", t0, time.monotonic() - t0, "ws_closed" if closed else "timeout",
                        conv=conv, cmid=cmid, answer=f"{repr(e)[:200]} close={self.ws.close_code}")
            return
        self.ws.drain()           # deliveries pile up otherwise; only answers matter here
        took = time.monotonic() - t0
        if frame.get("type") == "sent":
            self.record("ws_send", t0, took, "ok", conv=conv, cmid=cmid, seq=frame["seq"])
        elif frame.get("type") == "error" and frame.get("code") == "unavailable":
            self.record("ws_send", t0, took, "unavailable", conv=conv, cmid=cmid)
        else:
            self.record("ws_send", t0, took, "unexpected", conv=conv, cmid=cmid, answer=frame)

    def run(self):
        try:
            super().run()
        finally:
            if self.ws is not None:
                self.ws.close()


# ---------------------------------------------------------------- auth workload

@dataclass
class Session:
    """A session this worker logged in. `unsure` once a call that may have
    changed it went unanswered: it is then left alone (neither used nor checked)."""
    user: str
    tokens: dict
    used_refresh: list = field(default_factory=list)
    state: str = "live"           # live | unsure | ended

    @property
    def id(self):
        return self.tokens["session_id"]


class AuthWorker(Worker):
    """Registers users, logs them in, rotates refresh tokens, checks that live
    sessions work and ends sessions (logout or DELETE /auth/sessions/{id});
    keeps everything needed for the final checks."""

    pause_s = 0.08
    max_live = 12

    def __init__(self, name, node, history, seed, registered, all_nodes):
        super().__init__(name, node, history, seed)
        self.registered = registered      # shared list of usernames answered 201
        self.all_nodes = all_nodes
        self.sessions = []

    def live(self):
        return [s for s in self.sessions if s.state == "live"]

    def step(self):
        live = self.live()
        choices = [(self.register, 2), (self.login, 3 if len(live) < self.max_live else 0),
                   (self.refresh, 4 if live else 0), (self.whoami, 2 if live else 0),
                   (self.end_session, 2 if len(live) > 2 else 0)]
        fns, weights = zip(*choices)
        self.rng.choices(fns, weights)[0]()

    def register(self):
        name = unique_name("nm")
        outcome, _ = self.call("register", "POST", "/auth/register", (201,),
                               body={"username": name, "password": PASSWORD}, user=name)
        if outcome == "ok":
            self.registered.append(name)

    def login(self):
        if not self.registered:
            return
        name = self.rng.choice(self.registered)
        outcome, resp = self.call("login", "POST", "/auth/login", (200,),
                                  body={"username": name, "password": PASSWORD}, user=name)
        if outcome == "ok":
            self.sessions.append(Session(name, resp.json))

    def refresh(self):
        s = self.rng.choice(self.live())
        old = s.tokens["refresh_token"]
        outcome, resp = self.call("refresh", "POST", "/auth/refresh", (200,),
                                  body={"refresh_token": old}, session=s.id)
        if outcome == "ok":
            s.used_refresh.append(old)
            s.tokens = resp.json
        else:                     # it may have rotated (or, if 401, something is wrong)
            s.state = "unsure"

    def whoami(self):
        s = self.rng.choice(self.live())
        outcome, _ = self.call("whoami", "GET", "/users/me", (200,),
                               token=s.tokens["access_token"], session=s.id)
        if outcome == "unexpected":
            s.state = "unsure"    # reported as a failure; do not pile more on it

    def end_session(self):
        s = self.rng.choice(self.live())
        token = s.tokens["access_token"]
        if self.rng.random() < 0.5:
            outcome, _ = self.call("logout", "POST", "/auth/logout", (204,), token=token,
                                   session=s.id)
        else:
            outcome, _ = self.call("end_session", "DELETE", f"/auth/sessions/{s.id}", (204,),
                                   token=token, session=s.id)
        s.state = "ended" if outcome == "ok" else "unsure"
        if outcome == "ok":
            # "refused everywhere as soon as the terminating call has answered"
            other = self.rng.choice(self.all_nodes)
            api = Client("127.0.0.1", other.http_port, timeout=OP_TIMEOUT)
            t0 = time.monotonic()
            raw, resp, took = http_call(api, "GET", "/users/me", token=token)
            if raw == "answered":
                raw = "ok" if resp.status == 401 else "unexpected"
            self.history.add(Op("ended_refused", other.node_id, t0, took, raw,
                                {"session": s.id, **({"answer": repr(resp)} if raw == "unexpected"
                                                     else {})}))


# ---------------------------------------------------------------- the nemesis

@dataclass
class Fault:
    kind: str
    node: str
    started: float
    healed: float = None      # the node was continued / started again
    ready: float = None       # /readyz?all=1 200 on every node
    error: str = None


class Nemesis(threading.Thread):
    """One fault at a time on a random node until `until` (monotonic), with
    the cluster healed and ready between faults. The first len(FAULTS) faults
    are a shuffled permutation of every kind, so even a short run sees each."""

    def __init__(self, cluster, seed, until, disturbances, hold=(1.0, 3.0), quiet=(1.0, 2.0)):
        super().__init__(name="nemesis", daemon=True)
        self.cluster, self.until, self.disturbances = cluster, until, disturbances
        self.rng = random.Random(f"{seed}/nemesis")
        self.hold, self.quiet = hold, quiet
        self.faults = []
        self.crash = None

    def plan(self):
        first = list(FAULTS)
        self.rng.shuffle(first)
        while True:
            yield first.pop(0) if first else self.rng.choice(FAULTS)

    def run(self):
        try:
            for kind in self.plan():
                if time.monotonic() >= self.until:
                    return
                node = self.rng.choice(list(self.cluster))
                self.inflict(kind, node)
                if self.faults[-1].error:
                    return            # the cluster did not heal: the test reports it
                time.sleep(self.rng.uniform(*self.quiet))
        except BaseException as e:  # noqa: BLE001 - reported by the test
            self.crash = e

    def inflict(self, kind, node):
        fault = Fault(kind, node.node_id, time.monotonic())
        self.faults.append(fault)
        self.disturbances.begin(node.node_id)
        try:
            getattr(self, "fault_" + kind)(node, self.rng.uniform(*self.hold))
            fault.healed = time.monotonic()
            self.cluster.wait_ready(timeout=READY_TIMEOUT)
            fault.ready = time.monotonic()
        except BaseException as e:  # noqa: BLE001 - pytest.fail raises BaseException
            fault.error = f"{type(e).__name__}: {e}"
        finally:
            self.disturbances.end(node.node_id)

    def fault_kill9(self, node, hold):
        node.kill9()
        time.sleep(hold)
        node.start()

    def fault_pause(self, node, hold):
        node.pause()
        time.sleep(hold)
        node.resume()

    def fault_restart(self, node, hold):
        node.stop_clean()         # SIGTERM: hands its leaderships over, must exit 0
        time.sleep(hold / 3)
        node.start()

    def fault_wipe(self, node, hold):
        """A lost disk: kill -9, empty the data dir, start; the node must get
        everything back from the other replicas (snapshot + log)."""
        node.kill9()
        for entry in node.data_dir.iterdir():
            if entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        time.sleep(hold)
        node.start()


# ---------------------------------------------------------------- judging

def judge(ops, disturbances):
    """The operations whose outcome is a failure: anything but ok or
    unavailable, except a connection error, timeout or closed socket on a node
    that the nemesis was disturbing during the call; and any call slower than
    OP_TIMEOUT (+1 s of slack for the client itself)."""
    bad = []
    for o in ops:
        if o.seconds > OP_TIMEOUT + 1.0:
            bad.append(o)
        elif o.outcome in ("ok", "unavailable"):
            continue
        elif o.outcome == "unexpected":
            bad.append(o)
        elif not disturbances.covers(o.node, o.started, o.ended):
            bad.append(o)
    return bad


def acked_sends(history):
    """client_msg_id -> (conv, set of seqs it was acknowledged with)."""
    acked = {}
    for o in history.of("send", "ws_send", "probe"):
        if o.outcome == "ok":
            conv, seqs = acked.setdefault(o.detail["cmid"], (o.detail["conv"], set()))
            seqs.add(o.detail["seq"])
    return acked


def check_stored_once_with_their_seq(stored, acked, conv):
    """Problems (strings) with one conversation's stored history: gapless seqs
    from 1, no client_msg_id twice, every acknowledged message present with the
    seq it was acknowledged with."""
    problems = []
    seqs = [m["seq"] for m in stored]
    if seqs != list(range(1, len(stored) + 1)):
        problems.append(f"{conv}: seqs not gapless from 1: {seqs[:20]}…")
    counts = collections.Counter(m.get("client_msg_id") for m in stored)
    twice = sorted(c for c, k in counts.items() if c is not None and k > 1)
    if twice:
        problems.append(f"{conv}: stored more than once: {twice[:5]}")
    by_cmid = {m.get("client_msg_id"): m["seq"] for m in stored}
    for cmid, (c, ack_seqs) in acked.items():
        if c != conv:
            continue
        if len(ack_seqs) > 1:
            problems.append(f"{conv}: {cmid} acknowledged with several seqs {sorted(ack_seqs)}")
        if cmid not in by_cmid:
            problems.append(f"{conv}: acknowledged {cmid} (seq {sorted(ack_seqs)}) is lost")
        elif by_cmid[cmid] not in ack_seqs:
            problems.append(f"{conv}: {cmid} acknowledged with seq {sorted(ack_seqs)}, "
                            f"stored with {by_cmid[cmid]}")
    return problems


def read_everywhere(cluster, acct_token, conv):
    """The conversation's full history read through every node:
    {node id: [(seq, msg_id, client_msg_id, from, text)]}."""
    from chatclient import Account
    out = {}
    for n in cluster:
        acct = Account(Client("127.0.0.1", n.http_port, timeout=OP_TIMEOUT * 2), "", "", {},
                       {"access_token": acct_token})
        out[n.node_id] = [(m["seq"], m["msg_id"], m.get("client_msg_id"), m["from"], m["text"])
                          for m in all_messages(acct, conv)]
    return out


# ---------------------------------------------------------------- availability

def unavailable_window(fault, probes, conv):
    """The longest stretch, overlapping the fault (start .. ready), during which
    no probe to `conv` started through a node other than the disturbed one
    succeeded: the distance between the starts of consecutive successful
    probes. Probes start every ~0.15 s per node, whatever is in flight, so
    between faults this is a fraction of a second."""
    done = sorted(o.started for o in probes
                  if o.detail["conv"] == conv and o.node != fault.node and o.outcome == "ok")
    end = fault.ready or fault.healed or fault.started
    longest = 0.0
    for a, b in zip(done, done[1:]):
        if b >= fault.started and a <= end:
            longest = max(longest, b - a)
    return longest


# ---------------------------------------------------------------- summary

def wall_ms(mono):
    """A monotonic instant as epoch milliseconds, the `ts` of the node logs."""
    return int((time.time() - time.monotonic() + mono) * 1000)


def failure_signature(o):
    """What kind of failure an operation is, for counting: kind, outcome and
    the answer's status or error code."""
    answer = o.detail.get("answer")
    if isinstance(answer, dict):
        what = answer.get("code") or answer.get("type")
    elif isinstance(answer, str) and answer.startswith("<HTTP "):
        what = answer.split("'")[0].strip("<> ") + " " + (answer.split('"code":"')[1].split('"')[0]
                                                            if '"code":"' in answer else "")
    else:
        what = ""
    slow = " (slow)" if o.seconds > OP_TIMEOUT + 1.0 else ""
    return f"{o.kind} {o.outcome} {what}{slow}".strip()


def summary(seed, seconds, history, faults, windows, failures, extra_lines=()):
    lines = [f"nemesis seed={seed} (replay: NEMESIS_SEED={seed}), workload {seconds:.0f} s",
             "operations (kind: outcome count …):"]
    table = collections.defaultdict(collections.Counter)
    for o in history.ops:
        table[o.kind][o.outcome.split(":")[0]] += 1
    for kind in sorted(table):
        lines.append(f"  {kind:14} " + "  ".join(f"{k}={v}" for k, v in sorted(table[kind].items())))
    lines.append("faults (kind node: healed after, ready after, longest send outage):")
    t0 = faults[0].started if faults else 0.0
    for f, w in zip(faults, windows):
        healed = f"{f.healed - f.started:5.2f}s" if f.healed else "  -  "
        ready = f"{f.ready - f.started:5.2f}s" if f.ready else "  -  "
        lines.append(f"  +{f.started - t0:6.1f}s (ts {wall_ms(f.started)}) {f.kind:7} {f.node}: "
                     f"healed {healed}, "
                     f"ready {ready}, outage {w:4.2f}s" + (f"  ERROR {f.error[:300]}" if f.error
                                                         else ""))
    if windows:
        lines.append(f"longest unavailability window: {max(windows):.2f} s")
    lines.append(f"failed operations: {len(failures)}")
    kinds = collections.Counter(failure_signature(o) for o in failures)
    for sig, k in kinds.most_common():
        lines.append(f"  {k:4} x {sig}")
    for o in failures[:20]:
        lines.append(f"  {o.kind} via {o.node} at +{o.started - t0:.2f}s (ts {wall_ms(o.started)}) "
                     f"took {o.seconds:.2f}s: "
                     f"{o.outcome} {o.detail}")
    lines.extend(extra_lines)
    return "\n".join(lines)
