#!/usr/bin/env python3
"""`make bench`: wrk scenarios against a release `verifyd serve` on its own standalone Redis and on a 3-primary Redis Cluster.

Both modes run in the same run (`--mode both`, the default), interleaved: each scenario runs on the standalone Redis
and right after on the cluster (the order reverses from one scenario to the next), so the machine's drift shows in
both. Each mode has its own Redis (one `redis-server`, or three cluster-enabled primaries without replicas), its own
mirror of `--accounts` accounts and its own `verifyd serve`; the sends run with the per-IP budget off and again with
it on (verifyd's default limits, each request from its own address in X-Forwarded-For, since wrk is one IP), because
on a cluster that budget lives in another slot: one more round trip. With the budgets on, the lookup budget counts
the useType 2 sends too, and an SMS scenario adds the country budget, reserved with the IP's at once.

`--base-binary` adds a third mode, `base`: another build of verifyd (the previous commit: `BASE=<rev> make bench`)
on a standalone Redis of its own, run interleaved with the others on every scenario with the same environment (a
setting the base does not know is ignored by it); the table adds the ratios of the current standalone to the base.

Per scenario and mode: requests/s, p50/p99 latency, the ratio to the mode's health check (run first and again last),
verifyd and Redis CPU µs per request (Redis: the sum over the cluster's nodes), Redis commands per request (INFO
commandstats deltas summed over the nodes, including those scripts ran), round trips per request (SLOWLOG of a short
extra run on every node: commands verifyd's connections sent, and phases, counting once the commands one request
sends to several nodes at the same time), verifyd's peak RSS; then the cluster/standalone ratio. Memory: verifyd
RSS idle, Redis bytes per mirrored account and per pending target. The delivery worker's cost per code is measured
while it drains the codes that the check scenario uses. Prints a table and writes bench/results.json.
"""
import argparse, json, os, re, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ports import free_port, free_ports  # noqa: E402  (ports outside the kernel's local range)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Commands of the bench itself (and CLIENT SETNAME of new connections), by base name (`config|set` is `config`).
PROBE_COMMANDS = {"info", "memory", "xlen", "ping", "dbsize", "client", "config", "slowlog", "hello"}
TICKS = os.sysconf("SC_CLK_TCK")
MODES = ("standalone", "cluster")  # and "base", with --base-binary: a standalone Redis
CLUSTER_PRIMARIES = 3


