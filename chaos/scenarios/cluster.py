"""What cluster-failover and cluster-reshard share: a Redis Cluster (fixtures/redis_cluster.py: 3 primaries, 3
replicas), two verifyd instances on it behind nginx (docker/nginx.conf), and steady email sends to unique targets
through nginx, delivered to the SMTP sink as a relay taking 0.2 s per message (verifyd's default delivery settings).

nginx runs docker/nginx.conf as it is. It does not retry a 503 on another instance, nor count it as the instance
failing: in a failover both instances answer 503 for the killed primary's shards, and when it did (`http_503` in
`proxy_next_upstream`, with `max_fails=1 fail_timeout=5s`), nginx soon had no live upstream and answered 502 to every
send of every shard (the first run of cluster-failover: 5005 of 8148 sends).

A target's keys and its outbox stream share its shard's hash tag (docs/redis.md#shards): its shard is
CRC16(target) mod 16, and the tag's slot tells which primary holds them."""
import collections

from redis.crc import key_slot

from ..checks import percentile
from ..clients.redis_client import SHARD_TAGS
from ..scenario import Scenario

REDIS_TIMEOUT_MS = 1000  # verifyd's default
RELAY_DELAY = 0.2  # seconds the SMTP sink takes per message
TAG_SLOTS = [key_slot(("{" + tag + "}").encode()) for tag in SHARD_TAGS]  # 313 for {0aa}, 1642 for {1ab}, …


def shard_of(target):
    """The shard of a target as verifyd computes it (CRC16 of the whole target, mod 16; the slot's low bits)."""
    return key_slot(target.encode()) % 16


def shards_in(ranges):
    """The shards whose tag's slot lies in these (first, last) slot ranges."""
    return {i for i, slot in enumerate(TAG_SLOTS) if any(a <= slot <= b for a, b in ranges)}


def tags(shards):
    return ",".join(SHARD_TAGS[i] for i in sorted(shards))


def ms(seconds):
    return "-" if seconds is None else f"{seconds * 1000:.0f}ms"


def latencies(answers):
    """p50 and p99 of these answers' latencies (seconds; None when there are none)."""
    values = [a.latency for a in answers]
    return percentile(values, 50), percentile(values, 99)


def outcomes(answers, n=5):
    return collections.Counter(a.short() for a in answers).most_common(n)


class ClusterScenario(Scenario):
    @staticmethod
    def settings(sink, **env):
        """verifyd's environment: email to `sink`, the Redis deadline, and `env`."""
        settings = dict(VERIFYD_EMAIL=f"smtp://127.0.0.1:{sink.port}", VERIFYD_SMTP_STARTTLS="off",
                        VERIFYD_EMAIL_FROM="Chaos <noreply@chaos.example>", VERIFYD_TRUSTED_PROXIES="127.0.0.1/32",
                        VERIFYD_REDIS_TIMEOUT_MS=REDIS_TIMEOUT_MS)
        settings.update(env)
        return settings

    async def instances(self, cluster, sink, label="", **env):
        """Two verifyd instances on the cluster, sending email to `sink`, and nginx in front of them."""
        settings = self.settings(sink, **env)
        instances = [await self.verifyd(cluster, name=f"verifyd-{label}{i}", **settings) for i in (1, 2)]
        lb = await self.nginx([v.port for v in instances], name=f"nginx{'-' + label.rstrip('_') if label else ''}")
        return instances, lb

    async def redirects(self, instances):
        """verifyd_redis_redirects_total by kind (`moved`, `ask`), summed over the instances."""
        totals = collections.Counter()
        for v in instances:
            for name, value in (await v.metrics()).items():
                if name.startswith("verifyd_redis_redirects_total{"):
                    totals["ask" if 'kind="ask"' in name else "moved"] += int(value)
        return totals

    def crash_check(self, instances):
        for v in instances:
            signs = v.crash_signs()
            self.check(not signs, f"{v.name} logged failures: {signs[:3]}")
