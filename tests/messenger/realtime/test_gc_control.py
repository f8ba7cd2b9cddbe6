"""messenger/realtime/gc_control.py: every collection's pause recorded (and
on /metrics), the collect-then-freeze pass, and the reclaim of frozen cycles."""

import gc
import weakref

import pytest

from messenger.platform import metrics
from messenger.realtime import gc_control


@pytest.fixture
def collector(settings):
    settings.GC_RECLAIM_CLOSES = 5
    yield gc_control.Collector()
    gc.unfreeze()


class _Node:
    pass


def _cycle():
    node = _Node()
    node.self = node
    return node


def test_every_collection_pause_is_recorded_with_its_generation():
    recorder = gc_control.PauseRecorder()
    gc.callbacks.append(recorder)
    try:
        gc.collect(0)
        gc.collect(2)
    finally:
        gc.callbacks.remove(recorder)
    figures = recorder.figures()
    assert figures["count"] == 2
    assert 0 < figures["longest_s"] == max(figures["longest_by_generation_s"].values())
    assert figures["longest_by_generation_s"][2] > 0
    assert metrics.GC_PAUSE_MAX_SECONDS._value.get() >= figures["longest_s"]
    assert 0 < figures["longest_cpu_s"] <= metrics.GC_PAUSE_MAX_CPU_SECONDS._value.get()
    assert 'cfm_gc_pause_seconds_count{generation="2"}' in metrics.scrape().decode()


def test_a_pass_frees_new_garbage_and_freezes_what_lives(collector):
    gc.collect()
    frozen_before = gc.get_freeze_count()
    garbage = weakref.ref(_cycle())
    alive = _cycle()
    gc.collect(1)  # a young collection promotes survivors, as the server's own do
    assert collector.step(open_sockets=1) == "freeze"
    assert garbage() is None
    assert gc.get_freeze_count() > frozen_before
    assert collector.step(open_sockets=1) is None  # nothing promoted since: no pass
    del alive


def test_frozen_cycles_of_closed_sockets_are_reclaimed_after_enough_closes(collector):
    socket_objects = _cycle()
    dead = weakref.ref(socket_objects)
    gc.collect(1)
    assert collector.step(open_sockets=1) == "freeze"
    del socket_objects
    gc.collect()
    assert dead() is not None  # frozen: no collection sees the cycle
    for _ in range(5):
        collector.socket_closed()
    assert collector.step(open_sockets=0) == "reclaim"
    assert dead() is None


def test_no_reclaim_while_more_sockets_are_open_than_closed_or_while_draining(collector):
    for _ in range(5):
        collector.socket_closed()
    assert collector.step(open_sockets=6) != "reclaim"
    collector.draining = True
    assert collector.step(open_sockets=0) != "reclaim"
    collector.draining = False
    assert collector.step(open_sockets=5) == "reclaim"


def test_a_storm_of_arrivals_defers_the_reclaim_up_to_its_bound(collector, settings):
    settings.GC_RECLAIM_FORCE_X = 4
    collector.socket_opened()  # sockets are arriving
    assert collector.step(open_sockets=6) != "reclaim"  # the most open since the last reclaim: 6
    for _ in range(23):
        collector.socket_closed()
    assert collector.step(open_sockets=5) != "reclaim"
    collector.socket_closed()  # 24 closes = 4 x the most sockets open since the last reclaim
    assert collector.step(open_sockets=5) == "reclaim"


def test_a_socket_refused_before_any_pass_froze_it_does_not_count(collector):
    opened_at = collector.passes()
    for _ in range(5):
        collector.socket_closed(opened_at)
    assert collector.closes_since_reclaim == 0
    gc.collect(1)
    assert collector.step(open_sockets=1) == "freeze"
    collector.socket_closed(opened_at)
    assert collector.closes_since_reclaim == 1
