"""Writes of the chat app. Each function does the whole change: the database
write and, after it commits, the frames to the room (consumers and bots never
group_send persisted data themselves)."""

import logging
import math
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from messenger import errors, hooks
from messenger.accounts.users import public_user, users_with_profiles
from messenger.models import Profile
from messenger.operations import analytics
from messenger.operations.moderation import moderation_record
from messenger.platform import db_async, fanout, ratelimit

from . import hooks as chat_hooks
from . import ids, selectors, typing_state, unread, writer
from .models import ConversationMember, ReadMarker, Room
from .wire import chat_frame, room_public

log = logging.getLogger("chat")


class ChatRefused(errors.Refused):
    """A frame the room does not take now: ROOM_LOCKED, MUTED, FORBIDDEN (a DM
    partner's block), or RATE_LIMITED with the wait in retry_after_ms."""

    def __init__(self, code: str, message: str, *, retry_after_ms: int | None = None):
        super().__init__(code, message)
        self.retry_after_ms = retry_after_ms


class RoomRefused(errors.Refused):
    """The user may not enter the room: FORBIDDEN or NOT_FOUND (the socket closes with `close_code`)."""


_WRITE_REFUSALS = {
    errors.ROOM_LOCKED: "This room is locked by a moderator.",
    errors.MUTED: "You are muted.",
    errors.FORBIDDEN: "This user does not take messages from you.",
}


@dataclass(frozen=True)
class SendResult:
    seq: int
    created: bool
    # None for a resend answered from the stored message (message_submit).
    frame: dict | None
    message_id: int | None
    # Frames for the sender alone, from chat.hooks.message_stored callbacks.
    replies: list[dict] = field(default_factory=list)


# --- rooms -------------------------------------------------------------------


def dm_room_ensure(*, user, other) -> Room:
    """The DM room of the two users, created on first ask; RoomRefused when a block forbids it.

    The room is found by the participants' user ids, never by the usernames
    in its id: the id is the contract's `dm_{a}____{b}` of the names they
    hold when it is made, and a username is never given out twice
    (messenger.services), so it keeps naming this pair.
    """
    if user.pk == other.pk:
        raise RoomRefused(errors.NOT_FOUND, "A DM needs two different users.")
    if not hooks.dm_permitted(user, other):
        raise RoomRefused(errors.FORBIDDEN, "This user does not take DMs from you.")
    first_id, second_id = sorted((user.pk, other.pk))
    room = selectors.dm_room_of(first_id, second_id)
    if room is not None:
        return room
    room_id = ids.dm_room_id(user.username, other.username)
    first, second = sorted((user, other), key=lambda u: u.username)
    name = f"{first.profile.display_name} & {second.profile.display_name}"
    try:
        with transaction.atomic():
            return Room.objects.create(
                pk=room_id, name=name[:80], kind=Room.KIND_DM, dm_first_id=first_id, dm_second_id=second_id
            )
    except IntegrityError:
        pass
    # The other participant created it in the same instant, or the id names an
    # older conversation of someone who held one of these usernames before the
    # names were kept from reuse (chat migration 0002 left it to its surviving participant).
    room = selectors.dm_room_of(first_id, second_id)
    if room is None:
        raise RoomRefused(
            errors.FORBIDDEN, f"The room id {room_id} belongs to an earlier conversation of another account."
        )
    return room


def room_enter(*, user, room_id: str) -> Room:
    """The room `user` may join, or RoomRefused with the socket's close code.

    A DM is entered by its participants' user ids: a room id is only where
    to look, so holding a username that appears in it grants nothing.
    """
    if not ids.plausible(room_id):
        raise RoomRefused(errors.NOT_FOUND, "No such room: a room id is lower-case letters, digits, '_', '.' or '-'.")
    if ids.is_reserved(room_id):
        raise RoomRefused(errors.FORBIDDEN, "Reserved rooms are never joinable.")
    if ids.is_group(room_id):
        return conversation_of_member(user=user, room_id=room_id)
    if ids.is_dm(room_id):
        room = Room.objects.filter(pk=room_id, kind=Room.KIND_DM).first()
        if room is not None:
            if user.pk not in (room.dm_first_id, room.dm_second_id):
                raise RoomRefused(errors.FORBIDDEN, "Only its two participants may join a DM.")
            partner_id = room.dm_partner_id(user.pk)
            other = users_with_profiles().filter(pk=partner_id, is_active=True).first() if partner_id else None
            if other is None:
                raise RoomRefused(errors.NOT_FOUND, "The other participant of this DM has left.")
            if not hooks.dm_permitted(user, other):
                raise RoomRefused(errors.FORBIDDEN, "This user does not take DMs from you.")
            return room
        other_name = ids.dm_partner_name(room_id, user.username)
        if other_name is None:
            raise RoomRefused(errors.FORBIDDEN, "Only its two participants may join a DM.")
        other = users_with_profiles().filter(username=other_name, is_active=True).first()
        if other is None:
            raise RoomRefused(errors.NOT_FOUND, "No such user for this DM.")
        return dm_room_ensure(user=user, other=other)
    room = selectors.public_room(room_id)
    if room is None:
        raise RoomRefused(errors.NOT_FOUND, "No such room.")
    return room


