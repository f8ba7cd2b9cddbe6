"""Reads of the chat app (sync; sockets call them through messenger.platform.db_async)."""

import time

from django.contrib.auth import get_user_model
from django.db.models import Count, OuterRef, Q, Subquery

from messenger import errors, hooks
from messenger.accounts.users import public_user, users_with_profiles

from . import ids
from .models import ConversationMember, Message, ReadMarker, Room
from .wire import chat_frame


def _with_senders(queryset):
    return queryset.select_related("sender__profile")


def visible_messages(room_id: str):
    return Message.objects.filter(room_id=room_id, deleted=False)


def messages_before(*, room_id: str, before: int | None, limit: int) -> tuple[list[dict], bool]:
    """Up to `limit` chat frames older than `before` (newest last) and whether more exist."""
    queryset = visible_messages(room_id)
    if before is not None:
        queryset = queryset.filter(seq__lt=before)
    rows = list(_with_senders(queryset).order_by("-seq")[: limit + 1])
    has_more = len(rows) > limit
    return [chat_frame(row) for row in reversed(rows[:limit])], has_more


def messages_after(*, room_id: str, since: int, limit: int) -> tuple[list[dict], bool]:
    """The newest `limit` chat frames after `since` (newest last); more = older ones were left out."""
    rows = list(_with_senders(visible_messages(room_id).filter(seq__gt=since)).order_by("-seq")[: limit + 1])
    has_more = len(rows) > limit
    return [chat_frame(row) for row in reversed(rows[:limit])], has_more


def messages_between(*, room_id: str, first: int, last: int) -> list[dict]:
    """Chat frames with first <= seq <= last, oldest first (deleted ones left out)."""
    rows = _with_senders(visible_messages(room_id).filter(seq__gte=first, seq__lte=last)).order_by("seq")
    return [chat_frame(row) for row in rows]


# Per-process caches for what every socket connect reads: a welcome lists
# every member, so a room of N filling up loaded N²/2 user rows, and each
# connect read its room row. A few seconds of staleness in a name, topic or
# status shown at join is the price.
CACHE_TTL_S = 3.0
_public_rooms: dict[str, tuple[float, Room]] = {}
_public_users: dict[int, tuple[float, dict]] = {}
_next_prune = 0.0


def _prune(now: float) -> None:
    global _next_prune
    if now < _next_prune:
        return
    _next_prune = now + CACHE_TTL_S
    for cache in (_public_rooms, _public_users):
        for key in [key for key, (expires, _) in cache.items() if expires <= now]:
            cache.pop(key, None)


def public_room(room_id: str) -> Room | None:
    """The public room with that id (cached for CACHE_TTL_S when it exists)."""
    now = time.monotonic()
    hit = _public_rooms.get(room_id)
    if hit is not None and hit[0] > now:
        return hit[1]
    room = Room.objects.filter(pk=room_id, kind=Room.KIND_PUBLIC, archived=False).first()
    if room is not None:
        _prune(now)
        _public_rooms[room_id] = (now + CACHE_TTL_S, room)
    return room


def room_any(room_id: str) -> Room | None:
    """The room row whatever its kind or state (management endpoints)."""
    return Room.objects.filter(pk=room_id).first()


def public_room_forget(room_id: str) -> None:
    """An archived or deleted room leaves this process's cache at once (others within CACHE_TTL_S)."""
    _public_rooms.pop(room_id, None)


def members_public(user_ids: set[int], *, known=None) -> list[dict]:
    """Public objects of the active users among user_ids, by id (cached for
    CACHE_TTL_S). `known`, a user already loaded with its profile (the one
    joining), is shown as loaded instead of read again."""
    now = time.monotonic()
    found, missing = [], []
    if known is not None and known.pk in user_ids:
        shown = public_user(known)
        _public_users[known.pk] = (now + CACHE_TTL_S, shown)
        found.append(shown)
        user_ids = user_ids - {known.pk}
    for user_id in user_ids:
        hit = _public_users.get(user_id)
        if hit is not None and hit[0] > now:
            found.append(hit[1])
        else:
            missing.append(user_id)
    if missing:
        _prune(now)
        for user in users_with_profiles().filter(pk__in=missing, is_active=True):
            shown = public_user(user)
            _public_users[user.pk] = (now + CACHE_TTL_S, shown)
            found.append(shown)
    return sorted(found, key=lambda shown: shown["id"])


def room_last_seq(room_id: str) -> int:
    return Room.objects.filter(pk=room_id).values_list("last_seq", flat=True).first() or 0


