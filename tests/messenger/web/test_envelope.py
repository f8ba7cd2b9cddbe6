"""The envelope on every /api/ answer, and bad input that changes nothing."""

import pytest

from conftest import envelope_error
from tests.live import LiveServer


def test_success_envelope_and_request_ids(api):
    first, second = api().get("/api/health"), api().get("/api/health")
    for response in (first, second):
        body = response.json()
        assert body["success"] is True
        assert isinstance(body["meta"]["timestamp"], int)
        assert body["meta"]["requestId"] == response.headers["X-Request-Id"]
        assert response.headers["Content-Type"] == "application/json"
    assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]


@pytest.mark.parametrize("path", ["/api/definitely/not/here", "/api/auth/login/", "/api/auth"])
def test_unknown_path_is_404_signed_in_or_not(api, signed_in, path):
    _, client = signed_in("nf")
    envelope_error(api().get(path), 404, "NOT_FOUND")
    envelope_error(client.post(path, {}), 404, "NOT_FOUND")


def test_wrong_method_is_405_with_allow(api):
    response = api().get("/api/auth/login")
    envelope_error(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["Allow"] == "POST"
    envelope_error(api().post("/api/health"), 405, "METHOD_NOT_ALLOWED")


def test_body_over_64_kib_is_413(api):
    big = b'{"username": "' + b"a" * (65 * 1024) + b'", "password": "x"}'
    response = api().post("/api/auth/login", data=big, headers={"Content-Type": "application/json"})
    envelope_error(response, 413, "PAYLOAD_TOO_LARGE")


def test_chunked_body_over_64_kib_is_413(api):
    def chunks():
        yield b'{"username": "'
        for _ in range(65):
            yield b"a" * 1024
        yield b'", "password": "x"}'

    response = api().post("/api/auth/login", data=chunks(), headers={"Content-Type": "application/json"})
    envelope_error(response, 413, "PAYLOAD_TOO_LARGE")


def test_malformed_json_and_wrong_content_type_are_400(api):
    client = api()
    bad_json = client.post("/api/auth/login", data=b'{"username": ', headers={"Content-Type": "application/json"})
    assert "not valid JSON" in envelope_error(bad_json, 400, "INVALID_REQUEST")["message"]
    form = client.post("/api/auth/login", data={"username": "alice", "password": "x"})
    assert "Content-Type: application/json" in envelope_error(form, 400, "INVALID_REQUEST")["message"]
    array = client.post("/api/auth/login", json=["alice"])
    assert "JSON object" in envelope_error(array, 400, "INVALID_REQUEST")["message"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"password": "x"}, "username"),
        ({"username": "alice"}, "password"),
        ({"username": "", "password": "x"}, "username"),
        ({"username": "a" * 65, "password": "x"}, "username"),
        ({"username": "alice", "password": "x" * 1025}, "password"),
        ({"username": "alice", "password": "x", "status": "sleeping"}, "status"),
        ({"username": "alice", "password": "x", "turnstileToken": "t" * 4097}, "turnstileToken"),
    ],
)
def test_login_field_errors_name_the_field(api, body, field):
    error = envelope_error(api().post("/api/auth/login", body), 400, "INVALID_REQUEST")
    assert error["field"] == field
    assert error["message"].startswith(f"{field}:")


@pytest.fixture(scope="module")
def broken_db_server(django_db_setup, django_db_blocker):
    """A server whose database can't be opened: every query raises."""
    server = LiveServer("broken-db", env={"DATABASE_URL": "", "SQLITE_PATH": "/nonexistent/cfm/db.sqlite3"}).start()
    yield server
    server.stop()


def test_500_is_enveloped_without_a_traceback(broken_db_server):
    from conftest import Api

    response = Api(broken_db_server.url).post("/api/auth/login", {"username": "alice", "password": "messenger"})
    error = envelope_error(response, 500, "INTERNAL")
    assert error["message"] == "Something went wrong on our side."
    assert "Traceback" not in response.text and "sqlite" not in response.text.lower()
    assert response.headers["X-Request-Id"] in broken_db_server.log_text()


def test_health_is_503_when_the_database_is_down(broken_db_server):
    from conftest import Api

    response = Api(broken_db_server.url).get("/api/health")
    assert response.status_code == 503
    body = response.json()
    assert body["data"]["db"].startswith("error")
    assert body["data"]["cache"] == "ok" and body["data"]["channelLayer"] == "ok"
