"""Exact sliding-window rate limits, shared by every server process.

With Redis each decision is one round trip (a Lua script over a sorted set,
timed by Redis' own clock so processes agree). The embedded default is one
process, so a lock-protected in-process log is exact there.
"""

import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass

from messenger.platform import metrics, redis_clients


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after_ms: int
    count: int


# KEYS[1] = counter; ARGV = limit, window ms, member, record (1 = count this
# hit if allowed, 0 = only look).
_SLIDING_WINDOW_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < limit then
  if ARGV[4] == '1' then
    redis.call('ZADD', KEYS[1], now, ARGV[3])
    redis.call('PEXPIRE', KEYS[1], window)
    count = count + 1
  end
  return {1, 0, count}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, tonumber(oldest[2]) + window - now, count}
"""

_local_lock = threading.Lock()
_local_logs: dict[str, deque] = {}


def _local(name: str, limit: int, window_s: float, record: bool) -> Verdict:
    now = time.monotonic()
    with _local_lock:
        log = _local_logs.setdefault(name, deque())
        while log and log[0] <= now - window_s:
            log.popleft()
        if len(log) < limit:
            if record:
                log.append(now)
            elif not log:
                _local_logs.pop(name, None)
            return Verdict(True, 0, len(log))
        retry = int((log[0] + window_s - now) * 1000) + 1
        return Verdict(False, max(retry, 1), len(log))


def _redis_args(name: str, limit: int, window_s: float, record: bool):
    return [redis_clients.key("rl", name)], [limit, int(window_s * 1000), uuid.uuid4().hex, "1" if record else "0"]


def _verdict(result) -> Verdict:
    allowed, retry, count = (int(x) for x in result)
    return Verdict(bool(allowed), max(retry, 1) if not allowed else 0, count)


def _counted(name: str, verdict: Verdict) -> Verdict:
    if not verdict.allowed:
        metrics.RATE_LIMITED.labels(metrics.limit_name(name)).inc()
    return verdict


async def hit(name: str, limit: int, window_s: float, record: bool = True) -> Verdict:
    if not redis_clients.enabled():
        return _counted(name, _local(name, limit, window_s, record))
    keys, args = _redis_args(name, limit, window_s, record)
    return _counted(name, _verdict(await redis_clients.script(_SLIDING_WINDOW_LUA)(keys=keys, args=args)))


async def reset(name: str) -> None:
    if redis_clients.enabled():
        await redis_clients.async_client().delete(redis_clients.key("rl", name))
    else:
        with _local_lock:
            _local_logs.pop(name, None)


def reset_sync(name: str) -> None:
    if redis_clients.enabled():
        redis_clients.sync_client().delete(redis_clients.key("rl", name))
    else:
        with _local_lock:
            _local_logs.pop(name, None)
