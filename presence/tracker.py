"""This process's presence sockets, kept alive in the shared liveness state,
and the one task per process that announces sign-outs.

While this process holds presence sockets it refreshes their expiry every
PRESENCE_TTL_S / 4 (so a process killed -9 stops refreshing and its users
expire) and sweeps the shared state about once a second. Every process with
presence sockets sweeps; the sweep is atomic, so each sign-out is announced
by exactly one of them.
"""

import asyncio
import logging
import time

from django.conf import settings

from . import broadcast, liveness

log = logging.getLogger("messenger.presence")

_REFRESH_BATCH = 500


def _sweep_every() -> float:
    return max(0.1, min(1.0, settings.PRESENCE_GRACE_S / 3))


def _refresh_every() -> float:
    return settings.PRESENCE_TTL_S / 4


class _Tracker:
    def __init__(self):
        self.sockets: dict[str, int] = {}
        self._task: asyncio.Task | None = None
        # After the last local socket closes, keep sweeping through its grace
        # so its sign-out is announced even if no other process sweeps.
        self._linger_until = 0.0

    async def socket_opened(self, *, user_id: int, socket_id: str) -> bool:
        """Track the socket; True when the user just came online."""
        self.sockets[socket_id] = user_id
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())
        return user_id in await liveness.sockets_open([(user_id, socket_id)])

    async def socket_closed(self, *, user_id: int, socket_id: str) -> None:
        self.sockets.pop(socket_id, None)
        self._linger_until = time.monotonic() + settings.PRESENCE_GRACE_S + 2 * _sweep_every()
        await liveness.socket_close(user_id=user_id, socket_id=socket_id)

    async def _run(self):
        refreshed_at = time.monotonic()
        while self.sockets or time.monotonic() < self._linger_until:
            await asyncio.sleep(_sweep_every())
            try:
                if time.monotonic() - refreshed_at >= _refresh_every():
                    refreshed_at = time.monotonic()
                    await self._refresh()
                for user_id in await liveness.sweep():
                    await broadcast.announce(user_id, was_online=True)
            except Exception:
                log.exception("presence sweep failed")

    async def _refresh(self):
        # A user swept while this process stalled comes back online here.
        pairs = [(user_id, socket_id) for socket_id, user_id in self.sockets.items()]
        for start in range(0, len(pairs), _REFRESH_BATCH):
            for user_id in await liveness.sockets_open(pairs[start : start + _REFRESH_BATCH]):
                await broadcast.announce(user_id, was_online=False)


tracker = _Tracker()
