"""Opaque bearer tokens and single-use socket tickets, held in the cache.

A token is 256 random bits; the cache key is its SHA-256, so neither the
cache nor a log ever holds the token itself. A token lives TOKEN_TTL_S from
its last use. Revoking every token of a user bumps Profile.token_epoch, which
is checked on every use, so no per-user index has to be kept consistent.
"""

import hashlib
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

# Refresh the sliding expiry at most this often per token, so a busy client
# costs one cache read per request, not a read and a write.
_REFRESH_EVERY_S = 15


@dataclass(frozen=True)
class TokenInfo:
    user_id: int
    epoch: int
    token_hash: str
    expires_at_ms: int


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _key(digest: str) -> str:
    return f"tok:{digest}"


def token_issue(*, user_id: int, epoch: int) -> tuple[str, int]:
    token = secrets.token_urlsafe(32)
    now = time.time()
    cache.set(_key(token_hash(token)), {"u": user_id, "e": epoch, "r": now}, settings.TOKEN_TTL_S)
    return token, int((now + settings.TOKEN_TTL_S) * 1000)


def token_lookup(digest: str, *, touch: bool = True) -> TokenInfo | None:
    """The token's owner, refreshing its sliding lifetime (use = refresh)."""
    if not digest or len(digest) != 64:
        return None
    data = cache.get(_key(digest))
    if not data:
        return None
    now = time.time()
    refreshed = data["r"]
    if touch and now - refreshed >= _REFRESH_EVERY_S:
        data = {**data, "r": now}
        refreshed = now
        cache.set(_key(digest), data, settings.TOKEN_TTL_S)
    return TokenInfo(data["u"], data["e"], digest, int((refreshed + settings.TOKEN_TTL_S) * 1000))


def token_revoke(digest: str) -> None:
    cache.delete(_key(digest))


def ticket_issue(*, info: TokenInfo) -> tuple[str, int]:
    ticket = secrets.token_urlsafe(32)
    cache.set(
        f"tkt:{token_hash(ticket)}", {"u": info.user_id, "e": info.epoch, "t": info.token_hash}, settings.TICKET_TTL_S
    )
    return ticket, int((time.time() + settings.TICKET_TTL_S) * 1000)


def ticket_redeem(ticket: str) -> dict | None:
    """Single use across processes: only the caller whose delete succeeds wins."""
    if not ticket or len(ticket) > 128:
        return None
    key = f"tkt:{token_hash(ticket)}"
    data = cache.get(key)
    if data is None or not cache.delete(key):
        return None
    return data
