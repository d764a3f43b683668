"""The lines a run ends with: one per scenario, then the totals. `make test` and people read them: keep the format.
A delivering scenario's line, and the totals, end with the waits (from an accepted send's 200 to the provider's
acceptance) and the accepted codes delivered twice, before the verdict."""
import collections

from .checks import wait_fields


def scenario_line(sc, elapsed):
    status = "PASS" if not sc.failures else f"FAIL ({len(sc.failures)})"
    numbers = " ".join(f"{k}={v}" for k, v in sc.numbers.items() if k not in ("requests", "accepted"))
    waits = f" {wait_fields(sc.waits, sc.delivered_twice)}" if sc.waits is not None else ""
    return (f"chaos: {sc.name} {elapsed:.1f}s faults={sc.faults} requests={sc.requests} "
            f"accepted={len(sc.accepted)} delivered={sc.delivered} dead={sc.dead} lost={sc.lost} "
            f"assertions={sc.assertions} {numbers}{waits} — {status}")


def summary_line(finished, elapsed, failed):
    def total(field):
        return sum(getattr(sc, field) for sc in finished)

    c = sum((sc.classes for sc in finished), collections.Counter())
    waits = [w for sc in finished for w in (sc.waits or [])]
    return (f"chaos: scenarios={len(finished)} faults={total('faults')} requests={total('requests')} answers "
            f"2xx={c['2xx']} 4xx={c['4xx']} 5xx={c['5xx']} closed={c['closed']}"
            f"{' timeout=' + str(c['timeout']) if c['timeout'] else ''} "
            f"accepted={sum(len(sc.accepted) for sc in finished)} delivered={total('delivered')} "
            f"dead={total('dead')} stored-despite-503={total('late')} redelivered={total('duplicates')} "
            f"lost={total('lost')} {wait_fields(waits, total('delivered_twice'))} in {elapsed:.0f}s — "
            f"{'FAIL' if failed else 'PASS'}")
