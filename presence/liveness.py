"""Who is online, in state every server process shares (contract 2.5).

Per user, a sorted set of their open presence sockets scored by expiry
(last refresh + PRESENCE_TTL_S); `online` holds each user with the latest
expiry of their sockets; `pending` holds users whose last socket closed,
scored by the end of their reconnect grace. A user counts as online while
their `online` or `pending` score is in the future. `sweep` atomically pops
users whose grace ended or whose sockets all expired (their process died),
so exactly one process announces each sign-out.

With Redis every step is one Lua script (atomic across processes). The
embedded default is one process, so a lock-protected in-process copy of the
same state is exact there.
"""

import threading
import time

from django.conf import settings

from messenger.platform import redis_clients

# Keys are built inside the scripts from ARGV[1], the prefix, because the
# set of users touched is only known while running.
_LUA_OPEN = """
local p, now, exp = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local fresh = {}
for i = 4, #ARGV, 2 do
  local uid, sid = ARGV[i], ARGV[i + 1]
  redis.call('ZADD', p .. 'sockets:' .. uid, exp, sid)
  local was = redis.call('ZSCORE', p .. 'online', uid)
  local pend = redis.call('ZREM', p .. 'pending', uid)
  redis.call('ZADD', p .. 'online', 'GT', exp, uid)
  if not was and pend == 0 then table.insert(fresh, uid) end
end
return fresh
"""

_LUA_CLOSE = """
local p, now, grace_end, uid, sid = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5]
local key = p .. 'sockets:' .. uid
redis.call('ZREM', key, sid)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
if #last == 0 then
  redis.call('ZREM', p .. 'online', uid)
  redis.call('ZADD', p .. 'pending', grace_end, uid)
else
  redis.call('ZADD', p .. 'online', last[2], uid)
end
return 0
"""

_LUA_SWEEP = """
local p, now = ARGV[1], tonumber(ARGV[2])
local gone = {}
for _, uid in ipairs(redis.call('ZRANGEBYSCORE', p .. 'pending', '-inf', now)) do
  redis.call('ZREM', p .. 'pending', uid)
  if not redis.call('ZSCORE', p .. 'online', uid) then table.insert(gone, uid) end
end
for _, uid in ipairs(redis.call('ZRANGEBYSCORE', p .. 'online', '-inf', now)) do
  local key = p .. 'sockets:' .. uid
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  if #last == 0 then
    redis.call('ZREM', p .. 'online', uid)
    table.insert(gone, uid)
  else
    redis.call('ZADD', p .. 'online', last[2], uid)
  end
end
return gone
"""

_LUA_FORGET = """
local p, uid = ARGV[1], ARGV[2]
redis.call('DEL', p .. 'sockets:' .. uid)
redis.call('ZREM', p .. 'online', uid)
redis.call('ZREM', p .. 'pending', uid)
return 0
"""


def _now_ms() -> int:
    return int(time.time() * 1000)


def _ttl_ms() -> int:
    return int(settings.PRESENCE_TTL_S * 1000)


def _grace_ms() -> int:
    return int(settings.PRESENCE_GRACE_S * 1000)


class _RedisLiveness:
    def _prefix(self) -> str:
        return redis_clients.key("presence", "")

    async def _run(self, source: str, *args) -> list:
        return await redis_clients.script(source)(keys=[], args=[self._prefix(), *args])

    async def open(self, sockets: list[tuple[int, str]]) -> list[int]:
        now = _now_ms()
        flat = [part for uid, sid in sockets for part in (uid, sid)]
        return [int(uid) for uid in await self._run(_LUA_OPEN, now, now + _ttl_ms(), *flat)]

    async def close(self, user_id: int, socket_id: str) -> None:
        now = _now_ms()
        await self._run(_LUA_CLOSE, now, now + _grace_ms(), user_id, socket_id)

    async def sweep(self) -> list[int]:
        return [int(uid) for uid in await self._run(_LUA_SWEEP, _now_ms())]

    async def online(self, user_ids: list[int]) -> set[int]:
        if not user_ids:
            return set()
        client = redis_clients.async_client()
        prefix = self._prefix()
        async with client.pipeline(transaction=False) as pipe:
            pipe.zmscore(prefix + "online", user_ids)
            pipe.zmscore(prefix + "pending", user_ids)
            live, pending = await pipe.execute()
        now = _now_ms()
        return {
            uid
            for uid, a, b in zip(user_ids, live, pending, strict=True)
            if (a is not None and a > now) or (b is not None and b > now)
        }

    def forget_sync(self, user_id: int) -> None:
        client = redis_clients.sync_client()
        client.eval(_LUA_FORGET, 0, self._prefix(), user_id)


