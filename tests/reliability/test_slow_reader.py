"""Item 12: a client that stops reading while its room gets 10,000 messages.
Server memory stays bounded (messenger/sendbuffer.py cuts the slow socket
off), every other member gets all of them, and the slow one recovers
everything with `?since=` + `history` paging."""

import asyncio
import json

import pytest
import redis
from django.conf import settings
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from conftest import fake_ip, production_stack
from tests.reliability.faults import figure, rss_kb
from tests.wsclient import joined, run

pytestmark = pytest.mark.reliability

TALKERS = 50
PER_TALKER = 200
TOTAL = TALKERS * PER_TALKER
# Large frames, so that the backlog of a reader that stops is many MB (beyond the kernel's socket buffers).
TEXT = "x" * 1500
PACE_S = 0.18  # under the socket flood limit of 60 frames in 10 s


async def talk(room, name: str) -> int:
    """One member's share, each chat sent after the previous one's ack (and no faster than the flood limit)."""
    acked = 0
    for n in range(PER_TALKER):
        sent_at = asyncio.get_running_loop().time()
        await room.send({"type": "chat", "clientId": f"{name}-{n}", "text": TEXT})
        await room.expect("ack", clientId=f"{name}-{n}", timeout=60)
        acked += 1
        await asyncio.sleep(max(0.0, PACE_S - (asyncio.get_running_loop().time() - sent_at)))
    await room.close()
    return acked


async def listen(room, welcome: dict, done: asyncio.Event) -> list[int]:
    """Every chat seq a normally reading member has, its welcome's first, in arrival order (repeats
    kept); stops when all arrived, or 15 s after the talkers finished."""
    heartbeat = asyncio.create_task(ping_every(room, 20))
    seqs = [message["seq"] for message in welcome["history"]]
    while len(set(seqs)) < TOTAL:
        try:
            frame = await room.recv(timeout=15)
        except TimeoutError:
            if done.is_set():
                break
            continue
        if frame["type"] == "chat":
            seqs.append(frame["seq"])
    heartbeat.cancel()
    await room.close()
    return seqs


def out_of_order(seqs: list[int]) -> int:
    """Frames that arrived after a higher seq (a repeat counts too)."""
    return sum(1 for before, after in zip(seqs, seqs[1:], strict=False) if after <= before)


async def ping_every(room, seconds: float) -> None:
    """The contract's heartbeat, so that a member who only listens is not closed 4408 after 90 s."""
    while True:
        await asyncio.sleep(seconds)
        await room.send({"type": "ping", "nonce": "hb"})


async def stop_reading(url: str, room_id: str, token: str):
    """A socket that reads its welcome and then nothing: websockets stops reading TCP once its queue is full.
    No keepalive pings: their pongs would wait behind the backlog, and websockets would close the socket
    itself after 40 s, sooner than the server's cut-off in some runs."""
    ws = await connect(f"{url}/api/ws/room/{room_id}", max_queue=1, max_size=2**22, ping_interval=None,
                       additional_headers={"Authorization": f"Bearer {token}", "X-Forwarded-For": fake_ip()})
    assert json.loads(await ws.recv())["type"] == "welcome"
    return ws


async def drain(ws) -> tuple[list[int], bool]:
    """What the slow socket got before it was cut off (in arrival order), and whether it was."""
    seqs = []
    try:
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
            if frame["type"] == "chat":
                seqs.append(frame["seq"])
    except ConnectionClosed:
        return seqs, True
    except TimeoutError:
        await ws.close()
        return seqs, False


def pubsub_backlog_bytes() -> int:
    """The largest output buffer Redis holds for any pub/sub subscriber now (every client of the shared
    Redis, so an upper bound for the servers'): Redis drops a subscriber over 8 MB for 60 s or 32 MB."""
    if not production_stack():
        return 0
    return max((int(c["omem"]) for c in redis.Redis.from_url(settings.REDIS_URL).client_list(_type="pubsub")),
               default=0)


