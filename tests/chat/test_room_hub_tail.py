"""The room's tail check (chat.ordering): a message whose publish was lost
reaches the members live once the room goes quiet, with no later message
to reveal the gap; and an idle room stops being checked."""

import asyncio

from django.contrib.auth import get_user_model

from chat import ordering, writer
from conftest import Api, fake_ip
from tests.wsclient import blocking, joined, new_room, run


def _store_without_publishing(room_id: str, username: str, client_id: str) -> int:
    """What message_send stores, with no broadcast: a publish the channel layer dropped."""
    sender = get_user_model().objects.get(username=username)
    (stored,) = writer.store(room_id, [writer.Draft(sender, client_id, "never published", False)])
    return stored.message.seq


def test_a_message_whose_publish_was_lost_arrives_live_when_the_room_goes_quiet(daphne_server, make_user):
    alice_name = make_user("tail").username
    alice, bob = Api(daphne_server.url, ip=fake_ip()), Api(daphne_server.url, ip=fake_ip())
    alice.login(alice_name)
    bob.login(make_user("tail").username)
    room_id = new_room(alice)

    async def scenario():
        sender, _ = await joined(daphne_server.ws_url, room_id, alice.token)
        listener, _ = await joined(daphne_server.ws_url, room_id, bob.token)
        await sender.send({"type": "chat", "clientId": "tail-live", "text": "published"})
        assert [c["seq"] for c in await listener.chats(1)] == [1]
        lost_seq = await blocking(_store_without_publishing, room_id, alice_name, "tail-lost")
        assert lost_seq == 2
        # The first check runs after 1 s of quiet; 3 s leaves room for a busy machine.
        late = await listener.chats(1, timeout=3)
        assert late[0]["seq"] == 2 and late[0]["text"] == "never published"
        assert [c["seq"] for c in await sender.chats(1, timeout=3)] == [1]
        assert [c["seq"] for c in await sender.chats(1, timeout=3)] == [2]
        assert await listener.quiet("chat", 0.3) == []
        await sender.close()
        await listener.close()

    run(scenario())


def test_the_tail_check_fills_in_order_and_stops_for_an_idle_room(monkeypatch):
    monkeypatch.setattr(ordering, "TAIL_CHECKS_S", (0.01, 0.02, 0.04))
    stored = {seq: f"frame {seq}" for seq in range(1, 6)}
    sent: list[int] = []
    reads: list[int] = []

    async def send(seq, text):
        sent.append(seq)

    async def fetch(first, last):
        return [(seq, stored[seq]) for seq in range(first, last + 1) if seq in stored]

    async def fetch_last_seq():
        reads.append(max(stored))
        return max(stored)

    async def scenario():
        orderer = ordering.SeqOrderer(next_seq=1, send=send, fetch=fetch, fetch_last_seq=fetch_last_seq)
        await orderer.offer(1, stored[1])
        await asyncio.sleep(0.3)
        orderer.close()

    asyncio.run(scenario())
    assert sent == [1, 2, 3, 4, 5]
    assert len(reads) == len(ordering.TAIL_CHECKS_S)
