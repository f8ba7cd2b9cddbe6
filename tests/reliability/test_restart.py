"""Item 14: a server restarted under 500 open sockets. Every client comes
back by itself (backoff with jitter, `?since=`, signing in again on 4401),
the server is not stampeded, and chats sent right before and right after
the restart reach every member of their room exactly once."""

import asyncio
import json
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from chat import services as chat_services
from chat.models import Message
from conftest import Api, unique_name
from tests.live import LiveServer
from tests.reliability.faults import figure
from tests.reliability.reconnect import ReconnectingSocket
from tests.wsclient import run

pytestmark = pytest.mark.reliability

USERS = 250  # one room socket and one presence socket each: 500 sockets
ROOMS = 10
CHATS_BEFORE = 5
CHATS_AFTER = 5
BACK_WITHIN_S = 60
WAIT_S = 120
# Closes that mean "the server could not take me right now", as opposed to the restart itself.
TURNED_AWAY = {4429, 4503, 1011, 1013}


def _signed_in(server: LiveServer, usernames: list[str]) -> list[Api]:
    def sign_in(username: str) -> Api:
        client = Api(server.url)
        client.login(username)
        return client

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(sign_in, usernames))


def _peak_opens_per_second(log_text: str, since_ms: int) -> int:
    """The most sockets the server authenticated within one second, from its own log."""
    per_second = Counter()
    for line in log_text.splitlines():
        if '"socket opened"' not in line:
            continue
        ts = json.loads(line)["ts"]
        if ts >= since_ms:
            per_second[ts // 1000] += 1
    return max(per_second.values(), default=0)


@pytest.mark.timeout(300)
def test_restart_under_500_sockets_everyone_back_nothing_lost(make_user):
    server = LiveServer("restart", env={"CHAT_RATE_LIMIT": "100000", "LOGIN_RATE_LIMIT": "100000"}).start()
    try:
        users = [make_user("rs") for _ in range(USERS)]
        rooms = [chat_services.room_create(user=users[0], room_id=unique_name("room"), name="restart").id
                 for _ in range(ROOMS)]
        clients = _signed_in(server, [user.username for user in users])
        room_sockets = [
            ReconnectingSocket(server.ws_url, c.token, lambda c=c, u=u: c.login(u.username), rooms[i % ROOMS])
            for i, (c, u) in enumerate(zip(clients, users, strict=True))
        ]
        presence_sockets = [
            ReconnectingSocket(server.ws_url, c.token, lambda c=c, u=u: c.login(u.username))
            for c, u in zip(clients, users, strict=True)
        ]
        outcome = run(_scenario(server, rooms, room_sockets, presence_sockets))
        log_text = server.log_text()
    finally:
        server.stop(kill=True)

    sockets = room_sockets + presence_sockets
    back_s = outcome["back_s"]
    stored = list(Message.objects.filter(room_id__in=rooms).values_list("room_id", "seq", "client_id"))
    expected = {(room, cid) for room, cids in outcome["sent"].items() for cid in cids}
    lost = len(expected - {(room, cid) for room, _, cid in stored})
    duplicated = len(stored) - len({(room, cid) for room, _, cid in stored})
    seqs_by_room = {room: {seq for r, seq, _ in stored if r == room} for room in rooms}
    missed = sum(len(seqs_by_room[s.room_id] - set(s.seen)) for s in room_sockets)
    repeated = sum(count - 1 for s in room_sockets for count in s.seen.values())
    turned_away = sum(code in TURNED_AWAY for s in sockets for code in s.close_codes)
    peak = _peak_opens_per_second(log_text, outcome["restarted_at_ms"])

    figure("restart_500 sockets back / of", f"{outcome['back']}/{len(sockets)}")
    figure("restart_500 all back after the new process answered (s)", f"{back_s:.1f}")
    figure("restart_500 all back after the stop began (s)", f"{outcome['back_from_stop_s']:.1f}")
    figure("restart_500 initial connect of 500 (s)", f"{outcome['initial_s']:.1f}")
    figure("restart_500 peak socket opens per second seen by the server", peak)
    figure("restart_500 closes turned away (4429/4503/1011/1013)", turned_away)
    figure("restart_500 close codes", dict(Counter(code for s in sockets for code in s.close_codes)))
    figure("restart_500 chats sent/stored/lost/duplicated", f"{len(expected)}/{len(stored)}/{lost}/{duplicated}")
    figure("restart_500 member deliveries missed/repeated", f"{missed}/{repeated}")

    assert outcome["back"] == len(sockets)
    assert back_s <= BACK_WITHIN_S
    assert (len(stored), lost, duplicated) == (len(expected), 0, 0)
    assert (missed, repeated) == (0, 0)
    assert turned_away == 0


async def _scenario(server, rooms, room_sockets, presence_sockets) -> dict:
    sockets = room_sockets + presence_sockets
    stop = asyncio.Event()
    tasks = [asyncio.create_task(s.run(stop)) for s in sockets]
    try:
        started = time.monotonic()
        await _until(lambda: all(s.up.is_set() for s in sockets))
        initial_s = time.monotonic() - started
        senders = {room: next(s for s in room_sockets if s.room_id == room) for room in rooms}
        sent = {room: [] for room in rooms}

        async def send(phase: str, count: int) -> None:
            for room, sender in senders.items():
                for n in range(count):
                    client_id = f"{phase}-{n}"
                    sent[room].append(client_id)
                    await sender.chat(client_id, f"{phase} restart {n}")

        # Right before: the stop begins while these are still in flight.
        await send("before", CHATS_BEFORE)
        stop_began = time.monotonic()
        await asyncio.to_thread(server.stop)
        down_at = time.monotonic()
        # Right after: sent (queued by the clients) while the server is coming back.
        await send("after", CHATS_AFTER)
        restarted_at_ms = int(time.time() * 1000)
        await asyncio.to_thread(server.start)
        answered_at = time.monotonic()

        def back(s: ReconnectingSocket) -> bool:
            return s.up.is_set() and s.welcomed_at[-1] > down_at

        await _until(lambda: all(back(s) for s in sockets))
        last_back = max(s.welcomed_at[-1] for s in sockets)
        per_room = CHATS_BEFORE + CHATS_AFTER
        await _until(
            lambda: not any(s.pending for s in senders.values())
            and all(len(s.seen) >= per_room for s in room_sockets)
        )
        return {
            "initial_s": initial_s,
            "back": sum(back(s) for s in sockets),
            "back_s": last_back - answered_at,
            "back_from_stop_s": last_back - stop_began,
            "restarted_at_ms": restarted_at_ms,
            "sent": sent,
        }
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _until(predicate) -> None:
    """Wait for predicate; on timeout return anyway: the assertions then say what is missing."""
    deadline = time.monotonic() + WAIT_S
    while not predicate():
        if time.monotonic() > deadline:
            return
        await asyncio.sleep(0.1)
