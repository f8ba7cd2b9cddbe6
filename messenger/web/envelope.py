"""The HTTP API envelope (contract 1.1) and the decorator every API view uses.

A view returns its `data` (or `(status, data)`) or raises a refusal
(errors.Refused from a service, ApiError from the edge itself); the
decorator checks the method, parses and validates the JSON body with a
pydantic model, authenticates, and wraps everything in the envelope.
"""

import functools
import inspect
import logging
import time
from typing import Any

import orjson
import pydantic
from django.conf import settings
from django.http import HttpResponse

from messenger import errors
from messenger.platform import db_async, log_context, text_rules

log = logging.getLogger("messenger.web.envelope")


class ApiError(errors.Refused):
    """A refusal decided at the HTTP edge itself (method, body, headers), with its status."""

    def __init__(self, status: int, code: str, message: str, *, headers: dict | None = None, field: str | None = None):
        super().__init__(code, message, field=field)
        self.status = status
        self.headers = headers or {}


def _meta() -> dict:
    return {"timestamp": int(time.time() * 1000), "requestId": log_context.request_id.get()}


def _response(body: dict, status: int, headers: dict | None = None) -> HttpResponse:
    response = HttpResponse(orjson.dumps(body), status=status, content_type="application/json")
    for name, value in (headers or {}).items():
        response[name] = value
    response["Cache-Control"] = "no-store"
    return response


def ok(data: Any, status: int = 200) -> HttpResponse:
    return _response({"success": True, "data": data, "meta": _meta()}, status)


def error(status: int, code: str, message: str, *, headers: dict | None = None, field: str | None = None) -> HttpResponse:
    err = {"code": code, "message": message}
    if field:
        err["field"] = field
    return _response({"success": False, "error": err, "meta": _meta()}, status, headers)


def error_from(exc: errors.Refused) -> HttpResponse:
    """The answer to a refusal: a service's maps its code to the status (errors.HTTP_STATUS)."""
    if isinstance(exc, ApiError):
        return error(exc.status, exc.code, exc.message, headers=exc.headers, field=exc.field)
    return error(errors.HTTP_STATUS[exc.code], exc.code, exc.message, field=exc.field)


def rate_limited(retry_after_ms: int, message: str = "Too many requests.") -> ApiError:
    seconds = max(1, -(-retry_after_ms // 1000))
    return ApiError(
        429, errors.RATE_LIMITED, f"{message} Try again in {seconds} s.", headers={"Retry-After": str(seconds)}
    )


def parse_body(request, schema: type[pydantic.BaseModel] | None) -> pydantic.BaseModel | None:
    if schema is None:
        return None
    content_type = request.content_type or ""
    if content_type != "application/json":
        raise ApiError(400, errors.INVALID_REQUEST, "Send a JSON body with Content-Type: application/json.")
    # Content-Length was checked by the middleware; a chunked body has none.
    if len(request.body) > settings.API_MAX_BODY_BYTES:
        raise ApiError(413, errors.PAYLOAD_TOO_LARGE, "The request body is larger than 64 KiB.")
    try:
        raw = orjson.loads(request.body or b"null")
    except orjson.JSONDecodeError:
        raise ApiError(400, errors.INVALID_REQUEST, "The body is not valid JSON.")
    if not isinstance(raw, dict):
        raise ApiError(400, errors.INVALID_REQUEST, "The body must be a JSON object.")
    bad = text_rules.control_field(raw)
    if bad is not None:
        raise ApiError(400, errors.INVALID_MESSAGE, f"{bad}: control characters (such as NUL) are not allowed.", field=bad)
    try:
        return schema.model_validate(raw)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        message = first["msg"]
        if first["type"] == "missing":
            message = "is required"
        raise ApiError(400, errors.INVALID_REQUEST, f"{field}: {message}" if field else message, field=field)


def _wrap_result(result) -> HttpResponse:
    if isinstance(result, HttpResponse):
        return result
    if isinstance(result, tuple):
        status, data = result
        return ok(data, status)
    return ok(result)


def api(methods=("GET",), *, auth: bool = True, body: type[pydantic.BaseModel] | None = None):
    """Decorate an API view (sync or async).

    The view is called as view(request, *args, body=..., **kwargs) when a body
    schema is given. With auth=True, request.cfm_user / request.cfm_token are set
    or the call answers 401. Cookie-authenticated unsafe methods need the CSRF token.
    """
    from messenger.accounts import auth as auth_mod

    allowed = tuple(m.upper() for m in methods)

    def decorate(view):
        is_async = inspect.iscoroutinefunction(view)

        def prepare(request):
            if request.method not in allowed:
                raise ApiError(
                    405,
                    errors.METHOD_NOT_ALLOWED,
                    f"{request.method} is not allowed here; use {', '.join(allowed)}.",
                    headers={"Allow": ", ".join(allowed)},
                )
            if auth:
                auth_mod.authenticate_request(request)
            return parse_body(request, body)

        def kwargs_for(parsed, kwargs):
            return {**kwargs, "body": parsed} if body is not None else kwargs

        if is_async:

            @functools.wraps(view)
            async def async_wrapper(request, *args, **kwargs):
                try:
                    parsed = await db_async.run_in_request(prepare, request)
                    return _wrap_result(await view(request, *args, **kwargs_for(parsed, kwargs)))
                except errors.Refused as exc:
                    return error_from(exc)

            async_wrapper.csrf_exempt = True
            return async_wrapper

        @functools.wraps(view)
        def sync_wrapper(request, *args, **kwargs):
            try:
                parsed = prepare(request)
                return _wrap_result(view(request, *args, **kwargs_for(parsed, kwargs)))
            except errors.Refused as exc:
                return error_from(exc)

        sync_wrapper.csrf_exempt = True
        return sync_wrapper

    return decorate
