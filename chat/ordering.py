"""Delivery of a room's chat frames in seq order, with no gaps or repeats,
once per process (chat.room_hub hands each frame to the local sockets).

Two processes may publish seq 5 and 6 in either order, and a process that
dies between commit and publish never publishes at all. So the process
holds early frames back, and when a missing seq has not arrived within
GAP_WAIT_S it reads the gap from the database (commits happen in seq order,
so everything below a seq that arrived is already stored; deleted messages
are simply skipped).
"""

import asyncio
from collections.abc import Awaitable, Callable

GAP_WAIT_S = 1.0


class SeqOrderer:
    def __init__(
        self,
        *,
        next_seq: int,
        send: Callable[[int, str], Awaitable[None]],
        fetch: Callable[[int, int], Awaitable[list[tuple[int, str]]]],
    ):
        self.next_seq = next_seq
        self._send = send
        # fetch(first, last) -> (seq, serialised frame) of the stored messages in that range, oldest first.
        self._fetch = fetch
        self._held: dict[int, str] = {}
        self._lock = asyncio.Lock()
        self._gap_timer: asyncio.Task | None = None

    async def offer(self, seq: int, text: str) -> None:
        async with self._lock:
            if seq < self.next_seq or seq in self._held:
                return
            self._held[seq] = text
            await self._flush()
            self._arm_gap_timer()

    def close(self) -> None:
        if self._gap_timer is not None:
            self._gap_timer.cancel()

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
                for seq, text in await self._fetch(self.next_seq, first_held - 1):
                    await self._send(seq, text)
                self.next_seq = first_held
            await self._flush()
        self._arm_gap_timer()
