"""The database from async code: the one helper (docs/ARCHITECTURE.md).

* `run(fn, ...)`: sockets, and the services they call, run sync ORM code on a
  small thread pool of their own. Channels' `database_sync_to_async` runs
  every call on Django's one thread-sensitive thread, shared with sync
  views: a burst of connects queued its token, room, history and member
  reads one behind another there, each waiting for the database in turn.
  Socket reads touch no thread-bound state, so they run on a bounded pool
  (below the database connection pool's size, leaving room for requests);
  each call hands its connection back when done. `pooled` is the same as a
  decorator.
* `run_in_request(fn, ...)`: async views, on Django's thread-sensitive
  thread, as Django runs sync views (the request's connection handling).
* `run_blocking(fn, ...)`: slow blocking work that may touch the database
  (a password check, a Turnstile call) on a worker thread outside both, so
  it never holds up other requests; closes any connection it opened.

The exception is chat's writer on PostgreSQL, which sends its SQL from the
event loop itself (messenger/platform/pg_async.py).
"""

import functools
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

_executor = ThreadPoolExecutor(max_workers=settings.SOCKET_DB_THREADS, thread_name_prefix="socket-db")


def _with_cleanup(fn, args, kwargs):
    try:
        return fn(*args, **kwargs)
    finally:
        close_old_connections()


async def run(fn, /, *args, **kwargs):
    """fn(*args, **kwargs) on the sockets' pool."""
    return await sync_to_async(_with_cleanup, thread_sensitive=False, executor=_executor)(fn, args, kwargs)


def pooled(fn):
    """A sync function made awaitable through `run`."""

    @functools.wraps(fn)
    async def wrapper(*args, **kwargs):
        return await run(fn, *args, **kwargs)

    return wrapper


async def run_in_request(fn, /, *args, **kwargs):
    """fn(*args, **kwargs) on Django's thread-sensitive thread (async views)."""
    return await sync_to_async(fn)(*args, **kwargs)


async def run_blocking(fn, /, *args, **kwargs):
    """fn(*args, **kwargs) on a worker thread of its own, closing any connection it opened."""
    return await sync_to_async(_with_cleanup, thread_sensitive=False)(fn, args, kwargs)
