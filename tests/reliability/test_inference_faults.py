"""Item 13: the inference API misbehaving (30 s latency, 500s, connection
resets, bad JSON) while people keep mentioning a bot in one room does not
slow down people chatting in another room, and crashes no consumer."""

import asyncio
import itertools
import socket
import struct
import time
from collections import Counter

import pytest
from websockets.exceptions import ConnectionClosed

from bots import services as bot_services
from bots.personas import PERSONAS
from conftest import Api, unique_name
from tests.fakes.inference import FakeInference
from tests.live import LiveServer
from tests.reliability.faults import figure, tracebacks
from tests.wsclient import joined, run

pytestmark = pytest.mark.reliability

TALKERS = 5
MENTIONERS = 3
TALK_INTERVAL_S = 0.3
MENTION_INTERVAL_S = 1.0
# (phase, fake inference mode, settings, seconds). "slow" 30 s outlives BOT_TIMEOUT_S (20 s): calls time out.
PHASES = [
    ("baseline", "ok", {}, 20),
    ("latency_30s", "slow", {"delay_s": 30}, 30),
    ("http_500", "error", {}, 15),
    ("resets", "reset", {}, 15),
    ("bad_json", "garbage", {}, 15),
]
# Within noise on a shared 2-core machine: 3x the baseline p99, or baseline + 100 ms if that is more.
NOISE_FACTOR = 3
NOISE_FLOOR_MS = 100


class ResettingInference(FakeInference):
    """The fake inference server plus a `reset` mode: it reads the request, then aborts the TCP connection (RST)."""

    def _handler(self):
        base = super()._handler()
        fake = self

        class Handler(base):
            def do_POST(self):
                if fake.mode != "reset":
                    return super().do_POST()
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with fake._lock:
                    fake.calls.append({"path": self.path, "body": {}, "auth": None})
                # Linger 0: close() sends RST instead of FIN.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()
                self.close_connection = True

            def finish(self):
                if fake.mode != "reset":
                    super().finish()

        return Handler


def p99_ms(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000


@pytest.mark.timeout(300)
def test_inference_faults_leave_human_chat_alone(make_user):
    fake = ResettingInference().start()
    server = LiveServer("inference-faults", env={
        "BOT_INFERENCE_URL": fake.openai_url,
        "BOT_API_STYLE": "openai",
        "CHAT_RATE_LIMIT": "100000",
        # No breaker: every mention reaches the failing API, the worst case for the server.
        "BOT_BREAKER_FAILURES": "1000000",
    }).start()
    try:
        persona = {**next(p for p in PERSONAS if p["handle"] == "smarterbot"), "handle": unique_name("bot")}
        handle = bot_services.persona_upsert(**persona).user.username
        talkers = [_signed_in(server, make_user("talk")) for _ in range(TALKERS)]
        mentioners = [_signed_in(server, make_user("ment")) for _ in range(MENTIONERS)]
        chat_room = _room(talkers[0])
        bot_room = _room(mentioners[0])
        outcome = run(_scenario(server, fake, handle, chat_room, bot_room, talkers, mentioners))
        log_text = server.log_text()
    finally:
        server.stop(kill=True)
        fake.stop()

    baseline = p99_ms(outcome["acks"]["baseline"])
    limit = max(baseline * NOISE_FACTOR, baseline + NOISE_FLOOR_MS)
    p99s = {phase: round(p99_ms(samples), 1) for phase, samples in outcome["acks"].items()}
    failures = Counter(
        kind for kind in ("timeout", "upstream_error", "connection", "malformed")
        for line in log_text.splitlines()
        if '"inference failed"' in line and f'"kind":"{kind}"' in line
    )
    figure("inference_faults ack p99 ms by phase", p99s)
    figure("inference_faults acks measured by phase", {p: len(s) for p, s in outcome["acks"].items()})
    figure("inference_faults p99 limit ms (3x baseline or +100 ms)", round(limit, 1))
    figure("inference_faults inference calls by phase", outcome["calls"])
    figure("inference_faults bot frames seen by mentioners", dict(outcome["bot_frames"]))
    figure("inference_faults inference failures logged by kind", dict(failures))
    figure("inference_faults closes (any code) / 1011 / tracebacks in server log",
           f"{len(outcome['closes'])}/{outcome['closes'].count(1011)}/{tracebacks(log_text)}")

    assert all(len(samples) > 10 for samples in outcome["acks"].values())
    assert all(p99 <= limit for p99 in p99s.values()), p99s
    assert outcome["closes"] == []
    assert tracebacks(log_text) == 0
    # The faults really reached the server.
    assert all(outcome["calls"][phase] > 0 for phase, *_ in PHASES)


def _signed_in(server: LiveServer, user) -> Api:
    client = Api(server.url)
    client.login(user.username)
    return client


def _room(client: Api) -> str:
    room_id = unique_name("room")
    response = client.post("/api/rooms", {"id": room_id, "name": room_id})
    assert response.status_code == 201, response.text
    return room_id


async def _scenario(server, fake, handle, chat_room, bot_room, talkers, mentioners) -> dict:
    phase = {"name": PHASES[0][0]}
    acks = {name: [] for name, *_ in PHASES}
    bot_frames = Counter()
    closes: list[int] = []
    ids = itertools.count()
    stop = asyncio.Event()

    async def talk(client):
        room, _ = await joined(server.ws_url, chat_room, client.token)
        try:
            while not stop.is_set():
                client_id = f"t{next(ids)}"
                name, sent = phase["name"], time.monotonic()
                await room.send({"type": "chat", "clientId": client_id, "text": "just people talking"})
                await room.expect("ack", clientId=client_id)
                acks[name].append(time.monotonic() - sent)
                await asyncio.sleep(TALK_INTERVAL_S)
        except ConnectionClosed:
            pass
        finally:
            closes.extend(await _closed(room))

    async def mention(client):
        room, _ = await joined(server.ws_url, bot_room, client.token)
        reader = asyncio.create_task(_count_bot_frames(room, handle, bot_frames))
        try:
            while not stop.is_set() and not reader.done():
                await room.send({"type": "chat", "clientId": f"m{next(ids)}", "text": f"@{handle} are you there?"})
                await asyncio.sleep(MENTION_INTERVAL_S)
        except ConnectionClosed:
            pass
        finally:
            reader.cancel()
            closes.extend(await _closed(room))

    tasks = [asyncio.create_task(talk(c)) for c in talkers] + [asyncio.create_task(mention(c)) for c in mentioners]
    calls = {}
    try:
        for name, mode, settings, seconds in PHASES:
            phase["name"] = name
            fake.behave(mode, **settings)
            await asyncio.sleep(seconds)
            calls[name] = fake.call_count()
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    return {"acks": acks, "calls": calls, "bot_frames": bot_frames, "closes": closes}


async def _count_bot_frames(room, handle: str, seen: Counter) -> None:
    while True:
        frame = await room.recv(timeout=None)
        if frame["type"] == "chat" and frame["sender"]["id"] == handle:
            seen["reply"] += 1
        elif frame["type"] == "error":
            seen[f"error {frame.get('code')}"] += 1


async def _closed(room) -> list[int]:
    """[close code] if the server closed the socket during the run, else [] (and the test closes it)."""
    if room.ws.close_code is not None:
        return [room.ws.close_code]
    await room.close()
    return []
