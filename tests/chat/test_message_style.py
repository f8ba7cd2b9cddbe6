"""The optional `style` of a chat message (MSN's one font style per message):
validated strictly, stored with the message, sent in `chat` frames, history
and replay; absent, nothing changes for old clients."""

import pytest

from tests.wsclient import joined, new_room, run

STYLE = {"color": "#C0FFEE", "bold": True, "italic": False}
STORED = {"color": "#c0ffee", "bold": True, "italic": False}


def test_a_style_travels_to_the_room_history_and_replay(daphne_server, signed_in):
    _, alice_api = signed_in("alice")
    _, bob_api = signed_in("bob")
    room_id = new_room(alice_api)

    async def scenario():
        alice, _ = await joined(daphne_server.ws_url, room_id, alice_api.token)
        bob, _ = await joined(daphne_server.ws_url, room_id, bob_api.token)
        await alice.send({"type": "chat", "clientId": "styled", "text": "in colour", "style": STYLE})
        await alice.send({"type": "chat", "clientId": "plain", "text": "plain"})
        await alice.expect("ack", clientId="plain")
        live = await bob.chats(2)
        await bob.close()
        replayer, welcome = await joined(daphne_server.ws_url, room_id, bob_api.token, since=0)
        await replayer.close()
        await alice.close()
        return live, welcome

    live, welcome = run(scenario())
    assert live[0]["style"] == STORED
    assert "style" not in live[1]
    assert [m.get("style") for m in welcome["history"]] == [STORED, None]
    history = alice_api.get(f"/api/rooms/{room_id}/messages").json()["data"]["messages"]
    assert [m.get("style") for m in history] == [STORED, None]


def test_partial_style_is_completed_with_msn_defaults(daphne_server, signed_in):
    _, client = signed_in()
    room_id = new_room(client)

    async def scenario():
        socket, _ = await joined(daphne_server.ws_url, room_id, client.token)
        await socket.send({"type": "chat", "clientId": "i", "text": "slanted", "style": {"italic": True}})
        frame = await socket.next(lambda f: f["type"] == "chat")
        await socket.close()
        return frame

    assert run(scenario())["style"] == {"color": "#000000", "bold": False, "italic": True}


@pytest.mark.parametrize(
    "style",
    [
        {"color": "red"},
        {"color": "#12345"},
        {"color": "#1234567"},
        {"bold": "yes"},
        {"bold": 1},
        {"italic": None},
        {"font": "Comic Sans MS"},
        "bold",
        ["#000000"],
    ],
)
def test_a_bad_style_is_invalid_message_and_stores_nothing(daphne_server, signed_in, style):
    _, client = signed_in()
    room_id = new_room(client)

    async def scenario():
        socket, _ = await joined(daphne_server.ws_url, room_id, client.token)
        await socket.send({"type": "chat", "clientId": "bad", "text": "hi", "style": style})
        error = await socket.expect("error")
        await socket.close()
        return error

    error = run(scenario())
    assert error["code"] == "INVALID_MESSAGE" and error["clientId"] == "bad"
    assert error["message"].startswith(("style", "color", "bold", "italic", "font"))
    assert client.get(f"/api/rooms/{room_id}/messages").json()["data"]["messages"] == []
