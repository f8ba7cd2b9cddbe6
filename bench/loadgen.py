"""The load generator: client processes holding sockets, sending at a fixed
rate and recording every delivery.

The harness (LoadGen) drives worker processes over pipes: connect, then any
number of send phases on the open sockets, then close. A worker pins itself
to the load generator's cores and reports its own CPU use, so a run can say
when the load generator, not the server, was the limit.
"""

import asyncio
import json
import multiprocessing
import os
import time
from array import array
from dataclasses import dataclass, field

from websockets.asyncio.client import connect

from .backoff import backoff_delay
from .protocols import PROTOCOLS, find_payload, payload

CLOSE_TRY_AGAIN = 4503  # messenger/errors.py: the server asks the client to come back later

CONNECT_TIMEOUT_S = 60
# After connecting, wait until no frame has arrived for SETTLE_QUIET_S (at
# most SETTLE_MAX_S): what the connects set off (CF Messenger's `join`
# frames, N²/2 of them as a room fills) would otherwise be timed as the
# first send phase's latency. Instant for servers that send nothing.
SETTLE_QUIET_S = 0.5
SETTLE_MAX_S = 30
# Load-generator saturation: its core this busy, or sends this late.
BUSY_CPU_FRACTION = 0.9
LATE_SEND_MS = 25


def fake_ip(index: int) -> str:
    return f"10.{(index >> 16) & 255}.{(index >> 8) & 255}.{index & 255}"


@dataclass
class _Socket:
    index: int
    room: str
    ws: object = None
    seen: set = field(default_factory=set)
    close_code: int | None = None
    retry_after_s: float = 0.0  # the wait a 4503 named


class _Phase:
    def __init__(self, number: int):
        self.number = number
        self.latencies = array("d")
        self.per_msg: dict[str, list] = {}
        self.duplicates = 0
        self.errors = 0
        self.last_delivery = time.monotonic()


