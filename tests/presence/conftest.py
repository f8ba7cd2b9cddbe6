"""Presence test helpers: signed-in people and real presence sockets."""

import asyncio
import dataclasses

import pytest

from conftest import Api
from tests.wsclient import PresenceSocket, blocking, open_presence


@dataclasses.dataclass
class Person:
    user: object
    api: Api

    @property
    def name(self) -> str:
        return self.user.username

    async def presence(self, server=None) -> PresenceSocket:
        """Open a presence socket (on server, default the main one) and read roster + unread."""
        base = server.ws_url if server else self.api.base_url.replace("http", "ws", 1)
        return await open_presence(base, self.api.token)

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
