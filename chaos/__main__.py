"""`make chaos`: fault injection against real verifyd processes (see chaos/__init__.py).

    python3 -m chaos --binary .build/release/verifyd            # the full suite
    python3 -m chaos --binary .build/debug/verifyd --short      # the smaller one of `make test`
    python3 -m chaos --binary … --only redis-kill,smtp-faults   # some scenarios
    python3 -m chaos --binary … --keep                          # keep the logs even when everything passed

Run it from the repository root. Exit status: 0 when every assertion held, 1 otherwise (130 on Ctrl-C, 143 on
SIGTERM, 2 on a bad argument or a missing tool). scripts/chaos.sh installs what is missing, builds the binary,
raises `ulimit -n` and runs this.
"""
import argparse
import asyncio
import os
import random
import shutil
import signal
import sys

from . import ROOT
from .fixtures.process import kill_all
from .log import log
from .runner import run_all
from .scenarios import NAMES


def parse_args():
    parser = argparse.ArgumentParser(prog="python3 -m chaos", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/verifyd"))
    parser.add_argument("--short", action="store_true", help="fewer connections and requests (make test)")
    parser.add_argument("--only", help="comma-separated scenario names: " + ",".join(NAMES))
    parser.add_argument("--seed", type=int, default=None, help="seed of the malformed requests (default: random)")
    parser.add_argument("--keep", action="store_true", help="keep the logs directory even when everything passed")
    return parser.parse_args()


def usable(args):
    """Whether the arguments and the tools allow a run; says why not on stderr."""
    if args.only:
        unknown = set(args.only.split(",")) - set(NAMES)
        if unknown:
            print(f"chaos: unknown scenario(s) {', '.join(sorted(unknown))}; known: {', '.join(NAMES)}",
                  file=sys.stderr)
            return False
    if not os.access(args.binary, os.X_OK):
        print(f"chaos: no verifyd binary at {args.binary}", file=sys.stderr)
        return False
    for tool in ("redis-server", "redis-cli", "nginx"):
        if not shutil.which(tool):
            print(f"chaos: {tool} is missing (scripts/chaos.sh installs it)", file=sys.stderr)
            return False
    return True


async def guarded(args):
    """run_all, stopped by SIGINT or SIGTERM: every process killed, and 128 + the signal's number returned."""
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


def main():
    args = parse_args()
    if args.seed is None:
        args.seed = random.randrange(10 ** 6)
    if not usable(args):
        return 2
    log(f"chaos: seed {args.seed}")
    try:
        return asyncio.run(guarded(args))
    finally:
        kill_all()


if __name__ == "__main__":
    sys.exit(main())
