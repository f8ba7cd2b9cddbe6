"""The room sockets of this process, fanned out to once per room.

A room with local sockets has one subscription to its group
(messenger.realtime.local_fanout), one seq orderer (chat.ordering) and the sockets. Each
frame is decoded once per process and its text written to each socket.

No gap, no repeat, across a socket's welcome: a socket attaches (the room
is subscribed by then) before it reads its welcome history, so every seq
after its welcome's lastSeq is either committed later (and published
after the subscription) or handed over while the socket waits for its
welcome; frames meant for it are kept until `ready(last_seq)` and those
its history already holds are dropped. The room's orderer starts at the
room's last seq read right after subscribing, for the same reason.
"""

import asyncio
import contextvars
import logging

import orjson

from messenger.platform import db_async, fanout
from messenger.realtime import library_patches, local_fanout

from . import selectors
from .ordering import SeqOrderer

log = logging.getLogger("chat.room_hub")


class _Member:
    __slots__ = ("consumer", "socket_id", "delivered_seq", "waiting")

    def __init__(self, consumer):
        self.consumer = consumer
        self.socket_id = consumer.socket_id
        self.delivered_seq = 0
        # (seq or None, text, id of the user a join/leave is about) handed
        # over before the socket's welcome went out.
        self.waiting: list[tuple[int | None, str, int | None]] | None = []

    async def offer(self, seq: int | None, text: str, frame: bytes, about: int | None = None) -> None:
        if self.waiting is not None:
            self.waiting.append((seq, text, about))
        else:
            await self.send(seq, text, frame)

    async def send(self, seq: int | None, text: str, frame: bytes | None = None) -> None:
        if seq is not None:
            if seq <= self.delivered_seq:
                return
            self.delivered_seq = seq
        if self.consumer._closing:
            return
        if self.consumer.blockers:
            text, frame = shown_to_blocked(text, self.consumer.blockers), None
        try:
            if frame is None:
                await library_patches.write_text(self.consumer, text)
            else:
                await library_patches.write_frame(self.consumer, text, frame)
        except Exception:
            # One socket's failure must not stop the fan-out to the others; it is a bug, so it is loud.
            log.exception("could not write a frame to a room socket", extra={"seq": seq})


def shown_to_blocked(text: str, blockers: set[str]) -> str:
    """The frame as a user blocked by `blockers` sees it: those users `offline`
    (contract 1.3: a blocked user sees the blocker offline, here too). Only
    the few sockets of blocked users pay for the decode."""
    frame = orjson.loads(text)
    about = frame.get("user") or frame.get("sender")
    if isinstance(about, dict) and about.get("id") in blockers and about.get("status") != "offline":
        about["status"] = "offline"
        return orjson.dumps(frame).decode()
    return text


class LocalRoom:
    def __init__(self, room_id: str):
        self.room_id = room_id
        self.members: dict[str, _Member] = {}
        self.orderer: SeqOrderer | None = None
        self._subscription = local_fanout.GroupSubscription(fanout.room_group(room_id), self._on_event)
        # A fresh context: the room's tasks outlive the socket that opened it (its log user and room).
        self.opening = asyncio.get_running_loop().create_task(self._open(), context=contextvars.Context())

    async def _open(self) -> None:
        await self._subscription.open()
        last_seq = await self._fetch_last_seq()
        self.orderer = SeqOrderer(
            next_seq=last_seq + 1, send=self._deliver, fetch=self._fetch, fetch_last_seq=self._fetch_last_seq
        )

    async def close(self) -> None:
        self.opening.cancel()
        if self.orderer is not None:
            self.orderer.close()
        await self._subscription.close()

    async def _on_event(self, event: dict) -> None:
        if event.get("type") == "room.closed":
            # Archived or deleted (chat.services): every socket of the room here closes.
            for member in list(self.members.values()):
                await member.consumer.close_with(event["code"], event.get("reason", ""))
            return
        if event.get("type") != "frame.out":
            return
        await self.opening
        seq = event.get("seq")
        if seq is None:
            await self._deliver(None, event["text"], skip=event.get("skip"), about=event.get("member"))
        else:
            await self.orderer.offer(seq, event["text"])

    async def _deliver(self, seq: int | None, text: str, *, skip: str | None = None, about: int | None = None) -> None:
        frame = library_patches.text_frame(text)
        for member in list(self.members.values()):
            if member.socket_id != skip:
                await member.offer(seq, text, frame, about)

    async def _fetch(self, first: int, last: int) -> list[tuple[int, str]]:
        frames = await db_async.run(selectors.messages_between, room_id=self.room_id, first=first, last=last)
        return [(frame["seq"], orjson.dumps(frame).decode()) for frame in frames]

    async def _fetch_last_seq(self) -> int:
        return await db_async.run(selectors.room_last_seq, self.room_id)


_rooms: dict[str, LocalRoom] = {}


async def attach(room_id: str, consumer) -> None:
    """Subscribe the socket to the room's frames; they are kept until `ready`."""
    room = _rooms.get(room_id)
    if room is None:
        room = _rooms[room_id] = LocalRoom(room_id)
    member = _Member(consumer)
    room.members[member.socket_id] = member
    try:
        await asyncio.shield(room.opening)
    except Exception:
        await detach(room_id, consumer)
        raise


def committed_seq(room_id: str) -> int:
    """A seq up to which every message of the room is committed (and handed to
    this process's sockets): the orderer's. After `attach`, a socket's welcome
    may take it for the room's last seq without reading the room's row; every
    later seq reaches the socket through the orderer."""
    return _rooms[room_id].orderer.next_seq - 1


async def ready(room_id: str, consumer, last_seq: int, member_ids: set[int]) -> None:
    """The socket's welcome (history up to last_seq, members member_ids) went
    out: deliver what came after it, except `join`s of users it already lists
    (in a room filling up, those were half of all join frames)."""
    member = _rooms[room_id].members[consumer.socket_id]
    member.delivered_seq = last_seq
    # Only the first join/leave about a listed user can be one the list already shows.
    listed = set(member_ids)
    # Frames handed over while these are written join the end of the list, in order.
    while member.waiting:
        seq, text, about = member.waiting.pop(0)
        if about in listed:
            listed.discard(about)
            if text.startswith('{"type":"join"'):
                continue
        await member.send(seq, text)
    member.waiting = None


async def detach(room_id: str, consumer) -> None:
    room = _rooms.get(room_id)
    if room is None or room.members.pop(consumer.socket_id, None) is None:
        return
    if not room.members:
        # Gone from the map first: a socket that arrives meanwhile opens a fresh subscription.
        del _rooms[room_id]
        await room.close()
