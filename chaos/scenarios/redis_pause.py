"""redis-pause: redis-server is SIGSTOPped for 5 s under load, then SIGCONTed: connections stay open but nothing
answers, so verifyd's Redis deadline has to end every command (see redis_outage)."""
import asyncio
import signal
import time

from ..wait import wait_until
from .redis_outage import RedisOutage


class RedisPause(RedisOutage):
    name = "redis-pause"
    target_prefix = "132"
    resume_limit = 3.0

    async def outage(self, redis):
        self.fault("SIGSTOP redis-server for 5 s under load")
        redis.child.signal(signal.SIGSTOP)
        t_down = time.monotonic()
        await asyncio.sleep(5.0)  # the outage's length
        redis.child.signal(signal.SIGCONT)
        t_up = time.monotonic()
        await wait_until(redis.store.ping, 10, "redis answers PING after SIGCONT", interval=0.01)
        return t_down, t_up
