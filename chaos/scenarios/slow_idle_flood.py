"""slow-idle-flood: thousands of idle connections, clients sending one byte per second and request floods (keep-
alive senders, fresh-connection health checks, wrk when installed) at once, while a probe in its own process
measures what an ordinary client sees. Idle and slow connections are closed at the request deadline; the probe
stays within its latency bounds; every flood request is answered; nothing accepted is lost."""
import asyncio
import collections
import json
import os
import resource
import shutil
import sys
import time

from .. import ROOT
from ..api import Targets
from ..checks import follow, record_waits
from ..clients.http import get
from ..codes import CODES, UNAVAILABLE
from ..load.floods import Floods, IdleConnections, listen_overflows, parse_wrk, slow_client
from ..scenario import Scenario
from ..wait import ChaosFailure, wait_until


class SlowIdleFlood(Scenario):
    name = "slow-idle-flood"

    async def run(self):
        timeout_ms = 5000 if self.short else 10000
        self.timeout = timeout = timeout_ms / 1000
        idle_n = 1000 if self.short else 10000
        idle_rate = 1000 if self.short else 2500  # connections opened per second, below what verifyd accepts
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != resource.RLIM_INFINITY and soft < idle_n + 1000:
            raise ChaosFailure(f"ulimit -n is {soft}: {idle_n} idle connections need {idle_n + 1000} "
                               f"(scripts/chaos.sh raises it)")
        slow_n = 4 if self.short else 8
        flood_c = 8 if self.short else 16
        redis = await self.redis()
        vd = await self.verifyd(redis, VERIFYD_REQUEST_TIMEOUT_MS=timeout_ms, VERIFYD_REDIS_TIMEOUT_MS=2000)
        stop_file = os.path.join(self.dir, "probe.stop")
        probe_out = os.path.join(self.dir, "probe.jsonl")
        probe = self.spawn("probe", [sys.executable, "-m", "chaos.load.probe", str(vd.port), stop_file, probe_out],
                           cwd=ROOT, stderr=os.path.join(self.dir, "probe.log"))
        await wait_until(lambda: os.path.exists(probe_out) and os.path.getsize(probe_out) > 0, 15, "the probe runs")
        baseline_probe = len(open(probe_out).read().splitlines())

        overflows_before = listen_overflows()
        self.fault(f"{idle_n} idle connections")
        t_idle = time.monotonic()
        idle = IdleConnections(vd.port, hold=timeout + 15)
        await idle.open(idle_n, idle_rate)
        await wait_until(lambda: idle.settled() >= idle_n, 30, f"{idle_n} idle connections are open")
        self.numbers["idle_open_in"] = f"{time.monotonic() - t_idle:.1f}s"
        # The floods and slow clients run while the idle connections are held, until they are all closed.
        duration = timeout - (time.monotonic() - t_idle) + 3
        wrk_path = shutil.which("wrk")
        self.fault(f"{slow_n} slow clients (one byte per second)")
        self.fault(f"request floods ({flood_c} keep-alive senders, fresh-connection health checks"
                   f"{', wrk' if wrk_path else ''})")
        t0 = time.monotonic()
        wrk_out = os.path.join(self.dir, "wrk.out")
        wrk = None
        if wrk_path:
            wrk = self.spawn("wrk", ["wrk", "-t1", f"-c{8 if self.short else 16}", f"-d{int(duration)}s",
                                     "--timeout", "10s", f"http://127.0.0.1:{vd.port}/health/live"],
                             stdout=wrk_out, stderr=wrk_out)
        slow_tasks = [asyncio.create_task(slow_client(vd.port, (86, f"135{i:08d}"), timeout)) for i in range(slow_n)]
        floods = Floods(self, vd.port, Targets("134"))
        floods.start(senders=flood_c, health_checkers=4)
        peak = 0
        while time.monotonic() - t0 < duration:  # the floods' length; verifyd's memory is sampled meanwhile
            await asyncio.sleep(0.25)
            peak = max(peak, vd.rss_kb() if vd.alive() else 0)
        await floods.finish()
        slow_results = await asyncio.gather(*slow_tasks)
        await idle.closed()
        overflows = listen_overflows() - overflows_before
        self.numbers["listen_overflows"] = overflows
        self.overflow_note = (f" — the kernel dropped {overflows} handshakes on full listen queues meanwhile: a "
                              f"connection verifyd had not accepted yet has no deadline running" if overflows else "")
        if wrk is not None:
            await wait_until(lambda: not wrk.alive(), 20, "wrk finished")
        with open(stop_file, "w"):
            pass
        await wait_until(lambda: not probe.alive(), 30, "the probe stopped")

        probe_sends = self.check_probe(probe_out, baseline_probe)
        self.check_slow(slow_results)
        self.check_idle(idle, idle_n)
        self.check_floods(floods.answers)
        if wrk is not None:
            self.check_wrk(wrk_out)
        self.numbers["peak_rss"] = f"{peak // 1024}MB"

        answered_at = {a.target: a.answered_at for a in floods.answers if a.tag != "live" and a.code == CODES.ok}
        answered_at.update((p["target"], p["answered_at"]) for p in probe_sends if p["code"] == CODES.ok)
        got = await follow(self, redis, vd.delivered, list(answered_at), timeout=60)
        record_waits(self, answered_at, vd.delivered_at(), got)
        self.check(vd.alive(), "verifyd still runs")
        live = await get(vd.port, "/health/live")
        self.check(live.status == 200, f"/health/live answers after the floods ({live.short()})")
        signs = vd.crash_signs()
        self.check(not signs, f"verifyd logged failures: {signs[:3]}")

    def check_probe(self, probe_out, baseline):
        """The probe was answered within bounds the whole time; returns its sends."""
        probes = [json.loads(line) for line in open(probe_out).read().splitlines()[baseline:] if line.strip()]
        lives = [p for p in probes if p["kind"] == "live"]
        sends = [p for p in probes if p["kind"] == "send"]
        self.check(len(lives) >= 5, f"the probe ran during the floods ({len(lives)} probes)")
        for kind, items, bound in (("live", lives, 1.0 * self.slack), ("send", sends, 2.0 * self.slack)):
            worst = max((p["latency"] for p in items), default=0)
            self.numbers[f"probe_{kind}_max"] = f"{worst:.2f}s"
            failed = [p for p in items if p["outcome"] != "answer" or p["status"] != 200 or p["code"] != CODES.ok]
            self.check(not failed, f"probe {kind}: {len(failed)} of {len(items)} not answered 200/{CODES.ok}: "
                                   f"{[(p['outcome'], p['status'], p['code']) for p in failed[:3]]}")
            self.check(worst <= bound, f"probe {kind}: worst latency {worst:.2f}s within {bound}s")
        for p in probes:
            self.requests += 1
            self.classes["2xx" if p["status"] and p["status"] < 300 else
                         ("closed" if p["outcome"] != "answer" else f"{p['status'] // 100}xx")] += 1
        return sends

    def check_slow(self, results):
        """Slow clients: cut off by the request deadline, without an answer (or a 408), before finishing the head."""
        timeout = self.timeout
        self.numbers["slow_clients"] = len(results)
        for r in results:
            self.check(r.state == "closed", f"a slow client was closed by the server ({r.state} after "
                                            f"{r.lifetime:.1f}s{', ' + r.error if r.error else ''})")
            self.check(r.lifetime <= timeout + 2.5, f"a slow client was cut off within the deadline + 2.5 s "
                                                    f"({r.lifetime:.1f}s, deadline {timeout:g}s)")
            self.check(r.got == b"" or r.got.startswith(b"HTTP/1.1 408"),
                       f"a slow client got no answer or a 408 ({r.got[:40]!r})")
        self.numbers["slow_cutoff"] = f"{max((r.lifetime for r in results), default=0):.1f}s"
        self.requests += len(results)
        self.classes["closed"] += sum(1 for r in results if r.state == "closed")

    def check_idle(self, idle, n):
        """Idle connections: all were opened, held, and closed by the server after the deadline."""
        timeout, note = self.timeout, self.overflow_note
        self.numbers["idle_opened"] = len(idle.lifetimes)
        self.check(not idle.errors, f"idle connections: {dict(idle.errors)}{note}")
        self.check(len(idle.lifetimes) == n, f"{len(idle.lifetimes)} of {n} idle connections held")
        if idle.lifetimes:
            longest = max(after_open for after_open, _ in idle.lifetimes)
            shortest = min(after_start for _, after_start in idle.lifetimes)
            median = sorted(after_open for after_open, _ in idle.lifetimes)[len(idle.lifetimes) // 2]
            self.numbers["idle_closed_after"] = f"{shortest:.1f}/{median:.1f}/{longest:.1f}s"
            slack = 3 * self.slack  # the close timers of 10,000 connections fire on busy event loops
            self.check(longest <= timeout + slack, f"idle connections closed by the server within the deadline + "
                                                   f"{slack:g} s (longest {longest:.1f}s){note}")
            self.check(shortest >= timeout - 0.1, f"idle connections kept for the deadline (shortest "
                                                  f"{shortest:.1f}s from the connect call)")
        self.check(not idle.data, f"idle connections got no data ({idle.data[:2]})")

    def check_floods(self, answers):
        """Every flood request answered: ok, or a documented 503 (serviceUnavailable for an overloaded Redis,
        deliveryBacklog for a delivery queue that fell behind)."""
        bad = [a for a in answers if not (a.status == 200 and a.code == CODES.ok)
               and not (a.status == 503 and a.code in UNAVAILABLE)]
        self.check(not bad, f"{len(bad)} flood requests were not answered {CODES.ok} or 503: "
                            f"{collections.Counter(a.short() for a in bad).most_common(4)}")
        self.numbers.update(flood_sends=sum(1 for a in answers if a.tag != "live"),
                            flood_health=sum(1 for a in answers if a.tag == "live"),
                            flood_503=sum(1 for a in answers if a.status == 503))

    def check_wrk(self, wrk_out):
        with open(wrk_out) as f:
            wrk = parse_wrk(f.read())
        self.numbers["wrk_requests"] = wrk.requests
        self.requests += wrk.requests
        self.classes["2xx"] += wrk.requests - wrk.non2xx
        self.check(wrk.requests > 0, "wrk sent requests")
        self.check(not wrk.non2xx_line, f"wrk: every /health/live answered 2xx ({wrk.non2xx_line})")
        self.check(wrk.timeouts == 0, f"wrk: no timeouts ({wrk.errors_line})")
