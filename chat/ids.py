"""Room ids (contract 2.2): public ids, DM ids and the reserved prefixes."""

import re

PUBLIC_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
RESERVED_PREFIXES = ("system_", "admin_")
DM_PREFIX = "dm_"
DM_SEPARATOR = "____"


def is_reserved(room_id: str) -> bool:
    return room_id.startswith(RESERVED_PREFIXES)


def public_id_valid(room_id: str) -> bool:
    return bool(PUBLIC_ID_RE.match(room_id))


def public_id_forbidden(room_id: str) -> bool:
    """Ids a public room may never take: DMs and the reserved ones."""
    return room_id.startswith(DM_PREFIX) or is_reserved(room_id)


def dm_room_id(a: str, b: str) -> str:
    first, second = sorted((a, b))
    return f"{DM_PREFIX}{first}{DM_SEPARATOR}{second}"


def dm_participants(room_id: str) -> tuple[str, str] | None:
    """The two usernames of a DM id, or None when the id is not a DM id.

    Usernames never contain "__", so the four-underscore separator is unambiguous.
    """
    if not room_id.startswith(DM_PREFIX):
        return None
    first, sep, second = room_id[len(DM_PREFIX) :].partition(DM_SEPARATOR)
    if not sep or not first or not second or DM_SEPARATOR in second:
        return None
    return first, second
