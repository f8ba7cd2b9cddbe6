"""Server-rendered pages of the web UI: the messenger app and the privacy note.

The pages carry no user data: the client fetches everything through the
API and sockets after load, so the HTML can stay static per deployment.
"""

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from messenger.models import STATUS_CHOICES

OFFLINE = {"code": "offline", "label": "Offline"}


def _allow_own_sockets(request, response):
    """connect-src for the page's own host over ws: and wss: (CSP 'self' alone
    does not cover WebSockets in every browser)."""
    host = request.get_host()
    response._csp_update = {"connect-src": [f"ws://{host}", f"wss://{host}"]}
    return response


@require_GET
@ensure_csrf_cookie
def app(request):
    context = {
        "statuses": [{"code": code, "label": label} for code, label in STATUS_CHOICES] + [OFFLINE],
        "turnstile_site_key": settings.TURNSTILE_SITE_KEY,
        "registration_open": settings.REGISTRATION_OPEN,
    }
    response = render(request, "messenger/app.html", context)
    response["Cache-Control"] = "no-store"
    return _allow_own_sockets(request, response)


@require_GET
def privacy(request):
    return render(request, "messenger/privacy.html")
