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

# KEYS[1] address hash; ARGV: process id, cap, liveness seconds, liveness key prefix, hash ttl.
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
if open >= tonumber(ARGV[2]) then return 0 end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""
_RELEASE = """
if redis.call('HINCRBY', KEYS[1], ARGV[1], -1) <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
"""

_local = Counter()
_heartbeat: asyncio.Task | None = None


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
        allowed = await redis_clients.script(_ACQUIRE)(
            keys=[_address_key(address)], args=[PROCESS_ID, cap, _LIVE_S, _liveness_prefix(), _ADDRESS_TTL_S]
        )
    except Exception:  # noqa: BLE001 - see the docstring
        log.warning("socket cap not checked: redis unavailable")
        return "unchecked"
    if not allowed:
        return "full"
    _local[address] += 1
    _keep_alive()
    return "counted"


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
