"""Retention, encryption at rest and key rotation, export, and the deploy check."""

import base64
import json
import os
from datetime import timedelta

import pytest
from django.core import checks
from django.core.management import CommandError, call_command
from django.utils import timezone

from chat import crypto
from chat.models import Message, Room
from conftest import unique_name
from messenger.models import AnalyticsEvent
from messenger.operations.progress import ProgressBar
from tests.wsclient import joined, new_room, run


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


@pytest.fixture
def keys(settings):
    """Set the keyring for one test: keys(k1, k2...)."""

    def use(*values):
        settings.MESSAGE_ENCRYPTION_KEYS = list(values)
        crypto.reload_keys()

    yield use
    settings.MESSAGE_ENCRYPTION_KEYS = []
    crypto.reload_keys()


def room_with_messages(sender, ages_days: list[int], *, text=lambda n: f"line {n}") -> Room:
    room = Room.objects.create(pk=unique_name("ret"), name="Retention")
    now = timezone.now()
    for seq, age in enumerate(ages_days, start=1):
        message = Message.objects.create(
            room=room, seq=seq, sender=sender, client_id=f"c{seq}", text=crypto.encrypt_text(text(seq), room.pk, seq), ts=0
        )
        Message.objects.filter(pk=message.pk).update(created_at=now - timedelta(days=age, minutes=1))
    Room.objects.filter(pk=room.pk).update(last_seq=len(ages_days))
    return room


def seqs(room) -> list[int]:
    return list(Message.objects.filter(room=room).order_by("seq").values_list("seq", flat=True))


# --- retention ---------------------------------------------------------------


def test_purge_deletes_exactly_the_expired_rows_and_runs_twice(make_user):
    user = make_user("ret")
    room = room_with_messages(user, [120, 100, 91, 90, 89, 10, 0])
    old_event = AnalyticsEvent.objects.create(name="ws_connect", ts=timezone.now() - timedelta(days=500))
    new_event = AnalyticsEvent.objects.create(name="ws_connect", ts=timezone.now() - timedelta(days=300))
    call_command("purge_expired", days=90, batch_size=2)
    # 90 days and one minute is past the cutoff; 89 days is not.
    assert seqs(room) == [5, 6, 7]
    assert not AnalyticsEvent.objects.filter(pk=old_event.pk).exists()
    assert AnalyticsEvent.objects.filter(pk=new_event.pk).exists()
    call_command("purge_expired", days=90, batch_size=2)
    assert seqs(room) == [5, 6, 7]


def test_an_interrupted_purge_leaves_whole_batches_and_resumes(make_user, monkeypatch):
    user = make_user("resume")
    room = room_with_messages(user, [200, 200, 200, 200, 200, 1])
    original = ProgressBar.advance

    def interrupt_after_first_batch(self, count):
        original(self, count)
        raise KeyboardInterrupt

    monkeypatch.setattr(ProgressBar, "advance", interrupt_after_first_batch)
    with pytest.raises(KeyboardInterrupt):
        call_command("purge_expired", days=90, batch_size=2)
    assert seqs(room) == [3, 4, 5, 6]
    monkeypatch.setattr(ProgressBar, "advance", original)
    call_command("purge_expired", days=90, batch_size=2)
    assert seqs(room) == [6]


def test_purge_refuses_nonsense():
    with pytest.raises(CommandError):
        call_command("purge_expired", days=0)


# --- encryption --------------------------------------------------------------


def test_round_trip_binds_room_and_seq(keys):
    assert crypto.encrypt_text("plain", "lobby", 1) == "plain"
    keys(new_key())
    stored = crypto.encrypt_text("héllo ✿", "lobby", 7)
    assert stored.startswith("enc1$") and "héllo" not in stored
    assert stored != crypto.encrypt_text("héllo ✿", "lobby", 7)  # a fresh nonce each time
    assert crypto.decrypt_text(stored, "lobby", 7) == "héllo ✿"
    # Copied to another seq or room, it does not decrypt (and reveals nothing).
    assert crypto.decrypt_text(stored, "lobby", 8) == stored
    assert crypto.decrypt_text(stored, "other", 7) == stored
    assert crypto.decrypt_text("typed by a user", "lobby", 7) == "typed by a user"


def test_malformed_key_is_a_startup_error(keys):
    keys("too-short")
    assert [e.id for e in checks.run_checks() if e.id.startswith("messenger.E")] == ["messenger.E001"]


