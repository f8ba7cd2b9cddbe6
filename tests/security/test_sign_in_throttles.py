"""Findings 2 and 3 and the Retry-After of finding 8: failed sign-ins are
counted per (account, address) and per address; an account under attack
slows unknown sources but never refuses its owner's right password from an
address with no recent failures; live-token actions never meet sign-in
throttles; the admin's sign-in goes through the same limits."""

import re

import requests
from django.contrib.auth import get_user_model

from conftest import DEMO_PASSWORD, fake_ip, unique_name


def _login(api, username: str, password: str, ip: str | None = None):
    return api(ip=ip).post("/api/auth/login", {"username": username, "password": password})


def test_guesses_from_many_addresses_do_not_lock_the_owner_out(api, make_user):
    user = make_user("owner")
    for _ in range(12):
        assert _login(api, user.username, "guess-guess-1").status_code in (401, 429)
    # The owner, from an address with no failures: in at once.
    assert _login(api, user.username, DEMO_PASSWORD).status_code == 200


def test_one_address_is_stopped_after_its_guesses_even_with_the_right_password(api, make_user):
    user = make_user("pair")
    ip = fake_ip()
    answers = [_login(api, user.username, "guess-guess-1", ip).status_code for _ in range(6)]
    assert answers[:5] == [401] * 5 and answers[5] == 429
    refused = _login(api, user.username, DEMO_PASSWORD, ip)
    assert refused.status_code == 429
    # The real wait: what is left of the failure window, not a fixed number.
    assert 60 < int(refused.headers["Retry-After"]) <= 900


def test_an_account_under_attack_gives_an_unknown_address_one_guess(api, make_user):
    user = make_user("attacked")
    for _ in range(10):
        _login(api, user.username, "guess-guess-1")
    ip = fake_ip()
    assert _login(api, user.username, "guess-guess-2", ip).status_code == 401
    assert _login(api, user.username, "guess-guess-3", ip).status_code == 429
    assert _login(api, user.username, DEMO_PASSWORD).status_code == 200


def test_an_address_guessing_many_accounts_is_stopped(start_server, make_user):
    from conftest import Api

    # Without the contract's 5 attempts per 10 s, so only the failure count can stop it.
    server = start_server("spray", env={"LOGIN_RATE_LIMIT": "1000"})
    client = Api(server.url, ip=fake_ip())
    victims = [make_user("spray") for _ in range(21)]
    codes = [
        client.post("/api/auth/login", {"username": victim.username, "password": "Winter2026!"}).status_code
        for victim in victims
    ]
    assert codes[:20] == [401] * 20 and codes[20] == 429


def test_live_token_actions_never_meet_sign_in_throttles(api, make_user):
    user = make_user("busy")
    owner = api()
    owner.login(user.username)
    for _ in range(12):
        _login(api, user.username, "guess-guess-1")
    changed = owner.post("/api/auth/password", {"oldPassword": DEMO_PASSWORD, "newPassword": "a-new-long-secret-7"})
    assert changed.status_code == 200, changed.text
    owner.login(user.username, "a-new-long-secret-7")
    deleted = owner.delete("/api/auth/me", {"password": "a-new-long-secret-7"})
    assert deleted.status_code == 200, deleted.text


def test_registration_429_says_the_real_wait(start_server):
    server = start_server("register", env={"REGISTER_RATE": "2/h"})
    session = requests.Session()
    session.headers["X-Forwarded-For"] = fake_ip()
    codes = []
    for _ in range(3):
        body = {"username": unique_name("rg"), "password": "long-enough-pass-9", "displayName": unique_name("Rg")}
        response = session.post(server.url + "/api/auth/register", json=body, timeout=30)
        codes.append(response.status_code)
    assert codes == [201, 201, 429]
    assert 3500 < int(response.headers["Retry-After"]) <= 3600


def _admin_post(session: requests.Session, base: str, username: str, password: str) -> requests.Response:
    session.get(base + "/admin/login/", timeout=30)
    return session.post(
        base + "/admin/login/?next=/admin/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": session.cookies.get("csrftoken", "")},
        timeout=30,
    )


def test_admin_sign_in_is_throttled_like_the_api(daphne_server, make_user):
    staff = make_user("staff")
    get_user_model().objects.filter(pk=staff.pk).update(is_staff=True, is_superuser=True)
    attacker = requests.Session()
    attacker.headers["X-Forwarded-For"] = fake_ip()
    codes = [_admin_post(attacker, daphne_server.url, staff.username, f"guess-{n}").status_code for n in range(7)]
    assert codes[:5] == [200] * 5 and 429 in codes[5:], codes  # 200: the form again, with its error
    right = _admin_post(attacker, daphne_server.url, staff.username, DEMO_PASSWORD)
    assert right.status_code == 429 and int(right.headers["Retry-After"]) > 0
    assert "/admin/logout/" not in right.text
    owner = requests.Session()
    owner.headers["X-Forwarded-For"] = fake_ip()
    signed_in = _admin_post(owner, daphne_server.url, staff.username, DEMO_PASSWORD)
    assert signed_in.status_code == 200 and re.search(r"/admin/logout/", signed_in.text)
