#!/usr/bin/env python3
"""`make profile`: verifyd's and Redis' instructions per request, counted by valgrind's callgrind.

Timings on a shared machine move by 10 % and more from one run to the next; instruction counts hardly move. For each
scenario, a `redis-server` and a `verifyd serve` (the worker off), both under callgrind, start on free loopback ports,
a warm-up runs (scripts loaded, caches filled), both counts are zeroed (`callgrind_control -z`), then REQUESTS
requests go one after another over one keep-alive connection and both dump their counts (`callgrind_control -d`).
Then the counts are zeroed again and, as long again, no request is made: what that dump counts (verifyd's timers, the
outbox monitor's scripts, Redis' own) is taken off, leaving the work of the requests.

valgrind 3.19 cannot read the DWARF 5 debug information Swift writes, so verifyd runs as a copy without it
(`objcopy --strip-debug`: its symbols stay, for callgrind_annotate); and its core dies on libdispatch's sigsuspend
with a read-only mask, so `--preload` names a library that passes a copy (scripts/sigsuspend-preload.c).

With `--base-binary`, the same scenarios run on another build (`BASE=<rev> make profile`, built like `make bench`
builds it) and the table adds the current/base ratios. With `--go-peer`, the Go peer (`make bench`'s yardstick) is
counted the same way in `health`, `send` and `hot`, and the table adds verifyd/Go ratios. Writes bench/profile.json.

Scenarios (the bench's, one request at a time):
  health   GET /health/live
  send     email, useType 5, a new target each time, no IP budget
  send-ip  the same with the IP budget, each request from its own address (X-Forwarded-For from a trusted proxy)
  hot      a send to a target that was sent a code a moment before (outside the count): refused, 33201; the bench's
           hot targets (scenario 3), no IP budget
  lookup   email, useType 1 (the address must be free: the owner check), IP and lookup budgets
  sms      SMS, useType 5, a new number each time over 104 countries, IP and country budgets
  check    POST /internal/v1/check-verify-code with a wrong code, after a send to the same target
  production  send-ip as deployed: JSON logs at info and the worker on (log driver), each code's delivery counted
           with its send (the dumps wait until the worker has delivered every code)
  backlog  the worker alone draining a backlog: production's sends queued by a `verifyd serve` without a worker (not
           counted), then a `verifyd worker` (counted, JSON logs at info, log driver) delivers them all, reading up
           to 32 entries a stream at a time; its count includes its first reads (scripts loaded, streams' groups
           made). Redis holds writes (`CLIENT PAUSE … WRITE`) until the worker has started and the counts are zeroed.
"""
import argparse, functools, glob, http.client, json, os, re, shutil, socket, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import wait_until  # noqa: E402  (the bench's own helpers)
from ports import free_ports  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEND = "/api/v2/common/send-verify-code"
CHECK = "/internal/v1/check-verify-code"
INTERNAL_TOKEN = "profile-internal-token-0123"
# (country code, a mobile prefix) pairs of the bench's SMS scenario: valid mobile numbers once six digits follow.
with open(os.path.join(ROOT, "bench", "send-sms-unique.lua")) as f:
    COUNTRIES = [(int(code), prefix) for code, prefix in re.findall(r'\{(\d+), "(\d+)"\}', f.read())]


def answers(condition):
    """`condition` as a probe for `wait_until`: a refused connection counts as not yet."""
    def probe():
        try:
            return condition()
        except OSError:
            return False
    return probe


class Scenario:
    def __init__(self, name, budgets, delivers=False, backlog=False):
        self.name, self.budgets, self.delivers, self.backlog = name, budgets, delivers, backlog

    def request(self, n):
        """(method, path, body, headers) of the n-th request."""
        headers = {"Content-Type": "application/json"}
        if self.budgets:
            headers["X-Forwarded-For"] = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
        if self.name == "health":
            return "GET", "/health/live", None, {}
        if self.name in ("send", "send-ip", "production", "backlog"):
            body = {"type": "email", "useType": 5, "templateId": 1, "account": f"p{n}@profile.example.com"}
        elif self.name == "hot":
            body = {"type": "email", "useType": 5, "templateId": 1, "account": f"h{n}@profile.example.com"}
        elif self.name == "lookup":
            body = {"type": "email", "useType": 1, "templateId": 1, "account": f"new{n}@profile.example.com"}
        elif self.name == "sms":
            code, prefix = COUNTRIES[n % len(COUNTRIES)]
            body = {"type": "sms", "useType": 5, "templateId": 1, "countryCode": code,
                    "account": f"{prefix}{n // len(COUNTRIES) % 1000000:06d}"}
        elif self.name == "check":
            headers["Authorization"] = f"Bearer {INTERNAL_TOKEN}"
            body = {"type": "email", "account": f"c{n}@profile.example.com", "templateId": 1, "verifyCode": "000000"}
            return "POST", CHECK, json.dumps(body), headers
        return "POST", SEND, json.dumps(body), headers

    def prepare(self, n):
        """A request to make before the n-th one, outside the count (the check's code, the hot target's first send), or
        None."""
        prefix = {"check": "c", "hot": "h"}.get(self.name)  # the target of `request(n)`
        if prefix is None:
            return None
        body = {"type": "email", "useType": 5, "templateId": 1, "account": f"{prefix}{n}@profile.example.com"}
        return "POST", SEND, json.dumps(body), {"Content-Type": "application/json"}


