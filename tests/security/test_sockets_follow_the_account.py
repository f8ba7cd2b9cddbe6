"""Finding 7 and the socket parts of finding 8: a socket follows its
account's revocation epoch even when the revoke event is lost; a foreign Host
is refused at the handshake; a blocked user sees the blocker offline in
member lists and join frames."""

import asyncio
import socket

from django.conf import settings
from websockets.asyncio.client import connect

from messenger.models import Profile
from tests.wsclient import Socket, joined, new_room, open_room, run


def test_a_socket_whose_revoke_event_was_lost_closes_on_its_next_heartbeat(daphne_server, signed_in):
    user, client = signed_in("ep")
    room_id = new_room(client)

    async def scenario():
        room, _ = await joined(daphne_server.ws_url, room_id, client.token)
        await room.send({"type": "ping", "nonce": "before"})
        await room.expect("pong", nonce="before")
        # Revoked in the database only: no event reaches the socket.
        await _bump_epoch(user.pk)
        await asyncio.sleep(settings.SOCKET_EPOCH_TTL_S + 0.5)
        await room.send({"type": "ping", "nonce": "after"})
        code = await room.close_code()
        return code

    assert run(scenario()) == 4401


def test_a_write_after_a_lost_revoke_is_refused_and_not_stored(daphne_server, signed_in):
    user, client = signed_in("ew")
    _, other = signed_in("ev")
    room_id = new_room(other)

    async def scenario():
        room, _ = await joined(daphne_server.ws_url, room_id, client.token)
        await _bump_epoch(user.pk)
        await asyncio.sleep(settings.SOCKET_EPOCH_TTL_S + 0.5)
        await room.send({"type": "chat", "clientId": "late", "text": "should not be stored"})
        return await room.close_code()

    assert run(scenario()) == 4401
    stored = other.get(f"/api/rooms/{room_id}/messages").json()["data"]["messages"]
    assert stored == []


async def _bump_epoch(user_id: int) -> None:
    from django.db.models import F

    from tests.wsclient import blocking

    await blocking(lambda: Profile.objects.filter(user_id=user_id).update(token_epoch=F("token_epoch") + 1))


def test_a_foreign_host_is_refused_at_the_handshake(daphne_server, signed_in):
    _, client = signed_in("fh")
    room_id = new_room(client)

    async def scenario(host: str) -> int:
        # The URL names the foreign host (one Host header, with an Origin that
        # matches it); the TCP connection goes to the test server.
        sock = socket.create_connection(("127.0.0.1", daphne_server.port))
        ws = await connect(
            f"ws://{host}:{daphne_server.port}/api/ws/room/{room_id}", sock=sock,
            additional_headers={"Authorization": f"Bearer {client.token}", "Origin": f"http://{host}:{daphne_server.port}"},
        )
        return await Socket(ws).close_code()

    assert run(scenario("evil.example")) == 4403

    async def control() -> str:
        room = await open_room(daphne_server.ws_url, room_id, client.token)
        return (await room.recv())["type"]

    assert run(control()) == "welcome"


def test_a_blocked_user_sees_the_blocker_offline_in_members_and_joins(daphne_server, signed_in):
    blocker, blocker_api = signed_in("bk")
    blocked, blocked_api = signed_in("bd")
    room_id = new_room(blocker_api)
    assert blocker_api.post(f"/api/contacts/{blocked.username}/block").status_code == 200

    async def scenario():
        first, _ = await joined(daphne_server.ws_url, room_id, blocker_api.token)
        theirs, welcome = await joined(daphne_server.ws_url, room_id, blocked_api.token)
        listed = next(m for m in welcome["members"] if m["id"] == blocker.username)
        await first.close()
        await theirs.expect("leave")
        again, _ = await joined(daphne_server.ws_url, room_id, blocker_api.token)
        join = await theirs.expect("join")
        await again.send({"type": "chat", "clientId": "c", "text": "hello room"})
        chat = await theirs.expect("chat", clientId="c")
        await again.close()
        await theirs.close()
        return listed, join, chat

    listed, join, chat = run(scenario())
    assert listed["status"] == "offline"
    assert join["user"]["id"] == blocker.username and join["user"]["status"] == "offline"
    assert chat["sender"]["status"] == "offline"
