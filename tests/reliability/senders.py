"""A chat client that behaves as the contract asks a real client to: on any
close it reconnects (to whichever server answers) with `?since=` and resends
every clientId it holds no ack for."""

import asyncio
import json
import random
import time

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from conftest import fake_ip

# Below the socket flood limit (60 frames in 10 s) with room for pings.
SEND_INTERVAL_S = 0.2


class ResilientSender:
    def __init__(self, urls: list[str], room_id: str, token: str, client_ids: list[str], relogin=None):
        self.urls = urls
        # Called (in a thread) for a fresh token after a 4401: the embedded stack keeps tokens in process memory.
        self.relogin = relogin
        self.room_id = room_id
        self.token = token
        self.texts = {cid: f"text of {cid}" for cid in client_ids}
        self.unacked = list(client_ids)
        self.acks: dict[str, int] = {}
        self.last_seq = 0
        self.reconnects = 0
        self.ip = fake_ip()
        # time.monotonic() of every welcome, and the code of every close the server sent (1006: none).
        self.welcomed_at: list[float] = []
        self.close_codes: list[int] = []

    async def run(self, deadline_s: float = 120) -> None:
        loop = asyncio.get_running_loop()
        stop_at = loop.time() + deadline_s
        attempt = 0
        while self.unacked and loop.time() < stop_at:
            url = self.urls[attempt % len(self.urls)]
            attempt += 1
            try:
                await self._session(url)
            except ConnectionClosed as closed:
                self.close_codes.append(closed.rcvd.code if closed.rcvd else 1006)
                if closed.rcvd and closed.rcvd.code == 4401 and self.relogin:
                    try:
                        self.token = await asyncio.to_thread(self.relogin)
                    except Exception:  # noqa: BLE001 - the server is still coming back; the next round retries
                        pass
            except (OSError, InvalidHandshake, InvalidStatus, TimeoutError):
                pass
            if self.unacked:
                self.reconnects += 1
                # Backoff with jitter, so that clients of a dead process do not return in lockstep.
                await asyncio.sleep(random.uniform(0.2, 0.8))

    async def _session(self, url: str) -> None:
        ws_url = f"{url}/api/ws/room/{self.room_id}?since={self.last_seq}"
        headers = {"Authorization": f"Bearer {self.token}", "X-Forwarded-For": self.ip}
        async with connect(ws_url, additional_headers=headers, open_timeout=10, max_size=2**22) as ws:
            welcome = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if welcome.get("type") != "welcome":
                return
            self.welcomed_at.append(time.monotonic())
            reader = asyncio.create_task(self._read(ws))
            try:
                while self.unacked:
                    for cid in list(self.unacked):
                        if reader.done():
                            break
                        await ws.send(json.dumps({"type": "chat", "clientId": cid, "text": self.texts[cid]}))
                        await asyncio.sleep(SEND_INTERVAL_S)
                    # Wait for the acks of this round before resending what is still missing.
                    for _ in range(50):
                        if not self.unacked or reader.done():
                            break
                        await asyncio.sleep(0.1)
                    if reader.done():
                        reader.result()
                        return
            finally:
                reader.cancel()

    async def _read(self, ws) -> None:
        async for raw in ws:
            frame = json.loads(raw)
            if frame["type"] == "ack":
                self.acks.setdefault(frame["clientId"], frame["seq"])
                if frame["clientId"] in self.unacked:
                    self.unacked.remove(frame["clientId"])
            elif frame["type"] == "chat":
                self.last_seq = max(self.last_seq, frame["seq"])


async def flood(ws_url: str, room_id: str, token: str, *, frames: int, interval_s: float) -> tuple[int, int]:
    """Send chats at the given pace on one socket until it closes or all are sent:
    (frames sent, close code; 1000 when the client closed).
    Incoming frames are buffered without limit, so the client always reads the close frame
    (a bounded client buffer stops reading and the server's close handshake times out into a reset)."""
    headers = {"Authorization": f"Bearer {token}", "X-Forwarded-For": fake_ip()}
    sent = 0
    async with connect(f"{ws_url}/api/ws/room/{room_id}", additional_headers=headers, max_queue=None) as ws:
        await asyncio.wait_for(ws.recv(), 10)
        try:
            while sent < frames:
                await ws.send(json.dumps({"type": "chat", "clientId": f"f{sent}", "text": "spam"}))
                sent += 1
                await asyncio.sleep(interval_s)
        except ConnectionClosed as closed:
            return sent, closed.rcvd.code if closed.rcvd else 1006
    return sent, 1000
