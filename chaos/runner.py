"""A run: the chosen scenarios one after another, each torn down whatever happened, then the summary. The logs go
to a temporary directory, kept when something failed (or with --keep)."""
import asyncio
import shutil
import tempfile
import time
import traceback

from .log import log
from .scenarios import SCENARIOS
from .summary import scenario_line, summary_line
from .wait import ChaosFailure


async def run_scenario(sc):
    try:
        await sc.run()
    except ChaosFailure as error:
        sc.check(False, str(error))
    except asyncio.CancelledError:
        raise  # Ctrl-C or SIGTERM: torn down below, then the run stops
    except Exception as error:  # a bug in the suite counts as a failure, with its traceback
        traceback.print_exc()
        sc.check(False, f"chaos error: {error!r}")
    finally:
        sc.teardown()
        await sc.close_clients()


async def run_all(args):
    """Runs the scenarios `args` asks for; returns the exit status (0 all held, 1 otherwise)."""
    base = tempfile.mkdtemp(prefix="verifyd-chaos-")
    log(f"chaos: binary {args.binary}, {'short' if args.short else 'full'} run, logs in {base}")
    wanted = set(args.only.split(",")) if args.only else None
    lines = []
    finished = []
    start_all = time.monotonic()
    for cls in SCENARIOS:
        if wanted and cls.name not in wanted:
            continue
        sc = cls(args, base)
        log(f"scenario {sc.name} …")
        t0 = time.monotonic()
        await run_scenario(sc)
        finished.append(sc)
        line = scenario_line(sc, time.monotonic() - t0)
        lines.append(line)
        log(line)
        for f in sc.failures:
            log(f"    ✗ {f}")
    failed = any(sc.failures for sc in finished)
    log("")
    for line in lines:
        log(line)
    log(summary_line(finished, time.monotonic() - start_all, failed))
    if failed or args.keep:
        log(f"chaos: logs kept in {base}")
    else:
        shutil.rmtree(base, ignore_errors=True)
    return 1 if failed else 0
