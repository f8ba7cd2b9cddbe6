"""Process-local fan-out: one channel-layer subscription per group per process.

With every socket's own channel in a room group, each message was decoded
once per member and went through each consumer's queue, dispatch and a
thread hop (Channels closes stale database connections on a thread before
every handler): about 1 ms of CPU per delivery. Here a process listens to a
group once; each event is decoded once and handed to one callback, which
writes the pre-serialised frame to its local sockets (library_patches.write_frame).
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from channels.layers import get_channel_layer

from messenger.platform import metrics

log = logging.getLogger("messenger.realtime.local_fanout")

EventHandler = Callable[[dict], Awaitable[None]]


class GroupSubscription:
    """This process's one listener on a group, live from `open()` to `close()`."""

    def __init__(self, group: str, on_event: EventHandler):
        self.group = group
        self._on_event = on_event
        self._layer = get_channel_layer()
        self._channel = ""
        self._pump_task: asyncio.Task | None = None

    async def open(self) -> None:
        """Returns once the group is subscribed: every later group_send arrives."""
        self._channel = await self._layer.new_channel("hub.")
        await self._layer.group_add(self.group, self._channel)
        self._pump_task = asyncio.get_running_loop().create_task(self._pump())

    async def close(self) -> None:
        if self._pump_task is not None:
            self._pump_task.cancel()
        if self._channel:
            await self._layer.group_discard(self.group, self._channel)

    async def _pump(self) -> None:
        while True:
            event = await self._layer.receive(self._channel)
            if "sentAt" in event:
                metrics.FANOUT_SECONDS.observe(max(0.0, time.time() - event["sentAt"]))
            # One bad event must not end the subscription for every socket of the group.
            try:
                await self._on_event(event)
            except Exception:
                log.exception("error while fanning out", extra={"event": event.get("type")})