def wait_until(what, condition, timeout, pause=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(pause)
    sys.exit(f"bench: timed out waiting for {what}")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class ReplyError(Exception):
    pass


class Connection:
    """A minimal RESP2 client: one blocking connection to one node, one command at a time."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.reader = self.sock.makefile("rb")

    def call(self, *args):
        out = [f"*{len(args)}\r\n".encode()]
        for arg in args:
            data = str(arg).encode()
            out += [f"${len(data)}\r\n".encode(), data, b"\r\n"]
        self.sock.sendall(b"".join(out))
        reply = self.read()
        if isinstance(reply, ReplyError):
            raise reply
        return reply

    def read(self):
        line = self.reader.readline()
        if not line:
            raise ConnectionError("redis closed the connection")
        kind, rest = line[:1], line[1:-2].decode()
        if kind == b"+":
            return rest
        if kind == b"-":
            return ReplyError(rest)
        if kind == b":":
            return int(rest)
        if kind == b"$":
            return None if int(rest) < 0 else self.reader.read(int(rest) + 2)[:-2].decode(errors="replace")
        if kind == b"*":
            return None if int(rest) < 0 else [self.read() for _ in range(int(rest))]
        raise ConnectionError(f"unexpected reply {line!r}")

    def close(self):
        self.sock.close()


class Node:
    """One redis-server this bench started."""

    def __init__(self, port, process):
        self.port, self.process = port, process
        self.connection = None

    def call(self, *args):
        if self.connection is None:
            self.connection = Connection(self.port)
        return self.connection.call(*args)

    def ping(self):
        try:
            return self.call("ping") == "PONG"
        except OSError:
            self.connection = None
            return False

    def info(self, section):
        values = {}
        for line in self.call("info", section).splitlines():
            if ":" in line and not line.startswith("#"):
                key, value = line.split(":", 1)
                values[key] = value
        return values

    def calls(self):
        counts = {}
        for key, value in self.info("commandstats").items():
            name = key.removeprefix("cmdstat_")
            counts[name] = int(re.search(r"calls=(\d+)", value).group(1))
        return counts


class Store:
    """The Redis of one mode: one standalone server, or the primaries of a cluster (slots split evenly, no replicas)."""

    def __init__(self, bench, mode, cluster):
        self.bench, self.mode, self.cluster = bench, mode, cluster
        self.nodes = []
        self.routes = {}  # key -> node, learnt from MOVED

    @property
    def url(self):
        if not self.cluster:
            return f"redis://127.0.0.1:{self.nodes[0].port}"
        return "redis+cluster://" + ",".join(f"127.0.0.1:{n.port}" for n in self.nodes)

    def start(self):
        count = CLUSTER_PRIMARIES if self.cluster else 1
        ports = free_ports(count * 2)
        for i in range(count):
            directory = os.path.join(self.bench.state, f"{self.mode}-{i}")
            os.makedirs(directory)
            argv = ["redis-server", "--port", str(ports[i]), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                    "--dir", directory]
            if self.cluster:
                # The bus port is chosen too: port + 10000 may be out of range or taken.
                argv += ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                         "--cluster-port", str(ports[count + i]), "--cluster-node-timeout", "5000"]
            self.nodes.append(Node(ports[i], self.bench.spawn(argv)))
        for node in self.nodes:
            wait_until(f"redis on port {node.port}", node.ping, 10)
        if self.cluster:
            share = 16384 // count
            for i, node in enumerate(self.nodes):
                node.call("cluster", "addslotsrange", i * share, 16383 if i == count - 1 else (i + 1) * share - 1)
                if i > 0:
                    node.call("cluster", "meet", "127.0.0.1", self.nodes[0].port, ports[count])
            wait_until("cluster_state:ok on every node", lambda: all(
                "cluster_state:ok" in n.call("cluster", "info") and f"cluster_known_nodes:{count}" in n.call("cluster", "info")
                for n in self.nodes), 30, pause=0.2)

    def pids(self):
        return [n.process.pid for n in self.nodes]

    def cpu_seconds(self):
        return sum(cpu_seconds(pid) for pid in self.pids())

    def used_memory(self):
        return sum(int(n.info("memory")["used_memory"]) for n in self.nodes)

    def bucket_bytes(self):
        """Bytes of the bucket arrays of the keyspace's hash tables (MEMORY STATS overhead less 24 B per entry):
        they double at powers of two, so a delta over a scenario is a step, not a cost per key."""
        total = 0
        for node in self.nodes:
            stats = node.call("memory", "stats")
            stats = dict(zip(stats[::2], stats[1::2]))
            keyspace = node.info("keyspace")
            for db, value in stats.items():
                if not db.startswith("db."):
                    continue
                overhead = dict(zip(value[::2], value[1::2]))
                counts = dict(part.split("=") for part in keyspace.get(db.replace(".", ""), "keys=0,expires=0").split(","))
                total += overhead["overhead.hashtable.main"] - 24 * int(counts["keys"])
                total += overhead["overhead.hashtable.expires"] - 24 * int(counts["expires"])
        return total

    def calls(self):
        total = {}
        for node in self.nodes:
            for name, count in node.calls().items():
                total[name] = total.get(name, 0) + count
        return total

    def keyed(self, key, *args):
        """A command on `key`, on the node that serves its slot (following MOVED once)."""
        node = self.routes.get(key, self.nodes[0])
        try:
            return node.call(*args)
        except ReplyError as error:
            moved = re.match(r"MOVED \d+ [\d.]+:(\d+)", str(error))
            if not moved:
                raise
            node = next(n for n in self.nodes if n.port == int(moved.group(1)))
            self.routes[key] = node
            return node.call(*args)

    def key_bytes(self, key):
        return self.keyed(key, "memory", "usage", key, "samples", "0") or 0

    def outbox_length(self):
        """Entries queued over the 16 outbox shards."""
        return sum(self.keyed(key, "xlen", key) for key in OUTBOXES)

    def outbox_bytes(self):
        return sum(self.key_bytes(key) for key in OUTBOXES)

    def slowlog_start(self):
        for node in self.nodes:
            node.call("config", "set", "slowlog-max-len", "1000000")
            node.call("config", "set", "slowlog-log-slower-than", "0")
            node.call("slowlog", "reset")

    def slowlog_stop(self):
        """verifyd's commands logged since `slowlog_start`, as (node port, arguments) pairs; resets the logs."""
        commands = []
        for node in self.nodes:
            node.call("config", "set", "slowlog-log-slower-than", "10000")
            for entry in node.call("slowlog", "get", "-1"):
                if len(entry) >= 6 and entry[5] == "verifyd":
                    commands.append((node.port, entry[3]))
            node.call("slowlog", "reset")
            node.call("config", "set", "slowlog-max-len", "128")
        return commands


# verifyd's outbox streams, one per shard (docs/redis.md#shards).
SHARD_TAGS = ["0aa", "1ab", "2bb", "3ba", "4db", "5da", "6fb", "7fa", "8fd", "9fc", "aaa", "bdc", "cbc", "dbc", "edb",
              "fad"]
OUTBOXES = [f"verify:{{{tag}}}:outbox" for tag in SHARD_TAGS]
# A budget's key: its entity and, when it has one, its suffix (`{ip:10.0.0.1}:sent`, `{ip:10.0.0.1}:looked`).
BUDGET_KEY = re.compile(r"\{(ip|cc):[^}]*\}:?(\w*)")


# verifyd's own timers, not requests: the outbox monitor (a script on one outbox stream per shard, every second),
# the blocked email domains (SMEMBERS, every 5 s), the cluster map (CLUSTER SHARDS, every 5 s), connection set-up.
BACKGROUND_COMMANDS = {"smembers", "cluster", "client", "hello", "auth", "select", "ping", "readonly", "script"}


def round_trip_kind(args):
    """How a command verifyd sent runs relative to the request's others (see SendAdmission.run): the budgets of a
    send on a cluster are reserved at the same time, one admit script per budget with no target (ARGV[5] is 0),
    and released at the same time (the withdraw script on one budget key: its count, the stamp, then the budget's
    store, `log` or `counter`; before the window counters, one argument); everything else is one step after
    another. A budget is named by its key's entity and suffix (`ip:sent`, `ip:looked`, `cc:sent`): the IP's send
    and lookup budgets share a slot but are two reservations, sent at once. Commands of verifyd's timers are
    "background"."""
    if args and args[0].lower() in BACKGROUND_COMMANDS:
        return "background", None
    if args and args[0].lower() in ("evalsha", "eval") and len(args) >= 3 and args[2].isdigit():
        keys = args[3:3 + int(args[2])]
        argv = args[3 + int(args[2]):]
        if len(keys) == 1 and keys[0].endswith(":outbox"):
            return "background", None
        budget = BUDGET_KEY.search(keys[0]) if len(keys) == 1 else None
        if budget:
            name = budget.group(1) + (f":{budget.group(2)}" if budget.group(2) else "")
            if len(argv) == 1 or (len(argv) >= 3 and argv[2] in ("log", "counter")):
                return "release", name
            if len(argv) >= 5 and argv[4] == "0":
                return "reserve", name
    return "sequential", None


def round_trip_counts(commands):
    """Commands of the requests, and phases: the reservations (and releases) of one send go to their nodes at the
    same time, one round trip of wall time for all of them. Each send reserves each budget once, so the phases of
    the reservations are the count of the most frequent budget kind. Background commands are counted apart."""
    sequential, background, reserves, releases = 0, 0, {}, {}
    for _, args in commands:
        kind, budget = round_trip_kind(args)
        if kind == "reserve":
            reserves[budget] = reserves.get(budget, 0) + 1
        elif kind == "release":
            releases[budget] = releases.get(budget, 0) + 1
        elif kind == "background":
            background += 1
        else:
            sequential += 1
    phases = sequential + max(reserves.values(), default=0) + max(releases.values(), default=0)
    return len(commands) - background, phases, {"reserve": reserves, "release": releases, "background": background}


def milliseconds(text):
    number, unit = re.match(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


# Scenarios in the order of the table: id, name, wrk script, path. 2ip, 3ip, 4ip and 6 run against a `serve` with
# the budgets on (Mode.start_verifyd) and from one client address per request (bench/clients.lua).
SCENARIOS = {
    "1": ("GET /health/live", "bench/health.lua", "/health/live"),
    "2": ("send, useType 5, unique targets", "bench/send-unique.lua", "/"),
    "2ip": ("send, unique targets, IP budget", "bench/send-unique.lua", "/"),
    "3": ("send, 16 targets hammered (33201)", "bench/send-hammer.lua", "/"),
    "3ip": ("send, 16 hammered, IP budget", "bench/send-hammer.lua", "/"),
    "4": ("send, useType 2, {accounts} mirrored", "bench/send-existing.lua", "/"),
    "4ip": ("send, useType 2, IP + lookup budgets", "bench/send-existing.lua", "/"),
    "5": ("check, right and wrong codes", "bench/check.lua", "/"),
    "6": ("send SMS, unique, IP + country budgets", "bench/send-sms-unique.lua", "/"),
    "1last": ("GET /health/live (again, last)", "bench/health.lua", "/health/live"),
}


class Mode:
    """One mode's Redis, verifyd and results."""

    def __init__(self, bench, name):
        self.bench, self.name = bench, name
        args = bench.args
        # The base is another build of verifyd on a standalone Redis of its own, with the same settings.
        self.binary = args.base_binary if name == "base" else args.binary
        self.label = f"base {args.base_label}" if name == "base" else name
        self.store = Store(bench, name, cluster=name == "cluster")
        self.verifyd = None
        self.http = None
        self.log = os.path.join(bench.state, f"verifyd-{name}.log")
        self.codes = None
        self.results = {"label": self.label, "binary": self.binary, "redis_nodes": CLUSTER_PRIMARIES if name == "cluster" else 1,
                        "scenarios": [], "memory": {}}
        self.runs = tuple(SCENARIOS)  # the scenarios this mode runs

    def env(self, **extra):
        """The environment of every verifyd this mode starts, the same for the base and the current binary: a
        setting one of them does not know it ignores (an unknown VERIFYD_* variable is not an error)."""
        args = self.bench.args
        env = {
            "VERIFYD_CODE_SECRET": "bench-secret-0123456789", "VERIFYD_EMAIL": "log", "VERIFYD_SMS": "log",
            "VERIFYD_REDIS_URL": self.store.url, "VERIFYD_LOG_LEVEL": "error",
            # Explicit (--rate-limits), not verifyd's default, which now adds a daily cap (1/60,5/600,10/86400): the
            # scenarios that send to one target more than once (3: 33201 after the first; 4, 4ip: random accounts)
            # are decided by 1/60 anyway, and a base binary whose default differs runs the same limits.
            "VERIFYD_RATE_LIMITS": args.rate_limits,
            "VERIFYD_IP_RATE_LIMITS": "off", "VERIFYD_LOOKUP_RATE_LIMITS": "off", "VERIFYD_SMS_COUNTRY_RATE_LIMITS": "off",
            "VERIFYD_INTERNAL_TOKEN": "bench-internal-token-0123", "VERIFYD_CODE_TTL": "3600",
            # The worker is off during the scenarios, so the outbox only grows: at the default (60 s) the sends of
            # a run longer than a minute would be refused with 503/39504 (the delivery backlog), and this is the most.
            "VERIFYD_DELIVERY_MAX_WAIT": "60m",
            # For the same reason no cap on the outbox (--outbox-max, 0): a full run queues several times the
            # default's 100,000 codes, and the sends past it would be refused with 503/39503. 0 also skips the send
            # script's XLEN of the outbox shard; 100000000 (the largest) keeps it and still refuses nothing.
            "VERIFYD_OUTBOX_MAX": str(args.outbox_max),
        }
        env.update(extra)
        return env

    def start(self):
        self.store.start()
        self.seed_mirror()
        self.start_verifyd(budgets=False)
        time.sleep(1)  # let start-up allocations settle before the idle reading
        self.results["memory"]["verifyd_rss_idle_mib"] = round(rss_mib(self.verifyd.pid), 1)

    def start_verifyd(self, budgets):
        """(Re)starts `verifyd serve`; with `budgets`, the IP budget at --ip-limits, the lookup budget at
        --lookup-limits and the SMS country budget at --country-limits, trusting X-Forwarded-For from 127.0.0.1
        (bench/clients.lua: one client address each)."""
        if self.verifyd is not None:
            self.bench.stop(self.verifyd)
        args = self.bench.args
        settings = {"VERIFYD_PORT": str(self.free_http()), "VERIFYD_WORKER": "false", "VERIFYD_LOG_LEVEL": "warning"}
        if budgets:
            settings.update(VERIFYD_IP_RATE_LIMITS=args.ip_limits, VERIFYD_LOOKUP_RATE_LIMITS=args.lookup_limits,
                            VERIFYD_SMS_COUNTRY_RATE_LIMITS=args.country_limits, VERIFYD_TRUSTED_PROXIES="127.0.0.1/32")
        with open(self.log, "a") as log:
            log.write(f"--- verifyd serve, budgets {'on' if budgets else 'off'}\n")
            log.flush()
            self.verifyd = self.bench.spawn([self.binary, "serve"], self.env(**settings), stdout=log, stderr=log)
        wait_until(f"verifyd ({self.name})", lambda: self.verifyd.poll() is not None or self.ready(), 30)
        if self.verifyd.poll() is not None:
            with open(self.log) as log:
                sys.exit(f"bench: verifyd serve ({self.name}) exited:\n{log.read()[-2000:]}")

    def free_http(self):
        self.http = free_port()
        return self.http

    def ready(self, path="/health/ready"):
        try:
            return urllib.request.urlopen(f"http://127.0.0.1:{self.http}{path}", timeout=1).status == 200
        except OSError:
            return False

    def seed_mirror(self):
        count = self.bench.args.accounts
        path = os.path.join(self.bench.state, "mirror.jsonl")
        # Email only (scenario 4 sends to the emails): `verifyd mirror import` pipelines one SET per address and one
        # HSET per account, 1,000 accounts at a time, on one connection, and with a phone too that is 3,000 commands,
        # over the client's 2,048 pending per connection: the import of a standalone Redis fails ("too many pending
        # redis commands") from 683 accounts with both addresses in one batch.
        with open(path, "w") as f:
            for n in range(1, count + 1):
                f.write(f'{{"aid":"{n}","email":"user{n}@mirror.example.com"}}\n')
        before = self.store.used_memory() - self.store.bucket_bytes()
        started = time.monotonic()
        imported = subprocess.run([self.binary, "mirror", "import", path], env={**os.environ, **self.env()},
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        if imported.returncode != 0:
            sys.exit(f"bench: verifyd mirror import failed ({self.name}):\n{imported.stderr[-2000:]}")
        elapsed = time.monotonic() - started
        os.remove(path)
        self.results["memory"]["mirror_accounts"] = count
        after = self.store.used_memory() - self.store.bucket_bytes()
        self.results["memory"]["redis_bytes_per_mirrored_account"] = round((after - before) / count)
        self.results["mirror_import_accounts_per_s"] = round(count / elapsed)

    def wrk(self, script, path, env=None, duration=None, connections=None, threads=2):
        """Runs wrk; returns its output and verifyd's peak RSS meanwhile. Exits the bench when wrk fails."""
        url = f"http://127.0.0.1:{self.http}{path}"
        args = self.bench.args
        command = ["wrk", f"-t{threads}", f"-c{connections or args.connections}", f"-d{duration or args.duration}s",
                   "--latency", "-s", script, url]
        process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, text=True)
        peak = 0.0
        while process.poll() is None:
            peak = max(peak, rss_mib(self.verifyd.pid))
            time.sleep(0.1)
        output = process.stdout.read()
        if process.returncode != 0:
            sys.exit(f"bench: wrk failed ({self.name}):\n{output}")
        return output, peak

    def scenario_env(self, sid):
        if sid in ("4", "4ip"):
            return {"BENCH_ACCOUNTS": str(self.bench.args.accounts), "BENCH_FORWARDED": "1" if sid == "4ip" else "0"}
        if sid == "5":
            return {"BENCH_CODES": self.codes, "BENCH_TOKEN": "bench-internal-token-0123", "BENCH_THREADS": "2"}
        if sid in ("2ip", "3ip", "6"):
            return {"BENCH_FORWARDED": "1"}
        return None

    def scenario(self, sid):
        if sid not in self.runs:
            return None
        name, script, path = SCENARIOS[sid]
        name = name.format(accounts=f"{self.bench.args.accounts:,}")
        env = self.scenario_env(sid)
        calls_before = self.store.calls()
        cpu_before = cpu_seconds(self.verifyd.pid), self.store.cpu_seconds()
        output, peak = self.wrk(script, path, env)
        cpu_after = cpu_seconds(self.verifyd.pid), self.store.cpu_seconds()
        calls_after = self.store.calls()
        requests = int(re.search(r"(\d+) requests in", output).group(1))
        answers = json.loads(re.search(r"^ANSWERS (.*)$", output, re.M).group(1))
        deltas = {k: v - calls_before.get(k, 0) for k, v in calls_after.items() if k.split("|")[0] not in PROBE_COMMANDS}
        result = {
            "scenario": sid, "name": name, "requests": requests,
            "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
            "p50_ms": milliseconds(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1)),
            "p99_ms": milliseconds(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1)),
            "redis_commands_per_request": round(sum(deltas.values()) / requests, 3),
            "commands": {k: v for k, v in sorted(deltas.items()) if v},
            "verifyd_cpu_us_per_request": round((cpu_after[0] - cpu_before[0]) / requests * 1e6, 1),
            "redis_cpu_us_per_request": round((cpu_after[1] - cpu_before[1]) / requests * 1e6, 1),
            "verifyd_rss_peak_mib": round(peak, 1),
            "answers": dict(sorted(answers.items())),
            "socket_errors": (re.search(r"Socket errors: (.*)", output) or [None, None])[1],
        }
        result.update(self.round_trips(script, path, env))
        self.results["scenarios"].append(result)
        print(f"  {self.label:<10} {sid}. {name}: {result['requests_per_s']:.0f} req/s", file=sys.stderr)
        return result

    def round_trips(self, script, path, env):
        """Commands verifyd's own connections sent per request, from SLOWLOG on every node during a short extra run
        at 4 connections (the commands a script runs are logged for Redis's Lua client, not for verifyd's
        connection, so they do not count), and phases; verifyd's timers apart (`round_trip_kind`)."""
        time.sleep(0.5)  # the requests still in flight when the measured wrk stopped
        self.store.slowlog_start()
        started = time.monotonic()
        output, _ = self.wrk(script, path, env, duration=1, connections=4, threads=1)
        commands = self.store.slowlog_stop()
        elapsed = time.monotonic() - started
        requests = max(int(re.search(r"(\d+) requests in", output).group(1)), 1)
        count, phases, parallel = round_trip_counts(commands)
        per_node, breakdown = {}, {}
        for port, args in commands:
            kind = round_trip_kind(args)[0]
            name = f"{kind} {args[0].lower()}" + (f" {args[2]} keys" if args[0].lower() in ("eval", "evalsha") else "")
            breakdown[name] = breakdown.get(name, 0) + 1
            if kind != "background":
                per_node[port] = per_node.get(port, 0) + 1
        return {"round_trip_requests": requests, "round_trip_commands": count, "round_trips_per_request": round(count / requests, 3),
                "round_trip_phases_per_request": round(phases / requests, 3),
                "round_trip_commands_by_node": [round(per_node.get(n.port, 0) / requests, 3) for n in self.store.nodes],
                "round_trip_parallel": parallel, "round_trip_breakdown": breakdown, "background_commands_per_s": round(parallel["background"] / elapsed, 1)}

    def seed_codes(self):
        """Unique SMS sends, then a `verifyd worker` with the log driver writes their codes to a file. The worker's
        CPU and Redis's while it drains them are the delivery cost per code (log driver: no SMTP, no webhook)."""
        started = time.monotonic()
        for round_number in range(100):
            if self.store.outbox_length() >= self.bench.args.seed_codes or time.monotonic() - started > 120:
                break
            self.wrk("bench/seed-codes.lua", "/", env={"BENCH_ROUND": str(round_number)}, duration=3)
        queued = self.store.outbox_length()
        # Without `serve`, whose outbox monitor would scan the SMS-only backlog for email entries meanwhile.
        self.bench.stop(self.verifyd)
        log = os.path.join(self.bench.state, f"codes-{self.name}.jsonl")
        with open(log, "w") as out:
            redis_before = self.store.cpu_seconds()
            started = time.monotonic()
            worker = self.bench.spawn([self.binary, "worker"], self.env(VERIFYD_DELIVERY_CONCURRENCY="64"), stdout=out)
            wait_until("the seeded codes to be delivered", lambda: self.store.outbox_length() == 0, 300, pause=0.25)
            elapsed = time.monotonic() - started
            worker_cpu, redis_cpu = cpu_seconds(worker.pid), self.store.cpu_seconds() - redis_before
            self.bench.stop(worker)
        codes = os.path.join(self.bench.state, f"codes-{self.name}.txt")
        count = 0
        with open(log) as source, open(codes, "w") as target:
            for line in source:
                entry = json.loads(line)
                target.write(f"{entry['countryCode']} {entry['phoneNumber']} {entry['code']}\n")
                count += 1
        self.results["check_codes_seeded"] = count
        self.results["delivery"] = {
            "queued": queued, "delivered": count, "seconds": round(elapsed, 2),
            "worker_cpu_us_per_code": round(worker_cpu / max(count, 1) * 1e6, 1),
            "redis_cpu_us_per_code": round(redis_cpu / max(count, 1) * 1e6, 1),
        }
        self.codes = codes
        self.start_verifyd(budgets=False)

    def pending_target_bytes(self, run):
        before = self.store.used_memory() - self.store.bucket_bytes(), self.store.outbox_bytes(), self.store.outbox_length()
        result = run()
        after = self.store.used_memory() - self.store.bucket_bytes(), self.store.outbox_bytes(), self.store.outbox_length()
        accepted = after[2] - before[2]
        if accepted > 0:
            outbox = after[1] - before[1]
            self.results["memory"]["redis_bytes_per_pending_target"] = round((after[0] - before[0] - outbox) / accepted)
            self.results["memory"]["redis_bytes_per_outbox_entry"] = round(outbox / accepted)
        return result

    def summarize(self):
        """Each scenario's ratio to the mean of the mode's two health runs, and the peak RSS."""
        rows = self.results["scenarios"]
        health = [r["requests_per_s"] for r in rows if r["scenario"] in ("1", "1last")]
        self.results["baseline_requests_per_s"] = round(sum(health) / len(health), 1)
        for r in rows:
            r["ratio"] = round(r["requests_per_s"] / self.results["baseline_requests_per_s"], 3)
        self.results["memory"]["verifyd_rss_peak_mib"] = max(r["verifyd_rss_peak_mib"] for r in rows)

    def finish(self):
        self.summarize()
        messages, section = {}, ""
        with open(self.log) as f:
            for line in f:
                if line.startswith("--- "):
                    section = line[4:].strip()
                    continue
                try:
                    entry = json.loads(line)
                    key = f"{entry.get('level')}: {entry.get('msg')} ({section}; first: {line.strip()[:300]})"
                except ValueError:
                    key = f"{line.strip()[:300]} ({section})"
                first = next((k for k in messages if k.split(" (")[0] == key.split(" (")[0]), key)
                messages[first] = messages.get(first, 0) + 1
        self.results["verifyd_log"] = messages


