"""cluster-failover: verifyd on a Redis Cluster (two instances behind nginx, see cluster.py) under steady sends; the
primary serving shard {0aa}'s slot is SIGKILLed, its replica is promoted (cluster node timeout 1 s), the load goes
on, then the killed node is restarted (it rejoins as a replica of the promoted one) and the outbox drains.

Asserted: no request hangs (each answered within the bound below); 503 only within the switch window, from the kill
to the first 200 of a send to a target of the killed primary's shards (requests started after the kill), and only
the documented 503s. Each instance finds the new primary on its own, so the window is each instance's: a 503 from an
instance after its own first 200 fails (nginx names the instance that answered); `instance_lag` is how much later
the last instance switched than the first. Sends keep succeeding once it is over, with no restart of verifyd; every
code answered 200 is delivered, except codes lost with the killed primary in the asynchronous-replication window:
answered 200, on a shard of the killed primary, written within REPLICATION_WINDOW seconds before the kill. Those are counted on their
own (`lost_in_replication_window`) and every other loss fails.

Then a second round on the same cluster with VERIFYD_REDIS_WAIT_REPLICAS=1 (new instances, fresh targets), killing
the primary of the same slot again (the node promoted in the first round; its replica is the node restarted then):
a 200 means a replica holds the code, so nothing may be lost at all. Its numbers carry the prefix `wait1_`.
`send_p50`/`send_p99` are the latencies of the sends accepted before the kill in each round. The rounds run at
different moments, and on a shared 2-core machine their difference is mostly noise, so the cost of WAIT is measured
in pairs: before the kill of the second round, a probe sends one at a time, alternating between a WAIT instance and
a reference instance without WAIT (both direct, not through nginx, under the same load):
`wait1_probe_p50`/`wait1_probe_p99` (without → with) and `wait1_cost_p50`/`wait1_cost_p99` (the difference).

While the promoted primary has no replica (from the kill until the killed node has rejoined and synced), WAIT 1 cannot
succeed for its shards: their sends are answered 503 until then, so the second round's switch window lasts until
the rejoin (one send may be confirmed by the restarted node as it connects, and the next ones wait out its full
resynchronization: a 200 then 503s, all within the window)."""
import asyncio
import collections
import json
import os
import time

from ..api import SEND, EmailTargets
from ..checks import follow, latency_check, record_waits, redelivered
from ..clients.http import build_request, exchange
from ..clients.redis_client import GROUP, OUTBOXES
from ..codes import CODES, UNAVAILABLE
from ..load.sends import SendLoad
from ..log import log
from ..wait import ChaosFailure, wait_until
from .cluster import (REDIS_TIMEOUT_MS, RELAY_DELAY, TAG_SLOTS, ClusterScenario, latencies, ms, outcomes, shard_of,
                      shards_in, tags)

REPLICATION_WINDOW = 1.0  # seconds before the kill within which a write may be lost with its primary
WAIT_TIMEOUT_MS = 100  # VERIFYD_REDIS_WAIT_TIMEOUT_MS (verifyd's default)
VICTIM_SLOT = TAG_SLOTS[0]  # {0aa}


def answered_by(answer):
    """The port of the instance whose answer reached the client: the last address nginx names in X-Chaos-Upstream."""
    last = answer.headers.get("x-chaos-upstream", "").split(",")[-1].strip()
    return int(last.rsplit(":", 1)[1]) if last.rsplit(":", 1)[-1].isdigit() else None


def answer_bound(slack):
    """Seconds within which every send through nginx is answered: nginx may try both instances (a 503 goes to the
    next one), each spending at most two Redis deadlines and the WAIT timeout on a send; one second of slack for a
    loaded 2-core machine (twice as much for the debug binary)."""
    per_instance = 2 * REDIS_TIMEOUT_MS / 1000 + WAIT_TIMEOUT_MS / 1000
    return 2 * per_instance + 1.0 * slack


