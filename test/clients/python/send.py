#!/usr/bin/python3
"""Sends the client scenario of test/e2e/clients_scenario_test.go through the
`statsd` package (Debian's python3-statsd, for /usr/bin/python3), then a
negative absolute gauge.

Where to: over UDP, the package's own env-configured client
(statsd.defaults.env: STATSD_HOST, STATSD_PORT, STATSD_PREFIX); with
STATSD_SOCKET set (this script's own variable), its UnixSocketStatsClient on
that path instead: a Unix *stream* socket, the agent's listen.unix. The package
has no tags and no Unix datagram client. Exits non-zero on any error it sees
(the UDP client itself swallows send errors).
"""
import os
import random
import sys

# statsd drops a sampled call when random.random() > rate. A fixed coin
# (0.25, 0.75, 0.25, ...) against rate 0.5 makes it send the 1st, 3rd, ...
# sampled call: exact, never flaky. The flips are counted so that a statsd that
# stops using random.random fails here instead of flaking in the test.
flips = 0


def coin():
    global flips
    flips += 1
    return 0.25 if flips % 2 == 1 else 0.75


random.random = coin


def client():
    path = os.environ.get("STATSD_SOCKET")
    if path:
        import statsd
        return statsd.UnixSocketStatsClient(path, prefix=os.environ.get("STATSD_PREFIX"), timeout=10)
    from statsd.defaults.env import statsd as udp
    return udp


def main():
    c = client()
    c.incr("orders")
    c.incr("orders", 4)
    c.decr("orders", 2)
    for _ in range(10):
        c.incr("hits", rate=0.5)
    for ms in range(10, 101, 10):
        c.timing("latency", ms, rate=0.5)
    c.timing("render", 12.5)
    c.gauge("queue", 7)
    c.gauge("queue", 5, delta=True)
    c.gauge("queue", -2, delta=True)
    with c.pipeline() as pipe:  # one datagram (one write on a stream)
        for user in ("alice", "bob", "alice"):
            pipe.set("users", user)
    # "-5|g" would be a delta, so the client sends "temp:0|g" and "temp:-5|g"
    # in one datagram: the gauge takes 0, then -5.
    c.gauge("temp", -5)
    c.close()
    if flips != 20:
        sys.exit(f"send.py: statsd flipped the coin {flips} times, want 20")


if __name__ == "__main__":
    main()
