"""Chat semantics of contract 2.5 through real daphne and real sockets."""

import asyncio
import time

from tests.wsclient import joined, new_room, run


def _stored(client, room_id) -> list[dict]:
    return client.get(f"/api/rooms/{room_id}/messages?limit=100").json()["data"]["messages"]


def test_idempotent_resend_gets_the_same_seq_and_one_row(daphne_server, signed_in):
    _, client = signed_in()
    room_id = new_room(client)

    async def scenario():
        room, _ = await joined(daphne_server.ws_url, room_id, client.token)
        await room.send({"type": "chat", "clientId": "same", "text": "once"})
        first = await room.expect("ack")
        await room.send({"type": "chat", "clientId": "same", "text": "once"})
        second = await room.expect("ack")
        return first, second

    first, second = run(scenario())
    assert first == second == {"type": "ack", "clientId": "same", "seq": 1}
    assert [m["text"] for m in _stored(client, room_id)] == ["once"]


def test_reconnect_with_since_misses_nothing_and_repeats_nothing(daphne_server, signed_in):
    _, alice = signed_in("alice")
    _, bob = signed_in("bob")
    room_id = new_room(alice)

    async def scenario():
        a, _ = await joined(daphne_server.ws_url, room_id, alice.token)
        b, _ = await joined(daphne_server.ws_url, room_id, bob.token)
        for n in range(3):
            await a.send({"type": "chat", "clientId": f"x{n}", "text": f"m{n}"})
        seen = [c["seq"] for c in await b.chats(3)]
        await b.close()
        for n in range(3, 7):
            await a.send({"type": "chat", "clientId": f"x{n}", "text": f"m{n}"})
            await a.expect("ack", clientId=f"x{n}")
        b2, welcome = await joined(daphne_server.ws_url, room_id, bob.token, since=seen[-1])
        replay = [m["seq"] for m in welcome["history"]]
        await a.send({"type": "chat", "clientId": "x7", "text": "m7"})
        live = [c["seq"] for c in await b2.chats(1)]
        return seen, replay, live, welcome["lastSeq"]

    seen, replay, live, last_seq = run(scenario())
    assert seen == [1, 2, 3]
    assert replay == [4, 5, 6, 7] and last_seq == 7
    assert live == [8]


def test_history_pages_backwards(daphne_server, signed_in):
    _, client = signed_in()
    room_id = new_room(client)

    async def scenario():
        room, _ = await joined(daphne_server.ws_url, room_id, client.token)
        for n in range(7):
            await room.send({"type": "chat", "clientId": f"h{n}", "text": f"h{n}"})
            await room.expect("ack")
        await room.send({"type": "history", "before": 6, "limit": 3})
        page1 = await room.expect("history")
        await room.send({"type": "history", "before": page1["messages"][0]["seq"], "limit": 3})
        page2 = await room.expect("history")
        return page1, page2

    page1, page2 = run(scenario())
    assert [m["seq"] for m in page1["messages"]] == [3, 4, 5] and page1["hasMore"] is True
    assert [m["seq"] for m in page2["messages"]] == [1, 2] and page2["hasMore"] is False
    http = client.get(f"/api/rooms/{room_id}/messages?before=3&limit=1").json()["data"]
    assert [m["seq"] for m in http["messages"]] == [2] and http["hasMore"] is True


def test_exactly_ten_of_a_burst_of_twenty_chats(daphne_server, signed_in):
    _, client = signed_in()
    room_id = new_room(client)

    async def scenario():
        room, _ = await joined(daphne_server.ws_url, room_id, client.token)
        await asyncio.gather(*(room.send({"type": "chat", "clientId": f"b{n}", "text": "burst"}) for n in range(20)))
        acks, limited = [], []
        while len(acks) + len(limited) < 20:
            frame = await room.recv()
            if frame["type"] == "ack":
                acks.append(frame)
            elif frame["type"] == "error":
                limited.append(frame)
        return acks, limited

    acks, limited = run(scenario())
    assert len(acks) == 10 and len(limited) == 10
    assert sorted(a["seq"] for a in acks) == list(range(1, 11))
    assert all(e["code"] == "RATE_LIMITED" and e["retryAfterMs"] > 0 and e["clientId"] for e in limited)
    assert len(_stored(client, room_id)) == 10


