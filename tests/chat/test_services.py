"""chat.services as a caller sees it: what each action stored, what it sent to
the channel layer (exactly), what it refused, and what it costs in queries."""

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings

from chat import consumers, services
from chat.models import Room
from conftest import unique_name
from messenger import errors
from messenger.models import Profile
from messenger.operations import analytics
from messenger.platform import fanout, ratelimit
from tests.capture import channel_sends, queries_counted


@pytest.fixture
def room(make_user):
    owner = make_user("owner")
    return services.room_create(user=owner, room_id=unique_name("svc").lower(), name="Service room")


def send(room_id, sender, text, client_id):
    return async_to_sync(services.message_send)(room_id=room_id, sender=sender, text=text, client_id=client_id)


def test_message_send_stores_then_announces_one_chat_frame_to_the_room(room, make_user):
    alice = make_user("alice")
    with channel_sends() as sent:
        result = send(room.pk, alice, "hello there", "c-1")
    assert result.created and result.seq == 1
    assert [group for group, _ in sent] == [fanout.room_group(room.pk)]
    frame = sent.frames(fanout.room_group(room.pk))[0]
    assert frame["type"] == "chat" and frame["seq"] == 1 and frame["text"] == "hello there"
    assert frame["clientId"] == "c-1" and frame["sender"]["id"] == alice.username


def test_a_repeated_client_id_returns_the_stored_seq_and_sends_nothing(room, make_user):
    alice = make_user("alice")
    first = send(room.pk, alice, "once", "same-id")
    with channel_sends() as sent:
        again = send(room.pk, alice, "once", "same-id")
    assert (again.seq, again.created) == (first.seq, False)
    assert sent == []


def test_message_send_costs_the_same_queries_in_a_busy_room(room, make_user):
    alice = make_user("alice")
    send(room.pk, alice, "warm-up", "w")
    # queries_counted sees every thread: the analytics writer's batch must not land inside a window.
    analytics.flush()
    with queries_counted() as quiet:
        send(room.pk, alice, "second", "s")
    for n in range(30):
        send(room.pk, alice, f"filler {n}", f"f{n}")
    analytics.flush()
    with queries_counted() as busy:
        send(room.pk, alice, "later", "l")
    assert len(busy) == len(quiet)
    # The writer's plan: the room locked and the sender read once, one insert, one update (docs/FANOUT.md).
    assert len(busy) <= 12, busy


def test_message_submit_refuses_over_the_rate_with_the_wait_and_sends_nothing(room, make_user):
    alice = make_user("alice")
    limit = settings.CHAT_RATE[0]
    for n in range(limit):
        async_to_sync(services.message_submit)(room_id=room.pk, sender=alice, text=f"m{n}", client_id=f"r{n}")
    with channel_sends() as sent, pytest.raises(services.ChatRefused) as refused:
        async_to_sync(services.message_submit)(room_id=room.pk, sender=alice, text="one too many", client_id="over")
    assert refused.value.code == errors.RATE_LIMITED and refused.value.retry_after_ms > 0
    assert sent == []
    ratelimit.reset_sync(f"chat:{room.pk}:{alice.pk}")


def test_a_resend_is_answered_before_the_rate_limit(room, make_user):
    alice = make_user("alice")
    stored = async_to_sync(services.message_submit)(room_id=room.pk, sender=alice, text="kept", client_id="keep")
    # The rest of the window: the next new message would be refused.
    for n in range(settings.CHAT_RATE[0] - 1):
        async_to_sync(services.message_submit)(room_id=room.pk, sender=alice, text=f"m{n}", client_id=f"q{n}")
    again = async_to_sync(services.message_submit)(room_id=room.pk, sender=alice, text="kept", client_id="keep")
    assert (again.seq, again.created) == (stored.seq, False)
    ratelimit.reset_sync(f"chat:{room.pk}:{alice.pk}")


@pytest.mark.parametrize("refusal", ["muted", "locked"])
def test_nudges_and_winks_follow_the_rooms_write_refusals(room, make_user, refusal):
    alice = make_user("alice")
    if refusal == "muted":
        Profile.objects.filter(user=alice).update(muted=True)
        code = errors.MUTED
    else:
        Room.objects.filter(pk=room.pk).update(locked=True)
        code = errors.ROOM_LOCKED
    with channel_sends() as sent:
        with pytest.raises(services.ChatRefused) as nudge:
            async_to_sync(services.nudge_send)(room_id=room.pk, user=alice)
        with pytest.raises(services.ChatRefused) as wink:
            async_to_sync(services.wink_send)(room_id=room.pk, user=alice, wink_id="hearts", lead_ms=0)
    assert nudge.value.code == wink.value.code == code
    assert sent == []


def test_a_nudge_is_one_frame_to_the_room(room, make_user):
    alice = make_user("alice")
    with channel_sends() as sent:
        async_to_sync(services.nudge_send)(room_id=room.pk, user=alice)
    assert [frame["type"] for frame in sent.frames(fanout.room_group(room.pk))] == ["nudge"]
    assert len(sent) == 1
    ratelimit.reset_sync(f"nudge:{alice.pk}")


def test_the_welcome_reads_cost_the_same_for_a_long_history_and_many_members(room, make_user):
    alice = make_user("alice")
    for n in range(3):
        send(room.pk, alice, f"early {n}", f"e{n}")
    few = {alice.pk, make_user("m").pk}
    with queries_counted() as small:
        consumers._welcome_reads(room.pk, 3, None, few, alice)
    many = few | {make_user("m").pk for _ in range(7)}
    for n in range(60):
        send(room.pk, alice, f"more {n}", f"x{n}")
    with queries_counted() as large:
        history, _, last_seq, members, blockers = consumers._welcome_reads(room.pk, 63, None, many, alice)
    assert len(history) == min(settings.HISTORY_ON_JOIN, 63) and last_seq == 63 and len(members) == len(many)
    assert blockers == set()
    # The messages with their senders, the members not cached, who blocks the joining user (they
    # see those members offline); the room's last seq comes from its orderer (chat.room_hub.committed_seq).
    assert len(large) == len(small) <= 4, large
