"""Opaque bearer tokens and single-use socket tickets, held in the
"sessions" cache, which outlives the process (Redis, or a database table on
the embedded default: settings.SESSION_CACHE_TABLE).

A token is 256 random bits; the cache key is its SHA-256, so neither the
cache nor a log ever holds the token itself. A token lives TOKEN_TTL_S from
its last use: every authenticated request and socket heartbeat restarts it.
Revoking every token of a user bumps Profile.token_epoch, which is checked
on every use, so no per-user index has to be kept consistent.
"""

import hashlib
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache.backends.redis import RedisCache, RedisSerializer

from messenger.platform import process_cache, redis_clients


@dataclass(frozen=True)
class TokenInfo:
    user_id: int
    epoch: int
    token_hash: str
    # When this use pushed the expiry; 0 for a look that did not (touch=False).
    expires_at_ms: int


def _cache():
    """The sessions cache through one client for the whole process (messenger.platform.process_cache)."""
    return process_cache.shared("sessions")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _key(digest: str) -> str:
    return f"tok:{digest}"


def token_issue(*, user_id: int, epoch: int) -> tuple[str, int]:
    token = secrets.token_urlsafe(32)
    _cache().set(_key(token_hash(token)), {"u": user_id, "e": epoch}, settings.TOKEN_TTL_S)
    return token, _expiry_ms()


def _expiry_ms() -> int:
    return int((time.time() + settings.TOKEN_TTL_S) * 1000)


def token_lookup(digest: str, *, touch: bool = True) -> TokenInfo | None:
    """The token's owner; with touch, this use restarts its lifetime."""
    if not digest or len(digest) != 64:
        return None
    key = _key(digest)
    if touch and isinstance(_cache(), RedisCache):
        data = _read_and_extend(key)
        return TokenInfo(data["u"], data["e"], digest, _expiry_ms()) if data else None
    data = _cache().get(key)
    if not data:
        return None
    if not touch:
        return TokenInfo(data["u"], data["e"], digest, 0)
    # touch() only extends a key that still exists: a token revoked between
    # the read above and here stays revoked (a set() would bring it back).
    if not _cache().touch(key, settings.TOKEN_TTL_S):
        return None
    return TokenInfo(data["u"], data["e"], digest, _expiry_ms())


_serializer = RedisSerializer()


def _read_and_extend(key: str) -> dict | None:
    """The token's record, its lifetime restarted, in one Redis round trip
    (GETEX; every socket heartbeat pays it). Like touch(), it extends only a
    key that exists: a revoked token stays revoked. The key and the value's
    encoding are the sessions cache's own."""
    raw = redis_clients.sync_client().getex(_cache().make_and_validate_key(key), ex=settings.TOKEN_TTL_S)
    return None if raw is None else _serializer.loads(raw)


def redis_record_key(digest: str) -> str | None:
    """The Redis key of the token's record, for a caller that reads it
    together with other work in one round trip (a socket connect: its
    address's socket count, messenger.realtime.socket_cap) with GETEX and
    TOKEN_TTL_S, then hands the value to token_from_record. None when the
    sessions cache is not Redis (the embedded default) or the digest is not one."""
    if not digest or len(digest) != 64 or not isinstance(_cache(), RedisCache):
        return None
    # make_key: "tok:" and 64 hex digits need none of validate_key's per-character checks.
    return _cache().make_key(_key(digest))


def token_from_record(digest: str, raw: bytes | None) -> TokenInfo | None:
    """The token read at redis_record_key(digest) by a GETEX (its lifetime restarted)."""
    if raw is None:
        return None
    data = _serializer.loads(raw)
    return TokenInfo(data["u"], data["e"], digest, _expiry_ms()) if data else None


def token_revoke(digest: str, *, reason: str = "signed out") -> None:
    # The reason outlives the token as long as the token could have, so the
    # page that still holds it can be told why it stopped working.
    _cache().set(_ended_key(digest), reason, settings.TOKEN_TTL_S)
    _cache().delete(_key(digest))


def tokens_ended(*, user_id: int, epoch: int, reason: str) -> None:
    """Every token of this user and epoch was revoked (the epoch moved on), for this reason."""
    _cache().set(_ended_key(f"u{user_id}:{epoch}"), reason, settings.TOKEN_TTL_S)


def ended_reason(digest: str, info: TokenInfo | None) -> str | None:
    """Why a token that no longer works stopped: a revocation's reason, or None (expired or never issued)."""
    if info is not None:
        return _cache().get(_ended_key(f"u{info.user_id}:{info.epoch}"))
    return _cache().get(_ended_key(digest))


def _ended_key(name: str) -> str:
    return f"end:{name}"


def ticket_issue(*, info: TokenInfo) -> tuple[str, int]:
    ticket = secrets.token_urlsafe(32)
    _cache().set(
        f"tkt:{token_hash(ticket)}", {"u": info.user_id, "e": info.epoch, "t": info.token_hash}, settings.TICKET_TTL_S
    )
    return ticket, int((time.time() + settings.TICKET_TTL_S) * 1000)


def ticket_redeem(ticket: str) -> dict | None:
    """Single use across processes: only the caller whose delete succeeds wins."""
    if not ticket or len(ticket) > 128:
        return None
    key = f"tkt:{token_hash(ticket)}"
    data = _cache().get(key)
    if data is None or not _cache().delete(key):
        return None
    return data
