#!/usr/bin/env python3
"""A real HTTP server for tests: records every request as one JSON line in DIR/requests.jsonl.

The status of each answer comes from DIR/statuses: a comma-separated list consumed one per request
(for example `503,503,503`); when it is empty the answer is DIR/default (200 if missing). `hang` never answers.

Optional delay before each answer (so deliveries are in flight for a while): `--delay SECONDS`, or DIR/delay
(seconds, read at each request, overrides the option). With a delay the request is recorded after it, when the
answer is written: `at` is then the answer's time and `received_at` the request's arrival.

One asyncio loop serves every connection (HTTP/1.1 keep-alive, HTTP/1.0 closes after the answer), so a delay
keeps any number of requests in flight at once without a thread each: a bench against it measures the client.
"""
import argparse, asyncio, json, os, time

MAX_HEADER = 64 * 1024


def next_status(directory):
    # One event loop: requests are answered one at a time here, so the queue needs no lock.
    path = os.path.join(directory, "statuses")
    queue = []
    try:
        with open(path) as f:
            queue = [s.strip() for s in f.read().split(",") if s.strip()]
    except FileNotFoundError:
        pass
    if queue:
        status = queue.pop(0)
        with open(path, "w") as f:
            f.write(",".join(queue))
        return status
    try:
        with open(os.path.join(directory, "default")) as f:
            return f.read().strip() or "200"
    except FileNotFoundError:
        return "200"


def delay_seconds(server):
    try:
        with open(os.path.join(server.directory, "delay")) as f:
            return float(f.read().strip() or 0)
    except (FileNotFoundError, ValueError):
        return server.delay


class Server:
    def __init__(self, directory, delay):
        self.directory = directory
        self.delay = delay
        self.log = None

    def record(self, record):
        if self.log is None:  # created by the first request, as before
            self.log = open(os.path.join(self.directory, "requests.jsonl"), "a", encoding="utf-8")
        self.log.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.log.flush()

    async def connection(self, reader, writer):
        try:
            while await self.exchange(reader, writer):
                pass
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()

    async def exchange(self, reader, writer):
        """Reads one request and answers it; False when the connection is to be closed."""
        head = await reader.readuntil(b"\r\n\r\n")
        if len(head) > MAX_HEADER:
            return False
        lines = head.decode("latin-1").split("\r\n")
        method, target, version = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        received_at = time.time()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:  # the last chunk: trailer lines, then an empty line
                    while await reader.readuntil(b"\r\n") != b"\r\n":
                        pass
                    break
                body += (await reader.readexactly(size + 2))[:-2]
        else:
            body = await reader.readexactly(int(headers.get("content-length", "0")))
        connection = headers.get("connection", "").lower()
        keep_alive = connection != "close" if version == "HTTP/1.1" else connection == "keep-alive"
        if method != "POST":
            self.answer(writer, 501, b"", keep_alive)
            await writer.drain()
            return keep_alive
        delay = delay_seconds(self)
        if delay > 0:
            await asyncio.sleep(delay)
        status = next_status(self.directory)
        self.record({
            "path": target,
            "authorization": headers.get("authorization"),
            "content_type": headers.get("content-type"),
            "body": json.loads(body) if body else None,
            "status": status,
            "at": time.time(),
            "received_at": received_at,
        })
        if status == "hang":
            await asyncio.sleep(3600)
            return False
        self.answer(writer, int(status), b'{"ok":true}', keep_alive)
        await writer.drain()
        return keep_alive

    @staticmethod
    def answer(writer, status, payload, keep_alive):
        head = (f"HTTP/1.1 {status} {'OK' if status < 300 else 'Status'}\r\n"
                "Content-Type: application/json\r\n"
                f"Content-Length: {len(payload)}\r\n"
                f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n")
        writer.write(head.encode("latin-1") + payload)


async def serve(args):
    server = Server(args.dir, args.delay)
    listener = await asyncio.start_server(server.connection, "127.0.0.1", args.port, backlog=1024,
                                          limit=MAX_HEADER)
    print("ready", flush=True)
    async with listener:
        await listener.serve_forever()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds to wait before each answer")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