# --- group conversations ---------------------------------------------------


def _block_between(people: list) -> tuple | None:
    """A pair of these people with a block between them (either way), or None."""
    for i, first in enumerate(people):
        for second in people[i + 1 :]:
            if not hooks.dm_permitted(first, second) or not hooks.dm_permitted(second, first):
                return first, second
    return None


def _group_name(people: list) -> str:
    return ", ".join(person.profile.display_name for person in people)[:80]


def _conversation_announce(room: Room, users: list, by) -> None:
    """After commit: the users' presence sockets hear they are in the conversation (their page opens it)."""
    frame = {"type": "conversation", "room": room_public(room), "by": public_user(by)}
    user_ids = [user.pk for user in users]
    transaction.on_commit(
        lambda: [fanout.group_send_sync(fanout.presence_group(uid), fanout.frame_event(frame)) for uid in user_ids]
    )


def conversation_create(*, user, usernames: list[str]) -> Room:
    """A private group conversation of the user and these people (MSN's
    "invite someone to this conversation"): they alone may read, join and
    replay it. Refused when someone is unknown, the group would pass
    GROUP_MAX_MEMBERS, or a block stands between any two of them."""
    names = sorted({name.strip().lower() for name in usernames} - {user.username})
    if not names:
        raise errors.Refused(errors.INVALID_REQUEST, "members: name at least one other person.", field="members")
    if len(names) + 1 > settings.GROUP_MAX_MEMBERS:
        raise errors.Refused(
            errors.INVALID_REQUEST,
            f"members: a conversation holds at most {settings.GROUP_MAX_MEMBERS} people.",
            field="members",
        )
    others = list(users_with_profiles().filter(username__in=names, is_active=True).order_by("username"))
    missing = sorted(set(names) - {other.username for other in others})
    if missing:
        raise errors.Refused(errors.NOT_FOUND, f"members: no user {missing[0]!r}.", field="members")
    everyone = [user, *others]
    blocked = _block_between(everyone)
    if blocked:
        raise errors.Refused(
            errors.FORBIDDEN,
            f"members: {blocked[1].username} and {blocked[0].username} cannot share a conversation.",
            field="members",
        )
    with transaction.atomic():
        room = Room.objects.create(
            pk=ids.group_room_id(), name=_group_name(everyone), kind=Room.KIND_GROUP, created_by=user
        )
        ConversationMember.objects.bulk_create([ConversationMember(room=room, user=person) for person in everyone])
        _conversation_announce(room, others, by=user)
    analytics.record("conversation_created", user_id=user.pk, room_id=room.pk, members=len(everyone))
    return room


def conversation_of_member(*, user, room_id: str) -> Room:
    """The group conversation, if the user is in it: NOT_FOUND / FORBIDDEN otherwise."""
    room = Room.objects.filter(pk=room_id, kind=Room.KIND_GROUP).first() if ids.is_group(room_id) else None
    if room is None:
        raise RoomRefused(errors.NOT_FOUND, "No such conversation.")
    if not ConversationMember.objects.filter(room=room, user=user).exists():
        raise RoomRefused(errors.FORBIDDEN, "Only its members may see this conversation.")
    return room


