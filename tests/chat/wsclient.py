"""A small room-socket client for the tests, written from the contract."""

import asyncio
import json

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from conftest import fake_ip, unique_name

WAIT_S = 10


def run(coro):
    """Tests are sync (users are made through the ORM); each runs its socket scenario in a fresh loop."""
    return asyncio.run(coro)


class Room:
    def __init__(self, ws):
        self.ws = ws
        self.seen: list[dict] = []

    async def send(self, frame) -> None:
        await self.ws.send(frame if isinstance(frame, str | bytes) else json.dumps(frame))

    async def recv(self, timeout: float = WAIT_S) -> dict:
        frame = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
        self.seen.append(frame)
        return frame

    async def expect(self, kind: str, timeout: float = WAIT_S, **fields) -> dict:
        """The next frame of this type (and fields), skipping others."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            frame = await self.recv(max(0.01, deadline - loop.time()))
            if frame["type"] == kind and all(frame.get(k) == v for k, v in fields.items()):
                return frame

    async def expect_one_of(self, kinds: tuple[str, ...], timeout: float = WAIT_S, **fields) -> dict:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            frame = await self.recv(max(0.01, deadline - loop.time()))
            if frame["type"] in kinds and all(frame.get(k) == v for k, v in fields.items()):
                return frame

    async def quiet(self, kind: str, seconds: float) -> list[dict]:
        """Frames of this type that arrive within `seconds` (for asserting absence)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        found = []
        while (left := deadline - loop.time()) > 0:
            try:
                frame = await self.recv(left)
            except TimeoutError:
                break
            if frame["type"] == kind:
                found.append(frame)
        return found

    async def chats(self, count: int, timeout: float = 30) -> list[dict]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        found = []
        while len(found) < count:
            frame = await self.recv(max(0.01, deadline - loop.time()))
            if frame["type"] == "chat":
                found.append(frame)
        return found

    async def close_code(self, timeout: float = WAIT_S) -> int:
        try:
            while True:
                await asyncio.wait_for(self.ws.recv(), timeout)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else 1006

    async def close(self) -> None:
        await self.ws.close()


async def open_room(server_ws_url: str, room_id: str, token: str | None = None, *, since: int | None = None,
                    headers: dict | None = None, query: str = "", max_size: int | None = 2**20) -> Room:
    url = f"{server_ws_url}/api/ws/room/{room_id}"
    params = [p for p in (f"since={since}" if since is not None else "", query) if p]
    if params:
        url += "?" + "&".join(params)
    all_headers = {"X-Forwarded-For": fake_ip(), **(headers or {})}
    if token:
        all_headers["Authorization"] = f"Bearer {token}"
    ws = await connect(url, additional_headers=all_headers, max_size=max_size, open_timeout=WAIT_S)
    return Room(ws)


async def joined(server_ws_url: str, room_id: str, token: str, **kwargs) -> tuple[Room, dict]:
    room = await open_room(server_ws_url, room_id, token, **kwargs)
    return room, await room.expect("welcome")


def new_room(client) -> str:
    room_id = unique_name("room")
    response = client.post("/api/rooms", {"id": room_id, "name": f"Room {room_id}", "topic": "tests"})
    assert response.status_code == 201, response.text
    return room_id