class ProductionMode(Mode):
    """verifyd as deployed, on a standalone Redis of its own: metrics on, JSON logs at info, the IP budget on (one
    client address per request), request ids, and its worker delivering every accepted code (log driver; its output
    and the logs go to /dev/null); the delivery settings at verifyd's defaults. Runs health and the unique sends
    (2ip); after the sends, the outbox left and how long the worker takes to empty it."""

    def __init__(self, bench):
        super().__init__(bench, "production")
        self.runs = ("1", "2ip", "1last")

    def start(self):
        self.store.start()
        self.start_verifyd(budgets=True)
        time.sleep(1)
        self.results["memory"]["verifyd_rss_idle_mib"] = round(rss_mib(self.verifyd.pid), 1)

    def start_verifyd(self, budgets):
        if self.verifyd is not None:
            return
        args = self.bench.args
        env = self.env(VERIFYD_PORT=str(self.free_http()), VERIFYD_WORKER="true", VERIFYD_LOG_LEVEL="info",
                       VERIFYD_LOG_FORMAT="json", VERIFYD_IP_RATE_LIMITS=args.ip_limits,
                       VERIFYD_TRUSTED_PROXIES="127.0.0.1/32")
        for name in ("VERIFYD_DELIVERY_MAX_WAIT", "VERIFYD_OUTBOX_MAX"):
            env.pop(name)
        self.verifyd = self.bench.spawn([self.binary, "serve"], env)
        wait_until("verifyd (production)", lambda: self.verifyd.poll() is not None or self.ready(), 30)
        if self.verifyd.poll() is not None:
            sys.exit("bench: verifyd serve (production) exited")

    def scenario(self, sid):
        result = super().scenario(sid)
        if result is not None and sid == "2ip":
            result["backlog_after_run"] = self.store.outbox_length()
            started = time.monotonic()
            wait_until("the production worker to empty the outbox", lambda: self.store.outbox_length() == 0, 120, 0.1)
            result["drained_in_s"] = round(time.monotonic() - started, 1)
        return result

    def seed_codes(self):
        pass

    def pending_target_bytes(self, run):
        return run()

    def finish(self):
        self.summarize()


