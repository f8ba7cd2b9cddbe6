"""The message writer: concurrent chat messages to one room share one
transaction (group commit). Messages enter through chat.services.message_send.

Each message used to be its own transaction of seven ORM statements on a
socket DB thread, holding the room's row lock while the thread fought the
event loop for the GIL; under load, writers queued on the lock. Now a room
has at most one transaction in flight per process. Messages that arrive
meanwhile wait, and the next transaction takes them all (up to BATCH_MAX):
the room row locked once, the senders' earlier clientIds and mute flags
read once, one INSERT, one UPDATE of last_seq, one commit. A quiet room's
batch is one message: nothing ever waits for a batch to fill.

What stays exact: seqs are last_seq + 1, 2, ... under the row lock, in any
number of processes, and commits happen in seq order. A repeated clientId
(stored before, or earlier in the same batch) gets the original's outcome.
Refusals (ROOM_LOCKED, MUTED, FORBIDDEN) are per message. A transaction that
fails is rolled back and acknowledges nothing: each of its senders gets the
error (UNAVAILABLE when the database is down) and may send again.

On PostgreSQL the transaction runs on the event loop (messenger.platform.pg_async) in
two round trips: lock and reads in one; insert, update and commit in the
other. On SQLite (embedded) the same plan runs through the ORM on a
socket DB thread.
"""

import asyncio
import contextlib
import contextvars
import time
import weakref
from dataclasses import dataclass

import psycopg
from django.db import transaction

from chat import crypto
from messenger import errors
from messenger.models import Profile
from messenger.platform import db_async
from messenger.platform import pg_async as pgloop

from . import ids, selectors
from .models import Message, Room

BATCH_MAX = 100


@dataclass(frozen=True)
class Draft:
    sender: object  # the User, profile loaded
    client_id: str
    text: str
    bot: bool
    # chat.frames.MessageStyle.stored(), or "".
    style: str = ""


@dataclass(frozen=True)
class Stored:
    message: Message  # sender set; text as stored (encrypted when a key is configured)
    created: bool  # False: the clientId was stored before, this is the original


@dataclass(frozen=True)
class Refused:
    code: str
    message: str


Outcome = Stored | Refused

_GONE = Refused(errors.FORBIDDEN, "The room is gone.")
_LOCKED = Refused(errors.ROOM_LOCKED, "This room is locked by a moderator.")
_MUTED = Refused(errors.MUTED, "You are muted and cannot send messages.")
_BLOCKED = Refused(errors.FORBIDDEN, "This user does not take messages from you.")


def _plan(
    room_id: str, room: tuple[bool, int] | None, drafts: list[Draft], earlier: dict[tuple[int, str], Message],
    muted: set[int], blocked: set[int],
) -> tuple[list[Outcome], list[Message]]:
    """Each draft's outcome, in order, and the new rows (seqs assigned, text
    encrypted, pk still unset). room = (locked, last_seq) read under the lock."""
    outcomes: list[Outcome] = []
    new: list[Message] = []
    first_of: dict[tuple[int, str], int] = {}
    last_seq = room[1] if room else 0
    now_ms = int(time.time() * 1000)
    for draft in drafts:
        key = (draft.sender.pk, draft.client_id)
        if key in first_of:
            # The same clientId twice in one batch: the second is a resend of the first.
            first = outcomes[first_of[key]]
            outcomes.append(Stored(first.message, created=False) if isinstance(first, Stored) else first)
            continue
        first_of[key] = len(outcomes)
        if key in earlier:
            outcome = Stored(earlier[key], created=False)
        elif room is None:
            outcome = _GONE
        elif room[0]:
            outcome = _LOCKED
        elif draft.sender.pk in muted:
            # A muted bot is silent too, whatever reply it had queued.
            outcome = _MUTED
        elif draft.sender.pk in blocked:
            # A block made while the DM socket was open stops the blocked user's writes from then on.
            outcome = _BLOCKED
        else:
            last_seq += 1
            message = Message(
                room_id=room_id, seq=last_seq, sender=draft.sender, client_id=draft.client_id,
                text=crypto.encrypt_text(draft.text, room_id, last_seq), bot=draft.bot, ts=now_ms,
                style=draft.style,
            )
            new.append(message)
            outcome = Stored(message, created=True)
        outcomes.append(outcome)
    return outcomes, new


