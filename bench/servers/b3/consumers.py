"""The authenticated room consumer: token (Redis GETEX), user (ORM by primary key on a thread), welcome, room."""

import json
from collections import defaultdict

import redis.asyncio as redis
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib.auth import get_user_model

User = get_user_model()
rooms: dict[str, set] = defaultdict(set)
# Bounded, and waiting for a free connection rather than failing: redis-py's default pool refused
# ("Too many connections") most of (f)'s 1,000 connects at once.
cache = redis.Redis(connection_pool=redis.BlockingConnectionPool.from_url(settings.B3_REDIS_URL, max_connections=100,
                                                                          timeout=20))
TOKEN_KEY = "b3:tok:{}"


def credential(scope) -> str | None:
    """The bearer token; the bench's load generator sends tokens to CF Messenger only, so without one
    the per-socket X-Forwarded-For address it sends stands for the token (seed.py keys tokens by it)."""
    forwarded = None
    for name, value in scope["headers"]:
        if name == b"authorization" and value.startswith(b"Bearer "):
            return value[7:].decode("latin1")
        if name == b"x-forwarded-for":
            forwarded = value.decode("latin1")
    return forwarded


def fallback_pk(token: str) -> int:
    """Without the token step: the user seed.py gave that address (users are seeded with id = index + 1)."""
    a, b, c, d = (int(part) for part in token.split("."))
    return (b << 16 | c << 8 | d) + 1


@database_sync_to_async
def load_user(pk: int):
    return User.objects.only("id", "username").get(pk=pk)


class RoomConsumer(AsyncWebsocketConsumer):
    room = None

    async def connect(self):
        token = credential(self.scope)
        if token is None:
            await self.close(4401)
            return
        if "token" in settings.B3_STEPS:
            raw = await cache.getex(TOKEN_KEY.format(token), ex=settings.TOKEN_TTL_S)
            if raw is None:
                await self.close(4401)
                return
            pk = int(raw)
        else:
            pk = fallback_pk(token)
        name = (await load_user(pk)).username if "user" in settings.B3_STEPS else str(pk)
        await self.accept()
        self.room = rooms[self.scope["url_route"]["kwargs"]["room"]]
        await self.send(text_data=json.dumps({"type": "welcome", "user": name}, separators=(",", ":")))
        self.room.add(self)

    async def disconnect(self, code):
        if self.room is not None:
            self.room.discard(self)

    async def receive(self, text_data=None, bytes_data=None):
        if text_data is not None:
            for member in list(self.room):
                await member.send(text_data=text_data)
