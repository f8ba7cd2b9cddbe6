"""Moderation services: each does the change, acts on live sockets on every
process, and writes an audit record in the same transaction.

This is operator wiring that sits above the apps, like messenger's urls.py:
room and message actions go through chat's own services (a `delete` frame is
chat's to send), so this module imports chat, and chat never imports it.

Every function returns True when it changed something and False when there
was nothing to do (a second ban, an already deleted message): the admin says
so and no audit record is written for a no-op.
"""

import logging

from asgiref.sync import async_to_sync
from django.db import transaction

from chat import services as chat_services
from chat.models import Message, Room

from . import audit, errors, fanout, metrics, services
from .models import Profile

log = logging.getLogger("messenger.moderation")


def _done(*, moderator, action: str, target_type: str, target_id, target_label: str, reason: str, **details) -> None:
    audit.audit_record(
        actor=moderator,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label,
        reason=reason,
        details=details,
    )
    transaction.on_commit(lambda: metrics.MODERATION_ACTIONS.labels(action).inc())
    log.info("moderation", extra={"action": action, "targetType": target_type, "targetId": str(target_id)})


def _flag_user(*, moderator, user, field: str, value: bool, action: str, reason: str) -> bool:
    with transaction.atomic():
        changed = Profile.objects.filter(user=user).exclude(**{field: value}).update(**{field: value})
        if not changed:
            return False
        _done(moderator=moderator, action=action, target_type="user", target_id=user.pk, target_label=user.username, reason=reason)
    return True


# --- users -----------------------------------------------------------------------


def user_ban(*, moderator, user, reason: str = "") -> bool:
    """No new sign-in; every token revoked; every socket closes with 4403 on every process."""
    with transaction.atomic():
        if not _flag_user(moderator=moderator, user=user, field="banned", value=True, action="user_ban", reason=reason):
            return False
        services.tokens_revoke_all(user=user, reason="banned", code=errors.CLOSE_FORBIDDEN)
    return True


def user_unban(*, moderator, user, reason: str = "") -> bool:
    return _flag_user(moderator=moderator, user=user, field="banned", value=False, action="user_unban", reason=reason)


def user_mute(*, moderator, user, reason: str = "") -> bool:
    """The room socket reads the flag on every write, on every process (chat.services)."""
    return _flag_user(moderator=moderator, user=user, field="muted", value=True, action="user_mute", reason=reason)


def user_unmute(*, moderator, user, reason: str = "") -> bool:
    return _flag_user(moderator=moderator, user=user, field="muted", value=False, action="user_unmute", reason=reason)


def kick_event(room_id: str) -> dict:
    """Handled by the room socket (`room_kick`): it closes with 4000 if it is in that room."""
    return {"type": "room.kick", "room": room_id, "code": errors.CLOSE_KICKED}


class NoSuchRoom(Exception):
    pass


def user_kick(*, moderator, user, room_id: str, reason: str = "") -> bool:
    """Close the user's sockets in this room (4000) on every process. They may come back.
    Kicking someone who is not there is harmless: no socket matches."""
    if not room_id or not Room.objects.filter(pk=room_id).exists():
        raise NoSuchRoom(room_id)
    with transaction.atomic():
        _done(
            moderator=moderator, action="user_kick", target_type="user", target_id=user.pk,
            target_label=user.username, reason=reason, room=room_id,
        )
        transaction.on_commit(lambda: fanout.group_send_sync(fanout.user_group(user.pk), kick_event(room_id)))
    return True


def account_delete(*, moderator, user) -> None:
    """Deletion from the admin: the same purge as DELETE /api/auth/me, attributed to the moderator."""
    with audit.acting(moderator):
        services.account_delete(user=user)


# --- rooms and messages ------------------------------------------------------------


def _flag_room(*, moderator, room: Room, locked: bool, reason: str) -> bool:
    with transaction.atomic():
        if not Room.objects.filter(pk=room.pk).exclude(locked=locked).update(locked=locked):
            return False
        _done(
            moderator=moderator, action="room_lock" if locked else "room_unlock", target_type="room",
            target_id=room.pk, target_label=room.name, reason=reason,
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
        chat_services.message_delete(message=fresh)
        _done(
            moderator=moderator, action="message_delete", target_type="message", target_id=fresh.pk,
            target_label=f"{fresh.room_id}#{fresh.seq}", reason=reason,
            room=fresh.room_id, seq=fresh.seq, senderId=fresh.sender_id,
        )
    return True


def room_clear(*, moderator, room: Room, reason: str = "") -> int:
    """Delete every visible message of the room (one `delete` frame each); returns how many."""
    with transaction.atomic():
        seqs = list(Message.objects.filter(room=room, deleted=False).order_by("seq").values_list("seq", flat=True))
        if not seqs:
            return 0
        Message.objects.filter(room=room, seq__in=seqs).update(deleted=True)
        _done(
            moderator=moderator, action="room_clear", target_type="room", target_id=room.pk,
            target_label=room.name, reason=reason, messages=len(seqs), firstSeq=seqs[0], lastSeq=seqs[-1],
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
