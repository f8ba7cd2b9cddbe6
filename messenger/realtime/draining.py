"""Graceful restart of a server process: on SIGTERM it stops accepting
connections, closes its sockets with 1012 ("service restart") spread over
`drain_seconds` (below), lets each socket finish the frame it is handling (a
chat being written gets its ack before the close), and then stops.

The closes are paced in sockets per second, not squeezed into a fixed
window: every socket closed here connects to another process, which lets
new sockets in a few at a time (messenger/realtime/admission.py) at a
couple of hundred per second per core at best. Five seconds for 5,000
sockets is 1,000 connects a second at the others: the herd waits in their
admission queues, then is refused with 4503 and comes back up to tens of
seconds later, while the rooms on those processes wait behind the welcomes
(docs/PERFORMANCE.md, rolling restart (h)). A socket waiting for its close
is still fully served, so a longer drain costs the deploy time, not the
people on it. And since how fast the others let sockets in depends on their
cores and their load, the drain also holds its closes while another process
says its admission queue is long (messenger/realtime/admission.py): the
socket is closed once the others can take it, not to wait in their queue.
The backlog is seen about a second after the closes that caused it (the
client's backoff, its handshake), so after a hold the closes go on at most
WS_DRAIN_RATE a second, or HELD_RATE when that is not set.

Clients reconnect with backoff and jitter to any other process (nginx, or the
kernel on a shared listening socket, picks one) and resume with `since`; what
they sent and saw no ack for, they send again, and a stored `clientId` is
acknowledged again, never stored twice (docs/DEPLOYMENT.md, rolling restarts).
"""

import asyncio
import logging
import random

from django.conf import settings

from messenger.realtime import admission, gc_control, library_patches
from messenger.realtime.registry import registry

log = logging.getLogger("messenger.ws")

# After the last close frame: time for close handshakes and the consumers' clean-up (membership, counts).
SETTLE_S = 1.5
# How often a drain asks whether another process has an admission backlog (each ask is a cache read).
HOLD_CHECK_S = 0.1
# After a hold, closes a second when WS_DRAIN_RATE sets none: a closed client reaches the others
# about a second later, so an unpaced drain (5,000 sockets in WS_DRAIN_S) overruns their queues
# before their backlog is seen; at this pace a second's overrun is a short queue.
HELD_RATE = 50
_started: list[asyncio.Task] = []


def install() -> None:
    """Take SIGTERM in a server process (called from messenger/asgi.py)."""
    library_patches.on_sigterm(_begin)


def _begin() -> None:
    if not _started:
        _started.append(asyncio.get_event_loop().create_task(drain()))


def drain_seconds(sockets: int) -> float:
    """How long the closes of `sockets` sockets are spread over: at least WS_DRAIN_S, long enough that
    at most WS_DRAIN_RATE close per second, and at most WS_DRAIN_MAX_S (a supervisor waits that long)."""
    paced = sockets / settings.WS_DRAIN_RATE if settings.WS_DRAIN_RATE > 0 else 0.0
    return min(settings.WS_DRAIN_MAX_S, max(settings.WS_DRAIN_S, paced))


async def drain(spread_s: float | None = None) -> None:
    # Every socket is about to close: no reclaim of their frozen objects (a long pause) in a process that exits.
    gc_control.collector.draining = True
    ports = library_patches.stop_listening()
    sockets = list(registry.sockets)
    random.shuffle(sockets)
    spread_s = drain_seconds(len(sockets)) if spread_s is None else spread_s
    log.warning("draining for restart", extra={"sockets": len(sockets), "ports": ports, "spread_s": spread_s})
    loop = asyncio.get_running_loop()
    started = loop.time()
    deadline = started + max(spread_s, settings.WS_DRAIN_MAX_S)
    held = _Hold(loop)
    closing = []
    held_rate = settings.WS_DRAIN_RATE if settings.WS_DRAIN_RATE > 0 else HELD_RATE
    resumed: tuple[float, int] | None = None  # (when, index) at the end of the latest hold
    for index, consumer in enumerate(sockets):
        due = started + held.total_s + spread_s * index / max(1, len(sockets))
        if resumed is not None:
            due = max(due, resumed[0] + (index - resumed[1]) / held_rate)
        await asyncio.sleep(max(0.0, min(deadline, due) - loop.time()))
        if await held.while_others_backlogged(deadline):
            resumed = (loop.time(), index)
        closing.append(loop.create_task(consumer.close_for_restart()))
    # Sockets that finished their handshake meanwhile.
    closing += [loop.create_task(s.close_for_restart()) for s in list(registry.sockets) if s not in sockets]
    results = await asyncio.gather(*closing, return_exceptions=True)
    for result in results:
        if isinstance(result, Exception):
            log.error("socket did not close cleanly for restart", exc_info=result)
    await asyncio.sleep(SETTLE_S)
    log.warning("drained: stopping", extra={"sockets": len(sockets), "held_s": round(held.total_s, 2)})
    library_patches.stop_server()


class _Hold:
    """Waits while another process says its admission queue is long, asking at most every HOLD_CHECK_S;
    the time held moves the rest of the schedule back. A failed ask does not hold (the pace still does)."""

    def __init__(self, loop):
        self.loop = loop
        self.total_s = 0.0
        self._asked_at: float | None = None
        self._backlogged = False

    async def while_others_backlogged(self, deadline: float) -> bool:
        """True when it held."""
        held = False
        while self.loop.time() < deadline and await self._backlogged_now():
            held = True
            await asyncio.sleep(HOLD_CHECK_S)
            self.total_s += HOLD_CHECK_S
        return held

    async def _backlogged_now(self) -> bool:
        now = self.loop.time()
        if self._asked_at is None or now - self._asked_at >= HOLD_CHECK_S:
            self._asked_at = now
            try:
                self._backlogged = bool(await admission.backlog_call(admission.others_backlog))
            except Exception:
                log.warning("admission backlog not read: the drain goes on at its pace", exc_info=True)
                self._backlogged = False
        return self._backlogged
