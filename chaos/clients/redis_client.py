"""The Redis queries of the scenarios, through redis-py's asyncio client: verifyd's outbox stream, its consumer
group, the dead letters and verify:stats.

No retries and short socket deadlines: the Redis being asked may be killed or paused by the scenario, and a failed
command must fail at once (a wait_until polling it counts the error as "not yet"). A broken connection is dropped
from the pool, so the next command reconnects (to the restarted server, on the same port).
"""
import asyncio

import redis.asyncio
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ResponseError

OUTBOX = "verify:outbox"
GROUP = "verifyd"
DEAD = "verify:outbox:dead"
STATS = "verify:stats"


class Store:
    """verifyd's state in one Redis, on a loopback port."""

    def __init__(self, port, timeout=3.0):
        self.db = redis.asyncio.Redis(host="127.0.0.1", port=port, socket_timeout=timeout,
                                      socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0), protocol=2,
                                      decode_responses=True, encoding_errors="replace")

    async def close(self):
        await self.db.aclose()

    async def ping(self, timeout=0.5):
        """True when the server answers PING within `timeout` seconds; never raises."""
        try:
            return await asyncio.wait_for(self.db.ping(), timeout) is True
        except (OSError, asyncio.TimeoutError, redis.RedisError):
            return False

    async def stats(self):
        return {k: int(v) for k, v in (await self.db.hgetall(STATS)).items()}

    async def dead_letters(self):
        """The dead letters' fields, oldest first."""
        return [fields for _, fields in await self.db.xrange(DEAD, "-", "+")]

    async def queued_targets(self):
        """The targets (`to`) of every entry in the outbox stream."""
        return {fields.get("to") for _, fields in await self.db.xrange(OUTBOX, "-", "+")} - {None}

    async def outbox_length(self):
        return await self.db.xlen(OUTBOX)

    async def settled(self):
        """The outbox is empty and nothing is pending: every queued code was delivered or dead-lettered."""
        length = await self.db.xlen(OUTBOX)
        try:
            pending = (await self.db.xpending(OUTBOX, GROUP))["pending"]
        except ResponseError:
            pending = 0  # no group yet
        return length == 0 and pending == 0

    async def consumers(self):
        """Pending entries by consumer name, in the delivery workers' group."""
        return {c["name"]: int(c["pending"]) for c in await self.db.xinfo_consumers(OUTBOX, GROUP)}

    async def held_by(self, consumer):
        """The entries `consumer` has claimed and not acknowledged, as (their number, their targets)."""
        pending = await self.db.xpending_range(OUTBOX, GROUP, "-", "+", 100000, consumername=consumer)
        held = set()
        for p in pending:
            for _, fields in await self.db.xrange(OUTBOX, p["message_id"], p["message_id"]):
                held.add(fields.get("to"))
        held.discard(None)
        return len(pending), held
