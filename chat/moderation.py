"""Room and message moderation: kick, lock and unlock, delete a message,
clear a room. Each does the change, acts on live sockets on every process
(through the channel layer) and writes its audit record in the same
transaction (messenger.operations.moderation.moderation_record).

Every function returns what it changed (True / a count); a no-op (locking a
locked room, deleting a deleted message) writes no record.
"""

from asgiref.sync import async_to_sync
from django.db import transaction

from messenger import errors
from messenger.operations.moderation import moderation_record
from messenger.platform import fanout

from .models import Message, Room


def kick_event(room_id: str) -> dict:
    """Handled by the room socket (`room_kick`): it closes with 4000 if it is in that room."""
    return {"type": "room.kick", "room": room_id, "code": errors.CLOSE_KICKED}


def user_kick(*, moderator, room: Room, user, reason: str = "") -> bool:
    """Close the user's sockets in this room (4000) on every process. They may
    come back. Kicking someone who is not there is harmless: no socket matches."""
    room_id = room.pk
    with transaction.atomic():
        moderation_record(
            moderator=moderator,
            action="user_kick",
            target_type="user",
            target_id=user.pk,
            target_label=user.username,
            reason=reason,
            room=room_id,
        )
        transaction.on_commit(lambda: fanout.group_send_sync(fanout.user_group(user.pk), kick_event(room_id)))
    return True


def _flag_room(*, moderator, room: Room, locked: bool, reason: str) -> bool:
    with transaction.atomic():
        if not Room.objects.filter(pk=room.pk).exclude(locked=locked).update(locked=locked):
            return False
        moderation_record(
            moderator=moderator,
            action="room_lock" if locked else "room_unlock",
            target_type="room",
            target_id=room.pk,
            target_label=room.name,
            reason=reason,
        )
    return True


def room_lock(*, moderator, room: Room, reason: str = "") -> bool:
    """Writes get ROOM_LOCKED at once: the room row is read under its lock on every write."""
    return _flag_room(moderator=moderator, room=room, locked=True, reason=reason)


def room_unlock(*, moderator, room: Room, reason: str = "") -> bool:
    return _flag_room(moderator=moderator, room=room, locked=False, reason=reason)


def message_delete(*, moderator, message: Message, reason: str = "") -> bool:
    """A `delete` frame to the room; gone from history and replay."""
    with transaction.atomic():
        fresh = Message.objects.select_for_update().filter(pk=message.pk, deleted=False).first()
        if fresh is None:
            return False
        Message.objects.filter(pk=fresh.pk).update(deleted=True)
        room_id, seq = fresh.room_id, fresh.seq
        transaction.on_commit(
            lambda: fanout.group_send_sync(fanout.room_group(room_id), fanout.frame_event({"type": "delete", "seq": seq}))
        )
        moderation_record(
            moderator=moderator,
            action="message_delete",
            target_type="message",
            target_id=fresh.pk,
            target_label=f"{fresh.room_id}#{fresh.seq}",
            reason=reason,
            room=fresh.room_id,
            seq=fresh.seq,
            senderId=fresh.sender_id,
        )
    return True


def room_clear(*, moderator, room: Room, reason: str = "") -> int:
    """Delete every visible message of the room (one `delete` frame each); returns how many."""
    with transaction.atomic():
        seqs = list(Message.objects.filter(room=room, deleted=False).order_by("seq").values_list("seq", flat=True))
        if not seqs:
            return 0
        Message.objects.filter(room=room, seq__in=seqs).update(deleted=True)
        moderation_record(
            moderator=moderator,
            action="room_clear",
            target_type="room",
            target_id=room.pk,
            target_label=room.name,
            reason=reason,
            messages=len(seqs),
            firstSeq=seqs[0],
            lastSeq=seqs[-1],
        )
        room_id = room.pk
        transaction.on_commit(lambda: _announce_deletes(room_id, seqs))
    return len(seqs)


def _announce_deletes(room_id: str, seqs: list[int]) -> None:
    async def send_all():
        group = fanout.room_group(room_id)
        for seq in seqs:
            await fanout.group_send(group, fanout.frame_event({"type": "delete", "seq": seq}))

    async_to_sync(send_all)()
