"""Presence test helpers: signed-in people and real presence sockets."""

import asyncio
import dataclasses
import json

import pytest
import websockets
from django.db import connections

from conftest import Api, fake_ip

FRAME_TIMEOUT_S = 10


async def blocking(fn, *args, **kwargs):
    """Run sync test setup (ORM, requests) off the event loop, closing its DB connection."""

    def run():
        try:
            return fn(*args, **kwargs)
        finally:
            connections.close_all()

    return await asyncio.to_thread(run)


class PresenceSocket:
    def __init__(self, ws):
        self.ws = ws

    async def send(self, frame: dict) -> None:
        await self.ws.send(json.dumps(frame))

    async def next(
        self,
        kind: str | None = None,
        *,
        about: str | None = None,
        status: str | None = None,
        timeout: float = FRAME_TIMEOUT_S,
    ) -> dict:
        """The next frame of that type (about that user, showing that status), skipping others."""
        async with asyncio.timeout(timeout):
            while True:
                frame = json.loads(await self.ws.recv())
                if kind and frame["type"] != kind:
                    continue
                if about and frame.get("user", {}).get("id") != about:
                    continue
                if status and frame.get("user", {}).get("status") != status:
                    continue
                return frame

    async def none_about(self, username: str, seconds: float) -> None:
        """Assert no frame mentions username for that long."""
        try:
            async with asyncio.timeout(seconds):
                while True:
                    frame = json.loads(await self.ws.recv())
                    assert frame.get("user", {}).get("id") != username, frame
        except TimeoutError:
            pass

    async def close(self) -> None:
        await self.ws.close()


@dataclasses.dataclass
class Person:
    user: object
    api: Api

    @property
    def name(self) -> str:
        return self.user.username

    async def presence(self, server=None) -> PresenceSocket:
        """Open a presence socket (on server, default the main one) and read roster + unread."""
        url = (server.ws_url if server else self.api.base_url.replace("http", "ws", 1)) + "/api/ws/presence"
        ws = await websockets.connect(
            url,
            additional_headers={"Authorization": f"Bearer {self.api.token}", "X-Forwarded-For": fake_ip()},
            open_timeout=FRAME_TIMEOUT_S,
        )
        socket = PresenceSocket(ws)
        socket.roster = await socket.next()
        assert socket.roster["type"] == "roster", socket.roster
        socket.unread = await socket.next()
        assert socket.unread["type"] == "unread", socket.unread
        return socket

    async def signed_in_at(self, server) -> "Person":
        """The same user with a token from another server (the embedded stack keeps tokens per process)."""
        client = Api(server.url)
        await asyncio.to_thread(client.login, self.name)
        return Person(self.user, client)

    async def call(self, method: str, path: str, json_body=None):
        return await asyncio.to_thread(self.api.request, method, path, json=json_body)

    async def add(self, other: "Person") -> None:
        response = await self.call("POST", "/api/contacts", {"username": other.name})
        assert response.status_code == 201, response.text


@pytest.fixture
def person(signed_in):
    async def make(prefix: str = "p", **kwargs) -> Person:
        user, client = await blocking(signed_in, prefix, **kwargs)
        return Person(user, client)

    return make


@pytest.fixture
def friends(person):
    """Two people who list each other."""

    async def make(prefix: str = "f") -> tuple[Person, Person]:
        one, two = await person(prefix), await person(prefix)
        await one.add(two)
        await two.add(one)
        return one, two

    return make


def roster_entry(socket: PresenceSocket, username: str) -> dict:
    return next(user for user in socket.roster["users"] if user["id"] == username)
