"""Live `unread` frames across two daphne processes over Redis (production stack only)."""

import pytest

from conftest import production_stack

from .conftest import dm_room, next_unread, open_dm, send_chats

pytestmark = [
    pytest.mark.multiprocess,
    pytest.mark.skipif(not production_stack(), reason="needs Redis shared by two server processes"),
]


async def test_dm_and_read_notices_reach_presence_sockets_on_the_other_process(person, daphne_server, second_server):
    alice, bob = await person("mpu"), await person("mpu")
    room_id = await dm_room(alice, bob)
    bob_presence = await bob.presence(second_server)
    alice_room, _ = await open_dm(alice, room_id, daphne_server)
    await send_chats(alice_room, ["across the cluster"])
    assert await next_unread(bob_presence, room_id, lastSeq=1) == {"roomId": room_id, "count": 1, "lastSeq": 1}

    bob_room, welcome = await open_dm(bob, room_id, daphne_server, since=0)
    assert [m["text"] for m in welcome["history"]] == ["across the cluster"]
    await bob_room.send({"type": "read", "seq": 1})
    assert await next_unread(bob_presence, room_id, count=0) == {"roomId": room_id, "count": 0, "lastSeq": 1}
    for socket in (alice_room, bob_room, bob_presence):
        await socket.close()