def conversation_invite(*, user, room_id: str, username: str) -> Room:
    """Add someone to a conversation the user is in; the room hears a `member` frame."""
    room = conversation_of_member(user=user, room_id=room_id)
    invitee = users_with_profiles().filter(username=username.strip().lower(), is_active=True).first()
    if invitee is None:
        raise errors.Refused(errors.NOT_FOUND, f"username: no user {username!r}.", field="username")
    with transaction.atomic():
        Room.objects.select_for_update().filter(pk=room.pk).first()
        members = list(users_with_profiles().filter(pk__in=selectors.conversation_member_ids(room.pk)))
        if any(member.pk == invitee.pk for member in members):
            raise errors.Refused(errors.CONFLICT, f"username: {invitee.username} is already here.", field="username")
        if len(members) >= settings.GROUP_MAX_MEMBERS:
            raise errors.Refused(
                errors.CONFLICT, f"This conversation is full ({settings.GROUP_MAX_MEMBERS} people).", field="username"
            )
        if _block_between([invitee, *members]):
            raise errors.Refused(
                errors.FORBIDDEN, f"username: {invitee.username} cannot join this conversation.", field="username"
            )
        ConversationMember.objects.create(room=room, user=invitee)
        frame = {"type": "member", "change": "added", "user": public_user(invitee), "by": public_user(user)}
        transaction.on_commit(
            lambda: fanout.group_send_sync(fanout.room_group(room.pk), fanout.frame_event(frame))
        )
        _conversation_announce(room, [invitee], by=user)
    return room


def conversation_leave(*, user, room_id: str) -> None:
    """Leave a conversation: the others hear a `member` frame; the user's sockets in it close (1000)."""
    room = conversation_of_member(user=user, room_id=room_id)
    with transaction.atomic():
        ConversationMember.objects.filter(room=room, user=user).delete()
        frame = {"type": "member", "change": "left", "user": public_user(user)}
        room_id, user_id = room.pk, user.pk
        transaction.on_commit(
            lambda: (
                fanout.group_send_sync(fanout.room_group(room_id), fanout.frame_event(frame)),
                fanout.group_send_sync(
                    fanout.user_group(user_id), {"type": "room.kick", "room": room_id, "code": 1000}
                ),
            )
        )


class RoomIdTaken(Exception):
    pass


class RoomQuotaSpent(errors.Refused):
    """The user may not create another room now: RATE_LIMITED with
    `retry_after_s` (the daily limit), or FORBIDDEN when waiting does not
    help (they own as many rooms as they may)."""

    def __init__(self, message: str, retry_after_s: int | None):
        super().__init__(errors.RATE_LIMITED if retry_after_s else errors.FORBIDDEN, message)
        self.retry_after_s = retry_after_s


def _room_quota_check(user) -> None:
    """ROOM_CREATE_DAILY_LIMIT rooms per rolling 24 h and ROOM_OWNED_MAX live
    rooms per person; moderators (staff) are exempt. Runs under the lock of
    the user's profile row, so parallel requests cannot both take the last one."""
    if user.is_staff:
        return
    Profile.objects.select_for_update().filter(user_id=user.pk).first()
    owned = Room.objects.filter(created_by=user, kind=Room.KIND_PUBLIC, archived=False).count()
    if owned >= settings.ROOM_OWNED_MAX:
        raise RoomQuotaSpent(
            f"You own {owned} rooms, the most one person may ({settings.ROOM_OWNED_MAX}); archive one first.", None
        )
    since = timezone.now() - timedelta(days=1)
    recent = list(
        Room.objects.filter(created_by=user, created_at__gte=since).order_by("created_at").values_list(
            "created_at", flat=True
        )[: settings.ROOM_CREATE_DAILY_LIMIT]
    )
    if len(recent) >= settings.ROOM_CREATE_DAILY_LIMIT:
        # Free again when the oldest creation of the window is 24 h old.
        wait = recent[0] + timedelta(days=1) - timezone.now()
        raise RoomQuotaSpent(
            f"You have created {len(recent)} rooms in the last 24 hours, the most one person may.",
            max(1, math.ceil(wait.total_seconds())),
        )


def room_create(*, user, room_id: str, name: str, topic: str = "") -> Room:
    """A public room. The caller has checked the id's form and reserved prefixes.
    RoomQuotaSpent when the user's creation limits forbid it, RoomIdTaken for a taken id."""
    try:
        with transaction.atomic():
            _room_quota_check(user)
            return Room.objects.create(pk=room_id, name=name, topic=topic, kind=Room.KIND_PUBLIC, created_by=user)
    except IntegrityError:
        raise RoomIdTaken(room_id)


