"""Items 6 and 7: hostile frames get one error each and never a 1011 or a
traceback; oversize frames close with 1009 and leave memory and neighbours alone."""

import pytest

from tests.live import LiveServer
from tests.reliability import hostile
from tests.reliability.faults import figure, rss_kb, tracebacks
from tests.wsclient import joined, run

pytestmark = pytest.mark.reliability

KIB = 1024


@pytest.fixture
def lone_server(daphne_server):
    """A server of its own, so that its log and its memory are this test's alone."""
    server = LiveServer("hostile").start()
    yield server
    server.stop()


def check_hostile(server, client, room_id, *, curated: int, generated: int, utf8: int, label: str) -> None:
    frames = hostile.curated(curated) + hostile.hypothesis_frames(generated)
    result = run(hostile.barrage(server.ws_url, room_id, client.token, frames))
    utf8_codes = run(hostile.invalid_utf8(server.ws_url, room_id, client.token, utf8))
    log = server.log_text()
    figure(f"{label} frames/errors/1011/tracebacks/pongs",
           f"{result.frames}/{result.error_replies}/{result.close_codes.get(1011, 0)}/{tracebacks(log)}/{result.pongs}")
    figure(f"{label} invalid-utf8 close codes", utf8_codes)
    assert result.frames == curated + generated
    assert result.error_replies == result.frames
    assert set(result.other_replies) <= {"join", "leave"} and result.close_codes == {}
    assert result.pongs == result.sockets
    assert set(utf8_codes) == {1007}
    assert tracebacks(log) == 0 and '"level":"ERROR"' not in log


def check_oversize(server, client, room_id, *, rounds: int, label: str) -> None:
    sizes = [16 * KIB + 1, 1024 * KIB]

    async def scenario(count):
        bystander, _ = await joined(server.ws_url, room_id, client.token)
        codes = await hostile.oversize(server.ws_url, room_id, client.token, sizes * count)
        await bystander.send({"type": "chat", "clientId": f"by-{count}", "text": "still here"})
        ack = await bystander.expect("ack")
        await bystander.close()
        return codes, ack

    run(scenario(2))  # warm-up: first-use allocations are not growth
    before = rss_kb(server.proc.pid)
    codes, ack = run(scenario(rounds))
    growth_kb = rss_kb(server.proc.pid) - before
    figure(f"{label} close codes ({rounds} x 16KiB+1 and 1MiB)", codes)
    figure(f"{label} server RSS growth KB", growth_kb)
    assert set(codes) <= {1009, 1006} and codes.get(1009, 0) >= rounds
    assert growth_kb < 5 * KIB
    assert ack["seq"] >= 1


@pytest.mark.timeout(600)
def test_hostile_frames(lone_server, users_on, room_of):
    (client,) = users_on([lone_server], 1, "hostile")
    check_hostile(lone_server, client, room_of(client), curated=1000, generated=10_000, utf8=20, label="hostile")


def test_oversize_frames(lone_server, users_on, room_of):
    (client,) = users_on([lone_server], 1, "big")
    check_oversize(lone_server, client, room_of(client), rounds=50, label="oversize")
