"""Finding 8's names and passwords, and the retired usernames of finding 1:
reserved names, lookalikes of existing accounts and bots, a deleted
account's name, and common passwords are refused at registration."""

import pytest

from conftest import DEMO_PASSWORD, unique_name

GOOD_PASSWORD = "plenty-long-and-odd-42"


def _register(api, username: str, display_name: str | None = None, password: str = GOOD_PASSWORD):
    body = {"username": username, "password": password, "displayName": display_name or unique_name("Name")}
    return api().post("/api/auth/register", body)


@pytest.mark.parametrize("name", ["admin", "administrator", "root", "system", "support", "moderator", "staff", "cfmessenger", "cf-messenger"])
def test_reserved_usernames_are_refused(api, name):
    response = _register(api, name)
    assert response.status_code == 409 and response.json()["error"]["field"] == "username", response.text


def test_lookalikes_of_bots_and_people_are_refused(api, make_bot, make_user):
    bot = make_bot("smarterbot")
    person = make_user("lily")
    handle = bot.user.username
    assert _register(api, handle.replace("o", "0", 1) if "o" in handle else handle + "_").status_code == 409
    assert _register(api, person.username.replace("l", "1", 1)).status_code == 409
    assert _register(api, person.username.replace("l", "I".lower(), 1)).status_code == 409
    # Cyrillic "і" in a display name identical in look to someone else's.
    taken = person.profile.display_name
    response = _register(api, unique_name("fresh"), display_name=taken)
    assert response.status_code == 409 and response.json()["error"]["field"] == "displayName"
    response = _register(api, unique_name("fresh"), display_name=taken.replace("i", "\u0456"))
    assert response.status_code == 409 and response.json()["error"]["field"] == "displayName"


def test_a_deleted_accounts_name_is_never_given_out_again(api, signed_in):
    user, client = signed_in("gone")
    assert client.delete("/api/auth/me", {"password": DEMO_PASSWORD}).status_code == 200
    again = _register(api, user.username)
    assert again.status_code == 409 and again.json()["error"]["field"] == "username"


@pytest.mark.parametrize("password", ["password", "12345678", "qwertyuiop", "87654321234"])
def test_common_and_numeric_passwords_are_refused(api, password):
    response = _register(api, unique_name("pw"), password=password)
    assert response.status_code == 400 and response.json()["error"]["field"] == "password", response.text


def test_a_password_like_the_username_is_refused(api):
    name = unique_name("similar")
    response = _register(api, name, password=f"{name}1")
    assert response.status_code == 400 and response.json()["error"]["field"] == "password"
