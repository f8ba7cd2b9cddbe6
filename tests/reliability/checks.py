"""Checks shared by the slow reliability suite and its fast variant (tests/reliability_fast)."""

import asyncio
import statistics
import time

from conftest import Api, fake_ip
from messenger.accounts import tokens
from tests.reliability import access, hostile
from tests.reliability.connections import open_from, seconds_until_dropped
from tests.reliability.faults import figure, rss_kb, tracebacks
from tests.wsclient import blocking, joined, run

KIB = 1024
# Concurrent socket openers of check_socket_cap.
OPENERS = 25


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


def check_socket_cap(servers, make_user, room_of, *, cap: int, attempts: int, users: int, half_open: int,
                     label: str):
    """`attempts` sockets (more than the servers' cap) from one address, opened concurrently over
    every process: exactly `cap` let in, the others refused 4429 after a RATE_LIMITED frame. Then
    `half_open` handshakes that never finish, dropped within a few seconds, while `users` real
    users sign in and chat; a place the abuser frees is taken again."""
    assert attempts > cap
    hog = Api(servers[0].url)
    hog.login(make_user("caphog").username)
    room_id = room_of(hog)
    real = [(make_user("capreal").username, servers[n % len(servers)]) for n in range(users)]
    address = fake_ip()
    server = servers[0]

    async def abuse():
        pending = list(range(attempts))
        held, refused, other = [], [], []

        async def opener():
            while pending:
                n = pending.pop()
                ws, first = await open_from(servers[n % len(servers)].ws_url, room_id, hog.token, address)
                if ws is not None:
                    held.append(ws)
                elif isinstance(first, tuple) and first[1] == 4429 and first[0].get("code") == "RATE_LIMITED":
                    refused.append(first)
                else:
                    other.append(first)

        await asyncio.gather(*(opener() for _ in range(OPENERS)))
        return held, refused, other

    def sign_in(username: str, at) -> tuple[Api, str]:
        client = Api(at.url)
        client.login(username)
        return client, room_of(client)

    async def sign_in_and_chat(username: str, at, gate: asyncio.Semaphore) -> float:
        async with gate:
            started = time.monotonic()
            client, talk_room = await blocking(sign_in, username, at)
            talker, _ = await joined(at.ws_url, talk_room, client.token)
            await talker.send({"type": "chat", "clientId": "hello", "text": "hello"})
            reply = await talker.expect_one_of(("ack", "error"), clientId="hello", timeout=30)
            await talker.close()
            assert reply["type"] == "ack", reply
            return time.monotonic() - started

    async def scenario():
        started = time.monotonic()
        held, refused, other = await abuse()
        opened_s = time.monotonic() - started
        dropping = asyncio.create_task(
            seconds_until_dropped("127.0.0.1", server.port, half_open, f"/api/ws/room/{room_id}", 30)
        )
        # Real users sign in while the abuser holds its sockets and the half-open ones wait.
        gate = asyncio.Semaphore(10)
        chats = await asyncio.gather(*(sign_in_and_chat(name, at, gate) for name, at in real),
                                     return_exceptions=True)
        still_open = sum(ws.state.name == "OPEN" for ws in held)
        let_in = len(held)
        await held.pop().close()
        reused = None
        for _ in range(50):
            reused, _ = await open_from(servers[-1].ws_url, room_id, hog.token, address)
            if reused is not None:
                break
            await asyncio.sleep(0.1)
        drops = await dropping
        await asyncio.gather(*(ws.close() for ws in held + [reused] if ws is not None))
        return let_in, refused, other, opened_s, still_open, chats, reused is not None, drops

    let_in, refused, other, opened_s, still_open, chats, reused, drops = run(scenario())
    chatted = [s for s in chats if isinstance(s, float)]
    failures = [repr(s) for s in chats if not isinstance(s, float)]
    logs = "".join(s.log_text() for s in servers)
    figure(f"{label}: sockets tried from one address over {len(servers)} process(es) / let in (cap {cap}) / "
           "refused 4429 + RATE_LIMITED / other; seconds",
           f"{attempts} / {let_in} / {len(refused)} / {len(other)}; {opened_s:.1f} s")
    figure(f"{label}: abuser sockets still open after the real users chatted", f"{still_open} / {let_in}")
    figure(f"{label}: half-open handshakes dropped / within s (max)", f"{len(drops)} / {max(drops):.1f}")
    figure(f"{label}: real users signed in and chatted; s from sign-in to ack p50 / max",
           f"{len(chatted)}/{users}; " + (f"{statistics.median(chatted):.2f} / {max(chatted):.2f}" if chatted else "-"))
    figure(f"{label}: freed place taken again / tracebacks in server logs", f"{reused} / {tracebacks(logs)}")
    assert not failures, failures[:5]
    assert let_in == cap and len(refused) == attempts - cap and not other, other[:5]
    assert still_open == cap
    assert len(chatted) == users and reused
    assert max(drops) < 20
    assert tracebacks(logs) == 0


def check_origins(server, client, room_id, label="origins") -> None:
    verdicts = asyncio.run(access.origin_verdicts(server.port, client.token, room_id))
    control = verdicts.pop("own page (control)")
    refused = sum(1 for answers in verdicts.values() for code in answers.values() if code == 4403)
    total = sum(len(answers) for answers in verdicts.values())
    figure(f"{label} refused (4403) with the cookie", f"{refused}/{total}")
    assert control == {f"/api/ws/room/{room_id}": "welcome", "/api/ws/presence": "roster"}
    assert all(code == 4403 for answers in verdicts.values() for code in answers.values()), verdicts


def check_issued_tokens(count: int, label="tokens") -> None:
    issued = [tokens.token_issue(user_id=1, epoch=0)[0] for _ in range(count)]
    bits = min(len(t) for t in issued) * 6  # URL-safe base64: 6 bits a character
    figure(f"{label} issued/unique/min bits", f"{count}/{len(set(issued))}/{bits}")
    assert len(set(issued)) == count and bits >= 128
    for token in issued:
        tokens.token_revoke(tokens.token_hash(token))
