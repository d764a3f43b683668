"""The base class of every scenario: its directory, its processes, its numbers and its failed assertions.

A scenario subclass sets `name` and writes `async def run(self)`: start fixtures with the factories below, inject
faults (`fault`), and assert (`check`). The runner tears its processes down afterwards, whatever happened.
"""
import collections
import os

from .fixtures.nginx import Nginx
from .fixtures.process import Child
from .fixtures.redis_cluster import RedisCluster
from .fixtures.redis_server import RedisServer
from .fixtures.sinks import HttpSink, SmtpSink
from .fixtures.verifyd import Verifyd
from .log import log


class Scenario:
    name = "?"

    def __init__(self, args, base_dir):
        self.args = args
        self.short = args.short
        self.dir = os.path.join(base_dir, self.name)
        os.makedirs(self.dir, exist_ok=True)
        self.children = []
        self.redis_servers = []
        self.failures = []
        self.numbers = {}  # shown on the scenario's summary line, in insertion order
        # The totals of the summary (chaos/summary.py).
        self.requests = 0
        self.classes = collections.Counter()  # answers by class: 2xx, 4xx, 5xx, closed, timeout
        self.accepted = set()
        self.delivered = 0
        self.dead = 0
        self.lost = 0
        self.late = 0  # stored although the answer was 503
        self.duplicates = 0
        # Delivering scenarios (checks.record_waits): seconds from each accepted send's 200 to the provider's
        # acceptance, and the accepted codes the provider got more than once. None: the scenario delivered nothing.
        self.waits = None
        self.delivered_twice = 0
        self.faults = 0
        self.assertions = 0
        # --short runs the debug binary, several times slower: latency bounds that depend on verifyd's CPU (not on
        # its configured deadlines) get twice the slack.
        self.slack = 2.0 if args.short else 1.0

    async def run(self):
        raise NotImplementedError

    # --- assertions and tallies
    def check(self, condition, message):
        self.assertions += 1
        if not condition:
            self.failures.append(message)
            log(f"  FAIL {self.name}: {message}")
        return condition

    def count(self, answer):
        self.requests += 1
        self.classes[answer.klass()] += 1

    def fault(self, what):
        self.faults += 1
        log(f"  fault: {what}")

    # --- processes
    def spawn(self, name, argv, **kw):
        child = Child(name, argv, **kw)
        self.children.append(child)
        return child

    def teardown(self):
        for child in reversed(self.children):
            child.kill_group()
        # No leaked process: every child's process group is empty (nginx's worker included).
        leaked = [f"{c.name} (group {c.pid})" for c in self.children if not c.group_gone(5)]
        self.check(not leaked, f"processes left after teardown: {leaked}")

    async def close_clients(self):
        for server in self.redis_servers:
            await server.close()

    # --- fixtures, started and ready
    async def redis(self, aof=False, name="redis"):
        server = RedisServer(self, name, aof)
        self.redis_servers.append(server)
        await server.start()
        return server

    async def redis_cluster(self, name="redis-cluster"):
        """3 primaries and 3 replicas, formed and healthy (fixtures/redis_cluster.py)."""
        cluster = RedisCluster(self, name)
        self.redis_servers.append(cluster)
        await cluster.start()
        return cluster

    async def http_sink(self, delay=0.0):
        return await self._started(HttpSink(self, delay))

    async def smtp_sink(self, delay=0.0, envelope_only=False):
        return await self._started(SmtpSink(self, delay, envelope_only))

    async def verifyd(self, redis, name="verifyd", **env):
        return await self._started(Verifyd(self, name, redis, env))

    async def nginx(self, upstream_ports, name="nginx"):
        return await self._started(Nginx(self, upstream_ports, name))

    @staticmethod
    async def _started(fixture):
        await fixture.start()
        return fixture
