"""The project's Redis clients, for what the cache API can't do in one round
trip (sliding windows, liveness, membership, socket counts, quotas).

The one pattern for shared state (docs/ARCHITECTURE.md): in production mode
(`enabled()`) it lives in Redis, reached through these clients; in the
embedded default (one process) each user keeps a local equivalent. Async
clients and their Lua scripts are cached here, one per event loop (a client
is bound to the loop it was made on; tests and commands run short-lived
loops, whose entries go with them).
"""

import asyncio
import weakref

import redis
import redis.asyncio as aioredis
from django.conf import settings

_sync_client: redis.Redis | None = None
_async_clients: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aioredis.Redis]" = weakref.WeakKeyDictionary()
_scripts: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict]" = weakref.WeakKeyDictionary()


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
    """This event loop's client."""
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


def script(source: str):
    """A Lua script registered on this event loop's client (EVALSHA, loaded on first use)."""
    loop = asyncio.get_running_loop()
    registered = _scripts.setdefault(loop, {})
    found = registered.get(source)
    if found is None:
        found = registered[source] = async_client().register_script(source)
    return found
