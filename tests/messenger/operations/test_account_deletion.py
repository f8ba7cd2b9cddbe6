"""Account deletion leaves no trace in any table, the cache or Redis (contract 1.3)."""

import time

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import models

from conftest import production_stack
from messenger.models import AnalyticsEvent, AuditLog
from tests.wsclient import joined, new_room, run

USERS = "/admin/auth/user/"


def rows_mentioning(text: str) -> list[str]:
    """Every row of every table with `text` in a text or JSON column."""
    found = []
    for model in apps.get_models():
        columns = [f.name for f in model._meta.concrete_fields if isinstance(f, models.CharField | models.TextField | models.JSONField)]
        for column in columns:
            if isinstance(model._meta.get_field(column), models.JSONField):
                # JSON lookups differ by backend; compare the text form.
                hits = sum(text.lower() in str(value).lower() for value in model.objects.values_list(column, flat=True))
            else:
                hits = model.objects.filter(**{f"{column}__icontains": text}).count()
            if hits:
                found.append(f"{model._meta.label}.{column}")
    return found


def rows_referencing(user_id: int) -> list[str]:
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.ForeignKey) and field.related_model is apps.get_model(settings.AUTH_USER_MODEL):
                if model.objects.filter(**{field.attname: user_id}).exists():
                    found.append(f"{model._meta.label}.{field.name}")
    if AnalyticsEvent.objects.filter(user_id=user_id).exists():
        found.append("AnalyticsEvent.user_id")
    if AuditLog.objects.filter(actor_id=user_id).exists() or AuditLog.objects.filter(target_type="user", target_id=str(user_id)).exists():
        found.append("AuditLog")
    return found


def redis_traces(username: str, user_id: int) -> list[str]:
    from messenger.platform import redis_clients

    client = redis_clients.sync_client()
    found = []
    for key in client.scan_iter(match=f"{settings.CACHE_KEY_PREFIX}*", count=1000):
        name = key.decode()
        if username in name or name.endswith(f":{user_id}") and ":rl:" in name:
            found.append(name)
        elif ":tok:" in name or ":tkt:" in name:
            data = cache.get(name.split(":", 2)[2])
            if isinstance(data, dict) and data.get("u") == user_id:
                found.append(name)
        elif client.type(key) == b"string" and username.encode() in (client.get(key) or b""):
            found.append(name)
    return found


def test_deletion_purges_every_table_and_redis(daphne_server, api, signed_in, admin_session):
    user, client = signed_in("gone")
    friend, friend_api = signed_in("friend")
    second_token = api().login(user.username)
    assert client.post("/api/contacts", {"username": friend.username}).status_code == 201
    assert friend_api.post("/api/contacts", {"username": user.username}).status_code == 201
    room_id = new_room(friend_api)
    admin_session.action(USERS, "mute", [user.pk], reason=f"about {user.username}")
    admin_session.action(USERS, "unmute", [user.pk])

    async def speak_then_delete():
        room, _ = await joined(daphne_server.ws_url, room_id, second_token)
        await room.send({"type": "chat", "clientId": "last", "text": f"my secret words {user.username}"})
        await room.expect("ack")
        await room.send({"type": "read", "seq": 1})
        assert client.delete("/api/auth/me", {"password": "wrong-one"}).status_code == 401
        response = client.delete("/api/auth/me", {"password": "correct-horse-1"})
        assert response.status_code == 200, response.text
        return await room.close_code()

    assert run(speak_then_delete()) == 4401
    # The socket's ws_disconnect comes after the deletion: it must arrive unlinked.
    deadline = time.monotonic() + 10
    while not AnalyticsEvent.objects.filter(name="ws_disconnect", room_id=room_id, user_id=None).exists():
        assert time.monotonic() < deadline, "ws_disconnect never recorded"
        time.sleep(0.1)

    assert rows_referencing(user.pk) == [], list(AnalyticsEvent.objects.filter(user_id=user.pk).values("name", "room_id", "ts"))
    assert rows_mentioning(user.username) == []
    assert rows_mentioning("my secret words") == []
    deletion = AuditLog.objects.filter(action="account_delete").latest("id")
    assert (deletion.actor_id, deletion.target_label) == (None, "[deleted account]")
    assert AuditLog.objects.filter(action="user_mute", target_id="", target_label="[deleted account]").exists()
    if production_stack():
        assert redis_traces(user.username, user.pk) == []
    assert friend_api.get("/api/contacts").json()["data"]["contacts"] == []
