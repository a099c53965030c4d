#!/usr/bin/env python3
"""Failover time of a replicated 3-node cluster, measured from outside.

Starts three chatnode processes (replicas = 3), creates one conversation per
group, then KILLS times: kill -9 the leader of a random group, and from the
moment of the kill post to that group's conversation through the other
nodes every 20 ms until a post is acknowledged (201). The time from the kill
to that first acknowledgement is the failover time as a client sees it. The
node is restarted and the cluster left to settle (groups back on their
preferred leaders) before the next kill. Prints each time and the summary.

    bench/failover_bench.py --chatnode build/src/chatnode --kills 20
"""
import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "integration"))

from chatclient import post_message  # noqa: E402
from cluster_harness import Cluster, group_owned_by, via  # noqa: E402


def first_ack_after(accounts, conv, since, limit=30.0):
    """Seconds from `since` until a post to `conv` through any of `accounts`
    is acknowledged."""
    i = 0
    while time.monotonic() - since < limit:
        acct = accounts[i % len(accounts)]
        i += 1
        try:
            r = post_message(acct, conv, f"probe {i}")
            if r.status == 201:
                return time.monotonic() - since
        except OSError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"no acknowledgement within {limit} s")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chatnode", required=True)
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="failover-bench-"))
    cluster = Cluster(str(Path(args.chatnode).resolve()), work, size=3)
    cluster.start()
    try:
        creator = cluster.account(cluster[0])
        convs = {n.node_id: group_owned_by(cluster, n, creator) for n in cluster}
        times = []
        for k in range(args.kills):
            victim = rng.choice(list(cluster))
            others = [via(creator, n) for n in cluster.others(victim)]
            t0 = time.monotonic()
            victim.kill9()
            took = first_ack_after(others, convs[victim.node_id], t0)
            times.append(took)
            print(f"kill {k + 1:2d}: {victim.node_id} -> served again after {took:.2f} s",
                  flush=True)
            victim.start()
            cluster.wait_ready(timeout=60)
        times.sort()
        print(f"\n{len(times)} kills: min {times[0]:.2f} s, median {statistics.median(times):.2f} s,"
              f" p90 {times[int(0.9 * (len(times) - 1))]:.2f} s, max {times[-1]:.2f} s")
    finally:
        cluster.stop_all_clean()


if __name__ == "__main__":
    main()
