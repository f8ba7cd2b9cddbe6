"""What the cache, Redis and the session table hold about a user, erased on
account deletion (registered on messenger.hooks.account_deleted).

Tokens and tickets are keyed by a hash with no per-user index (messenger.accounts.tokens),
so on Redis they are found by a SCAN over this deployment's prefix: a cost
paid once per deletion. The embedded stack's local-memory cache lives in the
server process alone and expires them within TOKEN_TTL_S; the bumped
token_epoch already makes them useless.
"""

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import cache

from messenger.platform import ratelimit, redis_clients


def _rate_limit_names(user) -> list[str]:
    return [f"login:user:{user.username}", f"confirm:{user.pk}", f"nudge:{user.pk}", f"wink:{user.pk}", f"typing:{user.pk}"]


def _cache_key_owner(raw_key: bytes) -> int | None:
    # Django's Redis cache keys are "<prefix>:<version>:<key>".
    key = raw_key.decode().split(":", 2)[2]
    data = cache.get(key)
    return data.get("u") if isinstance(data, dict) else None


def _redis_erase(user) -> None:
    client = redis_clients.sync_client()
    prefix = settings.CACHE_KEY_PREFIX
    doomed = []
    for pattern in (f"{prefix}:*:tok:*", f"{prefix}:*:tkt:*"):
        doomed += [key for key in client.scan_iter(match=pattern, count=1000) if _cache_key_owner(key) == user.pk]
    doomed += list(client.scan_iter(match=redis_clients.key("rl", "chat", "*", str(user.pk)), count=1000))
    if doomed:
        client.delete(*doomed)


def _sessions_erase(user) -> None:
    """Admin sign-ins (the web UI uses tokens, not Django sessions)."""
    for session in Session.objects.iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()


def account_deleted(user) -> None:
    for name in _rate_limit_names(user):
        ratelimit.reset_sync(name)
    if redis_clients.enabled():
        _redis_erase(user)
    _sessions_erase(user)
