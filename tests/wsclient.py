"""One WebSocket client for the suite, written from the contract: room and
presence sockets over real connections, and the helpers their scenarios
share (an event loop per sync test, ORM calls off the loop)."""

import asyncio
import json

from django.db import connections
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from conftest import fake_ip, unique_name

WAIT_S = 10


def run(coro):
    """Sync tests (users are made through the ORM) run each socket scenario in a fresh loop."""
    return asyncio.run(coro)


async def blocking(fn, *args, **kwargs):
    """Run sync setup (ORM, requests) off the event loop, closing the thread's
    DB connections afterwards (a leaked one blocks dropping the test DB)."""

    def call():
        try:
            return fn(*args, **kwargs)
        finally:
            connections.close_all()

    return await asyncio.to_thread(call)


class Socket:
    def __init__(self, ws):
        self.ws = ws

    async def send(self, frame) -> None:
        await self.ws.send(frame if isinstance(frame, str | bytes) else json.dumps(frame))

    async def recv(self, timeout: float = WAIT_S) -> dict:
        return json.loads(await asyncio.wait_for(self.ws.recv(), timeout))

    async def frames_until(self, match, timeout: float = WAIT_S) -> list[dict]:
        """Every frame up to and including the first for which match(frame) is true."""
        seen = []
        async with asyncio.timeout(timeout):
            while True:
                seen.append(json.loads(await self.ws.recv()))
                if match(seen[-1]):
                    return seen

    async def next(self, match, timeout: float = WAIT_S) -> dict:
        """The next frame for which match(frame) is true, skipping others."""
        return (await self.frames_until(match, timeout))[-1]

    async def expect(self, kind: str, timeout: float = WAIT_S, **fields) -> dict:
        """The next frame of this type (and fields), skipping others."""
        return await self.expect_one_of((kind,), timeout, **fields)

    async def expect_one_of(self, kinds: tuple[str, ...], timeout: float = WAIT_S, **fields) -> dict:
        return await self.next(
            lambda frame: frame["type"] in kinds and all(frame.get(k) == v for k, v in fields.items()), timeout
        )

    async def frames_within(self, seconds: float) -> list[dict]:
        """Every frame that arrives within `seconds` (for asserting absence)."""
        found = []
        try:
            async with asyncio.timeout(seconds):
                while True:
                    found.append(json.loads(await self.ws.recv()))
        except TimeoutError:
            return found

    async def quiet(self, kind: str, seconds: float) -> list[dict]:
        """Frames of this type that arrive within `seconds`."""
        return [frame for frame in await self.frames_within(seconds) if frame["type"] == kind]

    async def chats(self, count: int, timeout: float = 30) -> list[dict]:
        found = []
        async with asyncio.timeout(timeout):
            while len(found) < count:
                found.append(await self.next(lambda frame: frame["type"] == "chat", timeout=None))
        return found

    async def close_code(self, timeout: float = WAIT_S) -> int:
        try:
            while True:
                await asyncio.wait_for(self.ws.recv(), timeout)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else 1006

    async def close(self) -> None:
        await self.ws.close()


class PresenceSocket(Socket):
    """A presence socket; `roster` and `unread` hold the two frames it opened with."""

    roster: dict
    unread: dict

    async def presence_of(self, username: str, *, status: str | None = None, timeout: float = WAIT_S) -> dict:
        """The next `presence` frame about username (showing that status), skipping others."""
        return await self.next(lambda frame: _presence_about(frame, username, status), timeout)

    async def none_about(self, username: str, seconds: float) -> None:
        """Assert no frame mentions username for that long."""
        mentions = [frame for frame in await self.frames_within(seconds) if _user_id(frame) == username]
        assert not mentions, mentions


def _user_id(frame: dict) -> str | None:
    return frame.get("user", {}).get("id")


def _presence_about(frame: dict, username: str, status: str | None) -> bool:
    return (
        frame["type"] == "presence"
        and _user_id(frame) == username
        and (status is None or frame["user"].get("status") == status)
    )


async def _connect(url: str, token: str | None, headers: dict | None, max_size: int | None):
    all_headers = {"X-Forwarded-For": fake_ip(), **(headers or {})}
    if token:
        all_headers["Authorization"] = f"Bearer {token}"
    return await connect(url, additional_headers=all_headers, max_size=max_size, open_timeout=WAIT_S, close_timeout=2)


async def open_room(server_ws_url: str, room_id: str, token: str | None = None, *, since: int | None = None,
                    headers: dict | None = None, query: str = "", max_size: int | None = 2**20) -> Socket:
    url = f"{server_ws_url}/api/ws/room/{room_id}"
    params = [p for p in (f"since={since}" if since is not None else "", query) if p]
    if params:
        url += "?" + "&".join(params)
    return Socket(await _connect(url, token, headers, max_size))


async def joined(server_ws_url: str, room_id: str, token: str, **kwargs) -> tuple[Socket, dict]:
    """A room socket after its welcome: (socket, welcome)."""
    room = await open_room(server_ws_url, room_id, token, **kwargs)
    return room, await room.expect("welcome")


async def open_presence(server_ws_url: str, token: str) -> PresenceSocket:
    """A presence socket after its opening `roster` and `unread` frames."""
    socket = PresenceSocket(await _connect(f"{server_ws_url}/api/ws/presence", token, None, 2**20))
    socket.roster = await socket.recv()
    assert socket.roster["type"] == "roster", socket.roster
    socket.unread = await socket.recv()
    assert socket.unread["type"] == "unread", socket.unread
    return socket


def new_room(client) -> str:
    room_id = unique_name("room")
    response = client.post("/api/rooms", {"id": room_id, "name": f"Room {room_id}", "topic": "tests"})
    assert response.status_code == 201, response.text
    return room_id
