"""smtp-faults: email delivery against an SMTP relay (Tests/sinks/smtp_sink.py) that answers 451 then ok, 550,
451 until the attempts are exhausted, hangs after DATA, drops the connection mid-DATA, or accepts and then drops.
Each phase sends fresh codes; every accepted code ends delivered or dead-lettered as documented, twice only where
at-least-once allows it, and verify:stats counts the retries and dead letters."""
import asyncio
import collections
import random
import re

from ..api import SEND, email_body
from ..checks import record_waits
from ..clients.http import build_request, exchange
from ..codes import CODES
from ..scenario import Scenario
from ..wait import ChaosFailure, wait_until

SMTP_ATTEMPTS = 4
SMTP_TIMEOUT_MS = 1000


class SmtpFaults(Scenario):
    name = "smtp-faults"

    async def run(self):
        redis = await self.redis()
        smtp = await self.smtp_sink()
        vd = await self.verifyd(
            redis, VERIFYD_EMAIL=f"smtp://127.0.0.1:{smtp.port}", VERIFYD_SMTP_STARTTLS="off",
            VERIFYD_EMAIL_FROM="Chaos <noreply@chaos.example>", VERIFYD_SMTP_TIMEOUT_MS=SMTP_TIMEOUT_MS,
            VERIFYD_DELIVERY_BACKOFF="100ms", VERIFYD_DELIVERY_MAX_ATTEMPTS=SMTP_ATTEMPTS,
            VERIFYD_DELIVERY_CLAIM_IDLE="10s", VERIFYD_DELIVERY_CONCURRENCY=16)
        self.smtp, self.store, self.vd = smtp, redis.store, vd
        self.expect_dead = {}  # target → dead letter reason
        self.dup_allowed = collections.Counter()  # target → accepted-then-dropped attempts
        self.all_accepted = []
        self.answered_at = {}  # target → when its 200 reached the client (time.time())
        self.stuck = set()  # targets whose SMTP attempt outlived VERIFYD_SMTP_TIMEOUT_MS
        smtp.set("mode", "ok")
        n = 3 if self.short else 6
        await self.tempfail_then_ok(n)
        await self.reject(n)
        await self.exhaust(max(2, n // 2))
        for mode in ("hang", "drop"):
            await self.interrupted(mode, n)
        await self.accept_then_drop(n)
        await self.check_outcomes()
        self.check(vd.alive(), "verifyd still runs")
        signs = vd.crash_signs()
        self.check(not signs, f"verifyd logged failures: {signs[:3]}")

    # --- the phases
    async def tempfail_then_ok(self, n):
        """Three 451s for the first deliveries, then ok: retried, then delivered once each."""
        before = await self.store.stats()
        self.smtp.set("modes", "tempfail,tempfail,tempfail")
        phase = await self.phase("tempfail", n)
        await self.wait_delivered(phase)
        after = await self.store.stats()
        tempfails = sum(1 for r, m in self.smtp.attempts() if m == "tempfail" and r in phase)
        self.check(tempfails == 3, f"the three queued 451 answers were used ({tempfails})")
        self.check(after.get("retries", 0) - before.get("retries", 0) >= 3,
                   f"verify:stats retries grew by at least 3 after three 451s "
                   f"({before.get('retries', 0)} → {after.get('retries', 0)})")

    async def reject(self, n):
        """550: permanent, dead-lettered at once with the documented reason."""
        self.smtp.set("mode", "reject")
        phase = await self.phase("reject", n)
        await self.wait_dead(phase, re.compile(r"^smtp permanent: .*550.* after 1 attempt$"))
        self.smtp.set("mode", "ok")

    async def exhaust(self, n):
        """451 for good: exhausted after VERIFYD_DELIVERY_MAX_ATTEMPTS attempts."""
        before = await self.store.stats()
        self.smtp.set("mode", "tempfail")
        phase = await self.phase("exhaust", n)
        await self.wait_dead(phase, re.compile(rf"^smtp transient: .* after {SMTP_ATTEMPTS} attempts$"))
        self.smtp.set("mode", "ok")
        after = await self.store.stats()
        per = collections.Counter(r for r, m in self.smtp.attempts() if r in phase)
        self.check(all(per[r] == SMTP_ATTEMPTS for r in phase),
                   f"each exhausted code had {SMTP_ATTEMPTS} attempts ({dict(per)})")
        self.check(after.get("retries", 0) - before.get("retries", 0) >= len(phase) * (SMTP_ATTEMPTS - 1),
                   "retries counted for every re-attempt of the exhausted codes")

    async def interrupted(self, mode, n):
        """The relay hangs after DATA (VERIFYD_SMTP_TIMEOUT_MS ends the attempt: README, "a timeout [is]
        transient"), or drops the connection mid-DATA: retried, then delivered once when the relay is back (the
        sink never took the message, so no copy exists yet)."""
        smtp = self.smtp
        before = await self.store.stats()
        smtp.set("mode", mode)
        phase = await self.phase(mode, n)
        await wait_until(lambda: {r for r, m in smtp.attempts() if m == mode} >= set(phase), 20,
                         f"every {mode} code met the {mode}")
        smtp.set("mode", "ok")

        def attempts(target):
            return sum(1 for r, _ in smtp.attempts() if r == target)

        # The next attempt must come within the SMTP deadline plus the first backoff (and slack).
        bound = SMTP_TIMEOUT_MS / 1000 + 0.125 + 4.0
        try:
            await wait_until(lambda: all(attempts(t) >= 2 for t in phase), bound,
                             f"every {mode} code is attempted again", interval=0.1)
        except ChaosFailure:
            late = [t for t in phase if attempts(t) < 2]
            self.check(False, f"SMTP {mode}: {len(late)} of {len(phase)} attempts were not ended within "
                              f"VERIFYD_SMTP_TIMEOUT_MS={SMTP_TIMEOUT_MS} (no second attempt after {bound:.1f}s): "
                              f"the transfer waits for the relay's reply to DATA beyond the documented deadline "
                              f"(libcurl's 120 s server response timeout applies instead)")
            self.stuck |= set(late)
            phase = [t for t in phase if t not in late]
        await self.wait_delivered(phase)
        after = await self.store.stats()
        self.check(after.get("retries", 0) - before.get("retries", 0) >= len(phase),
                   f"{mode}: retries grew by at least {len(phase)}")

    async def accept_then_drop(self, n):
        """Accepted, then the connection dropped before the 250: at-least-once allows a second copy."""
        self.smtp.set("modes", ",".join(["acceptdrop"] * n))
        phase = await self.phase("acceptdrop", n)
        await self.wait_delivered(phase)
        for r, m in self.smtp.attempts():
            if m == "acceptdrop":
                self.dup_allowed[r] += 1

    # --- the outcome
    async def check_outcomes(self):
        """Every accepted code ends delivered or dead-lettered, as documented; twice only where allowed."""
        async def settled():
            if not self.stuck:
                return await self.store.settled()
            return await self.store.outbox_length() == len(self.stuck)

        try:
            await wait_until(settled, 20, "the outbox is settled")
        except ChaosFailure as error:
            self.check(False, str(error))
        delivered = self.smtp.delivered()
        dead_to = collections.Counter(d.get("to") for d in await self.store.dead_letters())
        dead_to = {r: dead_to.get(masked(r), 0) for r in self.all_accepted}
        accepted = set(self.all_accepted)
        self.accepted |= accepted
        for r in accepted:
            d, x = delivered.get(r, 0), dead_to.get(r, 0)
            if r in self.stuck:
                continue  # already failed above: still in an attempt that outlived its deadline
            if r in self.expect_dead:
                self.check(d == 0 and x == 1, f"{r}: dead-lettered once and never delivered ({d} delivered, {x} dead)")
            else:
                self.check(d >= 1 and x == 0, f"{r}: delivered ({d} delivered, {x} dead)")
                self.check(d - 1 <= self.dup_allowed[r],
                           f"{r}: delivered {d} times with only {self.dup_allowed[r]} accepted-then-dropped attempts")
        self.delivered += sum(1 for r in accepted if delivered.get(r, 0) >= 1)
        self.dead += sum(1 for r in accepted if dead_to.get(r, 0) >= 1)
        self.lost += sum(1 for r in accepted if delivered.get(r, 0) == 0 and dead_to.get(r, 0) == 0)
        self.duplicates += sum(max(0, delivered.get(r, 0) - 1) for r in accepted)
        # Reported only: the retries are deliberate, and so are the second copies of accept-then-drop.
        record_waits(self, self.answered_at, self.smtp.delivered_at(), delivered)
        stuck = f"; stuck in an SMTP attempt: {len(self.stuck)}" if self.stuck else ""
        self.check(self.lost == 0, f"lost = {self.lost} (accepted codes neither delivered nor dead-lettered within "
                                   f"the scenario's deadlines{stuck})")
        stats = await self.store.stats()
        self.check(stats.get("dead", 0) == len(self.expect_dead),
                   f"verify:stats dead = {stats.get('dead', 0)}, dead-lettered codes = {len(self.expect_dead)}")
        attempts = self.smtp.attempts()
        self.numbers.update(accepted=len(accepted), retries=stats.get("retries", 0), stats_dead=stats.get("dead", 0),
                            smtp_attempts=len(attempts), allowed_duplicates=self.duplicates,
                            modes=",".join(sorted({m for _, m in attempts})))

    # --- helpers
    async def phase(self, name, n):
        """Sends `n` codes to fresh addresses at once; returns the accepted ones."""
        self.fault(f"SMTP {name} ({n} codes)")
        # A domain of its own per target: dead letters mask the recipient to its first letter and domain.
        targets = [f"x@{name}-{i}-{random.randrange(10**6)}.chaos.example" for i in range(n)]
        answers = await asyncio.gather(*(exchange(self.vd.port, build_request("POST", SEND, email_body(t)), 10)
                                         for t in targets))
        for a in answers:
            self.count(a)
        ok = [t for t, a in zip(targets, answers) if a.status == 200 and a.code == CODES.ok]
        self.answered_at.update((t, a.answered_at) for t, a in zip(targets, answers) if t in ok)
        self.check(len(ok) == n, f"{name}: all {n} sends accepted ({[a.short() for a in answers]})")
        self.all_accepted += ok
        return ok

    async def wait_delivered(self, phase):
        try:
            await wait_until(lambda: set(phase) <= set(self.smtp.delivered()), 30,
                             f"{len(phase)} codes are delivered by SMTP", interval=0.1)
        except ChaosFailure as error:
            self.check(False, str(error))

    async def wait_dead(self, phase, reason):
        """Waits until every code of `phase` is dead-lettered; checks each letter's reason and source."""
        async def dead():
            by_masked = {d.get("to"): d for d in await self.store.dead_letters()}
            letters = {t: by_masked[masked(t)] for t in phase if masked(t) in by_masked}
            return letters if set(phase) <= set(letters) else None

        try:
            letters = await wait_until(dead, 30, f"{len(phase)} codes are dead-lettered", interval=0.1)
        except ChaosFailure as error:
            self.check(False, str(error))
            return
        for t in phase:
            self.expect_dead[t] = letters[t].get("reason", "")
            self.check(bool(reason.match(letters[t].get("reason", ""))),
                       f"dead letter of {t} has the documented reason (got {letters[t].get('reason')!r})")
            self.check(letters[t].get("source", "") != "", f"dead letter of {t} names its source entry")


def masked(email):
    """An email as dead letters keep it: its first letter, `***`, and its domain (verifyd's Masking.mask)."""
    return email[:1] + "***" + email[email.rindex("@"):]
