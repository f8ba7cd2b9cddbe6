"""A long-lived client socket that behaves as the web UI does when its server
goes away: it reconnects with exponential backoff and jitter (the same
formula as static/js/lib/backoff.js), resumes a room with `?since=`, signs in
again on 4401, resends every chat it holds no ack for, and pings every 30 s."""

import asyncio
import json
import random
import time
from collections import Counter

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from conftest import fake_ip

PING_INTERVAL_S = 30


def backoff_delay_s(attempt: int, *, base_ms: int = 500, max_ms: int = 15000) -> float:
    """static/js/lib/backoff.js `backoffDelay`: "equal jitter", so a restart does not get every client back at once."""
    ceiling = min(max_ms, base_ms * 2 ** max(0, attempt))
    return (ceiling / 2 + random.random() * (ceiling / 2)) / 1000


class ReconnectingSocket:
    """A room socket (room_id given) or a presence socket (room_id None) of one signed-in client."""

    def __init__(self, ws_url: str, token: str, relogin, room_id: str | None = None):
        self.ws_url = ws_url
        self.token = token
        # Called in a thread after a 4401 for a fresh token: the embedded stack keeps tokens in process memory.
        self.relogin = relogin
        self.room_id = room_id
        self.ip = fake_ip()
        self.last_seq = 0
        # How many times each seq reached this client (live frames and welcome replays together).
        self.seen = Counter()
        self.pending: dict[str, str] = {}
        self.acks: dict[str, int] = {}
        self.welcomed_at: list[float] = []
        self.close_codes: list[int] = []
        self.attempts = 0
        self.up = asyncio.Event()
        self._ws = None

    @property
    def url(self) -> str:
        if self.room_id is None:
            return f"{self.ws_url}/api/ws/presence"
        return f"{self.ws_url}/api/ws/room/{self.room_id}?since={self.last_seq}"

    async def chat(self, client_id: str, text: str) -> None:
        """Send now if connected; either way it is resent on every reconnect until acked."""
        self.pending[client_id] = text
        if self._ws is not None:
            try:
                await self._ws.send(json.dumps({"type": "chat", "clientId": client_id, "text": text}))
            except ConnectionClosed:
                pass

    async def run(self, stop: asyncio.Event) -> None:
        failures = 0
        while not stop.is_set():
            self.attempts += 1
            try:
                await self._session(stop)
                failures = 0
            except ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd else 1006
                self.close_codes.append(code)
                # As the web UI does, signing in again starts a fresh socket: its backoff starts over.
                if code == 4401 and await self._sign_in_again():
                    failures = 0
            except (OSError, InvalidHandshake, InvalidStatus, TimeoutError):
                pass
            finally:
                self._ws = None
                self.up.clear()
            if stop.is_set():
                return
            try:
                await asyncio.wait_for(stop.wait(), backoff_delay_s(failures))
            except TimeoutError:
                pass
            failures += 1

    async def _sign_in_again(self) -> bool:
        try:
            self.token = await asyncio.to_thread(self.relogin)
        except Exception:  # noqa: BLE001 - the server is still coming back; the next attempt signs in again
            return False
        return True

    async def _session(self, stop: asyncio.Event) -> None:
        headers = {"Authorization": f"Bearer {self.token}", "X-Forwarded-For": self.ip}
        async with connect(self.url, additional_headers=headers, open_timeout=10, close_timeout=2,
                           max_size=2**22, ping_interval=None) as ws:
            # A refusal is an error frame (or none) and then a close, which recv() raises.
            first = json.loads(await asyncio.wait_for(ws.recv(), 10))
            while first.get("type") not in ("welcome", "roster"):
                first = json.loads(await asyncio.wait_for(ws.recv(), 10))
            for message in first.get("history", []):
                self._saw(message)
            self._ws = ws
            self.welcomed_at.append(time.monotonic())
            self.up.set()
            for client_id, text in list(self.pending.items()):
                await ws.send(json.dumps({"type": "chat", "clientId": client_id, "text": text}))
            pinger = asyncio.create_task(self._ping(ws))
            stopper = asyncio.create_task(stop.wait())
            reader = asyncio.create_task(self._read(ws))
            try:
                await asyncio.wait({reader, stopper}, return_when=asyncio.FIRST_COMPLETED)
                if reader.done():
                    reader.result()
                    # A 1000/1001 close ends the iteration without raising.
                    self.close_codes.append(ws.close_code or 1006)
            finally:
                for task in (pinger, stopper, reader):
                    task.cancel()

    async def _ping(self, ws) -> None:
        nonce = 0
        while True:
            await asyncio.sleep(PING_INTERVAL_S)
            nonce += 1
            await ws.send(json.dumps({"type": "ping", "nonce": f"n{nonce}"}))

    async def _read(self, ws) -> None:
        async for raw in ws:
            frame = json.loads(raw)
            if frame["type"] == "chat":
                self._saw(frame)
            elif frame["type"] == "ack":
                self.acks.setdefault(frame["clientId"], frame["seq"])
                self.pending.pop(frame["clientId"], None)

    def _saw(self, message: dict) -> None:
        self.seen[message["seq"]] += 1
        self.last_seq = max(self.last_seq, message["seq"])
