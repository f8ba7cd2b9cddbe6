"""Group commit (chat.writer): chat messages that arrive while their room's
transaction is in flight are stored together in the next one, each with its
own seq, ack and refusal."""

import asyncio
import threading

import pytest
from django.db import connection, connections, transaction

from chat import writer
from chat.models import Message, Room
from conftest import Api, production_stack
from messenger.models import Profile
from tests.wsclient import joined, new_room, run


class RoomWriteLock:
    """The room's write lock, held by the test process as another server's
    writer would hold it: the Room row locked on PostgreSQL, the database's
    write lock on SQLite (IMMEDIATE transactions). `drafts` are stored in
    that transaction, committed when the lock is released."""

    def __init__(self, room_id: str, drafts: list[writer.Draft]):
        self.room_id = room_id
        self.drafts = drafts
        self.held = threading.Event()
        self.released = threading.Event()
        self.thread = threading.Thread(target=self._hold, daemon=True)

    def _hold(self) -> None:
        try:
            with transaction.atomic():
                Room.objects.select_for_update().filter(pk=self.room_id).first()
                writer.store(self.room_id, self.drafts)
                self.held.set()
                self.released.wait(30)
        finally:
            connections.close_all()

    def __enter__(self):
        self.thread.start()
        assert self.held.wait(10)
        return self

    def __exit__(self, *exc):
        self.released.set()
        self.thread.join(10)


def _signed_in(server, user) -> Api:
    client = Api(server.url)
    client.login(user.username)
    return client


async def _outcome(socket, client_id: str) -> dict:
    return await socket.next(lambda f: f["type"] in ("ack", "error") and f.get("clientId") == client_id, timeout=30)


def test_messages_queued_behind_a_transaction_share_the_next_one(daphne_server, make_user):
    racer, *others = [make_user("gc") for _ in range(5)]
    twice, muted = make_user("gctwice"), make_user("gcmuted")
    Profile.objects.filter(user=muted).update(muted=True)
    clients = {user.username: _signed_in(daphne_server, user) for user in (racer, *others, twice, muted)}
    room_id = new_room(clients[racer.username])

    async def scenario():
        sockets = {name: (await joined(daphne_server.ws_url, room_id, c.token))[0] for name, c in clients.items()}
        twice_again, _ = await joined(daphne_server.ws_url, room_id, clients[twice.username].token)
        # Another writer holds the room and is storing the racer's "raced" as seq 1, not committed yet.
        with RoomWriteLock(room_id, [writer.Draft(racer, "raced", "raced", False)]):
            await sockets[racer.username].send({"type": "chat", "clientId": "raced", "text": "raced"})
            # Its transaction now waits for the lock; everything below queues behind it.
            await asyncio.sleep(0.5)
            for user in others:
                await sockets[user.username].send({"type": "chat", "clientId": "c", "text": user.username})
            # The same clientId twice from two sockets of one user, in the same batch.
            await sockets[twice.username].send({"type": "chat", "clientId": "same", "text": "once"})
            await twice_again.send({"type": "chat", "clientId": "same", "text": "once"})
            await sockets[muted.username].send({"type": "chat", "clientId": "m", "text": "hush"})
            await asyncio.sleep(1.0)
        outcomes = {"raced": await _outcome(sockets[racer.username], "raced")}
        for user in others:
            outcomes[user.username] = await _outcome(sockets[user.username], "c")
        outcomes["same"] = await _outcome(sockets[twice.username], "same")
        outcomes["same again"] = await _outcome(twice_again, "same")
        outcomes["muted"] = await _outcome(sockets[muted.username], "m")
        return outcomes

    outcomes = run(scenario())
    # Committed by the other writer while this one waited for the lock: the original's seq, stored once.
    assert outcomes["raced"] == {"type": "ack", "clientId": "raced", "seq": 1}
    assert outcomes["muted"]["type"] == "error" and outcomes["muted"]["code"] == "MUTED"
    assert outcomes["same"]["type"] == outcomes["same again"]["type"] == "ack"
    assert outcomes["same"]["seq"] == outcomes["same again"]["seq"]
    acked = {name: o["seq"] for name, o in outcomes.items() if name not in ("raced", "muted", "same again")}
    assert sorted(acked.values()) == [2, 3, 4, 5, 6]
    stored = {seq: (sender, client_id) for seq, sender, client_id in
              Message.objects.filter(room_id=room_id).values_list("seq", "sender__username", "client_id")}
    assert stored == {1: (racer.username, "raced"), **{
        seq: ((twice.username, "same") if name == "same" else (name, "c")) for name, seq in acked.items()
    }}
    if connection.vendor == "postgresql":
        # One transaction wrote them all: the rows carry the same inserting transaction id.
        with connection.cursor() as cursor:
            cursor.execute("SELECT xmin::text FROM chat_message WHERE room_id = %s AND seq > 1", [room_id])
            assert len({xmin for (xmin,) in cursor.fetchall()}) == 1


@pytest.mark.multiprocess
@pytest.mark.skipif(not production_stack(), reason="needs REDIS_URL and DATABASE_URL")
def test_fifty_concurrent_senders_on_two_processes_get_every_seq_once(daphne_server, second_server, make_user):
    servers = [daphne_server, second_server]
    senders = [make_user("gcs") for _ in range(50)]
    clients = [_signed_in(servers[n % 2], user) for n, user in enumerate(senders)]
    room_id = new_room(clients[0])
    per_sender = 4

    async def send_all(n: int) -> list[tuple[str, str, int]]:
        socket, _ = await joined(servers[n % 2].ws_url, room_id, clients[n].token)
        for k in range(per_sender):
            await socket.send({"type": "chat", "clientId": f"k{k}", "text": f"{n}:{k}"})
        acks = [await _outcome(socket, f"k{k}") for k in range(per_sender)]
        await socket.close()
        return [(senders[n].username, ack["clientId"], ack["seq"]) for ack in acks]

    async def scenario():
        return [ack for acks in await asyncio.gather(*(send_all(n) for n in range(len(senders)))) for ack in acks]

    acks = run(scenario())
    total = len(senders) * per_sender
    assert sorted(seq for _, _, seq in acks) == list(range(1, total + 1))
    stored = {seq: (sender, client_id) for seq, sender, client_id in
              Message.objects.filter(room_id=room_id).values_list("seq", "sender__username", "client_id")}
    assert len(stored) == total
    for sender, client_id, seq in acks:
        assert stored[seq] == (sender, client_id)