async def recover(url: str, room_id: str, token: str, since: int) -> set[int]:
    room, welcome = await joined(url, room_id, token, since=since, max_size=2**24)
    pages = [welcome["history"]]
    more = welcome.get("hasMore")
    while more and pages[-1] and pages[-1][0]["seq"] > since + 1:
        await room.send({"type": "history", "before": pages[-1][0]["seq"], "limit": 100})
        page = await room.expect("history")
        pages.append(page["messages"])
        more = page["hasMore"]
        # A real client pages within the flood limit too (60 frames in 10 s).
        await asyncio.sleep(PACE_S)
    await room.close()
    return {m["seq"] for page in pages for m in page if m["seq"] > since}


@pytest.mark.timeout(600)
def test_slow_reader_is_cut_off_and_recovers(servers, users_on, room_of):
    talkers = users_on(servers, TALKERS, "talk")
    fast_a, fast_b, slow = users_on(servers, 3, "read")
    room_id = room_of(talkers[0])
    urls = [s.ws_url for s in servers]
    target = servers[0]
    # A server's log file is appended to; this run's lines start here.
    log_starts = [len(s.log_text()) for s in servers]

    async def scenario():
        done = asyncio.Event()
        slow_ws = await stop_reading(target.ws_url, room_id, slow.token)
        # Joined before the first chat, so that all of them reach these members live.
        members = [await joined(urls[i % len(urls)], room_id, c.token, max_size=2**22)
                   for i, c in enumerate((fast_a, fast_b))]
        # Every socket open before the baseline: the growth measured is the room's traffic's.
        talker_rooms = await asyncio.gather(*(joined(urls[i % len(urls)], room_id, c.token)
                                              for i, c in enumerate(talkers)))
        listeners = [asyncio.create_task(listen(room, welcome, done)) for room, welcome in members]
        before = rss_kb(target.proc.pid)
        peak, backlog = before, 0
        talking = asyncio.gather(*(talk(room, c.username) for (room, _), c in zip(talker_rooms, talkers, strict=True)))
        while not talking.done():
            peak = max(peak, rss_kb(target.proc.pid))
            backlog = max(backlog, await asyncio.to_thread(pubsub_backlog_bytes))
            await asyncio.sleep(0.5)
        acked = sum(talking.result())
        done.set()
        heard = await asyncio.gather(*listeners)
        got_before, cut_off = await drain(slow_ws)
        recovered = await recover(target.ws_url, room_id, slow.token, max(got_before, default=0))
        welcome_seqs = [welcome["lastSeq"] for _, welcome in members]
        return acked, heard, got_before, cut_off, recovered, peak - before, backlog, welcome_seqs

    acked, heard, got_before, cut_off, recovered, growth_kb, backlog, welcome_seqs = run(scenario())
    logs = "".join(s.log_text()[start:] for s, start in zip(servers, log_starts, strict=True))
    slow_total = set(got_before) | recovered
    everything = set(range(1, TOTAL + 1))
    figure("slow_reader messages acked / each fast member got", f"{acked} / {[len(set(h)) for h in heard]}")
    figure("slow_reader each fast member: welcome lastSeq; missing seqs (first 20) / repeats / out of order",
           [(seq, sorted(everything - set(h))[:20], len(h) - len(set(h)), out_of_order(h))
            for seq, h in zip(welcome_seqs, heard, strict=True)])
    figure("slow_reader cut off / frames read before / recovered by replay / total",
           f"{cut_off} / {len(got_before)} / {len(recovered)} / {len(slow_total)}")
    figure("slow_reader server peak RSS growth KB while the room got its 10,000 chats, every socket already open "
           "(the slow socket's backlog would be ~15 MB)", growth_kb)
    # channels_redis logs this when a subscriber's connection fails (redis-py then subscribes again).
    figure("slow_reader pub/sub: largest subscriber backlog in Redis KB / subscriber connections lost",
           f"{backlog // 1024} / {logs.count('Unexpected exception in receive task')}")
    cut_offs = logs.count("socket cut off: client not reading")
    figure("slow_reader sockets cut off by the server (its logs)", cut_offs)
    assert acked == TOTAL
    assert all(h == sorted(everything) for h in heard)
    assert cut_off and cut_offs == 1
    assert slow_total == everything
    assert out_of_order(got_before) == 0
    assert growth_kb < 12 * 1024
