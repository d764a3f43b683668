"""The probe: a process of its own (so the floods' event loop cannot delay it) that sends a /health/live and a
send on fresh connections every `--interval` seconds until the stop file exists, one JSON line per request (with
`answered_at`, the answer's time.time()).

    python3 -m chaos.load.probe PORT STOP_FILE OUT_FILE   (from the repository root)
"""
import argparse
import asyncio
import json
import os
import time

from ..api import SEND, Targets, key, sms_body
from ..clients.http import build_request, exchange


async def probe(port, stop_file, out, interval):
    targets = Targets("199")
    with open(out, "w") as f:
        while not os.path.exists(stop_file):
            t0 = time.monotonic()
            target = targets.next()
            for kind, raw in (("live", build_request("GET", "/health/live", content_type=None)),
                              ("send", build_request("POST", SEND, sms_body(target)))):
                a = await exchange(port, raw, 20)
                f.write(json.dumps({"kind": kind, "latency": a.latency, "status": a.status, "code": a.code,
                                    "outcome": a.outcome, "target": key(target) if kind == "send" else None,
                                    "answered_at": a.answered_at}) + "\n")
                f.flush()
            await asyncio.sleep(max(0.0, interval - (time.monotonic() - t0)))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("port", type=int)
    parser.add_argument("stop_file")
    parser.add_argument("out")
    parser.add_argument("--interval", type=float, default=0.1)
    args = parser.parse_args()
    asyncio.run(probe(args.port, args.stop_file, args.out, args.interval))


if __name__ == "__main__":
    main()
