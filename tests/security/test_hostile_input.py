"""Finding 6 and part of 8: NUL and other control characters in any field,
path part, query value or frame field get a clean 4xx (or the socket's close
code / error frame) and no traceback; invisible-only text is empty; bidi
overrides are stripped; nothing under /static/ can answer 500."""

import json
import time
from urllib.parse import quote

import pytest

from conftest import DEMO_PASSWORD, Api, unique_name
from tests.wsclient import joined, new_room, open_presence, open_room, run

NUL = "\x00"


@pytest.fixture
def hostile_server(start_server):
    """A server of its own, so its log holds only these requests."""
    return start_server("hostile")


def _user(make_user, server):
    user = make_user("hi")
    client = Api(server.url)
    client.login(user.username)
    return user, client


def _http_cases(room_id: str, other: str) -> list[tuple[str, str, dict, str]]:
    """(method, path, json body or query, the field the refusal must name)."""
    q = quote(NUL)
    return [
        ("POST", "/api/auth/login", {"username": f"a{NUL}b", "password": "x"}, "username"),
        ("POST", "/api/auth/register", {"username": f"n{NUL}ame", "password": "long-enough-9", "displayName": "N"}, "username"),
        ("POST", "/api/auth/register", {"username": unique_name("r"), "password": f"pa{NUL}ss-long", "displayName": "N"}, "password"),
        ("POST", "/api/auth/password", {"password": f"x{NUL}", "newPassword": "another-long-one"}, "password"),
        ("POST", "/api/rooms", {"id": f"r{NUL}", "name": "x"}, "id"),
        ("POST", "/api/rooms", {"id": unique_name("r"), "name": f"x{NUL}"}, "name"),
        ("POST", "/api/dm", {"username": f"{other}{NUL}"}, "username"),
        ("POST", "/api/contacts", {"username": f"{other}{NUL}"}, "username"),
        ("GET", f"/api/rooms/{room_id}{q}/messages", {}, "path"),
        ("GET", f"/api/rooms/{room_id}/messages?before={q}", {}, "before"),
        ("GET", f"/api/rooms?cursor=a{q}", {}, "cursor"),
        ("GET", f"/api/data/users?cursor={q}", {}, "cursor"),
        ("GET", f"/api/data/use{q}rs", {}, "path"),
        ("DELETE", f"/api/contacts/{other}{q}", {}, "path"),
        ("POST", f"/api/contacts/{other}{q}/block", {}, "path"),
        ("GET", f"/api/rooms?{q}=1", {}, "query"),
    ]


def test_nul_in_any_http_field_is_a_named_400_and_no_traceback(hostile_server, make_user, signed_in):
    other, _ = signed_in("ho")
    user, client = _user(make_user, hostile_server)
    room_id = new_room(client)
    for method, path, body, field in _http_cases(room_id, other.username):
        response = client.request(method, path, json=body or None)
        assert response.status_code == 400, (path, body, response.status_code, response.text)
        error = response.json()["error"]
        assert error["code"] == "INVALID_MESSAGE" and error["field"] == field, (path, body, error)
    # Sign-in still works for the same client: nothing was counted as a guess.
    assert client.post("/api/auth/login", {"username": user.username, "password": DEMO_PASSWORD}).status_code == 200
    assert "Traceback" not in hostile_server.log_text()


@pytest.mark.parametrize(
    "path", ["/static/%2e%2e/messenger/settings.py", "/static/%00", "/static/..%2f..%2fetc/passwd", "/static/css/%ff%fe"]
)
def test_no_static_path_answers_500(hostile_server, path):
    response = Api(hostile_server.url).get(path)
    assert 400 <= response.status_code < 500, (path, response.status_code)
    assert "Traceback" not in hostile_server.log_text()