def message_by_client_id(*, room_id: str, sender_id: int, client_id: str) -> Message | None:
    return Message.objects.filter(room_id=room_id, sender_id=sender_id, client_id=client_id).first()


def write_refusal(*, room_id: str, user) -> str | None:
    """The error code that refuses a write now (moderation or a block can change it any time)."""
    from messenger.models import Profile

    if Room.objects.filter(pk=room_id, locked=True).exists():
        return errors.ROOM_LOCKED
    if Profile.objects.filter(user_id=user.pk, muted=True).exists():
        return errors.MUTED
    return dm_refusal(room_id=room_id, sender=user)


def dm_refusal(*, room_id: str, sender) -> str | None:
    """FORBIDDEN when the other participant of this DM now refuses the sender
    (a block made while the DM socket was open); None for other rooms."""
    if not ids.is_dm(room_id):
        return None
    other_id = dm_partner_id(room_id=room_id, user_id=sender.pk)
    other = get_user_model().objects.filter(pk=other_id).first() if other_id is not None else None
    if other is None or hooks.dm_permitted(sender, other):
        return None
    return errors.FORBIDDEN


def conversation_member_ids(room_id: str) -> list[int]:
    return list(ConversationMember.objects.filter(room_id=room_id).values_list("user_id", flat=True))


def conversations_of(user) -> list[Room]:
    """The group conversations the user is in, the newest first."""
    return list(Room.objects.filter(kind=Room.KIND_GROUP, members__user=user).order_by("-created_at"))


def dm_room_of(first_id: int, second_id: int) -> Room | None:
    """The DM room of two user ids (the smaller first)."""
    return Room.objects.filter(kind=Room.KIND_DM, dm_first_id=first_id, dm_second_id=second_id).first()


def dm_partner_id(*, room_id: str, user_id: int) -> int | None:
    """The other participant's user id of a DM the user is in, else None."""
    pair = Room.objects.filter(pk=room_id, kind=Room.KIND_DM).values_list("dm_first_id", "dm_second_id").first()
    if pair is None or user_id not in pair:
        return None
    return pair[1] if pair[0] == user_id else pair[0]


def public_rooms():
    """Listed public rooms (archived ones are not), in id order."""
    return Room.objects.filter(kind=Room.KIND_PUBLIC, archived=False).order_by("id")


def public_rooms_page(*, after: str, limit: int) -> tuple[list[Room], str | None]:
    """Up to `limit` listed public rooms with ids after `after`, and the cursor of the next page (None at the end)."""
    rows = list(public_rooms().filter(pk__gt=after)[: limit + 1])
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1].pk
    return rows, None


def unread_counts(user) -> list[dict]:
    """Rooms with messages after the user's read marker: DMs they are in and
    public rooms they have a marker in (they read there once)."""
    marker = ReadMarker.objects.filter(user=user, room=OuterRef("pk")).values("last_read_seq")[:1]
    dm_filter = Q(kind=Room.KIND_DM) & (Q(dm_first_id=user.pk) | Q(dm_second_id=user.pk))
    dm_filter |= Q(kind=Room.KIND_GROUP, members__user=user)
    marked = ReadMarker.objects.filter(user=user).values("room_id")
    rooms = (
        Room.objects.filter(dm_filter | Q(pk__in=marked))
        .filter(last_seq__gt=0)
        .annotate(read=Subquery(marker))
    )
    result = []
    for room in rooms:
        read = room.read or 0
        if room.last_seq <= read:
            continue
        count = _unread_count(room_id=room.pk, user_id=user.pk, read=read)
        if count:
            result.append({"roomId": room.pk, "count": count, "lastSeq": room.last_seq})
    return result


def _unread_count(*, room_id: str, user_id: int, read: int) -> int:
    """Messages after the marker that others sent (your own are never unread)."""
    return visible_messages(room_id).filter(seq__gt=read).exclude(sender_id=user_id).aggregate(n=Count("pk"))["n"]


def unread_entry(*, user_id: int, room_id: str) -> dict:
    """One room's entry of the `unread` frame for the user, count 0 when all is read."""
    last_seq = room_last_seq(room_id)
    marker = ReadMarker.objects.filter(user_id=user_id, room_id=room_id).values_list("last_read_seq", flat=True)
    read = marker.first() or 0
    count = _unread_count(room_id=room_id, user_id=user_id, read=read) if last_seq > read else 0
    return {"roomId": room_id, "count": count, "lastSeq": last_seq}
