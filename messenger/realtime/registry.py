"""Live sockets of this process, and the one task that sweeps them: the idle
rule (4408) and a lost channel layer (4503).

The idle rule looks only at sockets whose deadline has come: a heap of
(deadline, socket) is checked from the front each sweep, and a socket that
spoke since is put back with its new deadline. With 10,000 sockets that is
a few hundred entries per sweep instead of all 10,000 every 2 s (issue 17's
"O(active), not O(all)"). Entries hold weak references, so a closed socket
is freed at once, not when its deadline comes.
"""

import asyncio
import heapq
import itertools
import logging
import time
import weakref

from django.conf import settings

from messenger import errors
from messenger.platform.outage import channel_layer_reachable
from messenger.realtime import gc_control

log = logging.getLogger("messenger.ws")


class _Registry:
    """Live sockets of this process, swept for the idle rule and for a lost
    channel layer by one task."""

    # Consecutive failed pings of the channel layer's Redis before the sockets are closed (a blip is not an outage).
    LAYER_FAILURES_TO_CLOSE = 2

    def __init__(self):
        self.sockets: set = set()
        self._gc_passes: dict = {}
        self._task: asyncio.Task | None = None
        self._layer_failures = 0
        # (idle deadline, tie-breaker, weak reference to the socket)
        self._deadlines: list[tuple[float, int, weakref.ref]] = []
        self._order = itertools.count()
        # Entries the last sweep looked at (tests and the benchmark read it).
        self.examined = 0

    def add(self, consumer):
        self.sockets.add(consumer)
        # The collector's pass count at registration: a socket refused before the next pass froze nothing.
        self._gc_passes[consumer] = gc_control.collector.passes()
        gc_control.collector.socket_opened()
        self._schedule(consumer)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._sweep())

    def _schedule(self, consumer) -> None:
        deadline = consumer.last_frame_at + settings.WS_IDLE_TIMEOUT_S
        heapq.heappush(self._deadlines, (deadline, next(self._order), weakref.ref(consumer)))

    def discard(self, consumer):
        if consumer in self.sockets:
            self.sockets.discard(consumer)
            gc_control.collector.socket_closed(self._gc_passes.pop(consumer, None))

    def count(self, kind: str | None = None) -> int:
        return sum(1 for s in self.sockets if kind is None or s.kind == kind)

    async def _sweep(self):
        while self.sockets:
            await asyncio.sleep(min(2.0, settings.WS_IDLE_TIMEOUT_S / 4))
            for consumer in self.idle_sockets(time.monotonic()):
                self.discard(consumer)
                try:
                    await consumer.close_with(errors.CLOSE_IDLE, "idle")
                except Exception:
                    log.exception("could not close idle socket")
            await self._check_layer()
        self._deadlines.clear()

    def idle_sockets(self, now: float) -> list:
        """The open sockets silent for WS_IDLE_TIMEOUT_S; those that spoke since
        their deadline was set get a new one."""
        idle, examined = [], 0
        while self._deadlines and self._deadlines[0][0] <= now:
            _, _, ref = heapq.heappop(self._deadlines)
            examined += 1
            consumer = ref()
            if consumer is None or consumer not in self.sockets:
                continue
            if consumer.last_frame_at + settings.WS_IDLE_TIMEOUT_S <= now:
                idle.append(consumer)
            else:
                self._schedule(consumer)
        self.examined = examined
        return idle

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
            self.discard(consumer)
            try:
                await consumer.close_unavailable()
            except Exception:
                log.exception("could not close socket")


registry = _Registry()
