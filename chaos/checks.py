"""Assertions several scenarios share: every accepted code delivered (`follow`), answers within a bound
(`latency_check`), and how long accepted codes waited for their provider (`record_waits`, `wait_check`)."""
import json
import math
import os

from .wait import ChaosFailure, wait_until


async def follow(scenario, redis, delivered_fn, accepted, *, extra=(), may_lose=(), timeout):
    """Waits until every accepted target (and the `extra` ones, known to be stored) was delivered and the outbox is
    settled, then counts what was lost and what was delivered twice. Returns the deliveries by target.

    `may_lose`: accepted targets whose loss is allowed (a failover's asynchronous-replication window): not waited
    for, and, when not delivered, not counted as lost (the caller counts them on their own)."""
    accepted = set(accepted)
    may_lose = set(may_lose) & accepted
    must = (accepted | set(extra)) - may_lose

    async def done():
        return must <= set(delivered_fn()) and await redis.store.settled()

    try:
        await wait_until(done, timeout, f"all {len(must)} accepted codes are delivered and the outbox is settled",
                         interval=0.2)
    except ChaosFailure as error:
        scenario.check(False, str(error))
    got = delivered_fn()
    lost = accepted - set(got) - may_lose
    scenario.accepted |= accepted
    scenario.delivered += len(accepted & set(got))
    scenario.lost += len(lost)
    scenario.duplicates += redelivered(got)
    scenario.check(not lost, f"lost = accepted − delivered = {len(lost)} (e.g. {sorted(lost)[:5]})")
    missing_extra = set(extra) - set(got)
    scenario.check(not missing_extra,
                   f"{len(missing_extra)} codes known to be stored were never delivered: {sorted(missing_extra)[:5]}")
    return got


def latency_check(scenario, answers, bound, what):
    """No answer took longer than `bound` seconds and none hung; records the worst latency."""
    slow = [a for a in answers if a.outcome == "answer" and a.latency > bound]
    hung = [a for a in answers if a.outcome == "timeout"]
    worst = max((a.latency for a in answers), default=0)
    scenario.numbers[f"{what}_max_latency"] = f"{worst:.2f}s"
    scenario.check(not hung, f"{len(hung)} {what} requests got no answer within the client timeout (hang)")
    scenario.check(not slow, f"{len(slow)} {what} requests took longer than {bound:.2f}s "
                             f"(worst {worst:.2f}s: {[a.short() for a in slow[:3]]})")


def redelivered(got):
    """Deliveries beyond the first, over all targets."""
    return sum(c - 1 for c in got.values() if c > 1)


def percentile(values, p):
    """The nearest-rank percentile `p` (0…100) of `values` (None when there are none)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def record_waits(scenario, answered_at, delivered_at, counts):
    """The waits of a delivering scenario, for its summary line and the overall one. `answered_at`: when each
    accepted send's 200 reached its client; `delivered_at`: when the provider (sink) first accepted each target's
    message; `counts`: deliveries by target. Both times are this machine's time.time(). A wait is the second minus
    the first (codes never delivered are counted as lost elsewhere); `delivered_twice` counts the accepted codes the
    provider got more than once. Every accepted code's times go to waits.jsonl in the scenario's log directory.
    Returns (waits, delivered_twice)."""
    waits = [delivered_at[t] - at for t, at in answered_at.items() if t in delivered_at and at is not None]
    twice = sum(1 for t in answered_at if counts.get(t, 0) > 1)
    with open(os.path.join(scenario.dir, "waits.jsonl"), "a") as f:  # in the logs, for a closer look
        for t, at in answered_at.items():
            f.write(json.dumps({"target": t, "answered_at": at, "accepted_at": delivered_at.get(t),
                                "deliveries": counts.get(t, 0)}) + "\n")
    scenario.waits = (scenario.waits or []) + waits
    scenario.delivered_twice += twice
    return waits, twice


def wait_check(scenario, bound):
    """The 99th percentile of the scenario's waits is at most `bound` seconds."""
    p99 = percentile(scenario.waits or [], 99)
    scenario.check(p99 is not None and p99 <= bound,
                   f"p99 wait from the client's 200 to the provider's acceptance is {_seconds(p99)} (bound {bound:g}s; "
                   f"{sum(1 for w in scenario.waits or [] if w > bound)} of {len(scenario.waits or [])} codes waited "
                   f"longer, the longest {_seconds(max(scenario.waits or [0]))})")


def _seconds(value):
    return "-" if value is None else f"{value:.2f}s"


def wait_fields(waits, twice):
    """`wait_p50=…s wait_p99=…s wait_max=…s delivered_twice=N`, as the summary lines print them."""
    return (f"wait_p50={_seconds(percentile(waits, 50))} wait_p99={_seconds(percentile(waits, 99))} "
            f"wait_max={_seconds(max(waits) if waits else None)} delivered_twice={twice}")