class PeerMode(ProductionMode):
    """A yardstick in the same run, on the same machine: the Go peer (`go`, on a standalone Redis of its own: health
    and the sends 2 and 3; one Lua script per send) or the bare Hummingbird app (`floor`: health only)."""

    def __init__(self, bench, name, binary):
        Mode.__init__(self, bench, name)
        self.binary, self.label = binary, {"go": "Go peer", "floor": "HB floor"}[name]
        self.results.update(label=self.label, binary=binary, redis_nodes=1 if name == "go" else 0)
        self.runs = ("1", "2", "3", "1last") if name == "go" else ("1", "1last")

    def start(self):
        argv, env = [self.binary], {}
        if self.name == "go":
            self.store.start()
            env = {"PEER_REDIS_ADDR": f"127.0.0.1:{self.store.nodes[0].port}", "PEER_PORT": str(self.free_http()),
                   "GOMAXPROCS": str(os.cpu_count())}
        else:
            argv.append(str(self.free_http()))
        self.verifyd = self.bench.spawn(argv, env)
        wait_until(self.label, lambda: self.verifyd.poll() is not None or self.ready("/health/live"), 30)
        if self.verifyd.poll() is not None:
            sys.exit(f"bench: {self.label} exited")
        time.sleep(1)
        self.results["memory"]["verifyd_rss_idle_mib"] = round(rss_mib(self.verifyd.pid), 1)

    def start_verifyd(self, budgets):
        pass

    def scenario(self, sid):
        return Mode.scenario(self, sid)

    def round_trips(self, script, path, env):
        """Not counted: the Go peer sends one script per send, and names no connection for SLOWLOG to tell."""
        return {"round_trips_per_request": None, "round_trip_phases_per_request": None, "round_trip_commands_by_node": []}


