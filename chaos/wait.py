"""Waiting on a condition with a deadline (no sleep-and-hope), and the failure a scenario raises."""
import asyncio
import inspect
import time

from redis.exceptions import RedisError


class ChaosFailure(Exception):
    """A failed assertion or a wait that reached its deadline: the scenario fails."""


async def wait_until(condition, timeout, what, interval=0.05):
    """Polls `condition` (sync or async) until it returns something truthy, which is returned, or fails after
    `timeout` seconds. An I/O or Redis error counts as "not yet" (it is named in the failure)."""
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        try:
            value = condition()
            if inspect.isawaitable(value):
                value = await value
            if value:
                return value
        except (OSError, asyncio.TimeoutError, RedisError, ValueError) as error:
            last_error = error
        if time.monotonic() >= deadline:
            extra = f" (last error: {last_error})" if last_error else ""
            raise ChaosFailure(f"timed out after {timeout:g}s waiting until {what}{extra}")
        await asyncio.sleep(interval)