def _blocked_senders(room_id: str, drafts: list[Draft]) -> set[int]:
    """Senders the other participant of this DM refuses now (none outside DMs)."""
    if not ids.is_dm(room_id):
        return set()
    senders = {draft.sender.pk: draft.sender for draft in drafts}
    return {pk for pk, sender in senders.items() if selectors.dm_refusal(room_id=room_id, sender=sender)}


# --- one transaction: the ORM (SQLite) ------------------------------------------


def store(room_id: str, drafts: list[Draft]) -> list[Outcome]:
    """One transaction for the drafts, through the ORM (sync). The Room row
    lock (SELECT ... FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE
    transactions serialise writers) makes seq exact."""
    with transaction.atomic():
        row = Room.objects.select_for_update().only("locked", "last_seq").filter(pk=room_id).first()
        room = (row.locked, row.last_seq) if row is not None else None
        senders = {draft.sender.pk: draft.sender for draft in drafts}
        keys = {(draft.sender.pk, draft.client_id) for draft in drafts}
        earlier = {}
        if room is not None:
            rows = Message.objects.filter(
                room_id=room_id, sender_id__in=senders, client_id__in={client_id for _, client_id in keys}
            )
            for message in rows:
                if (message.sender_id, message.client_id) in keys:
                    message.sender = senders[message.sender_id]
                    earlier[(message.sender_id, message.client_id)] = message
        muted = set(Profile.objects.filter(user_id__in=senders, muted=True).values_list("user_id", flat=True))
        outcomes, new = _plan(room_id, room, drafts, earlier, muted, _blocked_senders(room_id, drafts))
        if new:
            Message.objects.bulk_create(new)
            Room.objects.filter(pk=room_id).update(last_seq=new[-1].seq)
    return outcomes


# --- one transaction: SQL on the event loop (PostgreSQL) -------------------------

_ROOM, _MESSAGE, _PROFILE = Room._meta.db_table, Message._meta.db_table, Profile._meta.db_table
# Round trip 1. In READ COMMITTED each statement of a query string takes its
# own snapshot, so the reads after the lock see what its previous holder committed.
_LOCK_AND_READ = (
    f"BEGIN; SELECT locked, last_seq FROM {_ROOM} WHERE id = %s FOR UPDATE;"
    # Equality on every column of the (room, sender, clientId) unique index
    # whatever the table's statistics say; pairs no draft has are dropped below.
    f" SELECT sender_id, client_id, id, seq, text, bot, ts, style FROM {_MESSAGE} WHERE room_id = %s"
    " AND sender_id = ANY(%s::integer[]) AND client_id = ANY(%s::text[]);"
    f" SELECT user_id FROM {_PROFILE} WHERE muted AND user_id = ANY(%s::integer[])"
)
# Round trip 2.
_INSERT_AND_COMMIT = (
    f"INSERT INTO {_MESSAGE} (room_id, seq, sender_id, client_id, text, bot, deleted, created_at, ts, style)"
    " SELECT %s, seq, sender_id, client_id, text, bot, false, now(), ts, style"
    " FROM unnest(%s::bigint[], %s::integer[], %s::text[], %s::text[], %s::boolean[], %s::bigint[], %s::text[])"
    " AS batch(seq, sender_id, client_id, text, bot, ts, style) RETURNING seq, id;"
    f" UPDATE {_ROOM} SET last_seq = %s WHERE id = %s; COMMIT"
)

_OPEN = (psycopg.pq.TransactionStatus.INTRANS, psycopg.pq.TransactionStatus.INERROR)


