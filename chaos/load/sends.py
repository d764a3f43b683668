"""Steady load: concurrent clients sending to unique targets (api.Targets for SMS, api.EmailTargets for email),
every answer recorded with its timing."""
import asyncio

from ..api import SEND
from ..clients.http import build_request, exchange
from ..codes import CODES


class SendLoad:
    def __init__(self, scenario, port, targets, *, concurrency, pace, timeout=15.0):
        self.scenario = scenario
        self.port = port
        self.targets = targets
        self.concurrency = concurrency
        self.pace = pace
        self.timeout = timeout
        self.answers = []
        self.stop = asyncio.Event()

    async def _client(self):
        while not self.stop.is_set():
            target = self.targets.next()
            answer = await exchange(self.port, build_request("POST", SEND, self.targets.body(target)), self.timeout)
            answer.target = self.targets.key(target)
            self.answers.append(answer)
            self.scenario.count(answer)
            if self.pace:
                await asyncio.sleep(self.pace)

    async def run(self):
        await asyncio.gather(*(self._client() for _ in range(self.concurrency)))

    def accepted(self):
        return [a for a in self.answers if a.status == 200 and a.code == CODES.ok]

    def answered_at(self):
        """When each accepted send's 200 reached its client (time.time()), by target."""
        return {a.target: a.answered_at for a in self.accepted()}

    def first_success_after(self, t):
        """When the first send started at or after `t` succeeded (None if none did)."""
        hits = [a.end for a in self.answers if a.code == CODES.ok and a.start >= t]
        return min(hits) if hits else None
