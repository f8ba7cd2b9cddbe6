"""Fault drills against the cluster of `make cluster` (docs/RELIABILITY.md):
200 sockets in 10 rooms through nginx over wss://, 50 chat messages/s, and
one fault per drill. Each client behaves as the contract asks: on a close it
reconnects with backoff and jitter, resumes with `?since=`, and resends every
chat it holds no ack for. Prints a table and writes the figures to
CLUSTER_DIR/drills.json.

    drills.py [--sockets 200 --rooms 10 --rate 50] [drill ...]
    drills: redis-master, app-host, postgres-primary, rolling-restart, partition
"""

import argparse
import asyncio
import json
import os
import random
import signal
import ssl
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import requests
import urllib3
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cluster  # noqa: E402
import topology as t  # noqa: E402

urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
PASSWORD = "drill-password-1"
RESEND_S = 3
TLS = ssl.create_default_context()
TLS.check_hostname = False
TLS.verify_mode = ssl.CERT_NONE


def backoff_s(failures: int) -> float:
    """static/js/lib/backoff.js: equal jitter from 0.5 s, doubling, at most 15 s."""
    ceiling = min(15.0, 0.5 * 2 ** failures)
    return ceiling / 2 + random.random() * ceiling / 2


class Client:
    """One room socket of one user, through nginx."""

    def __init__(self, room: str, token: str):
        self.room, self.token = room, token
        self.first_seq: int | None = None
        self.last_seq = 0
        self.seen: Counter = Counter()
        self.out_of_order = 0
        self.pending: dict[str, str] = {}
        # clientId -> when it was last sent (a chat with no ack after RESEND_S is sent again)
        self.sent_at: dict[str, float] = {}
        self.closes: Counter = Counter()
        self.errors: Counter = Counter()
        self.chat_times: list[float] = []
        self.ws = None

    async def run(self, stop: asyncio.Event) -> None:
        failures = 0
        while not stop.is_set():
            try:
                await self._session(stop)
                failures = 0
            except ConnectionClosed as closed:
                self.closes[closed.rcvd.code if closed.rcvd else 1006] += 1
            except (OSError, InvalidHandshake, InvalidStatus, TimeoutError):
                self.closes["connect failed"] += 1
            finally:
                self.ws = None
            if stop.is_set():
                return
            try:
                await asyncio.wait_for(stop.wait(), backoff_s(failures))
            except TimeoutError:
                pass
            failures += 1

    async def _session(self, stop: asyncio.Event) -> None:
        # The first join reads the room's recent history; every later one resumes after what it saw.
        since = "" if self.first_seq is None else f"?since={self.last_seq}"
        url = f"wss://{t.address('edge')}/api/ws/room/{self.room}{since}"
        async with connect(url, ssl=TLS, additional_headers={"Authorization": f"Bearer {self.token}"},
                           open_timeout=10, close_timeout=2, max_size=2**23, ping_interval=None) as ws:
            welcome = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if welcome.get("type") != "welcome":
                self.errors[welcome.get("code", welcome.get("type"))] += 1
                await ws.recv()
                return
            if self.first_seq is None:
                self.first_seq = welcome["lastSeq"]
                self.last_seq = welcome["lastSeq"]
            for message in welcome["history"]:
                self._saw(message, replay=True)
            self.ws = ws
            for client_id in list(self.pending):
                await self._send(client_id)
            reader = asyncio.create_task(self._read(ws))
            stopper = asyncio.create_task(stop.wait())
            resender = asyncio.create_task(self._resend_unacked())
            try:
                await asyncio.wait({reader, stopper}, return_when=asyncio.FIRST_COMPLETED)
                if reader.done():
                    reader.result()
                    self.closes[ws.close_code or 1006] += 1
            finally:
                reader.cancel()
                stopper.cancel()
                resender.cancel()

    async def _send(self, client_id: str) -> None:
        self.sent_at[client_id] = time.monotonic()
        await self.ws.send(json.dumps({"type": "chat", "clientId": client_id, "text": self.pending[client_id]}))

    async def _resend_unacked(self) -> None:
        """The contract: no ack (UNAVAILABLE, a timeout) means send again with the same clientId."""
        while True:
            await asyncio.sleep(1 + random.random())
            now = time.monotonic()
            for client_id in [c for c in self.pending if now - self.sent_at.get(c, 0) > RESEND_S]:
                if client_id in self.pending:
                    try:
                        await self._send(client_id)
                    except ConnectionClosed:
                        return

    async def _read(self, ws) -> None:
        async for raw in ws:
            frame = json.loads(raw)
            if frame["type"] == "chat":
                self._saw(frame, replay=False)
            elif frame["type"] == "ack":
                ACKS.setdefault(frame["clientId"], (self.room, frame["seq"], time.monotonic()))
                self.pending.pop(frame["clientId"], None)
            elif frame["type"] == "error":
                self.errors[frame.get("code", "?")] += 1
                if frame.get("code") == "UNAVAILABLE" and frame.get("clientId") in self.pending:
                    # Resent by _resend_unacked after a pause, not at once into the same outage.
                    self.sent_at[frame["clientId"]] = time.monotonic()

    def _saw(self, message: dict, replay: bool) -> None:
        seq = message["seq"]
        if self.first_seq is not None and seq <= self.first_seq:
            return
        self.seen[seq] += 1
        if not replay:
            if seq != self.last_seq + 1 and self.seen[seq] == 1:
                self.out_of_order += 1
            self.chat_times.append(time.monotonic())
        self.last_seq = max(self.last_seq, seq)

    async def chat(self, client_id: str, text: str) -> None:
        self.pending[client_id] = text
        if self.ws is not None:
            try:
                await self._send(client_id)
            except ConnectionClosed:
                pass