class Bench:
    def __init__(self, args):
        self.args = args
        names = MODES if args.mode == "both" else (args.mode,)
        if args.base_binary:
            if "standalone" not in names:
                sys.exit("bench: --base-binary compares on a standalone Redis: --mode standalone or both")
            for binary in (args.binary, args.base_binary):
                if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
                    sys.exit(f"bench: {binary} is not an executable file")
            names = ("base",) + names  # next to the standalone, which it is compared with
        self.state = tempfile.mkdtemp(prefix="verifyd-bench-")
        self.processes = []
        self.modes = [Mode(self, name) for name in names]
        if args.production and "standalone" in names:
            self.modes.append(ProductionMode(self))
        for name, binary in (("go", args.go_peer), ("floor", args.floor)):
            if binary:
                self.modes.append(PeerMode(self, name, binary))
        self.turn = 0
        self.results = {"machine": {"cores": os.cpu_count()}, "duration_s": args.duration, "connections": args.connections,
                        "rate_limits": args.rate_limits, "ip_limits": args.ip_limits, "lookup_limits": args.lookup_limits,
                        "country_limits": args.country_limits, "outbox_max": args.outbox_max, "binary": args.binary, "modes": {}}
        if args.base_binary:
            self.results["base"] = {"binary": args.base_binary, "label": args.base_label}

    def spawn(self, argv, env=None, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
        process = subprocess.Popen(argv, env={**os.environ, **(env or {})}, stdout=stdout, stderr=stderr, cwd=ROOT)
        self.processes.append(process)
        return process

    def stop(self, process):
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def cleanup(self):
        for process in reversed(self.processes):
            self.stop(process)
        if self.args.keep:
            print(f"bench: kept {self.state} (verifyd logs, codes)", file=sys.stderr)
        else:
            shutil.rmtree(self.state, ignore_errors=True)

    def each(self, action):
        """`action` on every mode, one after another; the order reverses from one call to the next (A B, B A, …), so
        that no mode always runs first, or right after another's load."""
        order = self.modes if self.turn % 2 == 0 else self.modes[::-1]
        self.turn += 1
        for mode in order:
            action(mode)

    def run(self):
        args = self.args
        print(f"bench: {', '.join(m.label for m in self.modes)}, {args.accounts} mirrored accounts, {args.duration} s "
              f"per scenario, {args.connections} connections", file=sys.stderr)
        self.each(lambda m: m.start())
        self.each(lambda m: m.scenario("1"))
        self.each(lambda m: m.seed_codes())
        self.each(lambda m: m.pending_target_bytes(lambda: m.scenario("2")))
        self.each(lambda m: m.scenario("3"))
        self.each(lambda m: m.scenario("4"))
        self.each(lambda m: m.scenario("5"))
        self.each(lambda m: m.start_verifyd(budgets=True))
        self.each(lambda m: m.scenario("2ip"))
        self.each(lambda m: m.scenario("3ip"))
        self.each(lambda m: m.scenario("4ip"))
        self.each(lambda m: m.scenario("6"))
        # The baseline again: the machine drifts during a run, so ratios are to the mean of both health runs.
        self.each(lambda m: m.scenario("1last"))
        self.each(lambda m: m.finish())
        for mode in self.modes:
            self.results["modes"][mode.name] = mode.results
        self.report()

    def report(self):
        order = list(SCENARIOS)
        by = {m.name: {r["scenario"]: r for r in m.results["scenarios"]} for m in self.modes}
        labels = {m.name: m.label for m in self.modes}
        width = max(10, *(len(label) for label in labels.values()))
        header = (f"{'scenario':<42} {'mode':<{width}} {'req/s':>7} {'x hlth':>6} {'p50 ms':>7} {'p99 ms':>7} {'vd µs':>6} "
                  f"{'rds µs':>6} {'cmds':>6} {'RT cmd':>6} {'RT ph':>6}")
        print(header)
        print("-" * len(header))
        keys = ["requests_per_s", "ratio", "p50_ms", "p99_ms", "verifyd_cpu_us_per_request", "redis_cpu_us_per_request",
                "redis_commands_per_request", "round_trips_per_request", "round_trip_phases_per_request"]
        formats = ["{:>7.0f}", "{:>6.2f}", "{:>7.2f}", "{:>7.2f}", "{:>6.0f}", "{:>6.0f}", "{:>6.2f}", "{:>6.2f}", "{:>6.2f}"]
        # Ratio rows: the current standalone over the base, then the cluster over the standalone.
        comparisons = [("sa/base", "standalone", "base", self.results.setdefault("standalone_vs_base", {})),
                       ("clu/sa", "cluster", "standalone", self.results.setdefault("cluster_vs_standalone", {})),
                       ("sa/Go", "standalone", "go", self.results.setdefault("standalone_vs_go", {})),
                       ("clu/Go", "cluster", "go", self.results.setdefault("cluster_vs_go", {})),
                       ("sa/HB", "standalone", "floor", self.results.setdefault("standalone_vs_floor", {}))]
        for sid in order:
            present = [m.name for m in self.modes if sid in by[m.name]]
            if not present:
                continue
            label = f"{sid.removesuffix('last')}. {by[present[0]][sid]['name']}"
            for i, name in enumerate(present):
                r = by[name][sid]
                cells = " ".join(f.format(r[k]) if r.get(k) is not None else f"{'-':>{w}}"
                                 for f, k, w in zip(formats, keys, WIDTHS))
                print(f"{label if i == 0 else '':<42} {labels[name]:<{width}} {cells}")
                # A ratio row right after the second of its two modes' rows.
                for row, over, under, ratios in comparisons:
                    if name not in (over, under) or not {over, under} <= set(present[:i + 1]):
                        continue
                    o, u = by[over][sid], by[under][sid]
                    ratio = {k: (round(o[k] / u[k], 2) if o.get(k) is not None and u.get(k) else None) for k in keys}
                    ratios[sid] = ratio
                    cells = " ".join(f"{'-' if ratio[k] is None else format(ratio[k], '.2f'):>{w}}"
                                     for k, w in zip(keys, WIDTHS))
                    print(f"{'':<42} {row:<{width}} {cells}")
        for _, over, under, ratios in comparisons:
            if not ratios:
                del self.results[f"{over}_vs_{under}"]
        base = f"; base: {self.args.base_binary} on its own standalone Redis, sa/base: the current standalone over it" \
            if self.args.base_binary else ""
        print("(x hlth: req/s over the mean of the mode's two health runs; vd µs, rds µs: CPU µs per request of verifyd and "
              "of Redis (all nodes); cmds: commands Redis ran per request, scripts' included; RT cmd: commands verifyd "
              "sent per request, RT ph: of those, the ones that wait for each other (round trips in wall time); "
              f"VERIFYD_RATE_LIMITS={self.args.rate_limits}, VERIFYD_OUTBOX_MAX={self.args.outbox_max}; "
              f"IP budget: VERIFYD_IP_RATE_LIMITS={self.args.ip_limits}, one client address per request; 4ip also "
              f"VERIFYD_LOOKUP_RATE_LIMITS={self.args.lookup_limits}, 6 also "
              f"VERIFYD_SMS_COUNTRY_RATE_LIMITS={self.args.country_limits}; clu/sa: cluster over standalone{base}; "
              "sa/Go, clu/Go, sa/HB: verifyd standalone or cluster over the Go peer or the bare Hummingbird app)")
        for mode in self.modes:
            res = mode.results
            for r in sorted(res["scenarios"], key=lambda r: order.index(r["scenario"])):
                extra = f", socket errors: {r['socket_errors']}" if r["socket_errors"] else ""
                nodes = f", RT by node {r['round_trip_commands_by_node']}" if len(r["round_trip_commands_by_node"]) > 1 else ""
                print(f"  {mode.label} {r['scenario']}. answers (status:code): {r['answers']}{nodes}{extra}")
        for mode in self.modes:
            if mode.name not in VERIFYD_MODES:
                continue
            m, d = mode.results["memory"], mode.results["delivery"]
            print(f"{mode.label}: verifyd RSS idle {m['verifyd_rss_idle_mib']} MiB, peak under load {m['verifyd_rss_peak_mib']} MiB; "
                  f"Redis {m['redis_bytes_per_mirrored_account']} B per mirrored account, "
                  f"{m.get('redis_bytes_per_pending_target', '?')} B per pending target (limit log + code), "
                  f"{m.get('redis_bytes_per_outbox_entry', '?')} B per queued outbox entry; mirror import "
                  f"{mode.results['mirror_import_accounts_per_s']:,} accounts/s")
            print(f"{mode.label}: delivery (log driver) of {d['delivered']} codes in {d['seconds']} s: worker "
                  f"{d['worker_cpu_us_per_code']} µs CPU per code, Redis {d['redis_cpu_us_per_code']} µs per code")
            log = mode.results["verifyd_log"]
            print(f"{mode.label}: verifyd serve logged {sum(log.values())} lines at level warning or above"
                  + "".join(f"\n    {count} x {message}" for message, count in sorted(log.items(), key=lambda i: -i[1])))
        for mode in self.modes:
            if mode.name in VERIFYD_MODES:
                self.targets(mode)
        self.hardening()
        self.peers(by)
        os.makedirs(os.path.join(ROOT, "bench"), exist_ok=True)
        with open(os.path.join(ROOT, "bench", "results.json"), "w") as f:
            json.dump(self.results, f, indent=2)
        print("written: bench/results.json")

    def targets(self, mode):
        by = {r["scenario"]: r for r in mode.results["scenarios"]}
        m = mode.results["memory"]
        targets = [
            ("scenario 2 >= 0.5x scenario 1", by["2"]["ratio"] >= 0.5, f"{by['2']['ratio']:.2f}x"),
            ("scenario 3 >= 0.7x scenario 1", by["3"]["ratio"] >= 0.7, f"{by['3']['ratio']:.2f}x"),
            ("p99 < 5 ms (scenarios 2-5)", all(by[n]["p99_ms"] < 5 for n in ("2", "3", "4", "5")),
             ", ".join(f"{by[n]['p99_ms']:.2f}" for n in ("2", "3", "4", "5")) + " ms"),
            # The 4 requests in flight when wrk stops sent their commands but are not counted.
            ("<= 1 round trip per accepted send", all(by[n]["round_trip_commands"] <= by[n]["round_trip_requests"] + 4
                                                      for n in ("2", "4")),
             f"{by['2']['round_trips_per_request']:.3f} (2), {by['4']['round_trips_per_request']:.3f} (4)"),
            ("verifyd RSS < 64 MiB under load", m["verifyd_rss_peak_mib"] < 64, f"{m['verifyd_rss_peak_mib']} MiB"),
        ]
        mode.results["targets"] = [{"target": t, "met": met, "measured": v} for t, met, v in targets]
        for t, met, v in targets:
            print(f"{mode.label}: target {'met ' if met else 'MISSED'} {t}: {v}")

    def hardening(self):
        """The current standalone against the base, on the sends: at most 10 % less throughput (req/s; noisy on a
        shared machine), and, steadier, the CPU per request of verifyd and Redis together."""
        ratios = self.results.get("standalone_vs_base")
        if not ratios:
            return
        by = {m.name: {r["scenario"]: r for r in m.results["scenarios"]} for m in self.modes}
        sends = [sid for sid in SEND_SCENARIOS if sid in ratios]
        throughput = {sid: ratios[sid]["requests_per_s"] for sid in sends}
        cpu = {sid: round(sum(by["standalone"][sid][k] for k in CPU_KEYS) / sum(by["base"][sid][k] for k in CPU_KEYS), 2)
               for sid in sends}
        met = all(ratio is not None and ratio >= 0.9 for ratio in throughput.values())
        self.results["hardening"] = {"target": "send req/s >= 0.9x base", "met": met, "requests_per_s_ratio": throughput,
                                     "cpu_per_request_ratio": cpu}
        print(f"current vs {self.args.base_label}: target {'met ' if met else 'MISSED'} send req/s >= 0.9x base: "
              + ", ".join(f"{sid} {ratio:.2f}" for sid, ratio in throughput.items()))
        print(f"current vs {self.args.base_label}: CPU per send (verifyd + Redis) over base: "
              + ", ".join(f"{sid} {ratio:.2f}" for sid, ratio in cpu.items()))


    def peers(self, by):
        """verifyd against the yardsticks of the same run (issue 14's targets): the Go peer on health, sends (2) and
        hot targets (3), p99, CPU per send; the production profile's sends against the Go peer's; the Hummingbird
        floor's health."""
        go, floor, production = by.get("go"), by.get("floor"), by.get("production")
        health = {m.name: m.results.get("baseline_requests_per_s") for m in self.modes}
        checks = []

        def check(name, met, measured):
            checks.append({"target": name, "met": met, "measured": measured})
            print(f"{name}: target {'met ' if met else 'MISSED'}: {measured}")

        for name in ("standalone", "cluster"):
            if name not in by or not go:
                continue
            v, label = by[name], f"verifyd {name}"
            r = health[name] / health["go"]
            check(f"{label} health >= 0.8x Go", r >= 0.8, f"{r:.2f}x ({health[name]:.0f} vs {health['go']:.0f} req/s)")
            for sid, what in (("2", "send, unique targets"), ("3", "send, hot targets")):
                r = v[sid]["requests_per_s"] / go[sid]["requests_per_s"]
                check(f"{label} {what} ({sid}) >= 1.0x Go", r >= 1.0,
                      f"{r:.2f}x ({v[sid]['requests_per_s']:.0f} vs {go[sid]['requests_per_s']:.0f} req/s)")
            check(f"{label} send p99 (2) <= Go's", v["2"]["p99_ms"] <= go["2"]["p99_ms"],
                  f"{v['2']['p99_ms']:.2f} vs {go['2']['p99_ms']:.2f} ms")
            for key, who in (("verifyd_cpu_us_per_request", "server"), ("redis_cpu_us_per_request", "Redis")):
                check(f"{label} {who} CPU per send (2) <= Go's", v["2"][key] <= go["2"][key],
                      f"{v['2'][key]:.1f} vs {go['2'][key]:.1f} µs")
            print(f"{label}: Redis commands per send (2): {v['2']['redis_commands_per_request']:.2f}, "
                  f"Go peer {go['2']['redis_commands_per_request']:.2f}")
        if production and go:
            p = production["2ip"]
            r = p["requests_per_s"] / go["2"]["requests_per_s"]
            check("verifyd production send (2ip, delivering) >= 0.8x Go's send (2)", r >= 0.8,
                  f"{r:.2f}x ({p['requests_per_s']:.0f} vs {go['2']['requests_per_s']:.0f} req/s)")
        if production:
            p = production["2ip"]
            print(f"verifyd production: {p['verifyd_cpu_us_per_request']:.1f} µs CPU per send including its delivery, "
                  f"Redis {p['redis_cpu_us_per_request']:.1f} µs; outbox left at the end of the run: "
                  f"{p.get('backlog_after_run')}, delivered {p.get('drained_in_s')} s later")
            if "standalone" in by:
                d = next(m for m in self.modes if m.name == "standalone").results.get("delivery", {})
                print(f"verifyd delivery on its own (standalone, `verifyd worker`, log driver): "
                      f"{d.get('worker_cpu_us_per_code')} µs CPU per code, Redis {d.get('redis_cpu_us_per_code')} µs")
        if floor:
            for name in ("standalone", "cluster", "go"):
                if name in health and health[name]:
                    print(f"health: {name} at {health[name] / health['floor']:.2f}x the bare Hummingbird app "
                          f"({health[name]:.0f} vs {health['floor']:.0f} req/s)")
        for name in ("standalone", "cluster", "production"):
            mode = next((m for m in self.modes if m.name == name), None)
            if mode:
                peak = max(r["verifyd_rss_peak_mib"] for r in mode.results["scenarios"])
                check(f"verifyd {name} RSS under load <= 64 MiB", peak <= 64, f"{peak:.1f} MiB")
        if checks:
            self.results["peers"] = checks


# The modes that run verifyd's full set of scenarios; the others are yardsticks (PeerMode) or a profile.
VERIFYD_MODES = ("standalone", "cluster", "base")
# The widths of the table's columns after the mode's.
WIDTHS = (7, 6, 7, 7, 6, 6, 6, 6, 6)
# The sends, whose throughput the base comparison's target is about, and the CPU columns summed for it.
SEND_SCENARIOS = ("2", "2ip", "3", "3ip", "4", "4ip", "6")
CPU_KEYS = ("verifyd_cpu_us_per_request", "redis_cpu_us_per_request")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True, help="the release verifyd to measure")
    parser.add_argument("--base-binary", help="another build to compare with (the previous commit: BASE=<rev> in "
                                              "scripts/bench.sh), run as a third mode, `base`, on a standalone Redis")
    parser.add_argument("--base-label", default="base", help="the base's name in the table (its commit)")
    parser.add_argument("--mode", choices=["standalone", "cluster", "both"], default=os.environ.get("BENCH_MODE", "both"),
                        help="standalone Redis, a 3-primary Redis Cluster, or both interleaved (default)")
    parser.add_argument("--duration", type=int, default=int(os.environ.get("DURATION", "10")))
    parser.add_argument("--connections", type=int, default=int(os.environ.get("CONNECTIONS", "64")))
    parser.add_argument("--accounts", type=int, default=int(os.environ.get("ACCOUNTS", "1000000")))
    parser.add_argument("--seed-codes", type=int, default=int(os.environ.get("SEED_CODES", "80000")),
                        help="codes issued (in 3-s rounds of SMS sends, at most 2 minutes) for scenario 5 to check, "
                             "each twice: enough that its list does not run out")
    parser.add_argument("--ip-limits", default=os.environ.get("IP_LIMITS", "20/600,100/86400"),
                        help="VERIFYD_IP_RATE_LIMITS of the budget scenarios (default: verifyd's default); each request "
                             "comes from its own address (X-Forwarded-For), so they never refuse")
    parser.add_argument("--lookup-limits", default=os.environ.get("LOOKUP_LIMITS", "30/600,200/86400"),
                        help="VERIFYD_LOOKUP_RATE_LIMITS of the budget scenarios (default: verifyd's default); off "
                             "without the budgets, where wrk's one address would be refused; only useType 1-3 (4ip) "
                             "reach it")
    parser.add_argument("--rate-limits", default=os.environ.get("RATE_LIMITS", "1/60,5/600"),
                        help="VERIFYD_RATE_LIMITS of every scenario (per target; verifyd's default adds 10/86400)")
    parser.add_argument("--outbox-max", type=int, default=int(os.environ.get("OUTBOX_MAX", "0")),
                        help="VERIFYD_OUTBOX_MAX of every scenario (default 0, no cap: the outbox only grows while the "
                             "worker is off, past verifyd's default 100000)")
    parser.add_argument("--country-limits", default=os.environ.get("COUNTRY_LIMITS", "1000/3600"),
                        help="VERIFYD_SMS_COUNTRY_RATE_LIMITS of scenario 6, whose sends cycle through 104 country "
                             "codes (bench/send-sms-unique.lua)")
    parser.add_argument("--go-peer", help="the Go peer's binary (scripts/peers.sh builds it), run beside verifyd")
    parser.add_argument("--floor", help="the bare Hummingbird app's binary (hummingbird-floor), run beside verifyd")
    parser.add_argument("--production", action=argparse.BooleanOptionalAction,
                        default=os.environ.get("PRODUCTION", "on") != "off",
                        help="also run verifyd's production profile (default on; PRODUCTION=off)")
    parser.add_argument("--keep", action="store_true", help="keep the state directory (verifyd logs, codes)")
    bench = Bench(parser.parse_args())
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        bench.run()
    finally:
        bench.cleanup()


if __name__ == "__main__":
    main()
