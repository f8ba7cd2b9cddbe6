"""Sign-in, registration, the account endpoints and their failure paths, over HTTP."""

import pytest

from conftest import DEMO_PASSWORD, envelope_error, fake_ip, unique_name
from messenger.operations import moderation


def test_login_returns_token_user_and_cookies(api, make_user):
    user = make_user("login", display_name="Login ✿")
    response = api().post("/api/auth/login", {"username": user.username, "password": DEMO_PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    data = body["data"]
    assert len(data["token"]) >= 22
    assert data["expiresAt"] - body["meta"]["timestamp"] == pytest.approx(1_200_000, abs=5_000)
    assert data["user"] == {
        "id": user.username,
        "name": "Login ✿",
        "status": "online",
        "personalMessage": "",
        "avatar": user.profile.avatar,
        "bot": False,
    }
    assert response.cookies["cfm_token"] == data["token"]
    assert "httponly" in response.headers["Set-Cookie"].lower()
    assert response.cookies.get("csrftoken")


def test_login_username_is_case_insensitive_and_status_is_kept(api, make_user):
    user = make_user("case")
    response = api().post(
        "/api/auth/login", {"username": user.username.upper(), "password": DEMO_PASSWORD, "status": "invisible"}
    )
    assert response.status_code == 200
    assert response.json()["data"]["user"]["status"] == "invisible"


def test_unknown_user_and_wrong_password_get_the_same_answer(api, make_user):
    user = make_user("same")
    wrong = api().post("/api/auth/login", {"username": user.username, "password": "not-the-password"})
    unknown = api().post("/api/auth/login", {"username": unique_name("ghost"), "password": "not-the-password"})
    assert envelope_error(wrong, 401, "INVALID_CREDENTIALS") == envelope_error(unknown, 401, "INVALID_CREDENTIALS")


def test_bots_cannot_sign_in(api, make_user):
    bot = make_user("bot", is_bot=True)
    envelope_error(api().post("/api/auth/login", {"username": bot.username, "password": DEMO_PASSWORD}), 401, "INVALID_CREDENTIALS")


def test_banned_user_cannot_sign_in_and_ban_revokes_tokens(signed_in):

    user, client = signed_in("banned")
    moderation.user_ban(moderator=None, user=user)
    envelope_error(client.get("/api/auth/me"), 401, "UNAUTHENTICATED")
    envelope_error(client.post("/api/auth/login", {"username": user.username, "password": DEMO_PASSWORD}), 403, "FORBIDDEN")


def test_sixth_login_in_ten_seconds_from_one_ip_is_429(api, make_user):
    user = make_user("burst")
    client = api(ip=fake_ip())
    answers = [client.post("/api/auth/login", {"username": user.username, "password": DEMO_PASSWORD}) for _ in range(6)]
    assert [r.status_code for r in answers[:5]] == [200] * 5
    envelope_error(answers[5], 429, "RATE_LIMITED")
    assert 1 <= int(answers[5].headers["Retry-After"]) <= 10
    # Another address is not affected.
    assert api().post("/api/auth/login", {"username": user.username, "password": DEMO_PASSWORD}).status_code == 200


def test_register_signs_in_and_conflicts_on_taken_name(api):
    name = unique_name("reg")
    response = api().post("/api/auth/register", {"username": name, "password": "long-enough", "displayName": "Reg ☆"})
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert data["user"]["id"] == name and data["user"]["name"] == "Reg ☆"
    me = api(token=data["token"]).get("/api/auth/me")
    assert me.json()["data"]["user"]["id"] == name
    again = api().post("/api/auth/register", {"username": name, "password": "long-enough", "displayName": "Again"})
    assert envelope_error(again, 409, "CONFLICT")["field"] == "username"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"username": "ab", "password": "long-enough", "displayName": "X"}, "username"),
        ({"username": "Bad Name!", "password": "long-enough", "displayName": "X"}, "username"),
        ({"username": "a__b", "password": "long-enough", "displayName": "X"}, "username"),
        ({"username": "_leading", "password": "long-enough", "displayName": "X"}, "username"),
        ({"username": "x" * 65, "password": "long-enough", "displayName": "X"}, "username"),
        ({"username": "{name}", "password": "short", "displayName": "X"}, "password"),
        ({"username": "{name}", "password": "long-enough", "displayName": "\u0000bell"}, "displayName"),
        ({"username": "{name}", "password": "long-enough", "displayName": "d" * 65}, "displayName"),
        ({"username": "{name}", "password": "long-enough"}, "displayName"),
        ({"password": "long-enough", "displayName": "X"}, "username"),
        ({"username": "{name}", "password": 12345678, "displayName": "X"}, "password"),
    ],
)
def test_register_rejects_bad_fields_naming_them_and_creates_nothing(api, transactional_db, body, field):
    from django.contrib.auth import get_user_model

    name = unique_name("bad")
    body = {key: value.replace("{name}", name) if isinstance(value, str) else value for key, value in body.items()}
    # Control characters are refused before the schema, as INVALID_MESSAGE (docs/SECURITY.md).
    code = "INVALID_MESSAGE" if any("\u0000" in str(value) for value in body.values()) else "INVALID_REQUEST"
    error = envelope_error(api().post("/api/auth/register", body), 400, code)
    assert error["field"] == field
    assert error["message"].startswith(f"{field}:")
    assert not get_user_model().objects.filter(username=name).exists()


