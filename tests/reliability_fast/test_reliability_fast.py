"""The cheap, deterministic part of the reliability suite (issue 9), run by
every `make test`: hostile frames (fewer), oversize frames, origins with the
cookie, token uniqueness and dead tokens, flooding. The full versions are in
tests/reliability (`make reliability`)."""

import pytest
from django.conf import settings

from chat.models import Message
from conftest import Api
from tests.live import LiveServer
from tests.reliability import access
from tests.reliability.checks import check_hostile, check_issued_tokens, check_origins, check_oversize, check_socket_cap
from tests.reliability.faults import figure
from tests.reliability.senders import flood
from tests.wsclient import joined, run


@pytest.fixture(scope="module")
def lone_server(daphne_server):
    server = LiveServer("fast-hostile").start()
    yield server
    server.stop()


@pytest.fixture
def lone_client(lone_server, users_on):
    (client,) = users_on([lone_server], 1, "fast")
    return client


def test_hostile_frames_fast(lone_server, lone_client, room_of):
    check_hostile(lone_server, lone_client, room_of(lone_client), curated=150, generated=300, utf8=3,
                  label="fast hostile")


def test_oversize_frames_fast(lone_server, lone_client, room_of):
    check_oversize(lone_server, lone_client, room_of(lone_client), rounds=5, label="fast oversize")


def test_origins_with_the_cookie_fast(lone_server, lone_client, room_of):
    check_origins(lone_server, lone_client, room_of(lone_client), label="fast origins")


# Tokens live in the "sessions" cache: a database table on the embedded default.
@pytest.mark.django_db
def test_tokens_unique_fast():
    check_issued_tokens(1000, label="fast tokens")


def test_logged_out_and_revoked_tokens_refused_fast(lone_server, users_on, room_of):
    first, second = users_on([lone_server], 2, "fastdead")
    room_id = room_of(first)
    assert first.post("/api/auth/logout").status_code == 200
    old = second.token
    access.change_password(second)
    for token in (first.token, old):
        assert access.refused_everywhere(lambda t=None: Api(lone_server.url, t), lone_server.ws_url, room_id, token)


def test_flooder_closed_at_arrival_fast(lone_server, users_on, room_of):
    """200 chats in about a second: 4429 although each chat is a slow write, nothing
    beyond the chat quota stored, and another room's chat goes through meanwhile."""
    flooder, sender, receiver = users_on([lone_server], 3, "fastflood")
    flood_room, quiet_room = room_of(flooder), room_of(sender)

    async def scenario():
        talker, _ = await joined(lone_server.ws_url, quiet_room, sender.token)
        listener, _ = await joined(lone_server.ws_url, quiet_room, receiver.token)
        sent, code = await flood(lone_server.ws_url, flood_room, flooder.token, frames=200, interval_s=0.004)
        await talker.send({"type": "chat", "clientId": "calm", "text": "still here"})
        ack = await talker.expect_one_of(("ack", "error"), clientId="calm")
        heard = await listener.expect("chat", clientId="calm")
        return sent, code, ack, heard

    sent, code, ack, heard = run(scenario())
    stored = Message.objects.filter(room_id=flood_room).count()
    figure("fast flood: frames sent/close code/stored", f"{sent}/{code}/{stored}")
    assert code == 4429 and sent < 200, "closed while flooding, not after the backlog"
    assert stored <= settings.CHAT_RATE[0]
    assert ack["type"] == "ack" and heard["text"] == "still here"


@pytest.mark.parametrize("servers", [{"WS_MAX_SOCKETS_PER_IP": "10"}], indirect=True)
def test_socket_cap_per_address_fast(servers, make_user, room_of):
    check_socket_cap(servers, make_user, room_of, cap=10, attempts=20, users=3, half_open=5, label="fast socket cap")
