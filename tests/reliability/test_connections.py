"""Item 11, connection abuse: a per-address cap on open sockets across every
process, half-open handshakes dropped by daphne's handshake timeout, and real
users who still sign in and chat meanwhile."""

import asyncio

import pytest

from conftest import fake_ip
from tests.reliability.connections import open_from, seconds_until_dropped
from tests.reliability.faults import figure
from tests.wsclient import joined, run

pytestmark = pytest.mark.reliability

CAP = 10


def check_socket_cap(servers, users_on, room_of, *, cap: int, users: int, half_open: int, label: str):
    """cap sockets from one address over every process, the next refused 4429, a freed place
    reused; half-open handshakes dropped; `users` real users sign in and chat meanwhile."""
    (hog,) = users_on(servers, 1, "caphog")
    room_id = room_of(hog)
    real = [(client, room_of(client)) for client in users_on(servers, users, "capreal")]
    address = fake_ip()
    server = servers[0]

    async def scenario():
        held = []
        for n in range(cap):
            ws, welcome = await open_from(servers[n % len(servers)].ws_url, room_id, hog.token, address)
            assert ws is not None, welcome
            held.append(ws)
        refused = [await open_from(s.ws_url, room_id, hog.token, address) for s in servers]
        dropping = asyncio.create_task(
            seconds_until_dropped("127.0.0.1", server.port, half_open, f"/api/ws/room/{room_id}", 30)
        )
        chatted = 0
        for index, (client, talk_room) in enumerate(real):
            talker, _ = await joined(servers[index % len(servers)].ws_url, talk_room, client.token)
            await talker.send({"type": "chat", "clientId": "hello", "text": "hello"})
            chatted += (await talker.expect_one_of(("ack", "error"), clientId="hello"))["type"] == "ack"
            await talker.close()
        await held.pop().close()
        reused = None
        for _ in range(50):
            reused, _ = await open_from(servers[-1].ws_url, room_id, hog.token, address)
            if reused is not None:
                break
            await asyncio.sleep(0.1)
        for ws in held + [reused]:
            if ws is not None:
                await ws.close()
        return refused, chatted, reused is not None, await dropping

    refused, chatted, reused, drops = run(scenario())
    figure(f"{label}: sockets from one address let in / refused (close code)",
           f"{cap} / {len(refused)} ({sorted({code for _, (_, code) in refused})})")
    figure(f"{label}: real users signed in and chatted", f"{chatted}/{users}")
    figure(f"{label}: half-open handshakes dropped within s (max)", f"{len(drops)} / {max(drops):.1f}")
    for ws, (frame, code) in refused:
        assert ws is None and code == 4429 and frame["code"] == "RATE_LIMITED"
    assert chatted == users and reused
    assert max(drops) < 20


@pytest.mark.timeout(300)
@pytest.mark.parametrize("servers", [{"WS_MAX_SOCKETS_PER_IP": str(CAP * 20)}], indirect=True)
def test_connection_abuse(servers, users_on, room_of):
    check_socket_cap(servers, users_on, room_of, cap=CAP * 20, users=100, half_open=500, label="connection abuse")
