"""Delivery of a room's chat frames in seq order, with no gaps or repeats,
once per process (chat.room_hub hands each frame to the local sockets).

Two processes may publish seq 5 and 6 in either order, and a process that
dies between commit and publish never publishes at all. So the process
holds early frames back, and when a missing seq has not arrived within
GAP_WAIT_S it reads the gap from the database (commits happen in seq order,
so everything below a seq that arrived is already stored; deleted messages
are simply skipped).

A gap is only seen when a later seq arrives. When the newest frames are
lost (a pub/sub subscriber Redis dropped and redis-py silently re-subscribed,
a publisher that died) and the room then goes quiet, nothing later arrives.
So after activity the orderer checks the room's tail: once the room has been
quiet for each of TAIL_CHECKS_S, it reads the room's last seq and fills what
is missing from the database; after the last check an idle room costs nothing.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("chat.ordering")

GAP_WAIT_S = 1.0
# Seconds of quiet after the room's last frame at which its tail is checked.
TAIL_CHECKS_S = (1.0, 3.0, 7.0)


class SeqOrderer:
    def __init__(
        self,
        *,
        next_seq: int,
        send: Callable[[int, str], Awaitable[None]],
        fetch: Callable[[int, int], Awaitable[list[tuple[int, str]]]],
        fetch_last_seq: Callable[[], Awaitable[int]],
    ):
        self.next_seq = next_seq
        self._send = send
        # fetch(first, last) -> (seq, serialised frame) of the stored messages in that range, oldest first.
        self._fetch = fetch
        # The room's last committed seq: every seq up to it is stored (or deleted).
        self._fetch_last_seq = fetch_last_seq
        self._held: dict[int, str] = {}
        self._lock = asyncio.Lock()
        self._gap_timer: asyncio.Task | None = None
        self._tail_watch: asyncio.Task | None = None
        self._last_frame_at = 0.0

    async def offer(self, seq: int, text: str) -> None:
        self._note_frame()
        async with self._lock:
            if seq < self.next_seq or seq in self._held:
                return
            self._held[seq] = text
            await self._flush()
            self._arm_gap_timer()

    def _note_frame(self) -> None:
        """The room spoke: check its tail once it has been quiet for a while from now."""
        loop = asyncio.get_running_loop()
        self._last_frame_at = loop.time()
        # One watcher per room that sleeps until the room is quiet: no task per frame.
        if self._tail_watch is None or self._tail_watch.done():
            self._tail_watch = loop.create_task(self._watch_tail())

    def close(self) -> None:
        for task in (self._gap_timer, self._tail_watch):
            if task is not None:
                task.cancel()

    async def _flush(self) -> None:
        for seq in [s for s in self._held if s < self.next_seq]:
            del self._held[seq]
        while self.next_seq in self._held:
            seq = self.next_seq
            await self._send(seq, self._held.pop(seq))
            self.next_seq = seq + 1

    def _arm_gap_timer(self) -> None:
        if self._held and (self._gap_timer is None or self._gap_timer.done()):
            self._gap_timer = asyncio.get_running_loop().create_task(self._fill_gap_later())

    async def _fill_gap_later(self) -> None:
        await asyncio.sleep(GAP_WAIT_S)
        async with self._lock:
            if not self._held:
                return
            first_held = min(self._held)
            if first_held > self.next_seq:
                await self._deliver_stored(first_held - 1)
            await self._flush()
        self._arm_gap_timer()

    async def _watch_tail(self) -> None:
        loop = asyncio.get_running_loop()
        step = 0
        while step < len(TAIL_CHECKS_S):
            frame_at = self._last_frame_at
            await asyncio.sleep(frame_at + TAIL_CHECKS_S[step] - loop.time())
            if self._last_frame_at != frame_at:
                # The room spoke again: its quiet starts over.
                step = 0
                continue
            try:
                await self._catch_up_tail()
            except Exception:
                # A database outage: the next check, or the next frame's gap fill, tries again.
                log.warning("could not check a room's tail", exc_info=True)
            # A frame that arrived while the check read the database found this watcher
            # running, so it started none: its quiet starts over here, or after the last
            # check nobody would watch the tail behind it.
            step = 0 if self._last_frame_at != frame_at else step + 1

    async def _catch_up_tail(self) -> None:
        last_seq = await self._fetch_last_seq()
        async with self._lock:
            if last_seq >= self.next_seq:
                await self._deliver_stored(last_seq)
                await self._flush()

    async def _deliver_stored(self, last: int) -> None:
        """Send the stored frames from next_seq up to `last` (all committed), in order."""
        for seq, text in await self._fetch(self.next_seq, last):
            await self._send(seq, text)
        self.next_seq = last + 1
