"""Finding 1 (high): a DM belongs to its participants' user ids, not to the
usernames in its id. Someone who comes to hold a deleted participant's name
reads nothing of the old conversation, and DM ids work for every valid name."""

import importlib

import pytest
from django.contrib.auth import get_user_model
from django.db import connections

from chat import ids
from chat.models import Message, ReadMarker, Room
from conftest import DEMO_PASSWORD, unique_name
from messenger.models import Profile
from tests.wsclient import joined, open_presence, open_room, run


def _legacy_holder(username: str):
    """An account holding a deleted account's name, made the way registration
    made them before names were retired (the ORM, past every check)."""
    user = get_user_model().objects.create_user(username=username, password=DEMO_PASSWORD)
    Profile.objects.create(user=user, display_name="Impostor")
    return user


def test_an_account_with_a_reused_name_reads_nothing_of_the_old_dm(daphne_server, signed_in, api):
    alice, alice_api = signed_in("alice")
    bob, bob_api = signed_in("bob")
    dm = bob_api.post("/api/dm", {"username": alice.username}).json()["data"]["room"]["id"]
    assert dm == ids.dm_room_id(alice.username, bob.username)

    async def say(token, text):
        room, _ = await joined(daphne_server.ws_url, dm, token)
        await room.send({"type": "chat", "clientId": "c1", "text": text})
        await room.expect("ack", clientId="c1")
        await room.close()

    run(say(alice_api.token, "the door code is 4711"))
    assert bob_api.delete("/api/auth/me", json={"password": DEMO_PASSWORD}).status_code == 200
    # Registration never hands the name out again...
    body = {"username": bob.username, "password": "plenty-long-and-odd-42", "displayName": "Not Bob"}
    again = api().post("/api/auth/register", body)
    assert again.status_code == 409 and again.json()["error"]["field"] == "username", again.text
    # ...and an account that came to hold it before names were retired still reads nothing.
    impostor = _legacy_holder(bob.username)
    connections.close_all()
    intruder = api()
    intruder.login(impostor.username)

    history = intruder.get(f"/api/rooms/{dm}/messages")
    assert history.status_code == 403, history.text
    assert intruder.post("/api/dm", {"username": alice.username}).status_code == 403

    async def socket_and_unread():
        room = await open_room(daphne_server.ws_url, dm, intruder.token)
        code = await room.close_code()
        presence = await open_presence(daphne_server.ws_url, intruder.token)
        await presence.close()
        return code, presence.unread

    code, unread = run(socket_and_unread())
    assert code == 4403
    assert all(entry["roomId"] != dm for entry in unread["rooms"])
    assert "4711" not in history.text


def test_dm_ids_work_for_names_ending_in_an_underscore(daphne_server, make_user, api):
    base = unique_name("ul")
    first = make_user(f"{base}a_")  # make_user adds a unique suffix, so rename to end in "_"
    get_user_model().objects.filter(pk=first.pk).update(username=f"{base}a_")
    second = make_user(f"{base}b")
    first.refresh_from_db()
    room_id = ids.dm_room_id(first.username, second.username)
    assert "_____" in room_id  # the name's "_" runs into the separator
    one, two = api(), api()
    one.login(first.username)
    two.login(second.username)
    assert one.post("/api/dm", {"username": second.username}).json()["data"]["room"]["id"] == room_id

    async def scenario():
        a, _ = await joined(daphne_server.ws_url, room_id, one.token)
        b, _ = await joined(daphne_server.ws_url, room_id, two.token)
        await a.send({"type": "chat", "clientId": "x", "text": "hello underscore"})
        got = await b.expect("chat", clientId="x")
        await a.close()
        await b.close()
        return got

    assert run(scenario())["text"] == "hello underscore"


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_history_and_refuses_a_later_holder_of_a_name(make_user):
    backfill = importlib.import_module("chat.migrations.0003_dm_participants_backfill").backfill
    from django.apps import apps

    alice, bob = make_user("mga"), make_user("mgb")
    legacy_id = ids.dm_room_id(alice.username, bob.username)
    room = Room.objects.create(pk=legacy_id, name="legacy", kind=Room.KIND_DM, last_seq=2)
    Message.objects.create(room=room, seq=1, sender=alice, client_id="a", text="one", ts=1)
    Message.objects.create(room=room, seq=2, sender=bob, client_id="b", text="two", ts=2)
    # A deleted participant's name taken after the room existed.
    carol, dave = make_user("mgc"), make_user("mgd")
    reused_id = ids.dm_room_id(carol.username, dave.username)
    reused = Room.objects.create(pk=reused_id, name="reused", kind=Room.KIND_DM)
    get_user_model().objects.filter(pk=dave.pk).update(date_joined=reused.created_at.replace(year=2099))
    ReadMarker.objects.create(user=dave, room=reused, last_read_seq=0)

    backfill(apps, None)

    room.refresh_from_db()
    assert (room.dm_first_id, room.dm_second_id) == tuple(sorted((alice.pk, bob.pk)))
    assert room.last_seq == 2 and list(room.messages.order_by("seq").values_list("text", flat=True)) == ["one", "two"]
    reused.refresh_from_db()
    assert (reused.dm_first_id, reused.dm_second_id) == (carol.pk, None)
    assert not ReadMarker.objects.filter(room=reused, user=dave).exists()


def test_a_stranger_cannot_enter_a_dm_by_its_id(daphne_server, signed_in):
    alice, alice_api = signed_in("sa")
    bob, _ = signed_in("sb")
    dm = alice_api.post("/api/dm", {"username": bob.username}).json()["data"]["room"]["id"]
    _, stranger = signed_in("sc")
    assert stranger.get(f"/api/rooms/{dm}/messages").status_code == 403

    async def scenario():
        return await (await open_room(daphne_server.ws_url, dm, stranger.token)).close_code()

    assert run(scenario()) == 4403


