from tests.wsclient import joined, new_room, open_room, run


def test_welcome_ack_and_chat_in_seq_order(daphne_server, signed_in):
    alice, alice_api = signed_in("alice")
    bob, bob_api = signed_in("bob")
    room_id = new_room(alice_api)
    run(_welcome_ack_and_chat(daphne_server, alice, alice_api, bob, bob_api, room_id))


async def _welcome_ack_and_chat(daphne_server, alice, alice_api, bob, bob_api, room_id):
    a, welcome = await joined(daphne_server.ws_url, room_id, alice_api.token)
    assert welcome["room"] == {"id": room_id, "name": f"Room {room_id}", "kind": "public", "topic": "tests"}
    assert welcome["you"]["id"] == alice.username
    assert [m["id"] for m in welcome["members"]] == [alice.username]
    assert welcome["history"] == [] and welcome["lastSeq"] == 0

    b, welcome_b = await joined(daphne_server.ws_url, room_id, bob_api.token)
    assert {m["id"] for m in welcome_b["members"]} == {alice.username, bob.username}
    assert (await a.expect("join"))["user"]["id"] == bob.username

    for n in range(3):
        await a.send({"type": "chat", "clientId": f"c{n}", "text": f"hello {n}"})
        ack = await a.expect("ack")
        assert ack == {"type": "ack", "clientId": f"c{n}", "seq": n + 1}
    chats = await b.chats(3)
    assert [c["seq"] for c in chats] == [1, 2, 3]
    first = chats[0]
    assert first["text"] == "hello 0" and first["roomId"] == room_id and first["clientId"] == "c0"
    assert first["sender"]["id"] == alice.username and first["bot"] is False
    assert first["id"].startswith("srv-") and isinstance(first["ts"], int)
    await b.close()
    assert (await a.expect("leave"))["user"]["id"] == bob.username
    await a.close()


def test_unknown_room_closes_4404(daphne_server, signed_in):
    _, client = signed_in()

    async def scenario():
        room = await open_room(daphne_server.ws_url, "no-such-room-here", client.token)
        return await room.close_code()

    assert run(scenario()) == 4404
