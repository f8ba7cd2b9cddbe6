"""Fan-out to sockets on every process, through the channel layer.

Group names come from here, so chat, presence and bots agree on them. A
frame that goes to many sockets is serialised once (`frame_event`) and the
consumers send the bytes as they are.
"""

import time

import orjson
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from messenger.platform import metrics


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def room_group(room_id: str) -> str:
    return f"room.{room_id}"


def presence_group(user_id: int) -> str:
    """The user's presence sockets only (room sockets are in user_group too)."""
    return f"presence.{user_id}"


def frame_event(frame: dict, **extra) -> dict:
    """A channel-layer event that carries a ready-to-send frame."""
    # sentAt: wall-clock time, so a consumer on any process can observe fan-out latency (messenger.platform.metrics).
    return {"type": "frame.out", "text": orjson.dumps(frame).decode(), "sentAt": time.time(), **extra}


async def group_send(group: str, event: dict) -> None:
    try:
        # The group's name rides along: a process hears many groups on one channel (messenger.realtime.user_groups).
        await get_channel_layer().group_send(group, {**event, "group": group})
    except Exception:
        metrics.CHANNEL_LAYER_ERRORS.inc()
        raise


def group_send_sync(group: str, event: dict) -> None:
    async_to_sync(group_send)(group, event)


def revoke_event(*, token_hash: str = "", code: int = 4401, reason: str = "revoked") -> dict:
    """Close the user's sockets: those of one token, or all when token_hash is empty."""
    return {"type": "auth.revoked", "token": token_hash, "code": code, "reason": reason}
