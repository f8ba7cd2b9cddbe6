"""Item 12: a client that stops reading while its room gets 10,000 messages.
Server memory stays bounded (messenger/sendbuffer.py cuts the slow socket
off), every other member gets all of them, and the slow one recovers
everything with `?since=` + `history` paging."""

import asyncio
import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from conftest import fake_ip
from tests.reliability.faults import figure, rss_kb
from tests.wsclient import joined, run

pytestmark = pytest.mark.reliability

TALKERS = 50
PER_TALKER = 200
TOTAL = TALKERS * PER_TALKER
# Large frames, so that the backlog of a reader that stops is many MB (beyond the kernel's socket buffers).
TEXT = "x" * 1500
PACE_S = 0.18  # under the socket flood limit of 60 frames in 10 s


async def talk(url: str, room_id: str, token: str, name: str) -> int:
    """One member's share, each chat sent after the previous one's ack (and no faster than the flood limit)."""
    room, _ = await joined(url, room_id, token)
    acked = 0
    for n in range(PER_TALKER):
        sent_at = asyncio.get_running_loop().time()
        await room.send({"type": "chat", "clientId": f"{name}-{n}", "text": TEXT})
        await room.expect("ack", clientId=f"{name}-{n}", timeout=60)
        acked += 1
        await asyncio.sleep(max(0.0, PACE_S - (asyncio.get_running_loop().time() - sent_at)))
    await room.close()
    return acked


async def listen(url: str, room_id: str, token: str, done: asyncio.Event) -> set[int]:
    """Every seq a normally reading member hears; stops when all arrived, or 15 s after the talkers finished."""
    room, _ = await joined(url, room_id, token, max_size=2**22)
    heartbeat = asyncio.create_task(ping_every(room, 20))
    seqs: set[int] = set()
    while len(seqs) < TOTAL:
        try:
            frame = await room.recv(timeout=15)
        except TimeoutError:
            if done.is_set():
                break
            continue
        if frame["type"] == "chat":
            seqs.add(frame["seq"])
    heartbeat.cancel()
    await room.close()
    return seqs


async def ping_every(room, seconds: float) -> None:
    """The contract's heartbeat, so that a member who only listens is not closed 4408 after 90 s."""
    while True:
        await asyncio.sleep(seconds)
        await room.send({"type": "ping", "nonce": "hb"})


async def stop_reading(url: str, room_id: str, token: str):
    """A socket that reads its welcome and then nothing: websockets stops reading TCP once its queue is full."""
    ws = await connect(f"{url}/api/ws/room/{room_id}", max_queue=1, max_size=2**22,
                       additional_headers={"Authorization": f"Bearer {token}", "X-Forwarded-For": fake_ip()})
    assert json.loads(await ws.recv())["type"] == "welcome"
    return ws


async def drain(ws) -> tuple[set[int], bool]:
    """What the slow socket got before it was cut off, and whether it was."""
    seqs = set()
    try:
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
            if frame["type"] == "chat":
                seqs.add(frame["seq"])
    except ConnectionClosed:
        return seqs, True
    except TimeoutError:
        await ws.close()
        return seqs, False


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

    async def scenario():
        done = asyncio.Event()
        slow_ws = await stop_reading(target.ws_url, room_id, slow.token)
        listeners = [asyncio.create_task(listen(urls[i % len(urls)], room_id, c.token, done))
                     for i, c in enumerate((fast_a, fast_b))]
        before = rss_kb(target.proc.pid)
        peak = before
        talking = asyncio.gather(*(talk(urls[i % len(urls)], room_id, c.token, c.username)
                                   for i, c in enumerate(talkers)))
        while not talking.done():
            peak = max(peak, rss_kb(target.proc.pid))
            await asyncio.sleep(0.5)
        acked = sum(talking.result())
        done.set()
        heard = await asyncio.gather(*listeners)
        got_before, cut_off = await drain(slow_ws)
        recovered = await recover(target.ws_url, room_id, slow.token, max(got_before, default=0))
        return acked, heard, got_before, cut_off, recovered, peak - before

    acked, heard, got_before, cut_off, recovered, growth_kb = run(scenario())
    slow_total = got_before | recovered
    figure("slow_reader messages acked / each fast member got", f"{acked} / {[len(h) for h in heard]}")
    figure("slow_reader cut off / frames read before / recovered by replay / total",
           f"{cut_off} / {len(got_before)} / {len(recovered)} / {len(slow_total)}")
    figure("slow_reader server peak RSS growth KB (the slow socket's backlog would be ~15 MB)", growth_kb)
    assert acked == TOTAL
    assert all(h == set(range(1, TOTAL + 1)) for h in heard)
    assert cut_off
    assert slow_total == set(range(1, TOTAL + 1))
    assert growth_kb < 12 * 1024
