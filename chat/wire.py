"""Server frames of the room socket built from rows (contract 2.4 field names)."""

import orjson

from chat.crypto import decrypt_text
from messenger.accounts.users import public_user

from .models import Message, Room

DELETED_SENDER = {
    "id": "deleted",
    "name": "Deleted user",
    "status": "offline",
    "personalMessage": "",
    "avatar": "/static/avatars/duck.svg",
    "bot": False,
}


def room_public(room: Room, *, online: int | None = None) -> dict:
    data = {"id": room.id, "name": room.name, "kind": room.kind, "topic": room.topic}
    if online is not None:
        data["online"] = online
    return data


def chat_frame(message: Message) -> dict:
    """Needs message.sender with its profile loaded (or None for a deleted account)."""
    sender = message.sender
    return {
        "type": "chat",
        "seq": message.seq,
        "id": f"srv-{message.pk}",
        "clientId": message.client_id,
        "roomId": message.room_id,
        "sender": public_user(sender) if sender is not None else DELETED_SENDER,
        "text": decrypt_text(message.text, message.room_id, message.seq),
        "ts": message.ts,
        "bot": message.bot,
        **({"style": orjson.loads(message.style)} if message.style else {}),
    }
