"""The cap on open sockets per client address (WS_MAX_SOCKETS_PER_IP),
counted across every server process.

Production: one Redis hash per address holds each process's count of that
address's sockets. A count is honoured only while its process's liveness key
exists; the key lives 30 s and is refreshed while the process has sockets, so
the counts of a crashed process (no disconnects ever ran) stop counting by
themselves. Embedded mode has one process: a dict is enough.
"""

import asyncio
import logging
import uuid
from collections import Counter
from typing import Literal

from django.conf import settings

from messenger.platform import redis_clients

log = logging.getLogger("messenger.ws")

PROCESS_ID = uuid.uuid4().hex
_LIVE_S = 30
# An address's hash outlives its sockets only by this much if its releases are lost.
_ADDRESS_TTL_S = 24 * 3600

# KEYS[1] address hash, KEYS[2] (optional) a key to read, its lifetime restarted, once
# the socket is counted; ARGV: process id, cap, liveness seconds, liveness key
# prefix, hash ttl, KEYS[2]'s lifetime. Returns {1 when counted, KEYS[2]'s value}.
_ACQUIRE = """
local open = 0
local counts = redis.call('HGETALL', KEYS[1])
for i = 1, #counts, 2 do
  if redis.call('EXISTS', ARGV[4] .. counts[i]) == 1 then
    open = open + tonumber(counts[i + 1])
  else
    redis.call('HDEL', KEYS[1], counts[i])
  end
end
redis.call('SET', ARGV[4] .. ARGV[1], 1, 'EX', ARGV[3])
if open >= tonumber(ARGV[2]) then return {0, false} end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('EXPIRE', KEYS[1], ARGV[5])
if KEYS[2] then return {1, redis.call('GETEX', KEYS[2], 'EX', ARGV[6])} end
return {1, false}
"""
_RELEASE = """
if redis.call('HINCRBY', KEYS[1], ARGV[1], -1) <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
"""

_local = Counter()
_heartbeat: asyncio.Task | None = None
_sync_acquire = None


def _address_key(address: str) -> str:
    return redis_clients.key("ws", "ip", address)


def _liveness_prefix() -> str:
    return redis_clients.key("ws", "proc", "")


async def acquire(address: str) -> Literal["counted", "full", "unchecked"]:
    """Count one more socket for this address (release() it later), or "full" at the cap.
    With Redis unreachable the socket is let in uncounted: sign-in cannot work then anyway,
    and refusing everyone would turn an outage of the counter into an outage of the service."""
    cap = settings.WS_MAX_SOCKETS_PER_IP
    if not redis_clients.enabled():
        if _local[address] >= cap:
            return "full"
        _local[address] += 1
        return "counted"
    try:
        allowed, _ = await redis_clients.script(_ACQUIRE)(
            keys=[_address_key(address)], args=[PROCESS_ID, cap, _LIVE_S, _liveness_prefix(), _ADDRESS_TTL_S, 0]
        )
    except Exception:  # noqa: BLE001 - see the docstring
        log.warning("socket cap not checked: redis unavailable")
        return "unchecked"
    if not allowed:
        return "full"
    counted(address)
    return "counted"


def acquire_reading(address: str, *, key: str, ttl_s: int) -> tuple[bool, bytes | None]:
    """Production only, from a worker thread: count one more socket for this
    address and, once it is counted, read `key` and restart its lifetime
    (GETEX), in one Redis round trip (a socket's cap and its token: issue 17).
    (False, None) at the cap, where `key` is neither read nor extended.
    Unlike acquire(), Redis errors propagate: what `key` holds cannot be
    known without it. The caller calls counted() on the event loop after a True."""
    global _sync_acquire
    if _sync_acquire is None:
        _sync_acquire = redis_clients.sync_client().register_script(_ACQUIRE)
    allowed, value = _sync_acquire(
        keys=[_address_key(address), key],
        args=[PROCESS_ID, settings.WS_MAX_SOCKETS_PER_IP, _LIVE_S, _liveness_prefix(), _ADDRESS_TTL_S, ttl_s],
    )
    return bool(allowed), value


def counted(address: str) -> None:
    """On the event loop: this process holds one more counted socket of `address` (release() it later)."""
    _local[address] += 1
    _keep_alive()


async def release(address: str) -> None:
    """Uncount a socket that acquire() counted."""
    _local[address] -= 1
    if _local[address] <= 0:
        del _local[address]
    if not redis_clients.enabled():
        return
    try:
        await redis_clients.script(_RELEASE)(keys=[_address_key(address)], args=[PROCESS_ID])
    except Exception:  # noqa: BLE001 - the count expires with this process's liveness key if it is wrong for long
        log.warning("socket cap release lost: redis unavailable")


def _keep_alive() -> None:
    global _heartbeat
    if _heartbeat is None or _heartbeat.done():
        _heartbeat = asyncio.get_running_loop().create_task(_beat())


async def _beat() -> None:
    """Refresh this process's liveness key while it holds sockets."""
    key = _liveness_prefix() + PROCESS_ID
    while _local:
        await asyncio.sleep(_LIVE_S / 3)
        try:
            await redis_clients.async_client().set(key, 1, ex=_LIVE_S)
        except Exception:  # noqa: BLE001 - the next beat retries; acquire() refreshes it too
            log.warning("socket cap heartbeat failed: redis unavailable")
