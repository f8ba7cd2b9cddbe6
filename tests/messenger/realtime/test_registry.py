"""The idle sweep (messenger/realtime/registry.py) looks only at sockets whose
deadline has come, and never closes one that spoke since."""

import gc

from django.conf import settings

from messenger.realtime.registry import _Registry


class FakeSocket:
    def __init__(self, last_frame_at: float):
        self.last_frame_at = last_frame_at
        self.kind = "room"


def registry_of(sockets) -> _Registry:
    registry = _Registry()
    for socket in sockets:
        registry.sockets.add(socket)
        registry._schedule(socket)
    return registry


def test_only_silent_sockets_are_idle_and_only_due_entries_are_examined():
    idle_after = settings.WS_IDLE_TIMEOUT_S
    quiet = [FakeSocket(0.0) for _ in range(5)]
    chatty = [FakeSocket(0.0) for _ in range(5)]
    later = [FakeSocket(10 * idle_after) for _ in range(1000)]
    registry = registry_of(quiet + chatty + later)
    for socket in chatty:
        socket.last_frame_at = idle_after  # spoke since its deadline was set
    found = registry.idle_sockets(now=idle_after + 1)
    assert set(found) == set(quiet)
    # The 1,000 sockets not yet due were not looked at.
    assert registry.examined == 10
    # The chatty ones are due again one idle period after they spoke.
    assert registry.idle_sockets(now=idle_after + 2) == []
    assert set(registry.idle_sockets(now=2 * idle_after + 1)) == set(chatty)


def test_a_closed_socket_is_neither_idle_nor_kept_alive_by_the_sweep():
    gone = FakeSocket(0.0)
    registry = registry_of([gone])
    registry.sockets.discard(gone)
    assert registry.idle_sockets(now=settings.WS_IDLE_TIMEOUT_S + 1) == []
    closed = FakeSocket(0.0)
    registry = registry_of([closed])
    registry.sockets.discard(closed)
    del closed
    gc.collect()
    assert registry._deadlines[0][2]() is None
