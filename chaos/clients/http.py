"""HTTP over raw asyncio streams: the suite sends what no HTTP library sends (malformed heads, bodies in pieces,
a half-closed connection), and tells an answer from a closed connection, a refused one and a hang.

`exchange` is one request on a fresh connection; `Connection` is a keep-alive connection. Neither raises: the
Answer's `outcome` ("answer", "closed", "timeout", "refused") says what happened.
"""
import asyncio
import json
import time

# What a failed exchange can raise; the outcome is "refused", "timeout" or "closed" (in that order of checks).
_FAILURES = (asyncio.TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError,
             OSError, ValueError)


class Answer:
    __slots__ = ("status", "headers", "body", "code", "envelope", "start", "end", "answered_at", "outcome", "error",
                 "target", "tag")

    def __init__(self, start):
        self.start = start
        self.end = None
        self.answered_at = None  # time.time() when the exchange ended: the clock the sinks record with
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

    def fail(self, error):
        if isinstance(error, ConnectionRefusedError):
            self.outcome, self.error = "refused", repr(error)
        elif isinstance(error, asyncio.TimeoutError):
            self.outcome = "timeout"
        else:
            self.outcome, self.error = "closed", repr(error)

    def parse(self, status, headers, body, head_only=False):
        """Records an answer and reads its envelope (HEAD: no body, the code is in X-Verifyd-Code)."""
        self.status, self.headers, self.body, self.outcome = status, headers, body, "answer"
        try:
            value = json.loads(body) if body else None
        except ValueError:
            value = None
        if isinstance(value, dict) and "code" in value:
            self.envelope = value
            self.code = value["code"] if isinstance(value["code"], int) else None
        if head_only and headers.get("x-verifyd-code", "").isdigit():
            self.code = int(headers["x-verifyd-code"])


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


async def exchange(port, raw, timeout, *, half_close=False, head_only=False, pieces=None):
    """Writes `raw` (or `pieces`, one write each) on a fresh connection and reads one answer. `timeout` bounds the
    connect, then the rest. `half_close` shuts our side for writing once the request is out."""
    answer = Answer(time.monotonic())
    writer = None
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)

        async def talk():
            try:
                for piece in pieces or [raw]:
                    writer.write(piece)
                    await writer.drain()
                if half_close and writer.can_write_eof():
                    writer.write_eof()
            except (ConnectionError, OSError):
                pass  # the server may answer (413) and close before taking the whole request: read what it said
            return await read_response(reader, head_only=head_only)

        answer.parse(*await asyncio.wait_for(talk(), timeout), head_only=head_only)
    except _FAILURES as error:
        answer.fail(error)
    finally:
        answer.end = time.monotonic()
        answer.answered_at = time.time()
        if writer is not None:
            writer.close()
    return answer


class Connection:
    """A keep-alive connection: one request at a time, each answer read before the next request is written."""

    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port):
        """The connection, or None when it cannot be opened."""
        try:
            return cls(*await asyncio.open_connection("127.0.0.1", port))
        except OSError:
            return None

    async def request(self, raw, timeout):
        answer = Answer(time.monotonic())

        async def talk():
            self.writer.write(raw)
            await self.writer.drain()
            return await read_response(self.reader)

        try:
            answer.parse(*await asyncio.wait_for(talk(), timeout))
        except _FAILURES as error:
            answer.fail(error)
        answer.end = time.monotonic()
        answer.answered_at = time.time()
        return answer

    def close(self):
        self.writer.close()


async def get(port, path, timeout=5.0):
    return await exchange(port, build_request("GET", path, content_type=None), timeout)


async def tcp_accepts(port):
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 1)
    except (OSError, asyncio.TimeoutError):
        return False
    writer.close()
    return True
