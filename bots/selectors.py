"""Reads: which bots a message addresses, a room's recent messages, the bot list."""

import re

from chat import ids
from chat import selectors as chat_selectors
from chat.models import Message

from .models import Persona

MENTION_RE = re.compile(r"@([a-z0-9][a-z0-9_.-]{2,31})", re.IGNORECASE)
# A message in a public room wakes at most one bot: a wall of @mentions
# would otherwise spend several interactions of the shared pool per message.
MAX_BOTS_PER_MESSAGE = 1


def mentioned_handles(text: str) -> list[str]:
    seen: dict[str, None] = {}
    for handle in MENTION_RE.findall(text):
        seen.setdefault(handle.lower().rstrip("."), None)
    return list(seen)


def personas_addressed(*, room_id: str, text: str, sender) -> list[Persona]:
    """The enabled, unmuted bots that should answer: the other participant
    of a DM (by user id), or the first bot @mentioned in a public room."""
    live = Persona.objects.select_related("user__profile").filter(
        enabled=True, user__is_active=True, user__profile__is_bot=True, user__profile__muted=False
    )
    if ids.is_dm(room_id):
        partner_id = chat_selectors.dm_partner_id(room_id=room_id, user_id=sender.pk)
        return list(live.filter(user_id=partner_id)) if partner_id is not None else []
    handles = [name for name in mentioned_handles(text) if name != sender.username]
    found = {persona.user.username: persona for persona in live.filter(user__username__in=handles)}
    return [found[handle] for handle in handles if handle in found][:MAX_BOTS_PER_MESSAGE]


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
