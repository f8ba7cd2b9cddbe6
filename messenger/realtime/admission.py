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
  `error` `UNAVAILABLE` with `retryAfterMs`, then close 4503. Clients
  reconnect after that wait, with their own backoff and jitter
  (docs/PROTOCOL.md, §9). The wait is about the time the queue needs at
  the recent pace of admissions (at least WS_ADMIT_RETRY_MS, at most
  WS_ADMIT_RETRY_MAX_MS), and up to as much again at random: a herd is
  spread over the time the process needs to let it in, instead of coming
  back every second to be refused again (each refusal is a handshake the
  process pays for).

A process with WS_DRAIN_HOLD_BACKLOG or more sockets waiting says so to the
others through the shared cache (`BACKLOG_KEY`, renewed at most every
BACKLOG_EVERY_S while the queue stays that long, gone BACKLOG_TTL_S after the
last renewal or at once when the queue is short again): a process draining
for a restart holds its closes meanwhile (messenger/realtime/draining.py),
so that its sockets come over no faster than this process lets them in.

One process, one loop: the counts are plain attributes, no lock needed.
"""

import asyncio
import logging
import random
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings

from messenger.platform import metrics, process_cache

log = logging.getLogger("messenger.ws")

# Admissions that ended longer ago than this say nothing about the pace now.
PACE_FRESH_S = 10.0
BACKLOG_KEY = "ws-admission-backlog"
BACKLOG_TTL_S = 2.0
BACKLOG_EVERY_S = 0.5
# The backlog's cache calls run on a thread of their own: in a storm the sockets' pool
# (messenger.platform.db_async) is busy with the very connects the backlog is about.
_backlog_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="admission-backlog")


class Admission:
    def __init__(self):
        self.admitting = 0
        self._waiting: deque[asyncio.Future] = deque()
        # When the latest admissions ended: their pace spreads the deferred sockets' returns.
        self._ended: deque[float] = deque(maxlen=64)
        # When this process last said it has a backlog (None: it has not, or has said it is over).
        self._told_at: float | None = None
        self._telling: set[asyncio.Task] = set()

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
        self._tell_backlog()
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
        self._ended.append(time.monotonic())
        if self._told_at is not None and len(self._waiting) < settings.WS_DRAIN_HOLD_BACKLOG // 2:
            self._told_at = None
            self._tell(None)
        else:
            # Renewed as the queue goes down too: a draining process holding sends none to renew it.
            self._tell_backlog()
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self.admitting -= 1

    def _tell_backlog(self) -> None:
        waiting = len(self._waiting)
        if settings.WS_DRAIN_HOLD_BACKLOG <= 0 or waiting < settings.WS_DRAIN_HOLD_BACKLOG:
            return
        now = time.monotonic()
        if self._told_at is not None and now - self._told_at < BACKLOG_EVERY_S:
            return
        self._told_at = now
        self._tell(waiting)

    def _tell(self, waiting: int | None) -> None:
        """Set (a count) or clear (None) the backlog key, off the loop; the connect never waits for it."""
        task = asyncio.get_running_loop().create_task(backlog_call(_set_backlog, waiting))
        self._telling.add(task)
        task.add_done_callback(self._told)

    def _told(self, task: asyncio.Task) -> None:
        self._telling.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("admission backlog not shared", exc_info=task.exception())

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def pace(self, now: float) -> float | None:
        """Admissions per second lately, or None with no recent pace to go by."""
        ended = self._ended
        if len(ended) < 2 or ended[-1] <= ended[0] or now - ended[-1] > PACE_FRESH_S:
            return None
        return (len(ended) - 1) / (ended[-1] - ended[0])

    def retry_after_ms(self, now: float | None = None) -> int:
        """How long a deferred client should wait: about the time the queue ahead of it needs at
        the recent pace of admissions (at least WS_ADMIT_RETRY_MS, at most WS_ADMIT_RETRY_MAX_MS),
        and up to as much again at random, so that the clients deferred together come back spread
        over that time rather than together."""
        now = time.monotonic() if now is None else now
        base, ceiling = settings.WS_ADMIT_RETRY_MS / 1000, settings.WS_ADMIT_RETRY_MAX_MS / 1000
        pace = self.pace(now)
        queue_s = (len(self._waiting) + self.admitting) / pace if pace else 0.0
        wait = min(ceiling, max(base, queue_s))
        return int(1000 * (wait + random.random() * wait))

def _set_backlog(waiting: int | None) -> None:
    cache = process_cache.shared()
    if waiting is None:
        cache.delete(BACKLOG_KEY)
    else:
        cache.set(BACKLOG_KEY, waiting, timeout=BACKLOG_TTL_S)


async def backlog_call(fn, *args):
    return await asyncio.get_running_loop().run_in_executor(_backlog_thread, fn, *args)


def others_backlog() -> int | None:
    """Sockets waiting in another process's admission queue, when one has said it has a backlog."""
    return process_cache.shared().get(BACKLOG_KEY)


admission = Admission()
