"""Bot test helpers: the fake inference server, bot personas, room sockets."""

import asyncio
import json

import pytest
import websockets
from django.db import connections

from conftest import fake_ip, unique_name
from tests.fakes.inference import FakeInference
from tests.live import LiveServer

FRAME_TIMEOUT_S = 10


@pytest.fixture(scope="session")
def fake_inference_session():
    fake = FakeInference().start()
    yield fake
    fake.stop()


@pytest.fixture
def inference_server(fake_inference_session):
    """The fake inference server, reset to answering normally."""
    fake_inference_session.behave("ok")
    yield fake_inference_session
    fake_inference_session.behave("ok")


@pytest.fixture
def make_bot(transactional_db):
    """A fresh persona (unique handle) built from a seeded one."""
    from bots import services
    from bots.personas import PERSONAS

    def make(base: str = "smarterbot", **overrides):
        data = {**next(p for p in PERSONAS if p["handle"] == base), **overrides}
        data["handle"] = unique_name("bot")
        return services.persona_upsert(**data)

    return make


async def blocking(fn, *args, **kwargs):
    """Run sync test setup (ORM, requests) off the event loop, closing its DB connection."""

    def run():
        try:
            return fn(*args, **kwargs)
        finally:
            connections.close_all()

    return await asyncio.to_thread(run)


class RoomSocket:
    def __init__(self, ws, welcome: dict):
        self.ws = ws
        self.welcome = welcome

    async def send(self, frame: dict) -> None:
        await self.ws.send(json.dumps(frame))

    async def next(self, match, timeout: float = FRAME_TIMEOUT_S) -> dict:
        """The next frame for which match(frame) is true, skipping others."""
        async with asyncio.timeout(timeout):
            while True:
                frame = json.loads(await self.ws.recv())
                if match(frame):
                    return frame

    async def frames_until(self, match, timeout: float = FRAME_TIMEOUT_S) -> list[dict]:
        """Every frame up to and including the first that matches."""
        seen = []
        async with asyncio.timeout(timeout):
            while True:
                frame = json.loads(await self.ws.recv())
                seen.append(frame)
                if match(frame):
                    return seen

    async def close(self) -> None:
        await self.ws.close()


async def open_room(server_ws_url: str, token: str, room_id: str) -> RoomSocket:
    ws = await websockets.connect(
        f"{server_ws_url}/api/ws/room/{room_id}",
        additional_headers={"Authorization": f"Bearer {token}", "X-Forwarded-For": fake_ip()},
        open_timeout=FRAME_TIMEOUT_S,
        max_size=2**20,
        close_timeout=2,
    )
    welcome = json.loads(await asyncio.wait_for(ws.recv(), FRAME_TIMEOUT_S))
    assert welcome["type"] == "welcome", welcome
    return RoomSocket(ws, welcome)


def bot_chat_from(handle: str):
    return lambda frame: frame["type"] == "chat" and frame["sender"]["id"] == handle


class BotServers:
    """Live daphne servers with bot settings, one per configuration, shared
    by the tests of a session (each costs a process start)."""

    def __init__(self):
        self.servers: dict[tuple, LiveServer] = {}

    def get(self, **env) -> LiveServer:
        key = tuple(sorted(env.items()))
        if key not in self.servers:
            self.servers[key] = LiveServer("bots", env={name: str(value) for name, value in env.items()}).start()
        return self.servers[key]

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()


@pytest.fixture(scope="session")
def bot_servers(django_db_setup, django_db_blocker):
    servers = BotServers()
    yield servers
    servers.stop()


@pytest.fixture
def scene(make_user, make_bot, transactional_db):
    """A signed-in person on a server, a fresh bot, and a public room."""
    from conftest import Api

    async def make(server, *, bot_base: str = "smarterbot", **bot_overrides):
        user = await blocking(make_user, "p")
        client = Api(server.url)
        await blocking(client.login, user.username)
        bot = await blocking(make_bot, bot_base, **bot_overrides)
        handle = await blocking(lambda: bot.user.username)
        room_id = unique_name("room")
        response = await blocking(client.post, "/api/rooms", {"id": room_id, "name": room_id})
        assert response.status_code == 201, response.text
        return Scene(server, user, client, bot, handle, room_id)

    return make


class Scene:
    def __init__(self, server, user, client, bot, handle, room_id):
        self.server, self.user, self.client = server, user, client
        self.bot, self.handle, self.room_id = bot, handle, room_id

    async def room(self, room_id: str | None = None) -> RoomSocket:
        return await open_room(self.server.ws_url, self.client.token, room_id or self.room_id)

    async def dm(self) -> RoomSocket:
        response = await blocking(self.client.post, "/api/dm", {"username": self.handle})
        assert response.status_code == 200, response.text
        return await self.room(response.json()["data"]["room"]["id"])

    async def bot_messages(self, room_id: str | None = None) -> list[dict]:
        response = await blocking(self.client.get, f"/api/rooms/{room_id or self.room_id}/messages")
        assert response.status_code == 200, response.text
        return [m for m in response.json()["data"]["messages"] if m["sender"]["id"] == self.handle]