async def _store_sql(room_id: str, drafts: list[Draft]) -> list[Outcome]:
    """One transaction for the drafts in two round trips from this loop, each
    a query string of several statements (messenger.platform.pg_async binds parameters
    client-side, which allows that)."""
    # DM blocks are checked before the lock, on a thread (the block rules are
    # the ORM's, in messenger.hooks); a block is not tied to the room lock either.
    blocked = await db_async.run(_blocked_senders, room_id, drafts) if ids.is_dm(room_id) else set()
    senders = {draft.sender.pk: draft.sender for draft in drafts}
    async with pgloop.connection() as conn:
        try:
            cursor = await conn.execute(_LOCK_AND_READ, (
                room_id, room_id, [d.sender.pk for d in drafts], [d.client_id for d in drafts],
                list(senders),
            ))
            cursor.nextset()  # past BEGIN
            room = await cursor.fetchone()
            cursor.nextset()
            keys = {(draft.sender.pk, draft.client_id) for draft in drafts}
            earlier = {
                (sender_id, client_id): Message(
                    pk=pk, room_id=room_id, seq=seq, sender=senders[sender_id], client_id=client_id,
                    text=text, bot=bot, ts=ts, style=style,
                )
                for sender_id, client_id, pk, seq, text, bot, ts, style in await cursor.fetchall()
                if (sender_id, client_id) in keys
            }
            cursor.nextset()
            muted = {user_id for (user_id,) in await cursor.fetchall()}
            outcomes, new = _plan(room_id, room, drafts, earlier, muted, blocked)
            if not new:
                await conn.execute("COMMIT")
                return outcomes
            cursor = await conn.execute(_INSERT_AND_COMMIT, (
                room_id, [m.seq for m in new], [m.sender_id for m in new], [m.client_id for m in new],
                [m.text for m in new], [m.bot for m in new], [m.ts for m in new], [m.style for m in new],
                new[-1].seq, room_id,
            ))
        except BaseException:
            # Rolled back here; a broken or busy connection is discarded by the pool instead.
            if conn.info.transaction_status in _OPEN:
                with contextlib.suppress(psycopg.Error):
                    await conn.execute("ROLLBACK")
            raise
    pks = dict(await cursor.fetchall())
    for message in new:
        message.pk = pks[message.seq]
    return outcomes


async def _store(room_id: str, drafts: list[Draft]) -> list[Outcome]:
    if pgloop.enabled():
        return await _store_sql(room_id, drafts)
    return await db_async.run(store, room_id, drafts)


# --- the writers -------------------------------------------------------------------


class _Pending:
    __slots__ = ("draft", "future")

    def __init__(self, draft: Draft, future: asyncio.Future):
        self.draft = draft
        self.future = future


class _RoomWriter:
    """The room's queue in this process and the one task that drains it."""

    def __init__(self, room_id: str, writers: dict):
        self.room_id = room_id
        self.pending: list[_Pending] = []
        self._writers = writers
        # A fresh context: the task serves every sender of the room, not the socket that started it.
        self.task = asyncio.get_running_loop().create_task(self._drain(), context=contextvars.Context())

    async def _drain(self) -> None:
        try:
            while self.pending:
                batch, self.pending = self.pending[:BATCH_MAX], self.pending[BATCH_MAX:]
                await self._write(batch)
        finally:
            if self._writers.get(self.room_id) is self:
                del self._writers[self.room_id]
            for pending in self.pending:
                pending.future.cancel()

    async def _write(self, batch: list[_Pending]) -> None:
        try:
            outcomes = await _store(self.room_id, [pending.draft for pending in batch])
        except Exception as exc:
            # Rolled back: nothing of the batch is stored, every sender gets the error.
            for pending in batch:
                if not pending.future.done():
                    pending.future.set_exception(exc)
            return
        except asyncio.CancelledError:
            for pending in batch:
                pending.future.cancel()
            raise
        for pending, outcome in zip(batch, outcomes, strict=True):
            # A sender that went away (cancelled) no longer waits; its message is stored all the same.
            if not pending.future.done():
                pending.future.set_result(outcome)


_writers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, _RoomWriter]]" = weakref.WeakKeyDictionary()


async def message_write(*, room_id: str, draft: Draft) -> Outcome:
    """Store the draft with the room's next seq (or find its earlier copy), in
    the next transaction of the room's writer."""
    loop = asyncio.get_running_loop()
    writers = _writers.get(loop)
    if writers is None:
        writers = _writers[loop] = {}
    future = loop.create_future()
    writer = writers.get(room_id)
    if writer is None:
        writer = writers[room_id] = _RoomWriter(room_id, writers)
    writer.pending.append(_Pending(draft, future))
    return await future


_SEQ_OF = f"SELECT seq FROM {_MESSAGE} WHERE room_id = %s AND sender_id = %s AND client_id = %s"


async def stored_seq(*, room_id: str, sender_id: int, client_id: str) -> int | None:
    """The seq of the sender's message with this clientId in the room, if stored."""
    if not pgloop.enabled():
        found = await db_async.run(
            selectors.message_by_client_id, room_id=room_id, sender_id=sender_id, client_id=client_id
        )
        return found.seq if found is not None else None
    async with pgloop.connection() as conn:
        row = await (await conn.execute(_SEQ_OF, (room_id, sender_id, client_id))).fetchone()
    return row[0] if row is not None else None
