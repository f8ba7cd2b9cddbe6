"""Group conversations (gc_ rooms): MSN's "invite someone to this
conversation", over HTTP and real sockets. Members alone read, join and
replay; blocks hold; the cap holds; leaving closes your sockets there."""

import pytest
from django.conf import settings

from conftest import envelope_error
from tests.wsclient import joined, open_presence, open_room, run


def create(client, *members):
    return client.post("/api/conversations", {"members": list(members)})


def test_three_people_chat_and_a_stranger_is_refused(daphne_server, signed_in):
    alice, alice_api = signed_in("alice")
    bob, bob_api = signed_in("bob")
    carol, carol_api = signed_in("carol")
    _, mallory_api = signed_in("mallory")

    async def scenario():
        bob_presence = await open_presence(daphne_server.ws_url, bob_api.token)
        response = create(alice_api, bob.username)
        assert response.status_code == 201, response.text
        room = response.json()["data"]["room"]
        told = await bob_presence.next(lambda f: f["type"] == "conversation")
        await bob_presence.close()
        a, welcome = await joined(daphne_server.ws_url, room["id"], alice_api.token)
        b, _ = await joined(daphne_server.ws_url, room["id"], bob_api.token)
        await a.send({"type": "chat", "clientId": "a1", "text": "just us two"})
        await b.chats(1)
        invited = alice_api.post(f"/api/conversations/{room['id']}/members", {"username": carol.username})
        assert invited.status_code == 200, invited.text
        added = await b.next(lambda f: f["type"] == "member")
        c, carol_welcome = await joined(daphne_server.ws_url, room["id"], carol_api.token, since=0)
        await c.send({"type": "chat", "clientId": "c1", "text": "hi both"})
        got_a, got_b = await a.chats(2), await b.chats(1)
        refused = await (await open_room(daphne_server.ws_url, room["id"], mallory_api.token)).close_code()
        for socket in (a, b, c):
            await socket.close()
        return room, told, welcome, added, carol_welcome, got_a, got_b, refused

    room, told, welcome, added, carol_welcome, got_a, got_b, refused = run(scenario())
    assert room["id"].startswith("gc_") and room["kind"] == "group"
    assert {m["id"] for m in room["members"]} == {alice.username, bob.username}
    assert told["room"]["id"] == room["id"] and told["by"]["id"] == alice.username
    assert welcome["room"]["kind"] == "group"
    assert added == {"type": "member", "change": "added", "user": added["user"], "by": added["by"]}
    assert added["user"]["id"] == carol.username and added["by"]["id"] == alice.username
    # Carol, invited later, replays what was said before she came.
    assert [m["text"] for m in carol_welcome["history"]] == ["just us two"]
    assert got_a[-1]["text"] == got_b[-1]["text"] == "hi both"
    assert refused == 4403
    envelope_error(mallory_api.get(f"/api/rooms/{room['id']}/messages"), 403, "FORBIDDEN")
    envelope_error(mallory_api.get(f"/api/conversations/{room['id']}"), 403, "FORBIDDEN")
    envelope_error(mallory_api.post(f"/api/conversations/{room['id']}/members", {"username": "x"}), 403, "FORBIDDEN")
    listed = bob_api.get("/api/conversations").json()["data"]["conversations"]
    assert [c["id"] for c in listed] == [room["id"]]


def test_leaving_closes_your_sockets_there_and_tells_the_others(daphne_server, signed_in):
    alice, alice_api = signed_in("alice")
    bob, bob_api = signed_in("bob")
    room_id = create(alice_api, bob.username).json()["data"]["room"]["id"]

    async def scenario():
        a, _ = await joined(daphne_server.ws_url, room_id, alice_api.token)
        b, _ = await joined(daphne_server.ws_url, room_id, bob_api.token)
        left = bob_api.delete(f"/api/conversations/{room_id}/members/me")
        assert left.status_code == 200, left.text
        closed = await b.close_code()
        frame = await a.next(lambda f: f["type"] == "member")
        again = await (await open_room(daphne_server.ws_url, room_id, bob_api.token)).close_code()
        await a.close()
        return closed, frame, again

    closed, frame, again = run(scenario())
    assert closed == 1000
    assert frame["change"] == "left" and frame["user"]["id"] == bob.username
    assert again == 4403
    members = alice_api.get(f"/api/conversations/{room_id}").json()["data"]["room"]["members"]
    assert [m["id"] for m in members] == [alice.username]


