"""Who is connected to a room right now, across every server process.

With Redis, each room has a sorted set of "<user id>:<socket id>" whose
score is the entry's expiry: a socket refreshes it on every heartbeat, so
entries of a process that died vanish on their own. The embedded default is
one process, so a dict is the whole truth there.
"""

import time

from django.conf import settings

from messenger.platform import redis_clients


def _ttl_ms() -> int:
    # A live socket pings every 30 s and is closed after WS_IDLE_TIMEOUT_S of silence.
    return int((settings.WS_IDLE_TIMEOUT_S + 30) * 1000)


def _key(room_id: str) -> str:
    return redis_clients.key("room", room_id, "members")


def _entry(user_id: int, socket_id: str) -> str:
    return f"{user_id}:{socket_id}"


def _user_of(entry: bytes | str) -> int:
    text = entry.decode() if isinstance(entry, bytes) else entry
    return int(text.partition(":")[0])


_local: dict[str, dict[str, int]] = {}

# The room's user ids come back as one "1,5,9" string, deduplicated in
# Redis. Returned as entries, a join into a room of N parsed N strings in
# redis-py's pure-Python reply parser: the largest item of the event loop's
# time in a profile of room connects (sets of 100-600 entries).
# KEYS[1] = the room's set; ARGV = now ms, expiry ms, entry, ttl ms, user id.
_JOIN_LUA = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local entries = redis.call('ZRANGE', KEYS[1], 0, -1)
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
local seen, users, first = {}, {}, 1
for _, entry in ipairs(entries) do
  local user = string.match(entry, '^[^:]*')
  if user == ARGV[5] then first = 0 end
  if not seen[user] then
    seen[user] = true
    users[#users + 1] = user
  end
end
return {first, table.concat(users, ',')}
"""

# KEYS[1] = the room's set; ARGV = now ms, entry, user id. 1 when the user has no other socket left.
_LEAVE_LUA = """
redis.call('ZREM', KEYS[1], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
for _, entry in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if string.match(entry, '^[^:]*') == ARGV[3] then
    return 0
  end
end
return 1
"""

async def join(room_id: str, user_id: int, socket_id: str) -> tuple[bool, set[int]]:
    """Record the socket; (whether it is the user's first socket in the room,
    the ids of the users connected to the room, this one included)."""
    if not redis_clients.enabled():
        sockets = _local.setdefault(room_id, {})
        first = user_id not in sockets.values()
        sockets[socket_id] = user_id
        return first, set(sockets.values())
    now = int(time.time() * 1000)
    first, others = await redis_clients.script(_JOIN_LUA)(
        keys=[_key(room_id)], args=[now, now + _ttl_ms(), _entry(user_id, socket_id), _ttl_ms(), user_id]
    )
    users = set(map(int, others.split(b","))) if others else set()
    users.add(user_id)
    return bool(first), users


async def refresh(room_id: str, user_id: int, socket_id: str) -> None:
    if redis_clients.enabled():
        now = int(time.time() * 1000)
        async with redis_clients.async_client().pipeline(transaction=True) as pipe:
            pipe.zadd(_key(room_id), {_entry(user_id, socket_id): now + _ttl_ms()}, xx=True)
            pipe.pexpire(_key(room_id), _ttl_ms())
            await pipe.execute()


async def leave(room_id: str, user_id: int, socket_id: str) -> bool:
    """Forget the socket; True when the user has no other socket in the room."""
    if not redis_clients.enabled():
        sockets = _local.get(room_id, {})
        sockets.pop(socket_id, None)
        if not sockets:
            _local.pop(room_id, None)
        return user_id not in sockets.values()
    now = int(time.time() * 1000)
    last = await redis_clients.script(_LEAVE_LUA)(keys=[_key(room_id)], args=[now, _entry(user_id, socket_id), user_id])
    return bool(last)


async def user_ids(room_id: str) -> set[int]:
    if not redis_clients.enabled():
        return set(_local.get(room_id, {}).values())
    now = int(time.time() * 1000)
    entries = await redis_clients.async_client().zrangebyscore(_key(room_id), now, "+inf")
    return {_user_of(entry) for entry in entries}


async def online_counts(room_ids: list[str]) -> dict[str, int]:
    """Distinct connected users per room."""
    if not redis_clients.enabled():
        return {room_id: len(set(_local.get(room_id, {}).values())) for room_id in room_ids}
    now = int(time.time() * 1000)
    async with redis_clients.async_client().pipeline(transaction=False) as pipe:
        for room_id in room_ids:
            pipe.zrangebyscore(_key(room_id), now, "+inf")
        results = await pipe.execute()
    return {room_id: len({_user_of(e) for e in entries}) for room_id, entries in zip(room_ids, results, strict=True)}
