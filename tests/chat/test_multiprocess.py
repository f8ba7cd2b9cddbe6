"""Two daphne processes sharing Redis and PostgreSQL (production stack only)."""

import asyncio

import pytest

from conftest import Api, production_stack
from tests.wsclient import joined, new_room, run

pytestmark = [
    pytest.mark.multiprocess,
    pytest.mark.skipif(not production_stack(), reason="needs REDIS_URL and DATABASE_URL"),
]


def _clients(servers, make_user, count, prefix="mp"):
    clients = []
    for n in range(count):
        user = make_user(prefix)
        client = Api(servers[n % len(servers)].url)
        client.login(user.username)
        clients.append(client)
    return clients


def test_messages_reach_the_other_process_in_order(daphne_server, second_server, make_user):
    alice, bob = _clients([daphne_server, second_server], make_user, 2)
    room_id = new_room(alice)

    async def scenario():
        a, _ = await joined(daphne_server.ws_url, room_id, alice.token)
        b, _ = await joined(second_server.ws_url, room_id, bob.token)
        for n in range(10):
            await a.send({"type": "chat", "clientId": f"o{n}", "text": f"m{n}"})
        return [c["text"] for c in await b.chats(10)]

    assert run(scenario()) == [f"m{n}" for n in range(10)]


def test_five_senders_times_fifty_across_two_processes(start_server, make_user):
    # A raised chat limit: this test is about order under concurrency, not the limit.
    servers = [start_server(f"fast{n}", env={"CHAT_RATE_LIMIT": "1000"}) for n in range(2)]
    senders = _clients(servers, make_user, 5, "snd")
    watchers = _clients(servers, make_user, 2, "watch")
    room_id = new_room(senders[0])

    async def send_all(client, server, index):
        room, _ = await joined(server.ws_url, room_id, client.token)
        for n in range(50):
            await room.send({"type": "chat", "clientId": f"s{index}-{n}", "text": f"{index}:{n}"})
        for n in range(50):
            await room.expect("ack", clientId=f"s{index}-{n}", timeout=30)
        return room

    async def scenario():
        watching = [await joined(servers[i].ws_url, room_id, w.token) for i, w in enumerate(watchers)]
        rooms = await asyncio.gather(*(send_all(c, servers[i % 2], i) for i, c in enumerate(senders)))
        seqs = [[c["seq"] for c in await room.chats(250, timeout=60)] for room, _ in watching]
        return seqs, rooms

    seqs, _ = run(scenario())
    for seen in seqs:
        assert seen == list(range(1, 251))


def test_exactly_ten_of_twenty_through_two_processes(daphne_server, second_server, make_user):
    user = make_user("burst")
    clients = [Api(daphne_server.url), Api(second_server.url)]
    for client in clients:
        client.login(user.username)
    room_id = new_room(clients[0])

    async def scenario():
        a, _ = await joined(daphne_server.ws_url, room_id, clients[0].token)
        b, _ = await joined(second_server.ws_url, room_id, clients[1].token)
        sends = [(a if n % 2 else b).send({"type": "chat", "clientId": f"b{n}", "text": "burst"}) for n in range(20)]
        await asyncio.gather(*sends)
        outcomes = []
        for room in (a, b):
            for _ in range(10):
                outcomes.append((await room.expect_one_of(("ack", "error")))["type"])
        return outcomes

    outcomes = run(scenario())
    assert outcomes.count("ack") == 10 and outcomes.count("error") == 10
    assert len(clients[0].get(f"/api/rooms/{room_id}/messages?limit=100").json()["data"]["messages"]) == 10


def test_kill_a_process_mid_conversation_and_resume_with_since(daphne_server, start_server, make_user):
    doomed = start_server("doomed")
    alice, bob = _clients([daphne_server, doomed], make_user, 2)
    room_id = new_room(alice)

    async def scenario():
        a, _ = await joined(daphne_server.ws_url, room_id, alice.token)
        b, _ = await joined(doomed.ws_url, room_id, bob.token)
        for n in range(4):
            await a.send({"type": "chat", "clientId": f"k{n}", "text": f"k{n}"})
        seen = [c["seq"] for c in await b.chats(4)]
        doomed.stop(kill=True)
        for n in range(4, 8):
            await a.send({"type": "chat", "clientId": f"k{n}", "text": f"k{n}"})
            await a.expect("ack", clientId=f"k{n}")
        await asyncio.to_thread(doomed.start)
        b2, welcome = await joined(doomed.ws_url, room_id, bob.token, since=seen[-1])
        seen += [m["seq"] for m in welcome["history"]]
        await a.send({"type": "chat", "clientId": "k8", "text": "k8"})
        seen += [c["seq"] for c in await b2.chats(1)]
        return seen

    assert run(scenario()) == list(range(1, 10))