def test_nudge_limit_and_wink_play_at(daphne_server, signed_in):
    _, alice = signed_in("alice")
    _, bob = signed_in("bob")
    room_id = new_room(alice)

    async def scenario():
        a, _ = await joined(daphne_server.ws_url, room_id, alice.token)
        b, _ = await joined(daphne_server.ws_url, room_id, bob.token)
        for n in range(4):
            await a.send({"type": "nudge", "clientId": f"n{n}"})
        refused = await a.expect("error")
        nudges = [await b.expect("nudge") for _ in range(3)]
        before = int(time.time() * 1000)
        await a.send({"type": "wink", "clientId": "w1", "winkId": "heart"})
        wink = await b.expect("wink")
        for n in range(3):
            await a.send({"type": "wink", "clientId": f"w{n + 2}", "winkId": "rose"})
        wink_refused = await a.expect("error", clientId="w4")
        return refused, nudges, before, wink, wink_refused

    refused, nudges, before, wink, wink_refused = run(scenario())
    assert refused["code"] == "RATE_LIMITED" and refused["clientId"] == "n3" and refused["retryAfterMs"] > 0
    assert all(n["sender"]["name"] and isinstance(n["ts"], int) for n in nudges)
    assert wink["winkId"] == "heart" and 400 <= wink["playAt"] - wink["ts"] <= 600
    assert wink["ts"] >= before - 1000
    assert wink_refused["code"] == "RATE_LIMITED"


def test_typing_expires_with_a_server_sent_false_and_chat_ends_it(daphne_server, signed_in, settings):
    _, alice = signed_in("alice")
    _, bob = signed_in("bob")
    room_id = new_room(alice)

    async def scenario():
        a, _ = await joined(daphne_server.ws_url, room_id, alice.token)
        b, _ = await joined(daphne_server.ws_url, room_id, bob.token)
        await a.send({"type": "typing", "typing": True})
        on = await b.expect("typing")
        started = time.monotonic()
        off = await b.expect("typing")
        held = time.monotonic() - started
        await a.send({"type": "typing", "typing": True})
        await b.expect("typing", typing=True)
        await a.send({"type": "chat", "clientId": "t1", "text": "done typing"})
        ended = await b.expect("typing")
        chat = await b.expect("chat")
        return on, off, held, ended, chat

    on, off, held, ended, chat = run(scenario())
    assert on["typing"] is True and off["typing"] is False and on["user"]["id"] == off["user"]["id"]
    # TYPING_TTL_S is 1 s in the test settings; the false comes from the server, not the client.
    assert 0.5 <= held <= 5
    assert ended["typing"] is False and chat["text"] == "done typing"


def test_dm_rooms_admit_only_their_two_participants(daphne_server, signed_in):
    alice, alice_api = signed_in("alice")
    bob, bob_api = signed_in("bob")
    _, eve_api = signed_in("eve")
    response = alice_api.post("/api/dm", {"username": bob.username})
    assert response.status_code == 200, response.text
    room = response.json()["data"]["room"]
    first, second = sorted([alice.username, bob.username])
    assert room["id"] == f"dm_{first}____{second}" and room["kind"] == "dm"
    assert bob_api.post("/api/dm", {"username": alice.username}).json()["data"]["room"]["id"] == room["id"]
    assert alice_api.post("/api/dm", {"username": "nobody-here"}).status_code == 404
    assert eve_api.get(f"/api/rooms/{room['id']}/messages").status_code == 403

    async def scenario():
        a, _ = await joined(daphne_server.ws_url, room["id"], alice_api.token)
        b, _ = await joined(daphne_server.ws_url, room["id"], bob_api.token)
        await a.send({"type": "chat", "clientId": "dm1", "text": "psst"})
        return (await b.expect("chat"))["text"]

    assert run(scenario()) == "psst"


def test_rooms_list_create_rules_and_winks(daphne_server, signed_in):
    _, client = signed_in()
    room_id = new_room(client)
    assert client.post("/api/rooms", {"id": room_id, "name": "again"}).status_code == 409
    assert client.post("/api/rooms", {"id": "dm_x", "name": "no"}).status_code == 403
    assert client.post("/api/rooms", {"id": "system_x", "name": "no"}).status_code == 403
    assert client.post("/api/rooms", {"id": "Bad Id!", "name": "no"}).status_code == 400

    async def scenario():
        await joined(daphne_server.ws_url, room_id, client.token)
        return client.get("/api/rooms").json()["data"]["rooms"]

    listed = {room["id"]: room for room in run(scenario())}
    assert listed[room_id]["online"] == 1 and listed[room_id]["kind"] == "public"
    winks = client.get("/api/winks").json()["data"]["winks"]
    assert len(winks) >= 6
    for wink in winks:
        assert wink["url"] == f"/static/winks/{wink['id']}.svg" and wink["durationMs"] > 0
        assert client.get(wink["url"]).status_code == 200