def test_nul_in_socket_paths_and_frames(hostile_server, make_user):
    user, client = _user(make_user, hostile_server)
    room_id = new_room(client)

    async def scenario():
        bad_room = await (await open_room(hostile_server.ws_url, quote(f"{room_id}{NUL}"), client.token)).close_code()
        bad_ticket = await (await open_room(hostile_server.ws_url, room_id, query=f"ticket={quote(NUL)}")).close_code()
        room, _ = await joined(hostile_server.ws_url, room_id, client.token)
        errors = []
        for frame in (
            {"type": "chat", "clientId": f"c{NUL}", "text": "hi"},
            {"type": "nudge", "clientId": f"n{NUL}"},
            {"type": "wink", "clientId": "w", "winkId": f"heart{NUL}"},
            {"type": "ping", "nonce": f"p{NUL}"},
            {"type": f"chat{NUL}", "clientId": "t", "text": "x"},
        ):
            await room.send(json.dumps(frame))
            errors.append(await room.expect("error"))
        await room.send({"type": "chat", "clientId": "fine", "text": "still here"})
        ack = await room.expect("ack", clientId="fine")
        await room.close()
        presence = await open_presence(hostile_server.ws_url, client.token)
        await presence.send({"type": "presence", "personalMessage": f"pm{NUL}"})
        presence_error = await presence.expect("error")
        await presence.close()
        return bad_room, bad_ticket, errors, ack, presence_error

    bad_room, bad_ticket, errors, ack, presence_error = run(scenario())
    assert bad_room == 4404 and bad_ticket == 4401
    assert [e["code"] for e in errors] == ["INVALID_MESSAGE"] * 5, errors
    assert ack["seq"] == 1 and presence_error["code"] == "INVALID_MESSAGE"
    assert "Traceback" not in hostile_server.log_text()


def test_invisible_only_text_is_empty_and_bidi_overrides_are_stripped(hostile_server, make_user):
    user, client = _user(make_user, hostile_server)
    room_id = new_room(client)

    async def scenario():
        room, _ = await joined(hostile_server.ws_url, room_id, client.token)
        await room.send({"type": "chat", "clientId": "zw", "text": "\u200b\u200c\u200d\u2060\ufeff"})
        empty = await room.expect("error")
        await room.send({"type": "chat", "clientId": "bidi", "text": "invoice_\u202egnp.exe"})
        stored = await room.expect("chat", clientId="bidi")
        await room.close()
        return empty, stored

    empty, stored = run(scenario())
    assert empty["code"] == "INVALID_MESSAGE" and empty["clientId"] == "zw"
    assert stored["text"] == "invoice_gnp.exe"
    renamed = client.post("/api/rooms", {"id": unique_name("bd"), "name": "evil\u202eeman"})
    assert renamed.status_code == 201 and renamed.json()["data"]["room"]["name"] == "evileman"


def test_a_socket_with_a_nul_room_id_costs_no_genuine_analytics_event(hostile_server, make_user):
    from messenger.models import AnalyticsEvent

    user, client = _user(make_user, hostile_server)  # a login_success event

    async def scenario():
        return await (await open_room(hostile_server.ws_url, quote(f"lobby{NUL}"), client.token)).close_code()

    assert run(scenario()) == 4404
    client.login(user.username)  # and another, after the bad one
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        logins = AnalyticsEvent.objects.filter(name="login_success", user_id=user.pk).count()
        if logins == 2:
            break
        time.sleep(0.2)
    assert logins == 2
    assert not [room for room in AnalyticsEvent.objects.values_list("room_id", flat=True) if NUL in room]
    assert "Traceback" not in hostile_server.log_text()


@pytest.mark.django_db(transaction=True)
def test_an_unstorable_analytics_event_is_dropped_and_counted_not_its_batch():
    from datetime import UTC, datetime

    from messenger.models import AnalyticsEvent
    from messenger.operations import analytics
    from messenger.platform import metrics

    dropped = metrics.ANALYTICS_DROPPED.labels("bad")._value.get()
    now = datetime.now(UTC)
    good = [AnalyticsEvent(name="nudge_sent", ts=now, room_id=f"good-{n}") for n in range(3)]
    bad = AnalyticsEvent(name="nudge_sent", ts=now, room_id="bad", fields={"not json": object()})
    analytics._write_or_split([good[0], bad, *good[1:]])
    assert sorted(AnalyticsEvent.objects.values_list("room_id", flat=True)) == ["good-0", "good-1", "good-2"]
    assert metrics.ANALYTICS_DROPPED.labels("bad")._value.get() == dropped + 1
