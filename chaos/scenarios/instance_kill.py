"""instance-kill: three verifyd instances behind nginx (docker/nginx.conf); one is SIGKILLed while its delivery
worker holds entries. Clients through nginx get answers throughout, and keep sending until the entries it held were
taken over (after the claim timeout, 10 s by default, from its last touch); those are delivered by another worker
after the kill; nothing accepted is lost; 99 % of the accepted codes reach the relay within WAIT_P99 seconds of
their 200; and no more codes are delivered twice than the killed worker had in flight (a message the relay
accepted just before the kill, not acknowledged yet, is delivered again by the taker).

The codes go by email to the SMTP sink, a relay taking 0.2 s per message, with verifyd's default delivery settings
(no VERIFYD_DELIVERY_* override)."""
import asyncio
import collections
import signal
import time

from ..api import EmailTargets
from ..checks import follow, latency_check, record_waits, redelivered, wait_check
from ..codes import CODES
from ..load.sends import SendLoad
from ..scenario import Scenario
from ..wait import ChaosFailure, wait_until

RELAY_DELAY = 0.2  # seconds the SMTP sink takes per message
WAIT_P99 = 5.0  # seconds from an accepted send's 200 to the relay's acceptance, for 99 % of the codes


class InstanceKill(Scenario):
    name = "instance-kill"

    async def run(self):
        redis = await self.redis(aof=True)
        # Deliveries stay in flight for 0.2 s each. Envelope only: fast enough not to fall behind the load.
        sink = await self.smtp_sink(delay=RELAY_DELAY, envelope_only=True)
        env = dict(VERIFYD_EMAIL=f"smtp://127.0.0.1:{sink.port}", VERIFYD_SMTP_STARTTLS="off",
                   VERIFYD_EMAIL_FROM="Chaos <noreply@chaos.example>", VERIFYD_TRUSTED_PROXIES="127.0.0.1/32",
                   VERIFYD_REDIS_TIMEOUT_MS=1000)
        instances = [await self.verifyd(redis, name=f"verifyd-{i}", **env) for i in (1, 2, 3)]
        lb = await self.nginx([v.port for v in instances])
        load = SendLoad(self, lb.port, EmailTargets("133"), concurrency=8, pace=0.02, timeout=20)
        task = asyncio.create_task(load.run())
        victim = instances[1]
        try:
            await wait_until(lambda: len(load.accepted()) >= 40, 20, "sends are accepted through nginx")

            async def victim_holds():
                """The victim's consumer name once it holds at least 3 entries."""
                for name, pending in (await redis.store.consumers()).items():
                    if f"-{victim.pid}-" in name and pending >= 3:
                        return name
                return None

            consumer = await wait_until(victim_holds, 20, "the victim's worker holds deliveries in flight")
            self.fault(f"SIGKILL {victim.name} (pid {victim.pid}) behind nginx with deliveries in flight")
            victim.child.signal(signal.SIGKILL)
            victim.child.popen.wait(10)
            t_kill = time.time()
            t_kill_mono = time.monotonic()
            # Its pending list, frozen by its death (no other worker may claim it before the claim timeout): the
            # entries it had in flight.
            in_flight, held = await redis.store.held_by(consumer)
            self.numbers["held_by_victim"] = in_flight
            self.check(in_flight >= 1, "the killed worker held entries at the kill")
            await asyncio.sleep(3.0 if self.short else 5.0)  # clients keep sending through nginx

            async def taken_over():
                return (await redis.store.consumers()).get(consumer, 0) == 0

            try:  # and go on sending until another worker claimed what the victim held
                await wait_until(taken_over, 30, "the killed worker's entries are claimed by another worker",
                                 interval=0.1)
                self.numbers["taken_over_after"] = f"{time.monotonic() - t_kill_mono:.1f}s"
            except ChaosFailure as error:
                self.check(False, str(error))
        finally:
            load.stop.set()
            await task
        retried, accepted = self.check_answers(load, t_kill_mono)
        got = await follow(self, redis, sink.delivered, accepted, extra=set(retried) | held, timeout=60)
        await self.check_takeover(redis, sink, held, consumer, t_kill)
        survivors = [v for v in instances if v is not victim]
        self.check(all(v.alive() for v in survivors), "the other instances still run")
        dead = await redis.store.dead_letters()
        self.check(not dead, f"{len(dead)} dead letters: {[d.get('reason') for d in dead[:3]]}")
        stats = await redis.store.stats()
        self.numbers.update({"requests": len(load.answers), "accepted": len(accepted),
                             f"retried_{CODES.sentTooOften}": len(retried), "redelivered": redelivered(got),
                             "duplicates_stat": stats.get("duplicates", 0)})
        _, twice = record_waits(self, load.answered_at(), sink.delivered_at(), got)
        wait_check(self, WAIT_P99)
        self.check(twice <= in_flight, f"{twice} accepted codes were delivered twice, more than the {in_flight} "
                                       f"entries the killed worker had in flight")
        for v in survivors:
            signs = v.crash_signs()
            self.check(not signs, f"{v.name} logged failures: {signs[:3]}")

    def check_answers(self, load, t_kill):
        """Every request through nginx was answered, accepted or sentTooOften; returns the targets answered
        sentTooOften and the accepted ones."""
        answers = load.answers
        after_kill = [a for a in answers if a.start >= t_kill]
        self.check(len(after_kill) >= 20, f"clients kept sending after the kill ({len(after_kill)})")
        not_answered = [a for a in answers if a.outcome != "answer"]
        self.check(not not_answered, f"{len(not_answered)} requests through nginx got no answer: "
                                     f"{collections.Counter(a.short() for a in not_answered)}")
        ok_codes = {CODES.ok, CODES.sentTooOften}
        others = [a for a in answers if a.outcome == "answer" and not (a.status == 200 and a.code in ok_codes)]
        self.check(not others, f"{len(others)} answers through nginx were neither {CODES.ok} nor "
                               f"{CODES.sentTooOften}: {collections.Counter(a.short() for a in others).most_common(5)}")
        latency_check(self, answers, 3.0, "send")
        # sentTooOften for a target nobody else used: nginx retried a send the victim had already stored (README,
        # Docker).
        retried = [a.target for a in answers if a.code == CODES.sentTooOften]
        return retried, [a.target for a in load.accepted()]

    async def check_takeover(self, redis, sink, held, consumer, t_kill):
        """Each entry the victim held was delivered by another worker: a message whose DATA command reached the
        relay after the kill; and the victim's pending list is empty."""
        arrived_after = {m["rcpt_tos"][0] for m in sink.messages() if m.get("rcpt_tos") and m["data_at"] > t_kill}
        orphans = held - arrived_after
        self.check(not orphans, f"{len(orphans)} entries held by the killed worker were not delivered by another "
                                f"worker after the kill: {sorted(orphans)[:5]}")
        consumers = await redis.store.consumers()
        self.check(consumers.get(consumer, 0) == 0, f"the killed worker's pending list was taken over "
                                                    f"({consumers.get(consumer)} left)")
