"""Item 4: 5,000 missed messages come back in order through `?since=` and
`history` paging, with no gap, at a bounded cost in server memory."""

import time

import pytest

from chat import crypto
from chat.models import Message, Room
from tests.reliability.faults import figure, rss_kb
from tests.wsclient import joined, run

pytestmark = pytest.mark.reliability

MISSED = 5000


def _missed_while_away(room_id: str, sender) -> None:
    """5,000 stored messages, as message_send would have stored them while the reader was away."""
    now = int(time.time() * 1000)
    Message.objects.bulk_create(
        Message(room_id=room_id, seq=seq, sender=sender, client_id=f"m{seq}", ts=now + seq,
                text=crypto.encrypt_text(f"missed {seq}", room_id, seq))
        for seq in range(1, MISSED + 1)
    )
    Room.objects.filter(pk=room_id).update(last_seq=MISSED)


@pytest.mark.timeout(300)
def test_replay_five_thousand(servers, users_on, room_of, django_user_model):
    writer, reader = users_on(servers, 2, "replay")
    room_id = room_of(writer)
    _missed_while_away(room_id, django_user_model.objects.get(username=writer.username))
    server = servers[-1]

    async def catch_up():
        room, welcome = await joined(server.ws_url, room_id, reader.token, since=0, max_size=2**24)
        pages = [welcome["history"]]
        more = welcome.get("hasMore")
        while more:
            await room.send({"type": "history", "before": pages[-1][0]["seq"], "limit": 100})
            page = await room.expect("history")
            pages.append(page["messages"])
            more = page["hasMore"]
        await room.close()
        return welcome, pages

    before = rss_kb(server.proc.pid)
    welcome, pages = run(catch_up())
    growth = rss_kb(server.proc.pid) - before
    seqs = [m["seq"] for page in reversed(pages) for m in page]
    texts_ok = all(m["text"] == f"missed {m['seq']}" for page in pages for m in page)
    figure("replay 5000: received/gaps/repeats/pages", f"{len(seqs)}/{MISSED - len(set(seqs))}/{len(seqs) - len(set(seqs))}/{len(pages)}")
    figure("replay 5000: server RSS growth KB", growth)
    assert welcome["lastSeq"] == MISSED and len(welcome["history"]) == 1000
    assert seqs == list(range(1, MISSED + 1)) and texts_ok
    # A page is at most 1,000 frames, so memory is bounded by a page, not by the backlog.
    assert growth < 20 * 1024
