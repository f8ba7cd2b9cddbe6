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


def _recipient_entries(room_id: str, sender_id: int) -> list[tuple[int, dict]]:
    if ids.is_group(room_id):
        others = [uid for uid in selectors.conversation_member_ids(room_id) if uid != sender_id]
    else:
        other_id = selectors.dm_partner_id(room_id=room_id, user_id=sender_id)
        others = [] if other_id is None else [other_id]
    return [(uid, selectors.unread_entry(user_id=uid, room_id=room_id)) for uid in others]


async def dm_message_notify(*, room_id: str, sender) -> None:
    """A message was stored: in a DM or group conversation, the other members get the room's unread entry."""
    # Public rooms: no trip to a database thread on every message.
    if not (ids.is_dm(room_id) or ids.is_group(room_id)):
        return
    for entry in await db_async.run(_recipient_entries, room_id, sender.pk):
        await _send(*entry)


async def reader_notify(*, user_id: int, room_id: str) -> None:
    """The user's read marker moved: their presence sockets get the room's new entry."""
    entry = await db_async.run(selectors.unread_entry, user_id=user_id, room_id=room_id)
    await _send(user_id, entry)