def _rooms_close(room_id: str, code: int, reason: str) -> None:
    """Every socket in the room, on every process, closes with `code` (chat.room_hub)."""
    transaction.on_commit(
        lambda: fanout.group_send_sync(fanout.room_group(room_id), {"type": "room.closed", "code": code, "reason": reason})
    )


def room_archive(*, user, room: Room, archived: bool = True) -> bool:
    """The owner (or a moderator) archives a public room: gone from the room
    list, joins refused with 4404, open sockets closed with 4404, history
    kept; unarchiving brings it back. False when nothing changed."""
    if room.kind != Room.KIND_PUBLIC or not (user.is_staff or room.created_by_id == user.pk):
        raise RoomRefused(errors.FORBIDDEN, "Only the room's owner or a moderator may archive it.")
    with transaction.atomic():
        if not archived:
            _room_quota_check(room.created_by or user)
        if not Room.objects.filter(pk=room.pk).exclude(archived=archived).update(archived=archived):
            return False
        moderation_record(
            moderator=user, action="room_archive" if archived else "room_unarchive", target_type="room",
            target_id=room.pk, target_label=room.name, reason="",
        )
        if archived:
            _rooms_close(room.pk, errors.CLOSE_NOT_FOUND, "archived")
    selectors.public_room_forget(room.pk)
    return True


def room_delete(*, moderator, room: Room, reason: str = "") -> None:
    """A moderator deletes a public room with its messages and read markers;
    its sockets close with 4404. Its id becomes free again."""
    if not moderator.is_staff:
        raise RoomRefused(errors.FORBIDDEN, "Only a moderator may delete a room.")
    if room.kind != Room.KIND_PUBLIC:
        raise RoomRefused(errors.FORBIDDEN, "Only public rooms can be deleted.")
    with transaction.atomic():
        moderation_record(
            moderator=moderator, action="room_delete", target_type="room", target_id=room.pk,
            target_label=room.name, reason=reason, messages=room.last_seq,
        )
        Room.objects.filter(pk=room.pk).delete()
        _rooms_close(room.pk, errors.CLOSE_NOT_FOUND, "deleted")
    selectors.public_room_forget(room.pk)


async def room_member_announce(*, room_id: str, user, joined: bool, skip_channel: str = "") -> None:
    frame = {"type": "join" if joined else "leave", "user": public_user(user)}
    # `member` lets a socket still waiting for its welcome drop a join its members list shows (chat.room_hub).
    await fanout.group_send(fanout.room_group(room_id), fanout.frame_event(frame, skip=skip_channel, member=user.pk))


# --- messages ----------------------------------------------------------------


async def _rate_check(name: str, rate: tuple[int, int]) -> None:
    verdict = await ratelimit.hit(name, *rate)
    if not verdict.allowed:
        raise ChatRefused(errors.RATE_LIMITED, "Slow down.", retry_after_ms=verdict.retry_after_ms)


async def _write_check(*, room_id: str, user) -> None:
    code = await db_async.run(selectors.write_refusal, room_id=room_id, user=user)
    if code is not None:
        raise ChatRefused(code, _WRITE_REFUSALS[code])


async def message_submit(*, room_id: str, sender, text: str, client_id: str, style: str = "") -> SendResult:
    """A person's `chat` frame: a resend of a stored clientId is answered with
    its seq before the rate limit (a resend costs the sender nothing), then
    the rate limit (CHAT_RATE per room), then message_send. Raises ChatRefused."""
    earlier_seq = await writer.stored_seq(room_id=room_id, sender_id=sender.pk, client_id=client_id)
    if earlier_seq is not None:
        return SendResult(seq=earlier_seq, created=False, frame=None, message_id=None)
    await _rate_check(f"chat:{room_id}:{sender.pk}", settings.CHAT_RATE)
    return await message_send(room_id=room_id, sender=sender, text=text, client_id=client_id, style=style)


