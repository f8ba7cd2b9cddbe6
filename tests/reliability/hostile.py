"""Hostile input for the room socket (items 6 and 7): a curated corpus of
malformed frames, a hypothesis strategy for more, and a barrage runner that
feeds them to real sockets and counts what came back."""

import asyncio
import json
import random
from dataclasses import dataclass, field

from hypothesis import strategies as st
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from conftest import fake_ip

# Under the invalid-frame limit (20 in 10 s) so the socket stays open for the ping.
BATCH = 15
FRAME_KEYS = ["type", "clientId", "text", "seq", "before", "limit", "typing", "winkId", "nonce"]
TYPES = ["chat", "nudge", "wink", "typing", "history", "ping", "read", "presence", "CHAT", "", "__proto__"]


def _deep(depth: int, kind: str) -> str:
    return "[" * depth + "]" * depth if kind == "list" else '{"a":' * depth + "1" + "}" * depth


def curated(count: int) -> list[str | bytes]:
    """`count` malformed frames cycling through every family the issue names."""
    families = [
        lambda n: "{bad json " + str(n),
        lambda n: '{"type": "chat", "clientId": "c' + str(n) + '", "text": "unterminated',
        lambda n: bytes([n % 256]) * (1 + n % 40),
        lambda n: json.dumps({"type": "chat", "clientId": n, "text": "number id"}),
        lambda n: json.dumps({"type": "chat", "clientId": "c", "text": ["list", n]}),
        lambda n: json.dumps({"type": "history", "before": 10 ** (20 + n % 300), "limit": 5}),
        lambda n: json.dumps({"type": "read", "seq": -(10 ** (n % 50))}),
        lambda n: '{"type": "read", "seq": 1e' + str(300 + n % 100) + "}",
        lambda n: json.dumps({"type": "history", "limit": 10 ** 30}),
        lambda n: _deep(200 + n % 2000, "list"),
        lambda n: _deep(200 + n % 2000, "dict"),
        lambda n: json.dumps({"type": "typing", "typing": "true"}),
        lambda n: json.dumps({"type": "wink", "clientId": "w", "winkId": {"x": n}}),
        lambda n: json.dumps({"type": TYPES[n % len(TYPES)] + "x"}),
        lambda n: json.dumps(n),
        lambda n: json.dumps(None),
        lambda n: "",
        lambda n: json.dumps({"type": "chat", "clientId": "\ud800", "text": "lone surrogate"}),
        lambda n: json.dumps({"type": "chat", "clientId": "c", "text": "\u0000" * (1 + n % 5)}),
        lambda n: json.dumps({"type": ["chat"], "clientId": "c", "text": "t"}),
    ]
    return [families[n % len(families)](n) for n in range(count)]


def _json_values():
    scalars = (
        st.none()
        | st.booleans()
        | st.integers(min_value=-(10**40), max_value=10**40)
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(max_size=40)
    )
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(FRAME_KEYS) | st.text(max_size=8), inner, max_size=4),
        max_leaves=12,
    )


def frame_strategy():
    """Mostly frame-shaped dicts with wrong values, plus arbitrary text and bytes."""
    shaped = st.fixed_dictionaries(
        {"type": st.sampled_from(TYPES) | st.text(max_size=10)},
        optional={key: _json_values() for key in FRAME_KEYS[1:]},
    ).map(json.dumps)
    return st.one_of(shaped, _json_values().map(json.dumps), st.text(max_size=200), st.binary(max_size=200))


def is_invalid(raw: str | bytes) -> bool:
    """True when the room socket must answer this frame with an error (it is not a valid frame)."""
    from chat.frames import ROOM_FRAMES

    if isinstance(raw, bytes):
        return True
    try:
        value = json.loads(raw)
        ROOM_FRAMES.validate_python(value)
    except Exception:  # noqa: BLE001 - any failure means the server must refuse it too
        return True
    return False


