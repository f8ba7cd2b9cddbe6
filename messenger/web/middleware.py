"""Request id, size limit, control characters in the path or query refused,
envelope for every /api/ answer, one log line per request."""

import logging
import time
import uuid

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpResponseBadRequest

from messenger import errors
from messenger.platform import log_context, text_rules
from messenger.web import envelope as api

log = logging.getLogger("messenger.request")

_STATUS_CODES = {
    400: (errors.INVALID_REQUEST, "The request is malformed."),
    401: (errors.UNAUTHENTICATED, "Sign in first."),
    403: (errors.FORBIDDEN, "Forbidden."),
    404: (errors.NOT_FOUND, "No such endpoint."),
    405: (errors.METHOD_NOT_ALLOWED, "Method not allowed."),
    413: (errors.PAYLOAD_TOO_LARGE, "The request body is larger than 64 KiB."),
    429: (errors.RATE_LIMITED, "Too many requests."),
}


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _control_in_url(request) -> str | None:
    """`path`, a query parameter's name, or `query` when the URL holds a
    control character: refused here, before any view or query sees it."""
    if text_rules.has_control(request.path):
        return "path"
    for key, values in request.GET.lists():
        if text_rules.has_control(key):
            return "query"
        if any(text_rules.has_control(value) for value in values):
            return key
    return None


class RequestContextMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def _before(self, request):
        request_id = uuid.uuid4().hex
        request.request_id = request_id
        log_context.request_id.set(request_id)
        log_context.log_user.set("")
        log_context.log_room.set("")
        request._cfm_started = time.perf_counter()
        bad = _control_in_url(request)
        if bad is not None:
            message = f"{bad}: control characters (such as NUL) are not allowed."
            if _is_api(request):
                return api.error(400, errors.INVALID_MESSAGE, message, field=bad)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        if _is_api(request):
            from django.conf import settings

            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            limit = settings.AVATAR_MAX_UPLOAD_BYTES if request.path == settings.AVATAR_UPLOAD_PATH else settings.API_MAX_BODY_BYTES
            if length > limit:
                return api.error(
                    413, errors.PAYLOAD_TOO_LARGE, f"The request body is larger than {limit // 1024} KiB."
                )
        return None

    def _after(self, request, response):
        if _is_api(request) and response.get("Content-Type", "") != "application/json":
            status = response.status_code
            code, message = _STATUS_CODES.get(status, (errors.INTERNAL, "Something went wrong on our side."))
            if status >= 500:
                code, message = errors.INTERNAL, "Something went wrong on our side."
            headers = {name: response[name] for name in ("Allow", "Retry-After") if response.has_header(name)}
            response = api.error(status, code, message, headers=headers)
        response["X-Request-Id"] = request.request_id
        log.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "ms": round((time.perf_counter() - request._cfm_started) * 1000, 1),
            },
        )
        return response

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        early = self._before(request)
        response = early or self.get_response(request)
        return self._after(request, response)

    async def __acall__(self, request):
        early = self._before(request)
        response = early or await self.get_response(request)
        return self._after(request, response)

    def process_exception(self, request, exception):
        if not _is_api(request):
            return None
        from django.core.exceptions import RequestDataTooBig

        if isinstance(exception, RequestDataTooBig):
            return api.error(413, errors.PAYLOAD_TOO_LARGE, "The request body is larger than 64 KiB.")
        log.exception("unhandled error in API view")
        return api.error(500, errors.INTERNAL, "Something went wrong on our side.")