@pytest.fixture(scope="module")
def closed_server(django_db_setup, django_db_blocker):
    from tests.live import LiveServer

    server = LiveServer("registration-closed", env={"REGISTRATION_OPEN": "0"}).start()
    yield server
    server.stop()


def test_register_when_closed_is_403(closed_server, transactional_db):
    from django.contrib.auth import get_user_model

    from conftest import Api

    name = unique_name("closed")
    response = Api(closed_server.url).post(
        "/api/auth/register", {"username": name, "password": "long-enough", "displayName": "Closed"}
    )
    envelope_error(response, 403, "FORBIDDEN")
    assert not get_user_model().objects.filter(username=name).exists()


def test_me_needs_a_live_token(api, signed_in):
    user, client = signed_in("me")
    data = client.get("/api/auth/me").json()["data"]
    assert data["user"]["id"] == user.username
    assert data["expiresAt"] > 0
    envelope_error(api().get("/api/auth/me"), 401, "UNAUTHENTICATED")
    envelope_error(api(token="not-a-real-token").get("/api/auth/me"), 401, "UNAUTHENTICATED")
    envelope_error(api().get("/api/auth/me", headers={"Authorization": "Basic abc"}), 401, "UNAUTHENTICATED")


def test_cookie_auth_reads_freely_but_writes_need_csrf(api, make_user):
    user = make_user("cookie")
    browser = api()
    browser.login(user.username)
    browser.token = None  # from here on, only the cookies the login set
    assert browser.get("/api/auth/me").status_code == 200
    envelope_error(browser.post("/api/auth/ticket"), 403, "FORBIDDEN")
    csrf = browser.session.cookies["csrftoken"]
    response = browser.post("/api/auth/ticket", headers={"X-CSRFToken": csrf, "Referer": browser.base_url + "/"})
    assert response.status_code == 200, response.text


def test_logout_revokes_that_token_only(api, make_user):
    user = make_user("logout")
    first, second = api(), api()
    first.login(user.username)
    second.login(user.username)
    response = first.post("/api/auth/logout")
    assert response.status_code == 200 and response.json()["data"] == {}
    envelope_error(first.get("/api/auth/me"), 401, "UNAUTHENTICATED")
    envelope_error(first.post("/api/auth/logout"), 401, "UNAUTHENTICATED")
    assert second.get("/api/auth/me").status_code == 200


