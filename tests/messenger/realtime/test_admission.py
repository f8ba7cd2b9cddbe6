"""Admission under a storm of connects (issue 17, docs/PROTOCOL.md §9): at most
WS_ADMIT_CONCURRENCY sockets are admitted at once and WS_ADMIT_QUEUE wait;
one more is told to come back (`error` UNAVAILABLE with `retryAfterMs`, then
4503), while sockets already open keep being served.

Channels communicators against the room socket in this process, on whichever
stack the suite runs: an admission is held open by stopping its token lookup
on an event, so "over the budget" is a state, not a race."""

import asyncio
import threading
from contextlib import asynccontextmanager, contextmanager
from unittest import mock

import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import override_settings

from chat.consumers import RoomConsumer
from chat.models import Room
from conftest import fake_ip, production_stack, unique_name
from messenger.accounts import tokens
from messenger.operations import analytics
from messenger.realtime import socket as socket_module
from messenger.realtime.admission import Admission, admission
from messenger.realtime.socket import SocketConsumer
from messenger.realtime.user_groups import UserGroups

pytestmark = pytest.mark.django_db(transaction=True)

WAIT_S = 10


def _token_for(user) -> str:
    return tokens.token_issue(user_id=user.pk, epoch=user.profile.token_epoch)[0]


def room_socket(room_id: str, token: str) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(
        RoomConsumer.as_asgi(),
        f"/api/ws/room/{room_id}",
        headers=[(b"host", b"localhost"), (b"authorization", f"Bearer {token}".encode())],
    )
    communicator.scope["url_route"] = {"args": (), "kwargs": {"room_id": room_id}}
    communicator.scope["client"] = ("127.0.0.1", 50000)
    return communicator


async def frames_until(communicator, kind: str) -> list[dict]:
    seen = []
    while not seen or seen[-1]["type"] != kind:
        seen.append(await communicator.receive_json_from(timeout=WAIT_S))
    return seen


async def admissions_done():
    """A socket's admission ends a little after its welcome (the join announcement goes out first)."""
    async with asyncio.timeout(WAIT_S):
        while admission.admitting or admission.waiting:
            await asyncio.sleep(0.01)


async def joined(room_id: str, token: str) -> WebsocketCommunicator:
    communicator = room_socket(room_id, token)
    connected, _ = await communicator.connect(timeout=WAIT_S)
    assert connected
    await frames_until(communicator, "welcome")
    await admissions_done()
    return communicator


@contextmanager
def token_lookup_held(token: str):
    """The lookup of `token` waits (on its database thread) until the block ends; `entered` is set when it does."""
    held = tokens.token_hash(token)
    entered, release = threading.Event(), threading.Event()
    original = SocketConsumer._resolve_user

    def lookup(self, digest, *args):
        if digest == held:
            entered.set()
            release.wait(WAIT_S)
        return original(self, digest, *args)

    with mock.patch.object(SocketConsumer, "_resolve_user", lookup):
        try:
            yield entered
        finally:
            release.set()


@pytest.fixture(autouse=True)
def no_pace_from_other_tests():
    """The admission pace is the process's: what earlier tests admitted must not set this test's waits."""
    admission._ended.clear()


@pytest.fixture(autouse=True)
def groups_of_this_loop(monkeypatch):
    """The process's user-group channel lives on one event loop; each test runs on a loop of its own."""
    monkeypatch.setattr(socket_module, "user_groups", UserGroups())


@pytest.fixture
def room(transactional_db):
    return Room.objects.create(id=unique_name("adm"), name="Admission")


@pytest.fixture
def three_tokens(make_user) -> list[str]:
    return [_token_for(make_user("adm")) for _ in range(3)]


