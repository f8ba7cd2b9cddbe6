"""Chat x presence helpers: people with presence sockets (tests/presence) and
room sockets (tests/wsclient), plus a reader for `unread` entries."""

from tests.presence.conftest import friends, person  # noqa: F401  (fixtures)
from tests.wsclient import PresenceSocket, joined


async def dm_room(sender, recipient) -> str:
    response = await sender.call("POST", "/api/dm", {"username": recipient.name})
    assert response.status_code == 200, response.text
    return response.json()["data"]["room"]["id"]


async def open_dm(who, room_id: str, server=None, **kwargs):
    """who's room socket on the DM, after its welcome: (Room, welcome)."""
    base = server.ws_url if server else who.api.base_url.replace("http", "ws", 1)
    return await joined(base, room_id, who.api.token, **kwargs)


async def send_chats(room, texts: list[str], prefix: str = "c") -> list[int]:
    """Send each text and wait for its ack; the seqs in order."""
    seqs = []
    for number, text in enumerate(texts):
        client_id = f"{prefix}-{number}"
        await room.send({"type": "chat", "clientId": client_id, "text": text})
        seqs.append((await room.expect("ack", clientId=client_id))["seq"])
    return seqs


def entry_for(frame: dict, room_id: str) -> dict | None:
    return next((room for room in frame["rooms"] if room["roomId"] == room_id), None)


async def next_unread(socket: PresenceSocket, room_id: str, **expected) -> dict:
    """The next live `unread` entry for room_id with these fields (earlier snapshots are skipped)."""
    while True:
        entry = entry_for(await socket.expect("unread"), room_id)
        if entry is not None and all(entry[key] == value for key, value in expected.items()):
            return entry
