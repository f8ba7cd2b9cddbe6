"""Item 15: Turnstile fails closed (fail, spent, timeout and missing tokens
create no session), password guessing on one account from 50 addresses gets
one guess per address and never locks the owner out, and `check --deploy`
with production settings is clean."""

import os
import re
import socket
import subprocess
import uuid

import pytest

from conftest import DEMO_PASSWORD, Api, fake_ip
from tests.fakes.turnstile import FakeSiteverify
from tests.live import ROOT, LiveServer
from tests.reliability.faults import figure

pytestmark = pytest.mark.reliability

SECRET = "reliability-turnstile-secret"
ATTEMPTS = 10
ADDRESSES = 50


@pytest.fixture
def siteverify():
    fake = FakeSiteverify(SECRET).start()
    yield fake
    fake.stop()


@pytest.fixture
def black_hole():
    """A siteverify that accepts the connection and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/turnstile/v0/siteverify"


def gated(name: str, verify_url: str) -> LiveServer:
    return LiveServer(name, env={
        "TURNSTILE_SECRET_KEY": SECRET, "TURNSTILE_SITE_KEY": "site",
        "TURNSTILE_VERIFY_URL": verify_url, "TURNSTILE_TIMEOUT_S": "1",
    }).start()


def sign_in(server: LiveServer, username: str, password: str = DEMO_PASSWORD, **extra):
    return Api(server.url, ip=fake_ip()).post("/api/auth/login", {"username": username, "password": password, **extra})


def session_made(response) -> bool:
    return response.status_code == 200 or "token" in response.text or bool(response.cookies)


@pytest.mark.timeout(180)
def test_turnstile_fails_closed(daphne_server, siteverify, black_hole, make_user):
    user = make_user("tsabuse")
    checked, slow = gated("ts-abuse", siteverify.url), gated("ts-timeout", black_hole)
    try:
        spent = f"pass-{uuid.uuid4().hex}"
        control = sign_in(checked, user.username, turnstileToken=spent)
        outcomes = {
            "fail": [sign_in(checked, user.username, turnstileToken=f"fail-{uuid.uuid4().hex}") for _ in range(ATTEMPTS)],
            "spent": [sign_in(checked, user.username, turnstileToken=spent) for _ in range(ATTEMPTS)],
            "missing": [sign_in(checked, user.username) for _ in range(ATTEMPTS)],
            "timeout": [sign_in(slow, user.username, turnstileToken=f"pass-{uuid.uuid4().hex}") for _ in range(3)],
        }
    finally:
        checked.stop()
        slow.stop()
    sessions = {kind: sum(session_made(r) for r in responses) for kind, responses in outcomes.items()}
    statuses = {kind: sorted({r.status_code for r in responses}) for kind, responses in outcomes.items()}
    figure("turnstile sessions created by fail / spent / missing / timeout (control pass: 1)",
           f"{sessions} statuses {statuses} control {control.status_code}")
    assert control.status_code == 200
    assert sessions == {"fail": 0, "spent": 0, "missing": 0, "timeout": 0}
    assert all(r.json()["error"]["code"] == "TURNSTILE_FAILED" for rs in outcomes.values() for r in rs)


def test_password_guessing_from_50_addresses_never_locks_the_owner_out(daphne_server, make_user):
    user = make_user("guess")
    addresses = [fake_ip() for _ in range(ADDRESSES)]

    def guess(ip: str, n: int):
        return Api(daphne_server.url, ip=ip).post("/api/auth/login", {"username": user.username, "password": f"guess-{n}"})

    first = [guess(ip, n) for n, ip in enumerate(addresses)]
    # The account is under attack now: every one of those addresses has used its one guess.
    second = [guess(ip, n + ADDRESSES) for n, ip in enumerate(addresses)]
    owner = sign_in(daphne_server, user.username)
    figure("password guessing, 50 addresses twice: 401 / 429 per round, sessions; owner meanwhile",
           f"{[r.status_code for r in first].count(401)} / {[r.status_code for r in first].count(429)}, "
           f"{[r.status_code for r in second].count(401)} / {[r.status_code for r in second].count(429)}, "
           f"{sum(session_made(r) for r in first + second)}; {owner.status_code}")
    assert owner.status_code == 200
    assert all(r.status_code == 429 for r in second)
    assert not any(session_made(r) for r in first + second)
    assert all(r.json()["error"]["code"] == "RATE_LIMITED" for r in second)


def test_check_deploy_with_production_settings_is_clean():
    env = {
        "PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "messenger.settings",
        "SECRET_KEY": uuid.uuid4().hex + uuid.uuid4().hex,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/cfm",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "ALLOWED_HOSTS": "chat.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://chat.example.com",
        "MESSAGE_ENCRYPTION_KEYS": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        "METRICS_TOKEN": uuid.uuid4().hex,
        "TURNSTILE_SITE_KEY": "0x4AAAAAAAsite", "TURNSTILE_SECRET_KEY": "0x4AAAAAAAsecret",
    }
    result = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "manage.py", "check", "--deploy"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    summary = (result.stdout + result.stderr).strip().splitlines()[-1]
    issues = re.search(r"identified (no|\d+) issues? \((\d+) silenced\)", summary)
    figure("check --deploy with production settings: issues / silenced (explained in settings.py)", summary)
    assert result.returncode == 0, result.stdout + result.stderr
    assert issues and issues.group(1) == "no"
    assert issues.group(2) == "0"
