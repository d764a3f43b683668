"""Assertions several scenarios share: every accepted code delivered (`follow`) and answers within a bound
(`latency_check`)."""
from .wait import ChaosFailure, wait_until


async def follow(scenario, redis, delivered_fn, accepted, *, extra=(), timeout):
    """Waits until every accepted target (and the `extra` ones, known to be stored) was delivered and the outbox is
    settled, then counts what was lost and what was delivered twice. Returns the deliveries by target."""
    accepted = set(accepted)
    must = accepted | set(extra)

    async def done():
        return must <= set(delivered_fn()) and await redis.store.settled()

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
