"""The Redis queries of the scenarios, through redis-py's asyncio client: verifyd's outbox streams, their consumer
group, the dead letters and the delivery counters, summed over the 16 shards (docs/redis.md#shards).

`Store` asks one Redis; `ClusterStore` asks a Redis Cluster, each key at the primary that serves its slot (the slot
map read with CLUSTER NODES from any node that answers). Both have the same queries.

No retries and short socket deadlines: the Redis being asked may be killed or paused by the scenario, and a failed
command must fail at once (a wait_until polling it counts the error as "not yet"). A broken connection is dropped
from the pool, so the next command reconnects (to the restarted server, on the same port). On a cluster, a
redirect (MOVED, ASK), TRYAGAIN, CLUSTERDOWN or a connection error drops the slot map, so the next command reads it
again, and fails at once too: a cluster error is never taken for "no such group".
"""
import asyncio

import redis.asyncio
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.crc import key_slot
from redis.exceptions import AskError, ClusterDownError, ResponseError, TryAgainError

# The hash tag of each shard (verifyd's OutboxShard.tags); a target's keys and its outbox stream share one.
SHARD_TAGS = ["0aa", "1ab", "2bb", "3ba", "4db", "5da", "6fb", "7fa", "8fd", "9fc", "aaa", "bdc", "cbc", "dbc", "edb",
              "fad"]
OUTBOXES = [f"verify:{{{tag}}}:outbox" for tag in SHARD_TAGS]
DEADS = [f"verify:{{{tag}}}:outbox:dead" for tag in SHARD_TAGS]
STATS = [f"verify:{{{tag}}}:stats" for tag in SHARD_TAGS]
GROUP = "verifyd"


# Errors of a cluster in motion (a slot moved or moving, a failover): never "no such stream or group".
CLUSTER_ERRORS = (AskError, TryAgainError, ClusterDownError)  # MovedError is an AskError


def connect(port, timeout):
    """A redis-py client of one loopback server: no retries, deadlines of `timeout` seconds, text replies."""
    return redis.asyncio.Redis(host="127.0.0.1", port=port, socket_timeout=timeout, socket_connect_timeout=timeout,
                               retry=Retry(NoBackoff(), 0), protocol=2, decode_responses=True,
                               encoding_errors="replace")


def _unless_cluster_error(error):
    """Re-raises a cluster error caught as a ResponseError: it does not mean "no such stream or group yet"."""
    if isinstance(error, CLUSTER_ERRORS):
        raise error


class Store:
    """verifyd's state in one Redis, on a loopback port."""

    def __init__(self, port, timeout=3.0):
        self.db = connect(port, timeout)

    async def close(self):
        await self.db.aclose()

    async def _db(self, key):
        """The client that serves `key`."""
        return self.db

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
            for name, value in (await (await self._db(key)).hgetall(key)).items():
                totals[name] = totals.get(name, 0) + int(value)
        return totals

    async def dead_letters(self):
        """The dead letters' fields, oldest first."""
        entries = [entry for key in DEADS for entry in await (await self._db(key)).xrange(key, "-", "+")]
        return [fields for _, fields in sorted(entries, key=lambda entry: _order(entry[0]))]

    async def queued_targets(self):
        """The targets (`to`) of every entry in the outbox streams."""
        return {fields.get("to") for key in OUTBOXES
                for _, fields in await (await self._db(key)).xrange(key, "-", "+")} - {None}

    async def outbox_length(self):
        return sum([await (await self._db(key)).xlen(key) for key in OUTBOXES])

    async def settled(self):
        """The outbox is empty and nothing is pending: every queued code was delivered or dead-lettered."""
        return await self.outbox_length() == 0 and sum([await self._pending(key) for key in OUTBOXES]) == 0

    async def _pending(self, key):
        try:
            return (await (await self._db(key)).xpending(key, GROUP))["pending"]
        except ResponseError as error:
            _unless_cluster_error(error)
            return 0  # no group yet

    async def consumers(self):
        """Pending entries by consumer name, in the delivery workers' group, over every shard."""
        counts = {}
        for key in OUTBOXES:
            try:
                for consumer in await (await self._db(key)).xinfo_consumers(key, GROUP):
                    counts[consumer["name"]] = counts.get(consumer["name"], 0) + int(consumer["pending"])
            except ResponseError as error:
                _unless_cluster_error(error)
                continue  # no stream or group yet
        return counts

    async def held_by(self, consumer):
        """The entries `consumer` has claimed and not acknowledged, as (their number, their targets)."""
        count, held = 0, set()
        for key in OUTBOXES:
            db = await self._db(key)
            try:
                pending = await db.xpending_range(key, GROUP, "-", "+", 100000, consumername=consumer)
            except ResponseError as error:
                _unless_cluster_error(error)
                continue
            count += len(pending)
            for p in pending:
                for _, fields in await db.xrange(key, p["message_id"], p["message_id"]):
                    held.add(fields.get("to"))
        held.discard(None)
        return count, held


