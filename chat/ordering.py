"""Per-socket delivery of chat frames in seq order, with no gaps or repeats.

Two processes may publish seq 5 and 6 in either order, and a process that
dies between commit and publish never publishes at all. So each socket
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
        send: Callable[[str], Awaitable[None]],
        fetch: Callable[[int, int], Awaitable[list[str]]],
    ):
        self.next_seq = next_seq
        self._send = send
        # fetch(first, last) -> serialised frames of the stored messages in that range, oldest first.
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

    def delivered_up_to(self, seq: int) -> None:
        """Frames up to seq reached the client another way (history)."""
        self.next_seq = max(self.next_seq, seq + 1)

    def close(self) -> None:
        if self._gap_timer is not None:
            self._gap_timer.cancel()

    async def _flush(self) -> None:
        for seq in [s for s in self._held if s < self.next_seq]:
            del self._held[seq]
        while self.next_seq in self._held:
            await self._send(self._held.pop(self.next_seq))
            self.next_seq += 1

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
                for text in await self._fetch(self.next_seq, first_held - 1):
                    await self._send(text)
                self.next_seq = first_held
            await self._flush()
        self._arm_gap_timer()
