"""Offline DMs end to end and the live `unread` extension (docs/PRESENCE.md),
through real presence and room sockets on daphne."""

from .conftest import dm_room, entry_for, next_unread, open_dm, send_chats


async def test_offline_dm_is_announced_at_sign_in_replayed_and_cleared_by_read(person):
    alice, bob = await person("off"), await person("off")
    room_id = await dm_room(alice, bob)
    alice_room, _ = await open_dm(alice, room_id)
    texts = ["are you there?", "call me", "it's about the party"]
    assert await send_chats(alice_room, texts) == [1, 2, 3]
    await alice_room.close()

    bob_presence = await bob.presence()
    assert entry_for(bob_presence.unread, room_id) == {"roomId": room_id, "count": 3, "lastSeq": 3}

    # Bob has read nothing there: since=0 replays everything.
    bob_room, welcome = await open_dm(bob, room_id, since=0)
    assert [(m["seq"], m["text"], m["sender"]["id"]) for m in welcome["history"]] == [
        (seq, text, alice.name) for seq, text in zip([1, 2, 3], texts, strict=True)
    ]
    assert welcome["lastSeq"] == 3

    await bob_room.send({"type": "read", "seq": 2})
    assert await next_unread(bob_presence, room_id, lastSeq=3, count=1)
    await bob_room.close()

    # A reconnect from the read marker replays only what is still unread.
    bob_room, welcome = await open_dm(bob, room_id, since=2)
    assert [m["seq"] for m in welcome["history"]] == [3]
    await bob_room.send({"type": "read", "seq": 3})
    assert await next_unread(bob_presence, room_id, lastSeq=3, count=0)
    await bob_room.close()
    await bob_presence.close()

    bob_presence = await bob.presence()
    assert entry_for(bob_presence.unread, room_id) is None
    await bob_presence.close()


async def test_online_recipient_without_a_window_hears_of_each_new_dm(person):
    alice, bob = await person("live"), await person("live")
    room_id = await dm_room(alice, bob)
    bob_tab, bob_phone = await bob.presence(), await bob.presence()
    alice_presence = await alice.presence()
    alice_room, _ = await open_dm(alice, room_id)

    await send_chats(alice_room, ["hi"])
    for socket in (bob_tab, bob_phone):
        assert await next_unread(socket, room_id, lastSeq=1) == {"roomId": room_id, "count": 1, "lastSeq": 1}
    await send_chats(alice_room, ["still there?"], prefix="again")
    assert await next_unread(bob_tab, room_id, lastSeq=2) == {"roomId": room_id, "count": 2, "lastSeq": 2}

    # Bob answers from a window: his own message is not unread for him, and Alice hears of it.
    bob_room, _ = await open_dm(bob, room_id, since=0)
    await send_chats(bob_room, ["yes!"], prefix="bob")
    assert await next_unread(alice_presence, room_id, lastSeq=3) == {"roomId": room_id, "count": 1, "lastSeq": 3}
    await bob_room.send({"type": "read", "seq": 3})
    for socket in (bob_tab, bob_phone):
        assert await next_unread(socket, room_id, lastSeq=3) == {"roomId": room_id, "count": 0, "lastSeq": 3}

    for socket in (alice_room, bob_room, bob_tab, bob_phone, alice_presence):
        await socket.close()


async def test_public_room_messages_send_no_live_unread(person):
    alice, bob = await person("pub"), await person("pub")
    room_id = f"{alice.name}-room"
    assert (await alice.call("POST", "/api/rooms", {"id": room_id, "name": "Pub"})).status_code == 201
    bob_presence = await bob.presence()
    bob_room, _ = await open_dm(bob, room_id)
    alice_room, _ = await open_dm(alice, room_id)
    await send_chats(alice_room, ["hello room"])
    await bob_room.expect("chat", text="hello room")
    # A read there does update Bob's own count (he has a marker now); the message itself did not.
    await bob_room.send({"type": "read", "seq": 1})
    assert await next_unread(bob_presence, room_id) == {"roomId": room_id, "count": 0, "lastSeq": 1}
    for socket in (alice_room, bob_room, bob_presence):
        await socket.close()
