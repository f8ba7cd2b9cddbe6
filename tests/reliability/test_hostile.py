"""Items 6 and 7: hostile frames get one error each and never a 1011 or a
traceback; oversize frames close with 1009 and leave memory and neighbours alone."""

import pytest

from tests.live import LiveServer
from tests.reliability.checks import check_hostile, check_oversize

pytestmark = pytest.mark.reliability



@pytest.fixture
def lone_server(daphne_server):
    """A server of its own, so that its log and its memory are this test's alone."""
    server = LiveServer("hostile").start()
    yield server
    server.stop()


@pytest.mark.timeout(600)
def test_hostile_frames(lone_server, users_on, room_of):
    (client,) = users_on([lone_server], 1, "hostile")
    check_hostile(lone_server, client, room_of(client), curated=1000, generated=10_000, utf8=20, label="hostile")


def test_oversize_frames(lone_server, users_on, room_of):
    (client,) = users_on([lone_server], 1, "big")
    check_oversize(lone_server, client, room_of(client), rounds=50, label="oversize")
