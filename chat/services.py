"""Writes of the chat app. Each function does the whole change: the database
write and, after it commits, the frames to the room (consumers and bots never
group_send persisted data themselves)."""

import logging
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction

from messenger import errors, hooks
from messenger.accounts.users import public_user, users_with_profiles
from messenger.operations import analytics
from messenger.platform import db_async, fanout, ratelimit

from . import hooks as chat_hooks
from . import ids, selectors, typing_state, unread, writer
from .models import ReadMarker, Room
from .wire import chat_frame

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
    """The DM room of the two users, created on first ask; RoomRefused when a block forbids it."""
    if user.pk == other.pk:
        raise RoomRefused(errors.NOT_FOUND, "A DM needs two different users.")
    if not hooks.dm_permitted(user, other):
        raise RoomRefused(errors.FORBIDDEN, "This user does not take DMs from you.")
    room_id = ids.dm_room_id(user.username, other.username)
    first, second = sorted((user, other), key=lambda u: u.username)
    name = f"{first.profile.display_name} & {second.profile.display_name}"
    try:
        room, _ = Room.objects.get_or_create(pk=room_id, defaults={"name": name[:80], "kind": Room.KIND_DM})
    except IntegrityError:
        # The other participant created it in the same instant.
        room = Room.objects.get(pk=room_id)
    return room


def room_enter(*, user, room_id: str) -> Room:
    """The room `user` may join, or RoomRefused with the socket's close code."""
    if ids.is_reserved(room_id):
        raise RoomRefused(errors.FORBIDDEN, "Reserved rooms are never joinable.")
    participants = ids.dm_participants(room_id)
    if participants is not None:
        if user.username not in participants:
            raise RoomRefused(errors.FORBIDDEN, "Only its two participants may join a DM.")
        other_name = participants[1] if participants[0] == user.username else participants[0]
        other = users_with_profiles().filter(username=other_name, is_active=True).first()
        if other is None:
            raise RoomRefused(errors.NOT_FOUND, "No such user for this DM.")
        return dm_room_ensure(user=user, other=other)
    room = selectors.public_room(room_id)
    if room is None:
        raise RoomRefused(errors.NOT_FOUND, "No such room.")
    return room


class RoomIdTaken(Exception):
    pass


def room_create(*, user, room_id: str, name: str, topic: str = "") -> Room:
    """A public room. The caller has checked the id's form and reserved prefixes."""
    try:
        with transaction.atomic():
            return Room.objects.create(pk=room_id, name=name, topic=topic, kind=Room.KIND_PUBLIC, created_by=user)
    except IntegrityError:
        raise RoomIdTaken(room_id)


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
    """A person's `typing` frame: over TYPING_RATE it is dropped without an answer (contract)."""
    verdict = await ratelimit.hit(f"typing:{user.pk}", *settings.TYPING_RATE)
    if verdict.allowed:
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
