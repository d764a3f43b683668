"""The scenarios, one module each, in the order a run takes them (`--only` picks some by name)."""
from .cluster_failover import ClusterFailover
from .cluster_reshard import ClusterReshard
from .instance_kill import InstanceKill
from .malformed import Malformed
from .redis_kill import RedisKill
from .redis_pause import RedisPause
from .slow_idle_flood import SlowIdleFlood
from .smtp_faults import SmtpFaults

SCENARIOS = [RedisKill, RedisPause, InstanceKill, SmtpFaults, SlowIdleFlood, Malformed, ClusterFailover, ClusterReshard]
NAMES = [s.name for s in SCENARIOS]
