"""Auth, health and collection endpoints (contract 1.3)."""

import logging

from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.middleware.csrf import get_token
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from pydantic import BaseModel, Field

from messenger import errors, hooks
from messenger.accounts import services, throttle, tokens, turnstile
from messenger.accounts.users import public_user, username_valid
from messenger.models import ChosenStatus
from messenger.operations import analytics
from messenger.platform import clientip, db_async, fanout, metrics, ratelimit, redis_clients, text_rules
from messenger.web import profile_views
from messenger.web.envelope import ApiError, api, error, ok, parse_body, rate_limited

log = logging.getLogger("messenger.accounts.auth")



class LoginBody(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)
    turnstileToken: str | None = Field(default=None, max_length=4096)
    status: ChosenStatus | None = None


class RegisterBody(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)
    displayName: str = Field(min_length=1, max_length=64)
    turnstileToken: str | None = Field(default=None, max_length=4096)


class PasswordBody(BaseModel):
    password: str = Field(min_length=1, max_length=1024)


class PasswordChangeBody(BaseModel):
    oldPassword: str = Field(min_length=1, max_length=1024)
    newPassword: str = Field(min_length=1, max_length=1024)


def _signed_in(request, user, token: str, expires_at: int, status: int = 200):
    response = ok({"token": token, "expiresAt": expires_at, "user": public_user(user, to_self=True)}, status)
    response.set_cookie(
        settings.TOKEN_COOKIE_NAME,
        token,
        httponly=True,
        samesite="Lax",
        secure=getattr(settings, "SESSION_COOKIE_SECURE", False),
        path="/",
    )
    get_token(request)  # the csrftoken cookie the web UI sends back on writes
    response.set_cookie(
        settings.CSRF_COOKIE_NAME,
        request.META["CSRF_COOKIE"],
        samesite="Lax",
        secure=getattr(settings, "CSRF_COOKIE_SECURE", False),
        path="/",
    )
    return response


async def _turnstile_gate(request, token: str | None, ip: str) -> None:
    if turnstile.enabled() and not await db_async.run_blocking(turnstile.verify, token, ip):
        raise ApiError(403, errors.TURNSTILE_FAILED, "The human check failed or expired; please try it again.")


def _password_problem(password: str, user=None) -> str | None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return " ".join(exc.messages)
    return None


async def _password_confirmed(user, password: str, *, field: str = "password") -> None:
    """Re-check the caller's password before a sensitive change. Failures are
    counted per account on a counter of their own: a stolen token can't guess
    the password, and strangers' failed sign-ins never block the owner here."""
    name = f"confirm:{user.pk}"
    verdict = await ratelimit.hit(name, *settings.PASSWORD_CONFIRM_FAILURES, record=False)
    if not verdict.allowed:
        raise rate_limited(verdict.retry_after_ms, "Too many wrong passwords.")
    if not await db_async.run_blocking(user.check_password, password):
        await ratelimit.hit(name, *settings.PASSWORD_CONFIRM_FAILURES)
        raise ApiError(401, errors.INVALID_CREDENTIALS, "Wrong password.", field=field)


@api(["POST"], auth=False, body=LoginBody)
async def login(request, *, body: LoginBody):
    ip = clientip.from_request(request)
    username = body.username.strip().lower()
    try:
        await throttle.gate(username=username, ip=ip)
    except throttle.Throttled as refused:
        raise rate_limited(refused.retry_after_ms, refused.message)
    await _turnstile_gate(request, body.turnstileToken, ip)
    # Unknown users run the password hasher too (Django's ModelBackend does),
    # and bots have no usable password: every refusal costs the same time.
    user = await db_async.run_blocking(services.credentials_check, username=username, password=body.password)
    if user is None or user.profile.is_bot:
        await throttle.failed(username=username, ip=ip)
        log.info("login failed", extra={"ip": ip})
        analytics.record("login_failed", user_id=user.pk if user else None)
        metrics.AUTH_FAILURES.labels("login").inc()
        raise ApiError(401, errors.INVALID_CREDENTIALS, "Wrong username or password.")
    await throttle.succeeded(username=username, ip=ip)
    if user.profile.banned:
        raise ApiError(403, errors.FORBIDDEN, "This account is banned.")
    if body.status and body.status != user.profile.status:
        user.profile.status = body.status
        await user.profile.asave(update_fields=["status"])
    # Django's own record of a sign-in; it also ends demo presence for this account.
    await type(user).objects.filter(pk=user.pk).aupdate(last_login=timezone.now())
    token, expires_at = await db_async.run_in_request(tokens.token_issue, user_id=user.pk, epoch=user.profile.token_epoch)
    log.info("login", extra={"ip": ip, "userName": user.username})
    analytics.record("login_success", user_id=user.pk)
    return _signed_in(request, user, token, expires_at)


