"""Item 2: Redis down for 10 s under two server processes (a private Redis;
the shared one is never touched). Sockets get a clear error or close, no
process dies, /api/health says 503 and recovers, clients are back within
30 s of Redis returning, and no acknowledged message is lost.

The private Redis keeps no data (--save "" --appendonly no), like a cache
node that restarts empty: tokens live there, so clients come back to 4401
and sign in again (docs/RELIABILITY.md)."""

import asyncio
import time

import pytest

from chat.models import Message
from conftest import Api, production_stack
from tests.live import LiveServer
from tests.reliability.faults import PrivateRedis, figure, health, wait_until
from tests.reliability.senders import ResilientSender
from tests.wsclient import joined, run

pytestmark = [pytest.mark.reliability, pytest.mark.multiprocess]

CLIENTS = 6
PER_CLIENT = 80
OUTAGE_S = 10


@pytest.fixture
def private_redis_servers(daphne_server):
    if not production_stack():
        pytest.skip("production mode only: the embedded stack has no Redis")
    private = PrivateRedis().start()
    env = {"REDIS_URL": private.url, "CHAT_RATE_LIMIT": "100000"}
    servers = [LiveServer(f"redis-down{n}", env=env).start() for n in range(2)]
    yield private, servers
    for server in servers:
        server.stop(kill=True)
    private.stop()


@pytest.mark.timeout(300)
def test_redis_down_10_s(private_redis_servers, make_user):
    private, servers = private_redis_servers
    clients = []
    for index in range(CLIENTS):
        user = make_user("rdown")
        client = Api(servers[index % 2].url)
        client.login(user.username)
        client.username = user.username
        clients.append(client)
    room_id = f"rdown{int(time.time() * 1000) % 10**9}"
    assert clients[0].post("/api/rooms", {"id": room_id, "name": room_id}).status_code == 201
    urls = [s.ws_url for s in servers]
    senders = [
        ResilientSender(urls[i % 2:] + urls[: i % 2], room_id, c.token,
                        [f"{c.username}-{n}" for n in range(PER_CLIENT)],
                        relogin=lambda c=c: c.login(c.username))
        for i, c in enumerate(clients)
    ]
    observed = {}

    async def scenario():
        tasks = [asyncio.create_task(s.run(deadline_s=200)) for s in senders]
        while sum(len(s.acks) for s in senders) < CLIENTS * PER_CLIENT // 4:
            await asyncio.sleep(0.05)
        acked_before = {cid for s in senders for cid in s.acks}
        private.stop()
        down_at = time.monotonic()
        observed["health_down"] = await asyncio.gather(*(asyncio.to_thread(health, s) for s in servers))
        await asyncio.sleep(max(0.0, OUTAGE_S - (time.monotonic() - down_at)))
        await asyncio.to_thread(private.start)
        observed["back_at"] = time.monotonic()
        observed["health_up_s"] = await asyncio.to_thread(
            wait_until, lambda: all(health(s) == 200 for s in servers) and time.monotonic(), 30, 0.2
        )
        observed["acked_before"] = acked_before
        await asyncio.gather(*tasks)

    async def fanout_across_processes():
        listener, _ = await joined(servers[0].ws_url, room_id, clients[0].token)
        talker, _ = await joined(servers[1].ws_url, room_id, clients[1].token)
        await talker.send({"type": "chat", "clientId": "after-outage", "text": "after"})
        await talker.expect("ack", clientId="after-outage")
        return await listener.expect("chat", clientId="after-outage", timeout=10)

    run(scenario())
    heard_after = run(fanout_across_processes())
    back_at = observed["back_at"]
    returns = [min((t for t in s.welcomed_at if t >= back_at), default=None) for s in senders]
    rows = list(Message.objects.filter(room_id=room_id).exclude(client_id="after-outage").values_list("client_id", flat=True))
    expected = {cid for s in senders for cid in s.texts}
    acked = {cid for s in senders for cid in s.acks}
    alive = [s.proc.poll() is None for s in servers]
    logs = "".join(s.log_text() for s in servers)
    codes = sorted({code for s in senders for code in s.close_codes})
    back_s = [round(t - back_at, 1) for t in returns if t is not None]

    figure("redis_down health while down / recovered after (s)",
           f"{observed['health_down']} / {round(observed['health_up_s'] - back_at, 1) if observed['health_up_s'] else 'no'}")
    figure("redis_down close codes seen by clients", codes)
    figure("redis_down clients back after Redis returned (s, max)", f"{len(back_s)}/{CLIENTS}, max {max(back_s, default='-')}")
    figure("redis_down stored / acked-before lost / lost / duplicated",
           f"{len(rows)} / {len(observed['acked_before'] - set(rows))} / {len(expected - set(rows))} / {len(rows) - len(set(rows))}")
    crashes = logs.count("Exception inside application")
    # channels_redis's receive loop logs a traceback per second while Redis is away, and survives it.
    # One log line may hold two (a chained exception): count the lines, not the word.
    ours = sum(1 for line in logs.splitlines() if "Traceback" in line and '"logger":"channels_redis' not in line)
    figure("redis_down processes alive / 1011 closes / application crashes / tracebacks outside channels_redis",
           f"{sum(alive)}/2 / {codes.count(1011)} / {crashes} / {ours}")

    assert all(alive)
    assert heard_after["text"] == "after"
    assert observed["health_down"] == [503, 503]
    assert observed["health_up_s"]
    assert len(back_s) == CLIENTS and max(back_s) <= 30
    assert 1011 not in codes and crashes == 0 and ours == 0
    assert acked == expected
    assert set(rows) == expected and len(rows) == len(expected)
