"""Findings 4 and 5: one person cannot exhaust what everyone shares: the
bots' daily pool, room creation, the room list."""

import asyncio
import itertools

from django.contrib.auth import get_user_model

from chat.models import Room
from conftest import Api, unique_name
from messenger.models import Profile
from tests.bots.conftest import bot_chat_from, welcomed_room
from tests.wsclient import blocking, joined, new_room, open_room, run

_ids = itertools.count(1)


def _bot_env(fake, **extra) -> dict:
    return {"BOT_INFERENCE_URL": fake.openai_url, "BOT_API_STYLE": "openai", **extra}


async def _ask(socket, handle: str, text: str = "hi") -> dict:
    """Mention the bot; its reply, or the error frame that refused it."""
    client_id = f"q-{next(_ids)}"
    await socket.send({"type": "chat", "clientId": client_id, "text": f"@{handle} {text}"})
    return await socket.next(
        lambda f: bot_chat_from(handle)(f) or (f["type"] == "error" and f.get("clientId") == client_id)
    )


async def test_one_user_cannot_put_the_bots_to_sleep_for_another(bot_servers, inference_server, scene, make_user):
    from bots import quota

    server = await blocking(bot_servers.get, **_bot_env(inference_server, BOT_DAILY_QUOTA=6, BOT_USER_DAILY_QUOTA=2))
    s = await scene(server)
    await blocking(quota.reset)
    hog = await s.room()
    try:
        assert (await _ask(hog, s.handle))["type"] == "chat"
        assert (await _ask(hog, s.handle))["type"] == "chat"
        refused = await _ask(hog, s.handle)
        assert refused["code"] == "RATE_LIMITED" and refused["retryAfterMs"] > 0
        assert inference_server.call_count() == 2

        other = await blocking(make_user, "other")
        other_api = Api(server.url)
        await blocking(other_api.login, other.username)
        theirs = await welcomed_room(server.ws_url, other_api.token, s.room_id)
        assert (await _ask(theirs, s.handle))["type"] == "chat"
        await theirs.close()
        bots = (await blocking(s.client.get, "/api/bots")).json()["data"]["bots"]
        assert next(b for b in bots if b["user"]["id"] == s.handle)["sleeping"] is False
    finally:
        await hog.close()
        await blocking(quota.reset)


async def test_a_message_wakes_at_most_one_bot_in_a_public_room(bot_servers, inference_server, scene, make_bot):
    server = await blocking(bot_servers.get, **_bot_env(inference_server))
    s = await scene(server)
    second = await blocking(make_bot, "clippy")
    second_handle = await blocking(lambda: second.user.username)
    socket = await s.room()
    try:
        await socket.send({"type": "chat", "clientId": "two", "text": f"@{s.handle} @{second_handle} both of you?"})
        await socket.next(bot_chat_from(s.handle))
        extra = await socket.frames_within(2.0)
        assert not [f for f in extra if f["type"] == "chat" and f["sender"]["id"] == second_handle]
    finally:
        await socket.close()


async def test_a_muted_bot_stays_silent(bot_servers, inference_server, scene):
    server = await blocking(bot_servers.get, **_bot_env(inference_server))
    s = await scene(server)
    await blocking(lambda: Profile.objects.filter(user__username=s.handle).update(muted=True))
    calls = inference_server.call_count()
    socket = await s.room()
    dm = await s.dm()
    try:
        await socket.send({"type": "chat", "clientId": "m1", "text": f"@{s.handle} are you there?"})
        await dm.send({"type": "chat", "clientId": "m2", "text": "are you there?"})
        heard = await socket.frames_within(2.0) + await dm.frames_within(0.5)
        assert not [f for f in heard if f["type"] in ("chat", "typing") and f.get("sender", f.get("user"))["id"] == s.handle]
        assert inference_server.call_count() == calls
    finally:
        await socket.close()
        await dm.close()


def test_room_creation_is_limited_per_person(daphne_server, signed_in, start_server):
    server = start_server("rooms", env={"ROOM_CREATE_DAILY_LIMIT": "3", "ROOM_OWNED_MAX": "100"})
    user, _ = signed_in("rc")
    client = Api(server.url)
    client.login(user.username)
    made = [client.post("/api/rooms", {"id": unique_name("rf"), "name": "flood"}) for _ in range(5)]
    assert [r.status_code for r in made] == [201, 201, 201, 429, 429]
    refused = made[-1]
    assert refused.json()["error"]["code"] == "RATE_LIMITED"
    # The real wait: the oldest of the three frees its slot 24 h after it was made.
    assert 86000 < int(refused.headers["Retry-After"]) <= 86400