@api(["POST"], auth=False, body=RegisterBody)
async def register(request, *, body: RegisterBody):
    if not settings.REGISTRATION_OPEN:
        raise ApiError(403, errors.FORBIDDEN, "Registration is closed on this server.")
    ip = clientip.from_request(request)
    verdict = await ratelimit.hit(f"register:ip:{ip}", *settings.REGISTER_RATE)
    if not verdict.allowed:
        raise rate_limited(verdict.retry_after_ms, "Too many registrations from this address.")
    await _turnstile_gate(request, body.turnstileToken, ip)
    username = body.username.strip().lower()
    if not username_valid(username):
        raise ApiError(
            400,
            errors.INVALID_REQUEST,
            "username: 3-32 characters, lower-case letters, digits, '.', '_' or '-', starting with a letter or digit, no '__'.",
            field="username",
        )
    display_name = text_rules.clean_name(body.displayName)
    if text_rules.is_blank(display_name) or not display_name.isprintable():
        raise ApiError(400, errors.INVALID_REQUEST, "displayName: must be printable text.", field="displayName")
    # Similarity to the names is checked too (UserAttributeSimilarityValidator reads first_name).
    problem = _password_problem(body.password, get_user_model()(username=username, first_name=display_name))
    if problem:
        raise ApiError(400, errors.INVALID_REQUEST, f"password: {problem}", field="password")
    try:
        user = await db_async.run_blocking(
            services.user_create, username=username, password=body.password, display_name=display_name, vet_names=True
        )
    except services.UsernameTaken:
        raise ApiError(409, errors.CONFLICT, f"The username {username!r} is taken.", field="username")
    except services.NameRefused as refused:
        raise ApiError(409, errors.CONFLICT, refused.message, field=refused.field)
    token, expires_at = await db_async.run_in_request(tokens.token_issue, user_id=user.pk, epoch=user.profile.token_epoch)
    return _signed_in(request, user, token, expires_at, status=201)


@api(["GET", "PATCH", "DELETE"], body=None)
async def me(request):
    caller = request.cfm_caller
    if request.method == "GET":
        return {"user": public_user(caller.user, to_self=True), "expiresAt": caller.token.expires_at_ms}
    if request.method == "PATCH":
        body = await db_async.run_in_request(parse_body, request, profile_views.ProfileBody)
        return await profile_views.profile_patch(request, body)
    body = await db_async.run_in_request(parse_body, request, PasswordBody)
    await _password_confirmed(caller.user, body.password)
    await db_async.run_blocking(services.account_delete, user=caller.user)
    response = ok({})
    response.delete_cookie(settings.TOKEN_COOKIE_NAME)
    return response


@api(["POST"], body=PasswordChangeBody)
async def password_change(request, *, body: PasswordChangeBody):
    user = request.cfm_caller.user
    await _password_confirmed(user, body.oldPassword, field="oldPassword")
    problem = _password_problem(body.newPassword, user)
    if problem:
        raise ApiError(400, errors.INVALID_REQUEST, f"newPassword: {problem}", field="newPassword")
    await db_async.run_blocking(services.password_change, user=user, new_password=body.newPassword)
    token, expires_at = await db_async.run_in_request(tokens.token_issue, user_id=user.pk, epoch=user.profile.token_epoch)
    return _signed_in(request, user, token, expires_at)


@api(["POST"])
def ticket(request):
    value, expires_at = tokens.ticket_issue(info=request.cfm_caller.token)
    return {"ticket": value, "expiresAt": expires_at}


@api(["POST"])
def logout(request):
    caller = request.cfm_caller
    tokens.token_revoke(caller.token.token_hash)
    fanout.group_send_sync(fanout.user_group(caller.user.pk), fanout.revoke_event(token_hash=caller.token.token_hash))
    response = ok({})
    response.delete_cookie(settings.TOKEN_COOKIE_NAME)
    return response


def _check_db() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return f"error: {type(exc).__name__}"
    finally:
        connection.close()


def _check_cache() -> str:
    try:
        cache.set("health:probe", 1, 10)
        return "ok" if cache.get("health:probe") == 1 else "error: cache did not keep a value"
    except Exception as exc:  # noqa: BLE001
        return f"error: {type(exc).__name__}"


async def _check_layer() -> str:
    if not redis_clients.enabled():
        return "ok" if get_channel_layer() is not None else "error: no channel layer"
    try:
        await redis_clients.async_client().ping()
        return "ok"
    except Exception as exc:  # noqa: BLE001
        return f"error: {type(exc).__name__}"


@api(["GET"], auth=False)
async def health(request):
    report = {
        "db": await db_async.run_blocking(_check_db),
        "channelLayer": await _check_layer(),
        "cache": await db_async.run_blocking(_check_cache),
    }
    if any(value != "ok" for value in report.values()):
        return 503, report
    return report


class _Page(BaseModel):
    cursor: str = Field(default="", max_length=200)
    limit: int = Field(default=50, ge=1, le=100)


@api(["GET"])
def data_collection(request, collection: str):
    reader = hooks.collections.get(collection)
    if reader is None:
        raise ApiError(404, errors.NOT_FOUND, f"No collection {collection!r}; try {', '.join(sorted(hooks.collections))}.")
    try:
        page = _Page(cursor=request.GET.get("cursor", ""), limit=request.GET.get("limit") or 50)
    except Exception:
        raise ApiError(400, errors.INVALID_REQUEST, "limit: must be a whole number from 1 to 100.", field="limit")
    items, next_cursor = reader(request.cfm_caller.user, page.cursor, page.limit)
    return {"items": items, "nextCursor": next_cursor}


@csrf_exempt  # an unknown path is 404 for every method, before any CSRF question
def not_found(request, rest: str = ""):
    """Any unknown path under /api/, authenticated or not."""
    return error(404, errors.NOT_FOUND, f"No endpoint {request.method} {request.path}.")
