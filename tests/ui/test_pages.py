"""The server-rendered pages over plain HTTP: CSP, CSRF cookie, static files."""

import re

import requests


def test_app_page_has_a_strict_csp_and_no_inline_script(daphne_server):
    response = requests.get(daphne_server.url + "/", timeout=10)
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    host = daphne_server.url.removeprefix("http://")
    assert f"ws://{host}" in directives["connect-src"] and f"wss://{host}" in directives["connect-src"]
    assert "challenges.cloudflare.com" not in policy, "no Turnstile origin without a site key"
    assert "csrftoken" in response.cookies
    for attributes, script in re.findall(r"<script\b([^>]*)>(.*?)</script>", response.text, re.S):
        # A JSON data block (the status list) is data the browser never runs.
        if 'type="application/json"' not in attributes:
            assert script.strip() == "", "inline script found"
    assert "cf-turnstile" not in response.text


def test_client_modules_and_images_are_served_with_their_types(daphne_server):
    for path, kind in (
        ("/static/js/main.js", "javascript"),
        ("/static/js/lib/emoticons.js", "javascript"),
        ("/static/css/xp.css", "text/css"),
        ("/static/emoticons/smile.svg", "image/svg+xml"),
    ):
        response = requests.get(daphne_server.url + path, timeout=10)
        assert response.status_code == 200, path
        assert kind in response.headers["Content-Type"], path


def test_privacy_page(daphne_server):
    response = requests.get(daphne_server.url + "/privacy/", timeout=10)
    assert response.status_code == 200
    assert "Privacy" in response.text
