"""Cloudflare Turnstile server-side verification (contract 1.5). Fails closed."""

import logging
import uuid

import requests
from django.conf import settings

log = logging.getLogger("messenger.accounts.turnstile")

# Cloudflare's widget tokens are at most 2,048 characters.
_MAX_TOKEN_CHARS = 2048


def enabled() -> bool:
    return bool(settings.TURNSTILE_SECRET_KEY)


def _siteverify(form: dict) -> dict:
    """POST to siteverify, retrying once if the connection failed. The retry
    carries the same idempotency key, so Cloudflare answers it as the same
    check instead of calling the token already spent."""
    def post():
        return requests.post(settings.TURNSTILE_VERIFY_URL, data=form, timeout=settings.TURNSTILE_TIMEOUT_S)

    try:
        response = post()
    except requests.ConnectionError:
        response = post()
    return response.json()


def verify(token: str | None, remote_ip: str) -> bool:
    """True when the token is valid and unspent. Any doubt (timeout, bad
    answer, missing token) is a refusal: no session without a passed check."""
    if not enabled():
        return True
    if not token or len(token) > _MAX_TOKEN_CHARS:
        log.warning("turnstile refused", extra={"errorCodes": ["missing-input-response"]})
        return False
    form = {
        "secret": settings.TURNSTILE_SECRET_KEY,
        "response": token,
        "remoteip": remote_ip,
        "idempotency_key": str(uuid.uuid4()),
    }
    try:
        result = _siteverify(form)
    except (requests.RequestException, ValueError) as exc:
        log.warning("turnstile verification unavailable", extra={"error": type(exc).__name__})
        return False
    if not isinstance(result, dict) or result.get("success") is not True:
        codes = result.get("error-codes", []) if isinstance(result, dict) else ["malformed-response"]
        log.warning("turnstile refused", extra={"errorCodes": codes})
        return False
    return True
