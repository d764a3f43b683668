"""Clients that press on verifyd's connection handling: keep-alive send floods and fresh-connection health checks
(Floods), clients sending one byte per second (slow_client), connections that never send (IdleConnections), and
what the kernel and wrk report about them."""
import asyncio
import collections
import re
import time
import types

from ..api import SEND, key, sms_body
from ..clients.http import Connection, build_request, exchange

SlowResult = collections.namedtuple("SlowResult", "state lifetime sent got error")


class Floods:
    """Keep-alive senders (each as fast as one connection allows, reconnecting when the server closes) and
    fresh-connection health checks (the accept path under pressure), until `finish`. Every answer is recorded."""

    def __init__(self, scenario, port, targets):
        self.scenario = scenario
        self.port = port
        self.targets = targets
        self.answers = []
        self.stop = asyncio.Event()
        self.tasks = []

    def start(self, senders, health_checkers):
        self.tasks = [asyncio.create_task(self._sender()) for _ in range(senders)]
        self.tasks += [asyncio.create_task(self._health()) for _ in range(health_checkers)]

    async def finish(self):
        self.stop.set()
        await asyncio.gather(*self.tasks)

    def _record(self, answer):
        self.answers.append(answer)
        self.scenario.count(answer)

    async def _sender(self):
        while not self.stop.is_set():
            connection = await Connection.open(self.port)
            if connection is None:
                await asyncio.sleep(0.05)
                continue
            try:
                while not self.stop.is_set():
                    target = self.targets.next()
                    answer = await connection.request(build_request("POST", SEND, sms_body(target), close=False), 20)
                    answer.target = key(target)
                    self._record(answer)
                    if answer.outcome != "answer":
                        break
            finally:
                connection.close()

    async def _health(self):
        while not self.stop.is_set():
            answer = await exchange(self.port, build_request("GET", "/health/live", content_type=None), 20)
            answer.tag = "live"
            self._record(answer)


async def slow_client(port, target, deadline):
    """Sends a send request one byte per second until the server closes the connection (or `deadline` + 10 s)."""
    raw = build_request("POST", SEND, sms_body(target), close=False)
    started = time.monotonic()
    sent, got = 0, b""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError as error:
        return SlowResult("connect-failed", 0, 0, b"", repr(error))
    closed_by_server = False
    try:
        while sent < len(raw) and time.monotonic() - started < deadline + 10:
            try:
                writer.write(raw[sent:sent + 1])
                await writer.drain()
                sent += 1
            except (ConnectionError, OSError):
                closed_by_server = True
                break
            try:
                chunk = await asyncio.wait_for(reader.read(4096), 1.0)  # one byte per second
                got += chunk
                if chunk == b"":
                    closed_by_server = True
                    break
            except asyncio.TimeoutError:
                pass
            except (ConnectionError, OSError):
                closed_by_server = True
                break
    finally:
        writer.close()
    return SlowResult("closed" if closed_by_server else "open", time.monotonic() - started, sent, got, None)


class IdleConnections:
    """Connections that send nothing, held until the server closes them (or `hold` seconds pass)."""

    def __init__(self, port, hold):
        self.port = port
        self.hold = hold
        self.tasks = []
        self.connected = 0
        self.errors = collections.Counter()
        self.data = []  # the first bytes of anything the server sent on them
        self.lifetimes = []  # (seconds from connected, seconds from the connect call) until the server closed

    async def open(self, n, rate):
        """Opens `n`, `rate` a second. Paced: a burst faster than verifyd accepts overflows its listen queue
        (backlog 256), and the kernel then hands a connection over only after SYN-ACK retransmits (1, 3, 7, 15 s…),
        so the server's deadline could not start when the client thinks it is connected."""
        batch = 50
        for i in range(0, n, batch):
            t_batch = time.monotonic()
            self.tasks += [asyncio.create_task(self._one()) for _ in range(min(batch, n - i))]
            await asyncio.sleep(max(0.0, batch / rate - (time.monotonic() - t_batch)))

    def settled(self):
        """How many have connected or failed to."""
        return self.connected + sum(self.errors.values())

    async def closed(self):
        await asyncio.gather(*self.tasks)

    async def _one(self):
        started = time.monotonic()  # the server's timer cannot start before this
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", self.port), 15)
        except (OSError, asyncio.TimeoutError) as error:
            self.errors[type(error).__name__] += 1
            return
        opened = time.monotonic()
        self.connected += 1
        try:
            while True:
                chunk = await asyncio.wait_for(reader.read(4096), self.hold)
                if not chunk:
                    break
                self.data.append(chunk[:40])
        except asyncio.TimeoutError:
            self.errors["still-open"] += 1
            return
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()
        self.lifetimes.append((time.monotonic() - opened, time.monotonic() - started))


def listen_overflows():
    """The kernel's count of handshakes dropped because a listen queue was full (system-wide)."""
    with open("/proc/net/netstat") as f:
        lines = f.read().splitlines()
    for names, values in zip(lines[0::2], lines[1::2]):
        if names.startswith("TcpExt:"):
            return int(dict(zip(names.split(), values.split())).get("ListenOverflows", 0))
    return 0


def parse_wrk(text):
    """wrk's report: requests, the non-2xx/3xx line and count, the socket errors line and its timeouts."""
    m = re.search(r"(\d+) requests in", text)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return types.SimpleNamespace(requests=int(m.group(1)) if m else 0,
                                 non2xx_line=non2xx.group(0) if non2xx else "",
                                 non2xx=int(non2xx.group(1)) if non2xx else 0,
                                 errors_line=errors.group(0) if errors else "",
                                 timeouts=int(errors.group(4)) if errors else 0)
