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


def _recipient_entry(room_id: str, sender_name: str) -> tuple[int, dict] | None:
    participants = ids.dm_participants(room_id)
    if participants is None:
        return None
    other_name = participants[1] if participants[0] == sender_name else participants[0]
    other_id = selectors.user_id_by_username(other_name)
    if other_id is None:
        return None
    return other_id, selectors.unread_entry(user_id=other_id, room_id=room_id)


async def dm_message_notify(*, room_id: str, sender) -> None:
    """A message was stored: in a DM, the other participant gets the room's unread entry."""
    # Public rooms: no trip to a database thread on every message.
    if ids.dm_participants(room_id) is None:
        return
    found = await db_async.run(_recipient_entry, room_id, sender.username)
    if found is not None:
        await _send(*found)


async def reader_notify(*, user_id: int, room_id: str) -> None:
    """The user's read marker moved: their presence sockets get the room's new entry."""
    entry = await db_async.run(selectors.unread_entry, user_id=user_id, room_id=room_id)
    await _send(user_id, entry)