class _LocalLiveness:
    """The same state in this process (embedded stack: one server process)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._sockets: dict[int, dict[str, int]] = {}
        self._online: dict[int, int] = {}
        self._pending: dict[int, int] = {}

    async def open(self, sockets: list[tuple[int, str]]) -> list[int]:
        now = _now_ms()
        exp = now + _ttl_ms()
        fresh = []
        with self._lock:
            for uid, sid in sockets:
                self._sockets.setdefault(uid, {})[sid] = exp
                was = uid in self._online
                pending = self._pending.pop(uid, None) is not None
                self._online[uid] = max(self._online.get(uid, 0), exp)
                if not was and not pending:
                    fresh.append(uid)
        return fresh

    def _prune(self, uid: int, now: int) -> int | None:
        """Drop expired sockets; the latest expiry left, or None."""
        live = {sid: exp for sid, exp in self._sockets.get(uid, {}).items() if exp > now}
        if live:
            self._sockets[uid] = live
            return max(live.values())
        self._sockets.pop(uid, None)
        return None

    async def close(self, user_id: int, socket_id: str) -> None:
        now = _now_ms()
        with self._lock:
            self._sockets.get(user_id, {}).pop(socket_id, None)
            latest = self._prune(user_id, now)
            if latest is None:
                self._online.pop(user_id, None)
                self._pending[user_id] = now + _grace_ms()
            else:
                self._online[user_id] = latest

    async def sweep(self) -> list[int]:
        now = _now_ms()
        gone = []
        with self._lock:
            for uid in [uid for uid, end in self._pending.items() if end <= now]:
                del self._pending[uid]
                if uid not in self._online:
                    gone.append(uid)
            for uid in [uid for uid, exp in self._online.items() if exp <= now]:
                latest = self._prune(uid, now)
                if latest is None:
                    del self._online[uid]
                    gone.append(uid)
                else:
                    self._online[uid] = latest
        return gone

    async def online(self, user_ids: list[int]) -> set[int]:
        now = _now_ms()
        with self._lock:
            return {uid for uid in user_ids if self._online.get(uid, 0) > now or self._pending.get(uid, 0) > now}

    def forget_sync(self, user_id: int) -> None:
        with self._lock:
            self._sockets.pop(user_id, None)
            self._online.pop(user_id, None)
            self._pending.pop(user_id, None)


_backend = None


def backend():
    global _backend
    if _backend is None:
        _backend = _RedisLiveness() if redis_clients.enabled() else _LocalLiveness()
    return _backend


async def sockets_open(sockets: list[tuple[int, str]]) -> list[int]:
    """Record (or refresh) open sockets; the users who just came online."""
    if not sockets:
        return []
    return await backend().open(sockets)


async def socket_close(*, user_id: int, socket_id: str) -> None:
    await backend().close(user_id, socket_id)


async def sweep() -> list[int]:
    """Users now offline (grace over, or every socket expired); each is returned once."""
    return await backend().sweep()


async def online_among(user_ids: list[int]) -> set[int]:
    return await backend().online(user_ids)


async def is_online(user_id: int) -> bool:
    return user_id in await online_among([user_id])


def forget_sync(user_id: int) -> None:
    backend().forget_sync(user_id)
