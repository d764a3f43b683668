#!/usr/bin/env python3
"""A real HTTP server for tests: records every request as one JSON line in DIR/requests.jsonl.

The status of each answer comes from DIR/statuses: a comma-separated list consumed one per request
(for example `503,503,503`); when it is empty the answer is DIR/default (200 if missing). `hang` never answers.

Optional delay before each answer (so deliveries are in flight for a while): `--delay SECONDS`, or DIR/delay
(seconds, read at each request, overrides the option). With a delay the request is recorded after it, when the
answer is written: `at` is then the answer's time and `received_at` the request's arrival.
"""
import argparse, json, os, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()


def next_status(directory):
    with lock:
        path = os.path.join(directory, "statuses")
        queue = []
        if os.path.exists(path):
            with open(path) as f:
                queue = [s.strip() for s in f.read().split(",") if s.strip()]
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


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        received_at = time.time()
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        delay = delay_seconds(self.server)
        if delay > 0:
            time.sleep(delay)
        status = next_status(self.server.directory)
        record = {
            "path": self.path,
            "authorization": self.headers.get("Authorization"),
            "content_type": self.headers.get("Content-Type"),
            "body": json.loads(body) if body else None,
            "status": status,
            "at": time.time(),
            "received_at": received_at,
        }
        with lock:
            with open(os.path.join(self.server.directory, "requests.jsonl"), "a") as f:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
        if status == "hang":
            time.sleep(3600)
            return
        payload = b'{"ok":true}'
        self.send_response(int(status))
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds to wait before each answer")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    ThreadingHTTPServer.request_queue_size = 128
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.directory = args.dir
    server.delay = args.delay
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