async def test_a_connect_over_the_budget_is_told_to_retry_while_open_sockets_chat(three_tokens, room):
    chatter_token, waiting_token, deferred_token = three_tokens
    with override_settings(WS_ADMIT_CONCURRENCY=1, WS_ADMIT_QUEUE=0, WS_ADMIT_RETRY_MS=800):
        open_socket = await joined(room.pk, chatter_token)
        with token_lookup_held(waiting_token) as entered:
            slow = room_socket(room.pk, waiting_token)
            await slow.connect(timeout=WAIT_S)
            assert await asyncio.to_thread(entered.wait, WAIT_S)
            assert admission.admitting == 1

            refused = room_socket(room.pk, deferred_token)
            await refused.connect(timeout=WAIT_S)
            error = await refused.receive_json_from(timeout=WAIT_S)
            assert error["type"] == "error" and error["code"] == "UNAVAILABLE"
            assert 800 <= error["retryAfterMs"] <= 1600
            closed = await refused.receive_output(timeout=WAIT_S)
            assert closed == {"type": "websocket.close", "code": 4503}

            # The socket that was already open is served while the admission is still held.
            await open_socket.send_json_to({"type": "chat", "clientId": "during-storm", "text": "still here"})
            ack = next(f for f in await frames_until(open_socket, "ack") if f["type"] == "ack")
            assert ack["clientId"] == "during-storm"
        # Released, the held socket gets its welcome, and then the budget is free again.
        assert (await frames_until(slow, "welcome"))[-1]["type"] == "welcome"
        await admissions_done()
        later = await joined(room.pk, deferred_token)
    for communicator in (open_socket, slow, later):
        await communicator.disconnect()


@asynccontextmanager
async def two_waiting_behind_one(room, three_tokens):
    """With WS_ADMIT_CONCURRENCY 1: the first socket holds the slot (its token lookup held until
    the block ends) and the other two are in the admission queue."""
    held_token, *queued_tokens = three_tokens
    with token_lookup_held(held_token) as entered:
        holder = room_socket(room.pk, held_token)
        await holder.connect(timeout=WAIT_S)
        assert await asyncio.to_thread(entered.wait, WAIT_S)
        queued = [room_socket(room.pk, token) for token in queued_tokens]
        for communicator in queued:
            await communicator.connect(timeout=WAIT_S)
        while admission.waiting < 2:
            await asyncio.sleep(0.01)
        yield holder, queued


async def test_connects_within_the_queue_wait_their_turn(three_tokens, room):
    with override_settings(WS_ADMIT_CONCURRENCY=1, WS_ADMIT_QUEUE=2):
        async with two_waiting_behind_one(room, three_tokens) as (holder, queued):
            # Both wait for the slot; neither is sent away.
            assert await queued[0].receive_nothing(timeout=0.2)
        for communicator in (holder, *queued):
            assert (await frames_until(communicator, "welcome"))[-1]["type"] == "welcome"
        await admissions_done()
    for communicator in (holder, *queued):
        await communicator.disconnect()


def _names(packed: bytes) -> str:
    """'GETEX' for one packed command, 'MULTI+...' for a pipeline: the command names in it."""
    parts = packed.split(b"\r\n")
    names, index = [], 0
    while index < len(parts) and parts[index].startswith(b"*"):
        names.append(parts[index + 2].decode())
        index += 1 + 2 * int(parts[index][1:])
    return "+".join(names)


@contextmanager
def redis_round_trips():
    """The Redis commands this process sent inside the block, one entry per round trip
    (a pipeline is one), from any thread or event loop."""
    import redis.asyncio.connection
    import redis.connection

    sent: list[str] = []
    sync_send = redis.connection.AbstractConnection.send_packed_command
    async_send = redis.asyncio.connection.AbstractConnection.send_packed_command

    def packed(command) -> bytes:
        return command if isinstance(command, bytes) else b"".join(command)

    def counting_sync(self, command, *args, **kwargs):
        sent.append(_names(packed(command)))
        return sync_send(self, command, *args, **kwargs)

    async def counting_async(self, command, *args, **kwargs):
        sent.append(_names(packed(command)))
        return await async_send(self, command, *args, **kwargs)

    with (
        mock.patch.object(redis.connection.AbstractConnection, "send_packed_command", counting_sync),
        mock.patch.object(redis.asyncio.connection.AbstractConnection, "send_packed_command", counting_async),
    ):
        yield sent


@contextmanager
def thread_trips():
    """The functions sent to the sockets' database threads inside the block, in order."""
    from messenger.platform import db_async

    sent: list[str] = []
    original = db_async.run

    async def counting(fn, /, *args, **kwargs):
        sent.append(getattr(fn, "__name__", repr(fn)))
        return await original(fn, *args, **kwargs)

    with mock.patch.object(db_async, "run", counting):
        yield sent


