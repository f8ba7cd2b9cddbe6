"""Direct Redis clients for what the cache API can't do in one round trip
(sliding-window counters, presence sets). Only used in production mode."""

import asyncio

import redis
import redis.asyncio as aioredis
from django.conf import settings

_sync_client: redis.Redis | None = None
_async_clients: dict[asyncio.AbstractEventLoop, aioredis.Redis] = {}


def enabled() -> bool:
    return bool(settings.REDIS_URL)


def key(*parts: str) -> str:
    return ":".join((settings.CACHE_KEY_PREFIX, *parts))


def sync_client() -> redis.Redis:
    global _sync_client
    if _sync_client is None:
        _sync_client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=2, health_check_interval=30
        )
    return _sync_client


def async_client() -> aioredis.Redis:
    loop = asyncio.get_running_loop()
    client = _async_clients.get(loop)
    if client is None:
        client = aioredis.Redis.from_url(
            settings.REDIS_URL,
            socket_timeout=5,
            socket_connect_timeout=2,
            health_check_interval=30,
            max_connections=1000,
        )
        _async_clients[loop] = client
    return client
