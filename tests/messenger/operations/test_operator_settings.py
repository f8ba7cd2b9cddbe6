"""Operator settings over real HTTP: the optional web analytics beacon and
its CSP (issue 7 item 6), and ACCOUNT_DELETION_MESSAGES (item 7)."""

import pytest

from chat.models import Message
from conftest import DEMO_PASSWORD, Api
from tests.live import LiveServer
from tests.wsclient import joined, new_room, run

BEACON_TOKEN = "0123456789abcdef0123456789abcdef"
BEACON_SCRIPT = "https://static.cloudflareinsights.com/beacon.min.js"


def csp(response) -> dict[str, list[str]]:
    directives = {}
    for part in response.headers["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.fixture
def configured_server(django_db_setup):
    """A second daphne with the optional settings on."""
    server = LiveServer(
        "operator", {"WEB_ANALYTICS_TOKEN": BEACON_TOKEN, "ACCOUNT_DELETION_MESSAGES": "delete"}
    ).start()
    yield server
    server.stop()


def test_no_beacon_and_no_third_party_origins_without_a_token(daphne_server):
    for path in ("/", "/privacy/"):
        page = Api(daphne_server.url).get(path)
        assert page.status_code == 200
        assert "cloudflareinsights" not in page.text
        assert "cloudflareinsights" not in page.headers["Content-Security-Policy"]


def test_the_beacon_is_injected_and_allowed_when_a_token_is_set(configured_server):
    for path in ("/", "/privacy/"):
        page = Api(configured_server.url).get(path)
        assert page.status_code == 200
        assert (
            f'<script defer src="{BEACON_SCRIPT}" data-cf-beacon="{{&quot;token&quot;: &quot;{BEACON_TOKEN}&quot;}}"></script>'
            in page.text
        )
        policy = csp(page)
        assert [o for o in policy["script-src"] if o != "'self'"] == ["https://static.cloudflareinsights.com"]
        third_party = [o for o in policy["connect-src"] if not o.startswith(("'self'", "ws://", "wss://"))]
        assert third_party == ["https://cloudflareinsights.com"]
        assert policy["default-src"] == ["'self'"]


def talk_then_delete(server: LiveServer, make_user) -> tuple[str, Api]:
    """Leaver says 1 and 3, stayer says 2; then leaver deletes their account over the API."""
    leaver, stayer = make_user("leaver"), make_user("stayer")
    leaver_api, stayer_api = Api(server.url), Api(server.url)
    leaver_api.login(leaver.username)
    stayer_api.login(stayer.username)
    room_id = new_room(stayer_api)

    async def talk():
        mine, _ = await joined(server.ws_url, room_id, leaver_api.token)
        theirs, _ = await joined(server.ws_url, room_id, stayer_api.token)
        for speaker, client_id in ((mine, "a1"), (theirs, "b1"), (mine, "a2")):
            await speaker.send({"type": "chat", "clientId": client_id, "text": f"line {client_id}"})
            await speaker.expect("ack")
        await theirs.close()
        await mine.close()

    run(talk())
    assert leaver_api.delete("/api/auth/me", {"password": DEMO_PASSWORD}).status_code == 200
    return room_id, stayer_api


def history(client: Api, room_id: str) -> list[tuple[int, str]]:
    response = client.get(f"/api/rooms/{room_id}/messages")
    assert response.status_code == 200, response.text
    return [(m["seq"], m["text"]) for m in response.json()["data"]["messages"]]


def test_deletion_blanks_the_messages_by_default(daphne_server, make_user):
    room_id, stayer_api = talk_then_delete(daphne_server, make_user)
    rows = list(Message.objects.filter(room_id=room_id).order_by("seq").values_list("seq", "text", "deleted"))
    assert rows == [(1, "", True), (2, "line b1", False), (3, "", True)]
    assert history(stayer_api, room_id) == [(2, "line b1")]


def test_deletion_removes_the_rows_when_set_to_delete(configured_server, make_user):
    room_id, stayer_api = talk_then_delete(configured_server, make_user)
    rows = list(Message.objects.filter(room_id=room_id).order_by("seq").values_list("seq", "text", "deleted"))
    assert rows == [(2, "line b1", False)]
    assert history(stayer_api, room_id) == [(2, "line b1")]
