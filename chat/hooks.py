"""chat's extension point: what other apps (bots, analytics) hear about.

chat never imports them; they register here in their AppConfig.ready().

* message_stored: `async def cb(message: StoredMessage) -> list[dict]`, awaited
  by chat.services.message_send right after a new chat message is committed
  and broadcast (not for idempotent repeats). Returns frames to send back to
  the sender only (for example an `error` BOT_SLEEPING); must not block: slow
  work is queued.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class StoredMessage:
    room_id: str
    seq: int
    message_id: int
    sender: object  # the User, profile loaded
    text: str
    bot: bool
    frame: dict  # the `chat` frame as broadcast


message_stored: list[Callable[..., Awaitable[list[dict]]]] = []
