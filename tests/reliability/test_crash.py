"""Items 1 and 5: a server killed with SIGKILL mid-burst loses and doubles
nothing, and a clientId sent five times (two processes, a reconnect) is one row."""

import asyncio
import json

import pytest

from chat.models import Message
from tests.reliability.faults import figure
from tests.reliability.senders import ResilientSender
from tests.wsclient import joined, run

pytestmark = pytest.mark.reliability

CLIENTS = 10
PER_CLIENT = 100


def _stored(room_id: str) -> list[tuple[int, int, str]]:
    return list(Message.objects.filter(room_id=room_id).values_list("seq", "sender_id", "client_id"))


@pytest.mark.timeout(400)
def test_kill_9_mid_burst_loses_and_doubles_nothing(servers, users_on, room_of):
    clients = users_on(servers, CLIENTS, "burst")
    room_id = room_of(clients[0])
    urls = [s.ws_url for s in servers]
    senders = [
        # Each client starts on "its" process and falls over to the next one.
        ResilientSender(urls[i % len(urls):] + urls[: i % len(urls)], room_id, c.token,
                        [f"{c.username}-{n}" for n in range(PER_CLIENT)], relogin=c.login_again)
        for i, c in enumerate(clients)
    ]
    victim = servers[0]

    async def scenario():
        tasks = [asyncio.create_task(s.run(deadline_s=180)) for s in senders]
        # Mid-burst: about a quarter of the messages are in.
        while sum(len(s.acks) for s in senders) < CLIENTS * PER_CLIENT // 4:
            await asyncio.sleep(0.05)
        victim.stop(kill=True)
        if len(servers) == 1:
            await asyncio.to_thread(victim.start)
        await asyncio.gather(*tasks)

    run(scenario())
    rows = _stored(room_id)
    seqs = sorted(seq for seq, _, _ in rows)
    distinct = {(sender, cid) for _, sender, cid in rows}
    expected = {cid for s in senders for cid in s.texts}
    stored_ids = {cid for _, _, cid in rows}
    acked = {cid for s in senders for cid in s.acks}
    lost = len(expected - stored_ids)
    duplicated = len(rows) - len(distinct)
    gaps = len(set(range(1, seqs[-1] + 1)) - set(seqs)) if seqs else 0
    figure("crash_mid_burst stored/lost/duplicated/gaps", f"{len(rows)}/{lost}/{duplicated}/{gaps}")
    figure("crash_mid_burst reconnects", sum(s.reconnects for s in senders))
    assert (len(rows), lost, duplicated, gaps) == (CLIENTS * PER_CLIENT, 0, 0, 0)
    assert acked == expected
    # Every ack names the seq the row really has.
    by_id = {cid: seq for seq, _, cid in rows}
    assert all(by_id[cid] == s.acks[cid] for s in senders for cid in s.acks)


def test_same_client_id_five_times_is_one_row(servers, users_on, room_of):
    (client,) = users_on(servers[:1], 1, "idem")
    room_id = room_of(client)
    frame = json.dumps({"type": "chat", "clientId": "same-1", "text": "only once"})
    first, second = servers[0], servers[-1]

    async def acks_from(room, count):
        return [(await room.expect("ack", clientId="same-1"))["seq"] for _ in range(count)]

    async def scenario():
        a, _ = await joined(first.ws_url, room_id, client.token)
        b, _ = await joined(second.ws_url, room_id, client.token)
        # Two at once on each process, racing each other.
        for room in (a, b, a, b):
            await room.send(frame)
        seqs = await acks_from(a, 2) + await acks_from(b, 2)
        await a.close()
        again, welcome = await joined(first.ws_url, room_id, client.token, since=0)
        await again.send(frame)
        seqs += await acks_from(again, 1)
        return seqs, welcome

    seqs, welcome = run(scenario())
    rows = _stored(room_id)
    figure("same_client_id_x5 rows/acks", f"{len(rows)}/{len(seqs)} identical={len(set(seqs)) == 1}")
    assert len(rows) == 1
    assert seqs == [rows[0][0]] * 5
    assert [m["clientId"] for m in welcome["history"]] == ["same-1"]