class _Worker:
    def __init__(self, job: dict, pipe):
        self.job = job
        self.pipe = pipe
        self.proto = PROTOCOLS[job["proto"]]
        self.sockets = [_Socket(s["i"], s["room"]) for s in job["sockets"]]
        self.tokens = {s["i"]: s.get("token") for s in job["sockets"]}
        self.phase: _Phase | None = None
        self.last_frame_at = time.monotonic()

    async def _command(self):
        return await asyncio.get_running_loop().run_in_executor(None, self.pipe.recv)

    async def run(self):
        while True:
            command, args = await self._command()
            if command == "connect":
                self.pipe.send(await self.connect(**args))
            elif command == "send":
                self.pipe.send(await self.send_phase(**args))
            elif command == "status":
                self.pipe.send({"open": sum(1 for s in self.sockets if s.ws is not None and s.close_code is None)})
            elif command == "close":
                await asyncio.gather(*(s.ws.close() for s in self.sockets if s.ws is not None), return_exceptions=True)
                self.pipe.send({})
                return

    # --- connecting -----------------------------------------------------------

    async def connect(self, concurrency: int) -> dict:
        gate = asyncio.Semaphore(concurrency)
        failures: dict[str, int] = {}
        retries: dict[str, int] = {}
        started = time.monotonic()
        done_at: list[float] = []

        async def open_one(sock: _Socket):
            # A server busy admitting others answers 4503 with retryAfterMs: come back after
            # that wait plus the page's jittered backoff, as static/js/socket.js does.
            attempt, deadline = 0, time.monotonic() + CONNECT_TIMEOUT_S
            while True:
                async with gate:
                    try:
                        await asyncio.wait_for(self._open(sock), max(1.0, deadline - time.monotonic()))
                        done_at.append(time.monotonic())
                        return
                    except Exception as exc:
                        reason = f"close {sock.close_code}" if sock.close_code else type(exc).__name__
                        sock.ws = None
                if sock.close_code != CLOSE_TRY_AGAIN or time.monotonic() >= deadline:
                    failures[reason] = failures.get(reason, 0) + 1
                    return
                retries["4503"] = retries.get("4503", 0) + 1
                await asyncio.sleep(sock.retry_after_s + backoff_delay(attempt))
                sock.close_code, sock.retry_after_s, attempt = None, 0.0, attempt + 1

        await asyncio.gather(*(open_one(s) for s in self.sockets))
        per_room: dict[str, int] = {}
        for sock in self.sockets:
            if sock.ws is not None:
                per_room[sock.room] = per_room.get(sock.room, 0) + 1
        elapsed = (max(done_at) - started) if done_at else 0.0
        settle_started = time.monotonic()
        while (time.monotonic() - self.last_frame_at < SETTLE_QUIET_S
               and time.monotonic() - settle_started < SETTLE_MAX_S):
            await asyncio.sleep(0.05)
        settle = max(0.0, self.last_frame_at - settle_started)
        return {"connected": len(done_at), "failures": failures, "retries": retries, "elapsed_s": elapsed,
                "per_room": per_room, "settle_s": settle}

    async def _open(self, sock: _Socket):
        base = self.job["base_urls"][sock.index % len(self.job["base_urls"])]
        headers = {"X-Forwarded-For": fake_ip(sock.index)}
        token = self.tokens.get(sock.index)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        sock.ws = await connect(
            base + self.proto.path(sock.room),
            additional_headers=headers,
            compression=None,
            ping_interval=None,
            max_size=2**22,
            open_timeout=CONNECT_TIMEOUT_S,
            close_timeout=2,
        )
        if self.proto.needs_welcome:
            while True:
                try:
                    first = await sock.ws.recv()
                except Exception:
                    sock.close_code = sock.ws.close_code
                    raise
                if '"type":"welcome"' in first:
                    break
                if '"retryAfterMs"' in first:
                    sock.retry_after_s = json.loads(first).get("retryAfterMs", 0) / 1000
        asyncio.get_running_loop().create_task(self._read(sock))

    async def _read(self, sock: _Socket):
        try:
            async for frame in sock.ws:
                self.last_frame_at = time.monotonic()
                phase = self.phase
                if phase is not None:
                    self._on_frame(phase, sock, frame)
        except Exception:
            pass
        sock.close_code = sock.ws.close_code or 1006

    def _on_frame(self, phase: _Phase, sock: _Socket, frame: str):
        found = find_payload(frame)
        if found is None:
            if '"type":"error"' in frame:
                phase.errors += 1
            return
        msg_id, sent_ns = found
        if msg_id in sock.seen:
            phase.duplicates += 1
            return
        sock.seen.add(msg_id)
        now = time.monotonic_ns()
        latency = (now - sent_ns) / 1e6
        phase.latencies.append(latency)
        record = phase.per_msg.get(msg_id)
        if record is None:
            phase.per_msg[msg_id] = [1, latency]
        else:
            record[0] += 1
            if latency > record[1]:
                record[1] = latency
        phase.last_delivery = now / 1e9

    # --- sending --------------------------------------------------------------

    async def send_phase(self, number: int, rate: float, duration: float, quiet: float, max_drain: float) -> dict:
        for sock in self.sockets:
            sock.seen.clear()
        phase = self.phase = _Phase(number)
        senders = [s for s in self.sockets if s.ws is not None and s.close_code is None]
        sent: list[tuple[str, str]] = []
        lateness = array("d")
        cpu0, wall0 = time.process_time(), time.monotonic()
        if senders and rate > 0:
            interval = 1.0 / rate
            count = int(duration * rate)
            start = time.monotonic()
            for k in range(count):
                due = start + k * interval
                delay = due - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                else:
                    lateness.append(-delay * 1000)
                sock = senders[k % len(senders)]
                msg_id = f"{number}.{self.job['worker']}.{k}"
                try:
                    await sock.ws.send(self.proto.frame(payload(msg_id, time.monotonic_ns()), f"b{msg_id}"))
                    sent.append((msg_id, sock.room))
                except Exception:
                    pass
        send_end = time.monotonic()
        phase.last_delivery = max(phase.last_delivery, send_end)
        while time.monotonic() - phase.last_delivery < quiet and time.monotonic() - send_end < max_drain:
            await asyncio.sleep(0.05)
        cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
        self.phase = None
        late = sorted(lateness)
        return {
            "sent": sent,
            "per_msg": phase.per_msg,
            "latencies": phase.latencies,
            "duplicates": phase.duplicates,
            "errors": phase.errors,
            "cpu_s": cpu,
            "send_wall_s": send_end - wall0,
            "wall_s": wall,
            "late_sends": len(late),
            "max_lateness_ms": late[-1] if late else 0.0,
            "closed": sum(1 for s in self.sockets if s.ws is not None and s.close_code is not None),
            # Open sockets that got none of this phase's messages ("every socket served").
            "silent": sum(1 for s in self.sockets if s.ws is not None and s.close_code is None and not s.seen),
        }


