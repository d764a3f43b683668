"""What redis-kill and redis-pause share: Redis goes away under steady load (with codes queued in the outbox), and
comes back. During the outage every send is answered 503 with code serviceUnavailable and Retry-After: 1, quickly;
afterwards sends succeed again within a bound and stay successful; nothing accepted or queued is lost, nothing is
delivered twice (acknowledgements are retried through the outage), and 99 % of the accepted codes reach the relay
within WAIT_P99 seconds of their 200.

The codes go by email to the SMTP sink, a relay taking 0.2 s per message, with verifyd's default delivery settings
(no VERIFYD_DELIVERY_* override)."""
import asyncio
import collections
import time

from ..api import EmailTargets
from ..checks import follow, latency_check, record_waits, redelivered, wait_check
from ..codes import CODES, UNAVAILABLE
from ..load.sends import SendLoad
from ..scenario import Scenario
from ..wait import ChaosFailure, wait_until

REDIS_TIMEOUT_MS = 500
RELAY_DELAY = 0.2  # seconds the SMTP sink takes per message
WAIT_P99 = 5.0  # seconds from an accepted send's 200 to the relay's acceptance, for 99 % of the codes


def outage_bound():
    # An anonymous send is one Redis round trip: at most one command deadline, or none while no connection is
    # up (then 503 at once). Twice the deadline plus one second of slack for a loaded 2-core machine.
    return 2 * REDIS_TIMEOUT_MS / 1000 + 1.0


class RedisOutage(Scenario):
    target_prefix = "?"  # of the email targets, unique per scenario
    resume_limit = 0.0  # seconds from Redis answering PING again to the first successful send

    async def outage(self, redis):
        """Injects the fault and ends it; returns (when Redis went away, when it was back)."""
        raise NotImplementedError

    async def run(self):
        redis = await self.redis(aof=True)
        # 0.2 s per message: the codes in flight when the fault hits are still in the outbox. Envelope only: a sink
        # parsing every message falls behind the load on a 2-core machine, and the waits would measure the sink.
        sink = await self.smtp_sink(delay=RELAY_DELAY, envelope_only=True)
        vd = await self.verifyd(redis, VERIFYD_EMAIL=f"smtp://127.0.0.1:{sink.port}", VERIFYD_SMTP_STARTTLS="off",
                                VERIFYD_EMAIL_FROM="Chaos <noreply@chaos.example>",
                                VERIFYD_REDIS_TIMEOUT_MS=REDIS_TIMEOUT_MS)
        load = SendLoad(self, vd.port, EmailTargets(self.target_prefix), concurrency=6 if self.short else 10,
                        pace=0.01)
        task = asyncio.create_task(load.run())
        try:
            await wait_until(lambda: len(load.accepted()) >= 30, 20, "sends are accepted under steady load")
            await asyncio.sleep(1.0 if self.short else 2.0)  # load runs a while: the backlog grows
            queued = await redis.store.queued_targets()
            t_down, t_up = await self.outage(redis)
            t_ping = time.monotonic()
            try:
                await wait_until(lambda: load.first_success_after(t_up), 15, "a send succeeds after the outage",
                                 interval=0.01)
            except ChaosFailure as error:
                self.check(False, str(error))
            await asyncio.sleep(2.0 if self.short else 3.0)  # load runs a while after recovery
        finally:
            load.stop.set()
            await task
        self.check(vd.alive(), "verifyd still runs (it was never restarted)")
        self.check_answers(load, t_down, t_up, t_ping)
        await self.check_deliveries(redis, sink, load, queued)
        signs = vd.crash_signs()
        self.check(not signs, f"verifyd logged failures: {signs[:3]}")

    def check_answers(self, load, t_down, t_up, t_ping):
        answers = load.answers
        unavailable = CODES.serviceUnavailable
        documented_503 = "/".join(str(c) for c in sorted(UNAVAILABLE))
        # During the outage: every request that started after the fault and ended before Redis came back got 503.
        during = [a for a in answers if a.start >= t_down + 0.02 and a.end <= t_up]
        bad = [a for a in during if not (a.status == 503 and a.code == unavailable
                                         and a.headers.get("retry-after") == "1")]
        self.numbers["outage_requests"] = len(during)
        self.check(len(during) >= 10, f"requests were sent during the outage ({len(during)})")
        self.check(not bad, f"{len(bad)} of {len(during)} requests during the outage did not get 503/{unavailable} "
                            f"with Retry-After: 1 ({collections.Counter(a.short() for a in bad).most_common(4)})")
        latency_check(self, answers, outage_bound(), "send")
        others = [a for a in answers if not ((a.status == 200 and a.code == CODES.ok)
                                             or (a.status == 503 and a.code in UNAVAILABLE))]
        self.check(not others, f"{len(others)} answers were neither {CODES.ok} nor 503/{documented_503}: "
                               f"{collections.Counter(a.short() for a in others).most_common(5)}")
        first = load.first_success_after(t_up)
        if first is not None:
            resumed = first - t_ping
            self.numbers["resumed_after_ping"] = f"{max(resumed, 0):.2f}s"
            self.check(resumed <= self.resume_limit, f"success resumed {resumed:.2f}s after Redis answered PING "
                                                     f"(limit {self.resume_limit}s)")
            # Once resumed, it stays resumed: no 503 for requests started a second later.
            after = [a for a in answers if a.start >= first + 1.0]
            relapses = [a for a in after if a.code != CODES.ok]
            self.check(not relapses, f"{len(relapses)} of {len(after)} sends failed after recovery: "
                                     f"{collections.Counter(a.short() for a in relapses).most_common(3)}")

    async def check_deliveries(self, redis, sink, load, queued):
        answers = load.answers
        accepted = [a.target for a in load.accepted()]
        refused = {a.target for a in answers if a.status == 503}
        self.numbers["queued_at_fault"] = len(queued)
        self.check(len(queued) >= 5, f"codes were queued when the fault hit ({len(queued)}), so the outbox had to "
                                     f"survive it")
        got = await follow(self, redis, sink.delivered, accepted, extra=queued, timeout=60)
        self.late += len(refused & set(got))
        dead = await redis.store.dead_letters()
        self.check(not dead, f"{len(dead)} dead letters although the relay always accepts: "
                             f"{[d.get('reason') for d in dead[:3]]}")
        stats = await redis.store.stats()
        self.numbers.update(requests=len(answers), accepted=len(accepted), answered_503=len(refused),
                            stored_despite_503=len(refused & set(got)), stats_duplicates=stats.get("duplicates", 0),
                            redelivered=redelivered(got))
        _, twice = record_waits(self, load.answered_at(), sink.delivered_at(), got)
        wait_check(self, WAIT_P99)
        self.check(twice == 0, f"{twice} accepted codes were delivered twice (acknowledgements are retried through "
                               f"the outage: none may be)")
