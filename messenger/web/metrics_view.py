"""`/metrics` (Prometheus): answers only to `Authorization: Bearer $METRICS_TOKEN`
or a client address in METRICS_ALLOWED_IPS; with neither set it is 404."""

import hmac
import ipaddress

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseForbidden
from prometheus_client import CONTENT_TYPE_LATEST

from messenger.accounts import auth
from messenger.platform import clientip, metrics


def _allowed(request) -> bool:
    expected = settings.METRICS_TOKEN
    if expected:
        bearer = auth.bearer_from_header(request.headers.get("Authorization")) or ""
        if hmac.compare_digest(bearer.encode(), expected.encode()):
            return True
    if settings.METRICS_ALLOWED_IPS:
        try:
            ip = ipaddress.ip_address(clientip.from_request(request))
        except ValueError:
            return False
        return any(ip in ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_IPS)
    return False


def metrics_view(request):
    if not settings.METRICS_TOKEN and not settings.METRICS_ALLOWED_IPS:
        raise Http404("Metrics are off: set METRICS_TOKEN or METRICS_ALLOWED_IPS.")
    if not _allowed(request):
        return HttpResponseForbidden("Forbidden.\n", content_type="text/plain")
    return HttpResponse(metrics.scrape(), content_type=CONTENT_TYPE_LATEST)
