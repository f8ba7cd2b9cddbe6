"""Graceful restart of a live daphne process: SIGTERM under chat. It stops
accepting at once, closes every socket with 1012 spread over WS_DRAIN_S,
finishes the write it is doing (nothing stored goes unacknowledged, nothing
acknowledged goes unstored) and exits cleanly."""

import asyncio
import json
import signal
import socket
import time

import pytest
from websockets.exceptions import ConnectionClosed

from chat.models import Message
from conftest import Api
from tests.wsclient import joined, new_room, run

CLIENTS = 12
DRAIN_S = 3
# Below the flood limit (60 frames in 10 s).
SEND_INTERVAL_S = 0.25


class Talker:
    def __init__(self, name: str):
        self.name = name
        self.sent: list[str] = []
        self.acked: set[str] = set()
        self.close_code: int | None = None
        self.closed_at: float | None = None

    async def run(self, ws_url: str, room_id: str, token: str, opened: asyncio.Event) -> None:
        room, _ = await joined(ws_url, room_id, token)
        opened.set()
        sender = asyncio.create_task(self._send(room.ws))
        try:
            async for raw in room.ws:
                frame = json.loads(raw)
                if frame["type"] == "ack":
                    self.acked.add(frame["clientId"])
        except ConnectionClosed:
            pass
        self.closed_at = time.monotonic()
        self.close_code = room.ws.close_code
        sender.cancel()

    async def _send(self, ws) -> None:
        number = 0
        while True:
            client_id = f"{self.name}-{number}"
            number += 1
            try:
                await ws.send(json.dumps({"type": "chat", "clientId": client_id, "text": "draining"}))
            except ConnectionClosed:
                return
            self.sent.append(client_id)
            await asyncio.sleep(SEND_INTERVAL_S)


def signed_in_clients(server, make_user, prefix: str) -> list[Api]:
    """CLIENTS people signed in on `server`, one account each."""
    clients = []
    for _ in range(CLIENTS):
        client = Api(server.url)
        client.login(make_user(prefix).username)
        clients.append(client)
    return clients


def refuses_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return False
    except ConnectionRefusedError:
        return True


@pytest.mark.timeout(120)
def test_sigterm_drains_with_1012_spread_and_loses_no_write(start_server, make_user):
    server = start_server("drain", env={"WS_DRAIN_S": str(DRAIN_S), "CHAT_RATE_LIMIT": "100000"})
    clients = signed_in_clients(server, make_user, "drain")
    room_id = new_room(clients[0])
    talkers = [Talker(f"t{n}") for n in range(CLIENTS)]
    observed = {}

    async def scenario():
        events = [asyncio.Event() for _ in talkers]
        tasks = [asyncio.create_task(t.run(server.ws_url, room_id, c.token, e))
                 for t, c, e in zip(talkers, clients, events, strict=True)]
        for event in events:
            await asyncio.wait_for(event.wait(), 15)
        await asyncio.sleep(1.5)
        server.proc.send_signal(signal.SIGTERM)
        observed["term_at"] = time.monotonic()
        await asyncio.sleep(0.5)
        observed["refusing"] = await asyncio.to_thread(refuses_connections, server.port)
        observed["open_after_0_5_s"] = sum(t.close_code is None for t in talkers)
        await asyncio.wait_for(asyncio.gather(*tasks), DRAIN_S + 10)

    run(scenario())
    exit_code = server.proc.wait(timeout=15)
    term_at = observed["term_at"]
    closes = sorted(t.closed_at - term_at for t in talkers)
    sent = {cid for t in talkers for cid in t.sent}
    acked = {cid for t in talkers for cid in t.acked}
    stored = set(Message.objects.filter(room_id=room_id).values_list("client_id", flat=True))
    print(f"FIGURE graceful restart: closes from {closes[0]:.2f} s to {closes[-1]:.2f} s after SIGTERM, "
          f"{len(acked)} acked of {len(sent)} sent, exit {exit_code}")

    assert observed["refusing"], "the process still accepted connections after SIGTERM"
    assert observed["open_after_0_5_s"] >= CLIENTS // 2, "the closes were not spread"
    assert [t.close_code for t in talkers] == [1012] * CLIENTS
    assert closes[-1] - closes[0] >= DRAIN_S / 2
    assert closes[-1] <= DRAIN_S + 2
    assert stored == acked, "a write in flight was cut: stored without ack, or acked and not stored"
    assert len(acked) >= CLIENTS * 4
    assert exit_code == 0
    assert "Traceback" not in server.log_text()


