"""Bad frames of issue 3: each gets its error code, stores nothing, and leaves
the socket (and other members) working."""

import json

import pytest

from tests.wsclient import joined, new_room, run

BAD_FRAMES = [
    ("not json at all", "INVALID_MESSAGE"),
    (json.dumps([1, 2, 3]), "INVALID_MESSAGE"),
    (json.dumps("chat"), "INVALID_MESSAGE"),
    (json.dumps({"type": "shout", "text": "hi"}), "UNKNOWN_TYPE"),
    (json.dumps({"type": "chat", "text": "no client id"}), "INVALID_MESSAGE"),
    (json.dumps({"type": "chat", "clientId": 5, "text": "number id"}), "INVALID_MESSAGE"),
    (json.dumps({"type": "chat", "clientId": "c", "text": ""}), "INVALID_MESSAGE"),
    (json.dumps({"type": "chat", "clientId": "c", "text": " \n\t "}), "INVALID_MESSAGE"),
    (json.dumps({"type": "chat", "clientId": "c", "text": "x" * 2049}), "TOO_LONG"),
    (json.dumps({"type": "chat", "clientId": "c", "text": "nul\u0000here"}), "INVALID_MESSAGE"),
    (json.dumps({"type": "chat", "clientId": "c", "text": "bell\u0007"}), "INVALID_MESSAGE"),
    (json.dumps({"type": "chat", "clientId": "c" * 65, "text": "long id"}), "INVALID_MESSAGE"),
    (json.dumps({"type": "wink", "clientId": "c", "winkId": "no-such-wink"}), "INVALID_MESSAGE"),
    (json.dumps({"type": "history", "limit": 0}), "INVALID_MESSAGE"),
    (json.dumps({"type": "history", "limit": 10000}), "INVALID_MESSAGE"),
    (json.dumps({"type": "typing", "typing": "yes"}), "INVALID_MESSAGE"),
    (json.dumps({"type": "read", "seq": "4"}), "INVALID_MESSAGE"),
]


@pytest.mark.parametrize(("raw", "code"), BAD_FRAMES)
def test_bad_frame_gets_its_error_and_changes_nothing(daphne_server, signed_in, raw, code):
    _, client = signed_in()
    room_id = new_room(client)

    async def scenario():
        room, _ = await joined(daphne_server.ws_url, room_id, client.token)
        await room.send(raw)
        error = await room.expect("error")
        await room.send({"type": "chat", "clientId": "after", "text": "still works"})
        ack = await room.expect("ack")
        return error, ack

    error, ack = run(scenario())
    assert error["code"] == code and error["message"]
    assert ack["seq"] == 1
    stored = client.get(f"/api/rooms/{room_id}/messages").json()["data"]["messages"]
    assert [m["text"] for m in stored] == ["still works"]


def test_binary_frame_is_an_error_not_1011(daphne_server, signed_in):
    _, client = signed_in()
    room_id = new_room(client)

    async def scenario():
        room, _ = await joined(daphne_server.ws_url, room_id, client.token)
        await room.send(b"\x00\x01binary")
        return await room.expect("error")

    assert run(scenario())["code"] == "INVALID_MESSAGE"


def test_text_of_exactly_2048_characters_is_accepted(daphne_server, signed_in):
    _, client = signed_in()
    room_id = new_room(client)

    async def scenario():
        room, _ = await joined(daphne_server.ws_url, room_id, client.token)
        await room.send({"type": "chat", "clientId": "max", "text": "é" * 2048})
        return await room.expect("ack")

    assert run(scenario())["seq"] == 1


def test_a_frame_nested_as_deep_as_json_allows_is_an_error_frame_and_no_server_error(daphne_server, signed_in):
    _, client = signed_in()
    room_id = new_room(client)
    deep = '{"type": "chat", "clientId": "deep", "text": ' + "[" * 1000 + '"x"' + "]" * 1000 + "}"

    async def scenario():
        room, _ = await joined(daphne_server.ws_url, room_id, client.token)
        await room.send(deep)
        error = await room.expect("error")
        await room.send({"type": "chat", "clientId": "after", "text": "still here"})
        ack = await room.expect("ack")
        await room.close()
        return error, ack

    error, ack = run(scenario())
    assert error["code"] == "INVALID_MESSAGE" and ack["clientId"] == "after"
    assert "RecursionError" not in daphne_server.log_text()