class ClusterFailover(ClusterScenario):
    name = "cluster-failover"

    async def run(self):
        cluster = await self.redis_cluster()
        sink = await self.smtp_sink(delay=RELAY_DELAY, envelope_only=True)
        await self.round(cluster, sink, "", "141", {})
        await self.round(cluster, sink, "wait1_", "142",
                         {"VERIFYD_REDIS_WAIT_REPLICAS": 1, "VERIFYD_REDIS_WAIT_TIMEOUT_MS": WAIT_TIMEOUT_MS})

    async def round(self, cluster, sink, label, prefix, env):
        """One kill, promotion, restart and drain."""
        waiting = bool(env)
        instances, lb = await self.instances(cluster, sink, label, **env)
        # With WAIT, a reference instance without it, for the paired probe (not behind nginx).
        # It runs no worker: every worker of a deployment must hold fresh entries for the wait, or a withdrawn send's
        # code could be delivered by one that does not know of it.
        reference = (await self.verifyd(cluster, name="verifyd-reference", **self.settings(sink, VERIFYD_WORKER="false"))
                     if waiting else None)
        victim, seen = await cluster.primary_of(VICTIM_SLOT)
        killed_shards = shards_in(seen["slots"])
        load = SendLoad(self, lb.port, EmailTargets(prefix), concurrency=8, pace=0.02, timeout=20)
        task = asyncio.create_task(load.run())
        probe = []
        t_kill = t_end = switched = None
        try:
            await wait_until(lambda: len(load.accepted()) >= 40, 20, "sends are accepted through nginx")
            t_steady = time.monotonic()
            steady = asyncio.create_task(asyncio.sleep(1.5 if self.short else 3.0))  # latencies measured here
            if waiting:
                probe = await self.paired_probe(reference, instances[0], 120 if self.short else 200)
                # The reference instance's codes are not WAITed for: none may be in the replication window.
                steady = asyncio.gather(steady, asyncio.sleep(REPLICATION_WINDOW + 0.5))
            await steady
            self.fault(f"{label}SIGKILL the primary {victim.name} (port {victim.port}, slots {seen['slots']}, "
                       f"shards {tags(killed_shards)})")
            t_kill = time.monotonic()
            victim.kill()
            promoted = await wait_until(lambda: cluster.serving(VICTIM_SLOT, other_than=victim), 20,
                                        "a replica of the killed primary is promoted", interval=0.05)
            self.numbers[f"{label}promoted_after"] = f"{time.monotonic() - t_kill:.1f}s"
            await asyncio.sleep(1.5 if self.short else 3.0)  # the load goes on, on the promoted primary
            t_restart = time.monotonic()
            self.fault(f"{label}restart {victim.name}")
            victim.spawn()
            await cluster.wait_healthy(30, f"{victim.name} rejoined as a replica and synced")
            t_synced = time.monotonic()
            self.numbers[f"{label}rejoined_after"] = f"{time.monotonic() - t_restart:.1f}s"
            me = next(v for v in await victim.view() if "myself" in v["flags"])
            self.check("slave" in me["flags"] and me["primary"] == promoted.id,
                       f"{victim.name} came back as a replica of {promoted.name} ({me['flags']}, of {me['primary']})")

            def first_ok():
                """For each instance, when it first answered 200 to a send started after the kill to a target of the
                killed shards; None until every instance has."""
                firsts = {}
                for a in load.answers:
                    if (a.start >= t_kill and a.status == 200 and a.code == CODES.ok
                            and shard_of(a.target) in killed_shards):
                        by = answered_by(a)
                        firsts[by] = min(firsts.get(by, a.end), a.end)
                return firsts if all(v.port in firsts for v in instances) else None

            try:
                switched = await wait_until(first_ok, 15, "every instance answers 200 to a send to a shard of the "
                                                          "killed primary", interval=0.05)
                if waiting:
                    # With WAIT the window lasts until the rejoin (see above): a send may be confirmed by the
                    # restarted node as it connects, and those after it wait out its full resynchronization.
                    switched = {port: max(end, t_synced) for port, end in switched.items()}
                t_end = max(switched.values())
                self.numbers[f"{label}instance_lag"] = f"{t_end - min(switched.values()):.2f}s"
            except ChaosFailure as error:
                self.check(False, str(error))
            await asyncio.sleep(1.5 if self.short else 2.0)  # and goes on succeeding (checked from 1 s on)
        finally:
            load.stop.set()
            await task
        self.check(all(v.alive() for v in instances), "the instances still run (verifyd was never restarted)")
        if waiting:
            unreplicated = 0
            for v in instances:
                unreplicated += (await v.metrics()).get("verifyd_sends_unreplicated_total", 0)
            self.numbers[f"{label}unreplicated"] = int(unreplicated)
        self.dump(load, label, killed_shards, t_kill)
        refused = self.check_answers(load, label, killed_shards, t_kill, t_end, switched)
        steady = [a for a in load.accepted() if t_steady <= a.start and a.end < t_kill]
        p50, p99 = latencies(steady)
        self.numbers[f"{label}send_p50"], self.numbers[f"{label}send_p99"] = ms(p50), ms(p99)
        probed = self.check_probe(probe) if waiting else []
        await self.check_deliveries(cluster, sink, load, label, prefix, killed_shards, t_kill, refused, waiting,
                                    probed, instances + ([reference] if reference else []))
        self.crash_check(instances + ([reference] if reference else []))
        for v in instances + ([reference] if reference else []):
            await v.stop()
        lb.child.kill_group()

    async def paired_probe(self, reference, waiting, n):
        """`n` sequential sends to each of the two instances, alternating, directly (not through nginx), while the
        load runs: the latency WAIT adds, measured under the same conditions. Returns (with_wait, answer) pairs."""
        targets = EmailTargets("144")
        pairs = []
        for _ in range(n):
            for instance, with_wait in ((reference, False), (waiting, True)):
                target = targets.next()
                a = await exchange(instance.port, build_request("POST", SEND, targets.body(target)), 10)
                a.target = target
                self.count(a)
                pairs.append((with_wait, a))
        return pairs

    def check_probe(self, pairs):
        """The probe's sends were all accepted; its p50 and p99 with and without WAIT, and the difference.
        Returns the accepted targets (followed to delivery with the round's)."""
        bad = [a for _, a in pairs if not (a.status == 200 and a.code == CODES.ok)]
        self.check(not bad, f"{len(bad)} probe sends (before the kill) were not accepted: {outcomes(bad)}")
        plain = latencies([a for w, a in pairs if not w and a.code == CODES.ok])
        waited = latencies([a for w, a in pairs if w and a.code == CODES.ok])
        if None not in plain + waited:
            self.numbers["wait1_probe_p50"] = f"{ms(plain[0])}→{ms(waited[0])}"
            self.numbers["wait1_probe_p99"] = f"{ms(plain[1])}→{ms(waited[1])}"
            self.numbers["wait1_cost_p50"] = f"{(waited[0] - plain[0]) * 1000:+.1f}ms"
            self.numbers["wait1_cost_p99"] = f"{(waited[1] - plain[1]) * 1000:+.1f}ms"
        return [a.target for _, a in pairs if a.status == 200 and a.code == CODES.ok]

    def dump(self, load, label, killed_shards, t_kill):
        """Every answer of the round to answers-LABEL.jsonl in the logs: seconds from the kill, latency, outcome,
        target and whether its shard was the killed primary's."""
        with open(os.path.join(self.dir, f"answers-{label.rstrip('_') or 'async'}.jsonl"), "w") as f:
            for a in load.answers:
                f.write(json.dumps({"start": round(a.start - t_kill, 4) if t_kill else None,
                                    "latency": round(a.latency, 4), "answer": a.short(), "target": a.target,
                                    "killed_shard": shard_of(a.target) in killed_shards, "by": answered_by(a)}) + "\n")

    def check_answers(self, load, label, killed_shards, t_kill, t_end, switched):
        """Every request answered in time; 503 (documented) only within the switch window (each instance's own, up
        to its first 200 in `switched`); 200 afterwards. Returns the targets answered 503."""
        answers = load.answers
        not_answered = [a for a in answers if a.outcome != "answer"]
        self.check(not not_answered, f"{label}{len(not_answered)} requests through nginx got no answer: "
                                     f"{outcomes(not_answered)}")
        latency_check(self, answers, answer_bound(self.slack), f"{label}send")
        unavailable = [a for a in answers if a.status == 503 and a.code in UNAVAILABLE]
        too_often = [a for a in answers if a.status == 200 and a.code == CODES.sentTooOften]
        others = [a for a in answers if a.outcome == "answer" and not (a.status == 200 and a.code == CODES.ok)
                  and a not in unavailable and a not in too_often]
        self.check(not others, f"{label}{len(others)} answers were neither 200/{CODES.ok} nor a documented 503: "
                               f"{outcomes(others)}")
        # Every target is sent to once: sentTooOften means an earlier attempt of the same request (nginx passes a
        # 503 on to the other instance) stored the code and counted the send although it was not answered 200.
        # Allowed only for a request in flight at the kill (its script may have run just before the connection
        # broke); at any other time a 503 must mean that nothing was stored.
        unexplained = sorted((a for a in too_often if not a.start <= t_kill <= a.end), key=lambda a: a.start)
        self.numbers[f"{label}answered_{CODES.sentTooOften}"] = len(too_often)
        self.check(not unexplained, unexplained and (
            f"{label}{len(unexplained)} first sends to fresh targets were answered 200/{CODES.sentTooOften} "
            f"(sentTooOften), not in flight at the kill: an earlier attempt of each (answered 503, then passed by "
            f"nginx to the other instance) had stored the code and counted the send; started from "
            f"{unexplained[0].start - t_kill:+.2f}s to {unexplained[-1].start - t_kill:+.2f}s after the kill, e.g. "
            f"{[a.target for a in unexplained[:3]]}"))
        self.numbers[f"{label}answered_503"] = len(unavailable)
        self.numbers[f"{label}answered_503_other_shards"] = sum(1 for a in unavailable
                                                                if shard_of(a.target) not in killed_shards)
        if t_end is None:
            return {a.target for a in unavailable}
        window = t_end - t_kill
        self.numbers[f"{label}switch_window"] = f"{window:.2f}s"
        outside = [a for a in unavailable if a.end < t_kill or a.start > switched.get(answered_by(a), t_end)]
        examples = [(round(a.start - t_kill, 2), a.short(), a.target, answered_by(a)) for a in outside[:5]]
        self.check(not outside, f"{label}{len(outside)} sends answered 503 outside the switch window "
                                f"({window:.2f}s from the kill; (start, answer, target, instance)): {examples}")
        during = [a for a in answers if a.start >= t_kill and a.end <= t_end]
        self.check(len(during) >= 10, f"{label}requests were sent during the switch ({len(during)})")
        after = [a for a in answers if a.start >= t_end + 1.0]
        failed = [a for a in after if not (a.status == 200 and a.code == CODES.ok)]
        self.check(len(after) >= 20, f"{label}sends went on after the switch ({len(after)})")
        self.check(not failed, f"{label}{len(failed)} of {len(after)} sends failed a second after the switch: "
                               f"{outcomes(failed)}")
        return {a.target for a in unavailable}

    async def dump_outboxes(self, cluster, instances, label):
        """What an unsettled outbox looks like, for the logs: each shard's length, pending entries and consumers as
        Redis sees them, and each instance's delivery and Redis metrics."""
        path = os.path.join(self.dir, f"unsettled-{label or 'async'}.txt")
        with open(path, "w") as f:
            for key in OUTBOXES:
                try:
                    db = await cluster.store._db(key)
                    length = await db.xlen(key)
                    pending = await db.xpending(key, GROUP)
                    consumers = await db.xinfo_consumers(key, GROUP)
                    f.write(f"{key} xlen={length} pending={pending} consumers={consumers}\n")
                except Exception as error:  # a diagnostic: report and go on
                    f.write(f"{key} unreadable: {error!r}\n")
            for v in instances:
                try:
                    for name, value in sorted((await v.metrics()).items()):
                        if any(part in name for part in ("delivery", "outbox", "redis_")):
                            f.write(f"{v.name} {name} {value}\n")
                except Exception as error:
                    f.write(f"{v.name} metrics unreadable: {error!r}\n")
        log(f"  {self.name}: the unsettled outbox is described in {path}")

    async def check_deliveries(self, cluster, sink, load, label, prefix, killed_shards, t_kill, refused, waiting,
                               probed, instances):
        """Every accepted code delivered (the probe's too), but (without WAIT) those of the killed shards written
        within REPLICATION_WINDOW seconds before the kill, which are counted on their own."""
        accepted = [a.target for a in load.accepted()] + probed
        window = {a.target for a in load.accepted() if shard_of(a.target) in killed_shards
                  and a.start <= t_kill and a.end >= t_kill - REPLICATION_WINDOW}
        markers = (f"c{prefix}-", "c144-") if probed else (f"c{prefix}-",)

        def delivered():
            return collections.Counter({t: n for t, n in sink.delivered().items() if t.startswith(markers)})

        lost_before = self.lost
        failures_before = len(self.failures)
        got = await follow(self, cluster, delivered, accepted, may_lose=() if waiting else window, timeout=60)
        if len(self.failures) > failures_before:
            await self.dump_outboxes(cluster, instances, label)
        lost_in_window = 0 if waiting else len(window - set(got))
        self.late += len(refused & set(got))
        if not waiting:
            self.numbers["lost_in_replication_window"] = lost_in_window
            self.log_window(window, got, lost_in_window)
        else:
            self.numbers[f"{label}lost"] = self.lost - lost_before
        dead = await cluster.store.dead_letters()
        self.check(not dead, f"{label}{len(dead)} dead letters although the relay always accepts: "
                             f"{[d.get('reason') for d in dead[:3]]}")
        record_waits(self, load.answered_at(), sink.delivered_at(), got)
        without_200 = set(got) - set(accepted)
        self.numbers.update({f"{label}stored_despite_503": len(refused & set(got)),
                             f"{label}delivered_without_200": len(without_200),
                             f"{label}redelivered": redelivered(got)})

    def log_window(self, window, got, lost):
        """The replication window's count on a line of its own, with the lost targets."""
        examples = ": " + ", ".join(sorted(window - set(got))[:5]) if lost else ""
        log(f"  {self.name}: lost_in_replication_window={lost} (of {len(window)} codes answered 200 on the killed "
            f"shards within {REPLICATION_WINDOW:g}s before the kill){examples}")

