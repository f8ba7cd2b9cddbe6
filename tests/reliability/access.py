"""Items 8 and 9 as reusable checks: who may open a socket (origins with the
cookie) and which tokens and tickets are refused."""

import asyncio
import json
import time

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from conftest import DEMO_PASSWORD, fake_ip

WAIT_S = 10


async def first_answer(url: str, headers: dict) -> str | int:
    """'welcome'/'roster' when the socket was let in, else the close code."""
    try:
        async with connect(url, additional_headers={"X-Forwarded-For": fake_ip(), **headers}, open_timeout=WAIT_S) as ws:
            frame = json.loads(await asyncio.wait_for(ws.recv(), WAIT_S))
            return frame["type"]
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else 1006


def origin_cases(port: int) -> dict[str, tuple[str, str | None]]:
    """name -> (host the client dials, Origin header or None)."""
    return {
        "foreign site": ("127.0.0.1", "https://evil.example"),
        "null": ("127.0.0.1", "null"),
        "missing": ("127.0.0.1", None),
        "wrong port": ("127.0.0.1", f"http://127.0.0.1:{port + 1}"),
        "sibling subdomain": ("localhost", f"http://evil.localhost:{port}"),
        "suffix trick": ("127.0.0.1", f"http://127.0.0.1.evil.example:{port}"),
        "userinfo trick": ("127.0.0.1", f"http://127.0.0.1:{port}@evil.example"),
    }


async def origin_verdicts(port: int, token: str, room_id: str) -> dict[str, dict[str, str | int]]:
    """For both sockets, the answer to a cookie-authenticated handshake from each origin."""
    verdicts: dict[str, dict] = {}
    cases = {**origin_cases(port), "own page (control)": ("127.0.0.1", f"http://127.0.0.1:{port}")}
    for name, (host, origin) in cases.items():
        headers = {"Cookie": f"cfm_token={token}"}
        if origin is not None:
            headers["Origin"] = origin
        verdicts[name] = {
            path: await first_answer(f"ws://{host}:{port}{path}", headers)
            for path in (f"/api/ws/room/{room_id}", "/api/ws/presence")
        }
    return verdicts


async def closed_within(ws, timeout: float) -> tuple[int, float]:
    start = time.monotonic()
    try:
        while True:
            await asyncio.wait_for(ws.recv(), timeout)
    except ConnectionClosed as closed:
        return (closed.rcvd.code if closed.rcvd else 1006), time.monotonic() - start
    except TimeoutError:
        return 0, timeout


async def open_socket(ws_url: str, room_id: str, token: str):
    ws = await connect(
        f"{ws_url}/api/ws/room/{room_id}",
        additional_headers={"Authorization": f"Bearer {token}", "X-Forwarded-For": fake_ip()},
        open_timeout=WAIT_S,
    )
    assert json.loads(await asyncio.wait_for(ws.recv(), WAIT_S))["type"] == "welcome"
    return ws


def refused_everywhere(api_factory, ws_url: str, room_id: str, token: str) -> bool:
    """The token gets 401 over HTTP and 4401 on the socket."""
    http = api_factory(token).get("/api/auth/me").status_code
    socket = asyncio.run(first_answer(f"{ws_url}/api/ws/room/{room_id}", {"Authorization": f"Bearer {token}"}))
    return http == 401 and socket == 4401


def change_password(client) -> None:
    response = client.post("/api/auth/password", {"oldPassword": DEMO_PASSWORD, "newPassword": DEMO_PASSWORD + "x"})
    assert response.status_code == 200, response.text
