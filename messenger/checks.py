from django.conf import settings
from django.core.checks import Error, Warning, register
from django.core.exceptions import ImproperlyConfigured


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


@register(deploy=True)
def message_encryption_configured(app_configs, **kwargs):
    if settings.PRODUCTION and not settings.MESSAGE_ENCRYPTION_KEYS:
        return [
            Warning(
                "Message text is stored in plain text: no MESSAGE_ENCRYPTION_KEY is set.",
                hint="Set MESSAGE_ENCRYPTION_KEY to 32 random bytes in URL-safe base64 (docs/OPERATIONS.md).",
                id="messenger.W002",
            )
        ]
    return []


@register()
def message_encryption_keys_valid(app_configs, **kwargs):
    from . import crypto

    crypto.reload_keys()
    try:
        crypto.enabled()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="messenger.E001")]
    return []
