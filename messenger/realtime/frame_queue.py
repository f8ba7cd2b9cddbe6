"""A socket's frames waiting for their handlers: bounded, served in order by
one task that exists only while there is work.

The server hands a consumer each frame as it arrives but buffers them without
bound while the consumer is busy. The base socket (messenger.realtime.socket)
therefore does the cheap checks and counts as frames arrive and leaves the
slow part (a chat write, a history read) to this queue, so a flooder is seen
and closed at once and its frames never pile up in server memory.
"""

import asyncio
from collections.abc import Awaitable, Callable


class FrameQueue:
    __slots__ = ("_handle", "_limit", "_frames", "_worker")

    def __init__(self, handle: Callable[[object], Awaitable[None]], limit: int):
        # handle must not raise: an exception would end the worker with frames still queued.
        self._handle = handle
        self._limit = limit
        # A list, not a deque: most sockets queue nothing for minutes, and an
        # empty deque holds a block of 64 slots (~600 bytes) per socket.
        self._frames: list = []
        self._worker: asyncio.Task | None = None

    def offer(self, frame) -> bool:
        """Queue a frame for its handler; False when the queue is full."""
        if len(self._frames) >= self._limit:
            return False
        self._frames.append(frame)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._serve())
        return True

    def drop(self) -> None:
        """Forget the frames not started yet. The one being handled finishes:
        cancelling a write half-way (stored, not yet fanned out) would be worse."""
        self._frames.clear()

    async def idle(self) -> None:
        """Wait until the frame being handled (if any) is done."""
        worker = self._worker
        if worker is not None and not worker.done():
            await asyncio.shield(worker)

    async def _serve(self) -> None:
        # offer() runs while this task waits inside a handler (the loop then
        # sees the new frame) or after it has returned (offer starts another).
        while self._frames:
            await self._handle(self._frames.pop(0))
