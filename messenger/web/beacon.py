"""The optional web analytics beacon (Cloudflare Web Analytics), a template
context processor: pages extending messenger/base.html load it only when
WEB_ANALYTICS_TOKEN is set. The CSP side is in settings.py."""

import json

from django.conf import settings


def web_analytics(request) -> dict:
    if not settings.WEB_ANALYTICS_TOKEN:
        return {}
    return {
        "web_analytics_script": settings.WEB_ANALYTICS_SCRIPT,
        # JSON in an attribute: the template's escaping keeps it one attribute.
        "web_analytics_beacon": json.dumps({"token": settings.WEB_ANALYTICS_TOKEN}),
    }
