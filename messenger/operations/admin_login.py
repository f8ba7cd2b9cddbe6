"""The Django admin's sign-in behind the same failed-sign-in limits as
`POST /api/auth/login` (messenger.accounts.throttle): a staff password is
worth more than anyone's, so it must not be the one that can be guessed fast."""

import math

from asgiref.sync import async_to_sync
from django.contrib import admin
from django.http import HttpResponse

from messenger.accounts import throttle
from messenger.platform import clientip


def admin_login(request, **kwargs):
    if request.method != "POST":
        return admin.site.login(request, **kwargs)
    username = request.POST.get("username", "").strip().lower()
    ip = clientip.from_request(request)
    try:
        async_to_sync(throttle.gate)(username=username, ip=ip)
    except throttle.Throttled as refused:
        seconds = max(1, math.ceil(refused.retry_after_ms / 1000))
        response = HttpResponse(
            f"{refused.message} Try again in {seconds} s.\n", status=429, content_type="text/plain; charset=utf-8"
        )
        response["Retry-After"] = str(seconds)
        return response
    response = admin.site.login(request, **kwargs)
    # admin.site.login signs in only an active staff account with the right password.
    if request.user.is_authenticated and request.user.is_staff:
        async_to_sync(throttle.succeeded)(username=username, ip=ip)
    else:
        async_to_sync(throttle.failed)(username=username, ip=ip)
    return response
