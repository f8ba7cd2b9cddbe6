"""Extension points the apps register into (messenger never imports them).

Import direction is bots -> chat -> messenger and presence -> messenger, so
when chat needs something presence knows (blocks) or presence needs
something chat knows (unread counts), they meet here. Apps append to these
lists (or call the register_* functions) in their AppConfig.ready(), and
nowhere else: an import never registers anything.

* account_deleted: fn(user), called inside the deletion transaction before the
  User row goes; each app purges what it holds about the user.
* collections: `GET /api/data/{name}` readers: fn(viewer, cursor, limit) ->
  (items, next_cursor). Register with register_collection("name", fn).
* seeders: `manage.py seed_demo` steps, in INSTALLED_APPS order: fn(stdout).
* dm_allowed: fn(sender_user, other_user) -> bool (sync). False refuses the DM
  (403 on POST /api/dm, 4403 on the DM socket). Presence registers the block rule.
* blockers_of: fn(user_id) -> set of usernames (sync): the users who block
  this one. Presence registers it; chat shows them `offline` to the blocked
  user in member lists and on every frame about them.
* unread_counts: fn(user) -> list of {"roomId","count","lastSeq"} (sync). Chat
  registers it; presence sends it as the `unread` frame.
* profile_changed: async fn(user_id) -> None. Call after changing a user's
  status / personal message / display name outside the presence socket (bots
  falling asleep, admin edits); presence registers the broadcaster.
* user_exporters: `manage.py export_user` sections, name -> fn(user) -> data
  (JSON-serialisable, sync), or None when the app holds nothing about this
  user (the section is left out). Register with register_exporter("name", fn).
"""

from collections.abc import Awaitable, Callable

account_deleted: list[Callable] = []
collections: dict[str, Callable] = {}
seeders: list[Callable] = []
dm_allowed: list[Callable[..., bool]] = []
blockers_of: list[Callable[[int], set[str]]] = []
unread_counts: list[Callable[..., list[dict]]] = []
profile_changed: list[Callable[[int], Awaitable[None]]] = []
user_exporters: dict[str, Callable] = {}


def register_collection(name: str, reader: Callable) -> None:
    if name in collections:
        raise ValueError(f"collection {name!r} is registered twice")
    collections[name] = reader


def register_exporter(name: str, exporter: Callable) -> None:
    if name in user_exporters:
        raise ValueError(f"export section {name!r} is registered twice")
    user_exporters[name] = exporter


def dm_permitted(sender, other) -> bool:
    return all(check(sender, other) for check in dm_allowed)


def blockers_of_user(user_id: int) -> set[str]:
    found: set[str] = set()
    for fn in blockers_of:
        found |= fn(user_id)
    return found


async def notify_profile_changed(user_id: int) -> None:
    for callback in profile_changed:
        await callback(user_id)
