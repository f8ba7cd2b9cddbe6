"""Presence across two daphne processes over Redis (production stack only)."""

import time

import pytest

from conftest import production_stack
from tests.wsclient import blocking

pytestmark = [
    pytest.mark.multiprocess,
    pytest.mark.skipif(not production_stack(), reason="needs Redis shared by two server processes"),
]


async def test_status_changes_cross_processes(friends, daphne_server, second_server):
    one, two = daphne_server, second_server
    alice, bob = await friends("mp")
    alice_socket = await alice.presence(one)
    bob_socket = await bob.presence(two)
    assert (await alice_socket.presence_of(bob.name))["user"]["status"] == "online"
    await bob_socket.send({"type": "presence", "status": "phone", "personalMessage": "on a call"})
    assert (await alice_socket.presence_of(bob.name, status="phone"))["user"][
        "personalMessage"
    ] == "on a call"
    await alice_socket.send({"type": "presence", "status": "brb"})
    await bob_socket.presence_of(alice.name, status="brb")
    # A reconnect to the other process within the grace shows no flicker.
    await bob_socket.close()
    bob_socket = await bob.presence(one)
    await alice_socket.none_about(bob.name, 3.0)
    await bob_socket.close()
    await alice_socket.presence_of(bob.name, status="offline")
    await alice_socket.close()


async def test_killed_process_makes_its_users_offline_within_ttl(friends, start_server, settings):
    alice, bob = await friends("kill")
    doomed = await blocking(start_server, "presence-doomed")
    alice_socket = await alice.presence()
    bob_socket = await bob.presence(doomed)
    await alice_socket.presence_of(bob.name, status="online")
    doomed.stop(kill=True)
    killed_at = time.monotonic()
    await alice_socket.presence_of(bob.name, status="offline", timeout=settings.PRESENCE_TTL_S + 6)
    assert time.monotonic() - killed_at <= settings.PRESENCE_TTL_S + 6
    await alice_socket.close()
    del bob_socket