ACKS: dict[str, tuple[str, int, float]] = {}


# --- setup ---------------------------------------------------------------------------

def django_setup() -> None:
    os.environ.update({**t.app_env(), "DJANGO_SETTINGS_MODULE": "messenger.settings"})
    sys.path.insert(0, str(t.ROOT))
    import django

    django.setup()


def drill_users(count: int) -> list[str]:
    """drillNN users with a known password, made once."""
    from django.contrib.auth import get_user_model

    from messenger.accounts import services

    names = [f"drill{n:02d}" for n in range(count)]
    existing = set(get_user_model().objects.filter(username__in=names).values_list("username", flat=True))
    for name in names:
        if name not in existing:
            services.user_create(username=name, password=PASSWORD, display_name=name.title())
    return names


def sign_in(names: list[str]) -> list[str]:
    """Tokens, signed in at the app hosts directly (nginx's sign-in limit is for the public, not the drill machine)."""
    tokens = []
    upstreams = t.app_upstreams()
    for index, name in enumerate(names):
        for _ in range(20):
            try:
                response = requests.post(f"http://{upstreams[index % len(upstreams)]}/api/auth/login",
                                         json={"username": name, "password": PASSWORD},
                                         headers={"X-Forwarded-Proto": "https"}, timeout=15)
                if response.status_code == 200:
                    tokens.append(response.json()["data"]["token"])
                    break
            except requests.RequestException:
                pass
            upstreams = upstreams[1:] + upstreams[:1]
            time.sleep(0.5)
        else:
            raise SystemExit(f"drills: could not sign in {name}")
    return tokens


def make_rooms(tokens: list[str], rooms: int) -> list[str]:
    """The drill rooms, made once and used by every drill and run (people may create only a few rooms a day);
    each socket counts only what comes after its first welcome."""
    ids = [f"drill-room-{n}" for n in range(rooms)]
    for index, room in enumerate(ids):
        response = requests.post(f"https://{t.address('edge')}/api/rooms", json={"id": room, "name": room},
                                 headers={"Authorization": f"Bearer {tokens[-1 - index % len(tokens)]}"}, verify=False,
                                 timeout=15)
        if response.status_code not in (201, 409):
            raise SystemExit(f"drills: could not create room {room}: {response.status_code} {response.text[:200]}")
    return ids


def tokens_valid(tokens: list[str]) -> int:
    valid = 0
    for token in tokens:
        try:
            valid += requests.get(f"https://{t.address('edge')}/api/auth/me", verify=False, timeout=10,
                                  headers={"Authorization": f"Bearer {token}"}).status_code == 200
        except requests.RequestException:
            pass
    return valid


def stored_client_ids(rooms: list[str]) -> Counter:
    from django.db import connections

    from chat.models import Message

    for _ in range(30):
        try:
            found = Counter(Message.objects.filter(room_id__in=rooms).values_list("client_id", flat=True))
            connections.close_all()
            return found
        except Exception:  # noqa: BLE001 - the database may still be failing over; ask again
            connections.close_all()
            time.sleep(1)
    raise SystemExit("drills: the database did not answer for 30 s")


# --- faults ----------------------------------------------------------------------------

def redis_box(address: str | None) -> str:
    return next(box for box in ("redis1", "redis2") if t.address(box) == address)


