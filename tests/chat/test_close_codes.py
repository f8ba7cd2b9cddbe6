"""Every close code of contract 2.1 that the room socket can give."""

import asyncio
import json

import pytest

from tests.wsclient import joined, new_room, open_room, run


def _close_code(url, room_id, token=None, **kwargs) -> int:
    async def scenario():
        room = await open_room(url, room_id, token, **kwargs)
        return await room.close_code()

    return run(scenario())


def test_no_token_or_bad_token_is_4401(daphne_server, signed_in):
    _, client = signed_in()
    room_id = new_room(client)
    assert _close_code(daphne_server.ws_url, room_id) == 4401
    assert _close_code(daphne_server.ws_url, room_id, "not-a-real-token") == 4401


@pytest.mark.parametrize("room_id", ["system_log", "admin_ops"])
def test_reserved_rooms_are_4403(daphne_server, signed_in, room_id):
    _, client = signed_in()
    assert _close_code(daphne_server.ws_url, room_id, client.token) == 4403


def test_dm_of_others_is_4403(daphne_server, signed_in, make_user):
    _, client = signed_in()
    first, second = sorted([make_user("dma").username, make_user("dmb").username])
    assert _close_code(daphne_server.ws_url, f"dm_{first}____{second}", client.token) == 4403


@pytest.mark.parametrize(
    "origin", ["http://evil.example", "null", "http://127.0.0.1:1", "http://localhost.evil.example"]
)
def test_foreign_origins_are_4403(daphne_server, signed_in, origin):
    _, client = signed_in()
    room_id = new_room(client)
    assert _close_code(daphne_server.ws_url, room_id, client.token, headers={"Origin": origin}) == 4403


def test_own_origin_is_accepted(daphne_server, signed_in):
    _, client = signed_in()
    room_id = new_room(client)

    async def scenario():
        _, welcome = await joined(daphne_server.ws_url, room_id, client.token, headers={"Origin": daphne_server.url})
        return welcome

    assert run(scenario())["room"]["id"] == room_id


def test_unknown_room_is_4404(daphne_server, signed_in):
    _, client = signed_in()
    assert _close_code(daphne_server.ws_url, "nothing-here-at-all", client.token) == 4404


def test_frame_over_16_kib_is_1009(daphne_server, signed_in):
    _, client = signed_in()
    room_id = new_room(client)

    async def scenario():
        room, _ = await joined(daphne_server.ws_url, room_id, client.token)
        await room.send(json.dumps({"type": "chat", "clientId": "big", "text": "x" * (16 * 1024 + 1)}))
        return await room.close_code()

    assert run(scenario()) == 1009
    assert client.get(f"/api/rooms/{room_id}/messages").json()["data"]["messages"] == []


def test_one_mib_frame_is_1009(daphne_server, signed_in):
    _, client = signed_in()
    room_id = new_room(client)

    async def scenario():
        room, _ = await joined(daphne_server.ws_url, room_id, client.token)
        await room.send("x" * (1024 * 1024))
        return await room.close_code()

    assert run(scenario()) == 1009


def test_flood_is_4429_and_stores_nothing_beyond_the_limit(daphne_server, signed_in):
    _, client = signed_in()
    room_id = new_room(client)

    async def scenario():
        room, _ = await joined(daphne_server.ws_url, room_id, client.token)
        for n in range(200):
            try:
                await room.send({"type": "ping", "nonce": str(n)})
            except Exception:
                break
        return await room.close_code()

    assert run(scenario()) == 4429


def test_idle_socket_is_4408(transactional_db, start_server):
    server = start_server("idle", env={"WS_IDLE_TIMEOUT_S": "2"})
    api_client = _api(server)
    room_id = new_room(api_client)

    async def scenario():
        room, _ = await joined(server.ws_url, room_id, api_client.token)
        return await asyncio.wait_for(room.close_code(timeout=15), 20)

    assert run(scenario()) == 4408


def _api(server):
    from conftest import Api, unique_name
    from messenger.accounts import services

    user = services.user_create(username=unique_name("idle"), password="correct-horse-1", display_name="Idle")
    client = Api(server.url)
    client.login(user.username)
    return client


def test_logout_closes_the_socket_with_4401(daphne_server, signed_in):
    _, client = signed_in()
    room_id = new_room(client)

    async def scenario():
        room, _ = await joined(daphne_server.ws_url, room_id, client.token)
        response = await asyncio.to_thread(client.post, "/api/auth/logout")
        assert response.status_code == 200
        return await room.close_code(timeout=5)

    assert run(scenario()) == 4401
