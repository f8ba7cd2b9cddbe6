"""Reads: which bots a message addresses, a room's recent messages, the bot list."""

import re

from chat import ids
from chat.models import Message

from .models import Persona

MENTION_RE = re.compile(r"@([a-z0-9][a-z0-9_.-]{2,31})", re.IGNORECASE)
# A message may wake at most this many bots (a wall of @mentions is not a party).
MAX_BOTS_PER_MESSAGE = 3


def mentioned_handles(text: str) -> list[str]:
    seen: dict[str, None] = {}
    for handle in MENTION_RE.findall(text):
        seen.setdefault(handle.lower().rstrip("."), None)
    return list(seen)


def personas_addressed(*, room_id: str, text: str, sender_username: str) -> list[Persona]:
    """The enabled bots that should answer: the other side of a DM with a
    bot, or the bots @mentioned in a public room (in mention order)."""
    participants = ids.dm_participants(room_id)
    if participants is not None:
        handles = [name for name in participants if name != sender_username]
    else:
        handles = [name for name in mentioned_handles(text) if name != sender_username]
    handles = handles[:MAX_BOTS_PER_MESSAGE]
    if not handles:
        return []
    found = {
        persona.user.username: persona
        for persona in Persona.objects.select_related("user__profile").filter(
            user__username__in=handles, enabled=True, user__is_active=True, user__profile__is_bot=True
        )
    }
    return [found[handle] for handle in handles if handle in found]


def persona_with_user(persona_id: int) -> Persona:
    return Persona.objects.select_related("user__profile").get(pk=persona_id)


def recent_messages(*, room_id: str, up_to_seq: int, limit: int) -> list[Message]:
    """The last `limit` messages of the room up to and including `up_to_seq`, oldest first."""
    rows = (
        Message.objects.select_related("sender__profile")
        .filter(room_id=room_id, seq__lte=up_to_seq, deleted=False)
        .order_by("-seq")[:limit]
    )
    return list(reversed(rows))


def bot_personas(*, after_handle: str = "", limit: int | None = None) -> list[Persona]:
    rows = (
        Persona.objects.select_related("user__profile")
        .filter(enabled=True, user__is_active=True, user__username__gt=after_handle)
        .order_by("user__username")
    )
    return list(rows if limit is None else rows[:limit])
