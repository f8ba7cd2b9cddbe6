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
people on it.

Clients reconnect with backoff and jitter to any other process (nginx, or the
kernel on a shared listening socket, picks one) and resume with `since`; what
they sent and saw no ack for, they send again, and a stored `clientId` is
acknowledged again, never stored twice (docs/DEPLOYMENT.md, rolling restarts).
"""

import asyncio
import logging
import random

from django.conf import settings

from messenger.realtime import gc_control, library_patches
from messenger.realtime.registry import registry

log = logging.getLogger("messenger.ws")

# After the last close frame: time for close handshakes and the consumers' clean-up (membership, counts).
SETTLE_S = 1.5
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
    closing = []
    for index, consumer in enumerate(sockets):
        await asyncio.sleep(max(0.0, started + spread_s * index / max(1, len(sockets)) - loop.time()))
        closing.append(loop.create_task(consumer.close_for_restart()))
    # Sockets that finished their handshake meanwhile.
    closing += [loop.create_task(s.close_for_restart()) for s in list(registry.sockets) if s not in sockets]
    results = await asyncio.gather(*closing, return_exceptions=True)
    for result in results:
        if isinstance(result, Exception):
            log.error("socket did not close cleanly for restart", exc_info=result)
    await asyncio.sleep(SETTLE_S)
    log.warning("drained: stopping", extra={"sockets": len(sockets)})
    library_patches.stop_server()