def _worker_main(job: dict, pipe, cpus: set[int]):
    if cpus:
        os.sched_setaffinity(0, cpus)
    asyncio.run(_Worker(job, pipe).run())


class LoadGen:
    """Worker processes sharing out the sockets of one scenario."""

    def __init__(self, proto: str, base_urls: list[str], sockets: list[dict], *, workers: int, cpus: set[int]):
        ctx = multiprocessing.get_context("spawn")
        self.pipes, self.procs = [], []
        self.phase_number = 0
        for w in range(workers):
            mine = [s for s in sockets if s["i"] % workers == w]
            ours, theirs = ctx.Pipe()
            job = {"worker": w, "proto": proto, "base_urls": base_urls, "sockets": mine}
            proc = ctx.Process(target=_worker_main, args=(job, theirs, cpus), daemon=True)
            proc.start()
            self.pipes.append(ours)
            self.procs.append(proc)
        self.shares = [sum(1 for s in sockets if s["i"] % workers == w) / max(len(sockets), 1) for w in range(workers)]
        self.per_room: dict[str, int] = {}
        self.cpus = len(cpus) or os.cpu_count()

    def _all(self, command: str, args_for) -> list[dict]:
        for w, pipe in enumerate(self.pipes):
            pipe.send((command, args_for(w)))
        return [pipe.recv() for pipe in self.pipes]

    def connect(self, concurrency: int = 100) -> dict:
        replies = self._all("connect", lambda w: {"concurrency": concurrency})
        self.per_room = {}
        failures: dict[str, int] = {}
        for reply in replies:
            for room, n in reply["per_room"].items():
                self.per_room[room] = self.per_room.get(room, 0) + n
            for reason, n in reply["failures"].items():
                failures[reason] = failures.get(reason, 0) + n
        connected = sum(r["connected"] for r in replies)
        elapsed = max(r["elapsed_s"] for r in replies)
        return {"connected": connected, "failures": failures, "elapsed_s": elapsed,
                "per_s": connected / elapsed if elapsed else 0.0,
                # Time from the last connect until frames stopped arriving (join traffic).
                "settle_s": max(r.get("settle_s", 0.0) for r in replies)}

    def open_count(self) -> int:
        return sum(r["open"] for r in self._all("status", lambda w: {}))

    def send(self, rate: float, duration: float, *, quiet: float = 1.0, max_drain: float = 10.0) -> dict:
        """One send phase at `rate` messages/s in total; returns its raw records."""
        self.phase_number += 1
        number = self.phase_number
        return self._all("send", lambda w: {"number": number, "rate": rate * self.shares[w], "duration": duration,
                                            "quiet": quiet, "max_drain": max_drain})

    def close(self):
        try:
            self._all("close", lambda w: {})
        finally:
            for proc in self.procs:
                proc.join(timeout=10)
                if proc.is_alive():
                    proc.kill()
