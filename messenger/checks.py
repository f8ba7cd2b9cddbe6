from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def turnstile_configured(app_configs, **kwargs):
    if settings.PRODUCTION and not settings.TURNSTILE_SECRET_KEY:
        return [
            Warning(
                "Turnstile is not configured in production mode.",
                hint="Set TURNSTILE_SITE_KEY and TURNSTILE_SECRET_KEY so sign-in and registration are bot-gated.",
                id="messenger.W001",
            )
        ]
    return []