async def _close_times(server, room_id: str, tokens: list[str]) -> tuple[list[float], list[int]]:
    """Open a socket per token, SIGTERM the server, and return when each closed (s after SIGTERM) and how."""
    sockets = [(await joined(server.ws_url, room_id, token))[0] for token in tokens]
    closes: list[tuple[float, int]] = []

    async def wait_close(room) -> None:
        try:
            async for _ in room.ws:
                pass
        except ConnectionClosed:
            pass
        closes.append((time.monotonic(), room.ws.close_code))

    waiters = [asyncio.create_task(wait_close(room)) for room in sockets]
    server.proc.send_signal(signal.SIGTERM)
    term_at = time.monotonic()
    await asyncio.wait_for(asyncio.gather(*waiters), 60)
    return sorted(at - term_at for at, _ in closes), [code for _, code in closes]


@pytest.mark.timeout(120)
@pytest.mark.parametrize(("rate", "max_s"), [(4, 120), (1, 1.5)], ids=["paced", "capped"])
def test_sigterm_paces_closes_at_the_drain_rate_within_the_cap(start_server, make_user, rate, max_s):
    """12 sockets with WS_DRAIN_S 0.5: at 4 closes a second they take about 3 s (the rate, not the 0.5 s
    window, decides); at 1 a second they would take 12 s, but WS_DRAIN_MAX_S 1.5 bounds the drain."""
    server = start_server("pace", env={"WS_DRAIN_S": "0.5", "WS_DRAIN_RATE": str(rate), "WS_DRAIN_MAX_S": str(max_s)})
    clients = signed_in_clients(server, make_user, "pace")
    room_id = new_room(clients[0])
    closes, codes = run(_close_times(server, room_id, [c.token for c in clients]))
    exit_code = server.proc.wait(timeout=15)
    print(f"FIGURE drain at {rate}/s within {max_s} s: closes from {closes[0]:.2f} s to {closes[-1]:.2f} s after SIGTERM")

    assert codes == [1012] * CLIENTS
    if max_s > CLIENTS / rate:
        # The i-th close waits i/rate s: the last of 12 at 4 a second not before 11/4 s.
        assert closes[-1] >= (CLIENTS - 1) / rate
        assert sum(at < 1.0 for at in closes) <= rate + 1, "more closes in the first second than the rate"
    else:
        assert closes[-1] < CLIENTS / rate / 2, "the drain was not bounded by WS_DRAIN_MAX_S"
    assert exit_code == 0


@pytest.mark.timeout(120)
def test_sigterm_holds_the_closes_while_another_process_has_an_admission_backlog(start_server, make_user):
    """Another process says its admission queue is long (messenger/realtime/admission.py) for 3 s after
    SIGTERM: the draining process closes none of its sockets until that is over, then the rest at HELD_RATE.
    Production stack only: on the embedded one each process has a cache of its own."""
    from conftest import production_stack
    from messenger.realtime import admission, draining

    if not production_stack():
        pytest.skip("processes share the backlog through Redis")
    server = start_server("hold", env={"WS_DRAIN_S": "0.5"})
    clients = signed_in_clients(server, make_user, "hold")
    room_id = new_room(clients[0])
    hold_s = 3.0

    async def backlog_for(seconds: float) -> None:
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            await asyncio.to_thread(admission._set_backlog, 50)
            await asyncio.sleep(0.5)
        await asyncio.to_thread(admission._set_backlog, None)

    async def scenario():
        await asyncio.to_thread(admission._set_backlog, 50)
        telling = asyncio.create_task(backlog_for(hold_s))
        closes = await _close_times(server, room_id, [c.token for c in clients])
        await telling
        return closes

    closes, codes = run(scenario())
    exit_code = server.proc.wait(timeout=15)
    print(f"FIGURE drain held {hold_s} s: closes from {closes[0]:.2f} s to {closes[-1]:.2f} s after SIGTERM")

    assert codes == [1012] * CLIENTS
    assert closes[0] >= hold_s - 0.5, "a socket was closed while another process had a backlog"
    # The closes due meanwhile do not all go at once when the hold ends: the others would be swamped again.
    assert closes[-1] - closes[0] >= (CLIENTS - 1) / draining.HELD_RATE
    assert exit_code == 0
