"""The project's Redis clients, for what the cache API can't do in one round
trip (sliding windows, liveness, membership, socket counts, quotas).

The one pattern for shared state (docs/ARCHITECTURE.md): in production mode
(`enabled()`) it lives in Redis, reached through these clients; in the
embedded default (one process) each user keeps a local equivalent. Async
clients and their Lua scripts are cached here, one per event loop (a client
is bound to the loop it was made on; tests and commands run short-lived
loops, whose entries go with them).

Redis is reached by URL (REDIS_URL) or through Sentinel (settings.REDIS_SENTINEL):
then each client's pool asks the Sentinels for the master whenever it opens a
connection, and drops connections to a master that became a replica, so every
user follows a failover without restarting.
"""

import asyncio
import weakref

import redis
import redis.asyncio as aioredis
import redis.asyncio.sentinel
import redis.sentinel
from django.conf import settings
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

_OPTIONS = {"socket_timeout": 5, "socket_connect_timeout": 2, "health_check_interval": 30}

_sync_client: redis.Redis | None = None
_async_clients: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aioredis.Redis]" = weakref.WeakKeyDictionary()
_scripts: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict]" = weakref.WeakKeyDictionary()


def enabled() -> bool:
    return settings.REDIS_ENABLED


def _master_options(sentinel: dict) -> dict:
    return {"db": sentinel["db"], **({"password": sentinel["password"]} if "password" in sentinel else {})}


def key(*parts: str) -> str:
    return ":".join((settings.CACHE_KEY_PREFIX, *parts))


def sync_client() -> redis.Redis:
    global _sync_client
    if _sync_client is None:
        sentinel = settings.REDIS_SENTINEL
        if sentinel:
            _sync_client = redis.sentinel.Sentinel(
                sentinel["sentinels"], sentinel_kwargs=sentinel["sentinel_kwargs"]
            ).master_for(sentinel["master_name"], **_OPTIONS, **_master_options(sentinel))
        else:
            _sync_client = redis.Redis.from_url(settings.REDIS_URL, **_OPTIONS)
    return _sync_client


def async_client() -> aioredis.Redis:
    """This event loop's client."""
    loop = asyncio.get_running_loop()
    client = _async_clients.get(loop)
    if client is None:
        sentinel = settings.REDIS_SENTINEL
        if sentinel:
            client = redis.asyncio.sentinel.Sentinel(
                sentinel["sentinels"], sentinel_kwargs=sentinel["sentinel_kwargs"]
            ).master_for(sentinel["master_name"], max_connections=1000, **_OPTIONS, **_master_options(sentinel))
        else:
            client = aioredis.Redis.from_url(settings.REDIS_URL, max_connections=1000, **_OPTIONS)
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


class _SentinelCacheClient(RedisCacheClient):
    def get_client(self, key=None, *, write=False):
        return sync_client()


class SentinelCache(RedisCache):
    """Django's Redis cache (tokens, django-ratelimit) on the master the Sentinels name:
    Django's own backend takes URLs only."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _SentinelCacheClient