def test_ticket_is_short_lived(signed_in):
    _, client = signed_in("ticket")
    response = client.post("/api/auth/ticket")
    assert response.status_code == 200
    body = response.json()
    assert len(body["data"]["ticket"]) >= 22
    assert body["data"]["expiresAt"] - body["meta"]["timestamp"] == pytest.approx(30_000, abs=2_000)
    first, second = client.post("/api/auth/ticket").json(), client.post("/api/auth/ticket").json()
    assert first["data"]["ticket"] != second["data"]["ticket"]


def test_password_change_revokes_every_token_and_returns_a_new_one(api, make_user):
    user = make_user("pw")
    first, second = api(), api()
    first.login(user.username)
    second.login(user.username)
    response = first.post("/api/auth/password", {"oldPassword": DEMO_PASSWORD, "newPassword": "brand-new-pass"})
    assert response.status_code == 200, response.text
    fresh = response.json()["data"]["token"]
    envelope_error(first.get("/api/auth/me", headers={"Authorization": f"Bearer {first.token}"}), 401, "UNAUTHENTICATED")
    envelope_error(second.get("/api/auth/me"), 401, "UNAUTHENTICATED")
    assert api(token=fresh).get("/api/auth/me").status_code == 200
    envelope_error(api().post("/api/auth/login", {"username": user.username, "password": DEMO_PASSWORD}), 401, "INVALID_CREDENTIALS")
    assert api().post("/api/auth/login", {"username": user.username, "password": "brand-new-pass"}).status_code == 200


def test_password_change_failures_change_nothing(signed_in):
    user, client = signed_in("pwbad")
    wrong = client.post("/api/auth/password", {"oldPassword": "nope-nope", "newPassword": "brand-new-pass"})
    assert envelope_error(wrong, 401, "INVALID_CREDENTIALS")["field"] == "oldPassword"
    short = client.post("/api/auth/password", {"oldPassword": DEMO_PASSWORD, "newPassword": "short"})
    assert envelope_error(short, 400, "INVALID_REQUEST")["field"] == "newPassword"
    missing = client.post("/api/auth/password", {"oldPassword": DEMO_PASSWORD})
    assert envelope_error(missing, 400, "INVALID_REQUEST")["field"] == "newPassword"
    assert client.get("/api/auth/me").status_code == 200
    user.refresh_from_db()
    assert user.check_password(DEMO_PASSWORD)


def test_delete_me_needs_the_password_then_removes_the_account(api, signed_in):
    from django.contrib.auth import get_user_model

    user, client = signed_in("del")
    wrong = client.delete("/api/auth/me", {"password": "not-it-at-all"})
    assert envelope_error(wrong, 401, "INVALID_CREDENTIALS")["field"] == "password"
    assert envelope_error(client.delete("/api/auth/me", {}), 400, "INVALID_REQUEST")["field"] == "password"
    assert get_user_model().objects.filter(pk=user.pk).exists()
    response = client.delete("/api/auth/me", {"password": DEMO_PASSWORD})
    assert response.status_code == 200 and response.json()["data"] == {}
    assert not get_user_model().objects.filter(pk=user.pk).exists()
    envelope_error(client.get("/api/auth/me"), 401, "UNAUTHENTICATED")
    envelope_error(api().post("/api/auth/login", {"username": user.username, "password": DEMO_PASSWORD}), 401, "INVALID_CREDENTIALS")


def test_password_confirmations_are_throttled_per_account(signed_in):
    user, client = signed_in("confirm")
    for _ in range(5):
        envelope_error(client.delete("/api/auth/me", {"password": "guess-guess"}), 401, "INVALID_CREDENTIALS")
    limited = client.delete("/api/auth/me", {"password": DEMO_PASSWORD})
    envelope_error(limited, 429, "RATE_LIMITED")
    assert client.get("/api/auth/me").status_code == 200
