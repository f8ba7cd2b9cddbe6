"""Turnstile on sign-in and registration, against a local siteverify server."""

import uuid

import pytest

from conftest import DEMO_PASSWORD, Api, envelope_error, fake_ip, unique_name
from tests.fakes.turnstile import FakeSiteverify
from tests.live import LiveServer

SECRET = "test-turnstile-secret"


@pytest.fixture(scope="module")
def siteverify():
    fake = FakeSiteverify(SECRET).start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def gated_server(django_db_setup, django_db_blocker, siteverify):
    server = LiveServer(
        "turnstile",
        env={"TURNSTILE_SECRET_KEY": SECRET, "TURNSTILE_SITE_KEY": "site", "TURNSTILE_VERIFY_URL": siteverify.url},
    ).start()
    yield server
    server.stop()


def token(kind: str = "pass") -> str:
    return f"{kind}-{uuid.uuid4().hex}"


def login(server, username: str, **extra):
    return Api(server.url).post("/api/auth/login", {"username": username, "password": DEMO_PASSWORD, **extra})


def test_login_with_a_valid_token_passes_and_sends_client_ip(gated_server, siteverify, make_user):
    user = make_user("ts")
    ip = fake_ip()
    value = token()
    response = Api(gated_server.url, ip=ip).post(
        "/api/auth/login", {"username": user.username, "password": DEMO_PASSWORD, "turnstileToken": value}
    )
    assert response.status_code == 200, response.text
    sent = [form for form in siteverify.requests if form["response"] == value]
    assert len(sent) == 1
    assert sent[0]["secret"] == SECRET
    assert sent[0]["remoteip"] == ip
    assert uuid.UUID(sent[0]["idempotency_key"])


@pytest.mark.parametrize("extra", [{}, {"turnstileToken": ""}, {"turnstileToken": token("fail")}])
def test_missing_or_invalid_token_is_403_before_the_password_is_checked(gated_server, make_user, extra):
    user = make_user("tsbad")
    envelope_error(login(gated_server, user.username, **extra), 403, "TURNSTILE_FAILED")
    # A wrong password behind a failed check is still TURNSTILE_FAILED: no password oracle.
    wrong = Api(gated_server.url).post("/api/auth/login", {"username": user.username, "password": "nope", **extra})
    envelope_error(wrong, 403, "TURNSTILE_FAILED")


def test_a_spent_token_is_refused_and_the_codes_are_logged(gated_server, make_user):
    user = make_user("tsspent")
    value = token()
    assert login(gated_server, user.username, turnstileToken=value).status_code == 200
    envelope_error(login(gated_server, user.username, turnstileToken=value), 403, "TURNSTILE_FAILED")
    log = gated_server.log_text()
    assert "timeout-or-duplicate" in log
    assert value not in log


def test_a_dropped_connection_is_retried_with_the_same_idempotency_key(gated_server, siteverify, make_user):
    user = make_user("tsdrop")
    value = token("drop-once")
    assert login(gated_server, user.username, turnstileToken=value).status_code == 200
    keys = [form["idempotency_key"] for form in siteverify.requests if form["response"] == value]
    assert len(keys) == 2 and keys[0] == keys[1]


def test_register_is_gated_too(gated_server, transactional_db):
    from django.contrib.auth import get_user_model

    body = {"username": unique_name("tsreg"), "password": "long-enough", "displayName": "Gated"}
    envelope_error(Api(gated_server.url).post("/api/auth/register", body), 403, "TURNSTILE_FAILED")
    assert not get_user_model().objects.filter(username=body["username"]).exists()
    response = Api(gated_server.url).post("/api/auth/register", {**body, "turnstileToken": token()})
    assert response.status_code == 201, response.text


@pytest.fixture(scope="module")
def unreachable_verifier_server(django_db_setup, django_db_blocker):
    from tests.live import free_port

    url = f"http://127.0.0.1:{free_port()}/siteverify"
    server = LiveServer(
        "turnstile-down", env={"TURNSTILE_SECRET_KEY": SECRET, "TURNSTILE_VERIFY_URL": url, "TURNSTILE_TIMEOUT_S": "2"}
    ).start()
    yield server
    server.stop()


def test_an_unreachable_verifier_fails_closed(unreachable_verifier_server, make_user):
    user = make_user("tsdown")
    envelope_error(login(unreachable_verifier_server, user.username, turnstileToken=token()), 403, "TURNSTILE_FAILED")


def test_the_server_warns_at_start_only_when_turnstile_is_off(daphne_server, gated_server):
    assert "Turnstile is off" in daphne_server.log_text()
    assert "Turnstile is off" not in gated_server.log_text()