def test_a_message_in_a_conversation_is_unread_for_the_others(daphne_server, signed_in):
    _, alice_api = signed_in("alice")
    bob, bob_api = signed_in("bob")
    room_id = create(alice_api, bob.username).json()["data"]["room"]["id"]

    async def scenario():
        presence = await open_presence(daphne_server.ws_url, bob_api.token)
        a, _ = await joined(daphne_server.ws_url, room_id, alice_api.token)
        await a.send({"type": "chat", "clientId": "u1", "text": "are you there?"})
        frame = await presence.next(lambda f: f["type"] == "unread")
        await a.close()
        await presence.close()
        return frame

    assert run(scenario())["rooms"] == [{"roomId": room_id, "count": 1, "lastSeq": 1}]


def test_blocks_hold_in_conversations(signed_in):
    alice, alice_api = signed_in("alice")
    bob, bob_api = signed_in("bob")
    carol, carol_api = signed_in("carol")
    assert carol_api.post(f"/api/contacts/{alice.username}/block").status_code == 200
    # Nobody is put into a conversation with someone who blocked them: not at creation...
    error = envelope_error(create(alice_api, bob.username, carol.username), 403, "FORBIDDEN")
    assert error["field"] == "members"
    # ...and not by an invitation.
    room_id = create(bob_api, alice.username).json()["data"]["room"]["id"]
    envelope_error(bob_api.post(f"/api/conversations/{room_id}/members", {"username": carol.username}), 403, "FORBIDDEN")


def test_bad_requests_name_the_field(signed_in):
    alice, alice_api = signed_in("alice")
    bob, _ = signed_in("bob")
    assert envelope_error(create(alice_api), 400, "INVALID_REQUEST")["field"] == "members"
    assert envelope_error(create(alice_api, alice.username), 400, "INVALID_REQUEST")["field"] == "members"
    assert envelope_error(create(alice_api, "nobody-at-all-here"), 404, "NOT_FOUND")["field"] == "members"
    room_id = create(alice_api, bob.username).json()["data"]["room"]["id"]
    invite = f"/api/conversations/{room_id}/members"
    assert envelope_error(alice_api.post(invite, {"username": bob.username}), 409, "CONFLICT")["field"] == "username"
    assert envelope_error(alice_api.post(invite, {"username": "ghost-user-x"}), 404, "NOT_FOUND")["field"] == "username"
    envelope_error(alice_api.get("/api/conversations/gc_0000000000000000"), 404, "NOT_FOUND")
    envelope_error(alice_api.post("/api/rooms", {"id": "gc_mine", "name": "Mine"}), 403, "FORBIDDEN")


def test_a_conversation_holds_at_most_the_cap(signed_in, make_user, settings_cap=settings.GROUP_MAX_MEMBERS):
    alice, alice_api = signed_in("alice")
    others = [make_user("m") for _ in range(settings_cap)]
    too_many = envelope_error(create(alice_api, *[u.username for u in others]), 400, "INVALID_REQUEST")
    assert str(settings_cap) in too_many["message"]
    room_id = create(alice_api, *[u.username for u in others[: settings_cap - 1]]).json()["data"]["room"]["id"]
    full = alice_api.post(f"/api/conversations/{room_id}/members", {"username": others[-1].username})
    assert envelope_error(full, 409, "CONFLICT")["field"] == "username"


@pytest.mark.parametrize("path", ["/api/conversations/gc_\x00", "/api/conversations/gc_%2e%2e", "/api/conversations/lobby"])
def test_hostile_ids_are_refused_cleanly(signed_in, path):
    _, client = signed_in("h")
    assert client.get(path).status_code in (400, 403, 404)
