"""Live sockets of this process, and the one task that sweeps them: the idle
rule (4408) and a lost channel layer (4503)."""

import asyncio
import logging
import time

from django.conf import settings

from messenger import errors
from messenger.platform.outage import channel_layer_reachable

log = logging.getLogger("messenger.ws")


class _Registry:
    """Live sockets of this process, swept for the idle rule and for a lost
    channel layer by one task."""

    # Consecutive failed pings of the channel layer's Redis before the sockets are closed (a blip is not an outage).
    LAYER_FAILURES_TO_CLOSE = 2

    def __init__(self):
        self.sockets: set = set()
        self._task: asyncio.Task | None = None
        self._layer_failures = 0

    def add(self, consumer):
        self.sockets.add(consumer)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._sweep())

    def discard(self, consumer):
        self.sockets.discard(consumer)

    def count(self, kind: str | None = None) -> int:
        return sum(1 for s in self.sockets if kind is None or s.kind == kind)

    async def _sweep(self):
        while self.sockets:
            await asyncio.sleep(min(2.0, settings.WS_IDLE_TIMEOUT_S / 4))
            deadline = time.monotonic() - settings.WS_IDLE_TIMEOUT_S
            for consumer in [s for s in self.sockets if s.last_frame_at < deadline]:
                self.sockets.discard(consumer)
                try:
                    await consumer.close_with(errors.CLOSE_IDLE, "idle")
                except Exception:
                    log.exception("could not close idle socket")
            await self._check_layer()

    async def _check_layer(self):
        """Without the channel layer a socket silently misses fan-out; closed with 4503 it
        reconnects and replays what it missed with `since` once Redis is back."""
        if await channel_layer_reachable():
            self._layer_failures = 0
            return
        self._layer_failures += 1
        if self._layer_failures < self.LAYER_FAILURES_TO_CLOSE or not self.sockets:
            return
        log.warning("channel layer unreachable: closing sockets", extra={"sockets": len(self.sockets)})
        for consumer in list(self.sockets):
            self.sockets.discard(consumer)
            try:
                await consumer.close_unavailable()
            except Exception:
                log.exception("could not close socket")


registry = _Registry()
