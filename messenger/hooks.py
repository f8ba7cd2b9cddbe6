"""Extension points the apps register into (messenger never imports them).

* account_deleted: called with the user, inside the deletion transaction,
  before the User row goes; each app purges what it holds.
* collections: `GET /api/data/{name}` readers, (viewer, cursor, limit) ->
  (items, next_cursor).
* bot_sleeping: returns True when the bots' daily quota is spent.
* seeders: the demo data each app adds (idempotent).
"""

from collections.abc import Callable

account_deleted: list[Callable] = []
collections: dict[str, Callable] = {}
bot_sleeping: list[Callable[[], bool]] = []
# `manage.py seed_demo` steps, in INSTALLED_APPS order: fn(stdout) -> None.
seeders: list[Callable] = []


def register_collection(name: str):
    def decorate(fn):
        collections[name] = fn
        return fn

    return decorate
