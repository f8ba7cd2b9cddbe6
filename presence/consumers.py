"""The presence socket, /api/ws/presence (contract 2.1, 2.4, docs/PRESENCE.md)."""

import asyncio

from django.conf import settings

from messenger import hooks
from messenger.platform import db_async, fanout
from messenger.realtime.socket import SocketConsumer
from messenger.realtime.user_groups import user_groups

from . import broadcast, services
from .frames import client_frames
from .tracker import tracker


def _unread(user) -> list[dict]:
    rooms = []
    for counts in hooks.unread_counts:
        rooms.extend(counts(user))
    return rooms


def _opening_reads(user, came_online: bool) -> tuple[list, set[int], list[dict]]:
    """What a presence connect reads, in one trip to a database thread (it was
    four): an automatic away undone, the roster with who of it blocks the
    user, and the unread rooms. After the user's group is subscribed: a
    contact added from now on reaches the socket."""
    if came_online:
        services.auto_away_undo(user.pk)
    contacts, blockers = services.roster_read(viewer_id=user.pk)
    return contacts, blockers, _unread(user)


class PresenceConsumer(SocketConsumer):
    kind = "presence"
    frames = client_frames
    _idle_timer: asyncio.Task | None = None

    async def opened(self):
        await user_groups.add(fanout.presence_group(self.user.pk), self)
        came_online = await tracker.socket_opened(user_id=self.user.pk, socket_id=self.socket_id)
        contacts, blockers, unread = await db_async.run(_opening_reads, self.user, came_online)
        roster = await services.roster_shown(viewer_id=self.user.pk, users=contacts, blockers=blockers)
        await self.send_frame({"type": "roster", "users": roster})
        await self.send_frame({"type": "unread", "rooms": unread})
        if came_online:
            await broadcast.announce(self.user.pk, was_online=False)

    async def closed(self, code):
        self._idle_cancel()
        await tracker.socket_closed(user_id=self.user.pk, socket_id=self.socket_id)
        await self.leave_group(fanout.presence_group(self.user.pk))

    async def frame_presence(self, frame):
        await services.presence_set(user_id=self.user.pk, status=frame.status, personal_message=frame.personalMessage)

    async def frame_idle(self, frame):
        if frame.idle:
            if self._idle_timer is None:
                self._idle_timer = asyncio.get_running_loop().create_task(self._away_later())
            return
        self._idle_cancel()
        await services.presence_auto_back(user_id=self.user.pk)

    async def _away_later(self):
        await asyncio.sleep(settings.PRESENCE_IDLE_AWAY_S)
        await services.presence_auto_away(user_id=self.user.pk)

    def _idle_cancel(self):
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