def _order(entry_id):
    milliseconds, _, sequence = entry_id.partition("-")
    return int(milliseconds), int(sequence or 0)


def parse_cluster_nodes(text):
    """CLUSTER NODES as a list of dicts: id, port, flags (a set), primary (its primary's id, or None), connected,
    and slots (a list of (first, last) ranges; importing and migrating markers are left out)."""
    nodes = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 8:
            continue
        address = parts[1].split("@")[0]
        port = address.rsplit(":", 1)[1]
        slots = []
        for item in parts[8:]:
            if item.startswith("["):
                continue
            first, _, last = item.partition("-")
            slots.append((int(first), int(last or first)))
        nodes.append({"id": parts[0], "port": int(port) if port.isdigit() else 0, "flags": set(parts[2].split(",")),
                      "primary": None if parts[3] == "-" else parts[3], "connected": parts[7] == "connected",
                      "slots": slots})
    return nodes


class _Routed:
    """A node's client whose failures (a cluster error, a lost connection, a deadline) drop the store's slot map."""

    _FAILURES = CLUSTER_ERRORS + (redis.ConnectionError, redis.TimeoutError, OSError, asyncio.TimeoutError)

    def __init__(self, store, client):
        self._store, self._client = store, client

    def __getattr__(self, name):
        method = getattr(self._client, name)

        async def call(*args, **kwargs):
            try:
                return await method(*args, **kwargs)
            except self._FAILURES:
                self._store.slots = None
                raise

        return call


class ClusterStore(Store):
    """verifyd's state in a Redis Cluster on loopback ports (`ports`: every node, primaries and replicas): each key
    asked at the primary that serves its slot."""

    def __init__(self, ports, timeout=3.0):
        self.ports = list(ports)
        self.timeout = timeout
        self.clients = {}
        self.slots = None  # [(first slot, last slot, primary's port)] once read

    def client(self, port):
        """The plain client of one node (created on first use)."""
        if port not in self.clients:
            self.clients[port] = connect(port, self.timeout)
        return self.clients[port]

    async def close(self):
        for client in self.clients.values():
            await client.aclose()

    async def nodes(self):
        """CLUSTER NODES (parse_cluster_nodes) as the first node that answers sees the cluster."""
        last_error = None
        for port in self.ports:
            try:
                return parse_cluster_nodes(await self.client(port).execute_command("CLUSTER", "NODES"))
            except (OSError, asyncio.TimeoutError, redis.RedisError) as error:
                last_error = error
        raise redis.ConnectionError(f"no cluster node answers CLUSTER NODES: {last_error}")

    async def _db(self, key):
        if self.slots is None:
            self.slots = [(first, last, n["port"]) for n in await self.nodes() if "master" in n["flags"]
                          and "fail" not in n["flags"] for first, last in n["slots"]]
        slot = key_slot(key.encode())
        for first, last, port in self.slots:
            if first <= slot <= last:
                return _Routed(self, self.client(port))
        self.slots = None
        raise ClusterDownError(f"no primary serves slot {slot} (key {key})")

    async def ping(self, timeout=0.5):
        """True when every primary of the slot map answers PING within `timeout` seconds; never raises."""
        try:
            self.slots = None
            await asyncio.wait_for(self._db("verify:{0aa}:outbox"), timeout)
            ports = {port for _, _, port in self.slots}
            replies = await asyncio.wait_for(asyncio.gather(*(self.client(p).ping() for p in ports)), timeout)
            return all(r is True for r in replies)
        except (OSError, asyncio.TimeoutError, redis.RedisError):
            return False
