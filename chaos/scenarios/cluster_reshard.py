"""cluster-reshard: verifyd on a Redis Cluster (two instances behind nginx, see cluster.py) under steady sends; the
lowest SLOTS slots of the primary serving shard {0aa} (slot 313; the first SLOTS slots hold {0aa} and {1ab}, 1642)
move to another primary with `redis-cli --cluster reshard`, keys, outbox streams and consumer groups included, while
the load runs; the full run moves them back afterwards.

Asserted: no 5xx at all and no other answer than 200/0 (a slot being migrated answers ASK, and a script whose keys
are split between the two nodes TRYAGAIN: verifyd follows and retries within its deadline); every answer within the
bound; the slots did move; verifyd met the move (MOVED or ASK redirects, `verifyd_redis_redirects_total` summed over
both instances' /metrics: `redirects_moved`, `redirects_ask`); every accepted code is delivered."""
import asyncio
import time

from ..api import EmailTargets
from ..checks import follow, latency_check, record_waits, redelivered
from ..codes import CODES
from ..load.sends import SendLoad
from ..wait import wait_until
from .cluster import REDIS_TIMEOUT_MS, RELAY_DELAY, TAG_SLOTS, ClusterScenario, latencies, ms, outcomes, shards_in, tags

SLOTS = 2000  # slots 0-1999 of the first primary: the tags {0aa} (313) and {1ab} (1642)


def answer_bound(slack):
    """nginx may try both instances; each spends at most two Redis deadlines on a send (a TRYAGAIN is retried within
    the deadline); one second of slack (twice as much for the debug binary)."""
    return 2 * (2 * REDIS_TIMEOUT_MS / 1000) + 1.0 * slack


class ClusterReshard(ClusterScenario):
    name = "cluster-reshard"

    async def run(self):
        cluster = await self.redis_cluster()
        sink = await self.smtp_sink(delay=RELAY_DELAY, envelope_only=True)
        instances, lb = await self.instances(cluster, sink)
        source, seen = await cluster.primary_of(TAG_SLOTS[0])
        destination = None
        for slot in TAG_SLOTS:
            node, _ = await cluster.primary_of(slot)
            if node is not source:
                destination = node
                break
        moved_range = [(min(a for a, _ in seen["slots"]), min(a for a, _ in seen["slots"]) + SLOTS - 1)]
        shards = shards_in(moved_range)
        load = SendLoad(self, lb.port, EmailTargets("143"), concurrency=8, pace=0.02, timeout=20)
        task = asyncio.create_task(load.run())
        try:
            await wait_until(lambda: len(load.accepted()) >= 40, 20, "sends are accepted through nginx")
            await asyncio.sleep(1.0 if self.short else 2.0)  # the shards' keys and outbox streams fill up
            before = await self.redirects(instances)
            moves = [(source, destination, "reshard")]
            if not self.short:
                moves.append((destination, source, "reshard-back"))
            for i, (a, b, what) in enumerate(moves):
                self.fault(f"move slots {moved_range} (shards {tags(shards)}) from {a.name} to {b.name} under load")
                t0 = time.monotonic()
                await cluster.reshard(a, b, SLOTS, what)
                self.numbers[f"{what}_time"] = f"{time.monotonic() - t0:.1f}s"
                owner, _ = await cluster.primary_of(TAG_SLOTS[0])
                self.check(owner is b, f"after {what}, slot {TAG_SLOTS[0]} is served by {b.name} "
                                       f"({owner.name if owner else None})")
                await asyncio.sleep(1.0)  # the load goes on on the new layout
            await asyncio.sleep(1.0 if self.short else 2.0)
            after = await self.redirects(instances)
        finally:
            load.stop.set()
            await task
        self.numbers["slots_moved"] = SLOTS * len(moves)
        self.numbers["redirects_moved"] = after["moved"] - before["moved"]
        self.numbers["redirects_ask"] = after["ask"] - before["ask"]
        self.check(after["moved"] + after["ask"] > before["moved"] + before["ask"],
                   "verifyd met the move: MOVED or ASK redirects were followed during the reshard")
        self.check_answers(load)
        accepted = [a.target for a in load.accepted()]
        got = await follow(self, cluster, sink.delivered, accepted, timeout=60)
        dead = await cluster.store.dead_letters()
        self.check(not dead, f"{len(dead)} dead letters although the relay always accepts: "
                             f"{[d.get('reason') for d in dead[:3]]}")
        self.numbers["redelivered"] = redelivered(got)
        record_waits(self, load.answered_at(), sink.delivered_at(), got)
        self.check(all(v.alive() for v in instances), "the instances still run")
        self.crash_check(instances)

    def check_answers(self, load):
        answers = load.answers
        not_answered = [a for a in answers if a.outcome != "answer"]
        self.check(not not_answered, f"{len(not_answered)} requests through nginx got no answer: "
                                     f"{outcomes(not_answered)}")
        fivexx = [a for a in answers if a.outcome == "answer" and a.status >= 500]
        self.numbers["answered_5xx"] = len(fivexx)
        self.check(not fivexx, f"{len(fivexx)} sends answered 5xx during the reshard: {outcomes(fivexx)}")
        others = [a for a in answers if a.outcome == "answer" and a.status < 500
                  and not (a.status == 200 and a.code == CODES.ok)]
        self.check(not others, f"{len(others)} answers were not 200/{CODES.ok}: {outcomes(others)}")
        latency_check(self, answers, answer_bound(self.slack), "send")
        p50, p99 = latencies(load.accepted())
        self.numbers["send_p50"], self.numbers["send_p99"] = ms(p50), ms(p99)
