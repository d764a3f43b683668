#!/usr/bin/env python3
"""`make bench`: five wrk scenarios against a release `verifyd serve` and its own redis-server.

Per scenario: requests/s, p50/p99 latency, the ratio to scenario 1 (run first and again last, ratios to the mean), Redis commands per request (INFO
commandstats deltas, including those its scripts ran), round trips per request (SLOWLOG of a short extra run), CPU seconds
of verifyd and of redis-server per 1,000 requests, verifyd's peak RSS. Memory: verifyd RSS idle, Redis bytes
per mirrored account and per pending target. Prints a table and writes bench/results.json.
"""
import argparse, json, os, re, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROBE_COMMANDS = {"info", "memory", "xlen", "ping", "dbsize", "client", "config"}
TICKS = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(what, condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    sys.exit(f"bench: timed out waiting for {what}")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Redis:
    def __init__(self, port):
        self.port = port

    def cli(self, *args, stdin=None):
        out = subprocess.run(["redis-cli", "-p", str(self.port), *args], input=stdin, capture_output=True, text=True, check=True)
        return out.stdout.strip()

    def info(self, section):
        values = {}
        for line in self.cli("info", section).splitlines():
            if ":" in line and not line.startswith("#"):
                key, value = line.split(":", 1)
                values[key] = value
        return values

    def used_memory(self):
        return int(self.info("memory")["used_memory"])

    def calls(self):
        counts = {}
        for key, value in self.info("commandstats").items():
            counts[key.removeprefix("cmdstat_")] = int(re.search(r"calls=(\d+)", value).group(1))
        return counts

    def key_bytes(self, key):
        out = self.cli("memory", "usage", key, "samples", "0")
        return int(out) if out.isdigit() else 0

    def outbox_length(self):
        """Entries queued over the 16 outbox shards."""
        return sum(int(self.cli("xlen", key) or 0) for key in OUTBOXES)

    def outbox_bytes(self):
        return sum(self.key_bytes(key) for key in OUTBOXES)


# verifyd's outbox streams, one per shard (docs/redis.md#shards).
SHARD_TAGS = ["0aa", "1ab", "2bb", "3ba", "4db", "5da", "6fb", "7fa", "8fd", "9fc", "aaa", "bdc", "cbc", "dbc", "edb",
              "fad"]
OUTBOXES = [f"verify:{{{tag}}}:outbox" for tag in SHARD_TAGS]


def milliseconds(text):
    number, unit = re.match(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


class Bench:
    def __init__(self, args):
        self.args = args
        self.state = tempfile.mkdtemp(prefix="verifyd-bench-")
        self.processes = []
        self.results = {"machine": {"cores": os.cpu_count()}, "duration_s": args.duration,
                        "connections": args.connections, "scenarios": [], "memory": {}}

    def spawn(self, argv, env=None, stdout=subprocess.DEVNULL):
        process = subprocess.Popen(argv, env={**os.environ, **(env or {})}, stdout=stdout, stderr=subprocess.DEVNULL,
                                   cwd=ROOT)
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
        shutil.rmtree(self.state, ignore_errors=True)

    def verifyd_env(self, **extra):
        env = {
            "VERIFYD_CODE_SECRET": "bench-secret-0123456789", "VERIFYD_EMAIL": "log", "VERIFYD_SMS": "log",
            "VERIFYD_REDIS_URL": f"redis://127.0.0.1:{self.redis.port}", "VERIFYD_LOG_LEVEL": "error",
            "VERIFYD_RATE_LIMITS": "1/60,5/600", "VERIFYD_IP_RATE_LIMITS": "off", "VERIFYD_SMS_COUNTRY_RATE_LIMITS": "off",
            "VERIFYD_INTERNAL_TOKEN": "bench-internal-token-0123", "VERIFYD_CODE_TTL": "3600",
        }
        env.update(extra)
        return env

    def start(self):
        port = free_port()
        self.redis_process = self.spawn(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                         "--appendonly", "no", "--dir", self.state])
        self.redis = Redis(port)
        wait_until("redis", lambda: subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).returncode == 0, 10)
        self.seed_mirror()
        self.http = free_port()
        self.verifyd = self.spawn([self.args.binary, "serve"],
                                  self.verifyd_env(VERIFYD_PORT=str(self.http), VERIFYD_WORKER="false"))
        wait_until("verifyd", self.ready, 30)
        time.sleep(1)  # let start-up allocations settle before the idle reading
        self.results["memory"]["verifyd_rss_idle_mib"] = round(rss_mib(self.verifyd.pid), 1)

    def ready(self):
        try:
            return urllib.request.urlopen(f"http://127.0.0.1:{self.http}/health/ready", timeout=1).status == 200
        except OSError:
            return False

    def seed_mirror(self):
        count = self.args.accounts
        path = os.path.join(self.state, "mirror.jsonl")
        with open(path, "w") as f:
            for n in range(1, count + 1):
                f.write(f'{{"aid":"{n}","email":"user{n}@mirror.example.com","countryCode":86,"purePhone":"{13000000000 + n}"}}\n')
        before = self.redis.used_memory()
        started = time.monotonic()
        subprocess.run([self.args.binary, "mirror", "import", path], env={**os.environ, **self.verifyd_env()},
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, cwd=ROOT)
        elapsed = time.monotonic() - started
        os.remove(path)
        self.results["memory"]["mirror_accounts"] = count
        self.results["memory"]["redis_bytes_per_mirrored_account"] = round((self.redis.used_memory() - before) / count)
        self.results["mirror_import_accounts_per_s"] = round(count / elapsed)

    def wrk(self, script, path, env=None, duration=None, connections=None, threads=2):
        """Runs wrk; returns its output and verifyd's peak RSS meanwhile. Exits the bench when wrk fails."""
        url = f"http://127.0.0.1:{self.http}{path}"
        command = ["wrk", f"-t{threads}", f"-c{connections or self.args.connections}",
                   f"-d{duration or self.args.duration}s", "--latency", "-s", script, url]
        process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, text=True)
        peak = 0.0
        while process.poll() is None:
            peak = max(peak, rss_mib(self.verifyd.pid))
            time.sleep(0.1)
        output = process.stdout.read()
        if process.returncode != 0:
            sys.exit(f"bench: wrk failed:\n{output}")
        return output, peak

    def scenario(self, number, name, script, path, env=None):
        calls_before = self.redis.calls()
        cpu_before = cpu_seconds(self.verifyd.pid), cpu_seconds(self.redis_process.pid)
        output, peak = self.wrk(script, path, env)
        cpu_after = cpu_seconds(self.verifyd.pid), cpu_seconds(self.redis_process.pid)
        calls_after = self.redis.calls()
        requests = int(re.search(r"(\d+) requests in", output).group(1))
        answers = json.loads(re.search(r"^ANSWERS (.*)$", output, re.M).group(1))
        deltas = {k: v - calls_before.get(k, 0) for k, v in calls_after.items() if k not in PROBE_COMMANDS}
        result = {
            "scenario": number, "name": name, "requests": requests,
            "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
            "p50_ms": milliseconds(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1)),
            "p99_ms": milliseconds(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1)),
            "redis_commands_per_request": round(sum(deltas.values()) / requests, 3),
            "commands": {k: v for k, v in sorted(deltas.items()) if v},
            "verifyd_cpu_s_per_1k": round((cpu_after[0] - cpu_before[0]) / requests * 1000, 4),
            "redis_cpu_s_per_1k": round((cpu_after[1] - cpu_before[1]) / requests * 1000, 4),
            "verifyd_rss_peak_mib": round(peak, 1),
            "answers": dict(sorted(answers.items())),
            "socket_errors": (re.search(r"Socket errors: (.*)", output) or [None, None])[1],
        }
        result["round_trips_per_request"] = self.round_trips(script, path, env)
        self.results["scenarios"].append(result)
        print(f"  {number}. {name}: {result['requests_per_s']:.0f} req/s", file=sys.stderr)
        return result

    def round_trips(self, script, path, env):
        """Commands verifyd's own connections sent per request, from SLOWLOG during a short extra run at 4
        connections: Redis logs the commands its scripts run for its internal Lua client, so they are not counted."""
        self.redis.cli("config", "set", "slowlog-max-len", "1000000")
        self.redis.cli("config", "set", "slowlog-log-slower-than", "0")
        self.redis.cli("slowlog", "reset")
        output, _ = self.wrk(script, path, env, duration=1, connections=4, threads=1)
        self.redis.cli("config", "set", "slowlog-log-slower-than", "10000")
        log = self.redis.cli("slowlog", "get", "-1").splitlines()
        self.redis.cli("slowlog", "reset")
        self.redis.cli("config", "set", "slowlog-max-len", "128")
        requests = int(re.search(r"(\d+) requests in", output).group(1))
        return round(sum(1 for line in log if line == "verifyd") / max(requests, 1), 3)

    def seed_codes(self):
        """Unique SMS sends, then a `verifyd worker` with the log driver writes their codes to a file."""
        output, _ = self.wrk("bench/seed-codes.lua", "/", duration=self.args.seed)
        log = os.path.join(self.state, "codes.jsonl")
        with open(log, "w") as out:
            worker = self.spawn([self.args.binary, "worker"], self.verifyd_env(VERIFYD_DELIVERY_CONCURRENCY="64"), stdout=out)
            wait_until("the seeded codes to be delivered", lambda: self.redis.outbox_length() == 0, 300)
            self.stop(worker)
        codes = os.path.join(self.state, "codes.txt")
        count = 0
        with open(log) as source, open(codes, "w") as target:
            for line in source:
                entry = json.loads(line)
                target.write(f"{entry['countryCode']} {entry['phoneNumber']} {entry['code']}\n")
                count += 1
        self.results["check_codes_seeded"] = count
        return codes

    def pending_target_bytes(self, run):
        before = self.redis.used_memory(), self.redis.outbox_bytes(), self.redis.outbox_length()
        result = run()
        after = self.redis.used_memory(), self.redis.outbox_bytes(), self.redis.outbox_length()
        accepted = after[2] - before[2]
        if accepted > 0:
            outbox = after[1] - before[1]
            self.results["memory"]["redis_bytes_per_pending_target"] = round((after[0] - before[0] - outbox) / accepted)
            self.results["memory"]["redis_bytes_per_outbox_entry"] = round(outbox / accepted)
        return result

    def run(self):
        print(f"bench: {self.args.accounts} mirrored accounts, {self.args.duration} s per scenario, "
              f"{self.args.connections} connections", file=sys.stderr)
        self.start()
        self.scenario(1, "GET /health/live", "bench/health.lua", "/health/live")
        codes = self.seed_codes()
        self.pending_target_bytes(lambda: self.scenario(2, "send, useType 5, unique targets", "bench/send-unique.lua", "/"))
        self.scenario(3, "send, 16 targets hammered (33201)", "bench/send-hammer.lua", "/")
        self.scenario(4, f"send, useType 2, {self.args.accounts:,} mirrored", "bench/send-existing.lua", "/",
                      {"BENCH_ACCOUNTS": str(self.args.accounts)})
        self.scenario(5, "check, right and wrong codes", "bench/check.lua", "/",
                      {"BENCH_CODES": codes, "BENCH_TOKEN": "bench-internal-token-0123", "BENCH_THREADS": "2"})
        # The baseline again: the machine drifts during a run, so ratios are to the mean of both health runs.
        self.scenario(1, "GET /health/live (again, last)", "bench/health.lua", "/health/live")
        health = [r["requests_per_s"] for r in self.results["scenarios"] if r["scenario"] == 1]
        self.results["baseline_requests_per_s"] = round(sum(health) / len(health), 1)
        for r in self.results["scenarios"]:
            r["ratio"] = round(r["requests_per_s"] / self.results["baseline_requests_per_s"], 3)
        self.results["memory"]["verifyd_rss_peak_mib"] = max(s["verifyd_rss_peak_mib"] for s in self.results["scenarios"])
        self.report()

    def report(self):
        rows = self.results["scenarios"]
        print(f"{'scenario':<38} {'req/s':>8} {'ratio':>6} {'p50 ms':>7} {'p99 ms':>7} {'RT/req':>7} {'cmds/req':>9} "
              f"{'verifyd cpu':>11} {'redis cpu':>9} {'RSS MiB':>8}")
        for r in rows:
            print(f"{str(r['scenario']) + '. ' + r['name']:<38} {r['requests_per_s']:>8.0f} {r['ratio']:>6.2f} {r['p50_ms']:>7.2f} "
                  f"{r['p99_ms']:>7.2f} {r['round_trips_per_request']:>7.2f} {r['redis_commands_per_request']:>9.2f} "
                  f"{r['verifyd_cpu_s_per_1k']:>11.3f} {r['redis_cpu_s_per_1k']:>9.3f} {r['verifyd_rss_peak_mib']:>8.1f}")
        print("(ratio: to the mean of the two health runs, first and last; RT/req: commands verifyd sent per request, "
              "each a round trip; cmds/req: commands Redis ran per request, including its scripts'; cpu: seconds per "
              "1,000 requests)")
        for r in rows:
            print(f"  {r['scenario']}. answers (status:code): {r['answers']}" + (f", socket errors: {r['socket_errors']}" if r["socket_errors"] else ""))
        m = self.results["memory"]
        print(f"memory: verifyd RSS idle {m['verifyd_rss_idle_mib']} MiB, peak under load {m['verifyd_rss_peak_mib']} MiB; "
              f"Redis {m['redis_bytes_per_mirrored_account']} B per mirrored account, "
              f"{m.get('redis_bytes_per_pending_target', '?')} B per pending target (limit log + code), "
              f"{m.get('redis_bytes_per_outbox_entry', '?')} B per queued outbox entry")
        by = {r["scenario"]: r for r in rows}
        targets = [
            ("scenario 2 >= 0.5x scenario 1", by[2]["ratio"] >= 0.5, f"{by[2]['ratio']:.2f}x"),
            ("scenario 3 >= 0.7x scenario 1", by[3]["ratio"] >= 0.7, f"{by[3]['ratio']:.2f}x"),
            ("p99 < 5 ms (scenarios 2-5)", all(by[n]["p99_ms"] < 5 for n in (2, 3, 4, 5)),
             ", ".join(f"{by[n]['p99_ms']:.2f}" for n in (2, 3, 4, 5)) + " ms"),
            ("<= 1 round trip per accepted send", max(by[2]["round_trips_per_request"], by[4]["round_trips_per_request"]) <= 1.005,  # requests in flight at the end
             f"{by[2]['round_trips_per_request']:.2f} (2), {by[4]['round_trips_per_request']:.2f} (4)"),
            ("verifyd RSS < 64 MiB under load", m["verifyd_rss_peak_mib"] < 64, f"{m['verifyd_rss_peak_mib']} MiB"),
        ]
        self.results["targets"] = [{"target": t, "met": met, "measured": v} for t, met, v in targets]
        for t, met, v in targets:
            print(f"target {'met ' if met else 'MISSED'} {t}: {v}")
        os.makedirs(os.path.join(ROOT, "bench"), exist_ok=True)
        with open(os.path.join(ROOT, "bench", "results.json"), "w") as f:
            json.dump(self.results, f, indent=2)
        print("written: bench/results.json")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--duration", type=int, default=int(os.environ.get("DURATION", "10")))
    parser.add_argument("--connections", type=int, default=int(os.environ.get("CONNECTIONS", "64")))
    parser.add_argument("--accounts", type=int, default=int(os.environ.get("ACCOUNTS", "1000000")))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("SEED_SECONDS", "12")),
                        help="seconds of sends whose codes scenario 5 checks")
    bench = Bench(parser.parse_args())
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        bench.run()
    finally:
        bench.cleanup()


if __name__ == "__main__":
    main()