def test_rotation_reencrypts_every_row_under_the_new_key(make_user, keys):
    old, new = new_key(), new_key()
    user = make_user("rot")
    plain_room = room_with_messages(user, [1, 1])  # stored before encryption was on
    keys(old)
    room = room_with_messages(user, [1] * 5)
    keys(new, old)
    call_command("rotate_message_key", batch_size=2)
    call_command("rotate_message_key", batch_size=2)  # a second run has nothing to do
    keys(new)
    for r in (plain_room, room):
        rows = Message.objects.filter(room=r).order_by("seq")
        assert {crypto.stored_key_id(m.text) for m in rows} == {crypto.current_key_id()}
        assert [crypto.decrypt_text(m.text, m.room_id, m.seq) for m in rows] == [f"line {m.seq}" for m in rows]


def test_rotation_without_a_key_or_with_a_lost_key_says_so(make_user, keys):
    with pytest.raises(CommandError, match="no key"):
        call_command("rotate_message_key")
    keys(new_key())
    room_with_messages(make_user("lost"), [1])
    keys(new_key())
    with pytest.raises(CommandError, match="not configured"):
        call_command("rotate_message_key")


def test_live_server_stores_ciphertext_and_serves_text(start_server, signed_in):
    server = start_server("encrypted", env={"MESSAGE_ENCRYPTION_KEYS": new_key()})
    user, client = signed_in("enc")
    client.base_url = server.url
    client.login(user.username)  # tokens live in this server's cache on the embedded stack
    room_id = new_room(client)

    async def scenario():
        room, _ = await joined(server.ws_url, room_id, client.token)
        await room.send({"type": "chat", "clientId": "e1", "text": "a secret at rest"})
        echoed = await room.expect("chat")
        await room.close()
        return echoed

    assert run(scenario())["text"] == "a secret at rest"
    stored = Message.objects.get(room_id=room_id, seq=1).text
    assert stored.startswith("enc1$") and "secret" not in stored
    history = client.get(f"/api/rooms/{room_id}/messages").json()["data"]["messages"]
    assert [m["text"] for m in history] == ["a secret at rest"]


def test_deploy_check_warns_without_a_key(settings, keys):
    settings.PRODUCTION = True
    ids = [e.id for e in checks.run_checks(include_deployment_checks=True)]
    assert "messenger.W002" in ids
    keys(new_key())
    settings.MESSAGE_ENCRYPTION_KEYS = [new_key()]
    assert "messenger.W002" not in [e.id for e in checks.run_checks(include_deployment_checks=True)]


# --- export ------------------------------------------------------------------


def test_export_user_writes_everything_as_json(make_user, keys, tmp_path, capsys):
    keys(new_key())
    user = make_user("export")
    room = room_with_messages(user, [1, 2], text=lambda n: f"said {n}")
    Message.objects.filter(room=room, seq=2).update(deleted=True)
    AnalyticsEvent.objects.create(name="login_success", ts=timezone.now(), user_id=user.pk)
    out = tmp_path / "export.json"
    call_command("export_user", user.username, output=str(out))
    data = json.loads(out.read_text())
    assert data["account"]["username"] == user.username
    assert data["profile"]["displayName"] == user.profile.display_name
    assert [(m["seq"], m["text"], m["deleted"]) for m in data["messages"]] == [(1, "said 1", False), (2, "said 2", True)]
    assert [e["event"] for e in data["analyticsEvents"]] == ["login_success"]
    assert data["contacts"] == [] and data["auditRecords"] == []
    # Each app's section comes through messenger.hooks.user_exporters; bots have none about a person.
    assert list(data) == ["account", "profile", "readMarkers", "messages", "contacts", "listedBy", "analyticsEvents", "auditRecords"]
    with pytest.raises(CommandError, match="nothing to export"):
        call_command("export_user", "no-such-user-anywhere")


# --- admin pages ---------------------------------------------------------------


def test_dashboard_draws_charts_and_the_audit_log_is_read_only(admin_session, api):
    AnalyticsEvent.objects.create(name="message_sent", ts=timezone.now(), user_id=None)
    page = admin_session.get("/admin/dashboard/")
    assert page.status_code == 200
    for title in ("Messages per hour", "Active users per hour", "Bot calls per hour"):
        assert title in page.text
    assert page.text.count('class="cfm-chart"') == 3 and "<rect" in page.text
    assert admin_session.get("/admin/dashboard/?range=7d").status_code == 200
    anonymous = api().session.get(admin_session.base_url + "/admin/dashboard/", allow_redirects=False)
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous.headers["Location"]
    assert admin_session.get("/admin/messenger/auditlog/").status_code == 200
    assert admin_session.get("/admin/messenger/auditlog/add/").status_code == 403