async def test_one_connect_costs_two_queries_and_four_redis_round_trips(three_tokens, room, no_analytics):
    """Pinned so that it cannot grow unseen (issue 17): a new user joining a
    room that already has a socket in this process. The room row and the
    members' public objects come from this process's caches."""
    from tests.capture import queries_counted

    first, second, _ = three_tokens
    present = await joined(room.pk, first)
    with queries_counted() as statements, redis_round_trips() as trips, thread_trips() as hops:
        measured = await joined(room.pk, second)
    # The token, the user and the (public) room; the welcome's reads.
    assert hops == ["_resolve_user", "_welcome_reads"], hops
    session_table = [sql for sql in statements if settings.SESSION_CACHE_TABLE in sql]
    app_queries = _connect_queries(statements)
    # The user with their profile (token epoch, ban), and who blocks them.
    assert len(app_queries) == 2, app_queries
    assert "auth_user" in app_queries[0] and "presence_contact" in app_queries[1]
    if production_stack():
        # The socket cap with the token (read, its lifetime restarted) in one script; the
        # user's group; the room's membership; the join announcement. No database query for the token.
        assert trips == ["EVALSHA", "SUBSCRIBE", "EVALSHA", "PUBLISH"], trips
        assert session_table == []
    else:
        assert trips == []
    for communicator in (present, measured):
        await communicator.disconnect()


def _token_ttl_s(token: str) -> int:
    """The token record's remaining lifetime in Redis (production stack)."""
    from messenger.platform import redis_clients

    return redis_clients.sync_client().ttl(tokens.redis_record_key(tokens.token_hash(token)))


async def test_at_the_cap_a_socket_is_refused_before_its_token_is_read_or_extended(three_tokens, room):
    """The cap and the token share one script: a socket over the cap is refused (4429)
    and its token is neither read nor given a new lifetime; once there is room it is both."""
    first, second, _ = three_tokens
    address = fake_ip()

    def from_address(token):
        communicator = room_socket(room.pk, token)
        communicator.scope["client"] = (address, 50000)
        return communicator

    with override_settings(WS_MAX_SOCKETS_PER_IP=1):
        present = from_address(first)
        assert (await present.connect(timeout=WAIT_S))[0]
        await frames_until(present, "welcome")
        await admissions_done()
        if production_stack():
            from messenger.platform import redis_clients

            redis_clients.sync_client().expire(tokens.redis_record_key(tokens.token_hash(second)), 100)
        over = from_address(second)
        await over.connect(timeout=WAIT_S)
        error = await over.receive_json_from(timeout=WAIT_S)
        assert error["type"] == "error" and error["code"] == "RATE_LIMITED"
        assert await over.receive_output(timeout=WAIT_S) == {"type": "websocket.close", "code": 4429}
        await admissions_done()
        if production_stack():
            assert 0 < _token_ttl_s(second) <= 100
        await present.disconnect()
        await admissions_done()
        later = from_address(second)
        assert (await later.connect(timeout=WAIT_S))[0]
        await frames_until(later, "welcome")
        await admissions_done()
        if production_stack():
            assert _token_ttl_s(second) > settings.TOKEN_TTL_S - 60
        await later.disconnect()


async def test_a_revoked_token_is_refused_and_its_connect_does_not_bring_it_back(three_tokens, room):
    _, revoked, _ = three_tokens
    await asyncio.to_thread(tokens.token_revoke, tokens.token_hash(revoked))
    refused = room_socket(room.pk, revoked)
    await refused.connect(timeout=WAIT_S)
    assert await refused.receive_output(timeout=WAIT_S) == {"type": "websocket.close", "code": 4401}
    await admissions_done()
    assert await asyncio.to_thread(tokens.token_lookup, tokens.token_hash(revoked), touch=False) is None
    if production_stack():
        assert _token_ttl_s(revoked) == -2  # no such key


def _connect_queries(statements: list[str]) -> list[str]:
    """The statements of a connect, less the token's in the embedded stack's session table."""
    return [
        sql
        for sql in statements
        if settings.SESSION_CACHE_TABLE not in sql and not sql.startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"))
    ]


@pytest.fixture
def no_analytics(monkeypatch):
    """queries_counted sees every thread: the analytics writer's batches (which check the
    users they name) are not a connect's, so events are not recorded in these tests."""
    analytics.flush()
    monkeypatch.setattr(analytics, "record", lambda *args, **kwargs: None)