async def fault_redis_master(note: dict) -> None:
    box = redis_box(cluster.current_redis_master())
    note["fault"] = f"kill -9 Redis master on {box}"
    cluster.kill(box)
    note["restore"] = lambda: cluster.start_redis(box)


async def fault_app_host(note: dict) -> None:
    note["fault"] = "kill -9 every process of app1"
    cluster.kill_app("app1")
    note["restore"] = lambda: cluster.start_app("app1", t.APP_PORTS[0]) or cluster.start_app("app1", t.APP_PORTS[1])


def pg_roles() -> tuple[str, str]:
    primary = next(box for box in ("pg1", "pg2") if cluster.pg_in_recovery(box) is False)
    return primary, ("pg2" if primary == "pg1" else "pg1")


async def fault_postgres_primary(note: dict) -> None:
    primary, standby = pg_roles()
    note["fault"] = f"stop PostgreSQL primary {primary}, promote {standby} 3 s later"
    await asyncio.to_thread(subprocess.run, cluster.as_postgres(
        [str(t.PG_BIN / "pg_ctl"), "-D", str(cluster.pg_dir(primary) / "data"), "-m", "fast", "-w", "stop"]),
        capture_output=True)
    await asyncio.sleep(3)
    await asyncio.to_thread(subprocess.run, cluster.as_postgres(
        [str(t.PG_BIN / "pg_ctl"), "-D", str(cluster.pg_dir(standby) / "data"), "-w", "promote"]), capture_output=True)

    def restore():
        cluster.pg_standby_from(standby, primary)
        cluster.start_pg(primary)

    note["restore"] = restore


async def fault_rolling_restart(note: dict) -> None:
    note["fault"] = "SIGTERM each of the 4 app processes in turn, restarted before the next"
    for host in t.APP_HOSTS:
        for port in t.APP_PORTS:
            name = f"{host}-{port}"
            pid = cluster.pid_of(name)
            cluster.kill(name, signal.SIGTERM)
            while pid is not None and cluster.alive(pid):
                await asyncio.sleep(0.2)
            await asyncio.to_thread(cluster.start_app, host, port)


PARTITION_S = 20


async def fault_partition(note: dict) -> None:
    redis_boxes = ("redis1", "redis2", *t.SENTINELS)
    note["fault"] = f"app1 cut off from Redis and the Sentinels for {PARTITION_S} s (blackhole routes)"
    for box in redis_boxes:
        subprocess.run(t.on("app1", ["ip", "route", "add", "blackhole", f"{t.address(box)}/32"]), check=True)
    await asyncio.sleep(PARTITION_S)
    for box in redis_boxes:
        subprocess.run(t.on("app1", ["ip", "route", "del", "blackhole", f"{t.address(box)}/32"]), check=True)


DRILLS = {
    "redis-master": fault_redis_master,
    "app-host": fault_app_host,
    "postgres-primary": fault_postgres_primary,
    "rolling-restart": fault_rolling_restart,
    "partition": fault_partition,
}


# --- one drill --------------------------------------------------------------------------

