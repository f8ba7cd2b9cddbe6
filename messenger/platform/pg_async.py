"""PostgreSQL from the event loop itself: psycopg's async connections, for
the socket work on the hot path (chat.writer stores every chat message).

On messenger.platform.db_async's threads each statement costs two GIL handoffs (the
thread needs the GIL that the event loop holds while it writes frames, and
waits up to the 5 ms switch interval for it) plus the ORM's CPU; a chat
transaction held its room's row lock across all of that. Here the loop sends
the SQL and waits for the answer like for any socket, and never for a thread.

Up to DB_LOOP_POOL_MAX connections per event loop, opened when needed and
kept while idle. A server process runs one loop for its lifetime, but tests and
commands run short-lived ones, and a connection must not outlive its loop
(an open connection also stops the test database from being dropped): they
are closed when the loop shuts down, through an async generator the loop
finalises (loop.shutdown_asyncgens, which asyncio.run and asyncio.Runner
call). No background task is involved, so nothing resists the cancellation
of a loop's tasks at shutdown (psycopg_pool's async pool does).
"""

import asyncio
import weakref
from contextlib import asynccontextmanager

import django.db
import psycopg
from django.conf import settings
from django.db import connections

# Django-only keys of DATABASES OPTIONS, not libpq's.
_DJANGO_OPTIONS = ("pool", "isolation_level", "assume_role", "server_side_binding")
# Seconds to wait for a free connection or a new one, as Django's pool does.
TIMEOUT_S = 10

_IDLE = psycopg.pq.TransactionStatus.IDLE


def enabled() -> bool:
    """Whether the database is PostgreSQL (SQLite, embedded, has no async driver: sockdb's threads)."""
    return connections["default"].vendor == "postgresql"


def _connect_kwargs() -> dict:
    # Read when connecting: a test run renames the database to its test copy.
    db = connections["default"].settings_dict
    options = {key: value for key, value in db["OPTIONS"].items() if key not in _DJANGO_OPTIONS}
    # Client-side binding, as Django's own psycopg cursors: a query string may
    # then hold several statements, sent in one round trip (chat.writer).
    kwargs = {
        "dbname": db["NAME"], "client_encoding": "UTF8", "autocommit": True,
        "cursor_factory": psycopg.AsyncClientCursor, "connect_timeout": TIMEOUT_S, **options,
    }
    for key, name in (("USER", "user"), ("PASSWORD", "password"), ("HOST", "host"), ("PORT", "port")):
        if db[key]:
            kwargs[name] = db[key]
    return kwargs


class _LoopConnections:
    def __init__(self):
        self.idle: list[psycopg.AsyncConnection] = []
        self.slots = asyncio.Semaphore(settings.DB_LOOP_POOL_MAX)
        # A strong reference: the loop tracks its async generators only weakly.
        self.closer = self._close_at_shutdown()

    async def _close_at_shutdown(self):
        try:
            yield
        finally:
            while self.idle:
                await self.idle.pop().close()

    async def take(self) -> psycopg.AsyncConnection:
        while self.idle:
            conn = self.idle.pop()
            if not conn.closed:
                return conn
        return await psycopg.AsyncConnection.connect(**_connect_kwargs())

    async def give_back(self, conn: psycopg.AsyncConnection) -> None:
        # Only a healthy connection outside any transaction is used again.
        if not conn.closed and conn.info.transaction_status == _IDLE:
            self.idle.append(conn)
        else:
            await conn.close()


_loops: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopConnections]" = weakref.WeakKeyDictionary()


async def _for_this_loop() -> _LoopConnections:
    loop = asyncio.get_running_loop()
    held = _loops.get(loop)
    if held is None:
        held = _loops[loop] = _LoopConnections()
        # Runs to its first `yield` at once: the loop now closes these connections when it shuts down.
        await held.closer.__anext__()
    return held


@asynccontextmanager
async def connection():
    """A connection of this loop (autocommit, client-side binding). psycopg's
    errors come out as Django's, so callers and messenger.platform.outage treat them
    like the ORM's."""
    held = await _for_this_loop()
    try:
        async with asyncio.timeout(TIMEOUT_S):
            await held.slots.acquire()
    except TimeoutError as exc:
        raise django.db.OperationalError("no PostgreSQL connection of the event loop came free") from exc
    try:
        conn = await held.take()
        try:
            yield conn
        finally:
            await held.give_back(conn)
    except psycopg.OperationalError as exc:
        raise django.db.OperationalError(str(exc)) from exc
    except psycopg.InterfaceError as exc:
        raise django.db.InterfaceError(str(exc)) from exc
    except psycopg.IntegrityError as exc:
        raise django.db.IntegrityError(str(exc)) from exc
    except psycopg.Error as exc:
        raise django.db.DatabaseError(str(exc)) from exc
    finally:
        held.slots.release()
