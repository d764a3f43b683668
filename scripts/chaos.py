#!/usr/bin/env python3
"""`make chaos`: fault injection against real verifyd processes (Python 3 standard library only).

Every scenario starts its own processes (redis-server on a free loopback port in a temporary directory, verifyd
instances, the sinks of Tests/sinks, nginx when needed), injects faults while clients send, asserts, and tears
everything down, also on a failed assertion, Ctrl-C or SIGTERM. Every wait is a condition polled with a deadline.
Each accepted send (HTTP 200, code 0) goes to a target no other send uses, so it is one code to follow to delivery.

    scripts/chaos.py --binary .build/release/verifyd            # the full suite
    scripts/chaos.py --binary .build/debug/verifyd --short      # the smaller one of `make test`
    scripts/chaos.py --binary … --only redis-kill,smtp-faults   # some scenarios
    scripts/chaos.py --binary … --keep                          # keep the logs even when everything passed

Exit status: 0 when every assertion held, 1 otherwise (130 on Ctrl-C, 143 on SIGTERM). scripts/chaos.sh builds the
binary, raises `ulimit -n` and runs this.
"""
from __future__ import annotations

import argparse
import asyncio
import atexit
import collections
import ctypes
import inspect
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEND = "/api/v2/common/send-verify-code"
CHECK = "/internal/v1/check-verify-code"
SECRET = "chaos-code-secret-0123456789abcdef"
INTERNAL_TOKEN = "chaos-internal-token-0123456789"
MAX_BODY = 16 * 1024


class ChaosFailure(Exception):
    """A failed assertion or a wait that reached its deadline: the scenario fails."""


# ----------------------------------------------------------------------------------------------------------------
# Child processes: each in its own session (a terminal's Ctrl-C reaches only us; we stop them ourselves), with
# PR_SET_PDEATHSIG so they die even if this script is SIGKILLed. Every one is registered and killed at the end.

_LIBC = ctypes.CDLL(None, use_errno=True)
PROCESSES: list["Child"] = []


def _child_setup():
    _LIBC.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


# PR_SET_PDEATHSIG reaches our children only, not their own children (nginx's workers). The janitor, a small
# process of its own, reads the process groups we start on a pipe; when the pipe closes (we exited, however: even
# SIGKILL), it kills every group it was told about.
JANITOR_CODE = """
import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_IGN)
groups = set()
for line in sys.stdin:
    line = line.strip()
    if line.startswith("-"):
        groups.discard(int(line[1:]))
    elif line:
        groups.add(int(line))
for g in groups:
    try:
        os.killpg(g, signal.SIGKILL)
    except OSError:
        pass
"""
_JANITOR = None


def janitor_track(pgid, done=False):
    global _JANITOR
    if _JANITOR is not None and _JANITOR.stdin.closed:
        return  # stopped: everything was killed already
    if _JANITOR is None:
        _JANITOR = subprocess.Popen([sys.executable, "-c", JANITOR_CODE], stdin=subprocess.PIPE,
                                    start_new_session=True, text=True)
    try:
        _JANITOR.stdin.write(f"{'-' if done else ''}{pgid}\n")
        _JANITOR.stdin.flush()
    except (BrokenPipeError, OSError, ValueError):
        pass


def janitor_stop():
    if _JANITOR is not None and not _JANITOR.stdin.closed:
        try:
            _JANITOR.stdin.close()
        except OSError:
            pass
        try:
            _JANITOR.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _JANITOR.kill()


class Child:
    def __init__(self, name, argv, *, env=None, cwd=None, stdout=None, stderr=None):
        self.name = name
        self.argv = argv
        out = open(stdout, "ab") if stdout else subprocess.DEVNULL
        err = open(stderr, "ab") if stderr else subprocess.DEVNULL
        try:
            self.popen = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                          start_new_session=True, preexec_fn=_child_setup)
        finally:
            for f in (out, err):
                if f is not subprocess.DEVNULL:
                    f.close()
        self.stderr_path = stderr
        self.stdout_path = stdout
        PROCESSES.append(self)
        janitor_track(self.popen.pid)

    @property
    def pid(self):
        return self.popen.pid

    def alive(self):
        return self.popen.poll() is None

    def signal(self, sig):
        if self.alive():
            os.kill(self.pid, sig)

    def kill_group(self):
        """SIGKILL to the child's whole process group (nginx's workers too), then reap it."""
        if self.popen.poll() is None:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        else:
            try:
                os.killpg(self.pid, signal.SIGKILL)  # a leftover of its group (nginx workers)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass

    def group_gone(self, timeout):
        """Waits until no process is left in the child's process group; then the janitor forgets the group."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                os.killpg(self.pid, 0)
            except ProcessLookupError:
                janitor_track(self.pid, done=True)
                return True
            except PermissionError:
                pass
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)

    def rss_kb(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def tail(self, n=15):
        text = ""
        for path in (self.stderr_path,):
            if path and os.path.exists(path):
                with open(path, "rb") as f:
                    f.seek(0, 2)
                    size = f.tell()
                    f.seek(max(0, size - 4000))
                    text += f.read().decode("utf-8", "replace")
        return "\n".join(text.splitlines()[-n:])


def kill_all():
    for child in reversed(PROCESSES):
        child.kill_group()
    for child in PROCESSES:
        child.group_gone(2)
    janitor_stop()


atexit.register(kill_all)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def wait_until(condition, timeout, what, interval=0.05):
    """Polls `condition` (sync or async) until it returns something truthy, or fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        try:
            value = condition()
            if inspect.isawaitable(value):
                value = await value
            if value:
                return value
        except (OSError, asyncio.TimeoutError, RedisError, ValueError) as error:
            last_error = error
        if time.monotonic() >= deadline:
            extra = f" (last error: {last_error})" if last_error else ""
            raise ChaosFailure(f"timed out after {timeout:g}s waiting until {what}{extra}")
        await asyncio.sleep(interval)


async def tcp_accepts(port):
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 1)
    except (OSError, asyncio.TimeoutError):
        return False
    writer.close()
    return True


# ----------------------------------------------------------------------------------------------------------------
# A tiny RESP client: one connection per command, so it survives the Redis it talks to being killed or paused.

class RedisError(Exception):
    pass


