"""Connection-abuse helpers (item 11): sockets from one address, half-open handshakes."""

import asyncio
import json
import time

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed


async def open_from(ws_url: str, room_id: str, token: str, address: str):
    """A room socket from the given client address: (socket, first frame) or (None, close code)."""
    headers = {"Authorization": f"Bearer {token}", "X-Forwarded-For": address}
    ws = await connect(f"{ws_url}/api/ws/room/{room_id}", additional_headers=headers, open_timeout=20)
    try:
        first = json.loads(await asyncio.wait_for(ws.recv(), 20))
    except ConnectionClosed as closed:
        return None, closed.rcvd.code if closed.rcvd else 1006
    if first["type"] == "welcome":
        return ws, first
    try:
        await asyncio.wait_for(ws.recv(), 20)
    except ConnectionClosed as closed:
        return None, (first, closed.rcvd.code if closed.rcvd else 1006)
    raise AssertionError(f"socket neither welcomed nor closed: {first}")


async def seconds_until_dropped(host: str, port: int, count: int, path: str, limit_s: float) -> list[float]:
    """Open half-open handshakes and time how long until the server drops each (limit_s if never)."""
    start = time.monotonic()
    readers = []
    for _ in range(count):
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n".encode())
        await writer.drain()
        readers.append((reader, writer))

    async def dropped(reader, writer) -> float:
        try:
            while await asyncio.wait_for(reader.read(4096), max(0.01, limit_s - (time.monotonic() - start))):
                pass
        except (TimeoutError, ConnectionError):
            pass
        writer.close()
        return min(limit_s, time.monotonic() - start)

    return await asyncio.gather(*(dropped(r, w) for r, w in readers))
