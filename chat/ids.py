"""Room ids (contract 2.2): public ids, DM ids and the reserved prefixes."""

import re
import secrets

PUBLIC_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
# Every id a room can have: public ids and dm_ ids of two usernames ([a-z0-9_.-]).
ANY_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,79}$")
RESERVED_PREFIXES = ("system_", "admin_")
DM_PREFIX = "dm_"
DM_SEPARATOR = "____"
# Group conversations (MSN's multi-party conversations): gc_ and 16 hex digits, made by the server.
GROUP_PREFIX = "gc_"


def plausible(room_id: str) -> bool:
    """Whether any room could have this id: anything else (control
    characters, upper case, slashes) is 'no such room' without a query."""
    return bool(ANY_ID_RE.match(room_id))


def is_reserved(room_id: str) -> bool:
    return room_id.startswith(RESERVED_PREFIXES)


def public_id_valid(room_id: str) -> bool:
    return bool(PUBLIC_ID_RE.match(room_id))


def public_id_forbidden(room_id: str) -> bool:
    """Ids a public room may never take: DMs, group conversations and the reserved ones."""
    return room_id.startswith((DM_PREFIX, GROUP_PREFIX)) or is_reserved(room_id)


def group_room_id() -> str:
    return f"{GROUP_PREFIX}{secrets.token_hex(8)}"


def is_group(room_id: str) -> bool:
    return room_id.startswith(GROUP_PREFIX)


def dm_room_id(a: str, b: str) -> str:
    first, second = sorted((a, b))
    return f"{DM_PREFIX}{first}{DM_SEPARATOR}{second}"


def is_dm(room_id: str) -> bool:
    """DM ids and public ids never overlap: no public room may start with dm_."""
    return room_id.startswith(DM_PREFIX)


def dm_partner_name(room_id: str, username: str) -> str | None:
    """The other username in a DM id as `username` would compute it, or None
    when the id is not a DM id of that user.

    Only the caller's own name is matched: a username may end with "_", so
    "dm_ab_____cd" splits two ways, but only one of them holds the caller.
    Who a DM's participants are is never decided here: that is the room's
    stored user ids (Room.dm_first_id / dm_second_id).
    """
    if not is_dm(room_id):
        return None
    rest = room_id[len(DM_PREFIX) :]
    head, tail = f"{username}{DM_SEPARATOR}", f"{DM_SEPARATOR}{username}"
    candidates = (
        rest[len(head) :] if rest.startswith(head) else "",
        rest[: -len(tail)] if rest.endswith(tail) else "",
    )
    for other in candidates:
        if other and dm_room_id(username, other) == room_id:
            return other
    return None
