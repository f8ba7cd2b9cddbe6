"""Who is calling: bearer token, token cookie (with CSRF), or socket ticket."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.middleware.csrf import CsrfViewMiddleware

from messenger import errors
from messenger.accounts import tokens
from messenger.platform import log_context

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


@dataclass
class Caller:
    user: object
    token: tokens.TokenInfo
    via: str  # "bearer", "cookie" or "ticket"


def user_for_token(info: tokens.TokenInfo | None):
    """The live, unbanned user a token belongs to, or None."""
    if info is None:
        return None
    user = (
        get_user_model()
        .objects.select_related("profile")
        .filter(pk=info.user_id, is_active=True)
        .first()
    )
    if user is None or user.profile.token_epoch != info.epoch or user.profile.banned:
        return None
    return user


# What a person is told when their session stopped working, by the reason
# given to tokens.token_revoke / services.tokens_revoke_all.
_ENDED_WORDS = {
    "signed out": "You signed out of this session (in this tab or another).",
    "password changed": "The password of this account was changed, which signs out every session.",
    "banned": "This account is banned.",
    "account deleted": "This account was deleted.",
    "signed out by a moderator": "A moderator signed this account out.",
}


def session_ended_message(digest: str, info: tokens.TokenInfo | None) -> str:
    """The 401's words: why this token stopped working, and what to do."""
    reason = tokens.ended_reason(digest, info)
    if reason is not None:
        words = _ENDED_WORDS.get(reason, f"This session was ended ({reason}).")
    elif info is not None:
        # The token is alive but its owner is not: banned, disabled or gone.
        profile = get_user_model().objects.filter(pk=info.user_id).values_list("profile__banned", flat=True).first()
        words = _ENDED_WORDS["banned"] if profile else "This account no longer exists or is disabled."
    else:
        ttl = settings.TOKEN_TTL_S
        unused = f"{ttl // 60} minutes" if ttl >= 120 else f"{ttl} seconds"
        words = f"The session expired after {unused} without use (or the token was never valid)."
    return f"{words} Sign in again."


def bearer_from_header(value: str | None) -> str | None:
    if not value:
        return None
    scheme, _, credential = value.partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        return None
    return credential.strip()


def _csrf_failure(request) -> bool:
    check = CsrfViewMiddleware(lambda req: None)
    check.process_request(request)
    return check.process_view(request, None, (), {}) is not None


def authenticate_request(request) -> Caller:
    token = bearer_from_header(request.META.get("HTTP_AUTHORIZATION"))
    via = "bearer"
    if token is None:
        token = request.COOKIES.get(settings.TOKEN_COOKIE_NAME)
        via = "cookie"
    if not token:
        raise errors.Refused(errors.UNAUTHENTICATED, "Sign in first: send Authorization: Bearer <token>.")
    digest = tokens.token_hash(token)
    info = tokens.token_lookup(digest)
    user = user_for_token(info)
    if user is None:
        raise errors.Refused(errors.UNAUTHENTICATED, session_ended_message(digest, info))
    if via == "cookie" and request.method not in _SAFE_METHODS and _csrf_failure(request):
        raise errors.Refused(errors.FORBIDDEN, "CSRF check failed: send the X-CSRFToken header from the csrftoken cookie.")
    caller = Caller(user, info, via)
    request.cfm_caller = caller
    log_context.log_user.set(user.username)
    return caller
