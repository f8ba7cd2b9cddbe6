"""What an open socket costs the server on the production stack beyond its
TCP connection (issue 8 (a), (e)): no channel-layer channel of its own (a
Redis SUBSCRIBE per connect, an UNSUBSCRIBE per close) and no Redis
connection of its own, while the user's group events still reach every
socket of that user."""

import asyncio
import os

import pytest
import redis
from django.conf import settings

from conftest import DEMO_PASSWORD, production_stack
from tests.wsclient import joined, new_room, open_presence, run

pytestmark = pytest.mark.skipif(not production_stack(), reason="needs Redis and PostgreSQL")

SOCKETS_PER_USER = 4


def _redis():
    return redis.Redis.from_url(settings.REDIS_URL)


def _layer_channel(name: str) -> str:
    return settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] + name


def _redis_connections(pid: int) -> int:
    """Established TCP connections of process `pid` to Redis' port."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    port = f"{_redis().connection_pool.connection_kwargs.get('port', 6379):04X}"
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                if fields[2].endswith(f":{port}") and fields[3] == "01" and fields[9] in inodes:
                    count += 1
    return count


def test_sockets_share_the_process_subscriptions_and_redis_connections(start_server, signed_in):
    server = start_server("footprint")
    users = [signed_in("foot") for _ in range(3)]
    room_id = new_room(users[0][1])

    async def scenario():
        # One room socket first: what every process opens once (pools, the layer's connection).
        first, _ = await joined(server.ws_url, room_id, users[0][1].token)
        before = _redis_connections(server.proc.pid)
        sockets = {user.username: [] for user, _ in users}
        for user, client in users:
            for _ in range(SOCKETS_PER_USER - 1):
                room, _ = await joined(server.ws_url, room_id, client.token)
                sockets[user.username].append(room)
            sockets[user.username].append(await open_presence(server.ws_url, client.token))
        opened = sum(len(s) for s in sockets.values())

        # No socket has a channel of its own (Channels' consumer subscribed one per socket) ...
        assert _redis().pubsub_channels(_layer_channel("specific.*")) == []
        # ... nor a Redis connection of its own (a token lookup kept one per socket).
        assert _redis_connections(server.proc.pid) - before < opened // 2

        # The user's group events still reach every socket of that user, and only theirs.
        victim, victim_client = users[1]
        changed = victim_client.post("/api/auth/password", {"oldPassword": DEMO_PASSWORD, "newPassword": "brand-new-pass"})
        assert changed.status_code == 200, changed.text
        codes = await asyncio.gather(*(s.close_code(timeout=2) for s in sockets[victim.username]))
        assert codes == [4401] * SOCKETS_PER_USER
        bystander = sockets[users[2][0].username][0]
        await bystander.send({"type": "ping", "nonce": "still-here"})
        assert (await bystander.expect("pong"))["nonce"] == "still-here"

        # The group is left once its last local socket is gone.
        group = _layer_channel(f"__group__user.{victim.pk}")
        for _ in range(40):
            if _redis().pubsub_numsub(group) == [(group.encode(), 0)]:
                break
            await asyncio.sleep(0.05)
        assert _redis().pubsub_numsub(group) == [(group.encode(), 0)]
        for socket in [first, *(s for name, group_sockets in sockets.items() if name != victim.username for s in group_sockets)]:
            await socket.close()

    run(scenario())
