"""Admission of new sockets: how many connects a process works on at once.

A connect costs the process a few milliseconds of CPU (token, user, room
membership, the welcome) on the event loop that also serves the frames of
every socket already open. Let a storm of connects in all at once and each
chat frame waits behind hundreds of welcomes (a room measured 849 ms p99
while 300 sockets joined, 42 ms after). So:

* at most WS_ADMIT_CONCURRENCY sockets are being admitted at any moment;
  the loop turns between their awaits serve open sockets' frames;
* up to WS_ADMIT_QUEUE more wait, in arrival order, for one of those slots;
* a socket that finds the queue full is accepted and told to come back: an
  `error` `UNAVAILABLE` with `retryAfterMs` (WS_ADMIT_RETRY_MS plus random
  jitter of as much again), then close 4503. Clients reconnect after that
  wait, with their own backoff and jitter (docs/PROTOCOL.md, §9).

One process, one loop: the counts are plain attributes, no lock needed.
"""

import asyncio
import random
from collections import deque

from django.conf import settings

from messenger.platform import metrics


class Admission:
    def __init__(self):
        self.admitting = 0
        self._waiting: deque[asyncio.Future] = deque()

    async def enter(self) -> bool:
        """True once this socket may be admitted (call `leave` when done); False when it must come back later."""
        if self.admitting < settings.WS_ADMIT_CONCURRENCY and not self._waiting:
            self.admitting += 1
            return True
        if len(self._waiting) >= settings.WS_ADMIT_QUEUE:
            metrics.SOCKETS_DEFERRED.inc()
            return False
        turn = asyncio.get_running_loop().create_future()
        self._waiting.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                # The slot was handed over as this socket went away: pass it on.
                self.leave()
            else:
                self._waiting.remove(turn)
            raise
        return True

    def leave(self) -> None:
        """This socket's admission is over: the slot goes to the longest waiting socket, if any."""
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self.admitting -= 1

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    @staticmethod
    def retry_after_ms() -> int:
        """How long a deferred client should wait: the base and up to as much again, at random,
        so that the clients deferred together do not all come back together."""
        base = settings.WS_ADMIT_RETRY_MS
        return base + random.randint(0, base)


admission = Admission()
