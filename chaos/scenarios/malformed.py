"""malformed: thousands of malformed requests (chaos/load/malformed), 32 at a time. verifyd survives, answers each
as the README documents (result codes from the openapi.yaml table, each with its HTTP status, X-Verifyd-Code and a
full envelope), never hangs past the request deadline, returns to its memory baseline, and delivers the valid
sends among them."""
import asyncio
import collections
import json
import os
import random
import time

from ..api import INTERNAL_TOKEN, Targets
from ..checks import follow, record_waits
from ..clients.http import exchange, get
from ..codes import CODES, DOCUMENTED, HTTP_STATUS
from ..load.malformed import BARE400, CLOSED, cases
from ..scenario import Scenario
from ..wait import ChaosFailure, wait_until

TIMEOUT_MS = 2000


def envelope_problems(a):
    """What is wrong with an answer's envelope, against the result code table."""
    if a.outcome != "answer" or a.envelope is None:
        return []
    problems = []
    code = a.code
    if code not in DOCUMENTED:
        problems.append(f"undocumented code {code}")
    expected = HTTP_STATUS.get(code, 200)
    if a.status != expected and not (code == CODES.parameterError and 400 <= a.status < 500):
        problems.append(f"code {code} with HTTP {a.status} (documented: {expected})")
    if a.headers.get("x-verifyd-code") != str(code):
        problems.append(f"X-Verifyd-Code {a.headers.get('x-verifyd-code')!r} ≠ {code}")
    if not isinstance(a.envelope.get("message"), str) or not a.envelope.get("message") or "data" not in a.envelope:
        problems.append("envelope without message or data")
    if code == CODES.unauthorized and "bearer" not in a.headers.get("www-authenticate", "").lower():
        problems.append("401 without WWW-Authenticate: Bearer")
    return problems


def outcome_of(a):
    """An answer's name as the cases list them (CLOSED, BARE400, `status:code`, timeout, …)."""
    if a.outcome == "answer":
        return BARE400 if a.envelope is None and a.status == 400 else a.short()
    return CLOSED if a.outcome == "closed" else a.outcome


class Malformed(Scenario):
    name = "malformed"

    async def run(self):
        total = 2000 if self.short else 10000
        redis = await self.redis()
        vd = await self.verifyd(redis, VERIFYD_REQUEST_TIMEOUT_MS=TIMEOUT_MS, VERIFYD_INTERNAL_TOKEN=INTERNAL_TOKEN)
        stream = cases(random.Random(self.args.seed), Targets("136"))

        # Baseline memory after a warm-up of the same mix (allocator pools and caches filled).
        await self.fire(vd, [next(stream) for _ in range(300)], count=False)
        readings = []

        def stable():
            readings.append(vd.rss_kb())
            return len(readings) >= 3 and max(readings[-3:]) - min(readings[-3:]) <= 1024

        await wait_until(stable, 15, "verifyd's RSS is stable after the warm-up", interval=0.3)
        baseline = vd.rss_kb()
        self.fault(f"{total} malformed requests")
        batch = [next(stream) for _ in range(total)]
        t0 = time.monotonic()
        results = await self.fire(vd, batch)
        elapsed = time.monotonic() - t0
        peak = vd.rss_kb() if vd.alive() else 0
        self.check(vd.alive(), f"verifyd survived {total} malformed requests")
        if not vd.alive():
            self.check(False, f"verifyd died: {vd.child.tail()}")
            return
        live = await get(vd.port, "/health/live")
        ready = await get(vd.port, "/health/ready")
        self.check(live.status == 200 and ready.status == 200,
                   f"health ok after the flood (live {live.short()}, ready {ready.short()})")
        self.check_answers(results)
        self.numbers["rate"] = f"{total / elapsed:.0f}/s"
        classes = collections.Counter(a.klass() for _, a in results)
        self.numbers["answers"] = " ".join(f"{k}={v}" for k, v in sorted(classes.items()))
        await self.check_memory(vd, baseline, peak)
        answered_at = {a.target: a.answered_at for _, a in results if a.code == CODES.ok and a.target}
        got = await follow(self, redis, vd.delivered, list(answered_at), timeout=60)
        record_waits(self, answered_at, vd.delivered_at(), got)
        signs = vd.crash_signs()
        self.check(not signs, f"verifyd logged failures: {signs[:3]}")

    async def fire(self, vd, batch, count=True, concurrency=32):
        """Sends every case, `concurrency` at a time; returns (case, answer) pairs."""
        results = []
        queue = collections.deque(batch)
        deadline = TIMEOUT_MS / 1000 + 5.0  # the request deadline plus slack: a malformed request never waits longer

        async def worker():
            while queue:
                case = queue.popleft()
                a = await exchange(vd.port, case.raw, deadline, half_close=case.half_close,
                                   head_only=case.head_only, pieces=case.pieces)
                a.target = case.target
                results.append((case, a))
                if count:
                    self.count(a)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return results

    def check_answers(self, results):
        """No request hung; each answer is one its case documents, with a well-formed envelope. The answers by
        case are written to cases.json."""
        by_case = collections.defaultdict(collections.Counter)
        allowed = {}
        undocumented = collections.Counter()
        envelope_issues = collections.Counter()
        examples = {}
        for case, a in results:
            outcome = outcome_of(a)
            by_case[case.name][outcome] += 1
            allowed.setdefault(case.name, case.allowed)
            if outcome not in case.allowed:
                undocumented[(case.name, outcome)] += 1
                examples.setdefault((case.name, outcome), case.raw[:160] if case.raw else case.pieces[0][:160])
            for p in envelope_problems(a):
                envelope_issues[(case.name, p)] += 1
        hung = sum(1 for _, a in results if a.outcome == "timeout")
        self.check(hung == 0, f"{hung} malformed requests hung past the request deadline + 5 s")
        for (name, outcome), n in sorted(undocumented.items()):
            self.check(False, f"{name}: {n}× {outcome}, documented {sorted(allowed[name])}"
                              f" — e.g. {examples[(name, outcome)]!r}")
        for (name, problem), n in sorted(envelope_issues.items()):
            self.check(False, f"{name}: {n}× {problem}")
        self.numbers["kinds"] = len(by_case)
        with open(os.path.join(self.dir, "cases.json"), "w") as f:
            json.dump({k: dict(v) for k, v in by_case.items()}, f, indent=1, sort_keys=True)

    async def check_memory(self, vd, baseline, peak):
        """Back near the baseline once the flood is over (the allocator keeps some freed memory; the tolerance is
        the larger of 25 % and 32 MB over the baseline)."""
        tolerance = max(baseline // 4, 32 * 1024)
        try:
            await wait_until(lambda: vd.rss_kb() <= baseline + tolerance, 30,
                             f"RSS returns within {tolerance // 1024} MB of the baseline {baseline // 1024} MB",
                             interval=0.5)
        except ChaosFailure as error:
            self.check(False, f"{error} (now {vd.rss_kb() // 1024} MB, peak {peak // 1024} MB)")
        self.numbers["rss"] = f"{baseline // 1024}→{peak // 1024}→{vd.rss_kb() // 1024}MB"
