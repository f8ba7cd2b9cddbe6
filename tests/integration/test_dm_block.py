"""A block made while the DM is open stops the blocked user's writes there."""

from tests.wsclient import WAIT_S

from .conftest import dm_room, open_dm, send_chats


async def test_block_stops_the_blocked_users_writes_on_an_open_dm_socket(friends):
    alice, bob = await friends("dmblk")
    room_id = await dm_room(alice, bob)
    alice_room, _ = await open_dm(alice, room_id)
    bob_room, _ = await open_dm(bob, room_id)
    assert await send_chats(alice_room, ["before the block"]) == [1]
    await bob_room.expect("chat", seq=1)

    assert (await bob.call("POST", f"/api/contacts/{alice.name}/block")).status_code == 200
    await alice_room.send({"type": "chat", "clientId": "after", "text": "let me explain"})
    refused = await alice_room.expect("error", clientId="after")
    assert refused["code"] == "FORBIDDEN"
    for frame in ({"type": "nudge", "clientId": "n1"}, {"type": "wink", "clientId": "w1", "winkId": "heart"}):
        await alice_room.send(frame)
        assert (await alice_room.expect("error", clientId=frame["clientId"]))["code"] == "FORBIDDEN"
    # The blocker can still write; the refused chat was never stored, so no seq is skipped.
    assert await send_chats(bob_room, ["goodbye"], prefix="bob") == [2]
    assert (await alice_room.expect("chat", timeout=WAIT_S))["text"] == "goodbye"
    assert all(f["text"] != "let me explain" for f in await bob_room.quiet("chat", 0.5))
    assert (await bob_room.quiet("nudge", 0.5)) == []
    history = (await bob.call("GET", f"/api/rooms/{room_id}/messages")).json()["data"]["messages"]
    assert [m["text"] for m in history] == ["before the block", "goodbye"]

    assert (await bob.call("DELETE", f"/api/contacts/{alice.name}/block")).status_code == 200
    assert await send_chats(alice_room, ["thanks"], prefix="later") == [3]
    for socket in (alice_room, bob_room):
        await socket.close()