async def drill(name: str, tokens: list[str], args) -> dict:
    ACKS.clear()
    rooms = make_rooms(tokens, args.rooms)
    clients = [Client(rooms[i % len(rooms)], tokens[i % len(tokens)]) for i in range(args.sockets)]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(c.run(stop)) for c in clients]
    deadline = time.monotonic() + 60
    while sum(c.ws is not None for c in clients) < len(clients) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    connected = sum(c.ws is not None for c in clients)
    sending = asyncio.Event()
    sending.set()
    sent: dict[str, float] = {}
    # clientIds unique to this run: the rooms outlive it.
    run = f"{int(time.time()) % 10**7:07d}"

    async def load():
        number = 0
        interval = 1 / args.rate
        next_at = time.monotonic()
        while sending.is_set():
            client = clients[number % len(clients)]
            client_id = f"{name[:6]}-{run}-{number}"
            sent[client_id] = time.monotonic()
            await client.chat(client_id, f"drill {name} message {number}")
            number += 1
            next_at += interval
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))

    loader = asyncio.create_task(load())
    await asyncio.sleep(args.warm_s)
    note: dict = {}
    fault_at = time.monotonic()
    await DRILLS[name](note)
    fault_done = time.monotonic()
    await asyncio.sleep(args.after_s)
    sending.clear()
    await loader
    # Clients resend what has no ack and resume with since: give them time.
    settle_deadline = time.monotonic() + args.settle_s
    while time.monotonic() < settle_deadline and (any(c.pending for c in clients)):
        await asyncio.sleep(0.5)
    await asyncio.sleep(3)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)

    acked_by_room: dict[str, set[int]] = {}
    for room, seq, _ in ACKS.values():
        acked_by_room.setdefault(room, set()).add(seq)
    lost = sum(len({s for s in acked_by_room.get(c.room, set()) if s > (c.first_seq or 0)} - set(c.seen))
               for c in clients)
    duplicated = sum(n - 1 for c in clients for n in c.seen.values() if n > 1)
    ack_times = sorted(at for _, _, at in ACKS.values() if at >= fault_at)
    stall = max((b - a for a, b in zip([fault_at, *ack_times], ack_times, strict=False)), default=None)
    gaps = [max((b - a for a, b in zip(c.chat_times, c.chat_times[1:], strict=False)), default=0) for c in clients]
    stored = await asyncio.to_thread(stored_client_ids, rooms)
    closes = Counter()
    errors = Counter()
    for c in clients:
        closes.update(c.closes)
        errors.update(c.errors)
    restore = note.get("restore")
    if restore:
        await asyncio.to_thread(restore)
    result = {
        "drill": name,
        "fault": note.get("fault", name),
        "sockets": connected,
        "sent": len(sent),
        "acked": len(ACKS),
        "unacked_at_end": sum(len(c.pending) for c in clients),
        "lost": lost,
        "duplicated": duplicated,
        "out_of_order": sum(c.out_of_order for c in clients),
        "false_acks": sum(1 for cid in ACKS if stored[cid] == 0),
        "stored_twice": sum(1 for cid in sent if stored[cid] > 1),
        "closes": dict(sorted((str(k), v) for k, v in closes.items())),
        "errors": dict(errors),
        "fault_s": round(fault_done - fault_at, 1),
        "chat_back_s": round(stall, 1) if stall is not None else None,
        "longest_client_gap_s": round(max(gaps, default=0), 1),
    }
    if name in ("redis-master", "partition"):
        result["tokens_valid"] = f"{tokens_valid(tokens)}/{len(tokens)}"
    return result


def table(results: list[dict]) -> str:
    columns = ["drill", "sockets", "sent", "acked", "lost", "duplicated", "out_of_order", "false_acks",
               "chat_back_s", "longest_client_gap_s", "closes", "errors", "tokens_valid"]
    rows = [[str(r.get(c, "")) for c in columns] for r in results]
    widths = [max(len(c), *(len(row[i]) for row in rows)) for i, c in enumerate(columns)]
    line = lambda cells: "| " + " | ".join(cell.ljust(w) for cell, w in zip(cells, widths, strict=True)) + " |"  # noqa: E731
    return "\n".join([line(columns), line(["-" * w for w in widths]), *map(line, rows)])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Fault drills against `make cluster`.")
    parser.add_argument("drills", nargs="*", default=list(DRILLS))
    parser.add_argument("--sockets", type=int, default=200)
    parser.add_argument("--rooms", type=int, default=10)
    parser.add_argument("--rate", type=float, default=50, help="chat messages per second, all rooms together")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--warm-s", type=float, default=5)
    parser.add_argument("--after-s", type=float, default=25)
    parser.add_argument("--settle-s", type=float, default=30)
    parser.add_argument("--check", action="store_true", help="exit 1 unless nothing acknowledged was lost or doubled")
    args = parser.parse_args(argv)
    unknown = set(args.drills) - set(DRILLS)
    if unknown:
        parser.error(f"unknown drills {sorted(unknown)}; known: {', '.join(DRILLS)}")
    if cluster.pid_of("edge") is None:
        raise SystemExit("drills: the cluster is not running; start it with `make cluster`")
    if "partition" in args.drills and t.mode() != "netns":
        print("partition drill skipped: it needs network namespaces (the cluster runs on loopback addresses)")
        args.drills.remove("partition")
    django_setup()
    tokens = sign_in(drill_users(args.users))
    results = []
    for name in args.drills:
        print(f"==> drill {name}", flush=True)
        results.append(asyncio.run(drill(name, tokens, args)))
        print(json.dumps(results[-1]), flush=True)
    print(table(results))
    out = t.STATE / "drills.json"
    out.write_text(json.dumps({"at": int(time.time()), "mode": t.mode(), "args": vars(args), "results": results},
                              indent=2))
    print(f"figures: {out}")
    if args.check:
        bad = [r["drill"] for r in results if r["lost"] or r["duplicated"] or r["false_acks"] or r["stored_twice"]
               or r["unacked_at_end"]]
        if bad:
            print(f"FAILED: acknowledged messages lost, doubled or left unacknowledged in {bad}")
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
