"""Database work of sockets, on a small thread pool of its own.

Channels' `database_sync_to_async` runs every call on Django's one
thread-sensitive thread, shared with sync views: a burst of connects queued
its token, room, history and member reads one behind another there, each
waiting for the database in turn. Socket reads touch no thread-bound state,
so they run on a bounded pool (below the database connection pool's size,
leaving room for requests); each call hands its connection back when done.
"""

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
    """fn(*args, **kwargs) on the socket pool."""
    return await sync_to_async(_with_cleanup, thread_sensitive=False, executor=_executor)(fn, args, kwargs)