# The Go peer serves these (it has no budgets, no check route).
GO_PEER_SCENARIOS = ("health", "send", "hot")
SCENARIOS = [Scenario("health", False), Scenario("send", False), Scenario("send-ip", True), Scenario("hot", False),
             Scenario("lookup", True), Scenario("sms", True), Scenario("check", False),
             Scenario("production", True, delivers=True), Scenario("backlog", True, delivers=True, backlog=True)]


class Profiled:
    """A process, under callgrind (`counted`) whose counts are zeroed and dumped on demand, or not."""

    def __init__(self, name, command, env, directory):
        self.prefix = os.path.join(directory, name)
        log = open(self.prefix + ".log", "w")
        valgrind = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={self.prefix}.%p.out", "--dump-line=no",
                    "--dump-instr=no"]
        self.process = subprocess.Popen([*valgrind, *command], env=env, stdout=log, stderr=subprocess.STDOUT,
                                        cwd=directory)

    def control(self, flag):
        subprocess.run(["callgrind_control", flag, str(self.process.pid)], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)

    def dumped_instructions(self):
        """Dumps the counts and returns the instructions since they were last zeroed."""
        before = set(glob.glob(f"{self.prefix}.{self.process.pid}.out*"))
        self.control("-d")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for path in set(glob.glob(f"{self.prefix}.{self.process.pid}.out*")) - before:
                with open(path) as f:
                    for line in f:
                        if line.startswith("summary:") or line.startswith("totals:"):
                            return int(line.split()[1])
            time.sleep(0.2)
        sys.exit(f"profile: no callgrind dump from {self.prefix}")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def exchange(connection, request):
    method, path, body, headers = request
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    payload = response.read()
    return response.status, payload


def verifyd_server(binary, preload, scenario, redis_port, http_port):
    """(command, environment, readiness path) of `verifyd serve` for `scenario`: `binary` without debug information,
    `preload` preloaded."""
    env = dict(os.environ, VERIFYD_REDIS_URL=f"redis://127.0.0.1:{redis_port}/0", VERIFYD_PORT=str(http_port),
               VERIFYD_CODE_SECRET="profile-secret-0123456789", VERIFYD_EMAIL="log", VERIFYD_SMS="log",
               VERIFYD_WORKER="false", VERIFYD_LOG_LEVEL="error", VERIFYD_RATE_LIMITS="1/60,5/600",
               VERIFYD_INTERNAL_TOKEN=INTERNAL_TOKEN, VERIFYD_CODE_TTL="3600", VERIFYD_DELIVERY_MAX_WAIT="60m",
               VERIFYD_OUTBOX_MAX="100000000", VERIFYD_TRUSTED_PROXIES="127.0.0.1/32",
               # Under callgrind everything runs tens of times slower: a 1-s Redis deadline would fail commands.
               VERIFYD_REDIS_TIMEOUT_MS="30000", LD_PRELOAD=preload)
    if scenario.delivers:
        env.update(VERIFYD_WORKER="true", VERIFYD_LOG_LEVEL="info", VERIFYD_LOG_FORMAT="json")
    if scenario.backlog:
        # The server only queues; the worker is `verifyd worker`, with the same environment (`measure_backlog`).
        env.update(VERIFYD_WORKER="false")
    if scenario.budgets:
        env.update(VERIFYD_IP_RATE_LIMITS="20/600,100/86400", VERIFYD_LOOKUP_RATE_LIMITS="30/600,200/86400",
                   VERIFYD_SMS_COUNTRY_RATE_LIMITS="1000/3600")
    else:
        env.update(VERIFYD_IP_RATE_LIMITS="off", VERIFYD_LOOKUP_RATE_LIMITS="off",
                   VERIFYD_SMS_COUNTRY_RATE_LIMITS="off")
    return [binary, "serve"], env, "/health/ready"