async def message_send(
    *, room_id: str, sender, text: str, client_id: str, bot: bool = False, style: str = ""
) -> SendResult:
    """The one way a chat message enters a room (sockets and bots alike).

    Stored first (chat.writer: concurrent messages to a room share one
    transaction), then announced to the room on every process, then handed
    to chat.hooks.message_stored. A repeated clientId returns the original seq.
    Raises ChatRefused for a locked room, a muted sender or a DM partner's block.
    """
    outcome = await writer.message_write(room_id=room_id, draft=writer.Draft(sender, client_id, text, bot, style))
    if isinstance(outcome, writer.Refused):
        raise ChatRefused(outcome.code, outcome.message)
    message, created = outcome.message, outcome.created
    frame = chat_frame(message)
    if not created:
        return SendResult(seq=message.seq, created=False, frame=frame, message_id=message.pk)
    await typing_state.stop(room_id, sender, only_if_active=True)
    await fanout.group_send(fanout.room_group(room_id), fanout.frame_event(frame, seq=message.seq))
    await unread.dm_message_notify(room_id=room_id, sender=sender)
    analytics.record("message_sent", user_id=sender.pk, room_id=room_id, bot=bot)
    stored = chat_hooks.StoredMessage(
        room_id=room_id, seq=message.seq, message_id=message.pk, sender=sender, text=text, bot=bot, frame=frame
    )
    replies: list[dict] = []
    for callback in chat_hooks.message_stored:
        try:
            replies.extend(await callback(stored) or [])
        except Exception:
            log.exception("message_stored callback failed", extra={"roomId": room_id})
    return SendResult(seq=message.seq, created=True, frame=frame, message_id=message.pk, replies=replies)


# --- ephemeral frames --------------------------------------------------------


async def typing_send(*, room_id: str, user, typing: bool) -> None:
    if typing:
        await typing_state.start(room_id, user)
    else:
        await typing_state.stop(room_id, user, only_if_active=False)


async def typing_end(*, room_id: str, user) -> None:
    """The user left or spoke: end a showing indicator at once."""
    await typing_state.stop(room_id, user, only_if_active=True)


async def typing_submit(*, room_id: str, user, typing: bool) -> None:
    """A person's `typing` frame: over TYPING_RATE it is dropped without an
    answer (contract). `typing:true` obeys the room's write refusals like
    `chat` (ChatRefused: muted, room locked, blocked by the DM partner): an
    indicator nobody can follow with a message is not shown; `typing:false`
    is always taken."""
    verdict = await ratelimit.hit(f"typing:{user.pk}", *settings.TYPING_RATE)
    if not verdict.allowed:
        return
    if typing:
        await _write_check(room_id=room_id, user=user)
    await typing_send(room_id=room_id, user=user, typing=typing)


async def nudge_send(*, room_id: str, user) -> None:
    """Raises ChatRefused: the room's write refusals, then NUDGE_RATE."""
    await _write_check(room_id=room_id, user=user)
    await _rate_check(f"nudge:{user.pk}", settings.NUDGE_RATE)
    frame = {"type": "nudge", "sender": public_user(user), "ts": int(time.time() * 1000)}
    await fanout.group_send(fanout.room_group(room_id), fanout.frame_event(frame))
    analytics.record("nudge_sent", user_id=user.pk, room_id=room_id)


async def wink_send(*, room_id: str, user, wink_id: str, lead_ms: int) -> None:
    """Raises ChatRefused: the room's write refusals, then WINK_RATE."""
    await _write_check(room_id=room_id, user=user)
    await _rate_check(f"wink:{user.pk}", settings.WINK_RATE)
    now = int(time.time() * 1000)
    frame = {"type": "wink", "winkId": wink_id, "sender": public_user(user), "ts": now, "playAt": now + lead_ms}
    await fanout.group_send(fanout.room_group(room_id), fanout.frame_event(frame))
    analytics.record("wink_sent", user_id=user.pk, room_id=room_id, winkId=wink_id)


# --- read markers ------------------------------------------------------------


def read_marker_advance(*, user, room_id: str, seq: int) -> int:
    """Move the user's marker forward to seq (capped at the room's last seq); returns it."""
    last_seq = Room.objects.filter(pk=room_id).values_list("last_seq", flat=True).first()
    if last_seq is None:
        return 0
    target = min(seq, last_seq)
    marker, _ = ReadMarker.objects.get_or_create(user=user, room_id=room_id)
    ReadMarker.objects.filter(pk=marker.pk, last_read_seq__lt=target).update(last_read_seq=target)
    return max(marker.last_read_seq, target)


async def read_marker_move(*, user, room_id: str, seq: int) -> None:
    """The `read` frame: advance the marker, then show the user's clients the room's new unread entry."""
    await db_async.run(read_marker_advance, user=user, room_id=room_id, seq=seq)
    await unread.reader_notify(user_id=user.pk, room_id=room_id)
