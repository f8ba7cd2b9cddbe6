"""Who is connected to a room right now, across every server process.

With Redis, each room has a sorted set of "<user id>:<channel name>" whose
score is the entry's expiry: a socket refreshes it on every heartbeat, so
entries of a process that died vanish on their own. The embedded default is
one process, so a dict is the whole truth there.
"""

import time

from django.conf import settings

from messenger import redis as cfm_redis


def _ttl_ms() -> int:
    # A live socket pings every 30 s and is closed after WS_IDLE_TIMEOUT_S of silence.
    return int((settings.WS_IDLE_TIMEOUT_S + 30) * 1000)


def _key(room_id: str) -> str:
    return cfm_redis.key("room", room_id, "members")


def _entry(user_id: int, channel: str) -> str:
    return f"{user_id}:{channel}"


def _user_of(entry: bytes | str) -> int:
    text = entry.decode() if isinstance(entry, bytes) else entry
    return int(text.partition(":")[0])


_local: dict[str, dict[str, int]] = {}


async def join(room_id: str, user_id: int, channel: str) -> tuple[bool, set[int]]:
    """Record the socket; (whether it is the user's first socket in the room,
    the ids of the users connected to the room, this one included)."""
    if not cfm_redis.enabled():
        sockets = _local.setdefault(room_id, {})
        first = user_id not in sockets.values()
        sockets[channel] = user_id
        return first, set(sockets.values())
    now = int(time.time() * 1000)
    key = _key(room_id)
    async with cfm_redis.async_client().pipeline(transaction=True) as pipe:
        pipe.zremrangebyscore(key, "-inf", now)
        pipe.zrange(key, 0, -1)
        pipe.zadd(key, {_entry(user_id, channel): now + _ttl_ms()})
        pipe.pexpire(key, _ttl_ms())
        _, entries, _, _ = await pipe.execute()
    others = {_user_of(entry) for entry in entries}
    return user_id not in others, others | {user_id}


async def refresh(room_id: str, user_id: int, channel: str) -> None:
    if cfm_redis.enabled():
        now = int(time.time() * 1000)
        async with cfm_redis.async_client().pipeline(transaction=True) as pipe:
            pipe.zadd(_key(room_id), {_entry(user_id, channel): now + _ttl_ms()}, xx=True)
            pipe.pexpire(_key(room_id), _ttl_ms())
            await pipe.execute()


async def leave(room_id: str, user_id: int, channel: str) -> bool:
    """Forget the socket; True when the user has no other socket in the room."""
    if not cfm_redis.enabled():
        sockets = _local.get(room_id, {})
        sockets.pop(channel, None)
        if not sockets:
            _local.pop(room_id, None)
        return user_id not in sockets.values()
    now = int(time.time() * 1000)
    key = _key(room_id)
    async with cfm_redis.async_client().pipeline(transaction=True) as pipe:
        pipe.zrem(key, _entry(user_id, channel))
        pipe.zremrangebyscore(key, "-inf", now)
        pipe.zrange(key, 0, -1)
        _, _, entries = await pipe.execute()
    return all(_user_of(entry) != user_id for entry in entries)


async def user_ids(room_id: str) -> set[int]:
    if not cfm_redis.enabled():
        return set(_local.get(room_id, {}).values())
    now = int(time.time() * 1000)
    entries = await cfm_redis.async_client().zrangebyscore(_key(room_id), now, "+inf")
    return {_user_of(entry) for entry in entries}


async def online_counts(room_ids: list[str]) -> dict[str, int]:
    """Distinct connected users per room."""
    if not cfm_redis.enabled():
        return {room_id: len(set(_local.get(room_id, {}).values())) for room_id in room_ids}
    now = int(time.time() * 1000)
    async with cfm_redis.async_client().pipeline(transaction=False) as pipe:
        for room_id in room_ids:
            pipe.zrangebyscore(_key(room_id), now, "+inf")
        results = await pipe.execute()
    return {room_id: len({_user_of(e) for e in entries}) for room_id, entries in zip(room_ids, results, strict=True)}
