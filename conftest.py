"""Fixtures shared by the whole suite: users, live daphne servers, an API
client that speaks the envelope, and WebSocket helpers."""

import itertools
import os
import random
import time
import uuid

import pytest
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import TransactionTestCase

from tests.live import LiveServer

DEMO_PASSWORD = "correct-horse-1"
_counter = itertools.count(1)


def production_stack() -> bool:
    return settings.REDIS_ENABLED


def unique_name(prefix: str = "u") -> str:
    return f"{prefix}{os.getpid() % 1000}x{next(_counter)}{uuid.uuid4().hex[:4]}"


def fake_ip() -> str:
    return f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


class Api:
    """requests against a live server; each client looks like its own address."""

    def __init__(self, base_url: str, token: str | None = None, ip: str | None = None):
        self.base_url = base_url
        self.token = token
        self.session = requests.Session()
        self.session.headers["X-Forwarded-For"] = ip or fake_ip()

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if self.token and "Authorization" not in headers:
            headers["Authorization"] = f"Bearer {self.token}"
        return self.session.request(method, self.base_url + path, headers=headers, timeout=30, **kwargs)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self.request("POST", path, json=json, **kw)

    def delete(self, path, json=None, **kw):
        return self.request("DELETE", path, json=json, **kw)

    def login(self, username: str, password: str = DEMO_PASSWORD, **extra) -> str:
        response = self.post("/api/auth/login", {"username": username, "password": password, **extra})
        assert response.status_code == 200, response.text
        self.token = response.json()["data"]["token"]
        return self.token


def _deadlocked(exc: BaseException | None) -> bool:
    while exc is not None:
        if "deadlock detected" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


@pytest.fixture(scope="session", autouse=True)
def _flush_survives_a_deadlock():
    """A live server may still be writing (a socket's disconnect, an analytics
    batch) while a test's database is flushed; PostgreSQL then breaks the
    deadlock by failing the TRUNCATE, which is the test harness's race, not
    the test's finding. The flush is tried again."""
    original = TransactionTestCase._fixture_teardown

    def teardown(self):
        for attempt in range(5):
            try:
                return original(self)
            except Exception as exc:
                if attempt == 4 or not _deadlocked(exc):
                    raise
                time.sleep(0.2 * (attempt + 1))

    TransactionTestCase._fixture_teardown = teardown
    yield
    TransactionTestCase._fixture_teardown = original


@pytest.fixture(scope="session")
def daphne_server(django_db_setup, django_db_blocker):
    server = LiveServer("main").start()
    yield server
    server.stop()


@pytest.fixture
def start_server(daphne_server):
    """Start extra daphne processes (name, env) on the test database; each is stopped after the test."""
    started = []

    def start(name: str = "extra", env: dict | None = None) -> LiveServer:
        server = LiveServer(name, env=env)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def second_server(start_server):
    """A second process beside daphne_server; they share state only on the production stack."""
    return start_server("second")


@pytest.fixture
def make_user(transactional_db):
    from messenger.accounts import services

    def make(prefix: str = "u", *, display_name: str | None = None, password: str = DEMO_PASSWORD, **kwargs):
        name = unique_name(prefix)
        return services.user_create(username=name, password=password, display_name=display_name or name.title(), **kwargs)

    return make


@pytest.fixture
def api(daphne_server):
    def client(token: str | None = None, ip: str | None = None) -> Api:
        return Api(daphne_server.url, token, ip)

    return client


@pytest.fixture
def signed_in(api, make_user):
    """A new user signed in on the live server: (user, Api)."""

    def make(prefix: str = "u", **kwargs):
        user = make_user(prefix, **kwargs)
        client = api()
        client.login(user.username)
        return user, client

    return make


@pytest.fixture
def moderator(transactional_db):
    from messenger.accounts import services
    from tests.admin_session import MOD_PASSWORD

    user = services.user_create(username=unique_name("mod"), password=MOD_PASSWORD, display_name="Moderator")
    get_user_model().objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
    user.refresh_from_db()
    return user


@pytest.fixture
def admin_session(daphne_server, moderator):
    from tests.admin_session import AdminSession

    return AdminSession(daphne_server.url, moderator).login()


def envelope_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False
    assert body["error"]["code"] == code
    assert body["meta"]["requestId"] == response.headers["X-Request-Id"]
    return body["error"]
