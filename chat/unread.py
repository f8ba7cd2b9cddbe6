"""Live `unread` frames on presence sockets (docs/PRESENCE.md, extension).

A user who is online without the DM's window open hears of a new DM at once,
and a `read` on one socket updates the counts the user's other clients show.
The frames go to messenger.platform.fanout.presence_group, so chat never imports
presence.
"""


from messenger.platform import db_async, fanout

from . import ids, selectors


async def _send(user_id: int, entry: dict) -> None:
    frame = {"type": "unread", "rooms": [entry]}
    await fanout.group_send(fanout.presence_group(user_id), fanout.frame_event(frame))


def _recipient_entry(room_id: str, sender_id: int) -> tuple[int, dict] | None:
    other_id = selectors.dm_partner_id(room_id=room_id, user_id=sender_id)
    if other_id is None:
        return None
    return other_id, selectors.unread_entry(user_id=other_id, room_id=room_id)


async def dm_message_notify(*, room_id: str, sender) -> None:
    """A message was stored: in a DM, the other participant gets the room's unread entry."""
    # Public rooms: no trip to a database thread on every message.
    if not ids.is_dm(room_id):
        return
    found = await db_async.run(_recipient_entry, room_id, sender.pk)
    if found is not None:
        await _send(*found)


async def reader_notify(*, user_id: int, room_id: str) -> None:
    """The user's read marker moved: their presence sockets get the room's new entry."""
    entry = await db_async.run(selectors.unread_entry, user_id=user_id, room_id=room_id)
    await _send(user_id, entry)
