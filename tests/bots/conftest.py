"""Bot test helpers: the fake inference server, bot personas, room sockets."""

import pytest

from conftest import Api, unique_name
from tests.fakes.inference import FakeInference
from tests.live import LiveServer
from tests.wsclient import Socket, blocking, open_room


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


async def welcomed_room(server_ws_url: str, token: str, room_id: str) -> Socket:
    """A room socket whose very first frame was its welcome."""
    room = await open_room(server_ws_url, room_id, token)
    welcome = await room.recv()
    assert welcome["type"] == "welcome", welcome
    return room


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

    async def room(self, room_id: str | None = None) -> Socket:
        return await welcomed_room(self.server.ws_url, self.client.token, room_id or self.room_id)

    async def dm(self) -> Socket:
        response = await blocking(self.client.post, "/api/dm", {"username": self.handle})
        assert response.status_code == 200, response.text
        return await self.room(response.json()["data"]["room"]["id"])

    async def bot_messages(self, room_id: str | None = None) -> list[dict]:
        response = await blocking(self.client.get, f"/api/rooms/{room_id or self.room_id}/messages")
        assert response.status_code == 200, response.text
        return [m for m in response.json()["data"]["messages"] if m["sender"]["id"] == self.handle]
