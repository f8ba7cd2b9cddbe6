"""Per-user group events (revocation, kicks, presence frames) to this
process's sockets, over one channel-layer channel for the whole process.

Each socket used to have a channel of its own in its user's groups: with
the pub/sub layer that was a Redis SUBSCRIBE for the channel and one for
the group on every connect, two UNSUBSCRIBEs on every close, and a queue
and a listening task per socket. Here the process listens on one channel;
a group costs one SUBSCRIBE when its first local socket arrives and one
UNSUBSCRIBE when its last leaves. The channel layer does not say which
group an event came through, so `fanout.group_send` names it in the event.
"""

import asyncio
import contextvars
import logging

from channels.layers import get_channel_layer

log = logging.getLogger("messenger.realtime.user_groups")


class _Group:
    __slots__ = ("sockets", "subscribed", "lock")

    def __init__(self):
        self.sockets: set = set()
        self.subscribed = False
        # Serialises this group's SUBSCRIBE and UNSUBSCRIBE: a socket that
        # arrives while the last one's UNSUBSCRIBE is in flight subscribes again after it.
        self.lock = asyncio.Lock()


class UserGroups:
    def __init__(self):
        self._groups: dict[str, _Group] = {}
        self._channel = ""
        self._opening: asyncio.Task | None = None
        self._pump_task: asyncio.Task | None = None

    async def add(self, group: str, consumer) -> None:
        """Returns once events sent to `group` reach `consumer.group_event`."""
        entry = self._groups.get(group)
        if entry is None:
            entry = self._groups[group] = _Group()
        entry.sockets.add(consumer)
        try:
            async with entry.lock:
                if not entry.subscribed:
                    await get_channel_layer().group_add(group, await self._listening())
                    entry.subscribed = True
        except BaseException:
            entry.sockets.discard(consumer)
            self._forget_if_unused(group, entry)
            raise

    async def discard(self, group: str, consumer) -> None:
        entry = self._groups.get(group)
        if entry is None or consumer not in entry.sockets:
            return
        entry.sockets.discard(consumer)
        async with entry.lock:
            if not entry.sockets and entry.subscribed:
                entry.subscribed = False
                try:
                    await get_channel_layer().group_discard(group, self._channel)
                finally:
                    self._forget_if_unused(group, entry)
            else:
                self._forget_if_unused(group, entry)

    def _forget_if_unused(self, group: str, entry: _Group) -> None:
        if not entry.sockets and not entry.subscribed and self._groups.get(group) is entry:
            del self._groups[group]

    async def _listening(self) -> str:
        """The process's channel, created with its listening task on first use."""
        if self._opening is None or (self._opening.done() and self._opening.exception() is not None):
            # A fresh context: the task outlives the socket that started it (its log user and room).
            self._opening = asyncio.get_running_loop().create_task(self._open(), context=contextvars.Context())
        return await asyncio.shield(self._opening)

    async def _open(self) -> str:
        layer = get_channel_layer()
        channel = await layer.new_channel("sockets.")
        self._channel = channel
        self._pump_task = asyncio.get_running_loop().create_task(self._pump(layer, channel))
        return channel

    async def _pump(self, layer, channel: str) -> None:
        while True:
            event = await layer.receive(channel)
            entry = self._groups.get(event.get("group", ""))
            if entry is None:
                continue
            for consumer in list(entry.sockets):
                # One socket's failure must not cost the others their event.
                try:
                    await consumer.group_event(event)
                except Exception:
                    log.exception("error while handing a group event to a socket", extra={"event": event.get("type")})


user_groups = UserGroups()