def test_rooms_owned_are_capped_and_archiving_frees_a_slot(daphne_server, signed_in, start_server):
    server = start_server("owned", env={"ROOM_CREATE_DAILY_LIMIT": "100", "ROOM_OWNED_MAX": "2"})
    user, _ = signed_in("ro")
    client = Api(server.url)
    client.login(user.username)
    first, second = new_room(client), new_room(client)
    third = client.post("/api/rooms", {"id": unique_name("ro"), "name": "third"})
    assert third.status_code == 403 and "archive one" in third.json()["error"]["message"]
    assert client.post(f"/api/rooms/{first}/archive").status_code == 200
    assert client.post("/api/rooms", {"id": unique_name("ro"), "name": "third"}).status_code == 201
    assert second


def test_room_list_is_paged_with_a_cursor(daphne_server, signed_in):
    _, client = signed_in("rp")
    for _ in range(3):
        new_room(client)
    seen, cursor, pages = [], "", 0
    while True:
        body = client.get("/api/rooms", params={"limit": 2, "cursor": cursor}).json()["data"]
        assert len(body["rooms"]) <= 2
        seen += [room["id"] for room in body["rooms"]]
        pages += 1
        cursor = body["nextCursor"]
        if cursor is None:
            break
    assert seen == sorted(seen) and len(seen) == len(set(seen))
    assert seen == list(Room.objects.filter(kind="public", archived=False).order_by("id").values_list("id", flat=True))
    assert pages >= 2
    assert client.get("/api/rooms", params={"limit": 101}).status_code == 400
    assert client.get("/api/rooms", params={"cursor": "../x"}).status_code == 400


def test_owner_archives_others_cannot_and_moderators_delete(daphne_server, signed_in):
    owner, owner_api = signed_in("ow")
    _, other_api = signed_in("ot")
    room_id = new_room(owner_api)

    async def open_then_archive():
        socket, _ = await joined(daphne_server.ws_url, room_id, other_api.token)
        assert (await blocking(other_api.post, f"/api/rooms/{room_id}/archive")).status_code == 403
        assert (await blocking(owner_api.post, f"/api/rooms/{room_id}/archive")).status_code == 200
        closed = await socket.close_code()
        late = await (await open_room(daphne_server.ws_url, room_id, other_api.token)).close_code()
        return closed, late

    assert run(open_then_archive()) == (4404, 4404)
    listed = [r["id"] for r in owner_api.get("/api/rooms", params={"cursor": room_id[:-1]}).json()["data"]["rooms"]]
    assert room_id not in listed
    assert owner_api.delete(f"/api/rooms/{room_id}").status_code == 403

    moderator = signed_in("mod")
    get_user_model().objects.filter(pk=moderator[0].pk).update(is_staff=True)
    assert moderator[1].delete(f"/api/rooms/{room_id}").status_code == 200
    assert not Room.objects.filter(pk=room_id).exists()


def test_typing_obeys_mute_lock_and_block(daphne_server, signed_in):
    speaker, speaker_api = signed_in("ty")
    listener, listener_api = signed_in("tl")
    room_id = new_room(listener_api)
    dm = listener_api.post("/api/dm", {"username": speaker.username}).json()["data"]["room"]["id"]

    async def typing_reaches_listener(room: str) -> tuple[dict | None, list[dict]]:
        mine, _ = await joined(daphne_server.ws_url, room, speaker_api.token)
        theirs, _ = await joined(daphne_server.ws_url, room, listener_api.token)
        await mine.send({"type": "typing", "typing": True})
        answer = await mine.frames_within(1.0)
        heard = await theirs.frames_within(0.5)
        await mine.close()
        await theirs.close()
        errors = [f for f in answer if f["type"] == "error"]
        return (errors[0] if errors else None), [f for f in heard if f["type"] == "typing"]

    error, heard = run(typing_reaches_listener(room_id))
    assert error is None and heard and heard[0]["user"]["id"] == speaker.username  # the control

    Profile.objects.filter(user=speaker).update(muted=True)
    error, heard = run(typing_reaches_listener(room_id))
    assert error["code"] == "MUTED" and not heard
    Profile.objects.filter(user=speaker).update(muted=False)

    Room.objects.filter(pk=room_id).update(locked=True)
    error, heard = run(typing_reaches_listener(room_id))
    assert error["code"] == "ROOM_LOCKED" and not heard

    async def blocked_typing():
        mine, _ = await joined(daphne_server.ws_url, dm, speaker_api.token)
        theirs, _ = await joined(daphne_server.ws_url, dm, listener_api.token)
        assert (await blocking(listener_api.post, f"/api/contacts/{speaker.username}/block")).status_code == 200
        await mine.send({"type": "typing", "typing": True})
        error = await mine.expect("error")
        heard = [f for f in await theirs.frames_within(1.0) if f["type"] == "typing"]
        await asyncio.gather(mine.close(), theirs.close())
        return error, heard

    error, heard = run(blocked_typing())
    assert error["code"] == "FORBIDDEN" and not heard