def go_peer_server(binary, scenario, redis_port, http_port):
    """(command, environment, readiness path) of the Go peer, the same in every scenario. Go preempts goroutines
    with signals, which trips an assertion in callgrind 3.19: `asyncpreemptoff=1` turns that off (goroutines still
    yield at calls)."""
    env = dict(os.environ, PEER_REDIS_ADDR=f"127.0.0.1:{redis_port}", PEER_PORT=str(http_port), GOMAXPROCS="2",
               GODEBUG="asyncpreemptoff=1")
    return [binary], env, "/health/live"


def redis_cli(redis_port, *arguments):
    """What `redis-cli` printed for one command."""
    return subprocess.run(["redis-cli", "-p", str(redis_port), *arguments], check=True, capture_output=True,
                          text=True).stdout


def delivered(redis_port):
    """Codes the worker delivered so far: the `delivered` fields of every shard's stats hash."""
    keys = redis_cli(redis_port, "--scan", "--pattern", "*:stats").split()
    return sum(int(n) for key in keys for n in redis_cli(redis_port, "HGET", key, "delivered").split() if n)


def start_redis(port, directory):
    """A profiled `redis-server` on `port`, answering. Redis' own timers (10 per second by default: expiry,
    statistics) count as the wall time passes, and under callgrind that time is long and varies: one per second,
    without the dynamic raise, leaves the requests' work."""
    redis = Profiled("redis", ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--hz", "1", "--dynamic-hz", "no"], dict(os.environ), directory)
    wait_until("redis-server", answers(lambda: socket.create_connection(("127.0.0.1", port), 1).close() is None), 60)
    return redis


def wait_ready(name, http_port, path):
    """Waits until `path` answers 200."""
    def ready():
        connection = http.client.HTTPConnection("127.0.0.1", http_port, timeout=5)
        return exchange(connection, ("GET", path, None, {}))[0] == 200

    wait_until(name, answers(ready), 180)


def per_request(started, processes, requests):
    """The instructions `processes` counted since they were zeroed at `started`, less what they count in as long a
    time without requests (verifyd's timers: the outbox monitor, the blocked-domain refresh; Redis' own), per
    request."""
    elapsed = time.monotonic() - started
    counted = [process.dumped_instructions() for process in processes]
    for process in processes:
        process.control("-z")
    time.sleep(elapsed)
    idle = [process.dumped_instructions() for process in processes]
    return tuple(max(0, busy - quiet) / requests for busy, quiet in zip(counted, idle))


def measure_backlog(server, scenario, requests, directory):
    """(worker instructions, Redis instructions) per code of a backlog of `requests` codes drained by `verifyd
    worker`, run with the binary and environment `server` gives."""
    os.makedirs(directory, exist_ok=True)
    redis_port, http_port = free_ports(2)
    redis = start_redis(redis_port, directory)
    worker = None
    try:
        command, env, ready = server(scenario, redis_port, http_port)
        queueing = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_ready("the queueing server", http_port, ready)
            connection = http.client.HTTPConnection("127.0.0.1", http_port, timeout=60)
            for n in range(requests):
                status, payload = exchange(connection, scenario.request(n))
                if status != 200 or json.loads(payload).get("code") != 0:
                    sys.exit(f"profile: backlog request {n} answered {status} {payload[:200]!r}")
        finally:
            queueing.terminate()
            queueing.wait(30)
        # Writes wait until the worker has started (its read connection is named) and the counts are zeroed.
        redis_cli(redis_port, "CLIENT", "PAUSE", "600000", "WRITE")
        worker = Profiled("worker", [command[0], "worker"], env, directory)
        wait_until("the worker's start",
                   lambda: "name=verifyd-worker" in redis_cli(redis_port, "CLIENT", "LIST"), 180, 0.5)
        redis.control("-z")
        worker.control("-z")
        started = time.monotonic()
        redis_cli(redis_port, "CLIENT", "UNPAUSE")
        wait_until("the deliveries", lambda: delivered(redis_port) >= requests, 600, 0.5)
        return per_request(started, [worker, redis], requests)
    finally:
        if worker:
            worker.stop()
        redis.stop()


def measure(server, scenario, requests, warmup, directory):
    """(server instructions, Redis instructions) per request of `scenario`; `server(scenario, redis_port,
    http_port)` gives the command, environment and readiness path of the server under test."""
    os.makedirs(directory, exist_ok=True)
    redis_port, http_port = free_ports(2)
    redis = start_redis(redis_port, directory)
    server_process = None
    try:
        command, env, ready = server(scenario, redis_port, http_port)
        server_process = Profiled("server", command, env, directory)
        wait_ready("the server", http_port, ready)
        connection = http.client.HTTPConnection("127.0.0.1", http_port, timeout=60)
        total = warmup + requests
        prepared = [scenario.prepare(n) for n in range(total)]
        for n in range(total):
            if prepared[n]:
                exchange(connection, prepared[n])
        for n in range(warmup):
            exchange(connection, scenario.request(n))
        if scenario.delivers:
            wait_until("the warm-up's deliveries", lambda: delivered(redis_port) >= warmup, 300, 0.5)
        redis.control("-z")
        server_process.control("-z")
        started = time.monotonic()
        for n in range(warmup, total):
            status, payload = exchange(connection, scenario.request(n))
            code = json.loads(payload).get("code") if payload.startswith(b"{") else None
            expected = {"check": 33203, "hot": 33201}.get(scenario.name, 0)
            if status != 200 or (scenario.name != "health" and code != expected):
                sys.exit(f"profile: {scenario.name} request {n} answered {status} {payload[:200]!r}")
        if scenario.delivers:
            wait_until("the deliveries", lambda: delivered(redis_port) >= total, 300, 0.5)
        return per_request(started, [server_process, redis], requests)
    finally:
        if server_process:
            server_process.stop()
        redis.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--base-binary")
    parser.add_argument("--preload", required=True, help="scripts/sigsuspend-preload.c, built")
    parser.add_argument("--go-peer", help="the Go peer's binary (scripts/peers.sh): counted in health, send and hot too")
    parser.add_argument("--base-label", default="base")
    parser.add_argument("--requests", type=int, default=int(os.environ.get("REQUESTS", "1000")))
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--only", help="comma-separated scenario names")
    parser.add_argument("--keep", help="a directory to keep the callgrind dumps and logs in (callgrind_annotate)")
    args = parser.parse_args()
    if not shutil.which("valgrind"):
        sys.exit("profile: valgrind is not installed (apt-get install valgrind)")
    chosen = [s for s in SCENARIOS if not args.only or s.name in args.only.split(",")]
    builds = [("current", os.path.abspath(args.binary))]
    if args.base_binary:
        builds.append((args.base_label, os.path.abspath(args.base_binary)))
    results = {}
    with tempfile.TemporaryDirectory(prefix="verifyd-profile-") as scratch:
        directory = args.keep or scratch
        servers = []
        for label, binary in builds:
            stripped = os.path.join(scratch, f"verifyd-{label}")
            subprocess.run(["objcopy", "--strip-debug", binary, stripped], check=True)
            servers.append((label, functools.partial(verifyd_server, stripped, os.path.abspath(args.preload))))
        if args.go_peer:
            servers.append(("Go peer", functools.partial(go_peer_server, os.path.abspath(args.go_peer))))
        for scenario in chosen:
            for label, server in servers:
                if label == "Go peer" and scenario.name not in GO_PEER_SCENARIOS:
                    continue
                place = os.path.join(directory, f"{scenario.name}-{label.replace(' ', '-')}")
                if scenario.backlog:
                    vd, rds = measure_backlog(server, scenario, args.requests, place)
                else:
                    vd, rds = measure(server, scenario, args.requests, args.warmup, place)
                results.setdefault(scenario.name, {})[label] = {"server": round(vd), "redis": round(rds)}
                print(f"profile: {scenario.name:8} {label:10} server {vd:10,.0f}, Redis {rds:10,.0f} "
                      f"instructions per request", flush=True)
    print()
    ratio = lambda a, b: f"{a / b:.3f}" if b else "-"
    header = f"{'scenario':10}{'verifyd instr.':>16}{'Redis instr.':>14}"
    if args.base_binary:
        header += f"{'vd/base':>10}{'Redis/base':>12}"
    if args.go_peer:
        header += f"{'Go peer':>10}{'its Redis':>11}{'vd/Go':>8}{'Redis/Go':>10}"
    print(header)
    for name, by in results.items():
        now = by["current"]
        line = f"{name:10}{now['server']:>16,}{now['redis']:>14,}"
        if args.base_binary:
            base = by[args.base_label]
            line += f"{ratio(now['server'], base['server']):>10}{ratio(now['redis'], base['redis']):>12}"
        if "Go peer" in by:
            go = by["Go peer"]
            line += f"{go['server']:>10,}{go['redis']:>11,}"
            line += f"{ratio(now['server'], go['server']):>8}{ratio(now['redis'], go['redis']):>10}"
        print(line)
    with open(os.path.join(ROOT, "bench", "profile.json"), "w") as f:
        json.dump({"requests": args.requests, "base": args.base_label if args.base_binary else None,
                   "per_request": results}, f, indent=2)


if __name__ == "__main__":
    main()
