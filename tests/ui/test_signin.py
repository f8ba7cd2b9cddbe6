"""The sign-in window in a real browser: errors in words, success, expiry."""

import pytest
import requests
from playwright.sync_api import expect

from tests.ui.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def test_wrong_password_is_explained_and_right_one_signs_in(open_client, make_user):
    user = make_user("ui", display_name="Ui <b>Tester</b>")
    client = open_client()
    page = client.page
    page.goto("/")
    page.locator("#signin-window").wait_for(state="visible")
    assert page.locator(".cf-turnstile").count() == 0, "no Turnstile widget without a site key"
    screenshot(page, "sign-in.png")

    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    error = page.locator("#signin-error")
    error.wait_for(state="visible")
    assert "username or password is wrong" in error.text_content()
    assert page.locator("#main-window").is_hidden()

    sign_in(client, user.username)
    assert page.locator("#me-name").text_content() == "Ui <b>Tester</b>"
    assert page.locator("#signin-window").is_hidden()
    assert client.errors == []


def test_too_many_attempts_shows_the_wait(open_client, make_user):
    user = make_user("ui")
    page = open_client().page
    page.goto("/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("wrong-password")
    error = page.locator("#signin-error")
    for _ in range(6):
        with page.expect_response("**/api/auth/login"):
            page.get_by_role("button", name="Sign in").click()
        expect(page.locator("#signin-submit")).to_be_enabled()
    assert "Too many attempts. Please wait" in error.text_content()
    assert "second" in error.text_content()


def test_registration_creates_an_account_and_signs_in(open_client):
    from conftest import unique_name

    page = open_client().page
    page.goto("/")
    page.get_by_role("button", name="Get a new account").click()
    name = unique_name("reg")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill("a-long-password")
    page.get_by_label("Display name").fill("Newbie ☺")
    page.get_by_role("button", name="Create account").click()
    page.locator("#main-window").wait_for(state="visible")
    assert page.locator("#me-name").text_content() == "Newbie ☺"


def test_signing_out_revokes_the_session_and_shows_sign_in(open_client, make_user, daphne_server):
    user = make_user("ui")
    client = open_client()
    sign_in(client, user.username)
    token = next(cookie["value"] for cookie in client.context.cookies() if cookie["name"] == "cfm_token")
    client.page.get_by_role("button", name="Sign out").click()
    client.page.locator("#signin-window").wait_for(state="visible")
    assert "cfm_token" not in {cookie["name"] for cookie in client.context.cookies()}
    assert requests.get(daphne_server.url + "/api/auth/me", cookies={"cfm_token": token}, timeout=10).status_code == 401
