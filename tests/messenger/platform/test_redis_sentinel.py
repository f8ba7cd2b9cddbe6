"""Production mode behind Redis Sentinel: live server processes that reach a
real master + replica only through a real Sentinel, a kill -9 of the master
under chat, and what every Redis user does after the replica is promoted."""

import asyncio
import os
import subprocess
import sys
import time

import pytest
import redis
import requests

from chat.models import Message
from conftest import Api, production_stack
from tests import sentinel
from tests.live import ROOT, LiveServer
from tests.reliability.reconnect import ReconnectingSocket
from tests.reliability.senders import ResilientSender
from tests.wsclient import joined, new_room, run

PER_SENDER = 40


@pytest.fixture
def sentinel_group():
    why = sentinel.unavailable()
    if why:
        pytest.skip(why)
    group = sentinel.SentinelGroup().start()
    yield group
    group.stop()


@pytest.fixture
def sentinel_servers(daphne_server, sentinel_group):
    """Server processes on the test database whose only way to Redis is the Sentinel.
    Two on PostgreSQL; one on SQLite, whose file is not for several writers."""
    env = {**sentinel_group.env, "CHAT_RATE_LIMIT": "100000"}
    count = 2 if production_stack() else 1
    servers = [LiveServer(f"sentinel{n}", env=env).start() for n in range(count)]
    yield servers
    for server in servers:
        server.stop(kill=True)


def signed_in(server, make_user) -> Api:
    user = make_user("sent")
    client = Api(server.url)
    client.login(user.username)
    client.username = user.username
    return client


def test_every_redis_user_is_on_the_master_the_sentinel_names(sentinel_group, sentinel_servers, make_user):
    """Tokens (the cache), membership and rate windows (redis_clients) and the channel layer all land on the master."""
    client = signed_in(sentinel_servers[0], make_user)
    room_id = new_room(client)

    master = redis.Redis(port=sentinel_group.master_port)

    async def chat():
        room, _ = await joined(sentinel_servers[-1].ws_url, room_id, client.token)
        await room.send({"type": "chat", "clientId": "c1", "text": "hello"})
        echoed = await room.expect("chat", clientId="c1")
        # Read while the socket is open: its membership goes when it closes.
        return echoed, {key.decode() for key in master.scan_iter(count=1000)}

    echoed, keys = run(chat())
    assert echoed["text"] == "hello"
    assert any(":rl:" in key for key in keys), keys
    assert any(":room:" in key and key.endswith(":members") for key in keys), keys
    assert any(":tok:" in key for key in keys), keys
    assert not redis.Redis(port=sentinel_group.replica_port).info("replication")["role"] == "master"


@pytest.mark.timeout(240)
def test_master_killed_under_chat_nothing_acknowledged_is_lost(sentinel_group, sentinel_servers, make_user):
    servers = sentinel_servers
    senders_api = [signed_in(servers[n % len(servers)], make_user) for n in range(3)]
    listener_api = signed_in(servers[-1], make_user)
    room_id = new_room(senders_api[0])
    urls = [s.ws_url for s in servers]
    senders = [
        ResilientSender(urls[i % len(urls):] + urls[: i % len(urls)], room_id, c.token,
                        [f"{c.username}-{n}" for n in range(PER_SENDER)], relogin=lambda c=c: c.login(c.username))
        for i, c in enumerate(senders_api)
    ]
    listener = ReconnectingSocket(urls[-1], listener_api.token, lambda: listener_api.login(listener_api.username),
                                  room_id)
    observed = {}

    async def scenario():
        stop = asyncio.Event()
        listening = asyncio.create_task(listener.run(stop))
        await asyncio.wait_for(listener.up.wait(), 10)
        tasks = [asyncio.create_task(s.run(deadline_s=180)) for s in senders]
        while sum(len(s.acks) for s in senders) < len(senders) * PER_SENDER // 4:
            await asyncio.sleep(0.05)
        acked_at_kill = sum(len(s.acks) for s in senders)
        old = await asyncio.to_thread(sentinel_group.kill_master)
        killed_at = time.monotonic()
        observed["promoted_s"] = await asyncio.to_thread(sentinel_group.wait_failover, old)
        while sum(len(s.acks) for s in senders) <= acked_at_kill and time.monotonic() - killed_at < 60:
            await asyncio.sleep(0.05)
        observed["flowing_s"] = time.monotonic() - killed_at
        await asyncio.gather(*tasks)
        acked = {seq for s in senders for seq in s.acks.values()}
        deadline = time.monotonic() + 20
        while not acked <= set(listener.seen) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        stop.set()
        await listening

    run(scenario())
    expected = {cid for s in senders for cid in s.texts}
    acked = {seq for s in senders for seq in s.acks.values()}
    rows = list(Message.objects.filter(room_id=room_id).values_list("client_id", flat=True))
    print(f"FIGURE sentinel failover: promoted after {observed['promoted_s']:.1f} s, chat flowing after "
          f"{observed['flowing_s']:.1f} s, listener closes {listener.close_codes}")

    assert {cid for s in senders for cid in s.acks} == expected
    assert sorted(rows) == sorted(expected), "every acknowledged message is stored once"
    assert acked - set(listener.seen) == set(), "the listener missed acknowledged messages"
    assert [seq for seq, count in listener.seen.items() if count > 1] == []
    assert observed["flowing_s"] <= 15

    # Tokens issued before the failover were replicated: the old token still opens a socket.
    async def old_token_still_works():
        _, welcome = await joined(servers[0].ws_url, room_id, senders_api[0].token)
        return welcome

    assert run(old_token_still_works())["type"] == "welcome"
    for server in servers:
        assert requests.get(server.url + "/api/health", timeout=5).status_code == 200


@pytest.mark.parametrize("env, says", [
    ({"REDIS_SENTINELS": "127.0.0.1:26379"}, "REDIS_SENTINELS needs REDIS_SENTINEL_MASTER"),
    ({"REDIS_SENTINELS": "127.0.0.1:26379", "REDIS_SENTINEL_MASTER": "cfm", "REDIS_URL": "redis://x/0"},
     "not both"),
    ({"REDIS_SENTINELS": "sentinel-without-port", "REDIS_SENTINEL_MASTER": "cfm"}, "is not host:port"),
])
def test_a_half_configured_sentinel_stops_start_up_with_what_to_fix(env, says):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "messenger.settings", "SECRET_KEY": "x" * 50,
             "REDIS_URL": "", **env},
    )
    assert result.returncode != 0
    assert says in result.stderr
