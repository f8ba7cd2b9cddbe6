"""Scenarios (g) and (h), restart storms: clients that come back by themselves.

Every socket here behaves as the page's LiveSocket (static/js/socket.js)
does: a close other than a final one (4401, 4403, 4404, 4000), and a failed
connect (refused while the server is down, an HTTP error, a 4503 during
admission), is followed by a new connect after `backoff_delay(attempt)`
(static/js/lib/backoff.js: exponential from 0.5 s to 15 s with "equal
jitter"; 5 s more after 4429); the attempt counter goes back to 0 when a
socket opens; every connect carries `?since=<highest seq seen>` when the
socket has seen one. The sockets of the chatting room also do what the page
does with chat frames: each has a `clientId`, and one that got no `ack`
before its socket closed is sent again, with the same `clientId`, after the
next `welcome`.

Accounting, all by `seq`: every acknowledged message of the chatting room
must reach every member, live or in a `welcome`'s history after `since`
("lost" counts the (member, acknowledged seq) pairs that never arrived).
Latency is measured on live deliveries of messages sent once (a resent
message's first send time would time the outage, not the server).

Several server processes (scenario (h), a rolling restart): the clients
reach them as through the load balancer of deploy/nginx.conf, which this
worker mimics: each connect goes to the next process in turn (round robin,
no stickiness), and a connect the process refuses at the TCP level (down,
or draining: a draining process stops listening at once) moves on to the
next process at once, as nginx's `proxy_next_upstream error` does, without
the client noticing (max_fails=0: a process back from a restart is used
again by the next connect). Only when every process refuses does the client
see a failed connect and wait its backoff. A WebSocket-level refusal (4503)
is not retried by nginx: the client waits and its next connect takes the
next process in turn.

The harness side (StormLoadGen) drives one worker process over a pipe, as
bench/loadgen.py does.
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
from .protocols import CFM, find_payload, payload
from .stats import percentile

CONNECT_TIMEOUT_S = 30
# Close codes after which the page stops reconnecting (static/js/lib/codes.js FINAL_CLOSES).
FINAL_CLOSES = {4401, 4403, 4404, 4000}
FLOOD_CLOSE = 4429
FLOOD_EXTRA_WAIT_S = 5.0


@dataclass
class _Client:
    index: int
    room: str
    token: str
    chat: bool
    ws: object = None
    open: bool = False
    attempt: int = 0
    last_seq: int = 0
    base_seq: int | None = None  # lastSeq of the first welcome: what came before is not expected
    seqs: set = field(default_factory=set)
    welcomes: int = 0
    closed_at: float | None = None  # monotonic, last close after the restart mark
    back_at: float | None = None  # monotonic, first welcome after that close
    tries_to_return: int = 0
    retry_after_s: float = 0.0  # the wait a 4503 named
    since: int = 0  # the ?since= of the current connect
    final: int | None = None
    server: int | None = None  # which process (index in base_urls) the open socket is on
    server_at_mark: int | None = None


class _Worker:
    def __init__(self, job: dict, pipe):
        self.job = job
        self.pipe = pipe
        self.clients = [_Client(s["i"], s["room"], s["token"], s["room"] == job["chat_room"]) for s in job["sockets"]]
        self.chatters = [c for c in self.clients if c.chat]
        self.stopping = False
        self.tasks: list[asyncio.Task] = []
        self.close_codes: dict[str, int] = {}
        self.connect_failures: dict[str, int] = {}
        self.mark: float | None = None
        # Chat accounting.
        self.acked: dict[str, int] = {}  # clientId -> seq
        self.pending: dict[str, tuple[_Client, str]] = {}  # clientId -> (sender, frame) without an ack
        self.resent: set[str] = set()
        self.latencies: dict[str, tuple[array, array]] = {}  # label -> (send times, latencies ms)
        self.sent: dict[str, int] = {}
        self.unsendable: dict[str, int] = {}
        self.sender_task: asyncio.Task | None = None
        self.base_urls = job["base_urls"]
        self.turn = 0  # the load balancer's round robin
        self.failovers = 0  # connects refused by one process and passed to the next
        # In clientIds: a later scenario of the same run chats in the same room as the same users, and a
        # clientId already stored is acknowledged again, never delivered again (idempotency).
        self.run_tag = os.urandom(3).hex()

    async def _command(self):
        return await asyncio.get_running_loop().run_in_executor(None, self.pipe.recv)

    async def run(self):
        while True:
            command, args = await self._command()
            if command == "close":
                await self.close()
                self.pipe.send({})
                return
            self.pipe.send(await getattr(self, command)(**args))

    # --- a client's life ----------------------------------------------------------

    def _url(self, client: _Client, server: int) -> str:
        base = self.base_urls[server] + CFM.path(client.room)
        client.since = client.last_seq
        return base + (f"?since={client.last_seq}" if client.last_seq else "")

    async def _life(self, client: _Client, gate: asyncio.Semaphore):
        """Connect, read until closed, wait the backoff, again. Only the first connect waits for `gate`
        (the initial fill is paced; the storm is not)."""
        headers = {"X-Forwarded-For": _fake_ip(client.index), "Authorization": f"Bearer {client.token}"}
        first = True
        while not self.stopping:
            if self.mark is not None and client.closed_at is not None and client.back_at is None:
                client.tries_to_return += 1
            try:
                if first:
                    async with gate:
                        ws = await self._connect(client, headers)
                else:
                    ws = await self._connect(client, headers)
            except Exception as exc:
                reason = getattr(getattr(exc, "response", None), "status_code", None)
                reason = f"HTTP {reason}" if reason else type(exc).__name__
                self.connect_failures[reason] = self.connect_failures.get(reason, 0) + 1
                await self._wait(client, None)
                continue
            first = False
            client.ws = ws
            try:
                async for frame in ws:
                    self._on_frame(client, frame)
            except Exception:
                pass
            code = ws.close_code or 1006
            client.ws, client.open = None, False
            self.close_codes[str(code)] = self.close_codes.get(str(code), 0) + 1
            if self.mark is not None and not self.stopping:
                client.closed_at, client.back_at = time.monotonic(), None
            if self.stopping:
                return
            if code in FINAL_CLOSES:
                client.final = code
                return
            await self._wait(client, code)

    async def _connect(self, client: _Client, headers: dict):
        """The load balancer's rule (module docstring): the next process in turn; a refused TCP connect
        goes on to the next one, and only when every process refused does the client see it."""
        first = self.turn
        self.turn += 1
        count = len(self.base_urls)
        for step in range(count):
            server = (first + step) % count
            try:
                ws = await connect(self._url(client, server), additional_headers=headers, compression=None,
                                   ping_interval=None, max_size=2**24, open_timeout=CONNECT_TIMEOUT_S,
                                   close_timeout=2)
            except ConnectionRefusedError:
                if step == count - 1:
                    raise
                self.failovers += 1
                continue
            client.server = server
            return ws

    async def _wait(self, client: _Client, code: int | None):
        floor = FLOOD_EXTRA_WAIT_S if code == FLOOD_CLOSE else 0.0
        # A busy server's 4503 names its wait (retryAfterMs); the backoff comes on top (static/js/socket.js).
        floor += client.retry_after_s
        client.retry_after_s = 0.0
        delay = floor + backoff_delay(client.attempt)
        client.attempt += 1
        await asyncio.sleep(delay)

    def _on_frame(self, client: _Client, frame: str):
        if not client.open:
            if '"retryAfterMs"' in frame:
                client.retry_after_s = json.loads(frame).get("retryAfterMs", 0) / 1000
            if '"type":"welcome"' not in frame:
                return
            self._on_welcome(client, frame)
            return
        if not client.chat:
            return
        if frame.startswith('{"type":"history"'):
            self._on_history(client, json.loads(frame))
            return
        if frame.startswith('{"type":"chat"') or '"type":"chat"' in frame:
            message = json.loads(frame)
            if message.get("type") != "chat":
                return
            seq = message["seq"]
            client.seqs.add(seq)
            client.last_seq = max(client.last_seq, seq)
            found = find_payload(message.get("text", ""))
            if found:
                msg_id, sent_ns = found
                if message.get("clientId") not in self.resent:
                    label = msg_id.split(".", 1)[0]
                    latency = (time.monotonic_ns() - sent_ns) / 1e6
                    # Also by the process the member is on (which one keeps the room waiting).
                    for key in (label, f"{label}@{client.server}"):
                        sent_s, latencies = self.latencies.setdefault(key, (array("d"), array("d")))
                        sent_s.append(sent_ns / 1e9)
                        latencies.append(latency)
        elif '"type":"ack"' in frame:
            message = json.loads(frame)
            client_id = message.get("clientId")
            if client_id in self.pending:
                del self.pending[client_id]
                self.acked[client_id] = message["seq"]

    def _on_welcome(self, client: _Client, frame: str):
        client.open = True
        client.attempt = 0  # LiveSocket: the backoff restarts on a welcome, not on a bare open
        client.welcomes += 1
        if self.mark is not None and client.closed_at is not None and client.back_at is None:
            client.back_at = time.monotonic()
        if not client.chat:
            return
        welcome = json.loads(frame)
        for message in welcome.get("history", []):
            client.seqs.add(message["seq"])
            client.last_seq = max(client.last_seq, message["seq"])
        if client.since and welcome.get("hasMore") and welcome.get("history"):
            # Away longer than the replay holds: page back to `since`, as the protocol says (§4.4).
            self._page_back(client, welcome["history"][0]["seq"])
        if client.base_seq is None:
            # First join: what the room held before is history, not owed to this member.
            client.base_seq = welcome.get("lastSeq", 0)
            client.last_seq = max(client.last_seq, client.base_seq)
        # The page sends again what got no ack, with the same clientId.
        for client_id, (sender, text) in list(self.pending.items()):
            if sender is client:
                self.resent.add(client_id)
                asyncio.get_running_loop().create_task(self._send(client, text))

    def _page_back(self, client: _Client, before: int):
        if before > client.since + 1:
            request = json.dumps({"type": "history", "before": before, "limit": 100})
            asyncio.get_running_loop().create_task(self._send(client, request))

    def _on_history(self, client: _Client, frame: dict):
        messages = frame.get("messages", [])
        client.seqs.update(message["seq"] for message in messages)
        if frame.get("hasMore") and messages:
            self._page_back(client, messages[0]["seq"])

    async def _send(self, client: _Client, text: str) -> bool:
        ws = client.ws
        if ws is None or not client.open:
            return False
        try:
            await ws.send(text)
            return True
        except Exception:
            return False

    # --- commands -----------------------------------------------------------------

    async def connect(self, concurrency: int) -> dict:
        """Open every socket (at most `concurrency` handshakes at a time at first); reply when all are welcomed."""
        started = time.monotonic()
        gate = asyncio.Semaphore(concurrency)
        for client in self.clients:
            self.tasks.append(asyncio.get_running_loop().create_task(self._life(client, gate)))
        while (any(not c.open and c.final is None for c in self.clients)
               and time.monotonic() - started < CONNECT_TIMEOUT_S + len(self.clients) / 20):
            await asyncio.sleep(0.1)
        elapsed = time.monotonic() - started
        opened = sum(1 for c in self.clients if c.open)
        return {"connected": opened, "elapsed_s": elapsed, "per_s": opened / elapsed if elapsed else 0.0,
                "failures": dict(self.connect_failures), "final": sum(1 for c in self.clients if c.final)}

    async def chat_start(self, label: str, rate: float) -> dict:
        self.sent[label] = 0
        self.unsendable[label] = 0
        self.sender_task = asyncio.get_running_loop().create_task(self._chat(label, rate))
        return {}

    async def _chat(self, label: str, rate: float):
        interval, start, k = 1.0 / rate, time.monotonic(), 0
        while True:
            delay = start + k * interval - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            open_now = [c for c in self.chatters if c.open]
            if not open_now:
                self.unsendable[label] += 1
                k += 1
                continue
            sender = self.chatters[k % len(self.chatters)]
            if not sender.open:
                sender = open_now[k % len(open_now)]
            client_id = f"{label}-{k}-{self.run_tag}"
            text = json.dumps({"type": "chat", "clientId": client_id,
                               "text": payload(f"{label}.{k}", time.monotonic_ns())})
            self.pending[client_id] = (sender, text)
            self.sent[label] += 1
            await self._send(sender, text)
            k += 1

    async def chat_stop(self, max_drain: float) -> dict:
        """Stop sending; wait until every member holds every acknowledged seq (at most max_drain s)."""
        if self.sender_task:
            self.sender_task.cancel()
            self.sender_task = None
        deadline = time.monotonic() + max_drain
        while time.monotonic() < deadline and (self.pending or self._lost()):
            await asyncio.sleep(0.1)
        return {}

    def _lost(self) -> int:
        acked = set(self.acked.values())
        return sum(len({s for s in acked if s > (c.base_seq or 0)} - c.seqs) for c in self.chatters)

    async def mark_restart(self) -> dict:
        self.mark = time.monotonic()
        for client in self.clients:
            client.closed_at = client.back_at = None
            client.tries_to_return = 0
            client.server_at_mark = client.server if client.open else None
        return {"mark": self.mark, "placement": self._placement(), "chat_placement": self._placement(self.chatters)}

    def _placement(self, clients: list[_Client] | None = None) -> list[int]:
        """Open sockets on each process."""
        counts = [0] * len(self.base_urls)
        for client in self.clients if clients is None else clients:
            if client.open and client.server is not None:
                counts[client.server] += 1
        return counts

    async def wait_moved(self, server: int, timeout: float) -> dict:
        """Wait until every socket that was on process `server` at the mark has closed and been
        welcomed again (a rolling restart of that process: the others' sockets stay)."""
        deadline = time.monotonic() + timeout
        leaving = [c for c in self.clients if c.server_at_mark == server]
        while time.monotonic() < deadline:
            if all(c.back_at is not None or c.final for c in leaving):
                break
            await asyncio.sleep(0.05)
        return {**self._back_figures(), "leaving": len(leaving), "placement": self._placement(),
                "chat_placement": self._placement(self.chatters), "failovers": self.failovers}

    async def wait_back(self, timeout: float) -> dict:
        """Wait until every socket has closed since the mark and been welcomed again."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(c.back_at is not None or c.final for c in self.clients):
                break
            await asyncio.sleep(0.05)
        return self._back_figures()

    def _back_figures(self) -> dict:
        mark = self.mark or 0.0
        closed = sorted(c.closed_at - mark for c in self.clients if c.closed_at is not None)
        back = sorted(c.back_at - mark for c in self.clients if c.back_at is not None)
        down = sorted(c.back_at - c.closed_at for c in self.clients if c.back_at is not None and c.closed_at)
        tries = sorted(c.tries_to_return for c in self.clients if c.back_at is not None)
        return {
            "sockets": len(self.clients),
            "back": len(back),
            "final_closes": sum(1 for c in self.clients if c.final),
            "first_close_s": closed[0] if closed else None,
            "last_close_s": closed[-1] if closed else None,
            "last_back_s": back[-1] if back else None,
            "back_p50_s": percentile(back, 50),
            "downtime_p50_s": percentile(down, 50),
            "downtime_p99_s": percentile(down, 99),
            "downtime_max_s": down[-1] if down else None,
            "connect_attempts_p50": percentile(tries, 50),
            "connect_attempts_max": tries[-1] if tries else None,
            # Seconds after the mark at which each hundredth of the returning sockets was back (the plot).
            "back_curve_s": [back[min(len(back) - 1, int(i / 100 * len(back)))] for i in range(101)] if back else [],
            "close_codes": dict(self.close_codes),
            "connect_failures": dict(self.connect_failures),
            # Back and resumed: every chatting member's welcome came with since = the highest seq it had seen.
            "resumed_with_since": sum(1 for c in self.chatters if c.welcomes > 1 and c.last_seq),
        }

    async def figures(self, windows: dict | None = None, label: str = "storm",
                      series_from: float | None = None) -> dict:
        """Latency per phase, and per window of send times {name: [from, to]} (monotonic s) of phase `label`."""
        def summary(values) -> dict:
            ordered = sorted(values)
            return {"deliveries": len(ordered), "p50_ms": percentile(ordered, 50),
                    "p99_ms": percentile(ordered, 99), "max_ms": ordered[-1] if ordered else 0.0}

        phases = {label: summary(latencies) for label, (_, latencies) in self.latencies.items()}
        sent_s, latencies = self.latencies.get(label, ((), ()))
        for name, (start, end) in (windows or {}).items():
            phases[f"{label}_{name}"] = summary(v for t, v in zip(sent_s, latencies, strict=True) if start <= t < end)
            for server in range(len(self.base_urls)):
                by_sent, by_latency = self.latencies.get(f"{label}@{server}", ((), ()))
                phases[f"{label}_{name}@{server}"] = summary(
                    v for t, v in zip(by_sent, by_latency, strict=True) if start <= t < end)
        if series_from is not None:
            # p50 and p99 of each second of send times from `series_from` (the plot's latency line).
            seconds: dict[int, list[float]] = {}
            for t, v in zip(sent_s, latencies, strict=True):
                if t >= series_from:
                    seconds.setdefault(int(t - series_from), []).append(v)
            phases[f"{label}_series"] = [
                [second, percentile(sorted(values), 50), percentile(sorted(values), 99)]
                for second, values in sorted(seconds.items())]
        for label in self.sent:
            phases.setdefault(label, {"deliveries": 0, "p50_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0})
            phases[label]["sent"] = self.sent[label]
            phases[label]["no_open_sender"] = self.unsendable[label]
        return {"phases": phases, "acked": len(self.acked), "unacked": len(self.pending), "resent": len(self.resent),
                "lost": self._lost(), "members": len(self.chatters)}

    async def close(self):
        self.stopping = True
        if self.sender_task:
            self.sender_task.cancel()
        await asyncio.gather(*(c.ws.close() for c in self.clients if c.ws is not None), return_exceptions=True)
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


def _fake_ip(index: int) -> str:
    # Another range than bench/loadgen.py's, so no address is shared with the other scenarios' sockets.
    return f"10.{128 + ((index >> 16) & 127)}.{(index >> 8) & 255}.{index & 255}"


def _worker_main(job: dict, pipe, cpus: set[int]):
    if cpus:
        os.sched_setaffinity(0, cpus)
    asyncio.run(_Worker(job, pipe).run())


class StormLoadGen:
    """One worker process holding every socket of the scenario."""

    def __init__(self, base_url: str | list[str], sockets: list[dict], chat_room: str, *, cpus: set[int]):
        ctx = multiprocessing.get_context("spawn")
        self.pipe, theirs = ctx.Pipe()
        base_urls = [base_url] if isinstance(base_url, str) else list(base_url)
        job = {"base_urls": base_urls, "sockets": sockets, "chat_room": chat_room}
        self.proc = ctx.Process(target=_worker_main, args=(job, theirs, cpus), daemon=True)
        self.proc.start()

    def call(self, command: str, **args) -> dict:
        self.pipe.send((command, args))
        return self.pipe.recv()

    def close(self):
        try:
            self.call("close")
        finally:
            self.proc.join(timeout=10)
            if self.proc.is_alive():
                self.proc.kill()
