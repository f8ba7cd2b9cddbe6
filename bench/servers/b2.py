"""B2: the daphne floor. daphne serving a bare ASGI callable (no Django, no
Channels, no auth, no channel layer) that accepts every WebSocket and sends
every text frame it receives on /room/<id> to every socket of that room, in
process: B0's protocol, so what separates B2 from B0 is daphne, Twisted and
autobahn, and what separates CFM from B2 is CF Messenger.

Started by bench/servers/launch.py with CF Messenger's daphne options
(messenger.realtime.serving.server_argv) and this application in place of
CF Messenger's; unpatched (B2P, bench/servers/b2p.py, has the library patches).
"""

from collections import defaultdict

rooms: dict[str, set] = defaultdict(set)


async def broadcast(room: set, text: str) -> None:
    for send in list(room):
        await send({"type": "websocket.send", "text": text})


def room_application(deliver):
    """An ASGI application that fans a room's frames out with `deliver(room, text)`."""

    async def application(scope, receive, send):
        if scope["type"] != "websocket":
            await receive()
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        if (await receive())["type"] != "websocket.connect":
            return
        await send({"type": "websocket.accept"})
        room = rooms[scope["path"]]
        room.add(send)
        try:
            while True:
                event = await receive()
                if event["type"] == "websocket.disconnect":
                    return
                text = event.get("text")
                if text is not None:
                    await deliver(room, text)
        finally:
            room.discard(send)

    return application


application = room_application(broadcast)