def _resp_encode(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        b = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(out)


async def _resp_read(reader):
    line = await reader.readuntil(b"\r\n")
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise RedisError(rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = await reader.readexactly(n + 2)
        return data[:-2].decode("utf-8", "replace")
    if kind == b"*":
        n = int(rest)
        if n < 0:
            return None
        return [await _resp_read(reader) for _ in range(n)]
    raise RedisError(f"bad reply {line!r}")


async def redis_cmd(port, *args, timeout=3.0):
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
    try:
        writer.write(_resp_encode(args))
        await writer.drain()
        return await asyncio.wait_for(_resp_read(reader), timeout)
    finally:
        writer.close()


def pairs(flat):
    return dict(zip(flat[0::2], flat[1::2])) if flat else {}


# ----------------------------------------------------------------------------------------------------------------
# HTTP over raw sockets: we need to send what no HTTP library sends, and to tell an answer from a closed
# connection from a hang.

class Answer:
    __slots__ = ("status", "headers", "body", "code", "envelope", "start", "end", "outcome", "error", "target", "tag")

    def __init__(self, start):
        self.start = start
        self.end = None
        self.status = None
        self.headers = {}
        self.body = b""
        self.code = None
        self.envelope = None
        self.outcome = None  # "answer", "closed", "timeout", "refused"
        self.error = None
        self.target = None
        self.tag = None

    @property
    def latency(self):
        return (self.end or time.monotonic()) - self.start

    def klass(self):
        if self.outcome != "answer":
            return "closed" if self.outcome in ("closed", "refused") else self.outcome
        return f"{self.status // 100}xx"

    def short(self):
        if self.outcome != "answer":
            return self.outcome
        return f"{self.status}:{self.code if self.code is not None else '-'}"


async def read_response(reader, head_only=False):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head[:-4].split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
        raise ValueError(f"bad status line {lines[0][:80]!r}")
    status = int(parts[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
    body = b""
    if head_only or status in (204, 304) or 100 <= status < 200:
        pass
    elif "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif "chunked" in headers.get("transfer-encoding", "").lower():
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
        body = b"".join(chunks)
    else:
        body = await reader.read()
    return status, headers, body


def build_request(method, path, body=b"", headers=None, *, content_type="application/json", close=True):
    if isinstance(body, str):
        body = body.encode()
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    if content_type:
        lines.append(f"Content-Type: {content_type}")
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    for k, v in (headers or {}).items():
        lines.append(f"{k}: {v}")
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def parse_envelope(answer):
    if answer.outcome != "answer" or not answer.body:
        return
    try:
        value = json.loads(answer.body)
    except ValueError:
        return
    if isinstance(value, dict) and "code" in value:
        answer.envelope = value
        answer.code = value["code"] if isinstance(value["code"], int) else None


async def exchange(port, raw, timeout, *, half_close=False, head_only=False, pieces=None):
    """Writes `raw` on a fresh connection and reads one answer. Never raises: the outcome says what happened."""
    answer = Answer(time.monotonic())
    writer = None
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)

        async def talk():
            try:
                if pieces:
                    for piece in pieces:
                        writer.write(piece)
                        await writer.drain()
                else:
                    writer.write(raw)
                    await writer.drain()
                if half_close and writer.can_write_eof():
                    writer.write_eof()
            except (ConnectionError, OSError):
                pass  # the server may answer (413) and close before taking the whole request: read what it said
            return await read_response(reader, head_only=head_only)

        answer.status, answer.headers, answer.body = await asyncio.wait_for(talk(), timeout)
        answer.outcome = "answer"
        parse_envelope(answer)
        if head_only and answer.headers.get("x-verifyd-code", "").isdigit():
            answer.code = int(answer.headers["x-verifyd-code"])  # HEAD: no body, the code is in the header
    except ConnectionRefusedError as error:
        answer.outcome, answer.error = "refused", repr(error)
    except asyncio.TimeoutError:
        answer.outcome = "timeout"
    except (asyncio.IncompleteReadError, ConnectionError, OSError, ValueError, asyncio.LimitOverrunError) as error:
        answer.outcome, answer.error = "closed", repr(error)
    finally:
        answer.end = time.monotonic()
        if writer is not None:
            writer.close()
    return answer


async def get(port, path, timeout=5.0):
    return await exchange(port, build_request("GET", path, content_type=None), timeout)


def sms_body(target):
    cc, phone = target
    return json.dumps({"type": "sms", "useType": 5, "templateId": 1, "account": phone, "countryCode": cc})


def email_body(address):
    return json.dumps({"type": "email", "useType": 5, "templateId": 1, "account": address})


class Targets:
    """Unique SMS targets: country code 86 and an 11-digit national number built from a counter."""

    def __init__(self, prefix):
        self.prefix = prefix  # 3 digits
        self.n = 0

    def next(self):
        self.n += 1
        return 86, f"{self.prefix}{self.n:08d}"


def key(target):
    return f"{target[0]}{target[1]}"


# ----------------------------------------------------------------------------------------------------------------
# Totals across scenarios.

class Scenario:
    """One scenario: its directory, its processes, its numbers and its failed assertions."""

    name = "?"

    def __init__(self, args, base_dir):
        self.args = args
        self.short = args.short
        self.dir = os.path.join(base_dir, self.name)
        os.makedirs(self.dir, exist_ok=True)
        self.children: list[Child] = []
        self.failures: list[str] = []
        self.numbers: dict[str, object] = {}
        self.requests = 0
        self.classes = collections.Counter()
        self.accepted = set()
        self.delivered = 0
        self.dead = 0
        self.lost = 0
        self.late = 0
        self.duplicates = 0
        self.faults = 0
        self.assertions = 0
        # --short runs the debug binary, several times slower: latency bounds that depend on verifyd's CPU (not on
        # its configured deadlines) get twice the slack.
        self.slack = 2.0 if args.short else 1.0

    # --- assertions
    def check(self, condition, message):
        self.assertions += 1
        if not condition:
            self.failures.append(message)
            log(f"  FAIL {self.name}: {message}")
        return condition

    def count(self, answer):
        self.requests += 1
        self.classes[answer.klass()] += 1

    def fault(self, what):
        self.faults += 1
        log(f"  fault: {what}")

    # --- processes
    def spawn(self, name, argv, **kw):
        child = Child(name, argv, **kw)
        self.children.append(child)
        return child

    def teardown(self):
        for child in reversed(self.children):
            child.kill_group()
        # No leaked process: every child's process group is empty (nginx's worker included).
        leaked = [f"{c.name} (group {c.pid})" for c in self.children if not c.group_gone(5)]
        self.check(not leaked, f"processes left after teardown: {leaked}")

    async def redis(self, aof=False, name="redis"):
        server = RedisServer(self, name, aof)
        await server.start()
        return server

    async def http_sink(self, delay=0.0):
        sink = HttpSink(self, delay)
        await sink.start()
        return sink

    async def smtp_sink(self):
        sink = SmtpSink(self)
        await sink.start()
        return sink

    async def verifyd(self, redis, name="verifyd", **env):
        instance = Verifyd(self, name, redis, env)
        await instance.start()
        return instance


class RedisServer:
    def __init__(self, scenario, name, aof):
        self.scenario = scenario
        self.name = name
        self.port = free_port()
        self.dir = os.path.join(scenario.dir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.aof = aof
        self.child = None

    async def start(self):
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir, "--save", "",
                "--logfile", os.path.join(self.dir, "redis.log"), "--maxclients", "1000"]
        if self.aof:
            argv += ["--appendonly", "yes", "--appendfsync", "always"]
        self.child = self.scenario.spawn(self.name, argv)
        await wait_until(self.ping, 15, f"{self.name} answers PING on {self.port}", interval=0.01)

    async def ping(self):
        try:
            return await redis_cmd(self.port, "PING", timeout=0.5) == "PONG"
        except (OSError, asyncio.TimeoutError, RedisError, asyncio.IncompleteReadError):
            return False

    async def cmd(self, *args):
        return await redis_cmd(self.port, *args)

    async def stats(self):
        return {k: int(v) for k, v in pairs(await self.cmd("HGETALL", "verify:stats")).items()}

    async def dead_letters(self):
        entries = await self.cmd("XRANGE", "verify:outbox:dead", "-", "+")
        return [pairs(fields) for _, fields in entries or []]

    async def settled(self):
        """The outbox is empty and nothing is pending: every queued code was delivered or dead-lettered."""
        length = await self.cmd("XLEN", "verify:outbox")
        try:
            pending = (await self.cmd("XPENDING", "verify:outbox", "verifyd"))[0]
        except RedisError:
            pending = 0  # no group yet
        return length == 0 and pending == 0


class HttpSink:
    def __init__(self, scenario, delay):
        self.scenario = scenario
        self.port = free_port()
        self.dir = os.path.join(scenario.dir, "http-sink")
        self.delay = delay
        self._offset = 0
        self._records = []

    async def start(self):
        argv = [sys.executable, os.path.join(ROOT, "Tests/sinks/http_sink.py"), "--port", str(self.port),
                "--dir", self.dir]
        if self.delay:
            argv += ["--delay", str(self.delay)]
        os.makedirs(self.dir, exist_ok=True)
        self.child = self.scenario.spawn("http-sink", argv, stderr=os.path.join(self.dir, "stderr"))
        await wait_until(lambda: tcp_accepts(self.port), 15, f"the webhook sink listens on {self.port}")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/sms"

    def records(self):
        path = os.path.join(self.dir, "requests.jsonl")
        if os.path.exists(path):
            with open(path, "rb") as f:
                f.seek(self._offset)
                data = f.read()
            complete = data[: data.rfind(b"\n") + 1]
            self._offset += len(complete)
            for line in complete.splitlines():
                if line.strip():
                    self._records.append(json.loads(line))
        return self._records

    def delivered(self):
        """Deliveries answered 2xx, by target (country code + national number)."""
        counts = collections.Counter()
        for r in self.records():
            if str(r.get("status", "")).startswith("2") and isinstance(r.get("body"), dict):
                counts[f"{r['body'].get('countryCode')}{r['body'].get('phoneNumber')}"] += 1
        return counts


class SmtpSink:
    def __init__(self, scenario):
        self.scenario = scenario
        self.port = free_port()
        self.dir = os.path.join(scenario.dir, "smtp-sink")

    async def start(self):
        os.makedirs(self.dir, exist_ok=True)
        argv = [sys.executable, os.path.join(ROOT, "Tests/sinks/smtp_sink.py"), "--port", str(self.port),
                "--dir", self.dir]
        self.child = self.scenario.spawn("smtp-sink", argv, stderr=os.path.join(self.dir, "stderr"))
        await wait_until(lambda: tcp_accepts(self.port), 15, f"the SMTP sink listens on {self.port}")

    def set(self, name, value):
        tmp = os.path.join(self.dir, f".{name}.tmp")
        with open(tmp, "w") as f:
            f.write(value)
        os.replace(tmp, os.path.join(self.dir, name))

    def _jsonl(self, name):
        path = os.path.join(self.dir, name)
        if not os.path.exists(path):
            return []
        with open(path, "rb") as f:
            data = f.read()
        return [json.loads(l) for l in data[: data.rfind(b"\n") + 1].splitlines() if l.strip()]

    def delivered(self):
        return collections.Counter(m["rcpt_tos"][0] for m in self._jsonl("messages.jsonl") if m.get("rcpt_tos"))

    def attempts(self):
        """(recipient, mode) of every DATA command."""
        return [(a["rcpt_tos"][0] if a.get("rcpt_tos") else "", a["mode"]) for a in self._jsonl("attempts.jsonl")]


class Verifyd:
    def __init__(self, scenario, name, redis, env):
        self.scenario = scenario
        self.name = name
        self.redis = redis
        self.port = free_port()
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/tmp"),
            "VERIFYD_HOST": "127.0.0.1",
            "VERIFYD_PORT": str(self.port),
            "VERIFYD_REDIS_URL": f"redis://127.0.0.1:{redis.port}",
            "VERIFYD_CODE_SECRET": SECRET,
            "VERIFYD_EMAIL": "log",
            "VERIFYD_SMS": "log",
            "VERIFYD_IP_RATE_LIMITS": "off",
            "VERIFYD_LOG_LEVEL": "warning",
            "VERIFYD_LOG_FORMAT": "json",
        }
        self.env.update({k: str(v) for k, v in env.items()})
        self.stdout = os.path.join(scenario.dir, f"{name}.out")
        self.stderr = os.path.join(scenario.dir, f"{name}.log")
        self._offset = 0
        self._log_lines = collections.Counter()

    async def start(self):
        self.child = self.scenario.spawn(self.name, [self.scenario.args.binary, "serve"], env=self.env,
                                         stdout=self.stdout, stderr=self.stderr)

        async def ready():
            if not self.child.alive():
                raise ChaosFailure(f"{self.name} exited at start: {self.child.tail()}")
            answer = await get(self.port, "/health/ready", timeout=2)
            return answer.status == 200

        await wait_until(ready, 30, f"{self.name} is ready on {self.port}")

    @property
    def pid(self):
        return self.child.pid

    def alive(self):
        return self.child.alive()

    def delivered(self):
        """The log driver's lines on stdout, by target."""
        counts = collections.Counter()
        with open(self.stdout, "rb") as f:
            data = f.read()
        for line in data[: data.rfind(b"\n") + 1].splitlines():
            try:
                counts[json.loads(line)["to"]] += 1
            except (ValueError, KeyError):
                pass
        return counts

    def crash_signs(self):
        """Lines in the logs that mean verifyd failed in a way no client caused."""
        with open(self.stderr, "rb") as f:
            text = f.read().decode("utf-8", "replace")
        signs = []
        for line in text.splitlines():
            if ("Fatal error" in line or "fatal error" in line or "unexpected error" in line
                    or "Segmentation" in line or "Illegal instruction" in line or '"level":"critical"' in line):
                signs.append(line[:300])
        return signs


def log(message):
    print(message, flush=True)


# ----------------------------------------------------------------------------------------------------------------
# Load: concurrent clients sending to unique targets, every answer recorded with its timing.

class SendLoad:
    def __init__(self, scenario, port, targets, *, concurrency, pace, timeout=15.0):
        self.scenario = scenario
        self.port = port
        self.targets = targets
        self.concurrency = concurrency
        self.pace = pace
        self.timeout = timeout
        self.answers: list[Answer] = []
        self.stop = asyncio.Event()

    async def _client(self):
        while not self.stop.is_set():
            target = self.targets.next()
            answer = await exchange(self.port, build_request("POST", SEND, sms_body(target)), self.timeout)
            answer.target = key(target)
            self.answers.append(answer)
            self.scenario.count(answer)
            if self.pace:
                await asyncio.sleep(self.pace)

    async def run(self):
        await asyncio.gather(*(self._client() for _ in range(self.concurrency)))

    def accepted(self):
        return [a for a in self.answers if a.status == 200 and a.code == 0]

    def first_success_after(self, t):
        hits = [a.end for a in self.answers if a.code == 0 and a.start >= t]
        return min(hits) if hits else None


async def follow(scenario, redis, delivered_fn, accepted, *, extra=(), timeout):
    """Waits until every accepted target (and the `extra` ones, known to be stored) was delivered and the outbox is
    settled, then counts what was lost, delivered twice, or stored although its answer was a 503."""
    accepted = set(accepted)
    must = accepted | set(extra)

    async def done():
        got = delivered_fn()
        return must <= set(got) and await redis.settled()

    try:
        await wait_until(done, timeout, f"all {len(must)} accepted codes are delivered and the outbox is settled",
                         interval=0.2)
    except ChaosFailure as error:
        scenario.check(False, str(error))
    got = delivered_fn()
    lost = accepted - set(got)
    scenario.accepted |= accepted
    scenario.delivered += len(accepted & set(got))
    scenario.lost += len(lost)
    scenario.duplicates += sum(c - 1 for t, c in got.items() if c > 1)
    scenario.check(not lost, f"lost = accepted − delivered = {len(lost)} (e.g. {sorted(lost)[:5]})")
    missing_extra = set(extra) - set(got)
    scenario.check(not missing_extra,
                   f"{len(missing_extra)} codes known to be stored were never delivered: {sorted(missing_extra)[:5]}")
    return got


def latency_check(scenario, answers, bound, what):
    slow = [a for a in answers if a.outcome == "answer" and a.latency > bound]
    hung = [a for a in answers if a.outcome == "timeout"]
    worst = max((a.latency for a in answers), default=0)
    scenario.numbers[f"{what}_max_latency"] = f"{worst:.2f}s"
    scenario.check(not hung, f"{len(hung)} {what} requests got no answer within the client timeout (hang)")
    scenario.check(not slow, f"{len(slow)} {what} requests took longer than {bound:.2f}s "
                             f"(worst {worst:.2f}s: {[a.short() for a in slow[:3]]})")


# ----------------------------------------------------------------------------------------------------------------
# 1 and 2: Redis killed (AOF) and Redis paused, under load.

REDIS_TIMEOUT_MS = 500


def outage_bound():
    # An anonymous SMS send is one Redis round trip: at most one command deadline, or none while no connection is
    # up (then 503 at once). Twice the deadline plus one second of slack for a loaded 2-core machine.
    return 2 * REDIS_TIMEOUT_MS / 1000 + 1.0


async def redis_outage(sc: Scenario, kind):
    redis = await sc.redis(aof=True)
    sink = await sc.http_sink(delay=0.03)  # slower than the senders: a backlog is queued when the fault hits
    vd = await sc.verifyd(redis, VERIFYD_SMS=sink.url, VERIFYD_REDIS_TIMEOUT_MS=REDIS_TIMEOUT_MS,
                          VERIFYD_DELIVERY_CLAIM_IDLE="2s", VERIFYD_DELIVERY_BACKOFF="200ms",
                          VERIFYD_SMS_TIMEOUT_MS=2000)
    load = SendLoad(sc, vd.port, Targets("131" if kind == "kill" else "132"), concurrency=6 if sc.short else 10,
                    pace=0.01)
    task = asyncio.create_task(load.run())
    try:
        await wait_until(lambda: len(load.accepted()) >= 30, 20, "sends are accepted under steady load")
        await asyncio.sleep(1.0 if sc.short else 2.0)
        queued = {pairs(fields).get("to") for _, fields in await redis.cmd("XRANGE", "verify:outbox", "-", "+")} - {None}
        if kind == "kill":
            sc.fault("SIGKILL redis-server under load")
            redis.child.signal(signal.SIGKILL)
            redis.child.popen.wait(10)
            t_down = time.monotonic()
            await asyncio.sleep(2.5 if sc.short else 4.0)
            t_up = time.monotonic()
            await redis.start()  # same port, same directory: it reloads the AOF
        else:
            sc.fault("SIGSTOP redis-server for 5 s under load")
            redis.child.signal(signal.SIGSTOP)
            t_down = time.monotonic()
            await asyncio.sleep(5.0)
            redis.child.signal(signal.SIGCONT)
            t_up = time.monotonic()
            await wait_until(redis.ping, 10, "redis answers PING after SIGCONT", interval=0.01)
        t_ping = time.monotonic()
        try:
            await wait_until(lambda: load.first_success_after(t_up), 15, "a send succeeds after the outage",
                             interval=0.01)
        except ChaosFailure as error:
            sc.check(False, str(error))
        await asyncio.sleep(2.0 if sc.short else 3.0)
    finally:
        load.stop.set()
        await task
    answers = load.answers
    sc.check(vd.alive(), "verifyd still runs (it was never restarted)")
    # During the outage: every request that started after the fault and ended before Redis came back got 503.
    during = [a for a in answers if a.start >= t_down + 0.02 and a.end <= t_up]
    bad = [a for a in during if not (a.status == 503 and a.code == 39503 and a.headers.get("retry-after") == "1")]
    sc.numbers["outage_requests"] = len(during)
    sc.check(len(during) >= 10, f"requests were sent during the outage ({len(during)})")
    sc.check(not bad, f"{len(bad)} of {len(during)} requests during the outage did not get 503/39503 with "
                      f"Retry-After: 1 ({collections.Counter(a.short() for a in bad).most_common(4)})")
    latency_check(sc, answers, outage_bound(), "send")
    others = [a for a in answers if not ((a.status == 200 and a.code == 0) or (a.status == 503 and a.code == 39503))]
    sc.check(not others, f"{len(others)} answers were neither 0 nor 503/39503: "
                         f"{collections.Counter(a.short() for a in others).most_common(5)}")
    first = load.first_success_after(t_up)
    if first is not None:
        resumed = first - t_ping
        sc.numbers["resumed_after_ping"] = f"{max(resumed, 0):.2f}s"
        limit = 2.0 if kind == "kill" else 3.0
        sc.check(resumed <= limit, f"success resumed {resumed:.2f}s after Redis answered PING (limit {limit}s)")
        # Once resumed, it stays resumed: no 503 for requests started a second later.
        after = [a for a in answers if a.start >= first + 1.0]
        relapses = [a for a in after if a.code != 0]
        sc.check(not relapses, f"{len(relapses)} of {len(after)} sends failed after recovery: "
                               f"{collections.Counter(a.short() for a in relapses).most_common(3)}")
    accepted = [a.target for a in load.accepted()]
    refused = {a.target for a in answers if a.status == 503}
    sc.numbers["queued_at_fault"] = len(queued)
    sc.check(len(queued) >= 5, f"codes were queued when the fault hit ({len(queued)}), so the outbox had to survive it")
    got = await follow(sc, redis, sink.delivered, accepted, extra=queued, timeout=60)
    sc.late += len(refused & set(got))
    dead = await redis.dead_letters()
    sc.check(not dead, f"{len(dead)} dead letters although the webhook always accepts: "
                       f"{[d.get('reason') for d in dead[:3]]}")
    stats = await redis.stats()
    sc.numbers.update(requests=len(answers), accepted=len(accepted), answered_503=len(refused),
                      stored_despite_503=len(refused & set(got)), stats_duplicates=stats.get("duplicates", 0),
                      redelivered=sum(c - 1 for c in got.values() if c > 1))
    signs = vd.crash_signs()
    sc.check(not signs, f"verifyd logged failures: {signs[:3]}")


class RedisKill(Scenario):
    name = "redis-kill"

    async def run(self):
        await redis_outage(self, "kill")


class RedisPause(Scenario):
    name = "redis-pause"

    async def run(self):
        await redis_outage(self, "pause")


# ----------------------------------------------------------------------------------------------------------------
# 3: a verifyd instance SIGKILLed behind nginx while its worker holds deliveries.

def nginx_conf(lb_port, ports, prefix):
    with open(os.path.join(ROOT, "docker/nginx.conf")) as f:
        text = f.read()
    text = text.replace("listen 8080;", f"listen 127.0.0.1:{lb_port};")
    for i, port in enumerate(ports, 1):
        text = text.replace(f"server verifyd-{i}:8080", f"server 127.0.0.1:{port}")
    text = text.replace("worker_processes auto;", "worker_processes 1;")
    if "127.0.0.1:" + str(ports[-1]) not in text:
        raise ChaosFailure("docker/nginx.conf no longer has the upstreams this scenario rewrites")
    path = os.path.join(prefix, "nginx.conf")
    with open(path, "w") as f:
        f.write(text)
    return path


class InstanceKill(Scenario):
    name = "instance-kill"

    async def run(self):
        redis = await self.redis(aof=True)
        sink = await self.http_sink(delay=0.3)
        env = dict(VERIFYD_SMS=sink.url, VERIFYD_TRUSTED_PROXIES="127.0.0.1/32", VERIFYD_DELIVERY_CLAIM_IDLE="2s",
                   VERIFYD_DELIVERY_BACKOFF="200ms", VERIFYD_SMS_TIMEOUT_MS=1500, VERIFYD_DELIVERY_CONCURRENCY=16,
                   VERIFYD_REDIS_TIMEOUT_MS=1000)
        instances = [await self.verifyd(redis, name=f"verifyd-{i}", **env) for i in (1, 2, 3)]
        prefix = os.path.join(self.dir, "nginx")
        os.makedirs(os.path.join(prefix, "tmp"), exist_ok=True)
        lb = free_port()
        conf = nginx_conf(lb, [v.port for v in instances], prefix)
        self.spawn("nginx", ["nginx", "-p", prefix, "-c", conf, "-g", "daemon off;"],
                   stderr=os.path.join(prefix, "nginx.log"))
        await wait_until(lambda: tcp_accepts(lb), 15, "nginx listens")

        async def through_nginx():
            return (await get(lb, "/health/live", timeout=2)).status == 200

        await wait_until(through_nginx, 15, "nginx answers /health/live from the instances")
        load = SendLoad(self, lb, Targets("133"), concurrency=8, pace=0.02, timeout=20)
        task = asyncio.create_task(load.run())
        victim = instances[1]
        try:
            await wait_until(lambda: len(load.accepted()) >= 40, 20, "sends are accepted through nginx")

            async def victim_holds():
                consumers = await redis.cmd("XINFO", "CONSUMERS", "verify:outbox", "verifyd")
                for c in consumers or []:
                    info = pairs(c)
                    if f"-{victim.pid}-" in info.get("name", "") and int(info.get("pending", 0)) >= 3:
                        return info["name"]
                return None

            consumer = await wait_until(victim_holds, 20, "the victim's worker holds deliveries in flight")
            self.fault(f"SIGKILL {victim.name} (pid {victim.pid}) behind nginx with deliveries in flight")
            victim.child.signal(signal.SIGKILL)
            victim.child.popen.wait(10)
            t_kill = time.time()
            t_kill_mono = time.monotonic()
            pending = await redis.cmd("XPENDING", "verify:outbox", "verifyd", "-", "+", "1000", consumer)
            held_ids = [p[0] for p in pending or []]
            held = set()
            for entry_id in held_ids:
                rows = await redis.cmd("XRANGE", "verify:outbox", entry_id, entry_id)
                for _, fields in rows or []:
                    held.add(pairs(fields).get("to"))
            held.discard(None)
            self.numbers["held_by_victim"] = len(held)
            self.check(len(held) >= 1, "the killed worker held entries at the kill")
            await asyncio.sleep(3.0 if self.short else 5.0)
        finally:
            load.stop.set()
            await task
        answers = load.answers
        after_kill = [a for a in answers if a.start >= t_kill_mono]
        self.check(len(after_kill) >= 20, f"clients kept sending after the kill ({len(after_kill)})")
        not_answered = [a for a in answers if a.outcome != "answer"]
        self.check(not not_answered, f"{len(not_answered)} requests through nginx got no answer: "
                                     f"{collections.Counter(a.short() for a in not_answered)}")
        ok_codes = {0, 33201}
        others = [a for a in answers if a.outcome == "answer" and not (a.status == 200 and a.code in ok_codes)]
        self.check(not others, f"{len(others)} answers through nginx were neither 0 nor 33201: "
                               f"{collections.Counter(a.short() for a in others).most_common(5)}")
        latency_check(self, answers, 3.0, "send")
        # 33201 for a target nobody else used: nginx retried a send the victim had already stored (README, Docker).
        retried = [a.target for a in answers if a.code == 33201]
        accepted = [a.target for a in load.accepted()]
        got = await follow(self, redis, sink.delivered, accepted, extra=set(retried) | held, timeout=60)
        # Each entry the victim held was delivered by another worker: a webhook call that arrived after the kill.
        arrived_after = set()
        for r in sink.records():
            if r.get("received_at", r.get("at", 0)) > t_kill and str(r.get("status")).startswith("2"):
                body = r.get("body") or {}
                arrived_after.add(f"{body.get('countryCode')}{body.get('phoneNumber')}")
        orphans = held - arrived_after
        self.check(not orphans, f"{len(orphans)} entries held by the killed worker were not delivered by another "
                                f"worker after the kill: {sorted(orphans)[:5]}")
        consumers = {pairs(c)["name"]: int(pairs(c)["pending"])
                     for c in await redis.cmd("XINFO", "CONSUMERS", "verify:outbox", "verifyd")}
        self.check(consumers.get(consumer, 0) == 0, f"the killed worker's pending list was taken over "
                                                    f"({consumers.get(consumer)} left)")
        survivors = [v for v in instances if v is not victim]
        self.check(all(v.alive() for v in survivors), "the other instances still run")
        dead = await redis.dead_letters()
        self.check(not dead, f"{len(dead)} dead letters: {[d.get('reason') for d in dead[:3]]}")
        stats = await redis.stats()
        self.numbers.update(requests=len(answers), accepted=len(accepted), retried_33201=len(retried),
                            redelivered=sum(c - 1 for c in got.values() if c > 1),
                            duplicates_stat=stats.get("duplicates", 0))
        for v in survivors:
            signs = v.crash_signs()
            self.check(not signs, f"{v.name} logged failures: {signs[:3]}")


# ----------------------------------------------------------------------------------------------------------------
# 4: SMTP faults: 451 then ok, 550, 451 until exhausted, hang, drop mid-DATA, accepted-then-dropped.

SMTP_ATTEMPTS = 4
SMTP_TIMEOUT_MS = 1000


class SmtpFaults(Scenario):
    name = "smtp-faults"

    async def run(self):
        redis = await self.redis()
        smtp = await self.smtp_sink()
        vd = await self.verifyd(
            redis, VERIFYD_EMAIL=f"smtp://127.0.0.1:{smtp.port}", VERIFYD_SMTP_STARTTLS="off",
            VERIFYD_EMAIL_FROM="Chaos <noreply@chaos.example>", VERIFYD_SMTP_TIMEOUT_MS=SMTP_TIMEOUT_MS,
            VERIFYD_DELIVERY_BACKOFF="100ms", VERIFYD_DELIVERY_MAX_ATTEMPTS=SMTP_ATTEMPTS,
            VERIFYD_DELIVERY_CLAIM_IDLE="10s", VERIFYD_DELIVERY_CONCURRENCY=16)
        self.smtp, self.redis_server, self.vd = smtp, redis, vd
        self.expect_dead = {}
        self.dup_allowed = collections.Counter()
        self.all_accepted = []
        self.stuck = set()
        smtp.set("mode", "ok")
        n = 3 if self.short else 6

        # Three 451s for the first deliveries, then ok: retried, then delivered once each.
        before = await redis.stats()
        smtp.set("modes", "tempfail,tempfail,tempfail")
        phase = await self.phase("tempfail", n)
        await self.wait_delivered(phase)
        after = await redis.stats()
        tempfails = sum(1 for r, m in smtp.attempts() if m == "tempfail" and r in phase)
        self.check(tempfails == 3, f"the three queued 451 answers were used ({tempfails})")
        self.check(after.get("retries", 0) - before.get("retries", 0) >= 3,
                   f"verify:stats retries grew by at least 3 after three 451s "
                   f"({before.get('retries', 0)} → {after.get('retries', 0)})")

        # 550: permanent, dead-lettered at once with the documented reason.
        smtp.set("mode", "reject")
        phase = await self.phase("reject", n)
        await self.wait_dead(phase, re.compile(r"^smtp permanent: .*550.* after 1 attempt$"))
        smtp.set("mode", "ok")

        # 451 for good: exhausted after VERIFYD_DELIVERY_MAX_ATTEMPTS attempts.
        before = await redis.stats()
        smtp.set("mode", "tempfail")
        phase = await self.phase("exhaust", max(2, n // 2))
        await self.wait_dead(phase, re.compile(rf"^smtp transient: .* after {SMTP_ATTEMPTS} attempts$"))
        smtp.set("mode", "ok")
        after = await redis.stats()
        per = collections.Counter(r for r, m in smtp.attempts() if r in phase)
        self.check(all(per[r] == SMTP_ATTEMPTS for r in phase),
                   f"each exhausted code had {SMTP_ATTEMPTS} attempts ({dict(per)})")
        self.check(after.get("retries", 0) - before.get("retries", 0) >= len(phase) * (SMTP_ATTEMPTS - 1),
                   "retries counted for every re-attempt of the exhausted codes")

        # The relay hangs after DATA (VERIFYD_SMTP_TIMEOUT_MS ends the attempt: README, "a timeout [is] transient"),
        # or drops the connection mid-DATA: retried, then delivered once when the relay is back (the sink never
        # took the message, so no copy exists yet).
        for mode in ("hang", "drop"):
            before = await redis.stats()
            smtp.set("mode", mode)
            phase = await self.phase(mode, n)
            await wait_until(lambda: {r for r, m in smtp.attempts() if m == mode} >= set(phase), 20,
                             f"every {mode} code met the {mode}")
            smtp.set("mode", "ok")
            # The next attempt must come within the SMTP deadline plus the first backoff (and slack).
            bound = SMTP_TIMEOUT_MS / 1000 + 0.125 + 4.0
            try:
                await wait_until(lambda: all(sum(1 for r, _ in smtp.attempts() if r == t) >= 2 for t in phase),
                                 bound, f"every {mode} code is attempted again", interval=0.1)
            except ChaosFailure:
                late = [t for t in phase if sum(1 for r, _ in smtp.attempts() if r == t) < 2]
                self.check(False, f"SMTP {mode}: {len(late)} of {len(phase)} attempts were not ended within "
                                  f"VERIFYD_SMTP_TIMEOUT_MS={SMTP_TIMEOUT_MS} (no second attempt after {bound:.1f}s): "
                                  f"the transfer waits for the relay's reply to DATA beyond the documented deadline "
                                  f"(libcurl's 120 s server response timeout applies instead)")
                self.stuck |= set(late)
                phase = [t for t in phase if t not in late]
            await self.wait_delivered(phase)
            after = await redis.stats()
            self.check(after.get("retries", 0) - before.get("retries", 0) >= len(phase),
                       f"{mode}: retries grew by at least {len(phase)}")

        # Accepted, then the connection dropped before the 250: at-least-once allows a second copy.
        smtp.set("modes", ",".join(["acceptdrop"] * n))
        phase = await self.phase("acceptdrop", n)
        await self.wait_delivered(phase)
        for r, m in smtp.attempts():
            if m == "acceptdrop":
                self.dup_allowed[r] += 1

        # Every accepted code ends delivered or dead-lettered, as documented; twice only where allowed.
        async def settled():
            if not self.stuck:
                return await redis.settled()
            return await redis.cmd("XLEN", "verify:outbox") == len(self.stuck)

        try:
            await wait_until(settled, 20, "the outbox is settled")
        except ChaosFailure as error:
            self.check(False, str(error))
        delivered = smtp.delivered()
        dead_to = collections.Counter(d.get("to") for d in await redis.dead_letters())
        accepted = set(self.all_accepted)
        self.accepted |= accepted
        for r in accepted:
            d, x = delivered.get(r, 0), dead_to.get(r, 0)
            if r in self.stuck:
                continue  # already failed above: still in an attempt that outlived its deadline
            if r in self.expect_dead:
                self.check(d == 0 and x == 1, f"{r}: dead-lettered once and never delivered ({d} delivered, {x} dead)")
            else:
                self.check(d >= 1 and x == 0, f"{r}: delivered ({d} delivered, {x} dead)")
                self.check(d - 1 <= self.dup_allowed[r],
                           f"{r}: delivered {d} times with only {self.dup_allowed[r]} accepted-then-dropped attempts")
        self.delivered += sum(1 for r in accepted if delivered.get(r, 0) >= 1)
        self.dead += sum(1 for r in accepted if dead_to.get(r, 0) >= 1)
        self.lost += sum(1 for r in accepted if delivered.get(r, 0) == 0 and dead_to.get(r, 0) == 0)
        self.duplicates += sum(max(0, delivered.get(r, 0) - 1) for r in accepted)
        self.check(self.lost == 0, f"lost = {self.lost} (accepted codes neither delivered nor dead-lettered within the "
                                   f"scenario's deadlines{'; stuck in an SMTP attempt: ' + str(len(self.stuck)) if self.stuck else ''})")
        stats = await redis.stats()
        self.check(stats.get("dead", 0) == len(self.expect_dead),
                   f"verify:stats dead = {stats.get('dead', 0)}, dead-lettered codes = {len(self.expect_dead)}")
        self.numbers.update(accepted=len(accepted), retries=stats.get("retries", 0), stats_dead=stats.get("dead", 0),
                            smtp_attempts=len(smtp.attempts()), allowed_duplicates=self.duplicates,
                            modes=",".join(sorted({m for _, m in smtp.attempts()})))
        self.check(vd.alive(), "verifyd still runs")
        signs = vd.crash_signs()
        self.check(not signs, f"verifyd logged failures: {signs[:3]}")

    async def phase(self, name, n):
        self.fault(f"SMTP {name} ({n} codes)")
        targets = [f"{name}-{i}-{random.randrange(10**6)}@chaos.example" for i in range(n)]
        answers = await asyncio.gather(*(exchange(self.vd.port, build_request("POST", SEND, email_body(t)), 10)
                                         for t in targets))
        for a in answers:
            self.count(a)
        ok = [t for t, a in zip(targets, answers) if a.status == 200 and a.code == 0]
        self.check(len(ok) == n, f"{name}: all {n} sends accepted ({[a.short() for a in answers]})")
        self.all_accepted += ok
        return ok

    async def wait_delivered(self, phase):
        try:
            await wait_until(lambda: set(phase) <= set(self.smtp.delivered()), 30,
                             f"{len(phase)} codes are delivered by SMTP", interval=0.1)
        except ChaosFailure as error:
            self.check(False, str(error))

    async def wait_dead(self, phase, reason):
        async def dead():
            letters = {d.get("to"): d for d in await self.redis_server.dead_letters()}
            return letters if set(phase) <= set(letters) else None

        try:
            letters = await wait_until(dead, 30, f"{len(phase)} codes are dead-lettered", interval=0.1)
        except ChaosFailure as error:
            self.check(False, str(error))
            return
        for t in phase:
            self.expect_dead[t] = letters[t].get("reason", "")
            self.check(bool(reason.match(letters[t].get("reason", ""))),
                       f"dead letter of {t} has the documented reason (got {letters[t].get('reason')!r})")
            self.check(letters[t].get("source", "") != "", f"dead letter of {t} names its source entry")


# ----------------------------------------------------------------------------------------------------------------
# 5: slow clients, idle connections and floods; a probe in its own process measures what a client sees meanwhile.

async def probe_main(port, stop_file, out, interval):
    """Runs in a separate process (so the floods' event loop does not delay it): a send and a /health/live on fresh
    connections every `interval` seconds, until `stop_file` exists. Writes one JSON line per request."""
    targets = Targets("199")
    with open(out, "w") as f:
        while not os.path.exists(stop_file):
            t0 = time.monotonic()
            target = targets.next()
            for kind, raw in (("live", build_request("GET", "/health/live", content_type=None)),
                              ("send", build_request("POST", SEND, sms_body(target)))):
                a = await exchange(port, raw, 20)
                f.write(json.dumps({"kind": kind, "latency": a.latency, "status": a.status, "code": a.code,
                                    "outcome": a.outcome, "target": key(target) if kind == "send" else None}) + "\n")
                f.flush()
            await asyncio.sleep(max(0.0, interval - (time.monotonic() - t0)))


def listen_overflows():
    """The kernel's count of handshakes dropped because a listen queue was full (system-wide)."""
    with open("/proc/net/netstat") as f:
        lines = f.read().splitlines()
    for names, values in zip(lines[0::2], lines[1::2]):
        if names.startswith("TcpExt:"):
            return int(dict(zip(names.split(), values.split())).get("ListenOverflows", 0))
    return 0


class Floods(Scenario):
    name = "slow-idle-flood"

    async def run(self):
        timeout_ms = 5000 if self.short else 10000
        idle_n = 1000 if self.short else 10000
        idle_rate = 1000 if self.short else 2500  # connections opened per second, below what verifyd accepts
        import resource
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != resource.RLIM_INFINITY and soft < idle_n + 1000:
            raise ChaosFailure(f"ulimit -n is {soft}: {idle_n} idle connections need {idle_n + 1000} "
                               f"(scripts/chaos.sh raises it)")
        slow_n = 4 if self.short else 8
        flood_c = 8 if self.short else 16
        redis = await self.redis()
        vd = await self.verifyd(redis, VERIFYD_REQUEST_TIMEOUT_MS=timeout_ms, VERIFYD_REDIS_TIMEOUT_MS=2000)
        timeout = timeout_ms / 1000
        stop_file = os.path.join(self.dir, "probe.stop")
        probe_out = os.path.join(self.dir, "probe.jsonl")
        probe = self.spawn("probe", [sys.executable, os.path.abspath(__file__), "--probe", str(vd.port),
                                     "--probe-stop", stop_file, "--probe-out", probe_out],
                           stderr=os.path.join(self.dir, "probe.log"))
        await wait_until(lambda: os.path.exists(probe_out) and os.path.getsize(probe_out) > 0, 15, "the probe runs")
        baseline_probe = len(open(probe_out).read().splitlines())

        stop = asyncio.Event()
        flood_answers: list[Answer] = []
        flood_targets = Targets("134")

        async def flood_keepalive():
            # Sends as fast as one connection allows, keep-alive, reconnecting when the server closes.
            while not stop.is_set():
                try:
                    reader, writer = await asyncio.open_connection("127.0.0.1", vd.port)
                except OSError:
                    await asyncio.sleep(0.05)
                    continue
                try:
                    while not stop.is_set():
                        target = flood_targets.next()
                        answer = Answer(time.monotonic())
                        answer.target = key(target)
                        writer.write(build_request("POST", SEND, sms_body(target), close=False))
                        try:
                            await writer.drain()
                            answer.status, answer.headers, answer.body = await asyncio.wait_for(
                                read_response(reader), 20)
                            answer.outcome = "answer"
                            parse_envelope(answer)
                        except asyncio.TimeoutError:
                            answer.outcome = "timeout"
                        except (asyncio.IncompleteReadError, ConnectionError, OSError, ValueError) as error:
                            answer.outcome, answer.error = "closed", repr(error)
                        answer.end = time.monotonic()
                        flood_answers.append(answer)
                        self.count(answer)
                        if answer.outcome != "answer":
                            break
                finally:
                    writer.close()

        async def flood_fresh():
            # Health checks on a fresh connection each: the accept path under pressure.
            while not stop.is_set():
                a = await exchange(vd.port, build_request("GET", "/health/live", content_type=None), 20)
                a.tag = "live"
                flood_answers.append(a)
                self.count(a)

        slow_results = []

        async def slow_client(i):
            target = (86, f"135{i:08d}")
            raw = build_request("POST", SEND, sms_body(target), close=False)
            started = time.monotonic()
            sent = 0
            got = b""
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", vd.port)
            except OSError as error:
                slow_results.append(("connect-failed", 0, 0, repr(error)))
                return
            closed_by_server = False
            try:
                while sent < len(raw) and time.monotonic() - started < timeout + 10:
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
            slow_results.append(("closed" if closed_by_server else "open", time.monotonic() - started, sent, got))

        idle_lifetimes = []
        idle_errors = collections.Counter()
        idle_data = []
        idle_connected = [0]

        async def idle_one():
            started = time.monotonic()  # the server's timer cannot start before this
            try:
                reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", vd.port), 15)
            except (OSError, asyncio.TimeoutError) as error:
                idle_errors[type(error).__name__] += 1
                return
            opened = time.monotonic()
            idle_connected[0] += 1
            try:
                while True:
                    chunk = await asyncio.wait_for(reader.read(4096), timeout + 15)
                    if not chunk:
                        break
                    idle_data.append(chunk[:40])
            except asyncio.TimeoutError:
                idle_errors["still-open"] += 1
                return
            except (ConnectionError, OSError):
                pass
            finally:
                writer.close()
            idle_lifetimes.append((time.monotonic() - opened, time.monotonic() - started))

        async def open_idle():
            # Paced: a burst faster than verifyd accepts overflows its listen queue (backlog 256), and the kernel
            # then hands a connection over only after SYN-ACK retransmits (1, 3, 7, 15 s…), so the server's
            # deadline could not start when the client thinks it is connected.
            tasks, batch = [], 50
            for i in range(0, idle_n, batch):
                t_batch = time.monotonic()
                tasks += [asyncio.create_task(idle_one()) for _ in range(min(batch, idle_n - i))]
                await asyncio.sleep(max(0.0, batch / idle_rate - (time.monotonic() - t_batch)))
            return tasks

        wrk = None
        wrk_out = os.path.join(self.dir, "wrk.out")
        overflows_before = listen_overflows()
        self.fault(f"{idle_n} idle connections")
        t_idle = time.monotonic()
        idle_tasks = await open_idle()
        await wait_until(lambda: idle_connected[0] + sum(idle_errors.values()) >= idle_n, 30,
                         f"{idle_n} idle connections are open")
        self.numbers["idle_open_in"] = f"{time.monotonic() - t_idle:.1f}s"
        # The floods and slow clients run while the idle connections are held, until they are all closed.
        duration = timeout - (time.monotonic() - t_idle) + 3
        self.fault(f"{slow_n} slow clients (one byte per second)")
        self.fault(f"request floods ({flood_c} keep-alive senders, fresh-connection health checks"
                   f"{', wrk' if shutil.which('wrk') else ''})")
        t0 = time.monotonic()
        if shutil.which("wrk"):
            wrk = self.spawn("wrk", ["wrk", "-t1", f"-c{8 if self.short else 16}", f"-d{int(duration)}s", "--timeout", "10s",
                                     f"http://127.0.0.1:{vd.port}/health/live"], stdout=wrk_out, stderr=wrk_out)
        slow_tasks = [asyncio.create_task(slow_client(i)) for i in range(slow_n)]
        flood_tasks = [asyncio.create_task(flood_keepalive()) for _ in range(flood_c)]
        flood_tasks += [asyncio.create_task(flood_fresh()) for _ in range(4)]
        peak = 0
        while time.monotonic() - t0 < duration:
            await asyncio.sleep(0.25)
            peak = max(peak, vd.child.rss_kb() if vd.alive() else 0)
        stop.set()
        await asyncio.gather(*flood_tasks)
        await asyncio.gather(*slow_tasks)
        await asyncio.gather(*idle_tasks)
        overflows = listen_overflows() - overflows_before
        self.numbers["listen_overflows"] = overflows
        overflow_note = (f" — the kernel dropped {overflows} handshakes on full listen queues meanwhile: a connection "
                         f"verifyd had not accepted yet has no deadline running" if overflows else "")
        if wrk is not None:
            await wait_until(lambda: not wrk.alive(), 20, "wrk finished")
        with open(stop_file, "w"):
            pass
        await wait_until(lambda: not probe.alive(), 30, "the probe stopped")

        # The probe: answered within bounds the whole time.
        probes = [json.loads(l) for l in open(probe_out).read().splitlines()[baseline_probe:] if l.strip()]
        lives = [p for p in probes if p["kind"] == "live"]
        sends = [p for p in probes if p["kind"] == "send"]
        live_bound, send_bound = (1.0 * self.slack, 2.0 * self.slack)
        self.check(len(lives) >= 5, f"the probe ran during the floods ({len(lives)} probes)")
        for kind, items, bound, want in (("live", lives, live_bound, 0), ("send", sends, send_bound, 0)):
            worst = max((p["latency"] for p in items), default=0)
            self.numbers[f"probe_{kind}_max"] = f"{worst:.2f}s"
            failed = [p for p in items if p["outcome"] != "answer" or p["status"] != 200 or p["code"] != want]
            self.check(not failed, f"probe {kind}: {len(failed)} of {len(items)} not answered 200/{want}: "
                                   f"{[(p['outcome'], p['status'], p['code']) for p in failed[:3]]}")
            self.check(worst <= bound, f"probe {kind}: worst latency {worst:.2f}s within {bound}s")
        for p in probes:
            self.requests += 1
            self.classes["2xx" if p["status"] and p["status"] < 300 else
                         ("closed" if p["outcome"] != "answer" else f"{p['status'] // 100}xx")] += 1

        # Slow clients: cut off by the request deadline, without an answer (or a 408), before finishing the head.
        self.numbers["slow_clients"] = len(slow_results)
        for state, lifetime, sent, got in slow_results:
            self.check(state == "closed", f"a slow client was closed by the server ({state} after {lifetime:.1f}s)")
            self.check(lifetime <= timeout + 2.5, f"a slow client was cut off within the deadline + 2.5 s "
                                                  f"({lifetime:.1f}s, deadline {timeout:g}s)")
            self.check(got == b"" or got.startswith(b"HTTP/1.1 408"),
                       f"a slow client got no answer or a 408 ({got[:40]!r})")
        self.numbers["slow_cutoff"] = f"{max((r[1] for r in slow_results), default=0):.1f}s"
        self.requests += len(slow_results)
        self.classes["closed"] += sum(1 for r in slow_results if r[0] == "closed")

        # Idle connections: all were opened, held, and closed by the server after the deadline.
        self.numbers["idle_opened"] = len(idle_lifetimes)
        self.check(not idle_errors, f"idle connections: {dict(idle_errors)}{overflow_note}")
        self.check(len(idle_lifetimes) == idle_n, f"{len(idle_lifetimes)} of {idle_n} idle connections held")
        if idle_lifetimes:
            longest = max(after_open for after_open, _ in idle_lifetimes)
            shortest = min(after_start for _, after_start in idle_lifetimes)
            median = sorted(after_open for after_open, _ in idle_lifetimes)[len(idle_lifetimes) // 2]
            self.numbers["idle_closed_after"] = f"{shortest:.1f}/{median:.1f}/{longest:.1f}s"
            slack = 3 * self.slack  # the close timers of 10,000 connections fire on busy event loops
            self.check(longest <= timeout + slack, f"idle connections closed by the server within the deadline + "
                                                   f"{slack:g} s (longest {longest:.1f}s){overflow_note}")
            self.check(shortest >= timeout - 0.1, f"idle connections kept for the deadline (shortest {shortest:.1f}s "
                                                  f"from the connect call)")
        self.check(not idle_data, f"idle connections got no data ({idle_data[:2]})")

        # Floods: every request answered, sends answered 0 (503 only as documented for an overloaded Redis).
        sends_flood = [a for a in flood_answers if a.tag != "live"]
        lives_flood = [a for a in flood_answers if a.tag == "live"]
        bad = [a for a in flood_answers if not (a.status == 200 and a.code == 0)
               and not (a.status == 503 and a.code == 39503)]
        self.check(not bad, f"{len(bad)} flood requests were not answered 0 or 503: "
                            f"{collections.Counter(a.short() for a in bad).most_common(4)}")
        overloaded = sum(1 for a in flood_answers if a.status == 503)
        self.numbers.update(flood_sends=len(sends_flood), flood_health=len(lives_flood), flood_503=overloaded)
        if wrk is not None:
            text = open(wrk_out).read()
            m = re.search(r"(\d+) requests in", text)
            wrk_requests = int(m.group(1)) if m else 0
            errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
            non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
            self.numbers["wrk_requests"] = wrk_requests
            self.requests += wrk_requests
            self.classes["2xx"] += wrk_requests - (int(non2xx.group(1)) if non2xx else 0)
            self.check(wrk_requests > 0, "wrk sent requests")
            self.check(not non2xx, f"wrk: every /health/live answered 2xx ({non2xx.group(0) if non2xx else ''})")
            self.check(not errors or int(errors.group(4)) == 0, f"wrk: no timeouts ({errors.group(0) if errors else ''})")
        self.numbers["peak_rss"] = f"{peak // 1024}MB"

        accepted = [a.target for a in sends_flood if a.code == 0] + [p["target"] for p in sends if p["code"] == 0]
        await follow(self, redis, vd.delivered, accepted, timeout=60)
        self.check(vd.alive(), "verifyd still runs")
        live = await get(vd.port, "/health/live")
        self.check(live.status == 200, f"/health/live answers after the floods ({live.short()})")
        signs = vd.crash_signs()
        self.check(not signs, f"verifyd logged failures: {signs[:3]}")


# ----------------------------------------------------------------------------------------------------------------
# 6: malformed requests. Each case says which answers the README documents for it.

ENVELOPE_STATUS = {39401: 401, 39404: 404, 39405: 405, 39408: 408, 39413: 413, 39500: 500, 39503: 503}
DOCUMENTED_CODES = {0, 30000, 30001, 31301, 31302, 31303, 31304, 31501, 31502, 31503, 31505, 32100, 33200, 33201,
                    33202, 33203, 34101, 34102, 34103, 34110, 34205, 34206, 34301, 34401, 34402} | set(ENVELOPE_STATUS)
CLOSED = "closed"
BARE400 = "400:-"


def envelope_problems(a):
    """What is wrong with an answer's envelope, against the README's result code table."""
    if a.outcome != "answer" or a.envelope is None:
        return []
    problems = []
    code = a.code
    if code not in DOCUMENTED_CODES:
        problems.append(f"undocumented code {code}")
    expected = ENVELOPE_STATUS.get(code, 200)
    if a.status != expected and not (code == 30000 and 400 <= a.status < 500):
        problems.append(f"code {code} with HTTP {a.status} (documented: {expected})")
    if a.headers.get("x-verifyd-code") != str(code):
        problems.append(f"X-Verifyd-Code {a.headers.get('x-verifyd-code')!r} ≠ {code}")
    if not isinstance(a.envelope.get("message"), str) or not a.envelope.get("message") or "data" not in a.envelope:
        problems.append("envelope without message or data")
    if code == 39401 and "bearer" not in a.headers.get("www-authenticate", "").lower():
        problems.append("401 without WWW-Authenticate: Bearer")
    return problems


class Case:
    __slots__ = ("name", "raw", "allowed", "half_close", "head_only", "target", "pieces")

    def __init__(self, name, raw, allowed, *, half_close=False, head_only=False, target=None, pieces=None):
        self.name, self.raw, self.allowed = name, raw, set(allowed)
        self.half_close, self.head_only, self.target, self.pieces = half_close, head_only, target, pieces


def malformed_cases(rng: random.Random, targets: Targets):
    """An endless round-robin of malformed (and a few valid) requests with the answers documented for each."""
    auth = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}

    def send(body, allowed, name, headers=None, ctype="application/json", target=None):
        return Case(name, build_request("POST", SEND, body, headers, content_type=ctype), allowed, target=target)

    def valid():
        t = targets.next()
        return t, sms_body(t)

    def random_bytes():
        return Case("random bytes", bytes(rng.randrange(256) for _ in range(rng.randrange(1, 2048))),
                    {CLOSED, BARE400}, half_close=True)

    def garbage_line():
        junk = "".join(rng.choice("ABCXYZ /:%\t-_.0123456789") for _ in range(rng.randrange(1, 200)))
        return Case("garbage line", (junk + "\r\n\r\n").encode(), {CLOSED, BARE400}, half_close=True)

    def truncated_json():
        t, body = valid()
        cut = rng.randrange(0, len(body) - 1)
        return send(body[:cut], {"200:30000"}, "truncated JSON")

    def eof_mid_body():
        t, body = valid()
        declared = rng.choice([len(body) + 50, 10 ** 12, 2 ** 63])
        raw = build_request("POST", SEND, body)
        raw = raw.replace(f"Content-Length: {len(body)}".encode(), f"Content-Length: {declared}".encode())
        # The client gives up mid-body (EOF): a client error, answered 400 or with a closed connection.
        return Case("client closes mid-body", raw, {CLOSED, BARE400, "400:30000", "413:39413"}, half_close=True)

    def declared_too_large():
        raw = (f"POST {SEND} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               f"Content-Length: {rng.choice([10 ** 12, 17000, 2 ** 40])}\r\n\r\n{{\"type\":").encode()
        # 413 at once, or (the body never comes) closed at the request deadline like any slow client.
        return Case("Content-Length over 16 KiB, body never sent", raw, {"413:39413", CLOSED})

    def deep_arrays():
        d = rng.randrange(100, MAX_BODY // 2 - 10)
        return send("[" * d + "]" * d, {"200:30000"}, "deeply nested arrays")

    def deep_objects():
        d = rng.randrange(100, (MAX_BODY - 20) // 6)
        return send('{"a":' * d + "1" + "}" * d, {"200:30000"}, "deeply nested objects")

    def deep_field():
        d = rng.randrange(100, 5000)
        body = '{"type":"sms","useType":5,"templateId":1,"countryCode":86,"account":' + "[" * d + "]" * d + "}"
        return send(body, {"200:30000"}, "deeply nested field")

    def unclosed_nesting():
        d = rng.randrange(1000, MAX_BODY - 10)
        return send("[" * d, {"200:30000"}, "unclosed nesting")

    def huge_number():
        t, _ = valid()
        field = rng.choice(["useType", "templateId", "countryCode", "account"])
        number = rng.choice(["1e400", "-1e400", "123456789012345678901234567890", "1" * 400, "-0", "1.5",
                             "9223372036854775808", "-9223372036854775809", "1e-400", "0x10", "NaN", "Infinity"])
        body = {"type": "sms", "useType": 5, "templateId": 1, "countryCode": t[0], "account": t[1]}
        text = json.dumps(body).replace(json.dumps(body[field]), number, 1)
        allowed = {"200:30000", "200:30001"}
        if field == "countryCode":
            allowed |= {"200:34103"}
        if field == "account":
            allowed |= {"200:34102"}
        return send(text, allowed, f"huge number in {field}")

    def invalid_utf8():
        junk = bytearray(rng.choice([0x80, 0xBF, 0xC3, 0xE2, 0xED, 0xF0]) for _ in range(rng.randrange(0, 8)))
        junk.insert(rng.randrange(len(junk) + 1), rng.choice([0xC0, 0xC1, 0xF5, 0xF8, 0xFE, 0xFF]))  # never valid
        junk = bytes(junk)
        field = rng.choice(["type", "account-email", "account-sms", "key"])
        if field == "type":
            body = b'{"type":"' + junk + b'","useType":5,"templateId":1,"account":"a@chaos.example"}'
            allowed = {"200:30000"}
        elif field == "account-email":
            body = b'{"type":"email","useType":5,"templateId":1,"account":"' + junk + b'@chaos.example"}'
            allowed = {"200:30000", "200:34101"}
        elif field == "account-sms":
            body = b'{"type":"sms","useType":5,"templateId":1,"countryCode":86,"account":"138' + junk + b'"}'
            allowed = {"200:30000", "200:34102"}
        else:
            body = b'{"' + junk + b'":1,"type":"sms"}'
            allowed = {"200:30000", "200:30001"}
        return send(body, allowed, f"invalid UTF-8 in {field}")

    def control_in_fields():
        c = rng.choice(["\r\n", "\r", "\n", "\u0000", "\u0007", "\u001b", "\t", "\u2028", "\u007f"])
        kind = rng.choice(["email", "phone", "type", "raw"])
        if kind == "email":
            body = json.dumps({"type": "email", "useType": 5, "templateId": 1, "account": f"a{c}b@chaos.example"})
            return send(body, {"200:34101"}, "control character in an email")
        if kind == "phone":
            body = json.dumps({"type": "sms", "useType": 5, "templateId": 1, "countryCode": 86,
                               "account": f"1380{c}0138000"})
            return send(body, {"200:34102"}, "control character in a phone")
        if kind == "type":
            body = json.dumps({"type": f"sms{c}", "useType": 5, "templateId": 1, "account": "13800138000",
                               "countryCode": 86})
            return send(body, {"200:30000"}, "control character in type")
        raw_c = rng.choice(["\r\n", "\x00", "\x01", "\x1f"])
        body = '{"type":"email","useType":5,"templateId":1,"account":"a' + raw_c + 'b@chaos.example"}'
        return send(body, {"200:30000"}, "raw control character in a JSON string")

    def header_injection():
        value = rng.choice(["en\r\nX-Injected: 1", "en\rX: 1", "en\x00", "en\nX: 1", "zh\x7f", "\x01\x02"])
        t, body = valid()
        raw = build_request("POST", SEND, body, {"X-Fresns-Client-Lang-Tag": "LANG"})
        raw = raw.replace(b"LANG", value.encode("latin-1"))
        # A header with a bare CR, LF or NUL is malformed HTTP: refused. A bare LF may be read as a line end, so
        # the request can also pass with an extra header; DEL and other controls may pass in a value.
        return Case("control character in a header", raw, {CLOSED, BARE400, "200:0"}, target=key(t))

    def obs_fold():
        t, body = valid()
        raw = build_request("POST", SEND, body, {"X-Fresns-Client-Lang-Tag": "en\r\n folded"})
        return Case("obsolete header folding", raw, {CLOSED, BARE400, "200:0"}, target=key(t))

    def wrong_content_type():
        ctype = rng.choice(["text/plain", "application/xml", "application/x-www-form-urlencoded",
                            "multipart/form-data; boundary=x", "", "application/json; charset=latin-1",
                            "image/png"])
        if rng.random() < 0.5:
            t, body = valid()
            # The content type is not checked: a JSON object body is read as such (README: "a JSON object body").
            return send(body, {"200:0"}, "wrong content type, JSON body", ctype=ctype or None, target=key(t))
        body = rng.choice(["type=sms&useType=5&templateId=1", "<send><type>sms</type></send>", "--x\r\n\r\n--x--"])
        return send(body, {"200:30000"}, "wrong content type and body", ctype=ctype or None)

    def huge_body():
        n = rng.choice([MAX_BODY + 1, MAX_BODY + 100, 64 * 1024, 1024 * 1024])
        body = '{"type":"sms","pad":"' + "x" * (n - 22) + '"}'
        return send(body, {"413:39413", CLOSED}, "body over 16 KiB")

    def body_at_limit():
        t, body = valid()
        padded = body[:-1] + ',"pad":"' + "x" * (MAX_BODY - len(body) - 9) + '"}'
        assert len(padded) == MAX_BODY, len(padded)
        return send(padded, {"200:0"}, "body of exactly 16 KiB", target=key(t))

    def chunked_huge():
        chunk = b"x" * 4096
        pieces = [(f"POST {SEND} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                   f"Transfer-Encoding: chunked\r\n\r\n").encode()]
        pieces += [b"1000\r\n" + chunk + b"\r\n"] * 6 + [b"0\r\n\r\n"]
        return Case("chunked body over 16 KiB", b"", {"413:39413", CLOSED}, pieces=pieces)

    def bad_chunks():
        name, chunks = rng.choice([("chunk size not hex", "zz\r\nabc\r\n0\r\n\r\n"),
                                   ("chunk size overflowing 64 bits", "ffffffffffffffffff\r\nx\r\n0\r\n\r\n"),
                                   ("chunk longer than its size", "2\r\nabcdef\r\n0\r\n\r\n"),
                                   ("negative chunk size", "-1\r\nx\r\n0\r\n\r\n")])
        raw = f"POST {SEND} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n{chunks}".encode()
        # Malformed HTTP framing: a client error (README: bare 400 and a closed connection for malformed heads;
        # "any other HTTP error keeps its status and uses code 30000").
        return Case(f"malformed chunked body ({name})", raw, {CLOSED, BARE400, "400:30000"})

    def smuggling():
        raw = (f"POST {SEND} HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
               "0\r\n\r\n").encode()
        return Case("Content-Length with Transfer-Encoding", raw, {CLOSED, BARE400, "200:30000"}, half_close=True)

    def duplicate_content_length():
        raw = (f"POST {SEND} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\n{{}}").encode()
        return Case("two Content-Lengths", raw, {CLOSED, BARE400, "200:30001"}, half_close=True)

    def huge_header():
        n = rng.choice([17 * 1024, 40 * 1024, 70 * 1024])
        raw = build_request("POST", SEND, "{}", {"X-Big": "x" * n})
        return Case("header over the limit", raw, {CLOSED, BARE400})

    def many_headers():
        raw = build_request("POST", SEND, "{}", {f"X-H{i}": "1" for i in range(rng.randrange(101, 300))})
        return Case("over 100 header fields", raw, {CLOSED, BARE400})

    def bad_method():
        method = rng.choice(["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
        raw = build_request(method, rng.choice([SEND, CHECK, "/health/live/x"]), "", content_type=None)
        return Case(f"{method} on a POST route", raw, {"404:39404", "405:39405"}, head_only=method == "HEAD")

    def invalid_method():
        method = rng.choice(["FOO", "G ET", "POST\x01", "\x00\x00", "GETT", "BREW", "pOsT", "P0ST"])
        raw = f"{method} {SEND} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n".encode("latin-1")
        return Case("invalid method", raw, {CLOSED, BARE400, "404:39404", "405:39405"}, half_close=True)

    def bad_path():
        path = rng.choice(["/", "/api", "/api/v2/common/send-verify-code/x", "/API/V2/COMMON/SEND-VERIFY-CODE",
                           "/%00", "/..%2f..%2fetc%2fpasswd", "/../../etc/passwd", "/%zz", "/" + "a" * 8000,
                           "//api//v2", "/api/v2/common/send-verify-code%00", "/health/live/../../internal",
                           "/metrics/x", "/openapi.yaml/x", "/\u00e9"])
        raw = build_request("POST", path.encode("utf-8").decode("latin-1"), "{}")
        return Case("unknown path", raw, {"404:39404", BARE400, CLOSED})

    def trailing_slash():
        # The router ignores a trailing slash: the route itself answers (the check route: 401 without a token).
        path, allowed = rng.choice([(CHECK + "/", {"401:39401", "404:39404"}),
                                    (SEND + "/", {"200:30001", "404:39404"}), ("/health/live/", {"200:0", "404:39404"})])
        return Case("trailing slash", build_request("POST" if path != "/health/live/" else "GET", path,
                                                    "{}" if path != "/health/live/" else ""), allowed)

    def bad_version():
        version = rng.choice(["HTTP/2.0", "HTTP/0.9", "HTTP/1.2", "HTTP/9.9", "HTTX/1.1", "HTTP/1", ""])
        raw = f"POST {SEND} {version}\r\nHost: x\r\nContent-Length: 2\r\n\r\n{{}}".encode()
        return Case("bad HTTP version", raw, {CLOSED, BARE400, "200:30001", "505:30000"}, half_close=True)

    def no_colon():
        raw = f"POST {SEND} HTTP/1.1\r\nHost: x\r\nNoColonHere\r\nContent-Length: 2\r\n\r\n{{}}".encode()
        return Case("header without a colon", raw, {CLOSED, BARE400}, half_close=True)

    def json_shapes():
        body, allowed = rng.choice([("[]", "200:30000"), ('"x"', "200:30000"), ("42", "200:30000"),
                                    ("null", "200:30000"), ("true", "200:30000"), ("{}", "200:30001"),
                                    ("", "200:30000"), ("{\"type\":\"sms\"}", "200:30001"),
                                    ('{"type":"fax","useType":5,"templateId":1,"account":"x"}', "200:30000"),
                                    ('{"type":"sms","useType":9,"templateId":1,"account":"1","countryCode":1}',
                                     "200:30000"),
                                    ('{"type":"email","useType":5,"templateId":1,"account":"no-at-sign"}',
                                     "200:34101"),
                                    ('{"type":"sms","useType":5,"templateId":1,"account":"12","countryCode":86}',
                                     "200:34102"),
                                    ('{"type":"sms","useType":3,"templateId":1,"account":"13800138000",'
                                     '"countryCode":86}', "200:31501"),
                                    ('{"a":1,"a":2}', "200:30001"), ("\ufeff{}", "200:30000"),
                                    ("{" * 1 + '"type":"sms",' * 1000 + "}", "200:30000")])
        return send(body, {allowed, "200:30000"} if allowed == "200:30001" else {allowed}, "JSON of a wrong shape")

    def check_endpoint():
        kind = rng.choice(["no-token", "bad-token", "garbage", "wrong-code", "missing-code", "deep"])
        if kind == "no-token":
            return Case("check without a token", build_request("POST", CHECK, "{}"), {"401:39401"})
        if kind == "bad-token":
            return Case("check with a wrong token",
                        build_request("POST", CHECK, "{}", {"Authorization": "Bearer " + "x" * rng.randrange(1, 300)}),
                        {"401:39401"})
        if kind == "garbage":
            body = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))
            return Case("check with a garbage body", build_request("POST", CHECK, body, auth), {"200:30000"})
        if kind == "wrong-code":
            body = json.dumps({"type": "sms", "account": "13800138000", "countryCode": 86, "templateId": 1,
                               "verifyCode": str(rng.randrange(10 ** 6)).zfill(6)})
            return Case("check of a code never sent", build_request("POST", CHECK, body, auth), {"200:33203"})
        if kind == "missing-code":
            body = json.dumps({"type": "sms", "account": "13800138000", "countryCode": 86, "templateId": 1,
                               "verifyCode": rng.choice(["", " ", None])})
            return Case("check without a code", build_request("POST", CHECK, body, auth), {"200:33202"})
        d = rng.randrange(100, 5000)
        return Case("check with deep nesting", build_request("POST", CHECK, "[" * d + "]" * d, auth), {"200:30000"})

    def http10():
        t, body = valid()
        raw = (f"POST {SEND} HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
               + body).encode()
        return Case("HTTP/1.0 without Host", raw, {"200:0", BARE400}, target=key(t))

    def pipelined_garbage():
        t, body = valid()
        raw = build_request("POST", SEND, body, close=False) + bytes(rng.randrange(256) for _ in range(64))
        return Case("valid request followed by garbage", raw, {"200:0"}, half_close=True, target=key(t))

    generators = [random_bytes, garbage_line, truncated_json, eof_mid_body, deep_arrays, deep_objects, deep_field,
                  unclosed_nesting, huge_number, invalid_utf8, control_in_fields, header_injection, obs_fold,
                  wrong_content_type, huge_body, body_at_limit, chunked_huge, bad_chunks, smuggling,
                  duplicate_content_length, huge_header, many_headers, bad_method, invalid_method, bad_path,
                  trailing_slash, bad_version, no_colon, json_shapes, check_endpoint, http10, pipelined_garbage]
    # Cases that wait for the request deadline run every 8th round only (they cost 2 s each).
    rare = [declared_too_large]
    round_ = 0
    while True:
        for g in generators:
            yield g()
        if round_ % 8 == 0:
            for g in rare:
                yield g()
        round_ += 1


class Malformed(Scenario):
    name = "malformed"

    async def run(self):
        total = 2000 if self.short else 10000
        timeout_ms = 2000
        redis = await self.redis()
        vd = await self.verifyd(redis, VERIFYD_REQUEST_TIMEOUT_MS=timeout_ms, VERIFYD_INTERNAL_TOKEN=INTERNAL_TOKEN)
        rng = random.Random(self.args.seed)
        targets = Targets("136")
        cases = malformed_cases(rng, targets)

        # Baseline memory after a warm-up of the same mix (allocator pools and caches filled).
        warm = [next(cases) for _ in range(300)]
        await self.fire(vd, warm, count=False)
        readings = []

        def stable():
            readings.append(vd.child.rss_kb())
            return len(readings) >= 3 and max(readings[-3:]) - min(readings[-3:]) <= 1024

        await wait_until(stable, 15, "verifyd's RSS is stable after the warm-up", interval=0.3)
        baseline = vd.child.rss_kb()
        self.fault(f"{total} malformed requests")
        batch = [next(cases) for _ in range(total)]
        t0 = time.monotonic()
        results = await self.fire(vd, batch)
        elapsed = time.monotonic() - t0
        peak = vd.child.rss_kb() if vd.alive() else 0
        self.check(vd.alive(), f"verifyd survived {total} malformed requests")
        if not vd.alive():
            self.check(False, f"verifyd died: {vd.child.tail()}")
            return
        live = await get(vd.port, "/health/live")
        ready = await get(vd.port, "/health/ready")
        self.check(live.status == 200 and ready.status == 200,
                   f"health ok after the flood (live {live.short()}, ready {ready.short()})")

        by_case = collections.defaultdict(collections.Counter)
        undocumented = collections.Counter()
        envelope_issues = collections.Counter()
        examples = {}
        for case, a in results:
            outcome = a.short() if a.outcome == "answer" else (CLOSED if a.outcome == "closed" else a.outcome)
            if a.outcome == "answer" and a.envelope is None and a.status == 400:
                outcome = BARE400
            by_case[case.name][outcome] += 1
            if outcome not in case.allowed:
                undocumented[(case.name, outcome)] += 1
                examples.setdefault((case.name, outcome), case.raw[:160] if case.raw else case.pieces[0][:160])
            for p in envelope_problems(a):
                envelope_issues[(case.name, p)] += 1
        hung = sum(1 for _, a in results if a.outcome == "timeout")
        self.check(hung == 0, f"{hung} malformed requests hung past the request deadline + 5 s")
        for (name, outcome), n in sorted(undocumented.items()):
            self.check(False, f"{name}: {n}× {outcome}, documented {sorted(next(c for c, _ in results if c.name == name).allowed)}"
                              f" — e.g. {examples[(name, outcome)]!r}")
        for (name, problem), n in sorted(envelope_issues.items()):
            self.check(False, f"{name}: {n}× {problem}")
        self.numbers["kinds"] = len(by_case)
        self.numbers["rate"] = f"{total / elapsed:.0f}/s"
        classes = collections.Counter(a.klass() for _, a in results)
        self.numbers["answers"] = " ".join(f"{k}={v}" for k, v in sorted(classes.items()))
        with open(os.path.join(self.dir, "cases.json"), "w") as f:
            json.dump({k: dict(v) for k, v in by_case.items()}, f, indent=1, sort_keys=True)

        # Memory: back near the baseline once the flood is over (the allocator keeps some freed memory; the
        # tolerance is the larger of 25 % and 32 MB over the baseline).
        tolerance = max(baseline // 4, 32 * 1024)

        async def settled_memory():
            return vd.child.rss_kb() <= baseline + tolerance

        try:
            await wait_until(settled_memory, 30, f"RSS returns within {tolerance // 1024} MB of the baseline "
                                                 f"{baseline // 1024} MB", interval=0.5)
        except ChaosFailure as error:
            self.check(False, f"{error} (now {vd.child.rss_kb() // 1024} MB, peak {peak // 1024} MB)")
        self.numbers["rss"] = f"{baseline // 1024}→{peak // 1024}→{vd.child.rss_kb() // 1024}MB"

        accepted = [a.target for c, a in results if a.code == 0 and a.target]
        await follow(self, redis, vd.delivered, accepted, timeout=60)
        signs = vd.crash_signs()
        self.check(not signs, f"verifyd logged failures: {signs[:3]}")

    async def fire(self, vd, cases, count=True, concurrency=32):
        results = []
        queue = collections.deque(cases)
        deadline = 2.0 + 5.0  # the request deadline plus slack: a malformed request never waits longer

        async def worker():
            while queue:
                case = queue.popleft()
                a = await exchange(vd.port, case.raw, deadline, half_close=case.half_close,
                                   head_only=case.head_only, pieces=case.pieces)
                a.target = case.target
                results.append((case, a))
                if count:
                    self.count(a)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return results


# ----------------------------------------------------------------------------------------------------------------

SCENARIOS = [RedisKill, RedisPause, InstanceKill, SmtpFaults, Floods, Malformed]


async def run_all(args):
    base = tempfile.mkdtemp(prefix="verifyd-chaos-")
    log(f"chaos: binary {args.binary}, {'short' if args.short else 'full'} run, logs in {base}")
    wanted = set(args.only.split(",")) if args.only else None
    lines = []
    finished: list[Scenario] = []
    failed = False
    start_all = time.monotonic()
    for cls in SCENARIOS:
        if wanted and cls.name not in wanted:
            continue
        sc = cls(args, base)
        log(f"scenario {sc.name} …")
        t0 = time.monotonic()
        try:
            await sc.run()
        except ChaosFailure as error:
            sc.check(False, str(error))
        except asyncio.CancelledError:
            sc.teardown()
            raise
        except Exception as error:  # a bug in this script counts as a failure, with its traceback
            import traceback
            traceback.print_exc()
            sc.check(False, f"chaos.py error: {error!r}")
        finally:
            sc.teardown()
        elapsed = time.monotonic() - t0
        finished.append(sc)
        status = "PASS" if not sc.failures else f"FAIL ({len(sc.failures)})"
        failed |= bool(sc.failures)
        numbers = " ".join(f"{k}={v}" for k, v in sc.numbers.items() if k not in ("requests", "accepted"))
        line = (f"chaos: {sc.name} {elapsed:.1f}s faults={sc.faults} requests={sc.requests} "
                f"accepted={len(sc.accepted)} delivered={sc.delivered} dead={sc.dead} lost={sc.lost} "
                f"assertions={sc.assertions} {numbers} — {status}")
        lines.append(line)
        log(line)
        for f in sc.failures:
            log(f"    ✗ {f}")
    def total(field):
        return sum(getattr(sc, field) for sc in finished)

    c = sum((sc.classes for sc in finished), collections.Counter())
    summary = (f"chaos: scenarios={len(finished)} faults={total('faults')} requests={total('requests')} answers "
               f"2xx={c['2xx']} 4xx={c['4xx']} 5xx={c['5xx']} closed={c['closed']}"
               f"{' timeout=' + str(c['timeout']) if c['timeout'] else ''} "
               f"accepted={sum(len(sc.accepted) for sc in finished)} delivered={total('delivered')} "
               f"dead={total('dead')} stored-despite-503={total('late')} redelivered={total('duplicates')} "
               f"lost={total('lost')} in {time.monotonic() - start_all:.0f}s — {'FAIL' if failed else 'PASS'}")
    log("")
    for line in lines:
        log(line)
    log(summary)
    if failed or args.keep:
        log(f"chaos: logs kept in {base}")
    else:
        shutil.rmtree(base, ignore_errors=True)
    return 1 if failed else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/verifyd"))
    parser.add_argument("--short", action="store_true", help="fewer connections and requests (make test)")
    parser.add_argument("--only", help="comma-separated scenario names: " + ",".join(s.name for s in SCENARIOS))
    parser.add_argument("--seed", type=int, default=None, help="seed of the malformed requests (default: random)")
    parser.add_argument("--keep", action="store_true", help="keep the logs directory even when everything passed")
    parser.add_argument("--probe", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--probe-stop", help=argparse.SUPPRESS)
    parser.add_argument("--probe-out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        asyncio.run(probe_main(args.probe, args.probe_stop, args.probe_out, 0.1))
        return 0
    if args.only:
        unknown = set(args.only.split(",")) - {s.name for s in SCENARIOS}
        if unknown:
            print(f"chaos: unknown scenario(s) {', '.join(sorted(unknown))}; known: "
                  f"{', '.join(s.name for s in SCENARIOS)}", file=sys.stderr)
            return 2
    if args.seed is None:
        args.seed = random.randrange(10 ** 6)
    if not os.access(args.binary, os.X_OK):
        print(f"chaos: no verifyd binary at {args.binary}", file=sys.stderr)
        return 2
    for tool in ("redis-server", "nginx"):
        if not shutil.which(tool):
            print(f"chaos: {tool} is missing (scripts/chaos.sh installs it)", file=sys.stderr)
            return 2
    log(f"chaos: seed {args.seed}")

    async def guarded():
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        received = []
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, lambda s=sig: (received.append(s), task.cancel()))
        try:
            return await run_all(args)
        except asyncio.CancelledError:
            kill_all()
            name = signal.Signals(received[0]).name if received else "cancel"
            log(f"chaos: interrupted by {name}; every process stopped")
            return 128 + (received[0] if received else signal.SIGINT)

    try:
        return asyncio.run(guarded())
    finally:
        kill_all()


if __name__ == "__main__":
    sys.exit(main())
