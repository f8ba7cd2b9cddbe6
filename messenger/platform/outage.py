"""Which failures mean a dependency (PostgreSQL, Redis) is down rather than
a bug: those get the contract's UNAVAILABLE answer, so a client knows to
retry, and are logged as a warning, not a traceback."""

import asyncio

import django.db
import redis

from messenger.platform import redis_clients

_DEPENDENCY_ERRORS = (
    django.db.OperationalError,
    django.db.InterfaceError,
    redis.ConnectionError,
    redis.TimeoutError,
    ConnectionError,
    TimeoutError,
)


def unavailable(exc: BaseException) -> bool:
    return isinstance(exc, _DEPENDENCY_ERRORS)


async def channel_layer_reachable(timeout_s: float = 2.0) -> bool:
    """Whether this process can reach the Redis that carries fan-out (always, embedded)."""
    if not redis_clients.enabled():
        return True
    try:
        return bool(await asyncio.wait_for(redis_clients.async_client().ping(), timeout_s))
    except Exception as exc:  # noqa: BLE001 - any failure to answer means unreachable
        if unavailable(exc) or isinstance(exc, redis.RedisError):
            return False
        raise