async def test_a_presence_connect_costs_five_queries_and_no_redis_connection_of_its_own(three_tokens, no_analytics):
    from presence.consumers import PresenceConsumer
    from tests.capture import queries_counted

    def presence_socket(token):
        communicator = WebsocketCommunicator(
            PresenceConsumer.as_asgi(),
            "/api/ws/presence",
            headers=[(b"host", b"localhost"), (b"authorization", f"Bearer {token}".encode())],
        )
        communicator.scope["client"] = ("127.0.0.1", 50000)
        return communicator

    first, second, _ = three_tokens
    present = presence_socket(first)
    await present.connect(timeout=WAIT_S)
    await frames_until(present, "unread")
    await admissions_done()
    with queries_counted() as statements, redis_round_trips() as trips, thread_trips() as hops:
        measured = presence_socket(second)
        await measured.connect(timeout=WAIT_S)
        await frames_until(measured, "unread")
        await admissions_done()
    # The token and the user; the away flag, roster, its blockers and the unread rooms (were
    # four trips); who is told the user came online (presence.broadcast).
    assert hops == ["_resolve_user", "_opening_reads", "interested_in"], hops
    # The user; the roster; the unread rooms; the user as announced; who watches them.
    assert len(_connect_queries(statements)) == 5, _connect_queries(statements)
    if production_stack():
        # No connection of its own (HELLO, CLIENT SETINFO, SELECT): a per-socket client for the
        # auto-away flag opened one per presence socket. The token is read in the socket cap's script.
        assert not {"HELLO", "CLIENT", "SELECT"} & set(trips), trips
        assert trips[0] == "EVALSHA" and not {"GETEX", "GET", "EXPIRE"} & set(trips[:2]), trips
        assert len(trips) <= 6, trips
    for communicator in (present, measured):
        await communicator.disconnect()


@override_settings(WS_ADMIT_RETRY_MS=1000, WS_ADMIT_RETRY_MAX_MS=30_000)
def test_deferred_sockets_wait_about_the_time_the_queue_needs_spread_at_random():
    """A herd is told to come back once the queue ahead could have gone in, spread over as much
    again, instead of all at once a second later (each refusal costs the process a handshake)."""
    herd = Admission()
    assert herd.retry_after_ms(now=50.0) in range(1000, 2001)  # no pace yet: the base wait
    herd._ended.extend(100.0 + i / 100 for i in range(64))  # 100 admissions a second
    herd._waiting.extend(range(500))  # 500 sockets queued ahead: 5 s of admissions
    waits = [herd.retry_after_ms(now=101.0) for _ in range(1000)]
    assert 5000 <= min(waits) and max(waits) <= 10_000
    assert max(waits) - min(waits) > 4000  # spread, not together
    # However long the queue, never more than WS_ADMIT_RETRY_MAX_MS and as much again.
    herd._waiting.extend(range(100_000))
    assert 30_000 <= min(herd.retry_after_ms(now=101.0) for _ in range(100)) <= max(herd.retry_after_ms(now=101.0) for _ in range(100)) <= 60_000
    # A pace from long ago is no pace.
    assert herd.retry_after_ms(now=200.0) in range(1000, 2001)


async def test_a_queue_as_long_as_the_hold_backlog_is_told_to_draining_processes(three_tokens, room, no_analytics):
    """Two sockets waiting with WS_DRAIN_HOLD_BACKLOG 2: the process says so in the shared cache (a draining
    process holds its closes meanwhile, messenger/realtime/draining.py); once they are in, it says it is over."""
    from messenger.realtime import admission as admission_module

    await asyncio.to_thread(admission_module._set_backlog, None)
    with override_settings(WS_ADMIT_CONCURRENCY=1, WS_ADMIT_QUEUE=4, WS_DRAIN_HOLD_BACKLOG=2):
        async with two_waiting_behind_one(room, three_tokens) as (holder, queued):
            told = None
            for _ in range(200):
                told = await asyncio.to_thread(admission_module.others_backlog)
                if told:
                    break
                await asyncio.sleep(0.01)
            assert told == 2
        for communicator in (holder, *queued):
            assert (await frames_until(communicator, "welcome"))[-1]["type"] == "welcome"
        await admissions_done()
        for _ in range(200):
            if await asyncio.to_thread(admission_module.others_backlog) is None:
                break
            await asyncio.sleep(0.01)
        assert await asyncio.to_thread(admission_module.others_backlog) is None
    for communicator in (holder, *queued):
        await communicator.disconnect()
