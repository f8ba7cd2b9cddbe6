"""The cheap, deterministic part of the reliability suite (issue 9), run by
every `make test`: hostile frames (fewer), oversize frames, origins with the
cookie, token uniqueness and dead tokens. The full versions are in
tests/reliability (`make reliability`)."""

import pytest

from conftest import Api
from tests.live import LiveServer
from tests.reliability import access
from tests.reliability.test_access import check_issued_tokens, check_origins
from tests.reliability.test_hostile import check_hostile, check_oversize


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
