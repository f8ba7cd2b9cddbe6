"""The garbage collector in a server process: every pause recorded, and the
long-lived socket objects kept out of full collections.

Pauses: a `gc.callbacks` hook times every collection (the loop is stopped
for all of it) into `cfm_gc_pause_seconds{generation}` and keeps the
longest since start in `cfm_gc_pause_max_seconds` (/metrics; the benchmark
reads it).

Why full collections are managed here: CPython 3.11 collects the oldest
generation whenever it has grown by a quarter, and such a pass walks every
object that survived, which in this server is mostly the open sockets'
(protocol, transport, consumer, scope ...). With 10,000 sockets one pass
took about 0.5 s and found nothing to free (docs/PERFORMANCE.md, issue 17).

What `start()` does instead:
- automatic full collections are switched off (threshold of the oldest
  generation set out of reach; young collections stay as they are);
- every GC_FREEZE_EVERY_S, if young collections promoted anything since the
  last time, `gc.collect(2)` then `gc.freeze()`: the collection frees the
  garbage among what arrived since, and whatever is still alive moves to
  the permanent generation, which no collection walks. Each such pass walks
  only what arrived since the one before (a second of connects), never the
  sockets already open;
- frozen objects are still freed by reference counting; only a cycle among
  them stays until it is "reclaimed". Closed sockets leave such cycles
  (protocol <-> transport), so once more sockets have closed since the last
  reclaim than are open now (and at least GC_RECLAIM_CLOSES), everything is
  unfrozen, collected once (a pause as long as an old-style full collection:
  about 0.15 s of CPU per 1,000 open sockets) and frozen again: when no
  socket has opened for GC_RECLAIM_CALM_S, or, in a storm of arrivals and
  refusals that never calms, once closes reach GC_RECLAIM_FORCE_X times the
  most sockets open since the last reclaim (the bound on the memory dead
  cycles hold). A socket closed before any pass since it opened froze
  nothing and does not count. A growing process or one draining for a
  restart never reclaims.
"""

import asyncio
import gc
import logging
import sys
import time

from django.conf import settings

from messenger.platform import metrics

log = logging.getLogger("messenger.gc")

# The oldest generation's threshold, out of reach: CPython never runs a full collection on its own.
NO_AUTOMATIC_FULL_COLLECTIONS = 1_000_000_000
# Pauses this long are logged (from the collector's task, not inside the collection).
LONG_PAUSE_S = 0.05


class PauseRecorder:
    """Times every collection through gc.callbacks."""

    def __init__(self):
        self.started = 0.0
        self.started_cpu = 0.0
        # The loop's wall-clock stop, and the CPU the collection itself used (on a shared
        # core the first also holds time the kernel gave to other processes).
        self.longest_cpu = 0.0
        self.longest = 0.0
        self.count = 0
        self.total = 0.0
        self.longest_by_generation = {0: 0.0, 1: 0.0, 2: 0.0}
        self.long_pauses: list[dict] = []

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self.started = time.perf_counter()
            self.started_cpu = time.thread_time()
            return
        if not self.started:
            return
        pause = time.perf_counter() - self.started
        cpu = time.thread_time() - self.started_cpu
        self.started = 0.0
        if cpu > self.longest_cpu:
            self.longest_cpu = cpu
            metrics.GC_PAUSE_MAX_CPU_SECONDS.set(cpu)
        generation = info.get("generation", 2)
        self.count += 1
        self.total += pause
        if pause > self.longest_by_generation.get(generation, 0.0):
            self.longest_by_generation[generation] = pause
        metrics.GC_PAUSE_SECONDS.labels(generation=str(generation)).observe(pause)
        if pause > self.longest:
            self.longest = pause
            metrics.GC_PAUSE_MAX_SECONDS.set(pause)
        if pause >= LONG_PAUSE_S and len(self.long_pauses) < 100:
            self.long_pauses.append({"ms": round(pause * 1000, 1), "cpuMs": round(cpu * 1000, 1), "generation": generation,
                                     "collected": info.get("collected"), "frozen": gc.get_freeze_count()})

    def figures(self) -> dict:
        return {"count": self.count, "total_s": self.total, "longest_s": self.longest, "longest_cpu_s": self.longest_cpu,
                "longest_by_generation_s": dict(self.longest_by_generation)}


