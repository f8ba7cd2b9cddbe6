"""Analytics events counted after a scripted session; /metrics parsed and moving."""

import time

from django.core.management import call_command
from prometheus_client.parser import text_string_to_metric_families

from conftest import Api
from messenger.models import AnalyticsEvent
from tests.wsclient import joined, new_room, run

WAIT_S = 10


def wait_for_events(user_id, expected: dict) -> dict:
    """The writer batches off the event loop: poll until the counts arrive."""
    deadline = time.monotonic() + WAIT_S
    while True:
        counts = {name: AnalyticsEvent.objects.filter(user_id=user_id, name=name).count() for name in expected}
        if counts == expected or time.monotonic() > deadline:
            return counts
        time.sleep(0.1)


def test_scripted_session_is_counted(daphne_server, api, signed_in, capsys):
    user, client = signed_in("stats")
    failed_before = AnalyticsEvent.objects.filter(name="login_failed").count()
    assert api().post("/api/auth/login", {"username": user.username, "password": "wrong-password"}).status_code == 401
    room_id = new_room(client)

    async def scenario():
        room, _ = await joined(daphne_server.ws_url, room_id, client.token)
        for n in range(2):
            await room.send({"type": "chat", "clientId": f"s{n}", "text": "counted, never stored as analytics"})
            await room.expect("ack")
        await room.send({"type": "nudge", "clientId": "n1"})
        await room.expect("nudge")
        await room.send({"type": "wink", "clientId": "w1", "winkId": "heart"})
        await room.expect("wink")
        await room.close()

    run(scenario())
    expected = {"login_success": 1, "message_sent": 2, "nudge_sent": 1, "wink_sent": 1, "ws_connect": 1, "ws_disconnect": 1}
    assert wait_for_events(user.pk, expected) == expected
    sent = AnalyticsEvent.objects.filter(user_id=user.pk, name="message_sent").first()
    assert sent.room_id == room_id and "counted" not in str(sent.fields)
    # A failed sign-in names no account (it may not exist): counted, not linked.
    assert AnalyticsEvent.objects.filter(name="login_failed", user_id=None).count() > failed_before

    call_command("analytics", since="1h")
    table = capsys.readouterr().out
    rows = {line.split()[0]: line.split()[1:] for line in table.splitlines()[3:]}
    assert int(rows["message_sent"][0]) >= 2 and int(rows["login_failed"][0]) >= 1
    assert set(rows) >= {"login_success", "ws_connect", "ai_invocation", "total"}


def scrape(client) -> dict:
    response = client.get("/metrics", headers={"Authorization": "Bearer test-metrics-token"})
    assert response.status_code == 200, response.text
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_need_the_token_and_counters_move(daphne_server, api, signed_in):
    anonymous = api()
    assert anonymous.get("/metrics").status_code == 403
    assert anonymous.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    user, client = signed_in("metrics")
    room_id = new_room(client)
    before = scrape(client)

    async def scenario():
        room, _ = await joined(daphne_server.ws_url, room_id, client.token)
        during = scrape(client)
        await room.send({"type": "chat", "clientId": "m1", "text": "hi"})
        await room.expect("chat")
        for n in range(4):
            await room.send({"type": "nudge", "clientId": f"n{n}"})
        limited = await room.expect("error")
        await room.close()
        assert limited["code"] == "RATE_LIMITED"
        return during

    during = run(scenario())
    api().post("/api/auth/login", {"username": user.username, "password": "wrong-password"})
    after = scrape(client)
    assert value(during, "cfm_sockets_open", kind="room") == value(before, "cfm_sockets_open", kind="room") + 1
    assert value(after, "cfm_events_total", event="message_sent") == value(before, "cfm_events_total", event="message_sent") + 1
    assert value(after, "cfm_frames_in_total", kind="room", type="chat") == value(before, "cfm_frames_in_total", kind="room", type="chat") + 1
    assert value(after, "cfm_auth_failures_total", kind="login") == value(before, "cfm_auth_failures_total", kind="login") + 1
    assert value(after, "cfm_fanout_seconds_count") > value(before, "cfm_fanout_seconds_count")
    assert value(after, "cfm_ratelimit_rejections_total", limit="nudge") == value(before, "cfm_ratelimit_rejections_total", limit="nudge") + 1
    assert ("cfm_channel_layer_errors_total", ()) in after


def test_metrics_add_up_over_processes(tmp_path, start_server, signed_in):
    """With PROMETHEUS_MULTIPROC_DIR shared, a scrape of one process counts the others' sockets."""
    env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    scraped, serving = start_server("metrics-a", env), start_server("metrics-b", env)
    user, client = signed_in("sum")
    room_id = new_room(client)
    on_b = Api(serving.url)
    on_b.login(user.username)

    async def scenario():
        room, _ = await joined(serving.ws_url, room_id, on_b.token)
        samples = scrape(Api(scraped.url))
        await room.close()
        return samples

    samples = run(scenario())
    assert value(samples, "cfm_sockets_open", kind="room") == 1
    assert value(samples, "cfm_events_total", event="login_success") == 1
