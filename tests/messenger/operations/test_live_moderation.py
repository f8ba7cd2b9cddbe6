"""Moderation from the admin's HTTP views, checked on live sockets (contract 2.1, 2.5)."""

from chat.models import Message
from messenger.models import AuditLog, Profile
from tests.admin_session import admin_messages
from tests.wsclient import blocking, joined, new_room, run

USERS = "/admin/auth/user/"
ROOMS = "/admin/chat/room/"
MESSAGES = "/admin/chat/message/"


def audit_actions(target_id) -> list[str]:
    return list(AuditLog.objects.filter(target_id=str(target_id)).order_by("id").values_list("action", flat=True))


def test_ban_closes_every_socket_with_4403_and_is_audited(daphne_server, admin_session, moderator, signed_in):
    user, client = signed_in("banned")
    room_id = new_room(client)

    async def scenario():
        first, _ = await joined(daphne_server.ws_url, room_id, client.token)
        second, _ = await joined(daphne_server.ws_url, room_id, client.token)
        response = admin_session.action(USERS, "ban", [user.pk], reason="spam")
        assert admin_messages(response) == ["Banned 1."]
        return await first.close_code(), await second.close_code()

    assert run(scenario()) == (4403, 4403)
    assert Profile.objects.get(user=user).banned
    record = AuditLog.objects.get(action="user_ban", target_id=str(user.pk))
    assert (record.actor_id, record.actor_label, record.target_label, record.reason) == (
        moderator.pk, moderator.username, user.username, "spam"
    )
    assert client.get("/api/auth/me").status_code == 401
    # A second ban changes nothing and says so; unban lets them sign in again.
    assert admin_messages(admin_session.action(USERS, "ban", [user.pk])) == ["Skipped 1: already banned."]
    admin_session.action(USERS, "unban", [user.pk])
    assert audit_actions(user.pk) == ["user_ban", "user_unban"]
    client.login(user.username)


def test_kick_closes_4000_in_that_room_only(daphne_server, admin_session, signed_in):
    user, client = signed_in("kicked")
    kick_room, other_room = new_room(client), new_room(client)

    async def scenario():
        kicked, _ = await joined(daphne_server.ws_url, kick_room, client.token)
        staying, _ = await joined(daphne_server.ws_url, other_room, client.token)
        response = admin_session.action(ROOMS, "kick", [kick_room], username=user.username, reason="cool off")
        assert admin_messages(response) == [f"Kicked {user.username} from {kick_room}."]
        code = await kicked.close_code()
        await staying.send({"type": "ping", "nonce": "still-here"})
        pong = await staying.expect("pong")
        await staying.close()
        return code, pong["nonce"]

    assert run(scenario()) == (4000, "still-here")
    record = AuditLog.objects.get(action="user_kick", target_id=str(user.pk))
    assert record.details == {"room": kick_room} and record.reason == "cool off"
    response = admin_session.action(ROOMS, "kick", [kick_room], username="no-such-user-x")
    assert admin_messages(response) == ["Kick: type the username of an existing user in the User field."]


def test_mute_refuses_chats_with_MUTED_until_unmuted(daphne_server, admin_session, signed_in):
    user, client = signed_in("muted")
    room_id = new_room(client)

    async def scenario():
        room, _ = await joined(daphne_server.ws_url, room_id, client.token)
        admin_session.action(USERS, "mute", [user.pk])
        await room.send({"type": "chat", "clientId": "m1", "text": "can anyone hear me"})
        refused = await room.expect("error")
        await room.send({"type": "nudge", "clientId": "m2"})
        refused_nudge = await room.expect("error")
        admin_session.action(USERS, "unmute", [user.pk])
        await room.send({"type": "chat", "clientId": "m3", "text": "back"})
        ack = await room.expect("ack")
        await room.close()
        return refused, refused_nudge, ack

    refused, refused_nudge, ack = run(scenario())
    assert (refused["code"], refused["clientId"]) == ("MUTED", "m1")
    assert refused_nudge["code"] == "MUTED"
    assert ack == {"type": "ack", "clientId": "m3", "seq": 1}
    assert audit_actions(user.pk) == ["user_mute", "user_unmute"]


