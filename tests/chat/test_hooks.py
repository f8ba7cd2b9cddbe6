"""What chat registers into messenger.hooks: unread counts, collections, seed, account purge."""

import io

from chat import ids, services, writer
from chat.models import Message, Room
from messenger import hooks


def _store(room_id, sender, text, client_id):
    return writer.store(room_id, [writer.Draft(sender, client_id, text, False)])[0]


def test_unread_counts_follow_the_read_marker(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    room = services.dm_room_ensure(user=alice, other=bob)
    assert room.pk == ids.dm_room_id(alice.username, bob.username)
    for n in range(3):
        _store(room.pk, alice, f"m{n}", f"c{n}")
    unread = [fn(bob) for fn in hooks.unread_counts][0]
    assert unread == [{"roomId": room.pk, "count": 3, "lastSeq": 3}]
    assert services.read_marker_advance(user=bob, room_id=room.pk, seq=2) == 2
    assert services.read_marker_advance(user=bob, room_id=room.pk, seq=1) == 2
    assert [fn(bob) for fn in hooks.unread_counts][0] == [{"roomId": room.pk, "count": 1, "lastSeq": 3}]
    assert services.read_marker_advance(user=bob, room_id=room.pk, seq=99) == 3
    assert [fn(bob) for fn in hooks.unread_counts][0] == []


def test_account_deletion_blanks_texts_and_keeps_seqs(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    room = services.dm_room_ensure(user=alice, other=bob)
    _store(room.pk, alice, "secret", "a1")
    _store(room.pk, bob, "reply", "b1")
    for purge in hooks.account_deleted:
        purge(alice)
    rows = list(Message.objects.filter(room=room).order_by("seq").values_list("seq", "text", "deleted"))
    assert rows == [(1, "", True), (2, "reply", False)]


def test_seed_and_collections(make_user):
    seed = next(fn for fn in hooks.seeders if fn.__module__.startswith("chat"))
    seed(io.StringIO())
    seed(io.StringIO())
    assert Room.objects.filter(pk="lobby", kind="public").count() == 1
    viewer = make_user()
    items, _ = hooks.collections["rooms"](viewer, "", 100)
    assert "lobby" in {room["id"] for room in items}
    winks, next_cursor = hooks.collections["winks"](viewer, "", 2)
    assert len(winks) == 2 and next_cursor == "2"