@dataclass
class BarrageResult:
    frames: int = 0
    error_replies: int = 0
    # Frames that are no answer to ours (join/leave of this user's other sockets), by type.
    other_replies: dict = field(default_factory=dict)
    pongs: int = 0
    sockets: int = 0
    close_codes: dict = field(default_factory=dict)


async def _one_socket(url: str, token: str, frames: list, result: BarrageResult) -> None:
    headers = {"Authorization": f"Bearer {token}", "X-Forwarded-For": fake_ip()}
    async with connect(url, additional_headers=headers, open_timeout=20, max_size=2**22) as ws:
        assert json.loads(await asyncio.wait_for(ws.recv(), 20))["type"] == "welcome"
        for raw in frames:
            await ws.send(raw)
        result.frames += len(frames)
        nonce = f"n{random.random()}"
        await ws.send(json.dumps({"type": "ping", "nonce": nonce}))
        try:
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 20))
                if frame["type"] == "error":
                    result.error_replies += 1
                elif frame["type"] == "pong" and frame.get("nonce") == nonce:
                    result.pongs += 1
                    break
                else:
                    result.other_replies[frame["type"]] = result.other_replies.get(frame["type"], 0) + 1
        except ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd else 1006
            result.close_codes[code] = result.close_codes.get(code, 0) + 1
    result.sockets += 1


async def barrage(ws_url: str, room_id: str, token: str, frames: list, concurrency: int = 8) -> BarrageResult:
    """Send the frames BATCH per socket, then a ping on each; count replies and closes."""
    url = f"{ws_url}/api/ws/room/{room_id}"
    result = BarrageResult()
    batches = [frames[i : i + BATCH] for i in range(0, len(frames), BATCH)]
    gate = asyncio.Semaphore(concurrency)

    async def guarded(batch):
        async with gate:
            await _one_socket(url, token, batch, result)

    await asyncio.gather(*(guarded(batch) for batch in batches))
    return result


async def oversize(ws_url: str, room_id: str, token: str, sizes: list[int]) -> dict:
    """One socket per frame of each size; the close codes seen (1009, or 1006 where the transport drops)."""
    url = f"{ws_url}/api/ws/room/{room_id}"
    codes: dict = {}
    for size in sizes:
        headers = {"Authorization": f"Bearer {token}", "X-Forwarded-For": fake_ip()}
        async with connect(url, additional_headers=headers, open_timeout=20, max_size=2**22) as ws:
            await asyncio.wait_for(ws.recv(), 20)
            payload = json.dumps({"type": "chat", "clientId": "big", "text": "x" * size})[: size]
            try:
                await ws.send(payload)
                while True:
                    await asyncio.wait_for(ws.recv(), 20)
            except ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd else 1006
                codes[code] = codes.get(code, 0) + 1
    return codes


async def invalid_utf8(ws_url: str, room_id: str, token: str, count: int) -> dict:
    """Text frames whose payload is not UTF-8: the WebSocket layer must close (1007), never 1011."""
    url = f"{ws_url}/api/ws/room/{room_id}"
    codes: dict = {}
    for n in range(count):
        headers = {"Authorization": f"Bearer {token}", "X-Forwarded-For": fake_ip()}
        async with connect(url, additional_headers=headers, open_timeout=20) as ws:
            await asyncio.wait_for(ws.recv(), 20)
            await ws.send(b'{"type":"chat","clientId":"u","text":"\xff\xfe' + bytes([0x80 + n % 64]) + b'"}', text=True)
            try:
                while True:
                    await asyncio.wait_for(ws.recv(), 20)
            except ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd else 1006
                codes[code] = codes.get(code, 0) + 1
    return codes


def hypothesis_frames(count: int) -> list:
    """`count` distinct invalid frames drawn by hypothesis (shrinking is useless here: we keep them all)."""
    from hypothesis import HealthCheck, Phase, given, settings

    drawn: list = []

    @settings(max_examples=count, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(frame_strategy())
    def collect(raw):
        if len(drawn) < count and is_invalid(raw):
            drawn.append(raw)

    for _ in range(10):
        if len(drawn) >= count:
            break
        collect()
    return drawn