recorder = PauseRecorder()


class Collector:
    """The periodic collect-then-freeze pass and the occasional reclaim."""

    def __init__(self):
        self.closes_since_reclaim = 0
        self.peak_open = 0
        self.last_open = 0.0
        self.freezes = 0
        # Set when the process drains for a restart: it is about to exit, and its sockets all close.
        self.draining = False
        self.reclaims = 0

    def socket_closed(self, opened_at_pass: int | None = None) -> None:
        """A socket closed; one that closed before any freeze pass since it opened left nothing frozen."""
        if opened_at_pass is None or opened_at_pass < self.freezes + self.reclaims:
            self.closes_since_reclaim += 1

    def passes(self) -> int:
        """Freeze passes so far (a socket registered now is frozen once this grows)."""
        return self.freezes + self.reclaims

    def socket_opened(self) -> None:
        self.last_open = time.monotonic()

    def reclaim_due(self, open_sockets: int) -> bool:
        """More sockets closed since the last reclaim than are open now (at least GC_RECLAIM_CLOSES), and
        either no socket opened for GC_RECLAIM_CALM_S (not in the middle of a storm of arrivals) or
        closes have reached GC_RECLAIM_FORCE_X times the open sockets (the bound on dead cycles kept)."""
        if self.draining:
            return False
        self.peak_open = max(self.peak_open, open_sockets)
        if self.closes_since_reclaim < max(settings.GC_RECLAIM_CLOSES, open_sockets):
            return False
        calm = time.monotonic() - self.last_open >= settings.GC_RECLAIM_CALM_S
        # The force bound from the most sockets open since the last reclaim: early in a storm few are open.
        return calm or self.closes_since_reclaim >= settings.GC_RECLAIM_FORCE_X * max(settings.GC_RECLAIM_CLOSES,
                                                                                    self.peak_open)

    def step(self, open_sockets: int) -> str | None:
        """One pass; returns what it did ("freeze", "reclaim") or None."""
        if self.reclaim_due(open_sockets):
            gc.unfreeze()
            gc.collect()
            gc.freeze()
            self.closes_since_reclaim = 0
            self.peak_open = open_sockets
            self.reclaims += 1
            log.info("frozen objects reclaimed", extra={"sockets": open_sockets, "frozen": gc.get_freeze_count()})
            return "reclaim"
        # gc.get_count()[2]: young-generation-1 collections since the last full one,
        # each of which may have promoted survivors into the oldest generation.
        if gc.get_count()[2] == 0:
            return None
        gc.collect(2)
        gc.freeze()
        self.freezes += 1
        return "freeze"

    async def run(self, open_sockets) -> None:
        while True:
            await asyncio.sleep(settings.GC_FREEZE_EVERY_S)
            try:
                self.step(open_sockets())
                while recorder.long_pauses:
                    log.warning("long garbage-collection pause", extra=recorder.long_pauses.pop(0))
            except Exception:
                log.exception("garbage collector pass failed")


collector = Collector()
_started = []


def start(open_sockets) -> None:
    """Install the pause recorder; in a server process (daphne's reactor is
    installed) and unless GC_FREEZE_EVERY_S is 0, also hand full collections
    to `collector`, which runs on the event loop once the reactor does.
    `open_sockets()` counts the process's sockets. Called once, from
    messenger/asgi.py."""
    if _started:
        return
    _started.append(True)
    gc.callbacks.append(recorder)
    if settings.GC_FREEZE_EVERY_S <= 0 or "twisted.internet.reactor" not in sys.modules:
        return
    from twisted.internet import reactor

    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, NO_AUTOMATIC_FULL_COLLECTIONS)
    _started.append(reactor)

    def run_on_loop():
        _tasks.append(asyncio.get_event_loop().create_task(collector.run(open_sockets)))

    reactor.callWhenRunning(run_on_loop)


_tasks: list = []
