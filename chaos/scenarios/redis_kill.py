"""redis-kill: redis-server (AOF, fsync always) is SIGKILLed under load and restarted on the same port and
directory a few seconds later; the outbox must survive it (see redis_outage)."""
import asyncio
import signal
import time

from .redis_outage import RedisOutage


class RedisKill(RedisOutage):
    name = "redis-kill"
    target_prefix = "131"
    resume_limit = 2.0

    async def outage(self, redis):
        self.fault("SIGKILL redis-server under load")
        redis.child.signal(signal.SIGKILL)
        redis.child.popen.wait(10)
        t_down = time.monotonic()
        await asyncio.sleep(2.5 if self.short else 4.0)  # the outage's length
        t_up = time.monotonic()
        await redis.start()  # same port, same directory: it reloads the AOF
        return t_down, t_up
