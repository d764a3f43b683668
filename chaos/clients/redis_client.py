"""The Redis queries of the scenarios, through redis-py's asyncio client: verifyd's outbox streams, their consumer
group, the dead letters and the delivery counters, summed over the 16 shards (docs/redis.md#shards).

No retries and short socket deadlines: the Redis being asked may be killed or paused by the scenario, and a failed
command must fail at once (a wait_until polling it counts the error as "not yet"). A broken connection is dropped
from the pool, so the next command reconnects (to the restarted server, on the same port).
"""
import asyncio

import redis.asyncio
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ResponseError

# The hash tag of each shard (verifyd's OutboxShard.tags); a target's keys and its outbox stream share one.
SHARD_TAGS = ["0aa", "1ab", "2bb", "3ba", "4db", "5da", "6fb", "7fa", "8fd", "9fc", "aaa", "bdc", "cbc", "dbc", "edb",
              "fad"]
OUTBOXES = [f"verify:{{{tag}}}:outbox" for tag in SHARD_TAGS]
DEADS = [f"verify:{{{tag}}}:outbox:dead" for tag in SHARD_TAGS]
STATS = [f"verify:{{{tag}}}:stats" for tag in SHARD_TAGS]
GROUP = "verifyd"


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
        """The delivery counters (`delivered`, `retries`, `dead`, `duplicates`, `superseded`), summed."""
        totals = {}
        for key in STATS:
            for name, value in (await self.db.hgetall(key)).items():
                totals[name] = totals.get(name, 0) + int(value)
        return totals

    async def dead_letters(self):
        """The dead letters' fields, oldest first."""
        entries = [entry for key in DEADS for entry in await self.db.xrange(key, "-", "+")]
        return [fields for _, fields in sorted(entries, key=lambda entry: _order(entry[0]))]

    async def queued_targets(self):
        """The targets (`to`) of every entry in the outbox streams."""
        return {fields.get("to") for key in OUTBOXES for _, fields in await self.db.xrange(key, "-", "+")} - {None}

    async def outbox_length(self):
        return sum([await self.db.xlen(key) for key in OUTBOXES])

    async def settled(self):
        """The outbox is empty and nothing is pending: every queued code was delivered or dead-lettered."""
        return await self.outbox_length() == 0 and sum([await self._pending(key) for key in OUTBOXES]) == 0

    async def _pending(self, key):
        try:
            return (await self.db.xpending(key, GROUP))["pending"]
        except ResponseError:
            return 0  # no group yet

    async def consumers(self):
        """Pending entries by consumer name, in the delivery workers' group, over every shard."""
        counts = {}
        for key in OUTBOXES:
            try:
                for consumer in await self.db.xinfo_consumers(key, GROUP):
                    counts[consumer["name"]] = counts.get(consumer["name"], 0) + int(consumer["pending"])
            except ResponseError:
                continue  # no stream or group yet
        return counts

    async def held_by(self, consumer):
        """The entries `consumer` has claimed and not acknowledged, as (their number, their targets)."""
        count, held = 0, set()
        for key in OUTBOXES:
            try:
                pending = await self.db.xpending_range(key, GROUP, "-", "+", 100000, consumername=consumer)
            except ResponseError:
                continue
            count += len(pending)
            for p in pending:
                for _, fields in await self.db.xrange(key, p["message_id"], p["message_id"]):
                    held.add(fields.get("to"))
        held.discard(None)
        return count, held


def _order(entry_id):
    milliseconds, _, sequence = entry_id.partition("-")
    return int(milliseconds), int(sequence or 0)