def test_lock_refuses_writes_with_ROOM_LOCKED_until_unlocked(daphne_server, admin_session, signed_in):
    _, client = signed_in("locked")
    room_id = new_room(client)

    async def scenario():
        room, _ = await joined(daphne_server.ws_url, room_id, client.token)
        assert admin_messages(admin_session.action(ROOMS, "lock", [room_id], reason="raid")) == ["Locked 1."]
        await room.send({"type": "chat", "clientId": "l1", "text": "hello?"})
        refused = await room.expect("error")
        await room.send({"type": "wink", "clientId": "l2", "winkId": "heart"})
        refused_wink = await room.expect("error")
        assert admin_messages(admin_session.action(ROOMS, "lock", [room_id])) == ["Skipped 1: already locked."]
        admin_session.action(ROOMS, "unlock", [room_id])
        await room.send({"type": "chat", "clientId": "l3", "text": "open again"})
        ack = await room.expect("ack")
        await room.close()
        return refused, refused_wink, ack

    refused, refused_wink, ack = run(scenario())
    assert (refused["code"], refused["clientId"]) == ("ROOM_LOCKED", "l1")
    assert refused_wink["code"] == "ROOM_LOCKED"
    assert ack["seq"] == 1
    assert audit_actions(room_id) == ["room_lock", "room_unlock"]


def test_delete_asks_first_then_sends_delete_and_leaves_history(daphne_server, admin_session, signed_in):
    _, alice_api = signed_in("alice")
    _, bob_api = signed_in("bob")
    room_id = new_room(alice_api)

    async def scenario():
        alice, _ = await joined(daphne_server.ws_url, room_id, alice_api.token)
        bob, _ = await joined(daphne_server.ws_url, room_id, bob_api.token)
        for n in range(3):
            await alice.send({"type": "chat", "clientId": f"d{n}", "text": f"message {n}"})
            await alice.expect("ack")
        await bob.chats(3)
        doomed = await blocking(lambda: Message.objects.get(room_id=room_id, seq=2))
        page = admin_session.action(MESSAGES, "delete_for_everyone", [doomed.pk])
        assert "Yes, I&#x27;m sure" in page.text or "Yes, I'm sure" in page.text
        assert not (await blocking(lambda: Message.objects.get(pk=doomed.pk))).deleted
        done = admin_session.action(MESSAGES, "delete_for_everyone", [doomed.pk], confirm=True, reason="abuse")
        assert admin_messages(done) == ["Deleted 1."]
        frame = await bob.expect("delete")
        again = admin_session.action(MESSAGES, "delete_for_everyone", [doomed.pk], confirm=True)
        assert admin_messages(again) == ["Skipped 1: already deleted."]
        rejoined, welcome = await joined(daphne_server.ws_url, room_id, bob_api.token, since=0)
        for socket in (alice, bob, rejoined):
            await socket.close()
        return frame, welcome, doomed.pk

    frame, welcome, message_pk = run(scenario())
    assert frame == {"type": "delete", "seq": 2}
    assert [m["seq"] for m in welcome["history"]] == [1, 3]
    history = bob_api.get(f"/api/rooms/{room_id}/messages").json()["data"]["messages"]
    assert [m["seq"] for m in history] == [1, 3]
    assert audit_actions(message_pk) == ["message_delete"]


def test_clear_history_deletes_every_message_live(daphne_server, admin_session, signed_in):
    _, client = signed_in("clear")
    room_id = new_room(client)

    async def scenario():
        room, _ = await joined(daphne_server.ws_url, room_id, client.token)
        for n in range(3):
            await room.send({"type": "chat", "clientId": f"c{n}", "text": f"old {n}"})
            await room.expect("ack")
        admin_session.action(ROOMS, "clear_history", [room_id])
        assert await blocking(lambda: Message.objects.filter(room_id=room_id, deleted=False).count()) == 3
        admin_session.action(ROOMS, "clear_history", [room_id], confirm=True)
        deletes = [(await room.expect("delete"))["seq"] for _ in range(3)]
        await room.close()
        return deletes

    assert run(scenario()) == [1, 2, 3]
    assert client.get(f"/api/rooms/{room_id}/messages").json()["data"]["messages"] == []
    record = AuditLog.objects.get(action="room_clear", target_id=room_id)
    assert record.details == {"messages": 3, "firstSeq": 1, "lastSeq": 3}
