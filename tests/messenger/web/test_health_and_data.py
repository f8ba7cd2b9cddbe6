"""`/api/health` and the `users` collection of `/api/data/{collection}`."""

import pytest

from conftest import Api, envelope_error, production_stack
from messenger.operations import moderation
from tests.live import LiveServer, free_port


def test_health_reports_every_dependency_without_auth(api):
    response = api().get("/api/health")
    assert response.status_code == 200
    assert response.json()["data"] == {"db": "ok", "channelLayer": "ok", "cache": "ok"}


@pytest.fixture(scope="module")
def redis_down_server(django_db_setup, django_db_blocker):
    server = LiveServer("redis-down", env={"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}).start()
    yield server
    server.stop()


@pytest.mark.skipif(not production_stack(), reason="Redis is only used in production mode")
def test_health_is_503_when_redis_is_unreachable(redis_down_server):
    response = Api(redis_down_server.url).get("/api/health")
    assert response.status_code == 503
    data = response.json()["data"]
    assert data["db"] == "ok"
    assert data["cache"].startswith("error") and data["channelLayer"].startswith("error")


def test_users_collection_pages_with_a_cursor(signed_in, make_user):
    viewer, client = signed_in("pager")
    names = {make_user("pg").username for _ in range(3)}
    seen, cursor, pages = [], "", 0
    while True:
        response = client.get("/api/data/users", params={"cursor": cursor, "limit": 2})
        assert response.status_code == 200, response.text
        data = response.json()["data"]
        assert len(data["items"]) <= 2
        seen += data["items"]
        pages += 1
        cursor = data["nextCursor"]
        if cursor is None:
            break
    ids = [user["id"] for user in seen]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    assert names | {viewer.username} <= set(ids)
    assert pages >= 2
    assert set(seen[0]) == {"id", "name", "status", "personalMessage", "avatar", "bot"}


def test_users_collection_hides_banned_users(signed_in, make_user):

    _, client = signed_in("hider")
    banned = make_user("gone")
    moderation.user_ban(moderator=None, user=banned)
    ids = set()
    cursor = ""
    while cursor is not None:
        data = client.get("/api/data/users", params={"cursor": cursor, "limit": 100}).json()["data"]
        ids |= {user["id"] for user in data["items"]}
        cursor = data["nextCursor"]
    assert banned.username not in ids


@pytest.mark.parametrize("limit", ["0", "101", "ten", "-1"])
def test_users_collection_rejects_a_bad_limit(signed_in, limit):
    _, client = signed_in("lim")
    error = envelope_error(client.get("/api/data/users", params={"limit": limit}), 400, "INVALID_REQUEST")
    assert error["field"] == "limit"


def test_collections_need_auth_and_a_known_name(api, signed_in):
    _, client = signed_in("coll")
    envelope_error(api().get("/api/data/users"), 401, "UNAUTHENTICATED")
    envelope_error(client.get("/api/data/nonsense"), 404, "NOT_FOUND")
