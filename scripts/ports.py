#!/usr/bin/env python3
"""Free loopback TCP ports for the servers that `make bench`, `make profile`, `make run`, `make stack`, `make chaos`
and `scripts/bench-delivery.sh` start.

A port is picked outside the kernel's range of local (ephemeral) ports. A port that the kernel hands out with
`bind(0)` is one it also hands out to outgoing connections: under load wrk, verifyd and Redis open hundreds, and one
of them may take the port between the moment it is picked and the moment its server binds it. The test harness picks
its ports the same way (`Tests/TestSupport/Support.swift`, `FreePort`). A port is handed out once per process, so two
servers that have not bound theirs yet never get the same one.

`python3 scripts/ports.py N` prints N distinct free ports, one per line.
"""
import random, socket, sys

_handed_out = set()


def local_port_range():
    """The kernel's range of local ports (Linux's default when it cannot be read)."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low, high = (int(part) for part in f.read().split())
            return low, high
    except (OSError, ValueError):
        return 32768, 60999


def candidate_ports():
    """Ports outside the local range: below it when there is room, else above it."""
    low, high = local_port_range()
    if low - 20000 >= 2000:
        return range(20000, low)
    if 65535 - high >= 2000:
        return range(high + 1, 65536)
    return range(1024, 65536)


def free_ports(count):
    """`count` loopback ports that nothing listens on now and that this process never handed out before."""
    candidates = candidate_ports()
    sockets = []
    try:
        for _ in range(200 * count):
            if len(sockets) == count:
                break
            port = random.choice(candidates)
            if port in _handed_out:
                continue
            s = socket.socket()
            try:
                s.bind(("127.0.0.1", port))
                sockets.append(s)
                _handed_out.add(port)
            except OSError:
                s.close()
        if len(sockets) < count:
            sys.exit(f"ports: found {len(sockets)} of {count} free ports")
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def free_port():
    return free_ports(1)[0]


if __name__ == "__main__":
    print("\n".join(str(port) for port in free_ports(int(sys.argv[1]) if len(sys.argv) > 1 else 1)))
