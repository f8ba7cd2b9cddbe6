"""Graceful restart of a server process: on SIGTERM it stops accepting
connections, closes its sockets with 1012 ("service restart") spread over
WS_DRAIN_S seconds, lets each socket finish the frame it is handling (a chat
being written gets its ack before the close), and then stops.

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


async def drain(spread_s: float | None = None) -> None:
    spread_s = settings.WS_DRAIN_S if spread_s is None else spread_s
    # Every socket is about to close: no reclaim of their frozen objects (a long pause) in a process that exits.
    gc_control.collector.draining = True
    ports = library_patches.stop_listening()
    sockets = list(registry.sockets)
    random.shuffle(sockets)
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
