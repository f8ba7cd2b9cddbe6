"""Process-local room fan-out (chat.room_hub): what the hub must keep of the
per-socket delivery it replaced, seen through real sockets."""

import asyncio

from conftest import Api, fake_ip
from tests.wsclient import joined, new_room, run


def _signed_in_clients(daphne_server, make_user, count: int) -> list[Api]:
    clients = []
    for _ in range(count):
        client = Api(daphne_server.url, ip=fake_ip())
        client.login(make_user("hub").username)
        clients.append(client)
    return clients


def test_a_join_storm_into_a_new_room_hears_every_message_once(daphne_server, make_user):
    clients = _signed_in_clients(daphne_server, make_user, 30)
    room_id = new_room(clients[0])

    async def scenario():
        opened = await asyncio.gather(*(joined(daphne_server.ws_url, room_id, c.token) for c in clients))
        rooms = [room for room, _ in opened]
        await rooms[0].send({"type": "chat", "clientId": "storm-1", "text": "after the storm"})
        await rooms[0].send({"type": "chat", "clientId": "storm-2", "text": "and again"})
        for room, (_, welcome) in zip(rooms, opened, strict=True):
            chats = await room.chats(2)
            assert [c["seq"] for c in chats] == [1, 2]
            assert welcome["lastSeq"] == 0
        for room in rooms:
            assert await room.quiet("chat", 0.3) == []
            await room.close()

    run(scenario())


def test_a_socket_joining_mid_conversation_sees_each_seq_once(daphne_server, make_user):
    sent = 10
    talker, *listeners = _signed_in_clients(daphne_server, make_user, 6)
    room_id = new_room(talker)

    async def scenario():
        sender, _ = await joined(daphne_server.ws_url, room_id, talker.token)

        # Under the contract's 10 chats per 10 s.
        async def talk():
            for n in range(sent):
                await sender.send({"type": "chat", "clientId": f"mid-{n}", "text": f"m{n}"})
                await asyncio.sleep(0.03)

        async def listen(client):
            room, welcome = await joined(daphne_server.ws_url, room_id, client.token)
            seen = [m["seq"] for m in welcome["history"]]
            seen += [c["seq"] for c in await room.chats(sent - welcome["lastSeq"])]
            await room.close()
            return seen

        talking = asyncio.create_task(talk())
        results = []
        for client in listeners:
            results.append(await listen(client))
            await asyncio.sleep(0.03)
        await talking
        for seen in results:
            assert seen == list(range(1, sent + 1))
        await sender.close()

    run(scenario())


def test_the_last_socket_leaving_and_a_new_one_joining_still_hears_the_room(daphne_server, make_user):
    alice, bob = _signed_in_clients(daphne_server, make_user, 2)
    room_id = new_room(alice)

    async def scenario():
        for round_ in range(3):
            room, _ = await joined(daphne_server.ws_url, room_id, alice.token)
            await room.close()
            room, welcome = await joined(daphne_server.ws_url, room_id, bob.token)
            await room.send({"type": "chat", "clientId": f"again-{round_}", "text": "still here"})
            chat = (await room.chats(1))[0]
            assert chat["seq"] == welcome["lastSeq"] + 1
            await room.close()

    run(scenario())
