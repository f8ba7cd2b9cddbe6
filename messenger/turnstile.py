"""Cloudflare Turnstile server-side verification (contract 1.5). Fails closed."""

import logging
import uuid

import requests
from django.conf import settings

log = logging.getLogger("messenger.turnstile")


def enabled() -> bool:
    return bool(settings.TURNSTILE_SECRET_KEY)


def verify(token: str | None, remote_ip: str) -> bool:
    """True when the token is valid and unspent. Any doubt (timeout, bad
    answer, missing token) is a refusal: no session without a passed check."""
    if not enabled():
        return True
    if not token or len(token) > 2048:
        log.warning("turnstile refused", extra={"errorCodes": ["missing-input-response"]})
        return False
    try:
        response = requests.post(
            settings.TURNSTILE_VERIFY_URL,
            data={
                "secret": settings.TURNSTILE_SECRET_KEY,
                "response": token,
                "remoteip": remote_ip,
                "idempotency_key": str(uuid.uuid4()),
            },
            timeout=settings.TURNSTILE_TIMEOUT_S,
        )
        result = response.json()
    except (requests.RequestException, ValueError) as exc:
        log.warning("turnstile verification unavailable", extra={"error": type(exc).__name__})
        return False
    if not isinstance(result, dict) or result.get("success") is not True:
        codes = result.get("error-codes", []) if isinstance(result, dict) else ["malformed-response"]
        log.warning("turnstile refused", extra={"errorCodes": codes})
        return False
    return True
