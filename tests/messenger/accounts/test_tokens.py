"""Tokens and tickets: randomness, sliding lifetime, single use (contract 1.4)."""

import time

import pytest

from conftest import Api, envelope_error, unique_name
from messenger.accounts import tokens
from tests.live import LiveServer


# The tokens live in the "sessions" cache: a database table on the embedded default.
@pytest.mark.django_db
def test_ten_thousand_tokens_are_unique_and_long():
    issued = [tokens.token_issue(user_id=1, epoch=0)[0] for _ in range(10_000)]
    assert len(set(issued)) == 10_000
    # token_urlsafe(32): 43 characters of base64 = 256 random bits.
    assert min(len(token) for token in issued) >= 43
    for token in issued:
        tokens.token_revoke(tokens.token_hash(token))


@pytest.mark.django_db
def test_lookup_refuses_unknown_and_revoked_tokens():
    token, _ = tokens.token_issue(user_id=7, epoch=3)
    digest = tokens.token_hash(token)
    info = tokens.token_lookup(digest)
    assert (info.user_id, info.epoch, info.token_hash) == (7, 3, digest)
    assert tokens.token_lookup(tokens.token_hash("made-up")) is None
    assert tokens.token_lookup("") is None
    tokens.token_revoke(digest)
    assert tokens.token_lookup(digest) is None


@pytest.mark.django_db
def test_ticket_opens_once():
    token, _ = tokens.token_issue(user_id=7, epoch=0)
    info = tokens.token_lookup(tokens.token_hash(token))
    ticket, expires_at = tokens.ticket_issue(info=info)
    assert expires_at - time.time() * 1000 == pytest.approx(30_000, abs=2_000)
    assert tokens.ticket_redeem(ticket) == {"u": 7, "e": 0, "t": info.token_hash}
    assert tokens.ticket_redeem(ticket) is None
    assert tokens.ticket_redeem("x" * 200) is None


@pytest.fixture(scope="module")
def short_ttl_server(django_db_setup, django_db_blocker):
    # 3 s, not less: the embedded stack's database cache keeps expiries to the
    # whole second, so a token lives between TTL-1 and TTL seconds after a use.
    server = LiveServer("short-ttl", env={"TOKEN_TTL_S": "3", "TICKET_TTL_S": "1"}).start()
    yield server
    server.stop()


def sign_in(server, make_user) -> Api:
    user = make_user("ttl")
    client = Api(server.url)
    client.login(user.username)
    return client


def test_token_expires_when_unused(short_ttl_server, make_user):
    client = sign_in(short_ttl_server, make_user)
    assert client.get("/api/auth/me").status_code == 200
    time.sleep(3.5)
    envelope_error(client.get("/api/auth/me"), 401, "UNAUTHENTICATED")


def test_each_use_slides_the_expiry(short_ttl_server, make_user):
    client = sign_in(short_ttl_server, make_user)
    expiries = []
    # Used every 1.2 s for 4.8 s: longer than the 3 s lifetime, still alive.
    for _ in range(4):
        time.sleep(1.2)
        response = client.get("/api/auth/me")
        assert response.status_code == 200, response.text
        expiries.append(response.json()["data"]["expiresAt"])
    assert expiries == sorted(expiries) and expiries[0] < expiries[-1]


def test_ticket_expires(short_ttl_server, make_user):
    client = sign_in(short_ttl_server, make_user)
    body = client.post("/api/auth/ticket").json()
    assert body["data"]["expiresAt"] - body["meta"]["timestamp"] == pytest.approx(1_000, abs=500)


def test_register_on_short_ttl_server_issues_short_token(short_ttl_server, transactional_db):
    response = Api(short_ttl_server.url).post(
        "/api/auth/register", {"username": unique_name("ttlreg"), "password": "long-enough", "displayName": "T"}
    )
    body = response.json()
    assert body["data"]["expiresAt"] - body["meta"]["timestamp"] == pytest.approx(3_000, abs=500)


def test_a_session_and_a_ticket_outlive_a_server_restart(start_server, make_user):
    """On every stack: the embedded default keeps them in a database table."""
    server = start_server("restart-session")
    client = Api(server.url)
    client.login(make_user("restart").username)
    ticket = client.post("/api/auth/ticket").json()["data"]["ticket"]
    server.stop()
    server.start()
    assert client.get("/api/auth/me").status_code == 200
    assert tokens.ticket_redeem(ticket) is not None
    assert client.post("/api/auth/logout").status_code == 200
    envelope_error(client.get("/api/auth/me"), 401, "UNAUTHENTICATED")


def test_a_401_says_why_the_session_ended(short_ttl_server, make_user):
    client = sign_in(short_ttl_server, make_user)
    token = client.token
    client.post("/api/auth/logout")
    ended = Api(short_ttl_server.url, token=token).get("/api/auth/me")
    assert "You signed out of this session" in envelope_error(ended, 401, "UNAUTHENTICATED")["message"]

    client = sign_in(short_ttl_server, make_user)
    time.sleep(3.5)
    expired = envelope_error(client.get("/api/auth/me"), 401, "UNAUTHENTICATED")
    assert "expired after 3 seconds without use" in expired["message"]


def test_a_401_after_a_password_change_says_so(make_user, api):
    user = make_user("pw")
    old, new = api(), api()
    old.login(user.username)
    new.login(user.username)
    from conftest import DEMO_PASSWORD

    changed = new.post("/api/auth/password", {"oldPassword": DEMO_PASSWORD, "newPassword": "another long one 2026!"})
    assert changed.status_code == 200, changed.text
    refused = envelope_error(old.get("/api/auth/me"), 401, "UNAUTHENTICATED")
    assert refused["message"].startswith("The password of this account was changed")
